/* range.h - integer conversions that narrow, checked (internal)
 *
 * A cast that can lose bits or sign (size_t or long to int, size_t to
 * long) is written once, here, behind a check; make check-style
 * (NARROWCAST) finds one anywhere else. src/core/token_int.h has the
 * CK_ULONG ones (range_ulong, range_int), which need the PKCS#11 types.
 * The checking ones return 0 and write *out, or return -1 with HC_E_FAIL
 * "internal: ... out of range" and leave *out alone; the clamping ones
 * (hc_range_clamp_*) saturate, for values a check before has bounded or
 * that only need "at least this much" (a printf precision, a count).
 */
#ifndef HC_CORE_RANGE_H
#define HC_CORE_RANGE_H

#include <limits.h>
#include <stddef.h>

#include "core/error.h"

/** A size_t (a length) as an int, as OpenSSL takes lengths. */
static inline int
hc_range_int(size_t v, int *out, hc_err *err)
{
	if (v > (size_t)INT_MAX) {
		hc_err_set(err, HC_E_FAIL, "internal: length out of range");
		return -1;
	}
	*out = (int)v;
	return 0;
}

/** A size_t (a length) as a long, as the d2i_ functions take lengths. */
static inline int
hc_range_long(size_t v, long *out, hc_err *err)
{
	if (v > (size_t)LONG_MAX) {
		hc_err_set(err, HC_E_FAIL, "internal: length out of range");
		return -1;
	}
	*out = (long)v;
	return 0;
}

/** A long (a parsed number) as an int. */
static inline int
hc_range_int_long(long v, int *out, hc_err *err)
{
	if (v < INT_MIN || v > INT_MAX) {
		hc_err_set(err, HC_E_FAIL, "internal: number out of range");
		return -1;
	}
	*out = (int)v;
	return 0;
}

/**
 * A size_t as an int, INT_MAX when it is larger: for counts and widths
 * that only need to say "at least this many" (a printf precision, a
 * distance, a count of problems).
 */
static inline int
hc_range_clamp_int(size_t v)
{
	return v > (size_t)INT_MAX ? INT_MAX : (int)v;
}

/** A size_t as a long, LONG_MAX when it is larger (a length for d2i_). */
static inline long
hc_range_clamp_long(size_t v)
{
	return v > (size_t)LONG_MAX ? LONG_MAX : (long)v;
}

/**
 * A long as an int, INT_MIN or INT_MAX when it is out of range: for a
 * number whose range its parser has checked already (an option, a
 * configuration value), so the clamp never applies.
 */
static inline int
hc_range_clamp_int_long(long v)
{
	if (v < INT_MIN)
		return INT_MIN;
	return v > INT_MAX ? INT_MAX : (int)v;
}

#endif
