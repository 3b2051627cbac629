/* audit_head.c - the audit head kept on the token, one per host */
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/audit_int.h"
#include "core/error.h"

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
	    strlen(h) != 64 || !hc_audit_line_hex64(h))
		return -1;
	if (label[n] != '\0' &&
	    (strncmp(label + n, " host=", 6) != 0 ||
	     strcmp(label + n + 6, host) != 0))
		return -1;
	*seq = s;
	memcpy(hash, h, 65);
	return 0;
}

/*
 * The audit objects the last search found, kept for the reads and the move
 * that follow it (the check a changing command makes when it opens the
 * token, then hc_audit_append: read the head, write the log line, move the
 * head). They stay what the token holds for this host while this process
 * has altered or removed no object since (hc_token_rewrites: objects it
 * made are never heads unless made here, and the move drops them), as
 * hsmcert processes of one host take turns with the token (token.lock).
 */
static struct {
	const struct hc_token *tok;
	unsigned long rewrites;
	struct hc_tobj_list l;
} cache;

static void
cache_drop(void)
{
	hc_tobj_list_release(&cache.l);
	cache.tok = NULL;
}

/* Every audit object on the token (this host's and others'), borrowed. */
static const struct hc_tobj_list *
find_heads(struct hc_token *tok, hc_err *err)
{
	if (cache.tok == tok && cache.rewrites == hc_token_rewrites(tok))
		return &cache.l;
	cache_drop();
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_AUDIT_APP, &cache.l,
			  err) != 0)
		return NULL;
	cache.tok = tok;
	cache.rewrites = hc_token_rewrites(tok);
	return &cache.l;
}

int
hc_audit_head(struct hc_token *tok, const char *host, unsigned long long *seq,
	      char hash[65], hc_err *err)
{
	const struct hc_tobj_list *l;
	size_t i;

	*seq = 0;
	memcpy(hash, hc_audit_zero_hash, 65);
	l = find_heads(tok, err);
	if (l == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		unsigned long long s;
		char h[65];

		/* several heads (an interrupted update): the highest counts */
		if (parse_head(l->v[i].label, host, &s, h) == 0 && s >= *seq) {
			*seq = s;
			memcpy(hash, h, 65);
		}
	}
	return 0;
}

int
hc_audit_head_set(struct hc_token *tok, const char *host,
		  unsigned long long seq, const char *hash, hc_err *err)
{
	struct hc_tobj_list l = { NULL, 0 };
	const struct hc_tobj_list *found;
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
	found = find_heads(tok, err);
	if (found == NULL)
		return -1;
	/* the heads are about to change: the list leaves the cache */
	l = *found;
	cache.l.v = NULL;
	cache.l.n = 0;
	cache.tok = NULL;
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
