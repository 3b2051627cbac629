/* x509.h - certificates and requests with OpenSSL (internal) */
#ifndef HC_CORE_X509_H
#define HC_CORE_X509_H

#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hsmcert.h"
#include "core/dn.h"
#include "core/util.h"

/**
 * RFC 5280 key identifier, method 1: SHA-1 of the subjectPublicKey BIT
 * STRING contents. This is every key pair's CKA_ID.
 */
int hc_x509_key_id(EVP_PKEY *pk, unsigned char out[20], hc_err *err);

/**
 * The key id of a certificate's or request's public key, hashed from the
 * encoded key it already holds (no re-encoding: fast at scale).
 */
int hc_x509_cert_key_id(X509 *x, X509_REQ *req, unsigned char out[20],
			hc_err *err);

/** What a new self-signed certificate carries. */
struct hc_cert_params {
	const X509_NAME *name;		/**< subject (= issuer) */
	const struct hc_strlist *names;	/**< SAN list: DNS names or IPs */
	long days;
	const char *digest;		/**< "SHA256" ... */
	EVP_PKEY *pubkey;		/**< the key pair's public half */
	const unsigned char *key_id;	/**< 20 bytes: SKI and AKI */
};

/**
 * A self-signed TLS server certificate: random 128-bit serial, SAN,
 * basicConstraints CA:FALSE, keyUsage, EKU serverAuth+clientAuth, SKI/AKI,
 * signed by signer (the token key). Returns the certificate or NULL.
 */
X509 *hc_x509_self_signed(const struct hc_cert_params *p, EVP_PKEY *signer,
			  hc_err *err);

/**
 * A PKCS#10 request: subject, the SAN list as a requested extension, the
 * public key, signed by signer (the token key) with digest.
 */
X509_REQ *hc_x509_make_csr(const X509_NAME *name,
			   const struct hc_strlist *names, EVP_PKEY *pubkey,
			   const char *digest, EVP_PKEY *signer, hc_err *err);

/** DER of a request into a malloc'd buffer. */
int hc_x509_req_der(X509_REQ *req, unsigned char **der, size_t *len,
		    hc_err *err);

/** PEM of a request, NUL-terminated, malloc'd. */
char *hc_x509_req_to_pem(X509_REQ *req, hc_err *err);

/** The SAN DNS names and IPs of a certificate or request into l. */
int hc_x509_names(X509 *x, X509_REQ *req, struct hc_strlist *l, hc_err *err);

/**
 * Compare the SAN lists of a certificate and the request it answers: the
 * DNS names and IP addresses of req that x lacks go to missing, those of x
 * that req did not ask for to extra (as text, each once). DNS names
 * compare case-insensitively, IP addresses by value. The subject is not
 * compared: a request's CN is among its SANs when it was asked for, and a
 * CA may rewrite the other attributes.
 */
int hc_x509_names_diff(X509 *x, X509_REQ *req, struct hc_strlist *missing,
		       struct hc_strlist *extra, hc_err *err);

/** X509_NAME from a parsed DN (attributes in the DN's order). */
X509_NAME *hc_x509_name_from_dn(const struct hc_dn *dn, hc_err *err);

/** "CN=x, O=y, C=z" (most specific first, as Exchange shows). malloc'd. */
char *hc_x509_name_text(const X509_NAME *name);

/** SHA-1 / SHA-256 fingerprint of the DER certificate, lowercase hex. */
void hc_x509_thumbprint(X509 *x, char out[41]);
void hc_x509_sha256(X509 *x, char out[65]);

/**
 * Does x present itself as self-signed? Issuer = subject; for a CA
 * certificate also matching key identifiers (a CA's self-issued rollover
 * certificate is signed by another key). The signature is not checked.
 */
int hc_x509_claims_self_signed(X509 *x);

/** Does x's signature verify with x's own public key? */
int hc_x509_self_signature_ok(X509 *x);

/** Is x self-signed: it claims to be, and its own key verifies it? */
int hc_x509_is_self_signed(X509 *x);

/**
 * 0 unless x claims to be self-signed and its self-signature does not
 * verify: then -1 with HC_E_VERIFY, the message naming what (the file)
 * and x's thumbprint.
 */
int hc_x509_check_self_signature(X509 *x, const char *what, hc_err *err);

/** Is x a CA certificate (basicConstraints CA:TRUE)? */
int hc_x509_is_ca(X509 *x);

/**
 * Fill the certificate fields of an entry from x: Subject, Issuer,
 * CertificateDomains, dates, IsSelfSigned (as claimed: issuer = subject;
 * hc_describe checks the signature), Thumbprint, Sha256Fingerprint,
 * SerialNumber, KeyAlgorithm, KeySize, signature algorithm.
 */
int hc_x509_fill_entry(X509 *x, hc_entry *e, hc_err *err);

/** The same from a view (x509_brief.h): an X509 or a brief parse. */
struct hc_cert_view;
int hc_x509_view_fill_entry(const struct hc_cert_view *v, hc_entry *e,
			    hc_err *err);

/** Key algorithm name and size of a public key into the entry. */
int hc_x509_fill_key(EVP_PKEY *pk, hc_entry *e, hc_err *err);

/** Parse one DER certificate. NULL with HC_E_USAGE on garbage. */
X509 *hc_x509_from_der(const unsigned char *der, size_t len, hc_err *err);

/** Write x as PEM into a malloc'd NUL-terminated string. */
char *hc_x509_to_pem(X509 *x, hc_err *err);

/** Where trust comes from: the system store and the configured anchors. */
struct hc_chain_ctx {
	X509_STORE *system;		/**< the OpenSSL default paths */
	X509_STORE *private;		/**< [paths] trust-anchors */
	STACK_OF(X509) *untrusted;	/**< CA certificates from the token */
	int check_time;			/**< check the chain's dates at `at` */
	time_t at;
};

/**
 * Load the trust anchors. trust_anchors may be NULL; token_cas (borrowed,
 * may be NULL) are chain material only, never trusted. Release with
 * hc_chain_ctx_release().
 */
int hc_chain_ctx_init(struct hc_chain_ctx *c, const char *trust_anchors,
		      STACK_OF(X509) *token_cas, hc_err *err);
void hc_chain_ctx_release(struct hc_chain_ctx *c);

/** The outcome of building a chain for one certificate. */
struct hc_chain_result {
	/** SelfSigned/ThirdParty/Private/Unknown */
	enum hc_root_type root;
	int trusted;			/**< a path reaches an anchor */
	/** above the leaf, up to the anchor or as far as it could be built;
	    owned */
	STACK_OF(X509) *chain;
	char *missing_issuer;		/**< untrusted: the issuer to install */
	char *untrusted_root;		/**< untrusted: a root that is present
					     but not a trust anchor */
	char *reason;			/**< untrusted: OpenSSL's reason */
	int bad_self_signature;		/**< issuer = subject, but the
					     self-signature does not verify */
};
void hc_chain_result_release(struct hc_chain_result *r);

/**
 * What to do about an untrusted chain, in the user's terms ("install the
 * intermediate CA certificate for CN=..."). malloc'd, or NULL when trusted.
 */
char *hc_chain_advice(const struct hc_chain_result *r);

/**
 * Build the chain of leaf (validity dates are not checked here: the
 * caller reports them). Returns 0 with *r filled, -1 on internal failure.
 */
int hc_chain_build(struct hc_chain_ctx *c, X509 *leaf,
		   struct hc_chain_result *r, hc_err *err);

/** An ASN1_TIME as seconds since the epoch: 0, or -1 (unreadable). */
int hc_x509_time(const ASN1_TIME *t, time_t *out);

#endif
