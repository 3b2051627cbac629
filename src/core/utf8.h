/* utf8.h - the one UTF-8 validator, and untrusted text quoted in messages
 * (internal)
 *
 * Every check of UTF-8 in the tree (DN values, friendly names, the
 * renderer's escaping) goes through hc_utf8_decode(), so that what one
 * place accepts no other place refuses. Every hc_err message that quotes a
 * name or a file's text takes it through hc_utf8_show().
 */
#ifndef HC_CORE_UTF8_H
#define HC_CORE_UTF8_H

#include <stddef.h>

/** The size of a buffer for hc_utf8_show() in most messages. */
#define HC_UTF8_SHOW_MAX 96

/** 1 if c is a UTF-8 continuation byte (10xxxxxx), else 0. */
int hc_utf8_is_cont(unsigned char c);

/**
 * Decode the UTF-8 character at the start of the NUL-terminated s (RFC
 * 3629). Returns its length in bytes (1 to 4) with *cp set to its code
 * point, or 0 when s does not start a valid character: a continuation
 * byte, a lead byte C0, C1 or F5-FF (5- and 6-byte forms included), an
 * overlong form, a UTF-16 surrogate (U+D800-U+DFFF), a code point above
 * U+10FFFF, or a sequence cut short (a NUL ends it). *cp is written only
 * on success; cp may be NULL. No byte after the first NUL is read.
 */
size_t hc_utf8_decode(const char *s, unsigned long *cp);

/**
 * Length of the valid UTF-8 character at s (1 to 4), or 0: the same test
 * as hc_utf8_decode(), without the code point.
 */
size_t hc_utf8_seq(const char *s);

/**
 * Make len bytes of untrusted text (a name, a label, a file's line) fit to
 * quote in an hc_err message: C0 controls and DEL become '?', every other
 * byte is kept (the renderer escapes what a terminal would obey when the
 * message is printed). Text of cap bytes or more is cut, on a character
 * boundary, to at most cap - 4 bytes followed by "...". NUL bytes within
 * len are shown as '?'. buf (cap bytes, cap >= 4) always ends in NUL.
 * Returns buf.
 */
const char *hc_utf8_show(const char *s, size_t len, char *buf, size_t cap);

#endif
