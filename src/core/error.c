/* error.c - hc_err: a code from SPEC section 6 and a message in user terms */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "error.h"

static void err_vset(hc_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void
err_vset(hc_err *err, int code, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	if (n < 0)
		err->msg[0] = '\0';
	err->code = code;
}

int
hc_err_set(hc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != HC_OK)
		return -1;
	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

void
hc_err_prefix(hc_err *err, const char *fmt, ...)
{
	char pre[256];
	size_t plen, mlen, cap = sizeof(err->msg) - 1;
	va_list ap;
	int n;

	if (err == NULL || err->code == HC_OK)
		return;
	va_start(ap, fmt);
	n = vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	plen = strlen(pre);
	mlen = strlen(err->msg);
	if (plen > cap)
		plen = cap;
	if (plen + mlen > cap)
		mlen = cap - plen;
	memmove(err->msg + plen, err->msg, mlen);
	memcpy(err->msg, pre, plen);
	err->msg[plen + mlen] = '\0';
}

int
hc_err_ossl(hc_err *err, int code, const char *fmt, ...)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256];
	size_t len;
	va_list ap;

	if (err == NULL || err->code != HC_OK) {
		ERR_clear_error();
		return -1;
	}
	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	err->ossl = e;
	if (e != 0) {
		ERR_error_string_n(e, reason, sizeof(reason));
		len = strlen(err->msg);
		if (len + 3 < sizeof(err->msg)) {
			const char *r = ERR_reason_error_string(e);
			int n = snprintf(err->msg + len, sizeof(err->msg) - len,
					 " (%s)", r != NULL ? r : reason);
			(void)n;
		}
	}
	ERR_clear_error();
	return -1;
}

void
hc_err_clear(hc_err *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
}

void
hc_err_suffix(hc_err *err, const char *fmt, ...)
{
	size_t len;
	va_list ap;
	int n;

	if (err == NULL || err->code == HC_OK)
		return;
	len = strlen(err->msg);
	if (len + 1 >= sizeof(err->msg))
		return;
	va_start(ap, fmt);
	n = vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
	(void)n;
}
