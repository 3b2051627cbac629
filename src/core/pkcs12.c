/* pkcs12.c - PFX in and out with OpenSSL */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "core/error.h"
#include "core/pkcs12.h"
#include "core/range.h"
#include "core/secret.h"

#define PFX_ITER 10000

int
hc_pkcs12_make(EVP_PKEY *key, X509 *leaf, STACK_OF(X509) *chain,
	       const char *friendly, const hc_secret *password, int legacy,
	       unsigned char **der, size_t *len, hc_err *err)
{
	PKCS12 *p12 = NULL;
	unsigned char *buf = NULL, *p;
	int n, ret = -1;
	const char *pass = hc_secret_get0_buf(password);

	if (legacy) {
		p12 = PKCS12_create(pass, friendly, key, leaf, chain,
				    NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
				    NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
				    PFX_ITER, -1, 0);
		if (p12 != NULL &&
		    PKCS12_set_mac(p12, pass, -1, NULL, 0, PFX_ITER,
				   EVP_sha1()) != 1) {
			PKCS12_free(p12);
			p12 = NULL;
		}
	} else {
		p12 = PKCS12_create(pass, friendly, key, leaf, chain,
				    NID_aes_256_cbc, NID_aes_256_cbc,
				    PFX_ITER, PFX_ITER, 0);
	}
	if (p12 == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "cannot build the PKCS#12");
		goto out;
	}
	n = i2d_PKCS12(p12, NULL);
	if (n > 0)
		buf = OPENSSL_malloc((size_t)n);
	if (buf == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "cannot encode the PKCS#12");
		goto out;
	}
	p = buf;
	if (i2d_PKCS12(p12, &p) != n) {
		hc_err_ossl(err, HC_E_FAIL, "cannot encode the PKCS#12");
		goto out;
	}
	*der = buf;
	*len = (size_t)n;
	buf = NULL;
	ret = 0;
out:
	OPENSSL_free(buf);
	PKCS12_free(p12);
	return ret;
}

int
hc_pkcs12_open(const unsigned char *der, size_t len, const char *origin,
	       const hc_secret *password, EVP_PKEY **key, X509 **leaf,
	       STACK_OF(X509) **chain, hc_err *err)
{
	const unsigned char *p = der;
	const char *pass = hc_secret_get0_buf(password);
	OSSL_PROVIDER *legacy = NULL;
	PKCS12 *p12 = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	STACK_OF(X509) *ca = NULL;
	int ret = -1;

	if (len > 0x7fffffff) {
		hc_err_set(err, HC_E_USAGE, "%s is too large", origin);
		return -1;
	}
	p12 = d2i_PKCS12(NULL, &p, hc_range_clamp_long(len));
	if (p12 == NULL) {
		hc_err_ossl(err, HC_E_USAGE, "%s is not a PKCS#12 file",
			    origin);
		goto out;
	}
	if (PKCS12_mac_present(p12) &&
	    PKCS12_verify_mac(p12, pass, -1) != 1) {
		ERR_clear_error();
		hc_err_set(err, HC_E_USAGE,
			   "%s: wrong password (the PKCS#12 integrity check failed)",
			   origin);
		goto out;
	}
	/*
	 * PFX files from older Windows use RC2 and 3DES: with the legacy
	 * provider (when installed) next to the default one, they open too.
	 */
	/* retain the fallback: the default provider stays available */
	legacy = OSSL_PROVIDER_try_load(NULL, "legacy", 1);
	ERR_clear_error();
	if (PKCS12_parse(p12, pass, &k, &x, &ca) != 1) {
		hc_err_ossl(err, HC_E_USAGE,
			    "%s: cannot decrypt the PKCS#12 (wrong password, or an algorithm OpenSSL 3 does not enable by default)",
			    origin);
		goto out;
	}
	if (k == NULL || x == NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "%s holds no private key with its certificate",
			   origin);
		goto out;
	}
	*key = k;
	*leaf = x;
	*chain = ca;
	k = NULL;
	x = NULL;
	ca = NULL;
	ret = 0;
out:
	EVP_PKEY_free(k);
	X509_free(x);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	if (legacy != NULL)
		OSSL_PROVIDER_unload(legacy);
	return ret;
}
