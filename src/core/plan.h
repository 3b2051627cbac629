/* plan.h - namespace plans: plan files, the typo distance, the plan check
 * (internal)
 *
 * The rules are those of SPEC section 4; each planned name is checked by
 * dnsname.h.
 */
#ifndef HC_CORE_PLAN_H
#define HC_CORE_PLAN_H

#include <stddef.h>

#include "hsmcert.h"
#include "util.h"

/**
 * Damerau-Levenshtein distance (optimal string alignment) between a and b,
 * ASCII case-insensitive, on bytes. Returns -1 only when out of memory.
 */
int hc_plan_distance(const char *a, const char *b);

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
 * hc_dnsname_check() (HC_E_USAGE "ORIGIN:LINE: invalid name ..."); a plan
 * without any name is HC_E_USAGE too. Duplicates (case-insensitive) are kept
 * once, first spelling. Returns 0 with the names appended to plan, or -1
 * (plan untouched).
 */
int hc_plan_parse(const char *text, size_t len, const char *origin,
		  struct hc_strlist *plan, hc_err *err);

/**
 * Check names against plan. Every planned name missing from names is a
 * problem: "probable typo: 'NAME' is in the names, the plan has 'PLANNED'"
 * when an unplanned name lies within hc_plan_distance() 2 (the closest,
 * first on a tie), else "planned name 'PLANNED' is missing". Every unplanned
 * name that was not reported as a typo is a warning "'NAME' is not in the
 * plan".
 *
 * Returns the number of problems (>= 0) with problems and warnings appended,
 * or -1 when out of memory (HC_E_FAIL).
 */
int hc_plan_check(const struct hc_strlist *plan,
		  const struct hc_strlist *names, struct hc_strlist *problems,
		  struct hc_strlist *warnings, hc_err *err);

#endif
