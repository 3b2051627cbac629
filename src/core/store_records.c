/* store_records.c - the store's data objects: pending requests, ACME
 * issuance records and renewal links, read in the scan's data pass and
 * joined to the keys and certificates they belong to
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/error.h"
#include "core/store.h"
#include "core/store_int.h"
#include "core/util.h"

int
hc_store_split_data(struct hc_tobj_list *data, struct hc_store *s, hc_err *err)
{
	size_t i, nr = 0, na = 0, nl = 0, n = data->n ? data->n : 1;
	int ret = -1;

	s->reqs.v = calloc(n, sizeof(*s->reqs.v));
	s->acmes.v = calloc(n, sizeof(*s->acmes.v));
	s->renewals.v = calloc(n, sizeof(*s->renewals.v));
	if (s->reqs.v == NULL || s->acmes.v == NULL || s->renewals.v == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < data->n; i++) {
		if (strcmp(data->v[i].application, HC_REQUEST_APP) == 0)
			s->reqs.v[nr++] = data->v[i];
		else if (strcmp(data->v[i].application, HC_RENEWAL_APP) == 0)
			s->renewals.v[nl++] = data->v[i];
		else
			s->acmes.v[na++] = data->v[i];
	}
	s->reqs.n = nr;
	s->acmes.n = na;
	s->renewals.n = nl;
	free(data->v);
	data->v = NULL;
	data->n = 0;
	ret = 0;
out:
	hc_tobj_list_release(data);
	return ret;
}

/* The ACME account key is not an orphan key (SPEC section 9). */
static void
drop_acme_account_key(struct hc_store *s)
{
	size_t i, n = 0, sorted = s->nsorted;

	for (i = 0; i < s->nitems; i++) {
		const struct hc_store_item *it = &s->items[i];
		const char *l = it->priv != NULL ? it->priv->label :
				it->pub != NULL ? it->pub->label : NULL;

		if (it->kind == HC_KIND_ORPHAN && l != NULL &&
		    strcmp(l, HC_ACME_ACCOUNT_APP) == 0) {
			if (i < s->nsorted)
				sorted--;
			continue;
		}
		s->items[n++] = s->items[i];
	}
	s->nitems = n;
	s->nsorted = sorted;
}

/* An ACME issuance record belongs to the certificate its label names. */
static void
attach_acme(struct hc_store *s)
{
	size_t i, k;

	for (i = 0; i < s->acmes.n; i++) {
		const char *l = s->acmes.v[i].label;

		if (l == NULL || strlen(l) != 40)
			continue;
		for (k = 0; k < s->nitems; k++)
			if (s->items[k].kind == HC_KIND_CERT &&
			    s->items[k].acme == NULL &&
			    strcmp(s->items[k].ident, l) == 0)
				s->items[k].acme = &s->acmes.v[i];
	}
}

/* The old thumbprint a renewal link names, into out ("" when unreadable). */
static void
renewal_target(const struct hc_tobj *o, char out[41])
{
	json_error_t je;
	json_t *j;
	const char *r;

	out[0] = '\0';
	if (o->value == NULL)
		return;
	j = json_loadb((const char *)o->value, o->value_len, 0, &je);
	r = json_string_value(json_object_get(j, "Renews"));
	if (r != NULL && strlen(r) == 40 && strspn(r, "0123456789abcdef") == 40)
		memcpy(out, r, 41);
	json_decref(j);
}

/*
 * A renewal link belongs to the key its label names; the certificate it
 * names learns what renewed it (the new item's ident: a thumbprint, or the
 * key id of a pending request; the label when the new key is not loaded).
 */
static void
attach_renewals(struct hc_store *s)
{
	char hex[2 * HC_ID_MAX + 1], old[41];
	const char *by;
	size_t i, k;

	for (i = 0; i < s->renewals.n; i++) {
		const struct hc_tobj *o = &s->renewals.v[i];

		if (o->label == NULL)
			continue;
		renewal_target(o, old);
		if (old[0] == '\0')
			continue;
		by = NULL;
		for (k = 0; k < s->nitems; k++) {
			struct hc_store_item *it = &s->items[k];

			hc_hex(it->id, it->id_len, hex);
			if (strcmp(hex, o->label) != 0)
				continue;
			it->renewal = &s->renewals.v[i];
			memcpy(it->renews, old, sizeof(old));
			by = it->ident;
		}
		if (by == NULL)
			by = o->label;
		for (k = 0; k < s->nitems; k++)
			if (s->items[k].kind == HC_KIND_CERT &&
			    strcmp(s->items[k].ident, old) == 0)
				snprintf(s->items[k].renewed_by,
					 sizeof(s->items[k].renewed_by),
					 "%.40s", by);
	}
}

void
hc_store_attach_records(struct hc_store *s)
{
	drop_acme_account_key(s);
	attach_acme(s);
	attach_renewals(s);
}
