/* bundle.c - parse what a CA hands back: PEM, DER, PKCS#7, PKCS#12
 *
 * The input is untrusted (a mail attachment, a download) and this parser is
 * fuzzed: every length is checked, every allocation is owned by one place,
 * and every OpenSSL failure is an expected one whose queue is cleared.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/bundle.h"
#include "core/fileio.h"
#include "core/error.h"
#include "core/range.h"
#include "core/utf8.h"
#include "core/util.h"

/* At most this many distinct block names are listed in a message. */
#define NAMES_MAX 8
/* Block names are shown at most this long (with "..." when cut). */
#define NAME_SHOWN 64

/* The certificates found so far, each with the SHA-256 of its DER. */
struct bundle_acc {
	STACK_OF(X509) *sk;
	unsigned char (*md)[32];
	size_t n;
};

/* What a PEM walk met besides certificates. */
struct pem_seen {
	struct hc_strlist names;	/* distinct block names, shown form */
	int nblocks;
	int request;
	int key;
};

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

/* Does "-----BEGIN " occur in p? (The input may hold NULs: no strstr.) */
static int
has_pem_begin(const unsigned char *p, size_t n)
{
	static const char tag[] = "-----BEGIN ";
	size_t tl = sizeof(tag) - 1, i;

	if (n < tl)
		return 0;
	for (i = 0; i + tl <= n; i++)
		if (p[i] == '-' && memcmp(p + i, tag, tl) == 0)
			return 1;
	return 0;
}

/*
 * Name of the first "-----BEGIN NAME-----" line in p, the line OpenSSL's
 * PEM reader failed on; it gives no name back when it fails.
 */
static void
pem_next_name(const unsigned char *p, size_t n, char *out, size_t cap)
{
	static const char begin[] = "-----BEGIN ";
	size_t bl = sizeof(begin) - 1, i = 0;

	while (i < n) {
		size_t s = i, e;

		while (i < n && p[i] != '\n')
			i++;
		e = i;
		if (i < n)
			i++;
		while (e > s && (p[e - 1] <= 0x20 || p[e - 1] == 0x7f))
			e--;
		if (e - s >= bl + 5 && memcmp(p + s, begin, bl) == 0 &&
		    memcmp(p + e - 5, "-----", 5) == 0) {
			hc_utf8_show((const char *)p + s + bl, e - s - bl - 5,
				     out, cap);
			return;
		}
	}
	hc_utf8_show("unknown", 7, out, cap);
}

static void
acc_release(struct bundle_acc *acc)
{
	sk_X509_pop_free(acc->sk, X509_free);
	free(acc->md);
	acc->sk = NULL;
	acc->md = NULL;
	acc->n = 0;
}

/*
 * Add x (the reference is taken over, freed on every path) unless the same
 * DER is already there.
 */
static int
acc_add(struct bundle_acc *acc, X509 *x, const char *origin, hc_err *err)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	unsigned char (*nmd)[32] = NULL;
	size_t i;
	int ret = -1;

	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
		hc_err_ossl(err, HC_E_USAGE,
			    "%s: a certificate cannot be encoded", origin);
		goto out;
	}
	for (i = 0; i < acc->n; i++) {
		if (memcmp(acc->md[i], md, sizeof(md)) == 0) {
			ret = 0;
			goto out;
		}
	}
	if (acc->n >= HC_BUNDLE_MAX_CERTS) {
		hc_err_set(err, HC_E_USAGE,
			   "%s holds more than %d certificates", origin,
			   HC_BUNDLE_MAX_CERTS);
		goto out;
	}
	if (acc->sk == NULL) {
		acc->sk = sk_X509_new_null();
		if (acc->sk == NULL) {
			hc_err_ossl(err, HC_E_FAIL, "out of memory");
			goto out;
		}
	}
	nmd = realloc(acc->md, (acc->n + 1) * sizeof(*acc->md));
	if (nmd == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	acc->md = nmd;
	if (sk_X509_push(acc->sk, x) <= 0) {
		hc_err_ossl(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	x = NULL;
	memcpy(acc->md[acc->n], md, sizeof(md));
	acc->n++;
	ret = 0;
out:
	X509_free(x);
	return ret;
}

/* Take every certificate of a parsed PKCS#7. */
static int
acc_add_p7(struct bundle_acc *acc, PKCS7 *p7, const char *origin,
	   hc_err *err)
{
	STACK_OF(X509) *sk = NULL;
	int i;

	/* d.sign is OPTIONAL in the template: it may be absent. */
	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		sk = p7->d.sign->cert;
	if (sk_X509_num(sk) <= 0)
		return hc_err_set(err, HC_E_USAGE,
				  "%s: the PKCS#7 holds no certificate",
				  origin);
	for (i = 0; i < sk_X509_num(sk); i++) {
		X509 *x = sk_X509_value(sk, i);

		if (x == NULL || X509_up_ref(x) != 1)
			return hc_err_ossl(err, HC_E_FAIL, "out of memory");
		if (acc_add(acc, x, origin, err) < 0)
			return -1;
	}
	return 0;
}

/* Parse der as a PKCS#7 that uses all of it, or return NULL. */
static PKCS7 *
p7_from_der(const unsigned char *der, long len)
{
	const unsigned char *q = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &q, len);

	if (p7 != NULL && q != der + len) {
		PKCS7_free(p7);
		p7 = NULL;
	}
	ERR_clear_error();
	return p7;
}

/* Parse der as a certificate that uses all of it, or return NULL. */
static X509 *
x509_from_der(const unsigned char *der, long len, int aux)
{
	const unsigned char *q = der;
	X509 *x = aux ? d2i_X509_AUX(NULL, &q, len) : d2i_X509(NULL, &q, len);

	if (x != NULL && q != der + len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

/*
 * DER: a certificate, a PKCS#7, a PKCS#12 or a request, tried in this
 * order, each one consuming all of the input. Returns 0 when recognised,
 * 1 when it is none of them (err untouched), -1 on error.
 */
static int
bundle_der(const unsigned char *p, size_t n, const char *origin,
	   enum hc_bundle_kind *kind, struct bundle_acc *acc, hc_err *err)
{
	const unsigned char *q;
	long len = hc_range_clamp_long(n);
	X509 *x = NULL;
	PKCS7 *p7 = NULL;
	PKCS12 *p12 = NULL;
	X509_REQ *req = NULL;
	int ret = -1;

	x = x509_from_der(p, len, 0);
	if (x != NULL) {
		ret = acc_add(acc, x, origin, err);
		x = NULL;
		*kind = HC_BUNDLE_CERTS;
		goto out;
	}
	p7 = p7_from_der(p, len);
	if (p7 != NULL) {
		ret = acc_add_p7(acc, p7, origin, err);
		*kind = HC_BUNDLE_CERTS;
		goto out;
	}
	q = p;
	p12 = d2i_PKCS12(NULL, &q, len);
	if (p12 != NULL && q == p + len) {
		*kind = HC_BUNDLE_PKCS12;
		ret = 0;
		goto out;
	}
	q = p;
	req = d2i_X509_REQ(NULL, &q, len);
	if (req != NULL && q == p + len) {
		hc_err_set(err, HC_E_USAGE,
			   "%s is a certificate request, not the CA's answer: "
			   "send it to the CA", origin);
		goto out;
	}
	ret = 1;
out:
	ERR_clear_error();
	X509_free(x);
	PKCS7_free(p7);
	PKCS12_free(p12);
	X509_REQ_free(req);
	return ret;
}

static int
is_cert_name(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 ||
	       strcmp(name, PEM_STRING_X509_OLD) == 0 ||
	       strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

static int
is_p7_name(const char *name)
{
	return strcmp(name, PEM_STRING_PKCS7) == 0 ||
	       strcmp(name, PEM_STRING_PKCS7_SIGNED) == 0 ||
	       strcmp(name, PEM_STRING_CMS) == 0;
}

static int
is_req_name(const char *name)
{
	return strcmp(name, PEM_STRING_X509_REQ) == 0 ||
	       strcmp(name, PEM_STRING_X509_REQ_OLD) == 0;
}

/* "PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", ... */
static int
is_key_name(const char *name)
{
	static const char tail[] = "PRIVATE KEY";
	size_t n = strlen(name), tl = sizeof(tail) - 1;

	return n >= tl && strcmp(name + n - tl, tail) == 0;
}

/* One decoded PEM block. */
static int
pem_block(const char *name, const unsigned char *data, long dlen,
	  const char *origin, struct bundle_acc *acc, struct pem_seen *seen,
	  hc_err *err)
{
	char shown[NAME_SHOWN + 1];
	X509 *x = NULL;
	PKCS7 *p7 = NULL;
	int ret = -1;

	hc_utf8_show(name, strlen(name), shown, sizeof(shown));
	if (seen->names.n < NAMES_MAX &&
	    hc_strlist_find_ci(&seen->names, shown) < 0 &&
	    hc_strlist_push(&seen->names, shown, err) < 0)
		goto out;
	if (is_cert_name(name)) {
		int aux = strcmp(name, PEM_STRING_X509_TRUSTED) == 0;

		x = x509_from_der(data, dlen, aux);
		if (x == NULL && !aux) {
			/*
			 * AD CS hands back its "Base 64" .p7b as a PKCS#7
			 * inside a CERTIFICATE block: take it as such.
			 */
			p7 = p7_from_der(data, dlen);
			if (p7 == NULL)
				goto damaged;
			ret = acc_add_p7(acc, p7, origin, err);
			goto out;
		}
		if (x == NULL)
			goto damaged;
		/* Nothing is trusted because it arrived in a file. */
		if (aux) {
			X509_trust_clear(x);
			X509_reject_clear(x);
		}
		ret = acc_add(acc, x, origin, err);
		x = NULL;
	} else if (is_p7_name(name)) {
		p7 = p7_from_der(data, dlen);
		if (p7 == NULL)
			goto damaged;
		ret = acc_add_p7(acc, p7, origin, err);
	} else {
		if (is_req_name(name))
			seen->request = 1;
		else if (is_key_name(name))
			seen->key = 1;
		ret = 0;
	}
	goto out;
damaged:
	hc_err_set(err, HC_E_USAGE,
		   "%s: the PEM block %d (%s) is damaged or truncated", origin,
		   seen->nblocks, shown);
out:
	X509_free(x);
	PKCS7_free(p7);
	return ret;
}

/* "A, B, C" from the names seen, for the "holds no certificate" message. */
static void
names_join(const struct hc_strlist *l, char *out, size_t cap)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n; i++) {
		size_t sl = strlen(l->v[i]);

		if (o + sl + 3 >= cap)
			break;
		if (i > 0) {
			memcpy(out + o, ", ", 2);
			o += 2;
		}
		memcpy(out + o, l->v[i], sl);
		o += sl;
		out[o] = '\0';
	}
}

/* Free what PEM_read_bio returned; the data may be a private key. */
static void
pem_free(char **name, char **header, unsigned char **data, long dlen)
{
	OPENSSL_free(*name);
	OPENSSL_free(*header);
	if (*data != NULL)
		OPENSSL_clear_free(*data, dlen > 0 ? (size_t)dlen : 0);
	*name = NULL;
	*header = NULL;
	*data = NULL;
}

/*
 * PEM: walk the blocks with OpenSSL's reader, which skips any text between
 * them and copes with CRLF. Returns 0, 1 when there is no block at all (err
 * untouched), -1 on error.
 */
static int
bundle_pem(const unsigned char *p, size_t n, const char *origin,
	   struct bundle_acc *acc, hc_err *err)
{
	struct pem_seen seen = { { NULL, 0, 0 }, 0, 0, 0 };
	char shown[NAME_SHOWN + 1];
	char list[256];
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	int ret = -1;

	bio = BIO_new_mem_buf(p, hc_range_clamp_int(n));
	if (bio == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (;;) {
		size_t off = n - (size_t)BIO_pending(bio);
		unsigned long e;

		if (PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
			seen.nblocks++;
			if (pem_block(name, data, dlen, origin, acc, &seen,
				      err) < 0)
				goto out;
			pem_free(&name, &header, &data, dlen);
			continue;
		}
		/* No further "-----BEGIN" line is the normal end. */
		e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
		    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
			ERR_clear_error();
			break;
		}
		pem_next_name(p + off, n - off, shown, sizeof(shown));
		hc_err_ossl(err, HC_E_USAGE,
			    "%s: the PEM block %d (%s) is damaged or truncated",
			    origin, seen.nblocks + 1, shown);
		goto out;
	}
	if (seen.nblocks == 0) {
		ret = 1;
		goto out;
	}
	if (seen.request) {
		hc_err_set(err, HC_E_USAGE,
			   "%s is a certificate request, not the CA's answer: "
			   "send it to the CA", origin);
		goto out;
	}
	if (acc->n == 0) {
		names_join(&seen.names, list, sizeof(list));
		hc_err_set(err, HC_E_USAGE,
			   "%s holds no certificate (PEM blocks found: %s)",
			   origin, list);
		goto out;
	}
	if (seen.key) {
		hc_err_set(err, HC_E_USAGE,
			   "%s holds a private key: import keys only as "
			   "PKCS#12 (.pfx)", origin);
		goto out;
	}
	ret = 0;
out:
	pem_free(&name, &header, &data, dlen);
	BIO_free(bio);
	hc_strlist_release(&seen.names);
	ERR_clear_error();
	return ret;
}

int
hc_bundle_parse(const unsigned char *buf, size_t len, const char *origin,
		enum hc_bundle_kind *kind, STACK_OF(X509) **certs,
		hc_err *err)
{
	struct bundle_acc acc = { NULL, NULL, 0 };
	enum hc_bundle_kind k = HC_BUNDLE_CERTS;
	const unsigned char *p = buf;
	size_t n = len;
	int ret = -1, r;

	if ((buf == NULL && len > 0) || origin == NULL || kind == NULL ||
	    certs == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: hc_bundle_parse argument is NULL");
	if (len > HC_BUNDLE_MAX_SIZE)
		return hc_err_set(err, HC_E_USAGE,
				  "%s is larger than 16 MiB", origin);
	/* A UTF-8 BOM and leading blank space, as Windows editors leave. */
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	while (n > 0 && is_space(p[0])) {
		p++;
		n--;
	}
	if (n == 0)
		return hc_err_set(err, HC_E_USAGE, "%s is empty", origin);

	/*
	 * DER starts with a SEQUENCE. A text file may start with '0' too, so
	 * a PEM reading follows when DER recognises nothing.
	 */
	r = 1;
	if (p[0] == 0x30)
		r = bundle_der(p, n, origin, &k, &acc, err);
	if (r == 1 && has_pem_begin(p, n))
		r = bundle_pem(p, n, origin, &acc, err);
	if (r < 0)
		goto out;
	if (r == 1) {
		hc_err_set(err, HC_E_USAGE,
			   "%s is not a certificate, PKCS#7 or PKCS#12 file "
			   "(or it is truncated)", origin);
		goto out;
	}
	*kind = k;
	*certs = NULL;
	if (k == HC_BUNDLE_CERTS) {
		*certs = acc.sk;
		acc.sk = NULL;
	}
	ret = 0;
out:
	acc_release(&acc);
	ERR_clear_error();
	return ret;
}
