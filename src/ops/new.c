/* new.c - a key pair on the token and a self-signed certificate for it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "core/error.h"
#include "core/x509.h"
#include "ops/new.h"
#include "ops/ops.h"

int
hc_prepare_new(hc_ctx *ctx, const hc_new_req *req, int request,
	       struct hc_subject_plan *sp, struct hc_create *c, hc_err *err)
{
	struct hc_names_input in;
	long days;

	memset(c, 0, sizeof(*c));
	if (req->subject == NULL || *req->subject == '\0')
		return hc_err_set(err, HC_E_USAGE, "--subject is required");
	if (hc_key_choice(ctx, req->key, &c->key, err) != 0)
		return -1;
	if (!request) {
		days = req->days ? req->days :
		       hc_policy_default_days(&ctx->cfg.policy);
		if (hc_policy_check_days(&ctx->cfg.policy, days, err) != 0)
			return -1;
		c->days = days;
	}
	memset(&in, 0, sizeof(in));
	in.subject = req->subject;
	in.domains = req->domains;
	in.ndomains = req->ndomains;
	in.include_autodiscover = req->include_autodiscover;
	in.include_accepted = req->include_accepted;
	in.friendly_name = req->friendly_name;
	in.plan = req->plan;
	in.force = req->force;
	if (hc_plan_subject(ctx, &in, sp, err) != 0)
		return -1;
	c->owned_name = hc_x509_name_from_dn(&sp->dn, err);
	if (c->owned_name == NULL)
		return -1;
	c->name = c->owned_name;
	c->names = &sp->names;
	c->label = sp->friendly_name;
	c->exportable = req->exportable;
	c->request = request;
	if (req->exportable && !ctx->cfg.policy.allow_export)
		hc_ctx_warn(ctx,
			    "--exportable: the policy forbids every private-key export anyway (allow-export = false)");
	return 0;
}

/* The entry's services again, from the bindings just saved. */
static void
refresh_services(hc_ctx *ctx, hc_entry *e)
{
	struct hc_bindings *b = hc_ctx_bindings(ctx, NULL);
	struct hc_strlist names = { 0 };
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < e->nservices; i++)
		free(e->service_names[i]);
	free(e->service_names);
	e->services = hc_bindings_of(b, e->thumbprint, &names);
	e->service_names = names.v;
	e->nservices = names.n;
}

/*
 * new --services: the names checked and every binding it would replace
 * confirmed before anything is created (SPEC section 1, enable).
 */
static int
check_services(hc_ctx *ctx, const hc_new_req *req, long days,
	       struct hc_strlist *svc, hc_err *err)
{
	struct hc_token *tok;
	char exp[32];
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	if (hc_services_parse(&ctx->cfg, req->services, svc, err) != 0)
		return -1;
	if (gmtime_r(&t, &tm) == NULL || strftime(exp, sizeof(exp), "%Y-%m-%d",
						  &tm) == 0)
		exp[0] = '\0';
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	return hc_confirm_overwrite(ctx, tok, svc, "the new certificate", exp,
				    err);
}

static int
do_new(hc_ctx *ctx, const hc_new_req *req, hc_entry *out,
       hc_strings *changed, hc_err *err)
{
	struct hc_subject_plan sp;
	struct hc_strlist svc = { 0 };
	struct hc_create c;
	struct hc_create_txn t;
	int ret = -1;

	memset(&sp, 0, sizeof(sp));
	memset(&c, 0, sizeof(c));
	memset(&t, 0, sizeof(t));
	if (hc_prepare_new(ctx, req, 0, &sp, &c, err) != 0)
		goto out;
	if (req->services != NULL &&
	    check_services(ctx, req, c.days, &svc, err) != 0)
		goto out;
	if (hc_create_begin(ctx, &c, &t, err) != 0 ||
	    hc_describe_made(ctx, t.tx.tok, &t.made, out, err) != 0)
		goto out;
	/*
	 * Bound before the objects are kept, asked already (check_services):
	 * the binding undoes its own files when it fails, and the objects
	 * are destroyed again. The summary on the token waits for the commit.
	 */
	if (svc.n > 0) {
		if (hc_bind_made(ctx, &t.made, &svc,
				 HC_BIND_ASSUME_YES | HC_BIND_DEFER_PUBLISH,
				 changed, err) != 0) {
			hc_err_prefix(err,
				      "binding the new certificate failed, nothing was created: ");
			hc_entry_release(out);
			goto out;
		}
		refresh_services(ctx, out);
	}
	hc_create_commit(&t);
	if (svc.n > 0)
		hc_ctx_publish_deferred(ctx);
	ret = 0;
out:
	hc_create_abort(&t);
	X509_NAME_free(c.owned_name);
	hc_subject_plan_release(&sp);
	hc_strlist_release(&svc);
	return ret;
}

/* "ec:p256, not exportable, names a, b" for the audit log. */
void
hc_new_detail(const hc_entry *e, char *buf, size_t len)
{
	size_t i, used;
	int n;

	n = snprintf(buf, len, "%s %d, %s, names ",
		     e->key_algorithm ? e->key_algorithm : "?", e->key_size,
		     e->exportable == HC_TRUE ? "exportable" :
						"not exportable");
	if (n < 0 || (size_t)n >= len)
		return;
	used = (size_t)n;
	for (i = 0; i < e->ndomains && used + 4 < len; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
			     e->domains[i]);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

int
hc_new(hc_ctx *ctx, const hc_new_req *req, hc_entry *out, hc_err *err)
{
	char detail[512] = "";
	hc_strings changed = { NULL, 0 };
	int r = do_new(ctx, req, out, &changed, err);

	if (r == 0)
		hc_new_detail(out, detail, sizeof(detail));
	hc_audit_op(ctx, "new", r == 0 ? out->thumbprint : req->subject, err,
		    detail);
	/* then the line enable writes, for the bindings made at once */
	if (r == 0)
		hc_audit_bound(ctx, out->thumbprint, &changed, err);
	hc_strings_release(&changed);
	return r;
}
