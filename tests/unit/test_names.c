/* test_names.c - DN parsing, name rules, SAN lists, plans (src/core/dn.c,
 * dnsname.c, san.c, plan.c) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/objects.h>

#include "core/error.h"
#include "core/names.h"
#include "core/util.h"

#define assert_has(hay, needle)                                              \
	do {                                                                 \
		if (strstr((hay), (needle)) == NULL)                         \
			fail_msg("'%s' does not contain '%s'", (hay),        \
				 (needle));                                  \
	} while (0)

/* Parse text, expect HC_E_USAGE with sub in the message; return nothing. */
static void
dn_fails(const char *text, const char *sub)
{
	struct hc_dn dn = { NULL, 0 };
	hc_err err = { 0 };

	assert_int_equal(hc_dn_parse(text, &dn, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, sub);
	assert_null(dn.attrs);
	assert_int_equal(dn.n, 0);
}

static void
dn_ok(const char *text, struct hc_dn *dn)
{
	hc_err err = { 0 };

	if (hc_dn_parse(text, dn, &err) != 0)
		fail_msg("parse '%s': %s", text, err.msg);
	assert_int_equal(err.code, 0);
}

static void
assert_attr(const struct hc_dn *dn, size_t i, const char *key,
	    const char *value)
{
	assert_true(i < dn->n);
	assert_string_equal(dn->attrs[i].key, key);
	assert_string_equal(dn->attrs[i].value, value);
}

static void
name_fails(const char *name, const char *sub)
{
	hc_err err = { 0 };

	if (hc_dnsname_check(name, &err) != -1)
		fail_msg("'%s' was accepted", name);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, sub);
}

static void
name_ok(const char *name)
{
	hc_err err = { 0 };

	if (hc_dnsname_check(name, &err) != 0)
		fail_msg("'%s' rejected: %s", name, err.msg);
}

static void
assert_list(const struct hc_strlist *l, const char *const *want, size_t n)
{
	size_t i;

	if (l->n != n) {
		for (i = 0; i < l->n; i++)
			print_message("  [%zu] %s\n", i, l->v[i]);
		fail_msg("list has %zu entries, want %zu", l->n, n);
	}
	for (i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
}

#define LIST(l, ...)                                                         \
	do {                                                                 \
		static const char *const want_[] = { __VA_ARGS__ };         \
		assert_list((l), want_, sizeof(want_) / sizeof(want_[0]));   \
	} while (0)

/* Build with opts, expect success. */
static void
build_ok(const struct hc_san_opts *o, struct hc_strlist *out,
	 struct hc_strlist *warns)
{
	hc_err err = { 0 };

	if (hc_san_build(o, out, warns, &err) != 0)
		fail_msg("build: %s", err.msg);
}

/* ------------------------------------------------------------------ */
/* Subject DN                                                           */

static void
test_names_dn_exchange_example(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_ok("C=US, S=Ontario, L=Mississauga, O=Tailspintoys, "
	      "CN=mail.tailspintoys.ca", &dn);
	assert_int_equal(dn.n, 5);
	assert_attr(&dn, 0, "C", "US");
	assert_attr(&dn, 1, "ST", "Ontario");
	assert_attr(&dn, 2, "L", "Mississauga");
	assert_attr(&dn, 3, "O", "Tailspintoys");
	assert_attr(&dn, 4, "CN", "mail.tailspintoys.ca");
	hc_dn_release(&dn);
	assert_null(dn.attrs);
	assert_int_equal(dn.n, 0);
}

static void
test_names_dn_s_means_state(void **state)
{
	struct hc_dn a = { NULL, 0 }, b = { NULL, 0 }, c = { NULL, 0 };

	(void)state;
	dn_ok("CN=x, S=Ontario", &a);
	dn_ok("CN=x, ST=Ontario", &b);
	dn_ok("cn=x, s=Ontario", &c);
	assert_string_equal(hc_dn_get0(&a, "ST"), "Ontario");
	assert_string_equal(hc_dn_get0(&b, "ST"), "Ontario");
	assert_string_equal(hc_dn_get0(&c, "ST"), "Ontario");
	assert_attr(&a, 0, "ST", "Ontario");
	hc_dn_release(&a);
	hc_dn_release(&b);
	hc_dn_release(&c);
}

static void
test_names_dn_aliases(void **state)
{
	struct hc_dn dn = { NULL, 0 };
	size_t i;

	(void)state;
	dn_ok("E=a@contoso.com, STREET=1 Main St, SERIALNUMBER=42, "
	      "T=Admin, G=Ann, SN=Lee, DC=contoso, CN=x", &dn);
	assert_string_equal(hc_dn_get0(&dn, "emailAddress"), "a@contoso.com");
	assert_string_equal(hc_dn_get0(&dn, "street"), "1 Main St");
	assert_string_equal(hc_dn_get0(&dn, "serialNumber"), "42");
	assert_string_equal(hc_dn_get0(&dn, "title"), "Admin");
	assert_string_equal(hc_dn_get0(&dn, "GN"), "Ann");
	assert_string_equal(hc_dn_get0(&dn, "SN"), "Lee");
	assert_string_equal(hc_dn_get0(&dn, "DC"), "contoso");
	/* every canonical key is an OpenSSL short name */
	for (i = 0; i < dn.n; i++)
		if (OBJ_txt2nid(dn.attrs[i].key) == NID_undef)
			fail_msg("OBJ_txt2nid('%s') failed", dn.attrs[i].key);
	hc_dn_release(&dn);

	dn_ok("EMAIL=a@b.com, emailaddress=c@d.com, Title=t, GivenName=g, "
	      "Surname=s, StreetAddress=x, commonName=y, countryName=de, "
	      "localityName=Berlin, stateOrProvinceName=Berlin, "
	      "organizationName=o, organizationalUnitName=ou, "
	      "domainComponent=com, GN=h", &dn);
	assert_attr(&dn, 0, "DC", "com");
	assert_attr(&dn, 1, "C", "DE");
	assert_attr(&dn, 2, "ST", "Berlin");
	assert_attr(&dn, 3, "L", "Berlin");
	assert_attr(&dn, 4, "street", "x");
	assert_attr(&dn, 5, "O", "o");
	assert_attr(&dn, 6, "OU", "ou");
	assert_attr(&dn, 7, "title", "t");
	assert_attr(&dn, 8, "SN", "s");
	assert_attr(&dn, 9, "GN", "g");
	assert_attr(&dn, 10, "GN", "h");
	assert_attr(&dn, 11, "CN", "y");
	assert_attr(&dn, 12, "emailAddress", "a@b.com");
	assert_attr(&dn, 13, "emailAddress", "c@d.com");
	for (i = 0; i < dn.n; i++)
		if (OBJ_txt2nid(dn.attrs[i].key) == NID_undef)
			fail_msg("OBJ_txt2nid('%s') failed", dn.attrs[i].key);
	hc_dn_release(&dn);
}

static void
test_names_dn_canonical_order(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_ok("CN=mail.contoso.com, E=pki@contoso.com, OU=b, OU=a, O=Contoso, "
	      "DC=contoso, DC=com, C=us, SERIALNUMBER=7, L=Redmond, T=t, "
	      "SN=s, G=g, STREET=1 Way, ST=WA", &dn);
	assert_int_equal(dn.n, 15);
	assert_attr(&dn, 0, "DC", "contoso");
	assert_attr(&dn, 1, "DC", "com");
	assert_attr(&dn, 2, "C", "US");
	assert_attr(&dn, 3, "ST", "WA");
	assert_attr(&dn, 4, "L", "Redmond");
	assert_attr(&dn, 5, "street", "1 Way");
	assert_attr(&dn, 6, "O", "Contoso");
	assert_attr(&dn, 7, "OU", "b");
	assert_attr(&dn, 8, "OU", "a");
	assert_attr(&dn, 9, "title", "t");
	assert_attr(&dn, 10, "SN", "s");
	assert_attr(&dn, 11, "GN", "g");
	assert_attr(&dn, 12, "CN", "mail.contoso.com");
	assert_attr(&dn, 13, "serialNumber", "7");
	assert_attr(&dn, 14, "emailAddress", "pki@contoso.com");
	hc_dn_release(&dn);
}

static void
test_names_dn_escaped_comma(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_ok("O=Tailspin\\, Inc, CN=mail.tailspintoys.ca", &dn);
	assert_int_equal(dn.n, 2);
	assert_attr(&dn, 0, "O", "Tailspin, Inc");
	hc_dn_release(&dn);

	dn_ok("CN=a\\\\b\\=c\\+d\\\"e\\;f\\#g\\<h\\>i", &dn);
	assert_attr(&dn, 0, "CN", "a\\b=c+d\"e;f#g<h>i");
	hc_dn_release(&dn);

	/* an escaped trailing space is kept, an unescaped one trimmed */
	dn_ok("CN=a\\ , O=b ", &dn);
	assert_string_equal(hc_dn_get0(&dn, "CN"), "a ");
	assert_string_equal(hc_dn_get0(&dn, "O"), "b");
	hc_dn_release(&dn);

	/* '+' and '=' unescaped are plain characters of a value */
	dn_ok("CN=a+b=c", &dn);
	assert_string_equal(hc_dn_get0(&dn, "CN"), "a+b=c");
	hc_dn_release(&dn);
}

static void
test_names_dn_quoted_value(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_ok("O=\"Tailspin, Inc\", CN=mail.tailspintoys.ca", &dn);
	assert_attr(&dn, 0, "O", "Tailspin, Inc");
	hc_dn_release(&dn);

	dn_ok("O = \" Say \\\"hi\\\" \\\\ \" , CN=x", &dn);
	assert_attr(&dn, 0, "O", " Say \"hi\" \\ ");
	hc_dn_release(&dn);

	dn_ok("CN=\"a;b+c=d\"", &dn);
	assert_attr(&dn, 0, "CN", "a;b+c=d");
	hc_dn_release(&dn);
}

static void
test_names_dn_trims_spaces(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_ok("   CN  =   mail.contoso.com  ,\tO =  A  B  ,C=us   ", &dn);
	assert_attr(&dn, 0, "C", "US");
	assert_attr(&dn, 1, "O", "A  B");
	assert_attr(&dn, 2, "CN", "mail.contoso.com");
	hc_dn_release(&dn);
}

static void
test_names_dn_utf8_value(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_ok("L=M\xc3\xbcnchen, O=Gr\xc3\xbc\xc3\x9f Gott, CN=x", &dn);
	assert_string_equal(hc_dn_get0(&dn, "L"), "M\xc3\xbcnchen");
	hc_dn_release(&dn);
	dn_fails("O=a\xc3", "the value of 'O' is not valid UTF-8");
	dn_fails("O=a\xc0\xaf", "not valid UTF-8");
	dn_fails("O=a\xed\xa0\x80", "not valid UTF-8");
	dn_fails("O=a\tb", "control character in the value of 'O'");
	dn_fails("E=\xc3\xbc@b.c", "emailAddress must be ASCII");
	dn_fails("SERIALNUMBER=a@b", "serialNumber may not contain '@'");
}

static void
test_names_dn_error_shows_position(void **state)
{
	struct hc_dn dn = { NULL, 0 };
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_dn_parse("C=US, Q=x", &dn, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg,
		   "subject: unknown attribute 'Q' at position 7: 'C=US, Q=x'");
	assert_has(err.msg, "known: ");

	/* positions count characters, not bytes */
	dn_fails("L=M\xc3\xbcnchen, Q=x",
		 "unknown attribute 'Q' at position 12");
	dn_fails("C=US, Common Name=x", "unknown attribute 'Common Name'");
}

static void
test_names_dn_error_long_excerpt(void **state)
{
	char text[400], want[64];
	hc_err err = { 0 };
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	snprintf(text, sizeof(text), "GN=%0150d, OU=x, Q=y, CN=z", 0);
	snprintf(want, sizeof(want),
		 "unknown attribute 'Q' at position %zu: '...",
		 (size_t)(strstr(text, "Q=") - text) + 1);
	assert_int_equal(hc_dn_parse(text, &dn, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, want);
	assert_has(err.msg, "OU=x, Q=y, CN=z'");
	assert_true(strlen(err.msg) < 300);
}

static void
test_names_dn_missing_equals(void **state)
{
	(void)state;
	dn_fails("C=US, CN", "subject: missing '=' after 'CN' at position 9");
	dn_fails("CN", "missing '=' after 'CN' at position 3");
	dn_fails("C=US, =x", "missing attribute name before '=' at position 7");
	/* an unescaped comma inside a value breaks there, with a hint */
	dn_fails("O=Tailspin, Inc, CN=x", "missing '=' after 'Inc'");
	dn_fails("O=Tailspin, Inc, CN=x", "\\,");
}

static void
test_names_dn_empty_value(void **state)
{
	(void)state;
	dn_fails("CN=, O=x", "empty value for 'CN' at position 4");
	dn_fails("O=x, cn=  ", "empty value for 'cn'");
	dn_fails("CN=\"\"", "empty value for 'CN'");
}

static void
test_names_dn_empty_attribute(void **state)
{
	(void)state;
	dn_fails("C=US,,CN=x", "empty attribute at position 6");
	dn_fails(",CN=x", "empty attribute at position 1");
	dn_fails("C=US, CN=x,", "nothing after the last ','");
	dn_fails("C=US, CN=x,  ", "nothing after the last ','");
}

static void
test_names_dn_empty_dn(void **state)
{
	(void)state;
	dn_fails("", "subject: the DN is empty");
	dn_fails("  \t ", "the DN is empty");
	dn_fails(NULL, "subject: a DN is required");
}

static void
test_names_dn_unterminated_quote(void **state)
{
	(void)state;
	dn_fails("C=US, O=\"Tailspin, CN=x",
		 "unterminated quote in the value of 'O' at position 9");
	dn_fails("O=\"a\\\"", "unterminated quote");
}

static void
test_names_dn_quote_errors(void **state)
{
	(void)state;
	dn_fails("O=\"a\" b, CN=x",
		 "unexpected text after the closing quote of 'O' at "
		 "position 7");
	dn_fails("O=a\"b\"",
		 "unexpected '\"' in the value of 'O' at position 4");
}

static void
test_names_dn_trailing_backslash(void **state)
{
	(void)state;
	dn_fails("CN=x\\", "trailing backslash at position 5");
	dn_fails("CN=\"x\\", "trailing backslash");
}

static void
test_names_dn_bad_escape(void **state)
{
	(void)state;
	dn_fails("CN=a\\qb", "invalid escape '\\q' at position 5");
	dn_fails("CN=a\\\x01", "invalid escape before byte 0x01");
}

static void
test_names_dn_country_two_letters(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_fails("C=Canada, CN=x",
		 "subject: C must be a two-letter country code, got 'Canada'");
	dn_fails("C=U, CN=x", "two-letter country code, got 'U'");
	dn_fails("C=U1, CN=x", "got 'U1'");
	dn_fails("C=\xc3\x9c\x41", "C must be ASCII");
	dn_ok("c=ca, cn=x", &dn);
	assert_string_equal(hc_dn_get0(&dn, "C"), "CA");
	hc_dn_release(&dn);
}

static void
test_names_dn_duplicate_rejected(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_fails("CN=a, CN=b", "duplicate attribute 'CN' (only one is allowed) "
		 "at position 7");
	dn_fails("ST=x, S=y", "duplicate attribute 'S' (only one ST is "
		 "allowed; S and ST both mean state) at position 7");
	dn_fails("S=x, st=y", "duplicate attribute 'st' (only one ST");
	dn_fails("C=US, C=CA", "duplicate attribute 'C'");
	dn_fails("L=a, l=b", "duplicate attribute 'l'");
	/* several OU, O, DC are fine */
	dn_ok("OU=a, OU=b, O=x, O=y, DC=c, DC=d, CN=z", &dn);
	assert_int_equal(dn.n, 7);
	hc_dn_release(&dn);
}

static void
test_names_dn_length_limits(void **state)
{
	struct hc_dn dn = { NULL, 0 };
	char text[1200];
	int i, o;

	(void)state;
	snprintf(text, sizeof(text), "CN=%064d", 0);
	dn_ok(text, &dn);
	hc_dn_release(&dn);
	snprintf(text, sizeof(text), "CN=%065d", 0);
	dn_fails(text, "CN is longer than 64 characters (65)");
	snprintf(text, sizeof(text), "O=%065d", 0);
	dn_fails(text, "O is longer than 64 characters");
	snprintf(text, sizeof(text), "OU=%065d", 0);
	dn_fails(text, "OU is longer than 64 characters");
	/* RFC 5280: ub-locality-name and ub-state-name are 128 */
	snprintf(text, sizeof(text), "L=%0128d", 0);
	dn_ok(text, &dn);
	hc_dn_release(&dn);
	snprintf(text, sizeof(text), "L=%0129d", 0);
	dn_fails(text, "L is longer than 128 characters (129)");
	snprintf(text, sizeof(text), "ST=%0129d", 0);
	dn_fails(text, "ST is longer than 128 characters");

	/* the bound counts characters: 64 two-byte characters fit in CN */
	o = snprintf(text, sizeof(text), "CN=");
	for (i = 0; i < 64; i++)
		o += snprintf(text + o, sizeof(text) - (size_t)o, "\xc3\xbc");
	dn_ok(text, &dn);
	assert_int_equal(strlen(hc_dn_get0(&dn, "CN")), 128);
	hc_dn_release(&dn);
	snprintf(text + o, sizeof(text) - (size_t)o, "\xc3\xbc");
	dn_fails(text, "CN is longer than 64 characters (65)");
}

static void
test_names_dn_too_many_attrs(void **state)
{
	struct hc_dn dn = { NULL, 0 };
	char text[1024];
	int i, o = 0;

	(void)state;
	for (i = 0; i < 64; i++)
		o += snprintf(text + o, sizeof(text) - (size_t)o, "OU=%d,", i);
	text[o - 1] = '\0';
	dn_ok(text, &dn);
	assert_int_equal(dn.n, 64);
	assert_string_equal(dn.attrs[63].value, "63");
	hc_dn_release(&dn);
	snprintf(text + o - 1, sizeof(text) - (size_t)o + 1, ",OU=x");
	dn_fails(text, "too many attributes (at most 64)");
}

static void
test_names_dn_get0(void **state)
{
	struct hc_dn dn = { NULL, 0 };

	(void)state;
	dn_ok("OU=first, OU=second, CN=x, E=a@b.com", &dn);
	assert_string_equal(hc_dn_get0(&dn, "OU"), "first");
	assert_string_equal(hc_dn_get0(&dn, "ou"), "first");
	assert_string_equal(hc_dn_get0(&dn, "EMAILADDRESS"), "a@b.com");
	assert_null(hc_dn_get0(&dn, "O"));
	assert_null(hc_dn_get0(NULL, "CN"));
	assert_null(hc_dn_get0(&dn, NULL));
	hc_dn_release(&dn);
	assert_null(hc_dn_get0(&dn, "CN"));
	hc_dn_release(&dn);
	hc_dn_release(NULL);
}

static void
test_names_dn_out_untouched_on_error(void **state)
{
	struct hc_dn dn = { NULL, 0 };
	hc_err err = { 0 };

	(void)state;
	dn_ok("CN=keep", &dn);
	assert_int_equal(hc_dn_parse("CN=a, Q=b", &dn, &err), -1);
	assert_int_equal(dn.n, 1);
	assert_string_equal(hc_dn_get0(&dn, "CN"), "keep");
	hc_dn_release(&dn);
}

/* ------------------------------------------------------------------ */
/* Name rules                                                           */

static void
test_names_is_ip(void **state)
{
	(void)state;
	assert_true(hc_dnsname_is_ip("10.0.0.1"));
	assert_true(hc_dnsname_is_ip("::1"));
	assert_true(hc_dnsname_is_ip("2001:db8::1"));
	assert_true(hc_dnsname_is_ip("::ffff:192.0.2.1"));
	assert_false(hc_dnsname_is_ip("1.2.3"));
	assert_false(hc_dnsname_is_ip("256.1.1.1"));
	assert_false(hc_dnsname_is_ip("[::1]"));
	assert_false(hc_dnsname_is_ip("mail"));
	assert_false(hc_dnsname_is_ip(""));
	assert_false(hc_dnsname_is_ip(NULL));
}

static void
test_names_valid_names(void **state)
{
	(void)state;
	name_ok("mail.contoso.com");
	name_ok("MAIL.Contoso.COM");
	name_ok("*.contoso.com");
	name_ok("Ex2007EE");
	name_ok("a-b.c-d.e");
	name_ok("3com.com");
	name_ok("xn--bcher-kva.example");
	name_ok("192.0.2.7");
	name_ok("2001:db8::7");
}

static void
test_names_rejects_double_dot(void **state)
{
	(void)state;
	name_fails("mail..contoso.com",
		   "invalid name 'mail..contoso.com': empty label");
	name_fails(".contoso.com", "invalid name '.contoso.com': empty label");
	name_fails("", "invalid name '': empty name");
}

static void
test_names_rejects_trailing_dot(void **state)
{
	(void)state;
	name_fails("mail.contoso.com.",
		   "invalid name 'mail.contoso.com.': trailing dot");
	name_fails(".", "trailing dot");
}

static void
test_names_wildcard_only_leftmost(void **state)
{
	(void)state;
	name_fails("*", "invalid name '*': a wildcard needs a domain");
	name_fails("a.*.com", "invalid name 'a.*.com': a wildcard is allowed "
		   "only as the whole leftmost label");
	name_fails("w*.x.com", "invalid name 'w*.x.com': a wildcard is allowed "
		   "only as the whole leftmost label");
	name_fails("*.*.contoso.com", "only as the whole leftmost label");
	name_fails("*.com", "invalid name '*.com': a wildcard directly over a "
		   "top-level domain");
	name_ok("*.contoso.com");
	name_ok("*.emea.contoso.com");
}

static void
test_names_label_63(void **state)
{
	char name[128];

	(void)state;
	memset(name, 'a', 63);
	memcpy(name + 63, ".com", 5);
	name_ok(name);
	memset(name, 'a', 64);
	memcpy(name + 64, ".com", 5);
	name_fails(name, "is 64 characters, more than 63");
	name_fails(name, "invalid name 'aaaa");
}

static void
test_names_253_limit(void **state)
{
	char name[300];
	size_t i;

	(void)state;
	/* 4 labels of 62 + 3 dots = 251, plus ".c" = 253 */
	memset(name, 'a', sizeof(name));
	for (i = 62; i < 251; i += 63)
		name[i] = '.';
	memcpy(name + 251, ".c", 3);
	assert_int_equal(strlen(name), 253);
	name_ok(name);
	memcpy(name + 251, ".co", 4);
	assert_int_equal(strlen(name), 254);
	name_fails(name, "254 characters, more than 253");
	name_fails(name, "...'");
}

static void
test_names_rejects_hyphen_edges(void **state)
{
	(void)state;
	name_fails("-mail.contoso.com",
		   "invalid name '-mail.contoso.com': label '-mail' starts "
		   "with a hyphen");
	name_fails("mail-.contoso.com", "label 'mail-' ends with a hyphen");
	name_fails("mail.contoso.com-", "label 'com-' ends with a hyphen");
	name_ok("m-a-i-l.contoso.com");
}

static void
test_names_rejects_bad_characters(void **state)
{
	(void)state;
	name_fails("mail_1.contoso.com",
		   "invalid name 'mail_1.contoso.com': invalid character '_' "
		   "in label 'mail_1'");
	name_fails("Tailspin Toys Mail", "invalid character ' '");
	name_fails("b\xc3\xbc" "cher.de", "non-ASCII character in label");
	name_fails("b\xc3\xbc" "cher.de", "xn--");
	name_fails("a\x01.com", "invalid character 0x01");
	name_fails("a\x01.com", "invalid name 'a?.com'");
	name_fails("[::1]", "invalid character '['");
}

static void
test_names_rejects_numeric_tld(void **state)
{
	(void)state;
	name_fails("256.1.1.1", "invalid name '256.1.1.1': the last label "
		   "'1' is all digits");
	name_fails("1.2.3", "all digits");
	name_fails("1234", "all digits");
	name_ok("1234.example");
}

static void
test_names_check_null(void **state)
{
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_dnsname_check(NULL, &err), -1);
	assert_int_equal(err.code, HC_E_FAIL);
	assert_has(err.msg, "internal");
}

static void
test_names_single_label_warns(void **state)
{
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_dnsname_warn("Ex2007EE", &w, &err), 1);
	LIST(&w, "'Ex2007EE' is a single-label name; public CAs will not "
	     "issue certificates for it");
	assert_int_equal(hc_dnsname_warn("mail.contoso.com", &w, &err), 0);
	assert_int_equal(hc_dnsname_warn("10.1.2.3", &w, &err), 0);
	assert_int_equal(hc_dnsname_warn("::1", &w, &err), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(err.code, 0);
	hc_strlist_release(&w);
}

static void
test_names_internal_warns(void **state)
{
	static const char *const internal[] = {
		"mail.contoso.local", "a.b.INTERNAL", "x.lan", "x.corp",
		"x.home", "ex.contoso.localdomain", "*.contoso.local",
	};
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		assert_int_equal(hc_dnsname_warn(internal[i], &w, &err), 1);
	assert_int_equal(w.n, 7);
	assert_string_equal(w.v[0], "'mail.contoso.local' is an internal name "
			    "(.local); public CAs will not issue certificates "
			    "for it");
	assert_has(w.v[1], "'a.b.INTERNAL' is an internal name (.internal)");
	assert_has(w.v[5], "(.localdomain)");
	/* only the last label counts */
	assert_int_equal(hc_dnsname_warn("local.contoso.com", &w, &err), 0);
	assert_int_equal(hc_dnsname_warn("mail.localx", &w, &err), 0);
	assert_int_equal(w.n, 7);
	hc_strlist_release(&w);
}

/* ------------------------------------------------------------------ */
/* SAN list                                                             */

static void
test_names_cn_added_first(void **state)
{
	static const char *const d[] = { "autodiscover.contoso.com",
					 "legacy.contoso.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.cn = "mail.contoso.com";
	o.domains = d;
	o.ndomains = 2;
	build_ok(&o, &out, &w);
	LIST(&out, "mail.contoso.com", "autodiscover.contoso.com",
	     "legacy.contoso.com");
	assert_int_equal(w.n, 0);
	hc_strlist_release(&out);

	/* only a CN: the list is the CN */
	o.ndomains = 0;
	build_ok(&o, &out, &w);
	LIST(&out, "mail.contoso.com");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_cn_among_domains_keeps_position(void **state)
{
	static const char *const d[] = { "autodiscover.contoso.com",
					 "MAIL.contoso.com",
					 "owa.contoso.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.cn = "mail.contoso.com";
	o.domains = d;
	o.ndomains = 3;
	build_ok(&o, &out, &w);
	LIST(&out, "autodiscover.contoso.com", "MAIL.contoso.com",
	     "owa.contoso.com");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_domain_commas_split(void **state)
{
	static const char *const d[] = { "a.contoso.com, b.contoso.com",
					 " c.contoso.com ",
					 "d.contoso.com,e.contoso.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.domains = d;
	o.ndomains = 3;
	build_ok(&o, &out, &w);
	LIST(&out, "a.contoso.com", "b.contoso.com", "c.contoso.com",
	     "d.contoso.com", "e.contoso.com");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_domain_empty_item(void **state)
{
	static const char *const d1[] = { "a.contoso.com,,b.contoso.com" };
	static const char *const d2[] = { "a.contoso.com, " };
	static const char *const d3[] = { "" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };
	hc_err err = { 0 };

	(void)state;
	o.domains = d1;
	o.ndomains = 1;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, "--domain 'a.contoso.com,,b.contoso.com': empty "
		   "name at item 2");
	hc_err_clear(&err);
	o.domains = d2;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_has(err.msg, "empty name at item 2");
	hc_err_clear(&err);
	o.domains = d3;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_has(err.msg, "--domain '': empty name at item 1");
	assert_int_equal(out.n, 0);
	assert_int_equal(w.n, 0);
}

static void
test_names_dedup_keeps_first_spelling(void **state)
{
	static const char *const d[] = { "Mail.Contoso.com", "owa.contoso.com",
					 "MAIL.CONTOSO.COM", "OWA.contoso.com",
					 "mail.contoso.com" };
	static const char *const acc[] = { "contoso.com", "CONTOSO.COM" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.cn = "OWA.CONTOSO.COM";
	o.domains = d;
	o.ndomains = 5;
	o.include_accepted = 1;
	o.accepted = acc;
	o.naccepted = 2;
	o.include_autodiscover = 1;
	build_ok(&o, &out, &w);
	/* autodiscover.D keeps the spelling of D where it first appears */
	LIST(&out, "Mail.Contoso.com", "owa.contoso.com", "contoso.com",
	     "autodiscover.Contoso.com");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_autodiscover_rules(void **state)
{
	static const char *const d[] = { "mail.emea.tailspintoys.ca",
					 "*.contoso.com", "contoso.com",
					 "Ex2007EE", "192.0.2.7", "::1",
					 "fabrikam.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.domains = d;
	o.ndomains = 7;
	o.include_autodiscover = 1;
	build_ok(&o, &out, &w);
	LIST(&out, "mail.emea.tailspintoys.ca", "*.contoso.com",
	     "contoso.com", "Ex2007EE", "192.0.2.7", "::1", "fabrikam.com",
	     "autodiscover.emea.tailspintoys.ca", "autodiscover.contoso.com",
	     "autodiscover.fabrikam.com");
	hc_strlist_release(&out);
	hc_strlist_release(&w);

	/* without the flag, nothing is added */
	o.include_autodiscover = 0;
	build_ok(&o, &out, &w);
	assert_int_equal(out.n, 7);
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_autodiscover_present_not_repeated(void **state)
{
	static const char *const d[] = { "AutoDiscover.contoso.com",
					 "mail.contoso.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.domains = d;
	o.ndomains = 2;
	o.include_autodiscover = 1;
	build_ok(&o, &out, &w);
	LIST(&out, "AutoDiscover.contoso.com", "mail.contoso.com");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_accepted_domains(void **state)
{
	static const char *const d[] = { "mail.contoso.com" };
	static const char *const acc[] = { "contoso.com, fabrikam.com",
					   "tailspintoys.ca" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.cn = "mail.contoso.com";
	o.domains = d;
	o.ndomains = 1;
	o.accepted = acc;
	o.naccepted = 2;
	/* not asked for: ignored */
	build_ok(&o, &out, &w);
	LIST(&out, "mail.contoso.com");
	hc_strlist_release(&out);

	o.include_accepted = 1;
	o.include_autodiscover = 1;
	build_ok(&o, &out, &w);
	LIST(&out, "mail.contoso.com", "contoso.com", "fabrikam.com",
	     "tailspintoys.ca", "autodiscover.contoso.com",
	     "autodiscover.fabrikam.com", "autodiscover.tailspintoys.ca");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_cn_not_dns_warns(void **state)
{
	static const char *const d[] = { "mail.contoso.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };
	hc_err err = { 0 };

	(void)state;
	o.cn = "Tailspin Toys Mail";
	o.domains = d;
	o.ndomains = 1;
	build_ok(&o, &out, &w);
	LIST(&out, "mail.contoso.com");
	assert_int_equal(w.n, 1);
	assert_has(w.v[0], "subject CN 'Tailspin Toys Mail' is not a DNS "
		   "name; it is not added to the names");
	hc_strlist_release(&out);
	hc_strlist_release(&w);

	/* with nothing else, there are no names */
	o.ndomains = 0;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, "no names: give --domain or a subject CN that is "
		   "a DNS name");
	assert_int_equal(out.n, 0);
	assert_int_equal(w.n, 0);
}

static void
test_names_no_names_error(void **state)
{
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, "no names");
	hc_err_clear(&err);
	o.cn = "";
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_has(err.msg, "no names");
}

static void
test_names_build_rejects_invalid(void **state)
{
	static const char *const d[] = { "owa.contoso.com",
					 "mail..contoso.com" };
	static const char *const good[] = { "owa.contoso.com" };
	static const char *const acc[] = { "contoso.com", "bad_domain.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_strlist_push(&out, "existing", &err), 0);
	assert_int_equal(hc_strlist_push(&w, "old warning", &err), 0);
	o.cn = "Ex2007EE";	/* would warn: must not appear on failure */
	o.domains = d;
	o.ndomains = 2;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, "invalid name 'mail..contoso.com': empty label");
	LIST(&out, "existing");
	LIST(&w, "old warning");

	hc_err_clear(&err);
	o.domains = good;
	o.ndomains = 1;
	o.include_accepted = 1;
	o.accepted = acc;
	o.naccepted = 2;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, "accepted-domains: invalid name 'bad_domain.com': "
		   "invalid character '_'");
	LIST(&out, "existing");
	LIST(&w, "old warning");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_build_autodiscover_too_long(void **state)
{
	char name[300];
	const char *d[1];
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };
	hc_err err = { 0 };
	size_t i;

	(void)state;
	/* "a." + 4 labels of 60 = 245 characters; autodiscover.D is 256 */
	memset(name, 'b', sizeof(name));
	name[0] = 'a';
	name[1] = '.';
	for (i = 62; i < 245; i += 61)
		name[i] = '.';
	name[245] = '\0';
	name_ok(name);
	d[0] = name;
	o.domains = d;
	o.ndomains = 1;
	o.include_autodiscover = 1;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, "--include-autodiscover: invalid name "
		   "'autodiscover.");
	assert_has(err.msg, "256 characters, more than 253");
	assert_int_equal(out.n, 0);
}

static void
test_names_build_warnings(void **state)
{
	static const char *const d[] = { "Ex2007EE", "mail.contoso.local",
					 "10.0.0.1" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };

	(void)state;
	o.cn = "mail.contoso.com";
	o.domains = d;
	o.ndomains = 3;
	o.include_autodiscover = 1;
	build_ok(&o, &out, &w);
	LIST(&out, "mail.contoso.com", "Ex2007EE", "mail.contoso.local",
	     "10.0.0.1", "autodiscover.contoso.com",
	     "autodiscover.contoso.local");
	LIST(&w,
	     "'Ex2007EE' is a single-label name; public CAs will not issue "
	     "certificates for it",
	     "'mail.contoso.local' is an internal name (.local); public CAs "
	     "will not issue certificates for it",
	     "'autodiscover.contoso.local' is an internal name (.local); "
	     "public CAs will not issue certificates for it");
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_build_appends(void **state)
{
	static const char *const d[] = { "owa.contoso.com" };
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_strlist_push(&out, "before", &err), 0);
	o.domains = d;
	o.ndomains = 1;
	build_ok(&o, &out, &w);
	LIST(&out, "before", "owa.contoso.com");
	assert_null(out.v[out.n]);
	hc_strlist_release(&out);
	hc_strlist_release(&w);
}

static void
test_names_build_null_args(void **state)
{
	struct hc_san_opts o = { 0 };
	struct hc_strlist out = { 0 }, w = { 0 };
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_san_build(NULL, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_FAIL);
	assert_has(err.msg, "internal");
	hc_err_clear(&err);
	o.ndomains = 1;
	assert_int_equal(hc_san_build(&o, &out, &w, &err), -1);
	assert_int_equal(err.code, HC_E_FAIL);
}

/* ------------------------------------------------------------------ */
/* Match and distance                                                   */

static void
test_names_match_wildcard(void **state)
{
	(void)state;
	assert_true(hc_dnsname_match("*.b.c", "a.b.c"));
	assert_true(hc_dnsname_match("*.B.c", "A.b.C"));
	assert_false(hc_dnsname_match("*.b.c", "b.c"));
	assert_false(hc_dnsname_match("*.b.c", "x.a.b.c"));
	assert_false(hc_dnsname_match("*.b.c", ".b.c"));
	assert_false(hc_dnsname_match("*.b.c", "a.b.cc"));
	assert_true(hc_dnsname_match("*.b.c", "*.b.c"));
	/* only the pattern is a wildcard */
	assert_false(hc_dnsname_match("a.b.c", "*.b.c"));
}

static void
test_names_match_exact(void **state)
{
	(void)state;
	assert_true(hc_dnsname_match("mail.contoso.com", "MAIL.Contoso.com"));
	assert_false(hc_dnsname_match("mail.contoso.com", "mail.contoso.co"));
	assert_false(hc_dnsname_match("mail.contoso.com", "owa.contoso.com"));
	assert_true(hc_dnsname_match("10.0.0.1", "10.0.0.1"));
	assert_false(hc_dnsname_match(NULL, "a"));
	assert_false(hc_dnsname_match("a", NULL));
}

static void
test_names_distance_basic(void **state)
{
	(void)state;
	assert_int_equal(hc_plan_distance("", ""), 0);
	assert_int_equal(hc_plan_distance("abc", ""), 3);
	assert_int_equal(hc_plan_distance("", "abcd"), 4);
	assert_int_equal(hc_plan_distance("kitten", "sitting"), 3);
	assert_int_equal(hc_plan_distance("Mail.Contoso.COM",
					   "mail.contoso.com"), 0);
	assert_int_equal(hc_plan_distance("mail", "mall"), 1);
	assert_int_equal(hc_plan_distance("mail", "mails"), 1);
	assert_int_equal(hc_plan_distance("mail", "mai"), 1);
}

static void
test_names_distance_transposition(void **state)
{
	char a[600], b[600];

	(void)state;
	assert_int_equal(hc_plan_distance("ab", "ba"), 1);
	assert_int_equal(hc_plan_distance("owa.cotnoso.com",
					   "owa.contoso.com"), 1);
	assert_int_equal(hc_plan_distance("legacy.mitsev.net",
					   "legacy.mitserv.net"), 1);
	/* optimal string alignment: "ca" -> "abc" is 3, not 2 */
	assert_int_equal(hc_plan_distance("ca", "abc"), 3);
	/* long strings take the heap path */
	memset(a, 'x', 599);
	a[599] = '\0';
	memcpy(b, a, 600);
	b[10] = 'y';
	b[11] = 'z';
	assert_int_equal(hc_plan_distance(a, b), 2);
	b[300] = '\0';
	assert_int_equal(hc_plan_distance(a, b), 301);
	assert_int_equal(hc_plan_distance(b, a), 301);
}

/* ------------------------------------------------------------------ */
/* Plans                                                                */

static void
plan_parse_ok(const char *text, struct hc_strlist *plan)
{
	hc_err err = { 0 };

	if (hc_plan_parse(text, strlen(text), "plan.txt", plan, &err) != 0)
		fail_msg("plan: %s", err.msg);
}

static void
plan_parse_fails(const char *text, size_t len, const char *sub)
{
	struct hc_strlist plan = { 0 };
	hc_err err = { 0 };

	assert_int_equal(hc_plan_parse(text, len, "plan.txt", &plan, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, sub);
	assert_int_equal(plan.n, 0);
}

static void
test_names_plan_comments(void **state)
{
	struct hc_strlist plan = { 0 };

	(void)state;
	plan_parse_ok("# CAS namespace, Contoso\n"
		      "\n"
		      "  mail.contoso.com   # OWA, EAS, EWS\n"
		      "autodiscover.contoso.com\t#autodiscover\n"
		      "   \t \n"
		      "\t# indented comment\n"
		      "legacy.contoso.com", &plan);
	LIST(&plan, "mail.contoso.com", "autodiscover.contoso.com",
	     "legacy.contoso.com");
	hc_strlist_release(&plan);
}

static void
test_names_plan_hash_inside_name(void **state)
{
	const char *t = "mail.contoso.com\na#b.contoso.com\n";

	(void)state;
	/* '#' not after white space is part of the name, which is invalid */
	plan_parse_fails(t, strlen(t),
			 "plan.txt:2: invalid name 'a#b.contoso.com': "
			 "invalid character '#'");
}

static void
test_names_plan_dedup(void **state)
{
	struct hc_strlist plan = { 0 };

	(void)state;
	plan_parse_ok("Mail.Contoso.com\nmail.contoso.com\nMAIL.CONTOSO.COM\n"
		      "owa.contoso.com\n", &plan);
	LIST(&plan, "Mail.Contoso.com", "owa.contoso.com");
	hc_strlist_release(&plan);
}

static void
test_names_plan_bad_name_names_line(void **state)
{
	const char *t = "mail.contoso.com\n# c\nmail..contoso.com\n";

	(void)state;
	plan_parse_fails(t, strlen(t), "plan.txt:3: invalid name "
			 "'mail..contoso.com': empty label");
	t = "a.contoso.com b.contoso.com\n";
	plan_parse_fails(t, strlen(t), "plan.txt:1: invalid name "
			 "'a.contoso.com b.contoso.com': invalid character "
			 "' '");
}

static void
test_names_plan_empty_error(void **state)
{
	const char *t = "# nothing here\n\n   \n";

	(void)state;
	plan_parse_fails(t, strlen(t), "plan.txt: the plan lists no names");
	plan_parse_fails("", 0, "plan.txt: the plan lists no names");
}

static void
test_names_plan_crlf_and_bom(void **state)
{
	struct hc_strlist plan = { 0 };

	(void)state;
	plan_parse_ok("\xef\xbb\xbfmail.contoso.com\r\n"
		      "# comment\r\n"
		      "owa.contoso.com\r\n", &plan);
	LIST(&plan, "mail.contoso.com", "owa.contoso.com");
	hc_strlist_release(&plan);
}

static void
test_names_plan_nul_byte(void **state)
{
	static const char t[] = "mail.contoso.com\nowa\0x.contoso.com\n";

	(void)state;
	plan_parse_fails(t, sizeof(t) - 1, "plan.txt:2: NUL byte");
}

static void
test_names_plan_appends_and_keeps_on_error(void **state)
{
	struct hc_strlist plan = { 0 };
	hc_err err = { 0 };
	const char *bad = "x.contoso.com\n-bad.contoso.com\n";

	(void)state;
	assert_int_equal(hc_strlist_push(&plan, "first.contoso.com", &err), 0);
	assert_int_equal(hc_plan_parse(bad, strlen(bad), "p", &plan, &err), -1);
	assert_has(err.msg, "p:2: invalid name '-bad.contoso.com'");
	LIST(&plan, "first.contoso.com");
	hc_err_clear(&err);
	plan_parse_ok("x.contoso.com", &plan);
	LIST(&plan, "first.contoso.com", "x.contoso.com");
	hc_strlist_release(&plan);
}

static void
test_names_plan_load_file(void **state)
{
	char dir[] = "/tmp/test_names.XXXXXX", path[64], missing[64];
	struct hc_strlist plan = { 0 };
	hc_err err = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plan.txt", dir);
	snprintf(missing, sizeof(missing), "%s/nope.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs("# plan\nmail.contoso.com\nbad..name\n", f) >= 0);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(hc_plan_load(path, &plan, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, path);
	assert_has(err.msg, ":3: invalid name 'bad..name'");
	assert_int_equal(plan.n, 0);

	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs("mail.contoso.com\nowa.contoso.com\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	hc_err_clear(&err);
	assert_int_equal(hc_plan_load(path, &plan, &err), 0);
	LIST(&plan, "mail.contoso.com", "owa.contoso.com");
	hc_strlist_release(&plan);

	assert_int_equal(hc_plan_load(missing, &plan, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, "cannot read plan '");
	assert_has(err.msg, "nope.txt': No such file or directory");

	hc_err_clear(&err);
	assert_int_equal(hc_plan_load(dir, &plan, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_has(err.msg, dir);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_names_plan_typo(void **state)
{
	struct hc_strlist plan = { 0 }, names = { 0 }, probs = { 0 };
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };

	(void)state;
	plan_parse_ok("mail.mitserv.net\nlegacy.mitserv.net\n", &plan);
	assert_int_equal(hc_strlist_push(&names, "mail.mitserv.net", &err), 0);
	assert_int_equal(hc_strlist_push(&names, "legacy.mitsev.net", &err), 0);
	assert_int_equal(hc_plan_check(&plan, &names, &probs, &w, &err), 1);
	LIST(&probs, "probable typo: 'legacy.mitsev.net' is in the names, the "
	     "plan has 'legacy.mitserv.net'");
	/* the typo is not also an extra name */
	assert_int_equal(w.n, 0);
	hc_strlist_release(&plan);
	hc_strlist_release(&names);
	hc_strlist_release(&probs);
}

static void
test_names_plan_typo_distance_two(void **state)
{
	struct hc_strlist plan = { 0 }, names = { 0 }, probs = { 0 };
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };

	(void)state;
	plan_parse_ok("owa.contoso.com\n", &plan);
	/* distance 3: not a typo but a missing name and an extra one */
	assert_int_equal(hc_strlist_push(&names, "oxx.cxntoso.com", &err), 0);
	/* distance 2, and the closest wins */
	assert_int_equal(hc_strlist_push(&names, "owa.cotnos.com", &err), 0);
	assert_int_equal(hc_strlist_push(&names, "owa.contoso.co", &err), 0);
	assert_int_equal(hc_plan_check(&plan, &names, &probs, &w, &err), 1);
	LIST(&probs, "probable typo: 'owa.contoso.co' is in the names, the "
	     "plan has 'owa.contoso.com'");
	LIST(&w, "'oxx.cxntoso.com' is not in the plan",
	     "'owa.cotnos.com' is not in the plan");
	hc_strlist_release(&plan);
	hc_strlist_release(&names);
	hc_strlist_release(&probs);
	hc_strlist_release(&w);
}

static void
test_names_plan_missing(void **state)
{
	struct hc_strlist plan = { 0 }, names = { 0 }, probs = { 0 };
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };

	(void)state;
	plan_parse_ok("mail.contoso.com\nautodiscover.contoso.com\n"
		      "legacy.contoso.com\n", &plan);
	assert_int_equal(hc_strlist_push(&names, "MAIL.contoso.com", &err), 0);
	assert_int_equal(hc_plan_check(&plan, &names, &probs, &w, &err), 2);
	LIST(&probs, "planned name 'autodiscover.contoso.com' is missing",
	     "planned name 'legacy.contoso.com' is missing");
	assert_int_equal(w.n, 0);
	hc_strlist_release(&plan);
	hc_strlist_release(&names);
	hc_strlist_release(&probs);
}

static void
test_names_plan_planned_name_is_no_typo(void **state)
{
	struct hc_strlist plan = { 0 }, names = { 0 }, probs = { 0 };
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };

	(void)state;
	/* mail1 is planned and present: it is no typo of the missing mail2 */
	plan_parse_ok("mail1.contoso.com\nmail2.contoso.com\n", &plan);
	assert_int_equal(hc_strlist_push(&names, "mail1.contoso.com", &err), 0);
	assert_int_equal(hc_plan_check(&plan, &names, &probs, &w, &err), 1);
	LIST(&probs, "planned name 'mail2.contoso.com' is missing");
	assert_int_equal(w.n, 0);
	hc_strlist_release(&plan);
	hc_strlist_release(&names);
	hc_strlist_release(&probs);
}

static void
test_names_plan_extra_warns(void **state)
{
	struct hc_strlist plan = { 0 }, names = { 0 }, probs = { 0 };
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };

	(void)state;
	plan_parse_ok("mail.contoso.com\n", &plan);
	assert_int_equal(hc_strlist_push(&names, "mail.contoso.com", &err), 0);
	assert_int_equal(hc_strlist_push(&names, "extra.fabrikam.com", &err),
			 0);
	assert_int_equal(hc_plan_check(&plan, &names, &probs, &w, &err), 0);
	assert_int_equal(probs.n, 0);
	LIST(&w, "'extra.fabrikam.com' is not in the plan");
	hc_strlist_release(&plan);
	hc_strlist_release(&names);
	hc_strlist_release(&w);
}

static void
test_names_plan_clean(void **state)
{
	struct hc_strlist plan = { 0 }, names = { 0 }, probs = { 0 };
	struct hc_strlist w = { 0 };
	hc_err err = { 0 };

	(void)state;
	plan_parse_ok("mail.contoso.com\n*.contoso.com\n", &plan);
	assert_int_equal(hc_strlist_push(&names, "*.CONTOSO.com", &err), 0);
	assert_int_equal(hc_strlist_push(&names, "mail.contoso.com", &err), 0);
	assert_int_equal(hc_plan_check(&plan, &names, &probs, &w, &err), 0);
	assert_int_equal(probs.n, 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(err.code, 0);
	hc_strlist_release(&plan);
	hc_strlist_release(&names);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_dn_exchange_example),
		cmocka_unit_test(test_names_dn_s_means_state),
		cmocka_unit_test(test_names_dn_aliases),
		cmocka_unit_test(test_names_dn_canonical_order),
		cmocka_unit_test(test_names_dn_escaped_comma),
		cmocka_unit_test(test_names_dn_quoted_value),
		cmocka_unit_test(test_names_dn_trims_spaces),
		cmocka_unit_test(test_names_dn_utf8_value),
		cmocka_unit_test(test_names_dn_error_shows_position),
		cmocka_unit_test(test_names_dn_error_long_excerpt),
		cmocka_unit_test(test_names_dn_missing_equals),
		cmocka_unit_test(test_names_dn_empty_value),
		cmocka_unit_test(test_names_dn_empty_attribute),
		cmocka_unit_test(test_names_dn_empty_dn),
		cmocka_unit_test(test_names_dn_unterminated_quote),
		cmocka_unit_test(test_names_dn_quote_errors),
		cmocka_unit_test(test_names_dn_trailing_backslash),
		cmocka_unit_test(test_names_dn_bad_escape),
		cmocka_unit_test(test_names_dn_country_two_letters),
		cmocka_unit_test(test_names_dn_duplicate_rejected),
		cmocka_unit_test(test_names_dn_length_limits),
		cmocka_unit_test(test_names_dn_too_many_attrs),
		cmocka_unit_test(test_names_dn_get0),
		cmocka_unit_test(test_names_dn_out_untouched_on_error),
		cmocka_unit_test(test_names_is_ip),
		cmocka_unit_test(test_names_valid_names),
		cmocka_unit_test(test_names_rejects_double_dot),
		cmocka_unit_test(test_names_rejects_trailing_dot),
		cmocka_unit_test(test_names_wildcard_only_leftmost),
		cmocka_unit_test(test_names_label_63),
		cmocka_unit_test(test_names_253_limit),
		cmocka_unit_test(test_names_rejects_hyphen_edges),
		cmocka_unit_test(test_names_rejects_bad_characters),
		cmocka_unit_test(test_names_rejects_numeric_tld),
		cmocka_unit_test(test_names_check_null),
		cmocka_unit_test(test_names_single_label_warns),
		cmocka_unit_test(test_names_internal_warns),
		cmocka_unit_test(test_names_cn_added_first),
		cmocka_unit_test(test_names_cn_among_domains_keeps_position),
		cmocka_unit_test(test_names_domain_commas_split),
		cmocka_unit_test(test_names_domain_empty_item),
		cmocka_unit_test(test_names_dedup_keeps_first_spelling),
		cmocka_unit_test(test_names_autodiscover_rules),
		cmocka_unit_test(test_names_autodiscover_present_not_repeated),
		cmocka_unit_test(test_names_accepted_domains),
		cmocka_unit_test(test_names_cn_not_dns_warns),
		cmocka_unit_test(test_names_no_names_error),
		cmocka_unit_test(test_names_build_rejects_invalid),
		cmocka_unit_test(test_names_build_autodiscover_too_long),
		cmocka_unit_test(test_names_build_warnings),
		cmocka_unit_test(test_names_build_appends),
		cmocka_unit_test(test_names_build_null_args),
		cmocka_unit_test(test_names_match_wildcard),
		cmocka_unit_test(test_names_match_exact),
		cmocka_unit_test(test_names_distance_basic),
		cmocka_unit_test(test_names_distance_transposition),
		cmocka_unit_test(test_names_plan_comments),
		cmocka_unit_test(test_names_plan_hash_inside_name),
		cmocka_unit_test(test_names_plan_dedup),
		cmocka_unit_test(test_names_plan_bad_name_names_line),
		cmocka_unit_test(test_names_plan_empty_error),
		cmocka_unit_test(test_names_plan_crlf_and_bom),
		cmocka_unit_test(test_names_plan_nul_byte),
		cmocka_unit_test(test_names_plan_appends_and_keeps_on_error),
		cmocka_unit_test(test_names_plan_load_file),
		cmocka_unit_test(test_names_plan_typo),
		cmocka_unit_test(test_names_plan_typo_distance_two),
		cmocka_unit_test(test_names_plan_missing),
		cmocka_unit_test(test_names_plan_planned_name_is_no_typo),
		cmocka_unit_test(test_names_plan_extra_warns),
		cmocka_unit_test(test_names_plan_clean),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
