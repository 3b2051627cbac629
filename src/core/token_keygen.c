/* token_keygen.c - key pairs made on the token, public keys read back
 *
 * C_GenerateKeyPair with the attributes of SPEC section 5 (RSA or EC),
 * under a random temporary CKA_ID that becomes the SHA-1 of the public key
 * once the token has made it; and the EVP_PKEY of a public key object.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/token_int.h"
#include "core/x509.h"

void
hc_keypair_release(struct hc_keypair *kp)
{
	if (kp == NULL)
		return;
	EVP_PKEY_free(kp->pubkey);
	kp->pubkey = NULL;
}

static const unsigned char oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};
static const unsigned char oid_p384[] = {
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22
};
static const unsigned char oid_p521[] = {
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23
};

/* The DER OID of the named curve of this size, or NULL. */
static const unsigned char *
ec_curve_oid(int bits, size_t *len)
{
	switch (bits) {
	case 256:
		*len = sizeof(oid_p256);
		return oid_p256;
	case 384:
		*len = sizeof(oid_p384);
		return oid_p384;
	case 521:
		*len = sizeof(oid_p521);
		return oid_p521;
	default:
		return NULL;
	}
}

/* The RSA modulus and exponent as EVP_PKEY parameters. */
static int
rsa_params(OSSL_PARAM_BLD *bld, const CK_ATTRIBUTE *mod,
	   const CK_ATTRIBUTE *exp, BIGNUM **n, BIGNUM **e, hc_err *err)
{
	int nlen = 0, elen = 0;

	if (range_int(mod->ulValueLen, &nlen, err) != 0 ||
	    range_int(exp->ulValueLen, &elen, err) != 0)
		return -1;
	*n = BN_bin2bn(mod->pValue, nlen, NULL);
	*e = BN_bin2bn(exp->pValue, elen, NULL);
	if (*n == NULL || *e == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, *n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, *e))
		return hc_err_ossl(err, HC_E_FAIL,
				   "cannot read the public key from the token");
	return 0;
}

/* The EC curve and point as EVP_PKEY parameters. */
static int
ec_params(OSSL_PARAM_BLD *bld, const CK_ATTRIBUTE *params,
	  const CK_ATTRIBUTE *point, ASN1_OBJECT **curve,
	  ASN1_OCTET_STRING **pt, hc_err *err)
{
	const unsigned char *p = params->pValue;
	const char *gname;
	int plen = 0, qlen = 0;

	if (range_int(params->ulValueLen, &plen, err) != 0 ||
	    range_int(point->ulValueLen, &qlen, err) != 0)
		return -1;
	*curve = d2i_ASN1_OBJECT(NULL, &p, plen);
	if (*curve == NULL)
		goto ossl;
	gname = OBJ_nid2sn(OBJ_obj2nid(*curve));
	p = point->pValue;
	/* CKA_EC_POINT is a DER OCTET STRING around the point */
	*pt = d2i_ASN1_OCTET_STRING(NULL, &p, qlen);
	if (*pt == NULL || gname == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     gname, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      ASN1_STRING_get0_data(*pt),
					      (size_t)ASN1_STRING_length(*pt)))
		goto ossl;
	return 0;
ossl:
	return hc_err_ossl(err, HC_E_FAIL,
			   "cannot read the public key from the token");
}

/*
 * The public key of object handle. kt: its CKK_ type when the caller knows
 * it (a key just generated), so that one C_GetAttributeValue asks only
 * what that type has; (CK_KEY_TYPE)-1: unknown, both types' attributes
 * are asked and the missing ones come back unavailable.
 */
static EVP_PKEY *
read_pubkey(struct hc_token *t, unsigned long handle, CK_KEY_TYPE kt,
	    hc_err *err)
{
	CK_ATTRIBUTE a[] = {
		{ CKA_KEY_TYPE, NULL, sizeof(CK_ULONG) },
		{ CKA_MODULUS, NULL, 1024 },
		{ CKA_PUBLIC_EXPONENT, NULL, 16 },
		{ CKA_EC_PARAMS, NULL, 64 },
		{ CKA_EC_POINT, NULL, 160 },
	};
	CK_ATTRIBUTE q[sizeof(a) / sizeof(a[0])];
	size_t map[sizeof(a) / sizeof(a[0])];
	size_t na = sizeof(a) / sizeof(a[0]), nq = 0, i;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pk = NULL, *ret = NULL;
	BIGNUM *n = NULL, *e = NULL;
	ASN1_OCTET_STRING *pt = NULL;
	ASN1_OBJECT *curve = NULL;
	long type;

	/* a known type: the other type's attributes are not asked for */
	for (i = 0; i < na; i++) {
		map[i] = (size_t)-1;
		if (i > 0 && kt != (CK_KEY_TYPE)-1 &&
		    (kt == CKK_RSA) != (i <= 2))
			continue;
		map[i] = nq;
		q[nq++] = a[i];
	}
	if (hc_attr_get(t, handle, q, nq, err) != 0) {
		hc_attr_release(q, nq);
		goto out;
	}
	for (i = 0; i < na; i++) {
		if (map[i] != (size_t)-1)
			a[i] = q[map[i]];
		else
			a[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
	}
	type = hc_attr_ulong(&a[0], -1);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL)
		goto ossl;
	if (type == (long)CKK_RSA && hc_attr_ok(&a[1]) && hc_attr_ok(&a[2])) {
		if (rsa_params(bld, &a[1], &a[2], &n, &e, err) != 0)
			goto out;
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else if (type == (long)CKK_EC && hc_attr_ok(&a[3]) &&
		   hc_attr_ok(&a[4])) {
		if (ec_params(bld, &a[3], &a[4], &curve, &pt, err) != 0)
			goto out;
		pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else {
		hc_err_set(err, HC_E_FAIL,
			   "public key object %lu has no usable key material",
			   handle);
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (pctx == NULL || params == NULL ||
	    EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto ossl;
	ret = pk;
	pk = NULL;
	goto out;
ossl:
	hc_err_ossl(err, HC_E_FAIL,
		    "cannot read the public key from the token");
out:
	hc_attr_release(a, na);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(pk);
	BN_free(n);
	BN_free(e);
	ASN1_OCTET_STRING_free(pt);
	ASN1_OBJECT_free(curve);
	return ret;
}

EVP_PKEY *
hc_token_read_pubkey(struct hc_token *t, unsigned long handle, hc_err *err)
{
	return read_pubkey(t, handle, (CK_KEY_TYPE)-1, err);
}

static int
set_id(struct hc_token *t, CK_OBJECT_HANDLE h, const unsigned char *id,
       size_t len, hc_err *err)
{
	struct hc_attrs a;
	CK_RV rv;
	int ret = -1;

	/* a key this process just made: no object that was there changes */
	hc_attrs_init(&a);
	hc_attrs_add_bytes(&a, CKA_ID, id, len);
	if (hc_attrs_check(&a, err) != 0)
		goto out;
	hc_token_changed(t);
	rv = t->f->C_SetAttributeValue(t->sess, h, a.v, a.n);
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "cannot set the key id on the token");
		goto out;
	}
	ret = 0;
out:
	hc_attrs_release(&a);
	return ret;
}

void
hc_keypair_template(struct hc_attrs *pub, struct hc_attrs *priv,
		    CK_KEY_TYPE kt, const char *label, const unsigned char *id,
		    size_t id_len, int exportable)
{
	hc_attrs_add_ulong(pub, CKA_CLASS, CKO_PUBLIC_KEY);
	hc_attrs_add_ulong(pub, CKA_KEY_TYPE, kt);
	hc_attrs_add_bool(pub, CKA_TOKEN, 1);
	hc_attrs_add_bool(pub, CKA_PRIVATE, 0);
	hc_attrs_add_str(pub, CKA_LABEL, label);
	hc_attrs_add_bytes(pub, CKA_ID, id, id_len);
	hc_attrs_add_bool(pub, CKA_VERIFY, 1);
	hc_attrs_add_bool(pub, CKA_WRAP, 0);
	hc_attrs_add_bool(pub, CKA_ENCRYPT, kt == CKK_RSA);
	hc_attrs_add_ulong(priv, CKA_CLASS, CKO_PRIVATE_KEY);
	hc_attrs_add_ulong(priv, CKA_KEY_TYPE, kt);
	hc_attrs_add_bool(priv, CKA_TOKEN, 1);
	hc_attrs_add_bool(priv, CKA_PRIVATE, 1);
	hc_attrs_add_bool(priv, CKA_SENSITIVE, 1);
	hc_attrs_add_bool(priv, CKA_EXTRACTABLE, exportable);
	hc_attrs_add_str(priv, CKA_LABEL, label);
	hc_attrs_add_bytes(priv, CKA_ID, id, id_len);
	hc_attrs_add_bool(priv, CKA_SIGN, 1);
	hc_attrs_add_bool(priv, CKA_UNWRAP, 0);
	hc_attrs_add_bool(priv, CKA_DERIVE, 0);
	/* RSA decrypts for TLS 1.2 RSA key exchange; EC never does */
	hc_attrs_add_bool(priv, CKA_DECRYPT, kt == CKK_RSA);
}

int
hc_token_generate_keypair(struct hc_token *t, const struct hc_keyspec *k,
			  const char *label, int exportable,
			  struct hc_keypair *out, hc_err *err)
{
	static const CK_BYTE exp65537[] = { 0x01, 0x00, 0x01 };
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	struct hc_attrs pubt, privt;
	unsigned char tmpid[20];
	struct hc_keypair kp;
	const unsigned char *oid = NULL;
	size_t oidlen = 0;
	CK_KEY_TYPE kt;
	CK_ULONG bits;
	CK_RV rv;
	int ret = -1;

	memset(&kp, 0, sizeof(kp));
	hc_attrs_init(&pubt);
	hc_attrs_init(&privt);
	if (k->kind == HC_KEY_RSA) {
		if (k->bits <= 0)
			return hc_err_set(err, HC_E_FAIL,
					  "internal: k->bits > 0");
		kt = CKK_RSA;
	} else {
		oid = ec_curve_oid(k->bits, &oidlen);
		if (oid == NULL)
			return hc_err_set(err, HC_E_USAGE,
					  "unsupported EC curve size %d",
					  k->bits);
		kt = CKK_EC;
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
	}
	/*
	 * A random temporary id, replaced by the SHA-1 of the public key once
	 * the token has made it: a crash in between leaves an orphan that can
	 * still be named and removed.
	 */
	if (RAND_bytes(tmpid, sizeof(tmpid)) != 1)
		return hc_err_ossl(err, HC_E_FAIL, "no random bytes");
	hc_keypair_template(&pubt, &privt, kt, label, tmpid, sizeof(tmpid),
			    exportable);
	if (kt == CKK_RSA) {
		/* k->bits > 0: checked above */
		if (range_ulong((size_t)k->bits, &bits, err) != 0)
			goto out;
		hc_attrs_add_ulong(&pubt, CKA_MODULUS_BITS, bits);
		hc_attrs_add_bytes(&pubt, CKA_PUBLIC_EXPONENT, exp65537,
				   sizeof(exp65537));
	} else {
		hc_attrs_add_bytes(&pubt, CKA_EC_PARAMS, oid, oidlen);
	}
	if (hc_attrs_check(&pubt, err) != 0 ||
	    hc_attrs_check(&privt, err) != 0)
		goto out;
	hc_token_changed(t);
	rv = t->f->C_GenerateKeyPair(t->sess, &mech, pubt.v, pubt.n, privt.v,
				     privt.n, &pub, &priv);
	if (rv != CKR_OK) {
		hc_err_ckr(err, HC_E_FAIL, rv,
			   "key generation on token '%s' failed",
			   t->info.label);
		pub = priv = CK_INVALID_HANDLE;
		goto out;
	}
	kp.pub = pub;
	kp.priv = priv;
	kp.pubkey = read_pubkey(t, pub, kt, err);
	if (kp.pubkey == NULL)
		goto out;
	if (hc_x509_key_id(kp.pubkey, kp.id, err) != 0)
		goto out;
	if (set_id(t, priv, kp.id, sizeof(kp.id), err) != 0 ||
	    set_id(t, pub, kp.id, sizeof(kp.id), err) != 0)
		goto out;
	*out = kp;
	memset(&kp, 0, sizeof(kp));
	ret = 0;
out:
	if (ret != 0) {
		if (priv != CK_INVALID_HANDLE)
			t->f->C_DestroyObject(t->sess, priv);
		if (pub != CK_INVALID_HANDLE)
			t->f->C_DestroyObject(t->sess, pub);
	}
	hc_attrs_release(&pubt);
	hc_attrs_release(&privt);
	hc_keypair_release(&kp);
	return ret;
}
