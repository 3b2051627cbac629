/* cmd_new.c - hsmcert new: key pair on the token + self-signed certificate */
#include <stdlib.h>

#include "cli/cli.h"

enum {
	O_KEY = OPT_CMD_BASE,
	O_FRIENDLY, O_EXPORTABLE, O_DAYS, O_FORCE, O_SERVICES,
};

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	CLI_NAME_OPTIONS,
	{ "key", required_argument, NULL, O_KEY },
	{ "friendly-name", required_argument, NULL, O_FRIENDLY },
	{ "exportable", no_argument, NULL, O_EXPORTABLE },
	{ "days", required_argument, NULL, O_DAYS },
	{ "force", no_argument, NULL, O_FORCE },
	{ "services", required_argument, NULL, O_SERVICES },
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
	{ "--days N", "validity (default 1825 or the policy's max-days)" },
	{ "--plan FILE", "refuse names that miss or mistype a planned name" },
	{ "--force", "create despite a plan mismatch" },
	{ "--services LIST", "bind at once, as enable does (https, smtp, imap, pop, um, [service NAME])" },
	{ "--yes", "answer yes when a binding would be replaced" },
	{ "--format FMT", "list (default) or json for the new certificate" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert new --subject DN [--domain NAME[,NAME...]]... [--include-autodiscover]\n" \
	"            [--include-accepted-domains] [--key SPEC] [--friendly-name TEXT]\n" \
	"            [--exportable] [--days N] [--plan FILE [--force]] [--services LIST [--yes]]"

int
cmd_new(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_new_req req = { 0 };
	const char **domains = NULL;
	hc_entry e = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r;

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
		case O_DAYS:
			if (hc_parse_long(optarg, 1, 36500, "--days", &req.days,
					  &err) != 0) {
				free(domains);
				return cli_finish(&g, NULL, &err);
			}
			break;
		case O_FORCE:
			req.force = 1;
			break;
		case O_SERVICES:
			req.services = optarg;
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
		cli_usage_error("new", "unexpected argument '%s'", argv[optind]);
		goto usage_fail;
	}
	if (req.subject == NULL) {
		cli_usage_error("new", "--subject is required");
		goto usage_fail;
	}
	req.domains = domains;
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && hc_new(ctx, &req, &e, &err) == 0 && !g.quiet) {
		r = render_entry(&g, &e);
		if (r != 0)
			err.code = r;
	}
	hc_entry_release(&e);
	free(domains);
	return cli_finish(&g, ctx, &err);
usage_fail:
	free(domains);
	return HC_E_USAGE;
}
