/* new.h - what new, request, renew and names share (internal) */
#ifndef HC_OPS_NEW_H
#define HC_OPS_NEW_H

#include "hsmcert.h"
#include "core/names.h"
#include "core/policy.h"
#include "core/util.h"
#include "ops/create.h"
#include "ops/ops.h"

#include <openssl/x509.h>

/*
 * subject.c: the names of a new key.
 */

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

/*
 * new.c and request.c.
 */

/**
 * new and request: check everything (key, days, DN, names, plan) before
 * the token is touched and fill c. The caller frees c->owned_name.
 */
int hc_prepare_new(hc_ctx *ctx, const hc_new_req *req, int request,
		   struct hc_subject_plan *sp, struct hc_create *c,
		   hc_err *err);

/** "ec:p256, not exportable, names a, b": the audit detail of new/request. */
void hc_new_detail(const hc_entry *e, char *buf, size_t len);

/** Where a new request goes: a file (--out) or the caller's blob. */
struct hc_request_out {
	const char *out;
	int der;
	int force;
	hc_blob *csr;
};

/** Encode a request into ro: the --out file or ro->csr. */
int hc_request_output(struct hc_request_out *ro, X509_REQ *req, hc_err *err);

/*
 * new --services and renew: enable.c's binding, for a certificate being
 * made.
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
 * Bind what was just made (not yet kept) to services as hc_bind_services
 * does with flags (HC_BIND_*): files, reloads, bindings, each undone on
 * failure. With HC_BIND_DEFER_PUBLISH, call hc_ctx_publish_deferred() once
 * the objects are kept. changed (may be NULL) gets the services whose
 * binding changed.
 */
int hc_bind_made(hc_ctx *ctx, const struct hc_made *made,
		 const struct hc_strlist *services, unsigned flags,
		 hc_strings *changed, hc_err *err);

/** The audit line enable writes for target (none when nothing changed). */
void hc_audit_bound(hc_ctx *ctx, const char *target, const hc_strings *changed,
		    const hc_err *err);

#endif
