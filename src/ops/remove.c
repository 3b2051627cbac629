/* remove.c - archive, then delete a certificate, its keys and its request */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "core/error.h"
#include "core/fileio.h"
#include "core/lock.h"
#include "core/x509.h"
#include "ops/ops.h"

static void
who(char *user, size_t ulen)
{
	struct passwd *pw = getpwuid(geteuid());
	int n = snprintf(user, ulen, "%s", pw != NULL ? pw->pw_name : "?");

	(void)n;
}

/* The certificate (or request) and a JSON record, before any deletion. */
static int
archive(hc_ctx *ctx, struct hc_token *tok, struct hc_store_item *it,
	struct hc_strlist *written, hc_err *err)
{
	char stamp[32], now3339[21], user[64], *path = NULL, *name;
	const char *dir = ctx->cfg.archive_dir;
	time_t now = time(NULL);
	struct tm tm;
	hc_entry e;
	BIO *b = NULL;
	char *pem = NULL, *js = NULL;
	long pemlen;
	json_t *o = NULL, *doms;
	size_t i, plen;
	int ret = -1, n, dirfd = -1;
	struct stat st;

	memset(&e, 0, sizeof(e));
	if (dir == NULL)
		return hc_err_set(err, HC_E_USAGE, "no archive-dir configured");
	/* the archive directory itself is never reached through a link */
	if (hc_state_dir_open(dir, HC_STATE_CREATE, &dirfd, err) != 0)
		return -1;
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0) {
		hc_err_set(err, HC_E_FAIL, "cannot format the time");
		goto out;
	}
	hc_rfc3339((long long)now, now3339);
	who(user, sizeof(user));
	if (hc_describe(ctx, tok, it, NULL, now, &e, err) != 0)
		goto out;
	b = BIO_new(BIO_s_mem());
	if (b == NULL ||
	    (it->x509 != NULL && !PEM_write_bio_X509(b, it->x509)) ||
	    (it->x509 == NULL && it->x509_req != NULL &&
	     !PEM_write_bio_X509_REQ(b, it->x509_req))) {
		hc_err_ossl(err, HC_E_FAIL, "cannot write the archive copy");
		goto out;
	}
	pemlen = BIO_get_mem_data(b, &pem);
	plen = strlen(dir) + 80;
	path = malloc(plen);
	if (path == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	/*
	 * name points into path after "DIR/": the file's name in dirfd. A
	 * name not taken yet: the same item may be removed twice a second.
	 */
	name = path + strlen(dir) + 1;
	for (n = 0; n < 1000; n++) {
		char suffix[8] = "";
		int k;

		if (n > 0) {
			k = snprintf(suffix, sizeof(suffix), "-%d", n);
			(void)k;
		}
		k = snprintf(path, plen, "%s/%s-%s%s.json", dir, it->ident,
			     stamp, suffix);
		(void)k;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			k = snprintf(stamp + strlen(stamp),
				     sizeof(stamp) - strlen(stamp), "%s",
				     suffix);
			(void)k;
			break;
		}
	}
	if (pemlen > 0) {
		n = snprintf(path, plen, "%s/%s-%s.pem", dir, it->ident, stamp);
		(void)n;
		if (hc_state_write_at(dirfd, dir, name, pem, (size_t)pemlen,
				      0644, 0, err) != 0 ||
		    hc_strlist_push(written, path, err) != 0)
			goto out;
	}
	o = json_object();
	doms = json_array();
	for (i = 0; i < e.ndomains; i++)
		json_array_append_new(doms, json_string(e.domains[i]));
	json_object_set_new(o, "RemovedAt", json_string(now3339));
	json_object_set_new(o, "RemovedBy", json_string(user));
	json_object_set_new(o, "Host", json_string(ctx->cfg.host));
	json_object_set_new(o, "Token",
			    json_string(hc_token_get0_info(tok)->label));
	json_object_set_new(o, "TokenSerial",
			    json_string(hc_token_get0_info(tok)->serial));
	json_object_set_new(o, "Kind", json_string(hc_status_name(e.status)));
	json_object_set_new(o, "FriendlyName",
			    json_string(e.friendly_name ? e.friendly_name :
							  ""));
	json_object_set_new(o, "Subject",
			    e.subject ? json_string(e.subject) : json_null());
	json_object_set_new(o, "Issuer",
			    e.issuer ? json_string(e.issuer) : json_null());
	json_object_set_new(o, "CertificateDomains", doms);
	json_object_set_new(o, "Thumbprint", json_string(e.thumbprint));
	json_object_set_new(o, "SerialNumber",
			    e.serial ? json_string(e.serial) : json_null());
	json_object_set_new(o, "KeyId", json_string(e.key_id));
	json_object_set_new(o, "KeyAlgorithm",
			    e.key_algorithm ? json_string(e.key_algorithm) :
					      json_null());
	json_object_set_new(o, "KeySize", json_integer(e.key_size));
	json_object_set_new(o, "KeyProvenance",
			    e.key_provenance ? json_string(e.key_provenance) :
					       json_null());
	if (e.has_dates) {
		char d[21];

		hc_rfc3339((long long)e.not_before, d);
		json_object_set_new(o, "NotBefore", json_string(d));
		hc_rfc3339((long long)e.not_after, d);
		json_object_set_new(o, "NotAfter", json_string(d));
	}
	js = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (js == NULL) {
		hc_err_set(err, HC_E_FAIL, "cannot encode the archive record");
		goto out;
	}
	n = snprintf(path, plen, "%s/%s-%s.json", dir, it->ident, stamp);
	(void)n;
	if (hc_state_write_at(dirfd, dir, name, js, strlen(js), 0644, 0,
			      err) != 0 ||
	    hc_strlist_push(written, path, err) != 0)
		goto out;
	ret = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	free(js);
	json_decref(o);
	free(path);
	BIO_free(b);
	hc_entry_release(&e);
	return ret;
}

/*
 * Certificate, request, public key, private key: the key goes last, and
 * stays while another certificate of it (a reissue) is kept.
 */
static int
destroy_item(struct hc_token *tok, struct hc_store_item *it, int key_in_use,
	     int *started, hc_err *err)
{
	unsigned long h;
	int cert_gone = 0, req_gone = 0;

	*started = 0;
	if (it->cert != NULL) {
		if (hc_token_destroy(tok, it->cert->handle, err))
			return -1;
		cert_gone = 1;
	}
	if (key_in_use) {
		*started = cert_gone;
		goto gone;
	}
	if (it->req != NULL) {
		if (hc_token_destroy(tok, it->req->handle, err))
			goto undo;
		req_gone = 1;
	}
	if (it->pub != NULL && hc_token_destroy(tok, it->pub->handle, err))
		goto undo;
	/* from here what is left is at worst the private key: an orphan */
	*started = 1;
	if (it->priv != NULL && hc_token_destroy(tok, it->priv->handle, err))
		return -1;
gone:
	/* the certificate's ACME issuance record goes with it (best effort:
	   a record naming no certificate is ignored) */
	if (cert_gone && it->acme != NULL)
		(void)hc_token_destroy(tok, it->acme->handle, NULL);
	/* the key's renewal link goes with the key (best effort too) */
	if (!key_in_use && it->renewal != NULL)
		(void)hc_token_destroy(tok, it->renewal->handle, NULL);
	return 0;
undo:
	/*
	 * The key pair is still there: put its certificate and request back,
	 * so the token is as it was (only the object handles differ).
	 */
	if (cert_gone && hc_token_store_cert(tok, it->x509, it->cert->label,
					     it->id, it->id_len,
					     it->cert->cert_category, &h,
					     NULL) != 0)
		*started = 1;
	if (req_gone && hc_token_store_data(tok, HC_REQUEST_APP, it->req->label,
					    it->req->value, it->req->value_len,
					    &h, NULL) != 0)
		*started = 1;
	return -1;
}

/* Does an item that is not being removed use the key of target t? */
static int
key_kept(struct hc_store *s, struct hc_store_item **targets, size_t nt,
	 size_t t)
{
	size_t i, k;

	if (targets[t]->priv == NULL)
		return 0;
	for (i = 0; i < s->nitems; i++) {
		struct hc_store_item *it = &s->items[i];
		int removed = 0;

		if (it->priv != targets[t]->priv)
			continue;
		for (k = 0; k < nt; k++)
			if (targets[k] == it)
				removed = 1;
		if (!removed)
			return 1;
	}
	/* several targets share the key: only the last one deletes it */
	for (k = t + 1; k < nt; k++)
		if (targets[k]->priv == targets[t]->priv)
			return 1;
	return 0;
}

static int
push_target(struct hc_store_item ***v, size_t *n, struct hc_store_item *it,
	    hc_err *err)
{
	struct hc_store_item **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*v)[i] == it)
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	nv[(*n)++] = it;
	*v = nv;
	return 0;
}


/* names, comma-separated, cut to fit */
static void
joined(const struct hc_strlist *names, char *buf, size_t len)
{
	size_t k, u = 0;
	int r;

	buf[0] = '\0';
	for (k = 0; k < names->n && u + 40 < len; k++) {
		r = snprintf(buf + u, len - u, "%s%s", k ? ", " : "",
			     names->v[k]);
		if (r > 0)
			u += (size_t)r;
	}
}

/*
 * A certificate bound on another host, as that host's binding summary on
 * the token says, is refused like one bound here; --force removes it with
 * a warning (that host's binding then points at nothing until it enables
 * another certificate).
 */
static int
bound_elsewhere(hc_ctx *ctx, const hc_remove_req *req,
		struct hc_store_item **targets, size_t nt, hc_err *err)
{
	const struct hc_fleet *f = hc_ctx_fleet(ctx, err);
	size_t i, h;

	if (f == NULL)
		return -1;
	for (i = 0; i < nt; i++) {
		for (h = 0; h < f->n; h++) {
			struct hc_strlist names = { 0 };
			char svc[200];

			if (targets[i]->kind != HC_KIND_CERT ||
			    strcmp(f->v[h].host, ctx->cfg.host) == 0 ||
			    hc_bindings_of(&f->v[h].b, targets[i]->ident,
					   &names) == 0)
				continue;
			joined(&names, svc, sizeof(svc));
			hc_strlist_release(&names);
			if (!req->force)
				return hc_err_set(err, HC_E_DENIED,
						  "%s is bound to %s on host %s (the binding summary it keeps on the token, updated %s): disable it there first, or use --force",
						  targets[i]->ident, svc,
						  f->v[h].host,
						  f->v[h].updated[0] ?
							  f->v[h].updated :
							  "at an unknown time");
			hc_ctx_warn(ctx,
				    "%s was bound to %s on host %s: that host serves a removed certificate until it enables another",
				    targets[i]->ident, svc, f->v[h].host);
		}
	}
	return 0;
}

static int
do_remove(hc_ctx *ctx, const hc_remove_req *req, hc_strings *removed,
	  hc_err *err)
{
	struct hc_store s;
	struct hc_store_item **targets = NULL, *it;
	struct hc_token *tok;
	char norm[41], q[1024];
	time_t now = time(NULL);
	struct hc_bindings *b = NULL;
	struct hc_strlist *arch = NULL;
	size_t i, nt = 0, used, forget_from = (size_t)-1;
	int ret = -1, r, lockfd = -1, unbind = 0, started;

	if (req->nids == 0 && !req->self_signed && !req->expired)
		return hc_err_set(err, HC_E_USAGE,
				  "give an ID, --self-signed or --expired");
	for (i = 0; i < req->nids; i++)
		if (hc_store_parse_id(req->ids[i], norm, err) != 0)
			return -1;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_store_load(tok, &s, err) != 0)
		return -1;
	if (hc_index_save(ctx, tok, &s, err) != 0) {
		hc_store_release(&s);
		return -1;
	}
	for (i = 0; i < req->nids; i++)
		if (hc_store_lookup(&s, req->ids[i], 0, &it, err) != 0 ||
		    push_target(&targets, &nt, it, err) != 0)
			goto out;
	for (i = 0; i < s.nitems; i++) {
		it = &s.items[i];
		if (it->kind != HC_KIND_CERT)
			continue;
		if ((req->self_signed && hc_x509_is_self_signed(it->x509)) ||
		    (req->expired && X509_cmp_time(X509_get0_notAfter(it->x509),
						   &now) < 0))
			if (push_target(&targets, &nt, it, err) != 0)
				goto out;
	}
	if (nt == 0) {
		hc_ctx_warn(ctx, "nothing matches: nothing removed");
		ret = 0;
		goto out;
	}
	if (hc_state_lock(ctx->cfg.state_dir, &lockfd, err) != 0)
		goto out;
	b = hc_ctx_reload_bindings(ctx, err);
	if (b == NULL)
		goto out;
	for (i = 0; i < nt; i++) {
		struct hc_strlist names = { 0 };

		if (targets[i]->kind != HC_KIND_CERT ||
		    hc_bindings_of(b, targets[i]->ident, &names) == 0)
			continue;
		if (!req->force) {
			char svc[200];

			joined(&names, svc, sizeof(svc));
			hc_strlist_release(&names);
			hc_err_set(err, HC_E_DENIED,
				   "%s is bound to %s on this host: enable another certificate first, or use --force (drops the bindings; files stay)",
				   targets[i]->ident, svc);
			goto out;
		}
		hc_strlist_release(&names);
		unbind = 1;
	}
	if (bound_elsewhere(ctx, req, targets, nt, err) != 0)
		goto out;
	used = (size_t)
		snprintf(q, sizeof(q),
			 "Remove %zu item%s from token '%s' (archived first):",
			 nt, nt == 1 ? "" : "s",
			 hc_token_get0_info(tok)->label);
	for (i = 0; i < nt && used + 60 < sizeof(q); i++) {
		r = snprintf(q + used, sizeof(q) - used, "\n  %s %s",
			     targets[i]->ident,
			     targets[i]->kind == HC_KIND_CERT ?
				     "certificate, keys" :
			     targets[i]->kind == HC_KIND_REQUEST ?
				     "pending request, keys" :
				     "orphan key");
		if (r > 0)
			used += (size_t)r;
	}
	if (used + 2 < sizeof(q))
		memcpy(q + used, "\n", 2);
	if (hc_ctx_confirm(ctx, q, err) != 0)
		goto out;
	/* every archive copy is written before anything is deleted */
	arch = calloc(nt, sizeof(*arch));
	if (arch == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < nt; i++)
		if (archive(ctx, tok, targets[i], &arch[i], err) != 0) {
			forget_from = 0;
			goto out;
		}
	/* from here a failure takes back the copies of what stays */
	forget_from = 0;
	if (unbind) {
		for (i = 0; i < nt; i++) {
			size_t k = 0;

			while (k < b->n) {
				if (strcmp(b->v[k].thumbprint,
					   targets[i]->ident) == 0)
					hc_bindings_drop(b, b->v[k].service);
				else
					k++;
			}
		}
		if (hc_ctx_save_bindings(ctx, b, err) != 0)
			goto out;
	}
	for (i = 0; i < nt; i++) {
		char **nv;

		if (destroy_item(tok, targets[i], key_kept(&s, targets, nt, i),
				 &started, err) != 0) {
			/*
			 * What was not touched keeps no archive copy; a half
			 * removed item keeps its copy, and what is left of it
			 * is an orphan key that list shows and remove deletes.
			 */
			forget_from = started ? i + 1 : i;
			hc_err_prefix(err,
				      "while removing %s: ", targets[i]->ident);
			goto out;
		}
		forget_from = i + 1;
		nv = realloc(removed->v, (removed->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		removed->v = nv;
		removed->v[removed->n] = strdup(targets[i]->ident);
		if (removed->v[removed->n] != NULL)
			removed->n++;
	}
	ret = 0;
out:
	for (i = forget_from; arch != NULL && i < nt; i++) {
		size_t k;

		for (k = 0; k < arch[i].n; k++)
			if (unlink(arch[i].v[k]) != 0)
				continue;
	}
	for (i = 0; arch != NULL && i < nt; i++)
		hc_strlist_release(&arch[i]);
	/* an archive directory made for nothing goes too (rmdir: if empty) */
	if (ret != 0 && arch != NULL && ctx->cfg.archive_dir != NULL &&
	    rmdir(ctx->cfg.archive_dir) != 0) {
		/* not empty: it holds earlier archives */
	}
	free(arch);
	hc_state_unlock(lockfd);
	free(targets);
	hc_store_release(&s);
	return ret;
}

int
hc_remove(hc_ctx *ctx, const hc_remove_req *req, hc_strings *removed,
	  hc_err *err)
{
	char detail[200];
	int r = do_remove(ctx, req, removed, err), n;
	size_t i;

	if (r == 0 && removed->n == 0)
		return r;
	if (r != 0) {
		hc_audit_op(ctx, "remove", req->nids ? req->ids[0] :
			    req->self_signed ? "--self-signed" : "--expired",
			    err, NULL);
		return r;
	}
	for (i = 0; i < removed->n; i++) {
		n = snprintf(detail, sizeof(detail),
			     "archived to %s, then deleted%s",
			     ctx->cfg.archive_dir ? ctx->cfg.archive_dir : "?",
			     req->force ? " (--force)" : "");
		(void)n;
		hc_audit_op(ctx, "remove", removed->v[i], err, detail);
	}
	return r;
}
