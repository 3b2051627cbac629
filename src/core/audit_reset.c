/* audit_reset.c - starting the audit log again (audit reset) */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/audit_int.h"
#include "core/error.h"

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
			n = snprintf(kept, keptlen, "%s.%s.damaged", path,
				     stamp);
		else
			n = snprintf(kept, keptlen, "%s.%s-%d.damaged", path,
				     stamp, i);
		if (n < 0 || (size_t)n >= keptlen)
			return hc_err_set(err, HC_E_FAIL,
					  "audit-log path too long");
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
		hc_err_set(err, HC_E_FAIL,
			   "cannot move the old audit log %s aside: %s", path,
			   strerror(errno));
		if (unlink(kept) != 0)
			hc_err_suffix(err,
				      " (%s is left as a second name of it)",
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
			/* best effort: the file itself is synced */
			errno = 0;
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
		return hc_err_set(err, HC_E_FAIL,
				  "internal: hc_audit_restart keptlen");
	kept[0] = '\0';
	if (tok == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: hc_audit_restart without a token");
	if (hc_audit_log_lock(path, &lockfd, err) != 0)
		return -1;
	fd = hc_audit_log_open(path, O_RDONLY, &missing, err);
	if (fd < 0 && !missing)
		goto out;
	if (hc_audit_log_locate_fd(fd, path, tok, host, &partial, &pos, NULL,
				   err) != 0)
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
	if (hc_audit_line_make(pos.head_seq + 1, host, HC_AUDIT_RESET_CMD,
			       target, "ok", detail, pos.head_hash, &line, &len,
			       hash, err) != 0)
		goto undo;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW |
		  O_CLOEXEC, 0600);
	if (fd < 0) {
		hc_err_set(err, HC_E_FAIL,
			   "cannot create the new audit log %s: %s", path,
			   strerror(errno));
		goto undo;
	}
	made = 1;
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		hc_err_set(err, HC_E_FAIL, "cannot write the audit log %s: %s",
			   path, strerror(errno));
		goto undo;
	}
	sync_dir(path);
	if (hc_audit_head_set(tok, host, pos.head_seq + 1, hash, err) != 0) {
		hc_err_prefix(err,
			      "the new audit log %s was started, but the head kept on the token could not be moved to its first line (run hsmcert audit reset --yes again): ",
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
		hc_err_suffix(err, "; the new log %s could not be removed",
			      path);
	if (kept[0] != '\0' && link(kept, path) == 0 && unlink(kept) == 0)
		kept[0] = '\0';
out:
	free(line);
	if (fd >= 0)
		close(fd);
	close(lockfd);
	return ret;
}
