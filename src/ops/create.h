/* create.h - a new key pair and certificate or request (internal) */
#ifndef HC_OPS_CREATE_H
#define HC_OPS_CREATE_H

#include "hsmcert.h"
#include "core/policy.h"
#include "core/util.h"
#include "ops/ops.h"

#include <openssl/x509.h>

/** Parse --key (default rsa:2048) and check it against the policy. */
int hc_key_choice(hc_ctx *ctx, const char *key, struct hc_keyspec *out,
		  hc_err *err);

/** The digest to sign with for this key under the policy. */
const char *hc_sign_digest(hc_ctx *ctx, const struct hc_keyspec *k);

/** What hc_create_begin makes: a key pair and a certificate or request. */
struct hc_create {
	const X509_NAME *name;
	const struct hc_strlist *names;
	struct hc_keyspec key;
	const char *label;
	int exportable;
	long days;			/* self-signed validity */
	int request;			/* a pending request, not a cert */
	const char *renews;		/* renew: the old thumbprint, stored
					   as the key's renewal link before
					   the certificate or request */
	X509_NAME *owned_name;		/* freed by the caller */
};

/**
 * The objects hc_create_begin made and has not kept yet. The caller owns
 * it, as git's ref transactions: it describes what was made, writes its
 * output, binds it, and then keeps everything with hc_create_commit or
 * destroys it with hc_create_abort.
 */
struct hc_create_txn {
	struct hc_txn tx;		/* the handles, newest last */
	struct hc_made made;		/* what was made; cert or req owned */
};

/**
 * Log in, generate the key pair, sign the certificate or request with it
 * on the token and store it; the handles are recorded in t. On failure
 * every object made is destroyed again and t is empty. t is always
 * initialised: hc_create_abort may be called on it whatever the outcome.
 * Nothing reads the token between storing the objects and returning.
 */
int hc_create_begin(hc_ctx *ctx, const struct hc_create *c,
		    struct hc_create_txn *t, hc_err *err);

/** Keep the objects of t and free its memory; t is empty after. */
void hc_create_commit(struct hc_create_txn *t);

/**
 * Destroy the objects of t not yet kept, newest first (errors ignored: the
 * failure that led here is the one to report), and free its memory. After
 * hc_create_commit, or on an empty t, only the memory. NULL-safe.
 */
void hc_create_abort(struct hc_create_txn *t);

/** Describe the store item of a key id, as list would. */
int hc_describe_id(hc_ctx *ctx, const unsigned char *id, size_t id_len,
		   hc_entry *out, hc_err *err);

/** The same, for the certificate with this thumbprint (a reissue). */
int hc_describe_cert(hc_ctx *ctx, const unsigned char *id, size_t id_len,
		     const char *thumb, hc_entry *out, hc_err *err);

#endif
