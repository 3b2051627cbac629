/* fileio_read.c - the one whole-file reader, and path helpers
 *
 * Declared in fileio.h; kept apart from the writers and state files of
 * fileio.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fileio.h"

int
hc_file_load(const char *path, size_t max, unsigned char **buf, size_t *len)
{
	unsigned char *data = NULL, *nd;
	size_t n = 0, cap = 0;
	struct stat st;
	ssize_t r;
	int fd, e = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	while (e == 0) {
		if (n + 1 >= cap) {
			/* one byte over the limit tells "too large" */
			if (cap > max + 1) {
				e = EFBIG;
				break;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			if (cap > max + 2)
				cap = max + 2;
			nd = realloc(data, cap);
			if (nd == NULL) {
				e = ENOMEM;
				break;
			}
			data = nd;
		}
		r = read(fd, data + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			e = errno;
		else if (r == 0)
			break;
		else
			n += (size_t)r;
	}
	close(fd);
	if (e == 0 && n > max)
		e = EFBIG;
	if (e == 0 && data == NULL) {
		data = malloc(1);
		if (data == NULL)
			e = ENOMEM;
	}
	if (e != 0) {
		free(data);
		return e;
	}
	data[n] = '\0';
	*buf = data;
	*len = n;
	return 0;
}

int
hc_file_read(const char *path, unsigned char **buf, size_t *len, hc_err *err)
{
	int e;

	if (path == NULL || buf == NULL || len == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: hc_file_read argument is NULL");
	e = hc_file_load(path, HC_FILE_READ_MAX, buf, len);
	if (e == EFBIG)
		return hc_err_set(err, HC_E_USAGE, "%s is larger than 16 MiB",
				  path);
	if (e == ENOMEM)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (e != 0)
		return hc_err_set(err, HC_E_USAGE, "cannot read %s: %s", path,
				  strerror(e));
	return 0;
}

char *
hc_file_path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] != '/';
	char *s = malloc(dl + slash + nl + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, dir, dl);
	if (slash)
		s[dl] = '/';
	memcpy(s + dl + slash, name, nl + 1);
	return s;
}

int
hc_file_path_dir(const char *path, char **out, hc_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL, *cwd = NULL, *ncwd;
	size_t cap = 256;
	int ret = -1;

	if (slash == path)
		dir = strdup("/");
	else if (slash != NULL)
		dir = strndup(path, (size_t)(slash - path));
	else
		dir = strdup(".");
	if (dir == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (dir[0] == '/') {
		*out = dir;
		dir = NULL;
		ret = 0;
		goto out;
	}
	for (;;) {
		ncwd = realloc(cwd, cap);
		if (ncwd == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		cwd = ncwd;
		if (getcwd(cwd, cap) != NULL)
			break;
		if (errno != ERANGE || cap >= 65536) {
			hc_err_set(err, HC_E_FAIL,
				   "cannot resolve paths of %s: the working directory: %s",
				   path, strerror(errno));
			goto out;
		}
		cap *= 2;
	}
	*out = strcmp(dir, ".") == 0 ? strdup(cwd) :
	       hc_file_path_join(cwd, dir);
	if (*out == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	ret = 0;
out:
	free(dir);
	free(cwd);
	return ret;
}
