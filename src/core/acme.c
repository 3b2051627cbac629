/* acme.c - the ACME protocol (RFC 8555) over libcurl, signing on the token
 *
 * JWS with ES256: the account key is an EVP_PKEY whose private operation is
 * C_Sign on the token; OpenSSL hands back a DER ECDSA-Sig-Value, which is
 * turned into the 64 bytes r||s that JWS wants. Every response's
 * Replay-Nonce is kept for the next request; a badNonce problem is retried
 * with the nonce it carries, HC_ACME_NONCE_RETRIES times at most.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "core/acme.h"
#include "core/error.h"
#include "core/secret.h"

#define ACME_BODY_MAX (1024 * 1024)
#define PROBLEM_NS "urn:ietf:params:acme:error:"

struct hc_acme {
	CURL *c;
	char *ca_file;
	char *dir_url;
	char *new_nonce, *new_account, *new_order;
	char *terms;
	int eab_required;
	char *nonce;
	EVP_PKEY *key;			/* borrowed */
	char *kid;
	char *jwk;			/* canonical JSON (RFC 7638 order) */
	char *thumb;
	unsigned sigs, requests, bad_nonces;
};

struct resp {
	long status;
	char *body;
	size_t len;
	char *nonce;
	char *location;
	long retry_after;		/* -1: none */
	char *ctype;
	int too_big;
};

static void
resp_release(struct resp *r)
{
	free(r->body);
	free(r->nonce);
	free(r->location);
	free(r->ctype);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

/* ------------------------------------------------------------------ */
/* base64url                                                            */

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
	n = (size_t)EVP_EncodeBlock((unsigned char *)s, buf, (int)len);
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
	int dl;

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
	dl = EVP_DecodeBlock(buf, (unsigned char *)t, (int)n);
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

/* ------------------------------------------------------------------ */
/* HTTP                                                                 */

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb;
	char *nb;

	if (r->len + n > ACME_BODY_MAX) {
		r->too_big = 1;
		return 0;
	}
	nb = realloc(r->body, r->len + n + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + r->len, p, n);
	r->len += n;
	nb[r->len] = '\0';
	r->body = nb;
	return n;
}

/* a header's value, trimmed: malloc'd, or NULL when it is not name */
static char *
header_value(const char *h, size_t n, const char *name)
{
	size_t nl = strlen(name), b, e;

	if (n <= nl || strncasecmp(h, name, nl) != 0 || h[nl] != ':')
		return NULL;
	b = nl + 1;
	e = n;
	while (b < e && isspace((unsigned char)h[b]))
		b++;
	while (e > b && isspace((unsigned char)h[e - 1]))
		e--;
	return strndup(h + b, e - b);
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb;
	char *v;

	if ((v = header_value(p, n, "Replay-Nonce")) != NULL) {
		free(r->nonce);
		r->nonce = v;
	} else if ((v = header_value(p, n, "Location")) != NULL) {
		free(r->location);
		r->location = v;
	} else if ((v = header_value(p, n, "Content-Type")) != NULL) {
		free(r->ctype);
		r->ctype = v;
	} else if ((v = header_value(p, n, "Retry-After")) != NULL) {
		char *end;
		long s = strtol(v, &end, 10);

		/* seconds; an HTTP-date is taken as "a while" */
		r->retry_after = end != v && *end == '\0' && s >= 0 ? s : 5;
		free(v);
	}
	return n;
}

static int
http(struct hc_acme *a, const char *method, const char *url,
     const char *body, const char *accept, struct resp *r, hc_err *err)
{
	struct curl_slist *h = NULL, *nh;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	int ret = -1;

	resp_release(r);
	curl_easy_reset(a->c);
	curl_easy_setopt(a->c, CURLOPT_URL, url);
	curl_easy_setopt(a->c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(a->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(a->c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(a->c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(a->c, CURLOPT_USERAGENT, "hsmcert/" HC_VERSION);
	curl_easy_setopt(a->c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(a->c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (a->ca_file != NULL)
		curl_easy_setopt(a->c, CURLOPT_CAINFO, a->ca_file);
	curl_easy_setopt(a->c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(a->c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(a->c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(a->c, CURLOPT_HEADERDATA, r);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(a->c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(a->c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(a->c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		nh = curl_slist_append(h, "Content-Type: application/jose+json");
		if (nh == NULL)
			goto oom;
		h = nh;
	}
	if (accept != NULL) {
		char line[128];

		snprintf(line, sizeof(line), "Accept: %s", accept);
		nh = curl_slist_append(h, line);
		if (nh == NULL)
			goto oom;
		h = nh;
	}
	if (h != NULL)
		curl_easy_setopt(a->c, CURLOPT_HTTPHEADER, h);
	a->requests++;
	cc = curl_easy_perform(a->c);
	if (cc != CURLE_OK) {
		if (r->too_big)
			hc_err_set(err, HC_E_FAIL,
				   "ACME server %s: answer larger than %d bytes",
				   url, ACME_BODY_MAX);
		else
			hc_err_set(err, HC_E_FAIL, "ACME server %s: %s", url,
				   ebuf[0] != '\0' ? ebuf :
				   curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(a->c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->nonce != NULL) {
		free(a->nonce);
		a->nonce = strdup(r->nonce);
	}
	ret = 0;
	goto out;
oom:
	hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	curl_slist_free_all(h);
	return ret;
}

static json_t *
resp_json(const struct resp *r, const char *url, hc_err *err)
{
	json_error_t je;
	json_t *j;

	if (r->body == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME server %s: empty answer (HTTP %ld)",
			   url, r->status);
		return NULL;
	}
	j = json_loadb(r->body, r->len, 0, &je);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		hc_err_set(err, HC_E_FAIL,
			   "ACME server %s: answer is not a JSON object (HTTP %ld)",
			   url, r->status);
	}
	return j;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "type: detail" of a problem document into buf */
static void
problem_text(const json_t *p, char *buf, size_t len)
{
	const char *type = jstr(p, "type"), *detail = jstr(p, "detail");
	const json_t *sub = json_object_get(p, "subproblems");
	size_t n;

	snprintf(buf, len, "%s: %s", type != NULL ? type : "(no type)",
		 detail != NULL ? detail : "(no detail)");
	if (json_is_array(sub) && json_array_size(sub) > 0) {
		const json_t *s0 = json_array_get(sub, 0);
		const char *st = jstr(s0, "type"), *sd = jstr(s0, "detail");
		const char *iv = jstr(json_object_get(s0, "identifier"), "value");

		n = strlen(buf);
		snprintf(buf + n, len - n, " (%s: %s: %s)", iv ? iv : "?",
			 st ? st : "?", sd ? sd : "?");
	}
}

static int
is_problem(const struct resp *r, json_t **out)
{
	json_error_t je;
	json_t *j;

	*out = NULL;
	if (r->status < 400)
		return 0;
	if (r->body != NULL) {
		j = json_loadb(r->body, r->len, 0, &je);
		if (json_is_object(j))
			*out = j;
		else
			json_decref(j);
	}
	return 1;
}

static int
problem_err(const struct resp *r, const char *url, hc_err *err)
{
	char text[400];
	json_t *p = NULL;

	is_problem(r, &p);
	if (p == NULL)
		return hc_err_set(err, HC_E_FAIL, "ACME server %s: HTTP %ld",
				  url, r->status);
	problem_text(p, text, sizeof(text));
	json_decref(p);
	return hc_err_set(err, HC_E_FAIL, "%s", text);
}

/* ------------------------------------------------------------------ */
/* Directory                                                            */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
hc_acme_open(const char *url, const char *ca_file, struct hc_acme **out,
	     hc_err *err)
{
	struct hc_acme *a = NULL;
	struct resp r = { .retry_after = -1 };
	json_t *d = NULL, *meta;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return hc_err_set(err, HC_E_FAIL, "libcurl cannot start");
	a = calloc(1, sizeof(*a));
	if (a == NULL || (a->c = curl_easy_init()) == NULL) {
		free(a);
		curl_global_cleanup();
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	a->dir_url = strdup(url);
	a->ca_file = dup_or_null(ca_file);
	if (a->dir_url == NULL || (ca_file != NULL && a->ca_file == NULL)) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto fail;
	}
	if (http(a, "GET", url, NULL, "application/json", &r, err) != 0)
		goto fail;
	if (r.status != 200) {
		problem_err(&r, url, err);
		hc_err_prefix(err, "ACME directory %s: ", url);
		goto fail;
	}
	d = resp_json(&r, url, err);
	if (d == NULL)
		goto fail;
	a->new_nonce = dup_or_null(jstr(d, "newNonce"));
	a->new_account = dup_or_null(jstr(d, "newAccount"));
	a->new_order = dup_or_null(jstr(d, "newOrder"));
	if (a->new_nonce == NULL || a->new_account == NULL ||
	    a->new_order == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "%s is not an ACME directory (newNonce, newAccount or newOrder missing)",
			   url);
		goto fail;
	}
	meta = json_object_get(d, "meta");
	a->terms = dup_or_null(jstr(meta, "termsOfService"));
	a->eab_required = json_is_true(json_object_get(meta,
					"externalAccountRequired"));
	json_decref(d);
	resp_release(&r);
	*out = a;
	return 0;
fail:
	json_decref(d);
	resp_release(&r);
	hc_acme_free(a);
	return -1;
}

void
hc_acme_free(struct hc_acme *a)
{
	if (a == NULL)
		return;
	if (a->c != NULL)
		curl_easy_cleanup(a->c);
	free(a->ca_file);
	free(a->dir_url);
	free(a->new_nonce);
	free(a->new_account);
	free(a->new_order);
	free(a->terms);
	free(a->nonce);
	free(a->kid);
	free(a->jwk);
	free(a->thumb);
	free(a);
	curl_global_cleanup();
}

const char *
hc_acme_terms(const struct hc_acme *a)
{
	return a->terms;
}

int
hc_acme_eab_required(const struct hc_acme *a)
{
	return a->eab_required;
}

const char *
hc_acme_thumbprint(const struct hc_acme *a)
{
	return a->thumb;
}

void
hc_acme_counts(const struct hc_acme *a, unsigned *sigs, unsigned *requests,
	       unsigned *bad_nonces)
{
	*sigs = a->sigs;
	*requests = a->requests;
	*bad_nonces = a->bad_nonces;
}

/* ------------------------------------------------------------------ */
/* Keys and JWS                                                         */

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
	if (len <= 0 || (pub = d2i_PUBKEY(NULL, &p, len)) == NULL) {
		hc_err_set(err, HC_E_FAIL, "the account key's public half cannot be read");
		goto out;
	}
	if (!EVP_PKEY_is_a(pub, "EC") || EVP_PKEY_get_bits(pub) != 256 ||
	    EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, pt,
					    sizeof(pt), &ptlen) != 1 ||
	    ptlen != 65 || pt[0] != 0x04) {
		hc_err_set(err, HC_E_FAIL, "the account key is not an EC P-256 key");
		goto out;
	}
	x = hc_b64url(pt + 1, 32);
	y = hc_b64url(pt + 33, 32);
	if (x == NULL || y == NULL)
		goto oom;
	free(a->jwk);
	n = snprintf(NULL, 0, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	a->jwk = malloc((size_t)n + 1);
	if (a->jwk == NULL)
		goto oom;
	snprintf(a->jwk, (size_t)n + 1,
		 "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
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
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	if (es == NULL) {
		hc_err_set(err, HC_E_FAIL, "the token's ECDSA signature does not parse");
		goto out;
	}
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32) {
		hc_err_set(err, HC_E_FAIL, "the token's ECDSA signature is not P-256 sized");
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
	struct resp r = { .retry_after = -1 };
	int ret = -1;

	if (a->nonce != NULL)
		return 0;
	if (http(a, "HEAD", a->new_nonce, NULL, NULL, &r, err) != 0)
		goto out;
	if (a->nonce == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME server %s gave no Replay-Nonce (HTTP %ld)",
			   a->new_nonce, r.status);
		goto out;
	}
	ret = 0;
out:
	resp_release(&r);
	return ret;
}

/*
 * A signed POST of payload (NULL: POST-as-GET, empty payload) to url.
 * With use_jwk the key itself goes in the header (newAccount), else kid.
 * A badNonce answer is retried with the nonce it carries. Any other
 * problem is an error; *r holds the answer.
 */
static int
post(struct hc_acme *a, const char *url, const char *payload, int use_jwk,
     const char *accept, struct resp *r, hc_err *err)
{
	char *prot = NULL, *prot_b64 = NULL, *pay_b64 = NULL, *sig_b64 = NULL;
	char *input = NULL, *body = NULL;
	unsigned char sig[64];
	json_t *ph = NULL, *prob = NULL, *jwk = NULL;
	int tries, ret = -1;
	size_t n;

	if (!use_jwk && a->kid == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: no ACME account URL");
	pay_b64 = payload != NULL ?
		hc_b64url((const unsigned char *)payload, strlen(payload)) :
		strdup("");
	if (pay_b64 == NULL)
		goto oom;
	for (tries = 0; tries <= HC_ACME_NONCE_RETRIES; tries++) {
		if (get_nonce(a, err) != 0)
			goto out;
		json_decref(ph);
		ph = json_pack("{s:s,s:s,s:s}", "alg", "ES256", "nonce", a->nonce,
			       "url", url);
		if (ph == NULL)
			goto oom;
		if (use_jwk) {
			json_error_t je;

			jwk = json_loads(a->jwk, 0, &je);
			if (jwk == NULL || json_object_set_new(ph, "jwk", jwk) != 0)
				goto oom;
		} else if (json_object_set_new(ph, "kid", json_string(a->kid)) != 0) {
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
		if (http(a, "POST", url, body, accept, r, err) != 0)
			goto out;
		if (!is_problem(r, &prob)) {
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
		problem_err(r, url, err);
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

static int
post_json(struct hc_acme *a, const char *url, const char *payload,
	  int use_jwk, struct resp *r, json_t **out, hc_err *err)
{
	*out = NULL;
	if (post(a, url, payload, use_jwk, NULL, r, err) != 0)
		return -1;
	*out = resp_json(r, url, err);
	return *out != NULL ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Account                                                              */

void
hc_acme_account_release(struct hc_acme_account *acc)
{
	if (acc == NULL)
		return;
	free(acc->url);
	free(acc->status);
	hc_strlist_release(&acc->contact);
	memset(acc, 0, sizeof(*acc));
}

static int
account_fill(const json_t *j, struct hc_acme_account *out, hc_err *err)
{
	const json_t *c = json_object_get(j, "contact");
	size_t i;

	free(out->status);
	out->status = dup_or_null(jstr(j, "status"));
	hc_strlist_release(&out->contact);
	for (i = 0; json_is_array(c) && i < json_array_size(c); i++) {
		const char *v = json_string_value(json_array_get(c, i));

		if (v != NULL && hc_strlist_push(&out->contact, v, err) != 0)
			return -1;
	}
	return 0;
}

/* the EAB inner JWS: HS256 over the account JWK, kid = eab_kid */
static json_t *
eab_jws(struct hc_acme *a, const char *eab_kid, const unsigned char *hmac,
	size_t hmac_len, hc_err *err)
{
	json_t *ph = json_pack("{s:s,s:s,s:s}", "alg", "HS256", "kid", eab_kid,
			       "url", a->new_account), *o = NULL;
	char *prot = NULL, *pb = NULL, *yb = NULL, *input = NULL, *sb = NULL;
	unsigned char mac[32];
	unsigned int mlen = sizeof(mac);
	size_t n;

	if (ph == NULL || (prot = json_dumps(ph, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto oom;
	pb = hc_b64url((const unsigned char *)prot, strlen(prot));
	yb = hc_b64url((const unsigned char *)a->jwk, strlen(a->jwk));
	if (pb == NULL || yb == NULL)
		goto oom;
	n = strlen(pb) + strlen(yb) + 2;
	input = malloc(n);
	if (input == NULL)
		goto oom;
	snprintf(input, n, "%s.%s", pb, yb);
	if (HMAC(EVP_sha256(), hmac, (int)hmac_len, (unsigned char *)input,
		 strlen(input), mac, &mlen) == NULL) {
		hc_err_set(err, HC_E_FAIL, "HMAC-SHA256 for the external account binding failed");
		goto out;
	}
	sb = hc_b64url(mac, mlen);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (sb == NULL)
		goto oom;
	o = json_pack("{s:s,s:s,s:s}", "protected", pb, "payload", yb,
		      "signature", sb);
	if (o == NULL)
		goto oom;
	goto out;
oom:
	hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	json_decref(ph);
	free(prot);
	free(pb);
	free(yb);
	free(input);
	free(sb);
	return o;
}

int
hc_acme_new_account(struct hc_acme *a, const struct hc_strlist *contact,
		    int agree, const char *eab_kid,
		    const hc_secret *eab_hmac,
		    int only_existing, struct hc_acme_account *out,
		    hc_err *err)
{
	struct resp r = { .retry_after = -1 };
	json_t *p = json_object(), *c = json_array(), *j = NULL, *eab;
	char *payload = NULL;
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (p == NULL || c == NULL)
		goto oom;
	for (i = 0; contact != NULL && i < contact->n; i++)
		if (json_array_append_new(c, json_string(contact->v[i])) != 0)
			goto oom;
	if (json_array_size(c) > 0 && json_object_set(p, "contact", c) != 0)
		goto oom;
	if (agree && json_object_set_new(p, "termsOfServiceAgreed",
					 json_true()) != 0)
		goto oom;
	if (only_existing && json_object_set_new(p, "onlyReturnExisting",
						 json_true()) != 0)
		goto oom;
	if (eab_kid != NULL && !only_existing) {
		unsigned char *hmac = NULL;
		size_t hlen = 0;

		if (eab_hmac == NULL ||
		    hc_b64url_decode(hc_secret_get0_buf(eab_hmac), &hmac,
				     &hlen) != 0 || hlen == 0) {
			OPENSSL_clear_free(hmac, hlen);
			hc_err_set(err, HC_E_USAGE,
				   "eab-hmac-source does not hold a base64url HMAC key");
			goto out;
		}
		eab = eab_jws(a, eab_kid, hmac, hlen, err);
		OPENSSL_clear_free(hmac, hlen);
		if (eab == NULL)
			goto out;
		if (json_object_set_new(p, "externalAccountBinding", eab) != 0)
			goto oom;
	}
	payload = json_dumps(p, JSON_COMPACT);
	if (payload == NULL)
		goto oom;
	if (post_json(a, a->new_account, payload, 1, &r, &j, err) != 0)
		goto out;
	if (r.location == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME newAccount gave no account URL (Location)");
		goto out;
	}
	out->url = strdup(r.location);
	out->existed = r.status == 200;
	if (out->url == NULL)
		goto oom;
	if (account_fill(j, out, err) != 0)
		goto out;
	free(a->kid);
	a->kid = strdup(out->url);
	if (a->kid == NULL)
		goto oom;
	ret = 0;
	goto out;
oom:
	hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	if (ret != 0)
		hc_acme_account_release(out);
	json_decref(p);
	json_decref(c);
	json_decref(j);
	free(payload);
	resp_release(&r);
	return ret;
}

int
hc_acme_get_account(struct hc_acme *a, struct hc_acme_account *out,
		    hc_err *err)
{
	struct resp r = { .retry_after = -1 };
	json_t *j = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (post_json(a, a->kid, NULL, 0, &r, &j, err) != 0)
		goto out;
	out->url = strdup(a->kid);
	if (out->url == NULL || account_fill(j, out, err) != 0)
		goto out;
	out->existed = 1;
	ret = 0;
out:
	if (ret != 0)
		hc_acme_account_release(out);
	json_decref(j);
	resp_release(&r);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Orders                                                               */

struct pending_chal {
	char *authz;
	char *url;
	char *domain;
};

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* how long to wait before the next poll: Retry-After, else backing off */
static long
next_wait(const struct resp *r, long *backoff)
{
	long ms;

	if (r->retry_after >= 0) {
		ms = r->retry_after * 1000;
		if (ms > 10000)
			ms = 10000;
		return ms;
	}
	ms = *backoff;
	*backoff = *backoff * 2 > 2000 ? 2000 : *backoff * 2;
	return ms;
}

static json_t *
identifiers(const struct hc_strlist *names, hc_err *err)
{
	json_t *ids = json_array();
	unsigned char buf[16];
	size_t i;

	if (ids == NULL)
		goto oom;
	for (i = 0; i < names->n; i++) {
		const char *v = names->v[i];
		int ip = inet_pton(AF_INET, v, buf) == 1 ||
			 inet_pton(AF_INET6, v, buf) == 1;

		if (json_array_append_new(ids, json_pack("{s:s,s:s}", "type",
					  ip ? "ip" : "dns", "value", v)) != 0)
			goto oom;
	}
	return ids;
oom:
	json_decref(ids);
	hc_err_set(err, HC_E_FAIL, "out of memory");
	return NULL;
}

/* the failed challenge's error of an invalid authorization, else NULL */
static const json_t *
authz_error(const json_t *az)
{
	const json_t *cs = json_object_get(az, "challenges");
	size_t i;

	for (i = 0; json_is_array(cs) && i < json_array_size(cs); i++) {
		const json_t *e = json_object_get(json_array_get(cs, i), "error");

		if (json_is_object(e))
			return e;
	}
	return NULL;
}

static int
authz_prepare(struct hc_acme *a, const char *url,
	      const struct hc_acme_solver *sv, struct pending_chal *pc,
	      int *need, hc_err *err)
{
	struct resp r = { .retry_after = -1 };
	json_t *az = NULL;
	const json_t *cs, *ch = NULL, *id;
	const char *st, *domain, *token;
	char *ka = NULL, *txt = NULL;
	unsigned char dg[32];
	struct hc_acme_chal c;
	size_t i, n;
	int ret = -1;

	*need = 0;
	if (post_json(a, url, NULL, 0, &r, &az, err) != 0)
		goto out;
	st = jstr(az, "status");
	id = json_object_get(az, "identifier");
	domain = jstr(id, "value");
	if (st == NULL || domain == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME authorization %s lacks status or identifier", url);
		goto out;
	}
	if (strcmp(st, "valid") == 0) {
		ret = 0;
		goto out;
	}
	if (strcmp(st, "pending") != 0) {
		const json_t *e = authz_error(az);
		char text[400];

		if (e != NULL)
			problem_text(e, text, sizeof(text));
		hc_err_set(err, HC_E_FAIL, "ACME authorization for %s is %s%s%s",
			   domain, st, e != NULL ? ": " : "", e != NULL ? text : "");
		goto out;
	}
	cs = json_object_get(az, "challenges");
	for (i = 0; json_is_array(cs) && i < json_array_size(cs); i++) {
		const char *t = jstr(json_array_get(cs, i), "type");

		if (t != NULL && strcmp(t, sv->type) == 0)
			ch = json_array_get(cs, i);
	}
	if (ch == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "the ACME server offers no %s challenge for %s",
			   sv->type, domain);
		goto out;
	}
	token = jstr(ch, "token");
	if (token == NULL || jstr(ch, "url") == NULL ||
	    strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(token) || strlen(token) == 0 || strlen(token) > 256) {
		hc_err_set(err, HC_E_FAIL, "ACME %s challenge for %s has a bad token or no URL",
			   sv->type, domain);
		goto out;
	}
	n = strlen(token) + strlen(a->thumb) + 2;
	ka = malloc(n);
	if (ka == NULL)
		goto oom;
	snprintf(ka, n, "%s.%s", token, a->thumb);
	SHA256((const unsigned char *)ka, strlen(ka), dg);
	txt = hc_b64url(dg, sizeof(dg));
	if (txt == NULL)
		goto oom;
	c.type = sv->type;
	c.domain = domain;
	c.token = token;
	c.key_auth = ka;
	c.value = strcmp(sv->type, "dns-01") == 0 ? txt : ka;
	pc->authz = strdup(url);
	pc->url = strdup(jstr(ch, "url"));
	pc->domain = strdup(domain);
	if (pc->authz == NULL || pc->url == NULL || pc->domain == NULL)
		goto oom;
	if (sv->present(sv->arg, &c, err) != 0)
		goto out;
	*need = 1;
	ret = 0;
	goto out;
oom:
	hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	free(ka);
	free(txt);
	json_decref(az);
	resp_release(&r);
	return ret;
}

/* poll an authorization until it is valid; invalid names the problem */
static int
authz_wait(struct hc_acme *a, const struct pending_chal *pc, long deadline,
	   hc_err *err)
{
	struct resp r = { .retry_after = -1 };
	json_t *az = NULL;
	long backoff = 50;
	const char *st;
	int ret = -1;

	for (;;) {
		json_decref(az);
		az = NULL;
		if (post_json(a, pc->authz, NULL, 0, &r, &az, err) != 0)
			goto out;
		st = jstr(az, "status");
		if (st != NULL && strcmp(st, "valid") == 0) {
			ret = 0;
			goto out;
		}
		if (st == NULL || (strcmp(st, "pending") != 0 &&
				   strcmp(st, "processing") != 0)) {
			const json_t *e = authz_error(az);
			char text[400];

			if (e != NULL) {
				problem_text(e, text, sizeof(text));
				hc_err_set(err, HC_E_FAIL,
					   "ACME challenge for %s failed: %s",
					   pc->domain, text);
			} else {
				hc_err_set(err, HC_E_FAIL,
					   "ACME authorization for %s is %s",
					   pc->domain, st != NULL ? st : "(no status)");
			}
			goto out;
		}
		if (now_ms() > deadline) {
			hc_err_set(err, HC_E_FAIL,
				   "ACME authorization for %s still %s after %d s",
				   pc->domain, st, HC_ACME_MAX_WAIT);
			goto out;
		}
		sleep_ms(next_wait(&r, &backoff));
	}
out:
	json_decref(az);
	resp_release(&r);
	return ret;
}

static int
order_failed(const json_t *o, hc_err *err)
{
	const json_t *e = json_object_get(o, "error");
	char text[400];

	if (json_is_object(e)) {
		problem_text(e, text, sizeof(text));
		return hc_err_set(err, HC_E_FAIL, "ACME order failed: %s", text);
	}
	return hc_err_set(err, HC_E_FAIL, "ACME order is %s",
			  jstr(o, "status") != NULL ? jstr(o, "status") : "(no status)");
}

int
hc_acme_order(struct hc_acme *a, const struct hc_acme_order_req *req,
	      char **pem, size_t *pem_len, char **order_url, hc_err *err)
{
	struct resp r = { .retry_after = -1 };
	struct pending_chal *pcs = NULL;
	json_t *p = NULL, *o = NULL, *ids;
	const json_t *azs;
	char *payload = NULL, *csr_b64 = NULL, *finalize = NULL, *cert = NULL;
	char *ourl = NULL;
	size_t naz = 0, npc = 0, i;
	long deadline = now_ms() + HC_ACME_MAX_WAIT * 1000L, backoff = 50;
	const char *st;
	int need, ret = -1;

	*pem = NULL;
	*pem_len = 0;
	if (order_url != NULL)
		*order_url = NULL;
	ids = identifiers(req->names, err);
	if (ids == NULL)
		goto out;
	p = json_pack("{s:o}", "identifiers", ids);
	if (p == NULL)
		goto oom;
	if (req->not_after > 0) {
		char ts[32];
		struct tm tm;

		gmtime_r(&req->not_after, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (json_object_set_new(p, "notAfter", json_string(ts)) != 0)
			goto oom;
	}
	payload = json_dumps(p, JSON_COMPACT);
	if (payload == NULL)
		goto oom;
	if (post_json(a, a->new_order, payload, 0, &r, &o, err) != 0)
		goto out;
	if (r.location == NULL || (ourl = strdup(r.location)) == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME newOrder gave no order URL");
		goto out;
	}
	finalize = dup_or_null(jstr(o, "finalize"));
	azs = json_object_get(o, "authorizations");
	if (finalize == NULL || !json_is_array(azs)) {
		hc_err_set(err, HC_E_FAIL, "ACME order %s lacks finalize or authorizations", ourl);
		goto out;
	}
	naz = json_array_size(azs);
	pcs = calloc(naz + 1, sizeof(*pcs));
	if (pcs == NULL)
		goto oom;
	for (i = 0; i < naz; i++) {
		const char *u = json_string_value(json_array_get(azs, i));

		if (u == NULL) {
			hc_err_set(err, HC_E_FAIL, "ACME order %s: bad authorization URL", ourl);
			goto out;
		}
		if (authz_prepare(a, u, req->solver, &pcs[npc], &need, err) != 0) {
			npc++;		/* its strings are freed below */
			goto out;
		}
		if (need)
			npc++;
	}
	if (npc > 0 && req->solver->ready != NULL &&
	    req->solver->ready(req->solver->arg, err) != 0)
		goto out;
	for (i = 0; i < npc; i++) {
		json_t *cj = NULL;

		if (post_json(a, pcs[i].url, "{}", 0, &r, &cj, err) != 0)
			goto out;
		json_decref(cj);
	}
	for (i = 0; i < npc; i++)
		if (authz_wait(a, &pcs[i], deadline, err) != 0)
			goto out;

	/* finalize, once the order is ready */
	csr_b64 = hc_b64url(req->csr, req->csr_len);
	if (csr_b64 == NULL)
		goto oom;
	free(payload);
	json_decref(p);
	p = json_pack("{s:s}", "csr", csr_b64);
	payload = p != NULL ? json_dumps(p, JSON_COMPACT) : NULL;
	if (payload == NULL)
		goto oom;
	json_decref(o);
	o = NULL;
	if (post_json(a, finalize, payload, 0, &r, &o, err) != 0)
		goto out;
	for (;;) {
		st = jstr(o, "status");
		if (st != NULL && strcmp(st, "valid") == 0)
			break;
		if (st == NULL || (strcmp(st, "processing") != 0 &&
				   strcmp(st, "ready") != 0 &&
				   strcmp(st, "pending") != 0)) {
			order_failed(o, err);
			goto out;
		}
		if (now_ms() > deadline) {
			hc_err_set(err, HC_E_FAIL, "ACME order %s still %s after %d s",
				   ourl, st, HC_ACME_MAX_WAIT);
			goto out;
		}
		sleep_ms(next_wait(&r, &backoff));
		json_decref(o);
		o = NULL;
		if (post_json(a, ourl, NULL, 0, &r, &o, err) != 0)
			goto out;
	}
	cert = dup_or_null(jstr(o, "certificate"));
	if (cert == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME order %s is valid but names no certificate", ourl);
		goto out;
	}
	if (post(a, cert, NULL, 0, "application/pem-certificate-chain", &r,
		 err) != 0)
		goto out;
	if (r.status != 200 || r.body == NULL ||
	    strstr(r.body, "-----BEGIN CERTIFICATE-----") == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME certificate %s: not a PEM chain (HTTP %ld)",
			   cert, r.status);
		goto out;
	}
	*pem = r.body;
	*pem_len = r.len;
	r.body = NULL;
	ret = 0;
	goto out;
oom:
	hc_err_set(err, HC_E_FAIL, "out of memory");
out:
	if (order_url != NULL) {
		*order_url = ourl;
		ourl = NULL;
	}
	for (i = 0; pcs != NULL && i <= naz; i++) {
		free(pcs[i].authz);
		free(pcs[i].url);
		free(pcs[i].domain);
	}
	free(pcs);
	free(ourl);
	free(cert);
	free(finalize);
	free(csr_b64);
	free(payload);
	json_decref(p);
	json_decref(o);
	resp_release(&r);
	return ret;
}
