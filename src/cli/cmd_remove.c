/* cmd_remove.c - hsmcert remove ID... | --self-signed | --expired */
#include <stdlib.h>

#include "cli/cli.h"

enum { O_SELF = OPT_CMD_BASE, O_EXPIRED, O_FORCE };

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "self-signed", no_argument, NULL, O_SELF },
	{ "expired", no_argument, NULL, O_EXPIRED },
	{ "force", no_argument, NULL, O_FORCE },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "ID...", "thumbprints, or key ids of pending requests or orphan keys" },
	{ "--self-signed", "every self-signed certificate" },
	{ "--expired", "every expired certificate" },
	{ "--force", "also certificates bound to a service (drops the bindings)" },
	{ "--yes", "do not ask (required without a terminal)" },
	{ NULL, NULL },
};

int
cmd_remove(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_remove_req req = { 0 };
	hc_strings removed = { NULL, 0 };
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
		case O_SELF:
			req.self_signed = 1;
			break;
		case O_EXPIRED:
			req.expired = 1;
			break;
		case O_FORCE:
			req.force = 1;
			break;
		default:
			return HC_E_USAGE;	/* cli_getopt named it */
		}
	}
	if (g.help) {
		cli_usage(stdout, "hsmcert remove ID... | --self-signed | --expired [--yes] [--force]",
			  usage);
		return 0;
	}
	req.ids = (const char *const *)&argv[optind];
	req.nids = (size_t)(argc - optind);
	if (req.nids == 0 && !req.self_signed && !req.expired)
		return cli_usage_error("remove", "give an ID, --self-signed or --expired");
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && hc_remove(ctx, &req, &removed, &err) == 0) {
		r = render_removed(&g, &removed);
		if (r != 0)
			err.code = r;
	}
	hc_strings_release(&removed);
	return cli_finish(&g, ctx, &err);
}
