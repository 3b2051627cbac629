/* test_scan.c - hc_token_scan (one pass, one read per object and one per
 * value) and the fingerprint it leaves, against a fresh SoftHSM2 token per
 * test */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/policy.h"
#include "core/token.h"
#include "core/x509.h"
#include "token_fixture.h"

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
}

/* The object of l with handle h, or NULL. */
static const struct hc_tobj *
by_handle(const struct hc_tobj_list *l, unsigned long h)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].handle == h)
			return &l->v[i];
	return NULL;
}

/* a and b hold the same objects with the same attributes, in any order */
static void
assert_same_objects(const struct hc_tobj_list *a, const struct hc_tobj_list *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		const struct hc_tobj *x = &a->v[i];
		const struct hc_tobj *y = by_handle(b, x->handle);

		assert_non_null(y);
		assert_int_equal(x->cls, y->cls);
		assert_int_equal(x->id_len, y->id_len);
		assert_memory_equal(x->id, y->id, x->id_len);
		assert_string_equal(x->label, y->label);
		assert_int_equal(x->value_len, y->value_len);
		if (x->value_len > 0)
			assert_memory_equal(x->value, y->value, x->value_len);
		assert_true((x->application == NULL) == (y->application == NULL));
		if (x->application != NULL)
			assert_string_equal(x->application, y->application);
		assert_int_equal(x->cert_category, y->cert_category);
		assert_int_equal(x->key_kind, y->key_kind);
		assert_int_equal(x->local, y->local);
		assert_int_equal(x->always_sensitive, y->always_sensitive);
		assert_int_equal(x->never_extractable, y->never_extractable);
		assert_int_equal(x->extractable, y->extractable);
		assert_int_equal(x->sensitive, y->sensitive);
	}
}

/*
 * What the scan reads of every class is what hc_token_find reads of it,
 * a label longer than the first buffer (128 bytes) included; data objects
 * of other applications are left out, those asked for come with values.
 */
struct seen {
	size_t n, len;
};

static void
count_cert(void *arg, const unsigned char *der, size_t len)
{
	struct seen *s = arg;

	assert_non_null(der);
	s->n++;
	s->len = len;
}

static void
test_scan_reads_what_find_reads(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list privs = { NULL, 0 }, pubs = { NULL, 0 };
	struct hc_tobj_list certs = { NULL, 0 }, data = { NULL, 0 };
	struct hc_tobj_list f = { NULL, 0 };
	static const char *const apps[] = { "app-one", "app-two" };
	struct hc_keypair a, b;
	X509 *x = fixture_make_cert("scan.example.com", 30, NULL);
	char longlabel[301];
	unsigned long h;
	struct hc_scan_want want;
	struct seen seen = { 0, 0 };
	hc_err err = { 0 };

	memset(longlabel, 'L', 300);
	longlabel[300] = '\0';
	gen(t, "ec:p256", "scan-ec", 0, &a);
	gen(t, "rsa:2048", longlabel, 1, &b);
	assert_int_equal(hc_token_store_cert(t, x, "scan-cert", a.id,
					     sizeof(a.id), HC_CAT_USER, &h,
					     &err), 0);
	assert_int_equal(hc_token_store_data(t, "app-one", "d1",
					     (const unsigned char *)"v1", 2,
					     &h, &err), 0);
	assert_int_equal(hc_token_store_data(t, "app-two", longlabel,
					     (const unsigned char *)"value2", 6,
					     &h, &err), 0);
	assert_int_equal(hc_token_store_data(t, "app-other", "d3",
					     (const unsigned char *)"v3", 2,
					     &h, &err), 0);
	want.apps = apps;
	want.napps = 2;
	want.on_cert = count_cert;
	want.arg = &seen;
	assert_int_equal(hc_token_scan(t, &want, &privs, &pubs, &certs,
				       &data, &err), 0);
	/* each certificate reached the hook once, with its value */
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.len, certs.v[0].value_len);

	assert_int_equal(hc_token_find(t, HC_OBJ_PRIVKEY, NULL, 0, NULL, &f,
				       &err), 0);
	assert_int_equal(f.n, 2);
	assert_same_objects(&f, &privs);
	hc_tobj_list_release(&f);
	assert_int_equal(hc_token_find(t, HC_OBJ_PUBKEY, NULL, 0, NULL, &f,
				       &err), 0);
	assert_int_equal(f.n, 2);
	assert_same_objects(&f, &pubs);
	hc_tobj_list_release(&f);
	assert_int_equal(hc_token_find(t, HC_OBJ_CERT, NULL, 0, NULL, &f,
				       &err), 0);
	assert_int_equal(f.n, 1);
	assert_same_objects(&f, &certs);
	hc_tobj_list_release(&f);
	/* the two applications asked for, not the third */
	assert_int_equal(data.n, 2);
	assert_int_equal(hc_token_find(t, HC_OBJ_DATA, NULL, 0, "app-two", &f,
				       &err), 0);
	assert_int_equal(f.n, 1);
	assert_non_null(by_handle(&data, f.v[0].handle));
	assert_string_equal(by_handle(&data, f.v[0].handle)->label, longlabel);
	assert_int_equal(by_handle(&data, f.v[0].handle)->value_len, 6);
	assert_memory_equal(by_handle(&data, f.v[0].handle)->value, "value2", 6);
	hc_tobj_list_release(&f);

	hc_tobj_list_release(&privs);
	hc_tobj_list_release(&pubs);
	hc_tobj_list_release(&certs);
	hc_tobj_list_release(&data);
	hc_keypair_release(&a);
	hc_keypair_release(&b);
	X509_free(x);
}

/* An empty token scans to empty lists. */
static void
test_scan_empty_token(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list privs = { NULL, 0 }, pubs = { NULL, 0 };
	struct hc_tobj_list certs = { NULL, 0 }, data = { NULL, 0 };
	static const char *const apps[] = { "app-one" };
	const struct hc_scan_want one = { apps, 1, NULL, NULL };
	hc_err err = { 0 };

	assert_int_equal(hc_token_scan(t, &one, &privs, &pubs, &certs,
				       &data, &err), 0);
	assert_int_equal(privs.n + pubs.n + certs.n + data.n, 0);
	hc_tobj_list_release(&privs);
	hc_tobj_list_release(&pubs);
	hc_tobj_list_release(&certs);
	hc_tobj_list_release(&data);
}

/*
 * The fingerprint the scan leaves is the one a fresh pass computes, and a
 * change this process makes (an object stored, one destroyed) makes the
 * next fingerprint a fresh one again.
 */
static void
test_scan_fingerprint_follows_changes(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list privs = { NULL, 0 }, pubs = { NULL, 0 };
	struct hc_tobj_list certs = { NULL, 0 }, data = { NULL, 0 };
	static const char *const apps[] = { "app-one" };
	const struct hc_scan_want one = { apps, 1, NULL, NULL };
	struct hc_keypair a;
	char fp1[64], fp2[64], fp3[64], fp4[64];
	unsigned long h, c0, c1;
	hc_err err = { 0 };

	gen(t, "ec:p256", "fp", 0, &a);
	assert_int_equal(hc_token_fingerprint(t, fp1, &err), 0);
	assert_int_equal(hc_token_scan(t, &one, &privs, &pubs, &certs,
				       &data, &err), 0);
	assert_int_equal(hc_token_fingerprint(t, fp2, &err), 0);
	assert_string_equal(fp1, fp2);
	assert_true(strncmp(fp2, "2:", 2) == 0);

	c0 = hc_token_changes(t);
	assert_int_equal(hc_token_store_data(t, "app-one", "new",
					     (const unsigned char *)"x", 1, &h,
					     &err), 0);
	c1 = hc_token_changes(t);
	assert_true(c1 != c0);
	assert_int_equal(hc_token_fingerprint(t, fp3, &err), 0);
	assert_true(strcmp(fp3, fp2) != 0);
	assert_true(strncmp(fp3, "3:", 2) == 0);
	assert_int_equal(hc_token_destroy(t, h, &err), 0);
	assert_true(hc_token_changes(t) != c1);
	assert_int_equal(hc_token_fingerprint(t, fp4, &err), 0);
	assert_true(strncmp(fp4, "2:", 2) == 0);

	hc_tobj_list_release(&privs);
	hc_tobj_list_release(&pubs);
	hc_tobj_list_release(&certs);
	hc_tobj_list_release(&data);
	hc_keypair_release(&a);
}

/* A public key read without knowing its type still gives the key. */
static void
test_scan_read_pubkey_of_either_type(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_keypair a, b;
	EVP_PKEY *pa, *pb;
	hc_err err = { 0 };

	gen(t, "ec:p256", "pk-ec", 0, &a);
	gen(t, "rsa:2048", "pk-rsa", 0, &b);
	pa = hc_token_read_pubkey(t, a.pub, &err);
	pb = hc_token_read_pubkey(t, b.pub, &err);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_int_equal(EVP_PKEY_eq(pa, a.pubkey), 1);
	assert_int_equal(EVP_PKEY_eq(pb, b.pubkey), 1);
	EVP_PKEY_free(pa);
	EVP_PKEY_free(pb);
	hc_keypair_release(&a);
	hc_keypair_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
		T(test_scan_reads_what_find_reads),
		T(test_scan_empty_token),
		T(test_scan_fingerprint_follows_changes),
		T(test_scan_read_pubkey_of_either_type),
#undef T
	};

	return cmocka_run_group_tests_name("token-scan", tests, NULL, NULL);
}
