/* x509_pool.h - certificates parsed on a second thread while the token
 * is read (internal)
 *
 * A list reads every object of the token on the main thread (all PKCS#11
 * calls stay there) and parses every certificate: on a token of thousands
 * both cost about the same, so the parsing, and the self-signature check
 * of a certificate that claims to be self-signed, run on one worker
 * thread as the certificates arrive. The results are the same X509
 * objects the main thread would have made, in the order they were added.
 */
#ifndef HC_CORE_X509_POOL_H
#define HC_CORE_X509_POOL_H

#include <stddef.h>

#include <openssl/x509.h>

struct hc_x509_pool;
struct hc_x509_brief;

/** One certificate: parsed in full (x), or briefly (b), or neither. */
struct hc_x509_parsed {
	X509 *x;
	struct hc_x509_brief *b;
};

/** Free both and clear them. */
void hc_x509_parsed_release(struct hc_x509_parsed *r);

enum hc_pool_mode {
	HC_POOL_FULL,	/* every certificate an X509 */
	HC_POOL_BRIEF,	/* a plain self-signed leaf parsed briefly with its
			   signature checked (x509_brief.h), the others'
			   self-signatures checked too: list */
	HC_POOL_DATES	/* briefly, no key, no check: renew --due */
};

/** A started pool, or NULL (no thread: the caller parses itself). */
struct hc_x509_pool *hc_x509_pool_start(enum hc_pool_mode mode);

/**
 * Queue a copy of one certificate's DER. 0, or -1 when out of memory
 * (the pool is then unusable: hc_x509_pool_finish says so).
 */
int hc_x509_pool_add(struct hc_x509_pool *p, const unsigned char *der,
		     size_t len);

/**
 * Wait for the worker and take its results: (*out)[i] is the certificate
 * added i-th, both NULL where the DER did not parse; *n how many were
 * added. The caller owns the array and what it holds. -1 when the pool
 * failed (out of memory); *out is then NULL. The pool is freed either way.
 */
int hc_x509_pool_finish(struct hc_x509_pool *p, struct hc_x509_parsed **out,
			size_t *n);

/** Wait for the worker and free everything. NULL-safe. */
void hc_x509_pool_discard(struct hc_x509_pool *p);

/**
 * The self-signature check the worker made of a certificate it parsed: 1
 * good, 0 bad, -1 none made (another X509, or not a self-signed claim).
 */
int hc_x509_pool_memo(X509 *x);

#endif
