/* cmd_remove.c - hsmcert remove ID... | --self-signed | --expired */
#include "cli/cli.h"

int
cmd_remove(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_remove_req req = { 0 };
	hc_strings removed = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("ID...",
			    "thumbprints, or key ids of pending requests or orphan keys"),
		OPT_FLAG("self-signed", &req.self_signed,
			 "every self-signed certificate"),
		OPT_FLAG("expired", &req.expired, "every expired certificate"),
		OPT_FLAG("force", &req.force,
			 "also certificates bound to a service (drops the bindings)"),
		OPT_NOTE("yes", "do not ask (required without a terminal)"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	req.ids = (const char *const *)g.args;
	req.nids = g.nargs;
	if (req.nids == 0 && !req.self_signed && !req.expired)
		return cli_refuse(&g, "give an ID, --self-signed or --expired");
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && hc_remove(ctx, &req, &removed, &err) == 0) {
		r = render_removed(&g, &removed);
		if (r != 0)
			err.code = r;
	}
	hc_strings_release(&removed);
	return cli_finish(&g, ctx, &err);
}
