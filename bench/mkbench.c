/* mkbench.c - fill a token with N certificate + key pairs in one process
 *
 * One process, one login: SoftHSM2 rereads every object file when a process
 * starts, so one process per object would be O(N^2) (FACTS.md). Each pair is
 * made exactly as `hsmcert new` makes it (key generated on the token with
 * hsmcert's attributes, self-signed certificate signed on the token).
 *
 *   mkbench CONFIG N [CA-PEM]
 *
 * With CA-PEM, the pairs are CA-issued instead: a request is made on the
 * token as `hsmcert request` makes it, signed by a software CA whose
 * certificate is written to CA-PEM (the configuration's trust-anchors) and
 * stored on the token as an authority, and completed as `complete` would
 * leave it (certificate beside its key, the pending request gone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hsmcert.h"
#include "core/dn.h"
#include "core/x509.h"
#include "ops/create.h"
#include "ops/new.h"
#include "ops/ops.h"

static int
pin_from_file(void *arg, const char *what, const char *source, hc_secret **out,
	      hc_err *err)
{
	char buf[256];
	FILE *f;
	size_t n;

	(void)arg;
	(void)what;
	if (source == NULL || strncmp(source, "file:", 5) != 0) {
		err->code = HC_E_USAGE;
		snprintf(err->msg, sizeof(err->msg), "mkbench needs a file: pin-source");
		return -1;
	}
	f = fopen(source + 5, "r");
	if (f == NULL || fgets(buf, sizeof(buf), f) == NULL) {
		if (f)
			fclose(f);
		err->code = HC_E_USAGE;
		snprintf(err->msg, sizeof(err->msg), "cannot read %s", source);
		return -1;
	}
	fclose(f);
	n = strcspn(buf, "\r\n");
	*out = hc_secret_new(buf, n, err);
	memset(buf, 0, sizeof(buf));
	return *out ? 0 : -1;
}

struct ca {
	EVP_PKEY *key;
	X509 *cert;
};

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v;
	X509_EXTENSION *e;

	X509V3_set_ctx(&v, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v, nid, value);
	if (e != NULL)
		X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for subject/key, issued by ca (ca->cert NULL: the CA's own
 * self-signed certificate). */
static X509 *
issue(struct ca *ca, const X509_NAME *subject, EVP_PKEY *key, long days,
      const char *host, long serial)
{
	X509 *x = X509_new();
	char san[128];

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_subject_name(x, subject);
	X509_set_issuer_name(x, ca->cert ? X509_get_subject_name(ca->cert) :
			     subject);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * days);
	X509_set_pubkey(x, key);
	if (ca->cert == NULL) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, x, NID_subject_key_identifier, "hash");
	} else {
		snprintf(san, sizeof(san), "DNS:%s", host);
		add_ext(x, ca->cert, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, ca->cert, NID_subject_alt_name, san);
		add_ext(x, ca->cert, NID_authority_key_identifier, "keyid");
	}
	if (X509_sign(x, ca->key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* The software CA: its certificate to pem and onto the token. */
static int
make_ca(hc_ctx *ctx, const char *pem, struct ca *ca, hc_err *err)
{
	X509_NAME *n = X509_NAME_new();
	struct hc_token *tok = hc_ctx_token(ctx, 1, err);
	unsigned long h;
	FILE *f;
	int ret = -1;

	ca->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ca->cert = NULL;
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
				   (const unsigned char *)"hsmcert bench CA",
				   -1, -1, 0);
	if (tok == NULL || ca->key == NULL)
		goto out;
	ca->cert = issue(ca, n, ca->key, 3650, NULL, 1);
	f = fopen(pem, "w");
	if (ca->cert == NULL || f == NULL)
		goto out;
	PEM_write_X509(f, ca->cert);
	fclose(f);
	ret = hc_token_store_cert(tok, ca->cert, "hsmcert bench CA",
				  (const unsigned char *)"", 0,
				  HC_CAT_AUTHORITY, &h, err);
out:
	X509_NAME_free(n);
	return ret;
}

/*
 * Complete the request t made, as `complete` leaves it: the CA's
 * certificate beside the key, the pending request object destroyed.
 */
static int
complete(hc_ctx *ctx, struct ca *ca, struct hc_create *c,
	 struct hc_create_txn *t, long serial, hc_err *err)
{
	struct hc_token *tok = hc_ctx_token(ctx, 1, err);
	EVP_PKEY *pk = X509_REQ_get0_pubkey(t->made.req);
	X509 *x;
	unsigned long h;
	int ret;

	if (tok == NULL || pk == NULL)
		return -1;
	x = issue(ca, c->name, pk, c->days, c->label, serial);
	if (x == NULL)
		return -1;
	ret = hc_token_store_cert(tok, x, c->label, t->made.id,
				  sizeof(t->made.id), HC_CAT_USER, &h, err);
	X509_free(x);
	if (ret == 0)
		ret = hc_token_destroy(tok, t->made.obj, err);
	return ret;
}

int
main(int argc, char **argv)
{
	hc_ctx_opts o = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx;
	struct ca ca = { NULL, NULL };
	long i, n;

	if ((argc != 3 && argc != 4) ||
	    (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: mkbench CONFIG N [CA-PEM]\n");
		return 2;
	}
	o.config = argv[1];
	ctx = hc_ctx_new(&o, &err);
	if (ctx == NULL) {
		fprintf(stderr, "mkbench: %s\n", err.msg);
		return 1;
	}
	hc_ctx_set_secret_cb(ctx, pin_from_file, NULL);
	if (argc == 4 && make_ca(ctx, argv[3], &ca, &err) != 0) {
		fprintf(stderr, "mkbench: the CA: %s\n", err.msg);
		hc_ctx_free(ctx);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct hc_dn dn = { 0 };
		struct hc_strlist names = { 0 };
		struct hc_create c;
		struct hc_create_txn t;
		char subj[128], host[96];

		snprintf(host, sizeof(host), "host%05ld.bench.example.com", i);
		snprintf(subj, sizeof(subj), "CN=%s, O=hsmcert bench", host);
		memset(&c, 0, sizeof(c));
		if (hc_dn_parse(subj, &dn, &err) != 0 ||
		    hc_strlist_push(&names, host, &err) != 0)
			goto fail;
		c.owned_name = hc_x509_name_from_dn(&dn, &err);
		if (c.owned_name == NULL)
			goto fail;
		c.name = c.owned_name;
		c.names = &names;
		c.key.kind = HC_KEY_EC;
		c.key.bits = 256;
		c.label = host;
		c.days = 365 + (i % 1000);
		c.request = ca.cert != NULL;
		if (hc_create_begin(ctx, &c, &t, &err) != 0)
			goto fail;
		if (ca.cert != NULL && complete(ctx, &ca, &c, &t, i + 2, &err)) {
			hc_create_abort(&t);
			goto fail;
		}
		hc_create_commit(&t);
		X509_NAME_free(c.owned_name);
		hc_dn_release(&dn);
		hc_strlist_release(&names);
		if ((i + 1) % 500 == 0)
			fprintf(stderr, "mkbench: %ld pairs\n", i + 1);
		continue;
fail:
		fprintf(stderr, "mkbench: pair %ld: %s\n", i, err.msg);
		hc_ctx_free(ctx);
		return 1;
	}
	X509_free(ca.cert);
	EVP_PKEY_free(ca.key);
	hc_ctx_free(ctx);
	return 0;
}
