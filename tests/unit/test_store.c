/* test_store.c - ID arguments: prefixes, separators, case */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/store.h"

static void
test_store_id_accepts_colons_and_uppercase(void **state)
{
	hc_err err = { 0 };
	char norm[41];

	(void)state;
	assert_int_equal(hc_store_parse_id("4F:9B:38:38", norm, &err), 0);
	assert_string_equal(norm, "4f9b3838");
}

static void
test_store_id_rejects_short_prefix(void **state)
{
	hc_err err = { 0 };
	char norm[41];

	(void)state;
	assert_int_equal(hc_store_parse_id("4f9b3", norm, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "at least 6"));
	assert_non_null(strstr(err.msg, "4f9b3"));
}

static void
test_store_id_rejects_non_hex(void **state)
{
	hc_err err = { 0 };
	char norm[41];

	(void)state;
	assert_int_equal(hc_store_parse_id("4f9b38zz", norm, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "'z'"));
}

static void
test_store_id_rejects_over_40_digits(void **state)
{
	hc_err err = { 0 };
	char norm[41];

	(void)state;
	assert_int_equal(hc_store_parse_id(
		"0123456789abcdef0123456789abcdef012345678", norm, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
}

static void
test_store_id_accepts_full_40(void **state)
{
	hc_err err = { 0 };
	char norm[41];

	(void)state;
	assert_int_equal(hc_store_parse_id(
		"0123456789ABCDEF0123456789abcdef01234567", norm, &err), 0);
	assert_string_equal(norm, "0123456789abcdef0123456789abcdef01234567");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_id_accepts_colons_and_uppercase),
		cmocka_unit_test(test_store_id_rejects_short_prefix),
		cmocka_unit_test(test_store_id_rejects_non_hex),
		cmocka_unit_test(test_store_id_rejects_over_40_digits),
		cmocka_unit_test(test_store_id_accepts_full_40),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
