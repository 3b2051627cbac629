/* util.c - small shared helpers */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "util.h"
#include "core/range.h"

static int
strlist_grow(struct hc_strlist *l, hc_err *err)
{
	size_t ncap;
	char **nv;

	if (l->n + 1 < l->cap)
		return 0;
	ncap = l->cap ? l->cap * 2 : 8;
	nv = realloc(l->v, ncap * sizeof(*nv));
	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	l->v = nv;
	l->cap = ncap;
	return 0;
}

static int
strlist_take(struct hc_strlist *l, char *s, hc_err *err)
{
	if (s == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (strlist_grow(l, err) != 0) {
		free(s);
		return -1;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

int
hc_strlist_push(struct hc_strlist *l, const char *s, hc_err *err)
{
	return strlist_take(l, strdup(s), err);
}

int
hc_strlist_pushf(struct hc_strlist *l, hc_err *err, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return hc_err_set(err, HC_E_FAIL, "internal: bad format");
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	va_start(ap, fmt);
	n = vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	(void)n;
	return strlist_take(l, s, err);
}

long
hc_strlist_find_ci(const struct hc_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (hc_strcaseeq(l->v[i], s))
			return hc_range_clamp_long(i);
	return -1;
}

void
hc_strlist_release(struct hc_strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

int
hc_strlist_push_unique(struct hc_strlist *l, const char *s, hc_err *err)
{
	if (hc_strlist_find_ci(l, s) >= 0)
		return 0;
	return hc_strlist_push(l, s, err);
}

void
hc_strlist_truncate(struct hc_strlist *l, size_t n)
{
	while (l->n > n)
		free(l->v[--l->n]);
	if (l->v != NULL)
		l->v[l->n] = NULL;
}

int
hc_strlist_append(struct hc_strlist *dst, const struct hc_strlist *src,
		  hc_err *err)
{
	size_t n0 = dst->n, i;

	for (i = 0; i < src->n; i++) {
		if (hc_strlist_push(dst, src->v[i], err) != 0) {
			hc_strlist_truncate(dst, n0);
			return -1;
		}
	}
	return 0;
}

int
hc_parse_long(const char *s, long min, long max, const char *what, long *out,
	      hc_err *err)
{
	char *end = NULL;
	long v;

	if (s == NULL || *s == '\0')
		return hc_err_set(err, HC_E_USAGE, "%s: a number is required",
				  what);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return hc_err_set(err, HC_E_USAGE, "%s: '%s' is not a number",
				  what, s);
	if (v < min || v > max)
		return hc_err_set(err, HC_E_USAGE,
				  "%s: %ld is out of range (%ld to %ld)", what,
				  v, min, max);
	*out = v;
	return 0;
}

void
hc_hex(const unsigned char *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
hc_unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s != '\0'; s++) {
		int v;

		if (*s == ':')
			continue;
		v = hexval((unsigned char)*s);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -1;
	return hc_range_clamp_long(n);
}

char *
hc_strdup0(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
hc_strcaseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

long long
hc_timegm(const struct tm *tm)
{
	/* days from civil, Howard Hinnant's algorithm */
	long long y = (long long)tm->tm_year + 1900;
	long long m = tm->tm_mon + 1;
	long long era, yoe, doy, doe, days;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm->tm_mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

void
hc_rfc3339(long long t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		memcpy(out, "0000-00-00T00:00:00Z", 21);
}

int
hc_parse_date(const char *s, const char *what, long long *out, hc_err *err)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, oh = 0, om = 0;
	char sign = 0;
	const char *orig = s;
	long long t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		goto bad;
	s += n;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		n = 0;
		if (sscanf(s + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3)
			goto bad;
		s += 1 + n;
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++)
				;
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s;
			n = 0;
			if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2)
				goto bad;
			s += 1 + n;
		} else {
			goto bad;
		}
	}
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || oh > 23 || om > 59)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = hc_timegm(&tm);
	if (sign == '+')
		t -= oh * 3600 + om * 60;
	else if (sign == '-')
		t += oh * 3600 + om * 60;
	*out = t;
	return 0;
bad:
	return hc_err_set(err, HC_E_USAGE,
			  "%s: '%s' is not a date (YYYY-MM-DD or RFC 3339)",
			  what, orig);
}
