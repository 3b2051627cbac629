/* fuzz_plan.c - libFuzzer harness for hc_plan_parse() and hc_plan_check()
 *
 * The input is the plan file's content (an exact-size copy: the parser
 * takes a length, not a string). A parsed plan must hold valid names, each
 * once. Small plans are then checked against themselves (no problem, no
 * warning) and against a list with the first name dropped and a near miss
 * of it added, which must report at least one problem.
 */
#include "fuzz.h"

#include "core/dnsname.h"
#include "core/plan.h"
#include "core/util.h"

/* hc_plan_check compares every pair with an O(n*m) distance: keep it small */
#define CHECK_MAX 16

static int
same_ci(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return 0;
	}
	return *a == *b;
}

static void
check_against(const struct hc_strlist *plan, const struct hc_strlist *names,
	      int expect_clean)
{
	struct hc_strlist problems = { 0 }, warnings = { 0 };
	hc_err err = { 0 };
	int r;

	r = hc_plan_check(plan, names, &problems, &warnings, &err);
	fuzz_check_err(r < 0 ? -1 : 0, &err);
	if (r >= 0) {
		FUZZ_REQUIRE((size_t)r == problems.n,
			     "the return value counts the problems");
		if (expect_clean)
			FUZZ_REQUIRE(r == 0 && warnings.n == 0,
				     "a plan checked against itself is clean");
		else
			FUZZ_REQUIRE(r >= 1, "a dropped planned name is a problem");
	}
	hc_strlist_release(&problems);
	hc_strlist_release(&warnings);
}

static void
check_plan(const struct hc_strlist *plan)
{
	struct hc_strlist names = { 0 };
	hc_err err = { 0 };
	size_t i, j;
	char *near = NULL;
	size_t len;

	FUZZ_REQUIRE(plan->n > 0, "a parsed plan is not empty");
	for (i = 0; i < plan->n; i++) {
		FUZZ_REQUIRE(hc_dnsname_check(plan->v[i], &err) == 0,
			     "every planned name is valid");
		for (j = 0; j < i; j++)
			FUZZ_REQUIRE(!same_ci(plan->v[i], plan->v[j]),
				     "planned names are de-duplicated");
	}
	if (plan->n > CHECK_MAX)
		return;
	check_against(plan, plan, 1);

	/* drop the first name and add a near miss of it instead */
	len = strlen(plan->v[0]);
	near = malloc(len + 2);
	if (near == NULL)
		return;
	memcpy(near, plan->v[0], len + 1);
	near[len] = 'x';
	near[len + 1] = '\0';
	if (hc_strlist_push(&names, near, &err) == 0) {
		for (i = 1; i < plan->n && err.code == 0; i++)
			if (hc_strlist_push(&names, plan->v[i], &err) != 0)
				break;
		if (err.code == 0)
			check_against(plan, &names, 0);
	}
	hc_strlist_release(&names);
	free(near);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hc_strlist plan = { 0 };
	hc_err err = { 0 };
	unsigned char *text = fuzz_memdup(data, size);
	int r;

	if (text == NULL)
		return 0;
	r = hc_plan_parse((const char *)text, size, "fuzz.plan", &plan, &err);
	fuzz_check_err(r, &err);
	if (r == 0)
		check_plan(&plan);
	else
		FUZZ_REQUIRE(plan.n == 0, "the plan is untouched on failure");
	hc_strlist_release(&plan);
	free(text);
	return 0;
}
