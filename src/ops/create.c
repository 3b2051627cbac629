/* create.c - a key pair and certificate or request, kept or undone by the
 * caller */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/error.h"
#include "core/x509.h"
#include "ops/create.h"
#include "ops/ops.h"

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

/* The request signed by the new key, stored as a data object. */
static int
store_request(hc_ctx *ctx, const struct hc_create *c, struct hc_token *tok,
	      const struct hc_keypair *kp, EVP_PKEY *signer,
	      struct hc_create_txn *t, hc_err *err)
{
	unsigned char *der = NULL;
	size_t derlen = 0;
	unsigned long h;
	int ret = -1;

	t->made.req = hc_x509_make_csr(c->name, c->names, kp->pubkey,
				       hc_sign_digest(ctx, &c->key), signer,
				       err);
	if (t->made.req == NULL)
		sign_reason(tok, err);
	if (t->made.req == NULL ||
	    hc_x509_req_der(t->made.req, &der, &derlen, err) != 0)
		goto out;
	if (hc_token_store_data(tok, HC_REQUEST_APP, c->label, der, derlen,
				&h, err) != 0 ||
	    hc_txn_add(&t->tx, h, err) != 0)
		goto out;
	t->made.obj = h;
	ret = 0;
out:
	free(der);
	return ret;
}

/* The self-signed certificate of the new key, stored beside it. */
static int
store_cert(hc_ctx *ctx, const struct hc_create *c, struct hc_token *tok,
	   const struct hc_keypair *kp, EVP_PKEY *signer,
	   struct hc_create_txn *t, hc_err *err)
{
	struct hc_cert_params cp;
	unsigned long h;

	memset(&cp, 0, sizeof(cp));
	cp.name = c->name;
	cp.names = c->names;
	cp.days = c->days;
	cp.digest = hc_sign_digest(ctx, &c->key);
	cp.pubkey = kp->pubkey;
	cp.key_id = kp->id;
	t->made.cert = hc_x509_self_signed(&cp, signer, err);
	if (t->made.cert == NULL) {
		sign_reason(tok, err);
		return -1;
	}
	if (hc_token_store_cert(tok, t->made.cert, c->label, kp->id,
				sizeof(kp->id), HC_CAT_USER, &h, err) != 0 ||
	    hc_txn_add(&t->tx, h, err) != 0)
		return -1;
	t->made.obj = h;
	return 0;
}

/*
 * The renewal link (SPEC section 9 Renews/RenewedBy): a data object named
 * after the new key id whose value names the certificate renewed, made
 * and kept or destroyed with the new objects.
 */
static int
store_renewal_link(struct hc_txn *tx, const unsigned char id[20],
		   const char *old_thumb, hc_err *err)
{
	char label[41], *val;
	unsigned long h;
	json_t *j;
	int r = -1;

	hc_hex(id, 20, label);
	j = json_pack("{s:s}", "Renews", old_thumb);
	val = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (val == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (hc_token_store_data(tx->tok, HC_RENEWAL_APP, label,
				(const unsigned char *)val, strlen(val), &h,
				err) == 0)
		r = hc_txn_add(tx, h, err);
	free(val);
	return r;
}

int
hc_create_begin(hc_ctx *ctx, const struct hc_create *c,
		struct hc_create_txn *t, hc_err *err)
{
	struct hc_keypair kp;
	struct hc_token *tok;
	EVP_PKEY *signer = NULL;
	int ret = -1, r;

	memset(t, 0, sizeof(*t));
	memset(&kp, 0, sizeof(kp));
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	hc_txn_init(&t->tx, tok);
	if (hc_token_generate_keypair(tok, &c->key, c->label, c->exportable,
				      &kp, err) != 0)
		goto out;
	if (hc_txn_add(&t->tx, kp.pub, err) != 0 ||
	    hc_txn_add(&t->tx, kp.priv, err) != 0)
		goto out;
	/* the renewal link before the certificate: a token lost in between
	 * leaves an orphan key whose remove takes the link too */
	if (c->renews != NULL &&
	    store_renewal_link(&t->tx, kp.id, c->renews, err) != 0)
		goto out;
	signer = hc_token_signer_for(tok, kp.priv, kp.pubkey, err);
	if (signer == NULL)
		goto out;
	if (c->request)
		r = store_request(ctx, c, tok, &kp, signer, t, err);
	else
		r = store_cert(ctx, c, tok, &kp, signer, t, err);
	if (r != 0)
		goto out;
	/* what was made, for the caller's steps before it commits */
	memcpy(t->made.id, kp.id, sizeof(kp.id));
	t->made.label = c->label;
	t->made.key_kind = c->key.kind;
	t->made.key_bits = c->key.bits;
	t->made.local = 1;
	t->made.exportable = c->exportable;
	t->made.priv = kp.priv;
	t->made.pub = kp.pub;
	ret = 0;
out:
	if (ret != 0)
		hc_create_abort(t);
	EVP_PKEY_free(signer);
	hc_keypair_release(&kp);
	return ret;
}

static void
create_txn_release(struct hc_create_txn *t)
{
	X509_free(t->made.cert);
	X509_REQ_free(t->made.req);
	memset(t, 0, sizeof(*t));
}

void
hc_create_commit(struct hc_create_txn *t)
{
	hc_txn_commit(&t->tx);
	create_txn_release(t);
}

void
hc_create_abort(struct hc_create_txn *t)
{
	if (t == NULL)
		return;
	hc_txn_rollback(&t->tx);
	create_txn_release(t);
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
