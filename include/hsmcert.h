/* hsmcert.h - the public API of libhsmcert
 *
 * hsmcert manages TLS certificates whose private keys are generated and kept
 * on a PKCS#11 token. This header is the only public one: it includes neither
 * libp11 nor pkcs11.h. Every fallible function returns 0 / -1 (or a pointer /
 * NULL) and takes an hc_err as its last parameter.
 */
#ifndef HSMCERT_H
#define HSMCERT_H

#include <stddef.h>
#include <time.h>

#define HC_API __attribute__((visibility("default")))

#define HC_VERSION "0.1.0"

/** Error codes: the process exit statuses of SPEC section 6. */
enum hc_code {
	HC_OK = 0,
	HC_E_FAIL = 1,		/**< token, I/O or crypto failure */
	HC_E_USAGE = 2,		/**< usage or input error */
	HC_E_NOTFOUND = 3,	/**< not found or ambiguous */
	HC_E_DENIED = 4,	/**< denied by policy or by the token's flags */
	HC_E_VERIFY = 5,	/**< verification or plan check failed */
	HC_E_PIN = 6,		/**< wrong, locked or exhausted PIN */
	HC_E_CANCEL = 7,	/**< cancelled at a confirmation */
};

/**
 * An error: code (enum hc_code), a message complete enough to print as it
 * is, and the PKCS#11 return value / OpenSSL error code behind it, if any.
 * Zero-initialise before use (hc_err err = { 0 };).
 */
typedef struct hc_err {
	int code;
	char msg[512];
	unsigned long ckr;
	unsigned long ossl;
} hc_err;

/* ------------------------------------------------------------------ */
/* Secrets                                                              */

/** A PIN or password; wiped with OPENSSL_cleanse when freed. Opaque. */
typedef struct hc_secret hc_secret;

/** The longest PIN or password, in bytes; a longer one is refused. */
#define HC_SECRET_MAX 1024

/**
 * Copy len bytes of buf into a new secret (in the OpenSSL secure heap when
 * the program initialised one). The caller still wipes buf.
 * Returns the secret (caller frees with hc_secret_free) or NULL: HC_E_USAGE
 * when buf holds a NUL byte (a C string would stop there and use less than
 * len), HC_E_FAIL when out of memory.
 */
HC_API hc_secret *hc_secret_new(const char *buf, size_t len, hc_err *err);

/**
 * The secret typed or read as a line: the first line of buf[0..len) (up
 * to the first '\n', else all of it) without one trailing '\r'; what
 * follows the line is ignored. name says where it came from in messages.
 * Returns the secret (caller frees with hc_secret_free) or NULL with
 * HC_E_USAGE: a NUL byte in the line, longer than HC_SECRET_MAX, empty;
 * HC_E_FAIL when out of memory. The caller still wipes buf.
 */
HC_API hc_secret *hc_secret_from_line(const char *buf, size_t len,
				      const char *name, hc_err *err);

/**
 * Read the secret of an env:VAR, file:PATH or fd:N source (SPEC sections 2
 * and 10); what names it in messages ("PIN for token 't'"). An env:
 * variable is removed from the environment once read; a file: that group
 * or others may access, or that neither this user nor root owns, is
 * refused before it is read. "prompt" is the caller's to read (HC_E_FAIL).
 * An unknown source is HC_E_USAGE and its text is never shown (it may be
 * a PIN typed in the wrong place). Returns 0 with *out set (caller frees
 * with hc_secret_free), or -1: HC_E_USAGE (unknown source, unset variable,
 * unreadable file, bad mode or owner, NUL byte, too long, empty),
 * HC_E_FAIL (out of memory).
 */
HC_API int hc_secret_from_source(const char *what, const char *src,
				 hc_secret **out, hc_err *err);

/** Length of the secret in bytes. */
HC_API size_t hc_secret_len(const hc_secret *s);

/** Wipe and free. NULL-safe. */
HC_API void hc_secret_free(hc_secret *s);

/**
 * Asked by the library when it needs a secret. `what` says which
 * ("PIN for token 'x'", "password for FILE"); `source` is the configured
 * source (env:VAR, file:PATH, fd:N, prompt) or NULL for the default.
 * Returns 0 with *out set, or -1 with err set.
 */
typedef int (*hc_secret_cb)(void *arg, const char *what, const char *source,
			    hc_secret **out, hc_err *err);

/**
 * Parse a base-10 integer in [min, max] from the whole of s. Returns 0, or
 * -1 with HC_E_USAGE naming `what` ("--days: 'x' is not a number").
 */
HC_API int hc_parse_long(const char *s, long min, long max, const char *what,
			 long *out, hc_err *err);

/** Format t as RFC 3339 UTC ("2026-11-22T14:00:00Z") into out[21]. */
HC_API void hc_rfc3339(long long t, char out[21]);

/* ------------------------------------------------------------------ */
/* Context                                                              */

/** Everything one command needs: configuration, token, warnings. Opaque. */
typedef struct hc_ctx hc_ctx;

/** Global options; NULL fields take the configuration's values. */
typedef struct hc_ctx_opts {
	/** --config, else $HSMCERT_CONFIG, else /etc */
	const char *config;
	const char *module;	/**< --module */
	const char *token;	/**< --token: a label or a pkcs11: URI */
	const char *pin_source;	/**< --pin-source */
	int verbose;
	int assume_yes;		/**< --yes */
	int interactive;	/**< a terminal is available for questions */
	int pin_final_try;	/**< --pin-final-try: may spend the last try */
	int pin_retry;		/**< --pin-retry: one try from a pin-source
				     that gave a wrong PIN before */
} hc_ctx_opts;

/**
 * Load the configuration. The token is opened lazily, on first use.
 * Returns a context (free with hc_ctx_free) or NULL: HC_E_USAGE for a
 * missing, unreadable or invalid configuration.
 */
HC_API hc_ctx *hc_ctx_new(const hc_ctx_opts *opts, hc_err *err);

/** Close the token, wipe cached secrets, free. NULL-safe. */
HC_API void hc_ctx_free(hc_ctx *ctx);

/** Install the callback that supplies PINs and passwords. */
HC_API void hc_ctx_set_secret_cb(hc_ctx *ctx, hc_secret_cb cb, void *arg);

/**
 * Asked before a destructive or overwriting change. Returns 1 for yes, 0 for
 * no, -1 with err set (HC_E_CANCEL when there is no terminal).
 */
typedef int (*hc_confirm_cb)(void *arg, const char *question, hc_err *err);

/** Install the confirmation callback. */
HC_API void hc_ctx_set_confirm_cb(hc_ctx *ctx, hc_confirm_cb cb, void *arg);

/** Name the command being run (the audit log names it). static string. */
HC_API void hc_ctx_set_command(hc_ctx *ctx, const char *command);

/** Told things worth saying before they happen (a renewal's changes). */
typedef void (*hc_notice_cb)(void *arg, const char *text);

/** Install the notice callback (without one, notices become warnings). */
HC_API void hc_ctx_set_notice_cb(hc_ctx *ctx, hc_notice_cb cb, void *arg);

/** Number of warnings collected so far. */
HC_API size_t hc_ctx_warning_count(const hc_ctx *ctx);

/** Warning i. borrowed: valid until hc_ctx_free(). */
HC_API const char *hc_ctx_warning(const hc_ctx *ctx, size_t i);

/** What the PKCS#11 module says of itself (C_GetInfo), as `pkcs11-tool -I`. */
typedef struct hc_module_info {
	/** the module loaded (--module or config) */
	char path[512];
	/** libraryDescription, padding removed */
	char description[33];
	char manufacturer[33];		/**< manufacturerID */
	char library_version[8];	/**< libraryVersion, "2.6" */
	char cryptoki_version[8];	/**< cryptokiVersion, "2.40" */
} hc_module_info;

/**
 * Load the context's PKCS#11 module (no token, no login) and read
 * C_GetInfo. info->path is set even on failure. Returns 0, or -1:
 * HC_E_USAGE (the module cannot be loaded), HC_E_FAIL.
 */
HC_API int hc_ctx_module_info(hc_ctx *ctx, hc_module_info *info, hc_err *err);

/* ------------------------------------------------------------------ */
/* Entries: what list and show return                                   */

enum hc_kind {
	HC_KIND_CERT,		/**< a certificate with its key on the token */
	HC_KIND_REQUEST,	/**< a pending request */
	/** a key with neither certificate nor request */
	HC_KIND_ORPHAN,
	HC_KIND_CA,		/**< a stored CA certificate (list --ca) */
};

enum hc_status {
	HC_STATUS_VALID,
	HC_STATUS_EXPIRED,
	HC_STATUS_NOTYETVALID,
	HC_STATUS_PENDING,
	HC_STATUS_UNTRUSTED,
	HC_STATUS_INVALID,
	HC_STATUS_ORPHAN,
};

enum hc_root_type {
	HC_ROOT_NONE,		/**< does not apply (request, orphan) */
	HC_ROOT_SELFSIGNED,
	HC_ROOT_THIRDPARTY,
	HC_ROOT_PRIVATE,
	HC_ROOT_UNKNOWN,
};

/** Tri-state for fields that may not apply (JSON null). */
enum hc_tri { HC_NA = -1, HC_FALSE = 0, HC_TRUE = 1 };

/** Built-in services, in Exchange's flag order I P U W S. */
enum hc_service_bit {
	HC_SVC_IMAP = 1 << 0,
	HC_SVC_POP = 1 << 1,
	HC_SVC_UM = 1 << 2,
	HC_SVC_HTTPS = 1 << 3,
	HC_SVC_SMTP = 1 << 4,
	HC_SVC_CUSTOM = 1 << 5,
};

/** One certificate above the leaf. */
typedef struct hc_chain_link {
	char *subject;
	char thumbprint[41];
} hc_chain_link;

/** Every field of SPEC section 1 (list/show). Strings are owned. */
/** One host's bindings of a certificate (list --all-hosts). */
typedef struct hc_host_services {
	char *host;
	unsigned services;	/**< enum hc_service_bit mask */
	char **service_names;	/**< built-ins first */
	size_t nservices;
} hc_host_services;

typedef struct hc_entry {
	enum hc_kind kind;
	char *friendly_name;
	char *subject;		/**< RFC 4514-like, as openssl prints it */
	char *issuer;		/**< NULL for a request / orphan */
	char **domains;		/**< CertificateDomains */
	size_t ndomains;
	time_t not_before;	/**< valid when has_dates */
	time_t not_after;
	int has_dates;
	int is_self_signed;	/**< enum hc_tri */
	enum hc_root_type root_ca_type;
	enum hc_status status;
	unsigned services;	/**< enum hc_service_bit mask */
	char **service_names;	/**< every bound service, built-ins first */
	size_t nservices;
	char thumbprint[41];	/**< SHA-1, or the key id for request/orphan */
	char sha256[65];	/**< empty when it does not apply */
	char *serial;		/**< hex, NULL for request / orphan */
	char key_id[41];
	char *key_algorithm;	/**< "RSA" or "EC" */
	int key_size;		/**< bits */
	char *curve;		/**< "P-256"/"P-384", NULL for RSA */
	int has_private_key;
	int exportable;		/**< enum hc_tri */
	char *key_provenance;	/**< NULL when no private key */
	char *key_uri;
	char *cert_uri;		/**< NULL for request / orphan */
	hc_chain_link *chain;
	size_t nchain;
	char *signature_algorithm;
	char *status_reason;	/**< why Untrusted/Invalid; may be NULL */
	/** with hc_list_filter.all_hosts, for a certificate: every host that
	 *  binds it, by name: this host from its state directory, the others
	 *  from the summaries they keep on the token */
	hc_host_services *hosts;
	size_t nhosts;
	int has_hosts;		/**< hosts was asked for */
	/** SPEC section 9: "acme", "self-signed" or "manual" for a
	 *  certificate (static string), NULL otherwise */
	const char *enrollment;
	char *acme_directory;	/**< with enrollment "acme" */
	/** SPEC section 9: the certificate this one's key was made to renew
	 *  (its thumbprint), and what renewed this one (the new certificate's
	 *  thumbprint, or the key id of a pending renewal request); "" when
	 *  none */
	char renews[41];
	char renewed_by[41];
	/** when renew --due renews this certificate (the start of its
	 *  renewal window); valid when has_renew_after */
	time_t renew_after;
	int has_renew_after;
} hc_entry;

/** Free every owned field; e is left zeroed. NULL-safe. */
HC_API void hc_entry_release(hc_entry *e);

/** A list of entries. */
typedef struct hc_entry_list {
	hc_entry *v;
	size_t n;
} hc_entry_list;

/** Release every entry and the array. NULL-safe. */
HC_API void hc_entry_list_release(hc_entry_list *l);

/** Name of a status as SPEC spells it ("PendingRequest"). */
HC_API const char *hc_status_name(enum hc_status s);

/** Name of a RootCAType ("SelfSigned"), or NULL for HC_ROOT_NONE. */
HC_API const char *hc_root_type_name(enum hc_root_type r);

/* ------------------------------------------------------------------ */
/* Operations                                                           */

/** new (and, later, request): what to create. */
typedef struct hc_new_req {
	const char *subject;		/**< the DN, required */
	/** --domain values, each may hold commas */
	const char *const *domains;
	size_t ndomains;
	int include_autodiscover;
	int include_accepted;
	/** "rsa:2048" etc., NULL for the default */
	const char *key;
	const char *friendly_name;	/**< NULL: the subject CN */
	int exportable;
	long days;			/**< 0: the default */
	const char *plan;		/**< a namespace plan file, or NULL */
	int force;			/**< override the plan check; for
					     request also overwrite --out */
	const char *out;		/**< request: write the PKCS#10 here */
	int der;			/**< request: DER instead of PEM */
	const char *services;		/**< new: --services LIST, bound at
					     once as hc_enable binds;
					     NULL: none */
} hc_new_req;

/** Bytes owned by the caller. */
typedef struct hc_blob {
	unsigned char *data;
	size_t len;
} hc_blob;

/** Free the bytes; b is left empty. NULL-safe. */
HC_API void hc_blob_release(hc_blob *b);

/**
 * Generate a key pair on the token and a self-signed certificate for it.
 * On success *out describes the new certificate (caller releases it).
 * With req->services the certificate is bound to them before it is kept:
 * the names are checked and every binding it would replace is confirmed
 * (as hc_enable asks) before anything is created; a failing bind (a
 * reload) undoes the files and destroys the new objects again.
 * Errors: HC_E_USAGE (bad DN, names, days, services), HC_E_DENIED
 * (policy), HC_E_VERIFY (plan), HC_E_PIN, HC_E_CANCEL (a binding to
 * replace, refused or no terminal and no --yes), HC_E_FAIL. Nothing is
 * left on the token after a failure.
 */
HC_API int hc_new(hc_ctx *ctx, const hc_new_req *req, hc_entry *out,
		  hc_err *err);

/**
 * Generate a key pair on the token and a PKCS#10 request for it, signed on
 * the token; the request stays pending on the token. With req->out the
 * request is written there (atomically; an existing file only with force),
 * else *csr receives it (PEM, or DER with req->der). Errors as hc_new;
 * nothing is left on the token after a failure.
 */
HC_API int hc_request(hc_ctx *ctx, const hc_new_req *req, hc_entry *out,
		      hc_blob *csr, hc_err *err);

/** A list of owned strings. */
typedef struct hc_strings {
	char **v;
	size_t n;
} hc_strings;

/** Free every string and the array. NULL-safe. */
HC_API void hc_strings_release(hc_strings *s);

/**
 * The SAN list new/request would use for req (subject optional), with the
 * warnings in the context. With req->plan, a missing or mistyped planned
 * name is HC_E_VERIFY (each problem also a warning) and *out is still
 * filled. Nothing touches the token.
 */
HC_API int hc_names(hc_ctx *ctx, const hc_new_req *req, hc_strings *out,
		    hc_err *err);

/** One line of verify. */
enum hc_check_result { HC_CHECK_OK, HC_CHECK_WARN, HC_CHECK_FAIL };

typedef struct hc_check {
	enum hc_check_result result;
	char *name;		/**< "private key", "chain", ... */
	char *reason;
} hc_check;

typedef struct hc_check_list {
	hc_check *v;
	size_t n;
} hc_check_list;

/** Free every check. NULL-safe. */
HC_API void hc_check_list_release(hc_check_list *l);

/** verify: what to check. */
typedef struct hc_verify_req {
	const char *id;
	const char *plan;	/**< namespace plan, or NULL */
	const char *at;		/**< YYYY-MM-DD or RFC 3339, NULL for now */
	long warn_days;		/**< warn this close to expiry (default 30) */
	int has_warn_days;
} hc_verify_req;

/**
 * Check a certificate before and after a change window: key present and
 * pairing (a signature made on the token verifies with the certificate's
 * key), issued-to, validity, names and plan, chain, key and signature
 * against the policy, TLS server use, bound services. The checks are
 * returned in *out (and *entry describes the certificate) whatever the
 * outcome; the call fails with HC_E_VERIFY when any check FAILs.
 */
HC_API int hc_verify(hc_ctx *ctx, const hc_verify_req *req, hc_entry *entry,
		     hc_check_list *out, hc_err *err);

/** renew: what to change. */
typedef struct hc_renew_req {
	const char *id;
	/** a pending request, even if self-signed */
	int request;
	long days;			/**< 0: the policy default */
	/** NULL: the old key's type and size */
	const char *key;
	const char *out;		/**< request: write the PKCS#10 here */
	int der;
	int force;			/**< overwrite --out */
	const char *const *add;		/**< names to add */
	size_t nadd;
	const char *const *drop;	/**< names to drop */
	size_t ndrop;
	/** leave the bindings on the old one */
	int keep_bindings;
	int takeover;			/**< renew --due: take the bindings over
					     without asking */
} hc_renew_req;

/**
 * A new key pair and a new self-signed certificate (self-signed originals)
 * or pending request (CA-issued ones, or req->request) with the old one's
 * subject, names, key type and size, friendly name and exportable flag.
 * Changes (--key, --days, names) are told through the notice callback
 * before anything is created. The old certificate stays. A self-signed
 * renewal takes over the old certificate's bindings on this host (asking
 * first, unless keep_bindings). *csr receives a request when no req->out
 * is given.
 */
HC_API int hc_renew(hc_ctx *ctx, const hc_renew_req *req, hc_entry *out,
		    hc_blob *csr, hc_err *err);

/** renew --due: what happened to one certificate (SPEC section 9). */
enum hc_due_state {
	HC_DUE_RENEWED,		/**< renewed (or, dry run, would be) */
	HC_DUE_REQUESTED,	/**< a pending renewal request was made */
	HC_DUE_PENDING,		/**< a renewal request already waits */
	HC_DUE_SUPERSEDED,	/**< renewed before: a newer one is there */
	HC_DUE_NOT_DUE,		/**< outside its renewal window */
	HC_DUE_FAILED,
};

typedef struct hc_due_item {
	enum hc_due_state state;
	char thumbprint[41];		/**< the certificate considered */
	/** the new thumbprint or key id, or "" */
	char new_id[41];
	const char *enrollment;		/**< "acme", "self-signed", "manual" */
	time_t renew_after;
	/** failed: why; else NULL (or a note) */
	char *reason;
} hc_due_item;

typedef struct hc_due_result {
	int dry_run;
	hc_due_item *v;
	size_t n;
} hc_due_result;

/** Release the items; r is left zeroed. NULL-safe. */
HC_API void hc_due_result_release(hc_due_result *r);

/**
 * renew --due: every certificate on the token inside its renewal window
 * is renewed as `renew` would (ACME-issued through ACME, self-signed as
 * self-signed, both taking the bindings over without asking; any other
 * gets one pending renewal request). One run at a time per host (the
 * second waits up to 60 s for the first). With dry_run nothing changes.
 * out lists every certificate considered, also when it fails. Returns 0,
 * or -1 with HC_E_FAIL when some failed (the others went on), or the error
 * that stopped the run before any certificate (token, PIN, lock).
 */
HC_API int hc_renew_due(hc_ctx *ctx, int dry_run, hc_due_result *out,
			hc_err *err);

/** import / complete: what to read. */
typedef struct hc_import_req {
	const char *path;
	/** PKCS#12: env:, file:, fd:, prompt */
	const char *password_source;
	int exportable;			/**< PKCS#12: the key may leave again */
	const char *friendly_name;	/**< PKCS#12: the label */
	int complete_only;		/**< complete: fail unless a pending
					     request is completed */
	int force;			/**< accept an answer that lacks names
					     the pending request asked for */
	const unsigned char *data;	/**< the answer in memory (ACME), path
					     then only names it */
	size_t data_len;
} hc_import_req;

/** What an import did. */
typedef struct hc_import_result {
	int completed;			/**< a pending request was completed */
	/** a certificate with its key stored */
	int leaf_stored;
	size_t ca_added;		/**< CA certificates stored */
	size_t ca_present;		/**< CA certificates already there */
	int nothing_changed;		/**< everything was already present */
	/** a PFX's key was created on the token */
	int key_imported;
	hc_entry entry;			/**< the leaf, when one was stored or
					     found (kind != 0 or thumbprint) */
	int has_entry;
	hc_strings ca_thumbprints;	/**< CA certificates added */
	int names_forced;		/**< completed with --force although
					     names of the request are missing */
} hc_import_result;

/** Release the result's owned parts. NULL-safe. */
HC_API void hc_import_result_release(hc_import_result *r);

/**
 * Import what a CA or another server sends: a certificate completing a
 * pending request (stored beside its key, the request removed), CA
 * certificates (stored as authorities, never trusted for arriving), or a
 * PKCS#12. Errors: HC_E_USAGE (unreadable, empty, garbage or truncated
 * input), HC_E_NOTFOUND (a certificate whose key is not on the token; with
 * complete_only, no pending request matched), HC_E_VERIFY (a certificate
 * with issuer = subject whose self-signature does not verify; without
 * req->force, an answer lacking names the pending request asked for). The
 * token is unchanged after any error.
 */
HC_API int hc_import(hc_ctx *ctx, const hc_import_req *req,
		     hc_import_result *out, hc_err *err);

/** export: what and where. */
typedef struct hc_export_req {
	const char *id;
	const char *out;		/**< required for a PFX */
	const char *password_source;	/**< PFX password source */
	int der;			/**< DER (request, --cert-only leaf) */
	/** PFX with PBE-SHA1-3DES and a SHA-1 MAC */
	int legacy;
	int cert_only;			/**< the chain alone, no key */
	int force;			/**< overwrite out */
} hc_export_req;

/**
 * Export a certificate with an exportable key as PKCS#12 (key, certificate,
 * chain), its chain alone (cert_only), or a pending request's PKCS#10.
 * Without req->out the public outputs go to *data. A key that is not
 * exportable, or allow-export = false, is HC_E_DENIED with no file
 * written; a short password is HC_E_DENIED; an existing file without force
 * is HC_E_USAGE. A PFX is written 0600, other outputs 0644.
 */
HC_API int hc_export(hc_ctx *ctx, const hc_export_req *req, hc_blob *data,
		     hc_err *err);

/**
 * Make an exportable key permanently non-exportable (CKA_EXTRACTABLE to
 * false, which PKCS#11 never lets go back). Asks first. *entry describes
 * the certificate afterwards. A key that is already not exportable is a
 * no-op (*changed = 0).
 */
HC_API int hc_lock(hc_ctx *ctx, const char *id, hc_entry *entry, int *changed,
		   hc_err *err);

/** remove: what to remove. */
typedef struct hc_remove_req {
	const char *const *ids;
	size_t nids;
	int self_signed;		/**< every self-signed certificate */
	int expired;			/**< every expired certificate */
	int force;			/**< also bound certificates */
} hc_remove_req;

/**
 * Archive (certificate or request PEM + metadata JSON in the archive
 * directory) and then delete certificate, public key, private key and
 * request objects of each target. Asks first. *removed lists what was
 * removed. Errors: HC_E_NOTFOUND (an ID), HC_E_DENIED (bound, without
 * force), HC_E_CANCEL; nothing is removed after any of these.
 */
HC_API int hc_remove(hc_ctx *ctx, const hc_remove_req *req,
		     hc_strings *removed, hc_err *err);

/**
 * Bind a certificate to services on this host (LIST: comma-separated
 * https/iis, smtp, imap, pop, um or a configured [service NAME]). For
 * each service with a section its cert-file and key-uri-file are written
 * atomically and its reload run; a failing reload puts files and bindings
 * back. Replacing another certificate's binding asks first. *changed
 * lists the services newly bound.
 */
HC_API int hc_enable(hc_ctx *ctx, const char *id, const char *services,
		     hc_strings *changed, hc_err *err);

/** Drop binding records (files stay, nothing is reloaded). */
HC_API int hc_disable(hc_ctx *ctx, const char *id, const char *services,
		      hc_strings *changed, hc_err *err);

/** One line of the audit log. */
typedef struct hc_audit_record {
	unsigned long long seq;
	char time[32];			/**< RFC 3339 UTC */
	char *user, *host, *command, *target, *result, *detail;
} hc_audit_record;

typedef struct hc_audit_records {
	hc_audit_record *v;
	size_t n;
} hc_audit_records;

/** Free every record. NULL-safe. */
HC_API void hc_audit_records_release(hc_audit_records *l);

/**
 * The audit log's records at or after `since` (YYYY-MM-DD or RFC 3339, or
 * NULL for all). The chain is verified on the way: a broken log is
 * HC_E_VERIFY naming the first bad line, with the records before it.
 */
HC_API int hc_audit_show(hc_ctx *ctx, const char *since, hc_audit_records *out,
			 hc_err *err);

/** What audit verify found. */
typedef struct hc_audit_status {
	int ok;
	size_t lines;
	unsigned long long last_seq;
	unsigned long long head_seq;	/**< kept on the token; 0 when none */
	size_t bad_line;		/**< 1-based, 0 when ok */
	char problem[400];
	char path[512];
	/** the audit-reset line the log starts with (SPEC 10); 0 when none */
	unsigned long long reset_seq;
	unsigned long long gap_from, gap_to;	/**< seqs lost; 0 when none */
	char reset_time[32];			/**< RFC 3339 UTC */
	char reset_user[128];
	char reset_detail[1024];		/**< the gap in words */
} hc_audit_status;

/**
 * Verify the whole chain and the head kept on the token. Fails with
 * HC_E_VERIFY (and *st says where) when a line was edited, removed,
 * inserted, reordered or the log truncated.
 */
HC_API int hc_audit_verify_log(hc_ctx *ctx, hc_audit_status *st, hc_err *err);

/**
 * audit reset (SPEC section 10): for a log that ends before this host's
 * head on the token (truncated, replaced, deleted) or whose last line is
 * damaged. Logs in (HC_E_PIN), asks (HC_E_CANCEL), keeps the old file as
 * <audit-log>.<UTC time>.damaged, starts the log again at the head's
 * seq + 1 with an "audit-reset" line naming the gap and moves the head to
 * it; *st is then what audit verify says of the new log. A log that holds
 * the head's line is HC_E_USAGE (nothing to reset); HC_E_FAIL on I/O.
 */
HC_API int hc_audit_reset(hc_ctx *ctx, hc_audit_status *st, hc_err *err);

/** Expiry bands, as Exchange's health checker colours them. */
enum hc_band {
	HC_BAND_NA,		/**< no dates (request, orphan key) */
	HC_BAND_OK,		/**< 60 days or more left */
	HC_BAND_SOON,		/**< 30 to 59 days */
	HC_BAND_URGENT,		/**< under 30 days */
	HC_BAND_EXPIRED,
};

/** The band of an entry at time now. */
HC_API enum hc_band hc_expiry_band(const hc_entry *e, time_t now);

/** "60+ days", "30-59 days", "< 30 days", "expired", or "" for NA. */
HC_API const char *hc_band_name(enum hc_band b);

/** An ACME account as its record on the token says (no network). */
struct hc_acme_account_rec {
	char *directory;
	char *account;
	char key_id[41];
	char *key_uri;		/**< NULL when the key is gone */
	char *key_provenance;	/**< as KeyProvenance; NULL when gone */
};

/** The compliance report: token, keys, certificates, policy, audit. */
typedef struct hc_report {
	char generated[21];		/**< RFC 3339 */
	char host[256];
	char module[512];
	char token_label[33];
	char manufacturer[33];
	char model[17];
	char serial[17];
	char hw_version[8];
	char fw_version[8];
	int pin_count_low, pin_final_try, pin_locked, pin_to_be_changed;
	/** certificates, requests, orphan keys */
	hc_entry_list entries;
	hc_entry_list cas;		/**< CA certificates kept for chains */
	hc_strings policy;		/**< "key = value" lines in force */
	hc_audit_status audit;
	size_t bindings;		/**< service bindings on this host */
	/** ACME accounts on the token */
	struct hc_acme_account_rec *acme;
	size_t nacme;
} hc_report;

/** Release the owned parts. NULL-safe. */
HC_API void hc_report_release(hc_report *r);

/** Gather the report (read-only: nothing on the token changes). */
HC_API int hc_report_make(hc_ctx *ctx, hc_report *out, hc_err *err);

/** Filters of list (SPEC section 1); zero means "no filter". */
typedef struct hc_list_filter {
	const char *domain;
	const char *thumbprint;		/**< hex prefix */
	const char *status;		/**< a status name, case-insensitive */
	int self_signed;
	int pending;
	int expiring;			/**< days; 0 = off (use has_expiring) */
	int has_expiring;
	int ca;				/**< list the stored CA certificates */
	int all_hosts;			/**< fill hc_entry.hosts */
} hc_list_filter;

/**
 * List certificates with keys, pending requests and orphan keys (or the CA
 * certificates with filter->ca), filtered. Sorted by NotAfter, then
 * thumbprint. Errors: HC_E_USAGE (bad filter), HC_E_PIN, HC_E_FAIL.
 */
HC_API int hc_list(hc_ctx *ctx, const hc_list_filter *filter,
		   hc_entry_list *out, hc_err *err);

/**
 * Every field of one certificate, request or orphan key. id is a thumbprint
 * or key id prefix (>= 6 hex digits, ':' allowed). Errors: HC_E_USAGE (bad
 * id), HC_E_NOTFOUND (no match, or ambiguous: the message lists them).
 */
HC_API int hc_show(hc_ctx *ctx, const char *id, hc_entry *out, hc_err *err);

/* ------------------------------------------------------------------ */
/* ACME (SPEC section 9)                                                */

/** The ACME account on the token. */
typedef struct hc_acme_info {
	char *directory;
	char *account;			/**< the account URL */
	char *status;			/**< as the server says, or NULL */
	hc_strings contact;
	char key_id[41];
	char *key_uri;
	int existed;			/**< register: it was there already */
} hc_acme_info;

HC_API void hc_acme_info_release(hc_acme_info *i);

typedef struct hc_acme_register_req {
	int agree_tos;
	const char *const *contacts;	/**< --contact, else [acme] contact */
	size_t ncontacts;
} hc_acme_register_req;

/**
 * acme register: an EC P-256 key pair on the token (non-exportable, label
 * hsmcert-acme-account), newAccount signed with it, the account URL and
 * directory kept on the token. An account for the same directory already
 * on the token is returned (existed set). Errors: HC_E_USAGE (no
 * directory; terms to agree without agree_tos; EAB required without
 * eab-kid), HC_E_PIN, HC_E_FAIL. Nothing is left after a failure.
 */
HC_API int hc_acme_register(hc_ctx *ctx, const hc_acme_register_req *req,
			    hc_acme_info *out, hc_err *err);

/** acme show: the account for [acme] directory; HC_E_NOTFOUND if none. */
HC_API int hc_acme_show(hc_ctx *ctx, hc_acme_info *out, hc_err *err);

/** HC_E_NOTFOUND, naming `hsmcert acme register`, when there is no account. */
HC_API int hc_acme_check_account(hc_ctx *ctx, hc_err *err);

/**
 * complete ID --acme: order a certificate for the pending request ID (its
 * SANs as identifiers), answer the challenges, and complete the request
 * with the issued chain as hc_import does. A failed order leaves the
 * request and is HC_E_FAIL with the ACME problem as "type: detail".
 */
HC_API int hc_acme_complete(hc_ctx *ctx, const char *id, int force,
			    hc_import_result *out, hc_err *err);

#endif
