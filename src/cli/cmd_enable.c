/* cmd_enable.c - hsmcert enable / disable ID --services LIST */
#include "cli/cli.h"

enum { O_SERVICES = OPT_CMD_BASE };

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "services", required_argument, NULL, O_SERVICES },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "ID", "thumbprint prefix of the certificate" },
	{ "--services LIST", "https (iis), smtp, imap, pop, um, or a [service NAME]" },
	{ "--yes", "answer yes when a binding would be replaced" },
	{ NULL, NULL },
};

static int
bind_cmd(int argc, char **argv, int enable)
{
	const char *name = enable ? "enable" : "disable";
	struct cli g = { 0 };
	hc_strings changed = { NULL, 0 };
	const char *services = NULL;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r;

	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			return HC_E_USAGE;
		if (r > 0)
			continue;
		if (c != O_SERVICES)
			return HC_E_USAGE;	/* cli_getopt named it */
		services = optarg;
	}
	if (g.help) {
		cli_usage(stdout, enable ?
			  "hsmcert enable ID --services LIST [--yes]" :
			  "hsmcert disable ID --services LIST", usage);
		return 0;
	}
	if (optind + 1 != argc)
		return cli_usage_error(name, "give exactly one ID");
	if (services == NULL)
		return cli_usage_error(name, "--services LIST is required");
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL &&
	    (enable ? hc_enable(ctx, argv[optind], services, &changed, &err) :
	     hc_disable(ctx, argv[optind], services, &changed, &err)) == 0) {
		r = render_bound(&g, argv[optind], &changed, enable);
		if (r != 0)
			err.code = r;
	}
	hc_strings_release(&changed);
	return cli_finish(&g, ctx, &err);
}

int
cmd_enable(int argc, char **argv)
{
	return bind_cmd(argc, argv, 1);
}

int
cmd_disable(int argc, char **argv)
{
	return bind_cmd(argc, argv, 0);
}
