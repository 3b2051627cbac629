/* cmd_show.c - hsmcert show ID: every field of one entry */
#include "cli/cli.h"

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "ID", "thumbprint or key id, at least 6 hex digits, ':' allowed" },
	{ "--format FMT", "list (default), table or json" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert show ID [--format list|table|json]"

int
cmd_show(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r;

	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			return HC_E_USAGE;
		if (r == 0)
			return HC_E_USAGE;	/* cli_getopt named it */
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		return 0;
	}
	if (optind + 1 != argc)
		return cli_usage_error("show", "give exactly one ID");
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && hc_show(ctx, argv[optind], &e, &err) == 0) {
		r = render_entry(&g, &e);
		if (r != 0)
			err.code = r;
	}
	hc_entry_release(&e);
	return cli_finish(&g, ctx, &err);
}
