/* label.h - the friendly name (PKCS#11 label) a user gives (internal) */
#ifndef HC_CORE_LABEL_H
#define HC_CORE_LABEL_H

#include "hsmcert.h"

/** The longest friendly name (PKCS#11 label), in characters. */
#define HC_FRIENDLY_MAX 64

/**
 * Check a friendly name the user gave (what: the option, for the message):
 * valid UTF-8 (hc_utf8_decode(): no overlong forms or surrogates), 1 to
 * HC_FRIENDLY_MAX characters, and no control character (C0, DEL, C1
 * U+0080-U+009F), which would reach every terminal that lists the token
 * (SPEC section 10). HC_E_USAGE naming the rule; the message gives a
 * control's code point as U+HHHH and its position.
 */
int hc_label_check(const char *name, const char *what, hc_err *err);

#endif
