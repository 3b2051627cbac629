/* cmd_names.c - hsmcert names: print and lint the SAN list of a request */
#include <stdlib.h>

#include "cli/cli.h"

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	CLI_NAME_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "--subject DN", "the subject; its CN is a name too" },
	{ "--domain NAME[,NAME...]", "names (repeatable)" },
	{ "--include-autodiscover", "add autodiscover.D for each name's domain D" },
	{ "--include-accepted-domains", "add [names] accepted-domains" },
	{ "--plan FILE", "check against a namespace plan (exit 5 on a problem)" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert names [--subject DN] [--domain NAME[,NAME...]]... [--include-autodiscover]\n" \
	"            [--include-accepted-domains] [--plan FILE]"

int
cmd_names(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_new_req req = { 0 };
	hc_strings names = { NULL, 0 };
	const char **domains;
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
		/* cli_getopt named it */
		goto usage_fail;
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		free(domains);
		return 0;
	}
	if (optind < argc) {
		cli_usage_error("names", "unexpected argument '%s'",
				argv[optind]);
		goto usage_fail;
	}
	req.domains = domains;
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL) {
		hc_names(ctx, &req, &names, &err);
		r = render_strings(&g, &names);
		if (r != 0 && err.code == HC_OK)
			err.code = r;
	}
	hc_strings_release(&names);
	free(domains);
	return cli_finish(&g, ctx, &err);
usage_fail:
	free(domains);
	return HC_E_USAGE;
}
