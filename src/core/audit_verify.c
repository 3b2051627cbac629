/* audit_verify.c - verifying the audit log's chain against the head */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/audit_int.h"
#include "core/error.h"

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
	memcpy(last_hash, hc_audit_zero_hash, 65);
	memcpy(c->head_hash, hc_audit_zero_hash, 65);
	if (path == NULL)
		return hc_err_set(err, HC_E_USAGE, "no audit-log configured");
	fd = hc_audit_log_open(path, O_RDONLY, &missing, err);
	if (fd < 0 && !missing)
		return -1;
	if (fd >= 0) {
		int r = hc_audit_log_read(fd, path, &buf, &len, err);

		close(fd);
		if (r != 0)
			return -1;
	}
	if (tok != NULL &&
	    hc_audit_head(tok, host, &c->head_seq, c->head_hash, err) != 0)
		goto out;
	while (pos < len) {
		unsigned char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen =
			nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
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
		if (hc_audit_parse_line((const char *)buf + pos, llen, &al,
					hash, prev, &le) != 0) {
			if (le.code == HC_E_FAIL) {
				hc_err_set(err, HC_E_FAIL, "%s", le.msg);
				goto out;
			}
			problem(c, lineno, "line %zu: %s", lineno, le.msg);
			break;
		}
		if (lineno == 1 &&
		    strcmp(al.command, HC_AUDIT_RESET_CMD) == 0) {
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
				hc_audit_line_free(&al);
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto out;
			}
			lines->v = nv;
			lines->v[lines->n++] = al;
		} else {
			hc_audit_line_free(&al);
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
			/* a forged audit-reset, or its head never moved */
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
