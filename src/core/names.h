/* names.h - subject DNs, SAN lists, DNS name rules, namespace plans (internal)
 *
 * Everything here is pure string work: no token, no OpenSSL objects. The
 * rules are those of SPEC section 1 (new/request, verify) and section 4.
 */
#ifndef HC_CORE_NAMES_H
#define HC_CORE_NAMES_H

#include <stddef.h>

#include "hsmcert.h"
#include "util.h"

/**
 * One attribute of a subject DN. key is canonical: "C", "ST", "L", "street",
 * "O", "OU", "CN", "emailAddress", "DC", "serialNumber", "title", "GN", "SN"
 * (OpenSSL short names, so OBJ_txt2nid(key) works). Both strings are owned
 * (malloc) and freed by hc_dn_release().
 */
struct hc_dn_attr {
	char *key;
	char *value;
};

/** A parsed subject DN, attributes in canonical X.509 order. */
struct hc_dn {
	struct hc_dn_attr *attrs;
	size_t n;
};

/**
 * Parse an Exchange-style X.500 DN such as
 * "C=US, S=Ontario, L=Mississauga, O=Tailspintoys, CN=mail.tailspintoys.ca".
 *
 * Attributes are separated by ',' with optional white space around it ('+'
 * and ';' are not separators). Keys are case-insensitive, with the aliases
 * S/ST/stateOrProvinceName -> ST, E/EMAIL/emailAddress -> emailAddress,
 * STREET/streetAddress -> street, T/TITLE -> title, G/GN/givenName -> GN,
 * SN/surname -> SN, plus the OpenSSL long names (commonName, ...). A value is
 * trimmed of unescaped white space; it may be double-quoted ("Tailspin, Inc"),
 * and "\" escapes one of , \ = + " ; < > # or a space, inside quotes or not.
 *
 * Attributes come back sorted into the order DC, C, ST, L, street, O, OU,
 * title, SN, GN, CN, serialNumber, emailAddress (stable among equal keys).
 * C is upper-cased. At most 64 attributes.
 *
 * Errors (HC_E_USAGE) start with "subject: ", name what broke and give the
 * 1-based character position and an excerpt of the DN:
 *   "subject: unknown attribute 'Q' at position 7: 'C=US, Q=x'".
 * Rejected: unknown attribute, missing '=', empty attribute or value,
 * unterminated quote, trailing backslash, bad escape, C that is not two ASCII
 * letters, a second C/ST/L/CN, an empty DN, invalid UTF-8 or control
 * characters, non-ASCII in emailAddress/DC, a serialNumber outside
 * PrintableString, and values above the X.520/RFC 5280 upper bounds (CN, O,
 * OU, title, serialNumber 64; L, ST, street, emailAddress 128; DC 63).
 * NULL text is HC_E_USAGE "a DN is required".
 *
 * Returns 0 with *out filled (caller calls hc_dn_release), or -1; *out is
 * written only on success.
 */
int hc_names_parse_dn(const char *text, struct hc_dn *out, hc_err *err);

/** Free every attribute; dn is left zeroed. NULL-safe. */
void hc_dn_release(struct hc_dn *dn);

/**
 * The value of the first attribute whose canonical key equals key
 * (case-insensitive), or NULL. borrowed: valid until hc_dn_release().
 */
const char *hc_dn_get0(const struct hc_dn *dn, const char *key);

/** 1 if name is an IPv4 (dotted quad) or IPv6 literal, else 0. */
int hc_names_is_ip(const char *name);

/**
 * Check one SAN name against SPEC's rules: an IP address, or a DNS name of at
 * most 253 characters, labels of 1-63 letters, digits and hyphens that do not
 * start or end with a hyphen, a wildcard only as the whole leftmost label and
 * followed by at least two labels ("*.contoso.com"), no trailing dot, and a
 * last label that is not all digits.
 *
 * Returns 0, or -1 with HC_E_USAGE "invalid name 'NAME': RULE", e.g.
 * "invalid name 'mail..contoso.com': empty label".
 */
int hc_names_check(const char *name, hc_err *err);

/**
 * Push a warning for a name public CAs will not issue for: a single-label
 * (NetBIOS) name, or an internal TLD (.local .internal .lan .corp .home
 * .localdomain). Returns 1 when a warning was pushed, 0 when none applies,
 * -1 when out of memory (HC_E_FAIL).
 */
int hc_names_warn(const char *name, struct hc_strlist *warnings, hc_err *err);

/** Inputs of hc_names_build(); cn may be NULL. */
struct hc_names_opts {
	const char *cn;			/**< the subject CN, or NULL */
	const char *const *domains;	/**< --domain values, may hold commas */
	size_t ndomains;
	int include_autodiscover;
	int include_accepted;
	const char *const *accepted;	/**< accepted-domains, commas allowed */
	size_t naccepted;
};

/**
 * Build the final SAN list of SPEC section 1: the CN (when it is a valid name
 * and not among the domains), each --domain item (split at commas, trimmed),
 * the accepted domains with include_accepted, then with include_autodiscover
 * autodiscover.D for every DNS name so far. Names are de-duplicated
 * case-insensitively, keeping the first spelling.
 *
 * A CN that is not a valid name is left out with the warning "subject CN 'x'
 * is not a DNS name; it is not added to the names (RULE)". Warnings of
 * hc_names_warn() follow, in list order.
 *
 * Errors: HC_E_USAGE for an empty item ("--domain 'a,,b': empty name at item
 * 2"), an invalid name (hc_names_check's message; "accepted-domains: " or
 * "--include-autodiscover: " in front when it came from there), or an empty
 * result ("no names: give --domain or a subject CN that is a DNS name");
 * HC_E_FAIL when out of memory.
 *
 * Returns 0 with the names appended to out and the warnings to warnings, or
 * -1; neither list is touched on failure.
 */
int hc_names_build(const struct hc_names_opts *o, struct hc_strlist *out,
		   struct hc_strlist *warnings, hc_err *err);

/**
 * 1 if certificate name pattern covers host, else 0. Case-insensitive;
 * "*.b.c" matches "a.b.c" but neither "b.c" nor "x.a.b.c"; any other
 * pattern matches only itself.
 */
int hc_names_match(const char *pattern, const char *host);

/**
 * Damerau-Levenshtein distance (optimal string alignment) between a and b,
 * ASCII case-insensitive, on bytes. Returns -1 only when out of memory.
 */
int hc_names_distance(const char *a, const char *b);

/**
 * Load a namespace plan (SPEC section 4) from path: see hc_plan_parse().
 * A file that cannot be read, or is larger than 1 MiB, is HC_E_USAGE naming
 * the path ("cannot read plan 'p': No such file or directory").
 */
int hc_plan_load(const char *path, struct hc_strlist *plan, hc_err *err);

/**
 * Parse plan text: one name per line; '#' at the start of a line or after
 * white space starts a comment; white space trimmed; blank lines ignored; a
 * UTF-8 byte order mark at the start is skipped. Each name must pass
 * hc_names_check() (HC_E_USAGE "ORIGIN:LINE: invalid name ..."); a plan
 * without any name is HC_E_USAGE too. Duplicates (case-insensitive) are kept
 * once, first spelling. Returns 0 with the names appended to plan, or -1
 * (plan untouched).
 */
int hc_plan_parse(const char *text, size_t len, const char *origin,
		  struct hc_strlist *plan, hc_err *err);

/**
 * Check names against plan. Every planned name missing from names is a
 * problem: "probable typo: 'NAME' is in the names, the plan has 'PLANNED'"
 * when an unplanned name lies within distance 2 (the closest, first on a
 * tie), else "planned name 'PLANNED' is missing". Every unplanned name that
 * was not reported as a typo is a warning "'NAME' is not in the plan".
 *
 * Returns the number of problems (>= 0) with problems and warnings appended,
 * or -1 when out of memory (HC_E_FAIL).
 */
int hc_plan_check(const struct hc_strlist *plan,
		  const struct hc_strlist *names, struct hc_strlist *problems,
		  struct hc_strlist *warnings, hc_err *err);

/** The longest friendly name (PKCS#11 label), in characters. */
#define HC_FRIENDLY_MAX 64

/**
 * Check a friendly name the user gave (what: the option, for the message):
 * valid UTF-8 (no overlong forms or surrogates), 1 to HC_FRIENDLY_MAX
 * characters, and no control character (C0, DEL, C1 U+0080-U+009F), which
 * would reach every terminal that lists the token (SPEC section 10).
 * HC_E_USAGE naming the rule; the message shows a control as \xHH.
 */
int hc_names_check_friendly(const char *name, const char *what, hc_err *err);

#endif
