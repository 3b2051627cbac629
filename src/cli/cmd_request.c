/* cmd_request.c - hsmcert request: key pair on the token + PKCS#10 request */
#include <stdlib.h>

#include "cli/cli.h"

enum {
	O_KEY = OPT_CMD_BASE,
	O_FRIENDLY, O_EXPORTABLE, O_FORCE, O_OUT, O_DER, O_ACME,
};

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	CLI_NAME_OPTIONS,
	{ "key", required_argument, NULL, O_KEY },
	{ "friendly-name", required_argument, NULL, O_FRIENDLY },
	{ "exportable", no_argument, NULL, O_EXPORTABLE },
	{ "out", required_argument, NULL, O_OUT },
	{ "der", no_argument, NULL, O_DER },
	{ "force", no_argument, NULL, O_FORCE },
	{ "acme", no_argument, NULL, O_ACME },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "--subject DN", "X.500 DN, e.g. \"C=US, S=Ontario, O=Tailspintoys, CN=mail.tailspintoys.ca\"" },
	{ "--domain NAME[,NAME...]", "subject alternative names (repeatable)" },
	{ "--include-autodiscover", "add autodiscover.D for each name's domain D" },
	{ "--include-accepted-domains", "add [names] accepted-domains" },
	{ "--key SPEC", "rsa:2048 (default), rsa:3072, rsa:4096, ec:p256, ec:p384" },
	{ "--friendly-name TEXT", "token label, <= 64 characters (default: the CN)" },
	{ "--exportable", "the private key may be exported later (default: never)" },
	{ "--plan FILE", "refuse names that miss or mistype a planned name" },
	{ "--force", "create despite a plan mismatch; overwrite --out" },
	{ "--out FILE", "write the request to FILE (default: stdout)" },
	{ "--der", "DER instead of PEM" },
	{ "--acme", "order the certificate from [acme] directory and complete it" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert request --subject DN [--domain NAME[,NAME...]]... [--include-autodiscover]\n" \
	"            [--include-accepted-domains] [--key SPEC] [--friendly-name TEXT]\n" \
	"            [--exportable] [--out FILE] [--der] [--plan FILE [--force]] [--acme]"

int
cmd_request(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_new_req req = { 0 };
	const char **domains = NULL;
	hc_entry e = { 0 };
	hc_blob csr = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r, acme = 0;

	domains = calloc((size_t)argc + 1, sizeof(*domains));
	if (domains == NULL)
		return HC_E_FAIL;
	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r == 0)
			r = cli_name_option(&req, domains, c, optarg);
		if (r < 0)
			goto usage_fail;
		if (r > 0)
			continue;
		switch (c) {
		case O_KEY:
			req.key = optarg;
			break;
		case O_FRIENDLY:
			req.friendly_name = optarg;
			break;
		case O_EXPORTABLE:
			req.exportable = 1;
			break;
		case O_OUT:
			req.out = optarg;
			break;
		case O_DER:
			req.der = 1;
			break;
		case O_FORCE:
			req.force = 1;
			break;
		case O_ACME:
			acme = 1;
			break;
		default:
			/* cli_getopt named it */
			goto usage_fail;
		}
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		free(domains);
		return 0;
	}
	if (optind < argc) {
		cli_usage_error("request", "unexpected argument '%s'", argv[optind]);
		goto usage_fail;
	}
	if (req.subject == NULL) {
		cli_usage_error("request", "--subject is required");
		goto usage_fail;
	}
	req.domains = domains;
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && acme) {
		(void)cli_request_acme(&g, ctx, &req, &err);
		hc_entry_release(&e);
		free(domains);
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
	free(domains);
	return cli_finish(&g, ctx, &err);
usage_fail:
	free(domains);
	return HC_E_USAGE;
}
