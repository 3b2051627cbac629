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
	unsigned long long s, top = 0;
	char h[65];
	unsigned long nh;
	size_t i;
	int ret = -1, n, failed = 0;

	n = snprintf(label, sizeof(label), "seq=%llu sha256=%s host=%s", seq,
		     hash, host);
	(void)n;
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_AUDIT_APP, &l, err) != 0)
		return -1;
	/* the head only ever moves to a higher seq (SPEC section 10) */
	for (i = 0; i < l.n; i++)
		if (parse_head(l.v[i].label, host, &s, h) == 0 && s > top)
			top = s;
	if (seq <= top) {
		hc_err_set(err, HC_E_VERIFY,
			   "the head kept on the token is at seq %llu: it is never moved back to seq %llu",
			   top, seq);
		goto out;
	}
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
/* The log file: never through a link, always a regular file            */

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
 * Open a state file without following a symbolic link; it must be a
 * regular file (SPEC section 10: a link could make hsmcert write, lock or
 * repair someone else's file). Returns the descriptor, or -1 with err set;
 * with missing given, a file that is not there is -1 with *missing = 1
 * and err untouched.
 */
static int
open_state(const char *path, int flags, int *missing, hc_err *err)
{
	struct stat st;
	int fd, fl;

	if (missing != NULL)
		*missing = 0;
	/* O_NONBLOCK: opening a FIFO must not hang before it is refused */
	fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		if (errno == ENOENT && missing != NULL) {
			*missing = 1;
			return -1;
		}
		if (errno == ELOOP)
			return hc_err_set(err, HC_E_FAIL,
					  "%s is a symbolic link: hsmcert does not follow links for its state files (remove the link)",
					  path);
		return hc_err_set(err, HC_E_FAIL, "cannot open %s: %s", path,
				  strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot stat %s: %s", path,
			   strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		hc_err_set(err, HC_E_FAIL,
			   "%s is not a regular file: hsmcert keeps its audit log and lock in regular files",
			   path);
		close(fd);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot use %s: %s", path,
			   strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Take the log's lock, PATH.lock (made with its directory when needed). */
static int
lock_log(const char *path, int *lockfd, hc_err *err)
{
	char lockpath[4096];
	int n, fd;

	*lockfd = -1;
	if (path == NULL)
		return hc_err_set(err, HC_E_USAGE, "no audit-log configured");
	n = snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lockpath))
		return hc_err_set(err, HC_E_USAGE, "audit-log path too long");
	if (mkparent(path, err) != 0)
		return -1;
	fd = open_state(lockpath, O_RDWR | O_CREAT, NULL, err);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			hc_err_set(err, HC_E_FAIL, "cannot lock %s: %s", lockpath,
				   strerror(errno));
			close(fd);
			return -1;
		}
	}
	*lockfd = fd;
	return 0;
}

/* The whole file from offset 0 (the caller frees *buf). */
static int
read_all(int fd, const char *path, unsigned char **buf, size_t *len,
	 hc_err *err)
{
	unsigned char *data = NULL, *nd;
	size_t n = 0, cap = 0;
	ssize_t r;

	*buf = NULL;
	*len = 0;
	for (;;) {
		if (n == cap) {
			if (cap >= ((size_t)1 << 30)) {
				free(data);
				return hc_err_set(err, HC_E_FAIL,
						  "%s is larger than 1 GiB", path);
			}
			cap = cap == 0 ? 64 * 1024 : cap * 2;
			nd = realloc(data, cap + 1);
			if (nd == NULL) {
				free(data);
				return hc_err_set(err, HC_E_FAIL, "out of memory");
			}
			data = nd;
		}
		r = pread(fd, data + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(data);
			return hc_err_set(err, HC_E_FAIL, "cannot read %s: %s",
					  path, strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	data[n] = '\0';
	*buf = data;
	*len = n;
	return 0;
}

/*
 * The last complete line's seq and hash. A tail without a newline (a
 * write that was interrupted) is not a line: *partial says how many bytes
 * it has (hc_audit_append cuts it off before writing). A last line that
 * does not parse sets damage (and *seq stays 0). Changes nothing.
 */
static int
last_line(int fd, const char *path, unsigned long long *seq, char hash[65],
	  long *partial, char *damage, size_t damagelen, hc_err *err)
{
	struct stat st;
	char *buf = NULL;
	off_t start, end;
	size_t len;
	ssize_t r;
	char *nl, *line;
	int ret = -1, n;

	*seq = 0;
	*partial = 0;
	damage[0] = '\0';
	memcpy(hash, zero_hash, 65);
	if (fstat(fd, &st) != 0)
		return hc_err_set(err, HC_E_FAIL, "cannot stat %s: %s", path,
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
		hc_err_set(err, HC_E_FAIL, "cannot read %s", path);
		goto out;
	}
	buf[len] = '\0';
	if (buf[len - 1] != '\n') {
		for (nl = buf + len - 1; nl >= buf && *nl != '\n'; nl--)
			;
		if (nl < buf)
			nl = NULL;
		*partial = (long)(nl != NULL ? len - (size_t)(nl - buf) - 1 : len);
		if (nl == NULL) {
			if (start == 0) {
				ret = 0;	/* nothing complete in the file */
				goto out;
			}
			n = snprintf(damage, damagelen,
				     "its last line is longer than 8 KiB and has no newline");
			(void)n;
			ret = 0;
			goto out;
		}
		len = (size_t)(nl - buf) + 1;
		buf[len] = '\0';
	}
	buf[len - 1] = '\0';
	/* the line before it ends at the last newline (a NUL may come first) */
	for (nl = buf + len - 1; nl > buf && nl[-1] != '\n'; nl--)
		;
	line = nl;
	nl = line > buf ? line - 1 : NULL;
	if (nl == NULL && start > 0) {
		n = snprintf(damage, damagelen, "its last line is longer than 8 KiB");
		(void)n;
		ret = 0;
		goto out;
	}
	{
		hc_audit_record al;
		char prev[65];
		hc_err e = { 0 };

		/* len - 1 bytes: a NUL inside the line is part of the damage */
		if (hc_audit_parse_line(line, (size_t)(buf + len - 1 - line),
					&al, hash, prev, &e) != 0) {
			if (e.code == HC_E_FAIL) {
				hc_err_set(err, HC_E_FAIL, "%s: %s", path, e.msg);
				goto out;
			}
			memcpy(hash, zero_hash, 65);
			n = snprintf(damage, damagelen, "%.250s", e.msg);
			(void)n;
			ret = 0;
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

/*
 * Whether the file holds a line with this seq and hash (the log is ahead
 * of the head: an interrupted run wrote a line and did not move it).
 */
static int
holds_line(int fd, const char *path, unsigned long long seq,
	   const char *hash, int *found, hc_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, end;
	int ret = -1;

	*found = 0;
	if (read_all(fd, path, &buf, &len, err) != 0)
		return -1;
	/* from the end: the head's line is near it */
	end = len;
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	while (end > 0) {
		size_t b = end - 1;
		hc_audit_record al;
		char h[65], prev[65];
		hc_err e = { 0 };

		while (b > 0 && buf[b - 1] != '\n')
			b--;
		if (hc_audit_parse_line((const char *)buf + b, end - 1 - b,
					&al, h, prev, &e) == 0) {
			unsigned long long s = al.seq;

			line_free(&al);
			if (s == seq) {
				*found = strcmp(h, hash) == 0;
				break;
			}
			if (s < seq)
				break;
		} else if (e.code == HC_E_FAIL) {
			hc_err_set(err, HC_E_FAIL, "%s: %s", path, e.msg);
			goto out;
		}
		end = b;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}

/*
 * fd is the log (or -1 when there is none); the lock is held. With
 * head_err, a head that cannot be read is not a failure: it is put in
 * *head_err and the log is placed as if there were no token.
 */
static int
locate_fd(int fd, const char *path, struct hc_token *tok, const char *host,
	  long *partial, struct hc_audit_pos *pos, hc_err *head_err,
	  hc_err *err)
{
	int found = 0;

	memset(pos, 0, sizeof(*pos));
	memcpy(pos->last_hash, zero_hash, 65);
	memcpy(pos->head_hash, zero_hash, 65);
	*partial = 0;
	pos->exists = fd >= 0;
	if (tok != NULL &&
	    hc_audit_head(tok, host, &pos->head_seq, pos->head_hash,
			  head_err != NULL ? head_err : err) != 0) {
		if (head_err == NULL) {
			hc_err_prefix(err, "cannot read the audit head kept on the token: ");
			return -1;
		}
		pos->head_seq = 0;
		memcpy(pos->head_hash, zero_hash, 65);
	}
	if (fd >= 0 &&
	    last_line(fd, path, &pos->last_seq, pos->last_hash, partial,
		      pos->damage, sizeof(pos->damage), err) != 0)
		return -1;
	if (pos->damage[0] != '\0')
		pos->fit = HC_AUDIT_DAMAGED;
	else if (pos->head_seq == 0)
		pos->fit = HC_AUDIT_FITS;
	else if (pos->last_seq < pos->head_seq)
		pos->fit = HC_AUDIT_BEHIND;
	else if (pos->last_seq == pos->head_seq)
		pos->fit = strcmp(pos->last_hash, pos->head_hash) == 0 ?
			   HC_AUDIT_FITS : HC_AUDIT_REPLACED;
	else if (holds_line(fd, path, pos->head_seq, pos->head_hash, &found,
			    err) != 0)
		return -1;
	else
		pos->fit = found ? HC_AUDIT_FITS : HC_AUDIT_REPLACED;
	return 0;
}

int
hc_audit_locate(const char *path, struct hc_token *tok, const char *host,
		struct hc_audit_pos *pos, hc_err *err)
{
	int lockfd = -1, fd = -1, missing = 0, ret = -1;
	long partial;

	if (lock_log(path, &lockfd, err) != 0)
		return -1;
	fd = open_state(path, O_RDONLY, &missing, err);
	if (fd < 0 && !missing)
		goto out;
	if (locate_fd(fd, path, tok, host, &partial, pos, NULL, err) != 0)
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	close(lockfd);
	return ret;
}

int
hc_audit_refuse(const char *path, const struct hc_audit_pos *p, hc_err *err)
{
	static const char tail[] =
		"nothing is written to it and the head is not moved back: run hsmcert audit reset --yes to start a new log";
	char missing[64];
	int n;

	switch (p->fit) {
	case HC_AUDIT_FITS:
		return hc_err_set(err, HC_E_FAIL, "internal: hc_audit_refuse of a log that fits");
	case HC_AUDIT_BEHIND:
		if (p->last_seq + 1 == p->head_seq)
			n = snprintf(missing, sizeof(missing), "seq %llu is",
				     p->head_seq);
		else
			n = snprintf(missing, sizeof(missing),
				     "seq %llu to %llu are", p->last_seq + 1,
				     p->head_seq);
		(void)n;
		if (!p->exists || p->last_seq == 0)
			return hc_err_set(err, HC_E_VERIFY,
					  "the audit log %s %s, but this host's head on the token is at seq %llu: %s missing (the log was deleted or emptied); %s",
					  path, p->exists ? "is empty" : "does not exist",
					  p->head_seq, missing, tail);
		return hc_err_set(err, HC_E_VERIFY,
				  "the audit log %s ends at seq %llu but this host's head on the token is at seq %llu: %s missing (the log was truncated or replaced); %s",
				  path, p->last_seq, p->head_seq, missing, tail);
	case HC_AUDIT_REPLACED:
		if (p->last_seq == p->head_seq)
			return hc_err_set(err, HC_E_VERIFY,
					  "the audit log %s ends at seq %llu, but its hash is not the one this host's head on the token has for seq %llu (the log was replaced or rewritten); %s",
					  path, p->last_seq, p->head_seq, tail);
		return hc_err_set(err, HC_E_VERIFY,
				  "the audit log %s ends at seq %llu but does not hold the line seq %llu that this host's head on the token anchors (the log was replaced or rewritten); %s",
				  path, p->last_seq, p->head_seq, tail);
	case HC_AUDIT_DAMAGED:
		return hc_err_set(err, HC_E_VERIFY,
				  "the last line of the audit log %s is damaged (%s; this host's head on the token is at seq %llu): nothing is written to it: run hsmcert audit verify, then hsmcert audit reset --yes to start a new log",
				  path, p->damage, p->head_seq);
	}
	return hc_err_set(err, HC_E_FAIL, "internal: audit fit");
}

/* ------------------------------------------------------------------ */
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
static int
make_line(unsigned long long seq, const char *host, const char *command,
	  const char *target, const char *result, const char *detail,
	  const char *prev, char **out, size_t *outlen, char hash[65],
	  hc_err *err)
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
	    json_object_set_new(o, "target", json_string(target ? target : "")) ||
	    json_object_set_new(o, "result", json_string(result)) ||
	    json_object_set_new(o, "detail", json_string(detail ? detail : "")) ||
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

int
hc_audit_append(const char *path, struct hc_token *tok, const char *host,
		const struct hc_audit_rec *rec, hc_err *err)
{
	struct hc_audit_pos pos;
	struct stat st;
	char hash[65], detail[600];
	char *line = NULL;
	long partial = 0;
	int lockfd = -1, fd = -1, ret = -1, n;
	size_t len;
	hc_err head_err = { 0 };

	if (lock_log(path, &lockfd, err) != 0)
		return -1;
	fd = open_state(path, O_RDWR | O_CREAT | O_APPEND, NULL, err);
	if (fd < 0) {
		hc_err_prefix(err, "the audit log was not written: ");
		goto out;
	}
	/*
	 * A head that cannot be read now (the token failed after the check
	 * this command made when it opened the token, hc_audit_guard): the
	 * line is written, the head is left where it is (it never moves
	 * without being read), and the error says so; verify reports the
	 * line as not anchored until the next change.
	 */
	if (locate_fd(fd, path, tok, host, &partial, &pos, &head_err,
		      err) != 0)
		goto out;
	/* the chain never goes backwards (SPEC section 10) */
	if (pos.fit != HC_AUDIT_FITS) {
		hc_audit_refuse(path, &pos, err);
		goto out;
	}
	/* an interrupted earlier write: cut its incomplete tail off */
	if (partial > 0 &&
	    (fstat(fd, &st) != 0 || ftruncate(fd, st.st_size - partial) != 0)) {
		hc_err_set(err, HC_E_FAIL, "cannot repair the audit log %s: %s",
			   path, strerror(errno));
		goto out;
	}
	n = snprintf(detail, sizeof(detail), "%s%s%s",
		     rec->detail ? rec->detail : "",
		     partial ? (rec->detail ? "; " : "") : "",
		     partial ? "an interrupted earlier write left an incomplete last line, removed" : "");
	(void)n;
	if (make_line(pos.last_seq + 1, host, rec->command, rec->target,
		      rec->result, detail, pos.last_hash, &line, &len, hash,
		      err) != 0)
		goto out;
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot write the audit log %s: %s",
			   path, strerror(errno));
		goto out;
	}
	if (head_err.code != HC_OK) {
		hc_err_set(err, head_err.code, "the audit line %llu was written, but the head kept on the token could not be moved (it could not be read: %s): audit verify reports the line as not anchored until the next change",
			   pos.last_seq + 1, head_err.msg);
		goto out;
	}
	if (tok != NULL &&
	    set_head(tok, host, pos.last_seq + 1, hash, err) != 0) {
		hc_err_prefix(err, "the audit line %llu was written, but the head kept on the token could not be moved (audit verify reports the line as not anchored until the next change): ",
			      pos.last_seq + 1);
		goto out;
	}
	ret = 0;
out:
	free(line);
	if (fd >= 0)
		close(fd);
	close(lockfd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Starting again (audit reset)                                         */

/* PATH.<UTC time>.damaged, or with -2, -3... when that name is taken */
static int
keep_aside(const char *path, char *kept, size_t keptlen, hc_err *err)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int i, n;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return hc_err_set(err, HC_E_FAIL, "cannot format the time");
	for (i = 1; i < 100; i++) {
		if (i == 1)
			n = snprintf(kept, keptlen, "%s.%s.damaged", path, stamp);
		else
			n = snprintf(kept, keptlen, "%s.%s-%d.damaged", path,
				     stamp, i);
		if (n < 0 || (size_t)n >= keptlen)
			return hc_err_set(err, HC_E_FAIL, "audit-log path too long");
		/* link, not rename: an existing name is never replaced */
		if (link(path, kept) == 0)
			break;
		if (errno != EEXIST)
			return hc_err_set(err, HC_E_FAIL,
					  "cannot keep the old audit log as %s: %s",
					  kept, strerror(errno));
	}
	if (i == 100)
		return hc_err_set(err, HC_E_FAIL,
				  "cannot keep the old audit log: too many %s.%s*.damaged files",
				  path, stamp);
	if (unlink(path) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot move the old audit log %s aside: %s",
			   path, strerror(errno));
		if (unlink(kept) != 0)
			hc_err_suffix(err, " (%s is left as a second name of it)",
				      kept);
		return -1;
	}
	return 0;
}

/* fsync the directory of path, so that a rename survives a crash */
static void
sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) != 0)
			errno = 0;	/* best effort: the file itself is synced */
		close(fd);
	}
	free(copy);
}

/* The reset line's target and detail: the gap in numbers and in words. */
static void
describe_gap(const struct hc_audit_pos *p, const char *kept, char *target,
	     size_t tlen, char *detail, size_t dlen)
{
	unsigned long long from = 0, to = p->head_seq;
	size_t used;
	int n;

	if (p->fit == HC_AUDIT_BEHIND)
		from = p->last_seq + 1;
	else if (p->head_seq > 0)
		from = 1;
	if (from > 0)
		n = snprintf(target, tlen, "seq %llu-%llu", from, to);
	else
		n = snprintf(target, tlen, "%s", "");
	switch (p->fit) {
	case HC_AUDIT_BEHIND:
		if (p->last_seq == 0)
			n = snprintf(detail, dlen,
				     "the log was %s but the token's head was at seq %llu (hash %s): seq %llu to %llu are lost",
				     p->exists ? "empty" : "missing",
				     p->head_seq, p->head_hash, from, to);
		else
			n = snprintf(detail, dlen,
				     "the log ended at seq %llu (hash %s) but the token's head was at seq %llu (hash %s): seq %llu to %llu are lost",
				     p->last_seq, p->last_hash, p->head_seq,
				     p->head_hash, from, to);
		break;
	case HC_AUDIT_REPLACED:
		n = snprintf(detail, dlen,
			     "the log ended at seq %llu (hash %s) but did not hold the token's head, seq %llu (hash %s): the log was replaced, seq %llu to %llu are lost",
			     p->last_seq, p->last_hash, p->head_seq,
			     p->head_hash, from, to);
		break;
	case HC_AUDIT_DAMAGED:
		if (p->head_seq > 0)
			n = snprintf(detail, dlen,
				     "the log's last line was damaged (%s) and the token's head was at seq %llu (hash %s): seq %llu to %llu are lost",
				     p->damage, p->head_seq, p->head_hash,
				     from, to);
		else
			n = snprintf(detail, dlen,
				     "the log's last line was damaged (%s) and the token kept no head for this host",
				     p->damage);
		break;
	case HC_AUDIT_FITS:
		n = snprintf(detail, dlen, "%s", "");
		break;
	}
	(void)n;
	used = strlen(detail);
	if (kept[0] != '\0' && used < dlen)
		n = snprintf(detail + used, dlen - used,
			     "; the old log is kept as %s", kept);
	(void)n;
}

int
hc_audit_restart(const char *path, struct hc_token *tok, const char *host,
		 struct hc_audit_pos *was, char *kept, size_t keptlen,
		 hc_err *err)
{
	struct hc_audit_pos pos;
	char target[64], detail[1024], hash[65];
	char *line = NULL;
	size_t len;
	long partial;
	int lockfd = -1, fd = -1, missing = 0, ret = -1, made = 0;

	if (keptlen == 0)
		return hc_err_set(err, HC_E_FAIL, "internal: hc_audit_restart keptlen");
	kept[0] = '\0';
	if (tok == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: hc_audit_restart without a token");
	if (lock_log(path, &lockfd, err) != 0)
		return -1;
	fd = open_state(path, O_RDONLY, &missing, err);
	if (fd < 0 && !missing)
		goto out;
	if (locate_fd(fd, path, tok, host, &partial, &pos, NULL, err) != 0)
		goto out;
	*was = pos;
	if (pos.fit == HC_AUDIT_FITS) {
		hc_err_set(err, HC_E_USAGE,
			   "nothing to reset: the audit log %s holds this host's head on the token (seq %llu); audit verify checks the whole chain",
			   path, pos.head_seq);
		goto out;
	}
	if (fd >= 0) {
		close(fd);
		fd = -1;
		if (keep_aside(path, kept, keptlen, err) != 0)
			goto out;
	}
	describe_gap(&pos, kept, target, sizeof(target), detail,
		     sizeof(detail));
	if (make_line(pos.head_seq + 1, host, HC_AUDIT_RESET_CMD, target, "ok",
		      detail, pos.head_hash, &line, &len, hash, err) != 0)
		goto undo;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
		  O_CLOEXEC, 0600);
	if (fd < 0) {
		hc_err_set(err, HC_E_FAIL, "cannot create the new audit log %s: %s",
			   path, strerror(errno));
		goto undo;
	}
	made = 1;
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot write the audit log %s: %s",
			   path, strerror(errno));
		goto undo;
	}
	sync_dir(path);
	if (set_head(tok, host, pos.head_seq + 1, hash, err) != 0) {
		hc_err_prefix(err, "the new audit log %s was started, but the head kept on the token could not be moved to its first line (run hsmcert audit reset --yes again): ",
			      path);
		goto out;
	}
	ret = 0;
	goto out;
undo:
	/* put the old log back where it was, as if nothing happened */
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (made && unlink(path) != 0)
		hc_err_suffix(err, "; the new log %s could not be removed", path);
	if (kept[0] != '\0' && link(kept, path) == 0 && unlink(kept) == 0)
		kept[0] = '\0';
out:
	free(line);
	if (fd >= 0)
		close(fd);
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

/*
 * The log's first line is an audit-reset: it starts the chain at its seq
 * (prev names the head it followed); its target says which seqs were lost.
 */
static void
note_reset(struct hc_audit_check *c, const hc_audit_record *al)
{
	unsigned long long a, b;
	int n = 0;

	c->reset_seq = al->seq;
	n = snprintf(c->reset_time, sizeof(c->reset_time), "%s", al->time);
	n = snprintf(c->reset_user, sizeof(c->reset_user), "%s", al->user);
	n = snprintf(c->reset_detail, sizeof(c->reset_detail), "%s",
		     al->detail);
	(void)n;
	n = 0;
	if (sscanf(al->target, "seq %llu-%llu%n", &a, &b, &n) == 2 &&
	    al->target[n] == '\0' && a >= 1 && a <= b && b < al->seq) {
		c->gap_from = a;
		c->gap_to = b;
	} else if (al->seq > 1) {
		c->gap_from = 1;
		c->gap_to = al->seq - 1;
	}
}

int
hc_audit_verify(const char *path, struct hc_token *tok, const char *host,
		struct hc_audit_check *c, hc_audit_records *lines,
		hc_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0, pos = 0, lineno = 0, head_line = 0;
	char last_hash[65], head_line_hash[65] = "";
	unsigned long long last_seq = 0, first_seq = 0;
	int ret = -1, fd = -1, missing = 0;

	memset(c, 0, sizeof(*c));
	c->ok = 1;
	memcpy(last_hash, zero_hash, 65);
	memcpy(c->head_hash, zero_hash, 65);
	if (path == NULL)
		return hc_err_set(err, HC_E_USAGE, "no audit-log configured");
	fd = open_state(path, O_RDONLY, &missing, err);
	if (fd < 0 && !missing)
		return -1;
	if (fd >= 0) {
		int r = read_all(fd, path, &buf, &len, err);

		close(fd);
		if (r != 0)
			return -1;
	}
	if (tok != NULL &&
	    hc_audit_head(tok, host, &c->head_seq, c->head_hash, err) != 0)
		goto out;
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
		if (lineno == 1 && strcmp(al.command, HC_AUDIT_RESET_CMD) == 0) {
			/* a log started again: the chain begins here */
			note_reset(c, &al);
		} else if (al.seq != last_seq + 1) {
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
		if (lineno == 1)
			first_seq = al.seq;
		if (c->ok && al.seq == c->head_seq) {
			head_line = lineno;
			memcpy(head_line_hash, hash, 65);
		}
		if (c->ok && lines != NULL) {
			hc_audit_record *nv = realloc(lines->v,
					(lines->n + 1) * sizeof(*nv));

			if (nv == NULL) {
				line_free(&al);
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
	if (tok != NULL && c->ok) {
		if (c->head_seq > last_seq) {
			if (last_seq + 1 == c->head_seq)
				problem(c, lineno + 1,
					"the log ends at seq %llu but the token's head is at seq %llu: seq %llu is missing (the log was truncated); hsmcert audit reset --yes starts a new log",
					last_seq, c->head_seq, last_seq + 1);
			else
				problem(c, lineno + 1,
					"the log ends at seq %llu but the token's head is at seq %llu: seq %llu to %llu are missing (the log was truncated); hsmcert audit reset --yes starts a new log",
					last_seq, c->head_seq, last_seq + 1,
					c->head_seq);
		} else if (c->head_seq > 0 && c->head_seq < first_seq) {
			/* a forged audit-reset, or one whose head never moved */
			problem(c, 1,
				"the log starts at seq %llu but the token's head is at seq %llu: the line the head anchors is not in the log (the log was replaced, or its audit reset did not finish: run hsmcert audit reset --yes)",
				first_seq, c->head_seq);
		} else if (c->head_seq > 0 && head_line > 0 &&
			   strcmp(c->head_hash, head_line_hash) != 0) {
			problem(c, head_line,
				"line %zu (seq %llu) does not match the head kept on the token (the log was rewritten)",
				head_line, c->head_seq);
		} else if (c->head_seq < last_seq) {
			problem(c, head_line + 1,
				"line %zu (seq %llu) is not anchored on the token, whose head is at seq %llu (written by an interrupted run, or not by hsmcert)",
				head_line + 1,
				head_line > 0 ? c->head_seq + 1 : first_seq,
				c->head_seq);
		}
	}
	ret = 0;
out:
	free(buf);
	return ret;
}
