/* fuzz_bundle.c - libFuzzer harness for hc_bundle_parse() and
 * hc_bundle_order()
 *
 * The input is the file a CA handed back (an exact-size copy). bundle.h
 * promises: certificates only for HC_BUNDLE_CERTS, none for a PKCS#12, no
 * duplicates, nothing leaked and the OpenSSL error queue left empty. The
 * stack is then ordered leaf-first, which must keep every certificate.
 */
#include "fuzz.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/bundle.h"

static void
check_certs(STACK_OF(X509) *certs)
{
	int i, j, n = sk_X509_num(certs);

	FUZZ_REQUIRE(n >= 1 && n <= HC_BUNDLE_MAX_CERTS,
		     "1 to HC_BUNDLE_MAX_CERTS certificates");
	for (i = 0; i < n; i++) {
		FUZZ_REQUIRE(sk_X509_value(certs, i) != NULL,
			     "no NULL in the stack");
		for (j = 0; j < i; j++)
			FUZZ_REQUIRE(X509_cmp(sk_X509_value(certs, i),
					      sk_X509_value(certs, j)) != 0,
				     "certificates are de-duplicated");
	}
	hc_bundle_order(certs);
	FUZZ_REQUIRE(sk_X509_num(certs) == n, "ordering keeps every certificate");
	for (i = 0; i < n; i++)
		FUZZ_REQUIRE(sk_X509_value(certs, i) != NULL,
			     "ordering leaves no hole");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };
	unsigned char *buf = fuzz_memdup(data, size);
	int r;

	if (buf == NULL)
		return 0;
	ERR_clear_error();
	r = hc_bundle_parse(buf, size, "fuzz.pem", &kind, &certs, &err);
	fuzz_check_err(r, &err);
	FUZZ_REQUIRE(ERR_peek_error() == 0,
		     "the OpenSSL error queue is left empty");
	if (r == 0 && kind == HC_BUNDLE_CERTS) {
		FUZZ_REQUIRE(certs != NULL, "HC_BUNDLE_CERTS has a stack");
		check_certs(certs);
	} else if (r == 0) {
		FUZZ_REQUIRE(kind == HC_BUNDLE_PKCS12 && certs == NULL,
			     "HC_BUNDLE_PKCS12 has no stack");
	} else {
		FUZZ_REQUIRE(certs == NULL, "no stack on failure");
	}
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	free(buf);
	return 0;
}
