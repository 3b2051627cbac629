/* utf8.c - the one UTF-8 validator, and untrusted text quoted in messages */
#include <string.h>

#include "utf8.h"

int
hc_utf8_is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * The second byte's range depends on the lead byte (RFC 3629 section 4):
 * that one test refuses the overlong forms (E0 80-9F, F0 80-8F), the
 * surrogates (ED A0-BF) and what lies above U+10FFFF (F4 90-BF). A NUL is
 * not a continuation byte, so no byte after it is read.
 */
size_t
hc_utf8_decode(const char *str, unsigned long *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	unsigned long v;
	size_t n, i;

	if (c < 0x80) {
		n = 1;
		v = c;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n > 1 && (s[1] < lo || s[1] > hi))
		return 0;
	for (i = 1; i < n; i++) {
		if (!hc_utf8_is_cont(s[i]))
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (cp != NULL)
		*cp = v;
	return n;
}

size_t
hc_utf8_seq(const char *s)
{
	return hc_utf8_decode(s, NULL);
}

const char *
hc_utf8_show(const char *s, size_t len, char *buf, size_t cap)
{
	size_t i, max;

	if (cap < 4) {
		if (cap > 0)
			buf[0] = '\0';
		return buf;
	}
	max = len < cap ? len : cap - 4;
	/* do not cut a UTF-8 sequence in half */
	while (max < len && max > 0 && hc_utf8_is_cont((unsigned char)s[max]))
		max--;
	for (i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (max < len) {
		memcpy(buf + max, "...", 3);
		max += 3;
	}
	buf[max] = '\0';
	return buf;
}
