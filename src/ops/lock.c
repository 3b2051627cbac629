/* lock.c - make an exportable key permanently non-exportable */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "ops/new.h"
#include "ops/ops.h"

static int
do_lock(hc_ctx *ctx, const char *id, hc_entry *entry, int *changed,
	hc_err *err)
{
	struct hc_store s;
	struct hc_store_item *it;
	struct hc_token *tok;
	unsigned char kid[HC_ID_MAX];
	size_t kid_len;
	char norm[41], q[400];
	hc_entry e;
	int ret = -1, r;

	*changed = 0;
	memset(&e, 0, sizeof(e));
	if (hc_store_parse_id(id, norm, err) != 0)
		return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_lookup_open(ctx, tok, id, &s, &it, err) != 0)
		return -1;
	if (it->priv == NULL) {
		hc_err_set(err, HC_E_NOTFOUND,
			   "%s has no private key on this token", it->ident);
		goto out;
	}
	memcpy(kid, it->id, it->id_len);
	kid_len = it->id_len;
	if (it->priv->extractable != 1) {
		hc_store_release(&s);
		return hc_describe_id(ctx, kid, kid_len, entry, err);
	}
	r = snprintf(q, sizeof(q),
		     "Make the key of %s permanently non-exportable? PKCS#11 cannot undo this: the key will never leave the token again.",
		     it->ident);
	(void)r;
	if (hc_ctx_confirm(ctx, q, err) != 0)
		goto out;
	/* described first: after the one-way change nothing may fail */
	if (hc_describe(ctx, tok, it, NULL, time(NULL), &e, err) != 0)
		goto out;
	if (hc_token_set_unextractable(tok, it->priv->handle, err) != 0)
		goto out;
	*changed = 1;
	free(e.key_provenance);
	e.key_provenance = strdup(it->priv->local == 1 ?
				  "generated-on-token, locked" :
				  "imported, not-extractable");
	e.exportable = HC_FALSE;
	*entry = e;
	memset(&e, 0, sizeof(e));
	ret = 0;
out:
	hc_entry_release(&e);
	hc_store_release(&s);
	return ret;
}

int
hc_lock(hc_ctx *ctx, const char *id, hc_entry *entry, int *changed,
	hc_err *err)
{
	int r = do_lock(ctx, id, entry, changed, err);

	if (r == 0 && !*changed)
		return r;
	hc_audit_op(ctx, "lock", r == 0 ? entry->thumbprint : id, err,
		    "CKA_EXTRACTABLE set to false");
	return r;
}
