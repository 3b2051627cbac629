/* test_x509_brief.c - the brief parse of a self-signed leaf says what
 * d2i_X509 says, field for field, and the parse pool hands back what was
 * added, in order */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/x509.h"
#include "core/x509_brief.h"
#include "core/x509_pool.h"

/* A certificate of key (signed by signer), issuer = subject unless
 * issuer_cn is set; ext lines are "NAME:VALUE" for X509V3_EXT_conf_nid. */
static X509 *
make(EVP_PKEY *key, EVP_PKEY *signer, const char *cn, const char *issuer_cn,
     const char *san, int ca, int dup_ext)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new(), *in = X509_NAME_new();
	X509V3_CTX v;
	X509_EXTENSION *e;

	assert_non_null(x);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234abcd);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_UTF8,
				   (const unsigned char *)(issuer_cn ? issuer_cn :
							   cn), -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, in);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v, NID_basic_constraints,
				ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, e, -1);
	if (dup_ext)
		X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	if (san != NULL) {
		e = X509V3_EXT_conf_nid(NULL, &v, NID_subject_alt_name, san);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	X509_NAME_free(n);
	X509_NAME_free(in);
	return x;
}

static unsigned char *
der_of(X509 *x, size_t *len)
{
	unsigned char *d = NULL;
	int n = i2d_X509(x, &d);

	assert_true(n > 0);
	*len = (size_t)n;
	return d;
}

static void
assert_same_entry(const hc_entry *a, const hc_entry *b)
{
	size_t i;

	assert_string_equal(a->subject, b->subject);
	assert_string_equal(a->issuer, b->issuer);
	assert_int_equal(a->not_before, b->not_before);
	assert_int_equal(a->not_after, b->not_after);
	assert_int_equal(a->is_self_signed, b->is_self_signed);
	assert_string_equal(a->thumbprint, b->thumbprint);
	assert_string_equal(a->sha256, b->sha256);
	assert_string_equal(a->serial, b->serial);
	assert_string_equal(a->signature_algorithm, b->signature_algorithm);
	assert_string_equal(a->key_algorithm, b->key_algorithm);
	assert_int_equal(a->key_size, b->key_size);
	if (a->curve != NULL || b->curve != NULL)
		assert_string_equal(a->curve, b->curve);
	assert_int_equal(a->ndomains, b->ndomains);
	for (i = 0; i < a->ndomains; i++)
		assert_string_equal(a->domains[i], b->domains[i]);
}

/* brief and full parses of x agree; returns the brief verdict */
static int
check_same(X509 *x)
{
	struct hc_x509_brief_ctx *c = hc_x509_brief_ctx_new(1);
	struct hc_x509_brief *b;
	struct hc_cert_view v;
	hc_entry e1, e2;
	unsigned char *der;
	size_t len;
	int ok;
	hc_err err = { 0 };
	X509 *full;
	const unsigned char *p;

	der = der_of(x, &len);
	p = der;
	full = d2i_X509(NULL, &p, (long)len);
	assert_non_null(full);
	assert_non_null(c);
	b = hc_x509_brief_parse(c, der, len);
	assert_non_null(b);
	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	assert_int_equal(hc_x509_fill_entry(full, &e1, &err), 0);
	hc_x509_brief_view(b, &v);
	assert_int_equal(hc_x509_view_fill_entry(&v, &e2, &err), 0);
	assert_same_entry(&e1, &e2);
	ok = hc_x509_brief_self_signature_ok(b);
	assert_int_equal(ok, hc_x509_self_signature_ok(full));
	hc_entry_release(&e1);
	hc_entry_release(&e2);
	hc_x509_brief_free(b);
	hc_x509_brief_ctx_free(c);
	X509_free(full);
	OPENSSL_free(der);
	return ok;
}

static int
is_brief(X509 *x)
{
	struct hc_x509_brief_ctx *c = hc_x509_brief_ctx_new(1);
	struct hc_x509_brief *b;
	unsigned char *der;
	size_t len;
	int r;

	der = der_of(x, &len);
	b = hc_x509_brief_parse(c, der, len);
	r = b != NULL;
	hc_x509_brief_free(b);
	hc_x509_brief_ctx_free(c);
	OPENSSL_free(der);
	return r;
}

static void
test_brief_ec_leaf_matches_d2i(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = make(k, k, "brief.example.com", NULL,
		       "DNS:brief.example.com,DNS:*.brief.example.com,IP:192.0.2.7",
		       0, 0);

	(void)state;
	assert_int_equal(check_same(x), 1);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
test_brief_rsa_leaf_matches_d2i(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	X509 *x = make(k, k, "rsa.example.com", NULL, NULL, 0, 0);

	(void)state;
	assert_int_equal(check_same(x), 1);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* a context without check (renew --due) reads names and dates only */
static void
test_brief_without_check_reads_dates_only(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *f = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = make(k, f, "dates.example.com", NULL, NULL, 0, 0);
	struct hc_x509_brief_ctx *c = hc_x509_brief_ctx_new(0);
	struct hc_x509_brief *b;
	struct hc_cert_view v;
	unsigned char *der;
	size_t len;

	(void)state;
	der = der_of(x, &len);
	b = hc_x509_brief_parse(c, der, len);
	assert_non_null(b);
	assert_int_equal(hc_x509_brief_self_signature_ok(b), -1);
	hc_x509_brief_view(b, &v);
	assert_null(v.pk);
	assert_int_equal(v.claims_self_signed, 1);
	assert_int_equal(ASN1_TIME_compare(v.not_after, X509_get0_notAfter(x)),
			 0);
	hc_x509_brief_free(b);
	hc_x509_brief_ctx_free(c);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(f);
}

/* issuer = subject, the key of one, signed by another: both say forged */
static void
test_brief_forged_self_signature_is_bad(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *f = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = make(k, f, "forged.example.com", NULL, NULL, 0, 0);

	(void)state;
	assert_int_equal(check_same(x), 0);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(f);
}

/* one byte of the TBS changed after signing: both say the signature fails */
static void
test_brief_tampered_tbs_is_bad(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = make(k, k, "tamper.example.com", NULL, NULL, 0, 0), *t;
	struct hc_x509_brief_ctx *c = hc_x509_brief_ctx_new(1);
	struct hc_x509_brief *b;
	unsigned char *der, *at;
	const unsigned char *p;
	size_t len;

	(void)state;
	der = der_of(x, &len);
	for (at = der; at + 6 <= der + len && memcmp(at, "tamper", 6); at++)
		;
	assert_true(at + 6 <= der + len);
	at[0] = 'T';
	b = hc_x509_brief_parse(c, der, len);
	assert_non_null(b);
	assert_int_equal(hc_x509_brief_self_signature_ok(b), 0);
	p = der;
	t = d2i_X509(NULL, &p, (long)len);
	assert_non_null(t);
	assert_int_equal(hc_x509_self_signature_ok(t), 0);
	X509_free(t);
	hc_x509_brief_free(b);
	hc_x509_brief_ctx_free(c);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* a CA, an issued certificate, a repeated extension, garbage: full path */
static void
test_brief_declines_what_it_does_not_cover(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *ca = make(k, k, "Brief CA", NULL, NULL, 1, 0);
	X509 *issued = make(k, k, "leaf.example.com", "Brief CA", NULL, 0, 0);
	X509 *dup = make(k, k, "dup.example.com", NULL, NULL, 0, 1);
	struct hc_x509_brief_ctx *c = hc_x509_brief_ctx_new(1);
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	unsigned char *der;
	size_t len;

	(void)state;
	assert_int_equal(is_brief(ca), 0);
	assert_int_equal(is_brief(issued), 0);
	assert_int_equal(is_brief(dup), 0);
	assert_null(hc_x509_brief_parse(c, junk, sizeof(junk)));
	der = der_of(issued, &len);
	assert_null(hc_x509_brief_parse(c, der, len / 2));	/* truncated */
	OPENSSL_free(der);
	hc_x509_brief_ctx_free(c);
	X509_free(ca);
	X509_free(issued);
	X509_free(dup);
	EVP_PKEY_free(k);
}

/*
 * The pool returns one result per added DER, in order: a self-signed leaf
 * briefly (brief mode) or as an X509, a CA always as an X509 (in brief
 * mode with its self-signature checked and kept), garbage as nothing.
 */
static void
test_pool_results_in_order(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *leaf = make(k, k, "pool.example.com", NULL, NULL, 0, 0);
	X509 *ca = make(k, k, "Pool CA", NULL, NULL, 1, 0);
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	unsigned char *d1, *d2;
	size_t l1, l2, n, i;
	int brief;

	(void)state;
	d1 = der_of(leaf, &l1);
	d2 = der_of(ca, &l2);
	for (brief = 0; brief <= 1; brief++) {
		struct hc_x509_pool *p = hc_x509_pool_start(brief ? HC_POOL_BRIEF : HC_POOL_FULL);
		struct hc_x509_parsed *r;

		assert_non_null(p);
		for (i = 0; i < 100; i++) {
			assert_int_equal(hc_x509_pool_add(p, d1, l1), 0);
			assert_int_equal(hc_x509_pool_add(p, d2, l2), 0);
			assert_int_equal(hc_x509_pool_add(p, junk,
							  sizeof(junk)), 0);
		}
		assert_int_equal(hc_x509_pool_finish(p, &r, &n), 0);
		assert_int_equal(n, 300);
		for (i = 0; i < n; i += 3) {
			if (brief) {
				assert_non_null(r[i].b);
				assert_null(r[i].x);
				/* the self-signed CA: checked, kept on it */
				assert_int_equal(hc_x509_pool_memo(r[i + 1].x),
						 1);
			} else {
				assert_non_null(r[i].x);
				assert_int_equal(hc_x509_pool_memo(r[i].x), -1);
			}
			assert_non_null(r[i + 1].x);
			assert_null(r[i + 2].x);
			assert_null(r[i + 2].b);
		}
		for (i = 0; i < n; i++)
			hc_x509_parsed_release(&r[i]);
		free(r);
	}
	/* a pool closed with nothing added, and one discarded */
	{
		struct hc_x509_pool *p = hc_x509_pool_start(HC_POOL_BRIEF);
		struct hc_x509_parsed *r;

		assert_int_equal(hc_x509_pool_finish(p, &r, &n), 0);
		assert_int_equal(n, 0);
		free(r);
		p = hc_x509_pool_start(HC_POOL_BRIEF);
		assert_int_equal(hc_x509_pool_add(p, d1, l1), 0);
		hc_x509_pool_discard(p);
	}
	OPENSSL_free(d1);
	OPENSSL_free(d2);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brief_ec_leaf_matches_d2i),
		cmocka_unit_test(test_brief_rsa_leaf_matches_d2i),
		cmocka_unit_test(test_brief_without_check_reads_dates_only),
		cmocka_unit_test(test_brief_forged_self_signature_is_bad),
		cmocka_unit_test(test_brief_tampered_tbs_is_bad),
		cmocka_unit_test(test_brief_declines_what_it_does_not_cover),
		cmocka_unit_test(test_pool_results_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
