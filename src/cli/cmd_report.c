/* cmd_report.c - hsmcert report [--format text|json|html] */
#include "cli/cli.h"

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "--format FMT", "text (default), json, or html (one self-contained file)" },
	{ NULL, NULL },
};

int
cmd_report(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_report r;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, rc;

	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		rc = cli_global(&g, c, optarg);
		if (rc < 0)
			return HC_E_USAGE;
		if (rc == 0)
			return HC_E_USAGE;	/* cli_getopt named it */
	}
	if (g.help) {
		cli_usage(stdout, "hsmcert report [--format text|json|html]", usage);
		return 0;
	}
	if (optind != argc)
		return cli_usage_error("report", "unexpected argument '%s'",
				       argv[optind]);
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && hc_report_make(ctx, &r, &err) == 0) {
		rc = render_report(&g, &r);
		if (rc != 0)
			err.code = rc;
		hc_report_release(&r);
	}
	return cli_finish(&g, ctx, &err);
}
