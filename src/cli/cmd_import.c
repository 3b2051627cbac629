/* cmd_import.c - hsmcert import FILE / complete FILE */
#include <string.h>

#include "cli/cli.h"

static int
import_or_complete(int argc, char **argv, int complete)
{
	struct cli g = { 0 };
	hc_import_req req = { 0 };
	hc_import_result res;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int acme = 0;
	const struct cli_opt opts[] = {
		OPT_OPERAND("FILE",
			    "PEM or DER certificate, PEM bundle, PKCS#7 (.p7b), PKCS#12 (.pfx)"),
		OPT_STRING("password-source", "SRC", &req.password_source,
			   "PFX password: env:VAR, file:PATH, fd:N or prompt"),
		OPT_FLAG("exportable", &req.exportable,
			 "PFX: the imported key may be exported again"),
		OPT_STRING("friendly-name", "TEXT", &req.friendly_name,
			   "PFX: the label on the token"),
		OPT_FLAG("force", &req.force,
			 "accept a CA answer that lacks names the request asked for (a warning)"),
		OPT_FLAG("acme", &acme,
			 "complete: FILE is the ID of a pending request; order its certificate from [acme]"),
		OPT_END,
	};
	int r;

	memset(&res, 0, sizeof(res));
	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	req.path = g.args[0];
	req.complete_only = complete;
	if (acme && !complete)
		return cli_refuse(&g, "--acme goes with complete ID");
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && (acme ?
	    hc_acme_complete(ctx, req.path, req.force, &res, &err) :
	    hc_import(ctx, &req, &res, &err)) == 0) {
		r = render_import(&g, &res);
		if (r != 0)
			err.code = r;
	}
	hc_import_result_release(&res);
	return cli_finish(&g, ctx, &err);
}

int
cmd_import(int argc, char **argv)
{
	return import_or_complete(argc, argv, 0);
}

int
cmd_complete(int argc, char **argv)
{
	return import_or_complete(argc, argv, 1);
}
