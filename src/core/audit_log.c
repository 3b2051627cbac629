/* audit_log.c - the audit log file: lock, locate, append */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/audit_int.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/range.h"

/* ------------------------------------------------------------------ */
/* The log file: never through a link, always a regular file            */

/* the directories above the log, made as fileio makes state directories */
static int
mkparent(const char *path, hc_err *err)
{
	char *copy = strdup(path);
	int ret;

	if (copy == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	ret = hc_mkdirs(dirname(copy), err);
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
int
hc_audit_log_open(const char *path, int flags, int *missing,
		  hc_err *err)
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
int
hc_audit_log_lock(const char *path, int *lockfd, hc_err *err)
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
	fd = hc_audit_log_open(lockpath, O_RDWR | O_CREAT, NULL, err);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			hc_err_set(err, HC_E_FAIL, "cannot lock %s: %s",
				   lockpath, strerror(errno));
			close(fd);
			return -1;
		}
	}
	*lockfd = fd;
	return 0;
}

/* The whole file from offset 0 (the caller frees *buf). */
int
hc_audit_log_read(int fd, const char *path, unsigned char **buf,
		  size_t *len, hc_err *err)
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
						  "%s is larger than 1 GiB",
						  path);
			}
			cap = cap == 0 ? 64 * 1024 : cap * 2;
			nd = realloc(data, cap + 1);
			if (nd == NULL) {
				free(data);
				return hc_err_set(err, HC_E_FAIL,
						  "out of memory");
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
	memcpy(hash, hc_audit_zero_hash, 65);
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
		*partial = hc_range_clamp_long(nl != NULL ?
					       len - (size_t)(nl - buf) - 1 :
					       len);
		if (nl == NULL) {
			if (start == 0) {
				/* nothing complete in the file */
				ret = 0;
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
		n = snprintf(damage, damagelen,
			     "its last line is longer than 8 KiB");
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
				hc_err_set(err, HC_E_FAIL, "%s: %s", path,
					   e.msg);
				goto out;
			}
			memcpy(hash, hc_audit_zero_hash, 65);
			n = snprintf(damage, damagelen, "%.250s", e.msg);
			(void)n;
			ret = 0;
			goto out;
		}
		*seq = al.seq;
		hc_audit_line_free(&al);
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
	if (hc_audit_log_read(fd, path, &buf, &len, err) != 0)
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

			hc_audit_line_free(&al);
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
int
hc_audit_log_locate_fd(int fd, const char *path, struct hc_token *tok,
		       const char *host, long *partial,
		       struct hc_audit_pos *pos, hc_err *head_err,
		       hc_err *err)
{
	int found = 0;

	memset(pos, 0, sizeof(*pos));
	memcpy(pos->last_hash, hc_audit_zero_hash, 65);
	memcpy(pos->head_hash, hc_audit_zero_hash, 65);
	*partial = 0;
	pos->exists = fd >= 0;
	if (tok != NULL &&
	    hc_audit_head(tok, host, &pos->head_seq, pos->head_hash,
			  head_err != NULL ? head_err : err) != 0) {
		if (head_err == NULL) {
			hc_err_prefix(err,
				      "cannot read the audit head kept on the token: ");
			return -1;
		}
		pos->head_seq = 0;
		memcpy(pos->head_hash, hc_audit_zero_hash, 65);
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

	if (hc_audit_log_lock(path, &lockfd, err) != 0)
		return -1;
	fd = hc_audit_log_open(path, O_RDONLY, &missing, err);
	if (fd < 0 && !missing)
		goto out;
	if (hc_audit_log_locate_fd(fd, path, tok, host, &partial, pos, NULL,
				   err) != 0)
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
		return hc_err_set(err, HC_E_FAIL,
				  "internal: hc_audit_refuse of a log that fits");
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
					  path, p->exists ? "is empty" :
					  "does not exist", p->head_seq,
					  missing, tail);
		return hc_err_set(err, HC_E_VERIFY,
				  "the audit log %s ends at seq %llu but this host's head on the token is at seq %llu: %s missing (the log was truncated or replaced); %s",
				  path, p->last_seq, p->head_seq, missing,
				  tail);
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

	if (hc_audit_log_lock(path, &lockfd, err) != 0)
		return -1;
	fd = hc_audit_log_open(path, O_RDWR | O_CREAT | O_APPEND, NULL, err);
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
	if (hc_audit_log_locate_fd(fd, path, tok, host, &partial, &pos,
				   &head_err, err) != 0)
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
		     partial ?
			     "an interrupted earlier write left an incomplete last line, removed" :
			     "");
	(void)n;
	if (hc_audit_line_make(pos.last_seq + 1, host, rec->command,
			       rec->target, rec->result, detail, pos.last_hash,
			       &line, &len, hash, err) != 0)
		goto out;
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot write the audit log %s: %s",
			   path, strerror(errno));
		goto out;
	}
	if (head_err.code != HC_OK) {
		hc_err_set(err, head_err.code,
			   "the audit line %llu was written, but the head kept on the token could not be moved (it could not be read: %s): audit verify reports the line as not anchored until the next change",
			   pos.last_seq + 1, head_err.msg);
		goto out;
	}
	if (tok != NULL &&
	    hc_audit_head_set(tok, host, pos.last_seq + 1, hash, err) != 0) {
		hc_err_prefix(err,
			      "the audit line %llu was written, but the head kept on the token could not be moved (audit verify reports the line as not anchored until the next change): ",
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
