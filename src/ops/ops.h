/* ops.h - the operations' shared internals: the context (internal) */
#ifndef HC_OPS_OPS_H
#define HC_OPS_OPS_H

#include <time.h>

#include "hsmcert.h"
#include "core/bindings.h"
#include "core/config.h"
#include "core/store.h"
#include "core/token.h"
#include "core/x509.h"
#include "core/util.h"

struct hc_ctx {
	struct hc_config cfg;
	char *module;			/* effective: --module or config */
	char *token_sel;		/* effective: --token or config */
	char *pin_source;		/* effective: --pin-source or config */
	int verbose;
	int assume_yes;
	int interactive;
	int pin_final_try;		/* --pin-final-try */
	int pin_retry;			/* --pin-retry */
	struct hc_token *tok;
	hc_secret_cb secret_cb;
	void *secret_arg;
	hc_confirm_cb confirm_cb;
	void *confirm_arg;
	hc_notice_cb notice_cb;
	void *notice_arg;
	struct hc_strlist warnings;
	struct hc_bindings bindings;	/* this host's, loaded on first use */
	const char *command;		/* for the audit log of a wrong PIN */
	int token_lock;			/* <state-dir>/token.lock, or -1 */
	int pin_audited;
	/* 0 unchecked, 1 the log fits, -1 not */
	int audit_guard;
	hc_err audit_refusal;		/* why not (audit_guard -1) */
	int have_bindings;
	int all_hosts;			/* describe every host's bindings */
	int publish_pending;		/* hc_ctx_publish_deferred's work */
	struct hc_fleet fleet;		/* every host's, read on first use */
	int have_fleet;
};

/**
 * This host's bindings, read once (a damaged file is an error). Writers
 * take the state lock and reload with hc_ctx_reload_bindings. borrowed.
 */
struct hc_bindings *hc_ctx_bindings(hc_ctx *ctx, hc_err *err);

/** Read the bindings again (after taking the state lock). */
struct hc_bindings *hc_ctx_reload_bindings(hc_ctx *ctx, hc_err *err);

/**
 * Record this host's changed bindings b (the state lock held): first the
 * summary on the token that other hosts read, then the state file. When
 * the file cannot be written the summary is put back as the file has it.
 * Lock order: open the token (its lock) before taking the state lock.
 */
int hc_ctx_save_bindings(hc_ctx *ctx, const struct hc_bindings *b,
			 hc_err *err);

/**
 * Every host's binding summary on the token, read once; damaged objects
 * are skipped with a warning. borrowed.
 */
const struct hc_fleet *hc_ctx_fleet(hc_ctx *ctx, hc_err *err);

/**
 * hc_ctx_save_bindings for objects not kept yet: the state file only (the
 * state lock held). The summary on the token is left to
 * hc_ctx_publish_deferred: a token failure there could no longer undo
 * the new objects.
 */
int hc_ctx_save_bindings_deferred(hc_ctx *ctx, const struct hc_bindings *b,
				  hc_err *err);

/**
 * Publish the summary hc_ctx_save_bindings_deferred left, once the
 * operation's new objects are kept; nothing when none is pending. A
 * failure is a warning: the change itself is done.
 */
void hc_ctx_publish_deferred(hc_ctx *ctx);

/**
 * The token, opened on first use; with login set the user is logged in
 * (the PIN comes from the secret callback, once). borrowed.
 */
struct hc_token *hc_ctx_token(hc_ctx *ctx, int login, hc_err *err);

/** Record a warning for the CLI to print. */
void hc_ctx_warn(hc_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Tell the user something now (through the notice callback). */
void hc_ctx_notice(hc_ctx *ctx, const char *text);

/** Move every string of l into the warnings; l is emptied. */
void hc_ctx_warn_list(hc_ctx *ctx, struct hc_strlist *l);

/**
 * Ask a yes/no question through the confirmation callback (yes at once
 * with --yes). 0 for yes; -1 with err set: HC_E_CANCEL when refused or
 * when there is no one to ask.
 */
int hc_ctx_confirm(hc_ctx *ctx, const char *question, hc_err *err);

/**
 * Ask the secret callback for what ("PIN for token 'x'", "password for
 * FILE") from source (NULL: the default). 0 with *out set (the caller
 * frees), or -1 with err set (HC_E_USAGE when no callback is installed).
 */
int hc_ctx_ask_secret(hc_ctx *ctx, const char *what, const char *source,
		      hc_secret **out, hc_err *err);

/** Objects an operation created, destroyed in reverse order on failure. */
struct hc_txn {
	struct hc_token *tok;
	unsigned long handles[16];
	size_t n;
};

void hc_txn_init(struct hc_txn *tx, struct hc_token *tok);
int hc_txn_add(struct hc_txn *tx, unsigned long handle, hc_err *err);
/** Destroy what was created, newest first. Errors are ignored. */
void hc_txn_rollback(struct hc_txn *tx);
/** Keep what was created. */
void hc_txn_commit(struct hc_txn *tx);

/** Objects just made on the token, described without reading it again. */
struct hc_made {
	unsigned char id[20];
	const char *label;
	int key_kind, key_bits;
	/* generated on the token (else imported) */
	int local;
	int exportable;
	unsigned long priv, pub, obj;	/* obj: the certificate or request */
	X509 *cert;			/* or */
	X509_REQ *req;
	/* chain material in hand, may be NULL */
	STACK_OF(X509) *cas;
};

/**
 * Describe what was just made from memory, as list would show it: no
 * token read between storing the objects and keeping them (were the token
 * failing then, they could not be destroyed again either).
 */
int hc_describe_made(hc_ctx *ctx, struct hc_token *tok,
		     const struct hc_made *m, hc_entry *out, hc_err *err);

/** Storage for the store item of something just made. */
struct hc_made_item {
	struct hc_tobj priv, pub, obj;
	struct hc_store_item it;
};

/** Fill mi with the store item of m (its pointers point into mi and m). */
void hc_made_item(const struct hc_made *m, struct hc_made_item *mi);

/**
 * Describe one store item as an entry: every SPEC field, the chain and the
 * status at time `now`. chain may be NULL for no chain building.
 */
int hc_describe(hc_ctx *ctx, struct hc_token *tok, struct hc_store_item *it,
		struct hc_chain_ctx *chain, time_t now, hc_entry *out,
		hc_err *err);

/* Flags of hc_bind_services. */
/** Ask nothing: the caller asked before it made the objects. */
#define HC_BIND_ASSUME_YES	0x1u
/**
 * The objects are not kept yet: save the state file only and leave the
 * summary on the token to hc_ctx_publish_deferred, after the commit.
 */
#define HC_BIND_DEFER_PUBLISH	0x2u

/**
 * Bind item to services (canonical names): ask (unless --yes or
 * HC_BIND_ASSUME_YES), write the service files, reload, roll back on
 * failure, save the bindings under the state lock. flags: HC_BIND_*.
 */
int hc_bind_services(hc_ctx *ctx, struct hc_token *tok, struct hc_store *s,
		     struct hc_store_item *it,
		     const struct hc_strlist *services, unsigned flags,
		     hc_strings *changed, hc_err *err);

/**
 * Record the outcome of a changing command in the audit log: ok, denied
 * (policy, token flags, PIN, cancelled, plan) or error. Usage errors are
 * not recorded. detail describes a success; a failure records err->msg.
 */
void hc_audit_op(hc_ctx *ctx, const char *command, const char *target,
		 const hc_err *err, const char *detail);

/**
 * Before a changing command touches anything (hc_ctx_token calls it once
 * the token is open): the audit log must hold this host's head on the
 * token, else the command refuses (HC_E_VERIFY, SPEC section 10: the chain
 * never goes backwards; HC_E_FAIL when the log is a link or unreadable).
 * Read-only commands (list, show, verify, names, audit, report) pass. The
 * outcome is kept in ctx: checked once. Returns 0 or -1.
 */
int hc_audit_guard(hc_ctx *ctx, struct hc_token *tok, hc_err *err);

/**
 * The store item an ID argument names, reading only its CKA_ID's objects
 * when the index knows it (else everything, and the index is rebuilt).
 * On success the caller releases *s; *it points into it.
 */
int hc_lookup_open(hc_ctx *ctx, struct hc_token *tok, const char *arg,
		  struct hc_store *s, struct hc_store_item **it, hc_err *err);

/**
 * Write the index of a fully loaded store (when it changed). A file that
 * cannot be written is no error (the index only saves time); a token error
 * while taking its fingerprint is.
 */
int hc_index_save(hc_ctx *ctx, struct hc_token *tok, const struct hc_store *s,
		  hc_err *err);

/** SPEC section 1 KeyProvenance of a private key object. */
const char *hc_key_provenance(const struct hc_tobj *k);

/**
 * Every ACME account record on the token, read without the network, with
 * its key's URI and provenance (report). *out is freed with
 * hc_acme_account_recs_release.
 */
int hc_acme_accounts(struct hc_token *tok, struct hc_acme_account_rec **out,
		     size_t *n, hc_err *err);
void hc_acme_account_recs_release(struct hc_acme_account_rec *v, size_t n);

/**
 * When renew --due renews a certificate valid from nb to na (SPEC section
 * 9): an ACME-issued one when [acme] renew-before says (N days before
 * na, or the fraction of the lifetime left, 1/3 by default); any other 30
 * days before na. A window of N days as long as the lifetime or longer
 * (which would renew on every run) becomes the last third.
 */
time_t hc_renew_after(const hc_ctx *ctx, int acme, time_t nb, time_t na);

/** The directory an ACME-issued certificate came from (malloc'd), or NULL. */
char *hc_renew_acme_directory(const struct hc_store_item *it);

/**
 * The second half of an ACME renewal, once the new key pair and its
 * pending request key_id are kept: order the certificate from dir, then
 * move the services in bound (the old certificate's, on this host) to it
 * without asking. A failed order keeps the request. out: the new leaf.
 */
int hc_renew_acme_finish(hc_ctx *ctx, const char *dir, const char *key_id,
			 const char *old, const struct hc_strlist *bound,
			 hc_entry *out, hc_err *err);

#endif
