/* config.h - the INI configuration of SPEC section 2 (internal) */
#ifndef HC_CORE_CONFIG_H
#define HC_CORE_CONFIG_H

#include <stddef.h>

#include "hsmcert.h"
#include "core/policy.h"
#include "core/util.h"

#define HC_CONFIG_DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define HC_CONFIG_DEFAULT_STATE_DIR "/var/lib/hsmcert"

/** Longest service name ([a-z0-9_-]{1,32}). */
#define HC_SERVICE_NAME_MAX 32

/** A [service NAME]. Strings are owned; all but name may be NULL. */
struct hc_service_conf {
	/** [a-z0-9_-]{1,32}; [service iis] is stored as "https" */
	char *name;
	char *cert_file;	/**< PEM leaf + chain go here */
	char *key_uri_file;	/**< the key's PKCS#11 URI goes here */
	char *reload;		/**< command run after a change */
	/** check: HOST:PORT whose TLS leaf must be the bound certificate
	 *  after a change (SPEC 9); NULL: no check */
	char *check;
	char *check_name;	/**< check-name: SNI; NULL = first DNS name */
};

/** [acme] (SPEC section 9). Strings are owned; NULL when not set. */
struct hc_acme_conf {
	char *directory;	/**< the ACME directory URL */
	char *ca_file;		/**< PEM bundle for the server's TLS */
	struct hc_strlist contact;	/**< mailto: URIs */
	int dns01;		/**< challenge = dns-01 (else http-01) */
	char *http_listen;	/**< ADDR:PORT */
	char *http_root;	/**< webroot */
	char *dns_hook;		/**< HOOK add|del NAME VALUE */
	char *eab_kid;
	char *eab_hmac_source;	/**< env:, file:, fd: */
	long renew_before_days;	/**< "N days", or 0 */
	int renew_num, renew_den;	/**< "1/3" (the default) */
	long days;		/**< notAfter = now + days, 0 = not asked */
};

/**
 * The configuration. Every string is owned by the struct and freed by
 * hc_config_release(); the comments give the key and the default.
 */
struct hc_config {
	char *path;		/**< the file loaded; NULL from parse */
	char *module;		/**< [token] module; HC_CONFIG_DEFAULT_MODULE */
	/** [token] label: a token label or a pkcs11: URI; default NULL */
	char *label;
	char *pin_source;	/**< [token] pin-source; NULL = default */
	/** [token] softhsm2-conf: exported as SOFTHSM2_CONF when that is
	 *  unset; default NULL */
	char *softhsm2_conf;
	struct hc_policy policy;		/**< [policy] */
	struct hc_strlist accepted_domains;	/**< [names] */
	char *state_dir;	/**< [paths] /var/lib/hsmcert */
	char *archive_dir;	/**< [paths] <state-dir>/archive */
	char *audit_log;	/**< [paths] <state-dir>/audit.log */
	char *trust_anchors;	/**< [paths] trust-anchors (PEM) or NULL */
	/** [host] name: this host among those sharing the token; default the
	 *  machine's short host name */
	char *host;
	/** [service NAME] sections, in file order */
	struct hc_service_conf *services;
	size_t nservices;
	struct hc_acme_conf acme;	/**< [acme] */
};

/**
 * Fill cfg with the defaults: module HC_CONFIG_DEFAULT_MODULE, state-dir
 * HC_CONFIG_DEFAULT_STATE_DIR with archive-dir and audit-log under it, the
 * policy of hc_policy_init(), everything else NULL or empty. Any previous
 * content is overwritten, not freed. Release with hc_config_release().
 * Should memory run out, a default string is left NULL (this returns no
 * error); hc_config_load() and hc_config_parse() report that as HC_E_FAIL.
 */
void hc_config_init(struct hc_config *cfg);

/** Longest host name + 1. */
#define HC_HOST_MAX 65

/** 1 when s can name a host: 1-64 of [A-Za-z0-9._-]. */
int hc_host_name_valid(const char *s);

/**
 * Load the INI file at path: the defaults of hc_config_init(), overlaid
 * with the file. cfg must hold a configuration (hc_config_init(), an
 * earlier load) or be zeroed. On success its old content is released and
 * replaced; on failure it is released (left zeroed, so releasing it again
 * is harmless). The caller releases it with hc_config_release().
 *
 * Sections: [token] module, label, pin-source, softhsm2-conf; [policy]
 * (hc_policy_set()); [names] accepted-domains; [paths] state-dir,
 * archive-dir, audit-log, trust-anchors; [service NAME] cert-file,
 * key-uri-file, reload, check, check-name. Section and key names are
 * case-insensitive.
 *
 * Relative paths are resolved against the directory holding the
 * configuration file (made absolute with the working directory when path
 * itself is relative), so a configuration can sit beside its token and
 * state and be used from anywhere. That applies to [token] module (only
 * when it contains a '/': a bare "libfoo.so" is left for the dynamic
 * loader's search path), [token] softhsm2-conf, the PATH of a
 * "file:PATH" pin-source, every [paths] value, and the cert-file and
 * key-uri-file of every [service]. reload commands are left as written.
 *
 * Syntax is libinih's (parsed by config.c itself): '#' or ';' starts a
 * comment line, " ;" starts a comment after a value ('#' after a value
 * is part of it); key = value or key: value. A line holds
 * at most 197 characters (comment lines excepted). Multi-line values
 * (indented continuation lines) are refused.
 *
 * Errors, all HC_E_USAGE unless noted, prefixed with "FILE:LINE: " when a
 * line is at fault:
 * - "cannot read configuration FILE: <strerror>" (missing, unreadable,
 *   a directory), also for a file over 1 MiB or holding a NUL byte;
 * - "unknown section [x]", "unknown key 'x' in [section]",
 *   "key 'x' is outside any section";
 * - "syntax error: ...", "line is longer than 197 characters",
 *   "duplicate section [x] (first at line N)", "duplicate key 'x' in [s]";
 * - "pin-source is empty" (also "KEY is empty" for any other key but
 *   accepted-domains), a pin-source that is not env:VAR, file:PATH, fd:N
 *   or prompt;
 * - "invalid service name 'x'" ([a-z0-9_-]{1,32}), a duplicate service
 *   ([service iis] and [service https] are the same one);
 * - a check that is not HOST:PORT, a check-name that is not a DNS name
 *   (hc_tlscheck_parse(), hc_tlscheck_sni_check());
 * - the messages of hc_policy_set();
 * - HC_E_FAIL when memory runs out.
 */
int hc_config_load(const char *path, struct hc_config *cfg, hc_err *err);

/**
 * hc_config_load() from memory (for the fuzzer and the unit tests): text is
 * the file's content, origin names it in messages (NULL: "<config>"), and
 * base_dir resolves relative paths (NULL leaves them relative). cfg->path
 * is left NULL. Same ownership and errors as hc_config_load().
 */
int hc_config_parse(const char *text, const char *origin, const char *base_dir,
		    struct hc_config *cfg, hc_err *err);

/** Free every owned field; cfg is left zeroed. NULL-safe. */
void hc_config_release(struct hc_config *cfg);

/**
 * The [service NAME] section for name (case-insensitive; "iis" finds
 * "https"), or NULL when there is none. borrowed: valid until
 * hc_config_release().
 */
const struct hc_service_conf *hc_config_service(const struct hc_config *cfg,
						const char *name);

/**
 * Check the syntax of a secret source: env:VAR, file:PATH, fd:N or prompt.
 * what names the setting in the message ("pin-source",
 * "--password-source"). Returns 0, or -1 with HC_E_USAGE: "WHAT is empty",
 * "WHAT: unknown secret source (not env:VAR, file:PATH, fd:N or prompt);
 * the value is not shown, it may be a secret" (hc_secret_source_parse).
 * Nothing is read: whether the variable is set or the file readable is
 * the business of whoever reads the secret.
 */
int hc_config_check_secret_source(const char *what, const char *src,
				  hc_err *err);

#endif
