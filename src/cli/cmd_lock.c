/* cmd_lock.c - hsmcert lock ID: never exportable again */
#include "cli/cli.h"

int
cmd_lock(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("ID", "thumbprint or key id prefix"),
		OPT_NOTE("yes", "do not ask (required without a terminal)"),
		OPT_END,
	};
	int r, changed = 0;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && hc_lock(ctx, g.args[0], &e, &changed, &err) == 0) {
		r = render_locked(&g, &e, changed);
		if (r != 0)
			err.code = r;
	}
	hc_entry_release(&e);
	return cli_finish(&g, ctx, &err);
}
