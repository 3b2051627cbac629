/* fuzz_names.c - libFuzzer harness for the SAN list rules of san.h
 *
 * Input layout: byte 0 holds flags, the rest is split at NUL or newline
 * into pieces.
 *   bit 0  include_autodiscover
 *   bit 1  include_accepted
 *   bit 2  the first piece is the subject CN
 *   bits 4-7  how many pieces, from the end, are accepted-domains
 * The other pieces are --domain values (each may hold commas). Every piece
 * also goes through hc_dnsname_check, hc_dnsname_is_ip and hc_dnsname_warn,
 * and neighbouring pieces through hc_dnsname_match and hc_plan_distance.
 */
#include "fuzz.h"

#include "core/dnsname.h"
#include "core/plan.h"
#include "core/san.h"
#include "core/util.h"

#define MAX_PIECES 256

static size_t
split(char *s, size_t len, const char **v, size_t cap)
{
	size_t n = 0, i, start = 0;

	for (i = 0; i <= len && n < cap; i++) {
		if (i == len || s[i] == '\0' || s[i] == '\n') {
			s[i] = '\0';
			v[n++] = s + start;
			start = i + 1;
		}
	}
	return n;
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
same_ci(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

static void
check_pair(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d = hc_plan_distance(a, b), e;

	FUZZ_REQUIRE(hc_dnsname_match(a, a) == 1, "a pattern matches itself");
	if (d < 0)
		return;		/* out of memory */
	FUZZ_REQUIRE((d == 0) == same_ci(a, b),
		     "distance 0 exactly for case-insensitive equal strings");
	FUZZ_REQUIRE((size_t)d <= (la > lb ? la : lb) &&
		     (size_t)d >= (la > lb ? la - lb : lb - la),
		     "distance bounded by the lengths");
	/* optimal string alignment distance is symmetric */
	e = hc_plan_distance(b, a);
	FUZZ_REQUIRE(e < 0 || e == d, "distance is symmetric");
	(void)hc_dnsname_match(a, b);
	if (same_ci(a, b))
		FUZZ_REQUIRE(hc_dnsname_match(a, b) == 1,
			     "equal names match");
}

static void
check_list(const struct hc_strlist *l)
{
	size_t i, j;
	hc_err err = { 0 };

	FUZZ_REQUIRE(l->n > 0, "a built list is not empty");
	for (i = 0; i < l->n; i++) {
		FUZZ_REQUIRE(hc_dnsname_check(l->v[i], &err) == 0,
			     "every built name is a valid name");
		for (j = 0; j < i; j++)
			FUZZ_REQUIRE(!same_ci(l->v[i], l->v[j]),
				     "built names are de-duplicated");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *pieces[MAX_PIECES];
	struct hc_strlist out = { 0 }, warnings = { 0 };
	struct hc_san_opts o;
	hc_err err = { 0 };
	unsigned flags;
	size_t n, first = 0, nacc, i;
	char *text;
	int r;

	if (size < 1)
		return 0;
	flags = data[0];
	text = fuzz_strdup(data + 1, size - 1);
	if (text == NULL)
		return 0;
	n = split(text, size - 1, pieces, MAX_PIECES);

	memset(&o, 0, sizeof(o));
	o.include_autodiscover = flags & 1;
	o.include_accepted = (flags >> 1) & 1;
	if ((flags & 4) && n > 0) {
		o.cn = pieces[0];
		first = 1;
	}
	nacc = flags >> 4;
	if (nacc > n - first)
		nacc = n - first;
	o.domains = pieces + first;
	o.ndomains = n - first - nacc;
	o.accepted = pieces + (n - nacc);
	o.naccepted = nacc;

	r = hc_san_build(&o, &out, &warnings, &err);
	fuzz_check_err(r, &err);
	if (r == 0)
		check_list(&out);
	else
		FUZZ_REQUIRE(out.n == 0 && warnings.n == 0,
			     "neither list is touched on failure");
	hc_strlist_release(&out);
	hc_strlist_release(&warnings);

	for (i = 0; i < n; i++) {
		hc_err e2 = { 0 };

		r = hc_dnsname_check(pieces[i], &e2);
		fuzz_check_err(r, &e2);
		if (r == 0 && hc_dnsname_is_ip(pieces[i]) == 0) {
			hc_err e3 = { 0 };

			FUZZ_REQUIRE(strlen(pieces[i]) <= 253,
				     "a DNS name has at most 253 characters");
			r = hc_dnsname_warn(pieces[i], &warnings, &e3);
			FUZZ_REQUIRE(r >= -1 && r <= 1, "warn returns -1, 0 or 1");
			fuzz_check_err(r < 0 ? -1 : 0, &e3);
		}
		if (i + 1 < n)
			check_pair(pieces[i], pieces[i + 1]);
	}
	hc_strlist_release(&warnings);
	free(text);
	return 0;
}
