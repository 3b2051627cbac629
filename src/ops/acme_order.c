/* acme_order.c - request --acme, complete ID --acme, ACME renewals
 *
 * An order's challenges are answered by a listener in the process, a
 * webroot file or the dns-hook, all removed whatever the outcome; its
 * answer goes through hc_import, the path `complete FILE` takes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/acme.h"
#include "core/acme_http.h"
#include "core/error.h"
#include "core/store.h"
#include "core/x509.h"
#include "core/range.h"
#include "core/reload.h"
#include "ops/acme_int.h"
#include "ops/ops.h"

/* ------------------------------------------------------------------ */
/* Orders                                                               */

struct solver_state {
	hc_ctx *ctx;
	struct hc_acme_http *http;
	struct hc_acme_webroot root;
	struct hc_strlist dns;		/* "NAME VALUE" of every add that ran */
};

/*
 * dns-01: HOOK add NAME VALUE, run as a reload command is (argv, no
 * shell, PATH/LANG/LC_* only, own process group killed at 60 s). The
 * name comes from the server's authorization: only a plain DNS name is
 * passed on, so it is one word.
 */
static int
dns_hook(hc_ctx *ctx, const char *op, const char *nv, hc_err *err)
{
	struct hc_reload_info info = { "dns-hook", NULL, NULL, NULL };
	char *cmd;
	size_t n = strlen(ctx->cfg.acme.dns_hook) + strlen(op) + strlen(nv) + 3;
	int r;

	cmd = malloc(n);
	if (cmd == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	snprintf(cmd, n, "%s %s %s", ctx->cfg.acme.dns_hook, op, nv);
	r = hc_reload_run(&info, cmd, hc_reload_timeout(), err);
	free(cmd);
	return r;
}

/* a DNS name's characters; base64url's (RFC 4648 section 5) */
#define ALNUM_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define DNS_CHARS ALNUM_CHARS "-."
#define B64URL_CHARS ALNUM_CHARS "-_"

static int
present_dns(struct solver_state *st, const struct hc_acme_chal *c, hc_err *err)
{
	const char *d = c->domain;

	if (*d == '\0' || strlen(d) > 253 || d[0] == '-' || d[0] == '.' ||
	    strspn(d, DNS_CHARS) != strlen(d) ||
	    strspn(c->value, B64URL_CHARS) != strlen(c->value))
		return hc_err_set(err, HC_E_FAIL,
				  "the ACME server asks dns-01 for '%s', which is not a DNS name",
				  d);
	/* recorded first: del runs for every add that ran, even a failed one */
	if (hc_strlist_pushf(&st->dns, err, "_acme-challenge.%s %s", d,
			     c->value) != 0)
		return -1;
	return dns_hook(st->ctx, "add", st->dns.v[st->dns.n - 1], err);
}

static void
dns_cleanup(struct solver_state *st)
{
	size_t i;

	for (i = 0; i < st->dns.n; i++) {
		hc_err e = { 0 };

		if (dns_hook(st->ctx, "del", st->dns.v[i], &e) != 0)
			hc_ctx_warn(st->ctx, "dns-hook del %s: %s",
				    st->dns.v[i], e.msg);
	}
	hc_strlist_release(&st->dns);
}

static int
present(void *arg, const struct hc_acme_chal *c, hc_err *err)
{
	struct solver_state *st = arg;

	if (strcmp(c->type, "dns-01") == 0)
		return present_dns(st, c, err);
	if (st->http != NULL)
		return hc_acme_http_add(st->http, c->token, c->key_auth, err);
	return hc_acme_webroot_put(&st->root, st->ctx->cfg.acme.http_root,
				   c->token, c->key_auth, err);
}

/* the request's SANs (DNS names and IP addresses), else its CN */
static int
request_names(X509_REQ *req, struct hc_strlist *out, hc_err *err)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gns = NULL;
	char buf[64];
	int i, ret = -1;

	if (exts != NULL)
		gns = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gns != NULL && i < sk_GENERAL_NAME_num(gns); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gns, i);

		if (g->type == GEN_DNS) {
			const ASN1_IA5STRING *s = g->d.dNSName;

			if (hc_strlist_pushf(out, err, "%.*s", s->length,
					     (const char *)s->data) != 0)
				goto out;
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.iPAddress;

			if ((s->length == 4 &&
			     inet_ntop(AF_INET, s->data, buf, sizeof(buf)) ==
				     NULL) ||
			    (s->length == 16 &&
			     inet_ntop(AF_INET6, s->data, buf, sizeof(buf)) ==
				     NULL))
				continue;
			if ((s->length == 4 || s->length == 16) &&
			    hc_strlist_push(out, buf, err) != 0)
				goto out;
		}
	}
	if (out->n == 0) {
		X509_NAME *n = X509_REQ_get_subject_name(req);
		int k = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
		ASN1_STRING *cn = k >= 0 ? X509_NAME_ENTRY_get_data(
						   X509_NAME_get_entry(n, k)) :
					   NULL;

		if (cn == NULL) {
			hc_err_set(err, HC_E_USAGE,
				   "the request names no DNS name to order");
			goto out;
		}
		if (hc_strlist_pushf(out, err, "%.*s", ASN1_STRING_length(cn),
				     (const char *)ASN1_STRING_get0_data(cn)) !=
		    0)
			goto out;
	}
	ret = 0;
out:
	GENERAL_NAMES_free(gns);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ret;
}

static int
do_order(hc_ctx *ctx, struct hc_token *tok, const struct hc_acme_record *rec,
	 const struct hc_store_item *it, char **pem, size_t *pem_len,
	 char **order_url, hc_err *err)
{
	struct solver_state st = { ctx, NULL, { 0 }, { 0 } };
	struct hc_acme_solver sv = { "http-01", present, NULL, &st };
	struct hc_acme_order_req oreq = { 0 };
	struct hc_strlist names = { 0 };
	struct hc_acme *a = NULL;
	EVP_PKEY *key = NULL;
	int ret = -1;

	if (ctx->cfg.acme.dns01) {
		if (ctx->cfg.acme.dns_hook == NULL) {
			hc_err_set(err, HC_E_USAGE,
				   "challenge dns-01 needs dns-hook in [acme]");
			return -1;
		}
		sv.type = "dns-01";
	} else if (ctx->cfg.acme.http_listen == NULL &&
		   ctx->cfg.acme.http_root == NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "http-01 needs http-listen or http-root in [acme]");
		return -1;
	}
	if (it->req == NULL || it->req->value == NULL || it->x509_req == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "the pending request cannot be read");
		return -1;
	}
	if (request_names(it->x509_req, &names, err) != 0)
		goto out;
	if (hc_acme_open_account(ctx, tok, rec, &a, &key, err) != 0)
		goto out;
	if (!ctx->cfg.acme.dns01 && ctx->cfg.acme.http_listen != NULL &&
	    hc_acme_http_start(ctx->cfg.acme.http_listen, &st.http, err) != 0)
		goto out;
	oreq.names = &names;
	oreq.csr = it->req->value;
	oreq.csr_len = it->req->value_len;
	oreq.solver = &sv;
	if (ctx->cfg.acme.days > 0)
		oreq.not_after = time(NULL) + ctx->cfg.acme.days * 86400L;
	ret = hc_acme_order(a, &oreq, pem, pem_len, order_url, err);
out:
	/* whatever happened: no listener, no challenge file, no TXT stays */
	dns_cleanup(&st);
	hc_acme_http_stop(st.http);
	hc_acme_webroot_clean(&st.root);
	hc_acme_free(a);
	EVP_PKEY_free(key);
	hc_strlist_release(&names);
	return ret;
}

/*
 * The record that says the certificate at the head of pem was issued
 * through ACME (SPEC section 9 Enrollment): a CKO_DATA object labelled
 * with the leaf's thumbprint, so every host sharing the token sees it.
 */
static int
store_issuance(struct hc_token *tok, const struct hc_acme_record *rec,
	       const char *key_id, const char *order, const char *pem,
	       size_t pem_len, unsigned long *h, hc_err *err)
{
	BIO *b = BIO_new_mem_buf(pem, hc_range_clamp_int(pem_len));
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	json_t *j = NULL;
	char *val = NULL, thumb[41];
	int ret = -1;

	BIO_free(b);
	if (x == NULL) {
		ERR_clear_error();
		return hc_err_set(err, HC_E_FAIL,
				  "the ACME server's answer holds no certificate");
	}
	hc_x509_thumbprint(x, thumb);
	j = json_pack("{s:s,s:s,s:s,s:s}", "Directory", rec->directory,
		      "Account", rec->account, "Order", order ? order : "",
		      "KeyId", key_id);
	val = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (val == NULL)
		hc_err_set(err, HC_E_FAIL, "out of memory");
	else
		ret = hc_token_store_data(tok, HC_ACME_CERT_APP, thumb,
					  (const unsigned char *)val,
					  strlen(val), h, err);
	json_decref(j);
	free(val);
	X509_free(x);
	return ret;
}

int
hc_acme_complete(hc_ctx *ctx, const char *id, int force,
		 hc_import_result *out, hc_err *err)
{
	const char *dir = hc_acme_directory_of(ctx, err);

	memset(out, 0, sizeof(*out));
	if (dir == NULL)
		return -1;
	return hc_acme_order_pending(ctx, id, dir, force, out, err);
}

int
hc_acme_order_pending(hc_ctx *ctx, const char *id, const char *dir,
		      int force, hc_import_result *out, hc_err *err)
{
	struct hc_store s = { 0 };
	struct hc_store_item *it = NULL;
	struct hc_token *tok;
	struct hc_acme_record rec = { 0 };
	hc_import_req ir = { 0 };
	char *pem = NULL, *ourl = NULL, target[41] = "";
	size_t pem_len = 0;
	unsigned long mark = 0;
	int ret = -1, audited = 0;

	memset(out, 0, sizeof(*out));
	tok = hc_acme_account_token(ctx, dir, 1, &rec, err);
	if (tok == NULL)
		goto out;
	if (hc_lookup_open(ctx, tok, id, &s, &it, err) != 0)
		goto out;
	snprintf(target, sizeof(target), "%s", it->ident);
	if (it->kind != HC_KIND_REQUEST) {
		hc_err_set(err, HC_E_NOTFOUND, "%s is not a pending request",
			   it->ident);
		goto out;
	}
	if (do_order(ctx, tok, &rec, it, &pem, &pem_len, &ourl, err) != 0) {
		hc_audit_op(ctx, "complete", target, err, NULL);
		audited = 1;
		goto out;
	}
	hc_store_release(&s);
	it = NULL;
	/* the Enrollment record first, taken back if the import fails */
	if (store_issuance(tok, &rec, target, ourl, pem, pem_len, &mark,
			   err) != 0) {
		hc_audit_op(ctx, "complete", target, err, NULL);
		audited = 1;
		goto out;
	}
	ir.path = ourl != NULL ? ourl : dir;
	ir.data = (const unsigned char *)pem;
	ir.data_len = pem_len;
	ir.complete_only = 1;
	ir.force = force;
	audited = 1;		/* hc_import writes the line */
	ret = hc_import(ctx, &ir, out, err);
	if (ret != 0)
		hc_token_destroy(tok, mark, NULL);
out:
	if (ret != 0 && !audited && err->code != HC_E_USAGE &&
	    target[0] != '\0')
		hc_audit_op(ctx, "complete", target, err, NULL);
	hc_store_release(&s);
	hc_acme_record_release(&rec);
	free(pem);
	free(ourl);
	return ret;
}
