/* cmd_export.c - hsmcert export ID: PFX, chain, or pending request */
#include "cli/cli.h"

int
cmd_export(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_export_req req = { 0 };
	hc_blob data = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("ID", "thumbprint, or key id of a pending request"),
		OPT_STRING("out", "FILE", &req.out,
			   "where to write (required for a PFX)"),
		OPT_STRING("password-source", "SRC", &req.password_source,
			   "PFX password: env:VAR, file:PATH, fd:N or prompt"),
		OPT_FLAG("legacy", &req.legacy,
			 "PFX with 3DES and SHA-1 for Windows Server 2016 and older"),
		OPT_FLAG("cert-only", &req.cert_only,
			 "the certificate chain, leaf first, without the key"),
		OPT_SET("der", &req.der, 1,
			"DER (the leaf alone with --cert-only, or the request)"),
		OPT_SET("pem", &req.der, 0,
			"PEM (the default for chains and requests)"),
		OPT_FLAG("force", &req.force, "overwrite FILE"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	req.id = g.args[0];
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && hc_export(ctx, &req, &data, &err) == 0) {
		if (data.data != NULL)
			r = render_blob(&data);
		else
			r = render_written(&g, req.out);
		if (r != 0)
			err.code = r;
	}
	hc_blob_release(&data);
	return cli_finish(&g, ctx, &err);
}
