/* verify.c - the checklist of a certificate before and after a change */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/range.h"
#include "core/bundle.h"
#include "core/dnsname.h"
#include "core/error.h"
#include "core/plan.h"
#include "core/tlscheck.h"
#include "core/x509.h"
#include "ops/ops.h"

void
hc_check_list_release(hc_check_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].reason);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void add(hc_check_list *l, enum hc_check_result r, const char *name,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A check that cannot be recorded (out of memory) is recorded as FAIL. */
static void
add(hc_check_list *l, enum hc_check_result r, const char *name,
    const char *fmt, ...)
{
	hc_check *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	char buf[700];
	va_list ap;
	int n;

	if (nv == NULL)
		return;
	l->v = nv;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		buf[0] = '\0';
	l->v[l->n].result = r;
	l->v[l->n].name = strdup(name);
	l->v[l->n].reason = strdup(buf);
	l->n++;
}

/* Sign a fresh nonce with the token key; verify with the certificate's. */
static int
pairing(struct hc_token *tok, struct hc_store_item *it, X509 *x, char *why,
	size_t whylen)
{
	unsigned char nonce[32], *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY *signer;
	EVP_MD_CTX *md = NULL;
	hc_err e = { 0 };
	int ok = 0, n, signed_ok;

	signer = hc_token_get_signer(tok, it->id, it->id_len, &e);
	if (signer == NULL) {
		n = snprintf(why, whylen, "%s", e.msg);
		(void)n;
		return 0;
	}
	md = EVP_MD_CTX_new();
	signed_ok = RAND_bytes(nonce, sizeof(nonce)) == 1 && md != NULL &&
		    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
				       signer) == 1 &&
		    EVP_DigestSign(md, NULL, &siglen, nonce,
				   sizeof(nonce)) == 1;
	if (signed_ok) {
		sig = OPENSSL_malloc(siglen);
		signed_ok = sig != NULL &&
			    EVP_DigestSign(md, sig, &siglen, nonce,
					   sizeof(nonce)) == 1;
	}
	if (!signed_ok) {
		char nbuf[32];
		unsigned long rv = hc_token_take_sign_rv(tok);
		const char *reason =
			ERR_reason_error_string(ERR_peek_last_error());

		if (rv != 0)
			reason = hc_token_rv_name(rv, nbuf, sizeof(nbuf));
		n = snprintf(why, whylen, "the token could not sign: %s",
			     reason != NULL ? reason : "unknown error");
		(void)n;
		goto out;
	}
	EVP_MD_CTX_free(md);
	md = EVP_MD_CTX_new();
	if (md != NULL &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
				 X509_get0_pubkey(x)) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, nonce, sizeof(nonce)) == 1)
		ok = 1;
	else {
		n = snprintf(why, whylen,
			     "a signature made with the token key does not verify with the certificate's public key");
		(void)n;
	}
out:
	ERR_clear_error();
	OPENSSL_free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(signer);
	return ok;
}

static const char *
subject_cn(X509 *x, char *buf, size_t len)
{
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x),
					  NID_commonName, buf,
					  hc_range_clamp_int(len));

	return n > 0 ? buf : NULL;
}

static void
check_names(hc_check_list *l, X509 *x, const struct hc_strlist *names,
	    const char *plan_path, const struct hc_strlist *plan)
{
	struct hc_strlist warn = { 0 }, problems = { 0 };
	char cnbuf[256];
	const char *cn = subject_cn(x, cnbuf, sizeof(cnbuf));
	hc_err e = { 0 };
	size_t i;
	int covered = 0, bad = 0;

	if (cn == NULL) {
		add(l, HC_CHECK_WARN, "issued-to", "the subject has no CN");
	} else {
		for (i = 0; i < names->n; i++)
			if (hc_dnsname_match(names->v[i], cn))
				covered = 1;
		if (covered)
			add(l, HC_CHECK_OK, "issued-to",
			    "the subject CN %s is among the names", cn);
		else if (hc_dnsname_check(cn, &e) != 0)
			add(l, HC_CHECK_WARN, "issued-to",
			    "the subject CN '%s' is not a DNS name", cn);
		else
			add(l, HC_CHECK_FAIL, "issued-to",
			    "the subject CN %s is not among the names: clients connecting to it will fail",
			    cn);
	}
	for (i = 0; i < names->n; i++) {
		hc_err_clear(&e);
		if (hc_dnsname_check(names->v[i], &e) != 0) {
			add(l, HC_CHECK_FAIL, "names", "%s", e.msg);
			bad = 1;
		}
		if (hc_dnsname_warn(names->v[i], &warn, NULL) < 0)
			bad = 1;
	}
	for (i = 0; i < warn.n; i++)
		add(l, HC_CHECK_WARN, "names", "%s", warn.v[i]);
	if (!bad && warn.n == 0)
		add(l, HC_CHECK_OK, "names",
		    "%zu name%s, all valid DNS names or addresses", names->n,
		    names->n == 1 ? "" : "s");
	hc_strlist_release(&warn);
	if (plan == NULL)
		return;
	if (hc_plan_check(plan, names, &problems, &warn, NULL) < 0) {
		add(l, HC_CHECK_FAIL, "plan", "out of memory");
	} else {
		for (i = 0; i < problems.n; i++)
			add(l, HC_CHECK_FAIL, "plan", "%s", problems.v[i]);
		for (i = 0; i < warn.n; i++)
			add(l, HC_CHECK_WARN, "plan", "%s", warn.v[i]);
		if (problems.n == 0 && warn.n == 0)
			add(l, HC_CHECK_OK, "plan",
			    "the names match the plan %s", plan_path);
	}
	hc_strlist_release(&warn);
	hc_strlist_release(&problems);
}

static void
check_validity(hc_check_list *l, const hc_entry *e, time_t at, long warn_days)
{
	char nb[21], na[21];
	long long left = (long long)e->not_after - (long long)at;

	hc_rfc3339((long long)e->not_before, nb);
	hc_rfc3339((long long)e->not_after, na);
	if (at < e->not_before)
		add(l, HC_CHECK_FAIL, "validity", "not valid before %s", nb);
	else if (at > e->not_after)
		add(l, HC_CHECK_FAIL, "validity", "expired on %s", na);
	else if (left < (long long)warn_days * 86400)
		add(l, HC_CHECK_WARN, "validity",
		    "expires in %lld days (%s), within --warn-days %ld",
		    left / 86400, na, warn_days);
	else
		add(l, HC_CHECK_OK, "validity", "valid until %s (%lld days)",
		    na, left / 86400);
}

static void
check_chain(hc_check_list *l, struct hc_chain_ctx *chain, X509 *x)
{
	struct hc_chain_result cr;
	hc_err e = { 0 };
	char *advice;

	if (hc_chain_build(chain, x, &cr, &e) != 0) {
		add(l, HC_CHECK_FAIL, "chain", "%s", e.msg);
		return;
	}
	if (cr.root == HC_ROOT_SELFSIGNED) {
		add(l, HC_CHECK_WARN, "chain",
		    "self-signed: clients will not trust it unless it is installed on them");
	} else if (cr.trusted) {
		X509 *top = sk_X509_num(cr.chain) > 0 ?
				    sk_X509_value(cr.chain,
						  sk_X509_num(cr.chain) - 1) :
				    x;
		char *root = hc_x509_name_text(X509_get_subject_name(top));

		add(l, HC_CHECK_OK, "chain",
		    "%d certificate%s up to the %s root %s",
		    sk_X509_num(cr.chain),
		    sk_X509_num(cr.chain) == 1 ? "" : "s",
		    cr.root == HC_ROOT_PRIVATE ? "private" : "third-party",
		    root ? root : "");
		free(root);
	} else {
		advice = hc_chain_advice(&cr);
		add(l, HC_CHECK_FAIL, "chain", "%s%s%s",
		    advice ? advice : "no chain to a trust anchor",
		    cr.reason ? "; OpenSSL: " : "", cr.reason ? cr.reason : "");
		free(advice);
	}
	hc_chain_result_release(&cr);
}

static void
check_policy(hc_check_list *l, const struct hc_policy *p, X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	struct hc_keyspec ks;
	int mdnid = NID_undef, bits;
	hc_err e = { 0 };
	char spec[HC_KEYSPEC_LEN];

	bits = pk ? EVP_PKEY_get_bits(pk) : 0;
	if (pk != NULL && EVP_PKEY_is_a(pk, "RSA")) {
		ks.kind = HC_KEY_RSA;
		ks.bits = bits;
	} else {
		ks.kind = HC_KEY_EC;
		ks.bits = bits;
	}
	hc_keyspec_format(&ks, spec, sizeof(spec));
	if (ks.kind == HC_KEY_RSA && bits < p->min_rsa_bits)
		add(l, HC_CHECK_FAIL, "key",
		    "%s is below the policy's min-rsa-bits (%d)", spec,
		    p->min_rsa_bits);
	else if (hc_policy_check_key(p, &ks, &e) != 0)
		add(l, HC_CHECK_WARN, "key", "%s", e.msg);
	else
		add(l, HC_CHECK_OK, "key", "%s, allowed by the policy", spec);
	if (X509_get_signature_info(x, &mdnid, NULL, NULL, NULL) != 1)
		mdnid = NID_undef;
	if (mdnid == NID_sha1 || mdnid == NID_md5 || mdnid == NID_md4 ||
	    mdnid == NID_md5_sha1)
		add(l, HC_CHECK_FAIL, "signature",
		    "signed with %s: clients reject it; have it reissued with SHA-256",
		    OBJ_nid2sn(mdnid));
	else
		add(l, HC_CHECK_OK, "signature", "%s",
		    OBJ_nid2ln(X509_get_signature_nid(x)));
	if (X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0) == 1)
		add(l, HC_CHECK_OK, "tls server",
		    "key usage and extended key usage allow TLS server use");
	else
		add(l, HC_CHECK_WARN, "tls server",
		    "key usage or extended key usage do not allow TLS server use");
	ERR_clear_error();
}

static void
check_service_files(hc_check_list *l, const hc_entry *e,
		    const struct hc_service_conf *sc)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	hc_err fe = { 0 };

	if (sc->cert_file != NULL) {
		enum hc_bundle_kind kind;
		STACK_OF(X509) *certs = NULL;
		char thumb[41] = "";

		if (hc_file_read(sc->cert_file, &buf, &len, &fe) != 0) {
			add(l, HC_CHECK_FAIL, "services", "%s: %s", sc->name,
			    fe.msg);
		} else if (hc_bundle_parse(buf, len, sc->cert_file, &kind,
					   &certs, &fe) != 0 ||
			   kind != HC_BUNDLE_CERTS || sk_X509_num(certs) == 0) {
			add(l, HC_CHECK_FAIL, "services", "%s: %s", sc->name,
			    fe.msg[0] ? fe.msg :
					"cert-file holds no certificate");
		} else {
			hc_x509_thumbprint(sk_X509_value(certs, 0), thumb);
			if (strcmp(thumb, e->thumbprint) == 0)
				add(l, HC_CHECK_OK, "services",
				    "%s: %s holds this certificate", sc->name,
				    sc->cert_file);
			else
				add(l, HC_CHECK_FAIL, "services",
				    "%s: %s holds another certificate (%s)",
				    sc->name, sc->cert_file, thumb);
		}
		sk_X509_pop_free(certs, X509_free);
		free(buf);
		buf = NULL;
		hc_err_clear(&fe);
	}
	if (sc->key_uri_file != NULL) {
		if (hc_file_read(sc->key_uri_file, &buf, &len, &fe) != 0) {
			add(l, HC_CHECK_FAIL, "services", "%s: %s", sc->name,
			    fe.msg);
		} else {
			while (len > 0 &&
			       (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
				buf[len - 1] == ' '))
				len--;
			if (e->key_uri != NULL && len == strlen(e->key_uri) &&
			    memcmp(buf, e->key_uri, len) == 0)
				add(l, HC_CHECK_OK, "services",
				    "%s: %s names this key", sc->name,
				    sc->key_uri_file);
			else
				add(l, HC_CHECK_FAIL, "services",
				    "%s: %s names another key", sc->name,
				    sc->key_uri_file);
		}
		free(buf);
	}
}

/* SPEC 9: what the service's check endpoint serves now (one try) */
static void
check_endpoint(hc_check_list *l, const hc_entry *e, X509 *x,
	       const struct hc_service_conf *sc)
{
	char sni[256], served[41];
	hc_err pe = { 0 };
	const char *name = hc_tlscheck_sni(sc->check_name, x, sni, sizeof(sni));

	if (hc_tlscheck_probe(sc->check, name, hc_tlscheck_timeout() * 1000L,
			      served, &pe) != 0)
		add(l, HC_CHECK_FAIL, "endpoint", "%s: %s", sc->name, pe.msg);
	else if (strcmp(served, e->thumbprint) == 0)
		add(l, HC_CHECK_OK, "endpoint",
		    "%s: %s serves this certificate%s%s", sc->name, sc->check,
		    *name ? " for " : "", name);
	else
		add(l, HC_CHECK_FAIL, "endpoint",
		    "%s: %s serves another certificate (%s)%s%s", sc->name,
		    sc->check, served, *name ? " for " : "", name);
}

static void
check_services(hc_ctx *ctx, hc_check_list *l, const hc_entry *e, X509 *x)
{
	size_t i;

	if (e->nservices == 0) {
		add(l, HC_CHECK_OK, "services",
		    "bound to no service on this host");
		return;
	}
	for (i = 0; i < e->nservices; i++) {
		const struct hc_service_conf *sc =
			hc_config_service(&ctx->cfg, e->service_names[i]);

		if (sc == NULL ||
		    (sc->cert_file == NULL && sc->key_uri_file == NULL))
			add(l, HC_CHECK_OK, "services",
			    "%s: bound (a binding record, no files configured)",
			    e->service_names[i]);
		else
			check_service_files(l, e, sc);
		if (sc != NULL && sc->check != NULL)
			check_endpoint(l, e, x, sc);
	}
}

int
hc_verify(hc_ctx *ctx, const hc_verify_req *req, hc_entry *entry,
	  hc_check_list *out, hc_err *err)
{
	struct hc_store s;
	struct hc_chain_ctx chain;
	struct hc_store_item *it;
	struct hc_token *tok;
	struct hc_strlist names = { 0 }, plan = { 0 };
	hc_check_list l = { NULL, 0 };
	hc_entry e;
	char norm[41], why[600];
	long long at = (long long)time(NULL);
	long warn_days = req->has_warn_days ? req->warn_days : 30;
	int ret = -1, have_store = 0, have_chain = 0;
	size_t i;

	memset(&e, 0, sizeof(e));
	if (hc_store_parse_id(req->id, norm, err) != 0)
		return -1;
	if (req->at != NULL && hc_parse_date(req->at, "--at", &at, err) != 0)
		return -1;
	if (warn_days < 0)
		return hc_err_set(err, HC_E_USAGE, "--warn-days must be >= 0");
	if (req->plan != NULL && hc_plan_load(req->plan, &plan, err) != 0)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_lookup_open(ctx, tok, req->id, &s, &it, err) != 0)
		goto out;
	have_store = 1;
	if (hc_chain_ctx_init(&chain, ctx->cfg.trust_anchors, s.ca_stack,
			      err) != 0)
		goto out;
	have_chain = 1;
	if (it->kind != HC_KIND_CERT) {
		hc_err_set(err, HC_E_USAGE,
			   "%s is a %s, not a certificate: nothing to verify yet",
			   req->id, it->kind == HC_KIND_REQUEST ?
			   "pending request" : "key without certificate");
		goto out;
	}
	if (hc_describe(ctx, tok, it, &chain, (time_t)at, &e, err) != 0)
		goto out;
	/* 1. the key, and that it pairs with the certificate */
	if (it->priv == NULL) {
		add(&l, HC_CHECK_FAIL, "private key", "not on token '%s'",
		    hc_token_get0_info(tok)->label);
	} else {
		add(&l, HC_CHECK_OK, "private key", "on token '%s' (%s)",
		    hc_token_get0_info(tok)->label, e.key_provenance);
		why[0] = '\0';
		if (pairing(tok, it, it->x509, why, sizeof(why)))
			add(&l, HC_CHECK_OK, "key pairing",
			    "a signature made on the token verifies with the certificate's key");
		else
			add(&l, HC_CHECK_FAIL, "key pairing", "%s", why);
	}
	/* 2. names, plan, validity, chain, policy */
	if (hc_x509_names(it->x509, NULL, &names, err) != 0)
		goto out;
	check_names(&l, it->x509, &names, req->plan,
		    req->plan != NULL ? &plan : NULL);
	check_validity(&l, &e, (time_t)at, warn_days);
	chain.check_time = 1;
	chain.at = (time_t)at;
	check_chain(&l, &chain, it->x509);
	check_policy(&l, &ctx->cfg.policy, it->x509);
	/* 3. the files of every bound service point at this certificate,
	 *    and its endpoint serves it */
	check_services(ctx, &l, &e, it->x509);
	for (i = 0; i < l.n; i++)
		if (l.v[i].result == HC_CHECK_FAIL)
			break;
	if (i < l.n)
		hc_err_set(err, HC_E_VERIFY, "%s failed verification: %s: %s",
			   e.thumbprint, l.v[i].name, l.v[i].reason);
	*entry = e;
	memset(&e, 0, sizeof(e));
	*out = l;
	l.v = NULL;
	l.n = 0;
	ret = err->code == HC_OK ? 0 : -1;
out:
	hc_entry_release(&e);
	hc_check_list_release(&l);
	hc_strlist_release(&names);
	hc_strlist_release(&plan);
	if (have_chain)
		hc_chain_ctx_release(&chain);
	if (have_store)
		hc_store_release(&s);
	return ret;
}
