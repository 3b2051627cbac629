/* x509_chain.c - chain building against the trust anchors, its status */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/x509.h"

int
hc_chain_ctx_init(struct hc_chain_ctx *c, const char *trust_anchors,
		  STACK_OF(X509) *token_cas, hc_err *err)
{
	memset(c, 0, sizeof(*c));
	/*
	 * The system store is loaded when a chain first needs it
	 * (system_store): parsing the whole CA bundle costs about 40 ms,
	 * and self-signed certificates and requests never need it.
	 */
	if (trust_anchors != NULL && *trust_anchors != '\0') {
		c->private = X509_STORE_new();
		if (c->private == NULL ||
		    X509_STORE_load_file(c->private, trust_anchors) != 1) {
			hc_err_ossl(err, HC_E_USAGE,
				    "cannot load trust-anchors %s",
				    trust_anchors);
			goto fail;
		}
	}
	c->untrusted = token_cas;
	ERR_clear_error();
	return 0;
fail:
	hc_chain_ctx_release(c);
	return -1;
}

void
hc_chain_ctx_release(struct hc_chain_ctx *c)
{
	if (c == NULL)
		return;
	X509_STORE_free(c->system);
	X509_STORE_free(c->private);
	c->system = c->private = NULL;
	c->untrusted = NULL;
}

void
hc_chain_result_release(struct hc_chain_result *r)
{
	if (r == NULL)
		return;
	sk_X509_pop_free(r->chain, X509_free);
	free(r->missing_issuer);
	free(r->untrusted_root);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

/*
 * Verify against one store. Returns 1 when trusted (chain in *out), 0 when
 * not (the longest chain built in *out, the error in *verr), -1 on failure.
 */
static int
chain_try(struct hc_chain_ctx *c, X509_STORE *store, X509 *leaf,
	  STACK_OF(X509) **out, int *verr)
{
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	STACK_OF(X509) *ch;
	int ok, ret = -1;

	if (sc == NULL || !X509_STORE_CTX_init(sc, store, leaf, c->untrusted))
		goto out;
	if (c->check_time)
		X509_STORE_CTX_set_time(sc, 0, c->at);
	else
		X509_STORE_CTX_set_flags(sc, X509_V_FLAG_NO_CHECK_TIME);
	ok = X509_verify_cert(sc);
	*verr = X509_STORE_CTX_get_error(sc);
	ch = X509_STORE_CTX_get1_chain(sc);
	if (ch != NULL && sk_X509_num(ch) > 0)
		X509_free(sk_X509_shift(ch));	/* drop the leaf */
	*out = ch;
	ret = ok == 1 ? 1 : 0;
out:
	X509_STORE_CTX_free(sc);
	ERR_clear_error();
	return ret;
}

/* The OpenSSL default paths, loaded on first use. */
static X509_STORE *
system_store(struct hc_chain_ctx *c, hc_err *err)
{
	if (c->system != NULL)
		return c->system;
	c->system = X509_STORE_new();
	if (c->system == NULL || X509_STORE_set_default_paths(c->system) != 1) {
		X509_STORE_free(c->system);
		c->system = NULL;
		hc_err_ossl(err, HC_E_FAIL,
			    "cannot load the system trust store");
		return NULL;
	}
	ERR_clear_error();
	return c->system;
}

/* The last certificate of a partial chain names who must be installed. */
static char *
missing_issuer_of(X509 *leaf, STACK_OF(X509) *chain)
{
	X509 *top = leaf;

	if (chain != NULL && sk_X509_num(chain) > 0)
		top = sk_X509_value(chain, sk_X509_num(chain) - 1);
	return hc_x509_name_text(X509_get_issuer_name(top));
}

int
hc_chain_build(struct hc_chain_ctx *c, X509 *leaf, struct hc_chain_result *r,
	       hc_err *err)
{
	STACK_OF(X509) *ch = NULL;
	int verr = 0, rc;

	memset(r, 0, sizeof(*r));
	if (hc_x509_claims_self_signed(leaf)) {
		r->chain = sk_X509_new_null();
		if (r->chain == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
		if (hc_x509_self_signature_ok(leaf)) {
			r->root = HC_ROOT_SELFSIGNED;
			r->trusted = 1;
			return 0;
		}
		/* a forged self-signed certificate is trusted by nothing */
		r->root = HC_ROOT_UNKNOWN;
		r->bad_self_signature = 1;
		r->reason = strdup(
			"issuer = subject, but the self-signature does not verify with the certificate's own public key");
		return 0;
	}
	if (c->private != NULL) {
		rc = chain_try(c, c->private, leaf, &ch, &verr);
		if (rc < 0)
			return hc_err_ossl(err, HC_E_FAIL,
					   "chain building failed");
		if (rc == 1) {
			r->root = HC_ROOT_PRIVATE;
			r->trusted = 1;
			r->chain = ch;
			return 0;
		}
		sk_X509_pop_free(ch, X509_free);
		ch = NULL;
	}
	if (system_store(c, err) == NULL)
		return -1;
	rc = chain_try(c, c->system, leaf, &ch, &verr);
	if (rc < 0)
		return hc_err_ossl(err, HC_E_FAIL, "chain building failed");
	r->chain = ch;
	if (rc == 1) {
		r->root = HC_ROOT_THIRDPARTY;
		r->trusted = 1;
		return 0;
	}
	r->root = HC_ROOT_UNKNOWN;
	r->trusted = 0;
	r->reason = strdup(X509_verify_cert_error_string(verr));
	if (verr == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    verr == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
		r->missing_issuer = missing_issuer_of(leaf, ch);
	else if (verr == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN && ch != NULL &&
		 sk_X509_num(ch) > 0)
		r->untrusted_root = hc_x509_name_text(X509_get_subject_name(
				sk_X509_value(ch, sk_X509_num(ch) - 1)));
	if (r->chain == NULL)
		r->chain = sk_X509_new_null();
	return 0;
}

char *
hc_chain_advice(const struct hc_chain_result *r)
{
	char buf[600];
	int n;

	if (r->trusted)
		return NULL;
	if (r->bad_self_signature)
		return strdup(
			"issuer = subject, but the self-signature does not verify with the certificate's own public key: a forged or damaged self-signed certificate; remove it");
	if (r->missing_issuer != NULL && (r->chain == NULL ||
					  sk_X509_num(r->chain) == 0))
		n = snprintf(buf, sizeof(buf),
			     "install the intermediate CA certificate for %s (hsmcert import FILE)",
			     r->missing_issuer);
	else if (r->missing_issuer != NULL)
		n = snprintf(buf, sizeof(buf),
			     "install the CA certificate for %s (hsmcert import FILE; if it is the root CA, add it to [paths] trust-anchors or the system store)",
			     r->missing_issuer);
	else if (r->untrusted_root != NULL)
		n = snprintf(buf, sizeof(buf),
			     "the root CA %s is not a trust anchor: add it to [paths] trust-anchors or the system store",
			     r->untrusted_root);
	else
		n = snprintf(buf, sizeof(buf), "no chain to a trust anchor: %s",
			     r->reason ? r->reason : "unknown reason");
	if (n < 0)
		return NULL;
	return strdup(buf);
}
