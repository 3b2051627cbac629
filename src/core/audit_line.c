/* audit_line.c - the audit line: its format, parse and hash */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/audit.h"
#include "core/audit_int.h"
#include "core/error.h"
#include "core/util.h"

const char hc_audit_zero_hash[65] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static int
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	hc_hex(md, 32, out);
	return 0;
}

int
hc_audit_line_hex64(const char *s)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

void
hc_audit_records_release(hc_audit_records *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		hc_audit_line_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
hc_audit_line_free(hc_audit_record *l)
{
	free(l->user);
	free(l->host);
	free(l->command);
	free(l->target);
	free(l->result);
	free(l->detail);
}

static char *
jdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return strdup(s != NULL ? s : "");
}

int
hc_audit_parse_line(const char *line, size_t len, hc_audit_record *out,
		    char hash[65], char prev[65], hc_err *err)
{
	static const char tag[] = ",\"hash\":\"";
	const char *p = NULL, *q;
	char *text = NULL, mine[65];
	json_t *o = NULL;
	json_error_t jerr;
	json_int_t seq;
	size_t tlen;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	/* the last ,"hash":" member, then 64 hex digits and "} to the end */
	for (q = line; q + sizeof(tag) - 1 <= line + len; q++)
		if (memcmp(q, tag, sizeof(tag) - 1) == 0)
			p = q;
	if (p == NULL || (size_t)(line + len - p) != sizeof(tag) - 1 + 64 + 2 ||
	    !hc_audit_line_hex64(p + sizeof(tag) - 1) ||
	    memcmp(p + sizeof(tag) - 1 + 64, "\"}", 2) != 0)
		return hc_err_set(err, HC_E_VERIFY,
				  "it does not end with the \"hash\" member");
	tlen = (size_t)(p - line);
	text = malloc(tlen + 2);
	if (text == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	memcpy(text, line, tlen);
	text[tlen] = '}';
	text[tlen + 1] = '\0';
	if (sha256_hex(text, tlen + 1, mine) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot hash");
		goto out;
	}
	memcpy(hash, p + sizeof(tag) - 1, 64);
	hash[64] = '\0';
	if (strcmp(mine, hash) != 0) {
		hc_err_set(err, HC_E_VERIFY,
			   "its hash does not match its content (the line was edited)");
		goto out;
	}
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL || !json_is_object(o)) {
		hc_err_set(err, HC_E_VERIFY, "it is not a JSON object");
		goto out;
	}
	seq = json_integer_value(json_object_get(o, "seq"));	/* 0: none */
	if (!json_is_integer(json_object_get(o, "seq")) || seq < 1 ||
	    !json_is_string(json_object_get(o, "prev")) ||
	    strlen(json_string_value(json_object_get(o, "prev"))) != 64 ||
	    !json_is_string(json_object_get(o, "time")) ||
	    !json_is_string(json_object_get(o, "result"))) {
		hc_err_set(err, HC_E_VERIFY,
			   "a field (seq, time, result, prev) is missing or malformed");
		goto out;
	}
	memcpy(prev, json_string_value(json_object_get(o, "prev")), 65);
	out->seq = (unsigned long long)seq;
	snprintf(out->time, sizeof(out->time), "%s",
		 json_string_value(json_object_get(o, "time")));
	out->user = jdup(o, "user");
	out->host = jdup(o, "host");
	out->command = jdup(o, "command");
	out->target = jdup(o, "target");
	out->result = jdup(o, "result");
	out->detail = jdup(o, "detail");
	if (!out->user || !out->host || !out->command || !out->target ||
	    !out->result || !out->detail) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	ret = 0;
out:
	if (ret != 0) {
		hc_audit_line_free(out);
		memset(out, 0, sizeof(*out));
	}
	json_decref(o);
	free(text);
	return ret;
}

/* Appending                                                            */

static void
who(char *user, size_t ulen)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *sudo = getenv("SUDO_USER");
	int n;

	if (sudo != NULL && *sudo != '\0' && pw != NULL)
		n = snprintf(user, ulen, "%s (sudo %s)", pw->pw_name, sudo);
	else
		n = snprintf(user, ulen, "%s", pw != NULL ? pw->pw_name : "?");
	(void)n;
}

/*
 * The line for seq after prev, newline included, in *out (the caller
 * frees it), and its hash.
 */
int
hc_audit_line_make(unsigned long long seq, const char *host,
		   const char *command, const char *target, const char *result,
		   const char *detail, const char *prev, char **out,
		   size_t *outlen, char hash[65], hc_err *err)
{
	char user[128], now[21];
	json_t *o = NULL;
	char *text = NULL, *line = NULL;
	size_t tlen;
	int n, ret = -1;

	who(user, sizeof(user));
	hc_rfc3339((long long)time(NULL), now);
	o = json_object();
	if (o == NULL ||
	    json_object_set_new(o, "seq", json_integer((json_int_t)seq)) ||
	    json_object_set_new(o, "time", json_string(now)) ||
	    json_object_set_new(o, "user", json_string(user)) ||
	    json_object_set_new(o, "host", json_string(host)) ||
	    json_object_set_new(o, "command", json_string(command)) ||
	    json_object_set_new(o, "target",
				json_string(target ? target : "")) ||
	    json_object_set_new(o, "result", json_string(result)) ||
	    json_object_set_new(o, "detail",
				json_string(detail ? detail : "")) ||
	    json_object_set_new(o, "prev", json_string(prev))) {
		hc_err_set(err, HC_E_FAIL, "cannot build the audit record");
		goto out;
	}
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL || sha256_hex(text, strlen(text), hash) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot encode the audit record");
		goto out;
	}
	tlen = strlen(text);
	line = malloc(tlen + 80);
	if (line == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	memcpy(line, text, tlen - 1);
	n = snprintf(line + tlen - 1, 80, ",\"hash\":\"%s\"}\n", hash);
	if (n < 0) {
		hc_err_set(err, HC_E_FAIL, "cannot encode the audit record");
		goto out;
	}
	*outlen = tlen - 1 + (size_t)n;
	*out = line;
	line = NULL;
	ret = 0;
out:
	free(line);
	free(text);
	json_decref(o);
	return ret;
}
