/* pinfail.c - this host's record of wrong PINs, per token (SPEC 10)
 *
 * <state-dir>/pin-failures/<serial>, mode 0600 in a 0700 directory:
 *
 *   # hsmcert: wrong PINs given to this token (no PIN is kept here)
 *   serial 1c69988c28be2e85
 *   label t
 *   failure 2026-12-06T02:22:44Z 1 file:/etc/hsmcert/pin
 *
 * One "failure" line per pin-source (its name, never its content). The
 * file is read and written without following symbolic links; a record
 * that cannot be read refuses the login rather than letting it through.
 */
/* realpath() is XSI: POSIX 2008 alone (-D_POSIX_C_SOURCE) hides it */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/pinfail.h"
#include "core/util.h"

#define PINFAIL_DIR "pin-failures"
#define PINFAIL_FILE_MAX 65536
#define RECORD_HEAD \
	"# hsmcert: wrong PINs given to this token (SPEC 10, PIN lockout guard)\n" \
	"# the pin-sources named below (prompt aside) are not tried again until\n" \
	"# a login succeeds or --pin-retry is given; no PIN is kept here\n"

void
hc_pinfail_release(struct hc_pinfail *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->v[i].source);
	memset(r, 0, sizeof(*r));
}

/* keep: 0 printable ASCII but space and '%'; 1 letters, digits, '-', '_' */
static int
kept(unsigned char c, int strict)
{
	if (strict)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9') || c == '-' || c == '_';
	return c > 0x20 && c < 0x7f && c != '%';
}

/* s with every byte kept() refuses as %XX; malloc'd, or NULL */
static char *
escape(const char *prefix, const char *s, int strict)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t plen = strlen(prefix), len = strlen(s), i, o;
	char *out;

	if (len > (SIZE_MAX - plen - 1) / 3)
		return NULL;
	out = malloc(plen + 3 * len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, prefix, plen);
	o = plen;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (kept(c, strict)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

int
hc_pinfail_is_prompt(const char *source)
{
	return source == NULL || strcmp(source, "prompt") == 0;
}

char *
hc_pinfail_source_name(const char *source, hc_err *err)
{
	char *abs = NULL, *name = NULL, *full = NULL;

	if (hc_pinfail_is_prompt(source))
		source = "prompt";
	else if (strncmp(source, "file:", 5) == 0 && source[5] != '\0')
		abs = realpath(source + 5, NULL);
	if (abs != NULL) {
		size_t len = strlen(abs) + 6;

		full = malloc(len);
		if (full == NULL ||
		    snprintf(full, len, "file:%s", abs) < 0) {
			free(abs);
			free(full);
			hc_err_set(err, HC_E_FAIL, "out of memory");
			return NULL;
		}
		free(abs);
		source = full;
	}
	name = escape("", source, 0);
	free(full);
	if (name == NULL)
		hc_err_set(err, HC_E_FAIL, "out of memory");
	return name;
}

char *
hc_pinfail_path(const char *state_dir, const struct hc_token_info *ti,
		hc_err *err)
{
	char *base, *path = NULL;
	size_t len;

	if (ti->serial[0] != '\0')
		base = escape("", ti->serial, 1);
	else
		base = escape("label-", ti->label, 1);
	if (base == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	len = strlen(state_dir) + strlen(PINFAIL_DIR) + strlen(base) + 3;
	path = malloc(len);
	if (path == NULL || snprintf(path, len, "%s/%s/%s", state_dir,
				     PINFAIL_DIR, base) < 0) {
		free(path);
		path = NULL;
		hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	free(base);
	return path;
}

/* the directory of path (a copy), or NULL */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return NULL;
	d = strndup(path, (size_t)(slash - path));
	return d;
}

/*
 * Is the record's directory usable? 1 yes, 0 it does not exist (and
 * create is 0), -1 with err: a link or something else than a directory.
 */
static int
check_dir(const char *dir, int create, hc_err *err)
{
	struct stat st;

	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return hc_err_set(err, HC_E_FAIL, "cannot create %s: %s", dir,
				  strerror(errno));
	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT && !create)
			return 0;
		return hc_err_set(err, HC_E_FAIL, "cannot read %s: %s", dir,
				  strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return hc_err_set(err, HC_E_FAIL,
				  "%s is not a directory (%s): hsmcert keeps its record of wrong PINs there and follows no link; remove it",
				  dir, S_ISLNK(st.st_mode) ? "a symbolic link" :
				  "another kind of file");
	return 1;
}

/* Read the whole file at path, never through a link: 1, 0 none, -1 */
static int
slurp(const char *path, char **out, size_t *len, hc_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP)
			return hc_err_set(err, HC_E_FAIL,
					  "%s is a symbolic link: hsmcert follows no link in its state directory; remove it",
					  path);
		return hc_err_set(err, HC_E_FAIL, "cannot read %s: %s", path,
				  strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		hc_err_set(err, HC_E_FAIL,
			   "%s is not a regular file: remove it", path);
		goto out;
	}
	if (st.st_size > PINFAIL_FILE_MAX) {
		hc_err_set(err, HC_E_FAIL,
			   "%s is damaged (too long): remove it", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			hc_err_set(err, HC_E_FAIL, "cannot read %s: %s", path,
				   strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	ret = 1;
out:
	free(buf);
	close(fd);
	return ret;
}

/* one "failure TIME COUNT SOURCE" line (after "failure ") into e */
static int
parse_failure(char *s, struct hc_pinfail_entry *e)
{
	char *count, *source, *end;
	long c;

	count = strchr(s, ' ');
	if (count == NULL || count - s != 20)
		return -1;
	*count++ = '\0';
	source = strchr(count, ' ');
	if (source == NULL)
		return -1;
	*source++ = '\0';
	errno = 0;
	c = strtol(count, &end, 10);
	if (errno != 0 || *end != '\0' || end == count || c < 1)
		return -1;
	if (*source == '\0' || strchr(source, ' ') != NULL)
		return -1;
	e->source = strdup(source);
	if (e->source == NULL)
		return -1;
	memcpy(e->time, s, 21);
	e->count = c;
	return 0;
}

static int
parse_record(char *buf, const char *path, const struct hc_token_info *ti,
	     struct hc_pinfail *r, hc_err *err)
{
	char *serial = escape("", ti->serial, 0);
	char *line = buf, *nl;
	int lineno = 0, ret = -1, seen_serial = 0;

	if (serial == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (; *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		if (nl == NULL) {
			hc_err_set(err, HC_E_FAIL,
				   "%s is damaged (its last line is cut short): remove it",
				   path);
			goto out;
		}
		*nl++ = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "serial ", 7) == 0) {
			if (strcmp(line + 7, serial) != 0) {
				hc_err_set(err, HC_E_FAIL,
					   "%s is the record of token serial '%s', not of this token (serial '%s'): remove it",
					   path, line + 7, serial);
				goto out;
			}
			seen_serial = 1;
		} else if (strncmp(line, "label ", 6) == 0) {
			/* for the reader; the serial is what counts */
		} else if (strncmp(line, "failure ", 8) == 0 &&
			   r->n < HC_PINFAIL_MAX &&
			   parse_failure(line + 8, &r->v[r->n]) == 0) {
			r->n++;
		} else {
			hc_err_set(err, HC_E_FAIL,
				   "%s is damaged at line %d: remove it (the next wrong PIN writes it anew)",
				   path, lineno);
			goto out;
		}
	}
	if (!seen_serial) {
		hc_err_set(err, HC_E_FAIL,
			   "%s is damaged (no serial line): remove it", path);
		goto out;
	}
	ret = 0;
out:
	free(serial);
	if (ret != 0)
		hc_pinfail_release(r);
	return ret;
}

int
hc_pinfail_read(const char *state_dir, const struct hc_token_info *ti,
		struct hc_pinfail *out, hc_err *err)
{
	struct hc_pinfail r;
	char *path = NULL, *dir = NULL, *buf = NULL;
	size_t len = 0;
	int ret = -1, got;

	memset(&r, 0, sizeof(r));
	path = hc_pinfail_path(state_dir, ti, err);
	if (path == NULL)
		goto out;
	dir = dir_of(path);
	if (dir == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	got = check_dir(dir, 0, err);
	if (got <= 0) {
		ret = got;
		goto out;
	}
	got = slurp(path, &buf, &len, err);
	if (got <= 0) {
		ret = got;
		goto out;
	}
	if (strlen(buf) != len) {
		hc_err_set(err, HC_E_FAIL,
			   "%s is damaged (a NUL byte): remove it", path);
		goto out;
	}
	if (parse_record(buf, path, ti, &r, err) != 0)
		goto out;
	*out = r;
	memset(&r, 0, sizeof(r));
	ret = 1;
out:
	hc_pinfail_release(&r);
	free(buf);
	free(dir);
	free(path);
	return ret;
}

const struct hc_pinfail_entry *
hc_pinfail_find(const struct hc_pinfail *r, const char *source_name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].source, source_name) == 0)
			return &r->v[i];
	return NULL;
}

/* the record as text; malloc'd, or NULL */
static char *
format_record(const struct hc_token_info *ti, const struct hc_pinfail *r)
{
	char *serial = escape("", ti->serial, 0);
	char *label = escape("", ti->label, 0);
	char *buf = NULL;
	size_t cap, len, i;
	int n;

	if (serial == NULL || label == NULL)
		goto out;
	cap = sizeof(RECORD_HEAD) + strlen(serial) + strlen(label) + 32;
	for (i = 0; i < r->n; i++)
		cap += strlen(r->v[i].source) + 64;
	buf = malloc(cap);
	if (buf == NULL)
		goto out;
	n = snprintf(buf, cap, "%sserial %s\nlabel %s\n", RECORD_HEAD,
		     serial, label);
	if (n < 0 || (size_t)n >= cap)
		goto fail;
	len = (size_t)n;
	for (i = 0; i < r->n; i++) {
		n = snprintf(buf + len, cap - len, "failure %s %ld %s\n",
			     r->v[i].time, r->v[i].count, r->v[i].source);
		if (n < 0 || (size_t)n >= cap - len)
			goto fail;
		len += (size_t)n;
	}
	goto out;
fail:
	free(buf);
	buf = NULL;
out:
	free(serial);
	free(label);
	return buf;
}

int
hc_pinfail_add(const char *state_dir, const struct hc_token_info *ti,
	       const char *source_name, hc_err *err)
{
	struct hc_pinfail r;
	struct hc_pinfail_entry *e = NULL;
	char *path = NULL, *dir = NULL, *text = NULL;
	size_t i;
	int ret = -1, dirfd = -1;

	memset(&r, 0, sizeof(r));
	path = hc_pinfail_path(state_dir, ti, err);
	if (path == NULL)
		goto out;
	dir = dir_of(path);
	if (dir == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (check_dir(dir, 1, err) < 0)
		goto out;
	if (hc_pinfail_read(state_dir, ti, &r, err) < 0)
		goto out;
	for (i = 0; i < r.n; i++)
		if (strcmp(r.v[i].source, source_name) == 0)
			e = &r.v[i];
	if (e == NULL) {
		if (r.n == HC_PINFAIL_MAX) {
			/* the oldest source goes */
			free(r.v[0].source);
			/* a loop, not memmove: valgrind takes FORTIFY's
			   __memmove_chk for an overlapping memcpy */
			for (i = 1; i < r.n; i++)
				r.v[i - 1] = r.v[i];
			r.n--;
		}
		e = &r.v[r.n];
		memset(e, 0, sizeof(*e));
		e->source = strdup(source_name);
		if (e->source == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		r.n++;
	}
	if (e->count < LONG_MAX)
		e->count++;
	hc_rfc3339((long long)time(NULL), e->time);
	text = format_record(ti, &r);
	if (text == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	/* relative to the directory, never through a link (fileio.c) */
	if (hc_state_dir_open(dir, 0, &dirfd, err) != 0)
		goto out;
	if (hc_state_write_at(dirfd, dir, path + strlen(dir) + 1, text,
			      strlen(text), 0600, 1, err) != 0)
		goto out;
	ret = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	hc_pinfail_release(&r);
	free(text);
	free(dir);
	free(path);
	return ret;
}

int
hc_pinfail_clear(const char *state_dir, const struct hc_token_info *ti,
		 hc_err *err)
{
	char *path = hc_pinfail_path(state_dir, ti, err);
	char *dir = path != NULL ? dir_of(path) : NULL;
	int ret = -1, r;

	if (dir == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	/* a linked directory would take the unlink elsewhere */
	r = check_dir(dir, 0, err);
	if (r < 0)
		goto out;
	/* unlink removes a link itself, never what it points at */
	if (r > 0 && unlink(path) != 0 && errno != ENOENT) {
		hc_err_set(err, HC_E_FAIL, "cannot remove %s: %s", path,
			   strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(dir);
	free(path);
	return ret;
}
