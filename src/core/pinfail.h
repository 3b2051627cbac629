/* pinfail.h - this host's record of wrong PINs, per token (internal)
 *
 * SPEC section 10, PIN lockout guard: after a wrong PIN, hsmcert records
 * the token's serial, the time and the pin-source's name (never the PIN) in
 * <state-dir>/pin-failures/<serial>; until a login to that token succeeds,
 * a run whose PIN comes from a source named there (other than prompt)
 * refuses before C_Login unless --pin-retry is given. A timer with a stale
 * PIN file so costs the token one try, not all of them.
 *
 * The record is keyed by the token's serial number: a token initialised
 * anew with a new serial (SoftHSM2's --init-token --free) has no record,
 * and the old one is never matched again; a token initialised in place
 * keeps its serial (SoftHSM2, most smart cards) and its record, which the
 * next successful login removes.
 */
#ifndef HC_CORE_PINFAIL_H
#define HC_CORE_PINFAIL_H

#include <stddef.h>

#include "hsmcert.h"
#include "core/token.h"

/** The sources a record keeps at most (the oldest one goes first). */
#define HC_PINFAIL_MAX 16

/** One source that gave a wrong PIN. */
struct hc_pinfail_entry {
	char *source;		/**< hc_pinfail_source_name form */
	char time[21];		/**< the last wrong PIN, RFC 3339 UTC */
	/** wrong PINs from it since the record began */
	long count;
};

/** A token's record. Zero-initialise; release with hc_pinfail_release. */
struct hc_pinfail {
	struct hc_pinfail_entry v[HC_PINFAIL_MAX];
	size_t n;
};

/** Free the entries' strings; the record is left empty. NULL-safe. */
void hc_pinfail_release(struct hc_pinfail *r);

/**
 * The name a record keeps for a pin-source: NULL (no source: the terminal)
 * is "prompt"; a file: source whose path resolves is made absolute
 * (realpath), so file:pin and file:./pin are one source; bytes that are
 * not printable ASCII, spaces and '%' are written %XX. Never reads the
 * secret. Returns a malloc'd string (caller frees) or NULL (HC_E_FAIL).
 */
char *hc_pinfail_source_name(const char *source, hc_err *err);

/** Is source typed by a human at a prompt (NULL or "prompt")? */
int hc_pinfail_is_prompt(const char *source);

/**
 * The record's path for this token: <state-dir>/pin-failures/<serial>
 * (the serial with every byte but letters, digits, '-' and '_' as %XX;
 * "label-<label>" for a token without a serial). malloc'd, or NULL
 * (HC_E_FAIL).
 */
char *hc_pinfail_path(const char *state_dir, const struct hc_token_info *ti,
		      hc_err *err);

/**
 * Read the token's record. Returns 1 with *out filled, 0 when there is
 * none, -1 with HC_E_FAIL naming the path when the record or its
 * directory is a symbolic link or not a regular file / directory, or is
 * damaged (never followed, never ignored: a record that cannot be read
 * does not let a login through).
 */
int hc_pinfail_read(const char *state_dir, const struct hc_token_info *ti,
		    struct hc_pinfail *out, hc_err *err);

/** The entry for source_name (hc_pinfail_source_name form), or NULL. */
const struct hc_pinfail_entry *
hc_pinfail_find(const struct hc_pinfail *r, const char *source_name);

/**
 * A wrong PIN came from source_name now: add it to the token's record (or
 * count it again), written atomically, mode 0600, the directory 0700,
 * never through a symbolic link. Returns 0 or -1 (HC_E_FAIL).
 */
int hc_pinfail_add(const char *state_dir, const struct hc_token_info *ti,
		   const char *source_name, hc_err *err);

/**
 * A login succeeded: remove the token's record. 0 when removed or there
 * was none, -1 (HC_E_FAIL) otherwise.
 */
int hc_pinfail_clear(const char *state_dir, const struct hc_token_info *ti,
		     hc_err *err);

#endif
