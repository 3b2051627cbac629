/* fuzz_dn.c - libFuzzer harness for hc_dn_parse()
 *
 * The input is the DN text (up to the first NUL). A parsed DN must keep
 * the promises of dn.h: at most 64 attributes with canonical keys and
 * non-empty values, in canonical order, C two upper-case letters, and no
 * second C, ST, L or CN.
 */
#include "fuzz.h"

#include "core/dn.h"

/* The canonical order of dn.h; index = rank. */
static const char *const order[] = {
	"DC", "C", "ST", "L", "street", "O", "OU", "title", "SN", "GN", "CN",
	"serialNumber", "emailAddress",
};

static int
rank(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (strcmp(order[i], key) == 0)
			return (int)i;
	return -1;
}

static void
check_dn(const struct hc_dn *dn)
{
	int last = -1, seen[sizeof(order) / sizeof(order[0])] = { 0 };
	size_t i;

	FUZZ_REQUIRE(dn->n >= 1 && dn->n <= 64, "1 to 64 attributes");
	for (i = 0; i < dn->n; i++) {
		const struct hc_dn_attr *a = &dn->attrs[i];
		int r;

		FUZZ_REQUIRE(a->key != NULL && a->value != NULL,
			     "key and value set");
		r = rank(a->key);
		FUZZ_REQUIRE(r >= 0, "canonical key");
		FUZZ_REQUIRE(r >= last, "canonical order");
		FUZZ_REQUIRE(a->value[0] != '\0', "no empty value");
		last = r;
		seen[r]++;
		if (strcmp(a->key, "C") == 0)
			FUZZ_REQUIRE(strlen(a->value) == 2 &&
				     a->value[0] >= 'A' && a->value[0] <= 'Z' &&
				     a->value[1] >= 'A' && a->value[1] <= 'Z',
				     "C is two upper-case letters");
	}
	FUZZ_REQUIRE(seen[rank("C")] <= 1 && seen[rank("ST")] <= 1 &&
		     seen[rank("L")] <= 1 && seen[rank("CN")] <= 1,
		     "at most one C, ST, L and CN");
	if (seen[rank("CN")] == 1)
		FUZZ_REQUIRE(hc_dn_get0(dn, "cn") != NULL, "hc_dn_get0 finds CN");
	else
		FUZZ_REQUIRE(hc_dn_get0(dn, "CN") == NULL, "no CN, no get0");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hc_dn dn = { NULL, 0 };
	hc_err err = { 0 };
	char *text = fuzz_strdup(data, size);
	int r;

	if (text == NULL)
		return 0;
	r = hc_dn_parse(text, &dn, &err);
	fuzz_check_err(r, &err);
	if (r == 0)
		check_dn(&dn);
	else
		FUZZ_REQUIRE(dn.attrs == NULL && dn.n == 0,
			     "*out is written only on success");
	hc_dn_release(&dn);
	free(text);
	return 0;
}
