/* tlscheck.c - the certificate a TLS endpoint serves: TCP connect, TLS
 * handshake with SNI, the leaf's thumbprint; tried again until it is the
 * one expected */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/dnsname.h"
#include "core/error.h"
#include "core/range.h"
#include "core/tlscheck.h"
#include "core/x509.h"

int
hc_tlscheck_parse(const char *what, const char *s, struct hc_tls_target *t,
		  hc_err *err)
{
	const char *h, *colon, *p;
	char host[sizeof(t->host)], why[128];
	unsigned char a[16];
	size_t hl;
	long port = 0;
	int v6 = s[0] == '[';

	if (v6) {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			goto syntax;
		h = s + 1;
		colon = rb + 1;
	} else {
		h = s;
		colon = strrchr(s, ':');
		if (colon == NULL)
			goto syntax;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return hc_err_set(err, HC_E_USAGE,
					  "%s '%s': an IPv6 address goes in brackets, as in [::1]:443",
					  what, s);
	}
	hl = (size_t)(colon - h) - (v6 ? 1 : 0);
	if (hl == 0 || colon[1] == '\0')
		goto syntax;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - colon > 5) {
			port = 0;
			break;
		}
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return hc_err_set(err, HC_E_USAGE,
				  "%s '%s': port '%s' is not 1 to 65535", what,
				  s, colon + 1);
	if (hl >= sizeof(host))
		return hc_err_set(err, HC_E_USAGE,
				  "%s '%s': the host is longer than 253 characters",
				  what, s);
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (v6 ? inet_pton(AF_INET6, host, a) != 1 :
	    inet_pton(AF_INET, host, a) != 1 &&
	    (strchr(host, '*') != NULL ||
	     hc_dnsname_why(host, why, sizeof(why)) != 0))
		return hc_err_set(err, HC_E_USAGE,
				  "%s '%s': '%s' is not a host name or %s address",
				  what, s, host, v6 ? "an IPv6" : "an IP");
	if (t != NULL) {
		memcpy(t->host, host, hl + 1);
		memcpy(t->port, colon + 1, strlen(colon + 1) + 1);
	}
	return 0;
syntax:
	return hc_err_set(err, HC_E_USAGE,
			  "%s '%s' is not HOST:PORT (HOST a host name, an IPv4 address or [IPv6])",
			  what, s);
}

int
hc_tlscheck_sni_check(const char *s, hc_err *err)
{
	char why[128];

	if (hc_dnsname_is_ip(s))
		return hc_err_set(err, HC_E_USAGE,
				  "check-name '%s' is not a DNS name: SNI never carries an IP address (leave check-name out)",
				  s);
	if (strchr(s, '*') != NULL)
		return hc_err_set(err, HC_E_USAGE,
				  "check-name '%s' is not a DNS name: a client asks for one name, not a wildcard",
				  s);
	if (hc_dnsname_why(s, why, sizeof(why)) != 0)
		return hc_err_set(err, HC_E_USAGE,
				  "check-name '%s' is not a DNS name: %s", s,
				  why);
	return 0;
}

int
hc_tlscheck_default_sni(X509 *x, char *out, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
					       NULL);
	char why[128];
	int i, found = 0;

	out[0] = '\0';
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && !found;
	     i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		int n;

		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		n = ASN1_STRING_length(g->d.dNSName);
		if (n <= 0 || (size_t)n >= len || memchr(d, '\0', (size_t)n) ||
		    memchr(d, '*', (size_t)n))
			continue;
		memcpy(out, d, (size_t)n);
		out[n] = '\0';
		if (hc_dnsname_is_ip(out) ||
		    hc_dnsname_why(out, why, sizeof(why)) != 0)
			out[0] = '\0';
		else
			found = 1;
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return found;
}

const char *
hc_tlscheck_sni(const char *check_name, X509 *x, char *buf, size_t len)
{
	if (check_name != NULL)
		return check_name;
	hc_tlscheck_default_sni(x, buf, len);
	return buf;
}

int
hc_tlscheck_timeout(void)
{
	const char *v = getenv("HSMCERT_TEST_CHECK_TIMEOUT");
	char *end;
	long t;

	/* for the tests only: it can shorten the limit, never lengthen it */
	if (v == NULL || *v == '\0')
		return HC_TLSCHECK_TIMEOUT;
	errno = 0;
	t = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || t < 1 || t > HC_TLSCHECK_TIMEOUT)
		return HC_TLSCHECK_TIMEOUT;
	return hc_range_clamp_int_long(t);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* fd ready for events before deadline: 1, timed out: 0, error: -1 */
static int
wait_fd(int fd, short events, long deadline)
{
	struct pollfd p;
	long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, hc_range_clamp_int_long(left));
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

/* A connected non-blocking socket to t, or -1 with err set. */
static int
tcp_connect(const struct hc_tls_target *t, const char *target, long deadline,
	    hc_err *err)
{
	struct addrinfo hints, *ai = NULL, *a;
	int fd = -1, rc, e = 0, timed_out = 0, w;
	socklen_t el;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(t->host, t->port, &hints, &ai);
	if (rc != 0)
		return hc_err_set(err, HC_E_FAIL, "cannot resolve %s: %s",
				  t->host, rc == EAI_SYSTEM ? strerror(errno) :
				  gai_strerror(rc));
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
			e = errno;
		} else if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			break;
		} else if (errno != EINPROGRESS) {
			e = errno;
		} else {
			w = wait_fd(fd, POLLOUT, deadline);
			el = sizeof(e);
			if (w <= 0) {
				e = w == 0 ? 0 : errno;
				timed_out = w == 0;
			} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e,
					      &el) != 0) {
				e = errno;
			} else if (e == 0) {
				break;
			}
		}
		close(fd);
		fd = -1;
		if (timed_out)
			break;
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		return fd;
	if (timed_out)
		return hc_err_set(err, HC_E_FAIL, "no answer from %s", target);
	return hc_err_set(err, HC_E_FAIL, "cannot connect to %s: %s", target,
			  strerror(e != 0 ? e : ECONNREFUSED));
}

/* The TLS handshake on fd; the leaf's thumbprint into served. */
static int
handshake(int fd, const char *target, const char *sni, long deadline,
	  char served[41], hc_err *err)
{
	SSL_CTX *sctx = NULL;
	SSL *ssl = NULL;
	X509 *leaf = NULL;
	int ret = -1, r, e, w;

	ERR_clear_error();
	sctx = SSL_CTX_new(TLS_client_method());
	if (sctx == NULL) {
		hc_err_ossl(err, HC_E_FAIL, "cannot make a TLS context");
		goto out;
	}
	/* which leaf is served, whoever signed it and however weak it is */
	SSL_CTX_set_verify(sctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(sctx, 0);
	ssl = SSL_new(sctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    (sni != NULL && *sni != '\0' &&
	     SSL_set_tlsext_host_name(ssl, sni) != 1)) {
		hc_err_ossl(err, HC_E_FAIL, "cannot set up TLS to %s", target);
		goto out;
	}
	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_connect(ssl);
		if (r == 1)
			break;
		e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			w = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN :
				    POLLOUT, deadline);
			if (w > 0)
				continue;
			if (w == 0)
				hc_err_set(err, HC_E_FAIL,
					   "no answer from %s during the TLS handshake",
					   target);
			else
				hc_err_set(err, HC_E_FAIL,
					   "TLS handshake with %s failed: %s",
					   target, strerror(errno));
		} else if (ERR_peek_last_error() != 0) {
			hc_err_ossl(err, HC_E_FAIL,
				    "TLS handshake with %s failed", target);
		} else {
			hc_err_set(err, HC_E_FAIL,
				   "TLS handshake with %s failed: %s", target,
				   errno != 0 ? strerror(errno) :
				   "the connection was closed");
		}
		goto out;
	}
	leaf = SSL_get1_peer_certificate(ssl);
	if (leaf == NULL) {
		hc_err_set(err, HC_E_FAIL, "%s presented no certificate",
			   target);
		goto out;
	}
	hc_x509_thumbprint(leaf, served);
	/* a close_notify, as a polite client sends; no wait for the answer */
	if (SSL_shutdown(ssl) < 0) {
		/* nothing to do: the thumbprint is what was asked */
	}
	ret = 0;
out:
	ERR_clear_error();
	X509_free(leaf);
	SSL_free(ssl);
	SSL_CTX_free(sctx);
	return ret;
}

int
hc_tlscheck_probe(const char *target, const char *sni, long timeout_ms,
		  char served[41], hc_err *err)
{
	struct hc_tls_target t;
	struct sigaction ign, old;
	long deadline = now_ms() + timeout_ms;
	char seen[41];
	int fd, ret;

	if (hc_tlscheck_parse("check", target, &t, err) != 0)
		return -1;
	/* a server that closes early must not kill us with SIGPIPE (OpenSSL
	 * writes to the socket with write()): ignored for the probe */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old) != 0)
		return hc_err_set(err, HC_E_FAIL, "cannot ignore SIGPIPE: %s",
				  strerror(errno));
	fd = tcp_connect(&t, target, deadline, err);
	ret = fd < 0 ? -1 : handshake(fd, target, sni, deadline, seen, err);
	if (fd >= 0)
		close(fd);
	if (sigaction(SIGPIPE, &old, NULL) != 0) {
		/* nothing sensible to do: the disposition was ours to change */
	}
	if (ret == 0)
		memcpy(served, seen, sizeof(seen));
	return ret;
}

static void
sleep_until(long when)
{
	struct timespec ts;
	long left;

	while ((left = when - now_ms()) > 0) {
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
			return;
	}
}

int
hc_tlscheck_wait(const char *target, const char *sni, const char *expect,
		 char served[41], hc_err *err)
{
	int secs = hc_tlscheck_timeout();
	long deadline = now_ms() + secs * 1000L, t0;
	hc_err last = { 0 };
	char seen[41];
	int good = 0;

	served[0] = '\0';
	for (;;) {
		t0 = now_ms();
		if (t0 >= deadline)
			break;
		hc_err_clear(&last);
		if (hc_tlscheck_probe(target, sni, deadline - t0, seen,
				      &last) == 0) {
			memcpy(served, seen, sizeof(seen));
			/*
			 * A graceful reload (nginx, Postfix) leaves the old
			 * workers accepting for a moment after the first new
			 * one answers: the new leaf must be served on
			 * HC_TLSCHECK_CONFIRM handshakes in a row.
			 */
			good = strcmp(seen, expect) == 0 ? good + 1 : 0;
			if (good >= HC_TLSCHECK_CONFIRM)
				return 0;
		} else if (last.code == HC_E_USAGE) {
			return hc_err_set(err, last.code, "%s", last.msg);
		} else {
			good = 0;
		}
		if (t0 + (good ? HC_TLSCHECK_CONFIRM_MS :
			  HC_TLSCHECK_INTERVAL_MS) >= deadline)
			break;
		sleep_until(t0 + (good ? HC_TLSCHECK_CONFIRM_MS :
				  HC_TLSCHECK_INTERVAL_MS));
	}
	/* the time ran out while confirming: the last answers were right */
	if (good > 0)
		return 0;
	if (last.code != HC_OK)
		return hc_err_set(err, HC_E_FAIL, "%.440s (tried for %d s)",
				  last.msg, secs);
	if (served[0] == '\0')
		return hc_err_set(err, HC_E_FAIL,
				  "no answer from %s (tried for %d s)", target,
				  secs);
	return hc_err_set(err, HC_E_FAIL,
			  "%s serves %s, not %s (tried for %d s)", target,
			  served, expect, secs);
}
