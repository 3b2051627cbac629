/* test_render.c - table, list and JSON output of entries */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"

static const char *const spec_fields[] = {
	"FriendlyName", "Subject", "Issuer", "CertificateDomains", "NotBefore",
	"NotAfter", "IsSelfSigned", "RootCAType", "Status", "Services",
	"Thumbprint", "Sha256Fingerprint", "SerialNumber", "KeyId",
	"KeyAlgorithm", "KeySize", "HasPrivateKey", "PrivateKeyExportable",
	"KeyProvenance", "KeyUri", "CertUri", "Chain", NULL,
};

/* Run fn with stdout sent to a temp file; return what it printed. */
static char *
capture(int (*fn)(const struct cli *, const void *), const struct cli *g,
	const void *arg)
{
	char path[] = "/tmp/hc-render-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	char *buf;
	long len;
	FILE *f;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	assert_int_equal(fn(g, arg), 0);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	return buf;
}

static int
do_entries(const struct cli *g, const void *arg)
{
	return render_entries(g, arg);
}

static int
do_entry(const struct cli *g, const void *arg)
{
	return render_entry(g, arg);
}

static void
make_cert(hc_entry *e, unsigned services)
{
	static char *doms[] = { (char *)"mail.tailspintoys.ca",
				(char *)"autodiscover.tailspintoys.ca" };

	memset(e, 0, sizeof(*e));
	e->kind = HC_KIND_CERT;
	e->friendly_name = (char *)"mail";
	e->subject = (char *)"CN=mail.tailspintoys.ca, ST=Ontario, C=CA";
	e->issuer = e->subject;
	e->domains = doms;
	e->ndomains = 2;
	e->has_dates = 1;
	e->not_before = 1795356000;	/* 2026-11-22T14:00:00Z */
	e->not_after = 1953122400;
	e->is_self_signed = HC_TRUE;
	e->root_ca_type = HC_ROOT_SELFSIGNED;
	e->status = HC_STATUS_VALID;
	e->services = services;
	memcpy(e->thumbprint, "0123456789abcdef0123456789abcdef01234567", 41);
	memcpy(e->key_id, "89abcdef0123456789abcdef0123456789abcdef", 41);
	e->key_algorithm = (char *)"EC";
	e->key_size = 256;
	e->has_private_key = 1;
	e->exportable = HC_FALSE;
	e->key_provenance = (char *)"generated-on-token, never-extractable";
	e->key_uri = (char *)"pkcs11:token=t;type=private";
	e->cert_uri = (char *)"pkcs11:token=t;type=cert";
}

static void
test_render_json_has_every_spec_field(void **state)
{
	struct cli g = { .format = FMT_JSON };
	hc_entry e[2];
	hc_entry_list l = { e, 2 };
	json_error_t jerr;
	json_t *a, *o;
	char *out;
	size_t i, k;

	(void)state;
	make_cert(&e[0], 0);
	memset(&e[1], 0, sizeof(e[1]));
	e[1].kind = HC_KIND_REQUEST;
	e[1].status = HC_STATUS_PENDING;
	e[1].is_self_signed = HC_NA;
	e[1].exportable = HC_FALSE;
	memcpy(e[1].thumbprint, e[0].key_id, 41);
	memcpy(e[1].key_id, e[0].key_id, 41);
	out = capture(do_entries, &g, &l);
	a = json_loads(out, 0, &jerr);
	assert_non_null(a);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	for (i = 0; i < 2; i++) {
		o = json_array_get(a, i);
		for (k = 0; spec_fields[k] != NULL; k++)
			assert_non_null(json_object_get(o, spec_fields[k]));
		assert_int_equal(json_object_size(o), k);
	}
	o = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(o, "NotBefore")),
			    "2026-11-22T14:00:00Z");
	assert_true(json_is_true(json_object_get(o, "IsSelfSigned")));
	assert_true(json_is_false(json_object_get(o, "PrivateKeyExportable")));
	assert_true(json_is_array(json_object_get(o, "Services")));
	assert_true(json_is_array(json_object_get(o, "Chain")));
	assert_int_equal(json_integer_value(json_object_get(o, "KeySize")), 256);
	o = json_array_get(a, 1);
	assert_true(json_is_null(json_object_get(o, "NotBefore")));
	assert_true(json_is_null(json_object_get(o, "IsSelfSigned")));
	assert_true(json_is_null(json_object_get(o, "RootCAType")));
	assert_true(json_is_null(json_object_get(o, "Issuer")));
	assert_string_equal(json_string_value(json_object_get(o, "Status")),
			    "PendingRequest");
	json_decref(a);
	free(out);
}

static void
test_render_json_escapes_quotes_and_control_chars(void **state)
{
	struct cli g = { .format = FMT_JSON };
	hc_entry e;
	json_error_t jerr;
	json_t *o;
	char *out;

	(void)state;
	make_cert(&e, 0);
	e.friendly_name = (char *)"a \"quoted\"\tname\\";
	out = capture(do_entry, &g, &e);
	o = json_loads(out, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "FriendlyName")),
			    "a \"quoted\"\tname\\");
	json_decref(o);
	free(out);
}

static void
check_flags(unsigned svc, const char *want)
{
	struct cli g = { .format = FMT_TABLE };
	hc_entry e;
	hc_entry_list l = { &e, 1 };
	char *out, *line;

	make_cert(&e, svc);
	out = capture(do_entries, &g, &l);
	line = strstr(out, e.thumbprint);
	assert_non_null(line);
	line += 42;
	assert_memory_equal(line, want, strlen(want));
	assert_true(line[strlen(want)] == ' ');
	free(out);
}

static void
test_render_table_flag_strings(void **state)
{
	(void)state;
	check_flags(0, ".....");
	check_flags(HC_SVC_SMTP, "....S");
	check_flags(HC_SVC_HTTPS | HC_SVC_SMTP, "...WS");
	check_flags(HC_SVC_IMAP | HC_SVC_POP | HC_SVC_HTTPS | HC_SVC_SMTP,
		    "IP.WS");
	check_flags(HC_SVC_UM | HC_SVC_CUSTOM, "..U..+");
}

static void
test_render_table_columns_in_spec_order(void **state)
{
	struct cli g = { .format = FMT_TABLE };
	hc_entry e;
	hc_entry_list l = { &e, 1 };
	char *out, *t, *sv, *su, *na, *st;

	(void)state;
	make_cert(&e, 0);
	out = capture(do_entries, &g, &l);
	t = strstr(out, "Thumbprint");
	sv = strstr(out, "Services");
	su = strstr(out, "Subject");
	na = strstr(out, "NotAfter");
	st = strstr(out, "Status");
	assert_true(t && sv && su && na && st);
	assert_true(t < sv && sv < su && su < na && na < st);
	assert_non_null(strstr(out, "2031-11-22T14:00:00Z"));
	assert_non_null(strstr(out, "Valid"));
	free(out);
}

static void
test_render_list_format_names_every_field(void **state)
{
	struct cli g = { .format = FMT_LIST };
	hc_entry e;
	char *out;
	size_t k;

	(void)state;
	make_cert(&e, HC_SVC_SMTP);
	out = capture(do_entry, &g, &e);
	for (k = 0; spec_fields[k] != NULL; k++)
		assert_non_null(strstr(out, spec_fields[k]));
	assert_non_null(strstr(out, "KeyProvenance        : generated-on-token, never-extractable"));
	free(out);
}

/* render_escape(in) is want; NULL stays NULL. */
static void
check_escape(const char *in, const char *want)
{
	char *got = render_escape(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(render_text_len(in), strlen(want));
	free(got);
}

static void
test_render_escape_controls_and_bad_utf8(void **state)
{
	(void)state;
	assert_null(render_escape(NULL));
	check_escape("", "");
	check_escape("plain text, \\ and \"quotes\"", "plain text, \\ and \"quotes\"");
	/* C0, DEL */
	check_escape("a\x1b[31mb\x07" "c\nd", "a\\x1b[31mb\\x07c\\x0ad");
	check_escape("\t\r\x01\x7f", "\\x09\\x0d\\x01\\x7f");
	/* C1 as its two UTF-8 bytes; U+00A0 and later are printable */
	check_escape("x\xc2\x9by\xc2\x80", "x\\xc2\\x9by\\xc2\\x80");
	check_escape("\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91",
		     "\xc2\xa0\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91");
	/* not UTF-8: each bad byte alone, the rest as it is */
	check_escape("a\xff" "b", "a\\xffb");
	check_escape("\xc0\xaf", "\\xc0\\xaf");		/* overlong '/' */
	check_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* surrogate */
	check_escape("\xe2\x82", "\\xe2\\x82");		/* cut short */
	check_escape("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
}

static void
test_render_list_and_table_show_no_raw_controls(void **state)
{
	struct cli g = { .format = FMT_LIST };
	hc_entry e;
	hc_entry_list l = { &e, 1 };
	char *out, *p, *hdr, *row;
	static char *doms[] = { (char *)"bad\x1b.example.com" };

	(void)state;
	make_cert(&e, 0);
	e.friendly_name = (char *)"a\x1b[31mb\x07" "c\nd";
	e.subject = (char *)"CN=x\x9b\xc2\x9by";
	e.domains = doms;
	e.ndomains = 1;
	out = capture(do_entry, &g, &e);
	assert_non_null(strstr(out, "FriendlyName         : a\\x1b[31mb\\x07c\\x0ad\n"));
	assert_non_null(strstr(out, "Subject              : CN=x\\x9b\\xc2\\x9by\n"));
	assert_non_null(strstr(out, "{bad\\x1b.example.com}"));
	for (p = out; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
	free(out);

	/* the table's columns stay aligned: widths count what is shown */
	g.format = FMT_TABLE;
	out = capture(do_entries, &g, &l);
	hdr = strstr(out, "NotAfter");
	row = strstr(out, "2031-11-22T14:00:00Z");
	assert_non_null(hdr);
	assert_non_null(row);
	assert_int_equal(hdr - out, row - strchr(strchr(out, '\n') + 1, '\n') - 1);
	assert_null(strchr(out, '\x1b'));
	free(out);
}

static void
test_render_json_escapes_del_c1_and_bad_bytes(void **state)
{
	struct cli g = { .format = FMT_JSON };
	hc_entry e;
	json_error_t jerr;
	json_t *o;
	char *out;

	(void)state;
	make_cert(&e, 0);
	e.friendly_name = (char *)"x\x7fy\xc2\x9bz\x1b";
	e.subject = (char *)"CN=bad\xff" "byte";
	out = capture(do_entry, &g, &e);
	assert_non_null(strstr(out, "\"x\\u007Fy\\u009Bz\\u001B\""));
	assert_null(strchr(out, '\x7f'));
	assert_null(strstr(out, "\xc2\x9b"));
	o = json_loads(out, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "FriendlyName")),
			    "x\x7fy\xc2\x9bz\x1b");
	/* a field that is not UTF-8 is still there, its bad byte as text */
	assert_string_equal(json_string_value(json_object_get(o, "Subject")),
			    "CN=bad\\xffbyte");
	json_decref(o);
	free(out);
}

static void
test_render_html_escapes_markup_and_controls(void **state)
{
	char path[] = "/tmp/hc-render-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	char buf[256];
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w+");
	assert_non_null(f);
	render_html(f, "<b a='1'>&\"\x1b[2J\xc2\x9b</b>");
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	assert_string_equal(buf, "&lt;b a=&#39;1&#39;&gt;&amp;&quot;\\x1b[2J\\xc2\\x9b&lt;/b&gt;");
	fclose(f);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_json_has_every_spec_field),
		cmocka_unit_test(test_render_json_escapes_quotes_and_control_chars),
		cmocka_unit_test(test_render_table_flag_strings),
		cmocka_unit_test(test_render_table_columns_in_spec_order),
		cmocka_unit_test(test_render_list_format_names_every_field),
		cmocka_unit_test(test_render_escape_controls_and_bad_utf8),
		cmocka_unit_test(test_render_list_and_table_show_no_raw_controls),
		cmocka_unit_test(test_render_json_escapes_del_c1_and_bad_bytes),
		cmocka_unit_test(test_render_html_escapes_markup_and_controls),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
