/* cmd_new.c - hsmcert new: key pair on the token + self-signed certificate */
#include "cli/cli.h"

int
cmd_new(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_new_req req = { 0 };
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		CLI_NAME_OPTIONS(&req, CLI_REQUIRED),
		CLI_KEY_OPTIONS(&req),
		OPT_NUMBER("days", "N", &req.days, NULL, 1, 36500,
			   "validity (default 1825 or the policy's max-days)"),
		OPT_FLAG("force", &req.force, "create despite a plan mismatch"),
		OPT_STRING("services", "LIST", &req.services,
			   "bind at once, as enable does (https, smtp, imap, pop, um, [service NAME])"),
		OPT_NOTE("yes", "answer yes when a binding would be replaced"),
		OPT_NOTE("format",
			 "list (default) or json for the new certificate"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && hc_new(ctx, &req, &e, &err) == 0 && !g.quiet) {
		r = render_entry(&g, &e);
		if (r != 0)
			err.code = r;
	}
	hc_entry_release(&e);
	return cli_finish(&g, ctx, &err);
}
