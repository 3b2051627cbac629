/* render_entry.c - certificates as a list, a table or JSON (list, show) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/range.h"

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

/* a string from the token, a file or the user: null for NULL */
static json_t *
jstr(const char *s)
{
	return render_json_str(s);
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
				jstr(e->hosts[i].service_names[k]));
		json_object_set_new(o, "Host", jstr(e->hosts[i].host));
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
		fputs(i ? sep : "", stdout);
		render_text(stdout, e->hosts[i].host);
		printf(": %s", flags);
	}
}

json_t *
render_entry_json(const hc_entry *e)
{
	json_t *o = json_object();
	json_t *doms = json_array(), *svcs = json_array(),
	       *chain = json_array();
	size_t i;

	for (i = 0; i < e->ndomains; i++)
		json_array_append_new(doms, jstr(e->domains[i]));
	for (i = 0; i < e->nservices; i++)
		json_array_append_new(svcs, jstr(e->service_names[i]));
	for (i = 0; i < e->nchain; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "Subject", jstr(e->chain[i].subject));
		json_object_set_new(c, "Thumbprint",
				    jstr(e->chain[i].thumbprint));
		json_array_append_new(chain, c);
	}
	json_object_set_new(o, "FriendlyName", jstr(e->friendly_name));
	json_object_set_new(o, "Subject", jstr(e->subject));
	json_object_set_new(o, "Issuer", jstr(e->issuer));
	json_object_set_new(o, "CertificateDomains", doms);
	json_object_set_new(o, "NotBefore", jdate(e, e->not_before));
	json_object_set_new(o, "NotAfter", jdate(e, e->not_after));
	json_object_set_new(o, "IsSelfSigned", jtri(e->is_self_signed));
	json_object_set_new(o, "RootCAType",
			    jstr(hc_root_type_name(e->root_ca_type)));
	json_object_set_new(o, "Status",
			    json_string(hc_status_name(e->status)));
	json_object_set_new(o, "Services", svcs);
	json_object_set_new(o, "Thumbprint", json_string(e->thumbprint));
	json_object_set_new(o, "Sha256Fingerprint",
			    e->sha256[0] ? json_string(e->sha256) :
					   json_null());
	json_object_set_new(o, "SerialNumber", jstr(e->serial));
	json_object_set_new(o, "KeyId", json_string(e->key_id));
	json_object_set_new(o, "KeyAlgorithm", jstr(e->key_algorithm));
	json_object_set_new(o, "KeySize",
			    e->key_size > 0 ? json_integer(e->key_size) :
					      json_null());
	json_object_set_new(o, "HasPrivateKey",
			    json_boolean(e->has_private_key));
	json_object_set_new(o, "PrivateKeyExportable", jtri(e->exportable));
	json_object_set_new(o, "KeyProvenance", jstr(e->key_provenance));
	json_object_set_new(o, "KeyUri", jstr(e->key_uri));
	json_object_set_new(o, "CertUri", jstr(e->cert_uri));
	json_object_set_new(o, "Chain", chain);
	if (e->enrollment != NULL)
		json_object_set_new(o, "Enrollment",
				    json_string(e->enrollment));
	if (e->acme_directory != NULL)
		json_object_set_new(o, "AcmeDirectory",
				    jstr(e->acme_directory));
	if (e->has_renew_after) {
		char ra[21];

		hc_rfc3339((long long)e->renew_after, ra);
		json_object_set_new(o, "RenewAfter", json_string(ra));
	}
	if (e->renews[0] != '\0')
		json_object_set_new(o, "Renews", json_string(e->renews));
	if (e->renewed_by[0] != '\0')
		json_object_set_new(o, "RenewedBy", json_string(e->renewed_by));
	if (e->has_hosts)
		json_object_set_new(o, "Hosts", hosts_json(e));
	return o;
}
static int
print_json(json_t *j)
{
	return render_json_print(j);
}
void
render_list_entry(const hc_entry *e)
{
	char flags[8], nb[21], na[21];
	size_t i;

	flags_text(e->services, flags);
	date_text(e, e->not_before, nb);
	date_text(e, e->not_after, na);
#define F(name, ...)                     \
	do {                             \
		printf("%-21s: ", name); \
		printf(__VA_ARGS__);     \
		putchar('\n');           \
	} while (0)
	/* T: text from the token, a file or the user, shown escaped */
#define T(name, s)                       \
	do {                             \
		printf("%-21s: ", name); \
		render_text(stdout, s);  \
		putchar('\n');           \
	} while (0)
	T("FriendlyName", e->friendly_name);
	T("Subject", e->subject);
	T("Issuer", e->issuer);
	printf("%-21s: {", "CertificateDomains");
	for (i = 0; i < e->ndomains; i++) {
		fputs(i ? ", " : "", stdout);
		render_text(stdout, e->domains[i]);
	}
	printf("}\n");
	F("NotBefore", "%s", nb);
	F("NotAfter", "%s", na);
	F("IsSelfSigned", "%s", e->is_self_signed == HC_NA ? "" :
	  e->is_self_signed ? "True" : "False");
	F("RootCAType", "%s", hc_root_type_name(e->root_ca_type) ?
	  hc_root_type_name(e->root_ca_type) : "");
	F("Status", "%s", hc_status_name(e->status));
	if (e->status_reason != NULL)
		T("StatusReason", e->status_reason);
	printf("%-21s: %s", "Services", flags);
	for (i = 0; i < e->nservices; i++) {
		fputs(i ? ", " : " (", stdout);
		render_text(stdout, e->service_names[i]);
	}
	printf("%s\n", e->nservices ? ")" : "");
	F("Thumbprint", "%s", e->thumbprint);
	F("Sha256Fingerprint", "%s", e->sha256);
	T("SerialNumber", e->serial);
	F("KeyId", "%s", e->key_id);
	if (e->curve != NULL)
		F("KeyAlgorithm", "%s (%s)", e->key_algorithm, e->curve);
	else
		T("KeyAlgorithm", e->key_algorithm);
	F("KeySize", "%d", e->key_size);
	F("HasPrivateKey", "%s", e->has_private_key ? "True" : "False");
	F("PrivateKeyExportable", "%s", e->exportable == HC_NA ? "" :
	  e->exportable ? "True" : "False");
	T("KeyProvenance", e->key_provenance);
	T("KeyUri", e->key_uri);
	T("CertUri", e->cert_uri);
	printf("%-21s: {", "Chain");
	for (i = 0; i < e->nchain; i++) {
		fputs(i ? ", " : "", stdout);
		render_text(stdout, e->chain[i].subject);
		printf(" [%s]", e->chain[i].thumbprint);
	}
	printf("}\n");
	if (e->enrollment != NULL)
		F("Enrollment", "%s", e->enrollment);
	if (e->acme_directory != NULL)
		T("AcmeDirectory", e->acme_directory);
	if (e->has_renew_after) {
		char ra[21];

		hc_rfc3339((long long)e->renew_after, ra);
		F("RenewAfter", "%s", ra);
	}
	if (e->renews[0] != '\0')
		F("Renews", "%s", e->renews);
	if (e->renewed_by[0] != '\0')
		F("RenewedBy", "%s", e->renewed_by);
	if (e->has_hosts) {
		printf("%-21s: ", "Hosts");
		print_hosts(e, ", ");
		putchar('\n');
	}
#undef T
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
		size_t s = render_text_len(l->v[i].subject);

		if (s > w)
			w = s;
	}
	printf("%-40s  %-8s  %-*s  %-20s  %-*s%s\n", "Thumbprint", "Services",
	       hc_range_clamp_int(w), "Subject", "NotAfter", sw, "Status",
	       hosts ? "  Hosts" : "");
	printf("%-40s  %-8s  %-*s  %-20s  %-*s%s\n", "----------", "--------",
	       hc_range_clamp_int(w), "-------", "--------", sw, "------",
	       hosts ? "  -----" : "");
	for (i = 0; i < l->n; i++) {
		const hc_entry *e = &l->v[i];

		flags_text(e->services, flags);
		date_text(e, e->not_after, na);
		printf("%-40s  %-8s  ", e->thumbprint, flags);
		render_pad(e->subject, w);
		printf("  %-20s  %-*s", na, sw, hc_status_name(e->status));
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
			json_array_append_new(a, render_entry_json(&l->v[i]));
		return print_json(a);
	}
	case FMT_LIST:
		for (i = 0; i < l->n; i++) {
			if (i)
				putchar('\n');
			render_list_entry(&l->v[i]);
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
		return print_json(render_entry_json(e));
	case FMT_TABLE: {
		hc_entry_list l = { (hc_entry *)e, 1 };

		print_table(&l);
		break;
	}
	case FMT_DEFAULT:
	case FMT_LIST:
	case FMT_TEXT:
	case FMT_HTML:
		render_list_entry(e);
		break;
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_request_written(const struct cli *g, const hc_entry *e,
		       const char *path)
{
	if (g->quiet)
		return 0;
	if (g->format == FMT_JSON)
		return print_json(render_entry_json(e));
	fputs("Request for ", stdout);
	render_text(stdout, e->subject);
	fputs(" written to ", stdout);
	render_text(stdout, path);
	printf("\nPending on the token under key id %s (", e->key_id);
	render_text(stdout, e->friendly_name);
	fputs(")\n", stdout);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}
