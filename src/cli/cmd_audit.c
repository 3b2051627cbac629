/* cmd_audit.c - hsmcert audit show | verify | reset */
#include <string.h>

#include "cli/cli.h"

enum { O_SINCE = OPT_CMD_BASE };

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "since", required_argument, NULL, O_SINCE },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "show", "print the log (the chain is checked on the way)" },
	{ "verify", "check every line's hash, the chain and the head on the token" },
	{ "reset", "start a truncated, replaced or deleted log again after the head (PIN; asks unless --yes)" },
	{ "--since DATE", "show: from YYYY-MM-DD or an RFC 3339 time" },
	{ "--format FMT", "table (default) or json" },
	{ NULL, NULL },
};

int
cmd_audit(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_audit_records recs = { NULL, 0 };
	hc_audit_status st;
	const char *since = NULL, *sub;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r;

	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			return HC_E_USAGE;
		if (r > 0)
			continue;
		if (c != O_SINCE)
			return HC_E_USAGE;	/* cli_getopt named it */
		since = optarg;
	}
	if (g.help) {
		cli_usage(stdout, "hsmcert audit show [--since DATE] [--format json]\n"
			  "       hsmcert audit verify\n"
			  "       hsmcert audit reset [--yes]", usage);
		return 0;
	}
	if (optind + 1 != argc)
		return cli_usage_error("audit", "give show, verify or reset");
	sub = argv[optind];
	if (strcmp(sub, "show") != 0 && strcmp(sub, "verify") != 0 &&
	    strcmp(sub, "reset") != 0)
		return cli_usage_error("audit", "unknown audit command '%s' (show, verify, reset)",
				       sub);
	if (strcmp(sub, "show") != 0 && since != NULL)
		return cli_usage_error("audit", "--since is for audit show");
	ctx = cli_ctx_new(&g, "audit", &err);
	if (ctx == NULL)
		return cli_finish(&g, ctx, &err);
	if (strcmp(sub, "show") == 0) {
		hc_audit_show(ctx, since, &recs, &err);
		r = render_audit(&g, &recs);
	} else if (strcmp(sub, "reset") == 0) {
		/* what audit verify now says of the new log */
		r = hc_audit_reset(ctx, &st, &err) == 0 ||
		    (err.code == HC_E_VERIFY && st.path[0] != '\0') ?
		    render_audit_status(&g, &st) : 0;
	} else {
		if (hc_audit_verify_log(ctx, &st, &err) == 0 ||
		    err.code == HC_E_VERIFY)
			r = render_audit_status(&g, &st);
		else
			r = 0;
	}
	if (r != 0 && err.code == HC_OK)
		err.code = r;
	hc_audit_records_release(&recs);
	return cli_finish(&g, ctx, &err);
}
