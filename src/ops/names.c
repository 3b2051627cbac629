/* names.c - the name list a request would carry, linted against a plan */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/plan.h"
#include "ops/new.h"
#include "ops/ops.h"

void
hc_strings_release(hc_strings *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int
hc_names(hc_ctx *ctx, const hc_new_req *req, hc_strings *out, hc_err *err)
{
	struct hc_subject_plan sp;
	struct hc_names_input in;
	struct hc_strlist plan = { 0 }, problems = { 0 }, warnings = { 0 };
	int nprob, ret = -1;
	size_t i;

	memset(&sp, 0, sizeof(sp));
	memset(&in, 0, sizeof(in));
	in.subject = req->subject;
	in.domains = req->domains;
	in.ndomains = req->ndomains;
	in.include_autodiscover = req->include_autodiscover;
	in.include_accepted = req->include_accepted;
	if (hc_plan_subject(ctx, &in, &sp, err) != 0)
		goto out;
	if (req->plan != NULL) {
		if (hc_plan_load(req->plan, &plan, err) != 0)
			goto out;
		nprob = hc_plan_check(&plan, &sp.names, &problems, &warnings,
				      err);
		if (nprob < 0)
			goto out;
		hc_ctx_warn_list(ctx, &warnings);
		for (i = 0; i < problems.n; i++)
			hc_ctx_warn(ctx, "%s", problems.v[i]);
		if (nprob > 0)
			hc_err_set(err, HC_E_VERIFY,
				   "%d problem%s against the plan %s", nprob,
				   nprob == 1 ? "" : "s", req->plan);
	}
	out->v = sp.names.v;
	out->n = sp.names.n;
	sp.names.v = NULL;
	sp.names.n = 0;
	sp.names.cap = 0;
	ret = err->code == HC_OK ? 0 : -1;
out:
	hc_subject_plan_release(&sp);
	hc_strlist_release(&plan);
	hc_strlist_release(&problems);
	hc_strlist_release(&warnings);
	return ret;
}
