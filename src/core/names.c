/* names.c - subject DNs, SAN lists, DNS name rules, namespace plans */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "names.h"
#include "util.h"

#define DN_MAX_ATTRS	64
#define DN_EXCERPT	60	/* bytes of the DN shown around an error */
#define SHOW_MAX	96	/* bytes of a name quoted in a message */
#define PLAN_MAX	(1024 * 1024)

/* What a DN value may hold, following the ASN.1 string type OpenSSL uses. */
enum dn_charset {
	DN_CS_UTF8,		/* DirectoryString */
	DN_CS_IA5,		/* emailAddress, DC */
	DN_CS_PRINTABLE,	/* serialNumber */
	DN_CS_COUNTRY,		/* two letters */
};

struct dn_key {
	const char *alias;	/* upper case, as matched */
	const char *key;	/* canonical OpenSSL short name */
	int rank;		/* position in the X.509 order */
	size_t ub;		/* X.520 / RFC 5280 upper bound, characters */
	int unique;		/* only one allowed */
	enum dn_charset cs;
};

/*
 * Upper bounds are those of RFC 5280 appendix A (ub-common-name 64,
 * ub-locality-name 128, ...) as OpenSSL's a_strnid.c enforces them; checking
 * here turns OpenSSL's "string too long" into a message that names the
 * attribute. DC is one DNS label.
 */
static const struct dn_key dn_keys[] = {
	{ "DC", "DC", 0, 63, 0, DN_CS_IA5 },
	{ "DOMAINCOMPONENT", "DC", 0, 63, 0, DN_CS_IA5 },
	{ "C", "C", 1, 2, 1, DN_CS_COUNTRY },
	{ "COUNTRYNAME", "C", 1, 2, 1, DN_CS_COUNTRY },
	{ "S", "ST", 2, 128, 1, DN_CS_UTF8 },
	{ "ST", "ST", 2, 128, 1, DN_CS_UTF8 },
	{ "STATEORPROVINCENAME", "ST", 2, 128, 1, DN_CS_UTF8 },
	{ "L", "L", 3, 128, 1, DN_CS_UTF8 },
	{ "LOCALITYNAME", "L", 3, 128, 1, DN_CS_UTF8 },
	{ "STREET", "street", 4, 128, 0, DN_CS_UTF8 },
	{ "STREETADDRESS", "street", 4, 128, 0, DN_CS_UTF8 },
	{ "O", "O", 5, 64, 0, DN_CS_UTF8 },
	{ "ORGANIZATIONNAME", "O", 5, 64, 0, DN_CS_UTF8 },
	{ "OU", "OU", 6, 64, 0, DN_CS_UTF8 },
	{ "ORGANIZATIONALUNITNAME", "OU", 6, 64, 0, DN_CS_UTF8 },
	{ "T", "title", 7, 64, 0, DN_CS_UTF8 },
	{ "TITLE", "title", 7, 64, 0, DN_CS_UTF8 },
	{ "SN", "SN", 8, 32768, 0, DN_CS_UTF8 },
	{ "SURNAME", "SN", 8, 32768, 0, DN_CS_UTF8 },
	{ "G", "GN", 9, 32768, 0, DN_CS_UTF8 },
	{ "GN", "GN", 9, 32768, 0, DN_CS_UTF8 },
	{ "GIVENNAME", "GN", 9, 32768, 0, DN_CS_UTF8 },
	{ "CN", "CN", 10, 64, 1, DN_CS_UTF8 },
	{ "COMMONNAME", "CN", 10, 64, 1, DN_CS_UTF8 },
	{ "SERIALNUMBER", "serialNumber", 11, 64, 0, DN_CS_PRINTABLE },
	{ "E", "emailAddress", 12, 128, 0, DN_CS_IA5 },
	{ "EMAIL", "emailAddress", 12, 128, 0, DN_CS_IA5 },
	{ "EMAILADDRESS", "emailAddress", 12, 128, 0, DN_CS_IA5 },
};

#define DN_NKEYS (sizeof(dn_keys) / sizeof(dn_keys[0]))

#define DN_KNOWN "C, S/ST, L, STREET, O, OU, T, SN, G, CN, " \
		 "SERIALNUMBER, E, DC"

static const char *const internal_tlds[] = {
	"local", "internal", "lan", "corp", "home", "localdomain",
};

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* A copy of s fit for quoting in a message: control bytes as '?', cut. */
static const char *
show(const char *s, char *buf, size_t cap)
{
	size_t i, o = 0, len = strlen(s);
	size_t max = len < cap ? len : cap - 4;

	/* do not cut a UTF-8 sequence in half */
	while (max < len && max > 0 && is_cont((unsigned char)s[max]))
		max--;
	for (i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (max < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* Append n bytes of s to l as one string. */
static int
push_n(struct hc_strlist *l, const char *s, size_t n, hc_err *err)
{
	char *tmp = malloc(n + 1);
	int ret;

	if (tmp == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	ret = hc_strlist_push(l, tmp, err);
	free(tmp);
	return ret;
}

/* Append s unless l holds it already (case-insensitive). */
static int
push_unique(struct hc_strlist *l, const char *s, hc_err *err)
{
	if (hc_strlist_find_ci(l, s) >= 0)
		return 0;
	return hc_strlist_push(l, s, err);
}

/* Append every string of src to dst, or leave dst as it was. */
static int
append_all(struct hc_strlist *dst, const struct hc_strlist *src, hc_err *err)
{
	size_t n0 = dst->n, i;

	for (i = 0; i < src->n; i++) {
		if (hc_strlist_push(dst, src->v[i], err) == 0)
			continue;
		while (dst->n > n0)
			free(dst->v[--dst->n]);
		if (dst->v != NULL)
			dst->v[dst->n] = NULL;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Subject DN                                                           */

/* 1-based character (not byte) position of offset at in text. */
static size_t
dn_column(const char *text, size_t at)
{
	size_t i, col = 1;

	for (i = 0; i < at && text[i] != '\0'; i++)
		if (!is_cont((unsigned char)text[i]))
			col++;
	return col;
}

/* Up to DN_EXCERPT bytes of text around at, with "..." where cut. */
static void
dn_excerpt(const char *text, size_t at, char *buf, size_t cap)
{
	size_t len = strlen(text), s = 0, e = len, i, o = 0;

	if (len > DN_EXCERPT) {
		s = at > DN_EXCERPT / 2 ? at - DN_EXCERPT / 2 : 0;
		if (s + DN_EXCERPT > len)
			s = len - DN_EXCERPT;
		e = s + DN_EXCERPT;
		while (s > 0 && s < len && is_cont((unsigned char)text[s]))
			s++;
		while (e < len && e > s && is_cont((unsigned char)text[e]))
			e--;
	}
	if (s > 0 && o + 3 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	for (i = s; i < e && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)text[i];

		buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (e < len && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/*
 * Set "subject: WHAT at position N: 'EXCERPT'" plus " (HINT)" when hint is
 * given. Returns -1.
 */
static int
dn_fail(const char *text, size_t at, const char *hint, hc_err *err,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
dn_fail(const char *text, size_t at, const char *hint, hc_err *err,
	const char *fmt, ...)
{
	char what[256], ex[DN_EXCERPT + 8];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0)
		what[0] = '\0';
	dn_excerpt(text, at, ex, sizeof(ex));
	return hc_err_set(err, HC_E_USAGE,
			  "subject: %s at position %zu: '%s'%s%s%s", what,
			  dn_column(text, at), ex, hint ? " (" : "",
			  hint ? hint : "", hint ? ")" : "");
}

static const struct dn_key *
dn_lookup(const char *s, size_t n)
{
	size_t i, j;

	for (i = 0; i < DN_NKEYS; i++) {
		const char *a = dn_keys[i].alias;

		if (strlen(a) != n)
			continue;
		for (j = 0; j < n; j++)
			if (to_lower((unsigned char)s[j]) !=
			    to_lower((unsigned char)a[j]))
				break;
		if (j == n)
			return &dn_keys[i];
	}
	return NULL;
}

static int
dn_rank(const char *key)
{
	size_t i;

	for (i = 0; i < DN_NKEYS; i++)
		if (strcmp(dn_keys[i].key, key) == 0)
			return dn_keys[i].rank;
	return (int)DN_NKEYS;
}

/*
 * Length of the valid UTF-8 sequence at s (1-4), or 0 when it is invalid
 * (overlong, surrogate, above U+10FFFF, truncated).
 */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned long cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x3f >> (n - 1));
	for (i = 1; i < n; i++) {
		if (!is_cont(s[i]))
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int
is_printable_char(int c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' &&
		strchr(" '()+,-./:=?", c) != NULL);
}

/* Check one value against its attribute's rules; fix up C's case. */
static int
dn_check_value(const char *text, size_t at, const struct dn_key *k,
	       const char *given, char *val, size_t vlen, hc_err *err)
{
	size_t i, n, chars = 0;

	for (i = 0; i < vlen; i += n) {
		unsigned char c = (unsigned char)val[i];

		n = utf8_seq((const unsigned char *)val + i);
		if (n == 0 || i + n > vlen)
			return dn_fail(text, at, NULL, err,
				       "the value of '%s' is not valid UTF-8",
				       given);
		if (c < 0x20 || c == 0x7f)
			return dn_fail(text, at, NULL, err,
				       "control character in the value of '%s'",
				       given);
		if (c >= 0x80 && k->cs != DN_CS_UTF8)
			return dn_fail(text, at, NULL, err,
				       "%s must be ASCII", k->key);
		if (k->cs == DN_CS_PRINTABLE && !is_printable_char(c))
			return dn_fail(text, at, "letters, digits, space and "
				       "' ( ) + , - . / : = ?", err,
				       "%s may not contain '%c'", k->key, c);
		chars++;
	}
	if (k->cs == DN_CS_COUNTRY) {
		if (vlen != 2 || !is_alpha((unsigned char)val[0]) ||
		    !is_alpha((unsigned char)val[1]))
			return dn_fail(text, at, "ISO 3166, e.g. C=US", err,
				       "C must be a two-letter country code, "
				       "got '%s'", val);
		val[0] = (char)(to_lower((unsigned char)val[0]) - 'a' + 'A');
		val[1] = (char)(to_lower((unsigned char)val[1]) - 'a' + 'A');
	}
	if (chars > k->ub)
		return dn_fail(text, at, NULL, err,
			       "%s is longer than %zu characters (%zu)", k->key,
			       k->ub, chars);
	return 0;
}

/*
 * The character escaped by the backslash at text[at], into *c. Returns 0 or
 * -1 (trailing backslash, or not a character that needs escaping).
 */
static int
dn_unescape(const char *text, size_t at, char *c, hc_err *err)
{
	unsigned char n = (unsigned char)text[at + 1];

	if (n == '\0')
		return dn_fail(text, at, NULL, err, "trailing backslash");
	if (strchr(",\\=+\";<># ", n) == NULL) {
		if (n < 0x20 || n >= 0x7f)
			return dn_fail(text, at, "escape only , \\ = + \" ; "
				       "< > # and space", err,
				       "invalid escape before byte 0x%02x", n);
		return dn_fail(text, at, "escape only , \\ = + \" ; < > # "
			       "and space", err, "invalid escape '\\%c'", n);
	}
	*c = (char)n;
	return 0;
}

static size_t
skip_ws(const char *text, size_t pos)
{
	while (is_ws((unsigned char)text[pos]))
		pos++;
	return pos;
}

/*
 * Parse one "KEY=VALUE" starting at *posp into dn; val is scratch space as
 * long as text. Leaves *posp on the ',' that ends it or on the final NUL.
 */
static int
dn_attr(const char *text, size_t *posp, char *val, struct hc_dn *dn,
	hc_err *err)
{
	const struct dn_key *k;
	size_t pos = skip_ws(text, *posp), kstart, kend, vstart;
	size_t vlen = 0, keep = 0, i;
	char given[48], c;
	int klen;

	kstart = pos;
	if (text[pos] == '\0')
		return dn_fail(text, pos, NULL, err,
			       "nothing after the last ','");
	if (text[pos] == ',')
		return dn_fail(text, pos, NULL, err, "empty attribute");
	while (text[pos] != '\0' && text[pos] != '=' && text[pos] != ',')
		pos++;
	kend = pos;
	while (kend > kstart && is_ws((unsigned char)text[kend - 1]))
		kend--;
	klen = kend - kstart > 40 ? 40 : (int)(kend - kstart);
	if (text[pos] != '=')
		return dn_fail(text, pos, "a comma inside a value is written "
			       "\\, or the value quoted", err,
			       "missing '=' after '%.*s'", klen, text + kstart);
	if (kend == kstart)
		return dn_fail(text, pos, NULL, err,
			       "missing attribute name before '='");
	k = dn_lookup(text + kstart, kend - kstart);
	if (k == NULL)
		return dn_fail(text, kstart, "known: " DN_KNOWN, err,
			       "unknown attribute '%.*s'", klen, text + kstart);
	snprintf(given, sizeof(given), "%.*s", klen, text + kstart);

	pos = skip_ws(text, pos + 1);
	vstart = pos;
	if (text[pos] == '"') {
		for (pos++;; pos++) {
			c = text[pos];
			if (c == '\0')
				return dn_fail(text, vstart, NULL, err,
					       "unterminated quote in the "
					       "value of '%s'", given);
			if (c == '"')
				break;
			if (c == '\\') {
				if (dn_unescape(text, pos, &c, err) != 0)
					return -1;
				pos++;
			}
			val[vlen++] = c;
		}
		keep = vlen;
		pos = skip_ws(text, pos + 1);
		if (text[pos] != '\0' && text[pos] != ',')
			return dn_fail(text, pos, NULL, err,
				       "unexpected text after the closing "
				       "quote of '%s'", given);
	} else {
		for (; text[pos] != '\0' && text[pos] != ','; pos++) {
			c = text[pos];
			if (c == '\\') {
				if (dn_unescape(text, pos, &c, err) != 0)
					return -1;
				pos++;
				val[vlen++] = c;
				keep = vlen;
				continue;
			}
			if (c == '"')
				return dn_fail(text, pos, "quote the whole "
					       "value or write \\\"", err,
					       "unexpected '\"' in the value "
					       "of '%s'", given);
			val[vlen++] = c;
			if (!is_ws((unsigned char)c))
				keep = vlen;
		}
	}
	vlen = keep;
	val[vlen] = '\0';
	if (vlen == 0)
		return dn_fail(text, vstart, NULL, err, "empty value for '%s'",
			       given);
	if (dn_check_value(text, vstart, k, given, val, vlen, err) != 0)
		return -1;
	if (k->unique && hc_dn_get0(dn, k->key) != NULL) {
		if (strcmp(k->key, "ST") == 0)
			return dn_fail(text, kstart, NULL, err,
				       "duplicate attribute '%s' (only one ST "
				       "is allowed; S and ST both mean state)",
				       given);
		if (strcmp(k->key, given) == 0)
			return dn_fail(text, kstart, NULL, err,
				       "duplicate attribute '%s' (only one is "
				       "allowed)", given);
		return dn_fail(text, kstart, NULL, err,
			       "duplicate attribute '%s' (only one %s is "
			       "allowed)", given, k->key);
	}
	if (dn->n >= DN_MAX_ATTRS)
		return dn_fail(text, kstart, NULL, err,
			       "too many attributes (at most %d)",
			       DN_MAX_ATTRS);

	/* stable insertion into X.509 order */
	i = dn->n;
	while (i > 0 && dn_rank(dn->attrs[i - 1].key) > k->rank) {
		dn->attrs[i] = dn->attrs[i - 1];
		i--;
	}
	dn->attrs[i].key = strdup(k->key);
	dn->attrs[i].value = strdup(val);
	dn->n++;
	if (dn->attrs[i].key == NULL || dn->attrs[i].value == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	*posp = pos;
	return 0;
}

int
hc_names_parse_dn(const char *text, struct hc_dn *out, hc_err *err)
{
	struct hc_dn dn = { NULL, 0 };
	char *val = NULL;
	size_t pos;
	int ret = -1;

	if (out == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: out != NULL");
	if (text == NULL)
		return hc_err_set(err, HC_E_USAGE, "subject: a DN is required");
	pos = skip_ws(text, 0);
	if (text[pos] == '\0') {
		hc_err_set(err, HC_E_USAGE,
			   "subject: the DN is empty (give at least CN=NAME)");
		goto out;
	}
	val = malloc(strlen(text) + 1);
	dn.attrs = calloc(DN_MAX_ATTRS, sizeof(*dn.attrs));
	if (val == NULL || dn.attrs == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (;;) {
		if (dn_attr(text, &pos, val, &dn, err) != 0)
			goto out;
		if (text[pos] == '\0')
			break;
		pos++;		/* the ',' */
	}
	*out = dn;
	dn.attrs = NULL;
	dn.n = 0;
	ret = 0;
out:
	free(val);
	hc_dn_release(&dn);
	return ret;
}

void
hc_dn_release(struct hc_dn *dn)
{
	size_t i;

	if (dn == NULL)
		return;
	for (i = 0; i < dn->n; i++) {
		free(dn->attrs[i].key);
		free(dn->attrs[i].value);
	}
	free(dn->attrs);
	dn->attrs = NULL;
	dn->n = 0;
}

const char *
hc_dn_get0(const struct hc_dn *dn, const char *key)
{
	size_t i;

	if (dn == NULL || key == NULL)
		return NULL;
	for (i = 0; i < dn->n; i++)
		if (dn->attrs[i].key != NULL &&
		    hc_strcaseeq(dn->attrs[i].key, key))
			return dn->attrs[i].value;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* DNS names                                                            */

int
hc_names_is_ip(const char *name)
{
	unsigned char buf[16];

	if (name == NULL)
		return 0;
	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

/* A label for a message: at most 63 bytes of it, control bytes as '?'. */
static const char *
show_label(const char *s, size_t n, char *buf, size_t cap)
{
	size_t i, max = n < cap - 4 ? n : cap - 4;

	for (i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (max < n) {
		memcpy(buf + max, "...", 3);
		max += 3;
	}
	buf[max] = '\0';
	return buf;
}

/*
 * Why name is not a valid SAN name, into why. Returns 0 when it is valid,
 * -1 when it is not.
 */
static int
name_why(const char *name, char *why, size_t cap)
{
	char lb[72];
	const char *s = name, *e;
	size_t len = strlen(name), n, i;

	if (len == 0) {
		snprintf(why, cap, "empty name");
		return -1;
	}
	if (hc_names_is_ip(name))
		return 0;
	if (len > 253) {
		snprintf(why, cap, "%zu characters, more than 253", len);
		return -1;
	}
	if (name[len - 1] == '.') {
		snprintf(why, cap, "trailing dot; write the name without the "
			 "final '.'");
		return -1;
	}
	for (;;) {
		e = strchr(s, '.');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n == 0) {
			snprintf(why, cap, "empty label");
			return -1;
		}
		if (memchr(s, '*', n) != NULL) {
			if (n != 1 || s != name) {
				snprintf(why, cap, "a wildcard is allowed only "
					 "as the whole leftmost label, as in "
					 "'*.contoso.com'");
				return -1;
			}
			if (e == NULL) {
				snprintf(why, cap, "a wildcard needs a domain, "
					 "as in '*.contoso.com'");
				return -1;
			}
			if (strchr(e + 1, '.') == NULL) {
				snprintf(why, cap, "a wildcard directly over a "
					 "top-level domain");
				return -1;
			}
			s = e + 1;
			continue;
		}
		show_label(s, n, lb, sizeof(lb));
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c >= 0x80) {
				snprintf(why, cap, "non-ASCII character in "
					 "label '%s'; write internationalised "
					 "names in their xn-- (punycode) form",
					 lb);
				return -1;
			}
			if (is_alpha(c) || is_digit(c) || c == '-')
				continue;
			if (c < 0x20 || c == 0x7f)
				snprintf(why, cap, "invalid character 0x%02x "
					 "in label '%s'", c, lb);
			else
				snprintf(why, cap, "invalid character '%c' in "
					 "label '%s' (letters, digits and '-' "
					 "only)", c, lb);
			return -1;
		}
		if (n > 63) {
			snprintf(why, cap, "label '%s' is %zu characters, more "
				 "than 63", lb, n);
			return -1;
		}
		if (s[0] == '-' || s[n - 1] == '-') {
			snprintf(why, cap, "label '%s' %s with a hyphen", lb,
				 s[0] == '-' ? "starts" : "ends");
			return -1;
		}
		if (e == NULL)
			break;
		s = e + 1;
	}
	/* s is the last label: RFC 3696 section 2, a TLD is not all-numeric */
	for (i = 0; is_digit((unsigned char)s[i]); i++)
		;
	if (s[i] == '\0') {
		snprintf(why, cap, "the last label '%s' is all digits, and the "
			 "name is not a valid IP address", s);
		return -1;
	}
	return 0;
}

int
hc_names_check(const char *name, hc_err *err)
{
	char why[256], buf[SHOW_MAX];

	if (name == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: name != NULL");
	if (name_why(name, why, sizeof(why)) == 0)
		return 0;
	return hc_err_set(err, HC_E_USAGE, "invalid name '%s': %s",
			  show(name, buf, sizeof(buf)), why);
}

int
hc_names_warn(const char *name, struct hc_strlist *warnings, hc_err *err)
{
	char buf[SHOW_MAX];
	const char *dot;
	size_t i;

	if (name == NULL || warnings == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: name != NULL && warnings != NULL");
	if (hc_names_is_ip(name))
		return 0;
	dot = strrchr(name, '.');
	if (dot == NULL) {
		if (hc_strlist_pushf(warnings, err, "'%s' is a single-label "
				     "name; public CAs will not issue "
				     "certificates for it",
				     show(name, buf, sizeof(buf))) != 0)
			return -1;
		return 1;
	}
	for (i = 0; i < sizeof(internal_tlds) / sizeof(internal_tlds[0]); i++) {
		if (!hc_strcaseeq(dot + 1, internal_tlds[i]))
			continue;
		if (hc_strlist_pushf(warnings, err, "'%s' is an internal name "
				     "(.%s); public CAs will not issue "
				     "certificates for it",
				     show(name, buf, sizeof(buf)),
				     internal_tlds[i]) != 0)
			return -1;
		return 1;
	}
	return 0;
}

/*
 * Split s at commas into trimmed items appended to l. An empty item is a
 * usage error naming what ("--domain") and the item number.
 */
static int
split_items(const char *s, const char *what, struct hc_strlist *l,
	    hc_err *err)
{
	const char *p = s, *e, *a, *b;
	char buf[SHOW_MAX];
	size_t item = 1;

	for (;;) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		a = p;
		b = e;
		while (a < b && is_ws((unsigned char)*a))
			a++;
		while (b > a && is_ws((unsigned char)b[-1]))
			b--;
		if (a == b)
			return hc_err_set(err, HC_E_USAGE,
					  "%s '%s': empty name at item %zu",
					  what, show(s, buf, sizeof(buf)),
					  item);
		if (push_n(l, a, (size_t)(b - a), err) != 0)
			return -1;
		if (*e == '\0')
			return 0;
		p = e + 1;
		item++;
	}
}

/*
 * autodiscover.D for the domain D of name into *out (caller frees), or NULL
 * when there is none (an IP address or a single-label name).
 */
static int
autodiscover_of(const char *name, char **out, hc_err *err)
{
	const char *dot, *dom;
	char *s;
	size_t n;

	*out = NULL;
	if (hc_names_is_ip(name))
		return 0;
	dot = strchr(name, '.');
	if (dot == NULL)
		return 0;
	dom = strchr(dot + 1, '.') != NULL ? dot + 1 : name;
	n = strlen(dom);
	s = malloc(sizeof("autodiscover.") + n);
	if (s == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(s, "autodiscover.", sizeof("autodiscover.") - 1);
	memcpy(s + sizeof("autodiscover.") - 1, dom, n + 1);
	*out = s;
	return 0;
}

int
hc_names_build(const struct hc_names_opts *o, struct hc_strlist *out,
	       struct hc_strlist *warnings, hc_err *err)
{
	struct hc_strlist doms = { 0 }, acc = { 0 }, names = { 0 };
	struct hc_strlist warns = { 0 };
	char why[256], buf[SHOW_MAX];
	char *ad = NULL;
	size_t i, n0, w0;
	int ret = -1;

	if (o == NULL || out == NULL || warnings == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: o != NULL && "
				  "out != NULL && warnings != NULL");
	if ((o->ndomains > 0 && o->domains == NULL) ||
	    (o->include_accepted && o->naccepted > 0 && o->accepted == NULL))
		return hc_err_set(err, HC_E_FAIL,
				  "internal: domains/accepted array is NULL");

	for (i = 0; i < o->ndomains; i++)
		if (split_items(o->domains[i], "--domain", &doms, err) != 0)
			goto out;
	if (o->include_accepted)
		for (i = 0; i < o->naccepted; i++)
			if (split_items(o->accepted[i], "accepted-domains",
					&acc, err) != 0)
				goto out;

	/* the CN leads, unless the domains place it themselves */
	if (o->cn != NULL && o->cn[0] != '\0') {
		if (name_why(o->cn, why, sizeof(why)) != 0) {
			if (hc_strlist_pushf(&warns, err, "subject CN '%s' is "
					     "not a DNS name; it is not added "
					     "to the names (%s)",
					     show(o->cn, buf, sizeof(buf)),
					     why) != 0)
				goto out;
		} else if (hc_strlist_find_ci(&doms, o->cn) < 0) {
			if (hc_strlist_push(&names, o->cn, err) != 0)
				goto out;
		}
	}
	for (i = 0; i < doms.n; i++) {
		if (hc_names_check(doms.v[i], err) != 0)
			goto out;
		if (push_unique(&names, doms.v[i], err) != 0)
			goto out;
	}
	for (i = 0; i < acc.n; i++) {
		if (hc_names_check(acc.v[i], err) != 0) {
			hc_err_prefix(err, "accepted-domains: ");
			goto out;
		}
		if (push_unique(&names, acc.v[i], err) != 0)
			goto out;
	}
	if (o->include_autodiscover) {
		n0 = names.n;
		for (i = 0; i < n0; i++) {
			if (autodiscover_of(names.v[i], &ad, err) != 0)
				goto out;
			if (ad == NULL)
				continue;
			if (hc_names_check(ad, err) != 0) {
				hc_err_prefix(err, "--include-autodiscover: ");
				goto out;
			}
			if (push_unique(&names, ad, err) != 0)
				goto out;
			free(ad);
			ad = NULL;
		}
	}
	if (names.n == 0) {
		hc_err_set(err, HC_E_USAGE, "no names: give --domain or a "
			   "subject CN that is a DNS name");
		goto out;
	}
	for (i = 0; i < names.n; i++)
		if (hc_names_warn(names.v[i], &warns, err) < 0)
			goto out;

	w0 = warnings->n;
	if (append_all(warnings, &warns, err) != 0)
		goto out;
	if (append_all(out, &names, err) != 0) {
		while (warnings->n > w0)
			free(warnings->v[--warnings->n]);
		if (warnings->v != NULL)
			warnings->v[warnings->n] = NULL;
		goto out;
	}
	ret = 0;
out:
	free(ad);
	hc_strlist_release(&doms);
	hc_strlist_release(&acc);
	hc_strlist_release(&names);
	hc_strlist_release(&warns);
	return ret;
}

int
hc_names_match(const char *pattern, const char *host)
{
	const char *dot;

	if (pattern == NULL || host == NULL)
		return 0;
	if (hc_strcaseeq(pattern, host))
		return 1;
	if (pattern[0] != '*' || pattern[1] != '.')
		return 0;
	dot = strchr(host, '.');
	if (dot == NULL || dot == host)
		return 0;
	return hc_strcaseeq(dot + 1, pattern + 2);
}

int
hc_names_distance(const char *a, const char *b)
{
	size_t stack[3 * 257];
	size_t *buf = stack, *p2, *p1, *cur, *t;
	size_t la, lb, i, j, v, d;

	if (a == NULL)
		a = "";
	if (b == NULL)
		b = "";
	la = strlen(a);
	lb = strlen(b);
	if (lb + 1 > 257) {
		if (lb > SIZE_MAX / 3 / sizeof(*buf) - 1)
			return -1;
		buf = malloc(3 * (lb + 1) * sizeof(*buf));
		if (buf == NULL)
			return -1;
	}
	p2 = buf;
	p1 = buf + lb + 1;
	cur = buf + 2 * (lb + 1);
	for (j = 0; j <= lb; j++)
		p1[j] = j;
	/* three rows: i-2 (for transpositions), i-1 and i */
	for (i = 1; i <= la; i++) {
		int ca = to_lower((unsigned char)a[i - 1]);

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int cb = to_lower((unsigned char)b[j - 1]);

			v = p1[j - 1] + (ca != cb);
			if (p1[j] + 1 < v)
				v = p1[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == to_lower((unsigned char)b[j - 2]) &&
			    to_lower((unsigned char)a[i - 2]) == cb &&
			    p2[j - 2] + 1 < v)
				v = p2[j - 2] + 1;
			cur[j] = v;
		}
		t = p2;
		p2 = p1;
		p1 = cur;
		cur = t;
	}
	d = p1[lb];
	if (buf != stack)
		free(buf);
	return d > INT_MAX ? INT_MAX : (int)d;
}

/* ------------------------------------------------------------------ */
/* Namespace plans                                                      */

int
hc_plan_parse(const char *text, size_t len, const char *origin,
	      struct hc_strlist *plan, hc_err *err)
{
	struct hc_strlist l = { 0 };
	char *name = NULL;
	size_t pos = 0, line = 1, s, e, i;
	int ret = -1;

	if ((text == NULL && len > 0) || plan == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: text != NULL && plan != NULL");
	if (origin == NULL)
		origin = "plan";
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	for (; pos < len; pos = e + 1, line++) {
		s = pos;
		for (e = s; e < len && text[e] != '\n'; e++)
			;
		if (memchr(text + s, '\0', e - s) != NULL) {
			hc_err_set(err, HC_E_USAGE, "%s:%zu: NUL byte; not a "
				   "text file", origin, line);
			goto out;
		}
		/* '#' at the start or after white space starts a comment */
		for (i = s; i < e; i++)
			if (text[i] == '#' &&
			    (i == s || is_ws((unsigned char)text[i - 1])))
				break;
		e = i < e ? i : e;
		while (s < e && is_ws((unsigned char)text[s]))
			s++;
		i = e;
		while (i > s && is_ws((unsigned char)text[i - 1]))
			i--;
		if (i > s) {
			name = malloc(i - s + 1);
			if (name == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			memcpy(name, text + s, i - s);
			name[i - s] = '\0';
			if (hc_names_check(name, err) != 0) {
				hc_err_prefix(err, "%s:%zu: ", origin, line);
				goto out;
			}
			if (push_unique(&l, name, err) != 0)
				goto out;
			free(name);
			name = NULL;
		}
		/* e may have moved back to a comment: find the line's end */
		while (e < len && text[e] != '\n')
			e++;
	}
	if (l.n == 0) {
		hc_err_set(err, HC_E_USAGE, "%s: the plan lists no names",
			   origin);
		goto out;
	}
	if (append_all(plan, &l, err) != 0)
		goto out;
	ret = 0;
out:
	free(name);
	hc_strlist_release(&l);
	return ret;
}

int
hc_plan_load(const char *path, struct hc_strlist *plan, hc_err *err)
{
	FILE *f = NULL;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int ret = -1;

	if (path == NULL || plan == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: path != NULL && plan != NULL");
	f = fopen(path, "r");
	if (f == NULL) {
		hc_err_set(err, HC_E_USAGE, "cannot read plan '%s': %s", path,
			   strerror(errno));
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > PLAN_MAX) {
				hc_err_set(err, HC_E_USAGE, "plan '%s' is "
					   "larger than %d bytes; not a plan "
					   "file", path, PLAN_MAX);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n > 0)
			continue;
		if (ferror(f)) {
			hc_err_set(err, HC_E_USAGE, "cannot read plan '%s': %s",
				   path, strerror(errno));
			goto out;
		}
		break;
	}
	if (len > PLAN_MAX) {
		hc_err_set(err, HC_E_USAGE, "plan '%s' is larger than %d "
			   "bytes; not a plan file", path, PLAN_MAX);
		goto out;
	}
	if (hc_plan_parse(buf, len, path, plan, err) != 0)
		goto out;
	ret = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return ret;
}

int
hc_plan_check(const struct hc_strlist *plan, const struct hc_strlist *names,
	      struct hc_strlist *problems, struct hc_strlist *warnings,
	      hc_err *err)
{
	struct hc_strlist probs = { 0 }, warns = { 0 };
	char *typo = NULL;
	size_t i, j, p0;
	long best;
	int ret = -1, d, bestd;

	if (plan == NULL || names == NULL || problems == NULL ||
	    warnings == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: plan, names, "
				  "problems and warnings != NULL");
	typo = calloc(names->n + 1, 1);
	if (typo == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < plan->n; i++) {
		if (hc_strlist_find_ci(names, plan->v[i]) >= 0)
			continue;
		best = -1;
		bestd = 3;
		for (j = 0; j < names->n; j++) {
			if (hc_strlist_find_ci(plan, names->v[j]) >= 0)
				continue;
			d = hc_names_distance(plan->v[i], names->v[j]);
			if (d < 0) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			if (d < bestd) {
				bestd = d;
				best = (long)j;
			}
		}
		if (best >= 0) {
			typo[best] = 1;
			if (hc_strlist_pushf(&probs, err, "probable typo: '%s' "
					     "is in the names, the plan has "
					     "'%s'", names->v[best],
					     plan->v[i]) != 0)
				goto out;
		} else if (hc_strlist_pushf(&probs, err, "planned name '%s' "
					    "is missing", plan->v[i]) != 0) {
			goto out;
		}
	}
	for (j = 0; j < names->n; j++) {
		if (typo[j] || hc_strlist_find_ci(plan, names->v[j]) >= 0)
			continue;
		if (hc_strlist_pushf(&warns, err, "'%s' is not in the plan",
				     names->v[j]) != 0)
			goto out;
	}
	p0 = problems->n;
	if (append_all(problems, &probs, err) != 0)
		goto out;
	if (append_all(warnings, &warns, err) != 0) {
		while (problems->n > p0)
			free(problems->v[--problems->n]);
		if (problems->v != NULL)
			problems->v[problems->n] = NULL;
		goto out;
	}
	ret = probs.n > INT_MAX ? INT_MAX : (int)probs.n;
out:
	free(typo);
	hc_strlist_release(&probs);
	hc_strlist_release(&warns);
	return ret;
}

/*
 * The UTF-8 character at s: its length and code point, or 0 when s does not
 * start a valid sequence (overlong forms and surrogates included).
 */
static size_t
utf8_char(const unsigned char *s, unsigned long *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		if ((s[1] & 0xc0) != 0x80)
			return 0;
		*cp = ((unsigned long)(c & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		*cp = ((unsigned long)(c & 0x0f) << 12) |
		      ((unsigned long)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
		if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		*cp = ((unsigned long)(c & 0x07) << 18) |
		      ((unsigned long)(s[1] & 0x3f) << 12) |
		      ((unsigned long)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		return 4;
	}
	return 0;
}

int
hc_names_check_friendly(const char *name, const char *what, hc_err *err)
{
	const unsigned char *p = (const unsigned char *)name;
	unsigned long cp;
	long chars = 0;
	size_t n;

	while (*p != '\0') {
		n = utf8_char(p, &cp);
		if (n == 0)
			return hc_err_set(err, HC_E_USAGE,
					  "%s is not valid UTF-8", what);
		chars++;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return hc_err_set(err, HC_E_USAGE,
					  "%s holds a control character (U+%04lX at character %ld): a label must be printable",
					  what, cp, chars);
		p += n;
	}
	if (chars == 0 || chars > HC_FRIENDLY_MAX)
		return hc_err_set(err, HC_E_USAGE,
				  "%s must be 1 to %d characters (got %ld)",
				  what, HC_FRIENDLY_MAX, chars);
	return 0;
}
