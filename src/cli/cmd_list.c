/* cmd_list.c - hsmcert list: one line per certificate, request, orphan key */
#include "cli/cli.h"
#include "core/range.h"

int
cmd_list(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_list_filter f = { 0 };
	hc_entry_list l = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	long days = 0;
	const struct cli_opt opts[] = {
		OPT_STRING("domain", "NAME", &f.domain,
			   "certificates whose names cover NAME (wildcards too)"),
		OPT_STRING("thumbprint", "PREFIX", &f.thumbprint,
			   "thumbprints (or key ids) starting with PREFIX"),
		OPT_STRING("status", "STATUS", &f.status,
			   "Valid, Expired, NotYetValid, PendingRequest, Untrusted, Invalid, OrphanKey"),
		OPT_FLAG("self-signed", &f.self_signed,
			 "self-signed certificates only"),
		OPT_FLAG("pending", &f.pending, "pending requests only"),
		OPT_NUMBER("expiring", "DAYS", &days, &f.has_expiring, 0, 36500,
			   "expiring within DAYS days (expired included)"),
		OPT_FLAG("ca", &f.ca, "the stored CA certificates instead"),
		OPT_FLAG("all-hosts", &f.all_hosts,
			 "add every host's bindings (host: flags) from the summaries on the token"),
		OPT_NOTE("format", "table (default), list or json"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	f.expiring = hc_range_clamp_int_long(days);
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL && hc_list(ctx, &f, &l, &err) == 0) {
		r = render_entries(&g, &l);
		if (r != 0)
			err.code = r;
	}
	hc_entry_list_release(&l);
	return cli_finish(&g, ctx, &err);
}
