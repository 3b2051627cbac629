/* acme_net.c - one HTTP exchange with the ACME server (libcurl)
 *
 * HTTPS only, TLS verified (the system store or [acme] ca-file), bodies
 * up to ACME_BODY_MAX. Every answer's Replay-Nonce, Location, Content-Type
 * and Retry-After are kept; error answers are read as RFC 7807 problem
 * documents.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/acme_int.h"
#include "core/error.h"
#include "core/range.h"

#define ACME_BODY_MAX (1024 * 1024)

void
hc_acme_net_release(struct hc_acme_resp *r)
{
	free(r->body);
	free(r->nonce);
	free(r->location);
	free(r->ctype);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct hc_acme_resp *r = arg;
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
	struct hc_acme_resp *r = arg;
	size_t n = size * nmemb;
	char *v;

	v = header_value(p, n, "Replay-Nonce");
	if (v != NULL) {
		free(r->nonce);
		r->nonce = v;
		return n;
	}
	v = header_value(p, n, "Location");
	if (v != NULL) {
		free(r->location);
		r->location = v;
		return n;
	}
	v = header_value(p, n, "Content-Type");
	if (v != NULL) {
		free(r->ctype);
		r->ctype = v;
		return n;
	}
	v = header_value(p, n, "Retry-After");
	if (v != NULL) {
		char *end;
		long s = strtol(v, &end, 10);

		/* seconds; an HTTP-date is taken as "a while" */
		r->retry_after = end != v && *end == '\0' && s >= 0 ? s : 5;
		free(v);
	}
	return n;
}

int
hc_acme_net_http(struct hc_acme *a, const char *method, const char *url,
     const char *body, const char *accept, struct hc_acme_resp *r, hc_err *err)
{
	struct curl_slist *h = NULL, *nh;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	int ret = -1;

	hc_acme_net_release(r);
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
		curl_easy_setopt(a->c, CURLOPT_POSTFIELDSIZE,
				 hc_range_clamp_long(strlen(body)));
		nh = curl_slist_append(h,
				       "Content-Type: application/jose+json");
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

json_t *
hc_acme_net_json(const struct hc_acme_resp *r, const char *url, hc_err *err)
{
	json_error_t je;
	json_t *j;

	if (r->body == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME server %s: empty answer (HTTP %ld)", url,
			   r->status);
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

/* "type: detail" of a problem document into buf */
void
hc_acme_net_problem_text(const json_t *p, char *buf, size_t len)
{
	const char *type = jstr(p, "type"), *detail = jstr(p, "detail");
	const json_t *sub = json_object_get(p, "subproblems");
	size_t n;

	snprintf(buf, len, "%s: %s", type != NULL ? type : "(no type)",
		 detail != NULL ? detail : "(no detail)");
	if (json_is_array(sub) && json_array_size(sub) > 0) {
		const json_t *s0 = json_array_get(sub, 0);
		const char *st = jstr(s0, "type"), *sd = jstr(s0, "detail");
		const char *iv =
			jstr(json_object_get(s0, "identifier"), "value");

		n = strlen(buf);
		snprintf(buf + n, len - n, " (%s: %s: %s)", iv ? iv : "?",
			 st ? st : "?", sd ? sd : "?");
	}
}

int
hc_acme_net_is_problem(const struct hc_acme_resp *r, json_t **out)
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

int
hc_acme_net_problem_err(const struct hc_acme_resp *r, const char *url,
			hc_err *err)
{
	char text[400];
	json_t *p = NULL;

	hc_acme_net_is_problem(r, &p);
	if (p == NULL)
		return hc_err_set(err, HC_E_FAIL, "ACME server %s: HTTP %ld",
				  url, r->status);
	hc_acme_net_problem_text(p, text, sizeof(text));
	json_decref(p);
	return hc_err_set(err, HC_E_FAIL, "%s", text);
}
