/* new.h - what new, request, renew and names share (internal) */
#ifndef HC_OPS_NEW_H
#define HC_OPS_NEW_H

#include "hsmcert.h"
#include "core/names.h"
#include "core/policy.h"
#include "core/util.h"

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

#endif
