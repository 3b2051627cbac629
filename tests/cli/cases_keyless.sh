# tests/cli/cases_keyless.sh - a certificate whose private key is gone from
# the token (SPEC section 10: "A certificate without its key is still a
# certificate"): listed with HasPrivateKey false, shown, verify FAILs its
# private key check, a PFX export is refused, remove archives and deletes
# it (sourced by run.sh; every test_* function runs on a fresh token, see
# lib.sh).
#
# The key is deleted behind hsmcert's back with pkcs11-tool, as an
# administrator or another tool can; the results are read back with
# pkcs11-tool and openssl.

# shellcheck shell=bash disable=SC2154,SC2153 # T, CONF, RC, THUMB ... come from lib.sh

# kl_delete_key KEYID [pub]: pkcs11-tool deletes the private key of KEYID
# (with "pub", the public key too); the certificate stays.
kl_delete_key() {
	run_ok p11 --delete-object --type privkey --id "$1"
	[ "${2:-}" != pub ] || run_ok p11 --delete-object --type pubkey --id "$1"
	objects_with_id "$1" >"$T/objs"
	! grep -q '^Private Key Object' "$T/objs" || fail "pkcs11-tool left the private key of $1:" "$(cat "$T/objs")"
	grep -q '^Certificate Object' "$T/objs" || fail "the certificate of $1 is gone too:" "$(cat "$T/objs")"
	if [ "${2:-}" = pub ]; then
		! grep -q '^Public Key Object' "$T/objs" || fail "pkcs11-tool left the public key of $1"
	fi
}

# kl_expect_keyless: the certificate THUMB of key id KEYID, whose private
# key is gone, is what list, show and report describe, with HasPrivateKey
# false and the key's fields null; it is not a CA certificate. show by a
# prefix works both through a fresh read and through the index.
kl_expect_keyless() {
	hc show "${THUMB:0:10}" --format json
	expect_rc 0 "show ${THUMB:0:10} of a certificate without its key (no index yet)"
	expect_eq "$THUMB" "$(jq_py "$T/out" 'd["Thumbprint"]')" "show: Thumbprint"
	hc list --format json
	expect_rc 0 "list"
	cp "$T/out" "$T/list.json"
	expect_eq "$THUMB" "$(jq_py "$T/list.json" '" ".join(x["Thumbprint"] for x in d)')" "list: the certificate without its key"
	expect_eq false "$(jq_py "$T/list.json" 'd[0]["HasPrivateKey"]')" "list: HasPrivateKey"
	expect_eq "$KEYID" "$(jq_py "$T/list.json" 'd[0]["KeyId"]')" "list: KeyId"
	for f in PrivateKeyExportable KeyProvenance KeyUri; do
		expect_eq null "$(jq_py "$T/list.json" 'd[0]["'$f'"]')" "list: $f"
	done
	[ "$(jq_py "$T/list.json" 'd[0]["CertUri"]')" != null ] || fail "list: CertUri is null"
	hc list
	expect_rc 0 "list (table)"
	grep -q "^$THUMB " "$T/out" || fail "the table does not list $THUMB:" "$OUT"
	hc list --ca --format json
	expect_rc 0 "list --ca"
	! grep -q "$THUMB" "$T/out" || fail "list --ca shows the certificate without its key as a CA certificate:" "$OUT"
	# again by a prefix: now through the index list wrote
	hc show "${THUMB:0:10}" --format json
	expect_rc 0 "show ${THUMB:0:10} (through the index)"
	expect_eq false "$(jq_py "$T/out" 'd["HasPrivateKey"]')" "show: HasPrivateKey"
	expect_eq null "$(jq_py "$T/out" 'd["KeyProvenance"]')" "show: KeyProvenance"
	hc show "$THUMB"
	expect_rc 0 "show (list format)"
	expect_out_re '^HasPrivateKey +: False$'
	hc report --format json
	expect_rc 0 "report"
	expect_eq '[["certificate", null]]' \
		"$(jq_py "$T/out" '[[x["Kind"], x["KeyProvenance"]] for x in d["Items"] if x["Thumbprint"] == "'"$THUMB"'"]')" \
		"report: the certificate, without key provenance"
	hc report
	expect_rc 0 "report (text)"
	grep -q "no private key" "$T/out" || fail "the text report does not say 'no private key':" "$OUT"
}

# kl_expect_verify_fails: verify THUMB exits 5 with a FAIL line for the
# private key, and changes nothing on the token.
kl_expect_verify_fails() {
	snapshot "$T/snap.before"
	hc verify "$THUMB"
	expect_rc 5 "verify of a certificate without its key"
	expect_out_re '^ *FAIL +private key +.*not on token'
	expect_err "hsmcert: error:"
	expect_err "private key"
	! grep -qE '^ *(ok|FAIL) +key pairing' "$T/out" || fail "verify claims a key pairing result without a key:" "$OUT"
	expect_token_unchanged "$T/snap.before"
}

# kl_expect_export: a PFX is refused (exit 3, nothing written), the chain
# alone is exported.
kl_expect_export() {
	refused 3 "private key of $THUMB is not on this token" export "$THUMB" \
		--out "$T/k.pfx" --password-source env:KY_PW
	expect_no_file "$T/k.pfx"
	hc export "$THUMB" --cert-only --out "$T/k-chain.pem"
	expect_rc 0 "export --cert-only of a certificate without its key"
	expect_eq "$THUMB" "$(x509_thumb "$T/k-chain.pem")" "the exported certificate"
}

# kl_expect_removed: remove THUMB archives it and deletes what is left of
# it on the token (certificate, public key).
kl_expect_removed() {
	hc remove "${THUMB:0:12}" --yes
	expect_rc 0 "remove of a certificate without its key"
	ky_expect_archived "$T/state/archive" "$THUMB"
	[ -z "$(objects_with_id "$KEYID")" ] || fail "objects with ID $KEYID remain:" "$(objects_with_id "$KEYID")"
	hc list --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "list after remove"
}

# A self-signed certificate whose private key was deleted; its public key
# is still there.
test_keyless_self_signed_listed_verify_fails_remove_works() {
	new_cert --subject "CN=keyless.example.com" --domain www.keyless.example.com --key ec:p256 --exportable
	cert_from_token "$KEYID" "$T/before.pem"
	kl_delete_key "$KEYID"
	kl_expect_keyless
	expect_eq Valid "$(jq_py "$T/list.json" 'd[0]["Status"]')" "Status of a self-signed certificate without its key"
	expect_eq SelfSigned "$(jq_py "$T/list.json" 'd[0]["RootCAType"]')" RootCAType
	kl_expect_verify_fails
	kl_expect_export
	kl_expect_removed
	# the certificate taken off the token is the one that was there
	expect_eq "$(x509_thumb "$T/before.pem")" "$THUMB" "the certificate before the key was deleted"
}

# A CA-issued certificate whose key pair (private and public key) is gone;
# the CA certificates on the token, one of them stored by pkcs11-tool
# without a certificate category, stay in list --ca.
test_keyless_ca_issued_without_key_pair() {
	rq_issued
	rq_trust_root
	cat "$T/leaf.pem" "$T/pki/int.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem"
	expect_rc 0 "complete"
	# the root, stored by another tool with no category: basicConstraints
	# CA makes it a CA certificate all the same
	run_ok openssl x509 -in "$T/pki/root.pem" -outform der -out "$T/root.der"
	run_ok p11 --write-object "$T/root.der" --type cert --id 0123456789abcdef --label "Test Root CA"
	kl_delete_key "$KEYID" pub
	kl_expect_keyless
	expect_eq Valid "$(jq_py "$T/list.json" 'd[0]["Status"]')" "Status"
	expect_eq Private "$(jq_py "$T/list.json" 'd[0]["RootCAType"]')" RootCAType
	expect_eq "$INT $ROOT" "$(jq_py "$T/list.json" '" ".join(x["Thumbprint"] for x in d[0]["Chain"])')" Chain
	hc list --ca --format json
	expect_rc 0
	expect_eq "$(printf '%s\n' "$INT" "$ROOT" | sort | tr '\n' ' ')" \
		"$(jq_py "$T/out" '" ".join(sorted(x["Thumbprint"] for x in d)) + " "')" "list --ca"
	kl_expect_verify_fails
	expect_out_re '^ *ok +chain'
	kl_expect_export
	kl_expect_removed
	hc list --ca --format json
	expect_rc 0
	expect_eq 2 "$(jq_py "$T/out" 'len(d)')" "CA certificates after the remove"
}

# Two certificates of one key (a reissue), the key deleted: both listed.
test_keyless_reissue_both_listed() {
	rq_issued
	rq_trust_root
	cat "$T/leaf.pem" "$T/pki/int.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem"
	expect_rc 0
	pki sign "$T/pki" "$T/req.pem" "$T/reissue.pem" 730
	hc import "$T/reissue.pem"
	expect_rc 0 "import of the reissue"
	kl_delete_key "$KEYID"
	hc list --format json
	expect_rc 0
	expect_eq "$(printf '%s\n' "$THUMB" "$(x509_thumb "$T/reissue.pem")" | sort | tr '\n' ' ')" \
		"$(jq_py "$T/out" '" ".join(sorted(x["Thumbprint"] for x in d)) + " "')" "both certificates of the deleted key"
	expect_eq "[false, false]" "$(jq_py "$T/out" '[x["HasPrivateKey"] for x in d]')" HasPrivateKey
}
