/* cmd_request.c - hsmcert request: key pair on the token + PKCS#10 request */
#include "cli/cli.h"

int
cmd_request(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_new_req req = { 0 };
	hc_entry e = { 0 };
	hc_blob csr = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int acme = 0;
	const struct cli_opt opts[] = {
		CLI_NAME_OPTIONS(&req, CLI_REQUIRED),
		CLI_KEY_OPTIONS(&req),
		OPT_FLAG("force", &req.force,
			 "create despite a plan mismatch; overwrite --out"),
		OPT_STRING("out", "FILE", &req.out,
			   "write the request to FILE (default: stdout)"),
		OPT_FLAG("der", &req.der, "DER instead of PEM"),
		OPT_FLAG("acme", &acme,
			 "order the certificate from [acme] directory and complete it"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && acme) {
		(void)cli_request_acme(&g, ctx, &req, &err);
		return cli_finish(&g, ctx, &err);
	}
	if (ctx != NULL && hc_request(ctx, &req, &e, &csr, &err) == 0) {
		r = csr.data != NULL ? render_blob(&csr) :
		    render_request_written(&g, &e, req.out);
		if (r != 0)
			err.code = r;
	}
	hc_blob_release(&csr);
	hc_entry_release(&e);
	return cli_finish(&g, ctx, &err);
}
