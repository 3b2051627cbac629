/* ctx.c - the context: configuration, token, secrets, warnings */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/error.h"
#include "core/lock.h"
#include "core/pinfail.h"
#include "ops/ops.h"

#define HC_DEFAULT_CONFIG "/etc/hsmcert/hsmcert.conf"

static int
set_str(char **dst, const char *a, const char *b, hc_err *err)
{
	const char *v = a != NULL ? a : b;

	free(*dst);
	*dst = NULL;
	if (v == NULL)
		return 0;
	*dst = strdup(v);
	if (*dst == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	return 0;
}

hc_ctx *
hc_ctx_new(const hc_ctx_opts *opts, hc_err *err)
{
	hc_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *path;

	if (ctx == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	hc_config_init(&ctx->cfg);
	path = opts->config;
	if (path == NULL)
		path = getenv("HSMCERT_CONFIG");
	if (path == NULL || *path == '\0')
		path = HC_DEFAULT_CONFIG;
	if (hc_config_load(path, &ctx->cfg, err) != 0)
		goto fail;
	if (set_str(&ctx->module, opts->module, ctx->cfg.module, err) != 0 ||
	    set_str(&ctx->token_sel, opts->token, ctx->cfg.label, err) != 0 ||
	    set_str(&ctx->pin_source, opts->pin_source, ctx->cfg.pin_source,
		    err) != 0)
		goto fail;
	ctx->token_lock = -1;
	ctx->verbose = opts->verbose;
	ctx->assume_yes = opts->assume_yes;
	ctx->interactive = opts->interactive;
	ctx->pin_final_try = opts->pin_final_try;
	ctx->pin_retry = opts->pin_retry;
	return ctx;
fail:
	hc_ctx_free(ctx);
	return NULL;
}

int
hc_ctx_module_info(hc_ctx *ctx, hc_module_info *info, hc_err *err)
{
	int n;

	memset(info, 0, sizeof(*info));
	n = snprintf(info->path, sizeof(info->path), "%s",
		     ctx->module != NULL ? ctx->module : "");
	(void)n;
	/* as hc_ctx_token: SoftHSM2's C_Initialize reads SOFTHSM2_CONF */
	if (ctx->cfg.softhsm2_conf != NULL && getenv("SOFTHSM2_CONF") == NULL &&
	    setenv("SOFTHSM2_CONF", ctx->cfg.softhsm2_conf, 1) != 0)
		return hc_err_set(err, HC_E_FAIL, "cannot set SOFTHSM2_CONF");
	return hc_token_module_info(ctx->module, info, err);
}

void
hc_ctx_free(hc_ctx *ctx)
{
	if (ctx == NULL)
		return;
	hc_token_free(ctx->tok);
	hc_state_unlock(ctx->token_lock);
	hc_config_release(&ctx->cfg);
	free(ctx->module);
	free(ctx->token_sel);
	free(ctx->pin_source);
	hc_strlist_release(&ctx->warnings);
	hc_bindings_release(&ctx->bindings);
	hc_fleet_release(&ctx->fleet);
	free(ctx);
}

void
hc_ctx_set_secret_cb(hc_ctx *ctx, hc_secret_cb cb, void *arg)
{
	ctx->secret_cb = cb;
	ctx->secret_arg = arg;
}

void
hc_ctx_set_confirm_cb(hc_ctx *ctx, hc_confirm_cb cb, void *arg)
{
	ctx->confirm_cb = cb;
	ctx->confirm_arg = arg;
}

void
hc_ctx_set_command(hc_ctx *ctx, const char *command)
{
	ctx->command = command;
}

void
hc_ctx_set_notice_cb(hc_ctx *ctx, hc_notice_cb cb, void *arg)
{
	ctx->notice_cb = cb;
	ctx->notice_arg = arg;
}

void
hc_ctx_notice(hc_ctx *ctx, const char *text)
{
	if (ctx->notice_cb != NULL)
		ctx->notice_cb(ctx->notice_arg, text);
	else
		hc_ctx_warn(ctx, "%s", text);
}

size_t
hc_ctx_warning_count(const hc_ctx *ctx)
{
	return ctx->warnings.n;
}

const char *
hc_ctx_warning(const hc_ctx *ctx, size_t i)
{
	return i < ctx->warnings.n ? ctx->warnings.v[i] : NULL;
}

void
hc_ctx_warn(hc_ctx *ctx, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* a warning that cannot be stored is not worth failing for */
	if (hc_strlist_push(&ctx->warnings, buf, NULL) != 0)
		return;
}

void
hc_ctx_warn_list(hc_ctx *ctx, struct hc_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		hc_ctx_warn(ctx, "%s", l->v[i]);
	hc_strlist_release(l);
}

int
hc_ctx_confirm(hc_ctx *ctx, const char *question, hc_err *err)
{
	if (ctx->assume_yes)
		return 0;
	if (ctx->confirm_cb == NULL)
		return hc_err_set(err, HC_E_CANCEL,
				  "%s needs confirmation: no terminal; pass --yes to answer yes",
				  question);
	if (ctx->confirm_cb(ctx->confirm_arg, question, err) == 1)
		return 0;
	/* a callback's own error stays: hc_err_set keeps the first */
	return hc_err_set(err, HC_E_CANCEL, "cancelled");
}

int
hc_ctx_ask_secret(hc_ctx *ctx, const char *what, const char *source,
		  hc_secret **out, hc_err *err)
{
	if (ctx->secret_cb == NULL)
		return hc_err_set(err, HC_E_USAGE, "no way to ask for the %s",
				  what);
	return ctx->secret_cb(ctx->secret_arg, what, source, out, err) == 0 ?
	       0 : -1;
}

/*
 * SPEC 10, PIN lockout guard, before the PIN is read: the token's flags
 * (locked, one try left, few left) and this host's record of wrong PINs
 * for the token. *source gets the pin-source's name as the record keeps
 * it (caller frees).
 */
static int
login_guard(hc_ctx *ctx, char **source, hc_err *err)
{
	const struct hc_token_info *id = hc_token_get0_info(ctx->tok);
	const struct hc_pinfail_entry *e;
	struct hc_token_info ti;
	struct hc_pinfail rec = { 0 };
	char *path = NULL;
	int ret = -1, r;

	if (hc_token_login_check(ctx->tok, ctx->pin_final_try ?
				 HC_LOGIN_FINAL_TRY : 0, &ti, err) != 0)
		return -1;
	if (ti.final_try)
		hc_ctx_warn(ctx,
			    "token '%s' reports one PIN try left (CKF_USER_PIN_FINAL_TRY): --pin-final-try spends it, and a wrong PIN now locks the user PIN",
			    ti.label);
	else if (ti.count_low)
		hc_ctx_warn(ctx,
			    "token '%s' reports that few PIN tries are left (CKF_USER_PIN_COUNT_LOW): a login failed since the last good one",
			    ti.label);
	*source = hc_pinfail_source_name(ctx->pin_source, err);
	if (*source == NULL)
		return -1;
	r = hc_pinfail_read(ctx->cfg.state_dir, id, &rec, err);
	if (r <= 0)
		return r;
	e = hc_pinfail_find(&rec, *source);
	if (e != NULL && !hc_pinfail_is_prompt(ctx->pin_source) &&
	    !ctx->pin_retry) {
		path = hc_pinfail_path(ctx->cfg.state_dir, id, NULL);
		hc_err_set(err, HC_E_PIN,
			   "token '%s': the PIN from %s was wrong at %s (%ld time%s); hsmcert does not try that pin-source again until a login succeeds, so a stale PIN cannot lock the token: correct the PIN, then give the global option --pin-retry for one try (record: %s)",
			   id->label, e->source, e->time, e->count,
			   e->count == 1 ? "" : "s", path ? path : "?");
		goto out;
	}
	if (e != NULL && ctx->pin_retry)
		hc_ctx_warn(ctx,
			    "trying the PIN from %s again, as --pin-retry allows: it was wrong at %s",
			    e->source, e->time);
	else if (e == NULL && rec.n > 0)
		hc_ctx_warn(ctx,
			    "token '%s' had a wrong PIN from %s at %s; trying %s",
			    id->label, rec.v[rec.n - 1].source,
			    rec.v[rec.n - 1].time, *source);
	ret = 0;
out:
	free(path);
	hc_pinfail_release(&rec);
	return ret;
}

/* After the one C_Login: a success clears the record, a wrong PIN adds. */
static void
login_record(hc_ctx *ctx, int ok, const char *source, hc_err *err)
{
	const struct hc_token_info *id = hc_token_get0_info(ctx->tok);
	hc_err e = { 0 };

	if (ok) {
		if (hc_pinfail_clear(ctx->cfg.state_dir, id, &e) != 0)
			hc_ctx_warn(ctx,
				    "the record of an earlier wrong PIN was not removed: %s",
				    e.msg);
		return;
	}
	if (!hc_token_pin_was_wrong(err))
		return;
	if (hc_pinfail_add(ctx->cfg.state_dir, id, source, &e) != 0) {
		hc_ctx_warn(ctx, "the wrong PIN was not recorded: %s", e.msg);
		return;
	}
	if (!hc_pinfail_is_prompt(ctx->pin_source))
		hc_err_suffix(err,
			      "; recorded: hsmcert will not try %s again until a login succeeds or --pin-retry is given",
			      source);
}

struct hc_token *
hc_ctx_token(hc_ctx *ctx, int login, hc_err *err)
{
	hc_secret *pin = NULL;
	char *source = NULL;
	char what[128];
	int r;

	if (ctx->tok == NULL) {
		/*
		 * SoftHSM2 finds its token directory through SOFTHSM2_CONF; the
		 * configuration may name it, the environment wins.
		 */
		if (ctx->cfg.softhsm2_conf != NULL &&
		    getenv("SOFTHSM2_CONF") == NULL &&
		    setenv("SOFTHSM2_CONF", ctx->cfg.softhsm2_conf, 1) != 0) {
			hc_err_set(err, HC_E_FAIL, "cannot set SOFTHSM2_CONF");
			return NULL;
		}
		const char *why;
		int attempts;

		/*
		 * hsmcert processes of this host take turns with the token: a
		 * file-based token (SoftHSM2) read while another process
		 * writes it can answer CKR_GENERAL_ERROR.
		 */
		if (ctx->token_lock < 0 &&
		    hc_state_lock_named(ctx->cfg.state_dir, "token.lock",
					&ctx->token_lock, err) != 0)
			return NULL;
		if (hc_token_open(ctx->module, ctx->token_sel, &ctx->tok,
				  err) != 0)
			return NULL;
		why = hc_token_open_problem(ctx->tok, &attempts);
		if (why != NULL)
			hc_ctx_warn(ctx,
				    "the token opened on attempt %d; the first time: %s",
				    attempts, why);
	}
	/* a changing command refuses before it changes anything */
	if (hc_audit_guard(ctx, ctx->tok, err) != 0)
		return NULL;
	if (!login || hc_token_is_logged_in(ctx->tok))
		return ctx->tok;
	r = login_guard(ctx, &source, err);
	if (r == 0) {
		r = snprintf(what, sizeof(what), "PIN for token '%s'",
			     hc_token_get0_info(ctx->tok)->label);
		if (hc_ctx_ask_secret(ctx, what, ctx->pin_source, &pin,
				      err) != 0) {
			free(source);
			return NULL;
		}
		r = hc_token_login_flags(ctx->tok, pin, ctx->pin_final_try ?
					 HC_LOGIN_FINAL_TRY : 0, err);
		hc_secret_free(pin);
		login_record(ctx, r == 0, source, err);
	}
	free(source);
	if (r != 0 && err->code == HC_E_PIN) {
		struct hc_audit_rec rec = {
			ctx->command ? ctx->command : "login",
			hc_token_get0_info(ctx->tok)->label, "denied", err->msg
		};
		hc_err ae = { 0 };

		if (hc_audit_append(ctx->cfg.audit_log, ctx->tok, ctx->cfg.host,
				    &rec, &ae) != 0)
			hc_ctx_warn(ctx,
				    "the audit line of the wrong PIN was not written: %s",
				    ae.msg);
		ctx->pin_audited = 1;
	}
	return r == 0 ? ctx->tok : NULL;
}

void
hc_txn_init(struct hc_txn *tx, struct hc_token *tok)
{
	memset(tx, 0, sizeof(*tx));
	tx->tok = tok;
}

int
hc_txn_add(struct hc_txn *tx, unsigned long handle, hc_err *err)
{
	if (tx->n >= sizeof(tx->handles) / sizeof(tx->handles[0]))
		return hc_err_set(err, HC_E_FAIL,
				  "internal: too many objects in one operation");
	tx->handles[tx->n++] = handle;
	return 0;
}

void
hc_txn_rollback(struct hc_txn *tx)
{
	while (tx->n > 0) {
		tx->n--;
		/* best effort: the original error is what the user needs */
		if (hc_token_destroy(tx->tok, tx->handles[tx->n], NULL) != 0)
			continue;
	}
}

void
hc_txn_commit(struct hc_txn *tx)
{
	tx->n = 0;
}

struct hc_bindings *
hc_ctx_reload_bindings(hc_ctx *ctx, hc_err *err)
{
	struct hc_bindings b;

	if (hc_bindings_load(ctx->cfg.state_dir, &b, err) != 0)
		return NULL;
	hc_bindings_release(&ctx->bindings);
	ctx->bindings = b;
	ctx->have_bindings = 1;
	return &ctx->bindings;
}

struct hc_bindings *
hc_ctx_bindings(hc_ctx *ctx, hc_err *err)
{
	if (ctx->have_bindings)
		return &ctx->bindings;
	return hc_ctx_reload_bindings(ctx, err);
}

int
hc_ctx_save_bindings(hc_ctx *ctx, const struct hc_bindings *b, hc_err *err)
{
	struct hc_token *tok = hc_ctx_token(ctx, 1, err);
	struct hc_bindings old;

	if (tok == NULL)
		return -1;
	if (hc_fleet_publish(tok, ctx->cfg.host, b, err) != 0)
		return -1;
	ctx->have_fleet = 0;
	hc_fleet_release(&ctx->fleet);
	if (hc_bindings_save(ctx->cfg.state_dir, b, err) == 0)
		return 0;
	/* the file keeps the old bindings: so does the summary, if it can */
	if (hc_bindings_load(ctx->cfg.state_dir, &old, NULL) == 0) {
		if (hc_fleet_publish(tok, ctx->cfg.host, &old, NULL) != 0)
			hc_ctx_warn(ctx,
				    "this host's binding summary on the token is ahead of %s/bindings.json: the next enable or disable puts it right",
				    ctx->cfg.state_dir);
		hc_bindings_release(&old);
	}
	return -1;
}

int
hc_ctx_save_bindings_deferred(hc_ctx *ctx, const struct hc_bindings *b,
			      hc_err *err)
{
	if (hc_ctx_token(ctx, 1, err) == NULL ||
	    hc_bindings_save(ctx->cfg.state_dir, b, err) != 0)
		return -1;
	ctx->publish_pending = 1;
	return 0;
}

const struct hc_fleet *
hc_ctx_fleet(hc_ctx *ctx, hc_err *err)
{
	struct hc_token *tok;

	if (ctx->have_fleet)
		return &ctx->fleet;
	tok = hc_ctx_token(ctx, 0, err);
	if (tok == NULL || hc_fleet_read(tok, &ctx->fleet, err) != 0)
		return NULL;
	if (ctx->fleet.damaged > 0)
		hc_ctx_warn(ctx,
			    "%zu object%s with CKA_APPLICATION '%s' on the token %s not a binding summary hsmcert can read: ignored",
			    ctx->fleet.damaged,
			    ctx->fleet.damaged == 1 ? "" : "s", HC_FLEET_APP,
			    ctx->fleet.damaged == 1 ? "is" : "are");
	ctx->have_fleet = 1;
	return &ctx->fleet;
}

void
hc_ctx_publish_deferred(hc_ctx *ctx)
{
	struct hc_bindings *b;
	struct hc_token *tok;
	hc_err e = { 0 };

	if (!ctx->publish_pending)
		return;
	ctx->publish_pending = 0;
	b = hc_ctx_reload_bindings(ctx, &e);
	tok = b != NULL ? hc_ctx_token(ctx, 1, &e) : NULL;
	if (tok == NULL || hc_fleet_publish(tok, ctx->cfg.host, b, &e) != 0) {
		hc_ctx_warn(ctx,
			    "this host's binding summary on the token was not updated (%s): other hosts see the old bindings until the next enable or disable here",
			    e.msg);
		return;
	}
	ctx->have_fleet = 0;
	hc_fleet_release(&ctx->fleet);
}
