/* import.c - complete a request with the CA's answer, store CA certificates */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/bundle.h"
#include "core/error.h"
#include "core/pkcs12.h"
#include "core/range.h"
#include "core/x509.h"
#include "ops/new.h"
#include "ops/ops.h"

#define NO_KEY_MSG "the private key for this certificate is not on this token; " \
	"import the PFX exported from the server where the request was made"

void
hc_import_result_release(hc_import_result *r)
{
	if (r == NULL)
		return;
	hc_entry_release(&r->entry);
	hc_strings_release(&r->ca_thumbprints);
	memset(r, 0, sizeof(*r));
}

static int
push_string(hc_strings *s, const char *v, hc_err *err)
{
	char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	s->v = nv;
	s->v[s->n] = strdup(v);
	if (s->v[s->n] == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	s->n++;
	return 0;
}

/* Is this exact certificate (same DER) among objs? */
static int
same_cert_present(const struct hc_tobj_list *objs, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der), found = 0;
	size_t i;

	for (i = 0; len > 0 && i < objs->n; i++)
		if (objs->v[i].value_len == (size_t)len &&
		    memcmp(objs->v[i].value, der, (size_t)len) == 0)
			found = 1;
	OPENSSL_free(der);
	return found;
}

/* The pending request of a key id: its data object, or NULL. */
static int
find_request(struct hc_token *tok, const unsigned char *id,
	     struct hc_tobj_list *reqs, struct hc_tobj **out, hc_err *err)
{
	size_t i;

	*out = NULL;
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_REQUEST_APP, reqs,
			  err) != 0)
		return -1;
	for (i = 0; i < reqs->n; i++) {
		const unsigned char *p = reqs->v[i].value;
		unsigned char rid[20];
		X509_REQ *r;
		EVP_PKEY *pk;

		if (p == NULL || reqs->v[i].value_len > 0x7fffffff)
			continue;
		r = d2i_X509_REQ(NULL, &p,
				 hc_range_clamp_long(reqs->v[i].value_len));
		pk = r != NULL ? X509_REQ_get0_pubkey(r) : NULL;
		if (pk != NULL && hc_x509_key_id(pk, rid, NULL) == 0 &&
		    memcmp(rid, id, sizeof(rid)) == 0)
			*out = &reqs->v[i];
		X509_REQ_free(r);
		ERR_clear_error();
		if (*out != NULL)
			break;
	}
	return 0;
}

/* Store one CA certificate unless the same one is there already. */
static int
store_ca(struct hc_token *tok, struct hc_txn *tx, X509 *x,
	 const struct hc_tobj_list *present, hc_import_result *res,
	 hc_err *err)
{
	unsigned char id[20];
	struct hc_tobj_list mine = { NULL, 0 };
	char thumb[41], *label = NULL;
	unsigned long h = 0;
	int ret = -1;

	if (hc_x509_key_id(X509_get0_pubkey(x), id, err) != 0)
		return -1;
	if (present == NULL) {
		if (hc_token_find(tok, HC_OBJ_CERT, id, sizeof(id), NULL, &mine,
				  err) != 0)
			return -1;
		present = &mine;
	}
	hc_x509_thumbprint(x, thumb);
	if (same_cert_present(present, x)) {
		res->ca_present++;
		ret = 0;
		goto out;
	}
	label = hc_x509_name_text(X509_get_subject_name(x));
	if (label == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (strlen(label) > 64)
		label[64] = '\0';
	if (hc_token_store_cert(tok, x, label, id, sizeof(id), HC_CAT_AUTHORITY,
				&h, err) != 0 || hc_txn_add(tx, h, err) != 0)
		goto out;
	res->ca_added++;
	if (push_string(&res->ca_thumbprints, thumb, err) != 0)
		goto out;
	ret = 0;
out:
	free(label);
	hc_tobj_list_release(&mine);
	return ret;
}

/* "a, b, c" of a list into buf, cut with "..." when it does not fit. */
static void
join_names(const struct hc_strlist *l, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
			     l->v[i]);
		if (n < 0 || (size_t)n >= len - used) {
			if (len > 4)
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		used += (size_t)n;
	}
}

/*
 * SPEC section 10: only what the request asked for completes it. Every
 * DNS name and IP address of the pending request's SAN list (its CN among
 * them when it was asked for) must be in the answer, else HC_E_VERIFY
 * unless req->force; names the request did not ask for are a warning.
 * Warnings go to *warn, told once the certificate is kept.
 */
static int
check_names(const hc_import_req *req, X509 *x, const struct hc_tobj *pending,
	    struct hc_strlist *warn, int *forced, hc_err *err)
{
	const unsigned char *p = pending->value;
	struct hc_strlist missing = { 0 }, extra = { 0 };
	X509_REQ *r = NULL;
	char thumb[41], names[400];
	int ret = -1;

	if (p != NULL && pending->value_len <= 0x7fffffff)
		r = d2i_X509_REQ(NULL, &p,
				 hc_range_clamp_long(pending->value_len));
	if (r == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "cannot read the pending request");
		goto out;
	}
	if (hc_x509_names_diff(x, r, &missing, &extra, err) != 0)
		goto out;
	hc_x509_thumbprint(x, thumb);
	if (missing.n > 0) {
		join_names(&missing, names, sizeof(names));
		if (!req->force) {
			hc_err_set(err, HC_E_VERIFY,
				   "%s: certificate %s lacks %s the pending request asked for: %s; have the CA issue it again with every requested name, or accept it with --force",
				   req->path, thumb,
				   missing.n == 1 ? "a name" : "names", names);
			goto out;
		}
		if (hc_strlist_pushf(warn, err,
				     "--force: certificate %s completes the request although it lacks %s the request asked for: %s",
				     thumb, missing.n == 1 ? "a name" : "names",
				     names) != 0)
			goto out;
		*forced = 1;
	}
	if (extra.n > 0) {
		join_names(&extra, names, sizeof(names));
		if (hc_strlist_pushf(warn, err,
				     "certificate %s carries %s the request did not ask for: %s",
				     thumb, extra.n == 1 ? "a name" : "names",
				     names) != 0)
			goto out;
	}
	ret = 0;
out:
	X509_REQ_free(r);
	hc_strlist_release(&missing);
	hc_strlist_release(&extra);
	ERR_clear_error();
	return ret;
}

/* The state of one certificate of the input on this token. */
struct cand {
	X509 *x;			/* borrowed from the stack */
	unsigned char id[20];
	int is_ca;
	struct hc_tobj_list keys;	/* private keys with this id */
	struct hc_tobj_list certs;	/* certificates with this id */
};

static void
cand_release(struct cand *c)
{
	hc_tobj_list_release(&c->keys);
	hc_tobj_list_release(&c->certs);
}

static int
import_certs(hc_ctx *ctx, const hc_import_req *req, STACK_OF(X509) *certs,
	     hc_import_result *res, hc_err *err)
{
	struct hc_token *tok;
	struct cand *cands = NULL, *leaf = NULL;
	struct hc_tobj_list reqs = { NULL, 0 };
	struct hc_tobj *pending = NULL;
	struct hc_strlist warn = { 0 };
	struct hc_txn tx;
	int n = sk_X509_num(certs), i, nleaves = 0, ret = -1;
	unsigned long h;
	const char *label;
	char thumb[41];

	memset(&tx, 0, sizeof(tx));
	/* a forged self-signed certificate anywhere in the file: nothing */
	for (i = 0; i < n; i++)
		if (hc_x509_check_self_signature(sk_X509_value(certs, i),
						 req->path, err) != 0)
			return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	hc_txn_init(&tx, tok);
	cands = calloc((size_t)n, sizeof(*cands));
	if (cands == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	/* Each certificate's key id is looked up on the token: no scan. */
	for (i = 0; i < n; i++) {
		struct cand *c = &cands[i];

		c->x = sk_X509_value(certs, i);
		c->is_ca = hc_x509_is_ca(c->x);
		if (hc_x509_cert_key_id(c->x, NULL, c->id, err) != 0)
			goto out;
		if (hc_token_find(tok, HC_OBJ_CERT, c->id, sizeof(c->id), NULL,
				  &c->certs, err) != 0)
			goto out;
		if (c->is_ca)
			continue;
		nleaves++;
		if (hc_token_find(tok, HC_OBJ_PRIVKEY, c->id, sizeof(c->id),
				  NULL, &c->keys, err) != 0)
			goto out;
		if (c->keys.n > 0 && leaf == NULL)
			leaf = c;
	}
	if (leaf == NULL && nleaves > 0) {
		hc_err_set(err, HC_E_NOTFOUND, "%s: %s", req->path, NO_KEY_MSG);
		goto out;
	}
	if (leaf != NULL) {
		if (find_request(tok, leaf->id, &reqs, &pending, err) != 0)
			goto out;
		if (req->complete_only && pending == NULL &&
		    !same_cert_present(&leaf->certs, leaf->x)) {
			hc_x509_thumbprint(leaf->x, thumb);
			hc_err_set(err, HC_E_NOTFOUND,
				   "%s: certificate %s matches a key on the token but no pending request",
				   req->path, thumb);
			goto out;
		}
		if (pending != NULL &&
		    check_names(req, leaf->x, pending, &warn,
				&res->names_forced, err) != 0)
			goto out;
	} else if (req->complete_only) {
		hc_err_set(err, HC_E_NOTFOUND,
			   "%s holds only CA certificates: nothing completes a pending request (use import to store them)",
			   req->path);
		goto out;
	}
	/* Store the leaf beside its key, with the key's id and label. */
	if (leaf != NULL) {
		hc_x509_thumbprint(leaf->x, thumb);
		if (same_cert_present(&leaf->certs, leaf->x)) {
			/* already there: said by nothing_changed */
		} else {
			if (leaf->certs.n > 0)
				hc_ctx_warn(ctx,
					    "the key of %s already has a certificate on the token: both are kept (a reissue); remove the old one once the new one is in service",
					    thumb);
			label = pending != NULL ? pending->label :
				leaf->keys.v[0].label;
			if (hc_token_store_cert(tok, leaf->x, label, leaf->id,
						sizeof(leaf->id), HC_CAT_USER,
						&h, err) != 0 ||
			    hc_txn_add(&tx, h, err) != 0)
				goto out;
			res->leaf_stored = 1;
		}
	}
	/* CA certificates are chain material, under their own key id. */
	for (i = 0; i < n; i++) {
		if (&cands[i] == leaf || !cands[i].is_ca)
			continue;
		if (store_ca(tok, &tx, cands[i].x, &cands[i].certs, res,
			     err) != 0)
			goto out;
	}
	for (i = 0; i < n; i++)
		if (!cands[i].is_ca && &cands[i] != leaf) {
			hc_x509_thumbprint(cands[i].x, thumb);
			hc_ctx_warn(ctx,
				    "certificate %s in %s is not a CA certificate and its key is not on the token: ignored",
				    thumb, req->path);
		}
	/* described before anything is kept, the request removed last */
	res->nothing_changed = !res->leaf_stored && res->ca_added == 0;
	if (leaf != NULL) {
		hc_x509_thumbprint(leaf->x, thumb);
		if (hc_describe_cert(ctx, leaf->id, sizeof(leaf->id), thumb,
				     &res->entry, err) != 0)
			goto out;
		res->has_entry = 1;
	}
	if (pending != NULL && res->leaf_stored) {
		if (hc_token_destroy(tok, pending->handle, err) != 0) {
			hc_err_prefix(err,
				      "while removing the completed request: ");
			goto out;
		}
		res->completed = 1;
	}
	hc_txn_commit(&tx);
	hc_ctx_warn_list(ctx, &warn);
	if (res->has_entry && res->entry.status == HC_STATUS_UNTRUSTED &&
	    res->entry.status_reason != NULL)
		hc_ctx_warn(ctx, "%s: %s", res->entry.thumbprint,
			    res->entry.status_reason);
	ret = 0;
out:
	if (ret != 0)
		hc_txn_rollback(&tx);
	for (i = 0; cands != NULL && i < n; i++)
		cand_release(&cands[i]);
	free(cands);
	hc_tobj_list_release(&reqs);
	hc_strlist_release(&warn);
	return ret;
}

/* A PFX from another server: key pair, certificate and chain. */
static int
import_pkcs12(hc_ctx *ctx, const hc_import_req *req, const unsigned char *buf,
	      size_t len, hc_import_result *res, hc_err *err)
{
	struct hc_token *tok;
	struct hc_tobj_list keys = { NULL, 0 }, certs = { NULL, 0 };
	struct hc_keyspec ks;
	struct hc_txn tx;
	hc_secret *pw = NULL;
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	unsigned char id[20];
	unsigned long hpriv = 0, hpub = 0, h = 0;
	const char *label;
	char what[300], cn[65];
	int i, r, ret = -1;

	memset(&tx, 0, sizeof(tx));
	r = snprintf(what, sizeof(what), "password for %s", req->path);
	(void)r;
	if (hc_ctx_ask_secret(ctx, what, req->password_source, &pw, err) != 0)
		return -1;
	/* a wrong password fails here, before the token is touched */
	if (hc_pkcs12_open(buf, len, req->path, pw, &key, &leaf, &chain,
			   err) != 0)
		goto out;
	if (hc_x509_check_self_signature(leaf, req->path, err) != 0)
		goto out;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (hc_x509_check_self_signature(sk_X509_value(chain, i),
						 req->path, err) != 0)
			goto out;
	if (EVP_PKEY_eq(key, X509_get0_pubkey(leaf)) != 1) {
		hc_err_set(err, HC_E_USAGE,
			   "%s: the private key does not match the certificate",
			   req->path);
		goto out;
	}
	ks.kind = EVP_PKEY_is_a(key, "RSA") ? HC_KEY_RSA : HC_KEY_EC;
	ks.bits = EVP_PKEY_get_bits(key);
	if (hc_policy_check_key(&ctx->cfg.policy, &ks, err) != 0)
		goto out;
	if (hc_x509_key_id(X509_get0_pubkey(leaf), id, err) != 0)
		goto out;
	if (req->friendly_name != NULL) {
		label = req->friendly_name;
		if (hc_label_check(label, "--friendly-name", err) != 0)
			goto out;
	} else if (X509_alias_get0(leaf, NULL) != NULL) {
		int alen = 0;
		const unsigned char *a = X509_alias_get0(leaf, &alen);

		if (alen > 64)
			alen = 64;
		memcpy(cn, a, (size_t)alen);
		cn[alen] = '\0';
		label = cn;
	} else if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf),
					     NID_commonName, cn,
					     sizeof(cn)) > 0) {
		label = cn;
	} else {
		label = "imported";
	}
	if (req->exportable && !ctx->cfg.policy.allow_export)
		hc_ctx_warn(ctx,
			    "--exportable: the policy forbids every private-key export anyway (allow-export = false)");
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		goto out;
	hc_txn_init(&tx, tok);
	if (hc_token_find(tok, HC_OBJ_PRIVKEY, id, sizeof(id), NULL, &keys,
			  err) != 0 ||
	    hc_token_find(tok, HC_OBJ_CERT, id, sizeof(id), NULL, &certs,
			  err) != 0)
		goto out;
	if (keys.n == 0) {
		if (hc_token_import_keypair(tok, key, label, id, sizeof(id),
					    req->exportable, &hpriv, &hpub,
					    err) != 0)
			goto out;
		if (hc_txn_add(&tx, hpub, err) != 0 ||
		    hc_txn_add(&tx, hpriv, err) != 0)
			goto out;
		res->key_imported = 1;
	} else {
		hc_ctx_warn(ctx,
			    "the key of %s is already on the token: not imported again",
			    req->path);
		label = keys.v[0].label;
	}
	if (!same_cert_present(&certs, leaf)) {
		if (certs.n > 0)
			hc_ctx_warn(ctx,
				    "the key already has another certificate on the token: both are kept");
		if (hc_token_store_cert(tok, leaf, label, id, sizeof(id),
					HC_CAT_USER, &h, err) != 0 ||
		    hc_txn_add(&tx, h, err) != 0)
			goto out;
		res->leaf_stored = 1;
	}
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (store_ca(tok, &tx, sk_X509_value(chain, i), NULL, res,
			     err) != 0)
			goto out;
	res->nothing_changed = keys.n > 0 && !res->leaf_stored &&
			       res->ca_added == 0;
	if (keys.n == 0) {
		/* a fresh key pair: described from memory, the chain in hand */
		struct hc_made m;

		memset(&m, 0, sizeof(m));
		memcpy(m.id, id, sizeof(id));
		m.label = label;
		m.key_kind = ks.kind;
		m.key_bits = ks.bits;
		m.local = 0;
		m.exportable = req->exportable;
		m.priv = hpriv;
		m.pub = hpub;
		m.obj = h;
		m.cert = leaf;
		m.cas = chain;
		if (hc_describe_made(ctx, tok, &m, &res->entry, err) != 0)
			goto out;
	} else {
		char lthumb[41];

		hc_x509_thumbprint(leaf, lthumb);
		if (hc_describe_cert(ctx, id, sizeof(id), lthumb, &res->entry,
				     err) != 0)
			goto out;
	}
	res->has_entry = 1;
	hc_txn_commit(&tx);
	ret = 0;
out:
	if (ret != 0)
		hc_txn_rollback(&tx);
	hc_tobj_list_release(&keys);
	hc_tobj_list_release(&certs);
	EVP_PKEY_free(key);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	hc_secret_free(pw);
	return ret;
}

static int
do_import(hc_ctx *ctx, const hc_import_req *req, hc_import_result *out,
	  hc_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum hc_bundle_kind kind;
	STACK_OF(X509) *certs = NULL;
	hc_import_result res;
	int ret = -1;

	memset(&res, 0, sizeof(res));
	if (req->path == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "a FILE to import is required");
	if (req->data != NULL) {
		buf = OPENSSL_memdup(req->data, req->data_len);
		len = req->data_len;
		if (buf == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
	} else if (hc_file_read(req->path, &buf, &len, err) != 0) {
		return -1;
	}
	if (hc_bundle_parse(buf, len, req->path, &kind, &certs, err) != 0)
		goto out;
	if (kind == HC_BUNDLE_PKCS12) {
		if (req->complete_only) {
			hc_err_set(err, HC_E_USAGE,
				   "%s is a PKCS#12 (PFX): complete takes the CA's answer; use import for a PFX",
				   req->path);
			goto out;
		}
		ret = import_pkcs12(ctx, req, buf, len, &res, err);
		if (ret == 0)
			goto done;
		goto out;
	}
	hc_bundle_order(certs);
	if (import_certs(ctx, req, certs, &res, err) != 0)
		goto out;
done:
	*out = res;
	memset(&res, 0, sizeof(res));
	ret = 0;
out:
	hc_import_result_release(&res);
	sk_X509_pop_free(certs, X509_free);
	OPENSSL_clear_free(buf, len);
	return ret;
}

int
hc_import(hc_ctx *ctx, const hc_import_req *req, hc_import_result *out,
	  hc_err *err)
{
	char detail[300] = "";
	int r = do_import(ctx, req, out, err), n;

	if (r == 0) {
		n = snprintf(detail, sizeof(detail),
			     "%s: %s%s%s%s%zu CA certificate(s) added%s",
			     req->path,
			     out->key_imported ?
				     "key and certificate imported, " :
				     "",
			     out->completed ? "pending request completed, " :
					      "",
			     out->names_forced ?
				     "names of the request missing (--force), " :
				     "",
			     out->leaf_stored && !out->completed &&
					     !out->key_imported ?
				     "certificate stored, " :
				     "",
			     out->ca_added,
			     out->nothing_changed ? ", nothing changed" : "");
		(void)n;
		/* an import that changed nothing is not a change */
		if (out->nothing_changed)
			return r;
	}
	hc_audit_op(ctx, req->complete_only ? "complete" : "import",
		    r == 0 && out->has_entry ? out->entry.thumbprint :
					       req->path,
		    err, detail);
	return r;
}
