/* token_find.c - find objects and copy out what hsmcert reads of them
 *
 * One C_FindObjects pass per search, then one C_GetAttributeValue per
 * object for every attribute its class has (read_tmpl). PKCS#11 objects
 * never leave token_*.c: each becomes a struct hc_tobj at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/range.h"
#include "core/token_int.h"
#include "core/util.h"

enum {
	A_ID, A_LABEL, A_VALUE, A_APP, A_CATEGORY, A_KEYTYPE, A_LOCAL,
	A_ASENS, A_NEVEREXT, A_EXT, A_SENS, A_CLASS, A_NATTR
};

#define OC(cls) (1u << (cls))
#define OC_KEYS (OC(HC_OBJ_PRIVKEY) | OC(HC_OBJ_PUBKEY))
#define OC_ALL (OC(HC_OBJ_CERT) | OC_KEYS | OC(HC_OBJ_DATA))

/*
 * What is read of each class, in one call: the attribute, the size of its
 * first buffer, and the classes that have it (asking a class for one it
 * lacks makes the call fail as a whole and costs a second round trip). No
 * CKA_MODULUS / CKA_EC_PARAMS for keys, as one of them is always missing:
 * key_bits is read where it is needed, from the public key.
 */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	CK_ULONG guess;
	unsigned int classes;
} read_tmpl[A_NATTR] = {
	[A_ID] = { CKA_ID, 64, OC(HC_OBJ_CERT) | OC_KEYS },
	[A_LABEL] = { CKA_LABEL, 128, OC_ALL },
	[A_VALUE] = { CKA_VALUE, 4096, OC(HC_OBJ_CERT) | OC(HC_OBJ_DATA) },
	[A_APP] = { CKA_APPLICATION, 64, OC(HC_OBJ_DATA) },
	[A_CATEGORY] = { CKA_CERTIFICATE_CATEGORY, sizeof(CK_ULONG),
			 OC(HC_OBJ_CERT) },
	[A_KEYTYPE] = { CKA_KEY_TYPE, sizeof(CK_ULONG), OC_KEYS },
	[A_LOCAL] = { CKA_LOCAL, sizeof(CK_BBOOL), OC_KEYS },
	[A_ASENS] = { CKA_ALWAYS_SENSITIVE, sizeof(CK_BBOOL),
		      OC(HC_OBJ_PRIVKEY) },
	[A_NEVEREXT] = { CKA_NEVER_EXTRACTABLE, sizeof(CK_BBOOL),
			 OC(HC_OBJ_PRIVKEY) },
	[A_EXT] = { CKA_EXTRACTABLE, sizeof(CK_BBOOL), OC(HC_OBJ_PRIVKEY) },
	[A_SENS] = { CKA_SENSITIVE, sizeof(CK_BBOOL), OC(HC_OBJ_PRIVKEY) },
	/* asked only by the scan (hc_token_scan), of objects of any class */
	[A_CLASS] = { CKA_CLASS, sizeof(CK_ULONG), 0 },
};

/* Read the template's attributes of one object: a[A_*], absent ones NULL. */
static int
read_attrs(struct hc_token *t, CK_OBJECT_HANDLE h, enum hc_obj_class cls,
	   CK_ATTRIBUTE a[A_NATTR], hc_err *err)
{
	CK_ATTRIBUTE c[A_NATTR];
	size_t map[A_NATTR];
	size_t i, n = 0;

	for (i = 0; i < A_NATTR; i++) {
		map[i] = (size_t)-1;
		if (!(read_tmpl[i].classes & OC(cls)))
			continue;
		map[i] = n;
		c[n].type = read_tmpl[i].type;
		c[n].pValue = NULL;
		c[n++].ulValueLen = read_tmpl[i].guess;
	}
	if (hc_attr_get(t, h, c, n, err) != 0) {
		hc_attr_release(c, n);
		return -1;
	}
	/* the values move from c to a */
	for (i = 0; i < A_NATTR; i++) {
		if (map[i] == (size_t)-1) {
			a[i].type = read_tmpl[i].type;
			a[i].pValue = NULL;
			a[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
		} else {
			a[i] = c[map[i]];
		}
	}
	return 0;
}

static void
tobj_release(struct hc_tobj *o)
{
	free(o->label);
	free(o->value);
	free(o->application);
	memset(o, 0, sizeof(*o));
}

/* An object from its attributes a[A_*] (released here). */
static int
fill_object(CK_OBJECT_HANDLE h, enum hc_obj_class cls, CK_ATTRIBUTE a[A_NATTR],
	    struct hc_tobj *o, hc_err *err)
{
	int ret = -1;

	memset(o, 0, sizeof(*o));
	o->handle = h;
	o->cls = cls;
	if (hc_attr_ok(&a[A_ID])) {
		o->id_len = a[A_ID].ulValueLen < HC_ID_MAX ?
			    a[A_ID].ulValueLen : HC_ID_MAX;
		memcpy(o->id, a[A_ID].pValue, o->id_len);
	}
	o->label = hc_attr_str(&a[A_LABEL]);
	if (o->label == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	o->local = o->always_sensitive = o->never_extractable = -1;
	o->extractable = o->sensitive = -1;
	switch (cls) {
	case HC_OBJ_CERT:
		hc_attr_take(&a[A_VALUE], &o->value, &o->value_len);
		o->cert_category = hc_range_clamp_int_long(
			hc_attr_ulong(&a[A_CATEGORY], 0));
		break;
	case HC_OBJ_DATA:
		hc_attr_take(&a[A_VALUE], &o->value, &o->value_len);
		o->application = hc_attr_str(&a[A_APP]);
		if (o->application == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		break;
	case HC_OBJ_PRIVKEY:
		o->local = hc_attr_bool(&a[A_LOCAL]);
		o->always_sensitive = hc_attr_bool(&a[A_ASENS]);
		o->never_extractable = hc_attr_bool(&a[A_NEVEREXT]);
		o->extractable = hc_attr_bool(&a[A_EXT]);
		o->sensitive = hc_attr_bool(&a[A_SENS]);
		/* fall through */
	case HC_OBJ_PUBKEY:
		switch (hc_attr_ulong(&a[A_KEYTYPE], -1)) {
		case (long)CKK_RSA:
			o->key_kind = HC_KEY_RSA;
			break;
		case (long)CKK_EC:
			o->key_kind = HC_KEY_EC;
			break;
		default:
			o->key_kind = 0;
			break;
		}
		break;
	}
	ret = 0;
out:
	hc_attr_release(a, A_NATTR);
	if (ret != 0)
		tobj_release(o);
	return ret;
}

static int
read_object(struct hc_token *t, CK_OBJECT_HANDLE h, enum hc_obj_class cls,
	    struct hc_tobj *o, hc_err *err)
{
	CK_ATTRIBUTE a[A_NATTR];

	memset(o, 0, sizeof(*o));
	if (read_attrs(t, h, cls, a, err) != 0)
		return -1;
	return fill_object(h, cls, a, o, err);
}

void
hc_tobj_list_release(struct hc_tobj_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		tobj_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
tobj_push(struct hc_tobj_list *l, struct hc_tobj *o, hc_err *err)
{
	struct hc_tobj *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	l->v = nv;
	l->v[l->n++] = *o;
	return 0;
}

/*
 * Collect the handles matching a template (NULL: every object the session
 * sees): one C_FindObjects pass.
 */
static int
find_handles(struct hc_token *t, struct hc_attrs *tmpl,
	     CK_OBJECT_HANDLE **out, size_t *nout, hc_err *err)
{
	CK_OBJECT_HANDLE *v = NULL, *nv;
	size_t n = 0, cap = 0;
	CK_ULONG got;
	CK_RV rv;

	if (tmpl != NULL && hc_attrs_check(tmpl, err) != 0)
		return -1;
	rv = t->f->C_FindObjectsInit(t->sess, tmpl ? tmpl->v : NULL,
				     tmpl ? tmpl->n : 0);
	if (rv != CKR_OK)
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot search the token");
	for (;;) {
		/* room for as many again as were found: few round trips */
		if (cap - n < (n > 256 ? n : 256)) {
			cap = n > 256 ? 2 * n : 512;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				t->f->C_FindObjectsFinal(t->sess);
				return hc_err_set(err, HC_E_FAIL,
						  "out of memory");
			}
			v = nv;
		}
		rv = t->f->C_FindObjects(t->sess, v + n, range_count(cap - n),
					 &got);
		if (rv != CKR_OK) {
			free(v);
			t->f->C_FindObjectsFinal(t->sess);
			return hc_err_ckr(err, HC_E_FAIL, rv,
					  "cannot search the token");
		}
		if (got == 0)
			break;
		n += got;
	}
	rv = t->f->C_FindObjectsFinal(t->sess);
	if (rv != CKR_OK) {
		free(v);
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot search the token");
	}
	*out = v;
	*nout = n;
	return 0;
}

/*
 * The objects matching tmpl, all of class cls, into *out. tmpl is
 * released here.
 */
static int
find_objects(struct hc_token *t, struct hc_attrs *tmpl, enum hc_obj_class cls,
	     struct hc_tobj_list *out, hc_err *err)
{
	struct hc_tobj_list l = { NULL, 0 };
	CK_OBJECT_HANDLE *h = NULL;
	size_t nh = 0, i;
	int ret = -1;

	if (find_handles(t, tmpl, &h, &nh, err) != 0)
		goto out;
	l.v = calloc(nh ? nh : 1, sizeof(*l.v));
	if (l.v == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < nh; i++) {
		if (read_object(t, h[i], cls, &l.v[l.n], err) != 0)
			goto out;
		l.n++;
	}
	*out = l;
	l.v = NULL;
	l.n = 0;
	ret = 0;
out:
	hc_tobj_list_release(&l);
	hc_attrs_release(tmpl);
	free(h);
	return ret;
}

int
hc_token_find(struct hc_token *t, enum hc_obj_class cls,
	      const unsigned char *id, size_t id_len, const char *application,
	      struct hc_tobj_list *out, hc_err *err)
{
	struct hc_attrs tmpl;

	hc_attrs_init(&tmpl);
	hc_attrs_add_ulong(&tmpl, CKA_CLASS, hc_obj_class_of(cls));
	if (id_len > 0)
		hc_attrs_add_bytes(&tmpl, CKA_ID, id, id_len);
	if (application != NULL)
		hc_attrs_add_str(&tmpl, CKA_APPLICATION, application);
	return find_objects(t, &tmpl, cls, out, err);
}

int
hc_token_find_authorities(struct hc_token *t, struct hc_tobj_list *out,
			  hc_err *err)
{
	struct hc_attrs tmpl;

	hc_attrs_init(&tmpl);
	hc_attrs_add_ulong(&tmpl, CKA_CLASS, CKO_CERTIFICATE);
	hc_attrs_add_ulong(&tmpl, CKA_CERTIFICATE_CATEGORY, HC_CAT_AUTHORITY);
	return find_objects(t, &tmpl, HC_OBJ_CERT, out, err);
}

/*
 * The fingerprint of a handle list from an unfiltered search, kept in t
 * until this process changes the token (hc_token_changed): a scan that
 * made the list answers the index check after it without another pass.
 */
static int
fingerprint_of(struct hc_token *t, const CK_OBJECT_HANDLE *h, size_t nh,
	       hc_err *err)
{
	unsigned char md[20];
	unsigned int mdlen = 0;
	char hex[41];
	int n;

	if (EVP_Digest(h, nh * sizeof(*h), md, &mdlen, EVP_sha1(), NULL) != 1)
		return hc_err_ossl(err, HC_E_FAIL,
				   "cannot hash the object list");
	hc_hex(md, sizeof(md), hex);
	n = snprintf(t->fp, sizeof(t->fp), "%zu:%s", nh, hex);
	(void)n;
	t->fp_valid = 1;
	return 0;
}

int
hc_token_fingerprint(struct hc_token *t, char out[64], hc_err *err)
{
	CK_OBJECT_HANDLE *h = NULL;
	size_t nh = 0;
	int r;

	if (!t->fp_valid) {
		if (find_handles(t, NULL, &h, &nh, err) != 0)
			return -1;
		r = fingerprint_of(t, h, nh, err);
		free(h);
		if (r != 0)
			return -1;
	}
	memcpy(out, t->fp, 64);
	return 0;
}

/*
 * One object of any class in one C_GetAttributeValue: the class and
 * every attribute of read_tmpl but the value (a private
 * key's CKA_VALUE is never asked for, not even in a batch). Attributes
 * the object's class lacks come back unavailable and the call says
 * CKR_ATTRIBUTE_TYPE_INVALID, having processed all of them (PKCS#11
 * 2.40, C_GetAttributeValue); only an attribute the class has that came
 * back unavailable (a buffer too small) is read again. *cls = -1 for a
 * class hsmcert does not read.
 */
static int
scan_object(struct hc_token *t, CK_OBJECT_HANDLE h, int *cls,
	    CK_ATTRIBUTE a[A_NATTR], hc_err *err)
{
	CK_ATTRIBUTE c[A_NATTR], q[A_NATTR];
	size_t map[A_NATTR], qmap[A_NATTR];
	size_t i, n = 0, nq = 0;
	long oc;
	CK_RV rv;

	*cls = -1;
	for (i = 0; i < A_NATTR; i++) {
		a[i].type = read_tmpl[i].type;
		a[i].pValue = NULL;
		a[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
		map[i] = (size_t)-1;
		if (i == A_VALUE)
			continue;
		map[i] = n;
		c[n].type = read_tmpl[i].type;
		c[n].ulValueLen = read_tmpl[i].guess;
		c[n].pValue = malloc(read_tmpl[i].guess);
		if (c[n++].pValue == NULL) {
			hc_attr_release(c, n);
			return hc_err_set(err, HC_E_FAIL, "out of memory");
		}
	}
	rv = t->f->C_GetAttributeValue(t->sess, h, c, range_count(n));
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
	    rv != CKR_ATTRIBUTE_SENSITIVE && rv != CKR_BUFFER_TOO_SMALL) {
		hc_attr_release(c, n);
		return hc_err_ckr(err, HC_E_FAIL, rv,
				  "cannot read the attributes of object %lu",
				  h);
	}
	for (i = 0; i < A_NATTR; i++)
		if (map[i] != (size_t)-1)
			a[i] = c[map[i]];
	oc = hc_attr_ulong(&a[A_CLASS], -1);
	*cls = oc == (long)CKO_PRIVATE_KEY ? HC_OBJ_PRIVKEY :
	       oc == (long)CKO_PUBLIC_KEY ? HC_OBJ_PUBKEY :
	       oc == (long)CKO_CERTIFICATE ? HC_OBJ_CERT :
	       oc == (long)CKO_DATA ? HC_OBJ_DATA : -1;
	if (*cls < 0)
		return 0;
	/* what this class has and did not fit: its length, then its value */
	for (i = 0; i < A_NATTR; i++) {
		if (i == A_VALUE || !(read_tmpl[i].classes & OC(*cls)) ||
		    a[i].ulValueLen != CK_UNAVAILABLE_INFORMATION)
			continue;
		free(a[i].pValue);
		a[i].pValue = NULL;
		qmap[nq] = i;
		q[nq].type = a[i].type;
		q[nq].pValue = NULL;
		q[nq++].ulValueLen = read_tmpl[i].guess;
	}
	if (nq == 0)
		return 0;
	if (hc_attr_get(t, h, q, nq, err) != 0) {
		hc_attr_release(q, nq);
		return -1;
	}
	for (i = 0; i < nq; i++)
		a[qmap[i]] = q[i];
	return 0;
}

/*
 * The value of a certificate, or of a data object whose application is one
 * of apps, in a second read: 0 with the value in a[A_VALUE], 1 with nothing
 * read for a data object of another application.
 */
static int
scan_value(struct hc_token *t, CK_OBJECT_HANDLE h, int cls,
	   CK_ATTRIBUTE a[A_NATTR], const char *const *apps, size_t napps,
	   hc_err *err)
{
	size_t i;

	if (cls == HC_OBJ_PRIVKEY || cls == HC_OBJ_PUBKEY)
		return 0;
	for (i = 0; cls == HC_OBJ_DATA && i < napps; i++)
		if (hc_attr_ok(&a[A_APP]) &&
		    a[A_APP].ulValueLen == strlen(apps[i]) &&
		    memcmp(a[A_APP].pValue, apps[i], strlen(apps[i])) == 0)
			break;
	if (cls == HC_OBJ_DATA && i == napps)
		return 1;
	a[A_VALUE].pValue = NULL;
	a[A_VALUE].ulValueLen = read_tmpl[A_VALUE].guess;
	return hc_attr_get(t, h, &a[A_VALUE], 1, err);
}

int
hc_token_scan(struct hc_token *t, const struct hc_scan_want *want,
	      struct hc_tobj_list *privs, struct hc_tobj_list *pubs,
	      struct hc_tobj_list *certs, struct hc_tobj_list *data,
	      hc_err *err)
{
	CK_OBJECT_HANDLE *h = NULL;
	size_t nh = 0, i;
	int ret = -1;

	/*
	 * One unfiltered pass: a search costs the module a look at every
	 * object whatever the template (SoftHSM2 checks each object's file),
	 * so a second, per-class pass costs more than the value reads of the
	 * certificates it would save. It also gives the fingerprint.
	 */
	if (find_handles(t, NULL, &h, &nh, err) != 0 ||
	    fingerprint_of(t, h, nh, err) != 0)
		goto out;
	for (i = 0; i < nh; i++) {
		CK_ATTRIBUTE a[A_NATTR];
		struct hc_tobj o;
		struct hc_tobj_list *l;
		int cls, r;

		if (scan_object(t, h[i], &cls, a, err) != 0)
			goto out;
		l = cls == HC_OBJ_PRIVKEY ? privs : cls == HC_OBJ_PUBKEY ?
		    pubs : cls == HC_OBJ_CERT ? certs :
		    cls == HC_OBJ_DATA ? data : NULL;
		r = l == NULL ? 1 : scan_value(t, h[i], cls, a, want->apps,
					       want->napps, err);
		if (r != 0) {
			hc_attr_release(a, A_NATTR);
			if (r < 0)
				goto out;
			continue;
		}
		if (fill_object(h[i], (enum hc_obj_class)cls, a, &o, err) != 0)
			goto out;
		if (tobj_push(l, &o, err) != 0) {
			tobj_release(&o);
			goto out;
		}
		if (cls == HC_OBJ_CERT && want->on_cert != NULL)
			want->on_cert(want->arg, o.value, o.value_len);
	}
	ret = 0;
out:
	if (ret != 0) {
		hc_tobj_list_release(privs);
		hc_tobj_list_release(pubs);
		hc_tobj_list_release(certs);
		hc_tobj_list_release(data);
	}
	free(h);
	return ret;
}

int
hc_token_find_id(struct hc_token *t, const unsigned char *id, size_t len,
		 struct hc_tobj_list *privs, struct hc_tobj_list *pubs,
		 struct hc_tobj_list *certs, hc_err *err)
{
	struct hc_attrs tmpl;
	CK_OBJECT_HANDLE *h = NULL;
	size_t nh = 0, i;
	int ret = -1;

	hc_attrs_init(&tmpl);
	hc_attrs_add_bytes(&tmpl, CKA_ID, id, len);
	if (find_handles(t, &tmpl, &h, &nh, err) != 0)
		goto out;
	for (i = 0; i < nh; i++) {
		CK_OBJECT_CLASS oc = (CK_OBJECT_CLASS)-1;
		CK_ATTRIBUTE a = { CKA_CLASS, &oc, sizeof(oc) };
		struct hc_tobj o;
		struct hc_tobj_list *dst;
		enum hc_obj_class cls;

		CK_RV arv = t->f->C_GetAttributeValue(t->sess, h[i], &a, 1);

		if (arv != CKR_OK) {
			hc_err_ckr(err, HC_E_FAIL, arv,
				   "cannot read the class of object %lu", h[i]);
			goto out;
		}
		if (oc == CKO_PRIVATE_KEY) {
			cls = HC_OBJ_PRIVKEY;
			dst = privs;
		} else if (oc == CKO_PUBLIC_KEY) {
			cls = HC_OBJ_PUBKEY;
			dst = pubs;
		} else if (oc == CKO_CERTIFICATE) {
			cls = HC_OBJ_CERT;
			dst = certs;
		} else {
			continue;
		}
		if (read_object(t, h[i], cls, &o, err) != 0)
			goto out;
		if (tobj_push(dst, &o, err) != 0) {
			tobj_release(&o);
			goto out;
		}
	}
	ret = 0;
out:
	hc_attrs_release(&tmpl);
	free(h);
	return ret;
}
