/* token_wrap.c - private keys out of and into the token
 *
 * Export: C_WrapKey with CKM_AES_KEY_WRAP_PAD under a one-time session
 * AES-256 key, unwrapped here with OpenSSL into PKCS#8. Import (PFX): the
 * key pair created from the key's parameters with the attributes of SPEC
 * section 5. Every buffer that held key material is wiped.
 */
#include <limits.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/range.h"
#include "core/token_int.h"

int
hc_token_can_wrap_export(struct hc_token *t, hc_err *err)
{
	CK_MECHANISM_INFO mi;
	CK_RV rv;

	/*
	 * Asked, not assumed: a remote token behind p11-kit's client module
	 * offers only the mechanisms its RPC can carry, and p11-kit 0.24
	 * carries no AES key wrap.
	 */
	memset(&mi, 0, sizeof(mi));
	rv = t->f->C_GetMechanismInfo(t->slot_id, CKM_AES_KEY_WRAP_PAD, &mi);
	if (rv == CKR_OK && (mi.flags & CKF_WRAP) != 0)
		return 0;
	if (rv != CKR_OK && rv != CKR_MECHANISM_INVALID)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot ask the token for its key-wrapping mechanism");
	return hc_err_set(err, HC_E_FAIL,
			  "the token, as this module presents it, cannot wrap a key with CKM_AES_KEY_WRAP_PAD, the only way hsmcert takes a key out (a remote token through p11-kit-client.so from p11-kit 0.24 cannot carry it: export on the host that runs p11-kit server, with the HSM's own module)");
}

int
hc_token_wrap_export(struct hc_token *t, unsigned long priv,
		     unsigned char **pkcs8, size_t *len, hc_err *err)
{
	unsigned char kek[32];
	struct hc_attrs tmpl;
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_HANDLE wk = CK_INVALID_HANDLE;
	CK_ULONG wlen = 0;
	unsigned char *wrapped = NULL, *plain = NULL;
	EVP_CIPHER_CTX *cc = NULL;
	int inl = 0, outl = 0, fin = 0, ret = -1;
	CK_RV rv;

	hc_attrs_init(&tmpl);
	if (hc_token_can_wrap_export(t, err) != 0)
		return -1;
	if (RAND_priv_bytes(kek, sizeof(kek)) != 1) {
		hc_err_ossl(err, HC_E_FAIL, "no random bytes");
		goto out;
	}
	hc_attrs_add_ulong(&tmpl, CKA_CLASS, CKO_SECRET_KEY);
	hc_attrs_add_ulong(&tmpl, CKA_KEY_TYPE, CKK_AES);
	hc_attrs_add_bool(&tmpl, CKA_TOKEN, 0);
	hc_attrs_add_bool(&tmpl, CKA_PRIVATE, 1);
	hc_attrs_add_bool(&tmpl, CKA_WRAP, 1);
	hc_attrs_add_bool(&tmpl, CKA_UNWRAP, 0);
	hc_attrs_add_bool(&tmpl, CKA_ENCRYPT, 0);
	hc_attrs_add_bool(&tmpl, CKA_DECRYPT, 0);
	hc_attrs_add_bytes(&tmpl, CKA_VALUE, kek, sizeof(kek));
	if (hc_attrs_check(&tmpl, err) != 0)
		goto out;
	hc_token_changed(t);
	rv = t->f->C_CreateObject(t->sess, tmpl.v, tmpl.n, &wk);
	if (rv != CKR_OK) {
		wk = CK_INVALID_HANDLE;
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "cannot create the one-time wrapping key");
		goto out;
	}
	rv = t->f->C_WrapKey(t->sess, &mech, wk, priv, NULL, &wlen);
	if (rv == CKR_OK) {
		wrapped = OPENSSL_malloc(wlen ? wlen : 1);
		if (wrapped == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		rv = t->f->C_WrapKey(t->sess, &mech, wk, priv, wrapped, &wlen);
	}
	if (rv == CKR_KEY_UNEXTRACTABLE || rv == CKR_KEY_NOT_WRAPPABLE) {
		hc_err_ckr(err, HC_E_DENIED, rv,
			   "private key is not exportable: the token refuses to let it out");
		goto out;
	}
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "wrapping the private key failed");
		goto out;
	}
	if (range_int(wlen, &inl, err) != 0)
		goto out;
	plain = OPENSSL_malloc(wlen + 16);
	cc = EVP_CIPHER_CTX_new();
	if (plain == NULL || cc == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	EVP_CIPHER_CTX_set_flags(cc, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_DecryptInit_ex(cc, EVP_aes_256_wrap_pad(), NULL, kek,
			       NULL) != 1 ||
	    EVP_DecryptUpdate(cc, plain, &outl, wrapped, inl) != 1 ||
	    EVP_DecryptFinal_ex(cc, plain + outl, &fin) != 1) {
		hc_err_ossl(err, HC_E_FAIL, "cannot unwrap the exported key");
		goto out;
	}
	/* the one-time key goes before the key material is handed out */
	rv = t->f->C_DestroyObject(t->sess, wk);
	wk = CK_INVALID_HANDLE;
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "cannot destroy the one-time wrapping key");
		goto out;
	}
	*pkcs8 = plain;
	*len = (size_t)(outl + fin);
	plain = NULL;
	ret = 0;
out:
	if (wk != CK_INVALID_HANDLE)
		t->f->C_DestroyObject(t->sess, wk);
	OPENSSL_cleanse(kek, sizeof(kek));
	hc_attrs_release(&tmpl);
	EVP_CIPHER_CTX_free(cc);
	OPENSSL_clear_free(wrapped, wrapped ? wlen : 0);
	OPENSSL_clear_free(plain, plain ? wlen + 16 : 0);
	return ret;
}

/* The RSA parameters, private and public (CRT included). */
static int
rsa_material(EVP_PKEY *pkey, struct hc_attrs *vt, struct hc_attrs *pt,
	     hc_err *err)
{
	static const struct {
		const char *param;
		CK_ATTRIBUTE_TYPE type;
		int pub;		/* the public key has it too */
	} rsa[] = {
		{ OSSL_PKEY_PARAM_RSA_N, CKA_MODULUS, 1 },
		{ OSSL_PKEY_PARAM_RSA_E, CKA_PUBLIC_EXPONENT, 1 },
		{ OSSL_PKEY_PARAM_RSA_D, CKA_PRIVATE_EXPONENT, 0 },
		{ OSSL_PKEY_PARAM_RSA_FACTOR1, CKA_PRIME_1, 0 },
		{ OSSL_PKEY_PARAM_RSA_FACTOR2, CKA_PRIME_2, 0 },
		{ OSSL_PKEY_PARAM_RSA_EXPONENT1, CKA_EXPONENT_1, 0 },
		{ OSSL_PKEY_PARAM_RSA_EXPONENT2, CKA_EXPONENT_2, 0 },
		{ OSSL_PKEY_PARAM_RSA_COEFFICIENT1, CKA_COEFFICIENT, 0 },
	};
	BIGNUM *bn = NULL;
	size_t i;

	for (i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++) {
		if (EVP_PKEY_get_bn_param(pkey, rsa[i].param, &bn) != 1)
			return hc_err_ossl(err, HC_E_USAGE,
					   "the RSA key lacks its CRT parameters");
		hc_attrs_add_bn(vt, rsa[i].type, bn);
		if (rsa[i].pub)
			hc_attrs_add_bn(pt, rsa[i].type, bn);
		BN_clear_free(bn);
		bn = NULL;
	}
	return 0;
}

/* The EC curve, private value and public point. */
static int
ec_material(EVP_PKEY *pkey, struct hc_attrs *vt, struct hc_attrs *pt,
	    hc_err *err)
{
	unsigned char *params = NULL, *point = NULL, *pubraw = NULL;
	ASN1_OCTET_STRING *os = NULL;
	ASN1_OBJECT *curve = NULL;
	BIGNUM *d = NULL;
	char group[64];
	size_t glen = 0, publen = 0;
	int plen, qlen, ret = -1;

	if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &glen) == 1)
		curve = OBJ_txt2obj(group, 0);
	if (curve == NULL) {
		hc_err_ossl(err, HC_E_USAGE, "the EC key has no named curve");
		goto out;
	}
	plen = i2d_ASN1_OBJECT(curve, &params);
	if (plen <= 0) {
		hc_err_ossl(err, HC_E_FAIL, "cannot encode the curve");
		goto out;
	}
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
	    EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY,
					    NULL, 0, &publen) != 1)
		goto noread;
	pubraw = OPENSSL_malloc(publen ? publen : 1);
	if (pubraw == NULL ||
	    EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY,
					    pubraw, publen, &publen) != 1)
		goto noread;
	/* CKA_EC_POINT is the point inside a DER OCTET STRING */
	os = ASN1_OCTET_STRING_new();
	qlen = -1;
	if (os != NULL && publen <= INT_MAX &&
	    ASN1_OCTET_STRING_set(os, pubraw, hc_range_clamp_int(publen)))
		qlen = i2d_ASN1_OCTET_STRING(os, &point);
	if (qlen <= 0) {
		hc_err_ossl(err, HC_E_FAIL, "cannot encode the EC point");
		goto out;
	}
	hc_attrs_add_bytes(vt, CKA_EC_PARAMS, params, (size_t)plen);
	hc_attrs_add_bn(vt, CKA_VALUE, d);
	hc_attrs_add_bytes(pt, CKA_EC_PARAMS, params, (size_t)plen);
	hc_attrs_add_bytes(pt, CKA_EC_POINT, point, (size_t)qlen);
	ret = 0;
	goto out;
noread:
	hc_err_ossl(err, HC_E_USAGE, "cannot read the EC key");
out:
	BN_clear_free(d);
	OPENSSL_free(params);
	OPENSSL_free(point);
	OPENSSL_free(pubraw);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(curve);
	return ret;
}

int
hc_token_import_keypair(struct hc_token *t, EVP_PKEY *pkey, const char *label,
			const unsigned char *id, size_t id_len, int exportable,
			unsigned long *priv, unsigned long *pub, hc_err *err)
{
	CK_OBJECT_HANDLE hv = CK_INVALID_HANDLE, hp = CK_INVALID_HANDLE;
	struct hc_attrs vt, pt;
	CK_KEY_TYPE kt;
	int ret = -1;

	hc_attrs_init(&vt);
	hc_attrs_init(&pt);
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		kt = CKK_RSA;
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		kt = CKK_EC;
	} else {
		hc_err_set(err, HC_E_USAGE,
			   "unsupported key type %s: only RSA and EC keys are imported",
			   OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		goto out;
	}
	hc_keypair_template(&pt, &vt, kt, label, id, id_len, exportable);
	if (kt == CKK_RSA && rsa_material(pkey, &vt, &pt, err) != 0)
		goto out;
	if (kt == CKK_EC && ec_material(pkey, &vt, &pt, err) != 0)
		goto out;
	/* the private key first: an interruption leaves at worst it alone */
	if (hc_attrs_check(&pt, err) != 0 ||
	    hc_obj_create(t, &vt, &hv, "private key", err) != 0 ||
	    hc_obj_create(t, &pt, &hp, "public key", err) != 0)
		goto out;
	*priv = hv;
	*pub = hp;
	hv = hp = CK_INVALID_HANDLE;
	ret = 0;
out:
	if (hv != CK_INVALID_HANDLE)
		t->f->C_DestroyObject(t->sess, hv);
	hc_attrs_release(&vt);
	hc_attrs_release(&pt);
	ERR_clear_error();
	return ret;
}
