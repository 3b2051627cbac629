/* new.h - what new, request, renew and names share (internal) */
#ifndef HC_OPS_NEW_H
#define HC_OPS_NEW_H

#include "hsmcert.h"
#include "core/names.h"
#include "core/policy.h"
#include "core/util.h"
#include "ops/ops.h"

#include <openssl/x509.h>

/** The name inputs of new / request / names. */
struct hc_names_input {
	const char *subject;		/* may be NULL for names */
	const char *const *domains;
	size_t ndomains;
	int include_autodiscover;
	int include_accepted;
	const char *friendly_name;
	const char *plan;
	int force;
};

/** The checked outcome: DN, SAN list, friendly name. */
struct hc_subject_plan {
	struct hc_dn dn;
	struct hc_strlist names;
	char *friendly_name;
};

void hc_subject_plan_release(struct hc_subject_plan *p);

/**
 * Parse the DN, build the SAN list, check it against the plan (HC_E_VERIFY
 * naming both spellings unless force) and choose the friendly name.
 * Warnings go to the context. Nothing touches the token.
 */
int hc_plan_subject(hc_ctx *ctx, const struct hc_names_input *in,
		    struct hc_subject_plan *out, hc_err *err);

/** Parse --key (default rsa:2048) and check it against the policy. */
int hc_key_choice(hc_ctx *ctx, const char *key, struct hc_keyspec *out,
		  hc_err *err);

/** The digest to sign with for this key under the policy. */
const char *hc_sign_digest(hc_ctx *ctx, const struct hc_keyspec *k);

/** What hc_create_on_token makes: a key pair and a certificate or request. */
struct hc_create {
	const X509_NAME *name;
	const struct hc_strlist *names;
	struct hc_keyspec key;
	const char *label;
	int exportable;
	long days;			/* self-signed validity */
	int request;			/* a pending request, not a certificate */
	/*
	 * The steps after the objects exist and before they are kept:
	 * describing them, writing --out, taking bindings over. A failure
	 * here destroys the new objects again. May be NULL.
	 */
	int (*after_create)(void *arg, const struct hc_made *made,
			    hc_err *err);
	void *arg;
	/*
	 * When set, what was made is described here from memory, before
	 * after_create and without reading the token again.
	 */
	hc_entry *describe_out;
	X509_NAME *owned_name;		/* freed by the caller */
};

struct hc_created {
	unsigned char id[20];
	X509 *cert;			/* owned */
	X509_REQ *req;			/* owned */
};

void hc_created_release(struct hc_created *c);

/**
 * Log in, generate the key pair, sign the certificate or request on the
 * token and store it; every object is destroyed again when a later step
 * fails.
 */
int hc_create_on_token(hc_ctx *ctx, const struct hc_create *c,
		       struct hc_created *out, hc_err *err);

/** Where a new request goes: a file (--out) or the caller's blob. */
struct hc_request_out {
	const char *out;
	int der;
	int force;
	hc_blob *csr;
};

/** Encode a request into ro: the --out file or ro->csr. */
int hc_request_output(struct hc_request_out *ro, X509_REQ *req, hc_err *err);

/**
 * new and request: check everything (key, days, DN, names, plan) before
 * the token is touched and fill c. The caller frees c->owned_name.
 */
int hc_prepare_new(hc_ctx *ctx, const hc_new_req *req, int request,
		   struct hc_subject_plan *sp, struct hc_create *c,
		   hc_err *err);

/*
 * new --services: enable.c's binding, for a certificate being made.
 */

/**
 * Ask, as enable does, before any service in services (canonical names)
 * is taken from the certificate bound to it now; new_what and new_exp
 * name the new certificate in the question. Nothing is asked with --yes.
 * HC_E_CANCEL when refused or when there is no terminal to ask on.
 */
int hc_confirm_overwrite(hc_ctx *ctx, struct hc_token *tok,
			 const struct hc_strlist *services,
			 const char *new_what, const char *new_exp,
			 hc_err *err);

/**
 * Bind what was just made (not yet kept) to services without asking
 * again: files, reloads, bindings, each undone on failure. The summary on
 * the token is deferred: call hc_ctx_publish_deferred() once the objects
 * are kept. changed (may be NULL) gets the services whose binding changed.
 */
int hc_bind_made(hc_ctx *ctx, const struct hc_made *made,
		 const struct hc_strlist *services, hc_strings *changed,
		 hc_err *err);

/** The audit line enable writes for target (none when nothing changed). */
void hc_audit_bound(hc_ctx *ctx, const char *target, const hc_strings *changed,
		    const hc_err *err);

/** Describe the store item of a key id, as list would. */
int hc_describe_id(hc_ctx *ctx, const unsigned char *id, size_t id_len,
		   hc_entry *out, hc_err *err);

/** The same, for the certificate with this thumbprint (a reissue). */
int hc_describe_cert(hc_ctx *ctx, const unsigned char *id, size_t id_len,
		     const char *thumb, hc_entry *out, hc_err *err);

#endif
