/* pkcs12.h - PFX in and out (internal) */
#ifndef HC_CORE_PKCS12_H
#define HC_CORE_PKCS12_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hsmcert.h"

/**
 * A PKCS#12 of key + leaf + chain under the password: AES-256-CBC with
 * PBKDF2 and a SHA-256 MAC, or with legacy PBE-SHA1-3DES and a SHA-1 MAC
 * (what Windows Server 2016 and older import). friendly names the leaf.
 * *der receives the DER (caller frees with OPENSSL_clear_free).
 */
int hc_pkcs12_make(EVP_PKEY *key, X509 *leaf, STACK_OF(X509) *chain,
		   const char *friendly, const hc_secret *password, int legacy,
		   unsigned char **der, size_t *len, hc_err *err);

/**
 * Open a PKCS#12 with the password: key, leaf (the certificate matching
 * the key) and the other certificates. A wrong password is HC_E_USAGE.
 */
int hc_pkcs12_open(const unsigned char *der, size_t len, const char *origin,
		   const hc_secret *password, EVP_PKEY **key, X509 **leaf,
		   STACK_OF(X509) **chain, hc_err *err);

#endif
