/* token_fixture.h - a fresh SoftHSM2 token per cmocka test (tests/token)
 *
 * setup makes a mkdtemp directory, runs hsm/mktoken.sh DIR t in it (token
 * "t", random PINs in DIR/user.pin and DIR/so.pin), exports SOFTHSM2_CONF,
 * writes DIR/hsmcert.conf and creates an hc_ctx on it whose secret callback
 * reads the configured pin-source (file:DIR/user.pin). Tests never see the
 * PIN as a literal. teardown frees the context and removes the directory.
 *
 * Include <stdarg.h> <stddef.h> <stdint.h> <setjmp.h> <cmocka.h> first.
 */
#ifndef HC_TESTS_TOKEN_FIXTURE_H
#define HC_TESTS_TOKEN_FIXTURE_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hsmcert.h"
#include "core/token.h"

#define FIXTURE_LABEL "t"
#define FIXTURE_MODULE "/usr/lib/softhsm/libsofthsm2.so"

/** What a test may change in the fixture before setup runs. */
struct fixture_opts {
	const char *policy;	/**< extra lines for [policy], or NULL */
	const char *paths;	/**< extra lines for [paths] (relative paths
				     are relative to DIR), or NULL */
	int wrong_pin;		/**< the callback hands out a wrong PIN */
};

struct fixture {
	char dir[512];		/**< the temporary directory */
	char conf[600];		/**< DIR/hsmcert.conf */
	char pin_file[600];	/**< DIR/user.pin */
	hc_ctx *ctx;		/**< on conf, secret callback installed */
	int wrong_pin;		/**< the callback's PIN is wrong */
	unsigned pin_asked;	/**< how often the callback was called */
	int populated;		/**< fixture_populate() ran */
};

/* cmocka setup / teardown: *state becomes a struct fixture *. */
int fixture_setup(void **state);
int fixture_setup_wrong_pin(void **state);
int fixture_setup_opts(void **state, const struct fixture_opts *opts);
int fixture_teardown(void **state);

/**
 * The right PIN, read from the pin file (first line), as a new hc_secret
 * (caller frees). With wrong set, a PIN of the same length that differs in
 * its last character. Fails the test when the file cannot be read.
 */
hc_secret *fixture_pin(struct fixture *fx, int wrong);

/**
 * The context's token, opened with hc_token_open and logged in with
 * hc_token_login and the file PIN when the context has none yet. It stays
 * owned by the context (freed by hc_ctx_free in teardown), so the test and
 * the library share one module instance: a second hc_token_free would
 * C_Finalize the module under the first. borrowed. Fails the test on error.
 */
struct hc_token *fixture_open_token(struct fixture *fx);

/** The same, logged in only when log_in is set (for the login tests). */
struct hc_token *fixture_token(struct fixture *fx, int log_in);

/**
 * A canonical text of every object on the token, one line per object,
 * sorted: class, hex CKA_ID, label, and the SHA-1 of CKA_VALUE for
 * certificates and data objects (with CKA_APPLICATION for those). The audit
 * head (a data object of application HC_AUDIT_APP) is left out: SPEC 5
 * excludes it from "token unchanged". Read with hc_token_find, logged in
 * with the file PIN: through the context's token when it is open, else
 * through a token opened and freed here (so a later login of the context
 * is not skipped). *out is malloc'd. Returns 0, or -1 with a message
 * printed.
 */
int fixture_snapshot(struct fixture *fx, char **out);

/**
 * Put bystanders on the token (an EC key pair "bystander", a certificate
 * with its id, a data object), so that "unchanged" compares more than an
 * empty token. Uses the token as fixture_snapshot does (no context login).
 */
void fixture_populate(struct fixture *fx);

/** Number of lines (objects) of a snapshot. */
size_t fixture_snapshot_count(const char *snap);

/** Write text to DIR/name; the full path into path. Fails the test. */
void fixture_write_file(struct fixture *fx, const char *name,
			const char *text, char *path, size_t len);

/**
 * A self-signed certificate CN=cn valid for days, of a fresh P-256 key made
 * by OpenSSL (not on the token). *key receives the key when key is not
 * NULL (caller frees). Fails the test on error.
 */
X509 *fixture_make_cert(const char *cn, long days, EVP_PKEY **key);

/** The same with basicConstraints CA:TRUE and keyUsage keyCertSign. */
X509 *fixture_make_ca(const char *cn, long days, EVP_PKEY **key);

/** Lowercase hex of buf into out (2 * len + 1 bytes). */
void fixture_hex(const unsigned char *buf, size_t len, char *out);

/** Is the warning containing sub among the context's warnings? */
int fixture_has_warning(const struct fixture *fx, const char *sub);

/* err holds code and a message containing sub. */
#define assert_err(e, c, sub)                                              \
	do {                                                               \
		if ((e)->code != (c))                                      \
			fail_msg("error code %d, expected %d: '%s'",       \
				 (e)->code, (c), (e)->msg);                \
		if (strstr((e)->msg, (sub)) == NULL)                       \
			fail_msg("'%s' not in '%s'", (sub), (e)->msg);     \
	} while (0)

/* The message holds sub. */
#define assert_msg_has(e, sub)                                             \
	do {                                                               \
		if (strstr((e)->msg, (sub)) == NULL)                       \
			fail_msg("'%s' not in '%s'", (sub), (e)->msg);     \
	} while (0)

/* The token holds exactly what the snapshot `before` saw; frees before. */
#define assert_token_unchanged(fx, before)                                 \
	do {                                                               \
		char *after_ = NULL;                                       \
		assert_int_equal(fixture_snapshot((fx), &after_), 0);      \
		assert_string_equal((before), after_);                     \
		free(after_);                                              \
		free(before);                                              \
		(before) = NULL;                                           \
	} while (0)

#endif
