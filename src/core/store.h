/* store.h - the certificate store on the token, joined by CKA_ID (internal)
 *
 * One C_FindObjects pass per object class, attributes in batches, then a
 * join by key id in memory: certificates with keys, pending requests,
 * orphan keys, and the CA certificates kept for chain building.
 */
#ifndef HC_CORE_STORE_H
#define HC_CORE_STORE_H

#include <openssl/x509.h>

#include "hsmcert.h"
#include "core/token.h"

struct hc_x509_brief;

#define HC_REQUEST_APP "hsmcert-request"
/** CKA_APPLICATION of the ACME account record; CKA_LABEL of its key */
#define HC_ACME_ACCOUNT_APP "hsmcert-acme-account"
/**
 * CKA_APPLICATION of the record of an ACME-issued certificate: a CKO_DATA
 * object whose CKA_LABEL is the certificate's thumbprint and whose value is
 * JSON {"Directory","Account","Order","KeyId"} (SPEC section 9 Enrollment)
 */
#define HC_ACME_CERT_APP "hsmcert-acme-cert"
/**
 * CKA_APPLICATION of a renewal link (SPEC section 9 Renews/RenewedBy): a
 * CKO_DATA object whose CKA_LABEL is the new key id in hex and whose value
 * is JSON {"Renews": old thumbprint}, written by renew in the same
 * transaction as the new key pair
 */
#define HC_RENEWAL_APP "hsmcert-renewal"

/** One key id's objects (any may be NULL). */
struct hc_store_item {
	enum hc_kind kind;
	unsigned char id[HC_ID_MAX];
	size_t id_len;
	struct hc_tobj *priv;		/* borrowed from the lists below */
	struct hc_tobj *pub;
	struct hc_tobj *cert;
	struct hc_tobj *req;
	struct hc_tobj *acme;		/* the ACME issuance record, or NULL */
	/* the renewal link of this key, or NULL */
	struct hc_tobj *renewal;
	char renews[41];		/* from renewal: the old thumbprint */
	char renewed_by[41];		/* the newest item renewing this one
					   (its ident), or "" */
	X509 *x509;			/* owned: parsed cert (NULL for one
					   read briefly: brief below) */
	struct hc_x509_brief *brief;	/* owned: a brief load's parse of a
					   self-signed leaf (x509_brief.h) */
	X509_REQ *x509_req;		/* owned: parsed request */
	char ident[41];			/* thumbprint, or key id */
};

struct hc_store {
	struct hc_tobj_list certs, privs, pubs, reqs;
	struct hc_tobj_list acmes;	/* ACME issuance records */
	struct hc_tobj_list renewals;	/* renewal links */
	struct hc_store_item *items;
	size_t nitems;
	size_t nsorted;			/* items[0..nsorted) are sorted by id,
					   one per key; further certificates of
					   a key (a reissue) follow */
	struct hc_store_item *cas;	/* CA certificates: category authority,
					   or basicConstraints CA without a
					   key (a leaf without its key is an
					   item, SPEC section 10) */
	size_t ncas;
	STACK_OF(X509) *ca_stack;	/* the CA X509s (borrowed refs) */
};

/** Read every object of the token and join them. */
int hc_store_load(struct hc_token *t, struct hc_store *s, hc_err *err);

/**
 * The same for list and renew --due: a plain self-signed leaf may be read
 * briefly (it->brief, it->x509 NULL: x509_brief.h), with its signature
 * checked when check is set (list; renew --due reads names and dates only).
 * Nothing that needs an X509 of such an item may take this load.
 */
int hc_store_load_brief(struct hc_token *t, struct hc_store *s, int check,
			hc_err *err);

/**
 * Read only what one key id needs: its private and public keys and
 * certificates (a lookup by CKA_ID, no scan), the pending requests and the
 * CA certificates. Joined like hc_store_load.
 */
int hc_store_load_id(struct hc_token *t, const unsigned char *id, size_t len,
		     struct hc_store *s, hc_err *err);

/**
 * The index of a store, one "IDENT KEYID\n" line per item sorted by IDENT,
 * into a malloc'd string (caller frees).
 */
char *hc_store_index_text(const struct hc_store *s, hc_err *err);

/** Free everything. NULL-safe. */
void hc_store_release(struct hc_store *s);

/**
 * Normalise an ID argument: strip ':' separators, check hex digits and a
 * length of 6 to 40 digits, lowercase into norm. HC_E_USAGE otherwise.
 */
int hc_store_parse_id(const char *arg, char norm[41], hc_err *err);

/**
 * Find the single item whose identifier (thumbprint for a certificate, key
 * id for a request or orphan) starts with the prefix. With ca set, search
 * the CA certificates instead. HC_E_NOTFOUND when none or several match
 * (the message lists them).
 */
int hc_store_lookup(struct hc_store *s, const char *arg, int ca,
		    struct hc_store_item **out, hc_err *err);

/** Find the item of a key id (exact). NULL when absent. */
struct hc_store_item *hc_store_find_id(struct hc_store *s,
				       const unsigned char *id, size_t len);

#endif
