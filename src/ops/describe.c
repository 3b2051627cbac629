/* describe.c - a store item as an hc_entry: every field of list / show */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/x509.h"
#include "core/x509_brief.h"
#include "ops/ops.h"

const char *
hc_status_name(enum hc_status s)
{
	switch (s) {
	case HC_STATUS_VALID:
		return "Valid";
	case HC_STATUS_EXPIRED:
		return "Expired";
	case HC_STATUS_NOTYETVALID:
		return "NotYetValid";
	case HC_STATUS_PENDING:
		return "PendingRequest";
	case HC_STATUS_UNTRUSTED:
		return "Untrusted";
	case HC_STATUS_INVALID:
		return "Invalid";
	case HC_STATUS_ORPHAN:
		return "OrphanKey";
	}
	return "Unknown";
}

const char *
hc_root_type_name(enum hc_root_type r)
{
	switch (r) {
	case HC_ROOT_NONE:
		return NULL;
	case HC_ROOT_SELFSIGNED:
		return "SelfSigned";
	case HC_ROOT_THIRDPARTY:
		return "ThirdParty";
	case HC_ROOT_PRIVATE:
		return "Private";
	case HC_ROOT_UNKNOWN:
		return "Unknown";
	}
	return NULL;
}

void
hc_entry_release(hc_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	free(e->friendly_name);
	free(e->subject);
	free(e->issuer);
	for (i = 0; i < e->ndomains; i++)
		free(e->domains[i]);
	free(e->domains);
	for (i = 0; i < e->nservices; i++)
		free(e->service_names[i]);
	free(e->service_names);
	free(e->serial);
	free(e->key_algorithm);
	free(e->curve);
	free(e->key_provenance);
	free(e->key_uri);
	free(e->cert_uri);
	for (i = 0; i < e->nchain; i++)
		free(e->chain[i].subject);
	free(e->chain);
	free(e->signature_algorithm);
	free(e->status_reason);
	free(e->acme_directory);
	for (i = 0; i < e->nhosts; i++) {
		size_t k;

		free(e->hosts[i].host);
		for (k = 0; k < e->hosts[i].nservices; k++)
			free(e->hosts[i].service_names[k]);
		free(e->hosts[i].service_names);
	}
	free(e->hosts);
	memset(e, 0, sizeof(*e));
}

void
hc_entry_list_release(hc_entry_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		hc_entry_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* SPEC section 1: KeyProvenance from the four attributes. */
const char *
hc_key_provenance(const struct hc_tobj *k)
{
	if (k->local == 1) {
		if (k->extractable == 1)
			return "generated-on-token, exportable";
		if (k->never_extractable == 1)
			return "generated-on-token, never-extractable";
		return "generated-on-token, locked";
	}
	if (k->extractable == 1)
		return "imported, exportable";
	return "imported, not-extractable";
}

static int
fill_key_fields(struct hc_token *tok, struct hc_store_item *it, hc_entry *e,
		hc_err *err)
{
	char hex[2 * HC_ID_MAX + 1];

	hc_hex(it->id, it->id_len, hex);
	memcpy(e->key_id, hex, it->id_len >= 20 ? 40 : 2 * it->id_len);
	e->key_id[it->id_len >= 20 ? 40 : 2 * it->id_len] = '\0';
	e->has_private_key = it->priv != NULL;
	e->exportable = HC_NA;
	if (it->priv == NULL)
		return 0;
	e->exportable = it->priv->extractable == 1 ? HC_TRUE : HC_FALSE;
	e->key_provenance = strdup(hc_key_provenance(it->priv));
	e->key_uri = hc_token_object_uri(tok, HC_OBJ_PRIVKEY, it->id,
					 it->id_len, it->priv->label, err);
	if (e->key_uri == NULL || e->key_provenance == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	return 0;
}

static int
fill_chain(struct hc_chain_result *r, hc_entry *e, hc_err *err)
{
	int i, n = r->chain != NULL ? sk_X509_num(r->chain) : 0;

	if (n == 0)
		return 0;
	e->chain = calloc((size_t)n, sizeof(*e->chain));
	if (e->chain == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(r->chain, i);

		e->chain[i].subject =
			hc_x509_name_text(X509_get_subject_name(x));
		hc_x509_thumbprint(x, e->chain[i].thumbprint);
		e->nchain++;
		if (e->chain[i].subject == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	return 0;
}

static int
describe_cert(struct hc_token *tok, struct hc_store_item *it,
	      struct hc_chain_ctx *chain, time_t now, hc_entry *e, hc_err *err)
{
	struct hc_chain_result cr;
	struct hc_cert_view v;
	unsigned char kid[20];
	unsigned int kidlen = 0;
	int ret = -1, forged = 0;

	memset(&cr, 0, sizeof(cr));
	if (it->x509 != NULL)
		hc_x509_view(it->x509, &v);
	else
		hc_x509_brief_view(it->brief, &v);
	if (hc_x509_view_fill_entry(&v, e, err) != 0)
		goto out;
	e->cert_uri = hc_token_object_uri(tok, HC_OBJ_CERT, it->id, it->id_len,
					  it->cert->label, err);
	if (e->cert_uri == NULL)
		goto out;
	e->status = HC_STATUS_VALID;
	/*
	 * fill_entry took issuer = subject at its word; the signature is
	 * checked once, by the chain building or here. A brief parse is a
	 * self-signed leaf whose signature was checked as it was read.
	 */
	if (it->x509 == NULL) {
		forged = !hc_x509_brief_self_signature_ok(it->brief);
		e->root_ca_type = forged ? HC_ROOT_UNKNOWN : HC_ROOT_SELFSIGNED;
	} else if (chain != NULL) {
		if (hc_chain_build(chain, it->x509, &cr, err) != 0)
			goto out;
		e->root_ca_type = cr.root;
		if (fill_chain(&cr, e, err) != 0)
			goto out;
		if (!cr.trusted) {
			e->status = HC_STATUS_UNTRUSTED;
			e->status_reason = hc_chain_advice(&cr);
		}
		forged = cr.bad_self_signature;
	} else if (e->is_self_signed == HC_TRUE) {
		forged = !hc_x509_self_signature_ok(it->x509);
		e->root_ca_type = forged ? HC_ROOT_UNKNOWN : HC_ROOT_SELFSIGNED;
	} else {
		e->root_ca_type = HC_ROOT_UNKNOWN;
	}
	if (forged)
		e->is_self_signed = HC_FALSE;
	/* Status precedence: Invalid, Expired/NotYetValid, Untrusted, Valid */
	if (now < e->not_before)
		e->status = HC_STATUS_NOTYETVALID;
	else if (now > e->not_after)
		e->status = HC_STATUS_EXPIRED;
	if (forged) {
		e->status = HC_STATUS_INVALID;
		free(e->status_reason);
		e->status_reason = strdup(
			"issuer = subject, but the self-signature does not verify with the certificate's own public key (forged or damaged)");
	}
	/* the key id is the SHA-1 of the key bits (hc_x509_cert_key_id) */
	if (v.pk == NULL || v.key_bits == NULL || v.key_len <= 0 ||
	    EVP_Digest(v.key_bits, (size_t)v.key_len, kid, &kidlen,
		       EVP_sha1(), NULL) != 1 ||
	    it->id_len != sizeof(kid) ||
	    memcmp(kid, it->id, sizeof(kid)) != 0) {
		ERR_clear_error();
		e->status = HC_STATUS_INVALID;
		free(e->status_reason);
		e->status_reason = strdup(
			"the certificate's public key does not match the key on the token");
	}
	ret = 0;
out:
	hc_chain_result_release(&cr);
	return ret;
}

static int
by_host(const void *a, const void *b)
{
	return strcmp(((const hc_host_services *)a)->host,
		      ((const hc_host_services *)b)->host);
}

/* Add host's bindings of the certificate to e->hosts, when it has any. */
static int
add_host(hc_entry *e, const char *host, const struct hc_bindings *b,
	 hc_err *err)
{
	struct hc_strlist names = { 0 };
	hc_host_services *nv, *h;
	unsigned mask = hc_bindings_of(b, e->thumbprint, &names);

	if (mask == 0) {
		hc_strlist_release(&names);
		return 0;
	}
	nv = realloc(e->hosts, (e->nhosts + 1) * sizeof(*nv));
	if (nv == NULL) {
		hc_strlist_release(&names);
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	e->hosts = nv;
	h = &e->hosts[e->nhosts];
	h->host = strdup(host);
	if (h->host == NULL) {
		hc_strlist_release(&names);
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	h->services = mask;
	h->service_names = names.v;
	h->nservices = names.n;
	e->nhosts++;
	return 0;
}

/*
 * The services this host binds to the certificate and, when asked for,
 * those every other host binds as its summary on the token says.
 */
static int
fill_services(hc_ctx *ctx, hc_entry *e, hc_err *err)
{
	struct hc_bindings *b = hc_ctx_bindings(ctx, err);
	const struct hc_fleet *f;
	struct hc_strlist names = { 0 };
	size_t i;

	if (b == NULL)
		return -1;
	e->services = hc_bindings_of(b, e->thumbprint, &names);
	e->service_names = names.v;
	e->nservices = names.n;
	if (!ctx->all_hosts)
		return 0;
	e->has_hosts = 1;
	f = hc_ctx_fleet(ctx, err);
	if (f == NULL || add_host(e, ctx->cfg.host, b, err) != 0)
		return -1;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].host, ctx->cfg.host) != 0 &&
		    add_host(e, f->v[i].host, &f->v[i].b, err) != 0)
			return -1;
	/* by name, so every host prints the same line */
	if (e->nhosts > 1)
		qsort(e->hosts, e->nhosts, sizeof(*e->hosts), by_host);
	return 0;
}

/*
 * SPEC section 9 Enrollment: acme when the token holds the record
 * request --acme / complete --acme wrote for this certificate, else
 * self-signed or manual.
 */
static int
fill_enrollment(const struct hc_store_item *it, hc_entry *e, hc_err *err)
{
	json_error_t je;
	json_t *j;
	const char *d;

	e->enrollment = e->is_self_signed == HC_TRUE ? "self-signed" : "manual";
	if (it->acme == NULL || it->acme->value == NULL)
		return 0;
	j = json_loadb((const char *)it->acme->value, it->acme->value_len, 0,
		       &je);
	d = json_string_value(json_object_get(j, "Directory"));
	if (d != NULL) {
		e->enrollment = "acme";
		e->acme_directory = strdup(d);
		if (e->acme_directory == NULL) {
			json_decref(j);
			return hc_err_set(err, HC_E_FAIL, "out of memory");
		}
	}
	json_decref(j);
	return 0;
}

int
hc_describe(hc_ctx *ctx, struct hc_token *tok, struct hc_store_item *it,
	    struct hc_chain_ctx *chain, time_t now, hc_entry *out, hc_err *err)
{
	hc_entry e;
	EVP_PKEY *pk = NULL;
	const char *label;
	int ret = -1;

	memset(&e, 0, sizeof(e));
	e.kind = it->kind;
	e.is_self_signed = HC_NA;
	e.root_ca_type = HC_ROOT_NONE;
	label = it->cert ? it->cert->label :
		it->priv ? it->priv->label : it->req ? it->req->label : "";
	e.friendly_name = strdup(label ? label : "");
	if (e.friendly_name == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (fill_key_fields(tok, it, &e, err) != 0)
		goto out;
	switch (it->kind) {
	case HC_KIND_CERT:
		if (describe_cert(tok, it, chain, now, &e, err) != 0 ||
		    fill_services(ctx, &e, err) != 0 ||
		    fill_enrollment(it, &e, err) != 0)
			goto out;
		memcpy(e.renews, it->renews, sizeof(e.renews));
		memcpy(e.renewed_by, it->renewed_by, sizeof(e.renewed_by));
		if (e.has_dates) {
			e.renew_after =
				hc_renew_after(ctx, e.acme_directory != NULL,
					       e.not_before, e.not_after);
			e.has_renew_after = 1;
		}
		break;
	case HC_KIND_CA:
		if (describe_cert(tok, it, chain, now, &e, err) != 0)
			goto out;
		break;
	case HC_KIND_REQUEST:
		e.status = HC_STATUS_PENDING;
		memcpy(e.renews, it->renews, sizeof(e.renews));
		memcpy(e.thumbprint, it->ident, sizeof(e.thumbprint));
		e.subject = hc_x509_name_text(
			X509_REQ_get_subject_name(it->x509_req));
		pk = X509_REQ_get0_pubkey(it->x509_req);
		if (e.subject == NULL ||
		    (pk != NULL && hc_x509_fill_key(pk, &e, err) != 0))
			goto out;
		{
			STACK_OF(X509_EXTENSION) *exts =
				X509_REQ_get_extensions(it->x509_req);
			GENERAL_NAMES *gens = X509V3_get_d2i(exts,
					NID_subject_alt_name, NULL, NULL);
			int i;

			for (i = 0; gens && i < sk_GENERAL_NAME_num(gens);
			     i++) {
				GENERAL_NAME *g =
					sk_GENERAL_NAME_value(gens, i);
				ASN1_IA5STRING *dns;
				char **nv;
				int dl;

				if (g->type != GEN_DNS)
					continue;
				nv = realloc(e.domains,
					     (e.ndomains + 1) * sizeof(*nv));
				if (nv == NULL)
					break;
				e.domains = nv;
				dns = g->d.dNSName;
				dl = ASN1_STRING_length(dns);
				e.domains[e.ndomains] =
					strndup((const char *)
						ASN1_STRING_get0_data(dns),
						(size_t)dl);
				if (e.domains[e.ndomains] != NULL)
					e.ndomains++;
			}
			GENERAL_NAMES_free(gens);
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
			ERR_clear_error();
		}
		break;
	case HC_KIND_ORPHAN:
		e.status = HC_STATUS_ORPHAN;
		memcpy(e.thumbprint, it->ident, sizeof(e.thumbprint));
		if (it->pub != NULL) {
			EVP_PKEY *opk =
				hc_token_read_pubkey(tok, it->pub->handle,
						     NULL);

			if (opk != NULL)
				hc_x509_fill_key(opk, &e, NULL);
			EVP_PKEY_free(opk);
			ERR_clear_error();
		}
		if (e.key_algorithm == NULL && it->priv != NULL) {
			e.key_algorithm = strdup(it->priv->key_kind ==
						 HC_KEY_EC ? "EC" : "RSA");
			e.key_size = it->priv->key_bits;
		}
		break;
	}
	*out = e;
	memset(&e, 0, sizeof(e));
	ret = 0;
out:
	hc_entry_release(&e);
	return ret;
}

void
hc_made_item(const struct hc_made *m, struct hc_made_item *mi)
{
	struct hc_tobj *priv = &mi->priv, *obj = &mi->obj;
	struct hc_store_item *it = &mi->it;

	memset(mi, 0, sizeof(*mi));
	priv->handle = m->priv;
	priv->cls = HC_OBJ_PRIVKEY;
	memcpy(priv->id, m->id, sizeof(m->id));
	priv->id_len = sizeof(m->id);
	priv->label = (char *)m->label;
	priv->key_kind = m->key_kind;
	priv->key_bits = m->key_bits;
	/* as the token sets them for a key it generated or was given */
	priv->local = m->local ? 1 : 0;
	priv->sensitive = 1;
	priv->always_sensitive = m->local ? 1 : 0;
	priv->extractable = m->exportable ? 1 : 0;
	priv->never_extractable = m->local && !m->exportable ? 1 : 0;
	mi->pub = *priv;
	mi->pub.handle = m->pub;
	mi->pub.cls = HC_OBJ_PUBKEY;
	obj->handle = m->obj;
	obj->label = (char *)m->label;
	memcpy(obj->id, m->id, sizeof(m->id));
	obj->id_len = sizeof(m->id);
	it->priv = priv;
	it->pub = &mi->pub;
	memcpy(it->id, m->id, sizeof(m->id));
	it->id_len = sizeof(m->id);
	if (m->cert != NULL) {
		obj->cls = HC_OBJ_CERT;
		obj->cert_category = HC_CAT_USER;
		it->kind = HC_KIND_CERT;
		it->cert = obj;
		it->x509 = m->cert;
		hc_x509_thumbprint(m->cert, it->ident);
	} else {
		obj->cls = HC_OBJ_DATA;
		it->kind = HC_KIND_REQUEST;
		it->req = obj;
		it->x509_req = m->req;
		hc_hex(m->id, sizeof(m->id), it->ident);
	}
}

int
hc_describe_made(hc_ctx *ctx, struct hc_token *tok, const struct hc_made *m,
		 hc_entry *out, hc_err *err)
{
	struct hc_made_item mi;
	struct hc_chain_ctx chain;
	int ret;

	hc_made_item(m, &mi);
	if (hc_chain_ctx_init(&chain, ctx->cfg.trust_anchors, m->cas, err) != 0)
		return -1;
	ret = hc_describe(ctx, tok, &mi.it, &chain, time(NULL), out, err);
	hc_chain_ctx_release(&chain);
	return ret;
}
