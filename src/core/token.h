/* token.h - every PKCS#11 call of hsmcert goes through token_*.c (internal)
 *
 * The token files (token_int.h lists them) load the module and use its own
 * function list for everything: keygen with exact attributes, EC keys, data
 * objects, attribute reads and writes, and the EVP_PKEY that signs on the
 * token through OpenSSL (see token_sign.c for why not libp11 0.4.12). No
 * PKCS#11 type appears here.
 */
#ifndef HC_CORE_TOKEN_H
#define HC_CORE_TOKEN_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hsmcert.h"
#include "core/policy.h"

#define HC_ID_MAX 64

struct hc_token;

/** What C_GetTokenInfo says, as C strings (blank padding removed). */
struct hc_token_info {
	char label[33];
	char manufacturer[33];
	char model[17];
	char serial[17];
	char hw_version[8];
	char fw_version[8];
	int count_low;		/**< CKF_USER_PIN_COUNT_LOW */
	int final_try;		/**< CKF_USER_PIN_FINAL_TRY */
	int locked;		/**< CKF_USER_PIN_LOCKED */
	int to_be_changed;	/**< CKF_USER_PIN_TO_BE_CHANGED */
	int login_required;
};

enum hc_obj_class {
	HC_OBJ_CERT,
	HC_OBJ_PRIVKEY,
	HC_OBJ_PUBKEY,
	HC_OBJ_DATA,
};

enum hc_cert_category {
	HC_CAT_UNSPECIFIED = 0,
	HC_CAT_USER = 1,
	HC_CAT_AUTHORITY = 2,
	HC_CAT_OTHER = 3,
};

/** One token object with the attributes hsmcert reads, copied out. */
struct hc_tobj {
	unsigned long handle;
	enum hc_obj_class cls;
	unsigned char id[HC_ID_MAX];
	size_t id_len;
	char *label;
	unsigned char *value;		/**< certificate DER or data value */
	size_t value_len;
	char *application;		/**< data objects */
	int cert_category;		/**< enum hc_cert_category */
	/** HC_KEY_RSA / HC_KEY_EC, 0 unknown */
	int key_kind;
	int key_bits;			/**< not read by hc_token_find (0): the
					     size comes from the public key */
	/* -1 where the token does not say */
	int local;
	int always_sensitive;
	int never_extractable;
	int extractable;
	int sensitive;
};

struct hc_tobj_list {
	struct hc_tobj *v;
	size_t n;
};

/** Release every object's copies and the array. NULL-safe. */
void hc_tobj_list_release(struct hc_tobj_list *l);

/**
 * Load the module at path and pick the token by label or pkcs11: URI (never
 * by slot id). With selector NULL the only initialised token is taken.
 * Returns 0 with *out set (free with hc_token_free), or -1: HC_E_USAGE
 * (module cannot be loaded, bad URI), HC_E_NOTFOUND (no such token, or
 * several match), HC_E_FAIL.
 */
int hc_token_open(const char *module, const char *selector,
		  struct hc_token **out, hc_err *err);

/**
 * When the token opened only on a later attempt (a file token being
 * written by another process, a transient device error): the first
 * problem, borrowed, and *attempts; else NULL.
 */
const char *hc_token_open_problem(const struct hc_token *t, int *attempts);

/**
 * Load the module at path, C_Initialize it and read C_GetInfo into info
 * (path is not touched), then C_Finalize; no slot, session or login. Returns
 * 0, or -1: HC_E_USAGE (cannot be loaded, not a PKCS#11 module), HC_E_FAIL.
 */
int hc_token_module_info(const char *module, hc_module_info *info,
			 hc_err *err);

/** Close sessions, unload the module. NULL-safe. */
void hc_token_free(struct hc_token *t);

/** Token information, read fresh. Returns 0 or -1 (HC_E_FAIL). */
int hc_token_get_info(struct hc_token *t, struct hc_token_info *info,
		      hc_err *err);

/** borrowed: the information read at open (label, serial...). */
const struct hc_token_info *hc_token_get0_info(const struct hc_token *t);

/** hc_token_login_flags: spend the last try (--pin-final-try). */
#define HC_LOGIN_FINAL_TRY 0x1u

/**
 * May a login be tried? Reads the token's flags fresh (C_GetTokenInfo) into
 * *ti. Returns 0, or -1: HC_E_PIN when the user PIN is locked
 * (CKF_USER_PIN_LOCKED), or when the token has one try left
 * (CKF_USER_PIN_FINAL_TRY) and flags lacks HC_LOGIN_FINAL_TRY (SPEC 10:
 * the last try is never spent unasked); HC_E_FAIL when the token does not
 * answer. CKF_USER_PIN_COUNT_LOW is no refusal: ti->count_low tells the
 * caller, who warns. No C_Login is made.
 */
int hc_token_login_check(struct hc_token *t, unsigned int flags,
			 struct hc_token_info *ti, hc_err *err);

/**
 * Log the user in: hc_token_login_check (with flags), then exactly one
 * C_Login, never retried. A wrong, locked or badly sized PIN is HC_E_PIN
 * (err->ckr the token's answer) with the token's count-low / final-try /
 * locked flags in the message. Returns 0 or -1.
 */
int hc_token_login_flags(struct hc_token *t, const hc_secret *pin,
			 unsigned int flags, hc_err *err);

/** hc_token_login_flags with no flags: the last try is refused. */
int hc_token_login(struct hc_token *t, const hc_secret *pin, hc_err *err);

/**
 * Did the token refuse the login because the PIN given is not its PIN
 * (CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE)? err as
 * hc_token_login left it. 1 or 0.
 */
int hc_token_pin_was_wrong(const hc_err *err);

/** Is the user logged in (by this process)? */
int hc_token_is_logged_in(const struct hc_token *t);

/** A freshly generated key pair. */
struct hc_keypair {
	unsigned char id[20];		/**< SHA-1 of the public key bits */
	unsigned long priv;		/**< object handles */
	unsigned long pub;
	EVP_PKEY *pubkey;		/**< owned: the public half */
};

/** Free the public key copy; handles are left alone. NULL-safe. */
void hc_keypair_release(struct hc_keypair *kp);

/**
 * Generate a key pair on the token with the attributes of SPEC section 5:
 * private key CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true, CKA_EXTRACTABLE =
 * exportable; public key CKA_PRIVATE false; both CKA_LABEL = label and
 * CKA_ID = SHA-1 of the public key bits. On failure nothing is left.
 */
int hc_token_generate_keypair(struct hc_token *t, const struct hc_keyspec *k,
			      const char *label, int exportable,
			      struct hc_keypair *out, hc_err *err);

/**
 * Find objects of one class, with id (when id_len > 0) and, for data
 * objects, CKA_APPLICATION = application (when not NULL). Attributes are
 * fetched several per call. Returns 0 or -1 (HC_E_FAIL).
 */
int hc_token_find(struct hc_token *t, enum hc_obj_class cls,
		  const unsigned char *id, size_t id_len,
		  const char *application, struct hc_tobj_list *out,
		  hc_err *err);

/**
 * Every object with this CKA_ID, in one C_FindObjects pass, sorted into
 * private keys, public keys and certificates (other classes are skipped).
 */
int hc_token_find_id(struct hc_token *t, const unsigned char *id, size_t len,
		     struct hc_tobj_list *privs, struct hc_tobj_list *pubs,
		     struct hc_tobj_list *certs, hc_err *err);

/**
 * A fingerprint of the token's object set: how many objects this session
 * sees and a SHA-1 of their handles, from one C_FindObjects pass that reads
 * no attribute (none when hc_token_scan made that pass and this process has
 * not changed the token since). Cheap enough to validate an index before
 * trusting it.
 */
int hc_token_fingerprint(struct hc_token *t, char out[64], hc_err *err);

/**
 * Every object the session sees, in one unfiltered C_FindObjects pass and
 * one C_GetAttributeValue per object for what hc_token_find reads of its
 * class (a private key's value is never asked for), plus one for the value
 * of a certificate or a wanted data object: private keys, public keys and
 * certificates into their lists, data objects whose CKA_APPLICATION is one
 * of want->apps with their values into data (others are skipped, as are
 * other classes).
 * Each certificate is handed to want->on_cert (when set) as soon as it is
 * read, so its parsing can start while the rest is read.
 * The unfiltered pass also sets the fingerprint hc_token_fingerprint
 * answers until this process changes the token. On error every list is
 * released.
 */
struct hc_scan_want {
	const char *const *apps;	/* data objects of these applications */
	size_t napps;
	/* called with each certificate's value, in list order */
	void (*on_cert)(void *arg, const unsigned char *der, size_t len);
	void *arg;
};

int hc_token_scan(struct hc_token *t, const struct hc_scan_want *want,
		  struct hc_tobj_list *privs, struct hc_tobj_list *pubs,
		  struct hc_tobj_list *certs, struct hc_tobj_list *data,
		  hc_err *err);

/** Every certificate with CKA_CERTIFICATE_CATEGORY authority. */
int hc_token_find_authorities(struct hc_token *t, struct hc_tobj_list *out,
			      hc_err *err);

/**
 * Store a certificate object: CKA_ID, CKA_LABEL, CKA_SUBJECT, CKA_ISSUER,
 * CKA_SERIAL_NUMBER, CKA_VALUE, CKA_PRIVATE false, CKA_CERTIFICATE_CATEGORY
 * = category. *handle receives the new object.
 */
int hc_token_store_cert(struct hc_token *t, X509 *x, const char *label,
			const unsigned char *id, size_t id_len, int category,
			unsigned long *handle, hc_err *err);

/**
 * Store a CKO_DATA object (CKA_PRIVATE false, CKA_APPLICATION, CKA_LABEL,
 * CKA_VALUE). *handle receives the new object.
 */
int hc_token_store_data(struct hc_token *t, const char *application,
			const char *label, const unsigned char *value,
			size_t len, unsigned long *handle, hc_err *err);

/**
 * A number that changes whenever this process changes the token (an object
 * made, destroyed or modified, a login) and that no other token of this
 * process ever has: what was read of the token while it stays the same is
 * still what the token holds for this process.
 */
unsigned long hc_token_changes(const struct hc_token *t);

/**
 * The same for changes that may have altered or removed an object that was
 * on the token before (a destroy, an attribute set), not for objects this
 * process made (stored, generated, its new keys' ids set): what was read
 * of the objects that were there stays true while it is the same.
 */
unsigned long hc_token_rewrites(const struct hc_token *t);

/** Destroy one object. Returns 0 or -1 (HC_E_FAIL). */
int hc_token_destroy(struct hc_token *t, unsigned long handle, hc_err *err);

/**
 * An EVP_PKEY that signs with the private key whose CKA_ID is id: OpenSSL
 * signs as usual and the private operation happens on the token (C_Sign,
 * CKM_RSA_PKCS or CKM_ECDSA). Found by CKA_ID, no scan. The caller frees it
 * with EVP_PKEY_free, before hc_token_free. HC_E_NOTFOUND if no such key.
 */
EVP_PKEY *hc_token_get_signer(struct hc_token *t, const unsigned char *id,
			      size_t id_len, hc_err *err);

/**
 * The same for a private key whose handle and public half are known (a key
 * just generated): no search. pub is not taken.
 */
EVP_PKEY *hc_token_signer_for(struct hc_token *t, unsigned long priv,
			      EVP_PKEY *pub, hc_err *err);

/** The CK_RV of the last signature the token refused (then cleared), or 0. */
unsigned long hc_token_take_sign_rv(struct hc_token *t);

/**
 * The RFC 7512 URI of an object on this token (token, manufacturer, model,
 * serial, id, object label, type), without any PIN. cls is HC_OBJ_PRIVKEY
 * or HC_OBJ_CERT. Returns a malloc'd string (caller frees) or NULL.
 */
char *hc_token_object_uri(const struct hc_token *t, enum hc_obj_class cls,
			  const unsigned char *id, size_t id_len,
			  const char *label, hc_err *err);

/**
 * Build an EVP_PKEY from a public key object's attributes (modulus and
 * exponent, or EC parameters and point). Returns the key (caller frees)
 * or NULL.
 */
EVP_PKEY *hc_token_read_pubkey(struct hc_token *t, unsigned long handle,
			       hc_err *err);

/**
 * 0 when the token can wrap a private key the way hc_token_wrap_export
 * does (CKM_AES_KEY_WRAP_PAD); else -1 with an error naming why.
 */
int hc_token_can_wrap_export(struct hc_token *t, hc_err *err);

/**
 * Take an exportable private key out: C_WrapKey with CKM_AES_KEY_WRAP_PAD
 * under a one-time session AES-256 key, unwrapped here with OpenSSL. On
 * success *pkcs8 holds the PKCS#8 DER (caller wipes and frees it with
 * OPENSSL_clear_free). A key the token will not let out is HC_E_DENIED.
 */
int hc_token_wrap_export(struct hc_token *t, unsigned long priv,
			 unsigned char **pkcs8, size_t *len, hc_err *err);

/**
 * Create a key pair on the token from a private key (PFX import), with the
 * attributes of SPEC section 5: CKA_EXTRACTABLE = exportable, CKA_ID = id,
 * CKA_LABEL = label. Every buffer that held key material is wiped.
 */
int hc_token_import_keypair(struct hc_token *t, EVP_PKEY *pkey,
			    const char *label, const unsigned char *id,
			    size_t id_len, int exportable,
			    unsigned long *priv, unsigned long *pub,
			    hc_err *err);

/** Change an object's CKA_LABEL (the only mutable data-object attribute). */
int hc_token_set_label(struct hc_token *t, unsigned long handle,
		       const char *label, hc_err *err);

/** Set CKA_EXTRACTABLE to false on a private key (one-way). */
int hc_token_set_unextractable(struct hc_token *t, unsigned long priv,
			       hc_err *err);

/**
 * Set the error from a PKCS#11 return value: message, then " (CKR_NAME)".
 * Returns -1.
 */
int hc_err_ckr(hc_err *err, int code, unsigned long rv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Symbolic name of a CKR value ("CKR_PIN_INCORRECT"), or "CKR_0x...". */
const char *hc_token_rv_name(unsigned long rv, char *buf, size_t len);

#endif
