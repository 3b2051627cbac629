/* acme_jws.c - the account key as JWS wants it, and signed requests
 *
 * JWS with ES256: the account key is an EVP_PKEY whose private operation is
 * C_Sign on the token; OpenSSL hands back a DER ECDSA-Sig-Value, which is
 * turned into the 64 bytes r||s that JWS wants. Every response's
 * Replay-Nonce is kept for the next request; a badNonce problem is retried
 * with the nonce it carries, HC_ACME_NONCE_RETRIES times at most.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "core/acme_int.h"
#include "core/error.h"
#include "core/range.h"

char *
hc_b64url(const unsigned char *buf, size_t len)
{
	size_t cap = 4 * ((len + 2) / 3) + 1, i, n;
	char *s;

	if (len > 0x3fffffff)
		return NULL;
	s = malloc(cap);
	if (s == NULL)
		return NULL;
	n = (size_t)EVP_EncodeBlock((unsigned char *)s, buf,
				    hc_range_clamp_int(len));
	while (n > 0 && s[n - 1] == '=')
		n--;
	s[n] = '\0';
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	}
	return s;
}

int
hc_b64url_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = 0, i, cap = strlen(s) + 4;
	char *t = malloc(cap);
	unsigned char *buf = NULL;
	int dl, tl;

	*out = NULL;
	*len = 0;
	if (t == NULL)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		char ch = s[i];

		if (isspace((unsigned char)ch) || ch == '=')
			continue;
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		if (!isalnum((unsigned char)ch) && ch != '+' && ch != '/')
			goto bad;
		t[n++] = ch;
	}
	if (n % 4 == 1)
		goto bad;
	while (n % 4 != 0)
		t[n++] = '=';
	t[n] = '\0';
	buf = malloc(n / 4 * 3 + 1);
	if (buf == NULL)
		goto bad;
	if (hc_range_int(n, &tl, NULL) != 0)
		goto bad;
	dl = EVP_DecodeBlock(buf, (unsigned char *)t, tl);
	if (dl < 0)
		goto bad;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	for (i = n; i > 0 && t[i - 1] == '='; i--)
		dl--;
	OPENSSL_cleanse(t, cap);
	free(t);
	*out = buf;
	*len = (size_t)dl;
	return 0;
bad:
	OPENSSL_cleanse(t, cap);
	free(t);
	free(buf);
	return -1;
}

int
hc_acme_set_key(struct hc_acme *a, EVP_PKEY *key, const char *kid,
		hc_err *err)
{
	unsigned char *der = NULL, pt[65], dg[32];
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	char *x = NULL, *y = NULL;
	size_t ptlen = 0;
	int len, ret = -1, n;

	len = i2d_PUBKEY(key, &der);
	p = der;
	if (len > 0)
		pub = d2i_PUBKEY(NULL, &p, len);
	if (pub == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "the account key's public half cannot be read");
		goto out;
	}
	if (!EVP_PKEY_is_a(pub, "EC") || EVP_PKEY_get_bits(pub) != 256 ||
	    EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, pt,
					    sizeof(pt), &ptlen) != 1 ||
	    ptlen != 65 || pt[0] != 0x04) {
		hc_err_set(err, HC_E_FAIL,
			   "the account key is not an EC P-256 key");
		goto out;
	}
	x = hc_b64url(pt + 1, 32);
	y = hc_b64url(pt + 33, 32);
	if (x == NULL || y == NULL)
		goto oom;
	free(a->jwk);
	n = snprintf(NULL, 0,
		     "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		     x, y);
	a->jwk = malloc((size_t)n + 1);
	if (a->jwk == NULL)
		goto oom;
	snprintf(a->jwk, (size_t)n + 1,
		 "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		 x, y);
	SHA256((const unsigned char *)a->jwk, strlen(a->jwk), dg);
	free(a->thumb);
	a->thumb = hc_b64url(dg, sizeof(dg));
	free(a->kid);
	a->kid = dup_or_null(kid);
	if (a->thumb == NULL || (kid != NULL && a->kid == NULL))
		goto oom;
	a->key = key;
	ret = 0;
	goto out;
oom:
	hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	free(x);
	free(y);
	EVP_PKEY_free(pub);
	OPENSSL_free(der);
	return ret;
}

/* ES256 over in: a signature made on the token, as r||s */
static int
es256(struct hc_acme *a, const char *in, unsigned char sig[64], hc_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int ret = -1;

	if (md == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, a->key) != 1 ||
	    EVP_DigestSign(md, der, &dlen, (const unsigned char *)in,
			   strlen(in)) != 1) {
		hc_err_set(err, HC_E_FAIL,
			   "the token did not sign with the ACME account key");
		goto out;
	}
	a->sigs++;
	es = d2i_ECDSA_SIG(NULL, &p, hc_range_clamp_long(dlen));
	if (es == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "the token's ECDSA signature does not parse");
		goto out;
	}
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 ||
	    BN_bn2binpad(s, sig + 32, 32) != 32) {
		hc_err_set(err, HC_E_FAIL,
			   "the token's ECDSA signature is not P-256 sized");
		goto out;
	}
	ret = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return ret;
}

/* the flattened JWS {"protected","payload","signature"}, malloc'd */
static char *
jws_build(const char *prot_b64, const char *payload_b64, const char *sig_b64)
{
	json_t *o = json_pack("{s:s,s:s,s:s}", "protected", prot_b64,
			      "payload", payload_b64, "signature", sig_b64);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

static int
get_nonce(struct hc_acme *a, hc_err *err)
{
	struct hc_acme_resp r = { .retry_after = -1 };
	int ret = -1;

	if (a->nonce != NULL)
		return 0;
	if (hc_acme_net_http(a, "HEAD", a->new_nonce, NULL, NULL, &r, err) != 0)
		goto out;
	if (a->nonce == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME server %s gave no Replay-Nonce (HTTP %ld)",
			   a->new_nonce, r.status);
		goto out;
	}
	ret = 0;
out:
	hc_acme_net_release(&r);
	return ret;
}

/*
 * A signed POST of payload (NULL: POST-as-GET, empty payload) to url.
 * With use_jwk the key itself goes in the header (newAccount), else kid.
 * A badNonce answer is retried with the nonce it carries. Any other
 * problem is an error; *r holds the answer.
 */
int
hc_acme_jws_post(struct hc_acme *a, const char *url, const char *payload,
		 int use_jwk, const char *accept, struct hc_acme_resp *r,
		 hc_err *err)
{
	char *prot = NULL, *prot_b64 = NULL, *pay_b64 = NULL, *sig_b64 = NULL;
	char *input = NULL, *body = NULL;
	unsigned char sig[64];
	json_t *ph = NULL, *prob = NULL, *jwk = NULL;
	int tries, ret = -1;
	size_t n;

	if (!use_jwk && a->kid == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: no ACME account URL");
	pay_b64 = payload != NULL ?
		hc_b64url((const unsigned char *)payload, strlen(payload)) :
		strdup("");
	if (pay_b64 == NULL)
		goto oom;
	for (tries = 0; tries <= HC_ACME_NONCE_RETRIES; tries++) {
		if (get_nonce(a, err) != 0)
			goto out;
		json_decref(ph);
		ph = json_pack("{s:s,s:s,s:s}", "alg", "ES256", "nonce",
			       a->nonce, "url", url);
		if (ph == NULL)
			goto oom;
		if (use_jwk) {
			json_error_t je;

			jwk = json_loads(a->jwk, 0, &je);
			if (jwk == NULL ||
			    json_object_set_new(ph, "jwk", jwk) != 0)
				goto oom;
		} else if (json_object_set_new(ph, "kid",
					       json_string(a->kid)) != 0) {
			goto oom;
		}
		/* a nonce is used once */
		free(a->nonce);
		a->nonce = NULL;
		free(prot);
		free(prot_b64);
		free(input);
		free(sig_b64);
		free(body);
		sig_b64 = body = input = prot_b64 = NULL;
		prot = json_dumps(ph, JSON_COMPACT | JSON_SORT_KEYS);
		if (prot == NULL)
			goto oom;
		prot_b64 = hc_b64url((const unsigned char *)prot, strlen(prot));
		if (prot_b64 == NULL)
			goto oom;
		n = strlen(prot_b64) + strlen(pay_b64) + 2;
		input = malloc(n);
		if (input == NULL)
			goto oom;
		snprintf(input, n, "%s.%s", prot_b64, pay_b64);
		if (es256(a, input, sig, err) != 0)
			goto out;
		sig_b64 = hc_b64url(sig, sizeof(sig));
		body = sig_b64 != NULL ? jws_build(prot_b64, pay_b64, sig_b64) :
		       NULL;
		if (body == NULL)
			goto oom;
		if (hc_acme_net_http(a, "POST", url, body, accept, r, err) != 0)
			goto out;
		if (!hc_acme_net_is_problem(r, &prob)) {
			ret = 0;
			goto out;
		}
		if (prob != NULL && jstr(prob, "type") != NULL &&
		    strcmp(jstr(prob, "type"), PROBLEM_NS "badNonce") == 0 &&
		    tries < HC_ACME_NONCE_RETRIES) {
			/* the answer's Replay-Nonce is in a->nonce */
			a->bad_nonces++;
			json_decref(prob);
			prob = NULL;
			continue;
		}
		json_decref(prob);
		prob = NULL;
		hc_acme_net_problem_err(r, url, err);
		goto out;
	}
	goto out;
oom:
	hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	json_decref(prob);
	json_decref(ph);
	free(prot);
	free(prot_b64);
	free(pay_b64);
	free(sig_b64);
	free(input);
	free(body);
	return ret;
}

int
hc_acme_jws_post_json(struct hc_acme *a, const char *url, const char *payload,
	  int use_jwk, struct hc_acme_resp *r, json_t **out, hc_err *err)
{
	*out = NULL;
	if (hc_acme_jws_post(a, url, payload, use_jwk, NULL, r, err) != 0)
		return -1;
	*out = hc_acme_net_json(r, url, err);
	return *out != NULL ? 0 : -1;
}
