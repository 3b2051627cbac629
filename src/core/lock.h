/* lock.h - the state directory's lock files (internal) */
#ifndef HC_CORE_LOCK_H
#define HC_CORE_LOCK_H

#include "hsmcert.h"

/**
 * Take the lock file NAME in the state directory (creating both, 0700 and
 * 0600). The lock file is opened without following a symbolic link and
 * must be a regular file: else HC_E_FAIL naming it. Nothing is truncated.
 */
int hc_state_lock_named(const char *state_dir, const char *name, int *fd,
			hc_err *err);

/**
 * hc_state_lock_named, waiting at most seconds for another holder to let
 * go (forever when negative): then HC_E_FAIL naming the lock file.
 */
int hc_state_lock_wait(const char *state_dir, const char *name, int seconds,
		       int *fd, hc_err *err);

/** Take the state directory's lock (creating the directory). */
int hc_state_lock(const char *state_dir, int *fd, hc_err *err);
void hc_state_unlock(int fd);

#endif
