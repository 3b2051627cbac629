/* fuzz_pkcs12.c - libFuzzer harness for hc_pkcs12_open()
 *
 * The input is a PFX (an exact-size copy) opened with the fixed password
 * of make-seeds.sh. A mutated PFX almost never keeps a valid MAC, and
 * OpenSSL 3.0's PKCS12_parse() refuses one without a MAC, so the harness
 * opens it twice: as it is, and -- when OpenSSL can decode it -- re-sealed
 * with a fresh one-iteration SHA-256 MAC under the password, so that the
 * bag, decryption and key paths behind the integrity check are reached.
 * On success the key and its certificate must both be there; on failure
 * no out-param is written. Either way the process's crypto must still work
 * afterwards: hc_pkcs12_open loads and unloads providers, and must not
 * leave the default library context without its default provider. That
 * can only go wrong in a process whose default context nothing has used
 * yet, which after libFuzzer's first input is never the case again, so
 * LLVMFuzzerInitialize checks it once, in the fresh process, on a minimal
 * MAC-less PFX (the one in tests/fuzz/regress/pkcs12/).
 */
#include "fuzz.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "core/pkcs12.h"

#define FUZZ_PASSWORD "fuzz-password-1"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static void
open_pfx(const unsigned char *der, size_t len, const hc_secret *pw)
{
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	EVP_MD *md = NULL;
	hc_err err = { 0 };
	int r;

	r = hc_pkcs12_open(der, len, "fuzz.pfx", pw, &key, &leaf, &chain,
			   &err);
	fuzz_check_err(r, &err);
	if (r == 0)
		FUZZ_REQUIRE(key != NULL && leaf != NULL,
			     "a PKCS#12 opens to a key and its certificate");
	else
		FUZZ_REQUIRE(key == NULL && leaf == NULL && chain == NULL,
			     "no out-param is written on failure");
	EVP_PKEY_free(key);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	FUZZ_REQUIRE(md != NULL,
		     "SHA-256 is still available after hc_pkcs12_open");
	EVP_MD_free(md);
	ERR_clear_error();
}

/* The input with a new MAC (caller frees with OPENSSL_free), or NULL. */
static unsigned char *
reseal(const unsigned char *der, size_t len, int *outlen)
{
	static unsigned char salt[8] = "hsmcert!";
	const unsigned char *p = der;
	unsigned char *out = NULL;
	PKCS12 *p12 = NULL;

	*outlen = 0;
	if (len > 0x7fffffff)
		return NULL;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (p12 == NULL)
		goto out;
	if (PKCS12_set_mac(p12, FUZZ_PASSWORD, -1, salt, (int)sizeof(salt), 1,
			   EVP_sha256()) != 1)
		goto out;
	*outlen = i2d_PKCS12(p12, &out);
	if (*outlen <= 0) {
		OPENSSL_free(out);
		out = NULL;
	}
out:
	PKCS12_free(p12);
	ERR_clear_error();
	return out;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* PFX { version 3, authSafe data { [0] OCTET STRING { SEQUENCE {} } } } */
	static const unsigned char nomac[] = {
		0x30, 0x16, 0x02, 0x01, 0x03, 0x30, 0x11, 0x06, 0x09, 0x2a,
		0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x04,
		0x04, 0x02, 0x30, 0x00,
	};
	hc_secret *pw = NULL;
	hc_err err = { 0 };

	(void)argc;
	(void)argv;
	pw = hc_secret_new(FUZZ_PASSWORD, strlen(FUZZ_PASSWORD), &err);
	if (pw == NULL)
		return 0;
	open_pfx(nomac, sizeof(nomac), pw);
	hc_secret_free(pw);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hc_secret *pw = NULL;
	hc_err err = { 0 };
	unsigned char *buf = fuzz_memdup(data, size), *sealed = NULL;
	int slen;

	if (buf == NULL)
		return 0;
	pw = hc_secret_new(FUZZ_PASSWORD, strlen(FUZZ_PASSWORD), &err);
	if (pw == NULL)
		goto out;
	open_pfx(buf, size, pw);
	sealed = reseal(buf, size, &slen);
	if (sealed != NULL)
		open_pfx(sealed, (size_t)slen, pw);
out:
	OPENSSL_free(sealed);
	hc_secret_free(pw);
	free(buf);
	return 0;
}
