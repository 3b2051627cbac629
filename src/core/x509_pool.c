/* x509_pool.c - certificates parsed on a second thread (x509_pool.h) */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "core/x509.h"
#include "core/x509_brief.h"
#include "core/x509_pool.h"

struct job {
	unsigned char *der;
	size_t len;
	struct hc_x509_parsed out;
};

struct hc_x509_pool {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *v;
	size_t n, cap;		/* added, room */
	size_t next;		/* the first the worker has not taken */
	int closed;		/* no more will be added */
	int failed;		/* an add ran out of memory */
	enum hc_pool_mode mode;
};

/*
 * The self-signature memo: ex_data on X509s this pool parsed, never
 * changed afterwards (the store only reads them). Other X509s have none.
 */
static CRYPTO_ONCE memo_once = CRYPTO_ONCE_STATIC_INIT;
static int memo_index = -1;
static char memo_ok, memo_bad;

static void
memo_init(void)
{
	memo_index = X509_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static int
memo_ready(void)
{
	return CRYPTO_THREAD_run_once(&memo_once, memo_init) &&
	       memo_index >= 0;
}

int
hc_x509_pool_memo(X509 *x)
{
	void *m;

	if (!memo_ready())
		return -1;
	m = X509_get_ex_data(x, memo_index);
	return m == &memo_ok ? 1 : m == &memo_bad ? 0 : -1;
}

/*
 * Parse one job: briefly when it can be (bc set), else in full; in a
 * checking pool a self-signed claim's signature is checked and the answer
 * kept on the X509 too.
 */
static void
parse(struct job *j, struct hc_x509_brief_ctx *bc, int check)
{
	X509 *x = NULL;

	if (bc != NULL)
		j->out.b = hc_x509_brief_parse(bc, j->der, j->len);
	if (j->out.b == NULL)
		x = hc_x509_from_der(j->der, j->len, NULL);
	/* a checking pool is list's: every status will be computed */
	if (x != NULL && check && hc_x509_claims_self_signed(x) &&
	    memo_ready())
		X509_set_ex_data(x, memo_index,
				 hc_x509_self_signature_ok(x) ? &memo_ok :
				 &memo_bad);
	j->out.x = x;
	ERR_clear_error();
	free(j->der);
	j->der = NULL;
}

/* This thread's brief context, or NULL for a pool of full parses. */
static struct hc_x509_brief_ctx *
brief_ctx(const struct hc_x509_pool *p)
{
	return p->mode == HC_POOL_FULL ? NULL :
	       hc_x509_brief_ctx_new(p->mode == HC_POOL_BRIEF);
}

/*
 * Take and parse jobs until none is left; with wait set, wait for more
 * until the pool is closed (the worker), else return (the main thread,
 * helping once everything has been added).
 */
static void
drain(struct hc_x509_pool *p, struct hc_x509_brief_ctx *bc, int wait)
{
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct job j;
		size_t at;

		while (wait && p->next == p->n && !p->closed)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->next == p->n)
			break;
		at = p->next++;
		j = p->v[at];
		/* the array may move while the lock is free: work on a copy */
		pthread_mutex_unlock(&p->mu);
		parse(&j, bc, p->mode == HC_POOL_BRIEF);
		pthread_mutex_lock(&p->mu);
		p->v[at] = j;
	}
	pthread_mutex_unlock(&p->mu);
}

static void *
worker(void *arg)
{
	struct hc_x509_pool *p = arg;
	struct hc_x509_brief_ctx *bc = brief_ctx(p);

	drain(p, bc, 1);
	hc_x509_brief_ctx_free(bc);
	OPENSSL_thread_stop();
	return NULL;
}

struct hc_x509_pool *
hc_x509_pool_start(enum hc_pool_mode mode)
{
	struct hc_x509_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->mode = mode;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	return p;
}

int
hc_x509_pool_add(struct hc_x509_pool *p, const unsigned char *der, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);
	int ret = -1;

	pthread_mutex_lock(&p->mu);
	if (copy == NULL || p->failed)
		goto out;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct job *nv = realloc(p->v, cap * sizeof(*nv));

		if (nv == NULL)
			goto out;
		p->v = nv;
		p->cap = cap;
	}
	memcpy(copy, der, len);
	p->v[p->n].der = copy;
	p->v[p->n].len = len;
	p->v[p->n].out.x = NULL;
	p->v[p->n].out.b = NULL;
	p->n++;
	copy = NULL;
	pthread_cond_signal(&p->cv);
	ret = 0;
out:
	if (ret != 0)
		p->failed = 1;
	pthread_mutex_unlock(&p->mu);
	free(copy);
	return ret;
}

int
hc_x509_pool_finish(struct hc_x509_pool *p, struct hc_x509_parsed **out,
		    size_t *n)
{
	struct hc_x509_parsed *r = NULL;
	size_t i;
	int ret = -1;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&p->mu);
	p->closed = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	/* what the worker has not reached yet is shared with this thread */
	if (!p->failed) {
		struct hc_x509_brief_ctx *bc = brief_ctx(p);

		drain(p, bc, 0);
		hc_x509_brief_ctx_free(bc);
	}
	pthread_join(p->thread, NULL);
	if (!p->failed)
		r = calloc(p->n ? p->n : 1, sizeof(*r));
	for (i = 0; i < p->n; i++) {
		free(p->v[i].der);
		if (r != NULL)
			r[i] = p->v[i].out;
		else
			hc_x509_parsed_release(&p->v[i].out);
	}
	if (r != NULL) {
		*out = r;
		*n = p->n;
		ret = 0;
	}
	free(p->v);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return ret;
}

void
hc_x509_parsed_release(struct hc_x509_parsed *r)
{
	X509_free(r->x);
	hc_x509_brief_free(r->b);
	r->x = NULL;
	r->b = NULL;
}

void
hc_x509_pool_discard(struct hc_x509_pool *p)
{
	struct hc_x509_parsed *r;
	size_t n, i;

	if (p == NULL || hc_x509_pool_finish(p, &r, &n) != 0)
		return;
	for (i = 0; i < n; i++)
		hc_x509_parsed_release(&r[i]);
	free(r);
}
