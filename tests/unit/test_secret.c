/* test_secret.c - hc_secret, the secret sources and their line parser
 *
 * SPEC sections 2 and 10: a secret is the first line of its source; a NUL
 * byte in it is an error (a C string would use less than was counted); an
 * env: variable leaves the environment once read; a file: open to group or
 * others, or owned by another user (root excepted), is refused; an unknown
 * source is never quoted. Files live in a mkdtemp directory only.
 */
#define _XOPEN_SOURCE 700	/* putenv */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/secret.h"


#define assert_err(e, c, sub)                                           \
	do {                                                            \
		assert_int_equal((e)->code, (c));                       \
		if (strstr((e)->msg, (sub)) == NULL)                    \
			fail_msg("'%s' not in '%s'", (sub), (e)->msg);  \
	} while (0)

#define refute_in_msg(e, sub)                                           \
	do {                                                            \
		if (strstr((e)->msg, (sub)) != NULL)                    \
			fail_msg("'%s' shown in '%s'", (sub), (e)->msg); \
	} while (0)

/* ------------------------------------------------------------------ */
/* the line parser                                                      */

/* buf[0..len) parses to a secret of want bytes */
static void
line_ok(const char *buf, size_t len, size_t want)
{
	hc_err err = { 0 };
	size_t used = 12345;
	hc_secret *s;

	if (hc_secret_parse_line(buf, len, "t", &used, &err) != 0)
		fail_msg("parse failed: %s", err.msg);
	assert_int_equal(used, want);
	s = hc_secret_from_line(buf, len, "t", &err);
	assert_non_null(s);
	assert_int_equal(hc_secret_len(s), want);
	assert_int_equal(strlen(hc_secret_get0_buf(s)), want);
	assert_memory_equal(hc_secret_get0_buf(s), buf, want);
	hc_secret_free(s);
}

static void
line_fails(const char *buf, size_t len, const char *sub)
{
	hc_err err = { 0 };
	size_t used = 12345;

	assert_int_equal(hc_secret_parse_line(buf, len, "file:/x", &used, &err),
			 -1);
	assert_err(&err, HC_E_USAGE, sub);
	assert_err(&err, HC_E_USAGE, "file:/x");
	assert_int_equal(used, 12345);	/* written only on success */
	hc_err_clear(&err);
	assert_null(hc_secret_from_line(buf, len, "file:/x", &err));
	assert_err(&err, HC_E_USAGE, sub);
}

static void
test_secret_line_is_the_first_line(void **state)
{
	(void)state;
	line_ok("1234", 4, 4);
	line_ok("1234\n", 5, 4);
	line_ok("1234\r\n", 6, 4);
	line_ok("1234\nsecond line\n", 17, 4);
	/* only one trailing CR goes; inner CRs and spaces are the secret's */
	line_ok("12\r34\n", 6, 5);
	line_ok("1234\r\r\n", 7, 5);
	line_ok(" pass word \n", 12, 11);
	/* a CR without LF ends nothing: the line is all of it, less the CR */
	line_ok("ab\rcd", 5, 5);
	line_ok("abcd\r", 5, 4);
}

static void
test_secret_line_with_nul_is_refused(void **state)
{
	(void)state;
	/* the PFX-password-file bypass: NUL first, the rest counted */
	line_fails("\0abcdefghijklmnop\n", 18, "contains a NUL byte (at byte 1");
	line_fails("abc\0def\n", 8, "contains a NUL byte (at byte 4");
	line_fails("abcdef\0\n", 8, "contains a NUL byte (at byte 7");
	line_fails("abcdef\0", 7, "NUL byte");
	line_fails("abcdef\0\r\n", 9, "NUL byte");
	line_fails("\0", 1, "NUL byte");
	line_fails("\0\n", 2, "NUL byte");
	/* after the first line it is not the secret's: ignored */
	line_ok("abcdef\n\0rest", 12, 6);
}

static void
test_secret_line_empty_is_refused(void **state)
{
	(void)state;
	line_fails("", 0, "gave an empty value");
	line_fails(NULL, 0, "gave an empty value");
	line_fails("\n", 1, "gave an empty value");
	line_fails("\r\n", 2, "gave an empty value");
	line_fails("\r", 1, "gave an empty value");
	line_fails("\nsecond\n", 8, "gave an empty value");
}

static void
test_secret_line_length_counts_what_is_used(void **state)
{
	char buf[HC_SECRET_MAX + 8];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	line_ok(buf, HC_SECRET_MAX, HC_SECRET_MAX);
	buf[HC_SECRET_MAX] = '\n';
	line_ok(buf, HC_SECRET_MAX + 1, HC_SECRET_MAX);
	buf[HC_SECRET_MAX] = '\r';
	buf[HC_SECRET_MAX + 1] = '\n';
	line_ok(buf, HC_SECRET_MAX + 2, HC_SECRET_MAX);
	memset(buf, 'a', sizeof(buf));
	line_fails(buf, HC_SECRET_MAX + 1, "longer than 1024 bytes");
	/* what a reader gives at most, with no newline in it */
	line_fails(buf, HC_SECRET_READ_MAX, "longer than 1024 bytes");
	buf[HC_SECRET_READ_MAX - 1] = '\r';
	line_fails(buf, HC_SECRET_READ_MAX, "longer than 1024 bytes");
}

static void
test_secret_new_refuses_nul(void **state)
{
	hc_err err = { 0 };
	hc_secret *s;

	(void)state;
	assert_null(hc_secret_new("\0abc", 4, &err));
	assert_err(&err, HC_E_USAGE, "NUL byte");
	hc_err_clear(&err);
	s = hc_secret_new("abc", 3, &err);
	assert_non_null(s);
	assert_int_equal(hc_secret_len(s), 3);
	assert_string_equal(hc_secret_get0_buf(s), "abc");
	hc_secret_free(s);
	hc_secret_free(NULL);
	assert_int_equal(hc_secret_len(NULL), 0);
}

/* ------------------------------------------------------------------ */
/* source syntax                                                        */

static void
test_secret_source_kinds(void **state)
{
	enum hc_secret_src k;
	const char *arg = NULL;
	hc_err err = { 0 };
	int fd = 0;

	(void)state;
	assert_int_equal(hc_secret_source_parse("w", "env:HSM_PIN", &k, &arg, &fd, &err), 0);
	assert_int_equal(k, HC_SECRET_SRC_ENV);
	assert_string_equal(arg, "HSM_PIN");
	assert_int_equal(fd, -1);
	assert_int_equal(hc_secret_source_parse("w", "file:/etc/x.pin", &k, &arg, &fd, &err), 0);
	assert_int_equal(k, HC_SECRET_SRC_FILE);
	assert_string_equal(arg, "/etc/x.pin");
	assert_int_equal(hc_secret_source_parse("w", "fd:3", &k, &arg, &fd, &err), 0);
	assert_int_equal(k, HC_SECRET_SRC_FD);
	assert_null(arg);
	assert_int_equal(fd, 3);
	assert_int_equal(hc_secret_source_parse("w", "fd:000000007", &k, NULL, &fd, &err), 0);
	assert_int_equal(fd, 7);
	assert_int_equal(hc_secret_source_parse("w", "fd:2147483647", &k, NULL, &fd, &err), 0);
	assert_int_equal(fd, 2147483647);
	assert_int_equal(hc_secret_source_parse("w", "prompt", &k, NULL, NULL, &err), 0);
	assert_int_equal(k, HC_SECRET_SRC_PROMPT);
	assert_int_equal(err.code, HC_OK);
}

static void
test_secret_unknown_source_is_never_shown(void **state)
{
	static const char *const bad[] = {
		"1234", "secret123", "env:", "file:", "fd:", "fd:x", "fd:-1",
		"fd:+3", "fd: 3", "fd:3x9", "fd:2147483648", "fd:12345678901", "Prompt",
		"pass:hunter22", "env:A=hunter22", "ENV:X", " prompt",
	};
	static const char msg[] = "PIN for token 't': unknown secret source (not env:VAR, file:PATH, fd:N or prompt); the value is not shown, it may be a secret";
	hc_secret *s = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hc_err err = { 0 };
		const char *value = strchr(bad[i], ':') != NULL ?
			strrchr(bad[i], ':') + 1 : bad[i];

		assert_int_equal(hc_secret_source_parse("PIN for token 't'",
							bad[i], NULL, NULL,
							NULL, &err), -1);
		assert_string_equal(err.msg, msg);
		/* neither the source nor its value, where the text has them */
		if (strstr(msg, value) == NULL)
			refute_in_msg(&err, value);
		if (strstr(msg, bad[i]) == NULL)
			refute_in_msg(&err, bad[i]);
		hc_err_clear(&err);
		assert_int_equal(hc_secret_from_source("w", bad[i], &s, &err), -1);
		assert_err(&err, HC_E_USAGE, "unknown secret source");
		if (strstr(msg, value) == NULL)
			refute_in_msg(&err, value);
		assert_null(s);
	}
}

static void
test_secret_prompt_is_the_callers(void **state)
{
	hc_secret *s = NULL;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_secret_from_source("w", "prompt", &s, &err), -1);
	assert_int_equal(err.code, HC_E_FAIL);
	assert_null(s);
}

/* ------------------------------------------------------------------ */
/* env:                                                                 */

static void
test_secret_env_is_removed_once_read(void **state)
{
	hc_secret *s = NULL;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(setenv("HC_TEST_SECRET_PIN", "1234\r\nx", 1), 0);
	assert_int_equal(hc_secret_from_source("w", "env:HC_TEST_SECRET_PIN", &s, &err), 0);
	/* the whole value: env: is not a line */
	assert_int_equal(hc_secret_len(s), 7);
	assert_string_equal(hc_secret_get0_buf(s), "1234\r\nx");
	hc_secret_free(s);
	assert_null(getenv("HC_TEST_SECRET_PIN"));
	/* a second read finds nothing */
	s = NULL;
	assert_int_equal(hc_secret_from_source("w", "env:HC_TEST_SECRET_PIN", &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "w: the environment variable HC_TEST_SECRET_PIN is not set");
	assert_null(s);
}

static void
test_secret_env_bad_values_are_removed_too(void **state)
{
	char big[HC_SECRET_MAX + 2];
	hc_secret *s = NULL;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(setenv("HC_TEST_SECRET_EMPTY", "", 1), 0);
	assert_int_equal(hc_secret_from_source("w", "env:HC_TEST_SECRET_EMPTY", &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "env:HC_TEST_SECRET_EMPTY gave an empty value");
	assert_null(getenv("HC_TEST_SECRET_EMPTY"));
	hc_err_clear(&err);
	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(setenv("HC_TEST_SECRET_BIG", big, 1), 0);
	assert_int_equal(hc_secret_from_source("w", "env:HC_TEST_SECRET_BIG", &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "longer than 1024 bytes");
	refute_in_msg(&err, "pppp");
	assert_null(getenv("HC_TEST_SECRET_BIG"));
	assert_null(s);
	/* exactly the longest */
	hc_err_clear(&err);
	big[HC_SECRET_MAX] = '\0';
	assert_int_equal(setenv("HC_TEST_SECRET_BIG", big, 1), 0);
	assert_int_equal(hc_secret_from_source("w", "env:HC_TEST_SECRET_BIG", &s, &err), 0);
	assert_int_equal(hc_secret_len(s), HC_SECRET_MAX);
	hc_secret_free(s);
}

/* a putenv string may be read-only: removed, never written to */
static void
test_secret_env_putenv_string_is_not_written(void **state)
{
	static char entry[] = "HC_TEST_SECRET_PUT=hunter2hunter2";
	hc_secret *s = NULL;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(putenv(entry), 0);
	assert_int_equal(hc_secret_from_source("w", "env:HC_TEST_SECRET_PUT", &s, &err), 0);
	assert_string_equal(hc_secret_get0_buf(s), "hunter2hunter2");
	hc_secret_free(s);
	assert_null(getenv("HC_TEST_SECRET_PUT"));
	assert_string_equal(entry, "HC_TEST_SECRET_PUT=hunter2hunter2");
}

/*
 * The child side of test_secret_env_wiped_in_initial_block: run as
 * "test_secret --env-wipe-child" with HC_TEST_WIPE in the environment it
 * was exec'ed with. Exit 0 when the secret was read, the variable is gone
 * and /proc/self/environ no longer holds its value.
 */
static int
env_wipe_child(void)
{
	char env[65536];
	const char *value = "wipe-me-0123456789";
	hc_secret *s = NULL;
	hc_err err = { 0 };
	size_t n = 0, i;
	int fd;

	if (hc_secret_from_source("w", "env:HC_TEST_WIPE", &s, &err) != 0)
		return 10;
	if (strcmp(hc_secret_get0_buf(s), value) != 0)
		return 11;
	hc_secret_free(s);
	if (getenv("HC_TEST_WIPE") != NULL)
		return 12;
	fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 13;
	for (;;) {
		ssize_t r = read(fd, env + n, sizeof(env) - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	for (i = 0; i + strlen(value) <= n; i++)
		if (memcmp(env + i, value, strlen(value)) == 0)
			return 14;	/* still in the initial block */
	/* the other variables are intact */
	for (i = 0; i + 12 <= n; i++)
		if (memcmp(env + i, "HC_TEST_KEEP", 12) == 0)
			return getenv("HC_TEST_KEEP") != NULL &&
			       strcmp(getenv("HC_TEST_KEEP"), "kept") == 0 ? 0 : 16;
	return 15;
}

static void
test_secret_env_wiped_in_initial_block(void **state)
{
	char *argv[] = { (char *)"test_secret", (char *)"--env-wipe-child", NULL };
	char *envp[] = { (char *)"HC_TEST_KEEP=kept",
			 (char *)"HC_TEST_WIPE=wipe-me-0123456789",
			 (char *)"HC_TEST_WIPE=wipe-me-0123456789", NULL };
	int status = 0;
	pid_t pid;

	char self[4096];
	ssize_t n;

	(void)state;
	/*
	 * The path of this program, not /proc/self/exe itself: under valgrind
	 * that names valgrind's tool, while readlink gives the client (the
	 * child then runs natively, which is all this test needs).
	 */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execve(self, argv, envp);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child exited %d", WEXITSTATUS(status));
}

/* ------------------------------------------------------------------ */
/* file: and fd:                                                        */

struct tmp {
	char dir[64];
	char path[128];
	char src[160];
};

static void
tmp_file(struct tmp *t, const char *content, size_t len, mode_t mode)
{
	int fd;

	snprintf(t->path, sizeof(t->path), "%s/secret", t->dir);
	unlink(t->path);
	fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	snprintf(t->src, sizeof(t->src), "file:%s", t->path);
}

static int
setup_tmp(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_secret.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
teardown_tmp(void **state)
{
	struct tmp *t = *state;
	char p[160];

	snprintf(p, sizeof(p), "%s/secret", t->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/link", t->dir);
	unlink(p);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void
test_secret_file_first_line(void **state)
{
	struct tmp *t = *state;
	hc_secret *s = NULL;
	hc_err err = { 0 };

	tmp_file(t, "hunter2\r\nsecond\n", 16, 0600);
	assert_int_equal(hc_secret_from_source("w", t->src, &s, &err), 0);
	assert_string_equal(hc_secret_get0_buf(s), "hunter2");
	hc_secret_free(s);
	tmp_file(t, "hunter2", 7, 0400);
	assert_int_equal(hc_secret_from_source("w", t->src, &s, &err), 0);
	assert_int_equal(hc_secret_len(s), 7);
	hc_secret_free(s);
}

static void
test_secret_file_with_nul_is_refused(void **state)
{
	struct tmp *t = *state;
	hc_secret *s = NULL;
	hc_err err = { 0 };

	tmp_file(t, "\0abcdefghijklmnop\n", 18, 0600);
	assert_int_equal(hc_secret_from_source("password for f.pfx", t->src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "password for f.pfx: file:");
	assert_err(&err, HC_E_USAGE, "contains a NUL byte");
	hc_err_clear(&err);
	tmp_file(t, "abcdef\0ghijklmnop\n", 18, 0600);
	assert_int_equal(hc_secret_from_source("w", t->src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "contains a NUL byte (at byte 7");
	assert_null(s);
}

static void
test_secret_file_too_long_or_empty(void **state)
{
	struct tmp *t = *state;
	char big[3000];
	hc_secret *s = NULL;
	hc_err err = { 0 };

	memset(big, 'x', sizeof(big));
	tmp_file(t, big, sizeof(big), 0600);
	assert_int_equal(hc_secret_from_source("w", t->src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "longer than 1024 bytes");
	hc_err_clear(&err);
	tmp_file(t, "", 0, 0600);
	assert_int_equal(hc_secret_from_source("w", t->src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "gave an empty value");
	assert_err(&err, HC_E_USAGE, t->path);
	assert_null(s);
}

static void
test_secret_file_open_to_group_or_others_is_refused(void **state)
{
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0602, 0620,
				      0601, 0610, 0777, 0444 };
	struct tmp *t = *state;
	hc_secret *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hc_err err = { 0 };
		char mode[16], fix[160];

		tmp_file(t, "hunter2\n", 8, bad[i]);
		assert_int_equal(hc_secret_from_source("PIN", t->src, &s, &err), -1);
		snprintf(mode, sizeof(mode), "(mode %04o)", (unsigned)bad[i]);
		snprintf(fix, sizeof(fix), "chmod 600 %s", t->path);
		assert_err(&err, HC_E_USAGE, t->path);
		assert_err(&err, HC_E_USAGE, mode);
		assert_err(&err, HC_E_USAGE, fix);
		refute_in_msg(&err, "hunter2");
		assert_null(s);
	}
}

static void
test_secret_file_link_target_is_checked(void **state)
{
	struct tmp *t = *state;
	char link[160], src[170];
	hc_secret *s = NULL;
	hc_err err = { 0 };

	tmp_file(t, "hunter2\n", 8, 0644);
	snprintf(link, sizeof(link), "%s/link", t->dir);
	assert_int_equal(symlink(t->path, link), 0);
	snprintf(src, sizeof(src), "file:%s", link);
	/* the link itself is 0777: its target's mode is what counts */
	assert_int_equal(hc_secret_from_source("w", src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "(mode 0644)");
	hc_err_clear(&err);
	assert_int_equal(chmod(t->path, 0600), 0);
	assert_int_equal(hc_secret_from_source("w", src, &s, &err), 0);
	assert_string_equal(hc_secret_get0_buf(s), "hunter2");
	hc_secret_free(s);
}

static void
test_secret_file_of_another_user_is_refused(void **state)
{
	struct tmp *t = *state;
	hc_secret *s = NULL;
	hc_err err = { 0 };

	if (geteuid() != 0)
		skip();	/* only root can give a file away */
	tmp_file(t, "hunter2\n", 8, 0600);
	assert_int_equal(chown(t->path, 65534, 65534), 0);
	assert_int_equal(hc_secret_from_source("w", t->src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "is owned by uid 65534");
	assert_err(&err, HC_E_USAGE, t->path);
	assert_null(s);
	/* root's own file is fine (and so, for another user, is root's) */
	hc_err_clear(&err);
	assert_int_equal(chown(t->path, 0, 0), 0);
	assert_int_equal(hc_secret_from_source("w", t->src, &s, &err), 0);
	hc_secret_free(s);
}

static void
test_secret_missing_file_names_it(void **state)
{
	struct tmp *t = *state;
	char src[160];
	hc_secret *s = NULL;
	hc_err err = { 0 };

	snprintf(src, sizeof(src), "file:%s/nope", t->dir);
	assert_int_equal(hc_secret_from_source("w", src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, src);
	assert_err(&err, HC_E_USAGE, "No such file");
}

static void
test_secret_fd_reads_one_line_only(void **state)
{
	char src[32], rest[16] = { 0 };
	hc_secret *s = NULL;
	hc_err err = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "hunter2\r\nrest", 13), 13);
	close(p[1]);
	snprintf(src, sizeof(src), "fd:%d", p[0]);
	assert_int_equal(hc_secret_from_source("w", src, &s, &err), 0);
	assert_string_equal(hc_secret_get0_buf(s), "hunter2");
	hc_secret_free(s);
	s = NULL;
	/* what follows the line is still there for its owner */
	assert_int_equal(read(p[0], rest, sizeof(rest)), 4);
	assert_string_equal(rest, "rest");
	close(p[0]);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "ab\0cd\n", 6), 6);
	close(p[1]);
	snprintf(src, sizeof(src), "fd:%d", p[0]);
	assert_int_equal(hc_secret_from_source("w", src, &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "contains a NUL byte");
	assert_null(s);
	close(p[0]);
}

static void
test_secret_bad_fd_is_usage_error(void **state)
{
	hc_secret *s = NULL;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_secret_from_source("w", "fd:987654", &s, &err), -1);
	assert_err(&err, HC_E_USAGE, "w: cannot read fd:987654");
	assert_null(s);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_line_is_the_first_line),
		cmocka_unit_test(test_secret_line_with_nul_is_refused),
		cmocka_unit_test(test_secret_line_empty_is_refused),
		cmocka_unit_test(test_secret_line_length_counts_what_is_used),
		cmocka_unit_test(test_secret_new_refuses_nul),
		cmocka_unit_test(test_secret_source_kinds),
		cmocka_unit_test(test_secret_unknown_source_is_never_shown),
		cmocka_unit_test(test_secret_prompt_is_the_callers),
		cmocka_unit_test(test_secret_env_is_removed_once_read),
		cmocka_unit_test(test_secret_env_bad_values_are_removed_too),
		cmocka_unit_test(test_secret_env_putenv_string_is_not_written),
		cmocka_unit_test(test_secret_env_wiped_in_initial_block),
		cmocka_unit_test_setup_teardown(test_secret_file_first_line, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_secret_file_with_nul_is_refused, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_secret_file_too_long_or_empty, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_secret_file_open_to_group_or_others_is_refused, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_secret_file_link_target_is_checked, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_secret_file_of_another_user_is_refused, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_secret_missing_file_names_it, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_secret_fd_reads_one_line_only),
		cmocka_unit_test(test_secret_bad_fd_is_usage_error),
	};

	if (argc == 2 && strcmp(argv[1], "--env-wipe-child") == 0)
		return env_wipe_child();
	return cmocka_run_group_tests_name("secret", tests, NULL, NULL);
}
