/* test_token.c - src/core/token.c against a fresh SoftHSM2 token per test */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/policy.h"
#include "core/token.h"
#include "core/x509.h"
#include "token_fixture.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

/* Does hay contain needle, ASCII case-insensitively? */
static int
has_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n; i++)
			if (hay[i] == '\0' ||
			    tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return 1;
	}
	return n == 0;
}

static void
gen(struct hc_token *t, const char *spec, const char *label, int exportable,
    struct hc_keypair *kp)
{
	struct hc_keyspec ks;
	hc_err err = { 0 };

	if (hc_keyspec_parse(spec, &ks, &err) != 0)
		fail_msg("%s", err.msg);
	memset(kp, 0, sizeof(*kp));
	if (hc_token_generate_keypair(t, &ks, label, exportable, kp, &err) != 0)
		fail_msg("generate %s: %s", spec, err.msg);
	assert_non_null(kp->pubkey);
}

/* Exactly one object of cls with id; *out is a copy of its list. */
static void
find_one(struct hc_token *t, enum hc_obj_class cls, const unsigned char *id,
	 size_t id_len, struct hc_tobj_list *out)
{
	hc_err err = { 0 };

	if (hc_token_find(t, cls, id, id_len, NULL, out, &err) != 0)
		fail_msg("find: %s", err.msg);
	assert_int_equal(out->n, 1);
}

/*
 * Generate spec, read both halves back with hc_token_find and check the
 * attributes of SPEC section 5.
 */
static void
check_keypair(struct fixture *fx, const char *spec, int exportable, int bits,
	      int kind)
{
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list privs = { NULL, 0 }, pubs = { NULL, 0 };
	struct hc_keypair kp;
	unsigned char kid[20];
	hc_err err = { 0 };
	char label[64], *snap = NULL;
	EVP_PKEY *back;

	assert_int_equal(snprintf(label, sizeof(label), "key %s", spec) > 0, 1);
	gen(t, spec, label, exportable, &kp);

	/* CKA_ID is the RFC 5280 method-1 key identifier of the key */
	assert_int_equal(hc_x509_key_id(kp.pubkey, kid, &err), 0);
	assert_memory_equal(kid, kp.id, sizeof(kid));
	assert_int_equal(EVP_PKEY_get_bits(kp.pubkey), bits);

	find_one(t, HC_OBJ_PRIVKEY, kp.id, sizeof(kp.id), &privs);
	find_one(t, HC_OBJ_PUBKEY, kp.id, sizeof(kp.id), &pubs);
	assert_int_equal(privs.v[0].handle, kp.priv);
	assert_int_equal(pubs.v[0].handle, kp.pub);
	assert_int_equal(privs.v[0].id_len, 20);
	assert_int_equal(pubs.v[0].id_len, 20);
	assert_memory_equal(privs.v[0].id, pubs.v[0].id, 20);
	assert_string_equal(privs.v[0].label, label);
	assert_string_equal(pubs.v[0].label, label);
	assert_int_equal(privs.v[0].key_kind, kind);
	assert_int_equal(pubs.v[0].key_kind, kind);
	/* key sizes come from the public key (hc_token_read_pubkey) */
	{
		EVP_PKEY *rp = hc_token_read_pubkey(t, kp.pub, &err);

		assert_non_null(rp);
		assert_int_equal(EVP_PKEY_get_bits(rp), bits);
		EVP_PKEY_free(rp);
	}

	/* generated on the token, sensitive from birth */
	assert_int_equal(privs.v[0].local, 1);
	assert_int_equal(privs.v[0].sensitive, 1);
	assert_int_equal(privs.v[0].always_sensitive, 1);
	assert_int_equal(privs.v[0].extractable, exportable ? 1 : 0);
	assert_int_equal(privs.v[0].never_extractable, exportable ? 0 : 1);

	/* the public key object rebuilds the same key */
	back = hc_token_read_pubkey(t, kp.pub, &err);
	if (back == NULL)
		fail_msg("read_pubkey: %s", err.msg);
	assert_int_equal(EVP_PKEY_eq(back, kp.pubkey), 1);
	EVP_PKEY_free(back);

	/* nothing else was left on the token: the pair and no temporary */
	assert_int_equal(fixture_snapshot(fx, &snap), 0);
	assert_int_equal(fixture_snapshot_count(snap), 2);
	free(snap);

	hc_tobj_list_release(&privs);
	hc_tobj_list_release(&pubs);
	hc_keypair_release(&kp);
}

/* ------------------------------------------------------------------ */
/* Open                                                                 */

static void
test_token_open_by_label(void **state)
{
	struct hc_token *t = NULL;
	hc_err err = { 0 };
	const struct hc_token_info *ti;

	(void)state;
	if (hc_token_open(FIXTURE_MODULE, FIXTURE_LABEL, &t, &err) != 0)
		fail_msg("%s", err.msg);
	ti = hc_token_get0_info(t);
	assert_string_equal(ti->label, FIXTURE_LABEL);
	assert_string_equal(ti->manufacturer, "SoftHSM project");
	assert_true(ti->serial[0] != '\0');
	assert_int_equal(ti->login_required, 1);
	assert_int_equal(hc_token_is_logged_in(t), 0);
	hc_token_free(t);
}

static void
test_token_open_by_uri(void **state)
{
	struct hc_token *t = NULL;
	hc_err err = { 0 };
	char uri[128], serial[17];

	(void)state;
	if (hc_token_open(FIXTURE_MODULE, "pkcs11:token=" FIXTURE_LABEL, &t,
			  &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(hc_token_get0_info(t)->label, FIXTURE_LABEL);
	memcpy(serial, hc_token_get0_info(t)->serial, sizeof(serial));
	hc_token_free(t);
	t = NULL;

	/* token and serial together, as the error for two matches advises */
	assert_true(snprintf(uri, sizeof(uri), "pkcs11:token=%s;serial=%s",
			     FIXTURE_LABEL, serial) > 0);
	if (hc_token_open(FIXTURE_MODULE, uri, &t, &err) != 0)
		fail_msg("%s: %s", uri, err.msg);
	assert_string_equal(hc_token_get0_info(t)->serial, serial);
	hc_token_free(t);
}

static void
test_token_open_without_selector_takes_the_only_token(void **state)
{
	struct hc_token *t = NULL;
	hc_err err = { 0 };

	(void)state;
	/* SoftHSM2 shows the token and one free slot: only one initialised */
	if (hc_token_open(FIXTURE_MODULE, NULL, &t, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(hc_token_get0_info(t)->label, FIXTURE_LABEL);
	hc_token_free(t);
}

static void
test_token_open_unknown_label_lists_tokens(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = NULL;
	hc_err err = { 0 };
	char *before = NULL;

	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_token_open(FIXTURE_MODULE, "nosuch", &t, &err), -1);
	assert_err(&err, HC_E_NOTFOUND, "'nosuch'");
	assert_msg_has(&err, "tokens present: 't'");
	assert_null(t);
	assert_token_unchanged(fx, before);
}

static void
test_token_open_unknown_uri(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = NULL;
	hc_err err = { 0 };
	char *before = NULL;

	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_token_open(FIXTURE_MODULE, "pkcs11:token=other",
				       &t, &err), -1);
	assert_err(&err, HC_E_NOTFOUND, "pkcs11:token=other");
	assert_msg_has(&err, "'t'");
	assert_null(t);
	assert_token_unchanged(fx, before);
}

static void
test_token_open_bad_uri_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = NULL;
	hc_err err = { 0 };
	char *before = NULL;

	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_token_open(FIXTURE_MODULE, "pkcs11:token=%zz", &t,
				       &err), -1);
	assert_err(&err, HC_E_USAGE, "pkcs11:token=%zz");
	assert_null(t);
	assert_token_unchanged(fx, before);
}

static void
test_token_open_bad_module_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = NULL;
	hc_err err = { 0 };
	char *before = NULL;

	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_token_open("/nonexistent/libnope.so", FIXTURE_LABEL,
				       &t, &err), -1);
	assert_err(&err, HC_E_USAGE, "/nonexistent/libnope.so");
	assert_null(t);
	assert_token_unchanged(fx, before);
}

static void
test_token_open_not_a_module_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = NULL;
	hc_err err = { 0 };
	char *before = NULL, path[700];

	fixture_write_file(fx, "fake.so", "not a shared object\n", path,
			   sizeof(path));
	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_token_open(path, FIXTURE_LABEL, &t, &err), -1);
	assert_err(&err, HC_E_USAGE, path);
	assert_null(t);
	assert_token_unchanged(fx, before);
}

/* ------------------------------------------------------------------ */
/* Login                                                                */

static void
test_token_login_right_pin(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_token(fx, 0);
	hc_secret *pin = fixture_pin(fx, 0);
	hc_err err = { 0 };

	assert_int_equal(hc_token_is_logged_in(t), 0);
	if (hc_token_login(t, pin, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(hc_token_is_logged_in(t), 1);
	/* logged in already: no second C_Login, even with no PIN */
	assert_int_equal(hc_token_login(t, NULL, &err), 0);
	hc_secret_free(pin);
}

static void
test_token_login_wrong_pin_not_retried(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t;
	struct hc_token_info info;
	hc_secret *pin;
	hc_err err = { 0 };
	char *before = NULL;

	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	t = fixture_token(fx, 0);
	assert_int_equal(hc_token_get_info(t, &info, &err), 0);
	assert_int_equal(info.count_low, 0);
	pin = fixture_pin(fx, 1);
	assert_int_equal(hc_token_login(t, pin, &err), -1);
	hc_secret_free(pin);
	assert_err(&err, HC_E_PIN, "CKR_PIN_INCORRECT");
	assert_msg_has(&err, "not retrying");
	assert_msg_has(&err, "token 't'");
	/* SoftHSM2 raises CKF_USER_PIN_COUNT_LOW after a wrong PIN */
	assert_msg_has(&err, "PIN count low");
	assert_int_equal(err.ckr, 0xa0);	/* CKR_PIN_INCORRECT */
	assert_int_equal(hc_token_is_logged_in(t), 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(hc_token_get_info(t, &info, &err), 0);
	assert_int_equal(info.count_low, 1);
	assert_int_equal(info.locked, 0);
	assert_token_unchanged(fx, before);
}

static void
test_token_login_without_pin_is_pin_error(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t;
	hc_err err = { 0 };
	char *before = NULL;

	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	t = fixture_token(fx, 0);
	assert_int_equal(hc_token_login(t, NULL, &err), -1);
	assert_err(&err, HC_E_PIN, "a PIN is needed for token 't'");
	assert_token_unchanged(fx, before);
}

/* ------------------------------------------------------------------ */
/* Key generation                                                       */

static void
test_token_generate_rsa2048(void **state)
{
	check_keypair(*state, "rsa:2048", 0, 2048, HC_KEY_RSA);
}

static void
test_token_generate_rsa3072(void **state)
{
	check_keypair(*state, "rsa:3072", 0, 3072, HC_KEY_RSA);
}

static void
test_token_generate_rsa4096(void **state)
{
	check_keypair(*state, "rsa:4096", 0, 4096, HC_KEY_RSA);
}

static void
test_token_generate_ec_p256(void **state)
{
	check_keypair(*state, "ec:p256", 0, 256, HC_KEY_EC);
}

static void
test_token_generate_ec_p384(void **state)
{
	check_keypair(*state, "ec:p384", 0, 384, HC_KEY_EC);
}

static void
test_token_generate_exportable_rsa(void **state)
{
	check_keypair(*state, "rsa:2048", 1, 2048, HC_KEY_RSA);
}

static void
test_token_generate_exportable_ec(void **state)
{
	check_keypair(*state, "ec:p256", 1, 256, HC_KEY_EC);
}

/*
 * A label longer than the 128-byte first guess (43 three-byte characters:
 * a CJK friendly name well inside the 64-character limit) reads back whole
 * for keys too.
 */
static void
test_token_generate_long_label_reads_back(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	struct hc_keypair kp;
	char label[43 * 3 + 1], priv[200] = "", pub[200] = "";
	hc_err err = { 0 };
	size_t i;

	for (i = 0; i < 43; i++)
		memcpy(label + 3 * i, "\xe6\x97\xa5", 3);	/* U+65E5 */
	label[43 * 3] = '\0';
	gen(t, "ec:p256", label, 0, &kp);
	/* copy out first: a failed assertion must not leak the lists */
	if (hc_token_find(t, HC_OBJ_PRIVKEY, kp.id, sizeof(kp.id), NULL, &l,
			  &err) == 0 && l.n == 1)
		assert_true(snprintf(priv, sizeof(priv), "%s",
				     l.v[0].label) >= 0);
	hc_tobj_list_release(&l);
	if (hc_token_find(t, HC_OBJ_PUBKEY, kp.id, sizeof(kp.id), NULL, &l,
			  &err) == 0 && l.n == 1)
		assert_true(snprintf(pub, sizeof(pub), "%s",
				     l.v[0].label) >= 0);
	hc_tobj_list_release(&l);
	hc_keypair_release(&kp);
	assert_string_equal(priv, label);
	assert_string_equal(pub, label);
}

static void
test_token_generate_two_keys_distinct_ids(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	struct hc_keypair a, b;
	hc_err err = { 0 };

	gen(t, "ec:p256", "same", 0, &a);
	gen(t, "ec:p256", "same", 0, &b);
	assert_memory_not_equal(a.id, b.id, sizeof(a.id));
	assert_int_equal(hc_token_find(t, HC_OBJ_PRIVKEY, NULL, 0, NULL, &l,
				       &err), 0);
	assert_int_equal(l.n, 2);
	hc_tobj_list_release(&l);
	find_one(t, HC_OBJ_PUBKEY, b.id, sizeof(b.id), &l);
	assert_int_equal(l.v[0].handle, b.pub);
	hc_tobj_list_release(&l);
	hc_keypair_release(&a);
	hc_keypair_release(&b);
}

/* ------------------------------------------------------------------ */
/* Data and certificate objects                                         */

static void
test_token_store_data_find_destroy(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	static const unsigned char v1[] = { 0x30, 0x03, 0x02, 0x01, 0x2a };
	static const unsigned char v2[] = "second";
	unsigned long h1, h2;
	hc_err err = { 0 };

	assert_int_equal(hc_token_store_data(t, "hsmcert-test", "one", v1,
					     sizeof(v1), &h1, &err), 0);
	assert_int_equal(hc_token_store_data(t, "other-app", "two", v2,
					     sizeof(v2), &h2, &err), 0);
	assert_int_not_equal(h1, h2);

	assert_int_equal(hc_token_find(t, HC_OBJ_DATA, NULL, 0, "hsmcert-test",
				       &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].handle, h1);
	assert_string_equal(l.v[0].application, "hsmcert-test");
	assert_string_equal(l.v[0].label, "one");
	assert_int_equal(l.v[0].value_len, sizeof(v1));
	assert_memory_equal(l.v[0].value, v1, sizeof(v1));
	assert_int_equal(l.v[0].id_len, 0);
	hc_tobj_list_release(&l);

	/* no application: every data object */
	assert_int_equal(hc_token_find(t, HC_OBJ_DATA, NULL, 0, NULL, &l,
				       &err), 0);
	assert_int_equal(l.n, 2);
	hc_tobj_list_release(&l);

	assert_int_equal(hc_token_destroy(t, h1, &err), 0);
	assert_int_equal(hc_token_find(t, HC_OBJ_DATA, NULL, 0, "hsmcert-test",
				       &l, &err), 0);
	assert_int_equal(l.n, 0);
	hc_tobj_list_release(&l);
	assert_int_equal(hc_token_find(t, HC_OBJ_DATA, NULL, 0, "other-app",
				       &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].handle, h2);
	hc_tobj_list_release(&l);
}

static void
test_token_destroy_unknown_handle_fails(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	hc_err err = { 0 };
	char *before = NULL;

	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_token_destroy(t, 987654321UL, &err), -1);
	assert_err(&err, HC_E_FAIL, "987654321");
	assert_msg_has(&err, "CKR_OBJECT_HANDLE_INVALID");
	assert_token_unchanged(fx, before);
}

static void
test_token_store_cert_find(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	X509 *x = fixture_make_cert("store.example.com", 30, NULL);
	X509 *back;
	unsigned char id[20], *der = NULL;
	unsigned long h, hca;
	hc_err err = { 0 };
	size_t i;
	int dlen;

	memset(id, 0x5a, sizeof(id));
	assert_int_equal(hc_token_store_cert(t, x, "stored", id, sizeof(id),
					     HC_CAT_USER, &h, &err), 0);
	find_one(t, HC_OBJ_CERT, id, sizeof(id), &l);
	assert_int_equal(l.v[0].handle, h);
	assert_string_equal(l.v[0].label, "stored");
	assert_int_equal(l.v[0].id_len, sizeof(id));
	assert_memory_equal(l.v[0].id, id, sizeof(id));
	assert_int_equal(l.v[0].cert_category, HC_CAT_USER);
	dlen = i2d_X509(x, &der);
	assert_true(dlen > 0);
	assert_int_equal(l.v[0].value_len, (size_t)dlen);
	assert_memory_equal(l.v[0].value, der, (size_t)dlen);
	back = hc_x509_from_der(l.v[0].value, l.v[0].value_len, &err);
	assert_non_null(back);
	assert_int_equal(X509_cmp(back, x), 0);
	X509_free(back);
	OPENSSL_free(der);
	hc_tobj_list_release(&l);

	/* a CA certificate: no CKA_ID, category authority */
	assert_int_equal(hc_token_store_cert(t, x, "ca", NULL, 0,
					     HC_CAT_AUTHORITY, &hca, &err), 0);
	assert_int_equal(hc_token_find(t, HC_OBJ_CERT, NULL, 0, NULL, &l,
				       &err), 0);
	assert_int_equal(l.n, 2);
	i = l.v[0].handle == hca ? 0 : 1;
	assert_int_equal(l.v[i].handle, hca);
	assert_int_equal(l.v[i].cert_category, HC_CAT_AUTHORITY);
	assert_int_equal(l.v[i].id_len, 0);
	hc_tobj_list_release(&l);
	X509_free(x);
}

/*
 * Attribute reads guess buffer sizes (CKA_VALUE 4096, CKA_LABEL 128 bytes)
 * and must fall back to a length query when a value is larger.
 */
static void
test_token_find_reads_values_beyond_the_guess(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	EVP_PKEY *key = NULL;
	X509 *x = fixture_make_cert("big.example.com", 30, &key);
	X509_EXTENSION *ext;
	unsigned char id[20], *der = NULL, *blob;
	char *san, label[301];
	size_t i, off = 0;
	unsigned long h;
	hc_err err = { 0 };
	int dlen;

	/* 300 names make a certificate of about 7 KB */
	san = malloc(300 * 32);
	assert_non_null(san);
	for (i = 0; i < 300; i++) {
		int n = snprintf(san + off, 300 * 32 - off,
				 "%sDNS:host%03zu.big.example.com",
				 i ? "," : "", i);

		assert_true(n > 0);
		off += (size_t)n;
	}
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	free(san);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	EVP_PKEY_free(key);
	dlen = i2d_X509(x, &der);
	assert_true(dlen > 4096);

	memset(label, 'L', 300);
	label[300] = '\0';
	memset(id, 0x42, sizeof(id));
	assert_int_equal(hc_token_store_cert(t, x, label, id, sizeof(id),
					     HC_CAT_USER, &h, &err), 0);
	find_one(t, HC_OBJ_CERT, id, sizeof(id), &l);
	assert_string_equal(l.v[0].label, label);
	assert_int_equal(l.v[0].value_len, (size_t)dlen);
	assert_memory_equal(l.v[0].value, der, (size_t)dlen);
	hc_tobj_list_release(&l);

	/* and a data object of 10 KB */
	blob = malloc(10240);
	assert_non_null(blob);
	for (i = 0; i < 10240; i++)
		blob[i] = (unsigned char)(i * 7);
	assert_int_equal(hc_token_store_data(t, "big-app", label, blob, 10240,
					     &h, &err), 0);
	assert_int_equal(hc_token_find(t, HC_OBJ_DATA, NULL, 0, "big-app", &l,
				       &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].label, label);
	assert_int_equal(l.v[0].value_len, 10240);
	assert_memory_equal(l.v[0].value, blob, 10240);
	hc_tobj_list_release(&l);
	free(blob);
	OPENSSL_free(der);
	X509_free(x);
}

static void
test_token_find_by_unknown_id_is_empty(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	struct hc_keypair kp;
	unsigned char id[20];
	hc_err err = { 0 };

	gen(t, "ec:p256", "k", 0, &kp);
	memcpy(id, kp.id, sizeof(id));
	id[19] ^= 0xff;
	assert_int_equal(hc_token_find(t, HC_OBJ_PRIVKEY, id, sizeof(id), NULL,
				       &l, &err), 0);
	assert_int_equal(l.n, 0);
	hc_tobj_list_release(&l);
	hc_keypair_release(&kp);
}

/* ------------------------------------------------------------------ */
/* URIs and signing                                                     */

static void
test_token_object_uri(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_keypair kp;
	hc_err err = { 0 };
	char want[3 * 20 + 4], *uri;
	size_t i;

	gen(t, "ec:p256", "web key", 0, &kp);
	memcpy(want, "id=", 3);
	for (i = 0; i < sizeof(kp.id); i++)
		assert_int_equal(snprintf(want + 3 + 3 * i, 4, "%%%02x",
					  kp.id[i]), 3);

	uri = hc_token_object_uri(t, HC_OBJ_PRIVKEY, kp.id, sizeof(kp.id),
				  "web key", &err);
	if (uri == NULL)
		fail_msg("%s", err.msg);
	assert_true(strncmp(uri, "pkcs11:", 7) == 0);
	assert_non_null(strstr(uri, "token=t"));
	assert_non_null(strstr(uri, "type=private"));
	assert_non_null(strstr(uri, "object=web%20key"));
	assert_non_null(strstr(uri, "manufacturer=SoftHSM%20project"));
	if (!has_ci(uri, want))
		fail_msg("'%s' not in '%s'", want, uri);
	/* never a PIN */
	assert_null(strstr(uri, "pin-"));
	free(uri);

	uri = hc_token_object_uri(t, HC_OBJ_CERT, kp.id, sizeof(kp.id),
				  "web key", &err);
	if (uri == NULL)
		fail_msg("%s", err.msg);
	assert_non_null(strstr(uri, "type=cert"));
	if (!has_ci(uri, want))
		fail_msg("'%s' not in '%s'", want, uri);
	free(uri);
	hc_keypair_release(&kp);
}

/* Sign with the token key through libp11, verify with the public half. */
static void
sign_and_verify(struct fixture *fx, const char *spec)
{
	struct hc_token *t = fixture_open_token(fx);
	static const unsigned char msg[] = "hsmcert signs this";
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	struct hc_keypair kp;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY *signer;
	hc_err err = { 0 };

	assert_non_null(md);
	gen(t, spec, "signer", 0, &kp);
	signer = hc_token_get_signer(t, kp.id, sizeof(kp.id), &err);
	if (signer == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
					    signer), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(md);

	md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
					      kp.pubkey), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)),
			 1);
	EVP_MD_CTX_free(md);

	/* and a changed message does not verify */
	md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
					      kp.pubkey), 1);
	assert_int_not_equal(EVP_DigestVerify(md, sig, siglen, msg,
					      sizeof(msg) - 2), 1);
	EVP_MD_CTX_free(md);

	/* libp11's key refers to the slot: free it before the token goes */
	EVP_PKEY_free(signer);
	hc_keypair_release(&kp);
}

static void
test_token_get_signer_signs_rsa(void **state)
{
	sign_and_verify(*state, "rsa:2048");
}

static void
test_token_get_signer_signs_ec(void **state)
{
	sign_and_verify(*state, "ec:p256");
}

static void
test_token_get_signer_unknown_id_not_found(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_keypair kp;
	unsigned char id[20];
	hc_err err = { 0 };
	char hex[41], *before = NULL;

	gen(t, "ec:p256", "present", 0, &kp);
	memset(id, 0xab, sizeof(id));
	fixture_hex(id, sizeof(id), hex);
	fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_null(hc_token_get_signer(t, id, sizeof(id), &err));
	assert_err(&err, HC_E_NOTFOUND, hex);
	assert_msg_has(&err, "token 't'");
	assert_token_unchanged(fx, before);
	hc_keypair_release(&kp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
		T(test_token_open_by_label),
		T(test_token_open_by_uri),
		T(test_token_open_without_selector_takes_the_only_token),
		T(test_token_open_unknown_label_lists_tokens),
		T(test_token_open_unknown_uri),
		T(test_token_open_bad_uri_is_usage),
		T(test_token_open_bad_module_is_usage),
		T(test_token_open_not_a_module_is_usage),
		T(test_token_login_right_pin),
		T(test_token_login_wrong_pin_not_retried),
		T(test_token_login_without_pin_is_pin_error),
		T(test_token_generate_rsa2048),
		T(test_token_generate_rsa3072),
		T(test_token_generate_rsa4096),
		T(test_token_generate_ec_p256),
		T(test_token_generate_ec_p384),
		T(test_token_generate_exportable_rsa),
		T(test_token_generate_exportable_ec),
		T(test_token_generate_long_label_reads_back),
		T(test_token_generate_two_keys_distinct_ids),
		T(test_token_store_data_find_destroy),
		T(test_token_destroy_unknown_handle_fails),
		T(test_token_store_cert_find),
		T(test_token_find_reads_values_beyond_the_guess),
		T(test_token_find_by_unknown_id_is_empty),
		T(test_token_object_uri),
		T(test_token_get_signer_signs_rsa),
		T(test_token_get_signer_signs_ec),
		T(test_token_get_signer_unknown_id_not_found),
#undef T
	};

	return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
