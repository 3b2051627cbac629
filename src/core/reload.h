/* reload.h - running a service's reload command (internal) */
#ifndef HC_CORE_RELOAD_H
#define HC_CORE_RELOAD_H

#include "hsmcert.h"
#include "core/util.h"

/**
 * Split a reload command into words: white space separates, double quotes
 * group (no other shell syntax). HC_E_USAGE for an unterminated quote.
 */
int hc_reload_split(const char *cmd, struct hc_strlist *argv, hc_err *err);

/** The time limit of a reload command, in seconds (SPEC 1 enable). */
#define HC_RELOAD_TIMEOUT 60

/**
 * The time limit of a reload: HC_RELOAD_TIMEOUT. For the tests only, the
 * environment variable HSMCERT_TEST_RELOAD_TIMEOUT (1 to 60) shortens it;
 * it can never lengthen it.
 */
int hc_reload_timeout(void);

/** What a reload command is told (NULL: not known, the variable is unset). */
struct hc_reload_info {
	const char *service;		/**< HSMCERT_SERVICE */
	const char *thumbprint;		/**< HSMCERT_THUMBPRINT */
	const char *cert_file;		/**< HSMCERT_CERT_FILE */
	const char *key_uri;		/**< HSMCERT_KEY_URI */
};

/**
 * Run a reload command (posix_spawn, argv, no shell) with a time limit.
 * Its environment is PATH, LANG and LC_* from ours and the four
 * HSMCERT_* variables of info, nothing else; stdin is /dev/null, stdout
 * and stderr are captured. It runs in its own process group, which is
 * killed whole (SIGKILL) at the time limit. Returns 0 when it exited 0;
 * else -1 with HC_E_FAIL and its output in the message.
 */
int hc_reload_run(const struct hc_reload_info *info, const char *cmd,
		  int timeout_s, hc_err *err);

#endif
