/* test_list.c - hc_list and hc_show against a fresh SoftHSM2 token per test */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/store.h"
#include "core/token.h"
#include "core/x509.h"
#include "token_fixture.h"

/* What populate() put on the token. */
struct scene {
	char a[41];		/* cert a.example.com, *.example.com, 40 d */
	char b[41];		/* cert mail.other.org, 10 days */
	char c[41];		/* cert c.example.net, 25 days */
	char orphan[41];	/* key id of a key with nothing else */
	char req[41];		/* key id of a pending request */
};

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static void
new_cert(struct fixture *fx, const char *subject, const char *domain,
	 long days, char thumb[41])
{
	const char *doms[1];
	hc_new_req req;
	hc_entry e;
	hc_err err = { 0 };

	memset(&req, 0, sizeof(req));
	doms[0] = domain;
	req.subject = subject;
	req.domains = domain != NULL ? doms : NULL;
	req.ndomains = domain != NULL ? 1 : 0;
	req.key = "ec:p256";
	req.days = days;
	memset(&e, 0, sizeof(e));
	if (hc_new(fx->ctx, &req, &e, &err) != 0)
		fail_msg("hc_new %s: %s", subject, err.msg);
	memcpy(thumb, e.thumbprint, 41);
	hc_entry_release(&e);
}

static void
orphan_key(struct fixture *fx, const char *label, char keyid[41])
{
	struct hc_token *t = fixture_open_token(fx);
	struct hc_keyspec ks = { HC_KEY_EC, 256 };
	struct hc_keypair kp;
	hc_err err = { 0 };

	if (hc_token_generate_keypair(t, &ks, label, 0, &kp, &err) != 0)
		fail_msg("%s", err.msg);
	fixture_hex(kp.id, sizeof(kp.id), keyid);
	hc_keypair_release(&kp);
}

/*
 * A pending request as `request` leaves it: a key pair on the token and a
 * CKO_DATA object (application hsmcert-request) holding the DER PKCS#10,
 * signed on the token, with a SAN of one DNS name.
 */
static void
pending_request(struct fixture *fx, const char *cn, char keyid[41])
{
	struct hc_token *t = fixture_open_token(fx);
	struct hc_keyspec ks = { HC_KEY_EC, 256 };
	struct hc_keypair kp;
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *san;
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	EVP_PKEY *signer;
	unsigned char *der = NULL;
	unsigned long h;
	hc_err err = { 0 };
	char dns[300];
	int len;

	assert_true(exts != NULL && req != NULL && name != NULL);
	if (hc_token_generate_keypair(t, &ks, cn, 0, &kp, &err) != 0)
		fail_msg("%s", err.msg);
	signer = hc_token_get_signer(t, kp.id, sizeof(kp.id), &err);
	if (signer == NULL)
		fail_msg("%s", err.msg);
	assert_true(snprintf(dns, sizeof(dns), "DNS:%s", cn) > 0);
	san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, dns);
	assert_non_null(san);
	assert_true(sk_X509_EXTENSION_push(exts, san) > 0);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
			(const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_version(req, 0), 1);
	assert_int_equal(X509_REQ_set_subject_name(req, name), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, kp.pubkey), 1);
	assert_int_equal(X509_REQ_add_extensions(req, exts), 1);
	assert_true(X509_REQ_sign(req, signer, EVP_sha256()) > 0);
	len = i2d_X509_REQ(req, &der);
	assert_true(len > 0);
	if (hc_token_store_data(t, HC_REQUEST_APP, cn, der, (size_t)len, &h,
				&err) != 0)
		fail_msg("%s", err.msg);
	fixture_hex(kp.id, sizeof(kp.id), keyid);
	OPENSSL_free(der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(signer);
	hc_keypair_release(&kp);
}

/*
 * A certificate for a new token key, valid from nb to na days from now,
 * stored under the key's id. Signed by ca_key as ca (its subject is the
 * issuer), or with ca NULL by the token key itself (self-signed).
 */
static void
token_key_cert(struct fixture *fx, const char *cn, long nb, long na,
	       X509 *ca, EVP_PKEY *ca_key, char thumb[41])
{
	struct hc_token *t = fixture_open_token(fx);
	struct hc_keyspec ks = { HC_KEY_EC, 256 };
	struct hc_keypair kp;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	EVP_PKEY *signer = NULL;
	unsigned long h;
	hc_err err = { 0 };

	assert_true(x != NULL && name != NULL);
	if (hc_token_generate_keypair(t, &ks, cn, 0, &kp, &err) != 0)
		fail_msg("%s", err.msg);
	if (ca == NULL) {
		signer = hc_token_get_signer(t, kp.id, sizeof(kp.id), &err);
		if (signer == NULL)
			fail_msg("%s", err.msg);
	}
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
			(const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	assert_int_equal(X509_set_issuer_name(x, ca != NULL ?
			 X509_get_subject_name(ca) : name), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), nb * 86400));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), na * 86400));
	assert_int_equal(X509_set_pubkey(x, kp.pubkey), 1);
	assert_true(X509_sign(x, ca != NULL ? ca_key : signer,
			      EVP_sha256()) > 0);
	if (hc_token_store_cert(t, x, cn, kp.id, sizeof(kp.id), HC_CAT_USER,
				&h, &err) != 0)
		fail_msg("%s", err.msg);
	hc_x509_thumbprint(x, thumb);
	EVP_PKEY_free(signer);
	X509_NAME_free(name);
	X509_free(x);
	hc_keypair_release(&kp);
}

static void
populate(struct fixture *fx, struct scene *sc)
{
	new_cert(fx, "CN=a.example.com", "*.example.com", 40, sc->a);
	new_cert(fx, "CN=mail.other.org", NULL, 10, sc->b);
	new_cert(fx, "CN=c.example.net", NULL, 25, sc->c);
	orphan_key(fx, "orphan", sc->orphan);
	pending_request(fx, "req.example.com", sc->req);
}

static void
list_ok(struct fixture *fx, const hc_list_filter *f, hc_entry_list *l)
{
	hc_err err = { 0 };

	memset(l, 0, sizeof(*l));
	if (hc_list(fx->ctx, f, l, &err) != 0)
		fail_msg("hc_list: %s (code %d)", err.msg, err.code);
	assert_int_equal(err.code, HC_OK);
}

/* Both NULL, or equal strings. */
static void
assert_str_or_null_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/*
 * Are the identifiers listed exactly ids, in order? Prints both lists when
 * not, so that the caller can release the list before failing.
 */
static int
same_ids(const hc_entry_list *l, const char *const *ids, size_t n)
{
	size_t i;
	int same = l->n == n;

	for (i = 0; same && i < n; i++)
		same = strcmp(l->v[i].thumbprint, ids[i]) == 0;
	if (same)
		return 1;
	for (i = 0; i < l->n; i++)
		print_error("  got      %s %s\n", l->v[i].thumbprint,
			    l->v[i].friendly_name);
	for (i = 0; i < n; i++)
		print_error("  expected %s\n", ids[i]);
	return 0;
}

static void
list_expect(struct fixture *fx, const hc_list_filter *f,
	    const char *const *ids, size_t n)
{
	hc_entry_list l;
	int same;

	list_ok(fx, f, &l);
	same = same_ids(&l, ids, n);
	hc_entry_list_release(&l);
	assert_true(same);
}

/* hc_list fails with code and sub in the message; the token is as it was. */
static void
list_fails(struct fixture *fx, const hc_list_filter *f, int code,
	   const char *sub)
{
	hc_entry_list l = { NULL, 0 };
	hc_err err = { 0 };
	char *before = NULL;

	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_list(fx->ctx, f, &l, &err), -1);
	assert_err(&err, code, sub);
	assert_null(l.v);
	assert_token_unchanged(fx, before);
}

static void
show_ok(struct fixture *fx, const char *id, hc_entry *e)
{
	hc_err err = { 0 };

	memset(e, 0, sizeof(*e));
	if (hc_show(fx->ctx, id, e, &err) != 0)
		fail_msg("hc_show %s: %s (code %d)", id, err.msg, err.code);
}

static void
show_fails(struct fixture *fx, const char *id, int code, const char *sub)
{
	hc_entry e;
	hc_err err = { 0 };
	char *before = NULL;

	assert_int_equal(fixture_snapshot(fx, &before), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(hc_show(fx->ctx, id, &e, &err), -1);
	assert_err(&err, code, sub);
	assert_null(e.friendly_name);
	assert_token_unchanged(fx, before);
}

/* ------------------------------------------------------------------ */
/* list                                                                 */

static void
test_list_empty_token(void **state)
{
	struct fixture *fx = *state;
	hc_list_filter f;
	hc_entry_list l;

	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 0);
	hc_entry_list_release(&l);
}

static void
test_list_certs_orphans_and_requests_sorted(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;
	hc_entry_list l;
	const hc_entry *o = NULL, *r = NULL;
	size_t i;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 5);
	/* certificates by NotAfter; undated entries last, by identifier */
	assert_string_equal(l.v[0].thumbprint, sc.b);
	assert_string_equal(l.v[1].thumbprint, sc.c);
	assert_string_equal(l.v[2].thumbprint, sc.a);
	for (i = 0; i < 3; i++) {
		assert_int_equal(l.v[i].kind, HC_KIND_CERT);
		assert_string_equal(hc_status_name(l.v[i].status), "Valid");
		assert_int_equal(l.v[i].has_dates, 1);
		if (i > 0)
			assert_true(l.v[i - 1].not_after <= l.v[i].not_after);
	}
	assert_int_equal(l.v[3].has_dates, 0);
	assert_int_equal(l.v[4].has_dates, 0);
	assert_true(strcmp(l.v[3].thumbprint, l.v[4].thumbprint) < 0);
	for (i = 3; i < 5; i++) {
		if (strcmp(l.v[i].thumbprint, sc.orphan) == 0)
			o = &l.v[i];
		if (strcmp(l.v[i].thumbprint, sc.req) == 0)
			r = &l.v[i];
	}
	assert_non_null(o);
	assert_non_null(r);

	/* the orphan key: Thumbprint is its key id */
	assert_int_equal(o->kind, HC_KIND_ORPHAN);
	assert_string_equal(hc_status_name(o->status), "OrphanKey");
	assert_string_equal(o->thumbprint, o->key_id);
	assert_string_equal(o->key_id, sc.orphan);
	assert_string_equal(o->friendly_name, "orphan");
	assert_int_equal(o->has_private_key, 1);
	assert_int_equal(o->exportable, HC_FALSE);
	assert_string_equal(o->key_provenance,
			    "generated-on-token, never-extractable");
	assert_string_equal(o->key_algorithm, "EC");
	assert_int_equal(o->key_size, 256);
	assert_int_equal(o->is_self_signed, HC_NA);
	assert_null(hc_root_type_name(o->root_ca_type));
	assert_null(o->cert_uri);
	assert_null(o->issuer);
	assert_null(o->subject);	/* does not apply: JSON null */
	assert_non_null(o->key_uri);

	/* the pending request, under its key id */
	assert_int_equal(r->kind, HC_KIND_REQUEST);
	assert_string_equal(hc_status_name(r->status), "PendingRequest");
	assert_string_equal(r->thumbprint, r->key_id);
	assert_string_equal(r->key_id, sc.req);
	assert_string_equal(r->friendly_name, "req.example.com");
	assert_string_equal(r->subject, "CN=req.example.com");
	assert_int_equal(r->ndomains, 1);
	assert_string_equal(r->domains[0], "req.example.com");
	assert_int_equal(r->is_self_signed, HC_NA);
	assert_null(r->issuer);
	assert_null(r->cert_uri);
	assert_int_equal(r->nchain, 0);
	assert_string_equal(r->key_algorithm, "EC");
	hc_entry_list_release(&l);
}

static void
test_list_filter_domain_wildcard(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	f.domain = "www.example.com";		/* covered by *.example.com */
	list_expect(fx, &f, (const char *const[]){ sc.a }, 1);
	f.domain = "WWW.EXAMPLE.COM";
	list_expect(fx, &f, (const char *const[]){ sc.a }, 1);
	f.domain = "mail.other.org";
	list_expect(fx, &f, (const char *const[]){ sc.b }, 1);
	f.domain = "x.www.example.com";		/* one label only */
	list_expect(fx, &f, NULL, 0);
	f.domain = "example.com";
	list_expect(fx, &f, NULL, 0);
	/* the request names it, and the wildcard covers it */
	f.domain = "req.example.com";
	list_expect(fx, &f, (const char *const[]){ sc.a, sc.req }, 2);
}

static void
test_list_filter_thumbprint_prefix(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;
	char prefix[16];
	size_t i;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	memcpy(prefix, sc.c, 8);
	prefix[8] = '\0';
	f.thumbprint = prefix;
	list_expect(fx, &f, (const char *const[]){ sc.c }, 1);
	/* uppercase with ':' separators */
	for (i = 0; i < 4; i++) {
		prefix[3 * i] = (char)toupper((unsigned char)sc.c[2 * i]);
		prefix[3 * i + 1] =
			(char)toupper((unsigned char)sc.c[2 * i + 1]);
		prefix[3 * i + 2] = ':';
	}
	prefix[11] = '\0';
	list_expect(fx, &f, (const char *const[]){ sc.c }, 1);
	/* an orphan key by its key id */
	memcpy(prefix, sc.orphan, 8);
	prefix[8] = '\0';
	list_expect(fx, &f, (const char *const[]){ sc.orphan }, 1);
}

static void
test_list_filter_status(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	f.status = "orphankey";
	list_expect(fx, &f, (const char *const[]){ sc.orphan }, 1);
	f.status = "PENDINGREQUEST";
	list_expect(fx, &f, (const char *const[]){ sc.req }, 1);
	f.status = "Valid";
	list_expect(fx, &f, (const char *const[]){ sc.b, sc.c, sc.a }, 3);
	f.status = "Expired";
	list_expect(fx, &f, NULL, 0);
}

static void
test_list_filter_self_signed_and_pending(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	f.self_signed = 1;
	list_expect(fx, &f, (const char *const[]){ sc.b, sc.c, sc.a }, 3);
	memset(&f, 0, sizeof(f));
	f.pending = 1;
	list_expect(fx, &f, (const char *const[]){ sc.req }, 1);
}

static void
test_list_filter_expiring(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	f.has_expiring = 1;
	f.expiring = 20;
	list_expect(fx, &f, (const char *const[]){ sc.b }, 1);
	f.expiring = 30;
	list_expect(fx, &f, (const char *const[]){ sc.b, sc.c }, 2);
	f.expiring = 0;		/* already expired only: none */
	list_expect(fx, &f, NULL, 0);
	/* combined with a domain */
	f.expiring = 60;
	f.domain = "www.example.com";
	list_expect(fx, &f, (const char *const[]){ sc.a }, 1);
}

static void
test_list_bad_status_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	f.status = "Broken";
	list_fails(fx, &f, HC_E_USAGE, "'Broken'");
}

static void
test_list_bad_thumbprint_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	f.thumbprint = "12xyz";
	list_fails(fx, &f, HC_E_USAGE, "--thumbprint: '12xyz'");
}

static void
test_list_negative_expiring_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	f.has_expiring = 1;
	f.expiring = -3;
	list_fails(fx, &f, HC_E_USAGE, "--expiring");
}

static void
test_list_wrong_pin(void **state)
{
	struct fixture *fx = *state;
	hc_list_filter f;

	fixture_populate(fx);
	memset(&f, 0, sizeof(f));
	list_fails(fx, &f, HC_E_PIN, "CKR_PIN_INCORRECT");
	assert_int_equal(fx->pin_asked, 1);
}

static void
test_list_expired_and_not_yet_valid(void **state)
{
	struct fixture *fx = *state;
	char old[41], future[41], now[41];
	hc_list_filter f;
	hc_entry_list l;
	int ok;

	token_key_cert(fx, "old.example.com", -20, -10, NULL, NULL, old);
	token_key_cert(fx, "future.example.com", 5, 40, NULL, NULL, future);
	token_key_cert(fx, "now.example.com", -1, 3, NULL, NULL, now);
	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	ok = l.n == 3 && strcmp(l.v[0].thumbprint, old) == 0 &&
	     l.v[0].status == HC_STATUS_EXPIRED &&
	     strcmp(l.v[1].thumbprint, now) == 0 &&
	     l.v[1].status == HC_STATUS_VALID &&
	     strcmp(l.v[2].thumbprint, future) == 0 &&
	     l.v[2].status == HC_STATUS_NOTYETVALID &&
	     l.v[0].root_ca_type == HC_ROOT_SELFSIGNED;
	if (!ok && l.n == 3)
		print_error("statuses %s %s %s\n",
			    hc_status_name(l.v[0].status),
			    hc_status_name(l.v[1].status),
			    hc_status_name(l.v[2].status));
	hc_entry_list_release(&l);
	assert_true(ok);

	f.status = "expired";
	list_expect(fx, &f, (const char *const[]){ old }, 1);
	f.status = "NotYetValid";
	list_expect(fx, &f, (const char *const[]){ future }, 1);
	/* --expiring includes what has expired already */
	memset(&f, 0, sizeof(f));
	f.has_expiring = 1;
	f.expiring = 0;
	list_expect(fx, &f, (const char *const[]){ old }, 1);
	f.expiring = 5;
	list_expect(fx, &f, (const char *const[]){ old, now }, 2);
}

/* Issued by a CA that is nowhere: Untrusted, and the issuer is named. */
static void
test_list_unknown_issuer_is_untrusted(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *ca_key = NULL;
	X509 *ca = fixture_make_ca("Example Issuing CA", 365, &ca_key);
	hc_list_filter f;
	hc_entry_list l;
	char leaf[41];

	token_key_cert(fx, "leaf.example.com", 0, 30, ca, ca_key, leaf);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].thumbprint, leaf);
	assert_string_equal(hc_status_name(l.v[0].status), "Untrusted");
	assert_string_equal(hc_root_type_name(l.v[0].root_ca_type), "Unknown");
	assert_int_equal(l.v[0].is_self_signed, HC_FALSE);
	assert_string_equal(l.v[0].issuer, "CN=Example Issuing CA");
	assert_non_null(l.v[0].status_reason);
	assert_non_null(strstr(l.v[0].status_reason, "Example Issuing CA"));
	hc_entry_list_release(&l);
	memset(&f, 0, sizeof(f));
	f.self_signed = 1;
	list_expect(fx, &f, NULL, 0);
}

static int
setup_anchors(void **state)
{
	static const struct fixture_opts o = {
		.paths = "trust-anchors = anchors.pem\n",
	};

	return fixture_setup_opts(state, &o);
}

/* Issued by a configured trust anchor: Valid, Private, chain = anchor. */
static void
test_list_private_anchor_is_valid(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *ca_key = NULL;
	X509 *ca = fixture_make_ca("Example Root CA", 365, &ca_key);
	hc_list_filter f;
	hc_entry_list l;
	char leaf[41], ca_thumb[41], path[700], *pem;
	hc_err err = { 0 };

	pem = hc_x509_to_pem(ca, &err);
	assert_non_null(pem);
	fixture_write_file(fx, "anchors.pem", pem, path, sizeof(path));
	free(pem);
	hc_x509_thumbprint(ca, ca_thumb);
	token_key_cert(fx, "leaf.example.com", 0, 30, ca, ca_key, leaf);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(hc_status_name(l.v[0].status), "Valid");
	assert_string_equal(hc_root_type_name(l.v[0].root_ca_type), "Private");
	assert_int_equal(l.v[0].nchain, 1);
	assert_string_equal(l.v[0].chain[0].thumbprint, ca_thumb);
	assert_string_equal(l.v[0].chain[0].subject, "CN=Example Root CA");
	hc_entry_list_release(&l);
}

/* A certificate under a key's CKA_ID whose public key is another one. */
static void
test_list_cert_of_other_key_is_invalid(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	struct hc_keyspec ks = { HC_KEY_EC, 256 };
	struct hc_keypair kp;
	hc_list_filter f;
	hc_entry_list l;
	hc_entry e;
	unsigned long h;
	hc_err err = { 0 };
	char keyid[41];
	X509 *x;

	if (hc_token_generate_keypair(t, &ks, "victim", 0, &kp, &err) != 0)
		fail_msg("%s", err.msg);
	fixture_hex(kp.id, sizeof(kp.id), keyid);
	x = fixture_make_cert("impostor.example.com", 30, NULL);
	if (hc_token_store_cert(t, x, "victim", kp.id, sizeof(kp.id),
				HC_CAT_USER, &h, &err) != 0)
		fail_msg("%s", err.msg);
	X509_free(x);
	hc_keypair_release(&kp);

	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, HC_KIND_CERT);
	assert_string_equal(hc_status_name(l.v[0].status), "Invalid");
	assert_string_equal(l.v[0].key_id, keyid);
	assert_non_null(l.v[0].status_reason);
	assert_non_null(strstr(l.v[0].status_reason, "does not match"));

	/* Invalid comes before every other status, and show agrees */
	show_ok(fx, l.v[0].thumbprint, &e);
	assert_string_equal(hc_status_name(e.status), "Invalid");
	hc_entry_release(&e);
	f.status = "invalid";
	hc_entry_list_release(&l);
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 1);
	hc_entry_list_release(&l);
}

/* A certificate without a key on the token is chain material: list --ca. */
static void
test_list_ca_lists_keyless_certs(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	hc_list_filter f;
	hc_entry_list l;
	unsigned long h;
	hc_err err = { 0 };
	char thumb[41];
	X509 *x;

	x = fixture_make_cert("Example Root CA", 3650, NULL);
	if (hc_token_store_cert(t, x, "Example Root CA", NULL, 0,
				HC_CAT_AUTHORITY, &h, &err) != 0)
		fail_msg("%s", err.msg);
	hc_x509_thumbprint(x, thumb);
	X509_free(x);

	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 0);
	hc_entry_list_release(&l);
	f.ca = 1;
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, HC_KIND_CA);
	assert_string_equal(l.v[0].thumbprint, thumb);
	assert_int_equal(l.v[0].has_private_key, 0);
	hc_entry_list_release(&l);
}

/*
 * SPEC section 10: a leaf whose key is gone from the token is still a
 * certificate: listed (not a CA certificate) with no private key, found
 * by show through a full read and through the index. A CA certificate
 * stored under a key id with no category stays in list --ca.
 */
static void
test_list_leaf_without_key_is_listed(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_open_token(fx);
	unsigned char id[20], caid[20];
	hc_list_filter f;
	hc_entry_list l;
	hc_entry e;
	unsigned long h;
	hc_err err = { 0 };
	char thumb[41], cathumb[41], keyid[41], prefix[11];
	X509 *x, *ca;

	x = fixture_make_cert("keyless.example.com", 30, NULL);
	ca = fixture_make_ca("Keyless CA", 300, NULL);
	assert_true(x != NULL && ca != NULL);
	assert_int_equal(hc_x509_cert_key_id(x, NULL, id, &err), 0);
	assert_int_equal(hc_x509_cert_key_id(ca, NULL, caid, &err), 0);
	if (hc_token_store_cert(t, x, "keyless", id, sizeof(id), HC_CAT_USER,
				&h, &err) != 0 ||
	    hc_token_store_cert(t, ca, "Keyless CA", caid, sizeof(caid),
				HC_CAT_USER, &h, &err) != 0)
		fail_msg("%s", err.msg);
	hc_x509_thumbprint(x, thumb);
	hc_x509_thumbprint(ca, cathumb);
	fixture_hex(id, sizeof(id), keyid);
	X509_free(x);
	X509_free(ca);

	/* show before any list: no index, a full read */
	memcpy(prefix, thumb, 10);
	prefix[10] = '\0';
	show_ok(fx, prefix, &e);
	assert_string_equal(e.thumbprint, thumb);
	hc_entry_release(&e);

	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, HC_KIND_CERT);
	assert_string_equal(l.v[0].thumbprint, thumb);
	assert_string_equal(l.v[0].key_id, keyid);
	assert_int_equal(l.v[0].has_private_key, 0);
	assert_int_equal(l.v[0].exportable, HC_NA);
	assert_null(l.v[0].key_provenance);
	assert_null(l.v[0].key_uri);
	assert_non_null(l.v[0].cert_uri);
	assert_string_equal(hc_status_name(l.v[0].status), "Valid");
	hc_entry_list_release(&l);

	/* through the index list wrote */
	show_ok(fx, prefix, &e);
	assert_string_equal(e.thumbprint, thumb);
	assert_int_equal(e.has_private_key, 0);
	hc_entry_release(&e);

	f.ca = 1;
	list_ok(fx, &f, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].thumbprint, cathumb);
	hc_entry_list_release(&l);
}

/* ------------------------------------------------------------------ */
/* show                                                                 */

static void
test_list_show_prefix_forms(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_entry e;
	char id[32];
	size_t i;

	populate(fx, &sc);

	/* 8 digits */
	memcpy(id, sc.c, 8);
	id[8] = '\0';
	show_ok(fx, id, &e);
	assert_string_equal(e.thumbprint, sc.c);
	assert_string_equal(e.friendly_name, "c.example.net");
	assert_string_equal(hc_root_type_name(e.root_ca_type), "SelfSigned");
	hc_entry_release(&e);

	/* with ':' separators, uppercase */
	for (i = 0; i < 4; i++) {
		id[3 * i] = (char)toupper((unsigned char)sc.a[2 * i]);
		id[3 * i + 1] = (char)toupper((unsigned char)sc.a[2 * i + 1]);
		id[3 * i + 2] = ':';
	}
	id[11] = '\0';
	show_ok(fx, id, &e);
	assert_string_equal(e.thumbprint, sc.a);
	assert_int_equal(e.ndomains, 2);
	assert_string_equal(e.domains[0], "a.example.com");
	assert_string_equal(e.domains[1], "*.example.com");
	hc_entry_release(&e);

	/* exactly 6 digits, the shortest prefix accepted */
	memcpy(id, sc.b, 6);
	id[6] = '\0';
	show_ok(fx, id, &e);
	assert_string_equal(e.thumbprint, sc.b);
	hc_entry_release(&e);

	/* all 40 */
	show_ok(fx, sc.b, &e);
	assert_string_equal(e.thumbprint, sc.b);
	hc_entry_release(&e);
}

static void
test_list_show_request_and_orphan_by_key_id(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_entry e;
	char id[16];

	populate(fx, &sc);
	memcpy(id, sc.req, 10);
	id[10] = '\0';
	show_ok(fx, id, &e);
	assert_string_equal(hc_status_name(e.status), "PendingRequest");
	assert_string_equal(e.key_id, sc.req);
	assert_int_equal(e.has_dates, 0);
	hc_entry_release(&e);

	memcpy(id, sc.orphan, 10);
	show_ok(fx, id, &e);
	assert_string_equal(hc_status_name(e.status), "OrphanKey");
	assert_string_equal(e.thumbprint, sc.orphan);
	hc_entry_release(&e);
}

static void
test_list_show_agrees_with_list(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	hc_list_filter f;
	hc_entry_list l;
	hc_entry e;
	size_t i, j;

	populate(fx, &sc);
	memset(&f, 0, sizeof(f));
	list_ok(fx, &f, &l);
	for (i = 0; i < l.n; i++) {
		const hc_entry *a = &l.v[i];

		show_ok(fx, a->thumbprint, &e);
		assert_int_equal(e.kind, a->kind);
		assert_int_equal(e.status, a->status);
		assert_string_equal(e.key_id, a->key_id);
		assert_string_equal(e.friendly_name, a->friendly_name);
		assert_str_or_null_equal(e.subject, a->subject);
		assert_str_or_null_equal(e.issuer, a->issuer);
		assert_str_or_null_equal(e.key_uri, a->key_uri);
		assert_str_or_null_equal(e.cert_uri, a->cert_uri);
		assert_int_equal(e.ndomains, a->ndomains);
		for (j = 0; j < e.ndomains; j++)
			assert_string_equal(e.domains[j], a->domains[j]);
		assert_int_equal(e.not_after, a->not_after);
		hc_entry_release(&e);
	}
	hc_entry_list_release(&l);
}

static void
test_list_show_short_prefix_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	char id[8];

	populate(fx, &sc);
	memcpy(id, sc.a, 5);
	id[5] = '\0';
	show_fails(fx, id, HC_E_USAGE, id);
	show_fails(fx, id, HC_E_USAGE, "at least 6");
	/* separators do not count as digits */
	show_fails(fx, "ab:cd:e", HC_E_USAGE, "'ab:cd:e'");
}

static void
test_list_show_non_hex_is_usage(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;

	populate(fx, &sc);
	show_fails(fx, "12345g78", HC_E_USAGE, "'12345g78'");
	show_fails(fx, "12345g78", HC_E_USAGE, "'g'");
	show_fails(fx, "", HC_E_USAGE, "too short");
}

static void
test_list_show_no_match_not_found(void **state)
{
	struct fixture *fx = *state;
	struct scene sc;
	char id[41];

	populate(fx, &sc);
	/* a's thumbprint with its last digit changed names nothing */
	memcpy(id, sc.a, sizeof(id));
	id[39] = id[39] == '0' ? '1' : '0';
	show_fails(fx, id, HC_E_NOTFOUND, id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
		T(test_list_empty_token),
		T(test_list_certs_orphans_and_requests_sorted),
		T(test_list_filter_domain_wildcard),
		T(test_list_filter_thumbprint_prefix),
		T(test_list_filter_status),
		T(test_list_filter_self_signed_and_pending),
		T(test_list_filter_expiring),
		T(test_list_bad_status_is_usage),
		T(test_list_bad_thumbprint_is_usage),
		T(test_list_negative_expiring_is_usage),
		cmocka_unit_test_setup_teardown(test_list_wrong_pin,
						fixture_setup_wrong_pin,
						fixture_teardown),
		T(test_list_expired_and_not_yet_valid),
		T(test_list_unknown_issuer_is_untrusted),
		cmocka_unit_test_setup_teardown(
			test_list_private_anchor_is_valid, setup_anchors,
			fixture_teardown),
		T(test_list_cert_of_other_key_is_invalid),
		T(test_list_ca_lists_keyless_certs),
		T(test_list_leaf_without_key_is_listed),
		T(test_list_show_prefix_forms),
		T(test_list_show_request_and_orphan_by_key_id),
		T(test_list_show_agrees_with_list),
		T(test_list_show_short_prefix_is_usage),
		T(test_list_show_non_hex_is_usage),
		T(test_list_show_no_match_not_found),
#undef T
	};

	return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
