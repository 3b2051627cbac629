/* render.c - table, list and JSON output: the only place that prints results */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/utf8.h"

/*
 * Showing text that came from the token or a file (SPEC section 10): a
 * label, a subject, an audit line or a reload's output may hold bytes a
 * terminal obeys. esc_next() is the one place that decides what is shown
 * as it is and what as \xHH; text, HTML, JSON and messages all use it.
 */
enum esc_mode {
	ESC_TEXT,	/* every control character and bad byte as \xHH */
	ESC_MSG,	/* the same, but newlines and tabs stay (messages) */
	ESC_JSON,	/* bad bytes only: JSON escapes controls itself */
};

#define ESC_MAX 17	/* "\xc2\x9b" and more: 4 bytes * 4 + NUL */

/*
 * The next character of s as it is shown: as it is when it is printable
 * UTF-8, else \xHH for each of its bytes: C0 controls, DEL, the C1
 * controls U+0080-U+009F (as their two UTF-8 bytes), and any byte that
 * does not start a valid UTF-8 sequence (alone). Writes the text to out,
 * returns how many bytes of s it stands for (0 at the end of s).
 */
static size_t
esc_next(const unsigned char *s, enum esc_mode mode, char out[ESC_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = hc_utf8_seq((const char *)s), i;
	int control;

	if (*s == '\0') {
		out[0] = '\0';
		return 0;
	}
	control = (n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) ||
		  (n == 2 && s[0] == 0xc2 && s[1] <= 0x9f);
	if (mode == ESC_JSON)
		control = 0;
	if (mode == ESC_MSG && (s[0] == '\n' || s[0] == '\t'))
		control = 0;
	if (n > 0 && !control) {
		memcpy(out, s, n);
		out[n] = '\0';
		return n;
	}
	if (n == 0)
		n = 1;
	for (i = 0; i < n; i++) {
		out[4 * i] = '\\';
		out[4 * i + 1] = 'x';
		out[4 * i + 2] = hex[s[i] >> 4];
		out[4 * i + 3] = hex[s[i] & 0xf];
	}
	out[4 * n] = '\0';
	return n;
}

static void
put_esc(FILE *f, const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX];
	size_t n;

	while (p != NULL && (n = esc_next(p, mode, buf)) > 0) {
		fputs(buf, f);
		p += n;
	}
}

void
render_text(FILE *f, const char *s)
{
	put_esc(f, s, ESC_TEXT);
}

size_t
render_text_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX];
	size_t n, len = 0;

	while (p != NULL && (n = esc_next(p, ESC_TEXT, buf)) > 0) {
		len += strlen(buf);
		p += n;
	}
	return len;
}

/* s shown in a column of width bytes, left-aligned as "%-*s" would. */
static void
pad_text(const char *s, size_t width)
{
	size_t len = render_text_len(s);

	render_text(stdout, s);
	for (; len < width; len++)
		putchar(' ');
}

static char *
escape_mode(const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX], *out;
	size_t n, used = 0;

	if (s == NULL)
		return NULL;
	/* at most four bytes shown for each byte */
	out = malloc(4 * strlen(s) + 1);
	if (out == NULL)
		return NULL;
	while ((n = esc_next(p, mode, buf)) > 0) {
		memcpy(out + used, buf, strlen(buf));
		used += strlen(buf);
		p += n;
	}
	out[used] = '\0';
	return out;
}

char *
render_escape(const char *s)
{
	return escape_mode(s, ESC_TEXT);
}

void
render_html(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[ESC_MAX];
	size_t n;

	while (p != NULL && (n = esc_next(p, ESC_TEXT, buf)) > 0) {
		p += n;
		switch (buf[0]) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* a character, or \xHH: nothing HTML reads */
			fputs(buf, f);
		}
	}
}

json_t *
render_json_str(const char *s)
{
	json_t *j;
	char *fixed;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j != NULL)
		return j;
	/* not UTF-8: its bad bytes as the text \xHH, as the table shows them */
	fixed = escape_mode(s, ESC_JSON);
	j = fixed != NULL ? json_string(fixed) : NULL;
	free(fixed);
	return j != NULL ? j : json_null();
}

int
render_json_print(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	const unsigned char *p;
	int ret = HC_E_FAIL;

	json_decref(j);
	if (text == NULL)
		return HC_E_FAIL;
	/*
	 * jansson writes C0 controls as \u00XX but DEL and the C1 controls
	 * as they are; they occur only inside strings, where \u escapes
	 * mean the same characters.
	 */
	p = (const unsigned char *)text;
	while (*p != '\0') {
		size_t run = 0;

		while (p[run] != '\0' && p[run] != 0x7f &&
		       !(p[run] == 0xc2 && p[run + 1] >= 0x80 &&
			 p[run + 1] <= 0x9f))
			run++;
		fwrite(p, 1, run, stdout);
		p += run;
		if (*p == 0x7f) {
			fputs("\\u007F", stdout);
			p++;
		} else if (*p != '\0') {
			printf("\\u%04X", p[1]);
			p += 2;
		}
	}
	putchar('\n');
	if (fflush(stdout) == 0 && !ferror(stdout))
		ret = 0;
	free(text);
	return ret;
}

/*
 * A message on stderr: control characters escaped; a line it continues on
 * is indented, so no text inside it can pass for a line of hsmcert's own.
 */
static void
put_message(const char *prefix, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;
	char buf[ESC_MAX];
	size_t n;

	fputs(prefix, stderr);
	while (p != NULL && (n = esc_next(p, ESC_MSG, buf)) > 0) {
		p += n;
		fputs(buf, stderr);
		if (buf[0] == '\n' && *p != ' ' && *p != '\t' && *p != '\0')
			fputs("  ", stderr);
	}
	fputc('\n', stderr);
}

void
render_warning(const char *msg)
{
	put_message("hsmcert: warning: ", msg);
}

void
render_error(const char *msg)
{
	put_message("hsmcert: error: ", msg);
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

static json_t *
entry_json(const hc_entry *e)
{
	json_t *o = json_object();
	json_t *doms = json_array(), *svcs = json_array(), *chain = json_array();
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
	if (e->enrollment != NULL)
		json_object_set_new(o, "Enrollment", json_string(e->enrollment));
	if (e->acme_directory != NULL)
		json_object_set_new(o, "AcmeDirectory", jstr(e->acme_directory));
	if (e->has_hosts)
		json_object_set_new(o, "Hosts", hosts_json(e));
	return o;
}

static int
print_json(json_t *j)
{
	return render_json_print(j);
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
	/* T: text from the token, a file or the user, shown escaped */
#define T(name, s) do { printf("%-21s: ", name); render_text(stdout, s); putchar('\n'); } while (0)
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
	       (int)w, "Subject", "NotAfter", sw, "Status",
	       hosts ? "  Hosts" : "");
	printf("%-40s  %-8s  %-*s  %-20s  %-*s%s\n", "----------", "--------",
	       (int)w, "-------", "--------", sw, "------",
	       hosts ? "  -----" : "");
	for (i = 0; i < l->n; i++) {
		const hc_entry *e = &l->v[i];

		flags_text(e->services, flags);
		date_text(e, e->not_after, na);
		printf("%-40s  %-8s  ", e->thumbprint, flags);
		pad_text(e->subject, w);
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
	fputs("Request for ", stdout);
	render_text(stdout, e->subject);
	fputs(" written to ", stdout);
	render_text(stdout, path);
	printf("\nPending on the token under key id %s (", e->key_id);
	render_text(stdout, e->friendly_name);
	fputs(")\n", stdout);
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_strings(const struct cli *g, const hc_strings *s)
{
	size_t i;

	if (g->format == FMT_JSON) {
		json_t *a = json_array();

		for (i = 0; i < s->n; i++)
			json_array_append_new(a, jstr(s->v[i]));
		return print_json(a);
	}
	for (i = 0; i < s->n; i++) {
		render_text(stdout, s->v[i]);
		putchar('\n');
	}
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

			json_object_set_new(c, "Check", jstr(l->v[i].name));
			json_object_set_new(c, "Result",
					    json_string(check_word(l->v[i].result)));
			json_object_set_new(c, "Reason", jstr(l->v[i].reason));
			json_array_append_new(a, c);
		}
		json_object_set_new(o, "Thumbprint", jstr(e->thumbprint));
		json_object_set_new(o, "Subject", jstr(e->subject));
		json_object_set_new(o, "Passed", json_boolean(fails == 0));
		json_object_set_new(o, "Checks", a);
		return print_json(o);
	}
	printf("Verifying %s  ", e->thumbprint);
	render_text(stdout, e->subject);
	putchar('\n');
	for (i = 0; i < l->n; i++) {
		printf("  %-4s  ", check_word(l->v[i].result));
		pad_text(l->v[i].name, 12);
		putchar(' ');
		render_text(stdout, l->v[i].reason);
		putchar('\n');
	}
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
			json_array_append_new(a, jstr(r->ca_thumbprints.v[i]));
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
	fputs("Wrote ", stdout);
	render_text(stdout, path);
	putchar('\n');
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
	printf("%-21s: ", "KeyProvenance");
	render_text(stdout, e->key_provenance);
	putchar('\n');
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
	for (i = 0; i < removed->n; i++) {
		fputs("Removed ", stdout);
		render_text(stdout, removed->v[i]);
		fputs(" (archived)\n", stdout);
	}
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
	for (i = 0; i < changed->n; i++) {
		fputs(i ? ", " : "", stdout);
		render_text(stdout, changed->v[i]);
	}
	printf(" %s ", enable ? "to" : "from");
	render_text(stdout, id);
	putchar('\n');
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
			json_object_set_new(o, "time", jstr(r->time));
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

		/* every field as the log has it: the file may be forged */
		printf("%6llu  ", r->seq);
		pad_text(r->time, 20);
		fputs("  ", stdout);
		pad_text(r->user, 12);
		fputs("  ", stdout);
		pad_text(r->command, 9);
		fputs("  ", stdout);
		pad_text(r->target, 40);
		fputs("  ", stdout);
		pad_text(r->result, 6);
		fputs("  ", stdout);
		render_text(stdout, r->detail);
		putchar('\n');
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}

int
render_audit_status(const struct cli *g, const hc_audit_status *st)
{
	if (g->format == FMT_JSON) {
		json_t *o = json_object();

		json_object_set_new(o, "Log", jstr(st->path));
		json_object_set_new(o, "Valid", json_boolean(st->ok));
		json_object_set_new(o, "Lines", json_integer((json_int_t)st->lines));
		json_object_set_new(o, "LastSeq", json_integer((json_int_t)st->last_seq));
		json_object_set_new(o, "TokenHeadSeq", json_integer((json_int_t)st->head_seq));
		json_object_set_new(o, "FirstBadLine", st->ok ? json_null() :
				    json_integer((json_int_t)st->bad_line));
		json_object_set_new(o, "Problem", st->ok ? json_null() :
				    jstr(st->problem));
		if (st->reset_seq > 0) {
			json_t *r = json_object();

			json_object_set_new(r, "Seq", json_integer((json_int_t)st->reset_seq));
			json_object_set_new(r, "Time", jstr(st->reset_time));
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
	render_text(stdout, st->path);
	if (st->ok && st->reset_seq > 0) {
		printf(": %zu line%s, chain intact since the audit reset at seq %llu (",
		       st->lines, st->lines == 1 ? "" : "s", st->reset_seq);
		render_text(stdout, st->reset_time);
		fputs(" by ", stdout);
		render_text(stdout, st->reset_user);
		printf("), last seq %llu matches the head kept on the token (seq %llu)\n",
		       st->last_seq, st->head_seq);
	} else if (st->ok) {
		printf(": %zu line%s, chain intact, last seq %llu matches the head kept on the token (seq %llu)\n",
		       st->lines, st->lines == 1 ? "" : "s",
		       st->last_seq, st->head_seq);
	} else {
		printf(": FAILED at line %zu: ", st->bad_line);
		render_text(stdout, st->problem);
		putchar('\n');
	}
	if (st->reset_seq > 0) {
		fputs("gap: ", stdout);
		render_text(stdout, st->reset_detail);
		putchar('\n');
	}
	return fflush(stdout) == 0 ? 0 : HC_E_FAIL;
}
