/* policy.c - key specs and the [policy] rules of SPEC section 3 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/policy.h"
#include "core/range.h"
#include "core/util.h"

#define POLICY_DEFAULT_DAYS 1825
#define POLICY_MAX_DAYS_LIMIT 36500
#define POLICY_MAX_PASSWORD_LENGTH 1024

#define KEYSPEC_HINT "use rsa:BITS or ec:p256|p384"

static const struct {
	const char *name;
	int bits;
} ec_curves[] = {
	{ "p256", 256 },	{ "p-256", 256 },	{ "prime256v1", 256 },
	{ "secp256r1", 256 },	{ "p384", 384 },	{ "p-384", 384 },
	{ "secp384r1", 384 },	{ "p521", 521 },	{ "p-521", 521 },
	{ "secp521r1", 521 },
};

static const struct hc_keyspec default_key_types[] = {
	{ HC_KEY_RSA, 2048 }, { HC_KEY_RSA, 3072 }, { HC_KEY_RSA, 4096 },
	{ HC_KEY_EC, 256 },   { HC_KEY_EC, 384 },
};

/* "rsa:" / "ec:" prefix, case-insensitive; returns what follows or NULL */
static const char *
skip_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++)
		if (tolower((unsigned char)*s) != *prefix)
			return NULL;
	return s;
}

int
hc_keyspec_parse(const char *s, struct hc_keyspec *out, hc_err *err)
{
	hc_err scratch = { 0 };
	const char *rest;
	long bits;
	size_t i;

	if (s == NULL || out == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: s == NULL || out == NULL");

	rest = skip_prefix_ci(s, "rsa:");
	if (rest != NULL) {
		/* hc_parse_long would take " 2048" and "+2048"; a key spec
		 * is digits only */
		if (!isdigit((unsigned char)*rest) ||
		    hc_parse_long(rest, 0, LONG_MAX, "bits", &bits,
				  &scratch) != 0)
			return hc_err_set(err, HC_E_USAGE,
					  "invalid key '%s': " KEYSPEC_HINT, s);
		if (bits < HC_RSA_BITS_MIN || bits > HC_RSA_BITS_MAX)
			return hc_err_set(err, HC_E_USAGE,
					  "invalid key '%s': RSA bits must be %d to %d",
					  s, HC_RSA_BITS_MIN, HC_RSA_BITS_MAX);
		out->kind = HC_KEY_RSA;
		out->bits = hc_range_clamp_int_long(bits);
		return 0;
	}
	rest = skip_prefix_ci(s, "ec:");
	if (rest != NULL) {
		for (i = 0; i < sizeof(ec_curves) / sizeof(ec_curves[0]); i++) {
			if (hc_strcaseeq(rest, ec_curves[i].name)) {
				out->kind = HC_KEY_EC;
				out->bits = ec_curves[i].bits;
				return 0;
			}
		}
	}
	return hc_err_set(err, HC_E_USAGE, "invalid key '%s': " KEYSPEC_HINT,
			  s);
}

void
hc_keyspec_format(const struct hc_keyspec *k, char *buf, size_t len)
{
	int n = -1;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	if (k == NULL)
		return;
	switch (k->kind) {
	case HC_KEY_RSA:
		n = snprintf(buf, len, "rsa:%d", k->bits);
		break;
	case HC_KEY_EC:
		n = snprintf(buf, len, "ec:p%d", k->bits);
		break;
	}
	if (n < 0)
		buf[0] = '\0';
}

int
hc_keyspec_eq(const struct hc_keyspec *a, const struct hc_keyspec *b)
{
	return a->kind == b->kind && a->bits == b->bits;
}

void
hc_policy_init(struct hc_policy *p)
{
	size_t i, n = sizeof(default_key_types) / sizeof(default_key_types[0]);

	memset(p, 0, sizeof(*p));
	p->min_rsa_bits = 2048;
	for (i = 0; i < n; i++)
		p->key_types[i] = default_key_types[i];
	p->nkey_types = n;
	p->max_days = POLICY_DEFAULT_DAYS;
	p->allow_export = 1;
	p->min_password_length = 12;
	p->digest = HC_DIGEST_SHA256;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[] = { "false", "no", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (hc_strcaseeq(v, yes[i])) {
			*out = 1;
			return 0;
		}
		if (hc_strcaseeq(v, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * key-types: split at commas into a scratch copy of the policy, so that a
 * bad list leaves p as it was.
 */
static int
set_key_types(struct hc_policy *p, const char *value, hc_err *err)
{
	struct hc_keyspec types[HC_POLICY_MAX_KEY_TYPES];
	struct hc_keyspec k;
	size_t n = 0, i;
	char *copy = NULL, *item, *next, *end;
	int ret = -1;

	copy = strdup(value);
	if (copy == NULL) {
		hc_err_set(err, HC_E_FAIL, "out of memory");
		goto out;
	}
	for (item = copy; item != NULL; item = next) {
		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		while (isspace((unsigned char)*item))
			item++;
		end = item + strlen(item);
		while (end > item && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*item == '\0')
			continue;
		if (hc_keyspec_parse(item, &k, err) != 0) {
			hc_err_prefix(err, "key-types: ");
			goto out;
		}
		for (i = 0; i < n; i++)
			if (hc_keyspec_eq(&types[i], &k))
				break;
		if (i < n)
			continue;
		if (n == HC_POLICY_MAX_KEY_TYPES) {
			hc_err_set(err, HC_E_USAGE,
				   "key-types: more than %d key types",
				   HC_POLICY_MAX_KEY_TYPES);
			goto out;
		}
		types[n++] = k;
	}
	if (n == 0) {
		hc_err_set(err, HC_E_USAGE,
			   "key-types: the list names no key type");
		goto out;
	}
	memcpy(p->key_types, types, n * sizeof(types[0]));
	p->nkey_types = n;
	ret = 0;
out:
	free(copy);
	return ret;
}

enum policy_key {
	PK_MIN_RSA_BITS,
	PK_KEY_TYPES,
	PK_MAX_DAYS,
	PK_ALLOW_EXPORT,
	PK_MIN_PASSWORD_LENGTH,
	PK_DIGEST,
};

static const struct {
	const char *name;
	enum policy_key key;
} policy_keys[] = {
	{ "min-rsa-bits", PK_MIN_RSA_BITS },
	{ "key-types", PK_KEY_TYPES },
	{ "max-days", PK_MAX_DAYS },
	{ "allow-export", PK_ALLOW_EXPORT },
	{ "min-password-length", PK_MIN_PASSWORD_LENGTH },
	{ "digest", PK_DIGEST },
};

int
hc_policy_set(struct hc_policy *p, const char *key, const char *value,
	      hc_err *err)
{
	const char *name = NULL;
	enum policy_key pk = PK_MIN_RSA_BITS;
	size_t i;
	long v;
	int b;

	if (p == NULL || key == NULL || value == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: p == NULL || key == NULL || value == NULL");
	for (i = 0; i < sizeof(policy_keys) / sizeof(policy_keys[0]); i++) {
		if (hc_strcaseeq(key, policy_keys[i].name)) {
			name = policy_keys[i].name;
			pk = policy_keys[i].key;
			break;
		}
	}
	if (name == NULL)
		return 1;
	if (*value == '\0')
		return hc_err_set(err, HC_E_USAGE, "%s is empty", name);

	switch (pk) {
	case PK_MIN_RSA_BITS:
		if (hc_parse_long(value, HC_RSA_BITS_MIN, HC_RSA_BITS_MAX, name,
				  &v, err) != 0)
			return -1;
		p->min_rsa_bits = hc_range_clamp_int_long(v);
		return 0;
	case PK_KEY_TYPES:
		return set_key_types(p, value, err);
	case PK_MAX_DAYS:
		if (hc_parse_long(value, 1, POLICY_MAX_DAYS_LIMIT, name, &v,
				  err) != 0)
			return -1;
		p->max_days = v;
		return 0;
	case PK_ALLOW_EXPORT:
		if (parse_bool(value, &b) != 0)
			return hc_err_set(err, HC_E_USAGE,
					  "%s: '%s' is not a boolean (use true or false)",
					  name, value);
		p->allow_export = b;
		return 0;
	case PK_MIN_PASSWORD_LENGTH:
		if (hc_parse_long(value, 0, POLICY_MAX_PASSWORD_LENGTH, name,
				  &v, err) != 0)
			return -1;
		p->min_password_length = hc_range_clamp_int_long(v);
		return 0;
	case PK_DIGEST:
		if (hc_strcaseeq(value, "sha256"))
			p->digest = HC_DIGEST_SHA256;
		else if (hc_strcaseeq(value, "sha384"))
			p->digest = HC_DIGEST_SHA384;
		else if (hc_strcaseeq(value, "sha512"))
			p->digest = HC_DIGEST_SHA512;
		else
			return hc_err_set(err, HC_E_USAGE,
					  "%s: '%s' is not a digest (use sha256, sha384 or sha512)",
					  name, value);
		return 0;
	}
	return hc_err_set(err, HC_E_FAIL, "internal: policy key %s", name);
}

void
hc_policy_key_types_text(const struct hc_policy *p, char *buf, size_t len)
{
	char one[HC_KEYSPEC_LEN];
	size_t i, used = 0, n;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < p->nkey_types; i++) {
		hc_keyspec_format(&p->key_types[i], one, sizeof(one));
		n = strlen(one);
		if (used + (i > 0) + n >= len)
			break;
		if (i > 0)
			buf[used++] = ',';
		memcpy(buf + used, one, n + 1);
		used += n;
	}
}

int
hc_policy_check_key(const struct hc_policy *p, const struct hc_keyspec *k,
		    hc_err *err)
{
	char text[HC_KEYSPEC_LEN];
	char list[HC_POLICY_MAX_KEY_TYPES * HC_KEYSPEC_LEN];
	size_t i;

	if (p == NULL || k == NULL)
		return hc_err_set(err, HC_E_FAIL,
				  "internal: p == NULL || k == NULL");
	hc_keyspec_format(k, text, sizeof(text));
	if (k->kind == HC_KEY_RSA && k->bits < p->min_rsa_bits)
		return hc_err_set(err, HC_E_DENIED,
				  "%s is below the policy's min-rsa-bits (%d)",
				  text, p->min_rsa_bits);
	for (i = 0; i < p->nkey_types; i++)
		if (hc_keyspec_eq(&p->key_types[i], k))
			return 0;
	hc_policy_key_types_text(p, list, sizeof(list));
	return hc_err_set(err, HC_E_DENIED,
			  "%s is not in the policy's key-types (%s)", text,
			  list);
}

long
hc_policy_default_days(const struct hc_policy *p)
{
	return p->max_days < POLICY_DEFAULT_DAYS ? p->max_days
						 : POLICY_DEFAULT_DAYS;
}

int
hc_policy_check_days(const struct hc_policy *p, long days, hc_err *err)
{
	if (p == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: p == NULL");
	if (days < 1)
		return hc_err_set(err, HC_E_USAGE,
				  "--days %ld: the validity must be at least 1 day",
				  days);
	if (days > p->max_days)
		return hc_err_set(err, HC_E_DENIED,
				  "--days %ld exceeds the policy's max-days (%ld)",
				  days, p->max_days);
	return 0;
}

int
hc_policy_check_export(const struct hc_policy *p, hc_err *err)
{
	if (p == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: p == NULL");
	if (!p->allow_export)
		return hc_err_set(err, HC_E_DENIED,
				  "private-key export is forbidden by the policy (allow-export = false)");
	return 0;
}

int
hc_policy_check_password_len(const struct hc_policy *p, size_t len,
			     hc_err *err)
{
	if (p == NULL)
		return hc_err_set(err, HC_E_FAIL, "internal: p == NULL");
	if (p->min_password_length > 0 &&
	    len < (size_t)p->min_password_length)
		return hc_err_set(err, HC_E_DENIED,
				  "the password is shorter than the policy's min-password-length (%d)",
				  p->min_password_length);
	return 0;
}

const char *
hc_policy_digest_name(const struct hc_policy *p)
{
	switch (p->digest) {
	case HC_DIGEST_SHA256:
		return "SHA256";
	case HC_DIGEST_SHA384:
		return "SHA384";
	case HC_DIGEST_SHA512:
		return "SHA512";
	}
	/* not reachable through hc_policy_set(); keep signing safe */
	return "SHA256";
}
