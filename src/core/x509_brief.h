/* x509_brief.h - a self-signed leaf read without d2i_X509 (internal)
 *
 * OpenSSL 3.0's d2i_X509 decodes the public key through a decoder chain
 * it builds anew for every certificate: about 200 µs, four fifths of a
 * certificate's parse, and most of what `list` spends on a token of
 * thousands. A brief parse reads the same DER with OpenSSL's ASN.1
 * templates (the TBS keeps its original encoding, as X509_CINF does),
 * decodes the key with a decoder made once per thread, and checks the
 * self-signature with ASN1_item_verify_ex, as X509_verify does.
 *
 * Only a self-signed certificate that is not a CA takes this path: it
 * needs nothing but itself for every field list and show print. Anything
 * else (a CA, a certificate issued by someone, an unusual encoding) gets
 * NULL, and the caller parses it in full.
 */
#ifndef HC_CORE_X509_BRIEF_H
#define HC_CORE_X509_BRIEF_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hsmcert.h"

struct hc_x509_brief;
struct hc_x509_brief_ctx;

/**
 * What list and show read of a certificate, from d2i_X509 (hc_x509_view)
 * or a brief parse (hc_x509_brief_view). Pointers are borrowed.
 */
struct hc_cert_view {
	const X509_NAME *subject, *issuer;
	const ASN1_TIME *not_before, *not_after;
	const ASN1_INTEGER *serial;
	int sig_nid;
	const STACK_OF(X509_EXTENSION) *exts;
	EVP_PKEY *pk;			/* NULL when it cannot be decoded */
	const unsigned char *key_bits;	/* the subjectPublicKey contents */
	int key_len;
	int claims_self_signed;		/* hc_x509_claims_self_signed */
	const unsigned char *sha1;	/* NULL: hash the X509 */
	const unsigned char *sha256;
	X509 *x;			/* the X509, or NULL */
};

/**
 * A per-thread context (its key decoder), or NULL when out of memory.
 * Without check, parses read no key and check no signature (pk NULL,
 * hc_x509_brief_self_signature_ok -1): for readers of names and dates.
 */
struct hc_x509_brief_ctx *hc_x509_brief_ctx_new(int check);
void hc_x509_brief_ctx_free(struct hc_x509_brief_ctx *c);

/**
 * The brief parse of a self-signed leaf with its self-signature checked,
 * or NULL for anything else (nothing on the error queue).
 */
struct hc_x509_brief *hc_x509_brief_parse(struct hc_x509_brief_ctx *c,
					  const unsigned char *der,
					  size_t len);

/** Did the self-signature verify with the certificate's own key? 1 yes,
 * 0 no, -1 not checked (a context without check). */
int hc_x509_brief_self_signature_ok(const struct hc_x509_brief *b);

/** Free. NULL-safe. */
void hc_x509_brief_free(struct hc_x509_brief *b);

/** The view of a brief parse, and of an X509. */
void hc_x509_brief_view(const struct hc_x509_brief *b,
			struct hc_cert_view *v);
void hc_x509_view(X509 *x, struct hc_cert_view *v);

/** SHA-1 and SHA-256 of the certificate the view shows, lowercase hex. */
void hc_x509_view_thumbprint(const struct hc_cert_view *v, char out[41]);
void hc_x509_view_sha256(const struct hc_cert_view *v, char out[65]);

#endif
