/* lookup.c - find one item without reading every object: the index
 *
 * <state-dir>/index/<token serial>.idx maps each identifier (thumbprint, or
 * key id of a request or orphan key) to its CKA_ID, one "IDENT KEYID" line
 * each. A command naming one ID reads only the objects of that CKA_ID; the
 * index is checked on use (the item must be there with that identifier)
 * and rebuilt from a full read whenever it is missing, stale or the prefix
 * is not unique in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bundle.h"
#include "core/error.h"
#include "core/fileio.h"
#include "ops/ops.h"

static char *
index_path(hc_ctx *ctx, struct hc_token *tok)
{
	const char *serial = hc_token_get0_info(tok)->serial;
	const char *label = hc_token_get0_info(tok)->label;
	size_t len = strlen(ctx->cfg.state_dir) + 128;
	char safe[80], *p;
	size_t i, n = 0;

	/* a token without a serial is told apart by its label */
	for (i = 0; serial[i] != '\0' && n < 32; i++)
		safe[n++] = serial[i];
	safe[n++] = '-';
	for (i = 0; label[i] != '\0' && n < sizeof(safe) - 1; i++)
		safe[n++] = label[i];
	safe[n] = '\0';
	for (i = 0; i < n; i++)
		if (!((safe[i] >= 'a' && safe[i] <= 'z') ||
		      (safe[i] >= 'A' && safe[i] <= 'Z') ||
		      (safe[i] >= '0' && safe[i] <= '9') || safe[i] == '-'))
			safe[i] = '_';
	p = malloc(len);
	if (p != NULL && snprintf(p, len, "%s/index/%s.idx", ctx->cfg.state_dir,
				  safe) < 0) {
		free(p);
		p = NULL;
	}
	return p;
}

int
hc_index_save(hc_ctx *ctx, struct hc_token *tok, const struct hc_store *s,
	      hc_err *err)
{
	char *path = index_path(ctx, tok), *text = NULL, *dir = NULL;
	unsigned char *old = NULL;
	size_t oldlen = 0;
	hc_err e = { 0 };
	int ret = 0;

	if (path == NULL)
		return 0;
	{
		char fp[64], *body = hc_store_index_text(s, &e);
		size_t blen;

		if (body == NULL)
			goto out;
		/* a token error is an error; a file that cannot be written is not */
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
	/* unchanged: leave the file alone */
	if (hc_file_exists(path) && hc_file_read(path, &old, &oldlen, &e) == 0 &&
	    oldlen == strlen(text) && memcmp(old, text, oldlen) == 0)
		goto out;
	hc_err_clear(&e);
	dir = strdup(path);
	if (dir == NULL)
		goto out;
	*strrchr(dir, '/') = '\0';
	/* the index only speeds things up: failing to write it is not an error */
	if (hc_mkdirs(dir, &e) != 0 ||
	    hc_file_write_atomic(path, text, strlen(text), 0600, 1, &e) != 0)
		goto out;
out:
	free(dir);
	free(old);
	free(text);
	free(path);
	return ret;
}

/* The CKA_ID of the one index line whose identifier starts with norm. */
static int
index_find(hc_ctx *ctx, struct hc_token *tok, const char *norm,
	   unsigned char *id, size_t *id_len, char ident[41], hc_err *err)
{
	char *path = index_path(ctx, tok);
	unsigned char *buf = NULL;
	size_t len = 0, plen = strlen(norm), pos = 0;
	int matches = 0;
	long n;
	hc_err e = { 0 };

	if (path == NULL || !hc_file_exists(path) ||
	    hc_file_read(path, &buf, &len, &e) != 0) {
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
hc_store_open(hc_ctx *ctx, struct hc_token *tok, const char *arg,
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
