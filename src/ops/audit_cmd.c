/* audit_cmd.c - audit show and audit verify */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/error.h"
#include "ops/ops.h"

/* The token's head is public: reading it needs no login. */
static struct hc_token *
head_token(hc_ctx *ctx)
{
	hc_err e = { 0 };
	struct hc_token *tok = hc_ctx_token(ctx, 0, &e);

	if (tok == NULL)
		hc_ctx_warn(ctx,
			    "the token cannot be reached, so the head kept on it is not checked: %s",
			    e.msg);
	return tok;
}

static int
verify_with(hc_ctx *ctx, struct hc_token *tok, hc_audit_status *st,
	    hc_err *err)
{
	struct hc_audit_check c;
	int n;

	memset(st, 0, sizeof(*st));
	n = snprintf(st->path, sizeof(st->path), "%s",
		     ctx->cfg.audit_log != NULL ? ctx->cfg.audit_log : "");
	if (hc_audit_verify(ctx->cfg.audit_log, tok, ctx->cfg.host, &c, NULL,
			    err) != 0)
		return -1;
	st->ok = c.ok;
	st->lines = c.lines;
	st->last_seq = c.last_seq;
	st->head_seq = c.head_seq;
	st->bad_line = c.bad_line;
	st->reset_seq = c.reset_seq;
	st->gap_from = c.gap_from;
	st->gap_to = c.gap_to;
	n = snprintf(st->problem, sizeof(st->problem), "%s", c.problem);
	n = snprintf(st->reset_time, sizeof(st->reset_time), "%s",
		     c.reset_time);
	n = snprintf(st->reset_user, sizeof(st->reset_user), "%s",
		     c.reset_user);
	n = snprintf(st->reset_detail, sizeof(st->reset_detail), "%s",
		     c.reset_detail);
	(void)n;
	if (!c.ok)
		return hc_err_set(err, HC_E_VERIFY, "%s: %s",
				  ctx->cfg.audit_log, c.problem);
	return 0;
}

int
hc_audit_verify_log(hc_ctx *ctx, hc_audit_status *st, hc_err *err)
{
	return verify_with(ctx, head_token(ctx), st, err);
}

int
hc_audit_reset(hc_ctx *ctx, hc_audit_status *st, hc_err *err)
{
	struct hc_audit_pos pos;
	struct hc_token *tok;
	char q[512], kept[4200];
	int r;

	memset(st, 0, sizeof(*st));
	if (ctx->cfg.audit_log == NULL)
		return hc_err_set(err, HC_E_USAGE, "no audit-log configured");
	tok = hc_ctx_token(ctx, 0, err);
	if (tok == NULL ||
	    hc_audit_locate(ctx->cfg.audit_log, tok, ctx->cfg.host, &pos,
			    err) != 0)
		return -1;
	if (pos.fit == HC_AUDIT_FITS)
		return hc_err_set(err, HC_E_USAGE,
				  "nothing to reset: the audit log %s holds this host's head on the token (seq %llu); audit verify checks the whole chain",
				  ctx->cfg.audit_log, pos.head_seq);
	/* only the PIN holder starts the log again */
	if (hc_ctx_token(ctx, 1, err) == NULL)
		return -1;
	if (pos.exists)
		r = snprintf(q, sizeof(q),
			     "Start the audit log again at seq %llu, after this host's head on the token (seq %llu)? The old log is kept as %.200s.<UTC time>.damaged; a first audit-reset line records the gap.",
			     pos.head_seq + 1, pos.head_seq,
			     ctx->cfg.audit_log);
	else
		r = snprintf(q, sizeof(q),
			     "Start the missing audit log again at seq %llu, after this host's head on the token (seq %llu)? A first audit-reset line records the gap.",
			     pos.head_seq + 1, pos.head_seq);
	(void)r;
	if (hc_ctx_confirm(ctx, q, err) != 0)
		return -1;
	if (hc_audit_restart(ctx->cfg.audit_log, tok, ctx->cfg.host, &pos,
			     kept, sizeof(kept), err) != 0)
		return -1;
	return verify_with(ctx, tok, st, err);
}

int
hc_audit_show(hc_ctx *ctx, const char *since, hc_audit_records *out,
	      hc_err *err)
{
	struct hc_audit_check c;
	hc_audit_records all = { NULL, 0 };
	long long from = 0;
	size_t i;
	int ret = -1;

	if (since != NULL && hc_parse_date(since, "--since", &from, err) != 0)
		return -1;
	if (hc_audit_verify(ctx->cfg.audit_log, head_token(ctx), ctx->cfg.host,
			    &c, &all, err) != 0)
		return -1;
	for (i = 0; i < all.n; i++) {
		long long t = 0;
		hc_audit_record *nv;

		if (hc_parse_date(all.v[i].time, "time", &t, NULL) == 0 &&
		    t < from)
			continue;
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		out->v = nv;
		out->v[out->n++] = all.v[i];
		memset(&all.v[i], 0, sizeof(all.v[i]));
	}
	if (!c.ok)
		hc_err_set(err, HC_E_VERIFY, "%s: %s", ctx->cfg.audit_log,
			   c.problem);
	ret = c.ok ? 0 : -1;
out:
	hc_audit_records_release(&all);
	return ret;
}
