/* new.c - a key pair on the token and a self-signed certificate for it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/names.h"
#include "core/x509.h"
#include "ops/new.h"
#include "ops/ops.h"

void
hc_subject_plan_release(struct hc_subject_plan *p)
{
	if (p == NULL)
		return;
	hc_dn_release(&p->dn);
	hc_strlist_release(&p->names);
	free(p->friendly_name);
	memset(p, 0, sizeof(*p));
}

int
hc_plan_subject(hc_ctx *ctx, const struct hc_names_input *in,
		struct hc_subject_plan *out, hc_err *err)
{
	struct hc_subject_plan p;
	struct hc_strlist warnings = { 0 }, planned = { 0 }, problems = { 0 };
	struct hc_san_opts no;
	const char *cn = NULL;
	int ret = -1, nprob;
	size_t i;

	memset(&p, 0, sizeof(p));
	memset(&no, 0, sizeof(no));
	if (in->subject != NULL) {
		if (hc_dn_parse(in->subject, &p.dn, err) != 0)
			goto out;
		cn = hc_dn_get0(&p.dn, "CN");
	}
	no.cn = cn;
	no.domains = in->domains;
	no.ndomains = in->ndomains;
	no.include_autodiscover = in->include_autodiscover;
	no.include_accepted = in->include_accepted;
	no.accepted = (const char *const *)ctx->cfg.accepted_domains.v;
	no.naccepted = ctx->cfg.accepted_domains.n;
	if (in->include_accepted && ctx->cfg.accepted_domains.n == 0)
		hc_strlist_push(&warnings,
				"--include-accepted-domains: the configuration has no [names] accepted-domains",
				NULL);
	if (hc_san_build(&no, &p.names, &warnings, err) != 0)
		goto out;
	if (in->plan != NULL) {
		if (hc_plan_load(in->plan, &planned, err) != 0)
			goto out;
		nprob = hc_plan_check(&planned, &p.names, &problems, &warnings,
				      err);
		if (nprob < 0)
			goto out;
		if (nprob > 0 && !in->force) {
			char msg[400] = "";
			size_t used = 0;

			for (i = 0; i < problems.n && used + 4 < sizeof(msg); i++) {
				int r = snprintf(msg + used, sizeof(msg) - used,
						 "%s%s", i ? "; " : "",
						 problems.v[i]);

				if (r < 0)
					break;
				used += (size_t)r;
				if (used >= sizeof(msg))
					used = sizeof(msg) - 1;
			}
			hc_ctx_warn_list(ctx, &warnings);
			hc_err_set(err, HC_E_VERIFY,
				   "the names do not match the plan %s: %s (use --force to override)",
				   in->plan, msg);
			goto out;
		}
		for (i = 0; i < problems.n; i++)
			hc_strlist_pushf(&warnings, NULL,
					 "--force: %s", problems.v[i]);
	}
	if (in->friendly_name != NULL) {
		if (hc_label_check(in->friendly_name, "--friendly-name",
				   err) != 0)
			goto out;
		p.friendly_name = strdup(in->friendly_name);
	} else if (cn != NULL) {
		/* the CN, cut at 64 characters on a character boundary */
		size_t len = strlen(cn), cut = 0;
		long chars = 0;

		while (cut < len && chars < HC_FRIENDLY_MAX) {
			cut++;
			while (cut < len && ((unsigned char)cn[cut] & 0xc0) == 0x80)
				cut++;
			chars++;
		}
		p.friendly_name = strndup(cn, cut);
	} else if (p.names.n > 0) {
		p.friendly_name = strdup(p.names.v[0]);
	} else {
		p.friendly_name = strdup("hsmcert");
	}
	if (p.friendly_name == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	hc_ctx_warn_list(ctx, &warnings);
	*out = p;
	memset(&p, 0, sizeof(p));
	ret = 0;
out:
	hc_subject_plan_release(&p);
	hc_strlist_release(&warnings);
	hc_strlist_release(&planned);
	hc_strlist_release(&problems);
	return ret;
}

int
hc_key_choice(hc_ctx *ctx, const char *key, struct hc_keyspec *out,
	      hc_err *err)
{
	if (hc_keyspec_parse(key != NULL ? key : "rsa:2048", out, err) != 0)
		return -1;
	return hc_policy_check_key(&ctx->cfg.policy, out, err);
}

/* P-384 keys are signed with SHA-384 at least: never a weaker digest. */
const char *
hc_sign_digest(hc_ctx *ctx, const struct hc_keyspec *k)
{
	if (k->kind == HC_KEY_EC && k->bits >= 384 &&
	    ctx->cfg.policy.digest == HC_DIGEST_SHA256)
		return "SHA384";
	return hc_policy_digest_name(&ctx->cfg.policy);
}

void
hc_blob_release(hc_blob *b)
{
	if (b == NULL)
		return;
	OPENSSL_clear_free(b->data, b->len);
	b->data = NULL;
	b->len = 0;
}

/* Say which CK_RV the token gave when it refused to sign. */
static void
sign_reason(struct hc_token *tok, hc_err *err)
{
	char nbuf[32];
	unsigned long rv = hc_token_take_sign_rv(tok);

	if (rv != 0) {
		hc_err_suffix(err, ": the token said %s",
			      hc_token_rv_name(rv, nbuf, sizeof(nbuf)));
		err->ckr = rv;
	}
}

int
hc_create_on_token(hc_ctx *ctx, const struct hc_create *c,
		   struct hc_created *out, hc_err *err)
{
	struct hc_keypair kp;
	struct hc_cert_params cp;
	struct hc_made made;
	struct hc_txn tx;
	struct hc_token *tok;
	EVP_PKEY *signer = NULL;
	X509 *x = NULL;
	X509_REQ *req = NULL;
	unsigned char *der = NULL;
	size_t derlen = 0;
	unsigned long h;
	int ret = -1;

	memset(&kp, 0, sizeof(kp));
	memset(&tx, 0, sizeof(tx));
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	hc_txn_init(&tx, tok);
	if (hc_token_generate_keypair(tok, &c->key, c->label, c->exportable,
				      &kp, err) != 0)
		goto out;
	if (hc_txn_add(&tx, kp.pub, err) != 0 ||
	    hc_txn_add(&tx, kp.priv, err) != 0)
		goto out;
	signer = hc_token_signer_for(tok, kp.priv, kp.pubkey, err);
	if (signer == NULL)
		goto out;
	if (c->request) {
		req = hc_x509_make_csr(c->name, c->names, kp.pubkey,
				       hc_sign_digest(ctx, &c->key), signer,
				       err);
		if (req == NULL)
			sign_reason(tok, err);
		if (req == NULL ||
		    hc_x509_req_der(req, &der, &derlen, err) != 0)
			goto out;
		if (hc_token_store_data(tok, HC_REQUEST_APP, c->label, der,
					derlen, &h, err) != 0 ||
		    hc_txn_add(&tx, h, err) != 0)
			goto out;
	} else {
		memset(&cp, 0, sizeof(cp));
		cp.name = c->name;
		cp.names = c->names;
		cp.days = c->days;
		cp.digest = hc_sign_digest(ctx, &c->key);
		cp.pubkey = kp.pubkey;
		cp.key_id = kp.id;
		x = hc_x509_self_signed(&cp, signer, err);
		if (x == NULL) {
			sign_reason(tok, err);
			goto out;
		}
		if (hc_token_store_cert(tok, x, c->label, kp.id, sizeof(kp.id),
					HC_CAT_USER, &h, err) != 0 ||
		    hc_txn_add(&tx, h, err) != 0)
			goto out;
	}
	/* the caller's steps; the objects are kept only when they succeed */
	memset(&made, 0, sizeof(made));
	memcpy(made.id, kp.id, sizeof(kp.id));
	made.label = c->label;
	made.key_kind = c->key.kind;
	made.key_bits = c->key.bits;
	made.local = 1;
	made.exportable = c->exportable;
	made.priv = kp.priv;
	made.pub = kp.pub;
	made.obj = h;
	made.cert = x;
	made.req = req;
	if (c->describe_out != NULL &&
	    hc_describe_made(ctx, tok, &made, c->describe_out, err) != 0)
		goto out;
	if (c->after_create != NULL && c->after_create(c->arg, &made, err) != 0)
		goto out;
	hc_txn_commit(&tx);
	memcpy(out->id, kp.id, sizeof(kp.id));
	out->cert = x;
	out->req = req;
	x = NULL;
	req = NULL;
	ret = 0;
out:
	if (ret != 0)
		hc_txn_rollback(&tx);
	free(der);
	X509_free(x);
	X509_REQ_free(req);
	EVP_PKEY_free(signer);
	hc_keypair_release(&kp);
	return ret;
}

void
hc_created_release(struct hc_created *c)
{
	if (c == NULL)
		return;
	X509_free(c->cert);
	X509_REQ_free(c->req);
	memset(c, 0, sizeof(*c));
}

int
hc_describe_id(hc_ctx *ctx, const unsigned char *id, size_t id_len,
	       hc_entry *out, hc_err *err)
{
	return hc_describe_cert(ctx, id, id_len, NULL, out, err);
}

int
hc_describe_cert(hc_ctx *ctx, const unsigned char *id, size_t id_len,
		 const char *thumb, hc_entry *out, hc_err *err)
{
	struct hc_token *tok = hc_ctx_token(ctx, 1, err);
	struct hc_store s;
	struct hc_chain_ctx chain;
	struct hc_store_item *it;
	int ret = -1;

	/* only this key id's objects: describing what was made stays O(1) */
	if (tok == NULL || hc_store_load_id(tok, id, id_len, &s, err) != 0)
		return -1;
	if (hc_chain_ctx_init(&chain, ctx->cfg.trust_anchors, s.ca_stack,
			      err) != 0) {
		hc_store_release(&s);
		return -1;
	}
	it = hc_store_find_id(&s, id, id_len);
	if (thumb != NULL) {
		size_t i;

		for (i = 0; i < s.nitems; i++)
			if (strcmp(s.items[i].ident, thumb) == 0)
				it = &s.items[i];
	}
	if (it == NULL)
		hc_err_set(err, HC_E_FAIL,
			   "internal: the new object is not on the token");
	else if (hc_describe(ctx, tok, it, &chain, time(NULL), out, err) == 0)
		ret = 0;
	hc_chain_ctx_release(&chain);
	hc_store_release(&s);
	return ret;
}

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
		hc_ctx_warn(ctx, "--exportable: the policy forbids every private-key export anyway (allow-export = false)");
	return 0;
}

struct new_steps {
	hc_ctx *ctx;
	hc_entry *out;
	struct hc_request_out *ro;	/* requests only */
	const struct hc_strlist *services;	/* new --services, or NULL */
	hc_strings *changed;		/* the bindings that changed */
};

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
 * Before the new objects are kept: write the request, and bind the
 * certificate last (the binding undoes its own files when it fails, and
 * the objects are destroyed again).
 */
static int
new_steps(void *arg, const struct hc_made *made, hc_err *err)
{
	struct new_steps *ns = arg;

	if (ns->ro != NULL && hc_request_output(ns->ro, made->req, err) != 0) {
		hc_entry_release(ns->out);
		return -1;
	}
	if (ns->services != NULL && ns->services->n > 0) {
		if (hc_bind_made(ns->ctx, made, ns->services, ns->changed,
				 err) != 0) {
			hc_err_prefix(err, "binding the new certificate failed, nothing was created: ");
			hc_entry_release(ns->out);
			return -1;
		}
		refresh_services(ns->ctx, ns->out);
	}
	return 0;
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
	struct new_steps ns;
	struct hc_subject_plan sp;
	struct hc_strlist svc = { 0 };
	struct hc_create c;
	struct hc_created made;
	int ret = -1;

	memset(&sp, 0, sizeof(sp));
	memset(&made, 0, sizeof(made));
	memset(&c, 0, sizeof(c));
	if (hc_prepare_new(ctx, req, 0, &sp, &c, err) != 0)
		goto out;
	if (req->services != NULL &&
	    check_services(ctx, req, c.days, &svc, err) != 0)
		goto out;
	ns.ctx = ctx;
	ns.out = out;
	ns.ro = NULL;
	ns.services = &svc;
	ns.changed = changed;
	c.describe_out = out;
	c.after_create = new_steps;
	c.arg = &ns;
	if (hc_create_on_token(ctx, &c, &made, err) != 0)
		goto out;
	if (svc.n > 0)
		hc_ctx_publish_deferred(ctx);
	ret = 0;
out:
	X509_NAME_free(c.owned_name);
	hc_created_release(&made);
	hc_subject_plan_release(&sp);
	hc_strlist_release(&svc);
	return ret;
}

/* Encode the request; write --out before the objects are committed. */
int
hc_request_output(struct hc_request_out *ro, X509_REQ *req, hc_err *err)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char *pem = NULL;
	hc_blob b = { NULL, 0 };
	int ret = -1;

	if (ro->der) {
		if (hc_x509_req_der(req, &der, &len, err) != 0)
			goto out;
		b.data = der;
		b.len = len;
		der = NULL;
	} else {
		pem = hc_x509_req_to_pem(req, err);
		if (pem == NULL)
			goto out;
		b.len = strlen(pem);
		b.data = (unsigned char *)pem;
		pem = NULL;
	}
	if (ro->out != NULL) {
		if (hc_file_write_atomic(ro->out, b.data, b.len, 0644,
					 ro->force, err) != 0)
			goto out;
	} else {
		*ro->csr = b;
		b.data = NULL;
		b.len = 0;
	}
	ret = 0;
out:
	free(der);
	free(pem);
	hc_blob_release(&b);
	return ret;
}

static int
do_request(hc_ctx *ctx, const hc_new_req *req, hc_entry *out, hc_blob *csr,
	   hc_err *err)
{
	struct hc_subject_plan sp;
	struct hc_create c;
	struct hc_created made;
	struct hc_request_out ro = { req->out, req->der, req->force, csr };
	struct new_steps ns;
	int ret = -1;

	memset(&sp, 0, sizeof(sp));
	memset(&made, 0, sizeof(made));
	memset(&c, 0, sizeof(c));
	if (req->services != NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "--services: a request has no certificate to bind yet (enable it once completed)");
		goto out;
	}
	if (req->out != NULL && !req->force && hc_file_exists(req->out)) {
		hc_err_set(err, HC_E_USAGE,
			   "%s exists; use --force to overwrite it", req->out);
		goto out;
	}
	if (hc_prepare_new(ctx, req, 1, &sp, &c, err) != 0)
		goto out;
	ns.ctx = ctx;
	ns.out = out;
	ns.ro = &ro;
	ns.services = NULL;
	ns.changed = NULL;
	c.describe_out = out;
	c.after_create = new_steps;
	c.arg = &ns;
	if (hc_create_on_token(ctx, &c, &made, err) != 0)
		goto out;
	ret = 0;
out:
	X509_NAME_free(c.owned_name);
	hc_created_release(&made);
	hc_subject_plan_release(&sp);
	return ret;
}

/* "ec:p256, not exportable, names a, b" for the audit log. */
static void
describe_new(const hc_entry *e, char *buf, size_t len)
{
	size_t i, used;
	int n;

	n = snprintf(buf, len, "%s %d, %s, names ", e->key_algorithm ?
		     e->key_algorithm : "?", e->key_size,
		     e->exportable == HC_TRUE ? "exportable" : "not exportable");
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
		describe_new(out, detail, sizeof(detail));
	hc_audit_op(ctx, "new", r == 0 ? out->thumbprint : req->subject, err,
		    detail);
	/* then the line enable writes, for the bindings made at once */
	if (r == 0)
		hc_audit_bound(ctx, out->thumbprint, &changed, err);
	hc_strings_release(&changed);
	return r;
}

int
hc_request(hc_ctx *ctx, const hc_new_req *req, hc_entry *out, hc_blob *csr,
	   hc_err *err)
{
	char detail[512] = "";
	int r = do_request(ctx, req, out, csr, err);

	if (r == 0)
		describe_new(out, detail, sizeof(detail));
	hc_audit_op(ctx, "request", r == 0 ? out->key_id : req->subject, err,
		    detail);
	return r;
}
