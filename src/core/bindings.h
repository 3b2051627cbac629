/* bindings.h - per-host service bindings and service names (internal)
 *
 * The bindings of this host live in <state-dir>/bindings.json, written
 * atomically while <state-dir>/lock is held (flock), one certificate per
 * service and many services per certificate. Both are state files
 * (fileio.h): never opened through a symbolic link, regular files only.
 * The lock is lock.h's; reload commands are run by reload.h.
 */
#ifndef HC_CORE_BINDINGS_H
#define HC_CORE_BINDINGS_H

#include <stddef.h>

#include "hsmcert.h"
#include "core/config.h"
#include "core/util.h"

#define HC_SERVICE_MAX 33

struct hc_binding {
	char service[HC_SERVICE_MAX];	/* canonical: https, smtp, ... */
	char thumbprint[41];
	char key_id[41];
	char since[21];			/* RFC 3339 */
};

struct hc_bindings {
	struct hc_binding *v;
	size_t n;
};

/** The bit of a built-in service (HC_SVC_*), or HC_SVC_CUSTOM. */
unsigned hc_service_bit(const char *service);

/**
 * Canonical service name of `name` ("iis" -> "https"): a built-in, or a
 * [service NAME] of the configuration. HC_E_USAGE naming it otherwise.
 */
int hc_service_canonical(const struct hc_config *cfg, const char *name,
			 char out[HC_SERVICE_MAX], hc_err *err);

/**
 * Split a comma-separated --services LIST into canonical names (no
 * duplicates). HC_E_USAGE for an empty or unknown name.
 */
int hc_services_parse(const struct hc_config *cfg, const char *list,
		      struct hc_strlist *out, hc_err *err);

/** Read the bindings (none when the file does not exist yet). */
int hc_bindings_load(const char *state_dir, struct hc_bindings *b,
		     hc_err *err);

/** Write them atomically (hold the lock). */
int hc_bindings_save(const char *state_dir, const struct hc_bindings *b,
		     hc_err *err);

void hc_bindings_release(struct hc_bindings *b);

/*
 * Hosts sharing one token each keep their bindings in their own state
 * directory, and a summary of them on the token: a CKO_DATA object with
 * CKA_APPLICATION HC_FLEET_APP, CKA_LABEL "host=NAME" and, as its value,
 * {"version":1,"host":NAME,"gen":N,"updated":TIME,"bindings":[...]}.
 * It is replaced by create-then-destroy, so an interruption leaves the
 * old summary, the new one or both, and the higher gen counts.
 */
#define HC_FLEET_APP "hsmcert-bindings"

struct hc_token;

/** One host's summary. */
struct hc_host_bindings {
	char host[HC_HOST_MAX];
	unsigned long long gen;
	char updated[21];		/* RFC 3339, may be empty */
	struct hc_bindings b;
};

/** Every host's summary found on the token, sorted by host name. */
struct hc_fleet {
	struct hc_host_bindings *v;
	size_t n;
	size_t damaged;			/* objects that are not summaries */
};

/** Read every host's summary from the token. */
int hc_fleet_read(struct hc_token *tok, struct hc_fleet *out, hc_err *err);

/** Replace host's summary on the token with b (create, then destroy). */
int hc_fleet_publish(struct hc_token *tok, const char *host,
		     const struct hc_bindings *b, hc_err *err);

/** host's summary, or NULL. Borrowed. */
const struct hc_host_bindings *hc_fleet_get(const struct hc_fleet *f,
					    const char *host);

void hc_fleet_release(struct hc_fleet *f);

/** The binding of a service, or NULL. borrowed. */
struct hc_binding *hc_bindings_get(struct hc_bindings *b, const char *service);

/** Bind service to thumbprint (replacing any binding). */
int hc_bindings_set(struct hc_bindings *b, const char *service,
		    const char *thumbprint, const char *key_id, hc_err *err);

/** Drop the binding of service (no-op when none). */
void hc_bindings_drop(struct hc_bindings *b, const char *service);

/**
 * The services bound to a thumbprint: a mask of HC_SVC_* bits and, when
 * names is not NULL, their names (built-ins in I P U W S order, then the
 * custom ones).
 */
unsigned hc_bindings_of(const struct hc_bindings *b, const char *thumbprint,
			struct hc_strlist *names);

#endif
