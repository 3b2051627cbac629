/* audit.c - the hash-chained audit log and its anchor on the token */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/audit.h"
#include "core/bundle.h"
#include "core/error.h"
#include "core/util.h"

static const char zero_hash[65] =
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

static int
is_hex64(const char *s)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void line_free(hc_audit_record *l);

void
hc_audit_records_release(hc_audit_records *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		line_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
line_free(hc_audit_record *l)
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
	    !is_hex64(p + sizeof(tag) - 1) || memcmp(p + sizeof(tag) - 1 + 64, "\"}", 2) != 0)
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
	if (!json_is_integer(json_object_get(o, "seq")) ||
	    (seq = json_integer_value(json_object_get(o, "seq"))) < 1 ||
	    !json_is_string(json_object_get(o, "prev")) ||
	    strlen(json_string_value(json_object_get(o, "prev"))) != 64 ||
	    !json_is_string(json_object_get(o, "time")) ||
	    !json_is_string(json_object_get(o, "result"))) {
		hc_err_set(err, HC_E_VERIFY, "a field (seq, time, result, prev) is missing or malformed");
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
		line_free(out);
		memset(out, 0, sizeof(*out));
	}
	json_decref(o);
	free(text);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The head on the token                                                */

/*
 * A head's label is "seq=N sha256=H host=NAME": every host that shares the
 * token keeps its own log and so its own head. A label without "host=" was
 * written before heads were per host and counts as this host's.
 */
static int
parse_head(const char *label, const char *host, unsigned long long *seq,
	   char hash[65])
{
	char h[65];
	unsigned long long s;
	int n = 0;

	if (sscanf(label, "seq=%llu sha256=%64s%n", &s, h, &n) != 2 ||
	    strlen(h) != 64 || !is_hex64(h))
		return -1;
	if (label[n] != '\0' &&
	    (strncmp(label + n, " host=", 6) != 0 ||
	     strcmp(label + n + 6, host) != 0))
		return -1;
	*seq = s;
	memcpy(hash, h, 65);
	return 0;
}

int
hc_audit_head(struct hc_token *tok, const char *host, unsigned long long *seq,
	      char hash[65], hc_err *err)
{
	struct hc_tobj_list l = { NULL, 0 };
	size_t i;

	*seq = 0;
	memcpy(hash, zero_hash, 65);
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_AUDIT_APP, &l, err) != 0)
		return -1;
	for (i = 0; i < l.n; i++) {
		unsigned long long s;
		char h[65];

		/* several heads (an interrupted update): the highest counts */
		if (parse_head(l.v[i].label, host, &s, h) == 0 && s >= *seq) {
			*seq = s;
			memcpy(hash, h, 65);
		}
	}
	hc_tobj_list_release(&l);
	return 0;
}

static int
set_head(struct hc_token *tok, const char *host, unsigned long long seq,
	 const char *hash, hc_err *err)
{
	struct hc_tobj_list l = { NULL, 0 };
	static const unsigned char value[] = "hsmcert audit head";
	char label[200];
	unsigned long long s;
	char h[65];
	unsigned long nh;
	size_t i;
	int ret = -1, n, failed = 0;

	n = snprintf(label, sizeof(label), "seq=%llu sha256=%s host=%s", seq,
		     hash, host);
	(void)n;
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_AUDIT_APP, &l, err) != 0)
		return -1;
	/*
	 * Create the new head, then destroy this host's old ones: an
	 * interruption leaves the old head, the new one or both (the highest
	 * counts), never none, where rewriting one object in place could
	 * lose it. Other hosts' heads are theirs.
	 */
	if (hc_token_store_data(tok, HC_AUDIT_APP, label, value,
				sizeof(value) - 1, &nh, err) != 0)
		goto out;
	/* an old head left over is harmless (the highest counts) but said */
	for (i = 0; i < l.n; i++)
		if (parse_head(l.v[i].label, host, &s, h) == 0 &&
		    hc_token_destroy(tok, l.v[i].handle, err) != 0)
			failed = 1;
	if (failed)
		goto out;
	ret = 0;
out:
	hc_tobj_list_release(&l);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Appending                                                            */

static int
mkparent(const char *path, hc_err *err)
{
	char *copy = strdup(path), *dir, *s;
	int ret = -1;

	if (copy == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	dir = dirname(copy);
	for (s = dir + 1; ; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			hc_err_set(err, HC_E_FAIL, "cannot create %s: %s", dir,
				   strerror(errno));
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

/*
 * The last complete line's seq and hash. A tail without a newline (a write
 * that was interrupted) is cut off, and *recovered says how many bytes.
 */
static int
last_line(int fd, unsigned long long *seq, char hash[65], long *recovered,
	  hc_err *err)
{
	struct stat st;
	char *buf = NULL;
	off_t start, end;
	size_t len;
	ssize_t r;
	char *nl, *line;
	int ret = -1;

	*seq = 0;
	*recovered = 0;
	memcpy(hash, zero_hash, 65);
	if (fstat(fd, &st) != 0)
		return hc_err_set(err, HC_E_FAIL, "cannot stat the audit log: %s",
				  strerror(errno));
	if (st.st_size == 0)
		return 0;
	end = st.st_size;
	start = end > 8192 ? end - 8192 : 0;
	len = (size_t)(end - start);
	buf = malloc(len + 1);
	if (buf == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	r = pread(fd, buf, len, start);
	if (r < 0 || (size_t)r != len) {
		hc_err_set(err, HC_E_FAIL, "cannot read the audit log");
		goto out;
	}
	buf[len] = '\0';
	if (buf[len - 1] != '\n') {
		for (nl = buf + len - 1; nl >= buf && *nl != '\n'; nl--)
			;
		if (nl < buf)
			nl = NULL;
		*recovered = (long)(nl != NULL ? len - (size_t)(nl - buf) - 1 : len);
		if (ftruncate(fd, end - *recovered) != 0) {
			hc_err_set(err, HC_E_FAIL, "cannot repair the audit log: %s",
				   strerror(errno));
			goto out;
		}
		if (nl == NULL) {
			if (start == 0) {
				ret = 0;	/* nothing complete in the file */
				goto out;
			}
			hc_err_set(err, HC_E_FAIL, "the audit log's last line is too long");
			goto out;
		}
		len = (size_t)(nl - buf) + 1;
		buf[len] = '\0';
	}
	buf[len - 1] = '\0';
	nl = strrchr(buf, '\n');
	line = nl != NULL ? nl + 1 : buf;
	{
		hc_audit_record al;
		char prev[65];
		hc_err e = { 0 };

		if (hc_audit_parse_line(line, strlen(line), &al, hash, prev,
					&e) != 0) {
			hc_err_set(err, HC_E_FAIL,
				   "the audit log's last line is damaged (%s): run hsmcert audit verify",
				   e.msg);
			goto out;
		}
		*seq = al.seq;
		line_free(&al);
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

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

int
hc_audit_append(const char *path, struct hc_token *tok, const char *host,
		const struct hc_audit_rec *rec, hc_err *err)
{
	char lockpath[4096], user[128], now[21], prev[65], hash[65];
	unsigned long long seq;
	long recovered = 0;
	json_t *o = NULL;
	char *text = NULL, *line = NULL, detail[600];
	int lockfd = -1, fd = -1, ret = -1, n;
	size_t tlen;

	if (path == NULL)
		return hc_err_set(err, HC_E_USAGE, "no audit-log configured");
	n = snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lockpath))
		return hc_err_set(err, HC_E_USAGE, "audit-log path too long");
	if (mkparent(path, err) != 0)
		return -1;
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0)
		return hc_err_set(err, HC_E_FAIL, "cannot open %s: %s", lockpath,
				  strerror(errno));
	while (flock(lockfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			hc_err_set(err, HC_E_FAIL, "cannot lock %s: %s", lockpath,
				   strerror(errno));
			goto out;
		}
	}
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		hc_err_set(err, HC_E_FAIL, "the audit log was not written: cannot open %s: %s",
			   path, strerror(errno));
		goto out;
	}
	if (last_line(fd, &seq, prev, &recovered, err) != 0)
		goto out;
	n = snprintf(detail, sizeof(detail), "%s%s%s",
		     rec->detail ? rec->detail : "",
		     recovered ? (rec->detail ? "; " : "") : "",
		     recovered ? "an interrupted earlier write left an incomplete last line, removed" : "");
	(void)n;
	who(user, sizeof(user));
	hc_rfc3339((long long)time(NULL), now);
	o = json_object();
	if (o == NULL ||
	    json_object_set_new(o, "seq", json_integer((json_int_t)(seq + 1))) ||
	    json_object_set_new(o, "time", json_string(now)) ||
	    json_object_set_new(o, "user", json_string(user)) ||
	    json_object_set_new(o, "host", json_string(host)) ||
	    json_object_set_new(o, "command", json_string(rec->command)) ||
	    json_object_set_new(o, "target", json_string(rec->target ? rec->target : "")) ||
	    json_object_set_new(o, "result", json_string(rec->result)) ||
	    json_object_set_new(o, "detail", json_string(detail)) ||
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
	tlen = tlen - 1 + (size_t)n;
	if (write(fd, line, tlen) != (ssize_t)tlen || fsync(fd) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot write the audit log %s: %s",
			   path, strerror(errno));
		goto out;
	}
	if (tok != NULL && set_head(tok, host, seq + 1, hash, err) != 0) {
		hc_err_prefix(err, "the audit line %llu was written, but the head kept on the token could not be moved (audit verify reports the line as not anchored until the next change): ",
			      seq + 1);
		goto out;
	}
	ret = 0;
out:
	free(line);
	free(text);
	json_decref(o);
	if (fd >= 0)
		close(fd);
	if (lockfd >= 0)
		close(lockfd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Verifying                                                            */

static void
problem(struct hc_audit_check *c, size_t lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct hc_audit_check *c, size_t lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->ok)
		return;
	c->ok = 0;
	c->bad_line = lineno;
	va_start(ap, fmt);
	n = vsnprintf(c->problem, sizeof(c->problem), fmt, ap);
	va_end(ap);
	(void)n;
}

int
hc_audit_verify(const char *path, struct hc_token *tok, const char *host,
		struct hc_audit_check *c, hc_audit_records *lines,
		hc_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, pos = 0, lineno = 0;
	char last_hash[65];
	unsigned long long last_seq = 0;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	c->ok = 1;
	memcpy(last_hash, zero_hash, 65);
	if (path == NULL)
		return hc_err_set(err, HC_E_USAGE, "no audit-log configured");
	if (access(path, F_OK) == 0) {
		if (hc_file_read(path, &buf, &len, err) != 0)
			return -1;
	}
	while (pos < len) {
		unsigned char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		hc_audit_record al;
		char hash[65], prev[65];
		hc_err le = { 0 };

		lineno++;
		if (nl == NULL) {
			problem(c, lineno,
				"line %zu is incomplete (no newline: an interrupted write)",
				lineno);
			break;
		}
		if (hc_audit_parse_line((const char *)buf + pos, llen, &al, hash,
					prev, &le) != 0) {
			if (le.code == HC_E_FAIL) {
				hc_err_set(err, HC_E_FAIL, "%s", le.msg);
				goto out;
			}
			problem(c, lineno, "line %zu: %s", lineno, le.msg);
			break;
		}
		if (al.seq != last_seq + 1) {
			if (al.seq > last_seq + 2)
				problem(c, lineno,
					"line %zu: seq %llu follows seq %llu: seq %llu to %llu are missing here (lines deleted or reordered)",
					lineno, al.seq, last_seq, last_seq + 1,
					al.seq - 1);
			else if (al.seq == last_seq + 2)
				problem(c, lineno,
					"line %zu: seq %llu follows seq %llu: seq %llu is missing here (a line deleted or reordered)",
					lineno, al.seq, last_seq, last_seq + 1);
			else
				problem(c, lineno,
					"line %zu: seq %llu after seq %llu (a line inserted or the lines reordered)",
					lineno, al.seq, last_seq);
		} else if (strcmp(prev, last_hash) != 0) {
			problem(c, lineno,
				"line %zu: prev does not match the hash of the line before (a line inserted, removed or reordered)",
				lineno);
		}
		if (c->ok && lines != NULL) {
			hc_audit_record *nv = realloc(lines->v,
					(lines->n + 1) * sizeof(*nv));

			if (nv == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			lines->v = nv;
			lines->v[lines->n++] = al;
		} else {
			line_free(&al);
		}
		if (!c->ok)
			break;
		last_seq = al.seq;
		memcpy(last_hash, hash, 65);
		pos += llen + 1;
	}
	c->lines = lineno;
	c->last_seq = last_seq;
	memcpy(c->last_hash, last_hash, 65);
	if (tok != NULL) {
		if (hc_audit_head(tok, host, &c->head_seq, c->head_hash, err) != 0)
			goto out;
		if (c->ok && c->head_seq > last_seq)
			problem(c, lineno + 1,
				"the log ends at seq %llu but the token's head is at seq %llu: seq %llu is missing (the log was truncated)",
				last_seq, c->head_seq, last_seq + 1);
		else if (c->ok && c->head_seq == last_seq && last_seq > 0 &&
			 strcmp(c->head_hash, last_hash) != 0)
			problem(c, lineno,
				"line %zu (seq %llu) does not match the head kept on the token (the log was rewritten)",
				lineno, last_seq);
		else if (c->ok && c->head_seq < last_seq)
			problem(c, (size_t)c->head_seq + 1,
				"line %llu (seq %llu) is not anchored on the token, whose head is at seq %llu (written by an interrupted run, or not by hsmcert)",
				c->head_seq + 1, c->head_seq + 1, c->head_seq);
	}
	ret = 0;
out:
	free(buf);
	return ret;
}
