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
		return NULL;	/* usage errors and unknown IDs change nothing */
	}
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
	rec.command = command;
	rec.target = target;
	rec.result = result;
	rec.detail = err->code == HC_OK ? detail : err->msg;
	/* the head is a public object: no login needed to move it */
	tok = ctx->tok != NULL ? ctx->tok : hc_ctx_token(ctx, 0, &te);
	if (hc_audit_append(ctx->cfg.audit_log, tok, ctx->cfg.host, &rec, &e) != 0)
		hc_ctx_warn(ctx, "%s", e.msg);
	else if (tok == NULL)
		hc_ctx_warn(ctx, "the audit line was written, but the head kept on the token could not be moved (the token could not be reached: %s): audit verify reports the line as not anchored until the next change",
			    te.msg);
}
