/* fileio.c - files written whole or not at all */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/util.h"

int
hc_file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
write_in_place(const char *path, const void *data, size_t len, hc_err *err)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	int e;

	if (fd < 0)
		return hc_err_set(err, HC_E_USAGE, "cannot write %s: %s", path,
				  strerror(errno));
	if (write_all(fd, data, len) != 0) {
		e = errno;
		close(fd);
		return hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
				  strerror(e));
	}
	if (close(fd) != 0)
		return hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
				  strerror(errno));
	return 0;
}

static int
fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, r = -1;

	if (copy == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		r = fsync(fd);
		close(fd);
	}
	free(copy);
	return r;
}

int
hc_file_write_atomic(const char *path, const void *data, size_t len,
		     mode_t mode, int overwrite, hc_err *err)
{
	unsigned char rnd[6];
	char hex[13], *tmp = NULL;
	size_t plen = strlen(path);
	int fd = -1, ret = -1, e;

	if (!overwrite && hc_file_exists(path))
		return hc_err_set(err, HC_E_USAGE,
				  "%s exists; use --force to overwrite it", path);
	/*
	 * A device, a pipe or a symbolic link (/dev/null, /dev/stdout, a
	 * FIFO) is written in place, through the link: a rename would put a
	 * regular file where it was.
	 */
	{
		struct stat st;

		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
			return write_in_place(path, data, len, err);
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return hc_err_ossl(err, HC_E_FAIL, "no random bytes");
	hc_hex(rnd, sizeof(rnd), hex);
	tmp = malloc(plen + 32);
	if (tmp == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp-", 5);
	memcpy(tmp + plen + 5, hex, sizeof(hex));
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		hc_err_set(err, HC_E_USAGE, "cannot write %s: %s", path,
			   strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0 ||
	    fsync(fd) != 0) {
		e = errno;
		hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
			   strerror(e));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
			   strerror(errno));
		goto out;
	}
	fd = -1;
	if (overwrite) {
		if (rename(tmp, path) != 0) {
			hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
				   strerror(errno));
			goto out;
		}
	} else {
		/* link() refuses to replace: no window for a race */
		if (link(tmp, path) != 0) {
			e = errno;
			hc_err_set(err, e == EEXIST ? HC_E_USAGE : HC_E_FAIL,
				   e == EEXIST ?
				   "%s exists; use --force to overwrite it" :
				   "cannot write %s: %s", path, strerror(e));
			goto out;
		}
	}
	if (fsync_dir(path) != 0) {
		/* the data is written; a directory fsync failure is not fatal */
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL && hc_file_exists(tmp))
		unlink(tmp);
	free(tmp);
	return ret;
}
