/* secret.h - hc_secret internals and the secret sources (internal) */
#ifndef HC_CORE_SECRET_H
#define HC_CORE_SECRET_H

#include <stddef.h>

#include "hsmcert.h"

/**
 * What a reader of a file:, fd: or prompt source reads at most: the
 * longest secret and "\r\n". A first line that has not ended within this
 * is longer than HC_SECRET_MAX whatever follows.
 */
#define HC_SECRET_READ_MAX (HC_SECRET_MAX + 2)

/** Kinds of secret source (SPEC section 2). */
enum hc_secret_src {
	HC_SECRET_SRC_ENV,	/**< env:VAR */
	HC_SECRET_SRC_FILE,	/**< file:PATH, its first line */
	HC_SECRET_SRC_FD,	/**< fd:N, up to the first newline */
	HC_SECRET_SRC_PROMPT,	/**< prompt: the caller reads a terminal */
};

/**
 * Classify a secret source. On success *kind is set, *arg points into src
 * at the variable name or the path (NULL for fd: and prompt), *fd is the
 * descriptor of fd:N (else -1). Any out-param may be NULL.
 * Returns 0, or -1 with HC_E_USAGE "WHAT: unknown secret source (not
 * env:VAR, file:PATH, fd:N or prompt); the value is not shown, it may be a
 * secret" (also for an empty env:, file: or fd:, or "env:A=B"): the text of
 * src never appears in a message, because a PIN typed where the source
 * belongs would otherwise be printed. what may be NULL.
 */
int hc_secret_source_parse(const char *what, const char *src,
			   enum hc_secret_src *kind, const char **arg,
			   int *fd, hc_err *err);

/**
 * The secret in buf[0..len), as a file:, fd: or prompt source gives it:
 * its first line (up to the first '\n', else all of buf) without one
 * trailing '\r'. Only that line is used: what follows it is ignored. name
 * says where it came from in messages ("PIN for token 't': file:/x").
 * Returns 0 with *used = the secret's length (the secret is buf[0..*used)),
 * or -1 with HC_E_USAGE: "NAME contains a NUL byte ..." (anywhere in the
 * line: a C string would stop there and use less than was given), "NAME is
 * longer than 1024 bytes", "NAME gave an empty value". *used is written
 * only on success.
 */
int hc_secret_parse_line(const char *buf, size_t len, const char *name,
			 size_t *used, hc_err *err);

/**
 * Read bytes from fd one at a time up to and including the first '\n',
 * until end of file, or until cap bytes are read, so that nothing after
 * the line is consumed (a pipe or terminal may carry more). EINTR is
 * retried. Returns 0 with *len bytes in buf (not terminated), or -1 with
 * errno set; buf may hold part of a secret either way: wipe it.
 */
int hc_secret_read_line(int fd, char *buf, size_t cap, size_t *len);

/*
 * hc_secret_from_source() (include/hsmcert.h), in detail:
 *  - env:VAR: the whole value. Once read the variable is removed from the
 *    environment (unsetenv), so no child process inherits it; where its
 *    bytes lie in the process's initial environment block (the memory
 *    /proc/PID/environ shows, found through /proc/self/stat) they are
 *    overwritten with NUL bytes first. A value elsewhere (set by setenv or
 *    putenv in this process) belongs to the C library or the caller and is
 *    only removed, never written to.
 *  - file:PATH: opened (symbolic links are followed, as OpenSSH does) and
 *    checked with fstat on the opened descriptor before anything is read:
 *    any permission for group or others (mode & 077), or an owner that is
 *    neither the effective user nor root, is refused, as OpenSSH refuses
 *    such key files. Then its first line.
 *  - fd:N: up to the first newline (nothing after it is consumed).
 */

/**
 * The secret's bytes, NUL-terminated. borrowed: valid until
 * hc_secret_free(). Only token.c and pkcs12.c may call this
 * (make check-secrets enforces it).
 */
const char *hc_secret_get0_buf(const hc_secret *s);

#endif
