/* audit_int.h - what the audit_*.c files share (internal to them only)
 *
 * The audit log is split by concern (src/core/audit.h is its interface):
 *   audit_line.c    the line: format, parse and hash
 *   audit_head.c    the head kept on the token, one per host
 *   audit_log.c     the log file: lock, open, locate, append
 *   audit_reset.c   starting the log again (audit reset)
 *   audit_verify.c  verifying the chain against the head
 */
#ifndef HC_CORE_AUDIT_INT_H
#define HC_CORE_AUDIT_INT_H

#include <stddef.h>

#include "core/audit.h"

/** The prev of a first line, and the hash of no head: 64 zeros. */
extern const char hc_audit_zero_hash[65];

/** Whether s starts with 64 lowercase hex digits. */
int hc_audit_line_hex64(const char *s);

/** Free what hc_audit_parse_line put in l (not l itself). */
void hc_audit_line_free(hc_audit_record *l);

/**
 * The line for seq after prev, newline included, in *out (the caller
 * frees it), and its hash. Returns 0 or -1.
 */
int hc_audit_line_make(unsigned long long seq, const char *host,
		       const char *command, const char *target,
		       const char *result, const char *detail,
		       const char *prev, char **out, size_t *outlen,
		       char hash[65], hc_err *err);

/**
 * Move HOST's head on the token to seq and hash (only ever forward:
 * HC_E_VERIFY otherwise). Returns 0 or -1.
 */
int hc_audit_head_set(struct hc_token *tok, const char *host,
		      unsigned long long seq, const char *hash, hc_err *err);

/**
 * Open a state file without following a link; it must be a regular file.
 * Returns the descriptor, or -1 with err set; with missing given, a file
 * that is not there is -1 with *missing = 1 and err untouched.
 */
int hc_audit_log_open(const char *path, int flags, int *missing,
		      hc_err *err);

/** Take the log's lock, PATH.lock (made with its directory when needed). */
int hc_audit_log_lock(const char *path, int *lockfd, hc_err *err);

/** The whole file from offset 0 (the caller frees *buf). */
int hc_audit_log_read(int fd, const char *path, unsigned char **buf,
		      size_t *len, hc_err *err);

/**
 * Where the log (fd, or -1 when there is none) stands against HOST's head,
 * the lock held; *partial is the length of an incomplete last line. With
 * head_err, a head that cannot be read is put there and not a failure.
 */
int hc_audit_log_locate_fd(int fd, const char *path, struct hc_token *tok,
			   const char *host, long *partial,
			   struct hc_audit_pos *pos, hc_err *head_err,
			   hc_err *err);

#endif
