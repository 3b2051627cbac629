/* secret.c - PINs and passwords that wipe themselves, and their sources
 *
 * A secret lives in the OpenSSL secure heap when the program initialised
 * one (src/cli/main.c does: mlock'ed, never swapped, wiped on free), else
 * on the ordinary heap; it is wiped either way. Sources (SPEC sections 2
 * and 10) are read here rather than in the CLI so that the parser can be
 * fuzzed (tests/fuzz/fuzz_secret.c) and tested (tests/unit/test_secret.c).
 * No message ever quotes a secret or a source that did not parse.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "error.h"
#include "secret.h"
#include "core/range.h"

extern char **environ;

struct hc_secret {
	char *buf;
	size_t len;
	size_t cap;
};

hc_secret *
hc_secret_new(const char *buf, size_t len, hc_err *err)
{
	hc_secret *s;

	/* a C string would stop at the NUL and use less than was counted */
	if (len > 0 && memchr(buf, '\0', len) != NULL) {
		hc_err_set(err, HC_E_USAGE,
			   "a secret contains a NUL byte; a PIN or password is text");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	s->cap = len + 1;
	s->buf = OPENSSL_secure_malloc(s->cap);
	if (s->buf == NULL) {
		free(s);
		hc_err_set(err, HC_E_FAIL, "out of memory");
		return NULL;
	}
	if (len > 0)
		memcpy(s->buf, buf, len);
	s->buf[len] = '\0';
	s->len = len;
	return s;
}

size_t
hc_secret_len(const hc_secret *s)
{
	return s != NULL ? s->len : 0;
}

const char *
hc_secret_get0_buf(const hc_secret *s)
{
	return s->buf;
}

void
hc_secret_free(hc_secret *s)
{
	if (s == NULL)
		return;
	OPENSSL_secure_clear_free(s->buf, s->cap);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                              */

static int
unknown_source(const char *what, hc_err *err)
{
	return hc_err_set(err, HC_E_USAGE,
			  "%s: unknown secret source (not env:VAR, file:PATH, fd:N or prompt); the value is not shown, it may be a secret",
			  what);
}

int
hc_secret_source_parse(const char *what, const char *src,
		       enum hc_secret_src *kind, const char **arg, int *fd,
		       hc_err *err)
{
	enum hc_secret_src k;
	const char *a = NULL;
	long n = -1;

	if (what == NULL)
		what = "secret";
	if (src == NULL || *src == '\0')
		return hc_err_set(err, HC_E_USAGE,
				  "%s: the secret source is empty", what);
	if (strcmp(src, "prompt") == 0) {
		k = HC_SECRET_SRC_PROMPT;
	} else if (strncmp(src, "env:", 4) == 0) {
		a = src + 4;
		if (*a == '\0' || strchr(a, '=') != NULL)
			return unknown_source(what, err);
		k = HC_SECRET_SRC_ENV;
	} else if (strncmp(src, "file:", 5) == 0) {
		a = src + 5;
		if (*a == '\0')
			return unknown_source(what, err);
		k = HC_SECRET_SRC_FILE;
	} else if (strncmp(src, "fd:", 3) == 0) {
		const char *p = src + 3;

		/* digits only (no sign or space), at most INT_MAX */
		if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
		    strlen(p) > 10)
			return unknown_source(what, err);
		n = strtol(p, NULL, 10);
		if (n > INT_MAX)
			return unknown_source(what, err);
		k = HC_SECRET_SRC_FD;
	} else {
		return unknown_source(what, err);
	}
	if (kind != NULL)
		*kind = k;
	if (arg != NULL)
		*arg = a;
	if (fd != NULL)
		*fd = hc_range_clamp_int_long(n);
	return 0;
}

int
hc_secret_parse_line(const char *buf, size_t len, const char *name,
		     size_t *used, hc_err *err)
{
	const char *nl, *nul;
	size_t n;

	if (name == NULL)
		name = "the secret";
	if (buf == NULL && len > 0)
		return hc_err_set(err, HC_E_FAIL, "internal: buf == NULL");
	nl = len > 0 ? memchr(buf, '\n', len) : NULL;
	n = nl != NULL ? (size_t)(nl - buf) : len;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	nul = n > 0 ? memchr(buf, '\0', n) : NULL;
	if (nul != NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "%s contains a NUL byte (at byte %zu of its first line); a PIN or password is one line of text",
				  name, (size_t)(nul - buf) + 1);
	if (n > HC_SECRET_MAX)
		return hc_err_set(err, HC_E_USAGE,
				  "%s is longer than %d bytes", name,
				  HC_SECRET_MAX);
	if (n == 0)
		return hc_err_set(err, HC_E_USAGE, "%s gave an empty value",
				  name);
	*used = n;
	return 0;
}

hc_secret *
hc_secret_from_line(const char *buf, size_t len, const char *name,
		    hc_err *err)
{
	size_t n;

	if (hc_secret_parse_line(buf, len, name, &n, err) != 0)
		return NULL;
	return hc_secret_new(buf, n, err);
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */

int
hc_secret_read_line(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (buf[n++] == '\n')
			break;
	}
	*len = n;
	return 0;
}

/* Up to cap bytes of a file, stopping once a newline has been read. */
static int
read_file_head(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (memchr(buf + n, '\n', (size_t)r) != NULL) {
			n += (size_t)r;
			break;
		}
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

/*
 * The bounds of this process's initial environment block (the strings the
 * kernel copied at exec, which /proc/PID/environ shows): fields 50 and 51
 * of /proc/self/stat (Linux 3.5 and later). Returns 0, or -1 when they
 * cannot be read.
 */
static int
env_block(uintptr_t *start, uintptr_t *end)
{
	char st[2048];
	unsigned long long v[2] = { 0, 0 };
	const char *p;
	size_t n = 0;
	int fd, field, ret = -1;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (n < sizeof(st) - 1) {
		ssize_t r = read(fd, st + n, sizeof(st) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	st[n] = '\0';
	/* the command name (field 2) may hold spaces and parentheses */
	p = strrchr(st, ')');
	if (p == NULL)
		return -1;
	p++;
	for (field = 3; *p != '\0' && field <= 51; field++) {
		char *e;
		unsigned long long x;

		while (*p == ' ')
			p++;
		errno = 0;
		x = strtoull(p, &e, 10);
		if (field >= 50) {
			if (e == p || errno != 0)
				return -1;
			v[field - 50] = x;
		}
		p = e;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	if (field == 52 && v[0] != 0 && v[0] < v[1]) {
		*start = (uintptr_t)v[0];
		*end = (uintptr_t)v[1];
		ret = 0;
	}
	return ret;
}

/*
 * Remove the variable name (nlen bytes, no '=') from the environment once
 * its value is read: overwrite every NAME=value string that lies inside the
 * initial environment block (ours to write: the stack of the process) and
 * unsetenv, which drops every entry of that name. A string elsewhere came
 * from setenv or putenv: it belongs to the C library or to whoever put it
 * there (perhaps read-only memory), so it is only dropped.
 */
static int
env_remove(const char *name, size_t nlen, const char *what, hc_err *err)
{
	uintptr_t lo = 0, hi = 0;
	char **e;
	int have_block = env_block(&lo, &hi) == 0;

	for (e = environ; have_block && e != NULL && *e != NULL; e++) {
		uintptr_t at = (uintptr_t)*e;
		size_t vlen;

		if (strncmp(*e, name, nlen) != 0 || (*e)[nlen] != '=')
			continue;
		vlen = strlen(*e + nlen + 1);
		if (at < lo || at >= hi || hi - at < nlen + 1 + vlen + 1)
			continue;
		OPENSSL_cleanse(*e + nlen + 1, vlen);
	}
	if (unsetenv(name) != 0)
		return hc_err_set(err, HC_E_FAIL,
				  "%s: cannot remove %s from the environment: %s",
				  what, name, strerror(errno));
	return 0;
}

static int
from_env(const char *what, const char *src, const char *name,
	 hc_secret **out, hc_err *err)
{
	const char *v = getenv(name);
	hc_secret *s = NULL;
	size_t len;

	if (v == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "%s: the environment variable %s is not set",
				  what, name);
	len = strlen(v);
	if (len > HC_SECRET_MAX)
		hc_err_set(err, HC_E_USAGE, "%s: %s is longer than %d bytes",
			   what, src, HC_SECRET_MAX);
	else if (len == 0)
		hc_err_set(err, HC_E_USAGE, "%s: %s gave an empty value", what,
			   src);
	else
		s = hc_secret_new(v, len, err);
	/* set at all, good or bad: it leaves the environment now */
	if (env_remove(name, strlen(name), what, err) != 0 || s == NULL) {
		hc_secret_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int
from_file(const char *what, const char *src, const char *path,
	  hc_secret **out, hc_err *err)
{
	char *buf = NULL, name[600];
	struct stat st;
	uid_t me = geteuid();
	size_t len = 0;
	int fd, r, ret = -1;

	r = snprintf(name, sizeof(name), "%s: %s", what, src);
	(void)r;
	/* links are followed; the checks below are of what was opened */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hc_err_set(err, HC_E_USAGE, "%s: cannot read %s: %s",
				  what, src, strerror(errno));
	if (fstat(fd, &st) != 0) {
		hc_err_set(err, HC_E_USAGE, "%s: cannot read %s: %s", what,
			   src, strerror(errno));
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		hc_err_set(err, HC_E_USAGE,
			   "%s: %s may be read or changed by group or others (mode %04lo); refused, as OpenSSH refuses such key files: run chmod 600 %s",
			   what, path, (unsigned long)(st.st_mode & 07777),
			   path);
		goto out;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		hc_err_set(err, HC_E_USAGE,
			   "%s: %s is owned by uid %lu, neither this user (uid %lu) nor root; refused, as OpenSSH refuses such key files: run chown %lu %s",
			   what, path, (unsigned long)st.st_uid,
			   (unsigned long)me, (unsigned long)me, path);
		goto out;
	}
	buf = OPENSSL_secure_zalloc(HC_SECRET_READ_MAX);
	if (buf == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (read_file_head(fd, buf, HC_SECRET_READ_MAX, &len) != 0) {
		hc_err_set(err, HC_E_USAGE, "%s: cannot read %s: %s", what,
			   src, strerror(errno));
		goto out;
	}
	*out = hc_secret_from_line(buf, len, name, err);
	if (*out != NULL)
		ret = 0;
out:
	OPENSSL_secure_clear_free(buf, HC_SECRET_READ_MAX);
	close(fd);
	return ret;
}

static int
from_fd(const char *what, const char *src, int fd, hc_secret **out,
	hc_err *err)
{
	char *buf = NULL, name[600];
	size_t len = 0;
	int r, ret = -1;

	r = snprintf(name, sizeof(name), "%s: %s", what, src);
	(void)r;
	buf = OPENSSL_secure_zalloc(HC_SECRET_READ_MAX);
	if (buf == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (hc_secret_read_line(fd, buf, HC_SECRET_READ_MAX, &len) != 0) {
		hc_err_set(err, HC_E_USAGE, "%s: cannot read %s: %s", what,
			   src, strerror(errno));
		goto out;
	}
	*out = hc_secret_from_line(buf, len, name, err);
	if (*out != NULL)
		ret = 0;
out:
	OPENSSL_secure_clear_free(buf, HC_SECRET_READ_MAX);
	return ret;
}

int
hc_secret_from_source(const char *what, const char *src, hc_secret **out,
		      hc_err *err)
{
	enum hc_secret_src kind;
	const char *arg = NULL;
	hc_secret *s = NULL;
	int fd = -1, r = -1;

	if (what == NULL)
		what = "secret";
	if (out == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: out == NULL");
	if (hc_secret_source_parse(what, src, &kind, &arg, &fd, err) != 0)
		return -1;
	switch (kind) {
	case HC_SECRET_SRC_ENV:
		r = from_env(what, src, arg, &s, err);
		break;
	case HC_SECRET_SRC_FILE:
		r = from_file(what, src, arg, &s, err);
		break;
	case HC_SECRET_SRC_FD:
		r = from_fd(what, src, fd, &s, err);
		break;
	case HC_SECRET_SRC_PROMPT:
		r = hc_err_set(err, HC_E_FAIL,
			       "internal: %s: a prompt is the caller's to read",
			       what);
		break;
	}
	if (r != 0)
		return -1;
	*out = s;
	return 0;
}
