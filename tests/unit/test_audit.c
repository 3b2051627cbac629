/* test_audit.c - the audit log file: chain, audit-reset start, links */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/audit.h"

#define assert_err(e, c, sub)                                           \
	do {                                                            \
		assert_int_equal((e)->code, (c));                       \
		if (strstr((e)->msg, (sub)) == NULL)                    \
			fail_msg("'%s' not in '%s'", (sub), (e)->msg);  \
	} while (0)

static const char zeros[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

struct fx {
	char dir[64];
	char log[128];
	char other[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hc-test-audit.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->log, sizeof(f->log), "%s/audit.log", f->dir);
	snprintf(f->other, sizeof(f->other), "%s/other", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	struct dirent *de;
	char p[512];
	DIR *d = opendir(f->dir);

	/* flat: the tests make files and links only */
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
		if (unlink(p) != 0)
			return -1;
	}
	if (d != NULL)
		closedir(d);
	if (rmdir(f->dir) != 0)
		return -1;
	free(f);
	return 0;
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static char *
get(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* One sealed line (newline included) as hsmcert writes it; hash out. */
static void
seal(char *out, size_t len, unsigned long long seq, const char *command,
     const char *target, const char *prev, char hash[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char body[1024];
	int i, n;

	n = snprintf(body, sizeof(body),
		     "{\"seq\":%llu,\"time\":\"2025-01-01T00:00:00Z\",\"user\":\"u\",\"host\":\"h\",\"command\":\"%s\",\"target\":\"%s\",\"result\":\"ok\",\"detail\":\"d\",\"prev\":\"%s\"}",
		     seq, command, target, prev);
	assert_true(n > 0 && (size_t)n < sizeof(body));
	assert_int_equal(EVP_Digest(body, (size_t)n, md, &mdlen, EVP_sha256(), NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(hash + 2 * i, 3, "%02x", md[i]);
	body[n - 1] = '\0';
	snprintf(out, len, "%s,\"hash\":\"%s\"}\n", body, hash);
}

static void
append(const char *path, const char *command, hc_err *err, int expect)
{
	struct hc_audit_rec rec = { command, "t", "ok", "d" };

	memset(err, 0, sizeof(*err));
	assert_int_equal(hc_audit_append(path, NULL, "h", &rec, err), expect);
}

static void
test_audit_append_chains_from_zero(void **state)
{
	struct fx *f = *state;
	struct hc_audit_check c;
	hc_audit_records recs = { NULL, 0 };
	hc_err e;

	append(f->log, "new", &e, 0);
	append(f->log, "remove", &e, 0);
	assert_non_null(strstr(get(f->log), zeros));
	assert_int_equal(hc_audit_verify(f->log, NULL, "h", &c, &recs, &e), 0);
	assert_true(c.ok);
	assert_int_equal(c.lines, 2);
	assert_int_equal(c.last_seq, 2);
	assert_int_equal(c.reset_seq, 0);
	assert_int_equal(recs.n, 2);
	assert_string_equal(recs.v[1].command, "remove");
	hc_audit_records_release(&recs);
}

static void
test_audit_verify_accepts_a_log_started_by_audit_reset(void **state)
{
	struct fx *f = *state;
	struct hc_audit_check c;
	char line[2048], h[65];
	hc_err e;

	/* the head it followed was seq 6 with hash 11...1 */
	seal(line, sizeof(line), 7, "audit-reset", "seq 3-6",
	     "1111111111111111111111111111111111111111111111111111111111111111", h);
	put(f->log, line);
	append(f->log, "new", &e, 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(hc_audit_verify(f->log, NULL, "h", &c, NULL, &e), 0);
	assert_true(c.ok);
	assert_int_equal(c.lines, 2);
	assert_int_equal(c.reset_seq, 7);
	assert_int_equal(c.gap_from, 3);
	assert_int_equal(c.gap_to, 6);
	assert_int_equal(c.last_seq, 8);
	assert_string_equal(c.reset_detail, "d");
}

static void
test_audit_reset_line_in_the_middle_must_chain(void **state)
{
	struct fx *f = *state;
	struct hc_audit_check c;
	char l1[2048], l2[2048], all[4096], h1[65], h2[65];
	hc_err e = { 0 };

	seal(l1, sizeof(l1), 1, "new", "x", zeros, h1);
	/* a reset line after line 1 that jumps to seq 9: not a new start */
	seal(l2, sizeof(l2), 9, "audit-reset", "seq 2-8", h1, h2);
	snprintf(all, sizeof(all), "%s%s", l1, l2);
	put(f->log, all);
	assert_int_equal(hc_audit_verify(f->log, NULL, "h", &c, NULL, &e), 0);
	assert_false(c.ok);
	assert_int_equal(c.bad_line, 2);
	assert_non_null(strstr(c.problem, "seq 9 follows seq 1"));
	/* nor with a prev that is not line 1's hash */
	seal(l2, sizeof(l2), 2, "audit-reset", "", zeros, h2);
	snprintf(all, sizeof(all), "%s%s", l1, l2);
	put(f->log, all);
	assert_int_equal(hc_audit_verify(f->log, NULL, "h", &c, NULL, &e), 0);
	assert_false(c.ok);
	assert_int_equal(c.bad_line, 2);
	assert_int_equal(c.reset_seq, 0);
}

static void
test_audit_first_line_must_start_at_one_unless_reset(void **state)
{
	struct fx *f = *state;
	struct hc_audit_check c;
	char l1[2048], h1[65];
	hc_err e = { 0 };

	seal(l1, sizeof(l1), 5, "new", "x", zeros, h1);
	put(f->log, l1);
	assert_int_equal(hc_audit_verify(f->log, NULL, "h", &c, NULL, &e), 0);
	assert_false(c.ok);
	assert_int_equal(c.bad_line, 1);
}

static void
test_audit_append_refuses_a_symlinked_log(void **state)
{
	struct fx *f = *state;
	struct hc_audit_check c;
	hc_err e;

	put(f->other, "someone else's\nlast line without newline");
	assert_int_equal(symlink(f->other, f->log), 0);
	append(f->log, "new", &e, -1);
	assert_err(&e, HC_E_FAIL, "is a symbolic link");
	assert_non_null(strstr(e.msg, f->log));
	assert_string_equal(get(f->other), "someone else's\nlast line without newline");
	memset(&e, 0, sizeof(e));
	assert_int_equal(hc_audit_verify(f->log, NULL, "h", &c, NULL, &e), -1);
	assert_err(&e, HC_E_FAIL, "is a symbolic link");
}

static void
test_audit_append_refuses_a_symlinked_lock(void **state)
{
	struct fx *f = *state;
	char lock[160];
	hc_err e;

	snprintf(lock, sizeof(lock), "%s.lock", f->log);
	put(f->other, "x\n");
	assert_int_equal(symlink(f->other, lock), 0);
	append(f->log, "new", &e, -1);
	assert_err(&e, HC_E_FAIL, "audit.log.lock is a symbolic link");
	assert_int_equal(access(f->log, F_OK), -1);
	assert_string_equal(get(f->other), "x\n");
}

static void
test_audit_append_refuses_a_directory(void **state)
{
	struct fx *f = *state;
	hc_err e;

	assert_int_equal(mkdir(f->log, 0700), 0);
	append(f->log, "new", &e, -1);
	assert_int_equal(e.code, HC_E_FAIL);
	assert_non_null(strstr(e.msg, f->log));
	assert_int_equal(rmdir(f->log), 0);
}

static void
test_audit_append_repairs_an_interrupted_line(void **state)
{
	struct fx *f = *state;
	struct hc_audit_check c;
	char l1[2048], h1[65], text[4096];
	hc_err e;

	seal(l1, sizeof(l1), 1, "new", "x", zeros, h1);
	snprintf(text, sizeof(text), "%s{\"seq\":2,\"ti", l1);
	put(f->log, text);
	append(f->log, "remove", &e, 0);
	assert_non_null(strstr(get(f->log), "incomplete last line, removed"));
	memset(&e, 0, sizeof(e));
	assert_int_equal(hc_audit_verify(f->log, NULL, "h", &c, NULL, &e), 0);
	assert_true(c.ok);
	assert_int_equal(c.last_seq, 2);
}

static void
test_audit_append_refuses_a_damaged_last_line(void **state)
{
	struct fx *f = *state;
	char l1[2048], h1[65], text[4096];
	hc_err e;

	seal(l1, sizeof(l1), 1, "new", "x", zeros, h1);
	snprintf(text, sizeof(text), "%snot a line\n", l1);
	put(f->log, text);
	append(f->log, "remove", &e, -1);
	assert_err(&e, HC_E_VERIFY, "is damaged");
	assert_non_null(strstr(e.msg, "audit reset --yes"));
	assert_string_equal(get(f->log), text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_audit_append_chains_from_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_verify_accepts_a_log_started_by_audit_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_reset_line_in_the_middle_must_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_first_line_must_start_at_one_unless_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_refuses_a_symlinked_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_refuses_a_symlinked_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_refuses_a_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_repairs_an_interrupted_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_append_refuses_a_damaged_last_line, setup, teardown),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
