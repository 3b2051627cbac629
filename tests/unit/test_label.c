/* test_label.c - the friendly-name check (src/core/label.c) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/label.h"

static void
label_ok(const char *name)
{
	hc_err err = { 0 };

	if (hc_label_check(name, "--friendly-name", &err) != 0)
		fail_msg("'%s' refused: %s", name, err.msg);
	assert_int_equal(err.code, 0);
}

static void
label_fails(const char *name, const char *msg)
{
	hc_err err = { 0 };

	assert_int_equal(hc_label_check(name, "--friendly-name", &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_string_equal(err.msg, msg);
}

static void
test_label_accepts_printable_utf8(void **state)
{
	(void)state;
	label_ok("mail.contoso.com");
	label_ok("Mail \xc3\xa9 2026");
	label_ok("\xf4\x8f\xbf\xbf");
	label_ok("\xc2\xa0");		/* U+00A0, just above C1 */
}

static void
test_label_refuses_controls(void **state)
{
	(void)state;
	label_fails("a\x1b[31mb", "--friendly-name holds a control character "
		    "(U+001B at character 2): a label must be printable");
	label_fails("del\x7f", "--friendly-name holds a control character "
		    "(U+007F at character 4): a label must be printable");
	/* C1 counted as one character, after a 2-byte one */
	label_fails("\xc3\xa9\xc2\x9b", "--friendly-name holds a control "
		    "character (U+009B at character 2): a label must be "
		    "printable");
}

static void
test_label_refuses_bad_utf8(void **state)
{
	static const char *const bad[] = {
		"x\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xf8\x88\x80\x80\x80", "ab\xe2\x82",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		label_fails(bad[i], "--friendly-name is not valid UTF-8");
}

static void
test_label_counts_characters_not_bytes(void **state)
{
	char name[4 * HC_FRIENDLY_MAX + 8];
	size_t i;

	(void)state;
	label_fails("", "--friendly-name must be 1 to 64 characters (got 0)");
	/* 64 two-byte characters: 128 bytes, fine */
	for (i = 0; i < HC_FRIENDLY_MAX; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[2 * HC_FRIENDLY_MAX] = '\0';
	label_ok(name);
	memcpy(name + 2 * HC_FRIENDLY_MAX, "x", 2);
	label_fails(name, "--friendly-name must be 1 to 64 characters (got 65)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_accepts_printable_utf8),
		cmocka_unit_test(test_label_refuses_controls),
		cmocka_unit_test(test_label_refuses_bad_utf8),
		cmocka_unit_test(test_label_counts_characters_not_bytes),
	};

	return cmocka_run_group_tests_name("label", tests, NULL, NULL);
}
