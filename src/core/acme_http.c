/* acme_http.c - http-01 answered by hsmcert: a listener, or a webroot */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/acme_http.h"
#include "core/error.h"

#define WK_PREFIX "/.well-known/acme-challenge/"
#define MAX_TOKENS 256

struct hc_acme_http {
	int fd;
	int stop[2];
	pthread_t th;
	int running;
	pthread_mutex_t mu;
	char *tokens[MAX_TOKENS];
	char *auths[MAX_TOKENS];
	size_t n;
	unsigned served;
};

static void
send_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void
serve_one(struct hc_acme_http *h, int c)
{
	char buf[4096], resp[1024], path[512];
	const char *body = NULL;
	struct pollfd pf = { c, POLLIN, 0 };
	size_t len = 0, i;
	ssize_t r;
	int n;

	/* the request line and headers, 3 s at most */
	while (len < sizeof(buf) - 1) {
		if (poll(&pf, 1, 3000) <= 0)
			return;
		r = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL ||
		    strstr(buf, "\n\n") != NULL)
			break;
	}
	buf[len] = '\0';
	if (sscanf(buf, "GET %511s HTTP/1.", path) == 1 &&
	    strncmp(path, WK_PREFIX, strlen(WK_PREFIX)) == 0) {
		pthread_mutex_lock(&h->mu);
		for (i = 0; i < h->n; i++)
			if (strcmp(path + strlen(WK_PREFIX), h->tokens[i]) == 0)
				body = h->auths[i];
		if (body != NULL) {
			h->served++;
			n = snprintf(resp, sizeof(resp),
				     "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
				     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				     strlen(body), body);
		}
		pthread_mutex_unlock(&h->mu);
		if (body != NULL && n > 0 && (size_t)n < sizeof(resp)) {
			send_all(c, resp, (size_t)n);
			return;
		}
	}
	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	send_all(c, resp, (size_t)n);
}

static void *
serve(void *arg)
{
	struct hc_acme_http *h = arg;
	struct pollfd pf[2];
	int c;

	for (;;) {
		pf[0].fd = h->fd;
		pf[0].events = POLLIN;
		pf[1].fd = h->stop[0];
		pf[1].events = POLLIN;
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents != 0)
			break;
		if (pf[0].revents & POLLIN) {
			c = accept(h->fd, NULL, NULL);
			if (c < 0)
				continue;
			serve_one(h, c);
			close(c);
		}
	}
	return NULL;
}

int
hc_acme_http_start(const char *listen_on, struct hc_acme_http **out,
		   hc_err *err)
{
	struct addrinfo hints, *ai = NULL;
	struct hc_acme_http *h;
	char host[256];
	const char *colon = strrchr(listen_on, ':'), *port;
	size_t hl;
	int one = 1, rc;

	*out = NULL;
	if (colon == NULL || colon == listen_on)
		return hc_err_set(err, HC_E_USAGE,
				  "http-listen '%s' is not ADDR:PORT",
				  listen_on);
	hl = (size_t)(colon - listen_on);
	if (listen_on[0] == '[' && hl >= 2 && listen_on[hl - 1] == ']') {
		listen_on++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return hc_err_set(err, HC_E_USAGE,
				  "http-listen '%s': address too long",
				  listen_on);
	memcpy(host, listen_on, hl);
	host[hl] = '\0';
	port = colon + 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0)
		return hc_err_set(err, HC_E_USAGE, "http-listen %s:%s: %s",
				  host, port, gai_strerror(rc));
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		freeaddrinfo(ai);
		return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	h->stop[0] = h->stop[1] = -1;
	pthread_mutex_init(&h->mu, NULL);
	h->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 ||
	    setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) !=
		    0 ||
	    bind(h->fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(h->fd, 16) != 0) {
		hc_err_set(err, HC_E_FAIL, "http-listen %s:%s: %s", host, port,
			   strerror(errno));
		goto fail;
	}
	if (pipe(h->stop) != 0) {
		hc_err_set(err, HC_E_FAIL, "pipe: %s", strerror(errno));
		goto fail;
	}
	fcntl(h->stop[0], F_SETFD, FD_CLOEXEC);
	fcntl(h->stop[1], F_SETFD, FD_CLOEXEC);
	rc = pthread_create(&h->th, NULL, serve, h);
	if (rc != 0) {
		hc_err_set(err, HC_E_FAIL, "http-listen: thread: %s",
			   strerror(rc));
		goto fail;
	}
	h->running = 1;
	freeaddrinfo(ai);
	*out = h;
	return 0;
fail:
	freeaddrinfo(ai);
	hc_acme_http_stop(h);
	return -1;
}

int
hc_acme_http_add(struct hc_acme_http *h, const char *token,
		 const char *key_auth, hc_err *err)
{
	int ret = 0;

	pthread_mutex_lock(&h->mu);
	if (h->n >= MAX_TOKENS) {
		ret = hc_err_set(err, HC_E_FAIL,
				 "too many challenges in one order");
	} else {
		h->tokens[h->n] = strdup(token);
		h->auths[h->n] = strdup(key_auth);
		if (h->tokens[h->n] == NULL || h->auths[h->n] == NULL) {
			free(h->tokens[h->n]);
			free(h->auths[h->n]);
			ret = hc_err_set(err, HC_E_FAIL, "out of memory");
		} else {
			h->n++;
		}
	}
	pthread_mutex_unlock(&h->mu);
	return ret;
}

unsigned
hc_acme_http_served(struct hc_acme_http *h)
{
	unsigned n;

	pthread_mutex_lock(&h->mu);
	n = h->served;
	pthread_mutex_unlock(&h->mu);
	return n;
}

void
hc_acme_http_stop(struct hc_acme_http *h)
{
	size_t i;

	if (h == NULL)
		return;
	if (h->running) {
		ssize_t w;

		do
			w = write(h->stop[1], "x", 1);
		while (w < 0 && errno == EINTR);
		pthread_join(h->th, NULL);
	}
	if (h->fd >= 0)
		close(h->fd);
	if (h->stop[0] >= 0)
		close(h->stop[0]);
	if (h->stop[1] >= 0)
		close(h->stop[1]);
	for (i = 0; i < h->n; i++) {
		free(h->tokens[i]);
		free(h->auths[i]);
	}
	pthread_mutex_destroy(&h->mu);
	free(h);
}

/* ------------------------------------------------------------------ */
/* Webroot                                                              */

static char *
join3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static int
mkdir_once(const char *path, int *made, hc_err *err)
{
	struct stat st;

	if (mkdir(path, 0755) == 0) {
		*made = 1;
		return 0;
	}
	if (errno == EEXIST && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return hc_err_set(err, HC_E_FAIL, "http-root: cannot make %s: %s", path,
			  errno == EEXIST ? "exists and is not a directory" :
			  strerror(errno));
}

int
hc_acme_webroot_put(struct hc_acme_webroot *w, const char *root,
		    const char *token, const char *key_auth, hc_err *err)
{
	char *wk = NULL, *ac = NULL, *f = NULL, **nf;
	size_t n = strlen(key_auth);
	int fd = -1, ret = -1;
	ssize_t wr;

	if (w->root == NULL) {
		w->root = strdup(root);
		if (w->root == NULL)
			return hc_err_set(err, HC_E_FAIL, "out of memory");
	}
	wk = join3(root, "/", ".well-known");
	ac = join3(root, "/", ".well-known/acme-challenge");
	f = ac != NULL ? join3(ac, "/", token) : NULL;
	if (f == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	if (mkdir_once(wk, &w->made_wk, err) != 0 ||
	    mkdir_once(ac, &w->made_ac, err) != 0)
		goto out;
	nf = realloc(w->files, (w->n + 1) * sizeof(*nf));
	if (nf == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	w->files = nf;
	fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		hc_err_set(err, HC_E_FAIL, "http-root: cannot write %s: %s", f,
			   strerror(errno));
		goto out;
	}
	w->files[w->n++] = f;
	f = NULL;
	wr = write(fd, key_auth, n);
	if (wr != (ssize_t)n) {
		hc_err_set(err, HC_E_FAIL, "http-root: cannot write %s: %s",
			   w->files[w->n - 1], strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(wk);
	free(ac);
	free(f);
	return ret;
}

void
hc_acme_webroot_clean(struct hc_acme_webroot *w)
{
	char *p;
	size_t i;

	for (i = 0; i < w->n; i++) {
		unlink(w->files[i]);
		free(w->files[i]);
	}
	free(w->files);
	if (w->root != NULL) {
		p = w->made_ac ? join3(w->root, "/",
				       ".well-known/acme-challenge") : NULL;
		if (p != NULL) {
			rmdir(p);
			free(p);
		}
		p = w->made_wk ? join3(w->root, "/", ".well-known") : NULL;
		if (p != NULL) {
			rmdir(p);
			free(p);
		}
	}
	free(w->root);
	memset(w, 0, sizeof(*w));
}
