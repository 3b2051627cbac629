/* test_pinfail.c - the record of wrong PINs (SPEC 10, PIN lockout guard)
 *
 * Works in a mkdtemp directory of its own, as the state directory; no token.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pinfail.h"

struct fx {
	char dir[64];
	struct hc_token_info ti;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hc-pinfail.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->ti.serial, sizeof(f->ti.serial), "1c69988c28be2e85");
	snprintf(f->ti.label, sizeof(f->ti.label), "t");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	int n;

	/* the test's own mkdtemp directory, nothing else */
	n = snprintf(cmd, sizeof(cmd), "%s/pin-failures/1c69988c28be2e85",
		     f->dir);
	if (n > 0)
		unlink(cmd);
	n = snprintf(cmd, sizeof(cmd), "%s/pin-failures", f->dir);
	if (n > 0)
		rmdir(cmd);
	rmdir(f->dir);
	free(f);
	return 0;
}

static char *
record_text(const struct fx *f)
{
	char path[128], *buf;
	FILE *fp;
	long len;

	snprintf(path, sizeof(path), "%s/pin-failures/%s", f->dir,
		 f->ti.serial);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	return buf;
}

static void
test_pinfail_source_names(void **state)
{
	hc_err err = { 0 };
	char *a, *b, dir[64], file[80], want[200];
	FILE *fp;

	(void)state;
	a = hc_pinfail_source_name(NULL, &err);
	assert_string_equal(a, "prompt");
	free(a);
	assert_true(hc_pinfail_is_prompt(NULL));
	assert_true(hc_pinfail_is_prompt("prompt"));
	assert_false(hc_pinfail_is_prompt("env:PIN"));
	a = hc_pinfail_source_name("env:HSM PIN", &err);
	assert_string_equal(a, "env:HSM%20PIN");
	free(a);
	a = hc_pinfail_source_name("file:\x1b[31m%", &err);
	assert_string_equal(a, "file:%1B[31m%25");
	free(a);
	/* one file, two spellings: one source */
	snprintf(dir, sizeof(dir), "/tmp/hc-pinfail.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/pin", dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(want, sizeof(want), "file:%s", file);
	a = hc_pinfail_source_name(want, &err);
	snprintf(want, sizeof(want), "file:%s/./../%s/pin", dir, strrchr(dir, '/') + 1);
	b = hc_pinfail_source_name(want, &err);
	snprintf(want, sizeof(want), "file:%s", file);
	assert_string_equal(a, want);
	assert_string_equal(b, want);
	free(a);
	free(b);
	/* a file that is not there keeps its spelling */
	a = hc_pinfail_source_name("file:/nonexistent/./pin", &err);
	assert_string_equal(a, "file:/nonexistent/./pin");
	free(a);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(err.code, HC_OK);
}

static void
test_pinfail_add_read_clear(void **state)
{
	struct fx *f = *state;
	struct hc_pinfail r = { 0 };
	const struct hc_pinfail_entry *e;
	hc_err err = { 0 };
	struct stat st;
	char path[128], *text;

	assert_int_equal(hc_pinfail_read(f->dir, &f->ti, &r, &err), 0);
	assert_int_equal(hc_pinfail_add(f->dir, &f->ti, "file:/etc/pin", &err), 0);
	assert_int_equal(hc_pinfail_add(f->dir, &f->ti, "env:PIN", &err), 0);
	assert_int_equal(hc_pinfail_add(f->dir, &f->ti, "file:/etc/pin", &err), 0);
	snprintf(path, sizeof(path), "%s/pin-failures/1c69988c28be2e85", f->dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	text = record_text(f);
	assert_non_null(strstr(text, "\nserial 1c69988c28be2e85\n"));
	assert_non_null(strstr(text, "Z 2 file:/etc/pin\n"));
	assert_non_null(strstr(text, "Z 1 env:PIN\n"));
	free(text);
	assert_int_equal(hc_pinfail_read(f->dir, &f->ti, &r, &err), 1);
	assert_int_equal(r.n, 2);
	e = hc_pinfail_find(&r, "file:/etc/pin");
	assert_non_null(e);
	assert_int_equal(e->count, 2);
	assert_int_equal(strlen(e->time), 20);
	assert_null(hc_pinfail_find(&r, "file:/etc/other"));
	hc_pinfail_release(&r);
	assert_int_equal(hc_pinfail_clear(f->dir, &f->ti, &err), 0);
	assert_int_equal(hc_pinfail_read(f->dir, &f->ti, &r, &err), 0);
	assert_int_equal(hc_pinfail_clear(f->dir, &f->ti, &err), 0);
	assert_int_equal(err.code, HC_OK);
}

static void
test_pinfail_keeps_the_newest_sources(void **state)
{
	struct fx *f = *state;
	struct hc_pinfail r = { 0 };
	hc_err err = { 0 };
	char src[32];
	int i;

	for (i = 0; i < HC_PINFAIL_MAX + 3; i++) {
		snprintf(src, sizeof(src), "env:PIN%d", i);
		assert_int_equal(hc_pinfail_add(f->dir, &f->ti, src, &err), 0);
	}
	assert_int_equal(hc_pinfail_read(f->dir, &f->ti, &r, &err), 1);
	assert_int_equal(r.n, HC_PINFAIL_MAX);
	assert_null(hc_pinfail_find(&r, "env:PIN0"));
	assert_null(hc_pinfail_find(&r, "env:PIN2"));
	assert_non_null(hc_pinfail_find(&r, "env:PIN3"));
	snprintf(src, sizeof(src), "env:PIN%d", HC_PINFAIL_MAX + 2);
	assert_non_null(hc_pinfail_find(&r, src));
	hc_pinfail_release(&r);
}

static void
test_pinfail_rejects_damaged_and_foreign_records(void **state)
{
	struct fx *f = *state;
	struct hc_pinfail r = { 0 };
	hc_err err = { 0 };
	char path[128], victim[128], line[16];
	FILE *fp;

	assert_int_equal(hc_pinfail_add(f->dir, &f->ti, "env:PIN", &err), 0);
	snprintf(path, sizeof(path), "%s/pin-failures/1c69988c28be2e85", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("serial 1c69988c28be2e85\nfailure 2026-01-01T00:00:00Z x env:PIN\n", fp);
	fclose(fp);
	assert_int_equal(hc_pinfail_read(f->dir, &f->ti, &r, &err), -1);
	assert_int_equal(err.code, HC_E_FAIL);
	assert_non_null(strstr(err.msg, "damaged at line 2"));
	assert_non_null(strstr(err.msg, path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("serial 0000000000000000\n", fp);
	fclose(fp);
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_pinfail_read(f->dir, &f->ti, &r, &err), -1);
	assert_non_null(strstr(err.msg, "not of this token"));
	/* a link is never followed, read or written */
	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	fp = fopen(victim, "w");
	assert_non_null(fp);
	fputs("victim\n", fp);
	fclose(fp);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(victim, path), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_pinfail_read(f->dir, &f->ti, &r, &err), -1);
	assert_non_null(strstr(err.msg, "is a symbolic link"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(hc_pinfail_add(f->dir, &f->ti, "env:PIN", &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(hc_pinfail_clear(f->dir, &f->ti, &err), 0);
	fp = fopen(victim, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	assert_string_equal(line, "victim\n");
	assert_int_equal(unlink(victim), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinfail_source_names),
		cmocka_unit_test_setup_teardown(test_pinfail_add_read_clear,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinfail_keeps_the_newest_sources,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinfail_rejects_damaged_and_foreign_records,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("pinfail", tests, NULL, NULL);
}
