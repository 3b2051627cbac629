/* token_int.h - what the token_*.c files share (internal to them only)
 *
 * Included by token_*.c only: it brings in the PKCS#11 types, which no other
 * file sees (make check-layering). The module is split by concern, as
 * libp11 splits its wrapper:
 *   token_ckr.c     CK_RV names, hc_err_ckr
 *   token_load.c    module load, C_Initialize, slot by label or URI, session
 *   token_login.c   the lockout check and the one C_Login
 *   token_attr.c    attribute templates (struct hc_attrs) and batched reads
 *   token_obj.c     find, create, destroy and relabel objects; object URIs
 *   token_keygen.c  key pair generation, public keys read back
 *   token_sign.c    the EVP_PKEY that signs on the token
 *   token_wrap.c    wrap-export and import of private keys
 */
#ifndef HC_CORE_TOKEN_INT_H
#define HC_CORE_TOKEN_INT_H

#include <limits.h>
#include <stddef.h>

#include <p11-kit/pkcs11.h>

#include <openssl/bn.h>
#include <openssl/types.h>

#include "core/error.h"
#include "core/token.h"

struct hc_token {
	void *dl;
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slot_id;
	CK_SESSION_HANDLE sess;
	int have_sess;
	int logged_in;
	int initialized;		/* our C_Initialize, to finalize */
	CK_TOKEN_INFO raw_info;
	struct hc_token_info info;
	int open_attempts;		/* > 1: the token was not ready */
	char open_problem[160];		/* why, the first time */
	RSA_METHOD *rsa_meth;		/* signers (token_sign.c) */
	EC_KEY_METHOD *ec_meth;
	unsigned long last_sign_rv;	/* CK_RV of the last failed C_Sign */
	int fp_valid;			/* fp: the object set's fingerprint */
	char fp[64];			/* (token_find.c), until a change */
	unsigned long changes;		/* hc_token_changes() */
	unsigned long rewrites;		/* hc_token_rewrites() */
};

/* a number no other token or change of this process had (token_obj.c) */
extern unsigned long hc_token_change_seq;

/** This process changed the token's object set: forget its fingerprint. */
static inline void
hc_token_changed(struct hc_token *t)
{
	t->fp_valid = 0;
	t->changes = ++hc_token_change_seq;
}

/*
 * An object that was there may have changed or gone (a destroy, an
 * attribute set on an object this process did not just make).
 */
static inline void
hc_token_rewritten(struct hc_token *t)
{
	hc_token_changed(t);
	t->rewrites = t->changes;
}

/** A size_t length as a CK_ULONG. Returns 0, or -1 (HC_E_FAIL, internal). */
static inline int
range_ulong(size_t v, CK_ULONG *out, hc_err *err)
{
	if ((unsigned long long)v > (unsigned long long)(CK_ULONG)-1)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: length out of range");
	*out = (CK_ULONG)v;
	return 0;
}

/**
 * A count of template entries or handles (bounded by an array in hand) as
 * a CK_ULONG, clamped: on every platform hsmcert builds on a CK_ULONG
 * holds any size_t, so the clamp never applies.
 */
static inline CK_ULONG
range_count(size_t v)
{
	return (unsigned long long)v > (unsigned long long)(CK_ULONG)-1 ?
	       (CK_ULONG)-1 : (CK_ULONG)v;
}

/** A CK_ULONG length as an int (for OpenSSL). 0, or -1 (HC_E_FAIL). */
static inline int
range_int(CK_ULONG v, int *out, hc_err *err)
{
	if (v > (CK_ULONG)INT_MAX)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: length out of range");
	*out = (int)v;
	return 0;
}

/** A CK_ULONG value (a key type, a category) as a long. 0, or -1. */
static inline int
range_long(CK_ULONG v, long *out, hc_err *err)
{
	if (v > (CK_ULONG)LONG_MAX) {
		hc_err_set(err, HC_E_FAIL, "internal: value out of range");
		return -1;
	}
	*out = (long)v;
	return 0;
}

/* ---- token_attr.c: templates that own their values ---------------- */

#define HC_ATTRS_MAX 24

/**
 * A PKCS#11 template that owns a copy of every value added to it. Adding
 * never fails on the spot: the first failure (out of memory, a length out
 * of range, a full template) is kept, later adds do nothing, and
 * hc_attrs_check reports it once. hc_attrs_release wipes every value (key
 * material passes through here) and frees it.
 */
struct hc_attrs {
	CK_ATTRIBUTE v[HC_ATTRS_MAX];
	unsigned char secure[HC_ATTRS_MAX];	/* value from the secure heap */
	CK_ULONG n;
	const char *failed;		/* first failure, a message; or NULL */
};

/** Empty template (caller-owned storage). */
void hc_attrs_init(struct hc_attrs *a);

/** Wipe and free every value; the template is empty again. NULL-safe. */
void hc_attrs_release(struct hc_attrs *a);

/** Add a CK_BBOOL: CK_TRUE when v is not 0. */
void hc_attrs_add_bool(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type, int v);

/** Add a CK_ULONG (a class, key type, category, bit count). */
void hc_attrs_add_ulong(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type,
			CK_ULONG v);

/** Add a copy of len bytes at p (p may be NULL when len is 0). */
void hc_attrs_add_bytes(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type,
			const void *p, size_t len);

/** Add a copy of the string s, without its NUL. */
void hc_attrs_add_str(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type,
		      const char *s);

/** Add bn as big-endian bytes, copied to the secure heap (key material). */
void hc_attrs_add_bn(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type,
		     const BIGNUM *bn);

/** 0 when every add succeeded; else -1 with the first failure (HC_E_FAIL). */
int hc_attrs_check(const struct hc_attrs *a, hc_err *err);

/* ---- token_attr.c: reading attributes ------------------------------ */

/**
 * Read several attributes in as few calls as the token allows. Each
 * a[i].ulValueLen is a guessed size on entry. On return a[i].pValue is
 * malloc'd (release with hc_attr_release, on failure too) or NULL, and an
 * attribute the object lacks has ulValueLen = CK_UNAVAILABLE_INFORMATION.
 */
int hc_attr_get(struct hc_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE *a,
		size_t n, hc_err *err);

/** Free the values hc_attr_get allocated. */
void hc_attr_release(CK_ATTRIBUTE *a, size_t n);

/** Did the token give this attribute a value? */
int hc_attr_ok(const CK_ATTRIBUTE *a);

/** A CK_BBOOL read: 1, 0, or -1 when absent. */
int hc_attr_bool(const CK_ATTRIBUTE *a);

/** A CK_ULONG read, or dflt when absent. */
long hc_attr_ulong(const CK_ATTRIBUTE *a, long dflt);

/** A malloc'd C string of the value ("" when absent), NULL out of memory. */
char *hc_attr_str(const CK_ATTRIBUTE *a);

/** Move a byte value into *out / *len (NULL / 0 when absent). */
void hc_attr_take(CK_ATTRIBUTE *a, unsigned char **out, size_t *len);

/**
 * C_SetAttributeValue of the template on object h. Returns 0, or -1 with
 * the template's failure or fmt (HC_E_FAIL, the CK_RV named).
 */
int hc_attr_set(struct hc_token *t, CK_OBJECT_HANDLE h, struct hc_attrs *a,
		hc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ---- token_obj.c --------------------------------------------------- */

/** The CKO_ value of an hc_obj_class. */
CK_OBJECT_CLASS hc_obj_class_of(enum hc_obj_class cls);

/** C_CreateObject of the template; what names the object in the error. */
int hc_obj_create(struct hc_token *t, struct hc_attrs *tmpl,
		  CK_OBJECT_HANDLE *handle, const char *what, hc_err *err);

/* ---- token_keygen.c ------------------------------------------------ */

/**
 * Add the attributes SPEC section 5 gives every key pair, generated or
 * imported: both CKA_TOKEN, CKA_LABEL = label, CKA_ID = id; the public key
 * CKA_PRIVATE false, CKA_VERIFY; the private key CKA_PRIVATE, CKA_SENSITIVE,
 * CKA_EXTRACTABLE = exportable, CKA_SIGN, CKA_DECRYPT for RSA only (TLS 1.2
 * RSA key exchange); no wrap, unwrap or derive. The key material is the
 * caller's to add.
 */
void hc_keypair_template(struct hc_attrs *pub, struct hc_attrs *priv,
			 CK_KEY_TYPE kt, const char *label,
			 const unsigned char *id, size_t id_len,
			 int exportable);

/* ---- token_sign.c -------------------------------------------------- */

/** Free the signers' key methods (from hc_token_free). */
void hc_token_sign_release(struct hc_token *t);

#endif
