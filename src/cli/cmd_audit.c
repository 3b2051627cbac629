/* cmd_audit.c - hsmcert audit show | verify | reset */
#include <string.h>

#include "cli/cli.h"

int
cmd_audit(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_audit_records recs = { NULL, 0 };
	hc_audit_status st;
	const char *since = NULL, *sub;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("show",
			    "print the log (the chain is checked on the way)"),
		OPT_OPERAND("verify",
			    "check every line's hash, the chain and the head on the token"),
		OPT_OPERAND("reset",
			    "start a truncated, replaced or deleted log again after the head (PIN; asks unless --yes)"),
		OPT_STRING("since", "DATE", &since,
			   "show: from YYYY-MM-DD or an RFC 3339 time"),
		OPT_NOTE("format", "table (default) or json"),
		OPT_NOTE("yes", "reset: do not ask"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	sub = g.args[0];
	if (strcmp(sub, "show") != 0 && strcmp(sub, "verify") != 0 &&
	    strcmp(sub, "reset") != 0)
		return cli_refuse(&g,
				  "unknown audit command '%s' (show, verify, reset)",
				  sub);
	if (strcmp(sub, "show") != 0 && since != NULL)
		return cli_refuse(&g, "--since is for audit show");
	ctx = cli_ctx_new(&g, &err);
	if (ctx == NULL)
		return cli_finish(&g, ctx, &err);
	if (strcmp(sub, "show") == 0) {
		hc_audit_show(ctx, since, &recs, &err);
		r = render_audit(&g, &recs);
	} else if (strcmp(sub, "reset") == 0) {
		/* what audit verify now says of the new log */
		r = hc_audit_reset(ctx, &st, &err) == 0 ||
		    (err.code == HC_E_VERIFY && st.path[0] != '\0') ?
		    render_audit_status(&g, &st) : 0;
	} else {
		if (hc_audit_verify_log(ctx, &st, &err) == 0 ||
		    err.code == HC_E_VERIFY)
			r = render_audit_status(&g, &st);
		else
			r = 0;
	}
	if (r != 0 && err.code == HC_OK)
		err.code = r;
	hc_audit_records_release(&recs);
	return cli_finish(&g, ctx, &err);
}
