/* acme_int.h - the ACME account records, shared by acme_account.c and
 * acme_order.c (internal to src/ops)
 */
#ifndef HC_OPS_ACME_INT_H
#define HC_OPS_ACME_INT_H

#include <openssl/evp.h>

#include "hsmcert.h"
#include "core/acme.h"
#include "core/token.h"
#include "ops/ops.h"

/** The record of an account, as read from the token. */
struct hc_acme_record {
	unsigned long handle;
	char *directory;
	char *account;
	unsigned char id[20];
};

void hc_acme_record_release(struct hc_acme_record *r);

/** The configured [acme] directory, or NULL with HC_E_USAGE. */
const char *hc_acme_directory_of(hc_ctx *ctx, hc_err *err);

/** The record for directory: 1 found, 0 none, -1 error. */
int hc_acme_find_record(struct hc_token *tok, const char *directory,
			struct hc_acme_record *out, hc_err *err);

/**
 * The token (logged in when login is set) with the account record of dir
 * in *rec: NULL with HC_E_NOTFOUND naming `hsmcert acme register` when
 * there is none, or the token's error. *rec is always initialised.
 */
struct hc_token *hc_acme_account_token(hc_ctx *ctx, const char *dir,
				       int login, struct hc_acme_record *rec,
				       hc_err *err);

/** HC_E_NOTFOUND naming `hsmcert acme register`; returns -1. */
int hc_acme_no_account(const char *directory, hc_err *err);

/** A client with the account's key, signing with kid = the account URL. */
int hc_acme_open_account(hc_ctx *ctx, struct hc_token *tok,
			 const struct hc_acme_record *rec, struct hc_acme **a,
			 EVP_PKEY **key, hc_err *err);

/**
 * Order a certificate from directory for the pending request id and
 * complete it as hc_acme_complete does (which calls this with the
 * configured directory; an ACME renewal passes the old certificate's).
 */
int hc_acme_order_pending(hc_ctx *ctx, const char *id, const char *dir,
			  int force, hc_import_result *out, hc_err *err);

#endif
