/* config_acme.c - the values of the [acme] keys (SPEC section 9) */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_int.h"
#include "core/range.h"

/* [acme] contact: comma-separated mailto: URIs */
static int
set_contacts(struct cfg_parser *ps, const char *value)
{
	struct hc_strlist l = { 0 };
	size_t i;
	int ok;

	ok = hc_config_list(ps, value, &l);
	for (i = 0; ok && i < l.n; i++)
		if (strlen(l.v[i]) < 8 || strncmp(l.v[i], "mailto:", 7) != 0)
			ok = hc_config_fail(ps, HC_E_USAGE,
					    "contact '%s' is not a mailto: URI",
					    l.v[i]);
	if (ok) {
		hc_strlist_release(&ps->cfg->acme.contact);
		ps->cfg->acme.contact = l;
		l = (struct hc_strlist){ 0 };
	}
	hc_strlist_release(&l);
	return ok;
}

/* ADDR:PORT (ADDR an IPv4 address, [IPv6], or a host name) */
static int
listen_ok(const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (colon == NULL || colon == v || colon[1] == '\0')
		return 0;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && port > 0 && port < 65536 &&
	       isdigit((unsigned char)colon[1]);
}

/* renew-before: "N days" or "A/B" (a fraction of the lifetime) */
static int
set_renew_before(struct cfg_parser *ps, const char *value)
{
	struct hc_acme_conf *a = &ps->cfg->acme;
	long n = 0, d = 0;
	char *end;

	if (isdigit((unsigned char)value[0])) {
		n = strtol(value, &end, 10);
		while (*end == ' ')
			end++;
		if (end > value && (strcmp(end, "days") == 0 ||
				     strcmp(end, "day") == 0 ||
				     strcmp(end, "d") == 0) && n > 0 &&
		    n <= 3650) {
			a->renew_before_days = n;
			a->renew_num = a->renew_den = 0;
			return 1;
		}
		if (*end == '/') {
			d = strtol(end + 1, &end, 10);
			if (*end == '\0' && n > 0 && d > n && d <= 100) {
				a->renew_before_days = 0;
				a->renew_num = hc_range_clamp_int_long(n);
				a->renew_den = hc_range_clamp_int_long(d);
				return 1;
			}
		}
	}
	return hc_config_fail(ps, HC_E_USAGE,
			      "renew-before '%s' is not valid: use 'N days' or a fraction such as 1/3",
			      value);
}

int
hc_config_acme_set(struct cfg_parser *ps, enum cfg_key key, const char *value)
{
	struct hc_acme_conf *a = &ps->cfg->acme;
	long d;

	switch (key) {
	case CK_ACME_DIRECTORY:
		if (strncmp(value, "https://", 8) != 0 || value[8] == '\0')
			return hc_config_fail(ps, HC_E_USAGE,
					      "directory '%s' is not an https:// URL",
					      value);
		return hc_config_take(ps, &a->directory, strdup(value));
	case CK_ACME_CA_FILE:
		return hc_config_take(ps, &a->ca_file,
				      hc_config_path(ps, value));
	case CK_ACME_CONTACT:
		return set_contacts(ps, value);
	case CK_ACME_CHALLENGE:
		if (strcmp(value, "http-01") != 0 &&
		    strcmp(value, "dns-01") != 0)
			return hc_config_fail(ps, HC_E_USAGE,
					      "challenge '%s' is not valid: use http-01 or dns-01",
					      value);
		a->dns01 = strcmp(value, "dns-01") == 0;
		return 1;
	case CK_ACME_HTTP_LISTEN:
		if (!listen_ok(value))
			return hc_config_fail(ps, HC_E_USAGE,
					      "http-listen '%s' is not ADDR:PORT",
					      value);
		return hc_config_take(ps, &a->http_listen, strdup(value));
	case CK_ACME_HTTP_ROOT:
		return hc_config_take(ps, &a->http_root,
				      hc_config_path(ps, value));
	case CK_ACME_DNS_HOOK:
		return hc_config_take(ps, &a->dns_hook, strdup(value));
	case CK_ACME_EAB_KID:
		return hc_config_take(ps, &a->eab_kid, strdup(value));
	case CK_ACME_EAB_HMAC_SOURCE:
		if (strcmp(value, "prompt") == 0)
			return hc_config_fail(ps, HC_E_USAGE,
					      "eab-hmac-source cannot be prompt: use env:VAR, file:PATH or fd:N");
		if (hc_config_check_secret_source("eab-hmac-source", value,
						  &ps->err) != 0)
			return hc_config_fail_set(ps);
		return hc_config_take(ps, &a->eab_hmac_source,
				      hc_config_source(ps, value));
	case CK_ACME_RENEW_BEFORE:
		return set_renew_before(ps, value);
	case CK_ACME_DAYS:
		if (hc_parse_long(value, 1, 3650, "days", &d, &ps->err) != 0)
			return hc_config_fail_set(ps);
		a->days = d;
		return 1;
	default:
		break;
	}
	return hc_config_fail(ps, HC_E_FAIL, "internal: [acme] key %d",
			      hc_range_clamp_int_long(key));
}
