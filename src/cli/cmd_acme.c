/* cmd_acme.c - hsmcert acme register | show */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"

static int
render_acme(const struct cli *g, const hc_acme_info *i, int registered)
{
	json_t *j, *c;
	size_t k;

	if (g->format == FMT_JSON) {
		c = json_array();
		for (k = 0; c != NULL && k < i->contact.n; k++)
			json_array_append_new(c,
					      render_json_str(i->contact.v[k]));
		j = json_object();
		if (j == NULL || c == NULL) {
			json_decref(j);
			json_decref(c);
			return HC_E_FAIL;
		}
		json_object_set_new(j, "Directory",
				    render_json_str(i->directory));
		json_object_set_new(j, "Account", render_json_str(i->account));
		json_object_set_new(j, "Status", render_json_str(i->status));
		json_object_set_new(j, "Contact", c);
		json_object_set_new(j, "KeyId", render_json_str(i->key_id));
		json_object_set_new(j, "KeyUri", render_json_str(i->key_uri));
		return render_json_print(j);
	}
	if (registered && !g->quiet)
		printf("%s\n", i->existed ? "The ACME account exists already."
		       : "ACME account registered.");
	printf("Directory : ");
	render_text(stdout, i->directory);
	printf("\nAccount   : ");
	render_text(stdout, i->account);
	printf("\nStatus    : ");
	render_text(stdout, i->status != NULL ? i->status : "");
	printf("\nContact   : ");
	for (k = 0; k < i->contact.n; k++) {
		if (k > 0)
			printf(", ");
		render_text(stdout, i->contact.v[k]);
	}
	printf("\nKeyId     : %s\nKeyUri    : ", i->key_id);
	render_text(stdout, i->key_uri);
	printf("\n");
	return 0;
}

int
cmd_acme(int argc, char **argv)
{
	struct cli g = { 0 };
	hc_acme_register_req req = { 0 };
	hc_acme_info info = { 0 };
	const char *sub;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	const struct cli_opt opts[] = {
		OPT_OPERAND("register",
			    "create the ACME account (key pair on the token) for [acme] directory"),
		OPT_OPERAND("show",
			    "the account: directory, URL, status, contacts, key"),
		OPT_FLAG("agree-tos", &req.agree_tos,
			 "register: agree to the CA's terms of service"),
		OPT_LIST("contact", "URI", &req.contacts, &req.ncontacts,
			 "register: a mailto: contact (repeatable; default [acme] contact)"),
		OPT_NOTE("format", "show: text (default) or json"),
		OPT_END,
	};
	int r, reg;

	if (cli_parse(&g, opts, argc, argv) != 0)
		return g.status;
	sub = g.args[0];
	reg = strcmp(sub, "register") == 0;
	if (!reg && strcmp(sub, "show") != 0)
		return cli_refuse(&g,
				  "unknown subcommand '%s': use register or show",
				  sub);
	if (!reg && (req.agree_tos || req.ncontacts > 0))
		return cli_refuse(&g,
				  "--agree-tos and --contact go with register");
	ctx = cli_ctx_new(&g, &err);
	if (ctx != NULL) {
		hc_ctx_set_command(ctx, reg ? "acme-register" : "acme-show");
		if ((reg ? hc_acme_register(ctx, &req, &info, &err) :
		     hc_acme_show(ctx, &info, &err)) == 0) {
			r = render_acme(&g, &info, reg);
			if (r != 0)
				err.code = r;
		}
	}
	hc_acme_info_release(&info);
	return cli_finish(&g, ctx, &err);
}

/* request --acme: the account first, then the request, then the order */
int
cli_request_acme(const struct cli *g, hc_ctx *ctx, const hc_new_req *req,
		 hc_err *err)
{
	hc_import_result res;
	hc_entry e = { 0 };
	hc_blob csr = { NULL, 0 };
	int r = -1;

	memset(&res, 0, sizeof(res));
	if (hc_acme_check_account(ctx, err) != 0)
		return -1;
	if (hc_request(ctx, req, &e, &csr, err) != 0)
		goto out;
	if (!g->quiet && g->format != FMT_JSON)
		printf("Pending request %s made; ordering its certificate\n",
		       e.key_id);
	if (hc_acme_complete(ctx, e.key_id, req->force, &res, err) != 0) {
		/* the request stays pending: complete ID --acme retries */
		if (err->code != HC_E_NOTFOUND && err->code != HC_E_USAGE) {
			size_t n = strlen(err->msg);

			if (n + 120 < sizeof(err->msg))
				snprintf(err->msg + n, sizeof(err->msg) - n,
					 "; request %.40s stays pending (hsmcert complete %.40s --acme retries)",
					 e.key_id, e.key_id);
		}
		goto out;
	}
	r = render_import(g, &res);
	if (r != 0)
		err->code = r;
out:
	hc_import_result_release(&res);
	hc_blob_release(&csr);
	hc_entry_release(&e);
	return r;
}
