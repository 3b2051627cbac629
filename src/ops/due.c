/* due.c - renew --due: the unattended renewal of what is in its window
 *
 * One pass over the store decides, for every certificate, what to do
 * (SPEC section 9): superseded (a renewal made from it is there), pending
 * (its renewal request waits: an ACME one is ordered again), not due, or
 * due, renewed by hc_renew as `renew ID --yes` would. The store is read
 * once and released before the first renewal: each renewal opens what it
 * needs itself, so a certificate's failure leaves the next one untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/lock.h"
#include "core/store.h"
#include "core/x509.h"
#include "core/x509_brief.h"
#include "ops/ops.h"

/* How long a second run waits for the first (SPEC section 9: 60 s). */
#define DUE_LOCK_SECONDS 60

time_t
hc_renew_after(const hc_ctx *ctx, int acme, time_t nb, time_t na)
{
	const struct hc_acme_conf *a = &ctx->cfg.acme;
	long long life = (long long)na - (long long)nb, before = 0;
	int num = 1, den = 3;

	if (life < 0)
		life = 0;
	if (!acme)
		before = 30LL * 86400;
	else if (a->renew_before_days > 0)
		before = a->renew_before_days * 86400LL;
	/* a window as long as the lifetime would renew on every run (and,
	 * with ACME, hit the CA's rate limits): then the last third */
	if (before > 0 && before < life)
		return (time_t)((long long)na - before);
	if (acme && a->renew_num > 0 && a->renew_den > 0 &&
	    a->renew_num < a->renew_den) {
		num = a->renew_num;
		den = a->renew_den;
	}
	return (time_t)((long long)na - life * num / den);
}

void
hc_due_result_release(hc_due_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i].reason);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* What the store says about one certificate, copied out of it. */
struct plan {
	hc_due_item item;
	char *dir;			/* ACME directory, or NULL */
	char by[41];			/* RenewedBy */
	enum hc_kind by_kind;		/* of the item RenewedBy names */
};

/* The view of a certificate item, read in full or briefly. */
static void
view_of(const struct hc_store_item *it, struct hc_cert_view *v)
{
	if (it->x509 != NULL)
		hc_x509_view(it->x509, v);
	else
		hc_x509_brief_view(it->brief, v);
}

static int
plan_of(hc_ctx *ctx, struct hc_store *s, struct hc_store_item *it,
	struct plan *p, hc_err *err)
{
	struct hc_cert_view v;
	time_t tb = 0, ta = 0;
	size_t k;

	view_of(it, &v);

	memset(p, 0, sizeof(*p));
	memcpy(p->item.thumbprint, it->ident, sizeof(p->item.thumbprint));
	p->dir = hc_renew_acme_directory(it);
	/* issuer = subject is enough to say how; the renewal itself (due
	 * ones only) checks the self-signature, as renew does */
	p->item.enrollment = p->dir != NULL ? "acme" :
			     v.claims_self_signed ? "self-signed" : "manual";
	if (hc_x509_time(v.not_before, &tb) != 0 ||
	    hc_x509_time(v.not_after, &ta) != 0)
		return hc_err_set(err, HC_E_FAIL,
				  "the validity of %s cannot be read",
				  it->ident);
	p->item.renew_after = hc_renew_after(ctx, p->dir != NULL, tb, ta);
	memcpy(p->by, it->renewed_by, sizeof(p->by));
	p->by_kind = HC_KIND_ORPHAN;
	for (k = 0; p->by[0] != '\0' && k < s->nitems; k++) {
		const struct hc_store_item *n = &s->items[k];
		struct hc_cert_view nv;
		time_t nnb = 0, nna = 0;

		if (strcmp(n->ident, p->by) != 0)
			continue;
		if (n->kind == HC_KIND_CERT)
			view_of(n, &nv);
		/* a renewal certificate is not older than the old one (made
		 * in the same second it has the same dates): a link to an
		 * older certificate supersedes nothing */
		if (n->kind == HC_KIND_CERT &&
		    (hc_x509_time(nv.not_before, &nnb) != 0 ||
		     hc_x509_time(nv.not_after, &nna) != 0 ||
		     nnb < tb || nna < ta))
			continue;
		if (n->kind == HC_KIND_CERT || n->kind == HC_KIND_REQUEST)
			p->by_kind = n->kind;
	}
	return 0;
}

static int
set_reason(hc_due_item *d, const char *msg, hc_err *err)
{
	free(d->reason);
	d->reason = strdup(msg != NULL && *msg != '\0' ? msg : "failed");
	return d->reason == NULL ? hc_err_set(err, HC_E_FAIL, "out of memory") :
	       0;
}

/*
 * A renewal made from the certificate is there already. Its ACME request
 * still waits (an order that failed): order it again, taking the
 * bindings over; a request for another CA waits for its answer.
 */
static void
handle_renewed(hc_ctx *ctx, int dry_run, struct plan *p)
{
	hc_due_item *d = &p->item;
	struct hc_strlist bound = { 0 };
	struct hc_bindings *b;
	hc_entry e = { 0 };
	hc_err err = { 0 };

	memcpy(d->new_id, p->by, sizeof(d->new_id));
	if (p->by_kind == HC_KIND_CERT) {
		d->state = HC_DUE_SUPERSEDED;
		return;
	}
	d->state = HC_DUE_PENDING;
	if (p->dir == NULL || dry_run) {
		if (p->dir != NULL)
			d->state = HC_DUE_RENEWED;
		return;
	}
	b = hc_ctx_bindings(ctx, &err);
	if (b != NULL)
		hc_bindings_of(b, d->thumbprint, &bound);
	if (b == NULL ||
	    hc_renew_acme_finish(ctx, p->dir, p->by, d->thumbprint, &bound, &e,
				 &err) != 0) {
		d->state = HC_DUE_FAILED;
		(void)set_reason(d, err.msg, &err);
	} else {
		d->state = HC_DUE_RENEWED;
		memcpy(d->new_id, e.thumbprint, sizeof(d->new_id));
	}
	hc_entry_release(&e);
	hc_strlist_release(&bound);
}

static void
handle_due(hc_ctx *ctx, int dry_run, struct plan *p)
{
	hc_due_item *d = &p->item;
	hc_renew_req rr = { 0 };
	hc_entry e = { 0 };
	hc_blob csr = { NULL, 0 };
	hc_err err = { 0 };
	int manual = strcmp(d->enrollment, "manual") == 0;

	d->state = manual ? HC_DUE_REQUESTED : HC_DUE_RENEWED;
	if (dry_run)
		return;
	rr.id = d->thumbprint;
	rr.takeover = 1;
	if (hc_renew(ctx, &rr, &e, &csr, &err) != 0) {
		d->state = HC_DUE_FAILED;
		(void)set_reason(d, err.msg, &err);
	} else {
		memcpy(d->new_id, e.thumbprint, sizeof(d->new_id));
		/* a "self-signed" one whose signature does not verify was
		 * renewed as a request, as renew ID would */
		if (e.kind == HC_KIND_REQUEST)
			d->state = HC_DUE_REQUESTED;
	}
	hc_blob_release(&csr);
	hc_entry_release(&e);
}

/*
 * Now, for the renewal decision only. HSMCERT_TEST_DUE_SHIFT (seconds,
 * tests only, as HSMCERT_TEST_RELOAD_TIMEOUT) moves it: a test cannot wait
 * for a certificate of pebble's to enter its window.
 */
static time_t
due_now(void)
{
	const char *v = getenv("HSMCERT_TEST_DUE_SHIFT");
	char *end;
	long shift;

	if (v == NULL || *v == '\0')
		return time(NULL);
	shift = strtol(v, &end, 10);
	return *end == '\0' && shift > 0 && shift < 3650L * 86400L ?
	       time(NULL) + shift : time(NULL);
}

int
hc_renew_due(hc_ctx *ctx, int dry_run, hc_due_result *out, hc_err *err)
{
	struct hc_store s;
	struct hc_token *tok;
	struct plan *plans = NULL;
	time_t now = due_now();
	size_t i, n = 0, failed = 0;
	int lockfd = -1, ret = -1;

	memset(out, 0, sizeof(*out));
	out->dry_run = dry_run;
	if (!dry_run &&
	    hc_state_lock_wait(ctx->cfg.state_dir, "renew.lock",
			       DUE_LOCK_SECONDS, &lockfd, err) != 0) {
		hc_err_prefix(err, "another renew --due is running: ");
		return -1;
	}
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_store_load_brief(tok, &s, 0, err) != 0)
		goto out;
	plans = calloc(s.nitems ? s.nitems : 1, sizeof(*plans));
	if (plans == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		hc_store_release(&s);
		goto out;
	}
	for (i = 0; i < s.nitems; i++) {
		if (s.items[i].kind != HC_KIND_CERT)
			continue;
		if (plan_of(ctx, &s, &s.items[i], &plans[n], err) != 0) {
			free(plans[n].dir);
			hc_store_release(&s);
			goto out;
		}
		n++;
	}
	hc_store_release(&s);
	for (i = 0; i < n; i++) {
		struct plan *p = &plans[i];

		if (p->by[0] != '\0' && p->by_kind != HC_KIND_ORPHAN)
			handle_renewed(ctx, dry_run, p);
		else if (now < p->item.renew_after)
			p->item.state = HC_DUE_NOT_DUE;
		else
			handle_due(ctx, dry_run, p);
		if (p->item.state == HC_DUE_FAILED)
			failed++;
	}
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (out->v == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		out->v[i] = plans[i].item;
		plans[i].item.reason = NULL;
	}
	out->n = n;
	if (failed > 0) {
		hc_err_set(err, HC_E_FAIL,
			   "%zu of %zu certificate%s failed to renew", failed,
			   n, n == 1 ? "" : "s");
		goto out;
	}
	ret = 0;
out:
	for (i = 0; plans != NULL && i < n; i++) {
		free(plans[i].dir);
		free(plans[i].item.reason);
	}
	free(plans);
	hc_state_unlock(lockfd);
	return ret;
}
