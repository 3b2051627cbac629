/* cmd_renew.c - hsmcert renew ID: new key, same properties */
#include <stdlib.h>

#include "cli/cli.h"

enum {
	O_REQUEST = OPT_CMD_BASE, O_DAYS, O_KEY, O_OUT, O_DER, O_FORCE,
	O_ADD, O_DROP, O_KEEP,
};

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "request", no_argument, NULL, O_REQUEST },
	{ "days", required_argument, NULL, O_DAYS },
	{ "key", required_argument, NULL, O_KEY },
	{ "out", required_argument, NULL, O_OUT },
	{ "der", no_argument, NULL, O_DER },
	{ "force", no_argument, NULL, O_FORCE },
	{ "add-domain", required_argument, NULL, O_ADD },
	{ "drop-domain", required_argument, NULL, O_DROP },
	{ "keep-bindings", no_argument, NULL, O_KEEP },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "ID", "thumbprint prefix of the certificate to renew" },
	{ "--request", "make a pending request even for a self-signed certificate" },
	{ "--days N", "validity of a self-signed renewal (default: the policy's)" },
	{ "--key SPEC", "another key type or size (default: the old one's)" },
	{ "--add-domain NAME", "add a name (repeatable)" },
	{ "--drop-domain NAME", "drop a name (repeatable)" },
	{ "--out FILE", "write a request to FILE (default: stdout)" },
	{ "--der", "a request in DER instead of PEM" },
	{ "--force", "overwrite --out" },
	{ "--keep-bindings", "leave the service bindings on the old certificate" },
	{ "--yes", "move the bindings without asking" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert renew ID [--request] [--days N] [--key SPEC] [--add-domain NAME]...\n" \
	"            [--drop-domain NAME]... [--out FILE [--force]] [--der] [--keep-bindings] [--yes]"

int
cmd_renew(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_renew_req req = { 0 };
	hc_entry e = { 0 };
	hc_blob csr = { NULL, 0 };
	const char **add = NULL, **drop = NULL;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r, rc = HC_E_USAGE;

	add = calloc((size_t)argc + 1, sizeof(*add));
	drop = calloc((size_t)argc + 1, sizeof(*drop));
	if (add == NULL || drop == NULL)
		goto done;
	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			goto done;
		if (r > 0)
			continue;
		switch (c) {
		case O_REQUEST:
			req.request = 1;
			break;
		case O_DAYS:
			if (hc_parse_long(optarg, 1, 36500, "--days", &req.days,
					  &err) != 0) {
				rc = cli_finish(&g, NULL, &err);
				goto done;
			}
			break;
		case O_KEY:
			req.key = optarg;
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
		case O_ADD:
			add[req.nadd++] = optarg;
			break;
		case O_DROP:
			drop[req.ndrop++] = optarg;
			break;
		case O_KEEP:
			req.keep_bindings = 1;
			break;
		default:
			/* cli_getopt named it */
			goto done;
		}
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		rc = 0;
		goto done;
	}
	if (optind + 1 != argc) {
		cli_usage_error("renew", "give exactly one ID");
		goto done;
	}
	req.id = argv[optind];
	req.add = add;
	req.drop = drop;
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && hc_renew(ctx, &req, &e, &csr, &err) == 0) {
		if (csr.data != NULL)
			r = render_blob(&csr);
		else if (e.kind == HC_KIND_REQUEST)
			r = render_request_written(&g, &e, req.out);
		else
			r = g.quiet ? 0 : render_entry(&g, &e);
		if (r != 0)
			err.code = r;
	}
	hc_blob_release(&csr);
	hc_entry_release(&e);
	rc = cli_finish(&g, ctx, &err);
done:
	free(add);
	free(drop);
	return rc;
}
