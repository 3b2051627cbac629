/* secret.h - hc_secret internals (internal) */
#ifndef HC_CORE_SECRET_H
#define HC_CORE_SECRET_H

#include "hsmcert.h"

/**
 * The secret's bytes, NUL-terminated. borrowed: valid until
 * hc_secret_free(). Only token.c and pkcs12.c may call this
 * (make check-secrets enforces it).
 */
const char *hc_secret_get0_buf(const hc_secret *s);

#endif
