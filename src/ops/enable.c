/* enable.c - bind a certificate to services: files, reloads, rollback */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "core/bundle.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/lock.h"
#include "core/reload.h"
#include "core/tlscheck.h"
#include "core/x509.h"
#include "ops/new.h"
#include "ops/ops.h"

/* What a service file held before we wrote it, to put it back. */
struct saved_file {
	char *path;
	unsigned char *data;	/* NULL: the file did not exist */
	size_t len;
	struct hc_file_meta meta;	/* its mode and owner */
};

struct svc_change {
	const struct hc_service_conf *conf;	/* NULL: binding record only */
	char service[HC_SERVICE_MAX];
	char prev_thumb[41];	/* what it served before; "" for nothing */
	struct saved_file cert, uri;
	int written;
	int reloaded;
};

static void
saved_release(struct saved_file *f)
{
	free(f->path);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

static int
save_old(const char *path, struct saved_file *f, hc_err *err)
{
	f->path = strdup(path);
	if (f->path == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	if (!hc_file_exists(path))
		return 0;
	if (hc_file_get_meta(path, &f->meta) != 0)
		return hc_err_set(err, HC_E_FAIL, "cannot read %s: %s", path,
				  strerror(errno));
	return hc_file_read(path, &f->data, &f->len, err);
}

static void
restore(struct saved_file *f)
{
	hc_err e = { 0 };

	if (f->path == NULL)
		return;
	if (f->data == NULL) {
		if (unlink(f->path) != 0) {
			/* nothing more to do: it may never have been written */
		}
	} else if (hc_file_restore(f->path, f->data, f->len, &f->meta,
				   &e) != 0) {
		/* best effort: the original error is reported */
	}
}

/* The leaf and its chain as PEM, and the key URI with a newline. */
static int
service_contents(hc_ctx *ctx, struct hc_token *tok, struct hc_store *s,
		 struct hc_store_item *it, char **pem, size_t *pemlen,
		 char **uri, hc_err *err)
{
	struct hc_chain_ctx cc;
	struct hc_chain_result cr;
	BIO *b = NULL;
	char *mem = NULL, *u = NULL;
	long len;
	int i, ret = -1;

	memset(&cr, 0, sizeof(cr));
	if (hc_chain_ctx_init(&cc, ctx->cfg.trust_anchors, s->ca_stack,
			      err) != 0)
		return -1;
	if (hc_chain_build(&cc, it->x509, &cr, err) != 0)
		goto out;
	b = BIO_new(BIO_s_mem());
	if (b == NULL || !PEM_write_bio_X509(b, it->x509))
		goto ossl;
	/* the leaf and the intermediates; a server does not send its root */
	for (i = 0; cr.chain != NULL && i < sk_X509_num(cr.chain); i++) {
		X509 *x = sk_X509_value(cr.chain, i);

		if (hc_x509_is_self_signed(x))
			continue;
		if (!PEM_write_bio_X509(b, x))
			goto ossl;
	}
	len = BIO_get_mem_data(b, &mem);
	*pem = malloc((size_t)len + 1);
	if (*pem == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	memcpy(*pem, mem, (size_t)len);
	(*pem)[len] = '\0';
	*pemlen = (size_t)len;
	u = hc_token_object_uri(tok, HC_OBJ_PRIVKEY, it->id, it->id_len,
				it->priv != NULL ? it->priv->label : NULL, err);
	if (u == NULL) {
		free(*pem);
		*pem = NULL;
		goto out;
	}
	*uri = malloc(strlen(u) + 2);
	if (*uri == NULL) {
		free(*pem);
		*pem = NULL;
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	memcpy(*uri, u, strlen(u));
	(*uri)[strlen(u)] = '\n';
	(*uri)[strlen(u) + 1] = '\0';
	ret = 0;
	goto out;
ossl:
	hc_err_ossl(err, HC_E_FAIL, "cannot write the certificate chain");
out:
	free(u);
	BIO_free(b);
	hc_chain_result_release(&cr);
	hc_chain_ctx_release(&cc);
	return ret;
}

/* The first line of what a saved file held (the old key URI), or NULL. */
static char *
first_line(const struct saved_file *f)
{
	size_t n = 0;
	char *s;

	if (f->data == NULL)
		return NULL;
	while (n < f->len && f->data[n] != '\n' && f->data[n] != '\r' &&
	       f->data[n] != '\0')
		n++;
	if (n == 0)
		return NULL;
	s = malloc(n + 1);
	if (s != NULL) {
		memcpy(s, f->data, n);
		s[n] = '\0';
	}
	return s;
}

static void
rollback(struct svc_change *ch, size_t n)
{
	size_t i;

	for (i = n; i-- > 0;) {
		hc_err e = { 0 };

		if (!ch[i].written)
			continue;
		restore(&ch[i].cert);
		restore(&ch[i].uri);
		/* the service goes back to what it served before */
		if (ch[i].reloaded && ch[i].conf->reload != NULL) {
			struct hc_reload_info ri = {
				ch[i].service,
				ch[i].prev_thumb[0] ? ch[i].prev_thumb : NULL,
				ch[i].cert.data ? ch[i].conf->cert_file : NULL,
				NULL
			};
			char *olduri = first_line(&ch[i].uri);

			ri.key_uri = olduri;
			if (hc_reload_run(&ri, ch[i].conf->reload,
					  hc_reload_timeout(), &e) != 0) {
				/* best effort */
			}
			free(olduri);
		}
	}
}

static int
expiry_text(X509 *x, char *out, size_t len)
{
	struct tm tm;

	return ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1 &&
	       strftime(out, len, "%Y-%m-%d", &tm) > 0;
}

/*
 * The expiry of a bound certificate: from the store when it is there, else
 * looked up by the key id the binding recorded (the store may hold only
 * the new certificate's objects).
 */
static int
expiry_of(struct hc_token *tok, struct hc_store *s, const char *thumb,
	  const char *key_id, char *out, size_t len, hc_err *err)
{
	struct hc_tobj_list certs = { NULL, 0 };
	unsigned char id[HC_ID_MAX];
	char t[41];
	long n;
	size_t i;

	for (i = 0; i < s->nitems; i++)
		if (s->items[i].x509 != NULL &&
		    strcmp(s->items[i].ident, thumb) == 0 &&
		    expiry_text(s->items[i].x509, out, len))
			return 0;
	n = key_id != NULL ? hc_unhex(key_id, id, sizeof(id)) : -1;
	if (n > 0 && hc_token_find(tok, HC_OBJ_CERT, id, (size_t)n, NULL,
				   &certs, err) != 0)
		return -1;
	if (n > 0) {
		for (i = 0; i < certs.n; i++) {
			X509 *x = hc_x509_from_der(certs.v[i].value,
						   certs.v[i].value_len, NULL);
			int found = 0;

			if (x != NULL) {
				hc_x509_thumbprint(x, t);
				found = strcmp(t, thumb) == 0 &&
					expiry_text(x, out, len);
			}
			X509_free(x);
			if (found) {
				hc_tobj_list_release(&certs);
				return 0;
			}
		}
		hc_tobj_list_release(&certs);
	}
	if (snprintf(out, len, "no longer on the token") < 0)
		out[0] = '\0';
	return 0;
}

/* The question enable asks before it replaces a binding; 0 for yes. */
static int
ask_overwrite(hc_ctx *ctx, const char *service, const char *old_thumb,
	      const char *old_exp, const char *new_what, const char *new_exp,
	      hc_err *err)
{
	char q[512];
	int r;

	r = snprintf(q, sizeof(q),
		     "Overwrite the certificate bound to %s, %s (expires %s), with %s (expires %s)?",
		     service, old_thumb, old_exp, new_what, new_exp);
	(void)r;
	if (hc_ctx_confirm(ctx, q, err) != 0)
		return -1;
	return 0;
}

int
hc_confirm_overwrite(hc_ctx *ctx, struct hc_token *tok,
		     const struct hc_strlist *services, const char *new_what,
		     const char *new_exp, hc_err *err)
{
	struct hc_bindings *b;
	struct hc_store none;
	char old_exp[32];
	size_t i;

	if (ctx->assume_yes)
		return 0;
	b = hc_ctx_bindings(ctx, err);
	if (b == NULL)
		return -1;
	/* the bound certificates are looked up by the key ids recorded */
	memset(&none, 0, sizeof(none));
	for (i = 0; i < services->n; i++) {
		struct hc_binding *cur = hc_bindings_get(b, services->v[i]);

		if (cur == NULL)
			continue;
		if (expiry_of(tok, &none, cur->thumbprint, cur->key_id,
			      old_exp, sizeof(old_exp), err) != 0 ||
		    ask_overwrite(ctx, services->v[i], cur->thumbprint, old_exp,
				  new_what, new_exp, err) != 0)
			return -1;
	}
	return 0;
}

int
hc_bind_services(hc_ctx *ctx, struct hc_token *tok, struct hc_store *s,
		 struct hc_store_item *it, const struct hc_strlist *services,
		 unsigned flags, hc_strings *changed, hc_err *err)
{
	struct hc_bindings *b;
	struct svc_change *ch = NULL;
	char *pem = NULL, *uri = NULL, *key_uri = NULL, old_exp[32],
	     new_exp[32];
	size_t pemlen = 0, n = 0, i;
	int lockfd = -1, ret = -1, r;
	int yes = ctx->assume_yes || (flags & HC_BIND_ASSUME_YES) != 0;

	if (it->kind != HC_KIND_CERT)
		return hc_err_set(err, HC_E_USAGE,
				  "%s is not a certificate: only certificates serve",
				  it->ident);
	if (it->priv == NULL)
		return hc_err_set(err, HC_E_NOTFOUND,
				  "the private key of %s is not on this token",
				  it->ident);
	if (hc_state_lock(ctx->cfg.state_dir, &lockfd, err) != 0)
		return -1;
	b = hc_ctx_reload_bindings(ctx, err);
	if (b == NULL)
		goto out;
	ch = calloc(services->n + 1, sizeof(*ch));
	if (ch == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	new_exp[0] = '\0';
	/* Every question is asked before anything changes. */
	for (i = 0; i < services->n; i++) {
		struct hc_binding *cur = hc_bindings_get(b, services->v[i]);

		if (cur != NULL && strcmp(cur->thumbprint, it->ident) == 0)
			continue;
		/* the question names both expiries; --yes asks nothing */
		if (cur != NULL && !yes) {
			if ((new_exp[0] == '\0' &&
			     expiry_of(tok, s, it->ident, NULL, new_exp,
				       sizeof(new_exp), err) != 0) ||
			    expiry_of(tok, s, cur->thumbprint, cur->key_id,
				      old_exp, sizeof(old_exp), err) != 0 ||
			    ask_overwrite(ctx, services->v[i], cur->thumbprint,
					  old_exp, it->ident, new_exp,
					  err) != 0)
				goto out;
		}
		r = snprintf(ch[n].service, sizeof(ch[n].service), "%s",
			     services->v[i]);
		r = snprintf(ch[n].prev_thumb, sizeof(ch[n].prev_thumb), "%s",
			     cur != NULL ? cur->thumbprint : "");
		(void)r;
		ch[n].conf = hc_config_service(&ctx->cfg, services->v[i]);
		n++;
	}
	for (i = 0; i < n; i++) {
		const struct hc_service_conf *sc = ch[i].conf;

		if (sc == NULL ||
		    (sc->cert_file == NULL && sc->key_uri_file == NULL &&
		     sc->reload == NULL))
			continue;
		if (pem == NULL) {
			if (service_contents(ctx, tok, s, it, &pem, &pemlen,
					     &uri, err) != 0)
				goto fail;
			/* the URI without its newline, for the reload */
			key_uri = strdup(uri);
			if (key_uri == NULL) {
				hc_err_set(err, HC_E_FAIL, "out of memory");
				goto fail;
			}
			key_uri[strcspn(key_uri, "\n")] = '\0';
		}
		if ((sc->cert_file != NULL &&
		     save_old(sc->cert_file, &ch[i].cert, err) != 0) ||
		    (sc->key_uri_file != NULL &&
		     save_old(sc->key_uri_file, &ch[i].uri, err) != 0))
			goto fail;
		ch[i].written = 1;
		if ((sc->cert_file != NULL &&
		     hc_file_write_atomic(sc->cert_file, pem, pemlen, 0644, 1,
					  err) != 0) ||
		    (sc->key_uri_file != NULL &&
		     hc_file_write_atomic(sc->key_uri_file, uri, strlen(uri),
					  0644, 1, err) != 0))
			goto fail;
		if (sc->reload != NULL) {
			struct hc_reload_info ri = {
				ch[i].service, it->ident, sc->cert_file, key_uri
			};

			ch[i].reloaded = 1;
			if (hc_reload_run(&ri, sc->reload, hc_reload_timeout(),
					  err) != 0) {
				hc_err_prefix(err, "binding %s to %s undone: ",
					      ch[i].service, it->ident);
				goto fail;
			}
		}
		/* SPEC 9: the endpoint serves what was just bound, or the
		 * change is undone (rollback() reloads the old files) */
		if (sc->check != NULL) {
			char sni[256], served[41];

			if (hc_tlscheck_wait(sc->check,
					     hc_tlscheck_sni(sc->check_name,
							     it->x509, sni,
							     sizeof(sni)),
					     it->ident, served, err) != 0) {
				hc_err_prefix(err,
					      "binding %s to %s undone: endpoint check: ",
					      ch[i].service, it->ident);
				goto fail;
			}
		}
	}
	for (i = 0; i < n; i++) {
		char hex[2 * HC_ID_MAX + 1];

		hc_hex(it->id, it->id_len > 20 ? 20 : it->id_len, hex);
		if (hc_bindings_set(b, ch[i].service, it->ident, hex, err) != 0)
			goto fail;
	}
	if (n > 0) {
		/* objects not kept yet: the token's summary after the commit */
		if (flags & HC_BIND_DEFER_PUBLISH)
			r = hc_ctx_save_bindings_deferred(ctx, b, err);
		else
			r = hc_ctx_save_bindings(ctx, b, err);
		if (r != 0)
			goto fail;
	}
	for (i = 0; changed != NULL && i < n; i++) {
		char **nv = realloc(changed->v, (changed->n + 1) * sizeof(*nv));

		if (nv == NULL)
			break;
		changed->v = nv;
		changed->v[changed->n] = strdup(ch[i].service);
		if (changed->v[changed->n] != NULL)
			changed->n++;
	}
	ret = 0;
	goto out;
fail:
	rollback(ch, n);
	/* the in-memory bindings may hold half a change: read them again */
	if (hc_ctx_reload_bindings(ctx, NULL) == NULL)
		ctx->have_bindings = 0;
out:
	for (i = 0; ch != NULL && i < services->n; i++) {
		saved_release(&ch[i].cert);
		saved_release(&ch[i].uri);
	}
	free(ch);
	free(pem);
	free(uri);
	free(key_uri);
	hc_state_unlock(lockfd);
	return ret;
}

int
hc_bind_made(hc_ctx *ctx, const struct hc_made *made,
	     const struct hc_strlist *services, unsigned flags,
	     hc_strings *changed, hc_err *err)
{
	struct hc_token *tok = hc_ctx_token(ctx, 1, err);
	struct hc_made_item mi;
	struct hc_store s;
	int ret;

	if (tok == NULL)
		return -1;
	hc_made_item(made, &mi);
	memset(&s, 0, sizeof(s));
	s.items = &mi.it;
	s.nitems = s.nsorted = 1;
	s.ca_stack = sk_X509_new_null();
	if (s.ca_stack == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	ret = hc_bind_services(ctx, tok, &s, &mi.it, services, flags, changed,
			       err);
	sk_X509_free(s.ca_stack);
	return ret;
}

static int
do_enable(hc_ctx *ctx, const char *id, const char *services,
	  hc_strings *changed, hc_err *err)
{
	struct hc_strlist svc = { 0 };
	struct hc_store s;
	struct hc_store_item *it;
	struct hc_token *tok;
	char norm[41];
	int ret = -1;

	if (hc_store_parse_id(id, norm, err) != 0)
		return -1;
	if (services == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "--services LIST is required");
	if (hc_services_parse(&ctx->cfg, services, &svc, err) != 0)
		goto done;
	tok = hc_ctx_token(ctx, 1, err);
	if (tok == NULL || hc_lookup_open(ctx, tok, id, &s, &it, err) != 0)
		goto done;
	if (hc_bind_services(ctx, tok, &s, it, &svc, 0, changed, err) == 0)
		ret = 0;
	hc_store_release(&s);
done:
	hc_strlist_release(&svc);
	return ret;
}

static int
do_disable(hc_ctx *ctx, const char *id, const char *services,
	   hc_strings *changed, hc_err *err)
{
	struct hc_strlist svc = { 0 };
	struct hc_bindings *b;
	char norm[41];
	size_t i, plen;
	int lockfd = -1, ret = -1, dirty = 0;

	if (hc_store_parse_id(id, norm, err) != 0)
		return -1;
	if (services == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "--services LIST is required");
	if (hc_services_parse(&ctx->cfg, services, &svc, err) != 0)
		goto out;
	/* the token before the state lock, as every writer takes them */
	if (hc_ctx_token(ctx, 1, err) == NULL ||
	    hc_state_lock(ctx->cfg.state_dir, &lockfd, err) != 0)
		goto out;
	b = hc_ctx_reload_bindings(ctx, err);
	if (b == NULL)
		goto out;
	plen = strlen(norm);
	for (i = 0; i < svc.n; i++) {
		struct hc_binding *cur = hc_bindings_get(b, svc.v[i]);
		char **nv;

		/* the ID is matched against the binding: the certificate may
		 * already be gone from the token */
		if (cur == NULL || strncmp(cur->thumbprint, norm, plen) != 0) {
			hc_ctx_warn(ctx, "%s is not bound to %s: nothing to do",
				    svc.v[i], id);
			continue;
		}
		hc_bindings_drop(b, svc.v[i]);
		dirty = 1;
		nv = realloc(changed->v, (changed->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			hc_err_set(err, HC_E_FAIL, "out of memory");
			goto out;
		}
		changed->v = nv;
		changed->v[changed->n] = strdup(svc.v[i]);
		if (changed->v[changed->n] != NULL)
			changed->n++;
	}
	if (dirty && hc_ctx_save_bindings(ctx, b, err) != 0)
		goto out;
	ret = 0;
out:
	hc_state_unlock(lockfd);
	hc_strlist_release(&svc);
	return ret;
}

static void
services_detail(const char *verb, const hc_strings *changed, char *buf,
		size_t len)
{
	size_t i, used;
	int n = snprintf(buf, len, "%s ", verb);

	if (n < 0)
		return;
	used = (size_t)n;
	for (i = 0; i < changed->n && used + 4 < len; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
			     changed->v[i]);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

void
hc_audit_bound(hc_ctx *ctx, const char *target, const hc_strings *changed,
	       const hc_err *err)
{
	char detail[300] = "";

	if (err->code == HC_OK && changed->n == 0)
		return;
	services_detail("bound", changed, detail, sizeof(detail));
	hc_audit_op(ctx, "enable", target, err, detail);
}

int
hc_enable(hc_ctx *ctx, const char *id, const char *services,
	  hc_strings *changed, hc_err *err)
{
	int r = do_enable(ctx, id, services, changed, err);

	hc_audit_bound(ctx, id, changed, err);
	return r;
}

int
hc_disable(hc_ctx *ctx, const char *id, const char *services,
	   hc_strings *changed, hc_err *err)
{
	char detail[300] = "";
	int r = do_disable(ctx, id, services, changed, err);

	if (r == 0 && changed->n == 0)
		return r;
	services_detail("unbound", changed, detail, sizeof(detail));
	hc_audit_op(ctx, "disable", id, err, detail);
	return r;
}
