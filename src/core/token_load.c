/* token_load.c - load the module, pick the token, open the session
 *
 * dlopen, C_GetFunctionList and C_Initialize; the token chosen by label or
 * pkcs11: URI (p11-kit's parser), never by slot id; one read-write session,
 * closed with the module's C_Finalize in hc_token_free.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/uri.h>

#include "core/token_int.h"

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
				  "cannot initialise PKCS#11 module %s",
				  module);
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
			hc_err_set(err, HC_E_USAGE,
				   "invalid token URI '%s': %s", selector,
				   p11_kit_uri_message(r));
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
		if (rv == CKR_TOKEN_NOT_PRESENT ||
		    rv == CKR_TOKEN_NOT_RECOGNIZED)
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
	if (t != NULL)
		hc_token_rewritten(t);
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
			int n = snprintf(t->open_problem,
					 sizeof(t->open_problem), "%.150s",
					 e.msg);

			(void)n;
		}
		t->open_attempts = attempt + 2;
		t->f->C_Finalize(NULL);
		t->initialized = 0;
		{
			struct timespec ts = {
				0, 50 * 1000 * 1000 * (attempt + 1)
			};

			nanosleep(&ts, NULL);
		}
	}
	rv = t->f->C_OpenSession(t->slot_id,
				 CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				 NULL, &t->sess);
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

int
hc_token_module_info(const char *module, hc_module_info *info, hc_err *err)
{
	struct hc_token t;
	CK_INFO ci;
	CK_RV rv;
	int n;

	if (module == NULL || *module == '\0')
		return hc_err_set(err, HC_E_USAGE,
				  "no PKCS#11 module configured ([token] module or --module)");
	memset(&t, 0, sizeof(t));
	t.dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (t.dl == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "cannot load PKCS#11 module %s: %s", module,
				  dlerror());
	if (load_function_list(&t, module, err) != 0)
		return -1;
	rv = t.f->C_GetInfo(&ci);
	if (t.initialized)
		t.f->C_Finalize(NULL);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "C_GetInfo of %s failed", module);
	padded_copy(info->description, sizeof(info->description),
		    ci.libraryDescription, sizeof(ci.libraryDescription));
	padded_copy(info->manufacturer, sizeof(info->manufacturer),
		    ci.manufacturerID, sizeof(ci.manufacturerID));
	n = snprintf(info->library_version, sizeof(info->library_version),
		     "%u.%u", ci.libraryVersion.major, ci.libraryVersion.minor);
	n = snprintf(info->cryptoki_version, sizeof(info->cryptoki_version),
		     "%u.%u", ci.cryptokiVersion.major,
		     ci.cryptokiVersion.minor);
	(void)n;
	/* not dlclose'd, as hc_token_free explains */
	return 0;
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
	hc_token_sign_release(t);
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
