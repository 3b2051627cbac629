/* policy.h - key specs and the [policy] rules of SPEC section 3 (internal) */
#ifndef HC_CORE_POLICY_H
#define HC_CORE_POLICY_H

#include <stddef.h>

#include "hsmcert.h"

enum hc_key_kind { HC_KEY_RSA = 1, HC_KEY_EC = 2 };

/** A key algorithm and size. bits: RSA modulus bits, or EC curve size
 *  256/384/521. */
struct hc_keyspec {
	enum hc_key_kind kind;
	int bits;
};

/** Room for the canonical text of any keyspec ("rsa:16384", "ec:p521"). */
#define HC_KEYSPEC_LEN 16

/** RSA sizes that parse at all; the policy decides which are allowed. */
#define HC_RSA_BITS_MIN 512
#define HC_RSA_BITS_MAX 16384

/**
 * Parse "rsa:BITS" or "ec:CURVE", case-insensitively. CURVE is p256, p384
 * or p521, also spelled p-256, prime256v1, secp256r1, secp384r1, secp521r1.
 * BITS is a decimal number from 512 to 16384 (whether it is allowed is the
 * policy's business: rsa:1024 parses). No white space is accepted.
 * Returns 0 with *out set, or -1 with HC_E_USAGE
 * "invalid key 'x': use rsa:BITS or ec:p256|p384".
 */
int hc_keyspec_parse(const char *s, struct hc_keyspec *out, hc_err *err);

/**
 * Canonical text of k ("rsa:2048", "ec:p256") into buf, truncated to len
 * (HC_KEYSPEC_LEN is always enough). Writes "" for an invalid kind.
 */
void hc_keyspec_format(const struct hc_keyspec *k, char *buf, size_t len);

/** Nonzero when a and b are the same algorithm and size. */
int hc_keyspec_eq(const struct hc_keyspec *a, const struct hc_keyspec *b);

enum hc_digest {
	HC_DIGEST_SHA256 = 256,
	HC_DIGEST_SHA384 = 384,
	HC_DIGEST_SHA512 = 512,
};

/** Capacity of hc_policy.key_types. */
#define HC_POLICY_MAX_KEY_TYPES 16

/** The [policy] section. Fill with hc_policy_init(); owns no memory. */
struct hc_policy {
	int min_rsa_bits;		/**< 2048 */
	/** default rsa:2048,rsa:3072,rsa:4096,ec:p256,ec:p384 */
	struct hc_keyspec key_types[HC_POLICY_MAX_KEY_TYPES];
	size_t nkey_types;
	long max_days;			/**< 1825 */
	int allow_export;		/**< 1 */
	int min_password_length;	/**< 12 */
	enum hc_digest digest;		/**< sha256 */
};

/** Set p to the defaults of SPEC section 3. */
void hc_policy_init(struct hc_policy *p);

/**
 * Set one [policy] key from its text value. Keys (case-insensitive):
 * min-rsa-bits (512..16384), key-types (comma-separated keyspecs, at most
 * HC_POLICY_MAX_KEY_TYPES, duplicates dropped), max-days (1..36500),
 * allow-export (true/false/yes/no/1/0, case-insensitive),
 * min-password-length (0..1024), digest (sha256|sha384|sha512).
 * Returns 0 when set; 1 when key is not a policy key (nothing is set and
 * err is untouched: the caller reports it); -1 with HC_E_USAGE naming the
 * key and the value ("min-rsa-bits: 'abc' is not a number",
 * "max-days is empty"), p unchanged.
 */
int hc_policy_set(struct hc_policy *p, const char *key, const char *value,
		  hc_err *err);

/**
 * May a key of this kind be generated or imported? Returns 0, or -1 with
 * HC_E_DENIED naming the policy key: RSA below min-rsa-bits first
 * ("rsa:1024 is below the policy's min-rsa-bits (2048)"), then a key not
 * listed in key-types ("ec:p521 is not in the policy's key-types
 * (rsa:2048,...)").
 */
int hc_policy_check_key(const struct hc_policy *p, const struct hc_keyspec *k,
			hc_err *err);

/**
 * Is a validity of `days` days allowed? Returns 0; -1 with HC_E_USAGE when
 * days < 1; -1 with HC_E_DENIED when days > max-days
 * ("--days 4000 exceeds the policy's max-days (1825)").
 */
int hc_policy_check_days(const struct hc_policy *p, long days, hc_err *err);

/** The default validity in days: the smaller of 1825 and max-days. */
long hc_policy_default_days(const struct hc_policy *p);

/**
 * Does the policy allow private-key export at all? Returns 0, or -1 with
 * HC_E_DENIED "private-key export is forbidden by the policy
 * (allow-export = false)".
 */
int hc_policy_check_export(const struct hc_policy *p, hc_err *err);

/**
 * Is a password of len bytes long enough? Returns 0, or -1 with HC_E_DENIED
 * "the password is shorter than the policy's min-password-length (12)".
 */
int hc_policy_check_password_len(const struct hc_policy *p, size_t len,
				 hc_err *err);

/** The digest's name for OpenSSL (EVP_get_digestbyname): "SHA256" etc. */
const char *hc_policy_digest_name(const struct hc_policy *p);

/**
 * key-types as text ("rsa:2048,rsa:3072,...") into buf, truncated to len.
 * 16 * HC_KEYSPEC_LEN bytes are always enough.
 */
void hc_policy_key_types_text(const struct hc_policy *p, char *buf,
			      size_t len);

#endif
