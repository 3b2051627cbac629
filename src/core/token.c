/* token.c - every PKCS#11 call of hsmcert
 *
 * The module's own CK_FUNCTION_LIST, one session, one login: key generation
 * with exact attributes (RSA and EC), batched attribute reads, CKO_DATA
 * objects, C_SetAttributeValue, C_WrapKey, and the EVP_PKEY that signs on
 * the token through OpenSSL (see "Signing keys" below for why libp11 0.4.12
 * is not used for it).
 */
/* The signer below builds keys with OpenSSL's RSA_METHOD / EC_KEY_METHOD. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/error.h"
#include "core/secret.h"
#include "core/token.h"
#include "core/x509.h"

struct hc_token {
	void *dl;
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slot_id;
	CK_SESSION_HANDLE sess;
	int have_sess;
	int logged_in;
	int initialized;		/* our C_Initialize is to be finalized */
	CK_TOKEN_INFO raw_info;
	struct hc_token_info info;
	int open_attempts;		/* > 1: the token was not ready at first */
	char open_problem[160];		/* why, the first time */
	RSA_METHOD *rsa_meth;		/* signers: keys that sign on the token */
	EC_KEY_METHOD *ec_meth;
	unsigned long last_sign_rv;	/* the CK_RV of the last failed signature */
};

/* ------------------------------------------------------------------ */
/* Return values                                                        */

static const struct {
	CK_RV rv;
	const char *name;
} rv_names[] = {
	{ CKR_OK, "CKR_OK" },
	{ CKR_CANCEL, "CKR_CANCEL" },
	{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
	{ CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID" },
	{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
	{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
	{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
	{ CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY" },
	{ CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE" },
	{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
	{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID" },
	{ CKR_DATA_INVALID, "CKR_DATA_INVALID" },
	{ CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE" },
	{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
	{ CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY" },
	{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
	{ CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED" },
	{ CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED" },
	{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
	{ CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE" },
	{ CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT" },
	{ CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE" },
	{ CKR_KEY_NOT_WRAPPABLE, "CKR_KEY_NOT_WRAPPABLE" },
	{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
	{ CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID" },
	{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
	{ CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE" },
	{ CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED" },
	{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
	{ CKR_PIN_INVALID, "CKR_PIN_INVALID" },
	{ CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE" },
	{ CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED" },
	{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
	{ CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED" },
	{ CKR_SESSION_COUNT, "CKR_SESSION_COUNT" },
	{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
	{ CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY" },
	{ CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID" },
	{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE" },
	{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT" },
	{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
	{ CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED" },
	{ CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED" },
	{ CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN" },
	{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
	{ CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED" },
	{ CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID" },
	{ CKR_WRAPPED_KEY_INVALID, "CKR_WRAPPED_KEY_INVALID" },
	{ CKR_WRAPPING_KEY_HANDLE_INVALID, "CKR_WRAPPING_KEY_HANDLE_INVALID" },
	{ CKR_RANDOM_NO_RNG, "CKR_RANDOM_NO_RNG" },
	{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
	{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
	{ CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED" },
};

const char *
hc_token_rv_name(unsigned long rv, char *buf, size_t len)
{
	size_t i;
	int n;

	for (i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
		if (rv_names[i].rv == rv)
			return rv_names[i].name;
	n = snprintf(buf, len, "CKR_0x%lx", rv);
	(void)n;
	return buf;
}

int
hc_err_ckr(hc_err *err, int code, unsigned long rv, const char *fmt, ...)
{
	char msg[400];
	char nbuf[32];
	va_list ap;
	int n;

	if (err == NULL || err->code != HC_OK)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	hc_err_set(err, code, "%s (%s)", msg,
		   hc_token_rv_name(rv, nbuf, sizeof(nbuf)));
	err->ckr = rv;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Open and close                                                       */

/* Copy a blank-padded PKCS#11 string into a C string. */
static void
padded_copy(char *dst, size_t dlen, const CK_UTF8CHAR *src, size_t slen)
{
	size_t n = slen < dlen - 1 ? slen : dlen - 1;

	memcpy(dst, src, n);
	while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		n--;
	dst[n] = '\0';
}

static void
info_from_raw(struct hc_token_info *info, const CK_TOKEN_INFO *ti)
{
	int n;

	memset(info, 0, sizeof(*info));
	padded_copy(info->label, sizeof(info->label), ti->label,
		    sizeof(ti->label));
	padded_copy(info->manufacturer, sizeof(info->manufacturer),
		    ti->manufacturerID, sizeof(ti->manufacturerID));
	padded_copy(info->model, sizeof(info->model), ti->model,
		    sizeof(ti->model));
	padded_copy(info->serial, sizeof(info->serial), ti->serialNumber,
		    sizeof(ti->serialNumber));
	n = snprintf(info->hw_version, sizeof(info->hw_version), "%u.%u",
		     ti->hardwareVersion.major, ti->hardwareVersion.minor);
	n = snprintf(info->fw_version, sizeof(info->fw_version), "%u.%u",
		     ti->firmwareVersion.major, ti->firmwareVersion.minor);
	(void)n;
	info->count_low = (ti->flags & CKF_USER_PIN_COUNT_LOW) != 0;
	info->final_try = (ti->flags & CKF_USER_PIN_FINAL_TRY) != 0;
	info->locked = (ti->flags & CKF_USER_PIN_LOCKED) != 0;
	info->to_be_changed = (ti->flags & CKF_USER_PIN_TO_BE_CHANGED) != 0;
	info->login_required = (ti->flags & CKF_LOGIN_REQUIRED) != 0;
}

static int
load_function_list(struct hc_token *t, const char *module, hc_err *err)
{
	CK_C_GetFunctionList getfl;
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;

	*(void **)(&getfl) = dlsym(t->dl, "C_GetFunctionList");
	if (getfl == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "%s is not a PKCS#11 module (no C_GetFunctionList)",
				  module);
	rv = getfl(&t->f);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "C_GetFunctionList of %s failed", module);
	/* someone else in the process initialised it already: fine too */
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = t->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot initialise PKCS#11 module %s", module);
	t->initialized = rv == CKR_OK;
	return 0;
}

/* Does this token match the selector (a label, or a pkcs11: URI)? */
static int
token_matches(const char *selector, P11KitUri *uri, CK_TOKEN_INFO *ti)
{
	char label[33];

	if (uri != NULL)
		return p11_kit_uri_match_token_info(uri, ti);
	padded_copy(label, sizeof(label), ti->label, sizeof(ti->label));
	return strcmp(label, selector) == 0;
}

static int
select_slot(struct hc_token *t, const char *selector, hc_err *err)
{
	CK_SLOT_ID *ids = NULL;
	CK_ULONG n = 0, i;
	P11KitUri *uri = NULL;
	char seen[1024] = "";
	size_t seenlen = 0;
	int found = 0, ret = -1, r;
	CK_RV rv;

	if (selector != NULL && strncmp(selector, "pkcs11:", 7) == 0) {
		uri = p11_kit_uri_new();
		if (uri == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		r = p11_kit_uri_parse(selector, P11_KIT_URI_FOR_TOKEN, uri);
		if (r != P11_KIT_URI_OK) {
			hc_err_set(err, HC_E_USAGE, "invalid token URI '%s': %s",
				   selector, p11_kit_uri_message(r));
			goto out;
		}
	}
	rv = t->f->C_GetSlotList(CK_TRUE, NULL, &n);
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv, "cannot list the token slots");
		goto out;
	}
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (ids == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	rv = t->f->C_GetSlotList(CK_TRUE, ids, &n);
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv, "cannot list the token slots");
		goto out;
	}
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char label[33];

		rv = t->f->C_GetTokenInfo(ids[i], &ti);
		if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED)
			continue;
		if (rv != CKR_OK) {
			hc_err_ckr(err, HC_E_FAIL, rv,
				   "cannot read the token information of slot %lu",
				   (unsigned long)ids[i]);
			goto out;
		}
		if (!(ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		padded_copy(label, sizeof(label), ti.label, sizeof(ti.label));
		if (seenlen + strlen(label) + 5 < sizeof(seen)) {
			r = snprintf(seen + seenlen, sizeof(seen) - seenlen,
				     "%s'%s'", seenlen ? ", " : "", label);
			if (r > 0)
				seenlen += (size_t)r;
		}
		if (selector != NULL && !token_matches(selector, uri, &ti))
			continue;
		found++;
		t->slot_id = ids[i];
		t->raw_info = ti;
	}
	if (found == 0) {
		if (selector == NULL)
			hc_err_set(err, HC_E_NOTFOUND,
				   "no initialised token in the module");
		else
			hc_err_set(err, HC_E_NOTFOUND,
				   "no token matches '%s' (tokens present: %s)",
				   selector, seenlen ? seen : "none");
		goto out;
	}
	if (found > 1) {
		hc_err_set(err, HC_E_NOTFOUND,
			   "%d tokens match '%s' (%s): name one with --token LABEL or a pkcs11: URI with serial=",
			   found, selector ? selector : "(no label configured)",
			   seen);
		goto out;
	}
	info_from_raw(&t->info, &t->raw_info);
	ret = 0;
out:
	if (uri != NULL)
		p11_kit_uri_free(uri);
	free(ids);
	return ret;
}

int
hc_token_open(const char *module, const char *selector, struct hc_token **out,
	      hc_err *err)
{
	struct hc_token *t = NULL;
	CK_RV rv;
	int ret = -1, attempt;

	if (module == NULL || *module == '\0')
		return hc_err_set(err, HC_E_USAGE,
				  "no PKCS#11 module configured ([token] module or --module)");
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	t->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (t->dl == NULL) {
		hc_err_set(err, HC_E_USAGE, "cannot load PKCS#11 module %s: %s",
			   module, dlerror());
		goto out;
	}
	/*
	 * A file-based token (SoftHSM2) that another process is writing can
	 * read as absent or broken for a moment: start over a few times
	 * before calling it missing. (No login is involved here.)
	 */
	for (attempt = 0; ; attempt++) {
		hc_err e = { 0 };

		if (load_function_list(t, module, err) != 0)
			goto out;
		if (select_slot(t, selector, &e) == 0)
			break;
		if (attempt >= 4 || e.code == HC_E_USAGE ||
		    !t->initialized) {
			*err = e;
			goto out;
		}
		if (attempt == 0) {
			int n = snprintf(t->open_problem, sizeof(t->open_problem),
					 "%.150s", e.msg);

			(void)n;
		}
		t->open_attempts = attempt + 2;
		t->f->C_Finalize(NULL);
		t->initialized = 0;
		{
			struct timespec ts = { 0, 50 * 1000 * 1000 * (attempt + 1) };

			nanosleep(&ts, NULL);
		}
	}
	rv = t->f->C_OpenSession(t->slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				 NULL, NULL, &t->sess);
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "cannot open a session on token '%s'",
			   t->info.label);
		goto out;
	}
	t->have_sess = 1;
	*out = t;
	t = NULL;
	ret = 0;
out:
	hc_token_free(t);
	return ret;
}

void
hc_token_free(struct hc_token *t)
{
	if (t == NULL)
		return;
	if (t->have_sess)
		t->f->C_CloseSession(t->sess);
	if (t->initialized)
		t->f->C_Finalize(NULL);
	/* neither is NULL-safe in OpenSSL 3.0 */
	if (t->rsa_meth != NULL)
		RSA_meth_free(t->rsa_meth);
	if (t->ec_meth != NULL)
		EC_KEY_METHOD_free(t->ec_meth);
	/*
	 * The module is not dlclose'd: a module stays mapped until the
	 * process ends (its own leaks stay attributable to it in sanitizer
	 * reports, and modules that start threads are not unmapped under
	 * them).
	 */
	free(t);
}

int
hc_token_get_info(struct hc_token *t, struct hc_token_info *info, hc_err *err)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;

	rv = t->f->C_GetTokenInfo(t->slot_id, &ti);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot read the token information");
	info_from_raw(info, &ti);
	return 0;
}

const char *
hc_token_open_problem(const struct hc_token *t, int *attempts)
{
	*attempts = t->open_attempts;
	return t->open_attempts > 1 ? t->open_problem : NULL;
}

const struct hc_token_info *
hc_token_get0_info(const struct hc_token *t)
{
	return &t->info;
}

/* ------------------------------------------------------------------ */
/* Login                                                                */

static void
pin_flags_text(const struct hc_token_info *ti, char *buf, size_t len)
{
	int n;

	if (ti->locked)
		n = snprintf(buf, len, "; the token reports the user PIN LOCKED");
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
	CK_RV rv;

	if (t->logged_in)
		return 0;
	/* read right before C_Login: a human may have typed for a while */
	if (hc_token_login_check(t, lflags, &ti, err) != 0)
		return -1;
	if (pin == NULL)
		return hc_err_set(err, HC_E_PIN,
				  "a PIN is needed for token '%s'", ti.label);
	/* Exactly one C_Login: a wrong PIN is never retried. */
	rv = t->f->C_Login(t->sess, CKU_USER,
			   (CK_UTF8CHAR *)hc_secret_get0_buf(pin),
			   (CK_ULONG)hc_secret_len(pin));
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
	return 0;
}

int
hc_token_is_logged_in(const struct hc_token *t)
{
	return t->logged_in;
}

/* ------------------------------------------------------------------ */
/* Attributes                                                           */

static int
range_ulong(size_t v, CK_ULONG *out, hc_err *err)
{
	if ((unsigned long long)v > (unsigned long long)(CK_ULONG)-1)
		return hc_err_set(err, HC_E_FAIL, "internal: length out of range");
	*out = (CK_ULONG)v;
	return 0;
}

/*
 * Read several attributes in as few calls as the token allows: one call
 * with guessed buffer sizes, and only when one is too small a length query
 * and a second read. Attributes the object lacks come back with
 * ulValueLen = CK_UNAVAILABLE_INFORMATION. Buffers are malloc'd.
 */
static int
get_attrs(struct hc_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE *a, size_t n,
	  hc_err *err)
{
	CK_ULONG cn;
	size_t i;
	int retry = 0;
	CK_RV rv;

	if (range_ulong(n, &cn, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		a[i].pValue = malloc(a[i].ulValueLen ? a[i].ulValueLen : 1);
		if (a[i].pValue == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	rv = t->f->C_GetAttributeValue(t->sess, h, a, cn);
	if (rv == CKR_BUFFER_TOO_SMALL) {
		retry = 1;
	} else if (rv == CKR_ATTRIBUTE_TYPE_INVALID ||
		   rv == CKR_ATTRIBUTE_SENSITIVE) {
		/*
		 * Such a return can hide a buffer that was too small: ask the
		 * lengths when anything came back unavailable.
		 */
		for (i = 0; i < n; i++)
			if (a[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
				retry = 1;
	} else if (rv != CKR_OK) {
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot read the attributes of object %lu", h);
	}
	if (!retry)
		return 0;
	for (i = 0; i < n; i++) {
		free(a[i].pValue);
		a[i].pValue = NULL;
	}
	rv = t->f->C_GetAttributeValue(t->sess, h, a, cn);
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
	    rv != CKR_ATTRIBUTE_SENSITIVE)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot read the attributes of object %lu", h);
	for (i = 0; i < n; i++) {
		if (a[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			continue;
		a[i].pValue = malloc(a[i].ulValueLen ? a[i].ulValueLen : 1);
		if (a[i].pValue == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	rv = t->f->C_GetAttributeValue(t->sess, h, a, cn);
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
	    rv != CKR_ATTRIBUTE_SENSITIVE)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot read the attributes of object %lu", h);
	return 0;
}

static void
free_attrs(CK_ATTRIBUTE *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].pValue);
		a[i].pValue = NULL;
	}
}

static int
attr_ok(const CK_ATTRIBUTE *a)
{
	return a->pValue != NULL && a->ulValueLen != CK_UNAVAILABLE_INFORMATION;
}

static int
attr_bool(const CK_ATTRIBUTE *a)
{
	if (!attr_ok(a) || a->ulValueLen != sizeof(CK_BBOOL))
		return -1;
	return *(CK_BBOOL *)a->pValue ? 1 : 0;
}

static long
attr_ulong(const CK_ATTRIBUTE *a, long dflt)
{
	if (!attr_ok(a) || a->ulValueLen != sizeof(CK_ULONG))
		return dflt;
	return (long)*(CK_ULONG *)a->pValue;
}

static char *
attr_str(const CK_ATTRIBUTE *a)
{
	char *s;

	if (!attr_ok(a))
		return strdup("");
	s = malloc(a->ulValueLen + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, a->pValue, a->ulValueLen);
	s[a->ulValueLen] = '\0';
	return s;
}

/* Move a byte attribute into *out / *len; the attribute loses it. */
static void
attr_take(CK_ATTRIBUTE *a, unsigned char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (!attr_ok(a))
		return;
	*out = a->pValue;
	*len = a->ulValueLen;
	a->pValue = NULL;
}

/* EC field size from DER-encoded CKA_EC_PARAMS (a named curve OID). */
static int
ec_bits_from_params(const unsigned char *p, size_t len)
{
	ASN1_OBJECT *obj = NULL;
	const unsigned char *q = p;
	int nid, bits = 0;
	EC_GROUP *g;

	if (len > (size_t)0x7fffffff)
		return 0;
	obj = d2i_ASN1_OBJECT(NULL, &q, (long)len);
	if (obj == NULL) {
		ERR_clear_error();
		return 0;
	}
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	g = EC_GROUP_new_by_curve_name(nid);
	if (g != NULL) {
		bits = EC_GROUP_order_bits(g);
		EC_GROUP_free(g);
	}
	ERR_clear_error();
	return bits;
}

enum {
	A_ID, A_LABEL, A_VALUE, A_APP, A_CATEGORY, A_KEYTYPE, A_LOCAL,
	A_ASENS, A_NEVEREXT, A_EXT, A_SENS, A_MODULUS, A_ECPARAMS, A_NATTR
};

static void
attr_template(CK_ATTRIBUTE *a, enum hc_obj_class cls)
{
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		CK_ULONG guess;
	} all[A_NATTR] = {
		[A_ID] = { CKA_ID, 64 },
		[A_LABEL] = { CKA_LABEL, 128 },
		[A_VALUE] = { CKA_VALUE, 4096 },
		[A_APP] = { CKA_APPLICATION, 64 },
		[A_CATEGORY] = { CKA_CERTIFICATE_CATEGORY, sizeof(CK_ULONG) },
		[A_KEYTYPE] = { CKA_KEY_TYPE, sizeof(CK_ULONG) },
		[A_LOCAL] = { CKA_LOCAL, sizeof(CK_BBOOL) },
		[A_ASENS] = { CKA_ALWAYS_SENSITIVE, sizeof(CK_BBOOL) },
		[A_NEVEREXT] = { CKA_NEVER_EXTRACTABLE, sizeof(CK_BBOOL) },
		[A_EXT] = { CKA_EXTRACTABLE, sizeof(CK_BBOOL) },
		[A_SENS] = { CKA_SENSITIVE, sizeof(CK_BBOOL) },
		[A_MODULUS] = { CKA_MODULUS, 1024 },
		[A_ECPARAMS] = { CKA_EC_PARAMS, 64 },
	};
	size_t i;

	for (i = 0; i < A_NATTR; i++) {
		a[i].type = all[i].type;
		a[i].pValue = NULL;
		a[i].ulValueLen = all[i].guess;
	}
	/*
	 * Attributes a class does not have are asked for as CKA_ID again, so
	 * that one template and one call serve every class.
	 */
	switch (cls) {
	case HC_OBJ_CERT:
		a[A_APP].type = a[A_KEYTYPE].type = a[A_LOCAL].type = CKA_ID;
		a[A_ASENS].type = a[A_NEVEREXT].type = a[A_EXT].type = CKA_ID;
		a[A_SENS].type = a[A_MODULUS].type = CKA_ID;
		a[A_ECPARAMS].type = CKA_ID;
		break;
	case HC_OBJ_PRIVKEY:
		/*
		 * No CKA_MODULUS / CKA_EC_PARAMS here: one of them is always
		 * missing, which makes the call fail as a whole and costs a
		 * second round trip. key_bits is read where it is needed.
		 */
		a[A_VALUE].type = a[A_APP].type = a[A_CATEGORY].type = CKA_ID;
		a[A_MODULUS].type = a[A_ECPARAMS].type = CKA_ID;
		break;
	case HC_OBJ_PUBKEY:
		a[A_VALUE].type = a[A_APP].type = a[A_CATEGORY].type = CKA_ID;
		a[A_ASENS].type = a[A_NEVEREXT].type = a[A_EXT].type = CKA_ID;
		a[A_SENS].type = CKA_ID;
		a[A_MODULUS].type = a[A_ECPARAMS].type = CKA_ID;
		break;
	case HC_OBJ_DATA:
		a[A_ID].type = CKA_LABEL;
		a[A_CATEGORY].type = a[A_KEYTYPE].type = a[A_LOCAL].type = CKA_LABEL;
		a[A_ASENS].type = a[A_NEVEREXT].type = a[A_EXT].type = CKA_LABEL;
		a[A_SENS].type = a[A_MODULUS].type = CKA_LABEL;
		a[A_ECPARAMS].type = CKA_LABEL;
		break;
	}
	for (i = 0; i < A_NATTR; i++)
		if ((a[i].type == CKA_ID && i != A_ID) ||
		    (a[i].type == CKA_LABEL && i != A_LABEL))
			a[i].ulValueLen = 1;
}

static int
read_object(struct hc_token *t, CK_OBJECT_HANDLE h, enum hc_obj_class cls,
	    struct hc_tobj *o, hc_err *err)
{
	CK_ATTRIBUTE a[A_NATTR];
	size_t i, n = 0;
	int ret = -1;

	memset(o, 0, sizeof(*o));
	o->handle = h;
	o->cls = cls;
	attr_template(a, cls);
	/* Compact the template: drop the placeholder duplicates. */
	{
		CK_ATTRIBUTE c[A_NATTR];
		size_t map[A_NATTR];

		for (i = 0; i < A_NATTR; i++) {
			int dup = (a[i].type == CKA_ID && i != A_ID) ||
				  (a[i].type == CKA_LABEL && i != A_LABEL);

			map[i] = (size_t)-1;
			if (dup)
				continue;
			map[i] = n;
			c[n++] = a[i];
		}
		if (get_attrs(t, h, c, n, err) != 0) {
			free_attrs(c, n);
			return -1;
		}
		for (i = 0; i < A_NATTR; i++) {
			if (map[i] == (size_t)-1) {
				a[i].pValue = NULL;
				a[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			} else {
				a[i] = c[map[i]];
			}
		}
	}
	if (attr_ok(&a[A_ID]) && cls != HC_OBJ_DATA) {
		o->id_len = a[A_ID].ulValueLen < HC_ID_MAX ?
			    a[A_ID].ulValueLen : HC_ID_MAX;
		memcpy(o->id, a[A_ID].pValue, o->id_len);
	}
	o->label = attr_str(&a[A_LABEL]);
	if (o->label == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	o->local = o->always_sensitive = o->never_extractable = -1;
	o->extractable = o->sensitive = -1;
	switch (cls) {
	case HC_OBJ_CERT:
		attr_take(&a[A_VALUE], &o->value, &o->value_len);
		o->cert_category = (int)attr_ulong(&a[A_CATEGORY], 0);
		break;
	case HC_OBJ_DATA:
		attr_take(&a[A_VALUE], &o->value, &o->value_len);
		o->application = attr_str(&a[A_APP]);
		if (o->application == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		break;
	case HC_OBJ_PRIVKEY:
	case HC_OBJ_PUBKEY:
		if (cls == HC_OBJ_PRIVKEY) {
			o->local = attr_bool(&a[A_LOCAL]);
			o->always_sensitive = attr_bool(&a[A_ASENS]);
			o->never_extractable = attr_bool(&a[A_NEVEREXT]);
			o->extractable = attr_bool(&a[A_EXT]);
			o->sensitive = attr_bool(&a[A_SENS]);
		}
		switch (attr_ulong(&a[A_KEYTYPE], -1)) {
		case (long)CKK_RSA:
			o->key_kind = HC_KEY_RSA;
			if (attr_ok(&a[A_MODULUS]))
				o->key_bits = (int)a[A_MODULUS].ulValueLen * 8;
			break;
		case (long)CKK_EC:
			o->key_kind = HC_KEY_EC;
			if (attr_ok(&a[A_ECPARAMS]))
				o->key_bits = ec_bits_from_params(
					a[A_ECPARAMS].pValue,
					a[A_ECPARAMS].ulValueLen);
			break;
		default:
			o->key_kind = 0;
			break;
		}
		break;
	}
	ret = 0;
out:
	free_attrs(a, A_NATTR);
	return ret;
}

static void
tobj_release(struct hc_tobj *o)
{
	free(o->label);
	free(o->value);
	free(o->application);
	memset(o, 0, sizeof(*o));
}

void
hc_tobj_list_release(struct hc_tobj_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		tobj_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static CK_OBJECT_CLASS
class_of(enum hc_obj_class cls)
{
	switch (cls) {
	case HC_OBJ_CERT:
		return CKO_CERTIFICATE;
	case HC_OBJ_PRIVKEY:
		return CKO_PRIVATE_KEY;
	case HC_OBJ_PUBKEY:
		return CKO_PUBLIC_KEY;
	case HC_OBJ_DATA:
		return CKO_DATA;
	}
	return CKO_DATA;
}

/* Collect the handles matching a template: one C_FindObjects pass. */
static int
find_handles(struct hc_token *t, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl,
	     CK_OBJECT_HANDLE **out, size_t *nout, hc_err *err)
{
	CK_OBJECT_HANDLE *v = NULL, *nv;
	size_t n = 0, cap = 0;
	CK_ULONG got;
	CK_RV rv;

	rv = t->f->C_FindObjectsInit(t->sess, tmpl, ntmpl);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot search the token");
	for (;;) {
		if (n + 256 > cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				t->f->C_FindObjectsFinal(t->sess);
				return hc_err_set(err, HC_E_FAIL, "out of memory");
			}
			v = nv;
		}
		rv = t->f->C_FindObjects(t->sess, v + n, 256, &got);
		if (rv != CKR_OK) {
			free(v);
			t->f->C_FindObjectsFinal(t->sess);
			return hc_err_ckr(err, HC_E_FAIL, rv,
					  "cannot search the token");
		}
		if (got == 0)
			break;
		n += got;
	}
	rv = t->f->C_FindObjectsFinal(t->sess);
	if (rv != CKR_OK) {
		free(v);
		return hc_err_ckr(err, HC_E_FAIL, rv, "cannot search the token");
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Read the objects of these handles, all of one class, into *out. */
static int
read_objects(struct hc_token *t, const CK_OBJECT_HANDLE *h, size_t nh,
	     enum hc_obj_class cls, struct hc_tobj_list *out, hc_err *err)
{
	struct hc_tobj_list l = { NULL, 0 };
	size_t i;

	l.v = calloc(nh ? nh : 1, sizeof(*l.v));
	if (l.v == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (i = 0; i < nh; i++) {
		if (read_object(t, h[i], cls, &l.v[l.n], err) != 0) {
			hc_tobj_list_release(&l);
			return -1;
		}
		l.n++;
	}
	*out = l;
	return 0;
}

int
hc_token_find(struct hc_token *t, enum hc_obj_class cls,
	      const unsigned char *id, size_t id_len, const char *application,
	      struct hc_tobj_list *out, hc_err *err)
{
	CK_OBJECT_CLASS oc = class_of(cls);
	CK_ATTRIBUTE tmpl[3];
	CK_ULONG ntmpl = 0, len;
	CK_OBJECT_HANDLE *h = NULL;
	size_t nh = 0;
	int ret;

	tmpl[ntmpl].type = CKA_CLASS;
	tmpl[ntmpl].pValue = &oc;
	tmpl[ntmpl++].ulValueLen = sizeof(oc);
	if (id_len > 0) {
		if (range_ulong(id_len, &len, err) != 0)
			return -1;
		tmpl[ntmpl].type = CKA_ID;
		tmpl[ntmpl].pValue = (void *)id;
		tmpl[ntmpl++].ulValueLen = len;
	}
	if (application != NULL) {
		if (range_ulong(strlen(application), &len, err) != 0)
			return -1;
		tmpl[ntmpl].type = CKA_APPLICATION;
		tmpl[ntmpl].pValue = (void *)application;
		tmpl[ntmpl++].ulValueLen = len;
	}
	if (find_handles(t, tmpl, ntmpl, &h, &nh, err) != 0)
		return -1;
	ret = read_objects(t, h, nh, cls, out, err);
	free(h);
	return ret;
}

int
hc_token_fingerprint(struct hc_token *t, char out[64], hc_err *err)
{
	CK_OBJECT_HANDLE *h = NULL;
	unsigned char md[20];
	unsigned int mdlen = 0;
	char hex[41];
	size_t nh = 0;
	int n;

	if (find_handles(t, NULL, 0, &h, &nh, err) != 0)
		return -1;
	if (EVP_Digest(h, nh * sizeof(*h), md, &mdlen, EVP_sha1(), NULL) != 1) {
		free(h);
		return hc_err_ossl(err, HC_E_FAIL, "cannot hash the object list");
	}
	free(h);
	hc_hex(md, sizeof(md), hex);
	n = snprintf(out, 64, "%zu:%s", nh, hex);
	(void)n;
	return 0;
}

static int
tobj_push(struct hc_tobj_list *l, struct hc_tobj *o, hc_err *err)
{
	struct hc_tobj *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	l->v = nv;
	l->v[l->n++] = *o;
	return 0;
}

int
hc_token_find_id(struct hc_token *t, const unsigned char *id, size_t len,
		 struct hc_tobj_list *privs, struct hc_tobj_list *pubs,
		 struct hc_tobj_list *certs, hc_err *err)
{
	CK_ATTRIBUTE tmpl[1];
	CK_OBJECT_HANDLE *h = NULL;
	CK_ULONG clen;
	size_t nh = 0, i;
	int ret = -1;

	if (range_ulong(len, &clen, err) != 0)
		return -1;
	tmpl[0].type = CKA_ID;
	tmpl[0].pValue = (void *)id;
	tmpl[0].ulValueLen = clen;
	if (find_handles(t, tmpl, 1, &h, &nh, err) != 0)
		return -1;
	for (i = 0; i < nh; i++) {
		CK_OBJECT_CLASS oc = (CK_OBJECT_CLASS)-1;
		CK_ATTRIBUTE a = { CKA_CLASS, &oc, sizeof(oc) };
		struct hc_tobj o;
		struct hc_tobj_list *dst;
		enum hc_obj_class cls;

		CK_RV arv = t->f->C_GetAttributeValue(t->sess, h[i], &a, 1);

		if (arv != CKR_OK) {
			hc_err_ckr(err, HC_E_FAIL, arv,
				   "cannot read the class of object %lu", h[i]);
			goto out;
		}
		if (oc == CKO_PRIVATE_KEY) {
			cls = HC_OBJ_PRIVKEY;
			dst = privs;
		} else if (oc == CKO_PUBLIC_KEY) {
			cls = HC_OBJ_PUBKEY;
			dst = pubs;
		} else if (oc == CKO_CERTIFICATE) {
			cls = HC_OBJ_CERT;
			dst = certs;
		} else {
			continue;
		}
		if (read_object(t, h[i], cls, &o, err) != 0)
			goto out;
		if (tobj_push(dst, &o, err) != 0) {
			tobj_release(&o);
			goto out;
		}
	}
	ret = 0;
out:
	free(h);
	return ret;
}

int
hc_token_find_authorities(struct hc_token *t, struct hc_tobj_list *out,
			  hc_err *err)
{
	CK_OBJECT_CLASS oc = CKO_CERTIFICATE;
	CK_ULONG cat = HC_CAT_AUTHORITY;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &oc, sizeof(oc) },
		{ CKA_CERTIFICATE_CATEGORY, &cat, sizeof(cat) },
	};
	CK_OBJECT_HANDLE *h = NULL;
	size_t nh = 0;
	int ret;

	if (find_handles(t, tmpl, 2, &h, &nh, err) != 0)
		return -1;
	ret = read_objects(t, h, nh, HC_OBJ_CERT, out, err);
	free(h);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Create, destroy                                                      */

int
hc_token_destroy(struct hc_token *t, unsigned long handle, hc_err *err)
{
	CK_RV rv = t->f->C_DestroyObject(t->sess, handle);

	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot destroy object %lu", handle);
	return 0;
}

static int
create_object(struct hc_token *t, CK_ATTRIBUTE *tmpl, CK_ULONG n,
	      unsigned long *handle, const char *what, hc_err *err)
{
	CK_OBJECT_HANDLE h;
	CK_RV rv;

	rv = t->f->C_CreateObject(t->sess, tmpl, n, &h);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot store the %s on token '%s'", what,
				  t->info.label);
	*handle = h;
	return 0;
}

int
hc_token_store_cert(struct hc_token *t, X509 *x, const char *label,
		    const unsigned char *id, size_t id_len, int category,
		    unsigned long *handle, hc_err *err)
{
	CK_OBJECT_CLASS oc = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_ULONG cat = (CK_ULONG)category;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
	int dlen, slen, ilen, serlen, ret = -1;
	CK_ULONG cid_len, clabel_len;

	dlen = i2d_X509(x, &der);
	slen = i2d_X509_NAME(X509_get_subject_name(x), &subj);
	ilen = i2d_X509_NAME(X509_get_issuer_name(x), &iss);
	serlen = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &ser);
	if (dlen <= 0 || slen <= 0 || ilen <= 0 || serlen <= 0) {
		hc_err_ossl(err, HC_E_FAIL, "cannot encode the certificate");
		goto out;
	}
	if (range_ulong(id_len, &cid_len, err) != 0 ||
	    range_ulong(strlen(label), &clabel_len, err) != 0)
		goto out;
	{
		CK_ATTRIBUTE tmpl[] = {
			{ CKA_CLASS, &oc, sizeof(oc) },
			{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_PRIVATE, &no, sizeof(no) },
			{ CKA_LABEL, (void *)label, clabel_len },
			{ CKA_ID, (void *)id, cid_len },
			{ CKA_SUBJECT, subj, (CK_ULONG)slen },
			{ CKA_ISSUER, iss, (CK_ULONG)ilen },
			{ CKA_SERIAL_NUMBER, ser, (CK_ULONG)serlen },
			{ CKA_VALUE, der, (CK_ULONG)dlen },
			{ CKA_CERTIFICATE_CATEGORY, &cat, sizeof(cat) },
		};
		CK_ULONG n = sizeof(tmpl) / sizeof(tmpl[0]);

		if (id_len == 0) {
			/* no CKA_ID for a CA certificate without a key */
			tmpl[5] = tmpl[n - 1];
			n--;
		}
		if (create_object(t, tmpl, n, handle, "certificate", err) != 0)
			goto out;
	}
	ret = 0;
out:
	OPENSSL_free(der);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
	return ret;
}

int
hc_token_store_data(struct hc_token *t, const char *application,
		    const char *label, const unsigned char *value, size_t len,
		    unsigned long *handle, hc_err *err)
{
	CK_OBJECT_CLASS oc = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG clen, alen, llen;

	if (range_ulong(len, &clen, err) != 0 ||
	    range_ulong(strlen(application), &alen, err) != 0 ||
	    range_ulong(strlen(label), &llen, err) != 0)
		return -1;
	{
		CK_ATTRIBUTE tmpl[] = {
			{ CKA_CLASS, &oc, sizeof(oc) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_PRIVATE, &no, sizeof(no) },
			{ CKA_MODIFIABLE, &yes, sizeof(yes) },
			{ CKA_APPLICATION, (void *)application, alen },
			{ CKA_LABEL, (void *)label, llen },
			{ CKA_VALUE, (void *)value, clen },
		};

		return create_object(t, tmpl, sizeof(tmpl) / sizeof(tmpl[0]),
				     handle, "data object", err);
	}
}

/* ------------------------------------------------------------------ */
/* Keys                                                                 */

void
hc_keypair_release(struct hc_keypair *kp)
{
	if (kp == NULL)
		return;
	EVP_PKEY_free(kp->pubkey);
	kp->pubkey = NULL;
}

static const unsigned char oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};
static const unsigned char oid_p384[] = {
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22
};
static const unsigned char oid_p521[] = {
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23
};

EVP_PKEY *
hc_token_read_pubkey(struct hc_token *t, unsigned long handle, hc_err *err)
{
	CK_ATTRIBUTE a[] = {
		{ CKA_KEY_TYPE, NULL, sizeof(CK_ULONG) },
		{ CKA_MODULUS, NULL, 1024 },
		{ CKA_PUBLIC_EXPONENT, NULL, 16 },
		{ CKA_EC_PARAMS, NULL, 64 },
		{ CKA_EC_POINT, NULL, 160 },
	};
	size_t na = sizeof(a) / sizeof(a[0]);
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pk = NULL, *ret = NULL;
	BIGNUM *n = NULL, *e = NULL;
	ASN1_OCTET_STRING *pt = NULL;
	ASN1_OBJECT *curve = NULL;
	long type;

	if (get_attrs(t, handle, a, na, err) != 0)
		goto out;
	type = attr_ulong(&a[0], -1);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL)
		goto ossl;
	if (type == (long)CKK_RSA && attr_ok(&a[1]) && attr_ok(&a[2])) {
		n = BN_bin2bn(a[1].pValue, (int)a[1].ulValueLen, NULL);
		e = BN_bin2bn(a[2].pValue, (int)a[2].ulValueLen, NULL);
		if (n == NULL || e == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto ossl;
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else if (type == (long)CKK_EC && attr_ok(&a[3]) && attr_ok(&a[4])) {
		const unsigned char *p = a[3].pValue;
		const char *gname;

		curve = d2i_ASN1_OBJECT(NULL, &p, (long)a[3].ulValueLen);
		if (curve == NULL)
			goto ossl;
		gname = OBJ_nid2sn(OBJ_obj2nid(curve));
		p = a[4].pValue;
		/* CKA_EC_POINT is a DER OCTET STRING around the point */
		pt = d2i_ASN1_OCTET_STRING(NULL, &p, (long)a[4].ulValueLen);
		if (pt == NULL || gname == NULL ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld,
				OSSL_PKEY_PARAM_GROUP_NAME, gname, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld,
				OSSL_PKEY_PARAM_PUB_KEY,
				ASN1_STRING_get0_data(pt),
				(size_t)ASN1_STRING_length(pt)))
			goto ossl;
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else {
		hc_err_set(err, HC_E_FAIL,
			   "public key object %lu has no usable key material",
			   handle);
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (pctx == NULL || params == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto ossl;
	ret = pk;
	pk = NULL;
	goto out;
ossl:
	hc_err_ossl(err, HC_E_FAIL, "cannot read the public key from the token");
out:
	free_attrs(a, na);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(pk);
	BN_free(n);
	BN_free(e);
	ASN1_OCTET_STRING_free(pt);
	ASN1_OBJECT_free(curve);
	return ret;
}

static int
set_id(struct hc_token *t, CK_OBJECT_HANDLE h, const unsigned char *id,
       size_t len, hc_err *err)
{
	CK_ATTRIBUTE a = { CKA_ID, (void *)id, (CK_ULONG)len };
	CK_RV rv = t->f->C_SetAttributeValue(t->sess, h, &a, 1);

	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot set the key id on the token");
	return 0;
}

int
hc_token_generate_keypair(struct hc_token *t, const struct hc_keyspec *k,
			  const char *label, int exportable,
			  struct hc_keypair *out, hc_err *err)
{
	CK_OBJECT_CLASS pubc = CKO_PUBLIC_KEY, privc = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL ext = exportable ? CK_TRUE : CK_FALSE;
	CK_ULONG bits = 0, llen;
	CK_BYTE exp65537[] = { 0x01, 0x00, 0x01 };
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	unsigned char tmpid[20];
	const unsigned char *oid = NULL;
	size_t oidlen = 0;
	struct hc_keypair kp;
	CK_RV rv;
	int ret = -1;

	memset(&kp, 0, sizeof(kp));
	if (range_ulong(strlen(label), &llen, err) != 0)
		return -1;
	if (k->kind == HC_KEY_RSA) {
		kt = CKK_RSA;
		bits = (CK_ULONG)k->bits;
	} else {
		kt = CKK_EC;
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		switch (k->bits) {
		case 256:
			oid = oid_p256;
			oidlen = sizeof(oid_p256);
			break;
		case 384:
			oid = oid_p384;
			oidlen = sizeof(oid_p384);
			break;
		case 521:
			oid = oid_p521;
			oidlen = sizeof(oid_p521);
			break;
		default:
			return hc_err_set(err, HC_E_USAGE,
					  "unsupported EC curve size %d", k->bits);
		}
	}
	/*
	 * A random temporary id, replaced by the SHA-1 of the public key once
	 * the token has made it: a crash in between leaves an orphan that can
	 * still be named and removed.
	 */
	if (RAND_bytes(tmpid, sizeof(tmpid)) != 1)
		return hc_err_ossl(err, HC_E_FAIL, "no random bytes");
	{
		CK_ATTRIBUTE pubt[12], privt[14];
		CK_ULONG np = 0, nv = 0;

#define ADD(arr, n, t_, p_, l_) do { (arr)[(n)].type = (t_); \
	(arr)[(n)].pValue = (void *)(p_); (arr)[(n)++].ulValueLen = (l_); } while (0)
		ADD(pubt, np, CKA_CLASS, &pubc, sizeof(pubc));
		ADD(pubt, np, CKA_KEY_TYPE, &kt, sizeof(kt));
		ADD(pubt, np, CKA_TOKEN, &yes, sizeof(yes));
		ADD(pubt, np, CKA_PRIVATE, &no, sizeof(no));
		ADD(pubt, np, CKA_LABEL, label, llen);
		ADD(pubt, np, CKA_ID, tmpid, sizeof(tmpid));
		ADD(pubt, np, CKA_VERIFY, &yes, sizeof(yes));
		ADD(pubt, np, CKA_WRAP, &no, sizeof(no));
		ADD(pubt, np, CKA_ENCRYPT, kt == CKK_RSA ? &yes : &no,
		    sizeof(yes));
		if (kt == CKK_RSA) {
			ADD(pubt, np, CKA_MODULUS_BITS, &bits, sizeof(bits));
			ADD(pubt, np, CKA_PUBLIC_EXPONENT, exp65537,
			    sizeof(exp65537));
		} else {
			ADD(pubt, np, CKA_EC_PARAMS, oid, oidlen);
		}
		ADD(privt, nv, CKA_CLASS, &privc, sizeof(privc));
		ADD(privt, nv, CKA_KEY_TYPE, &kt, sizeof(kt));
		ADD(privt, nv, CKA_TOKEN, &yes, sizeof(yes));
		ADD(privt, nv, CKA_PRIVATE, &yes, sizeof(yes));
		ADD(privt, nv, CKA_SENSITIVE, &yes, sizeof(yes));
		ADD(privt, nv, CKA_EXTRACTABLE, &ext, sizeof(ext));
		ADD(privt, nv, CKA_LABEL, label, llen);
		ADD(privt, nv, CKA_ID, tmpid, sizeof(tmpid));
		ADD(privt, nv, CKA_SIGN, &yes, sizeof(yes));
		ADD(privt, nv, CKA_UNWRAP, &no, sizeof(no));
		ADD(privt, nv, CKA_DERIVE, &no, sizeof(no));
		/* RSA decrypts for TLS 1.2 RSA key exchange; EC never does */
		ADD(privt, nv, CKA_DECRYPT, kt == CKK_RSA ? &yes : &no,
		    sizeof(yes));
#undef ADD
		rv = t->f->C_GenerateKeyPair(t->sess, &mech, pubt, np, privt,
					     nv, &pub, &priv);
		if (rv != CKR_OK) {
			hc_err_ckr(err, HC_E_FAIL, rv,
				   "key generation on token '%s' failed",
				   t->info.label);
			pub = priv = CK_INVALID_HANDLE;
			goto out;
		}
	}
	kp.pub = pub;
	kp.priv = priv;
	kp.pubkey = hc_token_read_pubkey(t, pub, err);
	if (kp.pubkey == NULL)
		goto out;
	if (hc_x509_key_id(kp.pubkey, kp.id, err) != 0)
		goto out;
	if (set_id(t, priv, kp.id, sizeof(kp.id), err) != 0 ||
	    set_id(t, pub, kp.id, sizeof(kp.id), err) != 0)
		goto out;
	*out = kp;
	memset(&kp, 0, sizeof(kp));
	ret = 0;
out:
	if (ret != 0) {
		if (priv != CK_INVALID_HANDLE)
			t->f->C_DestroyObject(t->sess, priv);
		if (pub != CK_INVALID_HANDLE)
			t->f->C_DestroyObject(t->sess, pub);
	}
	hc_keypair_release(&kp);
	return ret;
}

/*
 * Signing keys: an OpenSSL RSA or EC key holding the public half, whose
 * method sends the private operation to the token (C_Sign). OpenSSL treats
 * a key with its own method as "foreign" and signs through it, so X509_sign,
 * X509_REQ_sign and EVP_DigestSign work unchanged. This is what libp11 does;
 * libp11 0.4.12 itself finds a key only by enumerating every private key
 * (six round trips each) and hangs in its session pool when a session cannot
 * be opened, so token.c does it on the one session it owns.
 */
struct signer {
	struct hc_token *t;
	CK_OBJECT_HANDLE key;
};

#define SIGNER_EXDATA 0		/* the "app data" slot of RSA and EC_KEY */

static int
sign_on_token(struct signer *sg, CK_MECHANISM_TYPE mech,
	      const unsigned char *in, size_t inlen, unsigned char *out,
	      CK_ULONG *outlen)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_RV rv;

	rv = sg->t->f->C_SignInit(sg->t->sess, &m, sg->key);
	if (rv == CKR_OK)
		rv = sg->t->f->C_Sign(sg->t->sess, (CK_BYTE_PTR)in,
				      (CK_ULONG)inlen, out, outlen);
	if (rv != CKR_OK) {
		sg->t->last_sign_rv = rv;
		return -1;
	}
	return 0;
}

static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
	     int padding)
{
	struct signer *sg = RSA_get_ex_data(rsa, SIGNER_EXDATA);
	CK_ULONG len = (CK_ULONG)RSA_size(rsa);

	/* PKCS#1 v1.5 of a DigestInfo: the token pads (CKM_RSA_PKCS) */
	if (sg == NULL || padding != RSA_PKCS1_PADDING || flen < 0)
		return -1;
	if (sign_on_token(sg, CKM_RSA_PKCS, from, (size_t)flen, to, &len) != 0)
		return -1;
	return (int)len;
}

static int
rsa_finish(RSA *rsa)
{
	free(RSA_get_ex_data(rsa, SIGNER_EXDATA));
	RSA_set_ex_data(rsa, SIGNER_EXDATA, NULL);
	return 1;
}

static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
	    const BIGNUM *r, EC_KEY *ec)
{
	struct signer *sg = EC_KEY_get_ex_data(ec, SIGNER_EXDATA);
	unsigned char sig[2 * 66];
	CK_ULONG len = sizeof(sig);
	BIGNUM *br = NULL, *bs = NULL;
	ECDSA_SIG *out = NULL;

	(void)kinv;
	(void)r;
	if (sg == NULL || dlen < 0)
		return NULL;
	if (sign_on_token(sg, CKM_ECDSA, dgst, (size_t)dlen, sig, &len) != 0 ||
	    len == 0 || len % 2 != 0)
		return NULL;
	/* the token answers r || s, each half of the signature */
	br = BN_bin2bn(sig, (int)(len / 2), NULL);
	bs = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	out = ECDSA_SIG_new();
	if (br == NULL || bs == NULL || out == NULL ||
	    ECDSA_SIG_set0(out, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(out);
		return NULL;
	}
	return out;
}

static void
ec_finish(EC_KEY *ec)
{
	free(EC_KEY_get_ex_data(ec, SIGNER_EXDATA));
	EC_KEY_set_ex_data(ec, SIGNER_EXDATA, NULL);
}

static int
signer_methods(struct hc_token *t, hc_err *err)
{
	int (*sign)(int, const unsigned char *, int, unsigned char *,
		    unsigned int *, const BIGNUM *, const BIGNUM *, EC_KEY *);
	int (*sign_setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);
	ECDSA_SIG *(*sign_sig)(const unsigned char *, int, const BIGNUM *,
			       const BIGNUM *, EC_KEY *);

	if (t->rsa_meth == NULL) {
		t->rsa_meth = RSA_meth_dup(RSA_get_default_method());
		if (t->rsa_meth == NULL ||
		    !RSA_meth_set1_name(t->rsa_meth, "hsmcert token RSA") ||
		    !RSA_meth_set_priv_enc(t->rsa_meth, rsa_priv_enc) ||
		    !RSA_meth_set_finish(t->rsa_meth, rsa_finish))
			return hc_err_ossl(err, HC_E_FAIL,
					   "cannot set up RSA signing");
	}
	if (t->ec_meth == NULL) {
		t->ec_meth = EC_KEY_METHOD_new(EC_KEY_get_default_method());
		if (t->ec_meth == NULL)
			return hc_err_ossl(err, HC_E_FAIL,
					   "cannot set up EC signing");
		EC_KEY_METHOD_get_sign(EC_KEY_get_default_method(), &sign,
				       &sign_setup, &sign_sig);
		EC_KEY_METHOD_set_sign(t->ec_meth, sign, sign_setup,
				       ec_sign_sig);
		EC_KEY_METHOD_set_init(t->ec_meth, NULL, ec_finish, NULL, NULL,
				       NULL, NULL);
	}
	return 0;
}

EVP_PKEY *
hc_token_get_signer(struct hc_token *t, const unsigned char *id, size_t id_len,
		    hc_err *err)
{
	struct hc_tobj_list privs = { NULL, 0 }, pubs = { NULL, 0 };
	struct hc_tobj_list certs = { NULL, 0 };
	EVP_PKEY *pub = NULL, *ret = NULL;
	char hex[2 * HC_ID_MAX + 1];

	if (hc_token_find_id(t, id, id_len, &privs, &pubs, &certs, err) != 0)
		goto out;
	if (privs.n == 0) {
		hc_hex(id, id_len < HC_ID_MAX ? id_len : HC_ID_MAX, hex);
		hc_err_set(err, HC_E_NOTFOUND,
			   "no private key with id %s on token '%s'", hex,
			   t->info.label);
		goto out;
	}
	if (pubs.n > 0) {
		pub = hc_token_read_pubkey(t, pubs.v[0].handle, err);
	} else if (certs.n > 0) {
		X509 *x = hc_x509_from_der(certs.v[0].value,
					   certs.v[0].value_len, err);

		pub = x != NULL ? X509_get_pubkey(x) : NULL;
		X509_free(x);
	} else {
		hc_err_set(err, HC_E_NOTFOUND,
			   "the private key has neither a public key nor a certificate on the token: cannot tell its public half");
	}
	if (pub == NULL)
		goto out;
	ret = hc_token_signer_for(t, privs.v[0].handle, pub, err);
out:
	EVP_PKEY_free(pub);
	hc_tobj_list_release(&privs);
	hc_tobj_list_release(&pubs);
	hc_tobj_list_release(&certs);
	return ret;
}

EVP_PKEY *
hc_token_signer_for(struct hc_token *t, unsigned long priv, EVP_PKEY *pub,
		    hc_err *err)
{
	struct signer *sg = NULL;
	EVP_PKEY *pk = NULL, *ret = NULL;
	RSA *rsa = NULL;
	EC_KEY *ec = NULL;

	if (signer_methods(t, err) != 0)
		return NULL;
	sg = calloc(1, sizeof(*sg));
	pk = EVP_PKEY_new();
	if (sg == NULL || pk == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	sg->t = t;
	sg->key = priv;
	if (EVP_PKEY_is_a(pub, "RSA")) {
		rsa = EVP_PKEY_get1_RSA(pub);
		if (rsa == NULL || !RSA_set_method(rsa, t->rsa_meth) ||
		    !RSA_set_ex_data(rsa, SIGNER_EXDATA, sg))
			goto ossl;
		sg = NULL;	/* owned by rsa: freed by rsa_finish */
		if (!EVP_PKEY_assign_RSA(pk, rsa))
			goto ossl;
		rsa = NULL;
	} else if (EVP_PKEY_is_a(pub, "EC")) {
		ec = EVP_PKEY_get1_EC_KEY(pub);
		if (ec == NULL || !EC_KEY_set_method(ec, t->ec_meth) ||
		    !EC_KEY_set_ex_data(ec, SIGNER_EXDATA, sg))
			goto ossl;
		sg = NULL;	/* owned by ec: freed by ec_finish */
		if (!EVP_PKEY_assign_EC_KEY(pk, ec))
			goto ossl;
		ec = NULL;
	} else {
		hc_err_set(err, HC_E_USAGE, "only RSA and EC keys sign");
		goto out;
	}
	ret = pk;
	pk = NULL;
	goto out;
ossl:
	hc_err_ossl(err, HC_E_FAIL, "cannot set up signing with the token key");
out:
	free(sg);
	RSA_free(rsa);
	EC_KEY_free(ec);
	EVP_PKEY_free(pk);
	return ret;
}

unsigned long
hc_token_take_sign_rv(struct hc_token *t)
{
	unsigned long rv = t->last_sign_rv;

	t->last_sign_rv = CKR_OK;
	return rv;
}

char *
hc_token_object_uri(const struct hc_token *t, enum hc_obj_class cls,
		    const unsigned char *id, size_t id_len, const char *label,
		    hc_err *err)
{
	P11KitUri *uri = p11_kit_uri_new();
	CK_OBJECT_CLASS oc = class_of(cls);
	CK_ATTRIBUTE a;
	char *s = NULL, *ret = NULL;
	int r;

	if (uri == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	memcpy(p11_kit_uri_get_token_info(uri), &t->raw_info,
	       sizeof(t->raw_info));
	a.type = CKA_ID;
	a.pValue = (void *)id;
	a.ulValueLen = (CK_ULONG)id_len;
	r = p11_kit_uri_set_attribute(uri, &a);
	if (r == P11_KIT_URI_OK && label != NULL && *label != '\0') {
		a.type = CKA_LABEL;
		a.pValue = (void *)label;
		a.ulValueLen = (CK_ULONG)strlen(label);
		r = p11_kit_uri_set_attribute(uri, &a);
	}
	if (r == P11_KIT_URI_OK) {
		a.type = CKA_CLASS;
		a.pValue = &oc;
		a.ulValueLen = sizeof(oc);
		r = p11_kit_uri_set_attribute(uri, &a);
	}
	if (r == P11_KIT_URI_OK)
		r = p11_kit_uri_format(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &s);
	if (r != P11_KIT_URI_OK) {
		hc_err_set(err, HC_E_FAIL, "cannot format a PKCS#11 URI: %s",
			   p11_kit_uri_message(r));
		goto out;
	}
	ret = strdup(s);
	if (ret == NULL)
		hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	free(s);
	p11_kit_uri_free(uri);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Export, import, lock                                                 */

int
hc_token_can_wrap_export(struct hc_token *t, hc_err *err)
{
	CK_MECHANISM_INFO mi;
	CK_RV rv;

	/*
	 * Asked, not assumed: a remote token behind p11-kit's client module
	 * offers only the mechanisms its RPC can carry, and p11-kit 0.24
	 * carries no AES key wrap.
	 */
	memset(&mi, 0, sizeof(mi));
	rv = t->f->C_GetMechanismInfo(t->slot_id, CKM_AES_KEY_WRAP_PAD, &mi);
	if (rv == CKR_OK && (mi.flags & CKF_WRAP) != 0)
		return 0;
	if (rv != CKR_OK && rv != CKR_MECHANISM_INVALID)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot ask the token for its key-wrapping mechanism");
	return hc_err_set(err, HC_E_FAIL,
			  "the token, as this module presents it, cannot wrap a key with CKM_AES_KEY_WRAP_PAD, the only way hsmcert takes a key out (a remote token through p11-kit-client.so from p11-kit 0.24 cannot carry it: export on the host that runs p11-kit server, with the HSM's own module)");
}

int
hc_token_wrap_export(struct hc_token *t, unsigned long priv,
		     unsigned char **pkcs8, size_t *len, hc_err *err)
{
	CK_OBJECT_CLASS kc = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char kek[32];
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &kc, sizeof(kc) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_WRAP, &yes, sizeof(yes) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_ENCRYPT, &no, sizeof(no) },
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_VALUE, kek, sizeof(kek) },
	};
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_HANDLE wk = CK_INVALID_HANDLE;
	CK_ULONG wlen = 0;
	unsigned char *wrapped = NULL, *plain = NULL;
	EVP_CIPHER_CTX *cc = NULL;
	int outl = 0, fin = 0, ret = -1;
	CK_RV rv;

	if (hc_token_can_wrap_export(t, err) != 0)
		return -1;
	if (RAND_priv_bytes(kek, sizeof(kek)) != 1) {
		hc_err_ossl(err, HC_E_FAIL, "no random bytes");
		goto out;
	}
	rv = t->f->C_CreateObject(t->sess, tmpl, sizeof(tmpl) / sizeof(tmpl[0]),
				  &wk);
	if (rv != CKR_OK) {
		wk = CK_INVALID_HANDLE;
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "cannot create the one-time wrapping key");
		goto out;
	}
	rv = t->f->C_WrapKey(t->sess, &mech, wk, priv, NULL, &wlen);
	if (rv == CKR_OK) {
		wrapped = OPENSSL_malloc(wlen ? wlen : 1);
		if (wrapped == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		rv = t->f->C_WrapKey(t->sess, &mech, wk, priv, wrapped, &wlen);
	}
	if (rv == CKR_KEY_UNEXTRACTABLE || rv == CKR_KEY_NOT_WRAPPABLE) {
		hc_err_ckr(err, HC_E_DENIED, rv,
			   "private key is not exportable: the token refuses to let it out");
		goto out;
	}
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv, "wrapping the private key failed");
		goto out;
	}
	plain = OPENSSL_malloc(wlen + 16);
	cc = EVP_CIPHER_CTX_new();
	if (plain == NULL || cc == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	EVP_CIPHER_CTX_set_flags(cc, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_DecryptInit_ex(cc, EVP_aes_256_wrap_pad(), NULL, kek, NULL) != 1 ||
	    EVP_DecryptUpdate(cc, plain, &outl, wrapped, (int)wlen) != 1 ||
	    EVP_DecryptFinal_ex(cc, plain + outl, &fin) != 1) {
		hc_err_ossl(err, HC_E_FAIL, "cannot unwrap the exported key");
		goto out;
	}
	/* the one-time key goes before the key material is handed out */
	rv = t->f->C_DestroyObject(t->sess, wk);
	wk = CK_INVALID_HANDLE;
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "cannot destroy the one-time wrapping key");
		goto out;
	}
	*pkcs8 = plain;
	*len = (size_t)(outl + fin);
	plain = NULL;
	ret = 0;
out:
	if (wk != CK_INVALID_HANDLE)
		t->f->C_DestroyObject(t->sess, wk);
	OPENSSL_cleanse(kek, sizeof(kek));
	EVP_CIPHER_CTX_free(cc);
	OPENSSL_clear_free(wrapped, wrapped ? wlen : 0);
	OPENSSL_clear_free(plain, plain ? wlen + 16 : 0);
	return ret;
}

/* A BIGNUM parameter of the key as big-endian bytes, or NULL. */
static unsigned char *
bn_param(EVP_PKEY *pk, const char *name, CK_ULONG *len)
{
	BIGNUM *bn = NULL;
	unsigned char *buf = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return NULL;
	n = BN_num_bytes(bn);
	buf = OPENSSL_secure_malloc(n > 0 ? (size_t)n : 1);
	if (buf != NULL)
		*len = (CK_ULONG)BN_bn2bin(bn, buf);
	BN_clear_free(bn);
	return buf;
}

int
hc_token_import_keypair(struct hc_token *t, EVP_PKEY *pkey, const char *label,
			const unsigned char *id, size_t id_len, int exportable,
			unsigned long *priv, unsigned long *pub, hc_err *err)
{
	CK_OBJECT_CLASS privc = CKO_PRIVATE_KEY, pubc = CKO_PUBLIC_KEY;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL ext = exportable ? CK_TRUE : CK_FALSE;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE pt[16], vt[20];
	CK_ULONG np = 0, nv = 0, llen, ilen;
	/* key material, wiped and freed at the end */
	unsigned char *mat[8] = { NULL };
	CK_ULONG matlen[8] = { 0 };
	const char *rsa_names[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	const CK_ATTRIBUTE_TYPE rsa_types[] = {
		CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
		CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2,
		CKA_COEFFICIENT,
	};
	unsigned char *ecparams = NULL, *ecpoint = NULL, *pubraw = NULL;
	ASN1_OCTET_STRING *os = NULL;
	ASN1_OBJECT *curve = NULL;
	CK_OBJECT_HANDLE hv = CK_INVALID_HANDLE, hp = CK_INVALID_HANDLE;
	char group[64];
	size_t glen = 0, publen = 0;
	int i, n, ret = -1;
	CK_RV rv;

	if (range_ulong(strlen(label), &llen, err) != 0 ||
	    range_ulong(id_len, &ilen, err) != 0)
		return -1;
#define ADD(arr, n, t_, p_, l_) do { (arr)[(n)].type = (t_); \
	(arr)[(n)].pValue = (void *)(p_); (arr)[(n)++].ulValueLen = (l_); } while (0)
	ADD(vt, nv, CKA_CLASS, &privc, sizeof(privc));
	ADD(vt, nv, CKA_TOKEN, &yes, sizeof(yes));
	ADD(vt, nv, CKA_PRIVATE, &yes, sizeof(yes));
	ADD(vt, nv, CKA_SENSITIVE, &yes, sizeof(yes));
	ADD(vt, nv, CKA_EXTRACTABLE, &ext, sizeof(ext));
	ADD(vt, nv, CKA_LABEL, label, llen);
	ADD(vt, nv, CKA_ID, id, ilen);
	ADD(vt, nv, CKA_SIGN, &yes, sizeof(yes));
	ADD(vt, nv, CKA_UNWRAP, &no, sizeof(no));
	ADD(vt, nv, CKA_DERIVE, &no, sizeof(no));
	ADD(pt, np, CKA_CLASS, &pubc, sizeof(pubc));
	ADD(pt, np, CKA_TOKEN, &yes, sizeof(yes));
	ADD(pt, np, CKA_PRIVATE, &no, sizeof(no));
	ADD(pt, np, CKA_LABEL, label, llen);
	ADD(pt, np, CKA_ID, id, ilen);
	ADD(pt, np, CKA_VERIFY, &yes, sizeof(yes));
	ADD(pt, np, CKA_WRAP, &no, sizeof(no));
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		kt = CKK_RSA;
		for (i = 0; i < 8; i++) {
			mat[i] = bn_param(pkey, rsa_names[i], &matlen[i]);
			if (mat[i] == NULL) {
				hc_err_ossl(err, HC_E_USAGE,
					    "the RSA key lacks its CRT parameters");
				goto out;
			}
			ADD(vt, nv, rsa_types[i], mat[i], matlen[i]);
		}
		ADD(vt, nv, CKA_DECRYPT, &yes, sizeof(yes));
		ADD(pt, np, CKA_MODULUS, mat[0], matlen[0]);
		ADD(pt, np, CKA_PUBLIC_EXPONENT, mat[1], matlen[1]);
		ADD(pt, np, CKA_ENCRYPT, &yes, sizeof(yes));
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		unsigned char *p;

		kt = CKK_EC;
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) != 1 ||
		    (curve = OBJ_txt2obj(group, 0)) == NULL) {
			hc_err_ossl(err, HC_E_USAGE, "the EC key has no named curve");
			goto out;
		}
		n = i2d_ASN1_OBJECT(curve, NULL);
		ecparams = OPENSSL_malloc(n > 0 ? (size_t)n : 1);
		p = ecparams;
		if (n <= 0 || ecparams == NULL || i2d_ASN1_OBJECT(curve, &p) != n) {
			hc_err_ossl(err, HC_E_FAIL, "cannot encode the curve");
			goto out;
		}
		mat[0] = bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &matlen[0]);
		if (mat[0] == NULL ||
		    EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY,
						    NULL, 0, &publen) != 1 ||
		    (pubraw = OPENSSL_malloc(publen)) == NULL ||
		    EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY,
						    pubraw, publen, &publen) != 1) {
			hc_err_ossl(err, HC_E_USAGE, "cannot read the EC key");
			goto out;
		}
		/* CKA_EC_POINT is the point inside a DER OCTET STRING */
		os = ASN1_OCTET_STRING_new();
		if (os == NULL || !ASN1_OCTET_STRING_set(os, pubraw, (int)publen) ||
		    (n = i2d_ASN1_OCTET_STRING(os, &ecpoint)) <= 0) {
			hc_err_ossl(err, HC_E_FAIL, "cannot encode the EC point");
			goto out;
		}
		ADD(vt, nv, CKA_EC_PARAMS, ecparams, (CK_ULONG)i2d_ASN1_OBJECT(curve, NULL));
		ADD(vt, nv, CKA_VALUE, mat[0], matlen[0]);
		ADD(vt, nv, CKA_DECRYPT, &no, sizeof(no));
		ADD(pt, np, CKA_EC_PARAMS, ecparams, (CK_ULONG)i2d_ASN1_OBJECT(curve, NULL));
		ADD(pt, np, CKA_EC_POINT, ecpoint, (CK_ULONG)n);
		ADD(pt, np, CKA_ENCRYPT, &no, sizeof(no));
	} else {
		hc_err_set(err, HC_E_USAGE,
			   "unsupported key type %s: only RSA and EC keys are imported",
			   OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		goto out;
	}
	ADD(vt, nv, CKA_KEY_TYPE, &kt, sizeof(kt));
	ADD(pt, np, CKA_KEY_TYPE, &kt, sizeof(kt));
#undef ADD
	/* the private key first: an interruption leaves at worst it alone */
	rv = t->f->C_CreateObject(t->sess, vt, nv, &hv);
	if (rv != CKR_OK) {
		hv = CK_INVALID_HANDLE;
		hc_err_ckr(err, HC_E_FAIL, rv, "cannot store the private key on token '%s'",
			   t->info.label);
		goto out;
	}
	rv = t->f->C_CreateObject(t->sess, pt, np, &hp);
	if (rv != CKR_OK) {
		hp = CK_INVALID_HANDLE;
		hc_err_ckr(err, HC_E_FAIL, rv, "cannot store the public key on token '%s'",
			   t->info.label);
		goto out;
	}
	*priv = hv;
	*pub = hp;
	hv = hp = CK_INVALID_HANDLE;
	ret = 0;
out:
	if (hv != CK_INVALID_HANDLE)
		t->f->C_DestroyObject(t->sess, hv);
	for (i = 0; i < 8; i++)
		if (mat[i] != NULL)
			OPENSSL_secure_clear_free(mat[i], matlen[i] ? matlen[i] : 1);
	OPENSSL_free(ecparams);
	OPENSSL_free(ecpoint);
	OPENSSL_free(pubraw);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(curve);
	ERR_clear_error();
	return ret;
}

int
hc_token_set_unextractable(struct hc_token *t, unsigned long priv, hc_err *err)
{
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_EXTRACTABLE, &no, sizeof(no) };
	CK_RV rv = t->f->C_SetAttributeValue(t->sess, priv, &a, 1);

	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot make the key non-exportable");
	return 0;
}

int
hc_token_set_label(struct hc_token *t, unsigned long handle, const char *label,
		   hc_err *err)
{
	CK_ULONG len;
	CK_ATTRIBUTE a;
	CK_RV rv;

	if (range_ulong(strlen(label), &len, err) != 0)
		return -1;
	a.type = CKA_LABEL;
	a.pValue = (void *)label;
	a.ulValueLen = len;
	rv = t->f->C_SetAttributeValue(t->sess, handle, &a, 1);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv, "cannot update object %lu",
				  handle);
	return 0;
}
