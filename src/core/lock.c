/* lock.c - the state directory's lock files (hc_state_lock*) */
#include <errno.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/lock.h"

int
hc_state_lock(const char *state_dir, int *fd, hc_err *err)
{
	return hc_state_lock_named(state_dir, "lock", fd, err);
}

int
hc_state_lock_named(const char *state_dir, const char *name, int *fd,
		    hc_err *err)
{
	return hc_state_lock_wait(state_dir, name, -1, fd, err);
}

int
hc_state_lock_wait(const char *state_dir, const char *name, int seconds,
		   int *fd, hc_err *err)
{
	const struct timespec step = { 0, 100 * 1000 * 1000 };
	long tries = seconds < 0 ? -1 : 10L * seconds;
	int dirfd = -1, f = -1, r;

	/* the state directory may be a link the administrator made; the
	 * lock file in it is never followed */
	if (hc_state_dir_open(state_dir, HC_STATE_CREATE | HC_STATE_FOLLOW,
			      &dirfd, err) != 0)
		return -1;
	r = hc_state_open_at(dirfd, state_dir, name, &f, err);
	close(dirfd);
	if (r != 0)
		return -1;
	while (flock(f, tries < 0 ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK && tries > 0) {
			tries--;
			nanosleep(&step, NULL);
			continue;
		}
		if (errno == EWOULDBLOCK) {
			hc_err_set(err, HC_E_FAIL,
				   "%s/%s is still held by another process after %d s",
				   state_dir, name, seconds);
			close(f);
			return -1;
		}
		hc_err_set(err, HC_E_FAIL, "cannot lock %s/%s: %s", state_dir,
			   name, strerror(errno));
		close(f);
		return -1;
	}
	*fd = f;
	return 0;
}

void
hc_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
