/* cmd_renew.c - hsmcert renew ID: new key, same properties; renew --due */
#include "cli/cli.h"

/* renew --due takes no ID and none of the single renewal's options */
static int
renew_due(struct cli *g, const hc_renew_req *req, int dry_run)
{
	hc_due_result due = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx;
	int r;

	if (g->nargs != 0)
		return cli_usage_error(g->cmd,
				       "--due renews what is due: give no ID");
	if (req->request || req->days || req->key || req->nadd || req->ndrop ||
	    req->out || req->der || req->force || req->keep_bindings)
		return cli_usage_error(g->cmd,
				       "--due takes only --dry-run and the global options");
	ctx = cli_ctx_new(g, &err);
	if (ctx != NULL) {
		r = hc_renew_due(ctx, dry_run, &due, &err);
		if (due.v != NULL) {
			int rr = render_due(g, &due);

			if (r == 0 && rr != 0)
				err.code = rr;
		}
	}
	hc_due_result_release(&due);
	return cli_finish(g, ctx, &err);
}

int
cmd_renew(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_renew_req req = { 0 };
	hc_entry e = { 0 };
	hc_blob csr = { NULL, 0 };
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int want_due = 0, dry_run = 0;
	const struct cli_opt opts[] = {
		OPT_OPERAND("[ID]",
			    "thumbprint prefix of the certificate to renew"),
		OPT_FLAG("due", &want_due,
			 "renew every certificate in its renewal window (the unattended job; no ID)"),
		OPT_FLAG("dry-run", &dry_run,
			 "with --due: say what would be renewed, change nothing"),
		OPT_FLAG("request", &req.request,
			 "make a pending request even for a self-signed certificate"),
		OPT_NUMBER("days", "N", &req.days, NULL, 1, 36500,
			   "validity of a self-signed renewal (default: the policy's)"),
		OPT_STRING("key", "SPEC", &req.key,
			   "another key type or size (default: the old one's)"),
		OPT_LIST("add-domain", "NAME", &req.add, &req.nadd,
			 "add a name (repeatable)"),
		OPT_LIST("drop-domain", "NAME", &req.drop, &req.ndrop,
			 "drop a name (repeatable)"),
		OPT_STRING("out", "FILE", &req.out,
			   "write a request to FILE (default: stdout)"),
		OPT_FLAG("der", &req.der, "a request in DER instead of PEM"),
		OPT_FLAG("force", &req.force, "overwrite --out"),
		OPT_FLAG("keep-bindings", &req.keep_bindings,
			 "leave the service bindings on the old certificate"),
		OPT_NOTE("yes", "move the bindings without asking"),
		OPT_END,
	};
	int r;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	if (want_due)
		return renew_due(&g, &req, dry_run);
	if (dry_run)
		return cli_usage_error(g.cmd, "--dry-run goes with --due");
	if (g.nargs != 1)
		return cli_usage_error(g.cmd, "give ID, or --due");
	req.id = g.args[0];
	ctx = cli_ctx_new(&g, &err);
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
	return cli_finish(&g, ctx, &err);
}
