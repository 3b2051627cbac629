/* mkbench.c - fill a token with N certificate + key pairs in one process
 *
 * One process, one login: SoftHSM2 rereads every object file when a process
 * starts, so one process per object would be O(N^2) (FACTS.md). Each pair is
 * made exactly as `hsmcert new` makes it (key generated on the token with
 * hsmcert's attributes, self-signed certificate signed on the token).
 *
 *   mkbench CONFIG N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "hsmcert.h"
#include "core/dn.h"
#include "core/x509.h"
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

int
main(int argc, char **argv)
{
	hc_ctx_opts o = { 0 };
	hc_err err = { 0 };
	hc_ctx *ctx;
	long i, n;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: mkbench CONFIG N\n");
		return 2;
	}
	o.config = argv[1];
	ctx = hc_ctx_new(&o, &err);
	if (ctx == NULL) {
		fprintf(stderr, "mkbench: %s\n", err.msg);
		return 1;
	}
	hc_ctx_set_secret_cb(ctx, pin_from_file, NULL);
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
		if (hc_create_begin(ctx, &c, &t, &err) != 0)
			goto fail;
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
	hc_ctx_free(ctx);
	return 0;
}
