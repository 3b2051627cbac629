/* cmd_report.c - hsmcert report [--format text|json|html] */
#include "cli/cli.h"

int
cmd_report(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_report r;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_NOTE("format",
			 "text (default), json, or html (one self-contained file)"),
		OPT_END,
	};
	int rc;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && hc_report_make(ctx, &r, &err) == 0) {
		rc = render_report(&g, &r);
		if (rc != 0)
			err.code = rc;
		hc_report_release(&r);
	}
	return cli_finish(&g, ctx, &err);
}
