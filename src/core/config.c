/* config.c - the INI configuration of SPEC section 2
 *
 * libinih does the parsing. Its handler is not told the line number (Debian
 * builds it without INI_HANDLER_LINENO) nor about sections without keys, and
 * it splits a line longer than its buffer into two "lines". So we feed it
 * through ini_parse_stream() with our own line reader: the reader knows
 * the number and the raw text of the line libinih is working on when it
 * calls the handler, spots section lines (so an empty [service x] still
 * counts and a duplicate section is caught), and refuses an over-long line
 * instead of letting it be cut in two.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "core/config.h"
#include "core/error.h"
#include "core/secret.h"

#define CONFIG_MAX_SIZE (1024L * 1024)

int
hc_host_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HC_HOST_MAX - 1)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_") == n;
}

enum cfg_section {
	SEC_NONE,
	SEC_TOKEN,
	SEC_POLICY,
	SEC_NAMES,
	SEC_PATHS,
	SEC_HOST,
	SEC_ACME,
	SEC_SERVICE,
};

static const char *const fixed_sections[] = {
	[SEC_TOKEN] = "token",
	[SEC_POLICY] = "policy",
	[SEC_NAMES] = "names",
	[SEC_PATHS] = "paths",
	[SEC_HOST] = "host",
	[SEC_ACME] = "acme",
};

enum cfg_key {
	CK_MODULE,
	CK_LABEL,
	CK_PIN_SOURCE,
	CK_SOFTHSM2_CONF,
	CK_ACCEPTED_DOMAINS,
	CK_STATE_DIR,
	CK_ARCHIVE_DIR,
	CK_AUDIT_LOG,
	CK_TRUST_ANCHORS,
	CK_HOST_NAME,
	CK_CERT_FILE,
	CK_KEY_URI_FILE,
	CK_RELOAD,
	CK_ACME_DIRECTORY,
	CK_ACME_CA_FILE,
	CK_ACME_CONTACT,
	CK_ACME_CHALLENGE,
	CK_ACME_HTTP_LISTEN,
	CK_ACME_HTTP_ROOT,
	CK_ACME_DNS_HOOK,
	CK_ACME_EAB_KID,
	CK_ACME_EAB_HMAC_SOURCE,
	CK_ACME_RENEW_BEFORE,
	CK_ACME_DAYS,
};

/* [policy] keys are hc_policy_set()'s business */
static const struct {
	enum cfg_section sec;
	const char *name;
	enum cfg_key key;
} cfg_keys[] = {
	{ SEC_TOKEN, "module", CK_MODULE },
	{ SEC_TOKEN, "label", CK_LABEL },
	{ SEC_TOKEN, "pin-source", CK_PIN_SOURCE },
	{ SEC_TOKEN, "softhsm2-conf", CK_SOFTHSM2_CONF },
	{ SEC_NAMES, "accepted-domains", CK_ACCEPTED_DOMAINS },
	{ SEC_PATHS, "state-dir", CK_STATE_DIR },
	{ SEC_PATHS, "archive-dir", CK_ARCHIVE_DIR },
	{ SEC_PATHS, "audit-log", CK_AUDIT_LOG },
	{ SEC_PATHS, "trust-anchors", CK_TRUST_ANCHORS },
	{ SEC_HOST, "name", CK_HOST_NAME },
	{ SEC_SERVICE, "cert-file", CK_CERT_FILE },
	{ SEC_SERVICE, "key-uri-file", CK_KEY_URI_FILE },
	{ SEC_SERVICE, "reload", CK_RELOAD },
	{ SEC_ACME, "directory", CK_ACME_DIRECTORY },
	{ SEC_ACME, "ca-file", CK_ACME_CA_FILE },
	{ SEC_ACME, "contact", CK_ACME_CONTACT },
	{ SEC_ACME, "challenge", CK_ACME_CHALLENGE },
	{ SEC_ACME, "http-listen", CK_ACME_HTTP_LISTEN },
	{ SEC_ACME, "http-root", CK_ACME_HTTP_ROOT },
	{ SEC_ACME, "dns-hook", CK_ACME_DNS_HOOK },
	{ SEC_ACME, "eab-kid", CK_ACME_EAB_KID },
	{ SEC_ACME, "eab-hmac-source", CK_ACME_EAB_HMAC_SOURCE },
	{ SEC_ACME, "renew-before", CK_ACME_RENEW_BEFORE },
	{ SEC_ACME, "days", CK_ACME_DAYS },
};

struct cfg_parser {
	struct hc_config *cfg;		/* being filled */
	const char *origin;		/* the file, for messages */
	const char *base_dir;		/* for relative paths, or NULL */
	const char *pos;		/* the next line for libinih */
	long lineno;			/* the line libinih is on */
	int indented;			/* it starts with white space */
	/* mirrors libinih's prev_name: a key since the section line */
	int have_key;
	enum cfg_section sec;
	char sec_raw[64];		/* the section as libinih passes it */
	char sec_name[64];		/* trimmed, for messages */
	size_t svc;			/* the current [service] */
	long sec_first[SEC_SERVICE];	/* first line of [token] etc. */
	long *svc_first;		/* first line of each [service] */
	struct hc_strlist keys;		/* keys seen in this section */
	int archive_set;
	int audit_set;
	int failed;
	long err_line;
	hc_err err;			/* the first error found */
};

static int
cfg_fail(struct cfg_parser *ps, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first error, at the current line. Returns 0 for libinih. */
static int
cfg_fail(struct cfg_parser *ps, int code, const char *fmt, ...)
{
	char msg[sizeof(ps->err.msg)];
	va_list ap;
	int n;

	if (ps->failed)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	hc_err_set(&ps->err, code, "%s:%ld: %s", ps->origin, ps->lineno, msg);
	ps->failed = 1;
	ps->err_line = ps->lineno;
	return 0;
}

/* The error is already in ps->err: add the place. Returns 0 for libinih. */
static int
cfg_fail_set(struct cfg_parser *ps)
{
	if (ps->failed)
		return 0;
	hc_err_prefix(&ps->err, "%s:%ld: ", ps->origin, ps->lineno);
	ps->failed = 1;
	ps->err_line = ps->lineno;
	return 0;
}

static int
cfg_oom(struct cfg_parser *ps)
{
	return cfg_fail(ps, HC_E_FAIL, "out of memory");
}

/* Copy the first n bytes of s into buf (size len), truncating. */
static void
copy_span(char *buf, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* s[0..n) equals lit, ASCII case-insensitively */
static int
span_caseeq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || tolower((unsigned char)s[i]) !=
				       tolower((unsigned char)lit[i]))
			return 0;
	return lit[n] == '\0';
}

static void
trim_span(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* dir + "/" + name, without doubling a trailing slash; NULL when OOM */
static char *
path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] != '/';
	char *s = malloc(dl + slash + nl + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, dir, dl);
	if (slash)
		s[dl] = '/';
	memcpy(s + dl + slash, name, nl + 1);
	return s;
}

/* A path from the file: relative ones are relative to base_dir. */
static char *
cfg_path(const struct cfg_parser *ps, const char *v)
{
	if (v[0] == '/' || ps->base_dir == NULL)
		return strdup(v);
	return path_join(ps->base_dir, v);
}

/* Replace *field with v (owned). Returns 1, or 0 (failed) when v is NULL. */
static int
cfg_take(struct cfg_parser *ps, char **field, char *v)
{
	if (v == NULL)
		return cfg_oom(ps);
	free(*field);
	*field = v;
	return 1;
}

int
hc_config_check_secret_source(const char *what, const char *src, hc_err *err)
{
	if (what == NULL)
		what = "secret source";
	if (src == NULL || *src == '\0')
		return hc_err_set(err, HC_E_USAGE, "%s is empty", what);
	/* never quotes src: a PIN typed in its place would be printed */
	return hc_secret_source_parse(what, src, NULL, NULL, NULL, err);
}

static int
set_pin_source(struct cfg_parser *ps, const char *value)
{
	char *path, *v;
	size_t n;

	if (hc_config_check_secret_source("pin-source", value, &ps->err) != 0)
		return cfg_fail_set(ps);
	if (strncmp(value, "file:", 5) != 0)
		return cfg_take(ps, &ps->cfg->pin_source, strdup(value));
	path = cfg_path(ps, value + 5);
	if (path == NULL)
		return cfg_oom(ps);
	n = strlen(path);
	v = malloc(5 + n + 1);
	if (v != NULL) {
		memcpy(v, "file:", 5);
		memcpy(v + 5, path, n + 1);
	}
	free(path);
	return cfg_take(ps, &ps->cfg->pin_source, v);
}

/* accepted-domains: comma-separated, each name trimmed, empty ones skipped */
static int
set_domains(struct cfg_parser *ps, const char *value)
{
	struct hc_strlist l = { 0 };
	const char *item = value, *comma;
	size_t n;
	int ok = 0;

	while (item != NULL) {
		comma = strchr(item, ',');
		n = comma != NULL ? (size_t)(comma - item) : strlen(item);
		trim_span(&item, &n);
		if (n > 0 && hc_strlist_pushf(&l, &ps->err, "%.*s", (int)n,
					      item) != 0) {
			cfg_fail_set(ps);
			goto out;
		}
		item = comma != NULL ? comma + 1 : NULL;
	}
	hc_strlist_release(&ps->cfg->accepted_domains);
	ps->cfg->accepted_domains = l;
	l = (struct hc_strlist){ 0 };
	ok = 1;
out:
	hc_strlist_release(&l);
	return ok;
}

/* [acme] contact: comma-separated mailto: URIs */
static int
set_contacts(struct cfg_parser *ps, const char *value)
{
	struct hc_strlist l = { 0 };
	const char *item = value, *comma;
	size_t n;
	int ok = 0;

	while (item != NULL) {
		comma = strchr(item, ',');
		n = comma != NULL ? (size_t)(comma - item) : strlen(item);
		trim_span(&item, &n);
		if (n > 0 && (n < 8 || strncmp(item, "mailto:", 7) != 0)) {
			cfg_fail(ps, HC_E_USAGE,
				 "contact '%.*s' is not a mailto: URI", (int)n,
				 item);
			goto out;
		}
		if (n > 0 && hc_strlist_pushf(&l, &ps->err, "%.*s", (int)n,
					      item) != 0) {
			cfg_fail_set(ps);
			goto out;
		}
		item = comma != NULL ? comma + 1 : NULL;
	}
	hc_strlist_release(&ps->cfg->acme.contact);
	ps->cfg->acme.contact = l;
	l = (struct hc_strlist){ 0 };
	ok = 1;
out:
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
				a->renew_num = (int)n;
				a->renew_den = (int)d;
				return 1;
			}
		}
	}
	return cfg_fail(ps, HC_E_USAGE,
			"renew-before '%s' is not valid: use 'N days' or a fraction such as 1/3",
			value);
}

/* One key of a known section. Returns 1, or 0 when it failed. */
static int
cfg_set(struct cfg_parser *ps, enum cfg_key key, const char *name,
	const char *value)
{
	struct hc_config *cfg = ps->cfg;
	struct hc_service_conf *svc = NULL;

	if (*value == '\0' && key != CK_ACCEPTED_DOMAINS)
		return cfg_fail(ps, HC_E_USAGE, "%s is empty", name);
	if (ps->sec == SEC_SERVICE)
		svc = &cfg->services[ps->svc];

	switch (key) {
	case CK_MODULE:
		/* a bare "libfoo.so" is for the dynamic loader to find */
		return cfg_take(ps, &cfg->module, strchr(value, '/') != NULL ?
				cfg_path(ps, value) : strdup(value));
	case CK_LABEL:
		return cfg_take(ps, &cfg->label, strdup(value));
	case CK_PIN_SOURCE:
		return set_pin_source(ps, value);
	case CK_SOFTHSM2_CONF:
		return cfg_take(ps, &cfg->softhsm2_conf, cfg_path(ps, value));
	case CK_ACCEPTED_DOMAINS:
		return set_domains(ps, value);
	case CK_STATE_DIR:
		return cfg_take(ps, &cfg->state_dir, cfg_path(ps, value));
	case CK_ARCHIVE_DIR:
		ps->archive_set = 1;
		return cfg_take(ps, &cfg->archive_dir, cfg_path(ps, value));
	case CK_AUDIT_LOG:
		ps->audit_set = 1;
		return cfg_take(ps, &cfg->audit_log, cfg_path(ps, value));
	case CK_TRUST_ANCHORS:
		return cfg_take(ps, &cfg->trust_anchors, cfg_path(ps, value));
	case CK_HOST_NAME:
		if (!hc_host_name_valid(value))
			return cfg_fail(ps, HC_E_USAGE,
					"host name '%s' is not 1-64 letters, digits, '.', '-' or '_'",
					value);
		return cfg_take(ps, &cfg->host, strdup(value));
	case CK_CERT_FILE:
		return cfg_take(ps, &svc->cert_file, cfg_path(ps, value));
	case CK_KEY_URI_FILE:
		return cfg_take(ps, &svc->key_uri_file, cfg_path(ps, value));
	case CK_RELOAD:
		return cfg_take(ps, &svc->reload, strdup(value));
	case CK_ACME_DIRECTORY:
		if (strncmp(value, "https://", 8) != 0 || value[8] == '\0')
			return cfg_fail(ps, HC_E_USAGE,
					"directory '%s' is not an https:// URL",
					value);
		return cfg_take(ps, &cfg->acme.directory, strdup(value));
	case CK_ACME_CA_FILE:
		return cfg_take(ps, &cfg->acme.ca_file, cfg_path(ps, value));
	case CK_ACME_CONTACT:
		return set_contacts(ps, value);
	case CK_ACME_CHALLENGE:
		if (strcmp(value, "http-01") != 0 &&
		    strcmp(value, "dns-01") != 0)
			return cfg_fail(ps, HC_E_USAGE,
					"challenge '%s' is not valid: use http-01 or dns-01",
					value);
		cfg->acme.dns01 = strcmp(value, "dns-01") == 0;
		return 1;
	case CK_ACME_HTTP_LISTEN:
		if (!listen_ok(value))
			return cfg_fail(ps, HC_E_USAGE,
					"http-listen '%s' is not ADDR:PORT",
					value);
		return cfg_take(ps, &cfg->acme.http_listen, strdup(value));
	case CK_ACME_HTTP_ROOT:
		return cfg_take(ps, &cfg->acme.http_root, cfg_path(ps, value));
	case CK_ACME_DNS_HOOK:
		return cfg_take(ps, &cfg->acme.dns_hook, strdup(value));
	case CK_ACME_EAB_KID:
		return cfg_take(ps, &cfg->acme.eab_kid, strdup(value));
	case CK_ACME_EAB_HMAC_SOURCE:
		if (strcmp(value, "prompt") == 0)
			return cfg_fail(ps, HC_E_USAGE,
					"eab-hmac-source cannot be prompt: use env:VAR, file:PATH or fd:N");
		if (hc_config_check_secret_source("eab-hmac-source", value,
						  &ps->err) != 0)
			return cfg_fail_set(ps);
		if (strncmp(value, "file:", 5) == 0) {
			char *path = cfg_path(ps, value + 5), *v = NULL;

			if (path != NULL) {
				v = malloc(strlen(path) + 6);
				if (v != NULL)
					snprintf(v, strlen(path) + 6,
						 "file:%s", path);
			}
			free(path);
			return cfg_take(ps, &cfg->acme.eab_hmac_source, v);
		}
		return cfg_take(ps, &cfg->acme.eab_hmac_source, strdup(value));
	case CK_ACME_RENEW_BEFORE:
		return set_renew_before(ps, value);
	case CK_ACME_DAYS: {
		long d;

		if (hc_parse_long(value, 1, 3650, "days", &d, &ps->err) != 0)
			return cfg_fail_set(ps);
		cfg->acme.days = d;
		return 1;
	}
	}
	return cfg_fail(ps, HC_E_FAIL, "internal: key %s", name);
}

static int
cfg_handler(void *user, const char *section, const char *name,
	    const char *value)
{
	struct cfg_parser *ps = user;
	size_t i;
	int r;

	if (ps->failed)
		return 0;
	/* libinih passes an indented line after a key as more of its value */
	if (ps->have_key && ps->indented)
		return cfg_fail(ps, HC_E_USAGE,
				"indented line continues the value of '%s': multi-line values are not supported",
				name);
	ps->have_key = name[0] != '\0';
	if (strncmp(section, ps->sec_raw, strlen(section)) != 0)
		return cfg_fail(ps, HC_E_FAIL,
				"internal: libinih is in [%s], we are in [%s]",
				section, ps->sec_raw);
	if (ps->sec == SEC_NONE)
		return cfg_fail(ps, HC_E_USAGE,
				"key '%s' is outside any section", name);
	if (hc_strlist_find_ci(&ps->keys, name) >= 0)
		return cfg_fail(ps, HC_E_USAGE, "duplicate key '%s' in [%s]",
				name, ps->sec_name);
	if (hc_strlist_push(&ps->keys, name, &ps->err) != 0)
		return cfg_fail_set(ps);

	if (ps->sec == SEC_POLICY) {
		r = hc_policy_set(&ps->cfg->policy, name, value, &ps->err);
		if (r < 0)
			return cfg_fail_set(ps);
		if (r == 0)
			return 1;
	} else {
		for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++)
			if (cfg_keys[i].sec == ps->sec &&
			    hc_strcaseeq(name, cfg_keys[i].name))
				return cfg_set(ps, cfg_keys[i].key,
					       cfg_keys[i].name, value);
	}
	return cfg_fail(ps, HC_E_USAGE, "unknown key '%s' in [%s]", name,
			ps->sec_name);
}

static int
service_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > HC_SERVICE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* [service NAME]: name is trimmed. Returns 1, or 0 when it failed. */
static int
cfg_begin_service(struct cfg_parser *ps, const char *name, size_t n)
{
	struct hc_config *cfg = ps->cfg;
	struct hc_service_conf *nsvc;
	long *nfirst;
	size_t i;

	if (n == 0)
		return cfg_fail(ps, HC_E_USAGE,
				"[service] needs a name: [service NAME]");
	if (!service_name_ok(name, n))
		return cfg_fail(ps, HC_E_USAGE,
				"invalid service name '%.*s': use 1 to %d of a-z, 0-9, '_' and '-'",
				(int)n, name, HC_SERVICE_NAME_MAX);
	/* SPEC: iis is another name for https */
	if (span_caseeq(name, n, "iis")) {
		name = "https";
		n = 5;
	}
	for (i = 0; i < cfg->nservices; i++)
		if (span_caseeq(name, n, cfg->services[i].name))
			return cfg_fail(ps, HC_E_USAGE,
					"duplicate section [%s] (first at line %ld%s)",
					ps->sec_name, ps->svc_first[i],
					n == 5 && memcmp(name, "https", 5) == 0 ?
					"; iis and https are the same service" : "");

	nsvc = realloc(cfg->services, (cfg->nservices + 1) * sizeof(*nsvc));
	if (nsvc == NULL)
		return cfg_oom(ps);
	cfg->services = nsvc;
	nfirst = realloc(ps->svc_first, (cfg->nservices + 1) * sizeof(*nfirst));
	if (nfirst == NULL)
		return cfg_oom(ps);
	ps->svc_first = nfirst;
	memset(&nsvc[cfg->nservices], 0, sizeof(*nsvc));
	nsvc[cfg->nservices].name = strndup(name, n);
	if (nsvc[cfg->nservices].name == NULL)
		return cfg_oom(ps);
	nfirst[cfg->nservices] = ps->lineno;
	ps->svc = cfg->nservices++;
	ps->sec = SEC_SERVICE;
	return 1;
}

/* A section line; raw is what libinih will call the section. */
static void
cfg_begin_section(struct cfg_parser *ps, const char *raw, size_t n)
{
	const char *s = raw;
	size_t i, len = n;

	copy_span(ps->sec_raw, sizeof(ps->sec_raw), raw, n);
	ps->have_key = 0;
	ps->sec = SEC_NONE;
	hc_strlist_release(&ps->keys);
	trim_span(&s, &len);
	copy_span(ps->sec_name, sizeof(ps->sec_name), s, len);

	for (i = SEC_TOKEN; i < SEC_SERVICE; i++) {
		if (!span_caseeq(s, len, fixed_sections[i]))
			continue;
		if (ps->sec_first[i] != 0) {
			cfg_fail(ps, HC_E_USAGE,
				 "duplicate section [%s] (first at line %ld)",
				 fixed_sections[i], ps->sec_first[i]);
			return;
		}
		ps->sec_first[i] = ps->lineno;
		ps->sec = (enum cfg_section)i;
		return;
	}
	if (len >= 7 && span_caseeq(s, 7, "service") &&
	    (len == 7 || isspace((unsigned char)s[7]))) {
		const char *name = s + 7;
		size_t nlen = len - 7;

		trim_span(&name, &nlen);
		cfg_begin_service(ps, name, nlen);
		return;
	}
	cfg_fail(ps, HC_E_USAGE, "unknown section [%.*s]", (int)n, raw);
}

/*
 * fgets() for libinih over the text in memory. It also looks at each line
 * the way libinih will (BOM skipped on line 1, white space stripped, '#'
 * and ';' comment lines, indented lines after a key being continuations)
 * to catch section lines.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct cfg_parser *ps = stream;
	const char *line = ps->pos, *nl, *s, *end, *p;
	size_t len, content;
	int was_space;

	if (ps->failed || *line == '\0' || num < 4)
		return NULL;
	nl = strchr(line, '\n');
	len = nl != NULL ? (size_t)(nl - line) + 1 : strlen(line);
	ps->pos = line + len;
	ps->lineno++;

	s = line;
	if (ps->lineno == 1 && len >= 3 && (unsigned char)s[0] == 0xef &&
	    (unsigned char)s[1] == 0xbb && (unsigned char)s[2] == 0xbf)
		s += 3;
	end = line + len;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	while (s < end && isspace((unsigned char)*s))
		s++;
	ps->indented = s > line;

	content = len;
	if (content > 0 && line[content - 1] == '\n')
		content--;
	if (content > 0 && line[content - 1] == '\r')
		content--;
	if (content > (size_t)num - 3) {
		if (s < end && (*s == '#' || *s == ';')) {
			/* libinih ignores a comment: a cut one will do */
			memcpy(str, line, (size_t)num - 3);
			memcpy(str + num - 3, "\n", 2);
			return str;
		}
		cfg_fail(ps, HC_E_USAGE, "line is longer than %d characters",
			 num - 3);
		return NULL;
	}
	memcpy(str, line, len);
	str[len] = '\0';

	if (s < end && *s == '[' && !(ps->indented && ps->have_key)) {
		/* libinih's find_chars_or_comment(start + 1, "]") */
		was_space = 0;
		for (p = s + 1; p < end && *p != ']'; p++) {
			if (was_space && *p == ';')
				break;
			was_space = isspace((unsigned char)*p);
		}
		/* without ']' libinih reports a syntax error itself */
		if (p < end && *p == ']')
			cfg_begin_section(ps, s + 1, (size_t)(p - s - 1));
	}
	return ps->failed ? NULL : str;
}

void
hc_config_init(struct hc_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	hc_policy_init(&cfg->policy);
	cfg->module = strdup(HC_CONFIG_DEFAULT_MODULE);
	cfg->state_dir = strdup(HC_CONFIG_DEFAULT_STATE_DIR);
	cfg->archive_dir = strdup(HC_CONFIG_DEFAULT_STATE_DIR "/archive");
	cfg->audit_log = strdup(HC_CONFIG_DEFAULT_STATE_DIR "/audit.log");
}

void
hc_config_release(struct hc_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->module);
	free(cfg->label);
	free(cfg->pin_source);
	free(cfg->softhsm2_conf);
	hc_strlist_release(&cfg->accepted_domains);
	free(cfg->state_dir);
	free(cfg->archive_dir);
	free(cfg->audit_log);
	free(cfg->trust_anchors);
	free(cfg->host);
	for (i = 0; i < cfg->nservices; i++) {
		free(cfg->services[i].name);
		free(cfg->services[i].cert_file);
		free(cfg->services[i].key_uri_file);
		free(cfg->services[i].reload);
	}
	free(cfg->services);
	free(cfg->acme.directory);
	free(cfg->acme.ca_file);
	hc_strlist_release(&cfg->acme.contact);
	free(cfg->acme.http_listen);
	free(cfg->acme.http_root);
	free(cfg->acme.dns_hook);
	free(cfg->acme.eab_kid);
	free(cfg->acme.eab_hmac_source);
	memset(cfg, 0, sizeof(*cfg));
}

static void
err_copy(hc_err *dst, const hc_err *src)
{
	if (dst != NULL && dst->code == HC_OK)
		*dst = *src;
}

static int
config_parse(const char *text, const char *origin, const char *base_dir,
	     const char *path, struct hc_config *cfg, hc_err *err)
{
	struct cfg_parser ps;
	struct hc_config tmp;
	char *derived = NULL;
	int r, ret = -1;

	memset(&ps, 0, sizeof(ps));
	hc_config_init(&tmp);
	if (text == NULL || cfg == NULL) {
		hc_err_set(err, HC_E_FAIL, "internal: text == NULL || cfg == NULL");
		goto out;
	}
	if (tmp.module == NULL || tmp.state_dir == NULL ||
	    tmp.archive_dir == NULL || tmp.audit_log == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	ps.cfg = &tmp;
	ps.origin = origin != NULL ? origin : "<config>";
	ps.base_dir = base_dir;
	ps.pos = text;

	r = ini_parse_stream(cfg_reader, &ps, cfg_handler, &ps);
	/* libinih goes on after a syntax error: the first line at fault wins */
	if (r > 0 && (!ps.failed || r < ps.err_line)) {
		hc_err_set(err, HC_E_USAGE,
			   "%s:%d: syntax error: expected [section] or key = value",
			   ps.origin, r);
		goto out;
	}
	if (ps.failed) {
		err_copy(err, &ps.err);
		goto out;
	}
	if (r < 0) {
		hc_err_set(err, HC_E_FAIL, "%s: cannot parse (libinih: %d)",
			   ps.origin, r);
		goto out;
	}

	if (!ps.archive_set) {
		derived = path_join(tmp.state_dir, "archive");
		if (derived == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		free(tmp.archive_dir);
		tmp.archive_dir = derived;
	}
	if (!ps.audit_set) {
		derived = path_join(tmp.state_dir, "audit.log");
		if (derived == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		free(tmp.audit_log);
		tmp.audit_log = derived;
	}
	if (tmp.host == NULL) {
		char h[256];

		/* this machine's name, cut at the first dot as `hostname` is */
		if (gethostname(h, sizeof(h)) != 0)
			h[0] = '\0';
		h[sizeof(h) - 1] = '\0';
		h[strcspn(h, ".")] = '\0';
		if (!hc_host_name_valid(h)) {
			hc_err_set(err, HC_E_USAGE,
				   "%s: this machine's name '%s' cannot name the host: set [host] name",
				   ps.origin, h);
			goto out;
		}
		tmp.host = strdup(h);
		if (tmp.host == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
	}
	if (path != NULL) {
		tmp.path = strdup(path);
		if (tmp.path == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
	}
	hc_config_release(cfg);
	*cfg = tmp;
	memset(&tmp, 0, sizeof(tmp));
	ret = 0;
out:
	if (ret != 0)
		hc_config_release(cfg);
	hc_config_release(&tmp);
	hc_strlist_release(&ps.keys);
	free(ps.svc_first);
	return ret;
}

int
hc_config_parse(const char *text, const char *origin, const char *base_dir,
		struct hc_config *cfg, hc_err *err)
{
	return config_parse(text, origin, base_dir, NULL, cfg, err);
}

/* The whole file, NUL-terminated, into *out (caller frees). */
static int
read_text(const char *path, char **out, hc_err *err)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	struct stat st;
	ssize_t n;
	int fd = -1, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		hc_err_set(err, HC_E_USAGE, "cannot read configuration %s: %s",
			   path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		hc_err_set(err, HC_E_USAGE, "cannot read configuration %s: %s",
			   path, strerror(EISDIR));
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > (size_t)CONFIG_MAX_SIZE) {
				hc_err_set(err, HC_E_USAGE,
					   "cannot read configuration %s: larger than 1 MiB",
					   path);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hc_err_set(err, HC_E_USAGE,
				   "cannot read configuration %s: %s", path,
				   strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "cannot read configuration %s: it holds a NUL byte (not a text file)",
			   path);
		goto out;
	}
	*out = buf;
	buf = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* The absolute directory of path into *out (caller frees). */
static int
base_dir_of(const char *path, char **out, hc_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL, *cwd = NULL, *ncwd;
	size_t cap = 256;
	int ret = -1;

	if (slash == path)
		dir = strdup("/");
	else if (slash != NULL)
		dir = strndup(path, (size_t)(slash - path));
	else
		dir = strdup(".");
	if (dir == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (dir[0] == '/') {
		*out = dir;
		dir = NULL;
		ret = 0;
		goto out;
	}
	for (;;) {
		ncwd = realloc(cwd, cap);
		if (ncwd == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		cwd = ncwd;
		if (getcwd(cwd, cap) != NULL)
			break;
		if (errno != ERANGE || cap >= 65536) {
			hc_err_set(err, HC_E_FAIL,
				   "cannot resolve paths of %s: the working directory: %s",
				   path, strerror(errno));
			goto out;
		}
		cap *= 2;
	}
	*out = strcmp(dir, ".") == 0 ? strdup(cwd) : path_join(cwd, dir);
	if (*out == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	ret = 0;
out:
	free(dir);
	free(cwd);
	return ret;
}

int
hc_config_load(const char *path, struct hc_config *cfg, hc_err *err)
{
	char *text = NULL, *base = NULL;
	int ret = -1;

	if (path == NULL || cfg == NULL) {
		hc_err_set(err, HC_E_FAIL, "internal: path == NULL || cfg == NULL");
		goto out;
	}
	if (read_text(path, &text, err) != 0 ||
	    base_dir_of(path, &base, err) != 0)
		goto out;
	ret = config_parse(text, path, base, path, cfg, err);
out:
	if (ret != 0)
		hc_config_release(cfg);
	free(text);
	free(base);
	return ret;
}

const struct hc_service_conf *
hc_config_service(const struct hc_config *cfg, const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	if (hc_strcaseeq(name, "iis"))
		name = "https";
	for (i = 0; i < cfg->nservices; i++)
		if (hc_strcaseeq(cfg->services[i].name, name))
			return &cfg->services[i];
	return NULL;
}
