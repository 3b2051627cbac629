/* acme_account.c - acme register / show, the account records
 *
 * The account key is an EC P-256 key pair generated on the token (label
 * hsmcert-acme-account); its record (directory, account URL, key id) is a
 * CKO_DATA object with CKA_APPLICATION hsmcert-acme-account, so every host
 * sharing the token shares the account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/acme.h"
#include "core/error.h"
#include "core/store.h"
#include "ops/acme_int.h"
#include "ops/ops.h"

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

void
hc_acme_record_release(struct hc_acme_record *r)
{
	free(r->directory);
	free(r->account);
	memset(r, 0, sizeof(*r));
}

const char *
hc_acme_directory_of(hc_ctx *ctx, hc_err *err)
{
	if (ctx->cfg.acme.directory == NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "[acme] directory is not set in the configuration");
		return NULL;
	}
	return ctx->cfg.acme.directory;
}

/*
 * One account record's fields (pointing into *j, which the caller
 * releases with json_decref): 0, or -1 when it is not a whole record.
 */
static int
parse_record(const struct hc_tobj *o, json_t **j, const char **dir,
	     const char **acct, unsigned char id[20])
{
	json_error_t je;
	const char *k;

	*j = o->value != NULL ?
	     json_loadb((const char *)o->value, o->value_len, 0, &je) : NULL;
	*dir = json_string_value(json_object_get(*j, "Directory"));
	*acct = json_string_value(json_object_get(*j, "Account"));
	k = json_string_value(json_object_get(*j, "KeyId"));
	return *dir != NULL && *acct != NULL && k != NULL &&
	       hc_unhex(k, id, 20) == 20 ? 0 : -1;
}

int
hc_acme_find_record(struct hc_token *tok, const char *directory,
		    struct hc_acme_record *out, hc_err *err)
{
	struct hc_tobj_list l = { 0 };
	size_t i;
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_ACME_ACCOUNT_APP, &l,
			  err) != 0)
		return -1;
	for (i = 0; i < l.n && !found; i++) {
		const char *d, *a;
		json_t *j;

		if (parse_record(&l.v[i], &j, &d, &a, out->id) == 0 &&
		    strcmp(d, directory) == 0) {
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
		hc_acme_record_release(out);
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	return found;
}

struct hc_token *
hc_acme_account_token(hc_ctx *ctx, const char *dir, int login,
		      struct hc_acme_record *rec, hc_err *err)
{
	struct hc_token *tok = hc_ctx_token(ctx, login, err);
	int r;

	memset(rec, 0, sizeof(*rec));
	if (tok == NULL)
		return NULL;
	r = hc_acme_find_record(tok, dir, rec, err);
	if (r == 0)
		hc_acme_no_account(dir, err);
	return r > 0 ? tok : NULL;
}

int
hc_acme_no_account(const char *directory, hc_err *err)
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

int
hc_acme_open_account(hc_ctx *ctx, struct hc_token *tok,
		     const struct hc_acme_record *rec, struct hc_acme **a,
		     EVP_PKEY **key, hc_err *err)
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
	const char *dir = hc_acme_directory_of(ctx, err);
	struct hc_keyspec ks = { HC_KEY_EC, 256 };
	struct hc_strlist contacts = { 0 };
	struct hc_acme_account acc = { 0 };
	struct hc_keypair kp = { 0 };
	struct hc_acme *a = NULL;
	struct hc_token *tok;
	struct hc_acme_record rec = { 0 };
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
	r = hc_acme_find_record(tok, dir, &rec, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		/* registered already: show it */
		if (hc_acme_open_account(ctx, tok, &rec, &a, &key, err) != 0 ||
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
		} else if (hc_strlist_push(&contacts, req->contacts[i], err) !=
			   0) {
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
	hc_acme_record_release(&rec);
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
	const char *dir = hc_acme_directory_of(ctx, err);
	struct hc_acme_account acc = { 0 };
	struct hc_acme *a = NULL;
	struct hc_token *tok;
	struct hc_acme_record rec = { 0 };
	EVP_PKEY *key = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (dir == NULL)
		return -1;
	tok = hc_acme_account_token(ctx, dir, 1, &rec, err);
	if (tok == NULL)
		return -1;
	if (hc_acme_open_account(ctx, tok, &rec, &a, &key, err) != 0 ||
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
	hc_acme_record_release(&rec);
	return ret;
}

int
hc_acme_check_account(hc_ctx *ctx, hc_err *err)
{
	const char *dir = hc_acme_directory_of(ctx, err);
	struct hc_acme_record rec;
	struct hc_token *tok;

	if (dir == NULL)
		return -1;
	tok = hc_acme_account_token(ctx, dir, 0, &rec, err);
	hc_acme_record_release(&rec);
	return tok != NULL ? 0 : -1;
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
		const char *d, *a;
		json_t *j;
		int bad;

		if (parse_record(&l.v[i], &j, &d, &a, id) != 0) {
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
