/* fileio.h - files written whole or not at all; state files never
 * followed through links (internal)
 *
 * Three kinds of file:
 * - public outputs (a request, a certificate chain, service files):
 *   hc_file_write_atomic(); a device, FIFO or symbolic link at the target
 *   is written in place, so --out /dev/stdout works;
 * - private-key outputs (a PFX): hc_file_write_private(); always a new
 *   0600 file renamed into place, never written through a link, a FIFO
 *   or a device (refused, HC_E_USAGE);
 * - state files (lock files, bindings.json, index files, the archive):
 *   the hc_state_* functions; opened relative to their directory without
 *   following a symbolic link, and only regular files (else HC_E_FAIL
 *   naming the path and what it is). Directories are made 0700.
 */
#ifndef HC_CORE_FILEIO_H
#define HC_CORE_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "hsmcert.h"

/**
 * Write data to path atomically: a temporary file in the same directory,
 * created 0600 then set to mode, fsync'd, then linked into place. Without
 * overwrite an existing path is never touched (HC_E_USAGE "FILE exists; use
 * --force to overwrite"); with it the file is replaced by rename. On any
 * failure no temporary file is left and path is as it was. A device, a
 * FIFO or a symbolic link at path is written in place (public outputs
 * only: /dev/stdout, /dev/null, a link an administrator made).
 */
int hc_file_write_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, int overwrite, hc_err *err);

/**
 * Write private data (a PFX) to path: always a new 0600 file in path's
 * directory, renamed into place. path must be absent or, with overwrite,
 * a regular file: a symbolic link, a FIFO, a device, a directory or a
 * socket is refused (HC_E_USAGE naming path and what it is) and left as
 * it was. Without overwrite an existing path is HC_E_USAGE "exists".
 */
int hc_file_write_private(const char *path, const void *data, size_t len,
			  int overwrite, hc_err *err);

/**
 * Check an output path before any work is done: 0 when path is absent or
 * a regular file, else -1 with HC_E_USAGE naming path and what it is
 * (what hc_file_write_private would refuse).
 */
int hc_file_check_private(const char *path, hc_err *err);

/** What a file of this st_mode is, for messages: "a symbolic link", ... */
const char *hc_file_kind(mode_t mode);

/** What a service file was: its mode and owner, to put it back as it was. */
struct hc_file_meta {
	mode_t mode;		/* permission bits */
	uid_t uid;
	gid_t gid;
};

/** The meta of path (following a link, as the file is read): 0 or -1. */
int hc_file_get_meta(const char *path, struct hc_file_meta *meta);

/**
 * Put a file back: as hc_file_write_atomic(path, ..., overwrite), with
 * meta's mode and, where this process may set them, its owner and group.
 */
int hc_file_restore(const char *path, const void *data, size_t len,
		    const struct hc_file_meta *meta, hc_err *err);

/** Does path exist (any type; a dangling link exists)? */
int hc_file_exists(const char *path);

/* The reader and the path helpers are in fileio_read.c. */

/**
 * Read the whole file at path (opened O_NOCTTY; a directory fails with
 * EISDIR) into a malloc'd buffer, NUL-terminated one byte past *len
 * (caller frees; never NULL on success). Returns 0, or an errno value:
 * that of open() or read(), EFBIG when the file holds more than max
 * bytes, ENOMEM. The caller words the message.
 */
int hc_file_load(const char *path, size_t max, unsigned char **buf,
		 size_t *len);

/** Largest file hc_file_read reads: 16 MiB. */
#define HC_FILE_READ_MAX ((size_t)16 << 20)

/**
 * hc_file_load of an input file the user named (a CA's answer, a
 * certificate or key file), with the message worded: at most 16 MiB into
 * a malloc'd buffer (caller frees with free(); never NULL on success,
 * even for an empty file). HC_E_USAGE naming the path with strerror on
 * failure, or "PATH is larger than 16 MiB"; HC_E_FAIL when out of memory.
 */
int hc_file_read(const char *path, unsigned char **buf, size_t *len,
		 hc_err *err);

/** dir + "/" + name, not doubling a trailing slash; NULL when OOM. */
char *hc_file_path_join(const char *dir, const char *name);

/**
 * The absolute directory holding path into *out (caller frees), made
 * absolute with the working directory when path is relative. 0, or -1
 * with HC_E_FAIL ("out of memory", "cannot resolve paths of PATH: the
 * working directory: ...").
 */
int hc_file_path_dir(const char *path, char **out, hc_err *err);

/* ------------------------------------------------------------------ */
/* State files                                                          */

/**
 * mkdir -p: every missing directory of path made, mode 0700 (what hsmcert
 * makes), following links on the way. 0, or -1 with HC_E_FAIL "cannot
 * create DIR: reason".
 */
int hc_mkdirs(const char *path, hc_err *err);

/** Flags of hc_state_dir_open(). */
#define HC_STATE_CREATE	0x1	/* make the directory (and parents), 0700 */
#define HC_STATE_FOLLOW	0x2	/* dir itself may be reached through a link
				   (the configured state-dir) */

/**
 * Open a directory of state files (O_DIRECTORY, and without
 * HC_STATE_FOLLOW, O_NOFOLLOW). Returns 0 with *dirfd, 1 when dir does
 * not exist and HC_STATE_CREATE is not given, -1 with HC_E_FAIL when it
 * is a link (without HC_STATE_FOLLOW) or not a directory, naming it, or
 * when it cannot be opened or made.
 */
int hc_state_dir_open(const char *dir, unsigned flags, int *dirfd,
		      hc_err *err);

/**
 * Is dir, when it exists, a directory that is not a symbolic link? 0 when
 * absent or so; -1 with HC_E_FAIL naming dir and what it is otherwise.
 */
int hc_state_dir_check(const char *dir, hc_err *err);

/**
 * Is name in dirfd (dir names it in messages), when it exists, a regular
 * file? 0 when absent or so; -1 with HC_E_FAIL naming dir/name and what
 * it is otherwise (a symbolic link, a FIFO, ...).
 */
int hc_state_check_at(int dirfd, const char *dir, const char *name,
		      hc_err *err);

/**
 * Read the state file name in dirfd whole, without following a link.
 * Returns 0 with *buf (the caller frees it) and *len, 1 when it does not
 * exist, -1 with HC_E_FAIL when it is not a regular file or cannot be
 * read (naming dir/name).
 */
int hc_state_read_at(int dirfd, const char *dir, const char *name,
		     unsigned char **buf, size_t *len, hc_err *err);

/**
 * Write the state file name in dirfd atomically (temporary file, fsync,
 * rename or, without overwrite, link) with mode. An existing name that is
 * not a regular file is refused (HC_E_FAIL naming it) and left as it was;
 * without overwrite an existing name is HC_E_FAIL "exists".
 */
int hc_state_write_at(int dirfd, const char *dir, const char *name,
		      const void *data, size_t len, mode_t mode, int overwrite,
		      hc_err *err);

/**
 * Open (creating it 0600) the state file name in dirfd read-write, for a
 * lock: never through a link, only a regular file (else HC_E_FAIL naming
 * it). Nothing is truncated. Returns 0 with *fd.
 */
int hc_state_open_at(int dirfd, const char *dir, const char *name, int *fd,
		     hc_err *err);

#endif
