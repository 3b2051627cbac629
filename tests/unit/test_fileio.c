/* test_fileio.c - state files never followed through links, private
 * outputs never written through them, reload commands' environment and
 * process group (SPEC 10)
 *
 * Everything happens in a mkdtemp directory; the reload cases run
 * /bin/sh. No token.
 */
/* nftw() and FTW_DEPTH/FTW_PHYS are X/Open: -D_POSIX_C_SOURCE hides them. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/bindings.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/lock.h"
#include "core/reload.h"

#define VICTIM_TEXT "not hsmcert state: must stay as it is\n"

struct fx {
	char dir[64];
	char victim[128];
	int dirfd;
};

static void
path_in(const struct fx *f, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The whole file as a string (caller frees), or NULL when it is absent. */
static char *
read_text(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	size_t n;

	if (fp == NULL)
		return NULL;
	buf = calloc(1, 65536);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
expect_victim(const struct fx *f)
{
	struct stat st;
	char *t = read_text(f->victim);

	assert_non_null(t);
	assert_string_equal(t, VICTIM_TEXT);
	free(t);
	assert_int_equal(stat(f->victim, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	memcpy(f->dir, "/tmp/hsmcert-fileio.XXXXXX", 27);
	if (mkdtemp(f->dir) == NULL)
		return -1;
	path_in(f, "victim", f->victim, sizeof(f->victim));
	write_text(f->victim, VICTIM_TEXT, 0640);
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0)
		return -1;
	*state = f;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	close(f->dirfd);
	if (nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "cannot remove %s: %s\n", f->dir,
			strerror(errno));
	free(f);
	return 0;
}

/* err names dir/name and says what it is */
static void
expect_refusal(const hc_err *err, int code, const struct fx *f,
	       const char *name, const char *what)
{
	char path[256];

	path_in(f, name, path, sizeof(path));
	assert_int_equal(err->code, code);
	if (strstr(err->msg, path) == NULL || strstr(err->msg, what) == NULL)
		fail_msg("message lacks '%s' or '%s': %s", path, what, err->msg);
}

static void
test_fileio_state_read_refuses_link_and_fifo(void **state)
{
	struct fx *f = *state;
	unsigned char *buf = NULL;
	size_t len = 0;
	hc_err err = { 0 };
	char p[256];

	/* absent: 1; regular: its bytes */
	assert_int_equal(hc_state_read_at(f->dirfd, f->dir, "bindings.json",
					  &buf, &len, &err), 1);
	assert_int_equal(hc_state_read_at(f->dirfd, f->dir, "victim", &buf,
					  &len, &err), 0);
	assert_int_equal(len, strlen(VICTIM_TEXT));
	assert_memory_equal(buf, VICTIM_TEXT, len);
	free(buf);
	buf = NULL;
	/* a link to a readable file: refused */
	path_in(f, "bindings.json", p, sizeof(p));
	assert_int_equal(symlink(f->victim, p), 0);
	assert_int_equal(hc_state_read_at(f->dirfd, f->dir, "bindings.json",
					  &buf, &len, &err), -1);
	expect_refusal(&err, HC_E_FAIL, f, "bindings.json", "is a symbolic link");
	assert_null(buf);
	/* a FIFO: refused, not opened (no hang) */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkfifo(p, 0600), 0);
	hc_err_clear(&err);
	assert_int_equal(hc_state_read_at(f->dirfd, f->dir, "bindings.json",
					  &buf, &len, &err), -1);
	expect_refusal(&err, HC_E_FAIL, f, "bindings.json", "is a FIFO");
	expect_victim(f);
}

static void
test_fileio_state_write_never_through_a_link(void **state)
{
	struct fx *f = *state;
	hc_err err = { 0 };
	struct stat st;
	char p[256], *t;
	ino_t ino;

	path_in(f, "index.idx", p, sizeof(p));
	assert_int_equal(symlink(f->victim, p), 0);
	assert_int_equal(hc_state_write_at(f->dirfd, f->dir, "index.idx", "x\n",
					   2, 0600, 1, &err), -1);
	expect_refusal(&err, HC_E_FAIL, f, "index.idx", "is a symbolic link");
	expect_victim(f);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* a regular file is replaced by a new one (rename), mode as asked */
	assert_int_equal(unlink(p), 0);
	write_text(p, "old\n", 0644);
	assert_int_equal(stat(p, &st), 0);
	ino = st.st_ino;
	hc_err_clear(&err);
	assert_int_equal(hc_state_write_at(f->dirfd, f->dir, "index.idx",
					   "new\n", 4, 0600, 1, &err), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(st.st_ino != ino);
	t = read_text(p);
	assert_string_equal(t, "new\n");
	free(t);
	/* without overwrite an existing name is an error */
	assert_int_equal(hc_state_write_at(f->dirfd, f->dir, "index.idx",
					   "again\n", 6, 0600, 0, &err), -1);
	expect_refusal(&err, HC_E_FAIL, f, "index.idx", "exists already");
}

static void
test_fileio_state_lock_refuses_links_dangling_too(void **state)
{
	struct fx *f = *state;
	hc_err err = { 0 };
	struct stat st;
	char p[256], made[256], *t;
	int fd = -1;

	path_in(f, "lock", p, sizeof(p));
	assert_int_equal(symlink(f->victim, p), 0);
	assert_int_equal(hc_state_open_at(f->dirfd, f->dir, "lock", &fd, &err),
			 -1);
	expect_refusal(&err, HC_E_FAIL, f, "lock", "is a symbolic link");
	expect_victim(f);
	/* a dangling link: the file it names is not created */
	assert_int_equal(unlink(p), 0);
	path_in(f, "made-through-link", made, sizeof(made));
	assert_int_equal(symlink(made, p), 0);
	hc_err_clear(&err);
	assert_int_equal(hc_state_open_at(f->dirfd, f->dir, "lock", &fd, &err),
			 -1);
	expect_refusal(&err, HC_E_FAIL, f, "lock", "is a symbolic link");
	assert_int_equal(lstat(made, &st), -1);
	/* a regular lock file: opened, never truncated; a new one is 0600 */
	assert_int_equal(unlink(p), 0);
	write_text(p, "keep\n", 0600);
	hc_err_clear(&err);
	assert_int_equal(hc_state_open_at(f->dirfd, f->dir, "lock", &fd, &err),
			 0);
	close(fd);
	t = read_text(p);
	assert_string_equal(t, "keep\n");
	free(t);
	assert_int_equal(hc_state_open_at(f->dirfd, f->dir, "token.lock", &fd,
					  &err), 0);
	close(fd);
	path_in(f, "token.lock", p, sizeof(p));
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
}

static void
test_fileio_state_dir_link_refused_unless_follow(void **state)
{
	struct fx *f = *state;
	hc_err err = { 0 };
	struct stat st;
	char real[256], link[256], absent[256], made[256];
	int fd = -1;

	path_in(f, "real", real, sizeof(real));
	path_in(f, "archive", link, sizeof(link));
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(hc_state_dir_open(link, HC_STATE_CREATE, &fd, &err),
			 -1);
	expect_refusal(&err, HC_E_FAIL, f, "archive", "is a symbolic link");
	hc_err_clear(&err);
	assert_int_equal(hc_state_dir_check(link, &err), -1);
	expect_refusal(&err, HC_E_FAIL, f, "archive", "is a symbolic link");
	/* the configured state directory may be a link */
	hc_err_clear(&err);
	assert_int_equal(hc_state_dir_open(link, HC_STATE_FOLLOW, &fd, &err), 0);
	close(fd);
	/* a regular file where a directory should be */
	hc_err_clear(&err);
	assert_int_equal(hc_state_dir_open(f->victim, 0, &fd, &err), -1);
	expect_refusal(&err, HC_E_FAIL, f, "victim", "not a directory");
	/* absent: 1 without HC_STATE_CREATE; made 0700 with it */
	path_in(f, "a/b", absent, sizeof(absent));
	assert_int_equal(hc_state_dir_open(absent, 0, &fd, NULL), 1);
	path_in(f, "a/b/index", made, sizeof(made));
	assert_int_equal(hc_state_dir_open(made, HC_STATE_CREATE, &fd, NULL), 0);
	close(fd);
	assert_int_equal(stat(made, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
	expect_victim(f);
}

static void
test_fileio_private_refuses_link_fifo_device(void **state)
{
	struct fx *f = *state;
	hc_err err = { 0 };
	struct stat st;
	char p[256], q[256];
	ino_t ino;

	path_in(f, "link.pfx", p, sizeof(p));
	assert_int_equal(symlink(f->victim, p), 0);
	assert_int_equal(hc_file_write_private(p, "PFX", 3, 1, &err), -1);
	expect_refusal(&err, HC_E_USAGE, f, "link.pfx", "is a symbolic link");
	hc_err_clear(&err);
	assert_int_equal(hc_file_check_private(p, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	expect_victim(f);
	path_in(f, "fifo.pfx", q, sizeof(q));
	assert_int_equal(mkfifo(q, 0600), 0);
	hc_err_clear(&err);
	assert_int_equal(hc_file_write_private(q, "PFX", 3, 1, &err), -1);
	expect_refusal(&err, HC_E_USAGE, f, "fifo.pfx", "is a FIFO");
	hc_err_clear(&err);
	assert_int_equal(hc_file_write_private("/dev/null", "PFX", 3, 1, &err),
			 -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "/dev/null is a character device"));
	/* a 0666 regular file: replaced by a new 0600 file */
	path_in(f, "f.pfx", p, sizeof(p));
	write_text(p, "old\n", 0666);
	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(stat(p, &st), 0);
	ino = st.st_ino;
	hc_err_clear(&err);
	assert_int_equal(hc_file_write_private(p, "PFX", 3, 0, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
	assert_non_null(strstr(err.msg, "use --force"));
	hc_err_clear(&err);
	assert_int_equal(hc_file_write_private(p, "PFX", 3, 1, &err), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(st.st_ino != ino);
	assert_int_equal(st.st_size, 3);
}

static void
test_fileio_public_output_still_through_a_link(void **state)
{
	struct fx *f = *state;
	hc_err err = { 0 };
	char p[256], *t;

	/* a request or a chain may go where a link points (decision kept) */
	path_in(f, "out.pem", p, sizeof(p));
	assert_int_equal(symlink(f->victim, p), 0);
	assert_int_equal(hc_file_write_atomic(p, "PEM\n", 4, 0644, 1, &err), 0);
	t = read_text(f->victim);
	assert_string_equal(t, "PEM\n");
	free(t);
}

static void
test_fileio_restore_keeps_mode(void **state)
{
	struct fx *f = *state;
	struct hc_file_meta meta;
	hc_err err = { 0 };
	struct stat st;
	char p[256], *t;

	path_in(f, "cert.pem", p, sizeof(p));
	write_text(p, "old chain\n", 0640);
	assert_int_equal(hc_file_get_meta(p, &meta), 0);
	assert_int_equal(meta.mode, 0640);
	/* enable writes it 0644, the rollback puts it back */
	assert_int_equal(hc_file_write_atomic(p, "new\n", 4, 0644, 1, &err), 0);
	assert_int_equal(hc_file_restore(p, "old chain\n", 10, &meta, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, meta.uid);
	assert_int_equal(st.st_gid, meta.gid);
	t = read_text(p);
	assert_string_equal(t, "old chain\n");
	free(t);
}

static void
test_reload_env_has_only_path_lang_and_hsmcert_vars(void **state)
{
	struct hc_reload_info ri = { "web", "0123456789abcdef0123456789abcdef01234567",
				     "/etc/x/cert.pem", "pkcs11:token=t;type=private" };
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(setenv("PATH", "/usr/bin:/bin", 1), 0);
	assert_int_equal(setenv("LANG", "C.UTF-8", 1), 0);
	assert_int_equal(setenv("LC_TIME", "C", 1), 0);
	assert_int_equal(setenv("HC_TEST_PIN", "pin-must-not-leak", 1), 0);
	assert_int_equal(setenv("HSMCERT_SERVICE", "forged", 1), 0);
	/* the output of a failing command is in the message: env, then exit 3 */
	assert_int_equal(hc_reload_run(&ri, "/bin/sh -c \"/usr/bin/env; exit 3\"",
				       10, &err), -1);
	assert_int_equal(err.code, HC_E_FAIL);
	if (strstr(err.msg, "pin-must-not-leak") != NULL ||
	    strstr(err.msg, "HC_TEST_PIN") != NULL ||
	    strstr(err.msg, "forged") != NULL ||
	    strstr(err.msg, "HOME=") != NULL ||
	    strstr(err.msg, "PATH=/usr/bin:/bin") == NULL ||
	    strstr(err.msg, "LANG=C.UTF-8") == NULL ||
	    strstr(err.msg, "LC_TIME=C") == NULL ||
	    strstr(err.msg, "HSMCERT_SERVICE=web") == NULL ||
	    strstr(err.msg, "HSMCERT_THUMBPRINT=0123456789abcdef0123456789abcdef01234567") == NULL ||
	    strstr(err.msg, "HSMCERT_CERT_FILE=/etc/x/cert.pem") == NULL ||
	    strstr(err.msg, "HSMCERT_KEY_URI=pkcs11:token=t;type=private") == NULL)
		fail_msg("the reload's environment: %s", err.msg);
	unsetenv("HC_TEST_PIN");
	unsetenv("HSMCERT_SERVICE");
}

/* The state of process pid from /proc: 'Z' for a zombie, 0 when gone. */
static char
proc_state(long pid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	size_t n;
	int k = snprintf(path, sizeof(path), "/proc/%ld/stat", pid);

	assert_true(k > 0 && (size_t)k < sizeof(path));
	fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : '?';
}

static void
test_reload_timeout_kills_the_process_group(void **state)
{
	struct fx *f = *state;
	struct hc_reload_info ri = { "slow", NULL, NULL, NULL };
	hc_err err = { 0 };
	char p[256], cmd[512], *t;
	time_t start = time(NULL);
	long child = 0, grandchild = 0;
	char st1, st2;
	int n;

	path_in(f, "pids", p, sizeof(p));
	/* a background child holds the output pipe; the script never ends */
	n = snprintf(cmd, sizeof(cmd),
		     "/bin/sh -c \"sleep 60 & echo $$ $! >%s; sleep 60\"", p);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(hc_reload_run(&ri, cmd, 1, &err), -1);
	assert_true(time(NULL) - start < 10);
	assert_int_equal(err.code, HC_E_FAIL);
	assert_non_null(strstr(err.msg, "did not finish within 1 s"));
	t = read_text(p);
	assert_non_null(t);
	assert_int_equal(sscanf(t, "%ld %ld", &child, &grandchild), 2);
	free(t);
	/* SIGKILL is delivered at once; a reparented zombie is dead too */
	{
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	st1 = proc_state(child);
	st2 = proc_state(grandchild);
	if ((st1 != 0 && st1 != 'Z') || (st2 != 0 && st2 != 'Z')) {
		kill((pid_t)grandchild, SIGKILL);
		fail_msg("still running: child %ld (%c), grandchild %ld (%c)",
			 child, st1 ? st1 : '-', grandchild, st2 ? st2 : '-');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fileio_state_read_refuses_link_and_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fileio_state_write_never_through_a_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fileio_state_lock_refuses_links_dangling_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fileio_state_dir_link_refused_unless_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fileio_private_refuses_link_fifo_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fileio_public_output_still_through_a_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fileio_restore_keeps_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_env_has_only_path_lang_and_hsmcert_vars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_timeout_kills_the_process_group, setup, teardown),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
