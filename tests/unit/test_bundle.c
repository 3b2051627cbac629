/* test_bundle.c - what a CA hands back: PEM, DER, PKCS#7, PKCS#12
 *
 * The inputs are in tests/unit/data, made by make.sh there and checked in;
 * nothing runs openssl here. The data directory is found from the repo top
 * (the current directory, or $HSMCERT_TOP).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/bundle.h"
#include "core/error.h"

/* Read tests/unit/data/NAME; fails the test when it cannot. */
static unsigned char *
data_read(const char *name, size_t *len)
{
	const char *top = getenv("HSMCERT_TOP");
	char path[4096];
	unsigned char *buf = NULL;
	hc_err err = { 0 };
	int n;

	if (top == NULL || *top == '\0')
		top = ".";
	n = snprintf(path, sizeof(path), "%s/tests/unit/data/%s", top, name);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	if (hc_file_read(path, &buf, len, &err) != 0)
		fail_msg("%s (run from the repo top or set HSMCERT_TOP)",
			 err.msg);
	return buf;
}

/* Parse a data file, expecting success. */
static STACK_OF(X509) *
parse_ok(const char *name, enum hc_bundle_kind want)
{
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };
	unsigned char *buf;
	size_t len = 0;
	int rc;

	buf = data_read(name, &len);
	rc = hc_bundle_parse(buf, len, name, &kind, &certs, &err);
	free(buf);
	if (rc != 0)
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(err.code, HC_OK);
	assert_int_equal(kind, want);
	if (want == HC_BUNDLE_PKCS12)
		assert_null(certs);
	else
		assert_non_null(certs);
	assert_int_equal(ERR_peek_error(), 0);
	return certs;
}

/* Parse a data file, expecting HC_E_USAGE with a message holding `what`. */
static void
parse_fails(const char *name, const char *what)
{
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };
	unsigned char *buf;
	size_t len = 0;

	buf = data_read(name, &len);
	assert_int_equal(hc_bundle_parse(buf, len, name, &kind, &certs, &err),
			 -1);
	free(buf);
	assert_int_equal(err.code, HC_E_USAGE);
	if (strstr(err.msg, name) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("%s: got \"%s\", want \"%s\"", name, err.msg, what);
	assert_null(certs);
	assert_int_equal(kind, 0);
	assert_int_equal(ERR_peek_error(), 0);
}

/* The CN of certificate i, for order checks. */
static const char *
cn(STACK_OF(X509) *certs, int i, char *buf, size_t cap)
{
	X509_NAME *nm = X509_get_subject_name(sk_X509_value(certs, i));

	assert_true(X509_NAME_get_text_by_NID(nm, NID_commonName, buf,
					      (int)cap) > 0);
	return buf;
}

/* Assert that certs holds exactly the CNs given, in this order. */
static void
assert_cns(STACK_OF(X509) *certs, int n, const char *const *want)
{
	char buf[128];
	int i;

	assert_int_equal(sk_X509_num(certs), n);
	for (i = 0; i < n; i++)
		assert_string_equal(cn(certs, i, buf, sizeof(buf)), want[i]);
}

#define LEAF "mail.example.test"
#define INTER "Test Issuing CA"
#define ROOT "Test Root CA"

static void
test_bundle_single_pem_cert(void **state)
{
	STACK_OF(X509) *certs = parse_ok("leaf.pem", HC_BUNDLE_CERTS);
	const char *want[] = { LEAF };

	(void)state;
	assert_cns(certs, 1, want);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_der_cert(void **state)
{
	STACK_OF(X509) *certs = parse_ok("leaf.der", HC_BUNDLE_CERTS);
	STACK_OF(X509) *pem = parse_ok("leaf.pem", HC_BUNDLE_CERTS);
	const char *want[] = { LEAF };

	(void)state;
	assert_cns(certs, 1, want);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 0),
				  sk_X509_value(pem, 0)), 0);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(pem, X509_free);
}

static void
test_bundle_shuffled_chain_keeps_file_order_then_sorts(void **state)
{
	STACK_OF(X509) *certs = parse_ok("chain-shuffled.pem",
					 HC_BUNDLE_CERTS);
	const char *file[] = { ROOT, LEAF, INTER };
	const char *sorted[] = { LEAF, INTER, ROOT };

	(void)state;
	assert_cns(certs, 3, file);
	hc_bundle_order(certs);
	assert_cns(certs, 3, sorted);
	/* Sorting a sorted chain changes nothing. */
	hc_bundle_order(certs);
	assert_cns(certs, 3, sorted);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_order_with_leaf_last_and_root_first(void **state)
{
	STACK_OF(X509) *certs = parse_ok("chain-shuffled.pem",
					 HC_BUNDLE_CERTS);
	STACK_OF(X509) *one = NULL;
	const char *mid_root[] = { INTER, ROOT };
	const char *sorted[] = { LEAF, INTER, ROOT };
	X509 *leaf;

	(void)state;
	/* Without the leaf: intermediate, then root. */
	leaf = sk_X509_delete(certs, 1);
	assert_non_null(leaf);
	hc_bundle_order(certs);
	assert_cns(certs, 2, mid_root);
	/* Leaf appended last, root first: still leaf, intermediate, root. */
	assert_true(sk_X509_unshift(certs, sk_X509_pop(certs)) > 0);
	assert_true(sk_X509_push(certs, leaf) > 0);
	hc_bundle_order(certs);
	assert_cns(certs, 3, sorted);
	/* NULL and single-element stacks are left alone. */
	hc_bundle_order(NULL);
	one = sk_X509_new_null();
	assert_non_null(one);
	hc_bundle_order(one);
	sk_X509_free(one);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_pkcs7_pem(void **state)
{
	STACK_OF(X509) *certs = parse_ok("chain-p7.pem", HC_BUNDLE_CERTS);
	const char *want[] = { LEAF, INTER, ROOT };

	(void)state;
	assert_cns(certs, 3, want);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_pkcs7_der_then_order(void **state)
{
	STACK_OF(X509) *certs = parse_ok("chain-p7.der", HC_BUNDLE_CERTS);
	const char *sorted[] = { LEAF, INTER, ROOT };
	X509 *x;

	(void)state;
	/* A PKCS#7 SET comes sorted by encoding: shuffle it first. */
	assert_int_equal(sk_X509_num(certs), 3);
	x = sk_X509_shift(certs);
	assert_true(sk_X509_push(certs, x) > 0);
	x = sk_X509_delete(certs, 0);
	assert_true(sk_X509_push(certs, x) > 0);
	hc_bundle_order(certs);
	assert_cns(certs, 3, sorted);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_lone_ca_cert(void **state)
{
	STACK_OF(X509) *certs = parse_ok("int.pem", HC_BUNDLE_CERTS);
	const char *want[] = { INTER };

	(void)state;
	assert_cns(certs, 1, want);
	assert_int_not_equal(X509_check_ca(sk_X509_value(certs, 0)), 0);
	hc_bundle_order(certs);
	assert_cns(certs, 1, want);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_trusted_certificate_loses_trust(void **state)
{
	STACK_OF(X509) *certs = parse_ok("trusted.pem", HC_BUNDLE_CERTS);
	const char *want[] = { ROOT };

	(void)state;
	assert_cns(certs, 1, want);
	/* The file says "trusted for serverAuth": that is not kept. */
	assert_int_equal(X509_check_trust(sk_X509_value(certs, 0),
					  X509_TRUST_SSL_SERVER,
					  X509_TRUST_NO_SS_COMPAT),
			 X509_TRUST_UNTRUSTED);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_trusted_and_plain_copy_deduplicated(void **state)
{
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };
	unsigned char *a, *b, *both;
	size_t alen = 0, blen = 0;
	const char *want[] = { ROOT };

	(void)state;
	a = data_read("root.pem", &alen);
	b = data_read("trusted.pem", &blen);
	both = malloc(alen + blen);
	assert_non_null(both);
	memcpy(both, a, alen);
	memcpy(both + alen, b, blen);
	assert_int_equal(hc_bundle_parse(both, alen + blen, "both.pem", &kind,
					 &certs, &err), 0);
	assert_cns(certs, 1, want);
	sk_X509_pop_free(certs, X509_free);
	free(a);
	free(b);
	free(both);
}

static void
test_bundle_pkcs12_detected(void **state)
{
	STACK_OF(X509) *certs = parse_ok("leaf.p12", HC_BUNDLE_PKCS12);

	(void)state;
	assert_null(certs);
}

static void
test_bundle_crlf_bom_and_text_between_blocks(void **state)
{
	STACK_OF(X509) *certs = parse_ok("crlf.pem", HC_BUNDLE_CERTS);
	const char *want[] = { LEAF, INTER };

	(void)state;
	assert_cns(certs, 2, want);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_duplicates_removed(void **state)
{
	STACK_OF(X509) *certs = parse_ok("dup.pem", HC_BUNDLE_CERTS);
	const char *want[] = { LEAF, INTER };

	(void)state;
	assert_cns(certs, 2, want);
	sk_X509_pop_free(certs, X509_free);
}

static void
test_bundle_empty_file(void **state)
{
	(void)state;
	parse_fails("empty.pem", "empty.pem is empty");
}

static void
test_bundle_blank_input_is_empty(void **state)
{
	static const unsigned char blank[] = "\xef\xbb\xbf \r\n\t\n";
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_bundle_parse(blank, sizeof(blank) - 1, "b.pem",
					 &kind, &certs, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_string_equal(err.msg, "b.pem is empty");
	hc_err_clear(&err);
	assert_int_equal(hc_bundle_parse(NULL, 0, "n.pem", &kind, &certs,
					 &err), -1);
	assert_string_equal(err.msg, "n.pem is empty");
	assert_null(certs);
}

static void
test_bundle_garbage_text(void **state)
{
	(void)state;
	parse_fails("garbage.txt",
		    "is not a certificate, PKCS#7 or PKCS#12 file");
}

static void
test_bundle_garbage_binary(void **state)
{
	(void)state;
	parse_fails("garbage.bin",
		    "is not a certificate, PKCS#7 or PKCS#12 file "
		    "(or it is truncated)");
}

static void
test_bundle_truncated_pem(void **state)
{
	(void)state;
	parse_fails("truncated.pem",
		    ": the PEM block 2 (CERTIFICATE) is damaged or truncated");
}

static void
test_bundle_bad_base64_pem(void **state)
{
	(void)state;
	parse_fails("badbase64.pem",
		    ": the PEM block 1 (CERTIFICATE) is damaged or truncated");
}

static void
test_bundle_truncated_der(void **state)
{
	(void)state;
	parse_fails("truncated.der",
		    "is not a certificate, PKCS#7 or PKCS#12 file "
		    "(or it is truncated)");
}

static void
test_bundle_der_with_trailing_garbage(void **state)
{
	(void)state;
	parse_fails("trailing.der",
		    "is not a certificate, PKCS#7 or PKCS#12 file");
}

static void
test_bundle_request_pem(void **state)
{
	(void)state;
	parse_fails("req.pem", "req.pem is a certificate request, not the "
		    "CA's answer: send it to the CA");
}

static void
test_bundle_request_der(void **state)
{
	(void)state;
	parse_fails("req.der", "req.der is a certificate request, not the "
		    "CA's answer: send it to the CA");
}

static void
test_bundle_private_key_among_certs(void **state)
{
	(void)state;
	parse_fails("key-and-cert.pem", "key-and-cert.pem holds a private "
		    "key: import keys only as PKCS#12 (.pfx)");
}

static void
test_bundle_private_key_alone_holds_no_certificate(void **state)
{
	(void)state;
	parse_fails("key-only.pem", "key-only.pem holds no certificate "
		    "(PEM blocks found: PRIVATE KEY)");
}

static void
test_bundle_pkcs7_without_certs(void **state)
{
	(void)state;
	parse_fails("empty-p7.der",
		    "empty-p7.der: the PKCS#7 holds no certificate");
}

static void
test_bundle_refuses_over_16_mib(void **state)
{
	size_t len = HC_BUNDLE_MAX_SIZE + 1;
	unsigned char *big = calloc(1, len);
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };

	(void)state;
	assert_non_null(big);
	big[0] = 0x30;
	assert_int_equal(hc_bundle_parse(big, len, "big.der", &kind, &certs,
					 &err), -1);
	free(big);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "big.der is larger than 16 MiB"));
}

/*
 * n certificates in PEM, n - 1 of them distinct: leaf.der with the last
 * bytes of its signature varied (the parser does not verify signatures).
 */
static unsigned char *
many_certs_pem(int n, size_t *len)
{
	unsigned char *der, *pem;
	size_t dlen = 0;
	BIO *bio = BIO_new(BIO_s_mem());
	char *p = NULL;
	long plen;
	int i;

	assert_non_null(bio);
	der = data_read("leaf.der", &dlen);
	assert_true(dlen > 8);
	for (i = 0; i < n; i++) {
		/* The last certificate repeats the first one. */
		int v = i == n - 1 ? 0 : i;

		der[dlen - 1] = (unsigned char)(v & 0xff);
		der[dlen - 2] = (unsigned char)(v >> 8);
		assert_true(PEM_write_bio(bio, "CERTIFICATE", "", der,
					  (long)dlen) > 0);
	}
	plen = BIO_get_mem_data(bio, &p);
	assert_true(plen > 0);
	pem = malloc((size_t)plen);
	assert_non_null(pem);
	memcpy(pem, p, (size_t)plen);
	*len = (size_t)plen;
	BIO_free(bio);
	free(der);
	return pem;
}

static void
test_bundle_refuses_over_1000_certificates(void **state)
{
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };
	unsigned char *pem;
	size_t len = 0;

	(void)state;
	/* 1000 distinct and one of them again: the duplicate does not count. */
	pem = many_certs_pem(HC_BUNDLE_MAX_CERTS + 1, &len);
	assert_int_equal(hc_bundle_parse(pem, len, "many.pem", &kind, &certs,
					 &err), 0);
	assert_int_equal(sk_X509_num(certs), HC_BUNDLE_MAX_CERTS);
	sk_X509_pop_free(certs, X509_free);
	certs = NULL;
	free(pem);

	pem = many_certs_pem(HC_BUNDLE_MAX_CERTS + 2, &len);
	assert_int_equal(hc_bundle_parse(pem, len, "many.pem", &kind, &certs,
					 &err), -1);
	free(pem);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg,
			       "many.pem holds more than 1000 certificates"));
	assert_null(certs);
}

static void
test_bundle_file_read_errors_name_the_path(void **state)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_file_read("/nonexistent/ca.p7b", &buf, &len,
				      &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "/nonexistent/ca.p7b"));
	assert_non_null(strstr(err.msg, "No such file"));
	assert_null(buf);

	hc_err_clear(&err);
	assert_int_equal(hc_file_read("/", &buf, &len, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "Is a directory"));

	/* An endless file stops at the limit. */
	hc_err_clear(&err);
	assert_int_equal(hc_file_read("/dev/zero", &buf, &len, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "/dev/zero is larger than 16 MiB"));
	assert_null(buf);
}

static void
test_bundle_file_read_empty_file(void **state)
{
	size_t len = 1;
	unsigned char *buf = data_read("empty.pem", &len);

	(void)state;
	assert_non_null(buf);
	assert_int_equal(len, 0);
	free(buf);
}

/* Parse buf and check the contract holds whatever the outcome. */
static void
parse_any(const unsigned char *buf, size_t len)
{
	enum hc_bundle_kind kind = 0;
	STACK_OF(X509) *certs = NULL;
	hc_err err = { 0 };

	if (hc_bundle_parse(buf, len, "fuzz.in", &kind, &certs, &err) == 0) {
		assert_int_equal(err.code, HC_OK);
		if (kind == HC_BUNDLE_CERTS) {
			assert_true(sk_X509_num(certs) > 0);
			hc_bundle_order(certs);
		} else {
			assert_int_equal(kind, HC_BUNDLE_PKCS12);
			assert_null(certs);
		}
	} else {
		assert_int_equal(err.code, HC_E_USAGE);
		assert_non_null(strstr(err.msg, "fuzz.in"));
		assert_null(certs);
		assert_int_equal(kind, 0);
	}
	assert_int_equal(ERR_peek_error(), 0);
	sk_X509_pop_free(certs, X509_free);
}

/*
 * Prefixes (every one for DER, where d2i meets truncation; every fifth for
 * PEM) and a flipped byte at every fifth position: no crash, no leak, the
 * contract kept. The libFuzzer harness goes further; this stays quick
 * enough for make valgrind.
 */
static void
test_bundle_survives_truncation_and_flips(void **state)
{
	static const struct {
		const char *name;
		size_t step;
	} files[] = {
		{ "chain-p7.der", 1 }, { "leaf.p12", 1 }, { "req.der", 1 },
		{ "crlf.pem", 5 }, { "key-and-cert.pem", 5 },
		{ "trusted.pem", 5 },
	};
	size_t f, i, len;
	unsigned char *buf;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		buf = data_read(files[f].name, &len);
		for (i = 0; i <= len; i += files[f].step)
			parse_any(buf, i);
		for (i = 0; i < len; i += 5) {
			buf[i] ^= 0x41;
			parse_any(buf, len);
			buf[i] ^= 0x41;
		}
		free(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_single_pem_cert),
		cmocka_unit_test(test_bundle_der_cert),
		cmocka_unit_test(
			test_bundle_shuffled_chain_keeps_file_order_then_sorts),
		cmocka_unit_test(
			test_bundle_order_with_leaf_last_and_root_first),
		cmocka_unit_test(test_bundle_pkcs7_pem),
		cmocka_unit_test(test_bundle_pkcs7_der_then_order),
		cmocka_unit_test(test_bundle_lone_ca_cert),
		cmocka_unit_test(test_bundle_trusted_certificate_loses_trust),
		cmocka_unit_test(
			test_bundle_trusted_and_plain_copy_deduplicated),
		cmocka_unit_test(test_bundle_pkcs12_detected),
		cmocka_unit_test(test_bundle_crlf_bom_and_text_between_blocks),
		cmocka_unit_test(test_bundle_duplicates_removed),
		cmocka_unit_test(test_bundle_empty_file),
		cmocka_unit_test(test_bundle_blank_input_is_empty),
		cmocka_unit_test(test_bundle_garbage_text),
		cmocka_unit_test(test_bundle_garbage_binary),
		cmocka_unit_test(test_bundle_truncated_pem),
		cmocka_unit_test(test_bundle_bad_base64_pem),
		cmocka_unit_test(test_bundle_truncated_der),
		cmocka_unit_test(test_bundle_der_with_trailing_garbage),
		cmocka_unit_test(test_bundle_request_pem),
		cmocka_unit_test(test_bundle_request_der),
		cmocka_unit_test(test_bundle_private_key_among_certs),
		cmocka_unit_test(
			test_bundle_private_key_alone_holds_no_certificate),
		cmocka_unit_test(test_bundle_pkcs7_without_certs),
		cmocka_unit_test(test_bundle_refuses_over_16_mib),
		cmocka_unit_test(test_bundle_refuses_over_1000_certificates),
		cmocka_unit_test(test_bundle_file_read_errors_name_the_path),
		cmocka_unit_test(test_bundle_file_read_empty_file),
		cmocka_unit_test(test_bundle_survives_truncation_and_flips),
	};

	return cmocka_run_group_tests_name("bundle", tests, NULL, NULL);
}
