/* acme.c - the ACME protocol (RFC 8555) over libcurl, signing on the token:
 * the directory and the order flow (newOrder, authorizations answered by
 * the caller's solver, polling, finalize, the chain downloaded)
 *
 * The client is split by concern (acme_int.h lists the files): the HTTP
 * exchange in acme_net.c, the signed requests in acme_jws.c, the account
 * in acme_account.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include <openssl/sha.h>

#include "core/acme_int.h"
#include "core/error.h"

/* what a challenge token may hold: base64url (RFC 8555 8.1) */
#define B64URL_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

int
hc_acme_open(const char *url, const char *ca_file, struct hc_acme **out,
	     hc_err *err)
{
	struct hc_acme *a = NULL;
	struct hc_acme_resp r = { .retry_after = -1 };
	json_t *d = NULL, *meta;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return hc_err_set(err, HC_E_FAIL, "libcurl cannot start");
	a = calloc(1, sizeof(*a));
	if (a != NULL)
		a->c = curl_easy_init();
	if (a == NULL || a->c == NULL) {
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
	if (hc_acme_net_http(a, "GET", url, NULL, "application/json", &r,
			     err) != 0)
		goto fail;
	if (r.status != 200) {
		hc_acme_net_problem_err(&r, url, err);
		hc_err_prefix(err, "ACME directory %s: ", url);
		goto fail;
	}
	d = hc_acme_net_json(&r, url, err);
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
	hc_acme_net_release(&r);
	*out = a;
	return 0;
fail:
	json_decref(d);
	hc_acme_net_release(&r);
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
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* how long to wait before the next poll: Retry-After, else backing off */
static long
next_wait(const struct hc_acme_resp *r, long *backoff)
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
		const json_t *e =
			json_object_get(json_array_get(cs, i), "error");

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
	struct hc_acme_resp r = { .retry_after = -1 };
	json_t *az = NULL;
	const json_t *cs, *ch = NULL, *id;
	const char *st, *domain, *token;
	char *ka = NULL, *txt = NULL;
	unsigned char dg[32];
	struct hc_acme_chal c;
	size_t i, n;
	int ret = -1;

	*need = 0;
	if (hc_acme_jws_post_json(a, url, NULL, 0, &r, &az, err) != 0)
		goto out;
	st = jstr(az, "status");
	id = json_object_get(az, "identifier");
	domain = jstr(id, "value");
	if (st == NULL || domain == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME authorization %s lacks status or identifier",
			   url);
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
			hc_acme_net_problem_text(e, text, sizeof(text));
		hc_err_set(err, HC_E_FAIL,
			   "ACME authorization for %s is %s%s%s", domain, st,
			   e != NULL ? ": " : "", e != NULL ? text : "");
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
	    strspn(token, B64URL_CHARS) != strlen(token) ||
	    strlen(token) == 0 || strlen(token) > 256) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME %s challenge for %s has a bad token or no URL",
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
	hc_acme_net_release(&r);
	return ret;
}

/* poll an authorization until it is valid; invalid names the problem */
static int
authz_wait(struct hc_acme *a, const struct pending_chal *pc, long deadline,
	   hc_err *err)
{
	struct hc_acme_resp r = { .retry_after = -1 };
	json_t *az = NULL;
	long backoff = 50;
	const char *st;
	int ret = -1;

	for (;;) {
		json_decref(az);
		az = NULL;
		if (hc_acme_jws_post_json(a, pc->authz, NULL, 0, &r, &az,
					  err) != 0)
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
				hc_acme_net_problem_text(e, text, sizeof(text));
				hc_err_set(err, HC_E_FAIL,
					   "ACME challenge for %s failed: %s",
					   pc->domain, text);
			} else {
				hc_err_set(err, HC_E_FAIL,
					   "ACME authorization for %s is %s",
					   pc->domain,
					   st != NULL ? st : "(no status)");
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
	hc_acme_net_release(&r);
	return ret;
}

static int
order_failed(const json_t *o, hc_err *err)
{
	const json_t *e = json_object_get(o, "error");
	char text[400];

	if (json_is_object(e)) {
		hc_acme_net_problem_text(e, text, sizeof(text));
		return hc_err_set(err, HC_E_FAIL, "ACME order failed: %s",
				  text);
	}
	return hc_err_set(err, HC_E_FAIL, "ACME order is %s",
			  jstr(o, "status") != NULL ? jstr(o, "status") :
						      "(no status)");
}

int
hc_acme_order(struct hc_acme *a, const struct hc_acme_order_req *req,
	      char **pem, size_t *pem_len, char **order_url, hc_err *err)
{
	struct hc_acme_resp r = { .retry_after = -1 };
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
	if (hc_acme_jws_post_json(a, a->new_order, payload, 0, &r, &o,
				  err) != 0)
		goto out;
	if (r.location != NULL)
		ourl = strdup(r.location);
	if (ourl == NULL) {
		hc_err_set(err, HC_E_FAIL, "ACME newOrder gave no order URL");
		goto out;
	}
	finalize = dup_or_null(jstr(o, "finalize"));
	azs = json_object_get(o, "authorizations");
	if (finalize == NULL || !json_is_array(azs)) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME order %s lacks finalize or authorizations",
			   ourl);
		goto out;
	}
	naz = json_array_size(azs);
	pcs = calloc(naz + 1, sizeof(*pcs));
	if (pcs == NULL)
		goto oom;
	for (i = 0; i < naz; i++) {
		const char *u = json_string_value(json_array_get(azs, i));

		if (u == NULL) {
			hc_err_set(err, HC_E_FAIL,
				   "ACME order %s: bad authorization URL",
				   ourl);
			goto out;
		}
		if (authz_prepare(a, u, req->solver, &pcs[npc], &need,
				  err) != 0) {
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

		if (hc_acme_jws_post_json(a, pcs[i].url, "{}", 0, &r, &cj,
					  err) != 0)
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
	if (hc_acme_jws_post_json(a, finalize, payload, 0, &r, &o, err) != 0)
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
			hc_err_set(err, HC_E_FAIL,
				   "ACME order %s still %s after %d s", ourl,
				   st, HC_ACME_MAX_WAIT);
			goto out;
		}
		sleep_ms(next_wait(&r, &backoff));
		json_decref(o);
		o = NULL;
		if (hc_acme_jws_post_json(a, ourl, NULL, 0, &r, &o, err) != 0)
			goto out;
	}
	cert = dup_or_null(jstr(o, "certificate"));
	if (cert == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME order %s is valid but names no certificate",
			   ourl);
		goto out;
	}
	if (hc_acme_jws_post(a, cert, NULL, 0,
			     "application/pem-certificate-chain", &r, err) != 0)
		goto out;
	if (r.status != 200 || r.body == NULL ||
	    strstr(r.body, "-----BEGIN CERTIFICATE-----") == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME certificate %s: not a PEM chain (HTTP %ld)",
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
	hc_acme_net_release(&r);
	return ret;
}
