/* acme_http.h - http-01 answered by hsmcert: a listener, or a webroot
 *
 * The listener is a thread for the duration of one order: it serves
 * GET /.well-known/acme-challenge/<token> for the tokens it was given,
 * with their key authorization, and 404 for everything else. The webroot
 * writer creates .well-known/acme-challenge/<token> files and removes
 * them (and the directories it made) again.
 */
#ifndef HC_CORE_ACME_HTTP_H
#define HC_CORE_ACME_HTTP_H

#include "hsmcert.h"

struct hc_acme_http;

/** Bind ADDR:PORT and start serving (nothing yet). */
int hc_acme_http_start(const char *listen, struct hc_acme_http **out,
		       hc_err *err);

/** Serve key_auth at /.well-known/acme-challenge/token from now on. */
int hc_acme_http_add(struct hc_acme_http *h, const char *token,
		     const char *key_auth, hc_err *err);

/** How many challenge requests were answered with 200. */
unsigned hc_acme_http_served(struct hc_acme_http *h);

/** Stop the thread and close the socket. NULL-safe. */
void hc_acme_http_stop(struct hc_acme_http *h);

/** Files written under a webroot, removed by hc_acme_webroot_clean. */
struct hc_acme_webroot {
	char *root;
	char **files;
	size_t n;
	int made_wk, made_ac;	/* .well-known and acme-challenge made here */
};

int hc_acme_webroot_put(struct hc_acme_webroot *w, const char *root,
			const char *token, const char *key_auth, hc_err *err);

/** Remove every file written and the directories made. */
void hc_acme_webroot_clean(struct hc_acme_webroot *w);

#endif
