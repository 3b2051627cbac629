/* test_tlscheck.c - [service] check = HOST:PORT and check-name (SPEC 9):
 * what the configuration accepts, the messages of what it refuses, the
 * SNI default, the test knob, and a probe where nothing listens */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/x509v3.h>

#include "core/config.h"
#include "core/error.h"
#include "core/tlscheck.h"

static void
parse_fails(const char *text, const char *msg)
{
	struct hc_config cfg;
	hc_err err = { 0 };

	hc_config_init(&cfg);
	assert_int_equal(hc_config_parse(text, "t.conf", "/etc/hc", &cfg, &err),
			 -1);
	if (err.code != HC_E_USAGE || strcmp(err.msg, msg) != 0)
		fail_msg("got %d '%s', want 2 '%s'", err.code, err.msg, msg);
	hc_config_release(&cfg);
}

static void
test_check_keys_are_stored(void **state)
{
	struct hc_config cfg;
	hc_err err = { 0 };
	const struct hc_service_conf *s;

	(void)state;
	hc_config_init(&cfg);
	assert_int_equal(hc_config_parse("[service https]\ncheck = [::1]:8443\n"
					 "check-name = www.example.com\n"
					 "[service smtp]\ncheck = mail.example.com:465\n",
					 "t.conf", "/etc/hc", &cfg, &err), 0);
	s = hc_config_service(&cfg, "https");
	assert_non_null(s);
	assert_string_equal(s->check, "[::1]:8443");
	assert_string_equal(s->check_name, "www.example.com");
	s = hc_config_service(&cfg, "smtp");
	assert_string_equal(s->check, "mail.example.com:465");
	assert_null(s->check_name);
	hc_config_release(&cfg);
}

static void
test_check_bad_values_name_key_and_line(void **state)
{
	(void)state;
	parse_fails("[service https]\ncheck = localhost\n",
		    "t.conf:2: check 'localhost' is not HOST:PORT (HOST a host name, an IPv4 address or [IPv6])");
	parse_fails("[service https]\ncert-file = /c\ncheck = 127.0.0.1:0\n",
		    "t.conf:3: check '127.0.0.1:0': port '0' is not 1 to 65535");
	parse_fails("[service https]\ncheck = h:65536\n",
		    "t.conf:2: check 'h:65536': port '65536' is not 1 to 65535");
	parse_fails("[service https]\ncheck = h:4x3\n",
		    "t.conf:2: check 'h:4x3': port '4x3' is not 1 to 65535");
	parse_fails("[service https]\ncheck = ::1:443\n",
		    "t.conf:2: check '::1:443': an IPv6 address goes in brackets, as in [::1]:443");
	parse_fails("[service https]\ncheck = [::1]443\n",
		    "t.conf:2: check '[::1]443' is not HOST:PORT (HOST a host name, an IPv4 address or [IPv6])");
	parse_fails("[service https]\ncheck = [localhost]:443\n",
		    "t.conf:2: check '[localhost]:443': 'localhost' is not a host name or an IPv6 address");
	parse_fails("[service https]\ncheck = a_b!:443\n",
		    "t.conf:2: check 'a_b!:443': 'a_b!' is not a host name or an IP address");
	parse_fails("[service https]\ncheck = *.example.com:443\n",
		    "t.conf:2: check '*.example.com:443': '*.example.com' is not a host name or an IP address");
	parse_fails("[service https]\ncheck-name = 192.0.2.1\n",
		    "t.conf:2: check-name '192.0.2.1' is not a DNS name: SNI never carries an IP address (leave check-name out)");
	parse_fails("[service https]\ncheck-name = *.example.com\n",
		    "t.conf:2: check-name '*.example.com' is not a DNS name: a client asks for one name, not a wildcard");
	parse_fails("[service https]\ncheck-name = a..b\n",
		    "t.conf:2: check-name 'a..b' is not a DNS name: empty label");
	parse_fails("[service https]\ncheck = h:1\ncheck = h:2\n",
		    "t.conf:3: duplicate key 'check' in [service https]");
}

static void
test_check_target_parts(void **state)
{
	struct hc_tls_target t;
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_tlscheck_parse("check", "[2001:db8::7]:443", &t,
					   &err), 0);
	assert_string_equal(t.host, "2001:db8::7");
	assert_string_equal(t.port, "443");
	assert_int_equal(hc_tlscheck_parse("check", "192.0.2.1:65535", &t,
					   &err), 0);
	assert_string_equal(t.host, "192.0.2.1");
	assert_string_equal(t.port, "65535");
	assert_int_equal(hc_tlscheck_parse("check", "localhost:8443", &t,
					   &err), 0);
	assert_string_equal(t.host, "localhost");
	assert_int_equal(hc_tlscheck_parse("check", "h:123456", &t, &err), -1);
	assert_int_equal(err.code, HC_E_USAGE);
}

static X509 *
cert_with_sans(const char *sans)
{
	X509 *x = X509_new();
	X509_EXTENSION *ext;

	assert_non_null(x);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	return x;
}

static void
test_check_default_sni_is_first_dns_name(void **state)
{
	X509 *x;
	char buf[256];

	(void)state;
	x = cert_with_sans("IP:192.0.2.1,DNS:*.example.com,DNS:www.example.com,DNS:b.example.com");
	assert_int_equal(hc_tlscheck_default_sni(x, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "www.example.com");
	assert_string_equal(hc_tlscheck_sni(NULL, x, buf, sizeof(buf)),
			    "www.example.com");
	assert_string_equal(hc_tlscheck_sni("other.example", x, buf,
					    sizeof(buf)), "other.example");
	X509_free(x);
	x = cert_with_sans("IP:192.0.2.1");
	assert_int_equal(hc_tlscheck_default_sni(x, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	X509_free(x);
}

static void
test_check_timeout_knob_only_shortens(void **state)
{
	(void)state;
	unsetenv("HSMCERT_TEST_CHECK_TIMEOUT");
	assert_int_equal(hc_tlscheck_timeout(), 10);
	setenv("HSMCERT_TEST_CHECK_TIMEOUT", "3", 1);
	assert_int_equal(hc_tlscheck_timeout(), 3);
	setenv("HSMCERT_TEST_CHECK_TIMEOUT", "11", 1);
	assert_int_equal(hc_tlscheck_timeout(), 10);
	setenv("HSMCERT_TEST_CHECK_TIMEOUT", "0", 1);
	assert_int_equal(hc_tlscheck_timeout(), 10);
	setenv("HSMCERT_TEST_CHECK_TIMEOUT", "2s", 1);
	assert_int_equal(hc_tlscheck_timeout(), 10);
	unsetenv("HSMCERT_TEST_CHECK_TIMEOUT");
}

/* port 1 on loopback: nothing listens there on a test machine */
static void
test_check_probe_and_wait_name_the_connect_error(void **state)
{
	char served[41] = "x";
	hc_err err = { 0 };

	(void)state;
	assert_int_equal(hc_tlscheck_probe("127.0.0.1:1", "localhost", 2000,
					   served, &err), -1);
	assert_int_equal(err.code, HC_E_FAIL);
	assert_string_equal(err.msg,
			    "cannot connect to 127.0.0.1:1: Connection refused");
	assert_string_equal(served, "x");
	hc_err_clear(&err);
	setenv("HSMCERT_TEST_CHECK_TIMEOUT", "1", 1);
	assert_int_equal(hc_tlscheck_wait("127.0.0.1:1", NULL,
					  "0123456789012345678901234567890123456789",
					  served, &err), -1);
	unsetenv("HSMCERT_TEST_CHECK_TIMEOUT");
	assert_int_equal(err.code, HC_E_FAIL);
	assert_string_equal(err.msg,
			    "cannot connect to 127.0.0.1:1: Connection refused (tried for 1 s)");
	assert_string_equal(served, "");
}

/* a listener that never accepts: TCP connects (the kernel's backlog), the
 * ClientHello goes unanswered, and the probe stops at its time limit */
static void
test_check_silent_endpoint_times_out(void **state)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct timespec t0, t1;
	char target[64], want[160], served[41] = "";
	hc_err err = { 0 };
	long ms;
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(target, sizeof(target), "127.0.0.1:%u", ntohs(a.sin_port));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(hc_tlscheck_probe(target, "localhost", 300, served,
					   &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L;
	assert_true(ms >= 290 && ms < 2000);
	snprintf(want, sizeof(want), "no answer from %s during the TLS handshake",
		 target);
	assert_int_equal(err.code, HC_E_FAIL);
	assert_string_equal(err.msg, want);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_keys_are_stored),
		cmocka_unit_test(test_check_bad_values_name_key_and_line),
		cmocka_unit_test(test_check_target_parts),
		cmocka_unit_test(test_check_default_sni_is_first_dns_name),
		cmocka_unit_test(test_check_timeout_knob_only_shortens),
		cmocka_unit_test(test_check_probe_and_wait_name_the_connect_error),
		cmocka_unit_test(test_check_silent_endpoint_times_out),
	};

	return cmocka_run_group_tests_name("tlscheck", tests, NULL, NULL);
}
