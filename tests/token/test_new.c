/* test_new.c - hc_new (hsmcert new) against a fresh SoftHSM2 token per test */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/token.h"
#include "core/util.h"
#include "core/x509.h"
#include "token_fixture.h"

#define DAY 86400L

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static void
new_ok(struct fixture *fx, const hc_new_req *req, hc_entry *e)
{
	hc_err err = { 0 };

	memset(e, 0, sizeof(*e));
	if (hc_new(fx->ctx, req, e, &err) != 0)
		fail_msg("hc_new: %s (code %d)", err.msg, err.code);
	assert_int_equal(err.code, HC_OK);
}

/* hc_new fails with code and a message holding sub; the token is as it was. */
static void
new_fails(struct fixture *fx, const hc_new_req *req, int code,
	  const char *sub)
{
	hc_entry e;
	hc_err err = { 0 };
	char *before = NULL;

	if (!fx->populated)
		fixture_populate(fx);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(hc_new(fx->ctx, req, &e, &err), -1);
	assert_err(&err, code, sub);
	/* out-params are written only on success */
	assert_null(e.friendly_name);
	assert_null(e.key_uri);
	assert_token_unchanged(fx, before);
}

/*
 * The private key, public key and certificate of e's key id: one each,
 * all labelled label; the certificate's SHA-1 is e's thumbprint.
 */
static void
check_objects(struct fixture *fx, const hc_entry *e, const char *label,
	      int exportable)
{
	static const enum hc_obj_class cls[] = {
		HC_OBJ_PRIVKEY, HC_OBJ_PUBKEY, HC_OBJ_CERT,
	};
	static const char *const names[] = { "private key", "public key",
					     "certificate" };
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	unsigned char id[20], md[20], kid[20];
	char hex[41], *snap = NULL;
	hc_err err = { 0 };
	X509 *x;
	size_t i;

	assert_int_equal(hc_unhex(e->key_id, id, sizeof(id)), 20);
	for (i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		assert_int_equal(hc_token_find(t, cls[i], id, sizeof(id), NULL,
					       &l, &err), 0);
		assert_int_equal(l.n, 1);
		if (strcmp(l.v[0].label, label) != 0)
			fail_msg("%s: label '%s', expected '%s'", names[i],
				 l.v[0].label, label);
		assert_int_equal(l.v[0].id_len, 20);
		if (cls[i] == HC_OBJ_PRIVKEY) {
			assert_int_equal(l.v[0].local, 1);
			assert_int_equal(l.v[0].sensitive, 1);
			assert_int_equal(l.v[0].extractable, exportable);
			assert_int_equal(l.v[0].never_extractable, !exportable);
		}
		if (cls[i] == HC_OBJ_CERT) {
			assert_int_equal(l.v[0].cert_category, HC_CAT_USER);
			assert_int_equal(EVP_Digest(l.v[0].value,
						    l.v[0].value_len, md, NULL,
						    EVP_sha1(), NULL), 1);
			fixture_hex(md, sizeof(md), hex);
			assert_string_equal(hex, e->thumbprint);
			/* CKA_ID: key identifier of the certificate's key */
			x = hc_x509_from_der(l.v[0].value, l.v[0].value_len,
					     &err);
			assert_non_null(x);
			assert_int_equal(hc_x509_key_id(X509_get0_pubkey(x),
							kid, &err), 0);
			assert_memory_equal(kid, id, sizeof(id));
			X509_free(x);
		}
		hc_tobj_list_release(&l);
	}
	/* and nothing else */
	assert_int_equal(fixture_snapshot(fx, &snap), 0);
	assert_int_equal(fixture_snapshot_count(snap), 3);
	free(snap);
}

/* The certificate's validity is days long (one second of slack). */
static void
check_days(const hc_entry *e, long days)
{
	long long span = (long long)e->not_after - (long long)e->not_before;

	assert_int_equal(e->has_dates, 1);
	if (span < days * DAY - 1 || span > days * DAY + 1)
		fail_msg("validity %lld s, expected %ld days", span, days);
}

/* ------------------------------------------------------------------ */
/* Success                                                              */

static void
test_new_creates_key_and_self_signed_cert(void **state)
{
	struct fixture *fx = *state;
	static const char *const doms[] = { "www.example.com,owa.example.com" };
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "C=US, O=Example, CN=mail.example.com";
	req.domains = doms;
	req.ndomains = 1;
	new_ok(fx, &req, &e);

	assert_int_equal(e.kind, HC_KIND_CERT);
	assert_string_equal(e.friendly_name, "mail.example.com");
	assert_string_equal(e.subject, "CN=mail.example.com, O=Example, C=US");
	assert_string_equal(e.issuer, e.subject);
	assert_string_equal(hc_status_name(e.status), "Valid");
	assert_string_equal(hc_root_type_name(e.root_ca_type), "SelfSigned");
	assert_int_equal(e.is_self_signed, HC_TRUE);
	assert_int_equal(e.has_private_key, 1);
	assert_int_equal(e.exportable, HC_FALSE);
	assert_string_equal(e.key_provenance,
			    "generated-on-token, never-extractable");
	/* CN first: it is not among the --domain names */
	assert_int_equal(e.ndomains, 3);
	assert_string_equal(e.domains[0], "mail.example.com");
	assert_string_equal(e.domains[1], "www.example.com");
	assert_string_equal(e.domains[2], "owa.example.com");
	assert_int_equal(e.nchain, 0);
	assert_string_equal(e.key_algorithm, "RSA");
	assert_int_equal(e.key_size, 2048);
	assert_null(e.curve);
	assert_string_equal(e.signature_algorithm, "sha256WithRSAEncryption");
	assert_int_equal(strlen(e.thumbprint), 40);
	assert_int_equal(strlen(e.sha256), 64);
	assert_int_equal(strlen(e.key_id), 40);
	assert_non_null(e.serial);
	assert_int_equal(strlen(e.serial), 32);
	assert_int_equal(e.services, 0);
	assert_int_equal(e.nservices, 0);
	check_days(&e, 1825);

	assert_non_null(e.key_uri);
	assert_true(strncmp(e.key_uri, "pkcs11:", 7) == 0);
	assert_non_null(strstr(e.key_uri, "token=t"));
	assert_non_null(strstr(e.key_uri, "type=private"));
	assert_non_null(strstr(e.key_uri, "object=mail.example.com"));
	assert_non_null(e.cert_uri);
	assert_true(strncmp(e.cert_uri, "pkcs11:", 7) == 0);
	assert_non_null(strstr(e.cert_uri, "type=cert"));

	check_objects(fx, &e, "mail.example.com", 0);
	/* one PIN request, one login */
	assert_int_equal(fx->pin_asked, 1);
	hc_entry_release(&e);
}

static void
test_new_friendly_name_labels_every_object(void **state)
{
	struct fixture *fx = *state;
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=smtp.example.com";
	req.key = "ec:p256";
	req.friendly_name = "Exchange SMTP 2025";
	new_ok(fx, &req, &e);
	assert_string_equal(e.friendly_name, "Exchange SMTP 2025");
	assert_string_equal(e.key_algorithm, "EC");
	assert_string_equal(e.curve, "P-256");
	assert_int_equal(e.key_size, 256);
	assert_string_equal(e.signature_algorithm, "ecdsa-with-SHA256");
	assert_int_equal(e.ndomains, 1);
	assert_string_equal(e.domains[0], "smtp.example.com");
	assert_non_null(strstr(e.key_uri, "object=Exchange%20SMTP%202025"));
	check_objects(fx, &e, "Exchange SMTP 2025", 0);
	hc_entry_release(&e);
}

static void
test_new_cn_among_domains_keeps_domain_order(void **state)
{
	struct fixture *fx = *state;
	static const char *const doms[] = {
		"autodiscover.example.com", "MAIL.example.com",
	};
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=mail.example.com";
	req.domains = doms;
	req.ndomains = 2;
	req.key = "ec:p256";
	new_ok(fx, &req, &e);
	assert_int_equal(e.ndomains, 2);
	assert_string_equal(e.domains[0], "autodiscover.example.com");
	assert_true(hc_strcaseeq(e.domains[1], "mail.example.com"));
	hc_entry_release(&e);
}

static void
test_new_exportable(void **state)
{
	struct fixture *fx = *state;
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=export.example.com";
	req.key = "ec:p256";
	req.exportable = 1;
	new_ok(fx, &req, &e);
	assert_int_equal(e.exportable, HC_TRUE);
	assert_string_equal(e.key_provenance, "generated-on-token, exportable");
	assert_int_equal(hc_ctx_warning_count(fx->ctx), 0);
	check_objects(fx, &e, "export.example.com", 1);
	hc_entry_release(&e);
}

static void
test_new_ec_p384_signs_with_sha384(void **state)
{
	struct fixture *fx = *state;
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=p384.example.com";
	req.key = "ec:p384";
	req.days = 90;
	new_ok(fx, &req, &e);
	assert_string_equal(e.curve, "P-384");
	assert_int_equal(e.key_size, 384);
	assert_string_equal(e.signature_algorithm, "ecdsa-with-SHA384");
	check_days(&e, 90);
	check_objects(fx, &e, "p384.example.com", 0);
	hc_entry_release(&e);
}

static void
test_new_cn_not_a_dns_name_is_left_out(void **state)
{
	struct fixture *fx = *state;
	static const char *const doms[] = { "mail.example.com" };
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "O=Example, CN=Exchange Server";
	req.domains = doms;
	req.ndomains = 1;
	req.key = "ec:p256";
	new_ok(fx, &req, &e);
	assert_string_equal(e.friendly_name, "Exchange Server");
	assert_int_equal(e.ndomains, 1);
	assert_string_equal(e.domains[0], "mail.example.com");
	assert_true(fixture_has_warning(fx, "'Exchange Server'"));
	check_objects(fx, &e, "Exchange Server", 0);
	hc_entry_release(&e);
}

static void
test_new_ip_single_label_and_autodiscover_names(void **state)
{
	struct fixture *fx = *state;
	static const char *const doms[] = { "192.0.2.10", "Ex2007EE" };
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=mail.emea.tailspintoys.ca";
	req.domains = doms;
	req.ndomains = 2;
	req.include_autodiscover = 1;
	req.key = "ec:p256";
	new_ok(fx, &req, &e);
	assert_int_equal(e.ndomains, 4);
	assert_string_equal(e.domains[0], "mail.emea.tailspintoys.ca");
	assert_string_equal(e.domains[1], "192.0.2.10");
	assert_string_equal(e.domains[2], "Ex2007EE");
	assert_string_equal(e.domains[3], "autodiscover.emea.tailspintoys.ca");
	/* public CAs will not issue for a single-label name */
	assert_true(fixture_has_warning(fx, "Ex2007EE"));
	hc_entry_release(&e);
}

/* ------------------------------------------------------------------ */
/* Refusals: code, message naming the input, token unchanged            */

static void
test_new_rsa1024_denied_min_rsa_bits(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=weak.example.com";
	req.key = "rsa:1024";
	new_fails(*state, &req, HC_E_DENIED, "min-rsa-bits");
	new_fails(*state, &req, HC_E_DENIED, "rsa:1024");
}

static void
test_new_ec_p521_denied_key_types(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=p521.example.com";
	req.key = "ec:p521";
	new_fails(*state, &req, HC_E_DENIED, "key-types");
	new_fails(*state, &req, HC_E_DENIED, "ec:p521");
}

static void
test_new_bad_key_spec_is_usage(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=dsa.example.com";
	req.key = "dsa:2048";
	new_fails(*state, &req, HC_E_USAGE, "dsa:2048");
}

static void
test_new_days_above_max_days_denied(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=long.example.com";
	req.days = 4000;
	new_fails(*state, &req, HC_E_DENIED, "max-days");
	new_fails(*state, &req, HC_E_DENIED, "4000");
}

static void
test_new_days_below_one_is_usage(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=short.example.com";
	req.days = -5;
	new_fails(*state, &req, HC_E_USAGE, "--days -5");
}

static void
test_new_bad_dn_is_usage(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "C=Canada, CN=x";
	new_fails(*state, &req, HC_E_USAGE, "subject: ");
	new_fails(*state, &req, HC_E_USAGE, "'Canada'");
}

static void
test_new_missing_subject_is_usage(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	new_fails(*state, &req, HC_E_USAGE, "--subject");
	req.subject = "";
	new_fails(*state, &req, HC_E_USAGE, "--subject");
}

static void
test_new_invalid_name_is_usage(void **state)
{
	static const char *const doms[] = { "www.x.com", "mail..x.com" };
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=www.x.com";
	req.domains = doms;
	req.ndomains = 2;
	new_fails(*state, &req, HC_E_USAGE, "'mail..x.com'");
}

static void
test_new_plan_typo_is_verify_error(void **state)
{
	struct fixture *fx = *state;
	static const char *const doms[] = { "legacy.mitsev.net" };
	char plan[700];
	hc_new_req req;

	fixture_write_file(fx, "plan.txt",
			   "# namespace plan\n"
			   "mail.mitserv.net\n"
			   "legacy.mitserv.net   # the old name\n",
			   plan, sizeof(plan));
	memset(&req, 0, sizeof(req));
	req.subject = "CN=mail.mitserv.net";
	req.domains = doms;
	req.ndomains = 1;
	req.key = "ec:p256";
	req.plan = plan;
	new_fails(fx, &req, HC_E_VERIFY, "legacy.mitsev.net");
	new_fails(fx, &req, HC_E_VERIFY, "legacy.mitserv.net");
	new_fails(fx, &req, HC_E_VERIFY, "--force");
}

static void
test_new_plan_typo_with_force_succeeds(void **state)
{
	struct fixture *fx = *state;
	static const char *const doms[] = { "legacy.mitsev.net" };
	char plan[700];
	hc_new_req req;
	hc_entry e;

	fixture_write_file(fx, "plan.txt",
			   "mail.mitserv.net\nlegacy.mitserv.net\n", plan,
			   sizeof(plan));
	memset(&req, 0, sizeof(req));
	req.subject = "CN=mail.mitserv.net";
	req.domains = doms;
	req.ndomains = 1;
	req.key = "ec:p256";
	req.plan = plan;
	req.force = 1;
	new_ok(fx, &req, &e);
	assert_int_equal(e.ndomains, 2);
	assert_string_equal(e.domains[1], "legacy.mitsev.net");
	/* the override is not silent */
	assert_true(fixture_has_warning(fx, "legacy.mitserv.net"));
	check_objects(fx, &e, "mail.mitserv.net", 0);
	hc_entry_release(&e);
}

static void
test_new_friendly_name_too_long_is_usage(void **state)
{
	char name[66];
	hc_new_req req;

	memset(name, 'f', 65);
	name[65] = '\0';
	memset(&req, 0, sizeof(req));
	req.subject = "CN=name.example.com";
	req.friendly_name = name;
	new_fails(*state, &req, HC_E_USAGE, "--friendly-name");
	new_fails(*state, &req, HC_E_USAGE, "65");
}

static void
test_new_friendly_name_bad_utf8_is_usage(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=name.example.com";
	req.friendly_name = "caf\xe9";	/* Latin-1, not UTF-8 */
	new_fails(*state, &req, HC_E_USAGE,
		  "--friendly-name is not valid UTF-8");
}

/* The label of the object of class cls with key id (hex) into buf. */
static void
token_label(struct fixture *fx, const char *key_id, enum hc_obj_class cls,
	    char *buf, size_t len)
{
	struct hc_token *t = fixture_open_token(fx);
	struct hc_tobj_list l = { NULL, 0 };
	unsigned char id[20];
	hc_err err = { 0 };
	size_t n;

	assert_int_equal(hc_unhex(key_id, id, sizeof(id)), 20);
	assert_int_equal(hc_token_find(t, cls, id, sizeof(id), NULL, &l, &err),
			 0);
	n = l.n;
	buf[0] = '\0';
	if (n == 1)
		assert_true(snprintf(buf, len, "%s", l.v[0].label) >= 0);
	hc_tobj_list_release(&l);
	assert_int_equal(n, 1);
}

static void
test_new_friendly_name_64_utf8_chars_ok(void **state)
{
	struct fixture *fx = *state;
	static const char lock[] = "\xf0\x9f\x94\x90";	/* U+1F510 */
	char name[64 * 4 + 1], key_id[41], label[300];
	hc_new_req req;
	hc_entry e;
	size_t i;

	/* 64 characters, 256 bytes: the limit counts characters */
	for (i = 0; i < 64; i++)
		memcpy(name + 4 * i, lock, 4);
	name[256] = '\0';
	memset(&req, 0, sizeof(req));
	req.subject = "CN=utf8.example.com";
	req.key = "ec:p256";
	req.friendly_name = name;
	new_ok(fx, &req, &e);
	memcpy(key_id, e.key_id, sizeof(key_id));
	assert_string_equal(e.friendly_name, name);
	hc_entry_release(&e);
	/* every object carries the whole label (read back past 128 bytes) */
	token_label(fx, key_id, HC_OBJ_CERT, label, sizeof(label));
	assert_string_equal(label, name);
	token_label(fx, key_id, HC_OBJ_PUBKEY, label, sizeof(label));
	assert_string_equal(label, name);
	token_label(fx, key_id, HC_OBJ_PRIVKEY, label, sizeof(label));
	assert_string_equal(label, name);
}

static void
test_new_wrong_pin_creates_nothing(void **state)
{
	struct fixture *fx = *state;
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=pin.example.com";
	req.key = "ec:p256";
	new_fails(fx, &req, HC_E_PIN, "CKR_PIN_INCORRECT");
	/* asked once, never retried */
	assert_int_equal(fx->pin_asked, 1);
}

/* ------------------------------------------------------------------ */
/* Policy variants                                                      */

static int
setup_max_days_30(void **state)
{
	static const struct fixture_opts o = {
		.policy = "max-days = 30\n",
	};

	return fixture_setup_opts(state, &o);
}

static int
setup_no_export(void **state)
{
	static const struct fixture_opts o = {
		.policy = "allow-export = false\n",
	};

	return fixture_setup_opts(state, &o);
}

static int
setup_min_rsa_3072(void **state)
{
	static const struct fixture_opts o = {
		.policy = "min-rsa-bits = 3072\n",
	};

	return fixture_setup_opts(state, &o);
}

static void
test_new_policy_max_days_is_default(void **state)
{
	struct fixture *fx = *state;
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=month.example.com";
	req.key = "ec:p256";
	new_ok(fx, &req, &e);
	check_days(&e, 30);
	hc_entry_release(&e);
}

static void
test_new_policy_max_days_denies_more(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=month.example.com";
	req.key = "ec:p256";
	req.days = 31;
	new_fails(*state, &req, HC_E_DENIED,
		  "--days 31 exceeds the policy's max-days (30)");
}

static void
test_new_policy_no_export_warns(void **state)
{
	struct fixture *fx = *state;
	hc_new_req req;
	hc_entry e;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=noexport.example.com";
	req.key = "ec:p256";
	req.exportable = 1;
	new_ok(fx, &req, &e);
	assert_true(fixture_has_warning(fx, "allow-export = false"));
	/* the key carries the flag anyway, as asked */
	assert_int_equal(e.exportable, HC_TRUE);
	check_objects(fx, &e, "noexport.example.com", 1);
	hc_entry_release(&e);
}

static void
test_new_policy_min_rsa_bits_denies_default_key(void **state)
{
	hc_new_req req;

	memset(&req, 0, sizeof(req));
	req.subject = "CN=rsa.example.com";
	new_fails(*state, &req, HC_E_DENIED,
		  "rsa:2048 is below the policy's min-rsa-bits (3072)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
#define TS(f, s) cmocka_unit_test_setup_teardown(f, s, fixture_teardown)
		T(test_new_creates_key_and_self_signed_cert),
		T(test_new_friendly_name_labels_every_object),
		T(test_new_cn_among_domains_keeps_domain_order),
		T(test_new_exportable),
		T(test_new_ec_p384_signs_with_sha384),
		T(test_new_cn_not_a_dns_name_is_left_out),
		T(test_new_ip_single_label_and_autodiscover_names),
		T(test_new_rsa1024_denied_min_rsa_bits),
		T(test_new_ec_p521_denied_key_types),
		T(test_new_bad_key_spec_is_usage),
		T(test_new_days_above_max_days_denied),
		T(test_new_days_below_one_is_usage),
		T(test_new_bad_dn_is_usage),
		T(test_new_missing_subject_is_usage),
		T(test_new_invalid_name_is_usage),
		T(test_new_plan_typo_is_verify_error),
		T(test_new_plan_typo_with_force_succeeds),
		T(test_new_friendly_name_too_long_is_usage),
		T(test_new_friendly_name_bad_utf8_is_usage),
		T(test_new_friendly_name_64_utf8_chars_ok),
		TS(test_new_wrong_pin_creates_nothing, fixture_setup_wrong_pin),
		TS(test_new_policy_max_days_is_default, setup_max_days_30),
		TS(test_new_policy_max_days_denies_more, setup_max_days_30),
		TS(test_new_policy_no_export_warns, setup_no_export),
		TS(test_new_policy_min_rsa_bits_denies_default_key,
		   setup_min_rsa_3072),
#undef TS
#undef T
	};

	return cmocka_run_group_tests_name("new", tests, NULL, NULL);
}
