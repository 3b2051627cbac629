/* fuzz_secret.c - libFuzzer harness for the secret-source reader
 *
 * The input is what a secret source gives: a PIN file's content, the bytes
 * on an fd:, a typed line. It goes through every reader of
 * src/core/secret.c, and each outcome is checked against a model of SPEC
 * sections 2 and 10 (the first line, one trailing CR dropped, a NUL byte in
 * it refused, at most HC_SECRET_MAX bytes, not empty):
 *  - hc_secret_parse_line() on an exact-size copy, and hc_secret_from_line();
 *  - hc_secret_from_source("fd:N") over a pipe holding the input: the same
 *    outcome as the model on what a reader may read, and nothing after the
 *    first line consumed (the rest is still in the pipe);
 *  - hc_secret_from_source("file:PATH") of a 0600 file holding the input;
 *  - hc_secret_from_source("env:VAR") with the input up to its first NUL
 *    as the value (putenv): the whole value, and the variable gone after;
 *  - hc_secret_source_parse() of the input as a source: a refusal never
 *    quotes it (it may be a PIN typed where the source belongs).
 * The secure heap is not initialised here, so secrets live on the ordinary
 * heap where ASan sees every byte.
 */
#define _XOPEN_SOURCE 700	/* putenv */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#include "core/error.h"
#include "core/secret.h"

/* what is written to a pipe or file: well under a pipe's 64 KiB */
#define FEED_MAX 8192

struct model {
	int ok;			/* 1: a secret of len bytes */
	size_t len;
	const char *why;	/* else a substring of the message */
};

/* SPEC: the first line of buf[0..len), one trailing '\r' dropped */
static struct model
model_line(const uint8_t *buf, size_t len)
{
	struct model m = { 0, 0, NULL };
	size_t n = 0;

	while (n < len && buf[n] != '\n')
		n++;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > 0 && memchr(buf, '\0', n) != NULL)
		m.why = "contains a NUL byte";
	else if (n > HC_SECRET_MAX)
		m.why = "is longer than";
	else if (n == 0)
		m.why = "gave an empty value";
	else {
		m.ok = 1;
		m.len = n;
	}
	return m;
}

/* the outcome (ret, s, err) matches the model for the bytes at want */
static void
check_outcome(const char *who, int ret, const hc_secret *s, const hc_err *err,
	      struct model m, const uint8_t *want)
{
	fuzz_check_err(ret, err);
	if (fuzz_verbose())
		fprintf(stderr, "fuzz: %s: model %s\n", who,
			m.ok ? "ok" : m.why);
	if (!m.ok) {
		FUZZ_REQUIRE(ret != 0, "a line the model refuses is refused");
		FUZZ_REQUIRE(s == NULL, "no secret on failure");
		FUZZ_REQUIRE(err->code == HC_E_USAGE, "a bad secret is exit 2");
		FUZZ_REQUIRE(strstr(err->msg, m.why) != NULL,
			     "the message says what is wrong");
		return;
	}
	FUZZ_REQUIRE(ret == 0, "a line the model accepts is accepted");
	FUZZ_REQUIRE(s != NULL, "a secret on success");
	FUZZ_REQUIRE(hc_secret_len(s) == m.len, "the length is the line's");
	FUZZ_REQUIRE(memcmp(hc_secret_get0_buf(s), want, m.len) == 0,
		     "the secret is the line");
	FUZZ_REQUIRE(hc_secret_get0_buf(s)[m.len] == '\0',
		     "the secret is NUL-terminated");
	FUZZ_REQUIRE(strlen(hc_secret_get0_buf(s)) == m.len,
		     "the C string is as long as the counted secret");
}

static void
fuzz_parse(const uint8_t *data, size_t size)
{
	struct model m = model_line(data, size);
	char *copy = (char *)fuzz_memdup(data, size);
	hc_secret *s = NULL;
	hc_err err = { 0 };
	size_t used = (size_t)-1;
	int r;

	if (copy == NULL)
		return;
	r = hc_secret_parse_line(copy, size, "fuzz", &used, &err);
	fuzz_check_err(r, &err);
	FUZZ_REQUIRE((r == 0) == m.ok, "parse_line agrees with the model");
	if (r == 0)
		FUZZ_REQUIRE(used == m.len, "parse_line's length is the model's");
	else
		FUZZ_REQUIRE(used == (size_t)-1, "*used untouched on failure");
	hc_err_clear(&err);
	s = hc_secret_from_line(copy, size, "fuzz", &err);
	check_outcome("from_line", s != NULL ? 0 : -1, s, &err, m, data);
	hc_secret_free(s);
	free(copy);
}

/* what a reader of a pipe may read: through the first '\n', at most cap */
static size_t
reader_prefix(const uint8_t *data, size_t size)
{
	size_t n = 0;

	while (n < size && n < HC_SECRET_READ_MAX) {
		if (data[n++] == '\n')
			break;
	}
	return n;
}

static void
fuzz_fd(const uint8_t *data, size_t size)
{
	size_t feed = size < FEED_MAX ? size : FEED_MAX;
	size_t pre = reader_prefix(data, feed), got = 0;
	struct model m = model_line(data, pre);
	unsigned char *rest = NULL;
	hc_secret *s = NULL;
	hc_err err = { 0 };
	char src[32];
	int p[2], r;

	if (pipe(p) != 0)
		return;
	if (feed > 0 && write(p[1], data, feed) != (ssize_t)feed)
		goto out;
	close(p[1]);
	p[1] = -1;
	snprintf(src, sizeof(src), "fd:%d", p[0]);
	r = hc_secret_from_source("fuzz", src, &s, &err);
	check_outcome("fd", r, s, &err, m, data);
	/* nothing after the line (or the reader's limit) was consumed */
	rest = malloc(FEED_MAX + 1);
	if (rest == NULL)
		goto out;
	for (;;) {
		ssize_t n = read(p[0], rest + got, FEED_MAX + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	FUZZ_REQUIRE(got == feed - pre, "fd: reads no further than the line");
	FUZZ_REQUIRE(got == 0 || memcmp(rest, data + pre, got) == 0,
		     "fd: leaves the rest as it was");
out:
	free(rest);
	hc_secret_free(s);
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

static char file_dir[256], file_path[300];

static void
fuzz_file_cleanup(void)
{
	unlink(file_path);
	rmdir(file_dir);
}

/* a 0600 file of ours, made once, rewritten for every input */
static const char *
fuzz_file_path(void)
{
	char *dir = file_dir, *path = file_path;

	if (dir[0] == '\0') {
		struct stat st;
		const char *tmp = getenv("TMPDIR");

		/*
		 * tmpfs when there is one: ext4 flushes a file truncated to
		 * zero and rewritten at close (auto_da_alloc), a hundred
		 * times slower
		 */
		if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		    access("/dev/shm", W_OK) == 0)
			tmp = "/dev/shm";
		snprintf(dir, sizeof(file_dir), "%s/fuzz_secret.XXXXXX",
			 tmp != NULL ? tmp : "/tmp");
		if (mkdtemp(dir) == NULL) {
			dir[0] = '\0';
			return NULL;
		}
		snprintf(path, sizeof(file_path), "%s/secret", dir);
		atexit(fuzz_file_cleanup);
	}
	return path;
}

static void
fuzz_file(const uint8_t *data, size_t size)
{
	size_t feed = size < FEED_MAX ? size : FEED_MAX;
	size_t pre = feed < HC_SECRET_READ_MAX ? feed : HC_SECRET_READ_MAX;
	struct model m = model_line(data, pre);
	const char *path = fuzz_file_path();
	hc_secret *s = NULL;
	hc_err err = { 0 };
	char src[128];
	int fd, r;

	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	r = feed == 0 || write(fd, data, feed) == (ssize_t)feed;
	if (fchmod(fd, 0600) != 0)
		r = 0;
	close(fd);
	if (!r)
		return;
	snprintf(src, sizeof(src), "file:%s", path);
	r = hc_secret_from_source("fuzz", src, &s, &err);
	check_outcome("file", r, s, &err, m, data);
	hc_secret_free(s);
}

static void
fuzz_env(const uint8_t *data, size_t size)
{
	static const char name[] = "HC_FUZZ_SECRET";
	size_t vlen = 0;
	struct model m = { 0, 0, NULL };
	hc_secret *s = NULL;
	hc_err err = { 0 };
	char *entry;
	int r;

	while (vlen < size && data[vlen] != '\0')
		vlen++;
	entry = malloc(sizeof(name) + 1 + vlen);
	if (entry == NULL)
		return;
	memcpy(entry, name, sizeof(name) - 1);
	entry[sizeof(name) - 1] = '=';
	if (vlen > 0)
		memcpy(entry + sizeof(name), data, vlen);
	entry[sizeof(name) + vlen] = '\0';
	if (putenv(entry) != 0) {
		free(entry);
		return;
	}
	/* env: is a value, not a line: all of it */
	if (vlen > HC_SECRET_MAX)
		m.why = "is longer than";
	else if (vlen == 0)
		m.why = "gave an empty value";
	else {
		m.ok = 1;
		m.len = vlen;
	}
	r = hc_secret_from_source("fuzz", "env:HC_FUZZ_SECRET", &s, &err);
	check_outcome("env", r, s, &err, m, data);
	FUZZ_REQUIRE(getenv(name) == NULL, "env: leaves the environment");
	FUZZ_REQUIRE(memcmp(entry + sizeof(name), data, vlen) == 0,
		     "a putenv string is never written to");
	hc_secret_free(s);
	free(entry);
}

static void
fuzz_source_text(const uint8_t *data, size_t size)
{
	static const char unknown[] = "w: unknown secret source (not env:VAR, file:PATH, fd:N or prompt); the value is not shown, it may be a secret";
	char *src = fuzz_strdup(data, size);
	enum hc_secret_src kind;
	const char *arg = NULL;
	hc_err err = { 0 };
	int fd = -2, r;

	if (src == NULL)
		return;
	r = hc_secret_source_parse("w", src, &kind, &arg, &fd, &err);
	fuzz_check_err(r, &err);
	if (r != 0) {
		FUZZ_REQUIRE(err.code == HC_E_USAGE, "a bad source is exit 2");
		FUZZ_REQUIRE(src[0] == '\0' || strcmp(err.msg, unknown) == 0,
			     "a bad source gets the fixed message only");
		FUZZ_REQUIRE(fd == -2 && arg == NULL,
			     "out-params untouched on failure");
	} else if (kind == HC_SECRET_SRC_ENV) {
		FUZZ_REQUIRE(strncmp(src, "env:", 4) == 0 && arg == src + 4 &&
			     *arg != '\0' && strchr(arg, '=') == NULL,
			     "env: names a variable");
	} else if (kind == HC_SECRET_SRC_FILE) {
		FUZZ_REQUIRE(strncmp(src, "file:", 5) == 0 && arg == src + 5 &&
			     *arg != '\0', "file: names a path");
	} else if (kind == HC_SECRET_SRC_FD) {
		FUZZ_REQUIRE(strncmp(src, "fd:", 3) == 0 && fd >= 0 &&
			     strspn(src + 3, "0123456789") == strlen(src + 3),
			     "fd: is digits");
		FUZZ_REQUIRE(strtol(src + 3, NULL, 10) == fd,
			     "fd: is the number written");
	} else {
		FUZZ_REQUIRE(strcmp(src, "prompt") == 0, "prompt is \"prompt\"");
	}
	free(src);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse(data, size);
	fuzz_fd(data, size);
	fuzz_file(data, size);
	fuzz_env(data, size);
	fuzz_source_text(data, size);
	return 0;
}
