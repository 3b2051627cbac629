/* cmd_export.c - hsmcert export ID: PFX, chain, or pending request */
#include "cli/cli.h"

enum {
	O_OUT = OPT_CMD_BASE, O_PASSWORD, O_DER, O_PEM, O_LEGACY, O_CERT_ONLY,
	O_FORCE,
};

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "out", required_argument, NULL, O_OUT },
	{ "password-source", required_argument, NULL, O_PASSWORD },
	{ "der", no_argument, NULL, O_DER },
	{ "pem", no_argument, NULL, O_PEM },
	{ "legacy", no_argument, NULL, O_LEGACY },
	{ "cert-only", no_argument, NULL, O_CERT_ONLY },
	{ "force", no_argument, NULL, O_FORCE },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "ID", "thumbprint, or key id of a pending request" },
	{ "--out FILE", "where to write (required for a PFX)" },
	{ "--password-source SRC", "PFX password: env:VAR, file:PATH, fd:N or prompt" },
	{ "--legacy", "PFX with 3DES and SHA-1 for Windows Server 2016 and older" },
	{ "--cert-only", "the certificate chain, leaf first, without the key" },
	{ "--der", "DER (the leaf alone with --cert-only, or the request)" },
	{ "--pem", "PEM (the default for chains and requests)" },
	{ "--force", "overwrite FILE" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert export ID --out FILE [--password-source SRC] [--legacy]\n" \
	"       hsmcert export ID --cert-only [--out FILE] [--der|--pem]\n" \
	"       hsmcert export REQUEST-ID [--out FILE] [--der]"

int
cmd_export(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_export_req req = { 0 };
	hc_blob data = { NULL, 0 };
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
		case O_OUT:
			req.out = optarg;
			break;
		case O_PASSWORD:
			req.password_source = optarg;
			break;
		case O_DER:
			req.der = 1;
			break;
		case O_PEM:
			req.der = 0;
			break;
		case O_LEGACY:
			req.legacy = 1;
			break;
		case O_CERT_ONLY:
			req.cert_only = 1;
			break;
		case O_FORCE:
			req.force = 1;
			break;
		default:
			return HC_E_USAGE;	/* cli_getopt named it */
		}
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		return 0;
	}
	if (optind + 1 != argc)
		return cli_usage_error("export", "give exactly one ID");
	req.id = argv[optind];
	ctx = cli_ctx_new(&g, argv[0], &err);
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
