/* x509.c - certificates with OpenSSL: build, parse, describe */
#include <arpa/inet.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/x509.h"

int
hc_x509_key_id(EVP_PKEY *pk, unsigned char out[20], hc_err *err)
{
	X509_PUBKEY *xpk = NULL;
	const unsigned char *bits = NULL;
	int len = 0;
	int ret = -1;

	if (X509_PUBKEY_set(&xpk, pk) != 1 ||
	    X509_PUBKEY_get0_param(NULL, &bits, &len, NULL, xpk) != 1 ||
	    len <= 0) {
		hc_err_ossl(err, HC_E_FAIL, "cannot compute the key id");
		goto out;
	}
	if (EVP_Digest(bits, (size_t)len, out, NULL, EVP_sha1(), NULL) != 1) {
		hc_err_ossl(err, HC_E_FAIL, "cannot compute the key id");
		goto out;
	}
	ret = 0;
out:
	X509_PUBKEY_free(xpk);
	return ret;
}

int
hc_x509_cert_key_id(X509 *x, X509_REQ *req, unsigned char out[20], hc_err *err)
{
	X509_PUBKEY *xpk = x != NULL ? X509_get_X509_PUBKEY(x) :
			   X509_REQ_get_X509_PUBKEY(req);
	const unsigned char *bits = NULL;
	unsigned int mdlen = 0;
	int len = 0;

	if (xpk == NULL ||
	    X509_PUBKEY_get0_param(NULL, &bits, &len, NULL, xpk) != 1 ||
	    len <= 0 ||
	    EVP_Digest(bits, (size_t)len, out, &mdlen, EVP_sha1(), NULL) != 1)
		return hc_err_ossl(err, HC_E_FAIL, "cannot compute the key id");
	return 0;
}

X509_NAME *
hc_x509_name_from_dn(const struct hc_dn *dn, hc_err *err)
{
	X509_NAME *name = X509_NAME_new();
	size_t i;

	if (name == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	for (i = 0; i < dn->n; i++) {
		int nid = OBJ_txt2nid(dn->attrs[i].key);

		if (nid == NID_undef ||
		    !X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
				(const unsigned char *)dn->attrs[i].value,
				-1, -1, 0)) {
			hc_err_ossl(err, HC_E_USAGE,
				    "subject: cannot encode %s='%s'",
				    dn->attrs[i].key, dn->attrs[i].value);
			X509_NAME_free(name);
			return NULL;
		}
	}
	return name;
}

char *
hc_x509_name_text(const X509_NAME *name)
{
	unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK &
			       ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC;
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL, *s = NULL;
	long len;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0, flags) < 0)
		goto out;
	len = BIO_get_mem_data(b, &data);
	if (len < 0)
		goto out;
	s = malloc((size_t)len + 1);
	if (s == NULL)
		goto out;
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
out:
	BIO_free(b);
	ERR_clear_error();
	return s;
}

static int
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value, hc_err *err)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	if (ext == NULL)
		return hc_err_ossl(err, HC_E_FAIL, "cannot build extension %s",
				   OBJ_nid2sn(nid));
	if (!X509_add_ext(x, ext, -1)) {
		X509_EXTENSION_free(ext);
		return hc_err_ossl(err, HC_E_FAIL, "cannot add extension %s",
				   OBJ_nid2sn(nid));
	}
	X509_EXTENSION_free(ext);
	return 0;
}

/* The SAN list with the typed API, so no name is re-parsed. */
static GENERAL_NAMES *
san_names(const struct hc_strlist *names, hc_err *err)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	size_t i;

	if (gens == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	for (i = 0; i < names->n; i++) {
		GENERAL_NAME *g = NULL;
		ASN1_OCTET_STRING *ip = a2i_IPADDRESS(names->v[i]);

		if (ip != NULL) {
			g = GENERAL_NAME_new();
			if (g == NULL) {
				ASN1_OCTET_STRING_free(ip);
				goto ossl;
			}
			GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
		} else {
			ASN1_IA5STRING *s = ASN1_IA5STRING_new();

			ERR_clear_error();
			if (s == NULL || !ASN1_STRING_set(s, names->v[i], -1)) {
				ASN1_IA5STRING_free(s);
				goto ossl;
			}
			g = GENERAL_NAME_new();
			if (g == NULL) {
				ASN1_IA5STRING_free(s);
				goto ossl;
			}
			GENERAL_NAME_set0_value(g, GEN_DNS, s);
		}
		if (!sk_GENERAL_NAME_push(gens, g)) {
			GENERAL_NAME_free(g);
			goto ossl;
		}
	}
	return gens;
ossl:
	hc_err_ossl(err, HC_E_FAIL, "cannot build the subjectAltName extension");
	GENERAL_NAMES_free(gens);
	return NULL;
}

static int
add_san(X509 *x, const struct hc_strlist *names, hc_err *err)
{
	GENERAL_NAMES *gens = san_names(names, err);
	int ret = 0;

	if (gens == NULL)
		return -1;
	if (!X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
			       X509V3_ADD_DEFAULT))
		ret = hc_err_ossl(err, HC_E_FAIL,
				  "cannot add the subjectAltName extension");
	GENERAL_NAMES_free(gens);
	return ret;
}

X509_REQ *
hc_x509_make_csr(const X509_NAME *name, const struct hc_strlist *names,
		 EVP_PKEY *pubkey, const char *digest, EVP_PKEY *signer,
		 hc_err *err)
{
	X509_REQ *req = NULL, *ret = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *gens = NULL;
	X509_EXTENSION *ext = NULL;
	const EVP_MD *md = EVP_get_digestbyname(digest);

	if (md == NULL) {
		hc_err_set(err, HC_E_USAGE, "unknown digest %s", digest);
		return NULL;
	}
	req = X509_REQ_new();
	exts = sk_X509_EXTENSION_new_null();
	if (req == NULL || exts == NULL ||
	    !X509_REQ_set_version(req, 0) ||
	    !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, pubkey))
		goto fail;
	if (names->n > 0) {
		gens = san_names(names, err);
		if (gens == NULL)
			goto out;
		ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
		if (ext == NULL || !sk_X509_EXTENSION_push(exts, ext))
			goto fail;
		ext = NULL;
		if (!X509_REQ_add_extensions(req, exts))
			goto fail;
	}
	if (X509_REQ_sign(req, signer, md) <= 0) {
		hc_err_ossl(err, HC_E_FAIL,
			    "signing the request on the token failed");
		goto out;
	}
	ret = req;
	req = NULL;
	goto out;
fail:
	hc_err_ossl(err, HC_E_FAIL, "cannot build the certificate request");
out:
	X509_REQ_free(req);
	X509_EXTENSION_free(ext);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	return ret;
}

int
hc_x509_req_der(X509_REQ *req, unsigned char **der, size_t *len, hc_err *err)
{
	unsigned char *p = NULL;
	int n = i2d_X509_REQ(req, &p);
	unsigned char *copy;

	if (n <= 0)
		return hc_err_ossl(err, HC_E_FAIL, "cannot encode the request");
	copy = malloc((size_t)n);
	if (copy == NULL) {
		OPENSSL_free(p);
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	memcpy(copy, p, (size_t)n);
	OPENSSL_free(p);
	*der = copy;
	*len = (size_t)n;
	return 0;
}

static char *
bio_string(BIO *b, hc_err *err)
{
	char *data = NULL, *s;
	long len = BIO_get_mem_data(b, &data);

	if (len < 0) {
		hc_err_set(err, HC_E_FAIL, "internal: empty buffer");
		return NULL;
	}
	s = malloc((size_t)len + 1);
	if (s == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
	return s;
}

char *
hc_x509_req_to_pem(X509_REQ *req, hc_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b == NULL || !PEM_write_bio_X509_REQ(b, req))
		hc_err_ossl(err, HC_E_FAIL, "cannot write the request as PEM");
	else
		s = bio_string(b, err);
	BIO_free(b);
	return s;
}

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
			char *c = strndup((const char *)ASN1_STRING_get0_data(s),
					  (size_t)ASN1_STRING_length(s));

			if (c == NULL) {
				ret = hc_err_set(err, HC_E_FAIL, "out of memory");
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

static int
random_serial(X509 *x, hc_err *err)
{
	unsigned char buf[16];
	BIGNUM *bn = NULL;
	int ret = -1;

	if (RAND_bytes(buf, sizeof(buf)) != 1)
		return hc_err_ossl(err, HC_E_FAIL, "no random bytes");
	buf[0] &= 0x7f;		/* positive */
	buf[0] |= 0x40;		/* and exactly 16 bytes long */
	bn = BN_bin2bn(buf, sizeof(buf), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "cannot set the serial number");
		goto out;
	}
	ret = 0;
out:
	BN_free(bn);
	return ret;
}

X509 *
hc_x509_self_signed(const struct hc_cert_params *p, EVP_PKEY *signer,
		    hc_err *err)
{
	X509 *x = NULL, *ret = NULL;
	ASN1_OCTET_STRING *skid = NULL;
	AUTHORITY_KEYID *akid = NULL;
	const EVP_MD *md;
	X509V3_CTX v3;
	int is_rsa = EVP_PKEY_is_a(p->pubkey, "RSA");

	md = EVP_get_digestbyname(p->digest);
	if (md == NULL) {
		hc_err_set(err, HC_E_USAGE, "unknown digest %s", p->digest);
		goto out;
	}
	x = X509_new();
	if (x == NULL)
		goto fail;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    random_serial(x, err) != 0 ||
	    !X509_set_subject_name(x, p->name) ||
	    !X509_set_issuer_name(x, p->name) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)p->days, 0, NULL) == NULL ||
	    !X509_set_pubkey(x, p->pubkey))
		goto fail;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE", err) ||
	    add_ext(x, &v3, NID_key_usage, is_rsa ?
		    "critical,digitalSignature,keyEncipherment" :
		    "critical,digitalSignature", err) ||
	    add_ext(x, &v3, NID_ext_key_usage, "serverAuth,clientAuth", err) ||
	    add_san(x, p->names, err))
		goto fail;
	skid = ASN1_OCTET_STRING_new();
	akid = AUTHORITY_KEYID_new();
	if (skid == NULL || akid == NULL ||
	    !ASN1_OCTET_STRING_set(skid, p->key_id, 20) ||
	    !X509_add1_ext_i2d(x, NID_subject_key_identifier, skid, 0,
			       X509V3_ADD_DEFAULT))
		goto fail;
	akid->keyid = skid;
	skid = NULL;
	if (!X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0,
			       X509V3_ADD_DEFAULT))
		goto fail;
	if (X509_sign(x, signer, md) <= 0) {
		hc_err_ossl(err, HC_E_FAIL,
			    "signing the certificate on the token failed");
		goto out;
	}
	ret = x;
	x = NULL;
	goto out;
fail:
	hc_err_ossl(err, HC_E_FAIL, "cannot build the certificate");
out:
	X509_free(x);
	ASN1_OCTET_STRING_free(skid);
	AUTHORITY_KEYID_free(akid);
	return ret;
}

void
hc_x509_thumbprint(X509 *x, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (X509_digest(x, EVP_sha1(), md, &len) != 1 || len != 20) {
		out[0] = '\0';
		return;
	}
	hc_hex(md, len, out);
}

void
hc_x509_sha256(X509 *x, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (X509_digest(x, EVP_sha256(), md, &len) != 1 || len != 32) {
		out[0] = '\0';
		return;
	}
	hc_hex(md, len, out);
}

int
hc_x509_claims_self_signed(X509 *x)
{
	if (X509_NAME_cmp(X509_get_subject_name(x),
			  X509_get_issuer_name(x)) != 0)
		return 0;
	/*
	 * A CA's self-issued certificate (a key rollover) is signed by its
	 * other key: OpenSSL's own test (key identifiers agree) tells them
	 * apart. A leaf with issuer = subject has nobody else to be signed by.
	 */
	if (hc_x509_is_ca(x) && X509_self_signed(x, 0) != 1) {
		ERR_clear_error();
		return 0;
	}
	return 1;
}

int
hc_x509_self_signature_ok(X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int ok = pk != NULL && X509_verify(x, pk) == 1;

	ERR_clear_error();
	return ok;
}

int
hc_x509_is_self_signed(X509 *x)
{
	return hc_x509_claims_self_signed(x) && hc_x509_self_signature_ok(x);
}

int
hc_x509_check_self_signature(X509 *x, const char *what, hc_err *err)
{
	char thumb[41];

	if (!hc_x509_claims_self_signed(x) || hc_x509_self_signature_ok(x))
		return 0;
	hc_x509_thumbprint(x, thumb);
	return hc_err_set(err, HC_E_VERIFY,
			  "%s: certificate %s has issuer = subject but its self-signature does not verify with its own public key (forged or damaged): refused",
			  what, thumb);
}

int
hc_x509_is_ca(X509 *x)
{
	return X509_check_ca(x) != 0 &&
	       (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
}

static time_t
asn1_time_t(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (time_t)hc_timegm(&tm);
}

static int
push_domain(hc_entry *e, const char *s, size_t len, hc_err *err)
{
	char **nv = realloc(e->domains, (e->ndomains + 1) * sizeof(*nv));
	char *c;

	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	e->domains = nv;
	c = malloc(len + 1);
	if (c == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(c, s, len);
	c[len] = '\0';
	e->domains[e->ndomains++] = c;
	return 0;
}

static int
fill_domains(X509 *x, hc_entry *e, hc_err *err)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
					       NULL);
	int i, ret = 0;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS) {
			const ASN1_STRING *s = g->d.dNSName;

			ret = push_domain(e, (const char *)ASN1_STRING_get0_data(s),
					  (size_t)ASN1_STRING_length(s), err);
		} else if (g->type == GEN_IPADD) {
			char ip[INET6_ADDRSTRLEN];
			const ASN1_OCTET_STRING *o = g->d.iPAddress;
			int len = ASN1_STRING_length(o);

			if ((len != 4 && len != 16) ||
			    inet_ntop(len == 4 ? AF_INET : AF_INET6,
				      ASN1_STRING_get0_data(o), ip,
				      sizeof(ip)) == NULL)
				continue;
			ret = push_domain(e, ip, strlen(ip), err);
		}
		if (ret != 0)
			break;
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return ret;
}

int
hc_x509_fill_key(EVP_PKEY *pk, hc_entry *e, hc_err *err)
{
	char group[64];
	size_t glen = 0;

	free(e->key_algorithm);
	free(e->curve);
	e->key_algorithm = NULL;
	e->curve = NULL;
	e->key_size = EVP_PKEY_get_bits(pk);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		e->key_algorithm = strdup("RSA");
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		e->key_algorithm = strdup("EC");
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) == 1) {
			int nid = OBJ_sn2nid(group);
			const char *nist = EC_curve_nid2nist(nid);

			e->curve = strdup(nist ? nist : group);
		}
	} else {
		e->key_algorithm = strdup(OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
	}
	ERR_clear_error();
	if (e->key_algorithm == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	return 0;
}

int
hc_x509_fill_entry(X509 *x, hc_entry *e, hc_err *err)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = NULL;
	char *hex = NULL;
	EVP_PKEY *pk;
	int ret = -1;
	size_t i;

	e->subject = hc_x509_name_text(X509_get_subject_name(x));
	e->issuer = hc_x509_name_text(X509_get_issuer_name(x));
	if (e->subject == NULL || e->issuer == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	e->not_before = asn1_time_t(X509_get0_notBefore(x));
	e->not_after = asn1_time_t(X509_get0_notAfter(x));
	e->has_dates = 1;
	/* as claimed: hc_describe checks the signature (once, with the chain) */
	e->is_self_signed = hc_x509_claims_self_signed(x) ? HC_TRUE : HC_FALSE;
	hc_x509_thumbprint(x, e->thumbprint);
	hc_x509_sha256(x, e->sha256);
	bn = ASN1_INTEGER_to_BN(sn, NULL);
	hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	if (hex == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "cannot read the serial number");
		goto out;
	}
	e->serial = strdup(hex);
	if (e->serial == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; e->serial[i] != '\0'; i++)
		if (e->serial[i] >= 'A' && e->serial[i] <= 'F')
			e->serial[i] = (char)(e->serial[i] - 'A' + 'a');
	e->signature_algorithm =
		strdup(OBJ_nid2ln(X509_get_signature_nid(x)));
	if (fill_domains(x, e, err) != 0)
		goto out;
	pk = X509_get0_pubkey(x);
	if (pk != NULL && hc_x509_fill_key(pk, e, err) != 0)
		goto out;
	ret = 0;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
	return ret;
}

X509 *
hc_x509_from_der(const unsigned char *der, size_t len, hc_err *err)
{
	const unsigned char *p = der;
	X509 *x;

	if (len > 0x7fffffff) {
		hc_err_set(err, HC_E_USAGE, "certificate too large");
		return NULL;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		hc_err_ossl(err, HC_E_USAGE, "not a DER certificate");
	return x;
}

char *
hc_x509_to_pem(X509 *x, hc_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL, *s = NULL;
	long len;

	if (b == NULL || !PEM_write_bio_X509(b, x)) {
		hc_err_ossl(err, HC_E_FAIL, "cannot write PEM");
		goto out;
	}
	len = BIO_get_mem_data(b, &data);
	s = malloc((size_t)len + 1);
	if (s == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
out:
	BIO_free(b);
	return s;
}

/* ------------------------------------------------------------------ */
/* Chains                                                               */

int
hc_chain_ctx_init(struct hc_chain_ctx *c, const char *trust_anchors,
		  STACK_OF(X509) *token_cas, hc_err *err)
{
	memset(c, 0, sizeof(*c));
	c->system = X509_STORE_new();
	if (c->system == NULL || X509_STORE_set_default_paths(c->system) != 1) {
		hc_err_ossl(err, HC_E_FAIL, "cannot load the system trust store");
		goto fail;
	}
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
		r->reason = strdup("issuer = subject, but the self-signature does not verify with the certificate's own public key");
		return 0;
	}
	if (c->private != NULL) {
		rc = chain_try(c, c->private, leaf, &ch, &verr);
		if (rc < 0)
			return hc_err_ossl(err, HC_E_FAIL, "chain building failed");
		if (rc == 1) {
			r->root = HC_ROOT_PRIVATE;
			r->trusted = 1;
			r->chain = ch;
			return 0;
		}
		sk_X509_pop_free(ch, X509_free);
		ch = NULL;
	}
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
		return strdup("issuer = subject, but the self-signature does not verify with the certificate's own public key: a forged or damaged self-signed certificate; remove it");
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
