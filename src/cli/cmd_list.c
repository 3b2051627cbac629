/* cmd_list.c - hsmcert list: one line per certificate, request, orphan key */
#include <stdlib.h>

#include "cli/cli.h"

enum {
	O_DOMAIN = OPT_CMD_BASE, O_THUMB, O_STATUS, O_SELF, O_PENDING,
	O_EXPIRING, O_CA, O_ALL_HOSTS,
};

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "domain", required_argument, NULL, O_DOMAIN },
	{ "thumbprint", required_argument, NULL, O_THUMB },
	{ "status", required_argument, NULL, O_STATUS },
	{ "self-signed", no_argument, NULL, O_SELF },
	{ "pending", no_argument, NULL, O_PENDING },
	{ "expiring", required_argument, NULL, O_EXPIRING },
	{ "ca", no_argument, NULL, O_CA },
	{ "all-hosts", no_argument, NULL, O_ALL_HOSTS },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "--domain NAME", "certificates whose names cover NAME (wildcards too)" },
	{ "--thumbprint PREFIX", "thumbprints (or key ids) starting with PREFIX" },
	{ "--status STATUS", "Valid, Expired, NotYetValid, PendingRequest, Untrusted, Invalid, OrphanKey" },
	{ "--self-signed", "self-signed certificates only" },
	{ "--pending", "pending requests only" },
	{ "--expiring DAYS", "expiring within DAYS days (expired included)" },
	{ "--ca", "the stored CA certificates instead" },
	{ "--all-hosts", "add every host's bindings (host: flags) from the summaries on the token" },
	{ "--format FMT", "table (default), list or json" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert list [--domain NAME] [--thumbprint PREFIX] [--status STATUS]\n" \
	"            [--self-signed] [--pending] [--expiring DAYS] [--ca] [--all-hosts]\n" \
	"            [--format table|list|json]"

int
cmd_list(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_list_filter f = { 0 };
	hc_entry_list l = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	long days;
	int c, r;

	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			return HC_E_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case O_DOMAIN:
			f.domain = optarg;
			break;
		case O_THUMB:
			f.thumbprint = optarg;
			break;
		case O_STATUS:
			f.status = optarg;
			break;
		case O_SELF:
			f.self_signed = 1;
			break;
		case O_PENDING:
			f.pending = 1;
			break;
		case O_EXPIRING:
			if (hc_parse_long(optarg, 0, 36500, "--expiring",
					      &days, &err) != 0)
				return cli_finish(&g, NULL, &err);
			f.expiring = (int)days;
			f.has_expiring = 1;
			break;
		case O_CA:
			f.ca = 1;
			break;
		case O_ALL_HOSTS:
			f.all_hosts = 1;
			break;
		default:
			return HC_E_USAGE;	/* cli_getopt named it */
		}
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		return 0;
	}
	if (optind < argc)
		return cli_usage_error("list", "unexpected argument '%s'",
				       argv[optind]);
	ctx = cli_ctx_new(&g, argv[0], &err);
	if (ctx != NULL && hc_list(ctx, &f, &l, &err) == 0) {
		r = render_entries(&g, &l);
		if (r != 0)
			err.code = r;
	}
	hc_entry_list_release(&l);
	return cli_finish(&g, ctx, &err);
}
