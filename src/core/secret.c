/* secret.c - PINs and passwords that wipe themselves */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "error.h"
#include "secret.h"

struct hc_secret {
	char *buf;
	size_t len;
	size_t cap;
};

hc_secret *
hc_secret_new(const char *buf, size_t len, hc_err *err)
{
	hc_secret *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	s->cap = len + 1;
	s->buf = OPENSSL_secure_malloc(s->cap);
	if (s->buf == NULL) {
		free(s);
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	memcpy(s->buf, buf, len);
	s->buf[len] = '\0';
	s->len = len;
	return s;
}

size_t
hc_secret_len(const hc_secret *s)
{
	return s != NULL ? s->len : 0;
}

const char *
hc_secret_get0_buf(const hc_secret *s)
{
	return s->buf;
}

void
hc_secret_free(hc_secret *s)
{
	if (s == NULL)
		return;
	OPENSSL_secure_clear_free(s->buf, s->cap);
	free(s);
}
