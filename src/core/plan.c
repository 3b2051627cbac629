/* plan.c - namespace plans: plan files, the typo distance, the plan check */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsname.h"
#include "error.h"
#include "fileio.h"
#include "plan.h"
#include "util.h"
#include "core/range.h"

#define PLAN_MAX	(1024 * 1024)

int
hc_plan_distance(const char *a, const char *b)
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
		int ca = tolower((unsigned char)a[i - 1]);

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int cb = tolower((unsigned char)b[j - 1]);

			v = p1[j - 1] + (ca != cb);
			if (p1[j] + 1 < v)
				v = p1[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb &&
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
	return hc_range_clamp_int(d);
}

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
			    (i == s || isspace((unsigned char)text[i - 1])))
				break;
		e = i < e ? i : e;
		while (s < e && isspace((unsigned char)text[s]))
			s++;
		i = e;
		while (i > s && isspace((unsigned char)text[i - 1]))
			i--;
		if (i > s) {
			name = malloc(i - s + 1);
			if (name == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			memcpy(name, text + s, i - s);
			name[i - s] = '\0';
			if (hc_dnsname_check(name, err) != 0) {
				hc_err_prefix(err, "%s:%zu: ", origin, line);
				goto out;
			}
			if (hc_strlist_push_unique(&l, name, err) != 0)
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
	if (hc_strlist_append(plan, &l, err) != 0)
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
	unsigned char *buf = NULL;
	size_t len = 0;
	int e, ret;

	if (path == NULL || plan == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: path != NULL && plan != NULL");
	e = hc_file_load(path, PLAN_MAX, &buf, &len);
	if (e == EFBIG)
		return hc_err_set(err, HC_E_USAGE, "plan '%s' is larger than "
				  "%d bytes; not a plan file", path, PLAN_MAX);
	if (e == ENOMEM)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (e != 0)
		return hc_err_set(err, HC_E_USAGE, "cannot read plan '%s': %s",
				  path, strerror(e));
	ret = hc_plan_parse((const char *)buf, len, path, plan, err);
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
			d = hc_plan_distance(plan->v[i], names->v[j]);
			if (d < 0) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			if (d < bestd) {
				bestd = d;
				best = hc_range_clamp_long(j);
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
	if (hc_strlist_append(problems, &probs, err) != 0)
		goto out;
	if (hc_strlist_append(warnings, &warns, err) != 0) {
		hc_strlist_truncate(problems, p0);
		goto out;
	}
	ret = hc_range_clamp_int(probs.n);
out:
	free(typo);
	hc_strlist_release(&probs);
	hc_strlist_release(&warns);
	return ret;
}
