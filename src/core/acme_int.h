/* acme_int.h - what the acme*.c files share (internal to them only)
 *
 * The ACME client (acme.h its interface) is split by concern:
 *   acme.c          the directory and the order flow (newOrder,
 *                   authorizations, challenges, finalize, download)
 *   acme_net.c      one HTTP exchange with the server (libcurl), the
 *                   answer's body and headers, problem documents
 *   acme_jws.c      base64url, the account JWK and thumbprint, ES256 on
 *                   the token, the signed POST with its nonces
 *   acme_account.c  newAccount (with the external account binding) and
 *                   the account read back
 * acme_http.c (http-01 served by hsmcert) is the caller's, not the client's.
 */
#ifndef HC_CORE_ACME_INT_H
#define HC_CORE_ACME_INT_H

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include <openssl/evp.h>

#include "core/acme.h"
#include "core/error.h"

#define PROBLEM_NS "urn:ietf:params:acme:error:"

struct hc_acme {
	CURL *c;
	char *ca_file;
	char *dir_url;
	char *new_nonce, *new_account, *new_order;
	char *terms;
	int eab_required;
	char *nonce;
	EVP_PKEY *key;			/* borrowed */
	char *kid;
	char *jwk;			/* canonical JSON (RFC 7638 order) */
	char *thumb;
	unsigned sigs, requests, bad_nonces;
};

/* one answer of the server */
struct hc_acme_resp {
	long status;
	char *body;
	size_t len;
	char *nonce;
	char *location;
	long retry_after;		/* -1: none */
	char *ctype;
	int too_big;
};

/* ---- acme_net.c ---------------------------------------------------- */

/** Free what r holds; r is empty again (retry_after -1). */
void hc_acme_net_release(struct hc_acme_resp *r);

/**
 * One request (method GET, HEAD or POST with body as application/jose+json)
 * to url; the answer in *r (released first). The answer's Replay-Nonce is
 * kept in a->nonce. Returns 0 whatever the HTTP status, -1 (HC_E_FAIL)
 * when no answer came.
 */
int hc_acme_net_http(struct hc_acme *a, const char *method, const char *url,
		     const char *body, const char *accept,
		     struct hc_acme_resp *r, hc_err *err);

/** The answer's body as a JSON object (caller decrefs), or NULL (HC_E_FAIL). */
json_t *hc_acme_net_json(const struct hc_acme_resp *r, const char *url,
			 hc_err *err);

/** "type: detail (subproblem)" of a problem document, into buf. */
void hc_acme_net_problem_text(const json_t *p, char *buf, size_t len);

/**
 * 1 when r is an error answer (HTTP 400 or more), with *out its problem
 * document when it has one (caller decrefs); 0 otherwise.
 */
int hc_acme_net_is_problem(const struct hc_acme_resp *r, json_t **out);

/** The error of an error answer as its problem says it. Returns -1. */
int hc_acme_net_problem_err(const struct hc_acme_resp *r, const char *url,
			    hc_err *err);

/* ---- acme_jws.c ---------------------------------------------------- */

/**
 * A signed POST of payload (NULL: POST-as-GET, empty payload) to url.
 * With use_jwk the key itself goes in the header (newAccount), else kid.
 * A badNonce answer is retried with the nonce it carries. Any other
 * problem is an error; *r holds the answer.
 */
int hc_acme_jws_post(struct hc_acme *a, const char *url, const char *payload,
		     int use_jwk, const char *accept, struct hc_acme_resp *r,
		     hc_err *err);

/** hc_acme_jws_post, then the answer as a JSON object in *out. */
int hc_acme_jws_post_json(struct hc_acme *a, const char *url,
			  const char *payload, int use_jwk,
			  struct hc_acme_resp *r, json_t **out, hc_err *err);

/* ---- small JSON and string helpers --------------------------------- */

static inline const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static inline char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

#endif
