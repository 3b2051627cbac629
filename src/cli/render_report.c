/* render_report.c - the compliance report as text, JSON and one HTML file */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"

/* HTML-escape s onto stdout, control characters as \xHH. */
static void
h(const char *s)
{
	render_html(stdout, s);
}

/* Text from the token or a file onto stdout, control characters as \xHH. */
static void
t(const char *s)
{
	render_text(stdout, s);
}

static json_t *
jstr(const char *s)
{
	return render_json_str(s);
}

static const char *
kind_name(const hc_entry *e)
{
	switch (e->kind) {
	case HC_KIND_CERT:
		return "certificate";
	case HC_KIND_REQUEST:
		return "pending request";
	case HC_KIND_ORPHAN:
		return "orphan key";
	case HC_KIND_CA:
		return "CA certificate";
	}
	return "";
}

static const char *
exportability(const hc_entry *e)
{
	if (!e->has_private_key)
		return "no key";
	return e->exportable == HC_TRUE ? "exportable" : "not exportable";
}

static void
date_or_dash(const hc_entry *e, time_t t, char out[21])
{
	if (!e->has_dates) {
		memcpy(out, "-", 2);
		return;
	}
	strftime(out, 21, "%Y-%m-%d", gmtime(&t));
}

/* "after 2027-05-01 (acme)", "renewed by 9a41...", or "" (requests) */
static void
renewal_text(const hc_entry *e, char out[80])
{
	char d[21];

	out[0] = '\0';
	if (e->renewed_by[0] != '\0') {
		snprintf(out, 80, "renewed by %.40s", e->renewed_by);
	} else if (e->has_renew_after) {
		strftime(d, sizeof(d), "%Y-%m-%d", gmtime(&e->renew_after));
		snprintf(out, 80, "after %s (%s)", d,
			 e->enrollment != NULL ? e->enrollment : "manual");
	}
}

static json_t *
audit_reset_json(const hc_audit_status *a)
{
	json_t *r;

	if (a->reset_seq == 0)
		return json_null();
	r = json_object();
	json_object_set_new(r, "Seq", json_integer((json_int_t)a->reset_seq));
	json_object_set_new(r, "Time", jstr(a->reset_time));
	json_object_set_new(r, "User", jstr(a->reset_user));
	json_object_set_new(r, "GapFrom",
			    a->gap_from ?
				    json_integer((json_int_t)a->gap_from) :
				    json_null());
	json_object_set_new(r, "GapTo",
			    a->gap_from ? json_integer((json_int_t)a->gap_to) :
					  json_null());
	json_object_set_new(r, "Detail", jstr(a->reset_detail));
	return r;
}

/* the ACME accounts on the token (SPEC section 9: not orphan keys) */
static json_t *
acme_json(const hc_report *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->nacme; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "Directory", jstr(r->acme[i].directory));
		json_object_set_new(x, "Account", jstr(r->acme[i].account));
		json_object_set_new(x, "KeyId", jstr(r->acme[i].key_id));
		json_object_set_new(x, "KeyUri", jstr(r->acme[i].key_uri));
		json_object_set_new(x, "KeyProvenance",
				    jstr(r->acme[i].key_provenance));
		json_array_append_new(a, x);
	}
	return a;
}

static json_t *
report_json(const hc_report *r, time_t now)
{
	json_t *o = json_object(), *tok = json_object(), *items = json_array();
	json_t *cas = json_array(), *pol = json_object(), *aud = json_object();
	size_t i;

	json_object_set_new(o, "Generated", jstr(r->generated));
	json_object_set_new(o, "Host", jstr(r->host));
	json_object_set_new(tok, "Label", jstr(r->token_label));
	json_object_set_new(tok, "Manufacturer", jstr(r->manufacturer));
	json_object_set_new(tok, "Model", jstr(r->model));
	json_object_set_new(tok, "Serial", jstr(r->serial));
	json_object_set_new(tok, "HardwareVersion", jstr(r->hw_version));
	json_object_set_new(tok, "FirmwareVersion", jstr(r->fw_version));
	json_object_set_new(tok, "Module", jstr(r->module));
	json_object_set_new(tok, "PinCountLow", json_boolean(r->pin_count_low));
	json_object_set_new(tok, "PinFinalTry", json_boolean(r->pin_final_try));
	json_object_set_new(tok, "PinLocked", json_boolean(r->pin_locked));
	json_object_set_new(tok, "PinToBeChanged",
			    json_boolean(r->pin_to_be_changed));
	json_object_set_new(o, "Token", tok);
	for (i = 0; i < r->entries.n; i++) {
		const hc_entry *e = &r->entries.v[i];
		json_t *x = json_object(), *svc = json_array();
		char d[21];
		size_t k;

		json_object_set_new(x, "Kind", json_string(kind_name(e)));
		json_object_set_new(x, "Thumbprint", jstr(e->thumbprint));
		json_object_set_new(x, "KeyId", jstr(e->key_id));
		json_object_set_new(x, "FriendlyName",
				    jstr(e->friendly_name ? e->friendly_name :
							    ""));
		json_object_set_new(x, "Subject", jstr(e->subject));
		json_object_set_new(x, "Status",
				    json_string(hc_status_name(e->status)));
		json_object_set_new(x, "KeyAlgorithm", jstr(e->key_algorithm));
		json_object_set_new(x, "KeySize",
				    e->key_size ? json_integer(e->key_size) :
						  json_null());
		json_object_set_new(x, "KeyProvenance",
				    jstr(e->key_provenance));
		json_object_set_new(x, "PrivateKeyExportable",
				    e->exportable == HC_NA ?
					    json_null() :
					    json_boolean(e->exportable ==
							 HC_TRUE));
		if (e->has_dates) {
			hc_rfc3339((long long)e->not_after, d);
			json_object_set_new(x, "NotAfter", json_string(d));
		} else {
			json_object_set_new(x, "NotAfter", json_null());
		}
		if (e->has_dates) {
			hc_rfc3339((long long)e->not_before, d);
			json_object_set_new(x, "NotBefore", json_string(d));
		}
		if (e->enrollment != NULL)
			json_object_set_new(x, "Enrollment",
					    json_string(e->enrollment));
		if (e->has_renew_after) {
			hc_rfc3339((long long)e->renew_after, d);
			json_object_set_new(x, "RenewAfter", json_string(d));
		}
		if (e->renewed_by[0] != '\0')
			json_object_set_new(x, "RenewedBy",
					    json_string(e->renewed_by));
		json_object_set_new(x, "ExpiryBand", e->has_dates ?
				    json_string(hc_band_name(hc_expiry_band(e,
								     now))) :
				    json_null());
		for (k = 0; k < e->nservices; k++)
			json_array_append_new(svc, jstr(e->service_names[k]));
		json_object_set_new(x, "Services", svc);
		json_array_append_new(items, x);
	}
	json_object_set_new(o, "Items", items);
	for (i = 0; i < r->cas.n; i++) {
		const hc_entry *e = &r->cas.v[i];
		json_t *x = json_object();
		char d[21];

		json_object_set_new(x, "Thumbprint", jstr(e->thumbprint));
		json_object_set_new(x, "Subject",
				    jstr(e->subject ? e->subject : ""));
		hc_rfc3339((long long)e->not_after, d);
		json_object_set_new(x, "NotAfter", json_string(d));
		json_array_append_new(cas, x);
	}
	json_object_set_new(o, "CaCertificates", cas);
	json_object_set_new(o, "AcmeAccounts", acme_json(r));
	for (i = 0; i < r->policy.n; i++) {
		char key[64];
		const char *eq = strstr(r->policy.v[i], " = ");
		size_t kl = eq ? (size_t)(eq - r->policy.v[i]) : 0;

		if (eq == NULL || kl >= sizeof(key))
			continue;
		memcpy(key, r->policy.v[i], kl);
		key[kl] = '\0';
		json_object_set_new(pol, key, jstr(eq + 3));
	}
	json_object_set_new(o, "Policy", pol);
	json_object_set_new(o, "Bindings",
			    json_integer((json_int_t)r->bindings));
	json_object_set_new(aud, "Log", jstr(r->audit.path));
	json_object_set_new(aud, "Valid", json_boolean(r->audit.ok));
	json_object_set_new(aud, "Lines",
			    json_integer((json_int_t)r->audit.lines));
	json_object_set_new(aud, "LastSeq",
			    json_integer((json_int_t)r->audit.last_seq));
	json_object_set_new(aud, "TokenHeadSeq",
			    json_integer((json_int_t)r->audit.head_seq));
	json_object_set_new(aud, "Problem",
			    r->audit.ok ? json_null() : jstr(r->audit.problem));
	json_object_set_new(aud, "Reset", audit_reset_json(&r->audit));
	json_object_set_new(o, "Audit", aud);
	return o;
}

/* the audit-reset line the log starts with, and its gap (SPEC 10) */
static void
audit_reset_text(const hc_audit_status *a)
{
	if (a->reset_seq == 0)
		return;
	printf("             started again by audit reset at seq %llu (",
	       a->reset_seq);
	t(a->reset_time);
	fputs(" by ", stdout);
	t(a->reset_user);
	fputs(")\n", stdout);
	if (a->gap_from > 0)
		printf("             GAP: seq %llu to %llu are not in this log: ",
		       a->gap_from, a->gap_to);
	else
		fputs("             ", stdout);
	t(a->reset_detail);
	putchar('\n');
}

static void
report_text(const hc_report *r, time_t now)
{
	size_t i;

	printf("hsmcert compliance report, %s, host ", r->generated);
	t(r->host);
	printf("\n\nToken      : ");
	t(r->token_label);
	printf(" (");
	t(r->manufacturer);
	printf(" ");
	t(r->model);
	printf(", serial ");
	t(r->serial);
	printf(", firmware ");
	t(r->fw_version);
	printf(")\nModule     : ");
	t(r->module);
	printf("\n");
	printf("User PIN   : %s\n", r->pin_locked ? "LOCKED" :
	       r->pin_final_try ? "final try" : r->pin_count_low ?
	       "count low (failed logins)" : "no failed-login flags");
	printf("\nKeys and certificates (%zu):\n", r->entries.n);
	for (i = 0; i < r->entries.n; i++) {
		const hc_entry *e = &r->entries.v[i];
		char d[21], rn[80];
		size_t k;

		date_or_dash(e, e->not_after, d);
		printf("  %s  %-15s %-14s %-10s %-11s ", e->thumbprint,
		       kind_name(e), hc_status_name(e->status), d,
		       hc_band_name(hc_expiry_band(e, now)));
		t(e->subject);
		printf("\n      key ");
		t(e->key_algorithm ? e->key_algorithm : "?");
		printf(" %d, ", e->key_size);
		t(e->key_provenance ? e->key_provenance : "no private key");
		printf(", %s", exportability(e));
		for (k = 0; k < e->nservices; k++) {
			printf("%s", k ? ", " : "; bound to ");
			t(e->service_names[k]);
		}
		renewal_text(e, rn);
		if (rn[0] != '\0')
			printf("\n      renewal: %s", rn);
		putchar('\n');
	}
	printf("\nCA certificates kept for chains (%zu):\n", r->cas.n);
	for (i = 0; i < r->cas.n; i++) {
		printf("  %s  ", r->cas.v[i].thumbprint);
		t(r->cas.v[i].subject);
		putchar('\n');
	}
	printf("\nACME accounts (%zu):\n", r->nacme);
	for (i = 0; i < r->nacme; i++) {
		printf("  directory ");
		t(r->acme[i].directory);
		printf("\n    account ");
		t(r->acme[i].account);
		printf("\n    key %s, ", r->acme[i].key_id);
		t(r->acme[i].key_provenance ? r->acme[i].key_provenance :
		  "KEY MISSING from the token");
		putchar('\n');
	}
	printf("\nPolicy in force:\n");
	for (i = 0; i < r->policy.n; i++) {
		printf("  ");
		t(r->policy.v[i]);
		putchar('\n');
	}
	printf("\nAudit log  : ");
	t(r->audit.path);
	putchar('\n');
	if (r->audit.ok)
		printf("             %zu lines, chain intact, head on the token at seq %llu\n",
		       r->audit.lines, r->audit.head_seq);
	else {
		printf("             FAILED at line %zu: ", r->audit.bad_line);
		t(r->audit.problem);
		putchar('\n');
	}
	audit_reset_text(&r->audit);
}

static const char html_head[] =
"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<title>hsmcert compliance report</title>\n<style>\n"
"body{font:14px/1.4 sans-serif;color:#111;margin:2em;max-width:1200px}\n"
"h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px solid #999}\n"
".meta{color:#555}table{border-collapse:collapse;width:100%}\n"
"th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}\n"
"th{background:#eee}td.nw{white-space:nowrap}td.mono,.mono{font-family:monospace;font-size:12px;word-break:break-all}\n"
".b-ok{background:#d8f0d8}.b-soon{background:#fff2b3}.b-urgent{background:#f8c8c8}.b-expired{background:#ccc}\n"
".bad{color:#a00;font-weight:bold}.good{color:#070;font-weight:bold}\n"
"dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}\n"
"@media print{body{margin:0;font-size:11px}h2{break-after:avoid}tr{break-inside:avoid}"
".b-ok,.b-soon,.b-urgent,.b-expired,th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n"
"</style></head><body>\n";

static const char *
band_class(enum hc_band b)
{
	switch (b) {
	case HC_BAND_OK:
		return "b-ok";
	case HC_BAND_SOON:
		return "b-soon";
	case HC_BAND_URGENT:
		return "b-urgent";
	case HC_BAND_EXPIRED:
		return "b-expired";
	case HC_BAND_NA:
		return "";
	}
	return "";
}

static void
report_html(const hc_report *r, time_t now)
{
	size_t i, k;

	fputs(html_head, stdout);
	printf("<h1>hsmcert compliance report</h1>\n<p class=\"meta\">Generated ");
	h(r->generated);
	printf(" on host ");
	h(r->host);
	printf("</p>\n<h2>Token</h2>\n<dl><dt>Label</dt><dd>");
	h(r->token_label);
	printf("</dd><dt>Manufacturer / model</dt><dd>");
	h(r->manufacturer);
	printf(" / ");
	h(r->model);
	printf("</dd><dt>Serial</dt><dd class=\"mono\">");
	h(r->serial);
	printf("</dd><dt>Hardware / firmware</dt><dd>");
	h(r->hw_version);
	printf(" / ");
	h(r->fw_version);
	printf("</dd><dt>Module</dt><dd class=\"mono\">");
	h(r->module);
	printf("</dd><dt>User PIN</dt><dd>%s</dd></dl>\n",
	       r->pin_locked ? "<span class=\"bad\">locked</span>" :
	       r->pin_final_try ? "<span class=\"bad\">final try</span>" :
	       r->pin_count_low ? "count low (failed logins)" :
	       "no failed-login flags");
	printf("<h2>Keys and certificates (%zu)</h2>\n<table><thead><tr><th>Thumbprint / key id</th>"
	       "<th>Kind</th><th>Subject</th><th>Status</th><th>Expires</th><th>Band</th>"
	       "<th>Key</th><th>Provenance</th><th>Export</th><th>Services</th><th>Renewal</th></tr></thead><tbody>\n",
	       r->entries.n);
	for (i = 0; i < r->entries.n; i++) {
		const hc_entry *e = &r->entries.v[i];
		enum hc_band b = hc_expiry_band(e, now);
		char d[21], rn[80];

		date_or_dash(e, e->not_after, d);
		printf("<tr><td class=\"mono\">");
		h(e->thumbprint);
		printf("</td><td>%s</td><td>", kind_name(e));
		h(e->subject);
		printf("</td><td>%s</td><td class=\"nw\">%s</td><td class=\"%s nw\">%s</td><td class=\"nw\">",
		       hc_status_name(e->status), d, band_class(b),
		       hc_band_name(b));
		h(e->key_algorithm);
		printf(" %d</td><td>", e->key_size);
		h(e->key_provenance ? e->key_provenance : "no private key");
		printf("</td><td>%s</td><td>", exportability(e));
		for (k = 0; k < e->nservices; k++) {
			if (k)
				printf(", ");
			h(e->service_names[k]);
		}
		renewal_text(e, rn);
		printf("</td><td%s>", e->renewed_by[0] != '\0' ?
		       " class=\"mono\"" : "");
		h(rn);
		printf("</td></tr>\n");
	}
	printf("</tbody></table>\n<p class=\"meta\">Bands: <span class=\"b-ok\">60+ days</span> "
	       "<span class=\"b-soon\">30-59 days</span> <span class=\"b-urgent\">&lt; 30 days</span> "
	       "<span class=\"b-expired\">expired</span>. %zu service binding%s on this host.</p>\n",
	       r->bindings, r->bindings == 1 ? "" : "s");
	printf("<h2>Timeline</h2>\n");
	render_timeline_svg(r, now);
	printf("<h2>CA certificates kept for chains (%zu)</h2>\n<table><thead><tr><th>Thumbprint</th>"
	       "<th>Subject</th></tr></thead><tbody>\n",
	       r->cas.n);
	for (i = 0; i < r->cas.n; i++) {
		printf("<tr><td class=\"mono\">");
		h(r->cas.v[i].thumbprint);
		printf("</td><td>");
		h(r->cas.v[i].subject);
		printf("</td></tr>\n");
	}
	printf("</tbody></table>\n<h2>ACME accounts</h2>\n<table><thead><tr>"
	       "<th>Directory</th><th>Account</th><th>Key id</th><th>Key</th>"
	       "</tr></thead><tbody>\n");
	for (i = 0; i < r->nacme; i++) {
		printf("<tr><td class=\"mono\">");
		h(r->acme[i].directory);
		printf("</td><td class=\"mono\">");
		h(r->acme[i].account);
		printf("</td><td class=\"mono\">");
		h(r->acme[i].key_id);
		printf("</td><td>");
		h(r->acme[i].key_provenance ? r->acme[i].key_provenance :
		  "key missing from the token");
		printf("</td></tr>\n");
	}
	printf("</tbody></table>\n<h2>Policy in force</h2>\n<table><tbody>\n");
	for (i = 0; i < r->policy.n; i++) {
		printf("<tr><td class=\"mono\">");
		h(r->policy.v[i]);
		printf("</td></tr>\n");
	}
	printf("</tbody></table>\n<h2>Audit log</h2>\n<p class=\"mono\">");
	h(r->audit.path);
	printf("</p>\n<p>");
	if (r->audit.ok)
		printf("<span class=\"good\">Verified</span>: %zu lines, hash chain intact, "
		       "head on the token at seq %llu.",
		       r->audit.lines, r->audit.head_seq);
	else {
		printf("<span class=\"bad\">FAILED</span> at line %zu: ",
		       r->audit.bad_line);
		h(r->audit.problem);
	}
	if (r->audit.reset_seq > 0) {
		printf("</p>\n<p>Started again by audit reset at seq %llu (",
		       r->audit.reset_seq);
		h(r->audit.reset_time);
		printf(" by ");
		h(r->audit.reset_user);
		printf(").</p>\n<p>");
		if (r->audit.gap_from > 0)
			printf("<span class=\"bad\">Gap</span>: seq %llu to %llu are not in this log: ",
			       r->audit.gap_from, r->audit.gap_to);
		h(r->audit.reset_detail);
	}
	printf("</p>\n</body></html>\n");
}

int
render_report(const struct cli *g, const hc_report *r)
{
	time_t now = time(NULL);

	switch (g->format) {
	case FMT_JSON:
		return render_json_print(report_json(r, now));
	case FMT_HTML:
		report_html(r, now);
		break;
	case FMT_DEFAULT:
	case FMT_TEXT:
	case FMT_TABLE:
	case FMT_LIST:
		report_text(r, now);
		break;
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}
