/* import.c - complete a request with the CA's answer, store CA certificates */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/bundle.h"
#include "core/error.h"
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
		r = d2i_X509_REQ(NULL, &p, (long)reqs->v[i].value_len);
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
	struct hc_txn tx;
	int n = sk_X509_num(certs), i, nleaves = 0, ret = -1;
	unsigned long h;
	const char *label;
	char thumb[41];

	memset(&tx, 0, sizeof(tx));
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
		if (hc_x509_key_id(X509_get0_pubkey(c->x), c->id, err) != 0)
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
		} else if (leaf->certs.n > 0) {
			hc_err_set(err, HC_E_USAGE,
				   "%s: the key of certificate %s already has another certificate on the token; remove it first, or renew",
				   req->path, thumb);
			goto out;
		} else {
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
		struct cand *c = &cands[i];
		char *label_ca;

		if (c == leaf || !c->is_ca)
			continue;
		hc_x509_thumbprint(c->x, thumb);
		if (same_cert_present(&c->certs, c->x)) {
			res->ca_present++;
			continue;
		}
		label_ca = hc_x509_name_text(X509_get_subject_name(c->x));
		if (label_ca == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		if (strlen(label_ca) > 64)
			label_ca[64] = '\0';
		h = 0;
		if (hc_token_store_cert(tok, c->x, label_ca, c->id,
					sizeof(c->id), HC_CAT_AUTHORITY, &h,
					err) != 0 || hc_txn_add(&tx, h, err) != 0) {
			free(label_ca);
			goto out;
		}
		free(label_ca);
		res->ca_added++;
		if (push_string(&res->ca_thumbprints, thumb, err) != 0)
			goto out;
	}
	for (i = 0; i < n; i++)
		if (!cands[i].is_ca && &cands[i] != leaf) {
			hc_x509_thumbprint(cands[i].x, thumb);
			hc_ctx_warn(ctx, "certificate %s in %s is not a CA certificate and its key is not on the token: ignored",
				    thumb, req->path);
		}
	/* The request goes last: up to here everything can be undone. */
	if (pending != NULL && res->leaf_stored) {
		if (hc_token_destroy(tok, pending->handle, err) != 0) {
			hc_err_prefix(err, "while removing the completed request: ");
			goto out;
		}
		res->completed = 1;
	}
	hc_txn_commit(&tx);
	res->nothing_changed = !res->leaf_stored && res->ca_added == 0;
	if (leaf != NULL) {
		if (hc_describe_id(ctx, leaf->id, sizeof(leaf->id), &res->entry,
				   err) != 0)
			goto out;
		res->has_entry = 1;
		if (res->entry.status == HC_STATUS_UNTRUSTED &&
		    res->entry.status_reason != NULL)
			hc_ctx_warn(ctx, "%s: %s", res->entry.thumbprint,
				    res->entry.status_reason);
	}
	ret = 0;
out:
	if (ret != 0)
		hc_txn_rollback(&tx);
	for (i = 0; cands != NULL && i < n; i++)
		cand_release(&cands[i]);
	free(cands);
	hc_tobj_list_release(&reqs);
	return ret;
}

int
hc_import(hc_ctx *ctx, const hc_import_req *req, hc_import_result *out,
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
		return hc_err_set(err, HC_E_USAGE, "a FILE to import is required");
	if (hc_file_read(req->path, &buf, &len, err) != 0)
		return -1;
	if (hc_bundle_parse(buf, len, req->path, &kind, &certs, err) != 0)
		goto out;
	if (kind == HC_BUNDLE_PKCS12) {
		if (req->complete_only) {
			hc_err_set(err, HC_E_USAGE,
				   "%s is a PKCS#12 (PFX): complete takes the CA's answer; use import for a PFX",
				   req->path);
			goto out;
		}
		ret = hc_import_pkcs12(ctx, req, buf, len, &res, err);
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
