# tests/cli/cases_keys.sh - private keys leaving and entering the token:
# PFX export and import between two tokens, the exportable flag, lock, the
# export policy, and remove with its archive (sourced by run.sh; every
# test_* function runs on a fresh token, see lib.sh).
#
# PFX passwords reach hsmcert through --password-source env:VAR and
# openssl through -passin/-passout env:VAR, never through a command line.

# shellcheck shell=bash disable=SC2154,SC2153 # T, CONF, RC, THUMB ... come from lib.sh

export KY_PW=tailspin-export-2026 # 20 characters, over min-password-length

# ky_pfx_parts PFX: the PFX opened by openssl with env:KY_PW into
# $T/pfx.info (-info output), $T/pfx.key, $T/pfx.leaf (the certificate of
# the key) and $T/pfx.certs (every certificate). Extra openssl options
# (-legacy) come from $KY_OSSL.
ky_pfx_parts() {
	# shellcheck disable=SC2086 # KY_OSSL is a list of options
	openssl pkcs12 ${KY_OSSL:-} -info -nodes -passin env:KY_PW -in "$1" \
		>"$T/pfx.dump" 2>"$T/pfx.info" || fail "openssl pkcs12 -info cannot open $1:" "$(cat "$T/pfx.info")"
	# shellcheck disable=SC2086
	openssl pkcs12 ${KY_OSSL:-} -nocerts -nodes -passin env:KY_PW -in "$1" -out "$T/pfx.key" 2>"$T/pfx.err" ||
		fail "no key in $1:" "$(cat "$T/pfx.err")"
	# shellcheck disable=SC2086
	openssl pkcs12 ${KY_OSSL:-} -nokeys -clcerts -passin env:KY_PW -in "$1" -out "$T/pfx.leaf" 2>"$T/pfx.err" ||
		fail "no certificate in $1:" "$(cat "$T/pfx.err")"
	# shellcheck disable=SC2086
	openssl pkcs12 ${KY_OSSL:-} -nokeys -passin env:KY_PW -in "$1" -out "$T/pfx.certs" 2>"$T/pfx.err" ||
		fail "no certificates in $1:" "$(cat "$T/pfx.err")"
}

# ky_expect_key_matches_cert: the private key in $T/pfx.key is the one of
# the certificate $T/pfx.leaf (same public key, and a signature made with
# the key verifies with the certificate).
ky_expect_key_matches_cert() {
	openssl pkey -in "$T/pfx.key" -pubout -out "$T/pfx.keypub" 2>"$T/pfx.err" ||
		fail "openssl pkey cannot read the PFX key:" "$(cat "$T/pfx.err")"
	openssl x509 -in "$T/pfx.leaf" -noout -pubkey -out "$T/pfx.certpub" ||
		fail "openssl x509 cannot read the PFX certificate"
	cmp -s "$T/pfx.keypub" "$T/pfx.certpub" ||
		fail "the PFX key's public half differs from the certificate's public key"
	echo "made by openssl with the exported key" >"$T/data"
	run_ok openssl dgst -sha256 -sign "$T/pfx.key" -out "$T/sig" "$T/data"
	run_ok openssl dgst -sha256 -verify "$T/pfx.certpub" -signature "$T/sig" "$T/data"
}

# ky_export_roundtrip KEYSPEC: the whole PFX path for one key type.
ky_export_roundtrip() {
	new_cert --subject "CN=pfx.tailspintoys.ca, O=Tailspintoys" --domain owa.tailspintoys.ca \
		--key "$1" --exportable
	local thumb=$THUMB keyid=$KEYID # set by new_cert
	hc export "$thumb" --out "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0 "export --out f.pfx"
	expect_eq 600 "$(stat -c %a "$T/f.pfx")" "mode of the PFX"
	ky_pfx_parts "$T/f.pfx"
	grep -q 'PBES2, PBKDF2, AES-256-CBC' "$T/pfx.info" || fail "the PFX is not PBES2/AES-256-CBC:" "$(cat "$T/pfx.info")"
	grep -q 'Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC' "$T/pfx.info" || fail "the key bag is not AES-256-CBC:" "$(cat "$T/pfx.info")"
	grep -q '^MAC: sha256' "$T/pfx.info" || fail "the PFX MAC is not SHA-256:" "$(cat "$T/pfx.info")"
	expect_eq "$thumb" "$(x509_thumb "$T/pfx.leaf")" "the PFX certificate"
	ky_expect_key_matches_cert
	cert_from_token "$keyid" "$T/oncard.pem"
	openssl x509 -in "$T/oncard.pem" -noout -pubkey | cmp -s - "$T/pfx.keypub" ||
		fail "the PFX key is not the token's key"

	# on a second token: the same certificate, the key not extractable
	second_token
	on_b hc import "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0 "import f.pfx on token b"
	on_b hc list --format json
	expect_rc 0
	expect_eq "$thumb" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list on token b"
	expect_eq "$keyid" "$(jq_py "$T/out" 'd[0]["KeyId"]')" "KeyId on token b"
	expect_eq Valid "$(jq_py "$T/out" 'd[0]["Status"]')" "Status on token b"
	expect_eq "imported, not-extractable" "$(jq_py "$T/out" 'd[0]["KeyProvenance"]')" "KeyProvenance on token b"
	expect_eq false "$(jq_py "$T/out" 'd[0]["PrivateKeyExportable"]')" "PrivateKeyExportable on token b"
	on_b access_items "$keyid" >"$T/access"
	[ -s "$T/access" ] || fail "pkcs11-tool shows no private key with ID $keyid on token b"
	! grep -qx 'extractable' "$T/access" || fail "the imported key is extractable:" "$(cat "$T/access")"
	! grep -qx 'local' "$T/access" || fail "the imported key claims to be 'local':" "$(cat "$T/access")"
	grep -qx 'sensitive' "$T/access" || fail "the imported key is not sensitive:" "$(cat "$T/access")"
	on_b objects_with_id "$keyid" >"$T/objs"
	for kind in 'Private Key Object' 'Public Key Object' 'Certificate Object'; do
		[ "$(grep -c "^$kind" "$T/objs")" = 1 ] || fail "token b: not exactly one '$kind' with ID $keyid" "$(cat "$T/objs")"
	done
	on_b cert_from_token "$keyid" "$T/b.pem"
	expect_eq "$thumb" "$(x509_thumb "$T/b.pem")" "the certificate object on token b"
	on_b hc verify "$thumb"
	expect_rc 0 "verify on token b"
	expect_out_re '^ *ok +key pairing'
	# token b will not let it out again
	on_b refused 4 "private key is not exportable" export "$thumb" --out "$T/again.pfx" --password-source env:KY_PW
	expect_no_file "$T/again.pfx"

	# import --exportable: the key may leave token b again
	on_b hc remove "$thumb" --yes
	expect_rc 0 "remove on token b"
	on_b hc import "$T/f.pfx" --password-source env:KY_PW --exportable
	expect_rc 0 "import --exportable on token b"
	on_b hc show "$thumb" --format json
	expect_rc 0
	expect_eq "imported, exportable" "$(jq_py "$T/out" 'd["KeyProvenance"]')" "KeyProvenance after import --exportable"
	on_b access_items "$keyid" >"$T/access"
	grep -qx 'extractable' "$T/access" || fail "import --exportable: the key is not extractable:" "$(cat "$T/access")"
	! grep -qx 'local' "$T/access" || fail "the imported key claims to be 'local'"
	on_b hc export "$thumb" --out "$T/from-b.pfx" --password-source env:KY_PW
	expect_rc 0 "export from token b"
	ky_pfx_parts "$T/from-b.pfx"
	ky_expect_key_matches_cert
	expect_eq "$thumb" "$(x509_thumb "$T/pfx.leaf")" "the certificate in the PFX from token b"
}

# ---------------------------------------------------------------------------
# export and import of a PFX

test_export_pfx_import_second_token_rsa() {
	needs_key_wrap
	ky_export_roundtrip rsa:2048
}

test_export_pfx_import_second_token_ec() {
	needs_key_wrap
	ky_export_roundtrip ec:p256
}

test_export_pfx_with_chain_import_second_token() {
	needs_key_wrap
	pki init "$T/pki"
	hc request --subject "CN=chain.example.com" --key ec:p384 --exportable --out "$T/req.pem"
	expect_rc 0
	pki sign "$T/pki" "$T/req.pem" "$T/leaf.pem"
	cat "$T/leaf.pem" "$T/pki/chain.pem" >"$T/answer.pem"
	hc import "$T/answer.pem"
	expect_rc 0
	thumb=$(x509_thumb "$T/leaf.pem")
	hc export "$thumb" --out "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
	ky_pfx_parts "$T/f.pfx"
	ky_expect_key_matches_cert
	expect_eq 3 "$(grep -c 'BEGIN CERTIFICATE' "$T/pfx.certs")" "certificates in the PFX"
	run_ok openssl verify -CAfile "$T/pki/root.pem" -untrusted "$T/pfx.certs" "$T/pfx.leaf"
	second_token
	on_b conf_set paths trust-anchors "$T/pki/root.pem"
	on_b hc import "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0 "import a PFX with its chain"
	on_b hc show "$thumb" --format json
	expect_rc 0
	expect_eq Valid "$(jq_py "$T/out" 'd["Status"]')" "Status on token b"
	expect_eq Private "$(jq_py "$T/out" 'd["RootCAType"]')" "RootCAType on token b"
	on_b hc list --ca --format json
	expect_rc 0
	expect_eq 2 "$(jq_py "$T/out" 'len(d)')" "CA certificates stored on token b"
}

test_import_pfx_wrong_password_exit_2() {
	needs_key_wrap
	new_cert --subject "CN=pw.example.com" --key ec:p256 --exportable
	hc export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
	second_token
	export KY_BAD=tailspin-export-2025
	on_b refused 2 "wrong password" import "$T/f.pfx" --password-source env:KY_BAD
	expect_err "$T/f.pfx"
	on_b refused 2 "wrong password" import "$T/f.pfx" --password-source env:KY_BAD --exportable
	on_b hc list --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "list on token b after a wrong password"
	# the right one still works
	on_b hc import "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
}

test_import_pfx_twice_is_noop() {
	needs_key_wrap
	new_cert --subject "CN=twice.example.com" --key ec:p256 --exportable
	hc export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
	second_token
	on_b hc import "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
	on_b snapshot "$T/snap.before"
	on_b hc import "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0 "second import of the same PFX"
	grep -qi 'already' "$T/out" "$T/err" || fail "the second import does not say so" "$OUT" "$ERR"
	on_b expect_token_unchanged "$T/snap.before"
}

test_import_pfx_friendly_name_labels_objects() {
	needs_key_wrap
	new_cert --subject "CN=fn.example.com" --key ec:p256 --exportable --friendly-name "Tailspin Mail 2026"
	hc export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
	# the PFX carries the friendly name, as Windows shows it
	openssl pkcs12 -nodes -passin env:KY_PW -in "$T/f.pfx" 2>/dev/null >"$T/pfx.dump"
	grep -q 'friendlyName: Tailspin Mail 2026' "$T/pfx.dump" || fail "no friendlyName in the PFX"
	second_token
	on_b hc import "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
	on_b objects_with_id "$KEYID" >"$T/objs"
	expect_eq 3 "$(grep -c '^ *label: *Tailspin Mail 2026$' "$T/objs")" "objects labelled from the PFX's friendlyName"
	on_b hc remove "$THUMB" --yes
	expect_rc 0
	on_b hc import "$T/f.pfx" --password-source env:KY_PW --friendly-name "Other Label"
	expect_rc 0 "import --friendly-name"
	on_b objects_with_id "$KEYID" >"$T/objs"
	expect_eq 3 "$(grep -c '^ *label: *Other Label$' "$T/objs")" "objects labelled 'Other Label'"
	on_b hc show "$THUMB" --format json
	expect_rc 0
	expect_eq "Other Label" "$(jq_py "$T/out" 'd["FriendlyName"]')" FriendlyName
}

# A PFX whose certificate claims to be self-signed (issuer = subject) and
# carries the PFX key's public half, but was signed by another key: refused
# with exit 5 (SPEC section 10), nothing imported.
test_import_pfx_forged_self_signed_exit_5() {
	run_ok openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/pfx.key"
	run_ok openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/forger.key"
	run_ok openssl pkey -in "$T/pfx.key" -pubout -out "$T/pfx.pub"
	printf '[x]\nbasicConstraints = critical, CA:FALSE\nsubjectAltName = DNS:forged.example.com\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n' >"$T/forge.cnf"
	run_ok openssl x509 -new -subj "/CN=forged.example.com" -key "$T/forger.key" \
		-force_pubkey "$T/pfx.pub" -days 30 -extfile "$T/forge.cnf" -extensions x -out "$T/forged.pem"
	! openssl verify -check_ss_sig -CAfile "$T/forged.pem" "$T/forged.pem" >"$T/peer" 2>&1 ||
		fail "openssl verifies the forged self-signature:" "$(cat "$T/peer")"
	run_ok openssl pkcs12 -export -inkey "$T/pfx.key" -in "$T/forged.pem" \
		-passout env:KY_PW -out "$T/forged.pfx"
	refused 5 "self-signature" import "$T/forged.pfx" --password-source env:KY_PW
	expect_err "$T/forged.pfx"
	snapshot "$T/objs" # every object but the audit head
	! grep -qi '^[a-z].*object' "$T/objs" || fail "objects on the token after the refused import:" "$(cat "$T/objs")"
}

# ---------------------------------------------------------------------------
# non-exportable keys, lock

test_export_non_exportable_key_exit_4_no_file() {
	new_cert --subject "CN=ne.example.com" --key ec:p256
	mkdir "$T/o"
	refused 4 "private key is not exportable (created without --exportable)" \
		export "$THUMB" --out "$T/o/f.pfx" --password-source env:KY_PW
	expect_no_file "$T/o/f.pfx"
	[ -z "$(ls -A "$T/o")" ] || fail "export left files behind:" "$(ls -A "$T/o")"
	# the refusal is audited (SPEC export), in the default audit log
	python3 - "$T/state/audit.log" "$THUMB" >"$T/py" 2>&1 <<'PY' || fail "no audit record of the denied export:" "$(cat "$T/py")"
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert last["command"] == "export" and last["result"] == "denied", last
assert last["target"] == sys.argv[2], last
PY
	# the token enforces it: CKA_EXTRACTABLE is false, so no other tool can
	# take the key out either
	access_items "$KEYID" >"$T/access"
	grep -qx 'never extractable' "$T/access" || fail "the key is not 'never extractable':" "$(cat "$T/access")"
	! grep -qx 'extractable' "$T/access" || fail "pkcs11-tool shows the key 'extractable'"
	# --cert-only is always allowed
	hc export "$THUMB" --cert-only --out "$T/o/cert.pem"
	expect_rc 0 "export --cert-only of a non-exportable certificate"
	expect_eq "$THUMB" "$(x509_thumb "$T/o/cert.pem")" "export --cert-only"
	! grep -q 'PRIVATE KEY' "$T/o/cert.pem" || fail "--cert-only wrote a private key"
}

test_lock_makes_key_non_exportable() {
	new_cert --subject "CN=lock.example.com" --key ec:p256 --exportable
	access_items "$KEYID" | grep -qx 'extractable' || fail "the key is not extractable before lock"
	hc lock "$THUMB" --yes
	expect_rc 0 "lock --yes"
	access_items "$KEYID" >"$T/access"
	! grep -qx 'extractable' "$T/access" || fail "pkcs11-tool still shows 'extractable' after lock:" "$(cat "$T/access")"
	grep -qx 'sensitive' "$T/access" || fail "the locked key is not sensitive"
	hc show "$THUMB" --format json
	expect_rc 0
	expect_eq "generated-on-token, locked" "$(jq_py "$T/out" 'd["KeyProvenance"]')" KeyProvenance
	expect_eq false "$(jq_py "$T/out" 'd["PrivateKeyExportable"]')" PrivateKeyExportable
	refused 4 "private key is not exportable (created without --exportable)" \
		export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW
	expect_no_file "$T/f.pfx"
	# locking again changes nothing and fails nothing
	snapshot "$T/snap.before"
	hc lock "$THUMB" --yes
	[ "$RC" = 0 ] || [ "$RC" = 4 ] || fail "lock of a locked key exits $RC"
	expect_token_unchanged "$T/snap.before"
}

test_lock_without_yes_no_terminal_exit_7() {
	new_cert --subject "CN=lock.example.com" --key ec:p256 --exportable
	refuse_with hc_notty 7 "--yes" lock "$THUMB"
	expect_err "no terminal"
	access_items "$KEYID" | grep -qx 'extractable' || fail "the key is no longer extractable after a cancelled lock"
	hc show "$THUMB" --format json
	expect_rc 0
	expect_eq "generated-on-token, exportable" "$(jq_py "$T/out" 'd["KeyProvenance"]')" KeyProvenance
}

# ---------------------------------------------------------------------------
# export policy and options

test_export_allow_export_false_cert_only_still_works() {
	conf_set policy allow-export false
	pki init "$T/pki"
	hc request --subject "CN=pol.example.com" --key ec:p256 --exportable --out "$T/req.pem"
	expect_rc 0
	grep -q 'allow-export' "$T/err" || fail "request --exportable under allow-export = false gives no warning"
	pki sign "$T/pki" "$T/req.pem" "$T/leaf.pem"
	cat "$T/pki/root.pem" "$T/leaf.pem" "$T/pki/int.pem" >"$T/answer.pem"
	hc import "$T/answer.pem"
	expect_rc 0
	thumb=$(x509_thumb "$T/leaf.pem")
	mkdir "$T/o"
	refused 4 "allow-export" export "$thumb" --out "$T/o/f.pfx" --password-source env:KY_PW
	expect_no_file "$T/o/f.pfx"
	refused 4 "allow-export" export "$thumb" --out "$T/o/f.pfx" --password-source env:KY_PW --legacy
	expect_no_file "$T/o/f.pfx"
	# --cert-only: PEM chain, leaf first
	hc export "$thumb" --cert-only --out "$T/o/chain.pem"
	expect_rc 0 "export --cert-only under allow-export = false"
	expect_eq 644 "$(stat -c %a "$T/o/chain.pem")" "mode of a certificate export"
	expect_eq "$thumb" "$(x509_thumb "$T/o/chain.pem")" "the first certificate of --cert-only"
	expect_eq 3 "$(grep -c 'BEGIN CERTIFICATE' "$T/o/chain.pem")" "certificates in --cert-only"
	! grep -q 'PRIVATE KEY' "$T/o/chain.pem" || fail "--cert-only wrote a private key"
	run_ok openssl verify -CAfile "$T/pki/root.pem" -untrusted "$T/o/chain.pem" "$T/leaf.pem"
	# --der: the leaf alone
	hc export "$thumb" --cert-only --der --out "$T/o/leaf.der"
	expect_rc 0 "export --cert-only --der"
	run_ok openssl x509 -inform der -in "$T/o/leaf.der" -noout
	expect_eq "$thumb" "$(x509_thumb "$T/o/leaf.der")" "export --cert-only --der"
	cmp -s "$T/o/leaf.der" <(openssl x509 -in "$T/leaf.pem" -outform der) ||
		fail "--cert-only --der is not the leaf's DER"
}

test_export_legacy_pfx() {
	needs_key_wrap
	new_cert --subject "CN=legacy.example.com" --key rsa:2048 --exportable
	hc export "$THUMB" --out "$T/l.pfx" --password-source env:KY_PW --legacy
	expect_rc 0 "export --legacy"
	expect_eq 600 "$(stat -c %a "$T/l.pfx")" "mode of the legacy PFX"
	KY_OSSL=-legacy ky_pfx_parts "$T/l.pfx"
	grep -q 'Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC' "$T/pfx.info" ||
		fail "the key bag is not pbeWithSHA1And3-KeyTripleDES-CBC:" "$(cat "$T/pfx.info")"
	grep -q 'Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC' "$T/pfx.info" ||
		fail "the certificates are not pbeWithSHA1And3-KeyTripleDES-CBC:" "$(cat "$T/pfx.info")"
	grep -q '^MAC: sha1' "$T/pfx.info" || fail "the MAC is not SHA-1:" "$(cat "$T/pfx.info")"
	! grep -q 'AES' "$T/pfx.info" || fail "the legacy PFX uses AES:" "$(cat "$T/pfx.info")"
	expect_eq "$THUMB" "$(x509_thumb "$T/pfx.leaf")" "the certificate in the legacy PFX"
	KY_OSSL=-legacy ky_expect_key_matches_cert
	# and hsmcert reads it back on another token
	second_token
	on_b hc import "$T/l.pfx" --password-source env:KY_PW
	expect_rc 0 "import of a legacy PFX"
	on_b hc list --format json
	expect_rc 0
	expect_eq "$THUMB" "$(jq_py "$T/out" 'd[0]["Thumbprint"]')" "the legacy PFX's certificate on token b"
}

test_export_short_password_min_password_length() {
	needs_key_wrap
	new_cert --subject "CN=pw.example.com" --key ec:p256 --exportable
	mkdir "$T/o"
	export KY_SHORT=abcde KY_ELEVEN=abcdefghijk KY_TWELVE=abcdefghijkl
	refused 4 "min-password-length" export "$THUMB" --out "$T/o/f.pfx" --password-source env:KY_SHORT
	expect_no_file "$T/o/f.pfx"
	refused 4 "min-password-length" export "$THUMB" --out "$T/o/f.pfx" --password-source env:KY_ELEVEN
	expect_no_file "$T/o/f.pfx"
	printf '%s\n' abcde >"$T/short.pw"
	chmod 600 "$T/short.pw"
	refused 4 "min-password-length" export "$THUMB" --out "$T/o/f.pfx" --password-source "file:$T/short.pw"
	[ -z "$(ls -A "$T/o")" ] || fail "refused exports left files behind:" "$(ls -A "$T/o")"
	refused 2 "KY_UNSET_PASSWORD" export "$THUMB" --out "$T/o/f.pfx" --password-source env:KY_UNSET_PASSWORD
	: >"$T/empty.pw"
	chmod 600 "$T/empty.pw"
	refused 2 "$T/empty.pw" export "$THUMB" --out "$T/o/f.pfx" --password-source "file:$T/empty.pw"
	[ -z "$(ls -A "$T/o")" ] || fail "refused exports left files behind:" "$(ls -A "$T/o")"
	# the password is never echoed
	! grep -q abcde "$T/trace" || fail "the password appears in hsmcert's output"
	hc export "$THUMB" --out "$T/o/f.pfx" --password-source env:KY_TWELVE
	expect_rc 0 "export with a 12-character password"
	KY_PW=$KY_TWELVE ky_pfx_parts "$T/o/f.pfx"
}

test_export_existing_file_needs_force() {
	needs_key_wrap
	new_cert --subject "CN=force.example.com" --key ec:p256 --exportable
	echo "precious, not a PFX" >"$T/f.pfx"
	chmod 644 "$T/f.pfx"
	touch -d '2020-01-02 03:04:05' "$T/f.pfx"
	before=$(stat -c '%s %Y %a' "$T/f.pfx")
	refused 2 "$T/f.pfx" export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW
	expect_err "--force"
	expect_eq "$before" "$(stat -c '%s %Y %a' "$T/f.pfx")" "size, mtime and mode of the existing file"
	expect_eq "precious, not a PFX" "$(cat "$T/f.pfx")" "content of the existing file"
	refused 2 "$T/f.pfx" export "$THUMB" --cert-only --out "$T/f.pfx"
	expect_eq "precious, not a PFX" "$(cat "$T/f.pfx")" "content after export --cert-only"
	expect_eq "$before" "$(stat -c '%s %Y %a' "$T/f.pfx")" "the existing file after --cert-only"
	hc export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW --force
	expect_rc 0 "export --force"
	ky_pfx_parts "$T/f.pfx"
	expect_eq "$THUMB" "$(x509_thumb "$T/pfx.leaf")" "the replaced file"
	# a PFX is 0600 even where it replaced a 0644 file
	expect_eq 600 "$(stat -c %a "$T/f.pfx")" "mode of the PFX written over a 0644 file"
}

# ---------------------------------------------------------------------------
# remove

test_remove_without_yes_no_terminal_exit_7() {
	new_cert --subject "CN=rm.example.com" --key ec:p256
	refuse_with hc_notty 7 "--yes" remove "$THUMB"
	expect_no_file "$T/state/archive/$THUMB"*
	hc list --format json
	expect_rc 0
	expect_eq "$THUMB" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list after a cancelled remove"
	refuse_with hc_notty 7 "--yes" remove --self-signed
}

# ky_expect_archived DIR THUMB: DIR holds THUMB's certificate (PEM) and a
# JSON record of it.
ky_expect_archived() {
	local dir=$1 thumb=$2 f found=
	[ -d "$dir" ] || fail "no archive directory $dir"
	for f in "$dir"/*; do
		case $f in
		*.json)
			python3 - "$f" "$thumb" "$T/rec" <<'PY' || fail "bad archive record $f:" "$(cat "$T/rec.err")"
import json, sys, re
d = json.load(open(sys.argv[1]))
if d.get("Thumbprint") == sys.argv[2]:
    assert isinstance(d.get("Subject"), str) and d["Subject"], "no Subject"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", d.get("RemovedAt", "")), "RemovedAt %r" % d.get("RemovedAt")
    open(sys.argv[3], "w").write(d["Subject"])
PY
			;;
		*)
			if openssl x509 -in "$f" -noout 2>/dev/null && [ "$(x509_thumb "$f")" = "$thumb" ]; then
				found=1
			fi
			;;
		esac
	done
	[ -n "$found" ] || fail "no certificate with thumbprint $thumb in $dir:" "$(ls -l "$dir")"
	[ -s "$T/rec" ] || fail "no JSON record with Thumbprint $thumb in $dir"
	rm -f "$T/rec"
}

test_remove_archives_and_deletes() {
	new_cert --subject "CN=rm.example.com, O=Tailspintoys" --key ec:p256
	cert_from_token "$KEYID" "$T/before.pem"
	hc remove "$THUMB" --yes
	expect_rc 0 "remove --yes"
	ky_expect_archived "$T/state/archive" "$THUMB"
	grep -lq "$THUMB" "$T/state/archive"/*.json || fail "no record names $THUMB"
	python3 - "$T/state/archive" "$THUMB" >"$T/py" 2>&1 <<'PY' || fail "$(cat "$T/py")"
import glob, json, sys
recs = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/*.json")]
r = [x for x in recs if x.get("Thumbprint") == sys.argv[2]]
assert len(r) == 1, "records for the thumbprint: %d" % len(r)
assert "rm.example.com" in r[0]["Subject"], r[0]["Subject"]
PY
	[ -z "$(objects_with_id "$KEYID")" ] || fail "objects with ID $KEYID remain:" "$(objects_with_id "$KEYID")"
	hc list --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "list after remove"
	refused 3 "${THUMB:0:8}" remove "${THUMB:0:8}" --yes
}

test_remove_archive_dir_from_config() {
	conf_set paths archive-dir "$T/arch"
	new_cert --subject "CN=arch.example.com" --key rsa:2048
	hc remove "$THUMB" --yes
	expect_rc 0
	ky_expect_archived "$T/arch" "$THUMB"
	expect_no_file "$T/state/archive"
	[ -z "$(objects_with_id "$KEYID")" ] || fail "objects with ID $KEYID remain"
}

test_remove_pending_request_and_orphan_key() {
	hc request --subject "CN=pend.example.com" --key ec:p256 --out "$T/req.pem"
	expect_rc 0
	hc list --pending --format json
	expect_rc 0
	req=$(jq_py "$T/out" 'd[0]["KeyId"]')
	orphan=$(printf 'c3%.0s' {1..20})
	run_ok p11 --keypairgen --key-type EC:prime256v1 --id "$orphan" --label orphan
	new_cert --subject "CN=keep.example.com" --key ec:p256
	hc remove "${req:0:10}" "$orphan" --yes
	expect_rc 0 "remove a pending request and an orphan key"
	[ -z "$(objects_with_id "$req")" ] || fail "objects of the request remain:" "$(objects_with_id "$req")"
	[ -z "$(objects_with_id "$orphan")" ] || fail "objects of the orphan key remain:" "$(objects_with_id "$orphan")"
	snapshot "$T/objs" # every object but the audit head
	! grep -q "application: *'hsmcert-request'" "$T/objs" || fail "the request's data object remains:" "$(cat "$T/objs")"
	hc list --format json
	expect_rc 0
	expect_eq "$THUMB" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list after remove"
	expect_eq 3 "$(grep -ci '^[a-z].*object' "$T/objs")" "objects left (the certificate's three)"
}

test_remove_self_signed_keeps_ca_issued() {
	pki init "$T/pki"
	new_cert --subject "CN=ss1.example.com" --key ec:p256
	ss1=$THUMB
	new_cert --subject "CN=ss2.example.com" --key ec:p256
	ss2=$THUMB
	hc request --subject "CN=issued.example.com" --key ec:p256 --out "$T/req.pem"
	expect_rc 0
	pki sign "$T/pki" "$T/req.pem" "$T/leaf.pem"
	cat "$T/leaf.pem" "$T/pki/chain.pem" >"$T/answer.pem"
	hc import "$T/answer.pem"
	expect_rc 0
	issued=$(x509_thumb "$T/leaf.pem")
	hc remove --self-signed --yes
	expect_rc 0 "remove --self-signed"
	hc list --format json
	expect_rc 0
	expect_eq "$issued" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list after remove --self-signed"
	ky_expect_archived "$T/state/archive" "$ss1"
	ky_expect_archived "$T/state/archive" "$ss2"
	# the stored root is self-signed too, but it is chain material, not a
	# certificate of this host
	hc list --ca --format json
	expect_rc 0
	expect_eq 2 "$(jq_py "$T/out" 'len(d)')" "CA certificates after remove --self-signed"
	# removing the CA-issued certificate leaves the CA certificates too
	hc remove "$issued" --yes
	expect_rc 0
	ky_expect_archived "$T/state/archive" "$issued"
	hc list --ca --format json
	expect_rc 0
	expect_eq 2 "$(jq_py "$T/out" 'len(d)')" "CA certificates after removing the issued certificate"
}

test_remove_expired_only_expired() {
	new_cert --subject "CN=short.example.com" --key ec:p256 --days 1
	short=$THUMB
	new_cert --subject "CN=long.example.com" --key ec:p256
	snapshot "$T/snap.before"
	hc remove --expired --yes
	expect_rc 0 "remove --expired with nothing expired"
	expect_token_unchanged "$T/snap.before"
	hc list --format json
	expect_rc 0
	expect_eq 2 "$(jq_py "$T/out" 'len(d)')" "list after remove --expired"
	expect_out "$short"
	# a certificate that is expired (January 2020, from the test CA, with
	# its key brought in by a PFX) goes, the others stay
	pki init "$T/pki"
	pki expired "$T/pki" old.example.com "$T/old.pem"
	run_ok openssl pkcs12 -export -inkey "$T/pki/old.example.com.key" -in "$T/old.pem" \
		-certfile "$T/pki/chain.pem" -passout env:KY_PW -out "$T/old.pfx"
	hc import "$T/old.pfx" --password-source env:KY_PW
	expect_rc 0 "import of an expired certificate's PFX"
	old=$(x509_thumb "$T/old.pem")
	hc show "$old" --format json
	expect_rc 0
	expect_eq Expired "$(jq_py "$T/out" 'd["Status"]')" "Status of the 2020 certificate"
	hc remove --expired --yes
	expect_rc 0 "remove --expired"
	hc list --format json
	expect_rc 0
	expect_eq 2 "$(jq_py "$T/out" 'len(d)')" "list after removing the expired one"
	refute_out "$old"
	expect_out "$short"
	ky_expect_archived "$T/state/archive" "$old"
}

test_import_pfx_without_key_exit_2() {
	pki init "$T/pki"
	pki leaf "$T/pki" a.example.com "$T/a.pem"
	run_ok openssl pkcs12 -export -nokeys -in "$T/a.pem" -passout env:KY_PW -out "$T/leafonly.pfx"
	run_ok openssl pkcs12 -export -nokeys -in "$T/pki/int.pem" -passout env:KY_PW -out "$T/caonly.pfx"
	run_ok openssl pkcs12 -export -nocerts -inkey "$T/pki/a.example.com.key" -passout env:KY_PW -out "$T/keyonly.pfx"
	for f in leafonly caonly keyonly; do
		refused 2 "$T/$f.pfx" import "$T/$f.pfx" --password-source env:KY_PW
	done
	hc list --ca --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "CA certificates after refused PFX imports"
}

# The same certificate removed twice in one second: remove, import its PFX
# again (a script putting a certificate back), remove again. Both removals
# must succeed and both archive copies stay. hsmcert names archive files
# THUMBPRINT-YYYYMMDDThhmmssZ, so to make "the same second" certain rather
# than likely, copies of the first archive are laid down under the names of
# the next seconds too.
test_remove_same_cert_twice_keeps_both_archives() {
	needs_key_wrap
	new_cert --subject "CN=twice.example.com" --key ec:p256 --exportable
	hc export "$THUMB" --out "$T/f.pfx" --password-source env:KY_PW
	expect_rc 0
	hc remove "$THUMB" --yes
	expect_rc 0 "first remove"
	ky_expect_archived "$T/state/archive" "$THUMB"
	hc import "$T/f.pfx" --password-source env:KY_PW --exportable
	expect_rc 0 "import the PFX again"
	first_json=$(ls "$T/state/archive/$THUMB"*.json)
	first_pem=$(ls "$T/state/archive/$THUMB"*.pem)
	for s in 0 1 2 3; do
		ts=$(date -u -d "+$s sec" +%Y%m%dT%H%M%SZ)
		[ -e "$T/state/archive/$THUMB-$ts.json" ] || cp -p "$first_json" "$T/state/archive/$THUMB-$ts.json"
		[ -e "$T/state/archive/$THUMB-$ts.pem" ] || cp -p "$first_pem" "$T/state/archive/$THUMB-$ts.pem"
	done
	before=$(dir_state "$T/state/archive")
	nbefore=$(find "$T/state/archive" -type f | wc -l)
	hc remove "$THUMB" --yes
	expect_rc 0 "second remove of the same certificate in the same second"
	[ -z "$(objects_with_id "$KEYID")" ] || fail "objects with ID $KEYID remain"
	# the earlier copies are untouched, and the new removal added its own
	while read -r line; do
		grep -qxF -- "$line" <(dir_state "$T/state/archive") || fail "an earlier archive file changed: $line"
	done <<<"$before"
	[ "$(find "$T/state/archive" -type f | wc -l)" -gt "$nbefore" ] || fail "the second removal archived nothing new"
}
