/* util.h - small shared helpers: string lists, numbers, hex (internal) */
#ifndef HC_CORE_UTIL_H
#define HC_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "hsmcert.h"

/** A growable list of owned, NUL-terminated strings. Zero-initialise it. */
struct hc_strlist {
	char **v;
	size_t n;
	size_t cap;
};

/** Append a copy of s. Returns 0, or -1 (HC_E_FAIL) when out of memory. */
int hc_strlist_push(struct hc_strlist *l, const char *s, hc_err *err);

/** Append a printf-formatted string. Returns 0 or -1 (HC_E_FAIL). */
int hc_strlist_pushf(struct hc_strlist *l, hc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Index of s in l compared case-insensitively, or -1. */
long hc_strlist_find_ci(const struct hc_strlist *l, const char *s);

/** Free every string and the array; l is left empty and reusable. NULL-safe. */
void hc_strlist_release(struct hc_strlist *l);

/**
 * Append a copy of s unless l holds it already (compared case-insensitively:
 * the first spelling stays). Returns 0, or -1 (HC_E_FAIL) when out of memory.
 */
int hc_strlist_push_unique(struct hc_strlist *l, const char *s, hc_err *err);

/** Free the strings after the first n; l keeps its first n (n <= l->n). */
void hc_strlist_truncate(struct hc_strlist *l, size_t n);

/**
 * Append a copy of every string of src to dst, all or nothing: on failure
 * (-1, HC_E_FAIL when out of memory) dst is as it was. Returns 0 or -1.
 */
int hc_strlist_append(struct hc_strlist *dst, const struct hc_strlist *src,
		      hc_err *err);

/**
 * Parse a base-10 integer in [min, max] from the whole of s.
 * Returns 0, or -1 with HC_E_USAGE naming `what`.
 */
int hc_parse_long(const char *s, long min, long max, const char *what,
		  long *out, hc_err *err);

/** Lowercase hex of len bytes into out (2*len+1 bytes). */
void hc_hex(const unsigned char *buf, size_t len, char *out);

/**
 * Parse hex (case-insensitive, ':' separators allowed) into at most cap
 * bytes. Returns the number of bytes, or -1 on a bad digit/odd length.
 */
long hc_unhex(const char *s, unsigned char *out, size_t cap);

/** strdup that returns NULL on NULL. */
char *hc_strdup0(const char *s);

/** UTC struct tm to time_t (timegm is not POSIX). */
struct tm;
long long hc_timegm(const struct tm *tm);

/** Format t as RFC 3339 UTC ("2026-11-22T14:00:00Z") into out[21]. */
void hc_rfc3339(long long t, char out[21]);

/**
 * Parse YYYY-MM-DD or RFC 3339 (Z or +hh:mm) into a time. Returns 0 or -1
 * with HC_E_USAGE naming `what`.
 */
int hc_parse_date(const char *s, const char *what, long long *out, hc_err *err);

/** Case-insensitive ASCII string compare (locale independent). */
int hc_strcaseeq(const char *a, const char *b);

#endif
