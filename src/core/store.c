/* store.c - the certificate store on the token, joined by CKA_ID */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "core/error.h"
#include "core/range.h"
#include "core/store.h"
#include "core/store_int.h"
#include "core/x509_brief.h"
#include "core/x509_pool.h"
#include "core/util.h"
#include "core/x509.h"

static int
id_cmp(const unsigned char *a, size_t alen, const unsigned char *b,
       size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct hc_store_item *x = a, *y = b;

	return id_cmp(x->id, x->id_len, y->id, y->id_len);
}

struct hc_store_item *
hc_store_find_id(struct hc_store *s, const unsigned char *id, size_t len)
{
	struct hc_store_item key;

	if (len > HC_ID_MAX || s->nsorted == 0)
		return NULL;
	memcpy(key.id, id, len);
	key.id_len = len;
	return bsearch(&key, s->items, s->nsorted, sizeof(*s->items), item_cmp);
}

/*
 * Sort the items by id, one per id (the first kept), all of them findable
 * by hc_store_find_id.
 */
static void
sort_items(struct hc_store *s)
{
	size_t i, n;

	qsort(s->items, s->nitems, sizeof(*s->items), item_cmp);
	for (i = 1, n = s->nitems ? 1 : 0; i < s->nitems; i++)
		if (item_cmp(&s->items[i], &s->items[n - 1]) != 0)
			s->items[n++] = s->items[i];
	s->nitems = n;
	s->nsorted = n;
}

/* Append an empty item for a key id. */
static struct hc_store_item *
add_item(struct hc_store *s, const unsigned char *id, size_t id_len,
	 hc_err *err)
{
	struct hc_store_item *nv = realloc(s->items,
					   (s->nitems + 1) * sizeof(*nv));

	if (nv == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	s->items = nv;
	memset(&s->items[s->nitems], 0, sizeof(*nv));
	memcpy(s->items[s->nitems].id, id, id_len);
	s->items[s->nitems].id_len = id_len;
	return &s->items[s->nitems++];
}

/*
 * Items are made from the private keys (sorted by id), then the other
 * classes are attached by binary search: O(N log N) in all. A public key
 * without its private key makes an item of its own, so that a certificate
 * of that key id finds it.
 */
static int
build_items(struct hc_token *t, struct hc_store *s, hc_err *err)
{
	size_t i, n = 0;

	s->items = calloc(s->privs.n ? s->privs.n : 1, sizeof(*s->items));
	if (s->items == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (i = 0; i < s->privs.n; i++) {
		struct hc_tobj *o = &s->privs.v[i];

		if (o->id_len == 0)
			continue;
		s->items[n].priv = o;
		memcpy(s->items[n].id, o->id, o->id_len);
		s->items[n].id_len = o->id_len;
		n++;
	}
	s->nitems = n;
	/* Two private keys with one id: keep the first, the token is odd. */
	sort_items(s);
	for (i = 0; i < s->pubs.n; i++) {
		struct hc_store_item *it = hc_store_find_id(s, s->pubs.v[i].id,
							   s->pubs.v[i].id_len);

		if (it != NULL) {
			if (it->pub == NULL)
				it->pub = &s->pubs.v[i];
			continue;
		}
		/*
		 * A public key without its private key: what an interrupted key
		 * generation can leave. When a pulled token stopped hsmcert
		 * between setting the key id of the private key and of the
		 * public one, the public key still carries the temporary id:
		 * its own key id then finds its private key. Otherwise it is
		 * listed (as an orphan key) so that remove can delete it.
		 */
		if (t != NULL) {
			EVP_PKEY *pk =
				hc_token_read_pubkey(t, s->pubs.v[i].handle,
						     NULL);
			unsigned char real[20];

			it = NULL;
			if (pk != NULL && hc_x509_key_id(pk, real, NULL) == 0)
				it = hc_store_find_id(s, real, sizeof(real));
			EVP_PKEY_free(pk);
			ERR_clear_error();
			if (it != NULL && it->pub == NULL) {
				it->pub = &s->pubs.v[i];
				continue;
			}
		}
		if (s->pubs.v[i].id_len == 0)
			continue;
		it = add_item(s, s->pubs.v[i].id, s->pubs.v[i].id_len, err);
		if (it == NULL)
			return -1;
		it->pub = &s->pubs.v[i];
	}
	/* the public keys without private keys join the sorted items */
	if (s->nitems > s->nsorted)
		sort_items(s);
	return 0;
}

static int
push_ca(struct hc_store *s, struct hc_tobj *o, X509 *x, hc_err *err)
{
	struct hc_store_item *nv = realloc(s->cas, (s->ncas + 1) * sizeof(*nv));

	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	s->cas = nv;
	memset(&s->cas[s->ncas], 0, sizeof(*nv));
	s->cas[s->ncas].kind = HC_KIND_CA;
	s->cas[s->ncas].cert = o;
	s->cas[s->ncas].x509 = x;
	memcpy(s->cas[s->ncas].id, o->id, o->id_len);
	s->cas[s->ncas].id_len = o->id_len;
	hc_x509_thumbprint(x, s->cas[s->ncas].ident);
	s->ncas++;
	if (!sk_X509_push(s->ca_stack, x))
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	return 0;
}

/*
 * A certificate joins the item of its key id. SPEC section 10: a leaf
 * whose key is gone from the token is still listed, as an item of its own
 * without a private key. CA certificates (category authority, or
 * basicConstraints CA without a key on the token) are chain material and
 * go to s->cas.
 */
/*
 * A parse the pool made, or one made here (pool NULL, or a certificate
 * that must be a full X509: chain material).
 */
static int
parsed_x509(struct hc_tobj *o, struct hc_x509_parsed *r)
{
	if (r->x == NULL && r->b != NULL) {
		r->x = hc_x509_from_der(o->value, o->value_len, NULL);
		hc_x509_brief_free(r->b);
		r->b = NULL;
	}
	ERR_clear_error();
	return r->x != NULL;
}

/* Move a parse into an item. */
static void
take_parsed(struct hc_store_item *it, struct hc_tobj *o,
	    struct hc_x509_parsed *r)
{
	it->cert = o;
	it->x509 = r->x;
	it->brief = r->b;
	r->x = NULL;
	r->b = NULL;
}

static int
attach_certs(struct hc_store *s, struct hc_x509_pool *pool, hc_err *err)
{
	struct hc_x509_parsed *xs = NULL;
	size_t i, nitems = s->nitems, nxs = 0;
	int ret = -1;

	/* what the pool parsed while the token was read, else parse here */
	if (pool != NULL &&
	    (hc_x509_pool_finish(pool, &xs, &nxs) != 0 || nxs != s->certs.n)) {
		for (i = 0; xs != NULL && i < nxs; i++)
			hc_x509_parsed_release(&xs[i]);
		free(xs);
		xs = NULL;
		pool = NULL;
	}
	if (xs == NULL)
		xs = calloc(s->certs.n ? s->certs.n : 1, sizeof(*xs));
	if (xs == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (i = 0; i < s->certs.n; i++) {
		struct hc_tobj *o = &s->certs.v[i];

		if (pool == NULL)
			xs[i].x = hc_x509_from_der(o->value, o->value_len,
						   NULL);
		if (xs[i].x == NULL && xs[i].b == NULL) {
			ERR_clear_error();
			continue;	/* not ours to judge: skip garbage */
		}
		/* a brief parse is a leaf (x509_brief.h) */
		if (o->cert_category == HC_CAT_AUTHORITY || o->id_len == 0 ||
		    hc_store_find_id(s, o->id, o->id_len) != NULL ||
		    (xs[i].x != NULL && hc_x509_is_ca(xs[i].x)))
			continue;
		if (add_item(s, o->id, o->id_len, err) == NULL)
			goto out;
	}
	if (s->nitems > nitems)
		sort_items(s);
	for (i = 0; i < s->certs.n; i++) {
		struct hc_tobj *o = &s->certs.v[i];
		struct hc_store_item *it = NULL;

		if (xs[i].x == NULL && xs[i].b == NULL)
			continue;
		if (o->cert_category != HC_CAT_AUTHORITY && o->id_len > 0)
			it = hc_store_find_id(s, o->id, o->id_len);
		if (it != NULL && it->cert == NULL) {
			take_parsed(it, o, &xs[i]);
			continue;
		}
		if (it != NULL) {
			/* another certificate of the same key: a reissue */
			struct hc_store_item *nv = realloc(s->items,
					(s->nitems + 1) * sizeof(*nv));
			size_t at = (size_t)(it - s->items);

			if (nv == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			s->items = nv;
			it = &s->items[at];
			s->items[s->nitems] = *it;
			s->items[s->nitems].req = NULL;
			s->items[s->nitems].x509_req = NULL;
			take_parsed(&s->items[s->nitems], o, &xs[i]);
			s->nitems++;
			continue;
		}
		if (!parsed_x509(o, &xs[i]))
			continue;
		if (push_ca(s, o, xs[i].x, err) != 0) {
			/* push_ca keeps x when it is in s->cas already */
			if (s->ncas > 0 && s->cas[s->ncas - 1].x509 == xs[i].x)
				xs[i].x = NULL;
			goto out;
		}
		xs[i].x = NULL;
	}
	ret = 0;
out:
	for (i = 0; i < s->certs.n; i++)
		hc_x509_parsed_release(&xs[i]);
	free(xs);
	return ret;
}

static int
attach_requests(struct hc_store *s)
{
	size_t i;

	for (i = 0; i < s->reqs.n; i++) {
		struct hc_tobj *o = &s->reqs.v[i];
		const unsigned char *p = o->value;
		struct hc_store_item *it;
		unsigned char id[20];
		X509_REQ *req;
		EVP_PKEY *pk;

		if (o->value == NULL || o->value_len > 0x7fffffff)
			continue;
		req = d2i_X509_REQ(NULL, &p, hc_range_clamp_long(o->value_len));
		pk = req != NULL ? X509_REQ_get0_pubkey(req) : NULL;
		if (pk == NULL ||
		    hc_x509_cert_key_id(NULL, req, id, NULL) != 0) {
			X509_REQ_free(req);
			ERR_clear_error();
			continue;
		}
		it = hc_store_find_id(s, id, sizeof(id));
		if (it == NULL || it->req != NULL) {
			X509_REQ_free(req);
			continue;
		}
		it->req = o;
		it->x509_req = req;
	}
	return 0;
}

/* Append b's objects to a (b is emptied). */
static int
tobj_append(struct hc_tobj_list *a, struct hc_tobj_list *b, hc_err *err)
{
	struct hc_tobj *nv;

	if (b->n == 0) {
		free(b->v);
		b->v = NULL;
		return 0;
	}
	nv = realloc(a->v, (a->n + b->n) * sizeof(*nv));
	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(nv + a->n, b->v, b->n * sizeof(*nv));
	a->v = nv;
	a->n += b->n;
	free(b->v);
	b->v = NULL;
	b->n = 0;
	return 0;
}

static int store_join(struct hc_token *t, struct hc_store *s,
		      struct hc_x509_pool *pool, hc_err *err);

static void
to_pool(void *arg, const unsigned char *der, size_t len)
{
	(void)hc_x509_pool_add(arg, der, len);	/* finish says if it failed */
}

/* The scan's data objects into requests and ACME records (data emptied). */
static int
store_load(struct hc_token *t, struct hc_store *s, enum hc_pool_mode mode,
	   hc_err *err)
{
	static const char *const apps[] = { HC_REQUEST_APP, HC_ACME_CERT_APP,
					    HC_RENEWAL_APP };
	struct hc_tobj_list data = { NULL, 0 };
	struct hc_scan_want want = { apps, 3, NULL, NULL };
	struct hc_x509_pool *pool;

	memset(s, 0, sizeof(*s));
	s->ca_stack = sk_X509_new_null();
	if (s->ca_stack == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	/* certificates are parsed on a second thread as they are read */
	pool = hc_x509_pool_start(mode);
	if (pool != NULL) {
		want.on_cert = to_pool;
		want.arg = pool;
	}
	/* one pass over the token, one read per object (hc_token_scan) */
	if (hc_token_scan(t, &want, &s->privs, &s->pubs, &s->certs, &data,
			  err) != 0 ||
	    hc_store_split_data(&data, s, err) != 0)
		goto fail;
	if (store_join(t, s, pool, err) != 0) {
		pool = NULL;	/* attach_certs took it */
		goto fail;
	}
	return 0;
fail:
	hc_x509_pool_discard(pool);
	hc_store_release(s);
	return -1;
}

int
hc_store_load(struct hc_token *t, struct hc_store *s, hc_err *err)
{
	return store_load(t, s, HC_POOL_FULL, err);
}

int
hc_store_load_brief(struct hc_token *t, struct hc_store *s, int check,
		    hc_err *err)
{
	return store_load(t, s, check ? HC_POOL_BRIEF : HC_POOL_DATES, err);
}

int
hc_store_load_id(struct hc_token *t, const unsigned char *id, size_t len,
		 struct hc_store *s, hc_err *err)
{
	struct hc_tobj_list cas = { NULL, 0 };
	size_t i, k = 0;
	int need_cas = 0;

	memset(s, 0, sizeof(*s));
	s->ca_stack = sk_X509_new_null();
	if (s->ca_stack == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	/* one pass over the key id's objects */
	if (hc_token_find_id(t, id, len, &s->privs, &s->pubs, &s->certs, err))
		goto fail;
	/* a request is looked for only when the key has no certificate */
	if (s->certs.n == 0 &&
	    hc_token_find(t, HC_OBJ_DATA, NULL, 0, HC_REQUEST_APP, &s->reqs,
			  err) != 0)
		goto fail;
	/* the ACME records only when there is a certificate */
	if (s->certs.n > 0 &&
	    hc_token_find(t, HC_OBJ_DATA, NULL, 0, HC_ACME_CERT_APP, &s->acmes,
			  err) != 0)
		goto fail;
	/* the renewal links: this key's, and those naming its certificate */
	if (hc_token_find(t, HC_OBJ_DATA, NULL, 0, HC_RENEWAL_APP,
			  &s->renewals, err) != 0)
		goto fail;
	/* CA certificates only when a chain has to be built */
	for (i = 0; i < s->certs.n; i++) {
		X509 *x = hc_x509_from_der(s->certs.v[i].value,
					   s->certs.v[i].value_len, NULL);

		if (x != NULL && !hc_x509_claims_self_signed(x))
			need_cas = 1;
		X509_free(x);
		ERR_clear_error();
	}
	if (need_cas) {
		if (hc_token_find_authorities(t, &cas, err) != 0)
			goto fail;
		/* the key's own certificates are already there */
		for (i = 0; i < cas.n; i++) {
			if (cas.v[i].id_len == len &&
			    memcmp(cas.v[i].id, id, len) == 0) {
				free(cas.v[i].label);
				free(cas.v[i].value);
				free(cas.v[i].application);
				continue;
			}
			cas.v[k++] = cas.v[i];
		}
		cas.n = k;
	}
	if (tobj_append(&s->certs, &cas, err) != 0 ||
	    store_join(t, s, NULL, err) != 0)
		goto fail;
	return 0;
fail:
	hc_tobj_list_release(&cas);
	hc_store_release(s);
	return -1;
}

static int
ident_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
hc_store_index_text(const struct hc_store *s, hc_err *err)
{
	char **lines = calloc(s->nitems + 1, sizeof(*lines));
	char *text = NULL, *p;
	size_t i, n = 0;

	if (lines == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	for (i = 0; i < s->nitems; i++) {
		char hex[2 * HC_ID_MAX + 1];

		hc_hex(s->items[i].id, s->items[i].id_len, hex);
		lines[n] = malloc(strlen(s->items[i].ident) + strlen(hex) + 3);
		if (lines[n] == NULL)
			goto out;
		p = lines[n];
		memcpy(p, s->items[i].ident, strlen(s->items[i].ident));
		p += strlen(s->items[i].ident);
		*p++ = ' ';
		memcpy(p, hex, strlen(hex));
		p += strlen(hex);
		*p++ = '\n';
		*p = '\0';
		n++;
	}
	qsort(lines, n, sizeof(*lines), ident_cmp);
	text = malloc(n * (40 + 1 + 2 * HC_ID_MAX + 1) + 1);
	if (text == NULL)
		goto out;
	p = text;
	for (i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);

		memcpy(p, lines[i], l);
		p += l;
	}
	*p = '\0';
out:
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	if (text == NULL)
		hc_err_set(err, HC_E_FAIL, "out of memory");
	return text;
}

static int
store_join(struct hc_token *t, struct hc_store *s, struct hc_x509_pool *pool,
	   hc_err *err)
{
	size_t i;

	if (build_items(t, s, err) != 0) {
		hc_x509_pool_discard(pool);
		return -1;
	}
	if (attach_certs(s, pool, err) != 0 ||
	    attach_requests(s) != 0)
		return -1;
	for (i = 0; i < s->nitems; i++) {
		struct hc_store_item *it = &s->items[i];

		if (it->x509 != NULL || it->brief != NULL) {
			struct hc_cert_view v;

			if (it->x509 != NULL)
				hc_x509_view(it->x509, &v);
			else
				hc_x509_brief_view(it->brief, &v);
			it->kind = HC_KIND_CERT;
			hc_x509_view_thumbprint(&v, it->ident);
		} else {
			it->kind = it->req != NULL ? HC_KIND_REQUEST :
				   HC_KIND_ORPHAN;
			hc_hex(it->id, it->id_len > 20 ? 20 : it->id_len,
			       it->ident);
		}
	}
	hc_store_attach_records(s);
	return 0;
}

void
hc_store_release(struct hc_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nitems; i++) {
		X509_free(s->items[i].x509);
		hc_x509_brief_free(s->items[i].brief);
		X509_REQ_free(s->items[i].x509_req);
	}
	for (i = 0; i < s->ncas; i++)
		X509_free(s->cas[i].x509);
	sk_X509_free(s->ca_stack);
	free(s->items);
	free(s->cas);
	hc_tobj_list_release(&s->certs);
	hc_tobj_list_release(&s->privs);
	hc_tobj_list_release(&s->pubs);
	hc_tobj_list_release(&s->reqs);
	hc_tobj_list_release(&s->acmes);
	hc_tobj_list_release(&s->renewals);
	memset(s, 0, sizeof(*s));
}

int
hc_store_parse_id(const char *arg, char norm[41], hc_err *err)
{
	size_t n = 0;
	const char *p;

	for (p = arg; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p))
			return hc_err_set(err, HC_E_USAGE,
					  "invalid ID '%s': '%c' is not a hex digit",
					  arg, *p);
		if (n >= 40)
			return hc_err_set(err, HC_E_USAGE,
					  "invalid ID '%s': longer than 40 hex digits",
					  arg);
		norm[n++] = (char)tolower((unsigned char)*p);
	}
	norm[n] = '\0';
	if (n < 6)
		return hc_err_set(err, HC_E_USAGE,
				  "ID '%s' is too short: give at least 6 hex digits",
				  arg);
	return 0;
}

int
hc_store_lookup(struct hc_store *s, const char *arg, int ca,
		struct hc_store_item **out, hc_err *err)
{
	struct hc_store_item *v = ca ? s->cas : s->items;
	size_t n = ca ? s->ncas : s->nitems;
	struct hc_store_item *found = NULL;
	char norm[41], list[400] = "";
	size_t i, plen, used = 0;
	int matches = 0;

	if (hc_store_parse_id(arg, norm, err) != 0)
		return -1;
	plen = strlen(norm);
	for (i = 0; i < n; i++) {
		if (strncmp(v[i].ident, norm, plen) != 0)
			continue;
		matches++;
		found = &v[i];
		if (used + 44 < sizeof(list)) {
			size_t il = strlen(v[i].ident);

			memcpy(list + used, "\n  ", 3);
			memcpy(list + used + 3, v[i].ident, il);
			used += 3 + il;
			list[used] = '\0';
		}
	}
	if (matches == 0)
		return hc_err_set(err, HC_E_NOTFOUND,
				  "no %s matches ID '%s'",
				  ca ? "CA certificate" :
				  "certificate, request or key", arg);
	if (matches > 1)
		return hc_err_set(err, HC_E_NOTFOUND,
				  "ID '%s' is ambiguous, %d match:%s", arg,
				  matches, list);
	*out = found;
	return 0;
}
