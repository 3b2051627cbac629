/* acme.h - the ACME protocol (RFC 8555) over libcurl, signing on the token
 *
 * No printing, no token calls: the account key is an EVP_PKEY whose
 * private operation happens on the token (hc_token_get_signer), and ES256
 * signatures are made with it (EVP_DigestSign, then DER -> r||s).
 */
#ifndef HC_CORE_ACME_H
#define HC_CORE_ACME_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "hsmcert.h"
#include "core/util.h"

struct hc_acme;

/** How many badNonce answers one request retries. */
#define HC_ACME_NONCE_RETRIES 10
/** Longest total wait for an authorization or an order to settle, s. */
#define HC_ACME_MAX_WAIT 120

/**
 * Fetch the directory at url; TLS verified with ca_file (NULL: the system
 * store). Returns 0 with *out set (free with hc_acme_free), or -1
 * (HC_E_FAIL: unreachable, not a directory).
 */
int hc_acme_open(const char *url, const char *ca_file, struct hc_acme **out,
		 hc_err *err);

void hc_acme_free(struct hc_acme *a);

/** The directory's meta.termsOfService, or NULL. borrowed. */
const char *hc_acme_terms(const struct hc_acme *a);

/** meta.externalAccountRequired. */
int hc_acme_eab_required(const struct hc_acme *a);

/**
 * The account key: key signs on the token (ES256, P-256), borrowed for
 * the client's life. kid is the account URL once known (NULL: jwk).
 */
int hc_acme_set_key(struct hc_acme *a, EVP_PKEY *key, const char *kid,
		    hc_err *err);

/** The RFC 7638 thumbprint of the account key, base64url. borrowed. */
const char *hc_acme_thumbprint(const struct hc_acme *a);

/** What newAccount and the account say. */
struct hc_acme_account {
	char *url;
	char *status;
	struct hc_strlist contact;
	int existed;		/**< the server knew the key already */
};

void hc_acme_account_release(struct hc_acme_account *acc);

/**
 * newAccount: contact (may be empty), termsOfServiceAgreed when agree, an
 * external account binding when eab_kid (HS256 over the account JWK with
 * the key eab_hmac holds as base64url; decoded here and wiped).
 * only_existing asks onlyReturnExisting. On success the client signs with
 * kid = the account URL from now on.
 */
int hc_acme_new_account(struct hc_acme *a, const struct hc_strlist *contact,
			int agree, const char *eab_kid,
			const hc_secret *eab_hmac,
			int only_existing, struct hc_acme_account *out,
			hc_err *err);

/** POST-as-GET of the account URL (kid set): status and contacts. */
int hc_acme_get_account(struct hc_acme *a, struct hc_acme_account *out,
			hc_err *err);

/**
 * A challenge to put in place: type "http-01" or "dns-01", the
 * identifier's value (a wildcard's base name), the token and the key
 * authorization (http-01: served as is; dns-01: its base64url SHA-256 is
 * the TXT value, given as value).
 */
struct hc_acme_chal {
	const char *type;
	const char *domain;
	const char *token;
	const char *key_auth;
	const char *value;	/**< what to publish: key_auth or the TXT */
};

/** The challenge side, provided by the caller (listener, files, hook). */
struct hc_acme_solver {
	const char *type;	/**< "http-01" or "dns-01" */
	/** put one challenge in place; undone by cleanup whatever happens */
	int (*present)(void *arg, const struct hc_acme_chal *c, hc_err *err);
	/** called once after every challenge was answered, before polling */
	int (*ready)(void *arg, hc_err *err);
	void *arg;
};

/** One order. */
struct hc_acme_order_req {
	const struct hc_strlist *names;	/**< DNS names and IP addresses */
	time_t not_after;		/**< 0: not asked */
	const unsigned char *csr;	/**< DER */
	size_t csr_len;
	const struct hc_acme_solver *solver;
};

/**
 * newOrder, every authorization answered with the solver's challenge,
 * polled (Retry-After honoured, HC_ACME_MAX_WAIT at most), finalized
 * with the CSR, the certificate chain downloaded as PEM into *pem
 * (caller frees). *order_url receives the order's URL when known (caller
 * frees, may be NULL on failure). A failed order is HC_E_FAIL whose
 * message is the most specific ACME problem as "type: detail".
 */
int hc_acme_order(struct hc_acme *a, const struct hc_acme_order_req *req,
		  char **pem, size_t *pem_len, char **order_url, hc_err *err);

/** base64url without padding of len bytes; malloc'd or NULL. */
char *hc_b64url(const unsigned char *buf, size_t len);

/** Decode base64url (padding and white space tolerated); -1 on garbage. */
int hc_b64url_decode(const char *s, unsigned char **out, size_t *len);

/** How many signatures and HTTP requests this client made (for tests). */
void hc_acme_counts(const struct hc_acme *a, unsigned *sigs,
		    unsigned *requests, unsigned *bad_nonces);

#endif
