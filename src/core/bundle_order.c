/* bundle_order.c - a certificate stack ordered leaf first, roots last */
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/bundle.h"

enum order_class { ORDER_LEAF, ORDER_MID, ORDER_ROOT };

static enum order_class
order_class(X509 *x)
{
	if (X509_check_ca(x) == 0)
		return ORDER_LEAF;
	if (X509_self_signed(x, 0) == 1)
		return ORDER_ROOT;
	return ORDER_MID;
}

/* Did issuer issue subject? Name first: it is cheap and usually says no. */
static int
order_issued(X509 *issuer, X509 *subject)
{
	if (X509_NAME_cmp(X509_get_issuer_name(subject),
			  X509_get_subject_name(issuer)) != 0)
		return 0;
	return X509_check_issued(issuer, subject) == X509_V_OK;
}

/* Append in[i]; its issuer has one intermediate fewer waiting below it. */
static void
order_place(int i, int *outv, int *nout, unsigned char *used, int *nchild,
	    const int *up)
{
	used[i] = 1;
	outv[(*nout)++] = i;
	if (up[i] >= 0)
		nchild[up[i]]--;
}

/*
 * Append the certificates of class want: the issuer of each placed one, in
 * the order they were placed, so every issuer follows its subject. What no
 * placed certificate leads to is taken in file order; with chains, a new
 * chain starts at one that issued no intermediate still waiting.
 */
static void
order_pass(const unsigned char *cls, unsigned char *used, int *outv,
	   int *nout, int *nchild, const int *up, int n, enum order_class want,
	   int chains)
{
	int cur = 0, i;

	for (;;) {
		for (; cur < *nout; cur++) {
			i = up[outv[cur]];
			if (i >= 0 && !used[i] && cls[i] == want)
				order_place(i, outv, nout, used, nchild, up);
		}
		for (i = 0; i < n; i++)
			if (!used[i] && cls[i] == want &&
			    (!chains || nchild[i] == 0))
				break;
		if (i == n && chains) {
			/* A cycle: break it at the first one in file order. */
			for (i = 0; i < n; i++)
				if (!used[i] && cls[i] == want)
					break;
		}
		if (i == n)
			return;
		order_place(i, outv, nout, used, nchild, up);
	}
}

void
hc_bundle_order(STACK_OF(X509) *certs)
{
	X509 **in = NULL;
	unsigned char *cls = NULL, *used = NULL;
	int *outv = NULL, *up = NULL, *nchild = NULL;
	int n, i, j, nout = 0;

	n = sk_X509_num(certs);
	if (n < 2)
		return;
	in = calloc((size_t)n, sizeof(*in));
	cls = calloc((size_t)n, 1);
	used = calloc((size_t)n, 1);
	outv = calloc((size_t)n, sizeof(*outv));
	up = calloc((size_t)n, sizeof(*up));
	nchild = calloc((size_t)n, sizeof(*nchild));
	if (in == NULL || cls == NULL || used == NULL || outv == NULL ||
	    up == NULL || nchild == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		in[i] = sk_X509_value(certs, i);
		cls[i] = (unsigned char)order_class(in[i]);
	}
	/* up[i]: the first non-leaf in file order that issued in[i]. */
	for (i = 0; i < n; i++) {
		up[i] = -1;
		if (cls[i] == ORDER_ROOT)
			continue;
		for (j = 0; j < n; j++) {
			if (j != i && cls[j] != ORDER_LEAF &&
			    order_issued(in[j], in[i])) {
				up[i] = j;
				if (cls[i] == ORDER_MID)
					nchild[j]++;
				break;
			}
		}
	}
	/*
	 * nchild counts only intermediates below an intermediate: a leaf is
	 * placed before any of them, so it never holds one back.
	 */
	for (i = 0; i < n; i++) {
		if (cls[i] == ORDER_LEAF) {
			used[i] = 1;
			outv[nout++] = i;
		}
	}
	order_pass(cls, used, outv, &nout, nchild, up, n, ORDER_MID, 1);
	order_pass(cls, used, outv, &nout, nchild, up, n, ORDER_ROOT, 0);
	ERR_clear_error();
	for (i = 0; i < n; i++)
		(void)sk_X509_set(certs, i, in[outv[i]]);
out:
	free(in);
	free(cls);
	free(used);
	free(outv);
	free(up);
	free(nchild);
}
