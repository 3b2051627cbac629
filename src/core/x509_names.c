/* x509_names.c - the SAN names of a certificate or request: read, compared */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/x509.h"

int
hc_x509_names(X509 *x, X509_REQ *req, struct hc_strlist *l, hc_err *err)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *gens;
	int i, ret = 0;

	if (x != NULL) {
		gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	} else {
		exts = X509_REQ_get_extensions(req);
		gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
	}
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && ret == 0;
	     i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char ip[INET6_ADDRSTRLEN];

		if (g->type == GEN_DNS) {
			const ASN1_STRING *s = g->d.dNSName;
			char *c =
				strndup((const char *)ASN1_STRING_get0_data(s),
					(size_t)ASN1_STRING_length(s));

			if (c == NULL) {
				ret = hc_err_set(err, HC_E_FAIL,
						 "out of memory");
				break;
			}
			ret = hc_strlist_push(l, c, err);
			free(c);
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *o = g->d.iPAddress;
			int len = ASN1_STRING_length(o);

			if ((len == 4 || len == 16) &&
			    inet_ntop(len == 4 ? AF_INET : AF_INET6,
				      ASN1_STRING_get0_data(o), ip,
				      sizeof(ip)) != NULL)
				ret = hc_strlist_push(l, ip, err);
		}
	}
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ERR_clear_error();
	return ret;
}

/* A DNS name or an IP address of a SAN list as text, or NULL for others. */
static char *
gen_text(const GENERAL_NAME *g)
{
	char ip[INET6_ADDRSTRLEN];
	int len;

	if (g->type == GEN_DNS) {
		/* from a CA's answer: control bytes escaped, never raw */
		const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
		size_t i, n = (size_t)ASN1_STRING_length(g->d.dNSName), k = 0;
		char *t = malloc(4 * n + 1);

		for (i = 0; t != NULL && i < n; i++) {
			if (d[i] >= 0x20 && d[i] < 0x7f) {
				t[k++] = (char)d[i];
			} else {
				t[k++] = '\\';
				t[k++] = 'x';
				t[k++] = "0123456789abcdef"[d[i] >> 4];
				t[k++] = "0123456789abcdef"[d[i] & 15];
			}
		}
		if (t != NULL)
			t[k] = '\0';
		return t;
	}
	if (g->type != GEN_IPADD)
		return NULL;
	len = ASN1_STRING_length(g->d.iPAddress);
	if ((len != 4 && len != 16) ||
	    inet_ntop(len == 4 ? AF_INET : AF_INET6,
		      ASN1_STRING_get0_data(g->d.iPAddress), ip,
		      sizeof(ip)) == NULL)
		return strdup("(malformed IP address)");
	return strdup(ip);
}

/*
 * Same name: DNS names compare case-insensitively (RFC 4343), IP
 * addresses by their bytes; a DNS name never equals an IP address.
 */
static int
gen_same(const GENERAL_NAME *a, const GENERAL_NAME *b)
{
	const ASN1_STRING *x, *y;
	int i, n;

	if (a->type != b->type)
		return 0;
	if (a->type == GEN_IPADD)
		return ASN1_STRING_cmp(a->d.iPAddress, b->d.iPAddress) == 0;
	if (a->type != GEN_DNS)
		return 0;
	x = a->d.dNSName;
	y = b->d.dNSName;
	n = ASN1_STRING_length(x);
	if (n != ASN1_STRING_length(y))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = ASN1_STRING_get0_data(x)[i];
		unsigned char d = ASN1_STRING_get0_data(y)[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (d >= 'A' && d <= 'Z')
			d = (unsigned char)(d - 'A' + 'a');
		if (c != d)
			return 0;
	}
	return 1;
}

/* The names of want (DNS and IP only) that have is lacks, as text. */
static int
gens_missing(const GENERAL_NAMES *want, const GENERAL_NAMES *have,
	     struct hc_strlist *out, hc_err *err)
{
	int i, k;

	for (i = 0; want != NULL && i < sk_GENERAL_NAME_num(want); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(want, i);
		char *t;
		int found = 0;

		if (g->type != GEN_DNS && g->type != GEN_IPADD)
			continue;
		for (k = 0; have != NULL && k < sk_GENERAL_NAME_num(have); k++)
			if (gen_same(g, sk_GENERAL_NAME_value(have, k)))
				found = 1;
		if (found)
			continue;
		t = gen_text(g);
		if (t == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
		/* a name listed twice is reported once */
		if (hc_strlist_find_ci(out, t) < 0 &&
		    hc_strlist_push(out, t, err) != 0) {
			free(t);
			return -1;
		}
		free(t);
	}
	return 0;
}

int
hc_x509_names_diff(X509 *x, X509_REQ *req, struct hc_strlist *missing,
		   struct hc_strlist *extra, hc_err *err)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *want = X509V3_get_d2i(exts, NID_subject_alt_name, NULL,
					     NULL);
	GENERAL_NAMES *have = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
					       NULL);
	int ret = 0;

	if (gens_missing(want, have, missing, err) != 0 ||
	    gens_missing(have, want, extra, err) != 0)
		ret = -1;
	GENERAL_NAMES_free(want);
	GENERAL_NAMES_free(have);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ERR_clear_error();
	return ret;
}
