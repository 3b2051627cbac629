/* token_login.c - the lockout check and the one C_Login
 *
 * SPEC 10: one login attempt per process, never retried; a locked PIN or
 * the last try is refused before C_Login; a wrong PIN reports the token's
 * count-low / final-try / locked flags. The only token file that reads a
 * secret (hc_secret_get0_buf, make check-secrets).
 */
#include <stdio.h>
#include <string.h>

#include "core/secret.h"
#include "core/token_int.h"

static void
pin_flags_text(const struct hc_token_info *ti, char *buf, size_t len)
{
	int n;

	if (ti->locked)
		n = snprintf(buf, len,
			     "; the token reports the user PIN LOCKED");
	else if (ti->final_try)
		n = snprintf(buf, len,
			     "; the token reports ONE try left before it locks the PIN");
	else if (ti->count_low)
		n = snprintf(buf, len,
			     "; the token reports that few tries are left (PIN count low)");
	else
		n = snprintf(buf, len,
			     "; the token does not report a low try count");
	(void)n;
}

int
hc_token_login_check(struct hc_token *t, unsigned int flags,
		     struct hc_token_info *ti, hc_err *err)
{
	if (hc_token_get_info(t, ti, err) != 0)
		return -1;
	if (ti->locked)
		return hc_err_set(err, HC_E_PIN,
				  "the user PIN of token '%s' is locked (CKF_USER_PIN_LOCKED); ask the security officer to reset it",
				  ti->label);
	/* SPEC 10: the last try is never spent unless the user says so */
	if (ti->final_try && !(flags & HC_LOGIN_FINAL_TRY))
		return hc_err_set(err, HC_E_PIN,
				  "token '%s' reports one PIN try left before it locks the user PIN (CKF_USER_PIN_FINAL_TRY): hsmcert does not spend the last try; check the PIN source, then give the global option --pin-final-try to allow it",
				  ti->label);
	return 0;
}

int
hc_token_pin_was_wrong(const hc_err *err)
{
	if (err == NULL || err->code != HC_E_PIN)
		return 0;
	switch (err->ckr) {
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
		return 1;
	default:
		return 0;
	}
}

int
hc_token_login(struct hc_token *t, const hc_secret *pin, hc_err *err)
{
	return hc_token_login_flags(t, pin, 0, err);
}

int
hc_token_login_flags(struct hc_token *t, const hc_secret *pin,
		     unsigned int lflags, hc_err *err)
{
	struct hc_token_info ti;
	char flags[128];
	char nbuf[32];
	CK_ULONG plen;
	CK_RV rv;

	if (t->logged_in)
		return 0;
	/* read right before C_Login: a human may have typed for a while */
	if (hc_token_login_check(t, lflags, &ti, err) != 0)
		return -1;
	if (pin == NULL)
		return hc_err_set(err, HC_E_PIN,
				  "a PIN is needed for token '%s'", ti.label);
	if (range_ulong(hc_secret_len(pin), &plen, err) != 0)
		return -1;
	/* Exactly one C_Login: a wrong PIN is never retried. */
	rv = t->f->C_Login(t->sess, CKU_USER,
			   (CK_UTF8CHAR *)hc_secret_get0_buf(pin), plen);
	if (rv == CKR_USER_ALREADY_LOGGED_IN)
		rv = CKR_OK;
	if (rv != CKR_OK) {
		if (hc_token_get_info(t, &ti, NULL) != 0)
			memset(&ti, 0, sizeof(ti));
		pin_flags_text(&ti, flags, sizeof(flags));
		switch (rv) {
		case CKR_PIN_INCORRECT:
		case CKR_PIN_INVALID:
		case CKR_PIN_LEN_RANGE:
		case CKR_PIN_LOCKED:
		case CKR_PIN_EXPIRED:
			hc_err_set(err, HC_E_PIN,
				   "login to token '%s' failed: %s%s; not retrying",
				   t->info.label,
				   hc_token_rv_name(rv, nbuf, sizeof(nbuf)),
				   flags);
			err->ckr = rv;
			return -1;
		default:
			return hc_err_ckr(err, HC_E_FAIL, rv,
					  "login to token '%s' failed",
					  t->info.label);
		}
	}
	t->logged_in = 1;
	hc_token_changed(t);	/* private objects are seen from now on */
	return 0;
}

int
hc_token_is_logged_in(const struct hc_token *t)
{
	return t->logged_in;
}
