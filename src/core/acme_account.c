/* acme_account.c - the ACME account: newAccount, with an external
 * account binding (HS256 over the account JWK) when the CA wants one, and
 * the account read back (POST-as-GET of its URL)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/acme_int.h"
#include "core/error.h"
#include "core/range.h"
#include "core/secret.h"

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
	int hlen;

	if (ph != NULL)
		prot = json_dumps(ph, JSON_COMPACT | JSON_SORT_KEYS);
	if (prot == NULL)
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
	if (hc_range_int(hmac_len, &hlen, err) != 0)
		goto out;
	if (HMAC(EVP_sha256(), hmac, hlen, (unsigned char *)input,
		 strlen(input), mac, &mlen) == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "HMAC-SHA256 for the external account binding failed");
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
	struct hc_acme_resp r = { .retry_after = -1 };
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
	if (hc_acme_jws_post_json(a, a->new_account, payload, 1, &r, &j,
				  err) != 0)
		goto out;
	if (r.location == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "ACME newAccount gave no account URL (Location)");
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
	hc_acme_net_release(&r);
	return ret;
}

int
hc_acme_get_account(struct hc_acme *a, struct hc_acme_account *out,
		    hc_err *err)
{
	struct hc_acme_resp r = { .retry_after = -1 };
	json_t *j = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (hc_acme_jws_post_json(a, a->kid, NULL, 0, &r, &j, err) != 0)
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
	hc_acme_net_release(&r);
	return ret;
}
