/* error.h - hc_err helpers (internal) */
#ifndef HC_CORE_ERROR_H
#define HC_CORE_ERROR_H

#include "hsmcert.h"

/**
 * Set the error once: does nothing if err is NULL or already holds a code.
 * Always returns -1 so that callers can write `return hc_err_set(...)`.
 */
int hc_err_set(hc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Prefix context to an error that is already set ("while completing X: ").
 * Does nothing when no error is set.
 */
void hc_err_prefix(hc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Set the error with the reason of the last OpenSSL error appended, then clear
 * the OpenSSL error queue. Returns -1.
 */
int hc_err_ossl(hc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Append to an error that is already set ("...: (CKR_DEVICE_ERROR)"). */
void hc_err_suffix(hc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Reset err to "no error". */
void hc_err_clear(hc_err *err);

#endif
