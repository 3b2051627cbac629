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

/** The first line of a log started again by audit reset (SPEC section 10). */
#define HC_AUDIT_RESET_CMD "audit-reset"

/** Where the log's end stands against this host's head on the token. */
enum hc_audit_fit {
	/* it holds the head's line, or there is no head */
	HC_AUDIT_FITS,
	/* it ends before the head: truncated or deleted */
	HC_AUDIT_BEHIND,
	/* it lacks the head's line or has another there */
	HC_AUDIT_REPLACED,
	HC_AUDIT_DAMAGED,	/* its last complete line does not parse */
};

/** The log's end and the head, as hc_audit_locate found them. */
struct hc_audit_pos {
	enum hc_audit_fit fit;
	int exists;			/* the log file is there */
	unsigned long long last_seq;	/* last complete line; 0 when none */
	char last_hash[65];
	unsigned long long head_seq;	/* this host's head; 0 when none */
	char head_hash[65];
	char damage[300];		/* HC_AUDIT_DAMAGED: what is wrong */
};

/**
 * Compare the log's last complete line with HOST's head on the token,
 * under the log's lock, changing nothing. The log and its lock are opened
 * without following links and must be regular files (else HC_E_FAIL
 * naming the path). Returns 0 with *pos filled, or -1 (I/O, token).
 */
int hc_audit_locate(const char *path, struct hc_token *tok, const char *host,
		    struct hc_audit_pos *pos, hc_err *err);

/**
 * The refusal for a log that does not fit (pos->fit != HC_AUDIT_FITS):
 * HC_E_VERIFY naming both sequence numbers and audit reset. Returns -1.
 */
int hc_audit_refuse(const char *path, const struct hc_audit_pos *pos,
		    hc_err *err);

/**
 * Append a record under the log's lock and move the head on the token to
 * it (tok may be NULL when the token cannot be reached: the line is still
 * written and verify reports the head as behind). A log that does not hold
 * the head's line is not written to and the head is not moved
 * (HC_E_VERIFY, see hc_audit_refuse). Returns 0 or -1.
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

/**
 * Start the log again (audit reset): under the lock, when the log does
 * not fit the head (else HC_E_USAGE: nothing to reset), the old file is
 * kept as PATH.<UTC time>.damaged, a new log is made whose first line,
 * HC_AUDIT_RESET_CMD at the head's seq + 1 with prev = the head's hash,
 * names the gap (target "seq A-B", detail in words), and the head is
 * moved to it. *was is what was found; kept gets the old log's new name
 * ("" when there was no file). Returns 0 or -1.
 */
int hc_audit_restart(const char *path, struct hc_token *tok, const char *host,
		     struct hc_audit_pos *was, char *kept, size_t keptlen,
		     hc_err *err);

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
	/* the log starts with an audit-reset line (0: it starts at seq 1) */
	unsigned long long reset_seq;
	unsigned long long gap_from, gap_to;	/* seqs lost; 0 when none */
	char reset_time[32];
	char reset_user[128];
	char reset_detail[1024];
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
