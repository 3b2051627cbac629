/* token_obj.c - create, change and destroy objects; their URIs
 *
 * Certificates and CKO_DATA objects as SPEC section 5 has them, the two
 * attributes hsmcert changes after the fact (CKA_LABEL, CKA_EXTRACTABLE),
 * and the RFC 7512 URI consumers are given for an object.
 */
#include <stdlib.h>
#include <string.h>

#include <p11-kit/uri.h>

#include <openssl/x509.h>

#include "core/token_int.h"

CK_OBJECT_CLASS
hc_obj_class_of(enum hc_obj_class cls)
{
	switch (cls) {
	case HC_OBJ_CERT:
		return CKO_CERTIFICATE;
	case HC_OBJ_PRIVKEY:
		return CKO_PRIVATE_KEY;
	case HC_OBJ_PUBKEY:
		return CKO_PUBLIC_KEY;
	case HC_OBJ_DATA:
		return CKO_DATA;
	}
	return CKO_DATA;
}

unsigned long hc_token_change_seq;

unsigned long
hc_token_changes(const struct hc_token *t)
{
	return t->changes;
}

unsigned long
hc_token_rewrites(const struct hc_token *t)
{
	return t->rewrites;
}

int
hc_obj_create(struct hc_token *t, struct hc_attrs *tmpl,
	      CK_OBJECT_HANDLE *handle, const char *what, hc_err *err)
{
	CK_OBJECT_HANDLE h;
	CK_RV rv;

	if (hc_attrs_check(tmpl, err) != 0)
		return -1;
	hc_token_changed(t);
	rv = t->f->C_CreateObject(t->sess, tmpl->v, tmpl->n, &h);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot store the %s on token '%s'", what,
				  t->info.label);
	*handle = h;
	return 0;
}

int
hc_token_destroy(struct hc_token *t, unsigned long handle, hc_err *err)
{
	CK_RV rv;

	hc_token_rewritten(t);
	rv = t->f->C_DestroyObject(t->sess, handle);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot destroy object %lu", handle);
	return 0;
}

int
hc_token_store_cert(struct hc_token *t, X509 *x, const char *label,
		    const unsigned char *id, size_t id_len, int category,
		    unsigned long *handle, hc_err *err)
{
	unsigned char *der = NULL, *subj = NULL, *iss = NULL, *ser = NULL;
	int dlen, slen, ilen, serlen, ret = -1;
	struct hc_attrs tmpl;
	CK_ULONG cat;

	hc_attrs_init(&tmpl);
	if (category < 0)
		return hc_err_set(err, HC_E_FAIL, "internal: category >= 0");
	dlen = i2d_X509(x, &der);
	slen = i2d_X509_NAME(X509_get_subject_name(x), &subj);
	ilen = i2d_X509_NAME(X509_get_issuer_name(x), &iss);
	serlen = i2d_ASN1_INTEGER(X509_get_serialNumber(x), &ser);
	if (dlen <= 0 || slen <= 0 || ilen <= 0 || serlen <= 0) {
		hc_err_ossl(err, HC_E_FAIL, "cannot encode the certificate");
		goto out;
	}
	hc_attrs_add_ulong(&tmpl, CKA_CLASS, CKO_CERTIFICATE);
	hc_attrs_add_ulong(&tmpl, CKA_CERTIFICATE_TYPE, CKC_X_509);
	hc_attrs_add_bool(&tmpl, CKA_TOKEN, 1);
	hc_attrs_add_bool(&tmpl, CKA_PRIVATE, 0);
	hc_attrs_add_str(&tmpl, CKA_LABEL, label);
	/* no CKA_ID for a CA certificate without a key */
	if (id_len > 0)
		hc_attrs_add_bytes(&tmpl, CKA_ID, id, id_len);
	hc_attrs_add_bytes(&tmpl, CKA_SUBJECT, subj, (size_t)slen);
	hc_attrs_add_bytes(&tmpl, CKA_ISSUER, iss, (size_t)ilen);
	hc_attrs_add_bytes(&tmpl, CKA_SERIAL_NUMBER, ser, (size_t)serlen);
	hc_attrs_add_bytes(&tmpl, CKA_VALUE, der, (size_t)dlen);
	/* category >= 0: checked above */
	if (range_ulong((size_t)category, &cat, err) != 0)
		goto out;
	hc_attrs_add_ulong(&tmpl, CKA_CERTIFICATE_CATEGORY, cat);
	if (hc_obj_create(t, &tmpl, handle, "certificate", err) != 0)
		goto out;
	ret = 0;
out:
	hc_attrs_release(&tmpl);
	OPENSSL_free(der);
	OPENSSL_free(subj);
	OPENSSL_free(iss);
	OPENSSL_free(ser);
	return ret;
}

int
hc_token_store_data(struct hc_token *t, const char *application,
		    const char *label, const unsigned char *value, size_t len,
		    unsigned long *handle, hc_err *err)
{
	struct hc_attrs tmpl;
	int ret;

	hc_attrs_init(&tmpl);
	hc_attrs_add_ulong(&tmpl, CKA_CLASS, CKO_DATA);
	hc_attrs_add_bool(&tmpl, CKA_TOKEN, 1);
	hc_attrs_add_bool(&tmpl, CKA_PRIVATE, 0);
	hc_attrs_add_bool(&tmpl, CKA_MODIFIABLE, 1);
	hc_attrs_add_str(&tmpl, CKA_APPLICATION, application);
	hc_attrs_add_str(&tmpl, CKA_LABEL, label);
	hc_attrs_add_bytes(&tmpl, CKA_VALUE, value, len);
	ret = hc_obj_create(t, &tmpl, handle, "data object", err);
	hc_attrs_release(&tmpl);
	return ret;
}

int
hc_token_set_label(struct hc_token *t, unsigned long handle, const char *label,
		   hc_err *err)
{
	struct hc_attrs a;
	int ret;

	hc_attrs_init(&a);
	hc_attrs_add_str(&a, CKA_LABEL, label);
	ret = hc_attr_set(t, handle, &a, err, "cannot update object %lu",
			  handle);
	hc_attrs_release(&a);
	return ret;
}

int
hc_token_set_unextractable(struct hc_token *t, unsigned long priv, hc_err *err)
{
	struct hc_attrs a;
	int ret;

	hc_attrs_init(&a);
	hc_attrs_add_bool(&a, CKA_EXTRACTABLE, 0);
	ret = hc_attr_set(t, priv, &a, err,
			  "cannot make the key non-exportable");
	hc_attrs_release(&a);
	return ret;
}

char *
hc_token_object_uri(const struct hc_token *t, enum hc_obj_class cls,
		    const unsigned char *id, size_t id_len, const char *label,
		    hc_err *err)
{
	P11KitUri *uri = NULL;
	struct hc_attrs a;
	char *s = NULL, *ret = NULL;
	CK_ULONG i;
	int r = P11_KIT_URI_OK;

	hc_attrs_init(&a);
	hc_attrs_add_bytes(&a, CKA_ID, id, id_len);
	if (label != NULL && *label != '\0')
		hc_attrs_add_str(&a, CKA_LABEL, label);
	hc_attrs_add_ulong(&a, CKA_CLASS, hc_obj_class_of(cls));
	if (hc_attrs_check(&a, err) != 0)
		goto out;
	uri = p11_kit_uri_new();
	if (uri == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	memcpy(p11_kit_uri_get_token_info(uri), &t->raw_info,
	       sizeof(t->raw_info));
	for (i = 0; i < a.n && r == P11_KIT_URI_OK; i++)
		r = p11_kit_uri_set_attribute(uri, &a.v[i]);
	if (r == P11_KIT_URI_OK)
		r = p11_kit_uri_format(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN,
				       &s);
	if (r != P11_KIT_URI_OK) {
		hc_err_set(err, HC_E_FAIL, "cannot format a PKCS#11 URI: %s",
			   p11_kit_uri_message(r));
		goto out;
	}
	ret = strdup(s);
	if (ret == NULL)
		hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	free(s);
	if (uri != NULL)
		p11_kit_uri_free(uri);
	hc_attrs_release(&a);
	return ret;
}
