/* test_config.c - the INI configuration (files only inside a mkdtemp dir) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"

#define assert_err(e, c, sub)                                           \
	do {                                                            \
		assert_int_equal((e)->code, (c));                       \
		if (strstr((e)->msg, (sub)) == NULL)                    \
			fail_msg("'%s' not in '%s'", (sub), (e)->msg);  \
	} while (0)

/* Parse text as "t.conf" with base_dir /etc/hc; expect failure. */
static void
parse_fails(const char *text, int code, const char *msg)
{
	struct hc_config cfg;
	hc_err err = { 0 };

	hc_config_init(&cfg);
	assert_int_equal(hc_config_parse(text, "t.conf", "/etc/hc", &cfg, &err),
			 -1);
	if (err.code != code || strcmp(err.msg, msg) != 0)
		fail_msg("got %d '%s', want %d '%s'", err.code, err.msg, code,
			 msg);
	/* released: zeroed, and a second release is harmless */
	assert_null(cfg.module);
	assert_null(cfg.services);
	assert_int_equal(cfg.nservices, 0);
	hc_config_release(&cfg);
}

static void
parse_ok(const char *text, struct hc_config *cfg)
{
	hc_err err = { 0 };

	hc_config_init(cfg);
	if (hc_config_parse(text, "t.conf", "/etc/hc", cfg, &err) != 0)
		fail_msg("parse failed: %s", err.msg);
}

/* ---- temp directories ------------------------------------------------ */

static void
rm_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		assert_int_equal(unlink(path), 0);
		return;
	}
	d = opendir(path);
	assert_non_null(d);
	for (;;) {
		de = readdir(d);
		if (de == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_tree(sub);
	}
	closedir(d);
	assert_int_equal(rmdir(path), 0);
}

static int
tmpdir_setup(void **state)
{
	char *dir = strdup("/tmp/hc-test-config-XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int
tmpdir_teardown(void **state)
{
	rm_tree(*state);
	free(*state);
	return 0;
}

static void
write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- tests ----------------------------------------------------------- */

static void
test_config_defaults(void **state)
{
	struct hc_config cfg;
	struct hc_policy p;

	(void)state;
	hc_config_init(&cfg);
	hc_policy_init(&p);
	assert_null(cfg.path);
	assert_string_equal(cfg.module, "/usr/lib/softhsm/libsofthsm2.so");
	assert_null(cfg.label);
	assert_null(cfg.pin_source);
	assert_null(cfg.softhsm2_conf);
	assert_memory_equal(&cfg.policy, &p, sizeof(p));
	assert_int_equal(cfg.accepted_domains.n, 0);
	assert_string_equal(cfg.state_dir, "/var/lib/hsmcert");
	assert_string_equal(cfg.archive_dir, "/var/lib/hsmcert/archive");
	assert_string_equal(cfg.audit_log, "/var/lib/hsmcert/audit.log");
	assert_null(cfg.trust_anchors);
	assert_int_equal(cfg.nservices, 0);
	assert_null(hc_config_service(&cfg, "https"));
	hc_config_release(&cfg);
	assert_null(cfg.module);

	/* an empty file gives the defaults too */
	parse_ok("", &cfg);
	assert_string_equal(cfg.module, "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(cfg.audit_log, "/var/lib/hsmcert/audit.log");
	assert_memory_equal(&cfg.policy, &p, sizeof(p));
	hc_config_release(&cfg);
}

static const char full_example[] =
	"# hsmcert configuration\n"
	"[token]\n"
	"module = /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so\n"
	"label = pkcs11:token=prod;serial=1234\n"
	"pin-source = env:HSM_PIN\n"
	"softhsm2-conf = /etc/softhsm/softhsm2.conf\n"
	"\n"
	"[policy]\n"
	"min-rsa-bits = 3072\n"
	"key-types = rsa:3072, rsa:4096, ec:p384\n"
	"max-days = 397\n"
	"allow-export = no\n"
	"min-password-length = 16\n"
	"digest = sha384\n"
	"\n"
	"[names]\n"
	"accepted-domains = contoso.com, tailspintoys.ca\n"
	"\n"
	"[paths]\n"
	"state-dir = /srv/hsmcert\n"
	"archive-dir = /srv/archive\n"
	"audit-log = /var/log/hsmcert/audit.log\n"
	"trust-anchors = /etc/hsmcert/anchors.pem\n"
	"\n"
	"[service https]\n"
	"cert-file = /etc/nginx/tls/cert.pem\n"
	"key-uri-file = /etc/nginx/tls/key.uri\n"
	"reload = /usr/bin/systemctl reload nginx\n"
	"\n"
	"[service ldap-proxy_2]\n"
	"reload = /usr/sbin/service slapd restart\n";

static void
test_config_parses_full_example(void **state)
{
	const struct hc_service_conf *s;
	struct hc_config cfg;
	char text[256];

	(void)state;
	parse_ok(full_example, &cfg);
	assert_null(cfg.path);
	assert_string_equal(cfg.module,
			    "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so");
	assert_string_equal(cfg.label, "pkcs11:token=prod;serial=1234");
	assert_string_equal(cfg.pin_source, "env:HSM_PIN");
	assert_string_equal(cfg.softhsm2_conf, "/etc/softhsm/softhsm2.conf");

	assert_int_equal(cfg.policy.min_rsa_bits, 3072);
	hc_policy_key_types_text(&cfg.policy, text, sizeof(text));
	assert_string_equal(text, "rsa:3072,rsa:4096,ec:p384");
	assert_int_equal(cfg.policy.max_days, 397);
	assert_int_equal(cfg.policy.allow_export, 0);
	assert_int_equal(cfg.policy.min_password_length, 16);
	assert_int_equal(cfg.policy.digest, HC_DIGEST_SHA384);

	assert_int_equal(cfg.accepted_domains.n, 2);
	assert_string_equal(cfg.accepted_domains.v[0], "contoso.com");
	assert_string_equal(cfg.accepted_domains.v[1], "tailspintoys.ca");

	assert_string_equal(cfg.state_dir, "/srv/hsmcert");
	assert_string_equal(cfg.archive_dir, "/srv/archive");
	assert_string_equal(cfg.audit_log, "/var/log/hsmcert/audit.log");
	assert_string_equal(cfg.trust_anchors, "/etc/hsmcert/anchors.pem");

	assert_int_equal(cfg.nservices, 2);
	s = hc_config_service(&cfg, "https");
	assert_non_null(s);
	assert_string_equal(s->name, "https");
	assert_string_equal(s->cert_file, "/etc/nginx/tls/cert.pem");
	assert_string_equal(s->key_uri_file, "/etc/nginx/tls/key.uri");
	assert_string_equal(s->reload, "/usr/bin/systemctl reload nginx");
	s = hc_config_service(&cfg, "ldap-proxy_2");
	assert_non_null(s);
	assert_null(s->cert_file);
	assert_null(s->key_uri_file);
	assert_string_equal(s->reload, "/usr/sbin/service slapd restart");
	hc_config_release(&cfg);
}

static void
test_config_unknown_key_names_line(void **state)
{
	(void)state;
	parse_fails("[token]\n"
		    "module = /m.so\n"
		    "\n"
		    "[policy]\n"
		    "# a comment\n"
		    "colour = blue\n",
		    HC_E_USAGE, "t.conf:6: unknown key 'colour' in [policy]");
	/* a key of another section is unknown here */
	parse_fails("[paths]\nstate-dir = /s\nmodule = /m.so\n", HC_E_USAGE,
		    "t.conf:3: unknown key 'module' in [paths]");
	parse_fails("[service web]\nreload = x\ncert = /c\n", HC_E_USAGE,
		    "t.conf:3: unknown key 'cert' in [service web]");
}

static void
test_config_unknown_section_names_line(void **state)
{
	(void)state;
	parse_fails("[token]\nmodule = /m.so\n[polcy]\nmax-days = 30\n",
		    HC_E_USAGE, "t.conf:3: unknown section [polcy]");
	/* even without keys */
	parse_fails("[token]\n\n[tokens]\n", HC_E_USAGE,
		    "t.conf:3: unknown section [tokens]");
	parse_fails("[services web]\n", HC_E_USAGE,
		    "t.conf:1: unknown section [services web]");
	parse_fails("[service]\n", HC_E_USAGE,
		    "t.conf:1: [service] needs a name: [service NAME]");
}

static void
test_config_section_and_key_names_are_case_insensitive(void **state)
{
	struct hc_config cfg;

	(void)state;
	parse_ok("[Token]\nModule = /m.so\n[ POLICY ]\nMAX-DAYS = 30\n"
		 "[Service web]\nReload = r\n", &cfg);
	assert_string_equal(cfg.module, "/m.so");
	assert_int_equal(cfg.policy.max_days, 30);
	assert_non_null(hc_config_service(&cfg, "web"));
	hc_config_release(&cfg);
}

static void
test_config_empty_pin_source_is_usage(void **state)
{
	(void)state;
	parse_fails("[token]\npin-source =\n", HC_E_USAGE,
		    "t.conf:2: pin-source is empty");
	parse_fails("[token]\nlabel = t\npin-source =   ; nothing\n", HC_E_USAGE,
		    "t.conf:3: pin-source is empty");
}

static void
test_config_bad_pin_source_is_named(void **state)
{
	static const char *const bad[] = {
		"secret123", "env:", "file:", "fd:", "fd:x", "fd:-1",
		"fd:99999999999", "Prompt", "pass:abc", "env:A=B",
	};
	struct hc_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], want[256];

		snprintf(text, sizeof(text), "[token]\npin-source = %s\n",
			 bad[i]);
		/* the value is never quoted: it may be a PIN */
		snprintf(want, sizeof(want), "%s",
			 "t.conf:2: pin-source: unknown secret source (not env:VAR, file:PATH, fd:N or prompt); the value is not shown, it may be a secret");
		parse_fails(text, HC_E_USAGE, want);
	}
	parse_ok("[token]\npin-source = fd:3\n", &cfg);
	assert_string_equal(cfg.pin_source, "fd:3");
	hc_config_release(&cfg);
	parse_ok("[token]\npin-source = prompt\n", &cfg);
	assert_string_equal(cfg.pin_source, "prompt");
	hc_config_release(&cfg);
}

static void
test_config_resolves_relative_paths(void **state)
{
	struct hc_config cfg;

	(void)state;
	parse_ok("[token]\n"
		 "module = lib/softhsm2.so\n"
		 "pin-source = file:user.pin\n"
		 "softhsm2-conf = hsm/softhsm2.conf\n"
		 "[paths]\n"
		 "state-dir = state\n"
		 "trust-anchors = ../anchors.pem\n"
		 "[service smtp]\n"
		 "cert-file = out/smtp.pem\n"
		 "key-uri-file = /abs/smtp.uri\n"
		 "reload = bin/reload smtp\n", &cfg);
	assert_string_equal(cfg.module, "/etc/hc/lib/softhsm2.so");
	assert_string_equal(cfg.pin_source, "file:/etc/hc/user.pin");
	assert_string_equal(cfg.softhsm2_conf, "/etc/hc/hsm/softhsm2.conf");
	assert_string_equal(cfg.state_dir, "/etc/hc/state");
	/* the defaults follow state-dir */
	assert_string_equal(cfg.archive_dir, "/etc/hc/state/archive");
	assert_string_equal(cfg.audit_log, "/etc/hc/state/audit.log");
	assert_string_equal(cfg.trust_anchors, "/etc/hc/../anchors.pem");
	assert_string_equal(cfg.services[0].cert_file, "/etc/hc/out/smtp.pem");
	assert_string_equal(cfg.services[0].key_uri_file, "/abs/smtp.uri");
	/* a command is not a path */
	assert_string_equal(cfg.services[0].reload, "bin/reload smtp");
	hc_config_release(&cfg);

	/* a bare module name is for the dynamic loader; absolute stays */
	parse_ok("[token]\nmodule = libsofthsm2.so\npin-source = file:/p\n"
		 "[paths]\narchive-dir = arch\naudit-log = /log/a.log\n", &cfg);
	assert_string_equal(cfg.module, "libsofthsm2.so");
	assert_string_equal(cfg.pin_source, "file:/p");
	assert_string_equal(cfg.state_dir, "/var/lib/hsmcert");
	assert_string_equal(cfg.archive_dir, "/etc/hc/arch");
	assert_string_equal(cfg.audit_log, "/log/a.log");
	hc_config_release(&cfg);
}

static void
test_config_parse_without_base_dir_keeps_relative_paths(void **state)
{
	struct hc_config cfg;
	hc_err err = { 0 };

	(void)state;
	hc_config_init(&cfg);
	assert_int_equal(hc_config_parse("[paths]\nstate-dir = st/\n", NULL,
					 NULL, &cfg, &err), 0);
	assert_string_equal(cfg.state_dir, "st/");
	assert_string_equal(cfg.archive_dir, "st/archive");
	hc_config_release(&cfg);

	/* origin NULL still names the line */
	assert_int_equal(hc_config_parse("[x]\n", NULL, NULL, &cfg, &err), -1);
	assert_string_equal(err.msg, "<config>:1: unknown section [x]");
}

static void
test_config_load_resolves_against_config_dir(void **state)
{
	const char *dir = *state;
	char old_cwd[4096], cwd[4096], sub[4096], want[8192];
	struct hc_config cfg;
	hc_err err = { 0 };
	static const char text[] =
		"[token]\nsofthsm2-conf = softhsm2.conf\n"
		"[paths]\nstate-dir = state\n";

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(sub, "h.conf", text, strlen(text));

	/* an absolute configuration path */
	snprintf(sub, sizeof(sub), "%s/sub/h.conf", dir);
	hc_config_init(&cfg);
	assert_int_equal(hc_config_load(sub, &cfg, &err), 0);
	assert_string_equal(cfg.path, sub);
	snprintf(want, sizeof(want), "%s/sub/state", dir);
	assert_string_equal(cfg.state_dir, want);
	snprintf(want, sizeof(want), "%s/sub/softhsm2.conf", dir);
	assert_string_equal(cfg.softhsm2_conf, want);

	/* a relative one, loaded over the previous configuration: the
	 * paths become absolute and valgrind sees no leak */
	assert_non_null(getcwd(old_cwd, sizeof(old_cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	if (hc_config_load("sub/h.conf", &cfg, &err) != 0) {
		assert_int_equal(chdir(old_cwd), 0);
		fail_msg("load failed: %s", err.msg);
	}
	assert_int_equal(chdir(old_cwd), 0);
	assert_string_equal(cfg.path, "sub/h.conf");
	snprintf(want, sizeof(want), "%s/sub/state", cwd);
	assert_string_equal(cfg.state_dir, want);
	snprintf(want, sizeof(want), "%s/sub/state/audit.log", cwd);
	assert_string_equal(cfg.audit_log, want);
	hc_config_release(&cfg);
}

static void
test_config_bad_bool_names_key_and_line(void **state)
{
	(void)state;
	parse_fails("[policy]\nmax-days = 30\nallow-export = maybe\n",
		    HC_E_USAGE,
		    "t.conf:3: allow-export: 'maybe' is not a boolean (use true or false)");
}

static void
test_config_policy_errors_name_line(void **state)
{
	(void)state;
	parse_fails("[policy]\n\nmin-rsa-bits = abc\n", HC_E_USAGE,
		    "t.conf:3: min-rsa-bits: 'abc' is not a number");
	parse_fails("[policy]\nkey-types = rsa:2048, dsa:1024\n", HC_E_USAGE,
		    "t.conf:2: key-types: invalid key 'dsa:1024': use rsa:BITS or ec:p256|p384");
	parse_fails("[policy]\ndigest = md5\n", HC_E_USAGE,
		    "t.conf:2: digest: 'md5' is not a digest (use sha256, sha384 or sha512)");
	/* a '#' after a value is part of it (only " ;" starts a comment) */
	parse_fails("[policy]\nmax-days = 825 # two years\n", HC_E_USAGE,
		    "t.conf:2: max-days: '825 # two years' is not a number");
}

static void
test_config_duplicate_service_is_refused(void **state)
{
	(void)state;
	parse_fails("[service web]\nreload = a\n[service db]\n[service web]\n",
		    HC_E_USAGE,
		    "t.conf:4: duplicate section [service web] (first at line 1)");
	/* iis is https */
	parse_fails("[service https]\n\n[service iis]\n", HC_E_USAGE,
		    "t.conf:3: duplicate section [service iis] (first at line 1; iis and https are the same service)");
	parse_fails("[service iis]\n[service https]\n", HC_E_USAGE,
		    "t.conf:2: duplicate section [service https] (first at line 1; iis and https are the same service)");
}

static void
test_config_duplicate_key_and_section_are_refused(void **state)
{
	(void)state;
	parse_fails("[token]\nlabel = a\nLabel = b\n", HC_E_USAGE,
		    "t.conf:3: duplicate key 'Label' in [token]");
	parse_fails("[policy]\nmax-days = 1\nmax-days = 2\n", HC_E_USAGE,
		    "t.conf:3: duplicate key 'max-days' in [policy]");
	parse_fails("[token]\nlabel = a\n[paths]\n[token]\nmodule = /m\n",
		    HC_E_USAGE,
		    "t.conf:4: duplicate section [token] (first at line 1)");
}

static void
test_config_invalid_service_name(void **state)
{
	(void)state;
	parse_fails("[service Web]\n", HC_E_USAGE,
		    "t.conf:1: invalid service name 'Web': use 1 to 32 of a-z, 0-9, '_' and '-'");
	parse_fails("[service a b]\n", HC_E_USAGE,
		    "t.conf:1: invalid service name 'a b': use 1 to 32 of a-z, 0-9, '_' and '-'");
	parse_fails("[service abcdefghijklmnopqrstuvwxyz0123456]\n", HC_E_USAGE,
		    "t.conf:1: invalid service name 'abcdefghijklmnopqrstuvwxyz0123456': use 1 to 32 of a-z, 0-9, '_' and '-'");
}

static void
test_config_service_lookup(void **state)
{
	struct hc_config cfg;
	const struct hc_service_conf *s;

	(void)state;
	parse_ok("[service iis]\ncert-file = /w.pem\n"
		 "[service abcdefghijklmnopqrstuvwxyz012345]\n"
		 "[service  custom ]\n", &cfg);
	assert_int_equal(cfg.nservices, 3);
	/* stored under its canonical name, found by both */
	s = hc_config_service(&cfg, "https");
	assert_non_null(s);
	assert_string_equal(s->name, "https");
	assert_ptr_equal(hc_config_service(&cfg, "iis"), s);
	assert_ptr_equal(hc_config_service(&cfg, "HTTPS"), s);
	/* a section without keys still defines the service */
	s = hc_config_service(&cfg, "custom");
	assert_non_null(s);
	assert_null(s->cert_file);
	assert_null(s->reload);
	assert_non_null(hc_config_service(&cfg,
					  "abcdefghijklmnopqrstuvwxyz012345"));
	assert_null(hc_config_service(&cfg, "smtp"));
	assert_null(hc_config_service(&cfg, NULL));
	assert_null(hc_config_service(NULL, "https"));
	hc_config_release(&cfg);
}

static void
test_config_accepted_domains_are_trimmed(void **state)
{
	struct hc_config cfg;

	(void)state;
	parse_ok("[names]\naccepted-domains =  contoso.com ,tailspintoys.ca,,"
		 "\t fabrikam.com\t, \n", &cfg);
	assert_int_equal(cfg.accepted_domains.n, 3);
	assert_string_equal(cfg.accepted_domains.v[0], "contoso.com");
	assert_string_equal(cfg.accepted_domains.v[1], "tailspintoys.ca");
	assert_string_equal(cfg.accepted_domains.v[2], "fabrikam.com");
	hc_config_release(&cfg);

	/* an empty list is allowed */
	parse_ok("[names]\naccepted-domains =\n", &cfg);
	assert_int_equal(cfg.accepted_domains.n, 0);
	hc_config_release(&cfg);
}

static void
test_config_missing_file_message(void **state)
{
	const char *dir = *state;
	char path[4096], want[8192];
	struct hc_config cfg;
	hc_err err = { 0 };

	snprintf(path, sizeof(path), "%s/none.conf", dir);
	hc_config_init(&cfg);
	assert_int_equal(hc_config_load(path, &cfg, &err), -1);
	snprintf(want, sizeof(want),
		 "cannot read configuration %s: No such file or directory",
		 path);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_string_equal(err.msg, want);
	assert_null(cfg.module);
	hc_config_release(&cfg);

	/* a directory is no configuration either */
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_config_load(dir, &cfg, &err), -1);
	snprintf(want, sizeof(want), "cannot read configuration %s: Is a directory",
		 dir);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_string_equal(err.msg, want);
}

static void
test_config_binary_file_is_refused(void **state)
{
	const char *dir = *state;
	char path[4096];
	struct hc_config cfg;
	hc_err err = { 0 };

	write_file(dir, "bin.conf", "[token]\n\0label = x\n", 19);
	snprintf(path, sizeof(path), "%s/bin.conf", dir);
	hc_config_init(&cfg);
	assert_int_equal(hc_config_load(path, &cfg, &err), -1);
	assert_err(&err, HC_E_USAGE, "it holds a NUL byte");
	assert_err(&err, HC_E_USAGE, path);
}

static void
test_config_large_file_is_refused(void **state)
{
	const char *dir = *state;
	size_t n = 1024 * 1024 + 1;
	char path[4096], want[8192], *big = malloc(n);
	struct hc_config cfg;
	hc_err err = { 0 };

	assert_non_null(big);
	memset(big, '\n', n);
	big[0] = '#';
	write_file(dir, "big.conf", big, n);
	free(big);
	snprintf(path, sizeof(path), "%s/big.conf", dir);
	hc_config_init(&cfg);
	assert_int_equal(hc_config_load(path, &cfg, &err), -1);
	snprintf(want, sizeof(want),
		 "cannot read configuration %s: larger than 1 MiB", path);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_string_equal(err.msg, want);
	assert_null(cfg.module);
}

/* The corners of libinih's syntax, which the parser keeps. */
static void
test_config_libinih_corners(void **state)
{
	struct hc_config cfg;

	(void)state;
	/* ':' separates too; text after ']' is ignored; ';' without a
	 * space before it is part of the value */
	parse_ok("[token] trailing\nlabel: a;b\nmodule=x ;c\n", &cfg);
	assert_string_equal(cfg.label, "a;b");
	assert_string_equal(cfg.module, "x");
	hc_config_release(&cfg);
	parse_fails("[token ;c]\n", HC_E_USAGE,
		    "t.conf:1: syntax error: expected [section] or key = value");
	parse_fails("[token]\nlabel ;c = x\n", HC_E_USAGE,
		    "t.conf:2: syntax error: expected [section] or key = value");
	parse_fails("[token]\n= x\n", HC_E_USAGE,
		    "t.conf:2: unknown key '' in [token]");
	/* an indented section line after a key continues the value */
	parse_fails("[token]\nlabel = x\n  [paths]\n", HC_E_USAGE,
		    "t.conf:3: indented line continues the value of 'label': multi-line values are not supported");
	/* but not right after the section line */
	parse_ok("[token]\n  label = x\n", &cfg);
	assert_string_equal(cfg.label, "x");
	hc_config_release(&cfg);
}

static void
test_config_syntax_errors_name_line(void **state)
{
	(void)state;
	parse_fails("[token]\nmodule /m.so\n", HC_E_USAGE,
		    "t.conf:2: syntax error: expected [section] or key = value");
	parse_fails("\n\n[token\nmodule = /m.so\n", HC_E_USAGE,
		    "t.conf:3: syntax error: expected [section] or key = value");
	/* the first error wins, though libinih reads on */
	parse_fails("[token]\njunk\n[policy]\ncolour = red\n", HC_E_USAGE,
		    "t.conf:2: syntax error: expected [section] or key = value");
	parse_fails("[policy]\ncolour = red\njunk\n", HC_E_USAGE,
		    "t.conf:2: unknown key 'colour' in [policy]");
}

static void
test_config_key_outside_section(void **state)
{
	(void)state;
	parse_fails("# top\nmodule = /m.so\n[token]\n", HC_E_USAGE,
		    "t.conf:2: key 'module' is outside any section");
}

static void
test_config_long_line_is_refused(void **state)
{
	struct hc_config cfg;
	char text[1024];
	int n;

	(void)state;
	/* 197 characters fit */
	n = snprintf(text, sizeof(text), "[token]\nlabel = %0*d\n", 189, 0);
	assert_true(n > 0);
	parse_ok(text, &cfg);
	assert_int_equal(strlen(cfg.label), 189);
	hc_config_release(&cfg);

	/* 198 do not: refused, never cut into two lines */
	snprintf(text, sizeof(text), "[token]\nlabel = %0*d\n[paths]\n", 190, 0);
	parse_fails(text, HC_E_USAGE,
		    "t.conf:2: line is longer than 197 characters");

	/* a long comment is harmless */
	snprintf(text, sizeof(text),
		 "[token]\n# %0*d\n ; %0*d\nlabel = x\n", 500, 0, 300, 0);
	parse_ok(text, &cfg);
	assert_string_equal(cfg.label, "x");
	hc_config_release(&cfg);
}

static void
test_config_continuation_line_is_refused(void **state)
{
	struct hc_config cfg;

	(void)state;
	parse_fails("[service web]\nreload = /bin/reload\n  --now\n", HC_E_USAGE,
		    "t.conf:3: indented line continues the value of 'reload': multi-line values are not supported");
	/* an indented key right after its section line is just a key */
	parse_ok("[token]\n    label = x\n", &cfg);
	assert_string_equal(cfg.label, "x");
	hc_config_release(&cfg);
	/* an indented line after a key would be swallowed by libinih */
	parse_fails("[token]\nlabel = x\n    module = /m.so\n", HC_E_USAGE,
		    "t.conf:3: indented line continues the value of 'label': multi-line values are not supported");
	parse_fails("[token]\nlabel = x\n  [paths]\n", HC_E_USAGE,
		    "t.conf:3: indented line continues the value of 'label': multi-line values are not supported");
}

static void
test_config_empty_value_is_refused(void **state)
{
	(void)state;
	parse_fails("[token]\nmodule =\n", HC_E_USAGE,
		    "t.conf:2: module is empty");
	parse_fails("[paths]\nstate-dir = ;\n", HC_E_USAGE,
		    "t.conf:2: state-dir is empty");
	parse_fails("[policy]\nkey-types =\n", HC_E_USAGE,
		    "t.conf:2: key-types is empty");
	parse_fails("[service x]\nreload =\n", HC_E_USAGE,
		    "t.conf:2: reload is empty");
}

static void
test_config_bom_crlf_and_comments(void **state)
{
	struct hc_config cfg;

	(void)state;
	parse_ok("\xef\xbb\xbf[token]\r\n"
		 "; semicolon comment\r\n"
		 "  # indented comment\r\n"
		 "label = my token ; inline comment\r\n"
		 "module=/m.so\r\n"
		 "[policy]\r\n"
		 "max-days: 90\r\n", &cfg);
	assert_string_equal(cfg.label, "my token");
	assert_string_equal(cfg.module, "/m.so");
	assert_int_equal(cfg.policy.max_days, 90);
	hc_config_release(&cfg);
}

static void
test_config_host_name_from_section(void **state)
{
	struct hc_config cfg;

	(void)state;
	parse_ok("[host]\nname = web-01.dmz_a\n", &cfg);
	assert_string_equal(cfg.host, "web-01.dmz_a");
	hc_config_release(&cfg);
}

static void
test_config_host_name_defaults_to_short_hostname(void **state)
{
	struct hc_config cfg;
	char h[256];

	(void)state;
	assert_int_equal(gethostname(h, sizeof(h)), 0);
	h[sizeof(h) - 1] = '\0';
	h[strcspn(h, ".")] = '\0';
	parse_ok("[paths]\nstate-dir = /var/lib/x\n", &cfg);
	assert_string_equal(cfg.host, h);
	hc_config_release(&cfg);
}

static void
test_config_host_name_bad_is_usage(void **state)
{
	(void)state;
	parse_fails("[host]\nname = web 01\n", HC_E_USAGE,
		    "t.conf:2: host name 'web 01' is not 1-64 letters, digits, '.', '-' or '_'");
	parse_fails("[host]\nname = a/b\n", HC_E_USAGE,
		    "t.conf:2: host name 'a/b' is not 1-64 letters, digits, '.', '-' or '_'");
	parse_fails("[host]\nname = x\ncolour = blue\n", HC_E_USAGE,
		    "t.conf:3: unknown key 'colour' in [host]");
}

static void
test_host_name_valid_bounds(void **state)
{
	char s[80];

	(void)state;
	memset(s, 'a', sizeof(s));
	s[64] = '\0';
	assert_int_equal(hc_host_name_valid(s), 1);
	s[64] = 'a';
	s[65] = '\0';
	assert_int_equal(hc_host_name_valid(s), 0);
	assert_int_equal(hc_host_name_valid(""), 0);
	assert_int_equal(hc_host_name_valid("host=x"), 0);
}

static void
test_config_release_is_null_safe(void **state)
{
	struct hc_config cfg;

	(void)state;
	hc_config_release(NULL);
	memset(&cfg, 0, sizeof(cfg));
	hc_config_release(&cfg);
	hc_config_init(&cfg);
	hc_config_release(&cfg);
	hc_config_release(&cfg);
}

/* conf/hsmcert.conf.example, found from this file's path */
static char *
example_path(void)
{
	const char *me = __FILE__, *tail = "tests/unit/test_config.c";
	size_t n = strlen(me), tn = strlen(tail);
	char *p;

	assert_true(n >= tn && strcmp(me + n - tn, tail) == 0);
	p = malloc(n - tn + sizeof("conf/hsmcert.conf.example"));
	assert_non_null(p);
	memcpy(p, me, n - tn);
	memcpy(p + n - tn, "conf/hsmcert.conf.example",
	       sizeof("conf/hsmcert.conf.example"));
	return p;
}

static void
test_config_example_file_is_valid(void **state)
{
	const char *dir = *state;
	char *path = example_path(), *line, *next, *text = NULL, *out;
	char tmp[4096];
	size_t cap = 1 << 16, len;
	struct hc_config cfg;
	struct hc_policy p;
	hc_err err = { 0 };
	FILE *f;

	/* as shipped: everything commented out, so the defaults */
	hc_config_init(&cfg);
	if (hc_config_load(path, &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	hc_policy_init(&p);
	assert_memory_equal(&cfg.policy, &p, sizeof(p));
	assert_int_equal(cfg.nservices, 0);

	/* every "# key = value" and "# [section]" line uncommented: the
	 * documented defaults must be the real ones */
	f = fopen(path, "r");
	assert_non_null(f);
	text = calloc(1, cap);
	out = calloc(1, cap);
	assert_non_null(text);
	assert_non_null(out);
	len = fread(text, 1, cap - 1, f);
	assert_true(len > 0 && len < cap - 1);
	fclose(f);
	for (line = text; *line != '\0'; line = next) {
		const char *body = line;

		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		if (strncmp(line, "# ", 2) == 0) {
			const char *k = line + 2;

			while ((*k >= 'a' && *k <= 'z') || *k == '-' ||
			       (*k >= '0' && *k <= '9'))
				k++;
			if ((line[2] == '[' && next[-1] == '\n' &&
			     next[-2] == ']') ||
			    (k > line + 2 && strncmp(k, " = ", 3) == 0))
				body = line + 2;
		}
		strncat(out, body, (size_t)(next - body));
	}
	write_file(dir, "full.conf", out, strlen(out));
	snprintf(tmp, sizeof(tmp), "%s/full.conf", dir);
	if (hc_config_load(tmp, &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_memory_equal(&cfg.policy, &p, sizeof(p));
	assert_string_equal(cfg.module, HC_CONFIG_DEFAULT_MODULE);
	assert_string_equal(cfg.state_dir, HC_CONFIG_DEFAULT_STATE_DIR);
	assert_string_equal(cfg.archive_dir, "/var/lib/hsmcert/archive");
	assert_string_equal(cfg.audit_log, "/var/lib/hsmcert/audit.log");
	assert_string_equal(cfg.pin_source, "prompt");
	assert_non_null(cfg.label);
	assert_non_null(cfg.softhsm2_conf);
	assert_non_null(cfg.trust_anchors);
	assert_int_equal(cfg.accepted_domains.n, 2);
	assert_int_equal(cfg.nservices, 2);
	assert_non_null(hc_config_service(&cfg, "https"));
	assert_non_null(hc_config_service(&cfg, "smtp")->reload);
	hc_config_release(&cfg);
	free(text);
	free(out);
	free(path);
}

static void
test_config_check_secret_source(void **state)
{
	static const char *const ok[] = {
		"prompt", "env:HSM_PIN", "file:/etc/pin", "file:rel", "fd:0",
		"fd:2147483647",
	};
	hc_err err = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(hc_config_check_secret_source("--password-source",
							       ok[i], &err), 0);
	assert_int_equal(err.code, HC_OK);
	assert_int_equal(hc_config_check_secret_source("--password-source",
						       "fd:2147483648", &err),
			 -1);
	assert_string_equal(err.msg, "--password-source: unknown secret source (not env:VAR, file:PATH, fd:N or prompt); the value is not shown, it may be a secret");
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_config_check_secret_source("--pin-source", "", &err),
			 -1);
	assert_string_equal(err.msg, "--pin-source is empty");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_parses_full_example),
		cmocka_unit_test(test_config_unknown_key_names_line),
		cmocka_unit_test(test_config_unknown_section_names_line),
		cmocka_unit_test(test_config_section_and_key_names_are_case_insensitive),
		cmocka_unit_test(test_config_empty_pin_source_is_usage),
		cmocka_unit_test(test_config_bad_pin_source_is_named),
		cmocka_unit_test(test_config_resolves_relative_paths),
		cmocka_unit_test(test_config_parse_without_base_dir_keeps_relative_paths),
		cmocka_unit_test_setup_teardown(test_config_load_resolves_against_config_dir,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_config_bad_bool_names_key_and_line),
		cmocka_unit_test(test_config_policy_errors_name_line),
		cmocka_unit_test(test_config_duplicate_service_is_refused),
		cmocka_unit_test(test_config_duplicate_key_and_section_are_refused),
		cmocka_unit_test(test_config_invalid_service_name),
		cmocka_unit_test(test_config_service_lookup),
		cmocka_unit_test(test_config_accepted_domains_are_trimmed),
		cmocka_unit_test_setup_teardown(test_config_missing_file_message,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_config_binary_file_is_refused,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_config_large_file_is_refused,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_config_libinih_corners),
		cmocka_unit_test(test_config_syntax_errors_name_line),
		cmocka_unit_test(test_config_key_outside_section),
		cmocka_unit_test(test_config_long_line_is_refused),
		cmocka_unit_test(test_config_continuation_line_is_refused),
		cmocka_unit_test(test_config_empty_value_is_refused),
		cmocka_unit_test(test_config_bom_crlf_and_comments),
		cmocka_unit_test(test_config_release_is_null_safe),
		cmocka_unit_test(test_config_host_name_from_section),
		cmocka_unit_test(test_config_host_name_defaults_to_short_hostname),
		cmocka_unit_test(test_config_host_name_bad_is_usage),
		cmocka_unit_test(test_host_name_valid_bounds),
		cmocka_unit_test_setup_teardown(test_config_example_file_is_valid,
						tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_config_check_secret_source),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
