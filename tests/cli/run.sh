#!/usr/bin/env bash
# tests/cli/run.sh [PATTERN...] - end-to-end tests of the hsmcert binary.
#
#   HSMCERT=/abs/path/build/hsmcert tests/cli/run.sh        (make check-cli)
#   HSMCERT=... tests/cli/run.sh wrong_pin list_filter      (cases matching)
#
# Each case is a function test_<behaviour>, run in a subshell on a fresh
# SoftHSM2 token in its own mktemp -d directory (see lib.sh). Results are
# checked with tools hsmcert did not write: openssl, pkcs11-tool, p11tool,
# pkcs11-spy. Prints "ok N - name" / "not ok N - name" and finally
# "cli: N passed, N failed"; exits non-zero when any case failed.
# HSMCERT_CLI_KEEP=1 keeps the temp dirs of failed cases;
# HSMCERT_CLI_BLESS=1 rewrites the golden *.exp files.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${HSMCERT:?set HSMCERT to the absolute path of build/hsmcert}"
case $HSMCERT in /*) ;; *) HSMCERT=$(pwd)/$HSMCERT ;; esac
[ -x "$HSMCERT" ] || { echo "cli: $HSMCERT is not executable" >&2; exit 2; }
export LC_ALL=C TZ=UTC
unset HSMCERT_CONFIG SOFTHSM2_CONF

# shellcheck source=lib.sh
. "$HERE/lib.sh"

TAILSPIN_DN="CN=mail.tailspintoys.ca, O=Tailspintoys, L=Mississauga, S=Ontario, C=CA"
TAILSPIN_NAMES=mail.tailspintoys.ca,autodiscover.tailspintoys.ca

# ---------------------------------------------------------------------------
# 1. new: what lands on the token

test_new_ec_cert_has_both_names_and_state() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -text >"$T/x509.txt"
	grep -q 'DNS:mail.tailspintoys.ca' "$T/x509.txt" || fail "no DNS:mail.tailspintoys.ca"
	grep -q 'DNS:autodiscover.tailspintoys.ca' "$T/x509.txt" || fail "no DNS:autodiscover.tailspintoys.ca"
	grep -E 'Subject:.*ST = Ontario' "$T/x509.txt" >/dev/null || fail "subject lacks ST = Ontario"
	grep -E 'Subject:.*CN = mail.tailspintoys.ca' "$T/x509.txt" >/dev/null || fail "subject lacks the CN"
	grep -q 'ASN1 OID: prime256v1' "$T/x509.txt" || fail "key is not P-256"
}

test_new_key_pub_and_cert_share_id_and_label() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	objects_with_id "$KEYID" >"$T/objs"
	for kind in 'Private Key Object' 'Public Key Object' 'Certificate Object'; do
		[ "$(grep -c "^$kind" "$T/objs")" = 1 ] || fail "not exactly one '$kind' with ID $KEYID" "$(cat "$T/objs")"
	done
	[ "$(grep -c '^ *label: *mail.tailspintoys.ca$' "$T/objs")" = 3 ] ||
		fail "the three objects do not all carry the label mail.tailspintoys.ca" "$(cat "$T/objs")"
	# and nothing else is on the token
	[ "$(p11 --list-objects 2>/dev/null | grep -c 'Object')" = 3 ] || fail "more than three objects on the token"
}

test_new_private_key_never_extractable() {
	new_cert --subject "CN=ne.example.com" --key ec:p256
	access_items "$KEYID" >"$T/access"
	grep -qx 'never extractable' "$T/access" || fail "Access lacks 'never extractable'" "$(cat "$T/access")"
	! grep -qx 'extractable' "$T/access" || fail "Access says 'extractable'" "$(cat "$T/access")"
	grep -qx 'sensitive' "$T/access" || fail "Access lacks 'sensitive'"
	grep -qx 'local' "$T/access" || fail "Access lacks 'local' (not generated on the token)"
}

test_new_exportable_key_is_extractable() {
	new_cert --subject "CN=ne.example.com" --key ec:p256
	first=$KEYID
	new_cert --subject "CN=ex.example.com" --key ec:p256 --exportable
	access_items "$KEYID" >"$T/access"
	grep -qx 'extractable' "$T/access" || fail "Access lacks 'extractable'" "$(cat "$T/access")"
	! grep -qx 'never extractable' "$T/access" || fail "exportable key says 'never extractable'"
	grep -qx 'sensitive' "$T/access" || fail "exportable key is not sensitive"
	access_items "$first" | grep -qx 'never extractable' || fail "first key changed"
}

test_new_default_key_is_rsa_2048_sha256() {
	new_cert --subject "CN=rsa.example.com"
	expect_eq RSA "$(jq_py "$T/new.json" 'd["KeyAlgorithm"]')" KeyAlgorithm
	expect_eq 2048 "$(jq_py "$T/new.json" 'd["KeySize"]')" KeySize
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -text >"$T/x509.txt"
	grep -q 'Public-Key: (2048 bit)' "$T/x509.txt" || fail "not a 2048-bit key"
	grep -q 'Signature Algorithm: sha256WithRSAEncryption' "$T/x509.txt" || fail "not sha256WithRSAEncryption"
	run_ok openssl verify -CAfile "$T/cert.pem" -purpose sslserver -verify_hostname rsa.example.com "$T/cert.pem"
}

test_new_cert_extensions_for_tls_server() {
	new_cert --subject "CN=ext.example.com" --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -text >"$T/x509.txt"
	grep -A1 'X509v3 Basic Constraints: critical' "$T/x509.txt" | grep -q 'CA:FALSE' ||
		fail "basicConstraints is not critical CA:FALSE"
	grep -A1 'X509v3 Key Usage: critical' "$T/x509.txt" | grep -q 'Digital Signature' ||
		fail "keyUsage is not critical digitalSignature"
	grep -A1 'X509v3 Extended Key Usage' "$T/x509.txt" | grep -q 'TLS Web Server Authentication' ||
		fail "extendedKeyUsage lacks serverAuth"
}

test_new_p384_signs_with_sha384() {
	new_cert --subject "CN=p384.example.com" --key ec:p384
	expect_eq 384 "$(jq_py "$T/new.json" 'd["KeySize"]')" KeySize
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -text >"$T/x509.txt"
	grep -q 'NIST CURVE: P-384' "$T/x509.txt" || fail "key is not P-384"
	grep -q 'Signature Algorithm: ecdsa-with-SHA384' "$T/x509.txt" || fail "P-384 cert not signed with SHA-384"
	run_ok openssl verify -CAfile "$T/cert.pem" -purpose sslserver -verify_hostname p384.example.com "$T/cert.pem"
}

test_policy_from_config_key_types_and_max_days() {
	printf '\n[policy]\nkey-types = ec:p384\nmax-days = 30\n' >>"$CONF"
	refused 4 "key-types" new --subject "CN=pol.example.com" --key ec:p256
	refused 4 "max-days" new --subject "CN=pol.example.com" --key ec:p384 --days 31
	# the default validity is max-days when that is lower than 1825
	new_cert --subject "CN=pol.example.com" --key ec:p384
	nb=$(date -u -d "$(jq_py "$T/new.json" 'd["NotBefore"]')" +%s)
	na=$(date -u -d "$(jq_py "$T/new.json" 'd["NotAfter"]')" +%s)
	expect_eq 30 "$(((na - nb) / 86400))" "default validity under max-days = 30"
}

# ---------------------------------------------------------------------------
# 2. the certificate as a TLS client sees it

test_new_cert_verifies_as_server_for_each_name() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	for n in mail.tailspintoys.ca autodiscover.tailspintoys.ca; do
		openssl verify -CAfile "$T/cert.pem" -purpose sslserver -verify_hostname "$n" \
			"$T/cert.pem" >"$T/v" 2>&1
		grep -qx "$T/cert.pem: OK" "$T/v" || fail "openssl verify for $n:" "$(cat "$T/v")"
	done
	# and not for a name it does not carry
	! openssl verify -CAfile "$T/cert.pem" -purpose sslserver -verify_hostname www.tailspintoys.ca \
		"$T/cert.pem" >/dev/null 2>&1 || fail "verifies for www.tailspintoys.ca"
}

test_new_cert_sha256_and_16_byte_serial() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -text >"$T/x509.txt"
	grep -q 'Signature Algorithm: ecdsa-with-SHA256' "$T/x509.txt" || fail "not ecdsa-with-SHA256"
	serial=$(openssl x509 -in "$T/cert.pem" -noout -serial | sed 's/^serial=//')
	[[ $serial =~ ^[0-9A-F]{32}$ ]] || fail "serial $serial is not 16 bytes"
	expect_eq "$(echo "$serial" | tr A-F a-f)" "$(jq_py "$T/new.json" 'd["SerialNumber"]')" SerialNumber
	grep -q 'Version: 3' "$T/x509.txt" || fail "not X.509 v3"
}

test_new_ski_equals_pkcs11_id_and_sha1_of_key() {
	new_cert --subject "CN=ski.example.com" --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	ski=$(openssl x509 -in "$T/cert.pem" -noout -ext subjectKeyIdentifier |
		sed -n '2p' | tr -d ' :' | tr A-F a-f)
	expect_eq "$KEYID" "$ski" "subjectKeyIdentifier vs pkcs11 ID"
	objects_with_id "$KEYID" | grep -q 'Private Key Object' || fail "no private key with ID $KEYID"
	openssl x509 -in "$T/cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER >"$T/spki.der" ||
		fail "cannot extract the SubjectPublicKeyInfo"
	sha=$(python3 - "$T/spki.der" <<'PY'
import hashlib, sys
der = open(sys.argv[1], "rb").read()
def tlv(b, i):
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n
_, i, _ = tlv(der, 0)          # SubjectPublicKeyInfo SEQUENCE
_, _, e = tlv(der, i)          # AlgorithmIdentifier
tag, s, e = tlv(der, e)        # subjectPublicKey BIT STRING
assert tag == 0x03 and der[s] == 0
print(hashlib.sha1(der[s + 1:e]).hexdigest())
PY
)
	expect_eq "$sha" "$KEYID" "SHA-1 of the public key bits vs key id"
	aki=$(openssl x509 -in "$T/cert.pem" -noout -ext authorityKeyIdentifier |
		sed -n '2p' | sed 's/keyid://' | tr -d ' :' | tr A-F a-f)
	expect_eq "$KEYID" "$aki" "authorityKeyIdentifier of a self-signed cert"
}

# ---------------------------------------------------------------------------
# 3. list --format json

test_list_json_has_every_spec_field_typed() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	hc list --format json
	expect_rc 0
	python3 -m json.tool "$T/out" >/dev/null 2>"$T/py" || fail "list --format json is not JSON:" "$(cat "$T/py")"
	python3 - "$T/out" >"$T/py" 2>&1 <<'PY' || fail "$(cat "$T/py")"
import json, re, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc, list) and len(doc) == 1, "expected an array of one object, got %r" % (doc,)
o = doc[0]
S, B, I, L = str, bool, int, list
types = {
    "FriendlyName": S, "Subject": S, "Issuer": S, "CertificateDomains": L,
    "NotBefore": S, "NotAfter": S, "IsSelfSigned": B, "RootCAType": S,
    "Status": S, "Services": L, "Thumbprint": S, "Sha256Fingerprint": S,
    "SerialNumber": S, "KeyId": S, "KeyAlgorithm": S, "KeySize": I,
    "HasPrivateKey": B, "PrivateKeyExportable": B, "KeyProvenance": S,
    "KeyUri": S, "CertUri": S, "Chain": L,
    "Enrollment": S,    # SPEC section 9: acme, self-signed or manual
    "RenewAfter": S,    # SPEC section 9: when renew --due renews it
}
bad = []
for k, t in types.items():
    if k not in o:
        bad.append("missing " + k)
    elif type(o[k]) is not t:
        bad.append("%s is %s, want %s" % (k, type(o[k]).__name__, t.__name__))
extra = set(o) - set(types)
if extra:
    bad.append("unknown fields %s" % sorted(extra))
assert not bad, "; ".join(bad)
assert o["Enrollment"] == "self-signed", o["Enrollment"]
rfc3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
for k in ("NotBefore", "NotAfter", "RenewAfter"):
    assert re.match(rfc3339, o[k]), "%s %r is not RFC 3339 Z" % (k, o[k])
assert re.match(r"^[0-9a-f]{40}$", o["Thumbprint"]), o["Thumbprint"]
assert re.match(r"^[0-9a-f]{40}$", o["KeyId"]), o["KeyId"]
assert re.match(r"^[0-9a-f]{64}$", o["Sha256Fingerprint"]), o["Sha256Fingerprint"]
assert o["CertificateDomains"] == ["mail.tailspintoys.ca", "autodiscover.tailspintoys.ca"], o["CertificateDomains"]
assert o["Services"] == [] and o["Chain"] == [], (o["Services"], o["Chain"])
assert o["IsSelfSigned"] is True and o["RootCAType"] == "SelfSigned" and o["Status"] == "Valid"
assert o["HasPrivateKey"] is True and o["PrivateKeyExportable"] is False
assert o["KeyProvenance"] == "generated-on-token, never-extractable", o["KeyProvenance"]
assert o["KeyAlgorithm"] == "EC" and o["KeySize"] == 256, (o["KeyAlgorithm"], o["KeySize"])
assert o["KeyUri"].startswith("pkcs11:") and "type=private" in o["KeyUri"], o["KeyUri"]
assert o["CertUri"].startswith("pkcs11:") and "type=cert" in o["CertUri"], o["CertUri"]
assert o["FriendlyName"] == "mail.tailspintoys.ca", o["FriendlyName"]
PY
}

test_list_json_matches_openssl_fingerprints_and_dates() {
	new_cert --subject "CN=fp.example.com" --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	hc list --format json
	expect_rc 0
	sha1=$(openssl x509 -in "$T/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr A-F a-f)
	sha256=$(openssl x509 -in "$T/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
	expect_eq "$sha1" "$(jq_py "$T/out" 'd[0]["Thumbprint"]')" "Thumbprint vs openssl -fingerprint -sha1"
	expect_eq "$sha256" "$(jq_py "$T/out" 'd[0]["Sha256Fingerprint"]')" "Sha256Fingerprint vs openssl"
	for w in start end; do
		od=$(openssl x509 -in "$T/cert.pem" -noout -${w}date | sed 's/^[a-zA-Z]*=//')
		rfc=$(date -u -d "$od" +%Y-%m-%dT%H:%M:%SZ)
		f=NotBefore; [ $w = end ] && f=NotAfter
		expect_eq "$rfc" "$(jq_py "$T/out" "d[0][\"$f\"]")" "$f vs openssl -${w}date"
	done
	# default validity: 1825 days
	nb=$(date -u -d "$(jq_py "$T/out" 'd[0]["NotBefore"]')" +%s)
	na=$(date -u -d "$(jq_py "$T/out" 'd[0]["NotAfter"]')" +%s)
	expect_eq 1825 "$(((na - nb) / 86400))" "default validity in days"
}

test_list_json_empty_token_is_empty_array() {
	hc list --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "list on an empty token"
}

test_list_table_golden() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	hc list
	expect_rc 0
	expect_golden list "$T/out"
}

test_list_sorted_by_not_after_orphan_last() {
	new_cert --subject "CN=late.example.com" --key ec:p256 --days 30
	late=$THUMB
	run_ok p11 --keypairgen --key-type EC:prime256v1 --id "$(printf 'ab%.0s' {1..20})" --label orphan
	new_cert --subject "CN=early.example.com" --key ec:p256 --days 5
	early=$THUMB
	hc list --format json
	expect_rc 0
	expect_eq "$early $late abababababababababababababababababababab" \
		"$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list order"
	expect_eq OrphanKey "$(jq_py "$T/out" 'd[2]["Status"]')" "orphan key status"
}

# ---------------------------------------------------------------------------
# 4. show

test_show_prefix_plain_colons_uppercase() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	p8=${THUMB:0:8}
	colons=$(echo "$p8" | sed -E 's/(..)(..)(..)(..)/\1:\2:\3:\4/')
	upper=$(echo "$colons" | tr a-f A-F)
	for id in "$p8" "$colons" "$upper" "$THUMB"; do
		hc show "$id"
		expect_rc 0 "show $id"
		expect_out_re 'KeyProvenance +: generated-on-token, never-extractable'
		expect_out_re "^Thumbprint +: $THUMB\$"
		expect_out_re '^FriendlyName +: mail.tailspintoys.ca$'
	done
}

test_show_exportable_provenance() {
	new_cert --subject "CN=ex.example.com" --key ec:p256 --exportable
	hc show "${THUMB:0:8}"
	expect_rc 0
	expect_out_re 'KeyProvenance +: generated-on-token, exportable$'
	expect_out_re 'PrivateKeyExportable +: True$'
}

test_show_json_is_one_object() {
	new_cert --subject "CN=one.example.com" --key ec:p256
	hc show "${THUMB:0:10}" --format json
	expect_rc 0
	expect_eq dict "$(jq_py "$T/out" 'type(d).__name__')" "show --format json type"
	expect_eq "$THUMB" "$(jq_py "$T/out" 'd["Thumbprint"]')" Thumbprint
	expect_eq "generated-on-token, never-extractable" "$(jq_py "$T/out" 'd["KeyProvenance"]')" KeyProvenance
}

test_show_list_format_golden() {
	new_cert --subject "$TAILSPIN_DN" --domain "$TAILSPIN_NAMES" --key ec:p256
	hc show "${THUMB:0:8}"
	expect_rc 0
	expect_golden show "$T/out"
}

# ---------------------------------------------------------------------------
# 5. ID rules

test_id_prefix_under_6_digits_is_usage_error() {
	new_cert --subject "CN=id.example.com" --key ec:p256
	refused 2 "${THUMB:0:5}" show "${THUMB:0:5}"
	expect_err "at least 6"
	refused 2 "${THUMB:0:2}:${THUMB:2:2}:${THUMB:4:1}" show "${THUMB:0:2}:${THUMB:2:2}:${THUMB:4:1}"
}

test_id_non_hex_is_usage_error() {
	new_cert --subject "CN=id.example.com" --key ec:p256
	refused 2 "'g'" show "${THUMB:0:6}g"
	expect_err "${THUMB:0:6}g"
	refused 2 "zzzzzzzz" show zzzzzzzz
}

test_id_no_match_names_the_id() {
	new_cert --subject "CN=id.example.com" --key ec:p256
	other=000000; [ "${THUMB:0:6}" = 000000 ] && other=ffffff
	refused 3 "'$other'" show "$other"
	expect_err "no certificate, request or key matches"
	# the key id of a certificate is not one of its identifiers (SPEC 1)
	refused 3 "'${KEYID:0:8}'" show "${KEYID:0:8}"
}

# No two certificates share 6 hex digits in a cheap number of tries (16^6),
# so the second match is an orphan key made with pkcs11-tool whose CKA_ID
# (40 hex digits) starts like the certificate's thumbprint.
test_id_ambiguous_prefix_lists_both() {
	new_cert --subject "CN=amb.example.com" --key ec:p256
	orphan=${THUMB:0:8}$(printf '0%.0s' {1..32})
	[ "$orphan" = "$THUMB" ] && orphan=${THUMB:0:8}$(printf '1%.0s' {1..32})
	run_ok p11 --keypairgen --key-type EC:prime256v1 --id "$orphan" --label orphan
	refused 3 "ambiguous" show "${THUMB:0:8}"
	expect_err "${THUMB:0:8}"
	expect_err "$THUMB"
	expect_err "$orphan"
	# a longer prefix picks one
	hc show "$THUMB"
	expect_rc 0
	hc show "$orphan"
	expect_rc 0
	expect_out_re '^Status +: OrphanKey$'
}

# Same with keys made by another tool with short CKA_IDs (6 bytes). Two of
# them, so that whatever order the token enumerates the objects in, a
# short id comes before another match.
test_id_ambiguous_prefix_lists_short_foreign_key_ids() {
	new_cert --subject "CN=amb.example.com" --key ec:p256
	o1=${THUMB:0:8}aaaa o2=${THUMB:0:8}bbbb
	run_ok p11 --keypairgen --key-type EC:prime256v1 --id "$o1" --label orphan1
	run_ok p11 --keypairgen --key-type EC:prime256v1 --id "$o2" --label orphan2
	refused 3 "ambiguous, 3 match" show "${THUMB:0:8}"
	expect_err "$o1"
	expect_err "$o2"
	expect_err "$THUMB"
}

# A key with neither certificate nor request: SPEC says a field that does
# not apply is null.
test_show_json_orphan_key_fields() {
	id=$(printf 'ef%.0s' {1..20})
	run_ok p11 --keypairgen --key-type EC:prime256v1 --id "$id" --label lonely
	hc show "${id:0:8}" --format json
	expect_rc 0
	python3 - "$T/out" "$id" >"$T/py" 2>&1 <<'PY' || fail "$(cat "$T/py")"
import json, sys
o, kid = json.load(open(sys.argv[1])), sys.argv[2]
assert o["Status"] == "OrphanKey", o["Status"]
assert o["Thumbprint"] == kid and o["KeyId"] == kid, (o["Thumbprint"], o["KeyId"])
assert o["FriendlyName"] == "lonely", o["FriendlyName"]
assert o["HasPrivateKey"] is True, o["HasPrivateKey"]
assert o["KeyAlgorithm"] == "EC" and o["KeySize"] == 256
assert o["CertificateDomains"] == [] and o["Services"] == [] and o["Chain"] == []
assert o["KeyUri"].startswith("pkcs11:") and "type=private" in o["KeyUri"], o["KeyUri"]
notnull = [k for k in ("Subject", "Issuer", "NotBefore", "NotAfter", "IsSelfSigned",
                       "RootCAType", "Sha256Fingerprint", "SerialNumber", "CertUri")
           if o[k] is not None]
assert not notnull, "not null for an orphan key: " + ", ".join("%s=%r" % (k, o[k]) for k in notnull)
PY
}

test_id_longer_than_40_digits_is_usage_error() {
	new_cert --subject "CN=id.example.com" --key ec:p256
	refused 2 "${THUMB}0" show "${THUMB}0"
}

# ---------------------------------------------------------------------------
# 6. policy and input refusals leave the token unchanged

test_new_refuses_rsa_1024_min_rsa_bits() {
	new_cert --subject "CN=keep.example.com" --key ec:p256
	refused 4 "min-rsa-bits" new --subject "CN=weak.example.com" --key rsa:1024
	expect_err "rsa:1024"
}

test_new_refuses_ec_p521_key_types() {
	refused 4 "key-types" new --subject "CN=big.example.com" --key ec:p521
	expect_err "ec:p521"
}

test_new_refuses_days_over_max_days() {
	refused 4 "max-days" new --subject "CN=long.example.com" --key ec:p256 --days 4000
	expect_err "4000"
}

test_new_refuses_bad_country() {
	refused 2 "C must be a two-letter" new --subject "C=Canada, CN=x" --key ec:p256
	expect_err "Canada"
	expect_err "position"
}

test_new_refuses_unknown_dn_attribute() {
	refused 2 "'Q'" new --subject "CN=a, Q=b" --key ec:p256
	expect_err "subject"
}

test_new_refuses_double_dot_name() {
	refused 2 "'mail..x.com'" new --subject "CN=x.example.com" --domain mail..x.com --key ec:p256
}

test_new_refuses_bad_dns_names() {
	for n in -mail.x.com mail-.x.com 'mail.*.x.com' 'a_b.x.com' \
		"$(printf 'a%.0s' {1..64}).x.com"; do
		refused 2 "'$n'" new --subject "CN=x.example.com" --domain "$n" --key ec:p256
	done
}

test_new_refuses_missing_subject() {
	refused 2 "subject" new --domain x.example.com --key ec:p256
}

test_new_subject_escaped_and_quoted_comma() {
	new_cert --subject 'CN=esc.example.com, O=Tailspin\, Inc, ST=Quebec' --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -subject -nameopt RFC2253 >"$T/subj"
	grep -qF 'O=Tailspin\, Inc' "$T/subj" || fail "escaped comma lost:" "$(cat "$T/subj")"
	grep -qF 'ST=Quebec' "$T/subj" || fail "ST lost:" "$(cat "$T/subj")"
	new_cert --subject 'cn=q.example.com, o="Tailspin, Inc", s=Quebec' --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -subject -nameopt RFC2253 >"$T/subj"
	grep -qF 'O=Tailspin\, Inc' "$T/subj" || fail "quoted comma lost:" "$(cat "$T/subj")"
	grep -qF 'CN=q.example.com' "$T/subj" || fail "lowercase cn= lost:" "$(cat "$T/subj")"
}

# ---------------------------------------------------------------------------
# 7. wrong PIN

test_wrong_pin_exit_6_one_login_then_right_pin_works() {
	new_cert --subject "CN=pin.example.com" --key ec:p256
	snapshot "$T/snap.before"
	echo 000000 >"$T/bad.pin"
	chmod 600 "$T/bad.pin"
	PKCS11SPY=$MODULE PKCS11SPY_OUTPUT=$T/spy.log \
		hc --module "$SPY" --pin-source "file:$T/bad.pin" list
	expect_rc 6 "wrong PIN"
	expect_err "PIN"
	[ -z "$OUT" ] || fail "stdout not empty after a wrong PIN"
	[ -s "$T/spy.log" ] || fail "pkcs11-spy wrote no log: hsmcert did not use --module"
	expect_eq 1 "$(grep -cE '^[0-9]+: C_Login$' "$T/spy.log")" "C_Login calls"
	grep -q 'CKR_PIN_INCORRECT' "$T/spy.log" || fail "the token never said CKR_PIN_INCORRECT"
	expect_token_unchanged "$T/snap.before"
	# SoftHSM2 resets its counter on a good login
	hc list
	expect_rc 0 "right PIN after a wrong one"
	expect_out "$THUMB"
}

# ---------------------------------------------------------------------------
# 8. PIN sources

test_pin_source_env_unset_is_usage_error() {
	unset HSMCERT_TEST_UNSET_PIN
	refused 2 "HSMCERT_TEST_UNSET_PIN" list --pin-source env:HSMCERT_TEST_UNSET_PIN
}

test_pin_source_env_works() {
	new_cert --subject "CN=env.example.com" --key ec:p256
	HSMCERT_TEST_ENV_PIN=$(cat "$T/user.pin") hc list --pin-source env:HSMCERT_TEST_ENV_PIN
	expect_rc 0
	expect_out "$THUMB"
}

test_pin_source_empty_file_is_usage_error() {
	: >"$T/empty.pin"
	chmod 600 "$T/empty.pin"
	refused 2 "$T/empty.pin" list --pin-source "file:$T/empty.pin"
}

test_pin_source_missing_file_is_usage_error() {
	refused 2 "$T/nope.pin" list --pin-source "file:$T/nope.pin"
}

test_no_pin_source_no_terminal_is_usage_error() {
	NO_PIN_SOURCE=1 write_conf "$T/nopin.conf"
	snapshot "$T/snap.before"
	timeout 60 setsid -w "$HSMCERT" --config "$T/nopin.conf" list >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	expect_rc 2 "no pin-source, no terminal"
	expect_err "pin-source"
	[ ! -s "$T/out" ] || fail "stdout not empty"
	expect_token_unchanged "$T/snap.before"
}

# ---------------------------------------------------------------------------
# 9. configuration

test_config_unknown_key_names_file_and_line() {
	{ echo "[token]"; echo "module = $MODULE"; echo "label = $LABEL"; echo "colour = blue"; } >"$T/bad.conf"
	refused_raw 2 "$T/bad.conf:4" --config "$T/bad.conf" list
	expect_err "colour"
}

test_config_unknown_section_is_usage_error() {
	cp "$CONF" "$T/bad.conf"
	printf '\n[tokens]\nlabel = t\n' >>"$T/bad.conf"
	line=$(grep -n '^\[tokens\]' "$T/bad.conf" | cut -d: -f1)
	refused_raw 2 "$T/bad.conf:$line" --config "$T/bad.conf" list
	expect_err "tokens"
}

test_config_missing_file_is_usage_error() {
	refused_raw 2 "$T/missing.conf" --config "$T/missing.conf" list
	HSMCERT_CONFIG=$T/missing-env.conf refused_raw 2 "$T/missing-env.conf" list
}

test_config_directory_is_usage_error() {
	mkdir "$T/conf.d"
	refused_raw 2 "$T/conf.d" --config "$T/conf.d" list
}

test_config_relative_paths_from_config_dir() {
	new_cert --subject "CN=rel.example.com" --key ec:p256
	mkdir "$T/etc"
	{
		echo "[token]"; echo "module = $MODULE"; echo "label = $LABEL"
		echo "pin-source = file:../user.pin"; echo "softhsm2-conf = ../softhsm2.conf"
		echo "[paths]"; echo "state-dir = ../state"
	} >"$T/etc/rel.conf"
	(cd / && env -u SOFTHSM2_CONF timeout 60 "$HSMCERT" --config "$T/etc/rel.conf" list \
		>"$T/out" 2>"$T/err" </dev/null)
	RC=$?
	expect_rc 0 "relative paths"
	expect_out "$THUMB"
}

# SPEC 7: errors reach stderr as "hsmcert: error: ...", nothing else.
test_missing_module_is_one_hsmcert_error() {
	refused 2 "$T/no-such-module.so" list --module "$T/no-such-module.so"
	bad=$(grep -v '^hsmcert: ' "$T/err")
	[ -z "$bad" ] || fail "stderr has lines hsmcert did not format:" "$bad"
}

# ---------------------------------------------------------------------------
# 10-11. consumers: the OpenSSL pkcs11 engine and GnuTLS p11tool

test_key_uri_signs_with_openssl_engine() {
	new_cert --subject "CN=engine.example.com" --key ec:p256
	hc list --format json
	expect_rc 0
	uri=$(jq_py "$T/out" 'd[0]["KeyUri"]')
	case $uri in *pin-value*|*"$(cat "$T/user.pin")"*) fail "KeyUri carries the PIN" ;; esac
	(
		umask 077
		cat >"$T/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
PIN = $(cat "$T/user.pin")
init = 0
EOF
	)
	cert_from_token "$KEYID" "$T/cert.pem"
	run_ok openssl x509 -in "$T/cert.pem" -noout -pubkey -out "$T/pub.pem"
	echo "signed on the token by hsmcert's key" >"$T/data"
	OPENSSL_CONF=$T/openssl.cnf run_ok openssl dgst -sha256 -engine pkcs11 -keyform engine \
		-sign "$uri" -out "$T/sig" "$T/data"
	openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" >"$T/v" 2>&1
	grep -qx 'Verified OK' "$T/v" || fail "signature does not verify:" "$(cat "$T/v")"
}

test_p11tool_sees_cert_with_friendly_name() {
	new_cert --subject "CN=gnutls.example.com" --key ec:p256 --friendly-name "GnuTLS sees me"
	p11tool --provider "$MODULE" --list-all-certs "pkcs11:token=$LABEL" >"$T/p11tool" 2>&1 ||
		fail "p11tool --list-all-certs failed" "$(cat "$T/p11tool")"
	grep -q 'Label: GnuTLS sees me$' "$T/p11tool" || fail "p11tool shows no label 'GnuTLS sees me'" "$(cat "$T/p11tool")"
	id=$(grep -m1 'ID:' "$T/p11tool" | sed 's/.*ID: *//; s/://g')
	expect_eq "$KEYID" "$id" "p11tool ID"
	# the private key, after login through GNUTLS_PIN
	GNUTLS_PIN=$(cat "$T/user.pin") p11tool --provider "$MODULE" --login --list-privkeys \
		"pkcs11:token=$LABEL" >"$T/p11tool" 2>&1 || fail "p11tool --list-privkeys failed" "$(cat "$T/p11tool")"
	grep -q 'Label: GnuTLS sees me$' "$T/p11tool" || fail "p11tool: no private key labelled 'GnuTLS sees me'" "$(cat "$T/p11tool")"
	# the CertUri from hsmcert is one GnuTLS accepts
	curi=$(jq_py "$T/new.json" 'd["CertUri"]')
	p11tool --provider "$MODULE" --export "$curi" >"$T/exported.pem" 2>"$T/p11tool.err" ||
		fail "p11tool --export CertUri failed" "$(cat "$T/p11tool.err")"
	cert_from_token "$KEYID" "$T/cert.pem"
	cmp -s <(openssl x509 -in "$T/exported.pem" -outform der) "$T/cert.der" ||
		fail "p11tool exported another certificate for CertUri"
}

# ---------------------------------------------------------------------------
# 12. list filters

test_list_filter_domain_matches_wildcard() {
	new_cert --subject "CN=*.contoso.com" --key ec:p256
	wild=$THUMB
	new_cert --subject "CN=mail.fabrikam.com" --key ec:p256
	other=$THUMB
	hc list --domain a.contoso.com
	expect_rc 0
	expect_out "$wild"
	refute_out "$other"
	hc list --domain mail.fabrikam.com
	expect_rc 0
	expect_out "$other"
	refute_out "$wild"
	# a wildcard covers one label only
	hc list --domain a.b.contoso.com
	expect_rc 0
	refute_out "$wild"
	hc list --domain MAIL.FABRIKAM.COM
	expect_rc 0
	expect_out "$other"
}

test_list_filter_self_signed_and_status_valid() {
	new_cert --subject "CN=ss.example.com" --key ec:p256
	run_ok p11 --keypairgen --key-type EC:prime256v1 --id "$(printf 'cd%.0s' {1..20})" --label orphan
	hc list --self-signed --format json
	expect_rc 0
	expect_eq "$THUMB" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "--self-signed"
	hc list --status Valid --format json
	expect_rc 0
	expect_eq "$THUMB" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "--status Valid"
	hc list --status OrphanKey --format json
	expect_rc 0
	expect_eq "$(printf 'cd%.0s' {1..20})" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "--status OrphanKey"
	hc list --status Expired --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "--status Expired"
}

test_list_filter_expiring() {
	new_cert --subject "CN=long.example.com" --key ec:p256
	long=$THUMB
	hc list --expiring 10
	expect_rc 0
	refute_out "$long"
	new_cert --subject "CN=short.example.com" --key ec:p256 --days 5
	short=$THUMB
	hc list --expiring 10
	expect_rc 0
	expect_out "$short"
	refute_out "$long"
	hc list --expiring 4
	expect_rc 0
	refute_out "$short"
}

test_list_filter_thumbprint_prefix() {
	new_cert --subject "CN=tp1.example.com" --key ec:p256
	a=$THUMB
	new_cert --subject "CN=tp2.example.com" --key ec:p256
	b=$THUMB
	[ "${a:0:6}" != "${b:0:6}" ] || return 0 # 1 in 16^6
	hc list --thumbprint "${a:0:6}"
	expect_rc 0
	expect_out "$a"
	refute_out "$b"
	hc list --thumbprint "$(echo "${b:0:8}" | tr a-f A-F)"
	expect_rc 0
	expect_out "$b"
	refute_out "$a"
}

test_list_filter_bad_status_is_usage_error() {
	refused 2 "Bogus" list --status Bogus
}

# ---------------------------------------------------------------------------
# 13. names

test_names_include_autodiscover_of_subdomain() {
	new_cert --subject "CN=mail.emea.tailspintoys.ca" --domain mail.emea.tailspintoys.ca \
		--include-autodiscover --key ec:p256
	expect_eq '["mail.emea.tailspintoys.ca", "autodiscover.emea.tailspintoys.ca"]' \
		"$(jq_py "$T/new.json" 'd["CertificateDomains"]')" CertificateDomains
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -ext subjectAltName >"$T/san"
	grep -q 'DNS:autodiscover.emea.tailspintoys.ca' "$T/san" || fail "SAN lacks autodiscover.emea" "$(cat "$T/san")"
}

test_names_duplicates_case_insensitive() {
	new_cert --subject "CN=x.example.com" --domain MAIL.x.com,mail.x.com --key ec:p256
	expect_eq '["x.example.com", "MAIL.x.com"]' "$(jq_py "$T/new.json" 'd["CertificateDomains"]')" CertificateDomains
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -ext subjectAltName >"$T/san"
	expect_eq 1 "$(grep -io 'DNS:mail.x.com' "$T/san" | wc -l)" "mail.x.com in the SAN"
	# the CN is not repeated when a --domain spells it differently
	new_cert --subject "CN=MAIL.y.com" --domain mail.y.com --key ec:p256
	expect_eq '["mail.y.com"]' "$(jq_py "$T/new.json" 'd["CertificateDomains"]')" "CN among the domains"
}

test_names_single_label_warns_and_is_in_cert() {
	new_cert --subject "CN=mail.x.com" --domain Ex2007EE --key ec:p256
	grep -q '^hsmcert: warning: .*Ex2007EE' "$T/err" || fail "no 'hsmcert: warning:' naming Ex2007EE" "$(cat "$T/err")"
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -ext subjectAltName >"$T/san"
	grep -q 'DNS:Ex2007EE' "$T/san" || fail "SAN lacks Ex2007EE" "$(cat "$T/san")"
}

test_names_internal_name_warns() {
	new_cert --subject "CN=mail.x.com" --domain exch01.corp.local --key ec:p256
	grep -q '^hsmcert: warning: .*exch01.corp.local' "$T/err" || fail "no warning for .local" "$(cat "$T/err")"
}

test_names_ip_address_in_san() {
	new_cert --subject "CN=mail.x.com" --domain 192.0.2.10 --include-autodiscover --key ec:p256
	cert_from_token "$KEYID" "$T/cert.pem"
	openssl x509 -in "$T/cert.pem" -noout -ext subjectAltName >"$T/san"
	grep -q 'IP Address:192.0.2.10' "$T/san" || fail "SAN lacks IP Address:192.0.2.10" "$(cat "$T/san")"
	grep -q 'DNS:autodiscover.x.com' "$T/san" || fail "SAN lacks autodiscover.x.com" "$(cat "$T/san")"
	! grep -q 'autodiscover.*192' "$T/san" || fail "an IP address gave an autodiscover name"
}

test_json_output_is_pure_with_warnings() {
	new_cert --subject "CN=mail.x.com" --domain Ex2007EE --key ec:p256
	python3 -m json.tool "$T/new.json" >/dev/null 2>&1 || fail "stdout of new --format json is not one JSON document"
	grep -q '^hsmcert: warning:' "$T/err" || fail "warning missing on stderr"
}

# ---------------------------------------------------------------------------
# 14. help and command line

test_help_new_shows_subject() {
	hc_raw help new
	expect_rc 0
	expect_out "--subject"
	expect_out "usage: hsmcert new"
}

test_new_help_shows_subject() {
	hc_raw new --help
	expect_rc 0
	expect_out "--subject"
	# --help works with a configuration too, and touches nothing
	snapshot "$T/snap.before"
	hc new --help
	expect_rc 0
	expect_out "--subject"
	expect_token_unchanged "$T/snap.before"
}

test_help_lists_commands() {
	hc_raw --help
	expect_rc 0
	for c in new list show help; do expect_out_re "^  $c "; done
	for c in list show; do
		hc_raw help $c
		expect_rc 0 "help $c"
		expect_out "usage: hsmcert $c"
		hc_raw $c --help
		expect_rc 0 "$c --help"
		expect_out "usage: hsmcert $c"
	done
}

test_unknown_command_is_usage_error() {
	refused 2 "frobnicate" frobnicate
	hc_raw help frobnicate
	expect_rc 2 "help of an unknown command"
	expect_err "frobnicate"
}

test_unknown_option_is_usage_error() {
	refused 2 "--colour" list --colour
	refused 2 "--bogus" new --subject "CN=x.example.com" --key ec:p256 --bogus
}

test_global_option_before_and_after_command() {
	new_cert --subject "CN=g.example.com" --key ec:p256
	hc_raw --config "$CONF" list
	expect_rc 0 "--config before list"
	expect_out "$THUMB"
	hc_raw list --config "$CONF"
	expect_rc 0 "--config after list"
	expect_out "$THUMB"
	HSMCERT_CONFIG=$CONF hc_raw list
	expect_rc 0 "HSMCERT_CONFIG"
	expect_out "$THUMB"
	hc_raw --format json list --config "$CONF"
	expect_rc 0
	expect_eq "$THUMB" "$(jq_py "$T/out" 'd[0]["Thumbprint"]')" "--format json before the command"
	hc_raw show --config "$CONF" "${THUMB:0:8}" --pin-source "file:$T/user.pin" --format json
	expect_rc 0 "options around show's ID"
	expect_eq "$THUMB" "$(jq_py "$T/out" 'd["Thumbprint"]')" "show with options around the ID"
	hc_raw --token "$LABEL" --module "$MODULE" list --config "$CONF"
	expect_rc 0 "--token --module before the command"
	expect_out "$THUMB"
}

# ---------------------------------------------------------------------------
# 15. friendly names

test_friendly_name_65_chars_refused() {
	n65=$(printf 'f%.0s' {1..65})
	refused 2 "friendly-name" new --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$n65"
	expect_err "65"
	n64=$(printf 'f%.0s' {1..64})
	new_cert --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$n64"
	expect_eq "$n64" "$(jq_py "$T/new.json" 'd["FriendlyName"]')" "64-character friendly name"
}

test_friendly_name_utf8_counts_characters() {
	n64=$(python3 -c 'print("é" * 64)')
	new_cert --subject "CN=fn.example.com" --key ec:p256 --friendly-name "$n64"
	expect_eq "$n64" "$(jq_py "$T/new.json" 'd["FriendlyName"]')" "64 UTF-8 characters"
	n65=$(python3 -c 'print("é" * 65)')
	refused 2 "friendly-name" new --subject "CN=fn2.example.com" --key ec:p256 --friendly-name "$n65"
}

test_friendly_name_with_spaces_labels_all_objects() {
	new_cert --subject "CN=label.example.com" --key ec:p256 --friendly-name "Tailspin Mail 2026"
	objects_with_id "$KEYID" >"$T/objs"
	expect_eq 3 "$(grep -c '^ *label: *Tailspin Mail 2026$' "$T/objs")" "objects labelled 'Tailspin Mail 2026'"
	expect_eq 3 "$(grep -c '^[A-Za-z].*Object' "$T/objs")" "objects with the key id"
	hc show "${THUMB:0:8}"
	expect_rc 0
	expect_out_re '^FriendlyName +: Tailspin Mail 2026$'
	expect_out "object=Tailspin%20Mail%202026"
}

# ---------------------------------------------------------------------------
# driver

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/hsmcert-cli.XXXXXX") || exit 2
trap 'rm -rf "$ROOT"' EXIT
trap 'exit 130' INT TERM

# more cases live in cases_*.sh beside this file, one file per area
for f in "$HERE"/cases_*.sh; do
	[ -e "$f" ] || continue
	# shellcheck source=/dev/null
	. "$f"
done
mapfile -t all < <(sed -nE 's/^(test_[a-z0-9_]+)\(\) *\{.*/\1/p' "$0" "$HERE"/cases_*.sh 2>/dev/null)
tests=()
for t in "${all[@]}"; do
	if [ $# -eq 0 ]; then
		tests+=("$t")
	else
		for p in "$@"; do case $t in *"$p"*) tests+=("$t"); break ;; esac; done
	fi
done

# run_case N NAME: one case in a subshell, its TAP lines into
# $ROOT/NAME.tap (the case's own directory is named in .case_dir.NAME by
# fresh_case, so cases running at once never take each other's)
run_case() {
	local n=$1 t=$2 log=$ROOT/$2.log out=$ROOT/$2.tap rc dir kept
	rm -f "$ROOT/.case_dir.$t"
	(CASE_NAME=$t; fresh_case; "$t"; exit 0) >"$log" 2>&1
	rc=$?
	dir=$(cat "$ROOT/.case_dir.$t" 2>/dev/null)
	[ -n "$dir" ] && [ -e "$dir" ] || dir=
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $t" >"$out"
		[ -n "$dir" ] && rm -rf "$dir"
	elif [ "$rc" -eq 77 ] && [ -n "$dir" ] && [ -s "$dir/skip" ]; then
		echo "ok $n - $t # SKIP $(cat "$dir/skip")" >"$out"
		rm -rf "$dir"
	else
		{
			echo "not ok $n - $t"
			sed 's/^\([^#]\)/# \1/' "$log"
		} >"$out"
		if [ -n "$dir" ] && [ "${HSMCERT_CLI_KEEP:-0}" = 1 ]; then
			kept=$(mktemp -d "${TMPDIR:-/tmp}/hsmcert-cli-$t.XXXXXX")
			mv "$dir"/* "$kept"/ && echo "# kept in $kept" >>"$out"
		fi
		[ -n "$dir" ] && rm -rf "$dir"
	fi
	rm -f "$log"
	: >"$ROOT/$t.done"
}

# report_case NAME: its TAP lines, counted
report_case() {
	local out=$ROOT/$1.tap
	cat "$out"
	case $(head -n 1 "$out") in
	"not ok"*) nfail=$((nfail + 1)) ;;
	*"# SKIP"*) nskip=$((nskip + 1)) ;;
	*) pass=$((pass + 1)) ;;
	esac
	rm -f "$out" "$ROOT/$1.done"
}

# HSMCERT_CLI_JOBS cases at once (default 2): every case has its own
# token, state directory, ports and servers. The results are printed in
# the cases' order.
jobs=${HSMCERT_CLI_JOBS:-2}
start=$(date +%s)
pass=0 nfail=0 nskip=0 n=0 next=0
echo "1..${#tests[@]}"
declare -A running=()
for t in "${tests[@]}"; do
	n=$((n + 1))
	while [ "${#running[@]}" -ge "$jobs" ]; do
		wait -n 2>/dev/null || true
		for pid in "${!running[@]}"; do
			kill -0 "$pid" 2>/dev/null || unset "running[$pid]"
		done
	done
	run_case "$n" "$t" &
	running[$!]=$t
	# what has finished, in the cases' order
	while [ "$next" -lt "$n" ] && [ -e "$ROOT/${tests[$next]}.done" ]; do
		report_case "${tests[$next]}"
		next=$((next + 1))
	done
done
wait
while [ "$next" -lt "$n" ]; do
	report_case "${tests[$next]}"
	next=$((next + 1))
done
echo "# $(($(date +%s) - start)) s"
skipped=
[ "$nskip" -gt 0 ] && skipped=", $nskip skipped"
echo "cli: $pass passed, $nfail failed$skipped"
[ "$nfail" -eq 0 ]
