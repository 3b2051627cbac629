/* bundle.h - whatever a CA hands back: PEM, DER, PKCS#7, PKCS#12 (internal) */
#ifndef HC_CORE_BUNDLE_H
#define HC_CORE_BUNDLE_H

#include <stddef.h>

#include <openssl/x509.h>

#include "hsmcert.h"
/* hc_file_read, the reader of the files parsed here, is in fileio.h */
#include "core/fileio.h"

/** Largest input hc_bundle_parse accepts: what hc_file_read reads, 16 MiB. */
#define HC_BUNDLE_MAX_SIZE HC_FILE_READ_MAX

/** Most certificates one input may hold (after de-duplication). */
#define HC_BUNDLE_MAX_CERTS 1000

enum hc_bundle_kind { HC_BUNDLE_CERTS = 1, HC_BUNDLE_PKCS12 = 2 };

/**
 * Parse buf (len bytes). On success returns 0, *kind set; for
 * HC_BUNDLE_CERTS *certs is a new stack (caller frees with
 * sk_X509_pop_free(.., X509_free)) holding every certificate in file order,
 * de-duplicated (same DER once). For HC_BUNDLE_PKCS12 *certs is NULL.
 *
 * Accepted: a PEM or DER certificate; a PEM bundle in any order (text
 * between blocks, CRLF, a leading UTF-8 BOM or whitespace tolerated;
 * blocks other than certificates, PKCS#7, requests and keys, such as a
 * CRL, are skipped); "TRUSTED CERTIFICATE" blocks (their trust settings
 * are dropped: nothing is trusted because it arrived in a file); PKCS#7
 * SignedData in PEM ("PKCS7", "PKCS #7 SIGNED DATA", "CMS") or DER; a
 * PKCS#12 in DER, only detected here.
 *
 * Errors (HC_E_USAGE, message naming `origin` — the file name used in
 * messages — and what is wrong):
 *  - empty input: "ORIGIN is empty"
 *  - a PEM file with no certificate blocks:
 *    "ORIGIN holds no certificate (PEM blocks found: PRIVATE KEY)"
 *  - a CERTIFICATE REQUEST block or DER request: "ORIGIN is a certificate
 *    request, not the CA's answer: send it to the CA"
 *  - a private key PEM block among certificates: "ORIGIN holds a private
 *    key: import keys only as PKCS#12 (.pfx)"
 *  - a PEM block that is truncated or whose base64/DER is bad:
 *    "ORIGIN: the PEM block N (CERTIFICATE) is damaged or truncated"
 *  - DER that is none of certificate / PKCS#7 / PKCS#12 / request, or a DER
 *    certificate with trailing garbage or truncated: "ORIGIN is not a
 *    certificate, PKCS#7 or PKCS#12 file (or it is truncated)"
 *  - a PKCS#7 without certificates: "ORIGIN: the PKCS#7 holds no
 *    certificate"
 *  - more than HC_BUNDLE_MAX_SIZE bytes, or more than HC_BUNDLE_MAX_CERTS
 *    distinct certificates.
 * HC_E_FAIL for out of memory, or "internal: ..." for a NULL argument.
 * Safe on arbitrary bytes: no global state, nothing leaked on any path, and
 * the OpenSSL error queue is left empty.
 */
int hc_bundle_parse(const unsigned char *buf, size_t len, const char *origin,
		    enum hc_bundle_kind *kind, STACK_OF(X509) **certs,
		    hc_err *err);

/**
 * Sort a stack: leaf (non-CA) certificates first, then each issuer after its
 * subject where the chain allows (issuer name match + AKI/SKI), roots last.
 * Stable otherwise. Used to present chains leaf-first. NULL-safe; on out of
 * memory the stack is left as it was.
 */
void hc_bundle_order(STACK_OF(X509) *certs);

#endif
