/* fileio.h - files written whole or not at all (internal) */
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
 * failure no temporary file is left and path is as it was.
 */
int hc_file_write_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, int overwrite, hc_err *err);

/** Does path exist (any type)? */
int hc_file_exists(const char *path);

#endif
