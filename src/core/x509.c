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
#include "core/range.h"
#include "core/x509.h"
#include "core/x509_brief.h"
#include "core/x509_pool.h"

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
	hc_err_ossl(err, HC_E_FAIL,
		    "cannot build the subjectAltName extension");
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
	if (bn == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
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
	    random_serial(x, err) != 0 || !X509_set_subject_name(x, p->name) ||
	    !X509_set_issuer_name(x, p->name) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x),
			     hc_range_clamp_int_long(p->days), 0,
			     NULL) == NULL ||
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
	EVP_PKEY *pk;
	int ok = hc_x509_pool_memo(x);

	if (ok >= 0)
		return ok;	/* checked while the token was read */
	pk = X509_get0_pubkey(x);
	ok = pk != NULL && X509_verify(x, pk) == 1;
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

int
hc_x509_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	*out = 0;
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (time_t)hc_timegm(&tm);
	return 0;
}

static time_t
asn1_time_t(const ASN1_TIME *t)
{
	time_t v;

	(void)hc_x509_time(t, &v);
	return v;
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
fill_domains(const STACK_OF(X509_EXTENSION) *exts, hc_entry *e, hc_err *err)
{
	GENERAL_NAMES *gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL,
					     NULL);
	int i, ret = 0;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS) {
			const ASN1_STRING *s = g->d.dNSName;

			const char *d = (const char *)ASN1_STRING_get0_data(s);

			ret = push_domain(e, d, (size_t)ASN1_STRING_length(s),
					  err);
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
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group),
					    &glen) == 1) {
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
	struct hc_cert_view v;

	hc_x509_view(x, &v);
	return hc_x509_view_fill_entry(&v, e, err);
}

int
hc_x509_view_fill_entry(const struct hc_cert_view *v, hc_entry *e,
			hc_err *err)
{
	BIGNUM *bn = NULL;
	char *hex = NULL;
	int ret = -1;
	size_t i;

	e->subject = hc_x509_name_text(v->subject);
	e->issuer = hc_x509_name_text(v->issuer);
	if (e->subject == NULL || e->issuer == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	e->not_before = asn1_time_t(v->not_before);
	e->not_after = asn1_time_t(v->not_after);
	e->has_dates = 1;
	/* as claimed: hc_describe checks the signature (once, with chains) */
	e->is_self_signed = v->claims_self_signed ? HC_TRUE : HC_FALSE;
	hc_x509_view_thumbprint(v, e->thumbprint);
	hc_x509_view_sha256(v, e->sha256);
	bn = ASN1_INTEGER_to_BN(v->serial, NULL);
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
	e->signature_algorithm = strdup(OBJ_nid2ln(v->sig_nid));
	if (fill_domains(v->exts, e, err) != 0)
		goto out;
	if (v->pk != NULL && hc_x509_fill_key(v->pk, e, err) != 0)
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
	x = d2i_X509(NULL, &p, hc_range_clamp_long(len));
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
