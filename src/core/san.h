/* san.h - the SAN list of a new certificate or request: CN, --domain,
 * accepted domains, autodiscover, de-duplication (internal)
 *
 * The rules are those of SPEC section 1 (new/request); each name is
 * checked by dnsname.h.
 */
#ifndef HC_CORE_SAN_H
#define HC_CORE_SAN_H

#include <stddef.h>

#include "hsmcert.h"
#include "util.h"

/** Inputs of hc_san_build(); cn may be NULL. */
struct hc_san_opts {
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
 * hc_dnsname_warn() follow, in list order.
 *
 * Errors: HC_E_USAGE for an empty item ("--domain 'a,,b': empty name at item
 * 2"), an invalid name (hc_dnsname_check's message; "accepted-domains: " or
 * "--include-autodiscover: " in front when it came from there), or an empty
 * result ("no names: give --domain or a subject CN that is a DNS name");
 * HC_E_FAIL when out of memory.
 *
 * Returns 0 with the names appended to out and the warnings to warnings, or
 * -1; neither list is touched on failure.
 */
int hc_san_build(const struct hc_san_opts *o, struct hc_strlist *out,
		 struct hc_strlist *warnings, hc_err *err);

#endif
