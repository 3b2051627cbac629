/* dn.c - subject DNs: the X.500 DN parser */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dn.h"
#include "error.h"
#include "utf8.h"
#include "util.h"
#include "core/range.h"

#define DN_MAX_ATTRS	64
#define DN_EXCERPT	60	/* bytes of the DN shown around an error */

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

/* 1-based character (not byte) position of offset at in text. */
static size_t
dn_column(const char *text, size_t at)
{
	size_t i, col = 1;

	for (i = 0; i < at && text[i] != '\0'; i++)
		if (!hc_utf8_is_cont((unsigned char)text[i]))
			col++;
	return col;
}

/* Up to DN_EXCERPT bytes of text around at, with "..." where cut. */
static void
dn_excerpt(const char *text, size_t at, char *buf, size_t cap)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t len = strlen(text), s = 0, e = len, o = 0;

	if (len > DN_EXCERPT) {
		s = at > DN_EXCERPT / 2 ? at - DN_EXCERPT / 2 : 0;
		if (s + DN_EXCERPT > len)
			s = len - DN_EXCERPT;
		e = s + DN_EXCERPT;
		while (s > 0 && s < len && hc_utf8_is_cont(t[s]))
			s++;
		while (e < len && e > s && hc_utf8_is_cont(t[e]))
			e--;
	}
	if (s > 0 && o + 3 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	/* the window is shorter than what is left of buf: never cut here */
	hc_utf8_show(text + s, e - s, buf + o, cap - o);
	o += strlen(buf + o);
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
			if (tolower((unsigned char)s[j]) !=
			    tolower((unsigned char)a[j]))
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

static int
is_printable_char(int c)
{
	return isalpha(c) || isdigit(c) || (c != '\0' &&
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

		n = hc_utf8_seq(val + i);
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
		if (vlen != 2 || !isalpha((unsigned char)val[0]) ||
		    !isalpha((unsigned char)val[1]))
			return dn_fail(text, at, "ISO 3166, e.g. C=US", err,
				       "C must be a two-letter country code, "
				       "got '%s'", val);
		val[0] = (char)toupper((unsigned char)val[0]);
		val[1] = (char)toupper((unsigned char)val[1]);
	}
	if (chars > k->ub)
		return dn_fail(text, at, NULL, err,
			       "%s is longer than %zu characters (%zu)", k->key,
			       k->ub, chars);
	return 0;
}

/*
 * The character escaped by the backslash at text[*posp], into *c; *posp
 * moves onto it. Returns 0 or -1 (trailing backslash, or not a character
 * that needs escaping).
 */
static int
dn_unescape(const char *text, size_t *posp, char *c, hc_err *err)
{
	size_t at = *posp;
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
	*posp = at + 1;
	return 0;
}

static size_t
skip_ws(const char *text, size_t pos)
{
	while (isspace((unsigned char)text[pos]))
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
	while (kend > kstart && isspace((unsigned char)text[kend - 1]))
		kend--;
	klen = hc_range_clamp_int(kend - kstart > 40 ? 40 : kend - kstart);
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
			if (c == '\\' && dn_unescape(text, &pos, &c, err) != 0)
				return -1;
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
				if (dn_unescape(text, &pos, &c, err) != 0)
					return -1;
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
			if (!isspace((unsigned char)c))
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
hc_dn_parse(const char *text, struct hc_dn *out, hc_err *err)
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
