/* list.c - list and show: the token's store described */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/dnsname.h"
#include "core/x509.h"
#include "ops/ops.h"

static const enum hc_status all_status[] = {
	HC_STATUS_VALID, HC_STATUS_EXPIRED, HC_STATUS_NOTYETVALID,
	HC_STATUS_PENDING, HC_STATUS_UNTRUSTED, HC_STATUS_INVALID,
	HC_STATUS_ORPHAN,
};

static int
parse_status(const char *s, enum hc_status *out, hc_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(all_status) / sizeof(all_status[0]); i++)
		if (hc_strcaseeq(s, hc_status_name(all_status[i]))) {
			*out = all_status[i];
			return 0;
		}
	return hc_err_set(err, HC_E_USAGE,
			  "--status: unknown status '%s' (Valid, Expired, NotYetValid, PendingRequest, Untrusted, Invalid, OrphanKey)",
			  s);
}

static int
parse_prefix(const char *arg, char norm[41], hc_err *err)
{
	size_t n = 0;
	const char *p;

	for (p = arg; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (n >= 40 || !isxdigit((unsigned char)*p))
			return hc_err_set(err, HC_E_USAGE,
					  "--thumbprint: '%s' is not a hex prefix",
					  arg);
		norm[n++] = (char)tolower((unsigned char)*p);
	}
	norm[n] = '\0';
	if (n == 0)
		return hc_err_set(err, HC_E_USAGE, "--thumbprint is empty");
	return 0;
}

static int
matches(const hc_list_filter *f, const hc_entry *e, const char *prefix,
	int has_status, enum hc_status st, time_t now)
{
	size_t i;

	if (prefix != NULL &&
	    strncmp(e->thumbprint, prefix, strlen(prefix)) != 0)
		return 0;
	if (has_status && e->status != st)
		return 0;
	if (f->self_signed && e->is_self_signed != HC_TRUE)
		return 0;
	if (f->pending && e->kind != HC_KIND_REQUEST)
		return 0;
	if (f->has_expiring &&
	    (!e->has_dates ||
	     (long long)e->not_after >
		     (long long)now + (long long)f->expiring * 86400))
		return 0;
	if (f->domain != NULL) {
		for (i = 0; i < e->ndomains; i++)
			if (hc_dnsname_match(e->domains[i], f->domain))
				break;
		if (i == e->ndomains)
			return 0;
	}
	return 1;
}

static int
entry_cmp(const void *a, const void *b)
{
	const hc_entry *x = a, *y = b;

	if (x->has_dates != y->has_dates)
		return x->has_dates ? -1 : 1;
	if (x->has_dates && x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	return strcmp(x->thumbprint, y->thumbprint);
}

/* Open, log in, load the store and the trust anchors. */
static struct hc_token *
load(hc_ctx *ctx, struct hc_store *s, struct hc_chain_ctx *chain, hc_err *err)
{
	struct hc_token *tok = hc_ctx_token(ctx, 1, err);

	if (tok == NULL)
		return NULL;
	if (hc_store_load_brief(tok, s, 1, err) != 0)
		return NULL;
	if (hc_index_save(ctx, tok, s, err) != 0) {
		hc_store_release(s);
		return NULL;
	}
	if (hc_chain_ctx_init(chain, ctx->cfg.trust_anchors, s->ca_stack,
			      err) != 0) {
		hc_store_release(s);
		return NULL;
	}
	return tok;
}

int
hc_list(hc_ctx *ctx, const hc_list_filter *f, hc_entry_list *out, hc_err *err)
{
	struct hc_store s;
	struct hc_chain_ctx chain;
	struct hc_token *tok;
	hc_entry_list l = { NULL, 0 };
	char prefix[41];
	enum hc_status st = HC_STATUS_VALID;
	time_t now = time(NULL);
	size_t i, n;
	int ret = -1;

	if (f->thumbprint != NULL && parse_prefix(f->thumbprint, prefix, err))
		return -1;
	if (f->status != NULL && parse_status(f->status, &st, err) != 0)
		return -1;
	if (f->has_expiring && f->expiring < 0)
		return hc_err_set(err, HC_E_USAGE,
				  "--expiring: give a number of days");
	ctx->all_hosts = f->all_hosts;
	tok = load(ctx, &s, &chain, err);
	if (tok == NULL)
		return -1;
	n = f->ca ? s.ncas : s.nitems;
	l.v = calloc(n ? n : 1, sizeof(*l.v));
	if (l.v == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct hc_store_item *it = f->ca ? &s.cas[i] : &s.items[i];

		if (hc_describe(ctx, tok, it, &chain, now, &l.v[l.n], err) != 0)
			goto out;
		if (!matches(f, &l.v[l.n],
			     f->thumbprint != NULL ? prefix : NULL,
			     f->status != NULL, st, now)) {
			hc_entry_release(&l.v[l.n]);
			continue;
		}
		l.n++;
	}
	qsort(l.v, l.n, sizeof(*l.v), entry_cmp);
	*out = l;
	l.v = NULL;
	l.n = 0;
	ret = 0;
out:
	hc_entry_list_release(&l);
	hc_chain_ctx_release(&chain);
	hc_store_release(&s);
	return ret;
}

int
hc_show(hc_ctx *ctx, const char *id, hc_entry *out, hc_err *err)
{
	struct hc_store s;
	struct hc_chain_ctx chain;
	struct hc_store_item *it;
	struct hc_token *tok;
	char norm[41];
	int ret = -1;

	/* a bad ID is a usage error before the token is touched */
	if (hc_store_parse_id(id, norm, err) != 0)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL)
		return -1;
	if (hc_lookup_open(ctx, tok, id, &s, &it, err) != 0) {
		/* a CA certificate is shown too, when the ID names one */
		hc_err cerr = { 0 };

		if (err->code != HC_E_NOTFOUND || hc_store_load(tok, &s, &cerr))
			return -1;
		if (hc_store_lookup(&s, id, 1, &it, &cerr) != 0) {
			hc_store_release(&s);
			return -1;
		}
		hc_err_clear(err);
	}
	if (hc_chain_ctx_init(&chain, ctx->cfg.trust_anchors, s.ca_stack,
			      err) != 0) {
		hc_store_release(&s);
		return -1;
	}
	if (hc_describe(ctx, tok, it, &chain, time(NULL), out, err) != 0)
		goto out;
	ret = 0;
out:
	hc_chain_ctx_release(&chain);
	hc_store_release(&s);
	return ret;
}
