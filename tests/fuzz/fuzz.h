/* fuzz.h - helpers shared by the libFuzzer harnesses (tests/fuzz)
 *
 * Each harness gets the input as bytes. APIs that take (buf, len) get an
 * exact-size heap copy, so ASan sees any read past len; APIs that take a C
 * string get a NUL-terminated copy. A broken documented contract (an error
 * without a code or message, an out-param written on failure, ...) is
 * reported with FUZZ_REQUIRE, which aborts so libFuzzer keeps the input.
 */
#ifndef HC_TESTS_FUZZ_H
#define HC_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmcert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_REQUIRE(cond, what)					\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: contract broken: %s (%s)\n", \
				__FILE__, __LINE__, (what), #cond);	\
			abort();					\
		}							\
	} while (0)

/* A NUL-terminated copy of the input (it stops at an embedded NUL). */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An exact-size copy (never NULL for size 0: malloc(1)). */
static inline unsigned char *
fuzz_memdup(const uint8_t *data, size_t size)
{
	unsigned char *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
		return NULL;
	if (size > 0)
		memcpy(p, data, size);
	return p;
}

/*
 * FUZZ_VERBOSE=1 in the environment prints every call's outcome: run a
 * harness on a few files to see which paths the seeds take.
 */
static inline int
fuzz_verbose(void)
{
	static int v = -1;

	if (v < 0) {
		const char *e = getenv("FUZZ_VERBOSE");

		v = e != NULL && e[0] != '\0' && e[0] != '0';
	}
	return v;
}

/* STYLE section 3: a failure carries a SPEC code and a printable message. */
static inline void
fuzz_check_err(int ret, const hc_err *err)
{
	if (fuzz_verbose())
		fprintf(stderr, "fuzz: ret %d, code %d: %.*s\n", ret, err->code,
			(int)sizeof(err->msg), err->msg);
	if (ret == 0)
		return;
	FUZZ_REQUIRE(err->code >= HC_E_FAIL && err->code <= HC_E_CANCEL,
		     "a failure sets hc_err.code");
	FUZZ_REQUIRE(err->msg[0] != '\0', "a failure sets hc_err.msg");
	FUZZ_REQUIRE(memchr(err->msg, '\0', sizeof(err->msg)) != NULL,
		     "hc_err.msg is NUL-terminated");
}

#endif
