/* fileio.c - files written whole or not at all; state files never
 * followed through links */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/util.h"

/* State files are small: anything larger is not one of ours. */
#define STATE_MAX_SIZE (16u * 1024 * 1024)

#define STATE_FILE_HINT \
	"hsmcert opens its state files only as regular files, never through a link (remove it)"
#define STATE_DIR_HINT \
	"hsmcert keeps its state only in real directories, never through a link (replace it with a directory)"
#define PRIVATE_HINT \
	"a private key is written only to a new regular file, never through a symbolic link, a FIFO or a device (remove it or choose another --out)"

int
hc_file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

const char *
hc_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* "PATH is a FIFO, not a regular file: HINT" */
static int
refuse_file(hc_err *err, int code, const char *path, mode_t mode,
	    const char *hint)
{
	return hc_err_set(err, code, "%s is %s%s: %s", path, hc_file_kind(mode),
			  S_ISLNK(mode) ? "" : ", not a regular file", hint);
}

static int
refuse_dir(hc_err *err, const char *path, mode_t mode)
{
	return hc_err_set(err, HC_E_FAIL, "%s is %s%s: %s", path,
			  hc_file_kind(mode),
			  S_ISLNK(mode) ? "" : ", not a directory",
			  STATE_DIR_HINT);
}

/* dir "/" name, for messages; NULL when memory runs out */
static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
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

/* How write_at treats what it finds at the target. */
struct wopts {
	mode_t mode;
	int overwrite;
	int in_place;		/* a non-regular target is written in place */
	int state;		/* a state file: refusals are HC_E_FAIL */
	int refuse_code;	/* without in_place: the code of a refusal */
	const char *hint;	/* ... and why */
	const struct hc_file_meta *owner;	/* NULL: this process's */
};

/*
 * Write data to base in dirfd (path names it in messages): a temporary
 * file beside it, created with O_EXCL|O_NOFOLLOW, then renamed (or linked,
 * without overwrite) into place. Neither call follows a link at base.
 */
static int
write_at(int dirfd, const char *path, const char *base, const void *data,
	 size_t len, const struct wopts *o, hc_err *err)
{
	struct stat st;
	unsigned char rnd[6];
	char hex[13], *tmp = NULL;
	size_t blen = strlen(base);
	int fd = -1, ret = -1, have_tmp = 0, e;
	int ecode = o->state ? HC_E_FAIL : HC_E_USAGE;

	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode) && !o->in_place)
			return refuse_file(err, o->refuse_code, path,
					   st.st_mode, o->hint);
		if (!o->overwrite)
			return hc_err_set(err, ecode, o->state ?
					  "%s exists already" :
					  "%s exists; use --force to overwrite it",
					  path);
		/*
		 * A public output on a device, a pipe or a symbolic link
		 * (/dev/null, /dev/stdout, a FIFO) is written in place,
		 * through the link: a rename would put a regular file where
		 * it was.
		 */
		if (!S_ISREG(st.st_mode))
			return write_in_place(path, data, len, err);
	} else if (errno != ENOENT) {
		return hc_err_set(err, ecode, "cannot write %s: %s", path,
				  strerror(errno));
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return hc_err_ossl(err, HC_E_FAIL, "no random bytes");
	hc_hex(rnd, sizeof(rnd), hex);
	tmp = malloc(blen + 32);
	if (tmp == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(tmp, base, blen);
	memcpy(tmp + blen, ".tmp-", 5);
	memcpy(tmp + blen + 5, hex, sizeof(hex));
	fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		hc_err_set(err, ecode, "cannot write %s: %s", path,
			   strerror(errno));
		goto out;
	}
	have_tmp = 1;
	if (o->owner != NULL) {
		struct stat now;

		/* where this process may: an unprivileged one keeps its own */
		if (fstat(fd, &now) == 0 &&
		    (now.st_uid != o->owner->uid ||
		     now.st_gid != o->owner->gid) &&
		    fchown(fd, o->owner->uid, o->owner->gid) != 0 &&
		    fchown(fd, (uid_t)-1, o->owner->gid) != 0) {
			/* best effort: the mode is still restored */
		}
	}
	if (write_all(fd, data, len) != 0 || fchmod(fd, o->mode) != 0 ||
	    fsync(fd) != 0) {
		e = errno;
		hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
			   strerror(e));
		goto out;
	}
	e = close(fd);
	fd = -1;
	if (e != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
			   strerror(errno));
		goto out;
	}
	if (o->overwrite) {
		/* rename() replaces whatever is at base, never through it */
		if (renameat(dirfd, tmp, dirfd, base) != 0) {
			hc_err_set(err, HC_E_FAIL, "cannot write %s: %s", path,
				   strerror(errno));
			goto out;
		}
		have_tmp = 0;
	} else {
		/* link() refuses to replace: no window for a race */
		if (linkat(dirfd, tmp, dirfd, base, 0) != 0) {
			e = errno;
			if (e == EEXIST)
				hc_err_set(err, ecode, o->state ?
					   "%s exists already" :
					   "%s exists; use --force to overwrite it",
					   path);
			else
				hc_err_set(err, HC_E_FAIL,
					   "cannot write %s: %s", path,
					   strerror(e));
			goto out;
		}
	}
	if (fsync(dirfd) != 0) {
		/* the data is written: a failed directory fsync is not fatal */
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp && unlinkat(dirfd, tmp, 0) != 0) {
		/* nothing more to do */
	}
	free(tmp);
	return ret;
}

/* The directory of path, opened (following links: the user named it). */
static int
open_parent(const char *path, int *dirfd, const char **base, int code,
	    hc_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int e;

	if (slash == NULL) {
		dir = strdup(".");
		*base = path;
	} else {
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
		*base = slash + 1;
	}
	if (dir == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (**base == '\0' || strcmp(*base, ".") == 0 ||
	    strcmp(*base, "..") == 0) {
		free(dir);
		return hc_err_set(err, code, "cannot write %s: not a file name",
				  path);
	}
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	free(dir);
	if (*dirfd < 0)
		return hc_err_set(err, code, "cannot write %s: %s", path,
				  strerror(e));
	return 0;
}

static int
write_path(const char *path, const void *data, size_t len,
	   const struct wopts *o, hc_err *err)
{
	const char *base;
	int dirfd = -1, r;

	if (open_parent(path, &dirfd, &base, HC_E_USAGE, err) != 0)
		return -1;
	r = write_at(dirfd, path, base, data, len, o, err);
	close(dirfd);
	return r;
}

int
hc_file_write_atomic(const char *path, const void *data, size_t len,
		     mode_t mode, int overwrite, hc_err *err)
{
	struct wopts o = { mode, overwrite, 1, 0, HC_E_USAGE, NULL, NULL };

	return write_path(path, data, len, &o, err);
}

int
hc_file_write_private(const char *path, const void *data, size_t len,
		      int overwrite, hc_err *err)
{
	struct wopts o = { 0600, overwrite, 0, 0, HC_E_USAGE, PRIVATE_HINT,
			   NULL };

	return write_path(path, data, len, &o, err);
}

int
hc_file_check_private(const char *path, hc_err *err)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return hc_err_set(err, HC_E_USAGE, "cannot write %s: %s", path,
				  strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return refuse_file(err, HC_E_USAGE, path, st.st_mode,
				   PRIVATE_HINT);
	return 0;
}

int
hc_file_get_meta(const char *path, struct hc_file_meta *meta)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	meta->mode = st.st_mode & 07777;
	meta->uid = st.st_uid;
	meta->gid = st.st_gid;
	return 0;
}

int
hc_file_restore(const char *path, const void *data, size_t len,
		const struct hc_file_meta *meta, hc_err *err)
{
	struct wopts o = { meta->mode, 1, 1, 0, HC_E_USAGE, NULL, meta };

	return write_path(path, data, len, &o, err);
}

/* ------------------------------------------------------------------ */
/* State files                                                          */

int
hc_mkdirs(const char *path, hc_err *err)
{
	char *p = strdup(path), *s;
	int ret = -1;

	if (p == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (s = p + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			hc_err_set(err, HC_E_FAIL, "cannot create %s: %s", p,
				   strerror(errno));
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	ret = 0;
out:
	free(p);
	return ret;
}

int
hc_state_dir_check(const char *dir, hc_err *err)
{
	struct stat st;

	if (lstat(dir, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return refuse_dir(err, dir, st.st_mode);
	return 0;
}

int
hc_state_dir_open(const char *dir, unsigned flags, int *dirfd, hc_err *err)
{
	struct stat st;
	int fd, e;

	if ((flags & HC_STATE_CREATE) && hc_mkdirs(dir, err) != 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		  ((flags & HC_STATE_FOLLOW) ? 0 : O_NOFOLLOW));
	if (fd >= 0) {
		*dirfd = fd;
		return 0;
	}
	e = errno;
	if (e == ENOENT && !(flags & HC_STATE_CREATE))
		return 1;
	if ((e == ENOTDIR || e == ELOOP) && lstat(dir, &st) == 0 &&
	    (!S_ISDIR(st.st_mode) || !(flags & HC_STATE_FOLLOW)))
		return refuse_dir(err, dir, st.st_mode);
	return hc_err_set(err, HC_E_FAIL, "cannot open %s: %s", dir,
			  strerror(e));
}

int
hc_state_check_at(int dirfd, const char *dir, const char *name, hc_err *err)
{
	struct stat st;
	char *path;
	int ret = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    S_ISREG(st.st_mode))
		return 0;
	path = join(dir, name);
	if (path == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	ret = refuse_file(err, HC_E_FAIL, path, st.st_mode, STATE_FILE_HINT);
	free(path);
	return ret;
}

/*
 * Open name in dirfd with flags, never through a link, and check it is a
 * regular file. 1 when it does not exist (without O_CREAT).
 */
static int
state_open(int dirfd, const char *path, const char *name, int flags,
	   int *fdp, hc_err *err)
{
	struct stat st;
	int fd, e;

	/* look first: a FIFO or a device is not even opened */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode))
			return refuse_file(err, HC_E_FAIL, path, st.st_mode,
					   STATE_FILE_HINT);
	} else if (errno == ENOENT) {
		if (!(flags & O_CREAT))
			return 1;
	} else {
		return hc_err_set(err, HC_E_FAIL, "cannot open %s: %s", path,
				  strerror(errno));
	}
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT && !(flags & O_CREAT))
			return 1;
		if (e == ELOOP) {
			/* swapped for a link since we looked */
			return refuse_file(err, HC_E_FAIL, path, S_IFLNK,
					   STATE_FILE_HINT);
		}
		return hc_err_set(err, HC_E_FAIL, "cannot open %s: %s", path,
				  strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return hc_err_set(err, HC_E_FAIL, "cannot open %s: %s", path,
				  strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return refuse_file(err, HC_E_FAIL, path, st.st_mode,
				   STATE_FILE_HINT);
	}
	*fdp = fd;
	return 0;
}

int
hc_state_read_at(int dirfd, const char *dir, const char *name,
		 unsigned char **buf, size_t *len, hc_err *err)
{
	unsigned char *data = NULL, *nd;
	size_t n = 0, cap = 0;
	char *path = join(dir, name);
	int fd = -1, ret = -1, r;

	if (path == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	r = state_open(dirfd, path, name, O_RDONLY, &fd, err);
	if (r != 0) {
		free(path);
		return r;
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			if (cap >= STATE_MAX_SIZE) {
				hc_err_set(err, HC_E_FAIL,
					   "%s is larger than 16 MiB: not a state file of hsmcert",
					   path);
				goto out;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			nd = realloc(data, cap + 1);
			if (nd == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			data = nd;
		}
		got = read(fd, data + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			hc_err_set(err, HC_E_FAIL, "cannot read %s: %s", path,
				   strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	data[n] = '\0';		/* room was kept: text files read as strings */
	*buf = data;
	*len = n;
	data = NULL;
	ret = 0;
out:
	free(data);
	if (fd >= 0)
		close(fd);
	free(path);
	return ret;
}

int
hc_state_write_at(int dirfd, const char *dir, const char *name,
		  const void *data, size_t len, mode_t mode, int overwrite,
		  hc_err *err)
{
	struct wopts o = { mode, overwrite, 0, 1, HC_E_FAIL, STATE_FILE_HINT,
			   NULL };
	char *path = join(dir, name);
	int r;

	if (path == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	r = write_at(dirfd, path, name, data, len, &o, err);
	free(path);
	return r;
}

int
hc_state_open_at(int dirfd, const char *dir, const char *name, int *fd,
		 hc_err *err)
{
	char *path = join(dir, name);
	int r;

	if (path == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	r = state_open(dirfd, path, name, O_RDWR | O_CREAT, fd, err);
	free(path);
	return r;
}
