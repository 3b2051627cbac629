/* x509_brief.c - a self-signed leaf read without d2i_X509 (x509_brief.h) */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/range.h"
#include "core/util.h"
#include "core/x509.h"
#include "core/x509_brief.h"

/*
 * RFC 5280 section 4.1, as OpenSSL's own X509 and X509_CINF templates
 * read it, but with the SubjectPublicKeyInfo left as an algorithm and a
 * BIT STRING (X509_PUBKEY's callback is what decodes the key). The TBS
 * and the key keep their original encodings: the signature is checked
 * over the TBS bytes as they came, the key decoded from its own bytes.
 */
typedef struct {
	X509_ALGOR *alg;
	ASN1_BIT_STRING *key;
	ASN1_ENCODING enc;
} HC_SPKI;

ASN1_SEQUENCE_enc(HC_SPKI, enc, NULL) = {
	ASN1_SIMPLE(HC_SPKI, alg, X509_ALGOR),
	ASN1_SIMPLE(HC_SPKI, key, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END_ref(HC_SPKI, HC_SPKI)

typedef struct {
	ASN1_INTEGER *version;
	ASN1_INTEGER *serial;
	X509_ALGOR *sigalg;
	X509_NAME *issuer;
	X509_VAL *validity;
	X509_NAME *subject;
	HC_SPKI *spki;
	ASN1_BIT_STRING *issuer_uid;
	ASN1_BIT_STRING *subject_uid;
	STACK_OF(X509_EXTENSION) *exts;
	ASN1_ENCODING enc;
} HC_TBS;

ASN1_SEQUENCE_enc(HC_TBS, enc, NULL) = {
	ASN1_EXP_OPT(HC_TBS, version, ASN1_INTEGER, 0),
	ASN1_SIMPLE(HC_TBS, serial, ASN1_INTEGER),
	ASN1_SIMPLE(HC_TBS, sigalg, X509_ALGOR),
	ASN1_SIMPLE(HC_TBS, issuer, X509_NAME),
	ASN1_SIMPLE(HC_TBS, validity, X509_VAL),
	ASN1_SIMPLE(HC_TBS, subject, X509_NAME),
	ASN1_SIMPLE(HC_TBS, spki, HC_SPKI),
	ASN1_IMP_OPT(HC_TBS, issuer_uid, ASN1_BIT_STRING, 1),
	ASN1_IMP_OPT(HC_TBS, subject_uid, ASN1_BIT_STRING, 2),
	ASN1_EXP_SEQUENCE_OF_OPT(HC_TBS, exts, X509_EXTENSION, 3)
} static_ASN1_SEQUENCE_END_ref(HC_TBS, HC_TBS)

typedef struct {
	HC_TBS *tbs;
	X509_ALGOR *sigalg;
	ASN1_BIT_STRING *sig;
} HC_CERT;

ASN1_SEQUENCE(HC_CERT) = {
	ASN1_SIMPLE(HC_CERT, tbs, HC_TBS),
	ASN1_SIMPLE(HC_CERT, sigalg, X509_ALGOR),
	ASN1_SIMPLE(HC_CERT, sig, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(HC_CERT)

struct hc_x509_brief {
	HC_CERT *c;
	EVP_PKEY *pk;
	unsigned char sha1[20];
	unsigned char sha256[32];
	int self_sig_ok;
};

struct hc_x509_brief_ctx {
	OSSL_DECODER_CTX *dec;	/* made once: the costly part of d2i_X509;
				   NULL: no key, no check (dates only) */
	EVP_PKEY *out;		/* where dec puts each key */
};

struct hc_x509_brief_ctx *
hc_x509_brief_ctx_new(int check)
{
	struct hc_x509_brief_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL || !check)
		return c;
	c->dec = OSSL_DECODER_CTX_new_for_pkey(&c->out, "DER",
					       "SubjectPublicKeyInfo", NULL,
					       EVP_PKEY_PUBLIC_KEY, NULL, NULL);
	if (c->dec == NULL) {
		ERR_clear_error();
		free(c);
		return NULL;
	}
	return c;
}

void
hc_x509_brief_ctx_free(struct hc_x509_brief_ctx *c)
{
	if (c == NULL)
		return;
	OSSL_DECODER_CTX_free(c->dec);
	free(c);
}

void
hc_x509_brief_free(struct hc_x509_brief *b)
{
	if (b == NULL)
		return;
	ASN1_item_free((ASN1_VALUE *)b->c, ASN1_ITEM_rptr(HC_CERT));
	EVP_PKEY_free(b->pk);
	free(b);
}

/* Each extension at most once (OpenSSL marks a repeat invalid). */
static int
extensions_unique(const STACK_OF(X509_EXTENSION) *exts)
{
	int i, n = sk_X509_EXTENSION_num(exts);

	for (i = 0; i < n; i++) {
		const ASN1_OBJECT *o =
			X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts,
									  i));

		if (X509v3_get_ext_by_OBJ(exts, o, i) >= 0)
			return 0;
	}
	return 1;
}

/*
 * A plain self-signed leaf: a version OpenSSL accepts for what the TBS
 * holds, issuer = subject, no repeated extension, and no basicConstraints
 * saying CA (a CA's self-issued certificate may be signed by another key).
 */
static int
plain_self_signed_leaf(const HC_TBS *t)
{
	long v = t->version != NULL ? ASN1_INTEGER_get(t->version) : 0;
	BASIC_CONSTRAINTS *bc;
	int crit = 0, ca;

	if (v < 0 || v > 2 || (t->exts != NULL && v != 2) ||
	    ((t->issuer_uid != NULL || t->subject_uid != NULL) && v < 1) ||
	    X509_NAME_cmp(t->subject, t->issuer) != 0 ||
	    !extensions_unique(t->exts))
		return 0;
	bc = X509V3_get_d2i(t->exts, NID_basic_constraints, &crit, NULL);
	if (bc == NULL)
		return crit == -1;	/* absent; -2: repeated, else damaged */
	ca = bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	return !ca;
}

static int
digests(struct hc_x509_brief *b)
{
	unsigned char *der = NULL;
	int n = ASN1_item_i2d((ASN1_VALUE *)b->c, &der,
			      ASN1_ITEM_rptr(HC_CERT));
	int ok = n > 0 &&
		 EVP_Digest(der, (size_t)n, b->sha1, NULL, EVP_sha1(),
			    NULL) == 1 &&
		 EVP_Digest(der, (size_t)n, b->sha256, NULL, EVP_sha256(),
			    NULL) == 1;

	OPENSSL_free(der);
	return ok;
}

struct hc_x509_brief *
hc_x509_brief_parse(struct hc_x509_brief_ctx *c, const unsigned char *der,
		    size_t len)
{
	struct hc_x509_brief *b = calloc(1, sizeof(*b));
	const unsigned char *p = der, *k;
	size_t klen;
	HC_SPKI *spki;

	if (b == NULL || len > 0x7fffffff)
		goto fail;
	b->c = (HC_CERT *)ASN1_item_d2i(NULL, &p, hc_range_clamp_long(len),
					ASN1_ITEM_rptr(HC_CERT));
	if (b->c == NULL || !plain_self_signed_leaf(b->c->tbs) || !digests(b))
		goto fail;
	b->self_sig_ok = -1;
	if (c->dec == NULL)
		return b;	/* what renew --due reads: no key, no check */
	spki = b->c->tbs->spki;
	k = spki->enc.enc;
	klen = spki->enc.len > 0 ? (size_t)spki->enc.len : 0;
	c->out = NULL;
	if (k == NULL || OSSL_DECODER_from_data(c->dec, &k, &klen) != 1 ||
	    c->out == NULL)
		goto fail;	/* a key OpenSSL cannot read: the full path */
	b->pk = c->out;
	c->out = NULL;
	/* as X509_verify: both algorithm fields agree, then the signature */
	b->self_sig_ok = X509_ALGOR_cmp(b->c->sigalg, b->c->tbs->sigalg) == 0 &&
			 ASN1_item_verify_ex(ASN1_ITEM_rptr(HC_TBS),
					     b->c->sigalg, b->c->sig, b->c->tbs,
					     NULL, b->pk, NULL, NULL) == 1;
	ERR_clear_error();
	return b;
fail:
	ERR_clear_error();
	hc_x509_brief_free(b);
	return NULL;
}

int
hc_x509_brief_self_signature_ok(const struct hc_x509_brief *b)
{
	return b->self_sig_ok;
}

void
hc_x509_brief_view(const struct hc_x509_brief *b, struct hc_cert_view *v)
{
	const HC_TBS *t = b->c->tbs;

	memset(v, 0, sizeof(*v));
	v->subject = t->subject;
	v->issuer = t->issuer;
	v->not_before = t->validity->notBefore;
	v->not_after = t->validity->notAfter;
	v->serial = t->serial;
	v->sig_nid = OBJ_obj2nid(b->c->sigalg->algorithm);
	v->exts = t->exts;
	v->pk = b->pk;
	v->key_bits = t->spki->key->data;
	v->key_len = t->spki->key->length;
	v->claims_self_signed = 1;
	v->sha1 = b->sha1;
	v->sha256 = b->sha256;
}

void
hc_x509_view(X509 *x, struct hc_cert_view *v)
{
	const unsigned char *bits = NULL;
	int len = 0;

	memset(v, 0, sizeof(*v));
	v->x = x;
	v->subject = X509_get_subject_name(x);
	v->issuer = X509_get_issuer_name(x);
	v->not_before = X509_get0_notBefore(x);
	v->not_after = X509_get0_notAfter(x);
	v->serial = X509_get0_serialNumber(x);
	v->sig_nid = X509_get_signature_nid(x);
	v->exts = X509_get0_extensions(x);
	v->pk = X509_get0_pubkey(x);
	if (X509_PUBKEY_get0_param(NULL, &bits, &len, NULL,
				   X509_get_X509_PUBKEY(x)) == 1) {
		v->key_bits = bits;
		v->key_len = len;
	}
	v->claims_self_signed = hc_x509_claims_self_signed(x);
	ERR_clear_error();
}

void
hc_x509_view_thumbprint(const struct hc_cert_view *v, char out[41])
{
	if (v->sha1 != NULL)
		hc_hex(v->sha1, 20, out);
	else
		hc_x509_thumbprint(v->x, out);
}

void
hc_x509_view_sha256(const struct hc_cert_view *v, char out[65])
{
	if (v->sha256 != NULL)
		hc_hex(v->sha256, 32, out);
	else
		hc_x509_sha256(v->x, out);
}
