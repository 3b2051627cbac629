/* san.c - the SAN list of a new certificate or request: CN, --domain,
 * accepted domains, autodiscover, de-duplication */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dnsname.h"
#include "error.h"
#include "san.h"
#include "utf8.h"
#include "util.h"

/* Append n bytes of s to l as one string. */
static int
push_n(struct hc_strlist *l, const char *s, size_t n, hc_err *err)
{
	char *tmp = strndup(s, n);
	int ret;

	if (tmp == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	ret = hc_strlist_push(l, tmp, err);
	free(tmp);
	return ret;
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
	char buf[HC_UTF8_SHOW_MAX];
	size_t item = 1;

	for (;;) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		a = p;
		b = e;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (a == b) {
			hc_utf8_show(s, strlen(s), buf, sizeof(buf));
			return hc_err_set(err, HC_E_USAGE,
					  "%s '%s': empty name at item %zu",
					  what, buf, item);
		}
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
	if (hc_dnsname_is_ip(name))
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
hc_san_build(const struct hc_san_opts *o, struct hc_strlist *out,
	       struct hc_strlist *warnings, hc_err *err)
{
	struct hc_strlist doms = { 0 }, acc = { 0 }, names = { 0 };
	struct hc_strlist warns = { 0 };
	char why[256], buf[HC_UTF8_SHOW_MAX];
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
		if (hc_dnsname_why(o->cn, why, sizeof(why)) != 0) {
			hc_utf8_show(o->cn, strlen(o->cn), buf, sizeof(buf));
			if (hc_strlist_pushf(&warns, err, "subject CN '%s' is "
					     "not a DNS name; it is not added "
					     "to the names (%s)",
					     buf, why) != 0)
				goto out;
		} else if (hc_strlist_find_ci(&doms, o->cn) < 0) {
			if (hc_strlist_push(&names, o->cn, err) != 0)
				goto out;
		}
	}
	for (i = 0; i < doms.n; i++) {
		if (hc_dnsname_check(doms.v[i], err) != 0)
			goto out;
		if (hc_strlist_push_unique(&names, doms.v[i], err) != 0)
			goto out;
	}
	for (i = 0; i < acc.n; i++) {
		if (hc_dnsname_check(acc.v[i], err) != 0) {
			hc_err_prefix(err, "accepted-domains: ");
			goto out;
		}
		if (hc_strlist_push_unique(&names, acc.v[i], err) != 0)
			goto out;
	}
	if (o->include_autodiscover) {
		n0 = names.n;
		for (i = 0; i < n0; i++) {
			if (autodiscover_of(names.v[i], &ad, err) != 0)
				goto out;
			if (ad == NULL)
				continue;
			if (hc_dnsname_check(ad, err) != 0) {
				hc_err_prefix(err, "--include-autodiscover: ");
				goto out;
			}
			if (hc_strlist_push_unique(&names, ad, err) != 0)
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
		if (hc_dnsname_warn(names.v[i], &warns, err) < 0)
			goto out;

	w0 = warnings->n;
	if (hc_strlist_append(warnings, &warns, err) != 0)
		goto out;
	if (hc_strlist_append(out, &names, err) != 0) {
		hc_strlist_truncate(warnings, w0);
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
