/* token_sign.c - the EVP_PKEY that signs on the token
 *
 * An OpenSSL RSA or EC key holding the public half, whose method sends the
 * private operation to the token (C_Sign with CKM_RSA_PKCS or CKM_ECDSA).
 * OpenSSL treats a key with its own method as "foreign" and signs through
 * it, so X509_sign, X509_REQ_sign and EVP_DigestSign work unchanged. This
 * is what libp11 does; libp11 0.4.12 itself finds a key only by enumerating
 * every private key (six round trips each) and hangs in its session pool
 * when a session cannot be opened, so this is done here on the one session
 * the token has.
 *
 * RSA_METHOD and EC_KEY_METHOD are deprecated in OpenSSL 3.0 (a provider
 * is their successor): this is the only file built with them.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/token_int.h"
#include "core/x509.h"

/* What a signing key's ex_data points to: the token and the key there. */
struct signer {
	struct hc_token *t;
	CK_OBJECT_HANDLE key;
};

#define SIGNER_EXDATA 0		/* the "app data" slot of RSA and EC_KEY */

static int
sign_on_token(struct signer *sg, CK_MECHANISM_TYPE mech,
	      const unsigned char *in, size_t inlen, unsigned char *out,
	      CK_ULONG *outlen)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_ULONG clen;
	CK_RV rv;

	if (range_ulong(inlen, &clen, NULL) != 0)
		return -1;
	rv = sg->t->f->C_SignInit(sg->t->sess, &m, sg->key);
	if (rv == CKR_OK)
		rv = sg->t->f->C_Sign(sg->t->sess, (CK_BYTE_PTR)in, clen, out,
				      outlen);
	if (rv != CKR_OK) {
		sg->t->last_sign_rv = rv;
		return -1;
	}
	return 0;
}

static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
	     int padding)
{
	struct signer *sg = RSA_get_ex_data(rsa, SIGNER_EXDATA);
	int size = RSA_size(rsa), n = 0;
	CK_ULONG len;

	/* PKCS#1 v1.5 of a DigestInfo: the token pads (CKM_RSA_PKCS) */
	if (sg == NULL || padding != RSA_PKCS1_PADDING || flen < 0 ||
	    size <= 0)
		return -1;
	if (range_ulong((size_t)size, &len, NULL) != 0)
		return -1;
	if (sign_on_token(sg, CKM_RSA_PKCS, from, (size_t)flen, to,
			  &len) != 0 ||
	    range_int(len, &n, NULL) != 0 || n > size)
		return -1;
	return n;
}

static int
rsa_finish(RSA *rsa)
{
	free(RSA_get_ex_data(rsa, SIGNER_EXDATA));
	RSA_set_ex_data(rsa, SIGNER_EXDATA, NULL);
	return 1;
}

static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
	    const BIGNUM *r, EC_KEY *ec)
{
	struct signer *sg = EC_KEY_get_ex_data(ec, SIGNER_EXDATA);
	unsigned char sig[2 * 66];
	CK_ULONG len = sizeof(sig);
	BIGNUM *br = NULL, *bs = NULL;
	ECDSA_SIG *out = NULL;
	int half;

	(void)kinv;
	(void)r;
	if (sg == NULL || dlen < 0)
		return NULL;
	if (sign_on_token(sg, CKM_ECDSA, dgst, (size_t)dlen, sig, &len) != 0 ||
	    len == 0 || len % 2 != 0 || len > sizeof(sig))
		return NULL;
	/* the token answers r || s, each half of the signature */
	if (range_int(len / 2, &half, NULL) != 0)
		return NULL;
	br = BN_bin2bn(sig, half, NULL);
	bs = BN_bin2bn(sig + len / 2, half, NULL);
	out = ECDSA_SIG_new();
	if (br == NULL || bs == NULL || out == NULL ||
	    ECDSA_SIG_set0(out, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(out);
		return NULL;
	}
	return out;
}

static void
ec_finish(EC_KEY *ec)
{
	free(EC_KEY_get_ex_data(ec, SIGNER_EXDATA));
	EC_KEY_set_ex_data(ec, SIGNER_EXDATA, NULL);
}

static int
signer_methods(struct hc_token *t, hc_err *err)
{
	int (*sign)(int, const unsigned char *, int, unsigned char *,
		    unsigned int *, const BIGNUM *, const BIGNUM *, EC_KEY *);
	int (*sign_setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **);
	ECDSA_SIG *(*sign_sig)(const unsigned char *, int, const BIGNUM *,
			       const BIGNUM *, EC_KEY *);

	if (t->rsa_meth == NULL) {
		t->rsa_meth = RSA_meth_dup(RSA_get_default_method());
		if (t->rsa_meth == NULL ||
		    !RSA_meth_set1_name(t->rsa_meth, "hsmcert token RSA") ||
		    !RSA_meth_set_priv_enc(t->rsa_meth, rsa_priv_enc) ||
		    !RSA_meth_set_finish(t->rsa_meth, rsa_finish))
			return hc_err_ossl(err, HC_E_FAIL,
					   "cannot set up RSA signing");
	}
	if (t->ec_meth == NULL) {
		t->ec_meth = EC_KEY_METHOD_new(EC_KEY_get_default_method());
		if (t->ec_meth == NULL)
			return hc_err_ossl(err, HC_E_FAIL,
					   "cannot set up EC signing");
		EC_KEY_METHOD_get_sign(EC_KEY_get_default_method(), &sign,
				       &sign_setup, &sign_sig);
		EC_KEY_METHOD_set_sign(t->ec_meth, sign, sign_setup,
				       ec_sign_sig);
		EC_KEY_METHOD_set_init(t->ec_meth, NULL, ec_finish, NULL, NULL,
				       NULL, NULL);
	}
	return 0;
}

EVP_PKEY *
hc_token_get_signer(struct hc_token *t, const unsigned char *id, size_t id_len,
		    hc_err *err)
{
	struct hc_tobj_list privs = { NULL, 0 }, pubs = { NULL, 0 };
	struct hc_tobj_list certs = { NULL, 0 };
	EVP_PKEY *pub = NULL, *ret = NULL;
	char hex[2 * HC_ID_MAX + 1];

	if (hc_token_find_id(t, id, id_len, &privs, &pubs, &certs, err) != 0)
		goto out;
	if (privs.n == 0) {
		hc_hex(id, id_len < HC_ID_MAX ? id_len : HC_ID_MAX, hex);
		hc_err_set(err, HC_E_NOTFOUND,
			   "no private key with id %s on token '%s'", hex,
			   t->info.label);
		goto out;
	}
	if (pubs.n > 0) {
		pub = hc_token_read_pubkey(t, pubs.v[0].handle, err);
	} else if (certs.n > 0) {
		X509 *x = hc_x509_from_der(certs.v[0].value,
					   certs.v[0].value_len, err);

		pub = x != NULL ? X509_get_pubkey(x) : NULL;
		X509_free(x);
	} else {
		hc_err_set(err, HC_E_NOTFOUND,
			   "the private key has neither a public key nor a certificate on the token: cannot tell its public half");
	}
	if (pub == NULL)
		goto out;
	ret = hc_token_signer_for(t, privs.v[0].handle, pub, err);
out:
	EVP_PKEY_free(pub);
	hc_tobj_list_release(&privs);
	hc_tobj_list_release(&pubs);
	hc_tobj_list_release(&certs);
	return ret;
}

EVP_PKEY *
hc_token_signer_for(struct hc_token *t, unsigned long priv, EVP_PKEY *pub,
		    hc_err *err)
{
	struct signer *sg = NULL;
	EVP_PKEY *pk = NULL, *ret = NULL;
	RSA *rsa = NULL;
	EC_KEY *ec = NULL;

	if (signer_methods(t, err) != 0)
		return NULL;
	sg = calloc(1, sizeof(*sg));
	pk = EVP_PKEY_new();
	if (sg == NULL || pk == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	sg->t = t;
	sg->key = priv;
	if (EVP_PKEY_is_a(pub, "RSA")) {
		rsa = EVP_PKEY_get1_RSA(pub);
		if (rsa == NULL || !RSA_set_method(rsa, t->rsa_meth) ||
		    !RSA_set_ex_data(rsa, SIGNER_EXDATA, sg))
			goto ossl;
		sg = NULL;	/* owned by rsa: freed by rsa_finish */
		if (!EVP_PKEY_assign_RSA(pk, rsa))
			goto ossl;
		rsa = NULL;
	} else if (EVP_PKEY_is_a(pub, "EC")) {
		ec = EVP_PKEY_get1_EC_KEY(pub);
		if (ec == NULL || !EC_KEY_set_method(ec, t->ec_meth) ||
		    !EC_KEY_set_ex_data(ec, SIGNER_EXDATA, sg))
			goto ossl;
		sg = NULL;	/* owned by ec: freed by ec_finish */
		if (!EVP_PKEY_assign_EC_KEY(pk, ec))
			goto ossl;
		ec = NULL;
	} else {
		hc_err_set(err, HC_E_USAGE, "only RSA and EC keys sign");
		goto out;
	}
	ret = pk;
	pk = NULL;
	goto out;
ossl:
	hc_err_ossl(err, HC_E_FAIL, "cannot set up signing with the token key");
out:
	free(sg);
	RSA_free(rsa);
	EC_KEY_free(ec);
	EVP_PKEY_free(pk);
	return ret;
}

unsigned long
hc_token_take_sign_rv(struct hc_token *t)
{
	unsigned long rv = t->last_sign_rv;

	t->last_sign_rv = CKR_OK;
	return rv;
}

void
hc_token_sign_release(struct hc_token *t)
{
	/* neither is NULL-safe in OpenSSL 3.0 */
	if (t->rsa_meth != NULL)
		RSA_meth_free(t->rsa_meth);
	if (t->ec_meth != NULL)
		EC_KEY_METHOD_free(t->ec_meth);
	t->rsa_meth = NULL;
	t->ec_meth = NULL;
}
