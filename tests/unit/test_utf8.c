/* test_utf8.c - the one UTF-8 validator and the message quoting
 * (src/core/utf8.c) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

/* Decode s, expect n bytes and code point cp. */
static void
decodes(const char *s, size_t n, unsigned long cp)
{
	unsigned long got = 0xdeadUL;

	assert_int_equal(hc_utf8_decode(s, &got), n);
	assert_int_equal(got, cp);
	assert_int_equal(hc_utf8_seq(s), n);
}

/* Expect s refused, and the code point left as it was. */
static void
refused(const char *s)
{
	unsigned long got = 0xdeadUL;

	assert_int_equal(hc_utf8_decode(s, &got), 0);
	assert_int_equal(got, 0xdeadUL);
	assert_int_equal(hc_utf8_seq(s), 0);
}

static void
test_utf8_accepts_every_length(void **state)
{
	(void)state;
	decodes("a", 1, 'a');
	decodes("\x7f", 1, 0x7f);
	decodes("", 1, 0);
	decodes("\xc2\x80", 2, 0x80);
	decodes("\xc3\xa9", 2, 0xe9);
	decodes("\xdf\xbf", 2, 0x7ff);
	decodes("\xe0\xa0\x80", 3, 0x800);
	decodes("\xe2\x82\xac", 3, 0x20ac);
	decodes("\xed\x9f\xbf", 3, 0xd7ff);
	decodes("\xee\x80\x80", 3, 0xe000);
	decodes("\xef\xbf\xbf", 3, 0xffff);
	decodes("\xf0\x90\x80\x80", 4, 0x10000);
	decodes("\xf0\x9f\x98\x80", 4, 0x1f600);
	/* only the first character counts */
	decodes("\xc3\xa9\xff", 2, 0xe9);
}

static void
test_utf8_accepts_u10ffff_refuses_u110000(void **state)
{
	(void)state;
	decodes("\xf4\x8f\xbf\xbf", 4, 0x10ffff);
	refused("\xf4\x90\x80\x80");	/* U+110000 */
	refused("\xf5\x80\x80\x80");	/* would be U+140000 */
	refused("\xf7\xbf\xbf\xbf");	/* would be U+1FFFFF */
}

static void
test_utf8_refuses_overlong(void **state)
{
	(void)state;
	refused("\xc0\xaf");		/* '/' in 2 bytes */
	refused("\xc0\x80");		/* NUL in 2 bytes */
	refused("\xc1\xbf");
	refused("\xe0\x80\xaf");	/* '/' in 3 bytes */
	refused("\xe0\x9f\xbf");	/* U+07FF in 3 bytes */
	refused("\xf0\x80\x80\xaf");	/* '/' in 4 bytes */
	refused("\xf0\x8f\xbf\xbf");	/* U+FFFF in 4 bytes */
}

static void
test_utf8_refuses_surrogates(void **state)
{
	(void)state;
	refused("\xed\xa0\x80");	/* U+D800 */
	refused("\xed\xaf\xbf");	/* U+DBFF */
	refused("\xed\xb0\x80");	/* U+DC00 */
	refused("\xed\xbf\xbf");	/* U+DFFF */
	/* a CESU-8 pair for U+1F600 */
	refused("\xed\xa0\xbd\xed\xb8\x80");
}

static void
test_utf8_refuses_5_and_6_byte_forms(void **state)
{
	(void)state;
	refused("\xf8\x88\x80\x80\x80");
	refused("\xfb\xbf\xbf\xbf\xbf");
	refused("\xfc\x84\x80\x80\x80\x80");
	refused("\xfd\xbf\xbf\xbf\xbf\xbf");
	refused("\xfe");
	refused("\xff");
}

static void
test_utf8_refuses_stray_and_truncated(void **state)
{
	(void)state;
	refused("\x80");
	refused("\xbf");
	refused("\xc3");
	refused("\xc3 ");
	refused("\xe2\x82");
	refused("\xe2\x82z");
	refused("\xe2z\xac");
	refused("\xf0\x9f\x98");
	refused("\xf0\x9f\x98\xc3");
	refused("\xf0\x9f");
}

/* No byte after the NUL is read: an exact-size heap copy shows it (ASan). */
static void
test_utf8_reads_nothing_after_nul(void **state)
{
	static const char *const cut[] = {
		"\xc3", "\xe2", "\xe2\x82", "\xf0", "\xf0\x9f", "\xf0\x9f\x98",
	};
	size_t i, n;
	char *p;

	(void)state;
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		n = strlen(cut[i]) + 1;
		p = malloc(n);
		assert_non_null(p);
		memcpy(p, cut[i], n);
		assert_int_equal(hc_utf8_seq(p), 0);
		free(p);
	}
}

/*
 * Reference: a sequence is valid when its bits decode to a code point that
 * needs exactly its length and is neither a surrogate nor above U+10FFFF.
 */
static size_t
reference(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned long v;
	size_t n, i;

	if (s[0] < 0x80)
		n = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	v = n == 1 ? s[0] : s[0] & (0x7f >> n);
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) ||
	    (n == 4 && v < 0x10000) || (v >= 0xd800 && v <= 0xdfff) ||
	    v > 0x10ffff)
		return 0;
	*cp = v;
	return n;
}

/*
 * Every first and second byte, each with a spread of third and fourth
 * bytes, agrees with the reference.
 */
static void
test_utf8_matches_reference_everywhere(void **state)
{
	static const unsigned char tails[] = { 0x00, 0x41, 0x80, 0x9f, 0xa0,
					       0xbf, 0xc0, 0xff };
	unsigned char b[5] = { 0 };
	unsigned long cp, rcp;
	unsigned a, c, d, t;
	size_t n, r;

	(void)state;
	for (a = 1; a < 256; a++) {
		for (c = 0; c < 256; c++) {
			for (t = 0; t < sizeof(tails); t++) {
				for (d = 0; d < sizeof(tails); d++) {
					b[0] = (unsigned char)a;
					b[1] = (unsigned char)c;
					b[2] = tails[t];
					b[3] = tails[d];
					b[4] = 0;
					cp = rcp = 0;
					n = hc_utf8_decode((char *)b, &cp);
					r = reference(b, strlen((char *)b),
						      &rcp);
					if (n != r || cp != rcp)
						fail_msg("%02x %02x %02x %02x: "
							 "%zu/%lx, reference "
							 "%zu/%lx", a, c,
							 tails[t], tails[d], n,
							 cp, r, rcp);
				}
			}
		}
	}
}

static void
test_utf8_show_replaces_controls(void **state)
{
	char buf[HC_UTF8_SHOW_MAX];
	const char *s = "a\x1b[31mb\x7f\tc\xc2\x9b\xc3\xa9\xff";

	(void)state;
	assert_ptr_equal(hc_utf8_show(s, strlen(s), buf, sizeof(buf)), buf);
	/* C0 and DEL as '?'; C1, other UTF-8 and bad bytes as they are */
	assert_string_equal(buf, "a?[31mb??c\xc2\x9b\xc3\xa9\xff");
	/* a NUL within len too */
	hc_utf8_show("a\0b", 3, buf, sizeof(buf));
	assert_string_equal(buf, "a?b");
	/* len counts, not the NUL */
	hc_utf8_show("abcdef", 3, buf, sizeof(buf));
	assert_string_equal(buf, "abc");
}

static void
test_utf8_show_cuts_on_a_character(void **state)
{
	char buf[12];

	(void)state;
	/* cap - 1 bytes fit whole, cap bytes are cut to cap - 4 and "..." */
	hc_utf8_show("0123456789a", 11, buf, sizeof(buf));
	assert_string_equal(buf, "0123456789a");
	hc_utf8_show("0123456789ab", 12, buf, sizeof(buf));
	assert_string_equal(buf, "01234567...");
	/* the cut would split "\xc3\xa9": it moves before it */
	hc_utf8_show("0123456\xc3\xa9xyz", 12, buf, sizeof(buf));
	assert_string_equal(buf, "0123456...");
	hc_utf8_show("012345\xe2\x82\xacxyz", 12, buf, sizeof(buf));
	assert_string_equal(buf, "012345...");
	/* too small to say anything */
	buf[0] = 'x';
	hc_utf8_show("abc", 3, buf, 3);
	assert_string_equal(buf, "");
	hc_utf8_show("abc", 3, buf, 4);
	assert_string_equal(buf, "abc");
	hc_utf8_show("abcd", 4, buf, 4);
	assert_string_equal(buf, "...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_accepts_every_length),
		cmocka_unit_test(test_utf8_accepts_u10ffff_refuses_u110000),
		cmocka_unit_test(test_utf8_refuses_overlong),
		cmocka_unit_test(test_utf8_refuses_surrogates),
		cmocka_unit_test(test_utf8_refuses_5_and_6_byte_forms),
		cmocka_unit_test(test_utf8_refuses_stray_and_truncated),
		cmocka_unit_test(test_utf8_reads_nothing_after_nul),
		cmocka_unit_test(test_utf8_matches_reference_everywhere),
		cmocka_unit_test(test_utf8_show_replaces_controls),
		cmocka_unit_test(test_utf8_show_cuts_on_a_character),
	};

	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
