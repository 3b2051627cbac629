/* audit.h - the hash-chained audit log and its anchor on the token (internal)
 *
 * One JSON line per change or denied action:
 *   {"seq":N,"time":"...","user":"...","host":"...","command":"...",
 *    "target":"...","result":"ok|denied|error","detail":"...",
 *    "prev":"<hash of line N-1>","hash":"<sha256>"}
 * hash is the lowercase hex SHA-256 of the line's exact bytes with the final
 * ,"hash":"..." member removed (the text then ends with '}'); prev of the
 * first line is 64 zeros. The newest seq and hash are also kept on the
 * token in the label of a data object (CKA_APPLICATION "hsmcert-audit").
 */
#ifndef HC_CORE_AUDIT_H
#define HC_CORE_AUDIT_H

#include <stddef.h>

#include "hsmcert.h"
#include "core/token.h"

#define HC_AUDIT_APP "hsmcert-audit"

/** One record to append. */
struct hc_audit_rec {
	const char *command;
	const char *target;	/* may be NULL */
	const char *result;	/* "ok", "denied", "error" */
	const char *detail;	/* may be NULL; never a secret */
};

/**
 * Append a record under the log's lock and move the head on the token to
 * it (tok may be NULL when the token cannot be reached: the line is still
 * written and verify reports the head as behind). Returns 0 or -1.
 */
int hc_audit_append(const char *path, struct hc_token *tok, const char *host,
		    const struct hc_audit_rec *rec, hc_err *err);

/**
 * HOST's head kept on the token (each host sharing a token has its own
 * log, so its own head): 0 with seq 0 when there is none.
 */
int hc_audit_head(struct hc_token *tok, const char *host,
		  unsigned long long *seq,
		  char hash[65], hc_err *err);

/** The outcome of verifying the chain. */
struct hc_audit_check {
	int ok;
	size_t lines;
	unsigned long long last_seq;
	char last_hash[65];
	unsigned long long head_seq;	/* on the token; 0 when none */
	char head_hash[65];
	size_t bad_line;		/* 1-based line number, 0 when ok */
	char problem[400];
};

/**
 * Read and check the log: every line's hash, the seq sequence and the prev
 * links, and the head on the token (tok may be NULL: not checked). Lines
 * are returned in *lines when it is not NULL. Returns 0 (see check->ok),
 * or -1 when the file cannot be read at all.
 */
int hc_audit_verify(const char *path, struct hc_token *tok, const char *host,
		    struct hc_audit_check *check, hc_audit_records *lines,
		    hc_err *err);

/**
 * Check one line's own hash and parse it (for the fuzzer and verify).
 * Returns 0 with *out filled (caller releases), or -1 naming the problem.
 */
int hc_audit_parse_line(const char *line, size_t len,
			hc_audit_record *out, char hash[65],
			char prev[65], hc_err *err);

#endif
