/* cmd_show.c - hsmcert show ID: every field of one entry */
#include "cli/cli.h"

int
cmd_show(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("ID",
			    "thumbprint or key id, at least 6 hex digits, ':' allowed"),
		OPT_NOTE("format", "list (default), table or json"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && hc_show(ctx, g.args[0], &e, &err) == 0) {
		r = render_entry(&g, &e);
		if (r != 0)
			err.code = r;
	}
	hc_entry_release(&e);
	return cli_finish(&g, ctx, &err);
}
