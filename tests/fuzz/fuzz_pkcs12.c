/* fuzz_pkcs12.c - libFuzzer harness for hc_pkcs12_open()
 *
 * The input is a PFX (an exact-size copy) opened with the fixed password
 * of make-seeds.sh. Most seeds carry no MAC or unencrypted bags, so that
 * mutations get past the integrity check. On success the key and its
 * certificate must both be there; on failure no out-param is written.
 */
#include "fuzz.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/pkcs12.h"

#define FUZZ_PASSWORD "fuzz-password-1"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	hc_secret *pw = NULL;
	hc_err err = { 0 };
	unsigned char *buf = fuzz_memdup(data, size);
	int r;

	if (buf == NULL)
		return 0;
	pw = hc_secret_new(FUZZ_PASSWORD, strlen(FUZZ_PASSWORD), &err);
	if (pw == NULL)
		goto out;
	r = hc_pkcs12_open(buf, size, "fuzz.pfx", pw, &key, &leaf, &chain,
			   &err);
	fuzz_check_err(r, &err);
	if (r == 0) {
		FUZZ_REQUIRE(key != NULL && leaf != NULL,
			     "a PKCS#12 opens to a key and its certificate");
	} else {
		FUZZ_REQUIRE(key == NULL && leaf == NULL && chain == NULL,
			     "no out-param is written on failure");
	}
out:
	EVP_PKEY_free(key);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	hc_secret_free(pw);
	ERR_clear_error();
	free(buf);
	return 0;
}
