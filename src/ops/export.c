/* export.c - PFX of an exportable key, the chain alone, or a pending request */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/pkcs12.h"
#include "core/range.h"
#include "core/x509.h"
#include "ops/new.h"
#include "ops/ops.h"

/*
 * Write public data (a request, a certificate chain) to --out, or hand the
 * bytes to the caller. Public outputs may go to a device or through a link
 * (--out /dev/stdout); a PFX never does (export_pfx).
 */
static int
deliver(const hc_export_req *req, unsigned char *buf, size_t len, mode_t mode,
	hc_blob *data, hc_err *err)
{
	if (req->out != NULL)
		return hc_file_write_atomic(req->out, buf, len, mode,
					    req->force, err);
	data->data = malloc(len ? len : 1);
	if (data->data == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(data->data, buf, len);
	data->len = len;
	return 0;
}

static int
export_request(const hc_export_req *req, struct hc_store_item *it,
	       hc_blob *data, hc_err *err)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char *pem = NULL;
	int ret;

	if (req->der) {
		if (hc_x509_req_der(it->x509_req, &der, &len, err) != 0)
			return -1;
		ret = deliver(req, der, len, 0644, data, err);
		free(der);
		return ret;
	}
	pem = hc_x509_req_to_pem(it->x509_req, err);
	if (pem == NULL)
		return -1;
	ret = deliver(req, (unsigned char *)pem, strlen(pem), 0644, data, err);
	free(pem);
	return ret;
}

/* The chain above the leaf, as far as it can be built. */
static STACK_OF(X509) *
chain_of(hc_ctx *ctx, struct hc_store *s, X509 *leaf, hc_err *err)
{
	struct hc_chain_ctx cc;
	struct hc_chain_result cr;
	STACK_OF(X509) *ch;

	if (hc_chain_ctx_init(&cc, ctx->cfg.trust_anchors, s->ca_stack,
			      err) != 0)
		return NULL;
	if (hc_chain_build(&cc, leaf, &cr, err) != 0) {
		hc_chain_ctx_release(&cc);
		return NULL;
	}
	ch = cr.chain;
	cr.chain = NULL;
	if (ch == NULL)
		ch = sk_X509_new_null();
	hc_chain_result_release(&cr);
	hc_chain_ctx_release(&cc);
	if (ch == NULL)
		hc_err_set(err, HC_E_FAIL, "out of memory");
	return ch;
}

static int
export_chain(hc_ctx *ctx, const hc_export_req *req, struct hc_store *s,
	     struct hc_store_item *it, hc_blob *data, hc_err *err)
{
	STACK_OF(X509) *ch = NULL;
	BIO *b = NULL;
	unsigned char *der = NULL;
	char *mem = NULL;
	long len;
	int n, i, ret = -1;

	if (req->der) {
		n = i2d_X509(it->x509, &der);
		if (n <= 0)
			return hc_err_ossl(err, HC_E_FAIL,
					   "cannot encode the certificate");
		ret = deliver(req, der, (size_t)n, 0644, data, err);
		OPENSSL_free(der);
		return ret;
	}
	ch = chain_of(ctx, s, it->x509, err);
	b = BIO_new(BIO_s_mem());
	if (ch == NULL || b == NULL || !PEM_write_bio_X509(b, it->x509)) {
		hc_err_ossl(err, HC_E_FAIL, "cannot write the chain");
		goto out;
	}
	for (i = 0; i < sk_X509_num(ch); i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(ch, i))) {
			hc_err_ossl(err, HC_E_FAIL, "cannot write the chain");
			goto out;
		}
	len = BIO_get_mem_data(b, &mem);
	ret = deliver(req, (unsigned char *)mem, (size_t)len, 0644, data, err);
out:
	BIO_free(b);
	sk_X509_pop_free(ch, X509_free);
	return ret;
}

static int
export_pfx(hc_ctx *ctx, const hc_export_req *req, struct hc_token *tok,
	   struct hc_store *s, struct hc_store_item *it, hc_err *err)
{
	STACK_OF(X509) *ch = NULL;
	unsigned char *pkcs8 = NULL, *pfx = NULL;
	size_t p8len = 0, pfxlen = 0;
	const unsigned char *p;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *key = NULL;
	hc_secret *pw = NULL;
	char what[300];
	int ret = -1, r;

	if (req->out == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "a PFX needs --out FILE (it is never written to a terminal)");
	/* hsmcert's rules first, then the token's */
	if (hc_policy_check_export(&ctx->cfg.policy, err) != 0)
		return -1;
	if (it->priv == NULL)
		return hc_err_set(err, HC_E_NOTFOUND,
				  "the private key of %s is not on this token",
				  it->ident);
	if (it->priv->extractable != 1)
		return hc_err_set(err, HC_E_DENIED,
				  "private key is not exportable (created without --exportable)");
	/* a link, a FIFO or a device at --out: --force does not help */
	if (hc_file_check_private(req->out, err) != 0)
		return -1;
	if (!req->force && hc_file_exists(req->out))
		return hc_err_set(err, HC_E_USAGE,
				  "%s exists; use --force to overwrite it",
				  req->out);
	/* before the password is asked for: a token that cannot wrap */
	if (hc_token_can_wrap_export(tok, err) != 0)
		return -1;
	r = snprintf(what, sizeof(what), "password for %s", req->out);
	(void)r;
	if (hc_ctx_ask_secret(ctx, what, req->password_source, &pw, err) != 0)
		return -1;
	if (hc_policy_check_password_len(&ctx->cfg.policy, hc_secret_len(pw),
					 err) != 0)
		goto out;
	ch = chain_of(ctx, s, it->x509, err);
	if (ch == NULL)
		goto out;
	if (hc_token_wrap_export(tok, it->priv->handle, &pkcs8, &p8len,
				 err) != 0)
		goto out;
	p = pkcs8;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, hc_range_clamp_long(p8len));
	key = p8 != NULL ? EVP_PKCS82PKEY(p8) : NULL;
	if (key == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "cannot read the exported key");
		goto out;
	}
	if (hc_pkcs12_make(key, it->x509, ch, it->cert->label, pw, req->legacy,
			   &pfx, &pfxlen, err) != 0)
		goto out;
	/* a new 0600 file renamed into place, never through a link */
	if (hc_file_write_private(req->out, pfx, pfxlen, req->force, err) != 0)
		goto out;
	ret = 0;
out:
	OPENSSL_clear_free(pkcs8, p8len);
	OPENSSL_clear_free(pfx, pfxlen);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(key);
	sk_X509_pop_free(ch, X509_free);
	hc_secret_free(pw);
	return ret;
}

static int
do_export(hc_ctx *ctx, const hc_export_req *req, hc_blob *data, hc_err *err)
{
	struct hc_store s;
	struct hc_store_item *it;
	struct hc_token *tok;
	char norm[41];
	int ret = -1;

	if (hc_store_parse_id(req->id, norm, err) != 0)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_lookup_open(ctx, tok, req->id, &s, &it, err) != 0)
		return -1;
	switch (it->kind) {
	case HC_KIND_REQUEST:
		ret = export_request(req, it, data, err);
		break;
	case HC_KIND_CERT:
		if (req->cert_only)
			ret = export_chain(ctx, req, &s, it, data, err);
		else
			ret = export_pfx(ctx, req, tok, &s, it, err);
		break;
	case HC_KIND_ORPHAN:
	case HC_KIND_CA:
		hc_err_set(err, HC_E_USAGE,
			   "%s is a key without certificate or request: nothing to export",
			   req->id);
		break;
	}
	hc_store_release(&s);
	return ret;
}

int
hc_export(hc_ctx *ctx, const hc_export_req *req, hc_blob *data, hc_err *err)
{
	char detail[300] = "";
	int r = do_export(ctx, req, data, err), n;

	n = snprintf(detail, sizeof(detail), "%s%s%s",
		     req->cert_only ? "certificate chain" :
				      "PKCS#12 with the private key",
		     req->out ? " to " : " to stdout",
		     req->out ? req->out : "");
	(void)n;
	/* public data is not worth a line; a private key export always is */
	if (r == 0 && req->cert_only)
		return r;
	hc_audit_op(ctx, "export", req->id, err, detail);
	return r;
}
