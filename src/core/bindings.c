/* bindings.c - per-host service bindings (bindings.json), service names,
 * every host's summary on the token */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/bindings.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/token.h"

static const struct {
	const char *name;
	unsigned bit;
} builtins[] = {
	{ "imap", HC_SVC_IMAP },
	{ "pop", HC_SVC_POP },
	{ "um", HC_SVC_UM },
	{ "https", HC_SVC_HTTPS },
	{ "smtp", HC_SVC_SMTP },
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

unsigned
hc_service_bit(const char *service)
{
	size_t i;

	for (i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].name, service) == 0)
			return builtins[i].bit;
	return HC_SVC_CUSTOM;
}

int
hc_service_canonical(const struct hc_config *cfg, const char *name,
		     char out[HC_SERVICE_MAX], hc_err *err)
{
	const struct hc_service_conf *sc;
	size_t i;
	int n;

	if (hc_strcaseeq(name, "iis"))
		name = "https";
	for (i = 0; i < NBUILTINS; i++)
		if (hc_strcaseeq(builtins[i].name, name)) {
			n = snprintf(out, HC_SERVICE_MAX, "%s",
				     builtins[i].name);
			(void)n;
			return 0;
		}
	sc = hc_config_service(cfg, name);
	if (sc == NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "unknown service '%s' (built-in: https (iis), smtp, imap, pop, um; or a [service NAME] of the configuration)",
				  name);
	n = snprintf(out, HC_SERVICE_MAX, "%s", sc->name);
	(void)n;
	return 0;
}

int
hc_services_parse(const struct hc_config *cfg, const char *list,
		  struct hc_strlist *out, hc_err *err)
{
	char *copy = strdup(list), *p, *item;
	char canon[HC_SERVICE_MAX];
	int ret = -1;

	if (copy == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	for (p = copy; ; ) {
		char *comma = strchr(p, ',');
		size_t len;

		if (comma != NULL)
			*comma = '\0';
		item = p;
		while (*item == ' ' || *item == '\t')
			item++;
		len = strlen(item);
		while (len > 0 &&
		       (item[len - 1] == ' ' || item[len - 1] == '\t'))
			item[--len] = '\0';
		if (len == 0) {
			hc_err_set(err, HC_E_USAGE,
				   "--services '%s': an empty service name",
				   list);
			goto out;
		}
		if (hc_service_canonical(cfg, item, canon, err) != 0)
			goto out;
		if (hc_strlist_find_ci(out, canon) < 0 &&
		    hc_strlist_push(out, canon, err) != 0)
			goto out;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

#define BINDINGS_FILE "bindings.json"

void
hc_bindings_release(struct hc_bindings *b)
{
	if (b == NULL)
		return;
	free(b->v);
	b->v = NULL;
	b->n = 0;
}

static int
copy_field(char *dst, size_t cap, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	int n;

	if (s == NULL || strlen(s) >= cap)
		return -1;
	n = snprintf(dst, cap, "%s", s);
	(void)n;
	return 0;
}

/* The entries of a "bindings" array; ORIGIN names it in messages. */
static int
bindings_from_json(json_t *arr, const char *origin, struct hc_bindings *out,
		   hc_err *err)
{
	struct hc_bindings nb = { NULL, 0 };
	json_t *o;
	size_t i;

	if (!json_is_array(arr))
		return hc_err_set(err, HC_E_FAIL, "%s: no \"bindings\" array",
				  origin);
	nb.v = calloc(json_array_size(arr) + 1, sizeof(*nb.v));
	if (nb.v == NULL)
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	json_array_foreach(arr, i, o) {
		struct hc_binding *x = &nb.v[nb.n];

		if (copy_field(x->service, sizeof(x->service), o, "service") ||
		    copy_field(x->thumbprint, sizeof(x->thumbprint), o,
			       "thumbprint")) {
			hc_bindings_release(&nb);
			return hc_err_set(err, HC_E_FAIL,
					  "%s: damaged entry %zu", origin, i);
		}
		if (copy_field(x->key_id, sizeof(x->key_id), o, "key_id"))
			x->key_id[0] = '\0';
		if (copy_field(x->since, sizeof(x->since), o, "since"))
			x->since[0] = '\0';
		nb.n++;
	}
	*out = nb;
	return 0;
}

/* The "bindings" array of b, or NULL when memory runs out. */
static json_t *
bindings_to_json(const struct hc_bindings *b)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < b->n; i++) {
		json_t *o = json_object();

		if (o == NULL ||
		    json_object_set_new(o, "service",
					json_string(b->v[i].service)) ||
		    json_object_set_new(o, "thumbprint",
					json_string(b->v[i].thumbprint)) ||
		    json_object_set_new(o, "key_id",
					json_string(b->v[i].key_id)) ||
		    json_object_set_new(o, "since",
					json_string(b->v[i].since)) ||
		    json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int
hc_bindings_load(const char *state_dir, struct hc_bindings *b, hc_err *err)
{
	json_error_t jerr;
	json_t *root = NULL;
	unsigned char *text = NULL;
	char *origin = NULL;
	size_t len = 0;
	int dirfd = -1, ret = -1, r;

	memset(b, 0, sizeof(*b));
	r = hc_state_dir_open(state_dir, HC_STATE_FOLLOW, &dirfd, err);
	if (r != 0)
		return r > 0 ? 0 : -1;	/* no state directory: no bindings */
	r = hc_state_read_at(dirfd, state_dir, BINDINGS_FILE, &text, &len, err);
	if (r != 0) {
		ret = r > 0 ? 0 : -1;	/* no file yet: no bindings */
		goto out;
	}
	root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (root == NULL) {
		hc_err_set(err, HC_E_FAIL,
			   "%s/%s:%d: damaged bindings file: %s", state_dir,
			   BINDINGS_FILE, jerr.line, jerr.text);
		goto out;
	}
	origin = malloc(strlen(state_dir) + sizeof(BINDINGS_FILE) + 1);
	if (origin == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	memcpy(origin, state_dir, strlen(state_dir));
	origin[strlen(state_dir)] = '/';
	memcpy(origin + strlen(state_dir) + 1, BINDINGS_FILE,
	       sizeof(BINDINGS_FILE));
	if (bindings_from_json(json_object_get(root, "bindings"), origin, b,
			       err) != 0)
		goto out;
	ret = 0;
out:
	free(origin);
	json_decref(root);
	free(text);
	close(dirfd);
	return ret;
}

int
hc_bindings_save(const char *state_dir, const struct hc_bindings *b,
		 hc_err *err)
{
	char *text = NULL;
	json_t *root = json_object(), *arr = bindings_to_json(b);
	int dirfd = -1, ret = -1;

	if (root == NULL || arr == NULL ||
	    json_object_set_new(root, "version", json_integer(1)) ||
	    json_object_set(root, "bindings", arr)) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		hc_err_set(err, HC_E_FAIL, "cannot encode the bindings");
		goto out;
	}
	if (hc_state_dir_open(state_dir, HC_STATE_CREATE | HC_STATE_FOLLOW,
			      &dirfd, err) != 0 ||
	    hc_state_write_at(dirfd, state_dir, BINDINGS_FILE, text,
			      strlen(text), 0600, 1, err) != 0)
		goto out;
	ret = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	free(text);
	json_decref(arr);
	json_decref(root);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Every host's bindings, as summaries kept on the shared token         */

/* A summary's label: "host=NAME"; its value the JSON of fleet_value(). */
static int
fleet_label(const char *host, char *buf, size_t len)
{
	int n = snprintf(buf, len, "host=%s", host);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

static void
fleet_entry_release(struct hc_host_bindings *h)
{
	hc_bindings_release(&h->b);
}

void
hc_fleet_release(struct hc_fleet *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		fleet_entry_release(&f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

/* One summary object's value, parsed; -1 when it is not one. */
static int
fleet_parse(const struct hc_tobj *o, struct hc_host_bindings *out)
{
	json_t *root;
	json_error_t jerr;
	char want[HC_HOST_MAX + 8];
	json_int_t gen;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (o->value == NULL || o->label == NULL)
		return -1;
	root = json_loadb((const char *)o->value, o->value_len,
			  JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return -1;
	gen = json_integer_value(json_object_get(root, "gen"));
	if (copy_field(out->host, sizeof(out->host), root, "host") != 0 ||
	    !hc_host_name_valid(out->host) || gen < 1 ||
	    fleet_label(out->host, want, sizeof(want)) != 0 ||
	    strcmp(want, o->label) != 0)
		goto out;
	out->gen = (unsigned long long)gen;
	if (copy_field(out->updated, sizeof(out->updated), root, "updated"))
		out->updated[0] = '\0';
	if (bindings_from_json(json_object_get(root, "bindings"), "summary",
			       &out->b, NULL) != 0)
		goto out;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

const struct hc_host_bindings *
hc_fleet_get(const struct hc_fleet *f, const char *host)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].host, host) == 0)
			return &f->v[i];
	return NULL;
}

static int
by_host(const void *a, const void *b)
{
	return strcmp(((const struct hc_host_bindings *)a)->host,
		      ((const struct hc_host_bindings *)b)->host);
}

int
hc_fleet_read(struct hc_token *tok, struct hc_fleet *out, hc_err *err)
{
	struct hc_tobj_list l = { NULL, 0 };
	struct hc_fleet f = { NULL, 0, 0 };
	size_t i, k;

	memset(out, 0, sizeof(*out));
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_FLEET_APP, &l,
			  err) != 0)
		return -1;
	f.v = calloc(l.n + 1, sizeof(*f.v));
	if (f.v == NULL) {
		hc_tobj_list_release(&l);
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	for (i = 0; i < l.n; i++) {
		struct hc_host_bindings h;

		if (fleet_parse(&l.v[i], &h) != 0) {
			f.damaged++;
			continue;
		}
		/* an interrupted update leaves two: the higher gen counts */
		for (k = 0; k < f.n; k++)
			if (strcmp(f.v[k].host, h.host) == 0)
				break;
		if (k == f.n) {
			f.v[f.n++] = h;
		} else if (h.gen > f.v[k].gen) {
			fleet_entry_release(&f.v[k]);
			f.v[k] = h;
		} else {
			fleet_entry_release(&h);
		}
	}
	hc_tobj_list_release(&l);
	qsort(f.v, f.n, sizeof(*f.v), by_host);
	*out = f;
	return 0;
}

int
hc_fleet_publish(struct hc_token *tok, const char *host,
		 const struct hc_bindings *b, hc_err *err)
{
	struct hc_tobj_list l = { NULL, 0 };
	struct hc_host_bindings h;
	unsigned long long gen = 0;
	char label[HC_HOST_MAX + 8], now[21], *text = NULL;
	json_t *root = json_object(), *arr = bindings_to_json(b);
	unsigned long nh;
	size_t i;
	int ret = -1, failed = 0;

	if (root == NULL || arr == NULL || fleet_label(host, label,
						       sizeof(label)) != 0) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (hc_token_find(tok, HC_OBJ_DATA, NULL, 0, HC_FLEET_APP, &l,
			  err) != 0)
		goto out;
	for (i = 0; i < l.n; i++)
		if (l.v[i].label != NULL && strcmp(l.v[i].label, label) == 0 &&
		    fleet_parse(&l.v[i], &h) == 0) {
			if (h.gen > gen)
				gen = h.gen;
			fleet_entry_release(&h);
		}
	hc_rfc3339((long long)time(NULL), now);
	if (json_object_set_new(root, "version", json_integer(1)) ||
	    json_object_set_new(root, "host", json_string(host)) ||
	    json_object_set_new(root, "gen",
				json_integer((json_int_t)gen + 1)) ||
	    json_object_set_new(root, "updated", json_string(now)) ||
	    json_object_set(root, "bindings", arr)) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		hc_err_set(err, HC_E_FAIL, "cannot encode the binding summary");
		goto out;
	}
	/*
	 * Create the new summary, then destroy this host's old ones: an
	 * interruption leaves the old, the new or both (the higher gen
	 * counts), never none.
	 */
	if (hc_token_store_data(tok, HC_FLEET_APP, label,
				(const unsigned char *)text, strlen(text), &nh,
				err) != 0) {
		hc_err_prefix(err,
			      "cannot record this host's bindings on the token: ");
		goto out;
	}
	for (i = 0; i < l.n; i++)
		if (l.v[i].label != NULL && strcmp(l.v[i].label, label) == 0 &&
		    hc_token_destroy(tok, l.v[i].handle,
				     failed ? NULL : err) != 0)
			failed = 1;
	if (failed) {
		/* the old summary still stands: take the new one back */
		if (hc_token_destroy(tok, nh, NULL) != 0)
			hc_err_prefix(err,
				      "two binding summaries of host %s are left on the token (the newer counts): ",
				      host);
		else
			hc_err_prefix(err,
				      "cannot replace this host's binding summary on the token: ");
		goto out;
	}
	ret = 0;
out:
	free(text);
	json_decref(arr);
	json_decref(root);
	hc_tobj_list_release(&l);
	return ret;
}

struct hc_binding *
hc_bindings_get(struct hc_bindings *b, const char *service)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->v[i].service, service) == 0)
			return &b->v[i];
	return NULL;
}

int
hc_bindings_set(struct hc_bindings *b, const char *service,
		const char *thumbprint, const char *key_id, hc_err *err)
{
	struct hc_binding *x = hc_bindings_get(b, service), *nv;
	time_t now = time(NULL);
	int n;

	if (x == NULL) {
		nv = realloc(b->v, (b->n + 1) * sizeof(*nv));
		if (nv == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
		b->v = nv;
		x = &b->v[b->n++];
		memset(x, 0, sizeof(*x));
		n = snprintf(x->service, sizeof(x->service), "%s", service);
	}
	n = snprintf(x->thumbprint, sizeof(x->thumbprint), "%s", thumbprint);
	n = snprintf(x->key_id, sizeof(x->key_id), "%s", key_id ? key_id : "");
	(void)n;
	hc_rfc3339((long long)now, x->since);
	return 0;
}

void
hc_bindings_drop(struct hc_bindings *b, const char *service)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->v[i].service, service) == 0) {
			memmove(&b->v[i], &b->v[i + 1],
				(b->n - i - 1) * sizeof(b->v[0]));
			b->n--;
			return;
		}
}

unsigned
hc_bindings_of(const struct hc_bindings *b, const char *thumbprint,
	       struct hc_strlist *names)
{
	unsigned mask = 0;
	size_t i, k;

	for (k = 0; k < NBUILTINS; k++)
		for (i = 0; i < b->n; i++)
			if (strcmp(b->v[i].thumbprint, thumbprint) == 0 &&
			    strcmp(b->v[i].service, builtins[k].name) == 0) {
				mask |= builtins[k].bit;
				if (names != NULL)
					hc_strlist_push(names, builtins[k].name,
							NULL);
			}
	for (i = 0; i < b->n; i++)
		if (strcmp(b->v[i].thumbprint, thumbprint) == 0 &&
		    hc_service_bit(b->v[i].service) == HC_SVC_CUSTOM) {
			mask |= HC_SVC_CUSTOM;
			if (names != NULL)
				hc_strlist_push(names, b->v[i].service, NULL);
		}
	return mask;
}
