/* test_fleet.c - hosts sharing one token: the binding summaries of
 * src/core/bindings.c and the per-host audit heads of src/core/audit_head.c,
 * against a fresh SoftHSM2 token per test */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/bindings.h"
#include "core/token.h"
#include "token_fixture.h"

static const char thumb_a[] = "1111111111111111111111111111111111111111";
static const char thumb_b[] = "2222222222222222222222222222222222222222";

/* bindings with one service bound to thumb */
static void
one_binding(struct hc_bindings *b, const char *service, const char *thumb)
{
	hc_err err = { 0 };

	memset(b, 0, sizeof(*b));
	if (hc_bindings_set(b, service, thumb, "", &err) != 0)
		fail_msg("%s", err.msg);
}

/* how many data objects with CKA_APPLICATION app and CKA_LABEL label */
static size_t
count_data(struct hc_token *t, const char *app, const char *label)
{
	struct hc_tobj_list l = { NULL, 0 };
	hc_err err = { 0 };
	size_t i, n = 0;

	if (hc_token_find(t, HC_OBJ_DATA, NULL, 0, app, &l, &err) != 0)
		fail_msg("%s", err.msg);
	for (i = 0; i < l.n; i++)
		if (label == NULL || strcmp(l.v[i].label, label) == 0)
			n++;
	hc_tobj_list_release(&l);
	return n;
}

static void
publish(struct hc_token *t, const char *host, const struct hc_bindings *b)
{
	hc_err err = { 0 };

	if (hc_fleet_publish(t, host, b, &err) != 0)
		fail_msg("%s", err.msg);
}

static void
test_fleet_publish_then_read_back(void **state)
{
	struct hc_token *t = fixture_open_token(*state);
	struct hc_bindings b;
	struct hc_fleet f;
	const struct hc_host_bindings *h;
	hc_err err = { 0 };

	one_binding(&b, "smtp", thumb_a);
	publish(t, "alpha", &b);
	assert_int_equal(hc_fleet_read(t, &f, &err), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.damaged, 0);
	h = hc_fleet_get(&f, "alpha");
	assert_non_null(h);
	assert_int_equal(h->gen, 1);
	assert_int_equal(h->b.n, 1);
	assert_string_equal(h->b.v[0].service, "smtp");
	assert_string_equal(h->b.v[0].thumbprint, thumb_a);
	assert_int_equal(strlen(h->updated), 20);
	assert_null(hc_fleet_get(&f, "beta"));
	hc_fleet_release(&f);
	hc_bindings_release(&b);
}

static void
test_fleet_republish_replaces_and_counts_up(void **state)
{
	struct hc_token *t = fixture_open_token(*state);
	struct hc_bindings b, empty = { NULL, 0 };
	struct hc_fleet f;
	hc_err err = { 0 };

	one_binding(&b, "imap", thumb_a);
	publish(t, "alpha", &b);
	publish(t, "alpha", &empty);
	publish(t, "alpha", &b);
	assert_int_equal(count_data(t, HC_FLEET_APP, "host=alpha"), 1);
	assert_int_equal(hc_fleet_read(t, &f, &err), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].gen, 3);
	assert_int_equal(f.v[0].b.n, 1);
	hc_fleet_release(&f);
	hc_bindings_release(&b);
}

static void
test_fleet_hosts_are_separate_and_sorted(void **state)
{
	struct hc_token *t = fixture_open_token(*state);
	struct hc_bindings a, z;
	struct hc_fleet f;
	hc_err err = { 0 };

	one_binding(&z, "https", thumb_b);
	one_binding(&a, "smtp", thumb_a);
	publish(t, "zulu", &z);
	publish(t, "alpha", &a);
	publish(t, "alpha", &a);	/* alpha's change leaves zulu alone */
	assert_int_equal(hc_fleet_read(t, &f, &err), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.v[0].host, "alpha");
	assert_string_equal(f.v[1].host, "zulu");
	assert_int_equal(f.v[0].gen, 2);
	assert_int_equal(f.v[1].gen, 1);
	assert_int_equal(hc_bindings_of(&f.v[1].b, thumb_b, NULL), HC_SVC_HTTPS);
	assert_int_equal(hc_bindings_of(&f.v[0].b, thumb_b, NULL), 0);
	hc_fleet_release(&f);
	hc_bindings_release(&a);
	hc_bindings_release(&z);
}

static void
test_fleet_interrupted_update_higher_gen_counts(void **state)
{
	struct hc_token *t = fixture_open_token(*state);
	static const char newer[] =
		"{\"version\":1,\"host\":\"alpha\",\"gen\":9,\"bindings\":[{\"service\":\"pop\",\"thumbprint\":\"2222222222222222222222222222222222222222\"}]}";
	struct hc_bindings b;
	struct hc_fleet f;
	unsigned long h;
	hc_err err = { 0 };

	one_binding(&b, "smtp", thumb_a);
	publish(t, "alpha", &b);
	assert_int_equal(hc_token_store_data(t, HC_FLEET_APP, "host=alpha",
					     (const unsigned char *)newer,
					     strlen(newer), &h, &err), 0);
	assert_int_equal(hc_fleet_read(t, &f, &err), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].gen, 9);
	assert_int_equal(hc_bindings_of(&f.v[0].b, thumb_b, NULL), HC_SVC_POP);
	hc_fleet_release(&f);
	/* the next publish goes above both and leaves one */
	publish(t, "alpha", &b);
	assert_int_equal(count_data(t, HC_FLEET_APP, NULL), 1);
	assert_int_equal(hc_fleet_read(t, &f, &err), 0);
	assert_int_equal(f.v[0].gen, 10);
	hc_fleet_release(&f);
	hc_bindings_release(&b);
}

static void
test_fleet_damaged_objects_are_counted_not_read(void **state)
{
	struct hc_token *t = fixture_open_token(*state);
	static const char *bad[] = {
		"not json",
		"{\"version\":1,\"host\":\"beta\",\"gen\":1,\"bindings\":[]}", /* label says gamma */
		"{\"version\":1,\"host\":\"gamma\",\"gen\":0,\"bindings\":[]}", /* gen 0 */
		"{\"version\":1,\"host\":\"gamma\",\"gen\":1}",                 /* no bindings */
	};
	struct hc_fleet f;
	unsigned long h;
	hc_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hc_token_store_data(t, HC_FLEET_APP, "host=gamma",
						     (const unsigned char *)bad[i],
						     strlen(bad[i]), &h, &err), 0);
	assert_int_equal(hc_fleet_read(t, &f, &err), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(f.damaged, 4);
	hc_fleet_release(&f);
}

static void
test_audit_heads_are_per_host(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_audit_rec rec = { "enable", "x", "ok", NULL };
	struct hc_audit_check c;
	char log_a[700], log_b[700], hash[65];
	unsigned long long seq;
	hc_err err = { 0 };

	snprintf(log_a, sizeof(log_a), "%s/a.log", fx->dir);
	snprintf(log_b, sizeof(log_b), "%s/b.log", fx->dir);
	assert_int_equal(hc_audit_append(log_a, t, "alpha", &rec, &err), 0);
	assert_int_equal(hc_audit_append(log_a, t, "alpha", &rec, &err), 0);
	assert_int_equal(hc_audit_append(log_b, t, "beta", &rec, &err), 0);
	assert_int_equal(hc_audit_head(t, "alpha", &seq, hash, &err), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(hc_audit_head(t, "beta", &seq, hash, &err), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(hc_audit_head(t, "gamma", &seq, hash, &err), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(count_data(t, HC_AUDIT_APP, NULL), 2);
	assert_int_equal(hc_audit_verify(log_a, t, "alpha", &c, NULL, &err), 0);
	assert_true(c.ok);
	assert_int_equal(hc_audit_verify(log_b, t, "beta", &c, NULL, &err), 0);
	assert_true(c.ok);
	/* alpha's log checked against beta's head: not anchored */
	assert_int_equal(hc_audit_verify(log_a, t, "beta", &c, NULL, &err), 0);
	assert_false(c.ok);
}

static void
test_audit_head_without_host_counts_for_this_host_once(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_audit_rec rec = { "new", "x", "ok", NULL };
	char log[700], hash[65], label[120];
	unsigned long long seq;
	unsigned long h;
	hc_err err = { 0 };

	/* a head as hsmcert wrote it before heads were per host */
	snprintf(label, sizeof(label), "seq=4 sha256=%064d", 0);
	assert_int_equal(hc_token_store_data(t, HC_AUDIT_APP, label,
					     (const unsigned char *)"h", 1, &h,
					     &err), 0);
	assert_int_equal(hc_audit_head(t, "alpha", &seq, hash, &err), 0);
	assert_int_equal(seq, 4);
	snprintf(log, sizeof(log), "%s/a.log", fx->dir);
	/* an empty log cannot follow it: the head never moves back */
	assert_int_equal(hc_audit_append(log, t, "alpha", &rec, &err), -1);
	assert_int_equal(err.code, HC_E_VERIFY);
	assert_non_null(strstr(err.msg, "head on the token is at seq 4"));
	assert_int_equal(hc_audit_head(t, "alpha", &seq, hash, &err), 0);
	assert_int_equal(seq, 4);
	/* audit reset starts alpha's log after it: replaced by alpha's own */
	{
		struct hc_audit_pos was;
		char kept[800];

		memset(&err, 0, sizeof(err));
		assert_int_equal(hc_audit_restart(log, t, "alpha", &was, kept,
						  sizeof(kept), &err), 0);
		assert_int_equal(was.fit, HC_AUDIT_BEHIND);
	}
	assert_int_equal(count_data(t, HC_AUDIT_APP, NULL), 1);
	assert_int_equal(hc_audit_head(t, "alpha", &seq, hash, &err), 0);
	assert_int_equal(seq, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
		T(test_fleet_publish_then_read_back),
		T(test_fleet_republish_replaces_and_counts_up),
		T(test_fleet_hosts_are_separate_and_sorted),
		T(test_fleet_interrupted_update_higher_gen_counts),
		T(test_fleet_damaged_objects_are_counted_not_read),
		T(test_audit_heads_are_per_host),
		T(test_audit_head_without_host_counts_for_this_host_once),
#undef T
	};

	return cmocka_run_group_tests_name("fleet", tests, NULL, NULL);
}
