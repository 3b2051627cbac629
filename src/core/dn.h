/* dn.h - subject DNs: the X.500 DN parser (internal)
 *
 * Pure string work: no token, no OpenSSL objects. The rules are those of
 * SPEC section 1 (new/request).
 */
#ifndef HC_CORE_DN_H
#define HC_CORE_DN_H

#include <stddef.h>

#include "hsmcert.h"

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
int hc_dn_parse(const char *text, struct hc_dn *out, hc_err *err);

/** Free every attribute; dn is left zeroed. NULL-safe. */
void hc_dn_release(struct hc_dn *dn);

/**
 * The value of the first attribute whose canonical key equals key
 * (case-insensitive), or NULL. borrowed: valid until hc_dn_release().
 */
const char *hc_dn_get0(const struct hc_dn *dn, const char *key);

#endif
