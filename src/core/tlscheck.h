/* tlscheck.h - which certificate does a TLS endpoint serve (SPEC 9, "Live
 * endpoint check and rollback") (internal)
 *
 * A TCP connection to HOST:PORT and a TLS handshake with SNI, made with
 * OpenSSL. The chain is not verified: the point is which leaf is served,
 * whoever issued it. Nothing is printed.
 */
#ifndef HC_CORE_TLSCHECK_H
#define HC_CORE_TLSCHECK_H

#include <stddef.h>

#include <openssl/x509.h>

#include "hsmcert.h"

/** How long the check of a binding tries, in seconds (SPEC 9). */
#define HC_TLSCHECK_TIMEOUT 10

/** Between two tries, in milliseconds. */
#define HC_TLSCHECK_INTERVAL_MS 500
/** handshakes in a row that must see the new leaf, this far apart */
#define HC_TLSCHECK_CONFIRM 3
#define HC_TLSCHECK_CONFIRM_MS 150

/** HOST:PORT split: host without brackets, port as digits. */
struct hc_tls_target {
	char host[254];
	char port[6];
};

/**
 * Parse HOST:PORT: HOST a host name, an IPv4 address or an IPv6 address
 * in brackets ([::1]:443); PORT 1 to 65535. what names the setting in the
 * message ("check"). Returns 0, or -1 with HC_E_USAGE:
 * "WHAT 'S' is not HOST:PORT ...", "WHAT 'S': port 'P' is not 1 to
 * 65535", "WHAT 'S': 'H' is not a host name or IP address".
 */
int hc_tlscheck_parse(const char *what, const char *s, struct hc_tls_target *t,
		      hc_err *err);

/**
 * Check an SNI name (check-name): a DNS name, no wildcard, no IP address
 * (RFC 6066 allows none there). Returns 0, or -1 with HC_E_USAGE
 * "check-name 'S' is not a DNS name: RULE".
 */
int hc_tlscheck_sni_check(const char *s, hc_err *err);

/**
 * The SNI name for a certificate when check-name is not set: its first
 * DNS name that is not a wildcard, written to out. Returns 1, or 0 when it
 * has none (out is then "", and the handshake is made without SNI).
 */
int hc_tlscheck_default_sni(X509 *x, char *out, size_t len);

/**
 * The SNI name for a check of x: check_name when it is set (NULL: not
 * set), else hc_tlscheck_default_sni() into buf. Returns check_name or
 * buf ("" for none). borrowed.
 */
const char *hc_tlscheck_sni(const char *check_name, X509 *x, char *buf,
			    size_t len);

/**
 * How long hc_tlscheck_wait() tries, in seconds: HC_TLSCHECK_TIMEOUT. For
 * the tests only, the environment variable HSMCERT_TEST_CHECK_TIMEOUT (1 to
 * 10) shortens it; it can never lengthen it.
 */
int hc_tlscheck_timeout(void);

/**
 * One try: connect to target (HOST:PORT, as hc_tlscheck_parse() takes it)
 * and complete a TLS handshake with SNI sni (NULL or "": none), all within
 * timeout_ms. On success served gets the SHA-1 thumbprint of the leaf the
 * endpoint presented (hc_x509_thumbprint()) and 0 is returned. Else -1 with
 * HC_E_FAIL and what went wrong: "cannot resolve HOST: ...", "cannot
 * connect to HOST:PORT: <strerror>", "TLS handshake with HOST:PORT
 * failed: <OpenSSL reason>", "no answer from HOST:PORT within N s", "HOST:PORT
 * presented no certificate"; HC_E_USAGE for a target that does not parse.
 */
int hc_tlscheck_probe(const char *target, const char *sni, long timeout_ms,
		      char served[41], hc_err *err);

/**
 * Try every HC_TLSCHECK_INTERVAL_MS for up to hc_tlscheck_timeout()
 * seconds until target serves the certificate whose thumbprint is expect
 * (a reload may land after its command returned) on HC_TLSCHECK_CONFIRM
 * handshakes in a row (a graceful reload's old workers may still accept
 * for a moment). Returns 0 when it does.
 * Else -1 with HC_E_FAIL naming the last answer: "HOST:PORT serves OTHER,
 * not EXPECT (after N s)", or the error of the last try followed by
 * "(after N s)". served gets the last thumbprint seen ("" when none).
 */
int hc_tlscheck_wait(const char *target, const char *sni, const char *expect,
		     char served[41], hc_err *err);

#endif
