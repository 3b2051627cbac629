/* cmd_verify.c - hsmcert verify ID: the checklist before a change window */
#include "cli/cli.h"

int
cmd_verify(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_verify_req req = { 0 };
	hc_check_list l = { NULL, 0 };
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("ID", "thumbprint prefix (>= 6 hex digits)"),
		OPT_STRING("plan", "FILE", &req.plan,
			   "check the names against a namespace plan"),
		OPT_STRING("at", "DATE", &req.at,
			   "check validity at YYYY-MM-DD or an RFC 3339 time"),
		OPT_NUMBER("warn-days", "N", &req.warn_days, &req.has_warn_days,
			   0, 36500,
			   "warn when expiring within N days (default 30)"),
		OPT_NOTE("format", "text (default) or json"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	req.id = g.args[0];
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL) {
		hc_verify(ctx, &req, &e, &l, &err);
		if (l.n > 0) {
			r = render_checks(&g, &e, &l);
			if (r != 0 && err.code == HC_OK)
				err.code = r;
		}
	}
	hc_check_list_release(&l);
	hc_entry_release(&e);
	return cli_finish(&g, ctx, &err);
}
