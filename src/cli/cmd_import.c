/* cmd_import.c - hsmcert import FILE / complete FILE */
#include <string.h>

#include "cli/cli.h"

enum { O_PASSWORD = OPT_CMD_BASE, O_EXPORTABLE, O_FRIENDLY, O_FORCE, O_ACME };

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "password-source", required_argument, NULL, O_PASSWORD },
	{ "exportable", no_argument, NULL, O_EXPORTABLE },
	{ "friendly-name", required_argument, NULL, O_FRIENDLY },
	{ "force", no_argument, NULL, O_FORCE },
	{ "acme", no_argument, NULL, O_ACME },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "FILE", "PEM or DER certificate, PEM bundle, PKCS#7 (.p7b), PKCS#12 (.pfx)" },
	{ "--password-source SRC", "PFX password: env:VAR, file:PATH, fd:N or prompt" },
	{ "--exportable", "PFX: the imported key may be exported again" },
	{ "--friendly-name TEXT", "PFX: the label on the token" },
	{ "--force", "accept a CA answer that lacks names the request asked for (a warning)" },
	{ "--acme", "complete: ID is a pending request; order its certificate from [acme]" },
	{ NULL, NULL },
};

static int
import_or_complete(int argc, char **argv, int complete)
{
	const char *name = complete ? "complete" : "import";
	struct cli g = { 0 };
	hc_import_req req = { 0 };
	hc_import_result res;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r, acme = 0;

	memset(&res, 0, sizeof(res));
	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			return HC_E_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case O_PASSWORD:
			req.password_source = optarg;
			break;
		case O_EXPORTABLE:
			req.exportable = 1;
			break;
		case O_FRIENDLY:
			req.friendly_name = optarg;
			break;
		case O_FORCE:
			req.force = 1;
			break;
		case O_ACME:
			acme = complete;
			if (!complete)
				return cli_usage_error(name, "--acme goes with complete ID");
			break;
		default:
			return HC_E_USAGE;	/* cli_getopt named it */
		}
	}
	if (g.help) {
		cli_usage(stdout, complete ?
			  "hsmcert complete FILE [--force] | complete ID --acme [--force]" :
			  "hsmcert import FILE [--password-source SRC] [--exportable] [--friendly-name TEXT] [--force]",
			  usage);
		return 0;
	}
	if (optind + 1 != argc)
		return cli_usage_error(name, "give exactly one FILE");
	req.path = argv[optind];
	req.complete_only = complete;
	ctx = cli_ctx_new(&g, argv[0], &err);
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
