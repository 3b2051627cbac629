/* audit_op.c - every change and every denied action goes to the audit log */
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/error.h"
#include "ops/ops.h"

static const char *
result_of(const hc_err *err)
{
	switch (err->code) {
	case HC_OK:
		return "ok";
	case HC_E_DENIED:
	case HC_E_PIN:
	case HC_E_CANCEL:
	case HC_E_VERIFY:
		return "denied";
	case HC_E_FAIL:
		return "error";
	default:
		/* usage errors and unknown IDs change nothing */
		return NULL;
	}
}

/* Commands that write no audit line of their own (a wrong PIN aside). */
static int
read_only(const char *command)
{
	static const char *const ro[] = {
		"list", "show", "verify", "names", "audit", "report",
		"acme-show",
	};
	size_t i;

	/* a caller that names no command is taken to change things */
	if (command == NULL)
		return 0;
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		if (strcmp(command, ro[i]) == 0)
			return 1;
	return 0;
}

int
hc_audit_guard(hc_ctx *ctx, struct hc_token *tok, hc_err *err)
{
	struct hc_audit_pos pos;
	hc_err e = { 0 };

	if (ctx->audit_guard > 0 || read_only(ctx->command) ||
	    ctx->cfg.audit_log == NULL)
		return 0;
	if (ctx->audit_guard == 0) {
		if (hc_audit_locate(ctx->cfg.audit_log, tok, ctx->cfg.host,
				    &pos, &e) == 0 &&
		    pos.fit == HC_AUDIT_FITS) {
			ctx->audit_guard = 1;
			return 0;
		}
		if (e.code == HC_OK)
			hc_audit_refuse(ctx->cfg.audit_log, &pos, &e);
		ctx->audit_refusal = e;
		ctx->audit_guard = -1;
	}
	return hc_err_set(err, ctx->audit_refusal.code, "%s",
			  ctx->audit_refusal.msg);
}

void
hc_audit_op(hc_ctx *ctx, const char *command, const char *target,
	    const hc_err *err, const char *detail)
{
	struct hc_audit_rec rec;
	struct hc_token *tok;
	const char *result = result_of(err);
	hc_err e = { 0 }, te = { 0 };

	if (result == NULL)
		return;
	/* a wrong PIN was written where it happened, in hc_ctx_token */
	if (err->code == HC_E_PIN && ctx->pin_audited)
		return;
	/* the log does not hold the head: the command's error says so */
	if (ctx->audit_guard < 0)
		return;
	rec.command = command;
	rec.target = target;
	rec.result = result;
	rec.detail = err->code == HC_OK ? detail : err->msg;
	/* the head is a public object: no login needed to move it */
	tok = ctx->tok != NULL ? ctx->tok : hc_ctx_token(ctx, 0, &te);
	if (ctx->audit_guard < 0) {
		/* refused before it reached the token (usage, policy) */
		hc_ctx_warn(ctx, "the audit line was not written: %s",
			    ctx->audit_refusal.msg);
		return;
	}
	if (hc_audit_append(ctx->cfg.audit_log, tok, ctx->cfg.host, &rec,
			    &e) != 0)
		hc_ctx_warn(ctx, "%s", e.msg);
	else if (tok == NULL)
		hc_ctx_warn(ctx,
			    "the audit line was written, but the head kept on the token could not be moved (the token could not be reached: %s): audit verify reports the line as not anchored until the next change",
			    te.msg);
}
