/* renew.c - a new key and certificate or request with the old one's
 * properties */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/x509.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/dnsname.h"
#include "core/store.h"
#include "core/x509.h"
#include "ops/acme_int.h"
#include "ops/create.h"
#include "ops/new.h"
#include "ops/ops.h"

static void
notice(hc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
notice(hc_ctx *ctx, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= 0)
		hc_ctx_notice(ctx, buf);
}

/* The new name list: old names, minus --drop-domain, plus --add-domain. */
static int
new_names(const hc_renew_req *req, const struct hc_strlist *old,
	  struct hc_strlist *out, hc_err *err)
{
	size_t i, j;

	for (j = 0; j < req->ndrop; j++)
		if (hc_strlist_find_ci(old, req->drop[j]) < 0)
			return hc_err_set(err, HC_E_USAGE,
					  "--drop-domain %s: the certificate has no such name",
					  req->drop[j]);
	for (i = 0; i < old->n; i++) {
		for (j = 0; j < req->ndrop; j++)
			if (hc_strcaseeq(old->v[i], req->drop[j]))
				break;
		if (j == req->ndrop &&
		    hc_strlist_push(out, old->v[i], err) != 0)
			return -1;
	}
	for (j = 0; j < req->nadd; j++) {
		if (hc_dnsname_check(req->add[j], err) != 0)
			return -1;
		if (hc_strlist_find_ci(out, req->add[j]) < 0 &&
		    hc_strlist_push(out, req->add[j], err) != 0)
			return -1;
	}
	if (out->n == 0)
		return hc_err_set(err, HC_E_USAGE,
				  "renewing would leave no names: add one with --add-domain");
	return 0;
}

static void
tell_changes(hc_ctx *ctx, const char *thumb, const struct hc_keyspec *oldk,
	     const struct hc_keyspec *newk, long olddays, long newdays,
	     int self_signed, const struct hc_strlist *oldn,
	     const struct hc_strlist *newn)
{
	char a[HC_KEYSPEC_LEN], b[HC_KEYSPEC_LEN];
	size_t i;
	int said = 0;

#define HEAD()                                                            \
	do {                                                              \
		if (!said++)                                              \
			notice(ctx, "renewing %.12s... changes:", thumb); \
	} while (0)
	hc_keyspec_format(oldk, a, sizeof(a));
	hc_keyspec_format(newk, b, sizeof(b));
	if (!hc_keyspec_eq(oldk, newk)) {
		HEAD();
		notice(ctx, "  key:   %s -> %s", a, b);
	}
	if (self_signed && olddays != newdays) {
		HEAD();
		notice(ctx, "  days:  %ld -> %ld", olddays, newdays);
	}
	for (i = 0; i < oldn->n; i++)
		if (hc_strlist_find_ci(newn, oldn->v[i]) < 0) {
			HEAD();
			notice(ctx, "  names: - %s", oldn->v[i]);
		}
	for (i = 0; i < newn->n; i++)
		if (hc_strlist_find_ci(oldn, newn->v[i]) < 0) {
			HEAD();
			notice(ctx, "  names: + %s", newn->v[i]);
		}
#undef HEAD
}

/* The directory an ACME-issued certificate came from, or NULL. */
char *
hc_renew_acme_directory(const struct hc_store_item *it)
{
	json_error_t je;
	json_t *j;
	const char *d;
	char *dir = NULL;

	if (it->acme == NULL || it->acme->value == NULL)
		return NULL;
	j = json_loadb((const char *)it->acme->value, it->acme->value_len, 0,
		       &je);
	d = json_string_value(json_object_get(j, "Directory"));
	if (d != NULL && *d != '\0')
		dir = strdup(d);
	json_decref(j);
	return dir;
}

/*
 * The second half of an ACME renewal, after the new key pair and its
 * pending request are kept: order the certificate from the directory the
 * old one came from, then move the bindings to it. A failed order keeps
 * the request (complete --acme retries it, renew --due too).
 */
int
hc_renew_acme_finish(hc_ctx *ctx, const char *dir, const char *key_id,
	    const char *old, const struct hc_strlist *bound, hc_entry *out,
	    hc_err *err)
{
	hc_import_result ir;
	struct hc_store s;
	struct hc_store_item *it;
	struct hc_token *tok;
	int ret = -1;

	if (hc_acme_order_pending(ctx, key_id, dir, 0, &ir, err) != 0) {
		hc_err_prefix(err,
			      "the renewal request %s is kept (retry: hsmcert complete %s --acme): ",
			      key_id, key_id);
		hc_import_result_release(&ir);
		return -1;
	}
	if (!ir.has_entry) {
		hc_import_result_release(&ir);
		return hc_err_set(err, HC_E_FAIL,
				  "the ACME server's certificate for %s was not stored",
				  key_id);
	}
	*out = ir.entry;
	memset(&ir.entry, 0, sizeof(ir.entry));
	ir.has_entry = 0;
	hc_import_result_release(&ir);
	if (bound->n == 0)
		return 0;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_lookup_open(ctx, tok, out->thumbprint, &s, &it,
					 err) != 0)
		goto fail;
	ret = hc_bind_services(ctx, tok, &s, it, bound, HC_BIND_ASSUME_YES,
			       NULL, err);
	hc_store_release(&s);
	if (ret == 0)
		return 0;
fail:
	hc_err_prefix(err,
		      "%s was issued, but its bindings stay on %s (move them with hsmcert enable): ",
		      out->thumbprint, old);
	return -1;
}

static int
do_renew(hc_ctx *ctx, const hc_renew_req *req, hc_entry *out, hc_blob *csr,
	 hc_err *err)
{
	struct hc_store s;
	struct hc_store_item *it;
	struct hc_token *tok;
	struct hc_strlist oldn = { 0 }, newn = { 0 }, bound = { 0 };
	struct hc_keyspec oldk, newk;
	struct hc_create c;
	struct hc_create_txn t;
	struct hc_request_out ro = { req->out, req->der, req->force, csr };
	EVP_PKEY *pk;
	char *label = NULL, *dir = NULL;
	char norm[41], thumb[41], key_id[41];
	long olddays;
	int ret = -1, have_store = 0, self_signed, r, takes_over;

	memset(&c, 0, sizeof(c));
	memset(&t, 0, sizeof(t));
	if (hc_store_parse_id(req->id, norm, err) != 0)
		return -1;
	if (req->key != NULL && hc_key_choice(ctx, req->key, &newk, err) != 0)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_lookup_open(ctx, tok, req->id, &s, &it, err) != 0)
		goto out;
	have_store = 1;
	if (it->kind != HC_KIND_CERT) {
		hc_err_set(err, HC_E_USAGE,
			   "%s is not a certificate: only certificates renew",
			   req->id);
		goto out;
	}
	memcpy(thumb, it->ident, sizeof(thumb));
	pk = X509_get0_pubkey(it->x509);
	oldk.kind = EVP_PKEY_is_a(pk, "RSA") ? HC_KEY_RSA : HC_KEY_EC;
	oldk.bits = EVP_PKEY_get_bits(pk);
	if (req->key == NULL) {
		newk = oldk;
		if (hc_policy_check_key(&ctx->cfg.policy, &newk, err) != 0) {
			hc_err_prefix(err,
				      "the old key type is no longer allowed (choose one with --key): ");
			goto out;
		}
	}
	self_signed = hc_x509_is_self_signed(it->x509) && !req->request;
	/* an ACME-issued certificate renews through the same directory */
	if (!req->request && !self_signed) {
		dir = hc_renew_acme_directory(it);
		if (dir != NULL && req->out != NULL) {
			hc_err_set(err, HC_E_USAGE,
				   "--out: %s renews through ACME, which orders the certificate itself (add --request to write a request instead)",
				   thumb);
			goto out;
		}
	}
	takes_over = self_signed || dir != NULL;
	olddays = 0;
	{
		int days = 0, secs = 0;

		if (ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(it->x509),
				   X509_get0_notAfter(it->x509)) == 1)
			olddays = days;
	}
	c.days = req->days ? req->days :
		 hc_policy_default_days(&ctx->cfg.policy);
	/* renew --due keeps a self-signed certificate's lifetime (a 2-day
	 * certificate renews for 2 days, not the policy's default) */
	if (!req->days && req->takeover && olddays > 0) {
		hc_err scratch = { 0 };

		if (hc_policy_check_days(&ctx->cfg.policy, olddays,
					 &scratch) == 0)
			c.days = olddays;
	}
	if (self_signed &&
	    hc_policy_check_days(&ctx->cfg.policy, c.days, err) != 0)
		goto out;
	if (!self_signed && req->days)
		hc_ctx_warn(ctx,
			    "--days: a CA decides the validity of what it issues; ignored for a request");
	if (!self_signed && req->out != NULL && !req->force &&
	    hc_file_exists(req->out)) {
		hc_err_set(err, HC_E_USAGE,
			   "%s exists; use --force to overwrite it", req->out);
		goto out;
	}
	if (hc_x509_names(it->x509, NULL, &oldn, err) != 0 ||
	    new_names(req, &oldn, &newn, err) != 0)
		goto out;
	label = strdup(it->cert->label);
	if (label == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	tell_changes(ctx, thumb, &oldk, &newk, olddays, c.days, self_signed,
		     &oldn, &newn);
	/* a self-signed or ACME renewal takes the bindings over: ask before
	 * creating (renew --due does not ask) */
	if (takes_over && !req->keep_bindings) {
		struct hc_bindings *b = hc_ctx_bindings(ctx, err);
		char q[400];
		size_t k, u;

		if (b == NULL)
			goto out;
		hc_bindings_of(b, thumb, &bound);
		if (bound.n > 0 && !req->takeover) {
			u = (size_t)snprintf(q, sizeof(q),
					     "Move the bindings of %s (",
					     thumb);
			for (k = 0; k < bound.n && u + 40 < sizeof(q); k++) {
				r = snprintf(q + u, sizeof(q) - u, "%s%s",
					     k ? ", " : "", bound.v[k]);
				if (r > 0)
					u += (size_t)r;
			}
			if (u + 60 < sizeof(q)) {
				r = snprintf(q + u, sizeof(q) - u,
					     ") to the renewed certificate?");
				(void)r;
			}
			if (hc_ctx_confirm(ctx, q, err) != 0)
				goto out;
		}
	}
	c.name = X509_get_subject_name(it->x509);
	c.names = &newn;
	c.key = newk;
	c.label = label;
	c.exportable = it->priv != NULL && it->priv->extractable == 1;
	c.request = !self_signed;
	c.renews = thumb;
	if (c.exportable && !ctx->cfg.policy.allow_export)
		hc_ctx_warn(ctx,
			    "the new key is exportable like the old one, but the policy forbids export (allow-export = false)");
	if (hc_create_begin(ctx, &c, &t, err) != 0 ||
	    hc_describe_made(ctx, t.tx.tok, &t.made, out, err) != 0)
		goto out;
	if (dir != NULL) {
		/* kept before the order: a failed order leaves the request */
		hc_hex(t.made.id, sizeof(t.made.id), key_id);
		hc_entry_release(out);
		hc_create_commit(&t);
		hc_ctx_publish_deferred(ctx);
		ret = hc_renew_acme_finish(ctx, dir, key_id, thumb, &bound, out,
					   err);
		goto out;
	}
	/*
	 * Before the new objects are kept: write the request, and take the
	 * bindings over last (asked above; it undoes its own files when it
	 * fails, and the objects are destroyed again). The summary on the
	 * token waits for the commit.
	 */
	if (c.request && hc_request_output(&ro, t.made.req, err) != 0) {
		hc_entry_release(out);
		goto out;
	}
	if (bound.n > 0 &&
	    hc_bind_made(ctx, &t.made, &bound,
			 HC_BIND_ASSUME_YES | HC_BIND_DEFER_PUBLISH, NULL,
			 err) != 0) {
		hc_err_prefix(err,
			      "moving the bindings failed, the renewal is undone: ");
		hc_entry_release(out);
		goto out;
	}
	hc_create_commit(&t);
	hc_ctx_publish_deferred(ctx);
	ret = 0;
out:
	hc_create_abort(&t);
	if (have_store)
		hc_store_release(&s);
	hc_strlist_release(&oldn);
	hc_strlist_release(&newn);
	hc_strlist_release(&bound);
	free(label);
	free(dir);
	return ret;
}

int
hc_renew(hc_ctx *ctx, const hc_renew_req *req, hc_entry *out, hc_blob *csr,
	 hc_err *err)
{
	char detail[200] = "";
	int r = do_renew(ctx, req, out, csr, err), n;

	if (r == 0) {
		n = snprintf(detail, sizeof(detail), "renewed as %s %s",
			     out->kind == HC_KIND_REQUEST ? "pending request" :
			     "certificate", out->thumbprint);
		(void)n;
	}
	hc_audit_op(ctx, "renew", req->id, err, detail);
	return r;
}
