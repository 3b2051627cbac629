/* fuzz_config.c - libFuzzer harness for hc_config_parse()
 *
 * The input is the configuration text (up to the first NUL), relative
 * paths resolved against /tmp. A configuration that parses is parsed a
 * second time into the same struct, which must release the first result
 * (config.h: "its old content is released and replaced"), and each of its
 * services must be found by name. On failure the struct must be left
 * zeroed, and a usage error must name a line of the text ("fuzz.conf:N: ",
 * 1 <= N <= the number of lines) unless it is about the whole file.
 */
#include "fuzz.h"

#include "core/config.h"

static int
is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void
check_config(const struct hc_config *cfg)
{
	size_t i;

	FUZZ_REQUIRE(cfg->path == NULL, "path is NULL after parse");
	FUZZ_REQUIRE(cfg->module != NULL && cfg->state_dir != NULL &&
		     cfg->archive_dir != NULL && cfg->audit_log != NULL,
		     "defaults are set");
	for (i = 0; i < cfg->nservices; i++) {
		const struct hc_service_conf *s = &cfg->services[i];

		FUZZ_REQUIRE(s->name != NULL && s->name[0] != '\0' &&
			     strlen(s->name) <= HC_SERVICE_NAME_MAX,
			     "a service has a name of 1 to 32 characters");
		FUZZ_REQUIRE(hc_config_service(cfg, s->name) == s,
			     "a service is found by its name");
	}
	(void)hc_config_service(cfg, "iis");
}

/* A usage error names a line of text, or the file as a whole. */
static void
check_err_line(const char *text, const hc_err *err)
{
	const char *p = err->msg + strlen("fuzz.conf:");
	unsigned long lines = 1, n;
	char *end;

	FUZZ_REQUIRE(strncmp(err->msg, "fuzz.conf:", 10) == 0,
		     "a usage error names the file");
	if (*p == ' ')
		return;
	for (; *text != '\0'; text++)
		if (*text == '\n' && text[1] != '\0')
			lines++;
	n = strtoul(p, &end, 10);
	FUZZ_REQUIRE(end > p && *end == ':' && n >= 1 && n <= lines,
		     "a usage error names a line of the text");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hc_config cfg;
	hc_err err = { 0 };
	char *text = fuzz_strdup(data, size);
	int r;

	if (text == NULL)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	r = hc_config_parse(text, "fuzz.conf", "/tmp", &cfg, &err);
	fuzz_check_err(r, &err);
	if (r == 0) {
		check_config(&cfg);
		/* again, over the loaded configuration */
		memset(&err, 0, sizeof(err));
		r = hc_config_parse(text, "fuzz.conf", "/tmp", &cfg, &err);
		fuzz_check_err(r, &err);
		FUZZ_REQUIRE(r == 0 || err.code == HC_E_FAIL,
			     "the same text parses the same way twice");
		if (r == 0)
			check_config(&cfg);
	}
	if (r != 0)
		FUZZ_REQUIRE(is_zero(&cfg, sizeof(cfg)),
			     "a failed parse leaves the configuration zeroed");
	if (r != 0 && err.code == HC_E_USAGE)
		check_err_line(text, &err);
	hc_config_release(&cfg);
	free(text);
	return 0;
}
