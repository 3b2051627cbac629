/* lookup.c - find one item without reading every object: the index
 *
 * <state-dir>/index/<token serial>.idx maps each identifier (thumbprint, or
 * key id of a request or orphan key) to its CKA_ID, one "IDENT KEYID" line
 * each. A command naming one ID reads only the objects of that CKA_ID; the
 * index is checked on use (the item must be there with that identifier)
 * and rebuilt from a full read whenever it is missing, stale or the prefix
 * is not unique in it. The index directory and file are state files
 * (fileio.h): a symbolic link or anything but a directory / regular file
 * there is an error (exit 1), never followed, never written through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bundle.h"
#include "core/error.h"
#include "core/fileio.h"
#include "ops/ops.h"

/* <state-dir>/index, or NULL when memory runs out */
static char *
index_dir(hc_ctx *ctx)
{
	size_t len = strlen(ctx->cfg.state_dir) + 8;
	char *p = malloc(len);

	if (p != NULL && snprintf(p, len, "%s/index", ctx->cfg.state_dir) < 0) {
		free(p);
		p = NULL;
	}
	return p;
}

/* The index file's name in index_dir(): <serial>-<label>.idx */
static void
index_name(struct hc_token *tok, char name[90])
{
	const char *serial = hc_token_get0_info(tok)->serial;
	const char *label = hc_token_get0_info(tok)->label;
	size_t i, n = 0;

	/* a token without a serial is told apart by its label */
	for (i = 0; serial[i] != '\0' && n < 32; i++)
		name[n++] = serial[i];
	name[n++] = '-';
	for (i = 0; label[i] != '\0' && n < 79; i++)
		name[n++] = label[i];
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		      (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			name[i] = '_';
	memcpy(name + n, ".idx", 5);
}

/*
 * The index directory, opened without following a link (made with
 * HC_STATE_CREATE). Returns 0 with *dirfd; 1 when there is none or it
 * cannot be opened (the index only speeds things up); -1 when it, or the
 * index file in it, is a link or not what it must be (SPEC 10: exit 1).
 */
static int
index_open(const char *dir, const char *name, unsigned flags, int *dirfd,
	   hc_err *err)
{
	hc_err e = { 0 };
	int r;

	if (hc_state_dir_check(dir, err) != 0)
		return -1;
	r = hc_state_dir_open(dir, flags, dirfd, &e);
	if (r != 0)
		return hc_state_dir_check(dir, err) != 0 ? -1 : 1;
	if (hc_state_check_at(*dirfd, dir, name, err) != 0) {
		close(*dirfd);
		return -1;
	}
	return 0;
}

int
hc_index_save(hc_ctx *ctx, struct hc_token *tok, const struct hc_store *s,
	      hc_err *err)
{
	char *dir = index_dir(ctx), *text = NULL, name[90];
	unsigned char *old = NULL;
	size_t oldlen = 0;
	hc_err e = { 0 };
	int ret = 0, dirfd = -1, r;

	if (dir == NULL)
		return 0;
	index_name(tok, name);
	{
		char fp[64], *body = hc_store_index_text(s, &e);
		size_t blen;

		if (body == NULL)
			goto out;
		/* a token error is an error; an unwritable file is not */
		if (hc_token_fingerprint(tok, fp, err) != 0) {
			free(body);
			ret = -1;
			goto out;
		}
		blen = strlen(body);
		text = malloc(blen + 100);
		if (text == NULL) {
			free(body);
			goto out;
		}
		if (snprintf(text, 100, "# hsmcert index 1 %s\n", fp) < 0)
			text[0] = '\0';
		memcpy(text + strlen(text), body, blen + 1);
		free(body);
	}
	/* a link or a FIFO where the index should be is an error (exit 1) */
	r = index_open(dir, name, HC_STATE_CREATE, &dirfd, err);
	if (r != 0) {
		ret = r < 0 ? -1 : 0;
		goto out;
	}
	/* unchanged: leave the file alone */
	if (hc_state_read_at(dirfd, dir, name, &old, &oldlen, &e) == 0 &&
	    oldlen == strlen(text) && memcmp(old, text, oldlen) == 0)
		goto out;
	hc_err_clear(&e);
	/* the index only speeds things up: failing to write it is not an
	 * error (a link swapped in meanwhile is refused, or replaced by the
	 * rename: never written through) */
	if (hc_state_write_at(dirfd, dir, name, text, strlen(text), 0600, 1,
			      &e) != 0)
		goto out;
out:
	if (dirfd >= 0)
		close(dirfd);
	free(dir);
	free(old);
	free(text);
	return ret;
}

/* The CKA_ID of the one index line whose identifier starts with norm. */
static int
index_find(hc_ctx *ctx, struct hc_token *tok, const char *norm,
	   unsigned char *id, size_t *id_len, char ident[41], hc_err *err)
{
	char *path = index_dir(ctx), name[90];
	unsigned char *buf = NULL;
	size_t len = 0, plen = strlen(norm), pos = 0;
	int matches = 0, dirfd = -1, r;
	long n;
	hc_err e = { 0 };

	if (path == NULL)
		return 0;
	index_name(tok, name);
	/* a link or a FIFO where the index should be is an error (exit 1) */
	r = index_open(path, name, 0, &dirfd, err);
	if (r < 0) {
		free(path);
		return -1;
	}
	if (r == 0) {
		/* no file, or one that cannot be read: no index */
		r = hc_state_read_at(dirfd, path, name, &buf, &len, &e);
		close(dirfd);
	}
	if (r != 0) {
		free(path);
		return 0;
	}
	/*
	 * The header holds the fingerprint of the object set the index was
	 * made from: another tool adding or removing objects makes it stale.
	 */
	{
		char fp[64], head[100];
		int hl = snprintf(head, sizeof(head), "# hsmcert index 1 ");

		if (hc_token_fingerprint(tok, fp, &e) != 0) {
			/* a token error is an error, not a stale index */
			free(buf);
			free(path);
			if (err != NULL)
				*err = e;
			return -1;
		}
		if (hl < 0 ||
		    len < (size_t)hl + strlen(fp) + 1 ||
		    memcmp(buf, head, (size_t)hl) != 0 ||
		    memcmp(buf + hl, fp, strlen(fp)) != 0 ||
		    buf[hl + strlen(fp)] != '\n') {
			free(buf);
			free(path);
			return 0;
		}
		pos = (size_t)hl + strlen(fp) + 1;
	}
	while (pos < len) {
		unsigned char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char line[200], *sp;

		if (ll < sizeof(line)) {
			memcpy(line, buf + pos, ll);
			line[ll] = '\0';
			sp = strchr(line, ' ');
			if (sp != NULL && (size_t)(sp - line) <= 40 &&
			    strncmp(line, norm, plen) == 0) {
				*sp = '\0';
				n = hc_unhex(sp + 1, id, HC_ID_MAX);
				if (n > 0 && ++matches == 1) {
					*id_len = (size_t)n;
					memcpy(ident, line, strlen(line) + 1);
				}
			}
		}
		pos += ll + 1;
	}
	free(buf);
	free(path);
	return matches;
}

int
hc_lookup_open(hc_ctx *ctx, struct hc_token *tok, const char *arg,
	      struct hc_store *s, struct hc_store_item **it, hc_err *err)
{
	unsigned char id[HC_ID_MAX];
	size_t id_len = 0, i;
	char norm[41], ident[41];
	int n;

	if (hc_store_parse_id(arg, norm, err) != 0)
		return -1;
	n = index_find(ctx, tok, norm, id, &id_len, ident, err);
	if (n < 0)
		return -1;
	if (n == 1) {
		if (hc_store_load_id(tok, id, id_len, s, err) != 0)
			return -1;
		for (i = 0; i < s->nitems; i++)
			if (strcmp(s->items[i].ident, ident) == 0) {
				*it = &s->items[i];
				return 0;
			}
		/* stale: read everything */
		hc_store_release(s);
	}
	if (hc_store_load(tok, s, err) != 0)
		return -1;
	if (hc_index_save(ctx, tok, s, err) != 0) {
		hc_store_release(s);
		return -1;
	}
	if (hc_store_lookup(s, arg, 0, it, err) != 0) {
		hc_store_release(s);
		return -1;
	}
	return 0;
}
