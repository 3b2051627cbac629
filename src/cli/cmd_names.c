/* cmd_names.c - hsmcert names: print and lint the SAN list of a request */
#include "cli/cli.h"

int
cmd_names(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_new_req req = { 0 };
	hc_strings names = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		CLI_NAME_OPTIONS(&req, 0),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL) {
		hc_names(ctx, &req, &names, &err);
		r = render_strings(&g, &names);
		if (r != 0 && err.code == HC_OK)
			err.code = r;
	}
	hc_strings_release(&names);
	return cli_finish(&g, ctx, &err);
}
