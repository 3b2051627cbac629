/* test_wrap.c - the token, not hsmcert, keeps a non-exportable key in */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/policy.h"
#include "core/token.h"
#include "token_fixture.h"

static void
gen(struct hc_token *t, const char *spec, int exportable,
    struct hc_keypair *kp)
{
	struct hc_keyspec ks;
	hc_err err = { 0 };

	if (hc_keyspec_parse(spec, &ks, &err) != 0)
		fail_msg("%s", err.msg);
	memset(kp, 0, sizeof(*kp));
	if (hc_token_generate_keypair(t, &ks, "wrap", exportable, kp,
				      &err) != 0)
		fail_msg("generate %s: %s", spec, err.msg);
}

/*
 * The token layer asked straight for the key, with no policy check in
 * front of it (hsmcert's export refuses earlier, from the attributes): the
 * token answers CKR_KEY_UNEXTRACTABLE and nothing is created or left.
 */
static void
test_wrap_token_refuses_a_non_exportable_key(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_token(fx, 1);
	char *before = NULL;
	struct hc_keypair kp;
	unsigned char *der = NULL;
	size_t len = 0;
	hc_err err = { 0 };

	gen(t, "ec:p256", 0, &kp);
	assert_int_equal(fixture_snapshot(fx, &before), 0);
	assert_int_equal(hc_token_wrap_export(t, kp.priv, &der, &len, &err),
			 -1);
	assert_null(der);
	assert_int_equal(err.code, HC_E_DENIED);
	if (strstr(err.msg, "CKR_KEY_UNEXTRACTABLE") == NULL)
		fail_msg("the refusal does not come from the token: %s",
			 err.msg);
	assert_token_unchanged(fx, before);
	hc_keypair_release(&kp);
}

/* The same call on an exportable key gives the key itself, as PKCS#8. */
static void
test_wrap_token_lets_an_exportable_key_out(void **state)
{
	struct fixture *fx = *state;
	struct hc_token *t = fixture_token(fx, 1);
	struct hc_keypair kp;
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *k;
	size_t len = 0;
	hc_err err = { 0 };

	gen(t, "ec:p256", 1, &kp);
	if (hc_token_wrap_export(t, kp.priv, &der, &len, &err) != 0)
		fail_msg("%s", err.msg);
	p = der;
	k = d2i_AutoPrivateKey(NULL, &p, (long)len);
	assert_non_null(k);
	assert_int_equal(EVP_PKEY_eq(k, kp.pubkey), 1);
	EVP_PKEY_free(k);
	OPENSSL_clear_free(der, len);
	hc_keypair_release(&kp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
		T(test_wrap_token_refuses_a_non_exportable_key),
		T(test_wrap_token_lets_an_exportable_key_out),
#undef T
	};

	return cmocka_run_group_tests_name("wrap", tests, NULL, NULL);
}
