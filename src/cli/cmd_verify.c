/* cmd_verify.c - hsmcert verify ID: the checklist before a change window */
#include "cli/cli.h"

enum { O_PLAN = OPT_CMD_BASE, O_AT, O_WARN };

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "plan", required_argument, NULL, O_PLAN },
	{ "at", required_argument, NULL, O_AT },
	{ "warn-days", required_argument, NULL, O_WARN },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "ID", "thumbprint prefix (>= 6 hex digits)" },
	{ "--plan FILE", "check the names against a namespace plan" },
	{ "--at DATE", "check validity at YYYY-MM-DD or an RFC 3339 time" },
	{ "--warn-days N", "warn when expiring within N days (default 30)" },
	{ "--format FMT", "text (default) or json" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert verify ID [--plan FILE] [--at DATE] [--warn-days N]"

int
cmd_verify(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_verify_req req = { 0 };
	hc_check_list l = { NULL, 0 };
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r;

	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			return HC_E_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case O_PLAN:
			req.plan = optarg;
			break;
		case O_AT:
			req.at = optarg;
			break;
		case O_WARN:
			if (hc_parse_long(optarg, 0, 36500, "--warn-days",
					  &req.warn_days, &err) != 0)
				return cli_finish(&g, NULL, &err);
			req.has_warn_days = 1;
			break;
		default:
			return HC_E_USAGE;	/* cli_getopt named it */
		}
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		return 0;
	}
	if (optind + 1 != argc)
		return cli_usage_error("verify", "give exactly one ID");
	req.id = argv[optind];
	ctx = cli_ctx_new(&g, argv[0], &err);
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
