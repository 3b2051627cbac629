/* config.c - the INI configuration of SPEC section 2
 *
 * Our own line parser, in the syntax libinih had: a line is a comment
 * ('#' or ';' first), a [section], or key = value (or key: value) with
 * " ;" starting a comment after the value. An indented line after a key
 * (a libinih continuation) and a line over CONFIG_LINE_MAX characters are
 * refused. Each line is handled as it is read, so every error names its
 * line and the first one wins. The keys of [acme] are checked in
 * config_acme.c, [service NAME] sections begun in config_service.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config_int.h"
#include "core/fileio.h"
#include "core/range.h"
#include "core/secret.h"

/* what a host name ([hsmcert] host) may hold */
#define HOST_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_"

#define CONFIG_MAX_SIZE ((size_t)1024 * 1024)
/* what libinih's 200-byte buffer held */
#define CONFIG_LINE_MAX 197

int
hc_host_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HC_HOST_MAX - 1)
		return 0;
	return strspn(s, HOST_CHARS) == n;
}

static const char *const fixed_sections[] = {
	[SEC_TOKEN] = "token",
	[SEC_POLICY] = "policy",
	[SEC_NAMES] = "names",
	[SEC_PATHS] = "paths",
	[SEC_HOST] = "host",
	[SEC_ACME] = "acme",
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
	{ SEC_SERVICE, "check", CK_CHECK },
	{ SEC_SERVICE, "check-name", CK_CHECK_NAME },
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

int
hc_config_fail(struct cfg_parser *ps, int code, const char *fmt, ...)
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
	return 0;
}

int
hc_config_fail_set(struct cfg_parser *ps)
{
	if (ps->failed)
		return 0;
	hc_err_prefix(&ps->err, "%s:%ld: ", ps->origin, ps->lineno);
	ps->failed = 1;
	return 0;
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

int
hc_config_span_eq(const char *s, size_t n, const char *lit)
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

char *
hc_config_path(const struct cfg_parser *ps, const char *v)
{
	if (v[0] == '/' || ps->base_dir == NULL)
		return strdup(v);
	return hc_file_path_join(ps->base_dir, v);
}

char *
hc_config_source(const struct cfg_parser *ps, const char *v)
{
	char *path, *s;
	size_t n;

	if (strncmp(v, "file:", 5) != 0)
		return strdup(v);
	path = hc_config_path(ps, v + 5);
	if (path == NULL)
		return NULL;
	n = strlen(path);
	s = malloc(5 + n + 1);
	if (s != NULL) {
		memcpy(s, "file:", 5);
		memcpy(s + 5, path, n + 1);
	}
	free(path);
	return s;
}

int
hc_config_take(struct cfg_parser *ps, char **field, char *v)
{
	if (v == NULL)
		return hc_config_fail(ps, HC_E_FAIL, "out of memory");
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

int
hc_config_list(struct cfg_parser *ps, const char *value,
	       struct hc_strlist *out)
{
	struct hc_strlist l = { 0 };
	const char *item = value, *comma;
	size_t n;

	while (item != NULL) {
		comma = strchr(item, ',');
		n = comma != NULL ? (size_t)(comma - item) : strlen(item);
		trim_span(&item, &n);
		if (n > 0 && hc_strlist_pushf(&l, &ps->err, "%.*s",
					      hc_range_clamp_int(n),
					      item) != 0) {
			hc_strlist_release(&l);
			return hc_config_fail_set(ps);
		}
		item = comma != NULL ? comma + 1 : NULL;
	}
	hc_strlist_release(out);
	*out = l;
	return 1;
}

/* One key of a known section. Returns 1, or 0 when it failed. */
static int
cfg_set(struct cfg_parser *ps, enum cfg_key key, const char *name,
	const char *value)
{
	struct hc_config *cfg = ps->cfg;
	struct hc_service_conf *svc = NULL;

	if (*value == '\0' && key != CK_ACCEPTED_DOMAINS)
		return hc_config_fail(ps, HC_E_USAGE, "%s is empty", name);
	if (ps->sec == SEC_SERVICE)
		svc = &cfg->services[ps->svc];

	switch (key) {
	case CK_MODULE:
		/* a bare "libfoo.so" is for the dynamic loader to find */
		return hc_config_take(ps, &cfg->module,
				      strchr(value, '/') != NULL ?
					      hc_config_path(ps, value) :
					      strdup(value));
	case CK_LABEL:
		return hc_config_take(ps, &cfg->label, strdup(value));
	case CK_PIN_SOURCE:
		if (hc_config_check_secret_source("pin-source", value,
						  &ps->err) != 0)
			return hc_config_fail_set(ps);
		return hc_config_take(ps, &cfg->pin_source,
				      hc_config_source(ps, value));
	case CK_SOFTHSM2_CONF:
		return hc_config_take(ps, &cfg->softhsm2_conf,
				      hc_config_path(ps, value));
	case CK_ACCEPTED_DOMAINS:
		return hc_config_list(ps, value, &cfg->accepted_domains);
	case CK_STATE_DIR:
		return hc_config_take(ps, &cfg->state_dir,
				      hc_config_path(ps, value));
	case CK_ARCHIVE_DIR:
		ps->archive_set = 1;
		return hc_config_take(ps, &cfg->archive_dir,
				      hc_config_path(ps, value));
	case CK_AUDIT_LOG:
		ps->audit_set = 1;
		return hc_config_take(ps, &cfg->audit_log,
				      hc_config_path(ps, value));
	case CK_TRUST_ANCHORS:
		return hc_config_take(ps, &cfg->trust_anchors,
				      hc_config_path(ps, value));
	case CK_HOST_NAME:
		if (!hc_host_name_valid(value))
			return hc_config_fail(ps, HC_E_USAGE,
					"host name '%s' is not 1-64 letters, digits, '.', '-' or '_'",
					value);
		return hc_config_take(ps, &cfg->host, strdup(value));
	case CK_CERT_FILE:
		return hc_config_take(ps, &svc->cert_file,
				      hc_config_path(ps, value));
	case CK_KEY_URI_FILE:
		return hc_config_take(ps, &svc->key_uri_file,
				      hc_config_path(ps, value));
	case CK_RELOAD:
		return hc_config_take(ps, &svc->reload, strdup(value));
	case CK_CHECK:
	case CK_CHECK_NAME:
		return hc_config_service_set(ps, key, value);
	case CK_ACME_DIRECTORY:
	case CK_ACME_CA_FILE:
	case CK_ACME_CONTACT:
	case CK_ACME_CHALLENGE:
	case CK_ACME_HTTP_LISTEN:
	case CK_ACME_HTTP_ROOT:
	case CK_ACME_DNS_HOOK:
	case CK_ACME_EAB_KID:
	case CK_ACME_EAB_HMAC_SOURCE:
	case CK_ACME_RENEW_BEFORE:
	case CK_ACME_DAYS:
		return hc_config_acme_set(ps, key, value);
	}
	return hc_config_fail(ps, HC_E_FAIL, "internal: key %s", name);
}

/* name = value in the current section */
static int
cfg_key(struct cfg_parser *ps, const char *name, const char *value)
{
	size_t i;
	int r;

	if (ps->sec == SEC_NONE)
		return hc_config_fail(ps, HC_E_USAGE,
				      "key '%s' is outside any section", name);
	if (hc_strlist_find_ci(&ps->keys, name) >= 0)
		return hc_config_fail(ps, HC_E_USAGE,
				      "duplicate key '%s' in [%s]", name,
				      ps->sec_name);
	if (hc_strlist_push(&ps->keys, name, &ps->err) != 0)
		return hc_config_fail_set(ps);

	if (ps->sec == SEC_POLICY) {
		r = hc_policy_set(&ps->cfg->policy, name, value, &ps->err);
		if (r < 0)
			return hc_config_fail_set(ps);
		if (r == 0)
			return 1;
	} else {
		for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++)
			if (cfg_keys[i].sec == ps->sec &&
			    hc_strcaseeq(name, cfg_keys[i].name))
				return cfg_set(ps, cfg_keys[i].key,
					       cfg_keys[i].name, value);
	}
	return hc_config_fail(ps, HC_E_USAGE, "unknown key '%s' in [%s]", name,
			      ps->sec_name);
}

/* [raw]: raw is the text between the brackets, untrimmed */
static int
cfg_section(struct cfg_parser *ps, const char *raw, size_t n)
{
	const char *s = raw, *name;
	size_t i, len = n, nlen;

	ps->sec = SEC_NONE;
	hc_strlist_release(&ps->keys);
	trim_span(&s, &len);
	copy_span(ps->sec_name, sizeof(ps->sec_name), s, len);

	for (i = SEC_TOKEN; i < SEC_SERVICE; i++) {
		if (!hc_config_span_eq(s, len, fixed_sections[i]))
			continue;
		if (ps->sec_first[i] != 0)
			return hc_config_fail(ps, HC_E_USAGE,
					      "duplicate section [%s] (first at line %ld)",
					      fixed_sections[i],
					      ps->sec_first[i]);
		ps->sec_first[i] = ps->lineno;
		ps->sec = (enum cfg_section)i;
		return 1;
	}
	if (len >= 7 && hc_config_span_eq(s, 7, "service") &&
	    (len == 7 || isspace((unsigned char)s[7]))) {
		name = s + 7;
		nlen = len - 7;
		trim_span(&name, &nlen);
		return hc_config_service_begin(ps, name, nlen);
	}
	return hc_config_fail(ps, HC_E_USAGE, "unknown section [%.*s]",
			      hc_range_clamp_int(n),
			      raw);
}

/* The first of stop in [s, end), or " ;" (a comment); end if neither. */
static const char *
find_stop(const char *s, const char *end, const char *stop)
{
	int was_space = 0;

	for (; s < end && strchr(stop, *s) == NULL; s++) {
		if (was_space && *s == ';')
			break;
		was_space = isspace((unsigned char)*s);
	}
	return s;
}

/* One line [line, end), BOM and line end removed. Returns 1 or 0. */
static int
cfg_line(struct cfg_parser *ps, const char *line, const char *end)
{
	char name[CONFIG_LINE_MAX + 1], value[CONFIG_LINE_MAX + 1];
	const char *s = line, *p, *v;
	size_t n;

	n = (size_t)(end - s);
	trim_span(&s, &n);
	end = s + n;
	if (n == 0 || *s == '#' || *s == ';')
		return 1;
	if (s > line && ps->keys.n > 0)
		return hc_config_fail(ps, HC_E_USAGE,
				      "indented line continues the value of '%s': multi-line values are not supported",
				      ps->keys.v[ps->keys.n - 1]);
	if (*s == '[') {
		p = find_stop(s + 1, end, "]");
		if (p < end && *p == ']')
			return cfg_section(ps, s + 1, (size_t)(p - s - 1));
	} else {
		p = find_stop(s, end, "=:");
		if (p < end && *p != ';') {
			n = (size_t)(p - s);
			trim_span(&s, &n);
			copy_span(name, sizeof(name), s, n);
			v = p + 1;
			n = (size_t)(find_stop(v, end, "") - v);
			trim_span(&v, &n);
			copy_span(value, sizeof(value), v, n);
			return cfg_key(ps, name, value);
		}
	}
	return hc_config_fail(ps, HC_E_USAGE,
			      "syntax error: expected [section] or key = value");
}

/* Every line of text, until the first error. Returns 1 or 0. */
static int
cfg_lines(struct cfg_parser *ps, const char *text)
{
	const char *line = text, *end, *s;
	size_t len;

	while (*line != '\0') {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		ps->lineno++;
		s = line;
		if (ps->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		len = (size_t)(end - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len > CONFIG_LINE_MAX) {
			while (s < end && isspace((unsigned char)*s))
				s++;
			/* a long comment does no harm */
			if (s == end || (*s != '#' && *s != ';'))
				return hc_config_fail(ps, HC_E_USAGE,
						      "line is longer than %d characters",
						      CONFIG_LINE_MAX);
		} else if (!cfg_line(ps, s, end)) {
			return 0;
		}
		line = *end == '\n' ? end + 1 : end;
	}
	return 1;
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
		free(cfg->services[i].check);
		free(cfg->services[i].check_name);
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

static int
config_parse(const char *text, const char *origin, const char *base_dir,
	     const char *path, struct hc_config *cfg, hc_err *err)
{
	struct cfg_parser ps;
	struct hc_config tmp;
	char *derived = NULL;
	int ret = -1;

	memset(&ps, 0, sizeof(ps));
	hc_config_init(&tmp);
	if (text == NULL || cfg == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "internal: text == NULL || cfg == NULL");
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

	if (!cfg_lines(&ps, text)) {
		if (err != NULL && err->code == HC_OK)
			*err = ps.err;
		goto out;
	}

	if (!ps.archive_set) {
		derived = hc_file_path_join(tmp.state_dir, "archive");
		if (derived == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		free(tmp.archive_dir);
		tmp.archive_dir = derived;
	}
	if (!ps.audit_set) {
		derived = hc_file_path_join(tmp.state_dir, "audit.log");
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

int
hc_config_load(const char *path, struct hc_config *cfg, hc_err *err)
{
	unsigned char *text = NULL;
	char *base = NULL;
	size_t len = 0;
	int e, ret = -1;

	if (path == NULL || cfg == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "internal: path == NULL || cfg == NULL");
		goto out;
	}
	e = hc_file_load(path, CONFIG_MAX_SIZE, &text, &len);
	if (e == ENOMEM) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (e != 0) {
		hc_err_set(err, HC_E_USAGE, "cannot read configuration %s: %s",
			   path, e == EFBIG ? "larger than 1 MiB" :
			   strerror(e));
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "cannot read configuration %s: it holds a NUL byte (not a text file)",
			   path);
		goto out;
	}
	if (hc_file_path_dir(path, &base, err) != 0)
		goto out;
	ret = config_parse((const char *)text, path, base, path, cfg, err);
out:
	if (ret != 0)
		hc_config_release(cfg);
	free(text);
	free(base);
	return ret;
}
