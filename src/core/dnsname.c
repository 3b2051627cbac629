/* dnsname.c - the DNS name rules of a SAN: syntax, IP addresses, warnings,
 * wildcard matching */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dnsname.h"
#include "error.h"
#include "utf8.h"
#include "util.h"

static const char *const internal_tlds[] = {
	"local", "internal", "lan", "corp", "home", "localdomain",
};

int
hc_dnsname_is_ip(const char *name)
{
	unsigned char buf[16];

	if (name == NULL)
		return 0;
	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

int
hc_dnsname_why(const char *name, char *why, size_t cap)
{
	char lb[72];
	const char *s = name, *e;
	size_t len = strlen(name), n, i;

	if (len == 0) {
		snprintf(why, cap, "empty name");
		return -1;
	}
	if (hc_dnsname_is_ip(name))
		return 0;
	if (len > 253) {
		snprintf(why, cap, "%zu characters, more than 253", len);
		return -1;
	}
	if (name[len - 1] == '.') {
		snprintf(why, cap, "trailing dot; write the name without the "
			 "final '.'");
		return -1;
	}
	for (;;) {
		e = strchr(s, '.');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n == 0) {
			snprintf(why, cap, "empty label");
			return -1;
		}
		if (memchr(s, '*', n) != NULL) {
			if (n != 1 || s != name) {
				snprintf(why, cap, "a wildcard is allowed only "
					 "as the whole leftmost label, as in "
					 "'*.contoso.com'");
				return -1;
			}
			if (e == NULL) {
				snprintf(why, cap, "a wildcard needs a domain, "
					 "as in '*.contoso.com'");
				return -1;
			}
			if (strchr(e + 1, '.') == NULL) {
				snprintf(why, cap, "a wildcard directly over a "
					 "top-level domain");
				return -1;
			}
			s = e + 1;
			continue;
		}
		hc_utf8_show(s, n, lb, sizeof(lb));
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c >= 0x80) {
				snprintf(why, cap, "non-ASCII character in "
					 "label '%s'; write internationalised "
					 "names in their xn-- (punycode) form",
					 lb);
				return -1;
			}
			if (isalpha(c) || isdigit(c) || c == '-')
				continue;
			if (c < 0x20 || c == 0x7f)
				snprintf(why, cap, "invalid character 0x%02x "
					 "in label '%s'", c, lb);
			else
				snprintf(why, cap, "invalid character '%c' in "
					 "label '%s' (letters, digits and '-' "
					 "only)", c, lb);
			return -1;
		}
		if (n > 63) {
			snprintf(why, cap, "label '%s' is %zu characters, more "
				 "than 63", lb, n);
			return -1;
		}
		if (s[0] == '-' || s[n - 1] == '-') {
			snprintf(why, cap, "label '%s' %s with a hyphen", lb,
				 s[0] == '-' ? "starts" : "ends");
			return -1;
		}
		if (e == NULL)
			break;
		s = e + 1;
	}
	/* s is the last label: RFC 3696 section 2, a TLD is not all-numeric */
	for (i = 0; isdigit((unsigned char)s[i]); i++)
		;
	if (s[i] == '\0') {
		snprintf(why, cap, "the last label '%s' is all digits, and the "
			 "name is not a valid IP address", s);
		return -1;
	}
	return 0;
}

int
hc_dnsname_check(const char *name, hc_err *err)
{
	char why[256], buf[HC_UTF8_SHOW_MAX];

	if (name == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: name != NULL");
	if (hc_dnsname_why(name, why, sizeof(why)) == 0)
		return 0;
	hc_utf8_show(name, strlen(name), buf, sizeof(buf));
	return hc_err_set(err, HC_E_USAGE, "invalid name '%s': %s", buf, why);
}

int
hc_dnsname_warn(const char *name, struct hc_strlist *warnings, hc_err *err)
{
	char buf[HC_UTF8_SHOW_MAX];
	const char *dot;
	size_t i;

	if (name == NULL || warnings == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: name != NULL && warnings != NULL");
	if (hc_dnsname_is_ip(name))
		return 0;
	hc_utf8_show(name, strlen(name), buf, sizeof(buf));
	dot = strrchr(name, '.');
	if (dot == NULL) {
		if (hc_strlist_pushf(warnings, err, "'%s' is a single-label "
				     "name; public CAs will not issue "
				     "certificates for it", buf) != 0)
			return -1;
		return 1;
	}
	for (i = 0; i < sizeof(internal_tlds) / sizeof(internal_tlds[0]); i++) {
		if (!hc_strcaseeq(dot + 1, internal_tlds[i]))
			continue;
		if (hc_strlist_pushf(warnings, err, "'%s' is an internal name "
				     "(.%s); public CAs will not issue "
				     "certificates for it", buf,
				     internal_tlds[i]) != 0)
			return -1;
		return 1;
	}
	return 0;
}

int
hc_dnsname_match(const char *pattern, const char *host)
{
	const char *dot;

	if (pattern == NULL || host == NULL)
		return 0;
	if (hc_strcaseeq(pattern, host))
		return 1;
	if (pattern[0] != '*' || pattern[1] != '.')
		return 0;
	dot = strchr(host, '.');
	if (dot == NULL || dot == host)
		return 0;
	return hc_strcaseeq(dot + 1, pattern + 2);
}
