/* dnsname.h - the DNS name rules of a SAN: syntax, IP addresses, warnings,
 * wildcard matching (internal)
 *
 * Pure string work; the rules are those of SPEC section 1 (new/request)
 * and verify.
 */
#ifndef HC_CORE_DNSNAME_H
#define HC_CORE_DNSNAME_H

#include <stddef.h>

#include "hsmcert.h"
#include "util.h"

/** 1 if name is an IPv4 (dotted quad) or IPv6 literal, else 0. */
int hc_dnsname_is_ip(const char *name);

/**
 * Why name is not a valid SAN name (see hc_dnsname_check()), written to
 * why (cap bytes) as the RULE part of its message, e.g. "empty label".
 * Returns 0 when name is valid (why untouched), -1 when it is not.
 */
int hc_dnsname_why(const char *name, char *why, size_t cap);

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
int hc_dnsname_check(const char *name, hc_err *err);

/**
 * Push a warning for a name public CAs will not issue for: a single-label
 * (NetBIOS) name, or an internal TLD (.local .internal .lan .corp .home
 * .localdomain). Returns 1 when a warning was pushed, 0 when none applies,
 * -1 when out of memory (HC_E_FAIL).
 */
int hc_dnsname_warn(const char *name, struct hc_strlist *warnings,
		    hc_err *err);

/**
 * 1 if certificate name pattern covers host, else 0. Case-insensitive;
 * "*.b.c" matches "a.b.c" but neither "b.c" nor "x.a.b.c"; any other
 * pattern matches only itself.
 */
int hc_dnsname_match(const char *pattern, const char *host);

#endif
