/* subject.c - a new key's DN, names and friendly name, checked against a
 * plan */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/names.h"
#include "ops/new.h"
#include "ops/ops.h"

void
hc_subject_plan_release(struct hc_subject_plan *p)
{
	if (p == NULL)
		return;
	hc_dn_release(&p->dn);
	hc_strlist_release(&p->names);
	free(p->friendly_name);
	memset(p, 0, sizeof(*p));
}

int
hc_plan_subject(hc_ctx *ctx, const struct hc_names_input *in,
		struct hc_subject_plan *out, hc_err *err)
{
	struct hc_subject_plan p;
	struct hc_strlist warnings = { 0 }, planned = { 0 }, problems = { 0 };
	struct hc_san_opts no;
	const char *cn = NULL;
	int ret = -1, nprob;
	size_t i;

	memset(&p, 0, sizeof(p));
	memset(&no, 0, sizeof(no));
	if (in->subject != NULL) {
		if (hc_dn_parse(in->subject, &p.dn, err) != 0)
			goto out;
		cn = hc_dn_get0(&p.dn, "CN");
	}
	no.cn = cn;
	no.domains = in->domains;
	no.ndomains = in->ndomains;
	no.include_autodiscover = in->include_autodiscover;
	no.include_accepted = in->include_accepted;
	no.accepted = (const char *const *)ctx->cfg.accepted_domains.v;
	no.naccepted = ctx->cfg.accepted_domains.n;
	if (in->include_accepted && ctx->cfg.accepted_domains.n == 0)
		hc_strlist_push(&warnings,
				"--include-accepted-domains: the configuration has no [names] accepted-domains",
				NULL);
	if (hc_san_build(&no, &p.names, &warnings, err) != 0)
		goto out;
	if (in->plan != NULL) {
		if (hc_plan_load(in->plan, &planned, err) != 0)
			goto out;
		nprob = hc_plan_check(&planned, &p.names, &problems, &warnings,
				      err);
		if (nprob < 0)
			goto out;
		if (nprob > 0 && !in->force) {
			char msg[400] = "";
			size_t used = 0;

			for (i = 0; i < problems.n && used + 4 < sizeof(msg);
			     i++) {
				int r = snprintf(msg + used, sizeof(msg) - used,
						 "%s%s", i ? "; " : "",
						 problems.v[i]);

				if (r < 0)
					break;
				used += (size_t)r;
				if (used >= sizeof(msg))
					used = sizeof(msg) - 1;
			}
			hc_ctx_warn_list(ctx, &warnings);
			hc_err_set(err, HC_E_VERIFY,
				   "the names do not match the plan %s: %s (use --force to override)",
				   in->plan, msg);
			goto out;
		}
		for (i = 0; i < problems.n; i++)
			hc_strlist_pushf(&warnings, NULL,
					 "--force: %s", problems.v[i]);
	}
	if (in->friendly_name != NULL) {
		if (hc_label_check(in->friendly_name,
					    "--friendly-name", err) != 0)
			goto out;
		p.friendly_name = strdup(in->friendly_name);
	} else if (cn != NULL) {
		/* the CN, cut at 64 characters on a character boundary */
		size_t len = strlen(cn), cut = 0;
		long chars = 0;

		while (cut < len && chars < HC_FRIENDLY_MAX) {
			cut++;
			while (cut < len &&
			       ((unsigned char)cn[cut] & 0xc0) == 0x80)
				cut++;
			chars++;
		}
		p.friendly_name = strndup(cn, cut);
	} else if (p.names.n > 0) {
		p.friendly_name = strdup(p.names.v[0]);
	} else {
		p.friendly_name = strdup("hsmcert");
	}
	if (p.friendly_name == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	hc_ctx_warn_list(ctx, &warnings);
	*out = p;
	memset(&p, 0, sizeof(p));
	ret = 0;
out:
	hc_subject_plan_release(&p);
	hc_strlist_release(&warnings);
	hc_strlist_release(&planned);
	hc_strlist_release(&problems);
	return ret;
}
