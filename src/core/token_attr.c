/* token_attr.c - attribute templates and attribute reads
 *
 * struct hc_attrs is the one template type: each add copies its value, so
 * a template is written as a list of adds, checked once, and released
 * once, wiping every value (key material and wrapping keys pass through
 * here). Reads fetch several attributes per call (hc_attr_get).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/token_int.h"

/* ------------------------------------------------------------------ */
/* Templates                                                            */

void
hc_attrs_init(struct hc_attrs *a)
{
	memset(a, 0, sizeof(*a));
}

void
hc_attrs_release(struct hc_attrs *a)
{
	CK_ULONG i;
	size_t len;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		/* every length came from a size_t (attrs_push) */
		len = a->v[i].ulValueLen ? (size_t)a->v[i].ulValueLen : 1;
		if (a->secure[i])
			OPENSSL_secure_clear_free(a->v[i].pValue, len);
		else
			OPENSSL_clear_free(a->v[i].pValue, len);
	}
	hc_attrs_init(a);
}

/*
 * A new entry of type with a zeroed value of len bytes, returned for the
 * caller to fill; NULL when this or an earlier add failed (kept in
 * a->failed).
 */
static void *
attrs_push(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type, size_t len,
	   int secure)
{
	CK_ULONG clen;
	void *p;

	if (a->failed != NULL)
		return NULL;
	if (a->n >= HC_ATTRS_MAX) {
		a->failed = "internal: attribute template full";
		return NULL;
	}
	if (range_ulong(len, &clen, NULL) != 0) {
		a->failed = "internal: length out of range";
		return NULL;
	}
	if (secure)
		p = OPENSSL_secure_zalloc(len ? len : 1);
	else
		p = OPENSSL_zalloc(len ? len : 1);
	if (p == NULL) {
		a->failed = "out of memory";
		return NULL;
	}
	a->v[a->n].type = type;
	a->v[a->n].pValue = p;
	a->v[a->n].ulValueLen = clen;
	a->secure[a->n] = secure != 0;
	a->n++;
	return p;
}

void
hc_attrs_add_bool(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type, int v)
{
	CK_BBOOL *p = attrs_push(a, type, sizeof(*p), 0);

	if (p != NULL)
		*p = v ? CK_TRUE : CK_FALSE;
}

void
hc_attrs_add_ulong(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
	CK_ULONG *p = attrs_push(a, type, sizeof(*p), 0);

	if (p != NULL)
		*p = v;
}

void
hc_attrs_add_bytes(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type, const void *v,
		   size_t len)
{
	void *p = attrs_push(a, type, len, 0);

	if (p != NULL && len > 0)
		memcpy(p, v, len);
}

void
hc_attrs_add_str(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type, const char *s)
{
	hc_attrs_add_bytes(a, type, s, strlen(s));
}

void
hc_attrs_add_bn(struct hc_attrs *a, CK_ATTRIBUTE_TYPE type, const BIGNUM *bn)
{
	int n = BN_num_bytes(bn);
	unsigned char *p;

	if (n < 0) {
		if (a->failed == NULL)
			a->failed = "internal: length out of range";
		return;
	}
	p = attrs_push(a, type, (size_t)n, 1);
	if (p != NULL)
		BN_bn2bin(bn, p);
}

int
hc_attrs_check(const struct hc_attrs *a, hc_err *err)
{
	if (a->failed == NULL)
		return 0;
	return hc_err_set(err, HC_E_FAIL, "%s", a->failed);
}

int
hc_attr_set(struct hc_token *t, CK_OBJECT_HANDLE h, struct hc_attrs *a,
	    hc_err *err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	CK_RV rv;
	int n;

	if (hc_attrs_check(a, err) != 0)
		return -1;
	hc_token_rewritten(t);
	rv = t->f->C_SetAttributeValue(t->sess, h, a->v, a->n);
	if (rv == CKR_OK)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	return hc_err_ckr(err, HC_E_FAIL, rv, "%s", msg);
}

/* ------------------------------------------------------------------ */
/* Reads                                                                */

/* A buffer for every attribute whose length is known. */
static int
alloc_values(CK_ATTRIBUTE *a, size_t n, hc_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			continue;
		a[i].pValue = malloc(a[i].ulValueLen ? a[i].ulValueLen : 1);
		if (a[i].pValue == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	return 0;
}

/* An answer that still says which attributes came back. */
static int
rv_readable(CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	       rv == CKR_ATTRIBUTE_SENSITIVE;
}

/*
 * After an answer that processed every attribute (CKR_ATTRIBUTE_TYPE_INVALID
 * or _SENSITIVE): the lengths of the unavailable ones alone, and a read of
 * those that have one (a buffer was too small). An attribute the object
 * lacks stays unavailable after one more call, not two.
 */
static int
attr_reread(struct hc_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE *a,
	    size_t n, hc_err *err)
{
	CK_ATTRIBUTE q[HC_ATTRS_MAX];
	size_t map[HC_ATTRS_MAX];
	size_t i, nq = 0, k;
	CK_RV rv;

	for (i = 0; i < n; i++) {
		if (a[i].ulValueLen != CK_UNAVAILABLE_INFORMATION)
			continue;
		free(a[i].pValue);
		a[i].pValue = NULL;
		if (nq == HC_ATTRS_MAX)
			return hc_err_set(err, HC_E_FAIL,
					  "internal: attribute template full");
		map[nq] = i;
		q[nq].type = a[i].type;
		q[nq].pValue = NULL;
		q[nq++].ulValueLen = 0;
	}
	rv = t->f->C_GetAttributeValue(t->sess, h, q, range_count(nq));
	if (!rv_readable(rv))
		goto fail;
	for (i = 0, k = 0; i < nq; i++)
		if (q[i].ulValueLen != CK_UNAVAILABLE_INFORMATION)
			q[k++] = q[i], map[k - 1] = map[i];
	if (k == 0)
		return 0;
	if (alloc_values(q, k, err) != 0) {
		hc_attr_release(q, k);
		return -1;
	}
	rv = t->f->C_GetAttributeValue(t->sess, h, q, range_count(k));
	if (!rv_readable(rv)) {
		hc_attr_release(q, k);
		goto fail;
	}
	for (i = 0; i < k; i++)
		a[map[i]] = q[i];
	return 0;
fail:
	return hc_err_ckr(err, HC_E_FAIL, rv,
			  "cannot read the attributes of object %lu", h);
}

/*
 * One call with guessed buffer sizes, and only when one is too small a
 * length query and a second read.
 */
int
hc_attr_get(struct hc_token *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE *a, size_t n,
	    hc_err *err)
{
	CK_ULONG cn;
	size_t i;
	int retry = 0;
	CK_RV rv;

	if (range_ulong(n, &cn, err) != 0 || alloc_values(a, n, err) != 0)
		return -1;
	rv = t->f->C_GetAttributeValue(t->sess, h, a, cn);
	if (rv == CKR_BUFFER_TOO_SMALL) {
		retry = 1;
	} else if (rv != CKR_OK && rv_readable(rv)) {
		/*
		 * Such a return can hide a buffer that was too small: ask the
		 * lengths of what came back unavailable (only those).
		 */
		for (i = 0; i < n; i++)
			if (a[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
				retry = 1;
		if (retry)
			return attr_reread(t, h, a, n, err);
	} else if (rv != CKR_OK) {
		goto fail;
	}
	if (!retry)
		return 0;
	hc_attr_release(a, n);
	rv = t->f->C_GetAttributeValue(t->sess, h, a, cn);
	if (!rv_readable(rv))
		goto fail;
	if (alloc_values(a, n, err) != 0)
		return -1;
	rv = t->f->C_GetAttributeValue(t->sess, h, a, cn);
	if (!rv_readable(rv))
		goto fail;
	return 0;
fail:
	return hc_err_ckr(err, HC_E_FAIL, rv,
			  "cannot read the attributes of object %lu", h);
}

void
hc_attr_release(CK_ATTRIBUTE *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].pValue);
		a[i].pValue = NULL;
	}
}

int
hc_attr_ok(const CK_ATTRIBUTE *a)
{
	return a->pValue != NULL && a->ulValueLen != CK_UNAVAILABLE_INFORMATION;
}

int
hc_attr_bool(const CK_ATTRIBUTE *a)
{
	if (!hc_attr_ok(a) || a->ulValueLen != sizeof(CK_BBOOL))
		return -1;
	return *(CK_BBOOL *)a->pValue ? 1 : 0;
}

long
hc_attr_ulong(const CK_ATTRIBUTE *a, long dflt)
{
	long v;

	if (!hc_attr_ok(a) || a->ulValueLen != sizeof(CK_ULONG) ||
	    range_long(*(CK_ULONG *)a->pValue, &v, NULL) != 0)
		return dflt;
	return v;
}

char *
hc_attr_str(const CK_ATTRIBUTE *a)
{
	char *s;

	if (!hc_attr_ok(a))
		return strdup("");
	s = malloc(a->ulValueLen + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, a->pValue, a->ulValueLen);
	s[a->ulValueLen] = '\0';
	return s;
}

/* Move a byte attribute into *out / *len; the attribute loses it. */
void
hc_attr_take(CK_ATTRIBUTE *a, unsigned char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (!hc_attr_ok(a))
		return;
	*out = a->pValue;
	*len = a->ulValueLen;
	a->pValue = NULL;
}