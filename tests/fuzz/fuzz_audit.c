/* fuzz_audit.c - libFuzzer harness for hc_audit_parse_line()
 *
 * The input is one log line without its newline (an exact-size copy: the
 * parser takes a length). A mutated line almost never carries its own
 * SHA-256, so the harness parses it twice: as it is, and re-sealed the way
 * hc_audit_append() writes it -- a trailing '}' dropped, then
 * ,"hash":"<sha256 of the text ending in '}'>"} appended -- so that the
 * JSON and field checks behind the hash are reached too.
 */
#include "fuzz.h"

#include <openssl/evp.h>

#include "core/audit.h"

static const char tag[] = ",\"hash\":\"";

static void
parse(const char *line, size_t len, const char *expect_hash)
{
	hc_audit_records recs = { NULL, 0 };
	char hash[65], prev[65];
	hc_err err = { 0 };
	int r;

	recs.v = calloc(1, sizeof(*recs.v));
	if (recs.v == NULL)
		return;
	recs.n = 1;
	r = hc_audit_parse_line(line, len, &recs.v[0], hash, prev, &err);
	fuzz_check_err(r, &err);
	if (r == 0) {
		const hc_audit_record *a = &recs.v[0];

		FUZZ_REQUIRE(a->seq >= 1, "seq starts at 1");
		FUZZ_REQUIRE(memchr(a->time, '\0', sizeof(a->time)) != NULL,
			     "time is NUL-terminated");
		FUZZ_REQUIRE(a->user && a->host && a->command && a->target &&
			     a->result && a->detail,
			     "every string field is set");
		FUZZ_REQUIRE(strlen(hash) == 64 && strlen(prev) == 64,
			     "hash and prev are 64 characters");
		if (expect_hash != NULL)
			FUZZ_REQUIRE(strcmp(hash, expect_hash) == 0,
				     "the hash returned is the line's");
	} else {
		static const hc_audit_record zero;

		FUZZ_REQUIRE(memcmp(&recs.v[0], &zero, sizeof(zero)) == 0,
			     "a failed parse leaves the record empty");
	}
	hc_audit_records_release(&recs);
}

static int
sha256_hex(const unsigned char *buf, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t i;

	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != sizeof(md))
		return -1;
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *line = fuzz_memdup(data, size);
	unsigned char *text = NULL;
	char hash[65];
	size_t body, tlen, llen;

	if (line == NULL)
		return 0;
	parse((const char *)line, size, NULL);

	/* re-seal: body + '}' is what is hashed, body + tag + hash + "\"}" */
	body = size > 0 && data[size - 1] == '}' ? size - 1 : size;
	tlen = body + 1;
	llen = body + (sizeof(tag) - 1) + 64 + 2;
	text = malloc(llen);
	if (text == NULL)
		goto out;
	if (body > 0)
		memcpy(text, data, body);
	text[body] = '}';
	if (sha256_hex(text, tlen, hash) != 0)
		goto out;
	memcpy(text + body, tag, sizeof(tag) - 1);
	memcpy(text + body + sizeof(tag) - 1, hash, 64);
	memcpy(text + body + sizeof(tag) - 1 + 64, "\"}", 2);
	parse((const char *)text, llen, hash);
out:
	free(text);
	free(line);
	return 0;
}
