/* report.c - the compliance report: every key, certificate and rule */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/error.h"
#include "core/range.h"
#include "ops/ops.h"

enum hc_band
hc_expiry_band(const hc_entry *e, time_t now)
{
	long long left;

	if (!e->has_dates)
		return HC_BAND_NA;
	left = (long long)e->not_after - (long long)now;
	if (left < 0)
		return HC_BAND_EXPIRED;
	if (left < 30LL * 86400)
		return HC_BAND_URGENT;
	if (left < 60LL * 86400)
		return HC_BAND_SOON;
	return HC_BAND_OK;
}

const char *
hc_band_name(enum hc_band b)
{
	switch (b) {
	case HC_BAND_NA:
		return "";
	case HC_BAND_OK:
		return "60+ days";
	case HC_BAND_SOON:
		return "30-59 days";
	case HC_BAND_URGENT:
		return "< 30 days";
	case HC_BAND_EXPIRED:
		return "expired";
	}
	return "";
}

void
hc_report_release(hc_report *r)
{
	if (r == NULL)
		return;
	hc_entry_list_release(&r->entries);
	hc_entry_list_release(&r->cas);
	hc_strings_release(&r->policy);
	hc_acme_account_recs_release(r->acme, r->nacme);
	memset(r, 0, sizeof(*r));
}

static int
push(hc_strings *s, hc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
push(hc_strings *s, hc_err *err, const char *fmt, ...)
{
	char buf[512];
	char **nv;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return hc_err_set(err, HC_E_FAIL, "internal: format");
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	s->v = nv;
	s->v[s->n] = strdup(buf);
	if (s->v[s->n] == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	s->n++;
	return 0;
}

static int
policy_lines(const struct hc_config *cfg, hc_strings *out, hc_err *err)
{
	const struct hc_policy *p = &cfg->policy;
	char types[HC_POLICY_MAX_KEY_TYPES * HC_KEYSPEC_LEN];

	hc_policy_key_types_text(p, types, sizeof(types));
	if (push(out, err, "min-rsa-bits = %d", p->min_rsa_bits) ||
	    push(out, err, "key-types = %s", types) ||
	    push(out, err, "max-days = %ld", p->max_days) ||
	    push(out, err, "allow-export = %s",
		 p->allow_export ? "true" : "false") ||
	    push(out, err, "min-password-length = %d",
		 p->min_password_length) ||
	    push(out, err, "digest = sha%d",
		 hc_range_clamp_int_long(p->digest)))
		return -1;
	return 0;
}

int
hc_report_make(hc_ctx *ctx, hc_report *out, hc_err *err)
{
	hc_report r;
	hc_list_filter all = { 0 }, ca = { 0 };
	struct hc_token_info ti;
	struct hc_token *tok;
	struct hc_bindings *b;
	hc_err ae = { 0 };
	int n, ret = -1;

	memset(&r, 0, sizeof(r));
	hc_rfc3339((long long)time(NULL), r.generated);
	n = snprintf(r.host, sizeof(r.host), "%s", ctx->cfg.host);
	(void)n;
	n = snprintf(r.module, sizeof(r.module), "%s", ctx->module);
	(void)n;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_token_get_info(tok, &ti, err) != 0)
		goto out;
	memcpy(r.token_label, ti.label, sizeof(r.token_label));
	memcpy(r.manufacturer, ti.manufacturer, sizeof(r.manufacturer));
	memcpy(r.model, ti.model, sizeof(r.model));
	memcpy(r.serial, ti.serial, sizeof(r.serial));
	memcpy(r.hw_version, ti.hw_version, sizeof(r.hw_version));
	memcpy(r.fw_version, ti.fw_version, sizeof(r.fw_version));
	r.pin_count_low = ti.count_low;
	r.pin_final_try = ti.final_try;
	r.pin_locked = ti.locked;
	r.pin_to_be_changed = ti.to_be_changed;
	ca.ca = 1;
	if (hc_list(ctx, &all, &r.entries, err) != 0 ||
	    hc_list(ctx, &ca, &r.cas, err) != 0 ||
	    policy_lines(&ctx->cfg, &r.policy, err) != 0 ||
	    hc_acme_accounts(tok, &r.acme, &r.nacme, err) != 0)
		goto out;
	b = hc_ctx_bindings(ctx, err);
	if (b == NULL)
		goto out;
	r.bindings = b->n;
	/* a broken log is a finding of the report, not its failure */
	if (hc_audit_verify_log(ctx, &r.audit, &ae) != 0 &&
	    ae.code != HC_E_VERIFY) {
		r.audit.ok = 0;
		n = snprintf(r.audit.problem, sizeof(r.audit.problem), "%.399s",
			     ae.msg);
		(void)n;
	}
	*out = r;
	memset(&r, 0, sizeof(r));
	ret = 0;
out:
	hc_report_release(&r);
	return ret;
}
