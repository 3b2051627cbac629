/* render.c - table, list and JSON output: the only place that prints results */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"

void
render_warning(const char *msg)
{
	fprintf(stderr, "hsmcert: warning: %s\n", msg);
}

void
render_error(const char *msg)
{
	fprintf(stderr, "hsmcert: error: %s\n", msg);
}

/* Exchange's flag string: I P U W S, '.' where not bound, '+' for custom. */
static void
flags_text(unsigned svc, char out[8])
{
	static const struct {
		unsigned bit;
		char c;
	} order[] = {
		{ HC_SVC_IMAP, 'I' }, { HC_SVC_POP, 'P' }, { HC_SVC_UM, 'U' },
		{ HC_SVC_HTTPS, 'W' }, { HC_SVC_SMTP, 'S' },
	};
	size_t i;

	for (i = 0; i < 5; i++)
		out[i] = (svc & order[i].bit) ? order[i].c : '.';
	out[5] = (svc & HC_SVC_CUSTOM) ? '+' : '\0';
	out[6] = '\0';
}

static void
date_text(const hc_entry *e, time_t t, char out[21])
{
	if (!e->has_dates) {
		memcpy(out, "-", 2);
		return;
	}
	hc_rfc3339((long long)t, out);
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jtri(int v)
{
	return v == HC_NA ? json_null() : json_boolean(v == HC_TRUE);
}

static json_t *
jdate(const hc_entry *e, time_t t)
{
	char buf[21];

	if (!e->has_dates)
		return json_null();
	hc_rfc3339((long long)t, buf);
	return json_string(buf);
}

/* list --all-hosts: [{"Host", "Flags", "Services"}] */
static json_t *
hosts_json(const hc_entry *e)
{
	json_t *a = json_array();
	char flags[8];
	size_t i, k;

	for (i = 0; i < e->nhosts; i++) {
		json_t *o = json_object(), *svcs = json_array();

		flags_text(e->hosts[i].services, flags);
		for (k = 0; k < e->hosts[i].nservices; k++)
			json_array_append_new(svcs,
					      json_string(e->hosts[i].service_names[k]));
		json_object_set_new(o, "Host", json_string(e->hosts[i].host));
		json_object_set_new(o, "Flags", json_string(flags));
		json_object_set_new(o, "Services", svcs);
		json_array_append_new(a, o);
	}
	return a;
}

/* "a: ...WS, b: ....S", or "-" when no host binds it */
static void
print_hosts(const hc_entry *e, const char *sep)
{
	char flags[8];
	size_t i;

	if (e->nhosts == 0)
		fputs("-", stdout);
	for (i = 0; i < e->nhosts; i++) {
		flags_text(e->hosts[i].services, flags);
		printf("%s%s: %s", i ? sep : "", e->hosts[i].host, flags);
	}
}

static json_t *
entry_json(const hc_entry *e)
{
	json_t *o = json_object();
	json_t *doms = json_array(), *svcs = json_array(), *chain = json_array();
	size_t i;

	for (i = 0; i < e->ndomains; i++)
		json_array_append_new(doms, json_string(e->domains[i]));
	for (i = 0; i < e->nservices; i++)
		json_array_append_new(svcs, json_string(e->service_names[i]));
	for (i = 0; i < e->nchain; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "Subject", jstr(e->chain[i].subject));
		json_object_set_new(c, "Thumbprint",
				    json_string(e->chain[i].thumbprint));
		json_array_append_new(chain, c);
	}
	json_object_set_new(o, "FriendlyName", jstr(e->friendly_name));
	json_object_set_new(o, "Subject", jstr(e->subject));
	json_object_set_new(o, "Issuer", jstr(e->issuer));
	json_object_set_new(o, "CertificateDomains", doms);
	json_object_set_new(o, "NotBefore", jdate(e, e->not_before));
	json_object_set_new(o, "NotAfter", jdate(e, e->not_after));
	json_object_set_new(o, "IsSelfSigned", jtri(e->is_self_signed));
	json_object_set_new(o, "RootCAType", jstr(hc_root_type_name(e->root_ca_type)));
	json_object_set_new(o, "Status", json_string(hc_status_name(e->status)));
	json_object_set_new(o, "Services", svcs);
	json_object_set_new(o, "Thumbprint", json_string(e->thumbprint));
	json_object_set_new(o, "Sha256Fingerprint",
			    e->sha256[0] ? json_string(e->sha256) : json_null());
	json_object_set_new(o, "SerialNumber", jstr(e->serial));
	json_object_set_new(o, "KeyId", json_string(e->key_id));
	json_object_set_new(o, "KeyAlgorithm", jstr(e->key_algorithm));
	json_object_set_new(o, "KeySize",
			    e->key_size > 0 ? json_integer(e->key_size) : json_null());
	json_object_set_new(o, "HasPrivateKey", json_boolean(e->has_private_key));
	json_object_set_new(o, "PrivateKeyExportable", jtri(e->exportable));
	json_object_set_new(o, "KeyProvenance", jstr(e->key_provenance));
	json_object_set_new(o, "KeyUri", jstr(e->key_uri));
	json_object_set_new(o, "CertUri", jstr(e->cert_uri));
	json_object_set_new(o, "Chain", chain);
	if (e->has_hosts)
		json_object_set_new(o, "Hosts", hosts_json(e));
	return o;
}

static int
print_json(json_t *j)
{
	int r = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	if (r != 0)
		return HC_E_FAIL;
	fputc('\n', stdout);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

static void
print_list_entry(const hc_entry *e)
{
	char flags[8], nb[21], na[21];
	size_t i;

	flags_text(e->services, flags);
	date_text(e, e->not_before, nb);
	date_text(e, e->not_after, na);
#define F(name, ...) do { printf("%-21s: ", name); printf(__VA_ARGS__); putchar('\n'); } while (0)
	F("FriendlyName", "%s", e->friendly_name ? e->friendly_name : "");
	F("Subject", "%s", e->subject ? e->subject : "");
	F("Issuer", "%s", e->issuer ? e->issuer : "");
	printf("%-21s: {", "CertificateDomains");
	for (i = 0; i < e->ndomains; i++)
		printf("%s%s", i ? ", " : "", e->domains[i]);
	printf("}\n");
	F("NotBefore", "%s", nb);
	F("NotAfter", "%s", na);
	F("IsSelfSigned", "%s", e->is_self_signed == HC_NA ? "" :
	  e->is_self_signed ? "True" : "False");
	F("RootCAType", "%s", hc_root_type_name(e->root_ca_type) ?
	  hc_root_type_name(e->root_ca_type) : "");
	F("Status", "%s", hc_status_name(e->status));
	if (e->status_reason != NULL)
		F("StatusReason", "%s", e->status_reason);
	printf("%-21s: %s", "Services", flags);
	for (i = 0; i < e->nservices; i++)
		printf("%s%s", i ? ", " : " (", e->service_names[i]);
	printf("%s\n", e->nservices ? ")" : "");
	F("Thumbprint", "%s", e->thumbprint);
	F("Sha256Fingerprint", "%s", e->sha256);
	F("SerialNumber", "%s", e->serial ? e->serial : "");
	F("KeyId", "%s", e->key_id);
	if (e->curve != NULL)
		F("KeyAlgorithm", "%s (%s)", e->key_algorithm, e->curve);
	else
		F("KeyAlgorithm", "%s", e->key_algorithm ? e->key_algorithm : "");
	F("KeySize", "%d", e->key_size);
	F("HasPrivateKey", "%s", e->has_private_key ? "True" : "False");
	F("PrivateKeyExportable", "%s", e->exportable == HC_NA ? "" :
	  e->exportable ? "True" : "False");
	F("KeyProvenance", "%s", e->key_provenance ? e->key_provenance : "");
	F("KeyUri", "%s", e->key_uri ? e->key_uri : "");
	F("CertUri", "%s", e->cert_uri ? e->cert_uri : "");
	printf("%-21s: {", "Chain");
	for (i = 0; i < e->nchain; i++)
		printf("%s%s [%s]", i ? ", " : "", e->chain[i].subject,
		       e->chain[i].thumbprint);
	printf("}\n");
	if (e->has_hosts) {
		printf("%-21s: ", "Hosts");
		print_hosts(e, ", ");
		putchar('\n');
	}
#undef F
}

static void
print_table(const hc_entry_list *l)
{
	size_t i, w = strlen("Subject");
	char flags[8], na[21];
	/* list --all-hosts: a last column, so the others stay as they are */
	int hosts = l->n > 0 && l->v[0].has_hosts, sw = hosts ? 14 : 0;

	for (i = 0; i < l->n; i++) {
		size_t s = l->v[i].subject ? strlen(l->v[i].subject) : 0;

		if (s > w)
			w = s;
	}
	printf("%-40s  %-8s  %-*s  %-20s  %-*s%s\n", "Thumbprint", "Services",
	       (int)w, "Subject", "NotAfter", sw, "Status",
	       hosts ? "  Hosts" : "");
	printf("%-40s  %-8s  %-*s  %-20s  %-*s%s\n", "----------", "--------",
	       (int)w, "-------", "--------", sw, "------",
	       hosts ? "  -----" : "");
	for (i = 0; i < l->n; i++) {
		const hc_entry *e = &l->v[i];

		flags_text(e->services, flags);
		date_text(e, e->not_after, na);
		printf("%-40s  %-8s  %-*s  %-20s  %-*s", e->thumbprint, flags,
		       (int)w, e->subject ? e->subject : "", na, sw,
		       hc_status_name(e->status));
		if (hosts && e->kind == HC_KIND_CERT) {
			fputs("  ", stdout);
			print_hosts(e, ", ");
		}
		putchar('\n');
	}
}

int
render_entries(const struct cli *g, const hc_entry_list *l)
{
	size_t i;

	switch (g->format) {
	case FMT_JSON: {
		json_t *a = json_array();

		for (i = 0; i < l->n; i++)
			json_array_append_new(a, entry_json(&l->v[i]));
		return print_json(a);
	}
	case FMT_LIST:
		for (i = 0; i < l->n; i++) {
			if (i)
				putchar('\n');
			print_list_entry(&l->v[i]);
		}
		break;
	case FMT_DEFAULT:
	case FMT_TABLE:
	case FMT_TEXT:
	case FMT_HTML:
		print_table(l);
		break;
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_entry(const struct cli *g, const hc_entry *e)
{
	switch (g->format) {
	case FMT_JSON:
		return print_json(entry_json(e));
	case FMT_TABLE: {
		hc_entry_list l = { (hc_entry *)e, 1 };

		print_table(&l);
		break;
	}
	case FMT_DEFAULT:
	case FMT_LIST:
	case FMT_TEXT:
	case FMT_HTML:
		print_list_entry(e);
		break;
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_blob(const hc_blob *b)
{
	if (fwrite(b->data, 1, b->len, stdout) != b->len)
		return HC_E_FAIL;
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_request_written(const struct cli *g, const hc_entry *e,
		       const char *path)
{
	if (g->quiet)
		return 0;
	if (g->format == FMT_JSON)
		return print_json(entry_json(e));
	printf("Request for %s written to %s\n", e->subject ? e->subject : "",
	       path);
	printf("Pending on the token under key id %s (%s)\n", e->key_id,
	       e->friendly_name ? e->friendly_name : "");
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_strings(const struct cli *g, const hc_strings *s)
{
	size_t i;

	if (g->format == FMT_JSON) {
		json_t *a = json_array();

		for (i = 0; i < s->n; i++)
			json_array_append_new(a, json_string(s->v[i]));
		return print_json(a);
	}
	for (i = 0; i < s->n; i++)
		printf("%s\n", s->v[i]);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

static const char *
check_word(enum hc_check_result r)
{
	switch (r) {
	case HC_CHECK_OK:
		return "ok";
	case HC_CHECK_WARN:
		return "warn";
	case HC_CHECK_FAIL:
		return "FAIL";
	}
	return "?";
}

int
render_checks(const struct cli *g, const hc_entry *e, const hc_check_list *l)
{
	size_t i, fails = 0, warns = 0;

	for (i = 0; i < l->n; i++) {
		fails += l->v[i].result == HC_CHECK_FAIL;
		warns += l->v[i].result == HC_CHECK_WARN;
	}
	if (g->format == FMT_JSON) {
		json_t *o = json_object(), *a = json_array();

		for (i = 0; i < l->n; i++) {
			json_t *c = json_object();

			json_object_set_new(c, "Check", json_string(l->v[i].name));
			json_object_set_new(c, "Result",
					    json_string(check_word(l->v[i].result)));
			json_object_set_new(c, "Reason", jstr(l->v[i].reason));
			json_array_append_new(a, c);
		}
		json_object_set_new(o, "Thumbprint", json_string(e->thumbprint));
		json_object_set_new(o, "Subject", jstr(e->subject));
		json_object_set_new(o, "Passed", json_boolean(fails == 0));
		json_object_set_new(o, "Checks", a);
		return print_json(o);
	}
	printf("Verifying %s  %s\n", e->thumbprint, e->subject ? e->subject : "");
	for (i = 0; i < l->n; i++)
		printf("  %-4s  %-12s %s\n", check_word(l->v[i].result),
		       l->v[i].name, l->v[i].reason);
	printf("%zu check%s: %zu failed, %zu warning%s\n", l->n,
	       l->n == 1 ? "" : "s", fails, warns, warns == 1 ? "" : "s");
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_import(const struct cli *g, const hc_import_result *r)
{
	size_t i;

	if (g->format == FMT_JSON) {
		json_t *o = json_object(), *a = json_array();

		for (i = 0; i < r->ca_thumbprints.n; i++)
			json_array_append_new(a, json_string(r->ca_thumbprints.v[i]));
		json_object_set_new(o, "Completed", json_boolean(r->completed));
		json_object_set_new(o, "KeyImported",
				    json_boolean(r->key_imported));
		json_object_set_new(o, "CertificateStored",
				    json_boolean(r->leaf_stored));
		json_object_set_new(o, "CaCertificatesAdded", a);
		json_object_set_new(o, "NothingChanged",
				    json_boolean(r->nothing_changed));
		json_object_set_new(o, "Certificate", r->has_entry ?
				    entry_json(&r->entry) : json_null());
		return print_json(o);
	}
	if (g->quiet)
		return 0;
	if (r->nothing_changed)
		printf("Already present: nothing changed.\n");
	if (r->key_imported)
		printf("Imported key %s and certificate %s onto the token.\n",
		       r->entry.key_id, r->entry.thumbprint);
	else if (r->completed)
		printf("Completed the pending request %s: certificate %s stored beside its key.\n",
		       r->entry.key_id, r->entry.thumbprint);
	else if (r->leaf_stored)
		printf("Stored certificate %s beside its key %s.\n",
		       r->entry.thumbprint, r->entry.key_id);
	for (i = 0; i < r->ca_thumbprints.n; i++)
		printf("Stored CA certificate %s.\n", r->ca_thumbprints.v[i]);
	if (r->ca_present > 0)
		printf("%zu CA certificate%s already on the token.\n",
		       r->ca_present, r->ca_present == 1 ? " was" : "s were");
	if (r->has_entry) {
		putchar('\n');
		print_list_entry(&r->entry);
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_written(const struct cli *g, const char *path)
{
	if (g->quiet)
		return 0;
	printf("Wrote %s\n", path);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_locked(const struct cli *g, const hc_entry *e, int changed)
{
	if (g->format == FMT_JSON)
		return print_json(entry_json(e));
	if (g->quiet)
		return 0;
	printf("%s: %s\n", e->thumbprint, changed ?
	       "the key is now permanently non-exportable" :
	       "the key was not exportable: nothing changed");
	printf("%-21s: %s\n", "KeyProvenance",
	       e->key_provenance ? e->key_provenance : "");
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_removed(const struct cli *g, const hc_strings *removed)
{
	size_t i;

	if (g->format == FMT_JSON)
		return render_strings(g, removed);
	if (g->quiet)
		return 0;
	for (i = 0; i < removed->n; i++)
		printf("Removed %s (archived)\n", removed->v[i]);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_bound(const struct cli *g, const char *id, const hc_strings *changed,
	     int enable)
{
	size_t i;

	if (g->format == FMT_JSON)
		return render_strings(g, changed);
	if (g->quiet)
		return 0;
	if (changed->n == 0) {
		printf("Nothing changed.\n");
		return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
	}
	printf("%s ", enable ? "Bound" : "Unbound");
	for (i = 0; i < changed->n; i++)
		printf("%s%s", i ? ", " : "", changed->v[i]);
	printf(" %s %s\n", enable ? "to" : "from", id);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_audit(const struct cli *g, const hc_audit_records *l)
{
	size_t i;

	if (g->format == FMT_JSON) {
		json_t *a = json_array();

		for (i = 0; i < l->n; i++) {
			const hc_audit_record *r = &l->v[i];
			json_t *o = json_object();

			json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
			json_object_set_new(o, "time", json_string(r->time));
			json_object_set_new(o, "user", jstr(r->user));
			json_object_set_new(o, "host", jstr(r->host));
			json_object_set_new(o, "command", jstr(r->command));
			json_object_set_new(o, "target", jstr(r->target));
			json_object_set_new(o, "result", jstr(r->result));
			json_object_set_new(o, "detail", jstr(r->detail));
			json_array_append_new(a, o);
		}
		return print_json(a);
	}
	printf("%6s  %-20s  %-12s  %-9s  %-40s  %-6s  %s\n", "Seq", "Time",
	       "User", "Command", "Target", "Result", "Detail");
	for (i = 0; i < l->n; i++) {
		const hc_audit_record *r = &l->v[i];

		printf("%6llu  %-20s  %-12s  %-9s  %-40s  %-6s  %s\n", r->seq,
		       r->time, r->user, r->command, r->target, r->result,
		       r->detail);
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_audit_status(const struct cli *g, const hc_audit_status *st)
{
	if (g->format == FMT_JSON) {
		json_t *o = json_object();

		json_object_set_new(o, "Log", json_string(st->path));
		json_object_set_new(o, "Valid", json_boolean(st->ok));
		json_object_set_new(o, "Lines", json_integer((json_int_t)st->lines));
		json_object_set_new(o, "LastSeq", json_integer((json_int_t)st->last_seq));
		json_object_set_new(o, "TokenHeadSeq", json_integer((json_int_t)st->head_seq));
		json_object_set_new(o, "FirstBadLine", st->ok ? json_null() :
				    json_integer((json_int_t)st->bad_line));
		json_object_set_new(o, "Problem", st->ok ? json_null() :
				    json_string(st->problem));
		if (st->reset_seq > 0) {
			json_t *r = json_object();

			json_object_set_new(r, "Seq", json_integer((json_int_t)st->reset_seq));
			json_object_set_new(r, "Time", json_string(st->reset_time));
			json_object_set_new(r, "User", jstr(st->reset_user));
			json_object_set_new(r, "GapFrom", st->gap_from ?
					    json_integer((json_int_t)st->gap_from) : json_null());
			json_object_set_new(r, "GapTo", st->gap_from ?
					    json_integer((json_int_t)st->gap_to) : json_null());
			json_object_set_new(r, "Detail", jstr(st->reset_detail));
			json_object_set_new(o, "Reset", r);
		} else {
			json_object_set_new(o, "Reset", json_null());
		}
		return print_json(o);
	}
	if (st->ok && st->reset_seq > 0)
		printf("%s: %zu line%s, chain intact since the audit reset at seq %llu (%s by %s), last seq %llu matches the head kept on the token (seq %llu)\n",
		       st->path, st->lines, st->lines == 1 ? "" : "s",
		       st->reset_seq, st->reset_time, st->reset_user,
		       st->last_seq, st->head_seq);
	else if (st->ok)
		printf("%s: %zu line%s, chain intact, last seq %llu matches the head kept on the token (seq %llu)\n",
		       st->path, st->lines, st->lines == 1 ? "" : "s",
		       st->last_seq, st->head_seq);
	else
		printf("%s: FAILED at line %zu: %s\n", st->path, st->bad_line,
		       st->problem);
	if (st->reset_seq > 0)
		printf("gap: %s\n", st->reset_detail);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}
