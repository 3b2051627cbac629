/* config_int.h - what config.c shares with config_acme.c and
 * config_service.c (internal to the configuration parser) */
#ifndef HC_CORE_CONFIG_INT_H
#define HC_CORE_CONFIG_INT_H

#include "core/config.h"
#include "core/error.h"

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
	CK_CHECK,
	CK_CHECK_NAME,
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

/** The state of one parse. */
struct cfg_parser {
	struct hc_config *cfg;		/**< being filled */
	const char *origin;		/**< the file, for messages */
	const char *base_dir;		/**< for relative paths, or NULL */
	long lineno;			/**< the line being parsed */
	enum cfg_section sec;
	char sec_name[64];		/**< trimmed, for messages */
	size_t svc;			/**< the current [service] */
	long sec_first[SEC_SERVICE];	/**< first line of [token] etc. */
	long *svc_first;		/**< first line of each [service] */
	struct hc_strlist keys;		/**< keys seen in this section */
	int archive_set;
	int audit_set;
	int failed;
	hc_err err;			/**< the first error found */
};

/** Record the first error, at the current line. Returns 0. */
int hc_config_fail(struct cfg_parser *ps, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** The error is already in ps->err: add the place. Returns 0. */
int hc_config_fail_set(struct cfg_parser *ps);

/** A path from the file: relative ones are relative to base_dir.
 *  NULL when out of memory. */
char *hc_config_path(const struct cfg_parser *ps, const char *v);

/** A checked secret source: "file:PATH" gets PATH resolved. NULL when
 *  out of memory. */
char *hc_config_source(const struct cfg_parser *ps, const char *v);

/** Replace *field with v (owned). Returns 1, or 0 (failed) when v is
 *  NULL. */
int hc_config_take(struct cfg_parser *ps, char **field, char *v);

/** s[0..n) equals lit, ASCII case-insensitively. */
int hc_config_span_eq(const char *s, size_t n, const char *lit);

/** A comma-separated list into *out (replaced): items trimmed, empty
 *  ones skipped. Returns 1, or 0 when it failed. */
int hc_config_list(struct cfg_parser *ps, const char *value,
		   struct hc_strlist *out);

/** An [acme] key (config_acme.c). Returns 1, or 0 when it failed. */
int hc_config_acme_set(struct cfg_parser *ps, enum cfg_key key,
		       const char *value);

/** A [service NAME] check or check-name (config_service.c). Returns 1,
 *  or 0 when it failed. */
int hc_config_service_set(struct cfg_parser *ps, enum cfg_key key,
			  const char *value);

/** A [service NAME] line, name trimmed (config_service.c). Returns 1, or
 *  0 when it failed. */
int hc_config_service_begin(struct cfg_parser *ps, const char *name,
			    size_t n);

#endif
