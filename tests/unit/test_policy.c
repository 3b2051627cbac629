/* test_policy.c - key specs and the [policy] checks */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/policy.h"

#define assert_err(e, c, sub)                                           \
	do {                                                            \
		assert_int_equal((e)->code, (c));                       \
		if (strstr((e)->msg, (sub)) == NULL)                    \
			fail_msg("'%s' not in '%s'", (sub), (e)->msg);  \
	} while (0)

static void
test_policy_defaults(void **state)
{
	struct hc_policy p;
	char text[256];

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(p.min_rsa_bits, 2048);
	assert_int_equal(p.max_days, 1825);
	assert_int_equal(p.allow_export, 1);
	assert_int_equal(p.min_password_length, 12);
	assert_int_equal(p.digest, HC_DIGEST_SHA256);
	assert_string_equal(hc_policy_digest_name(&p), "SHA256");
	hc_policy_key_types_text(&p, text, sizeof(text));
	assert_string_equal(text, "rsa:2048,rsa:3072,rsa:4096,ec:p256,ec:p384");
}

static void
test_policy_allows_default_key_types(void **state)
{
	static const char *const ok[] = {
		"rsa:2048", "rsa:3072", "rsa:4096", "ec:p256", "ec:p384",
	};
	struct hc_policy p;
	struct hc_keyspec k;
	size_t i;

	(void)state;
	hc_policy_init(&p);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		hc_err err = { 0 };

		assert_int_equal(hc_keyspec_parse(ok[i], &k, &err), 0);
		assert_int_equal(hc_policy_check_key(&p, &k, &err), 0);
		assert_int_equal(err.code, HC_OK);
	}
}

static void
test_policy_refuses_rsa_below_min_rsa_bits(void **state)
{
	struct hc_policy p;
	struct hc_keyspec k;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_keyspec_parse("rsa:1024", &k, &err), 0);
	assert_int_equal(hc_policy_check_key(&p, &k, &err), -1);
	assert_err(&err, HC_E_DENIED, "min-rsa-bits");
	assert_string_equal(err.msg,
			    "rsa:1024 is below the policy's min-rsa-bits (2048)");
}

static void
test_policy_min_rsa_bits_is_checked_before_key_types(void **state)
{
	struct hc_policy p;
	struct hc_keyspec k = { HC_KEY_RSA, 1536 };
	hc_err err = { 0 };

	(void)state;
	/* rsa:1536 is in neither: the size is what the user must change */
	hc_policy_init(&p);
	assert_int_equal(hc_policy_check_key(&p, &k, &err), -1);
	assert_err(&err, HC_E_DENIED, "min-rsa-bits (2048)");
	assert_null(strstr(err.msg, "key-types"));
}

static void
test_policy_refuses_key_not_in_key_types(void **state)
{
	struct hc_policy p;
	struct hc_keyspec k;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_keyspec_parse("ec:p521", &k, &err), 0);
	assert_int_equal(hc_policy_check_key(&p, &k, &err), -1);
	assert_err(&err, HC_E_DENIED, "key-types");
	assert_string_equal(err.msg,
			    "ec:p521 is not in the policy's key-types (rsa:2048,rsa:3072,rsa:4096,ec:p256,ec:p384)");

	/* an RSA size above the minimum but not listed */
	memset(&err, 0, sizeof(err));
	k.kind = HC_KEY_RSA;
	k.bits = 8192;
	assert_int_equal(hc_policy_check_key(&p, &k, &err), -1);
	assert_err(&err, HC_E_DENIED, "rsa:8192 is not in the policy's key-types");
}

static void
test_policy_key_types_setting_allows_new_types(void **state)
{
	struct hc_policy p;
	struct hc_keyspec k = { HC_KEY_EC, 521 };
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_set(&p, "key-types",
				       " ec:p521 , RSA:4096,,ec:secp521r1 ", &err),
			 0);
	assert_int_equal(p.nkey_types, 2);
	assert_int_equal(hc_policy_check_key(&p, &k, &err), 0);
	k.kind = HC_KEY_RSA;
	k.bits = 2048;
	assert_int_equal(hc_policy_check_key(&p, &k, &err), -1);
	assert_err(&err, HC_E_DENIED, "key-types (ec:p521,rsa:4096)");
}

static void
test_policy_key_types_errors_leave_policy_unchanged(void **state)
{
	static const struct {
		const char *value;
		const char *msg;
	} bad[] = {
		{ "rsa:2048,rsa:abc", "key-types: invalid key 'rsa:abc'" },
		{ "rsa:2048 ec:p256", "key-types: invalid key 'rsa:2048 ec:p256'" },
		{ " , ,", "key-types: the list names no key type" },
		{ "", "key-types is empty" },
		{ "rsa:1024,rsa:1025,rsa:1026,rsa:1027,rsa:1028,rsa:1029,"
		  "rsa:1030,rsa:1031,rsa:1032,rsa:1033,rsa:1034,rsa:1035,"
		  "rsa:1036,rsa:1037,rsa:1038,rsa:1039,rsa:1040",
		  "key-types: more than 16 key types" },
	};
	struct hc_policy p, before;
	size_t i;

	(void)state;
	hc_policy_init(&p);
	before = p;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hc_err err = { 0 };

		assert_int_equal(hc_policy_set(&p, "key-types", bad[i].value,
					       &err), -1);
		assert_err(&err, HC_E_USAGE, bad[i].msg);
		assert_memory_equal(&p, &before, sizeof(p));
	}
}

static void
test_policy_refuses_days_over_max_days(void **state)
{
	struct hc_policy p;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_check_days(&p, 1825, &err), 0);
	assert_int_equal(hc_policy_check_days(&p, 1, &err), 0);
	assert_int_equal(hc_policy_check_days(&p, 4000, &err), -1);
	assert_err(&err, HC_E_DENIED, "max-days");
	assert_string_equal(err.msg,
			    "--days 4000 exceeds the policy's max-days (1825)");
}

static void
test_policy_days_below_one_is_usage(void **state)
{
	struct hc_policy p;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_check_days(&p, 0, &err), -1);
	assert_err(&err, HC_E_USAGE, "--days 0");
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_policy_check_days(&p, -5, &err), -1);
	assert_err(&err, HC_E_USAGE, "--days -5");
}

static void
test_policy_default_days_is_min_of_1825_and_max_days(void **state)
{
	struct hc_policy p;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_default_days(&p), 1825);
	assert_int_equal(hc_policy_set(&p, "max-days", "397", &err), 0);
	assert_int_equal(hc_policy_default_days(&p), 397);
	assert_int_equal(hc_policy_set(&p, "max-days", "3650", &err), 0);
	assert_int_equal(hc_policy_default_days(&p), 1825);
	assert_int_equal(hc_policy_check_days(&p, 3650, &err), 0);
}

static void
test_policy_allow_export_false_denies_export(void **state)
{
	struct hc_policy p;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_check_export(&p, &err), 0);
	assert_int_equal(hc_policy_set(&p, "allow-export", "FALSE", &err), 0);
	assert_int_equal(p.allow_export, 0);
	assert_int_equal(hc_policy_check_export(&p, &err), -1);
	assert_err(&err, HC_E_DENIED, "allow-export");
	assert_string_equal(err.msg,
			    "private-key export is forbidden by the policy (allow-export = false)");
}

static void
test_policy_booleans(void **state)
{
	static const struct {
		const char *v;
		int b;
	} ok[] = {
		{ "true", 1 }, { "Yes", 1 }, { "1", 1 },
		{ "false", 0 }, { "NO", 0 }, { "0", 0 },
	};
	struct hc_policy p;
	hc_err err = { 0 };
	size_t i;

	(void)state;
	hc_policy_init(&p);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		p.allow_export = -1;
		assert_int_equal(hc_policy_set(&p, "allow-export", ok[i].v,
					       &err), 0);
		assert_int_equal(p.allow_export, ok[i].b);
	}
	p.allow_export = 1;
	assert_int_equal(hc_policy_set(&p, "allow-export", "maybe", &err), -1);
	assert_err(&err, HC_E_USAGE, "allow-export: 'maybe' is not a boolean");
	assert_int_equal(p.allow_export, 1);
}

static void
test_policy_password_length(void **state)
{
	struct hc_policy p;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_check_password_len(&p, 12, &err), 0);
	assert_int_equal(hc_policy_check_password_len(&p, 11, &err), -1);
	assert_err(&err, HC_E_DENIED, "min-password-length");
	assert_string_equal(err.msg,
			    "the password is shorter than the policy's min-password-length (12)");

	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_policy_set(&p, "min-password-length", "0", &err), 0);
	assert_int_equal(hc_policy_check_password_len(&p, 0, &err), 0);
}

static void
test_policy_set_numbers(void **state)
{
	struct hc_policy p;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_set(&p, "Min-RSA-Bits", "3072", &err), 0);
	assert_int_equal(p.min_rsa_bits, 3072);

	assert_int_equal(hc_policy_set(&p, "min-rsa-bits", "abc", &err), -1);
	assert_err(&err, HC_E_USAGE, "min-rsa-bits: 'abc' is not a number");
	assert_int_equal(p.min_rsa_bits, 3072);

	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_policy_set(&p, "min-rsa-bits", "100", &err), -1);
	assert_err(&err, HC_E_USAGE, "min-rsa-bits: 100 is out of range");

	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_policy_set(&p, "max-days", "0", &err), -1);
	assert_err(&err, HC_E_USAGE, "max-days: 0 is out of range");

	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_policy_set(&p, "max-days", "", &err), -1);
	assert_err(&err, HC_E_USAGE, "max-days is empty");

	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_policy_set(&p, "min-password-length", "-1", &err),
			 -1);
	assert_err(&err, HC_E_USAGE, "min-password-length: -1 is out of range");
}

static void
test_policy_digest(void **state)
{
	struct hc_policy p;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	assert_int_equal(hc_policy_set(&p, "digest", "SHA384", &err), 0);
	assert_string_equal(hc_policy_digest_name(&p), "SHA384");
	assert_int_equal(hc_policy_set(&p, "digest", "sha512", &err), 0);
	assert_string_equal(hc_policy_digest_name(&p), "SHA512");
	assert_int_equal(hc_policy_set(&p, "digest", "sha256", &err), 0);
	assert_string_equal(hc_policy_digest_name(&p), "SHA256");
	assert_int_equal(hc_policy_set(&p, "digest", "sha1", &err), -1);
	assert_err(&err, HC_E_USAGE, "digest: 'sha1' is not a digest");
	assert_int_equal(p.digest, HC_DIGEST_SHA256);
}

static void
test_policy_unknown_key_is_left_to_caller(void **state)
{
	struct hc_policy p, before;
	hc_err err = { 0 };

	(void)state;
	hc_policy_init(&p);
	before = p;
	assert_int_equal(hc_policy_set(&p, "min-rsa-bit", "4096", &err), 1);
	assert_int_equal(err.code, HC_OK);
	assert_memory_equal(&p, &before, sizeof(p));
}

static void
test_policy_keyspec_round_trips(void **state)
{
	static const struct {
		const char *in;
		const char *out;
		enum hc_key_kind kind;
		int bits;
	} ok[] = {
		{ "rsa:2048", "rsa:2048", HC_KEY_RSA, 2048 },
		{ "RSA:4096", "rsa:4096", HC_KEY_RSA, 4096 },
		{ "Rsa:1024", "rsa:1024", HC_KEY_RSA, 1024 },
		{ "rsa:512", "rsa:512", HC_KEY_RSA, 512 },
		{ "rsa:16384", "rsa:16384", HC_KEY_RSA, 16384 },
		{ "ec:p256", "ec:p256", HC_KEY_EC, 256 },
		{ "EC:P384", "ec:p384", HC_KEY_EC, 384 },
		{ "ec:p521", "ec:p521", HC_KEY_EC, 521 },
		{ "ec:P-256", "ec:p256", HC_KEY_EC, 256 },
		{ "ec:prime256v1", "ec:p256", HC_KEY_EC, 256 },
		{ "ec:secp256r1", "ec:p256", HC_KEY_EC, 256 },
		{ "ec:secp384r1", "ec:p384", HC_KEY_EC, 384 },
		{ "ec:secp521r1", "ec:p521", HC_KEY_EC, 521 },
	};
	struct hc_keyspec k, k2;
	char buf[HC_KEYSPEC_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		hc_err err = { 0 };

		assert_int_equal(hc_keyspec_parse(ok[i].in, &k, &err), 0);
		assert_int_equal(k.kind, ok[i].kind);
		assert_int_equal(k.bits, ok[i].bits);
		hc_keyspec_format(&k, buf, sizeof(buf));
		assert_string_equal(buf, ok[i].out);
		/* the canonical text parses back to the same key */
		assert_int_equal(hc_keyspec_parse(buf, &k2, &err), 0);
		assert_true(hc_keyspec_eq(&k, &k2));
	}
}

static void
test_policy_keyspec_errors(void **state)
{
	static const char *const bad[] = {
		"", "rsa", "rsa:", "rsa:abc", "rsa:-2048", "rsa:+2048",
		"rsa: 2048", "rsa:2048 ", " rsa:2048", "rsa:2048x",
		"rsa:0x800", "dsa:2048", "ec:", "ec:p224", "ec:p256 ",
		"ec:256", "ed25519", "rsa2048", "rsa:99999999999999999999999",
	};
	struct hc_keyspec k = { HC_KEY_EC, 384 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hc_err err = { 0 };
		char want[128];

		assert_int_equal(hc_keyspec_parse(bad[i], &k, &err), -1);
		snprintf(want, sizeof(want), "invalid key '%s': ", bad[i]);
		assert_err(&err, HC_E_USAGE, want);
		assert_int_equal(k.kind, HC_KEY_EC);	/* out untouched */
		assert_int_equal(k.bits, 384);
	}
}

static void
test_policy_keyspec_rsa_bits_range(void **state)
{
	struct hc_keyspec k;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_keyspec_parse("rsa:511", &k, &err), -1);
	assert_err(&err, HC_E_USAGE,
		   "invalid key 'rsa:511': RSA bits must be 512 to 16384");
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_keyspec_parse("rsa:16385", &k, &err), -1);
	assert_err(&err, HC_E_USAGE, "invalid key 'rsa:16385'");
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_keyspec_parse("rsa:2047", &k, &err), 0);
}

static void
test_policy_keyspec_format_truncates(void **state)
{
	struct hc_keyspec k = { HC_KEY_RSA, 16384 };
	char buf[6];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	hc_keyspec_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "rsa:1");
	hc_keyspec_format(&k, buf, 0);		/* writes nothing */
	assert_string_equal(buf, "rsa:1");
	k.kind = (enum hc_key_kind)0;
	hc_keyspec_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_defaults),
		cmocka_unit_test(test_policy_allows_default_key_types),
		cmocka_unit_test(test_policy_refuses_rsa_below_min_rsa_bits),
		cmocka_unit_test(test_policy_min_rsa_bits_is_checked_before_key_types),
		cmocka_unit_test(test_policy_refuses_key_not_in_key_types),
		cmocka_unit_test(test_policy_key_types_setting_allows_new_types),
		cmocka_unit_test(test_policy_key_types_errors_leave_policy_unchanged),
		cmocka_unit_test(test_policy_refuses_days_over_max_days),
		cmocka_unit_test(test_policy_days_below_one_is_usage),
		cmocka_unit_test(test_policy_default_days_is_min_of_1825_and_max_days),
		cmocka_unit_test(test_policy_allow_export_false_denies_export),
		cmocka_unit_test(test_policy_booleans),
		cmocka_unit_test(test_policy_password_length),
		cmocka_unit_test(test_policy_set_numbers),
		cmocka_unit_test(test_policy_digest),
		cmocka_unit_test(test_policy_unknown_key_is_left_to_caller),
		cmocka_unit_test(test_policy_keyspec_round_trips),
		cmocka_unit_test(test_policy_keyspec_errors),
		cmocka_unit_test(test_policy_keyspec_rsa_bits_range),
		cmocka_unit_test(test_policy_keyspec_format_truncates),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
