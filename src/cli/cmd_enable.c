/* cmd_enable.c - hsmcert enable / disable ID --services LIST */
#include "cli/cli.h"

static int
bind_cmd(int argc, char **argv, int enable)
{
	struct cli g = { 0 };
	hc_strings changed = { NULL, 0 };
	const char *services = NULL;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("ID", "thumbprint prefix of the certificate"),
		OPT_STRING_F("services", "LIST", &services, CLI_REQUIRED,
			     "https (iis), smtp, imap, pop, um, or a [service NAME]"),
		OPT_NOTE("yes", "answer yes when a binding would be replaced"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL &&
	    (enable ? hc_enable(ctx, g.args[0], services, &changed, &err) :
	     hc_disable(ctx, g.args[0], services, &changed, &err)) == 0) {
		r = render_bound(&g, g.args[0], &changed, enable);
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
