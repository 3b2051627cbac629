/* acme.c - acme register / show, complete ID --acme, request --acme
 *
 * The account key is an EC P-256 key pair generated on the token (label
 * hsmcert-acme-account); its record (directory, account URL, key id) is a
 * CKO_DATA object with CKA_APPLICATION hsmcert-acme-account. An order's
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
#include "core/range.h"
#include "core/store.h"
#include "core/x509.h"
#include "core/reload.h"
#include "ops/ops.h"

/* a dns-01 name, and a TXT value (base64url), as hooks are given them */
#define DNS_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."
#define B64URL_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

void
hc_acme_info_release(hc_acme_info *i)
{
	if (i == NULL)
		return;
	free(i->directory);
	free(i->account);
	free(i->status);
	hc_strings_release(&i->contact);
	free(i->key_uri);
	memset(i, 0, sizeof(*i));
}

/* the record of an account, as read from the token */
struct record {
	unsigned long handle;
	char *directory;
	char *account;
	unsigned char id[20];
};

static void
record_release(struct record *r)
{
	free(r->directory);
	free(r->account);
	memset(r, 0, sizeof(*r));
}

static const char *
directory_of(hc_ctx *ctx, hc_err *err)
{
	if (ctx->cfg.acme.directory == NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "[acme] directory is not set in the configuration");
		return NULL;
	}
	return ctx->cfg.acme.directory;
}

/* The record for directory: 1 found, 0 none, -1 error. */
static int
find_record(struct hc_token *tok, const char *directory, struct record *out,
	    hc_err *err)
{
	struct hc_tobj_list l = { 0 };
	size_t i;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_ACME_ACCOUNT_APP, &l,
			  err) != 0)
		return -1;
	for (i = 0; i < l.n && !found; i++) {
		json_error_t je;
		json_t *j = l.v[i].value != NULL ?
			    json_loadb((const char *)l.v[i].value,
				       l.v[i].value_len, 0, &je) : NULL;
		const char *d =
			json_string_value(json_object_get(j, "Directory"));
		const char *a =
			json_string_value(json_object_get(j, "Account"));
		const char *k = json_string_value(json_object_get(j, "KeyId"));

		if (d != NULL && a != NULL && k != NULL &&
		    strcmp(d, directory) == 0 &&
		    hc_unhex(k, out->id, sizeof(out->id)) == 20) {
			out->handle = l.v[i].handle;
			out->directory = strdup(d);
			out->account = strdup(a);
			found = out->directory != NULL && out->account != NULL ?
				1 : -1;
		}
		json_decref(j);
	}
	hc_tobj_list_release(&l);
	if (found < 0) {
		record_release(out);
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	return found;
}

static int
no_account(const char *directory, hc_err *err)
{
	return hc_err_set(err, HC_E_NOTFOUND,
			  "no ACME account on the token for %s: run hsmcert acme register",
			  directory);
}

static int
fill_info(hc_ctx *ctx, struct hc_token *tok, const char *directory,
	  const struct hc_acme_account *acc, const unsigned char id[20],
	  hc_acme_info *out, hc_err *err)
{
	size_t i;

	(void)ctx;
	out->directory = strdup(directory);
	out->account = strdup(acc->url);
	out->status = acc->status != NULL ? strdup(acc->status) : NULL;
	hc_hex(id, 20, out->key_id);
	out->key_uri = hc_token_object_uri(tok, HC_OBJ_PRIVKEY, id, 20,
					   HC_ACME_ACCOUNT_APP, err);
	out->contact.v = calloc(acc->contact.n + 1, sizeof(char *));
	if (out->directory == NULL || out->account == NULL ||
	    out->key_uri == NULL || out->contact.v == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (i = 0; i < acc->contact.n; i++) {
		out->contact.v[i] = strdup(acc->contact.v[i]);
		if (out->contact.v[i] == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
		out->contact.n++;
	}
	return 0;
}

/* A client with the account's key, signing with kid = the account URL. */
static int
open_account(hc_ctx *ctx, struct hc_token *tok, const struct record *rec,
	     struct hc_acme **a, EVP_PKEY **key, hc_err *err)
{
	*a = NULL;
	*key = hc_token_get_signer(tok, rec->id, 20, err);
	if (*key == NULL) {
		if (err->code == HC_E_NOTFOUND)
			hc_err_prefix(err, "the ACME account key of %s: ",
				      rec->account);
		return -1;
	}
	if (hc_acme_open(rec->directory, ctx->cfg.acme.ca_file, a, err) != 0 ||
	    hc_acme_set_key(*a, *key, rec->account, err) != 0) {
		hc_acme_free(*a);
		*a = NULL;
		EVP_PKEY_free(*key);
		*key = NULL;
		return -1;
	}
	return 0;
}

static int
read_eab(hc_ctx *ctx, hc_secret **out, hc_err *err)
{
	*out = NULL;
	if (ctx->cfg.acme.eab_hmac_source == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "eab-kid is set but eab-hmac-source is not");
	if (ctx->secret_cb == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "no way to read eab-hmac-source");
	return ctx->secret_cb(ctx->secret_arg, "EAB HMAC key",
			      ctx->cfg.acme.eab_hmac_source, out, err);
}

static int
do_register(hc_ctx *ctx, const hc_acme_register_req *req, hc_acme_info *out,
	    hc_err *err)
{
	const char *dir = directory_of(ctx, err);
	struct hc_keyspec ks = { HC_KEY_EC, 256 };
	struct hc_strlist contacts = { 0 };
	struct hc_acme_account acc = { 0 };
	struct hc_keypair kp = { 0 };
	struct hc_acme *a = NULL;
	struct hc_token *tok;
	struct record rec = { 0 };
	struct hc_txn tx;
	hc_secret *eab = NULL;
	EVP_PKEY *key = NULL;
	json_t *j = NULL;
	char *val = NULL, kid[41];
	unsigned long h;
	size_t i;
	int r, ret = -1;

	if (dir == NULL)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	hc_txn_init(&tx, tok);
	r = find_record(tok, dir, &rec, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		/* registered already: show it */
		if (open_account(ctx, tok, &rec, &a, &key, err) != 0 ||
		    hc_acme_get_account(a, &acc, err) != 0 ||
		    fill_info(ctx, tok, dir, &acc, rec.id, out, err) != 0)
			goto out;
		out->existed = 1;
		ret = 0;
		goto out;
	}
	for (i = 0; i < req->ncontacts; i++)
		if (strncmp(req->contacts[i], "mailto:", 7) != 0) {
			hc_err_set(err, HC_E_USAGE,
				   "--contact '%s' is not a mailto: URI",
				   req->contacts[i]);
			goto out;
		} else if (hc_strlist_push(&contacts, req->contacts[i],
					   err) != 0) {
			goto out;
		}
	if (req->ncontacts == 0)
		for (i = 0; i < ctx->cfg.acme.contact.n; i++)
			if (hc_strlist_push(&contacts,
					    ctx->cfg.acme.contact.v[i],
					    err) != 0)
				goto out;
	if (hc_acme_open(dir, ctx->cfg.acme.ca_file, &a, err) != 0)
		goto out;
	if (hc_acme_terms(a) != NULL && !req->agree_tos) {
		hc_err_set(err, HC_E_USAGE,
			   "the ACME server's terms of service must be agreed to: %s; read them and run again with --agree-tos",
			   hc_acme_terms(a));
		goto out;
	}
	if (hc_acme_eab_required(a) && ctx->cfg.acme.eab_kid == NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "the ACME server requires external account binding: set eab-kid and eab-hmac-source in [acme]");
		goto out;
	}
	if (ctx->cfg.acme.eab_kid != NULL && read_eab(ctx, &eab, err) != 0)
		goto out;
	if (hc_token_generate_keypair(tok, &ks, HC_ACME_ACCOUNT_APP, 0, &kp,
				      err) != 0)
		goto out;
	if (hc_txn_add(&tx, kp.priv, err) != 0 ||
	    hc_txn_add(&tx, kp.pub, err) != 0)
		goto out;
	key = hc_token_signer_for(tok, kp.priv, kp.pubkey, err);
	if (key == NULL || hc_acme_set_key(a, key, NULL, err) != 0)
		goto out;
	if (hc_acme_new_account(a, &contacts, req->agree_tos,
				ctx->cfg.acme.eab_kid, eab, 0, &acc, err) != 0)
		goto out;
	hc_hex(kp.id, 20, kid);
	j = json_pack("{s:s,s:s,s:s}", "Directory", dir, "Account", acc.url,
		      "KeyId", kid);
	val = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	if (val == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (hc_token_store_data(tok, HC_ACME_ACCOUNT_APP, HC_ACME_ACCOUNT_APP,
				(const unsigned char *)val, strlen(val), &h,
				err) != 0 || hc_txn_add(&tx, h, err) != 0)
		goto out;
	if (fill_info(ctx, tok, dir, &acc, kp.id, out, err) != 0)
		goto out;
	out->existed = acc.existed;
	hc_txn_commit(&tx);
	ret = 0;
out:
	if (ret != 0) {
		hc_txn_rollback(&tx);
		hc_acme_info_release(out);
	}
	hc_secret_free(eab);
	json_decref(j);
	free(val);
	hc_acme_free(a);
	EVP_PKEY_free(key);
	hc_keypair_release(&kp);
	hc_acme_account_release(&acc);
	hc_strlist_release(&contacts);
	record_release(&rec);
	return ret;
}

int
hc_acme_register(hc_ctx *ctx, const hc_acme_register_req *req,
		 hc_acme_info *out, hc_err *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = do_register(ctx, req, out, err);
	if (r == 0 && out->existed)
		return 0;
	hc_audit_op(ctx, "acme-register", r == 0 ? out->account :
		    ctx->cfg.acme.directory ? ctx->cfg.acme.directory : "-",
		    err, r == 0 ? out->key_id : NULL);
	return r;
}

int
hc_acme_show(hc_ctx *ctx, hc_acme_info *out, hc_err *err)
{
	const char *dir = directory_of(ctx, err);
	struct hc_acme_account acc = { 0 };
	struct hc_acme *a = NULL;
	struct hc_token *tok;
	struct record rec = { 0 };
	EVP_PKEY *key = NULL;
	int r, ret = -1;

	memset(out, 0, sizeof(*out));
	if (dir == NULL)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	r = find_record(tok, dir, &rec, err);
	if (r <= 0) {
		if (r == 0)
			no_account(dir, err);
		return -1;
	}
	if (open_account(ctx, tok, &rec, &a, &key, err) != 0 ||
	    hc_acme_get_account(a, &acc, err) != 0 ||
	    fill_info(ctx, tok, dir, &acc, rec.id, out, err) != 0)
		goto out;
	out->existed = 1;
	ret = 0;
out:
	if (ret != 0)
		hc_acme_info_release(out);
	hc_acme_free(a);
	EVP_PKEY_free(key);
	hc_acme_account_release(&acc);
	record_release(&rec);
	return ret;
}

int
hc_acme_check_account(hc_ctx *ctx, hc_err *err)
{
	const char *dir = directory_of(ctx, err);
	struct hc_token *tok;
	struct record rec;
	int r;

	if (dir == NULL)
		return -1;
	tok = hc_ctx_token(ctx, 0, err);
	if (tok == NULL)
		return -1;
	r = find_record(tok, dir, &rec, err);
	record_release(&rec);
	if (r == 0)
		return no_account(dir, err);
	return r < 0 ? -1 : 0;
}

void
hc_acme_account_recs_release(struct hc_acme_account_rec *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].directory);
		free(v[i].account);
		free(v[i].key_uri);
		free(v[i].key_provenance);
	}
	free(v);
}

int
hc_acme_accounts(struct hc_token *tok, struct hc_acme_account_rec **out,
		 size_t *n, hc_err *err)
{
	struct hc_tobj_list l = { 0 };
	struct hc_acme_account_rec *v = NULL;
	size_t i, k = 0;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_ACME_ACCOUNT_APP, &l,
			  err) != 0)
		return -1;
	v = calloc(l.n ? l.n : 1, sizeof(*v));
	if (v == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		struct hc_tobj_list keys = { 0 };
		unsigned char id[20];
		json_error_t je;
		json_t *j = l.v[i].value != NULL ?
			    json_loadb((const char *)l.v[i].value,
				       l.v[i].value_len, 0, &je) : NULL;
		const char *d =
			json_string_value(json_object_get(j, "Directory"));
		const char *a =
			json_string_value(json_object_get(j, "Account"));
		const char *kid =
			json_string_value(json_object_get(j, "KeyId"));
		int bad;

		if (d == NULL || a == NULL || kid == NULL ||
		    hc_unhex(kid, id, sizeof(id)) != 20) {
			json_decref(j);
			continue;
		}
		v[k].directory = strdup(d);
		v[k].account = strdup(a);
		hc_hex(id, 20, v[k].key_id);
		json_decref(j);
		bad = v[k].directory == NULL || v[k].account == NULL;
		k++;
		if (bad) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		if (hc_token_find(tok, HC_OBJ_PRIVKEY, id, 20, NULL, &keys,
				  err) != 0)
			goto out;
		if (keys.n > 0) {
			v[k - 1].key_provenance =
				strdup(hc_key_provenance(&keys.v[0]));
			v[k - 1].key_uri = hc_token_object_uri(tok,
				HC_OBJ_PRIVKEY, id, 20, keys.v[0].label, err);
			bad = v[k - 1].key_provenance == NULL ||
			      v[k - 1].key_uri == NULL;
		}
		hc_tobj_list_release(&keys);
		if (bad) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
	}
	*out = v;
	*n = k;
	v = NULL;
	ret = 0;
out:
	hc_acme_account_recs_release(v, k);
	hc_tobj_list_release(&l);
	return ret;
}

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
			     inet_ntop(AF_INET, s->data, buf,
				       sizeof(buf)) == NULL) ||
			    (s->length == 16 &&
			     inet_ntop(AF_INET6, s->data, buf,
				       sizeof(buf)) == NULL))
				continue;
			if ((s->length == 4 || s->length == 16) &&
			    hc_strlist_push(out, buf, err) != 0)
				goto out;
		}
	}
	if (out->n == 0) {
		X509_NAME *n = X509_REQ_get_subject_name(req);
		int k = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
		X509_NAME_ENTRY *ne = k >= 0 ? X509_NAME_get_entry(n, k) : NULL;
		ASN1_STRING *cn = ne != NULL ? X509_NAME_ENTRY_get_data(ne) :
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
do_order(hc_ctx *ctx, struct hc_token *tok, const struct record *rec,
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
	if (open_account(ctx, tok, rec, &a, &key, err) != 0)
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
store_issuance(struct hc_token *tok, const struct record *rec,
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
	const char *dir = directory_of(ctx, err);
	struct hc_store s = { 0 };
	struct hc_store_item *it = NULL;
	struct hc_token *tok;
	struct record rec = { 0 };
	hc_import_req ir = { 0 };
	char *pem = NULL, *ourl = NULL, target[41] = "";
	size_t pem_len = 0;
	unsigned long mark = 0;
	int r, ret = -1, audited = 0;

	memset(out, 0, sizeof(*out));
	if (dir == NULL)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	r = find_record(tok, dir, &rec, err);
	if (r <= 0) {
		if (r == 0)
			no_account(dir, err);
		goto out;
	}
	if (hc_store_open(ctx, tok, id, &s, &it, err) != 0)
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
	record_release(&rec);
	free(pem);
	free(ourl);
	return ret;
}
