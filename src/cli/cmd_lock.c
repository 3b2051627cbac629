/* cmd_lock.c - hsmcert lock ID: never exportable again */
#include "cli/cli.h"

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "ID", "thumbprint or key id prefix" },
	{ "--yes", "do not ask (required without a terminal)" },
	{ NULL, NULL },
};

int
cmd_lock(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r, changed = 0;

	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			return HC_E_USAGE;
		if (r == 0)
			return HC_E_USAGE;	/* cli_getopt named it */
	}
	if (g.help) {
		cli_usage(stdout, "hsmcert lock ID [--yes]", usage);
		return 0;
	}
	if (optind + 1 != argc)
		return cli_usage_error("lock", "give exactly one ID");
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && hc_lock(ctx, argv[optind], &e, &changed, &err) == 0) {
		r = render_locked(&g, &e, changed);
		if (r != 0)
			err.code = r;
	}
	hc_entry_release(&e);
	return cli_finish(&g, ctx, &err);
}
