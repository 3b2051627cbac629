/* cmd_acme.c - hsmcert acme register | show */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"

enum { O_AGREE = OPT_CMD_BASE, O_CONTACT };

static const struct option longopts[] = {
	CLI_GLOBAL_OPTIONS,
	{ "agree-tos", no_argument, NULL, O_AGREE },
	{ "contact", required_argument, NULL, O_CONTACT },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_usage usage[] = {
	{ "register", "create the ACME account (key pair on the token) for [acme] directory" },
	{ "show", "the account: directory, URL, status, contacts, key" },
	{ "--agree-tos", "register: agree to the CA's terms of service" },
	{ "--contact URI", "register: a mailto: contact (repeatable; default [acme] contact)" },
	{ NULL, NULL },
};

#define SYNOPSIS "hsmcert acme register [--agree-tos] [--contact URI]...\n" \
	"       hsmcert acme show [--format json]"

static int
render_acme(const struct cli *g, const hc_acme_info *i, int registered)
{
	json_t *j, *c;
	size_t k;

	if (g->format == FMT_JSON) {
		c = json_array();
		for (k = 0; c != NULL && k < i->contact.n; k++)
			json_array_append_new(c, render_json_str(i->contact.v[k]));
		j = json_object();
		if (j == NULL || c == NULL) {
			json_decref(j);
			json_decref(c);
			return HC_E_FAIL;
		}
		json_object_set_new(j, "Directory", render_json_str(i->directory));
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
	const char **contacts = NULL;
	const char *sub;
	hc_err err = { 0 };
	hc_ctx *ctx = NULL;
	int c, r, reg;

	contacts = calloc((size_t)argc + 1, sizeof(*contacts));
	if (contacts == NULL)
		return HC_E_FAIL;
	while ((c = cli_getopt(argc, argv, longopts)) != -1) {
		r = cli_global(&g, c, optarg);
		if (r < 0)
			goto usage_fail;
		if (r > 0)
			continue;
		switch (c) {
		case O_AGREE:
			req.agree_tos = 1;
			break;
		case O_CONTACT:
			contacts[req.ncontacts++] = optarg;
			break;
		default:
			goto usage_fail;
		}
	}
	if (g.help) {
		cli_usage(stdout, SYNOPSIS, usage);
		free(contacts);
		return 0;
	}
	if (optind + 1 != argc) {
		cli_usage_error("acme", "give one of: register, show");
		goto usage_fail;
	}
	sub = argv[optind];
	reg = strcmp(sub, "register") == 0;
	if (!reg && strcmp(sub, "show") != 0) {
		cli_usage_error("acme", "unknown subcommand '%s': use register or show", sub);
		goto usage_fail;
	}
	if (!reg && (req.agree_tos || req.ncontacts > 0)) {
		cli_usage_error("acme", "--agree-tos and --contact go with register");
		goto usage_fail;
	}
	req.contacts = contacts;
	ctx = cli_ctx_new(&g, reg ? "acme-register" : "acme-show", &err);
	if (ctx != NULL && (reg ? hc_acme_register(ctx, &req, &info, &err) :
			    hc_acme_show(ctx, &info, &err)) == 0) {
		r = render_acme(&g, &info, reg);
		if (r != 0)
			err.code = r;
	}
	hc_acme_info_release(&info);
	free(contacts);
	return cli_finish(&g, ctx, &err);
usage_fail:
	free(contacts);
	return HC_E_USAGE;
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
