# tests/cli/cases_requests.sh - requests, their completion with a CA's
# answer, the namespace plan, verify and renew (sourced by run.sh; every
# test_* function runs on a fresh token, see lib.sh).
#
# The CA is tests/cli/pki.sh: a root and an intermediate made with openssl,
# which signs hsmcert's requests as a CA would, copying their SANs. The
# answers are handed back in every shape a CA uses: a PEM bundle in any
# order, a PKCS#7 in PEM or DER, a DER leaf alone.

# shellcheck shell=bash disable=SC2154 # T, CONF, RC, OUT ... come from lib.sh

RQ_TAILSPIN_SUBJECT="C=CA, S=Ontario, L=Mississauga, O=Tailspintoys, CN=mail.tailspintoys.ca"
RQ_TAILSPIN_HOSTS="mail autodiscover owa legacy smtp imap pop webmail ex2016 www"

# rq_tailspin_domains: the ten names of the seed article, comma-separated.
rq_tailspin_domains() {
	local h out=
	for h in $RQ_TAILSPIN_HOSTS; do out=$out${out:+,}$h.tailspintoys.ca; done
	echo "$out"
}

# rq_pending ARGS...: hsmcert request ARGS --out $T/req.pem; must succeed.
# Sets KEYID to the pending request's key id (from list --pending); the
# request's stderr stays in $T/request.err.
rq_pending() {
	local before
	hc list --pending --format json
	expect_rc 0 "list --pending"
	before=$(jq_py "$T/out" '" ".join(x["KeyId"] for x in d)')
	rm -f "$T/req.pem"
	hc request "$@" --out "$T/req.pem"
	expect_rc 0 "hsmcert request $*"
	[ -s "$T/req.pem" ] || fail "request --out wrote nothing"
	cp "$T/err" "$T/request.err"
	hc list --pending --format json
	expect_rc 0 "list --pending"
	KEYID=$(jq_py "$T/out" '" ".join(x["KeyId"] for x in d if x["KeyId"] not in "'"$before"'".split())')
	[[ $KEYID =~ ^[0-9a-f]{40}$ ]] || fail "list --pending: not one new request ('$KEYID')"
}

# rq_issued [REQUEST-ARGS...]: a PKI in $T/pki, a pending request (default:
# an EC key for issued.example.com and www.issued.example.com) and the
# CA's answer $T/leaf.pem and $T/leaf.der. Sets KEYID, THUMB (the leaf's),
# INT and ROOT (the CA certificates' thumbprints).
rq_issued() {
	[ -f "$T/pki/int.pem" ] || pki init "$T/pki"
	if [ $# -eq 0 ]; then
		set -- --subject "CN=issued.example.com" --domain www.issued.example.com --key ec:p256
	fi
	rq_pending "$@"
	pki sign "$T/pki" "$T/req.pem" "$T/leaf.pem"
	run_ok openssl x509 -in "$T/leaf.pem" -outform der -out "$T/leaf.der"
	THUMB=$(x509_thumb "$T/leaf.pem")
	INT=$(x509_thumb "$T/pki/int.pem")
	ROOT=$(x509_thumb "$T/pki/root.pem")
}

# rq_trust_root: the test root as the configuration's trust anchor.
rq_trust_root() {
	conf_set paths trust-anchors "$T/pki/root.pem"
}

# rq_no_data_object: no pending request (CKO_DATA object of application
# hsmcert-request) on the token; the audit head (hsmcert-audit) may stay.
rq_no_data_object() {
	p11 --list-objects 2>/dev/null >"$T/objs"
	grep -qi '^Data object' "$T/objs" || return 0
	snapshot "$T/objs.noaudit"
	! grep -qi '^Data object' "$T/objs.noaudit" || fail "a data object is still on the token:" "$(cat "$T/objs")"
}

# rq_expect_completed [ROOT-STORED]: the request KEYID was completed by
# the certificate THUMB, which chains to the trusted test root: list, show,
# export --cert-only, openssl verify, the token objects and list --ca.
# With ROOT-STORED=no the root is not expected among the CA certificates
# on the token (it was not in the answer).
rq_expect_completed() {
	local root_stored=${1:-yes}
	hc list --format json
	expect_rc 0 "list"
	expect_eq "$THUMB" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list after completion"
	expect_eq Valid "$(jq_py "$T/out" 'd[0]["Status"]')" "Status after completion"
	expect_eq "$KEYID" "$(jq_py "$T/out" 'd[0]["KeyId"]')" "KeyId after completion"
	hc list --pending --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "pending requests after completion"

	hc show "$THUMB" --format json
	expect_rc 0 "show $THUMB"
	cp "$T/out" "$T/show.json"
	expect_eq Private "$(jq_py "$T/show.json" 'd["RootCAType"]')" RootCAType
	expect_eq Valid "$(jq_py "$T/show.json" 'd["Status"]')" Status
	expect_eq false "$(jq_py "$T/show.json" 'd["IsSelfSigned"]')" IsSelfSigned
	expect_eq manual "$(jq_py "$T/show.json" 'd["Enrollment"]')" Enrollment
	expect_eq "$INT $ROOT" "$(jq_py "$T/show.json" '" ".join(x["Thumbprint"] for x in d["Chain"])')" \
		"show's Chain (intermediate, root)"

	# the chain export --cert-only writes is the one show reports, leaf
	# first, and openssl builds the path to the root with it
	rm -f "$T/chain.pem"
	hc export "$THUMB" --cert-only --out "$T/chain.pem"
	expect_rc 0 "export --cert-only"
	python3 - "$T/chain.pem" "$T/chain" <<'PY' || fail "cannot split $T/chain.pem"
import re, sys
pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?",
                  open(sys.argv[1]).read(), re.S)
for i, p in enumerate(pems):
    open("%s.%d.pem" % (sys.argv[2], i), "w").write(p)
print(len(pems))
PY
	local got=() f
	for f in "$T"/chain.[0-9].pem; do got+=("$(x509_thumb "$f")"); done
	expect_eq "$THUMB $INT $ROOT" "${got[*]}" "export --cert-only chain (leaf first)"
	openssl verify -CAfile "$T/pki/root.pem" -untrusted "$T/chain.pem" -purpose sslserver \
		"$T/chain.0.pem" >"$T/v" 2>&1 || fail "openssl verify rejects the chain:" "$(cat "$T/v")"
	grep -q ': OK$' "$T/v" || fail "openssl verify:" "$(cat "$T/v")"

	# on the token: the pending request's data object is gone, the
	# certificate sits beside the key with its ID and label
	rq_no_data_object
	objects_with_id "$KEYID" >"$T/objs"
	for kind in 'Private Key Object' 'Public Key Object' 'Certificate Object'; do
		[ "$(grep -c "^$kind" "$T/objs")" = 1 ] || fail "not exactly one '$kind' with ID $KEYID" "$(cat "$T/objs")"
	done
	local label
	label=$(jq_py "$T/show.json" 'd["FriendlyName"]')
	[ "$(grep -c "^ *label: *$label\$" "$T/objs")" = 3 ] ||
		fail "key, public key and certificate do not all carry the label '$label'" "$(cat "$T/objs")"
	cert_from_token "$KEYID" "$T/oncard.pem"
	expect_eq "$THUMB" "$(x509_thumb "$T/oncard.pem")" "the certificate object with ID $KEYID"

	# the CA certificates are stored for chain building
	hc list --ca --format json
	expect_rc 0 "list --ca"
	local cas
	cas=$(jq_py "$T/out" '" ".join(sorted(x["Thumbprint"] for x in d))')
	if [ "$root_stored" = yes ]; then
		expect_eq "$(printf '%s\n' "$INT" "$ROOT" | sort | tr '\n' ' ' | sed 's/ $//')" "$cas" "list --ca"
	else
		expect_eq "$INT" "$cas" "list --ca"
	fi
}

# ---------------------------------------------------------------------------
# request

test_request_tailspin_ten_names_pem_verifies() {
	hc request --subject "$RQ_TAILSPIN_SUBJECT" --domain "$(rq_tailspin_domains)"
	expect_rc 0 "request"
	cp "$T/out" "$T/req.pem"
	head -n 1 "$T/req.pem" | grep -qx -- '-----BEGIN CERTIFICATE REQUEST-----' ||
		fail "stdout does not start with a PEM request"
	openssl req -in "$T/req.pem" -verify -noout -text >"$T/req.txt" 2>"$T/req.err" ||
		fail "openssl req -verify failed:" "$(cat "$T/req.err")"
	grep -q 'verify OK' "$T/req.err" "$T/req.txt" || fail "openssl did not say 'verify OK'" "$(cat "$T/req.err")"
	for a in 'C = CA' 'ST = Ontario' 'L = Mississauga' 'O = Tailspintoys' 'CN = mail.tailspintoys.ca'; do
		grep -E "Subject:.*$a" "$T/req.txt" >/dev/null || fail "request subject lacks '$a'" "$(grep Subject: "$T/req.txt")"
	done
	grep -q 'Public-Key: (2048 bit)' "$T/req.txt" || fail "default key is not RSA 2048"
	grep -q 'Signature Algorithm: sha256WithRSAEncryption' "$T/req.txt" || fail "request not signed with SHA-256"
	expect_eq "$(rq_tailspin_domains | tr ',' '\n')" "$(san_list "$T/req.pem" req)" "the request's SANs"

	# pending on the token under the key id of its private key
	p11 --list-objects 2>/dev/null >"$T/objs"
	expect_eq 1 "$(grep -c '^Private Key Object' "$T/objs")" "private keys on the token"
	keyid=$(awk '/^Private Key Object/ { k = 1 } k && $1 == "ID:" { print $2; exit }' "$T/objs")
	grep -A3 -i '^Data object' "$T/objs" | grep -q "application: *'hsmcert-request'" ||
		fail "no hsmcert-request data object" "$(cat "$T/objs")"
	hc list --format json
	expect_rc 0
	expect_eq "$keyid" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list: the request under its key id"
	expect_eq PendingRequest "$(jq_py "$T/out" 'd[0]["Status"]')" Status
	expect_eq "$keyid" "$(jq_py "$T/out" 'd[0]["KeyId"]')" KeyId
	hc list
	expect_rc 0
	grep -E "^$keyid .*PendingRequest *\$" "$T/out" >/dev/null || fail "list table: no PendingRequest line for $keyid" "$OUT"

	# export KEYID writes the same PKCS#10 again, PEM and DER
	run_ok openssl req -in "$T/req.pem" -outform der -out "$T/req.der"
	hc export "$keyid"
	expect_rc 0 "export of the pending request"
	cp "$T/out" "$T/again.pem"
	run_ok openssl req -in "$T/again.pem" -outform der -out "$T/again.der"
	cmp -s "$T/req.der" "$T/again.der" || fail "export $keyid gives another request"
	hc export "${keyid:0:8}" --der --out "$T/again2.der"
	expect_rc 0 "export --der --out"
	cmp -s "$T/req.der" "$T/again2.der" || fail "export --der --out gives another request"
	expect_eq 644 "$(stat -c %a "$T/again2.der")" "mode of an exported request"
}

test_request_der_out_matches_export() {
	hc request --subject "CN=der.example.com" --domain alt.der.example.com --key ec:p256 \
		--der --out "$T/req.der"
	expect_rc 0 "request --der --out"
	run_ok openssl req -inform der -in "$T/req.der" -verify -noout
	grep -q 'verify OK' "$T/peer" || fail "openssl req -verify:" "$(cat "$T/peer")"
	run_ok openssl req -inform der -in "$T/req.der" -out "$T/req.pem"
	expect_eq "$(printf '%s\n' der.example.com alt.der.example.com)" "$(san_list "$T/req.pem" req)" "SANs"
	hc list --pending --format json
	expect_rc 0
	keyid=$(jq_py "$T/out" 'd[0]["KeyId"]')
	hc export "$keyid" --der --out "$T/export.der"
	expect_rc 0
	cmp -s "$T/req.der" "$T/export.der" || fail "export --der differs from request --der"
	# and an existing --out is not overwritten
	refused 2 "$T/req.der" request --subject "CN=der2.example.com" --key ec:p256 --der --out "$T/req.der"
	cmp -s "$T/req.der" "$T/export.der" || fail "request overwrote an existing --out file"
}

# ---------------------------------------------------------------------------
# completion: every shape of CA answer, each on a fresh token

test_complete_pem_bundle_shuffled_order() {
	rq_issued
	rq_trust_root
	cat "$T/pki/int.pem" "$T/leaf.pem" "$T/pki/root.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem"
	expect_rc 0 "complete a bundle intermediate, leaf, root"
	rq_expect_completed
}

test_complete_p7b_pem() {
	rq_issued --subject "$RQ_TAILSPIN_SUBJECT" --domain "$(rq_tailspin_domains)" --key ec:p256
	rq_trust_root
	run_ok openssl crl2pkcs7 -nocrl -certfile "$T/pki/root.pem" -certfile "$T/leaf.pem" \
		-certfile "$T/pki/int.pem" -out "$T/answer.p7b"
	grep -q 'BEGIN PKCS7' "$T/answer.p7b" || fail "not a PEM PKCS#7"
	hc import "$T/answer.p7b"
	expect_rc 0 "import a PEM .p7b"
	rq_expect_completed
	# the certificate carries the ten names of the request
	cert_from_token "$KEYID" "$T/cert.pem"
	expect_eq "$(rq_tailspin_domains | tr ',' '\n')" "$(san_list "$T/cert.pem")" "the certificate's SANs"
}

test_complete_p7b_der() {
	rq_issued --subject "CN=p7der.example.com" --key rsa:2048
	rq_trust_root
	run_ok openssl crl2pkcs7 -nocrl -certfile "$T/leaf.pem" -certfile "$T/pki/chain.pem" \
		-outform der -out "$T/answer.p7b"
	! grep -qa BEGIN "$T/answer.p7b" || fail "not a DER PKCS#7"
	hc complete "$T/answer.p7b"
	expect_rc 0 "complete a DER .p7b"
	rq_expect_completed
}

test_complete_der_leaf_then_import_intermediate() {
	rq_issued
	rq_trust_root
	hc complete "$T/leaf.der"
	expect_rc 0 "complete a DER leaf alone"
	expect_err "install the intermediate CA certificate for"
	expect_err "Test Intermediate CA"
	hc list --format json
	expect_rc 0
	expect_eq Untrusted "$(jq_py "$T/out" 'd[0]["Status"]')" "Status without the intermediate"
	rq_no_data_object
	hc import "$T/pki/int.pem"
	expect_rc 0 "import the intermediate"
	# the root came from trust-anchors, not from the token
	rq_expect_completed no
}

test_complete_leaf_without_intermediate_warns_untrusted() {
	rq_issued
	rq_trust_root
	hc complete "$T/leaf.pem"
	expect_rc 0 "complete a PEM leaf alone"
	grep -q '^hsmcert: warning: .*install the intermediate CA certificate for .*Test Intermediate CA' "$T/err" ||
		fail "no warning naming the missing intermediate:" "$ERR"
	hc show "$THUMB" --format json
	expect_rc 0
	expect_eq Untrusted "$(jq_py "$T/out" 'd["Status"]')" Status
	expect_eq "[]" "$(jq_py "$T/out" 'd["Chain"]')" Chain
	hc list --status Untrusted --format json
	expect_rc 0
	expect_eq "$THUMB" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list --status Untrusted"
	hc import "$T/pki/chain.pem"
	expect_rc 0 "import intermediate and root"
	rq_expect_completed
}

# Without trust-anchors a private root is stored but not trusted: "never
# trusted because they arrived" (SPEC import).
test_complete_root_in_answer_is_not_trusted() {
	rq_issued
	cat "$T/leaf.pem" "$T/pki/chain.pem" >"$T/answer.pem"
	hc import "$T/answer.pem"
	expect_rc 0
	hc show "$THUMB" --format json
	expect_rc 0
	expect_eq Untrusted "$(jq_py "$T/out" 'd["Status"]')" "Status with the root only inside the answer"
	[ "$(jq_py "$T/out" 'd["RootCAType"]')" != Private ] || fail "RootCAType Private without trust-anchors"
	rq_trust_root
	hc show "$THUMB" --format json
	expect_rc 0
	expect_eq Valid "$(jq_py "$T/out" 'd["Status"]')" "Status once the root is a trust anchor"
	expect_eq Private "$(jq_py "$T/out" 'd["RootCAType"]')" RootCAType
}

# ---------------------------------------------------------------------------
# completion refusals

test_import_leaf_with_foreign_key_exit_3() {
	rq_issued
	pki leaf "$T/pki" foreign.example.com "$T/foreign.pem"
	for cmd in import complete; do
		refused 3 "the private key for this certificate is not on this token" "$cmd" "$T/foreign.pem"
		expect_err "$T/foreign.pem"
		expect_err "import the PFX exported from the server where the request was made"
	done
	# in a bundle with its chain too
	cat "$T/foreign.pem" "$T/pki/chain.pem" >"$T/foreign-bundle.pem"
	refused 3 "the private key for this certificate is not on this token" import "$T/foreign-bundle.pem"
	hc list --pending --format json
	expect_rc 0
	expect_eq "$KEYID" "$(jq_py "$T/out" 'd[0]["KeyId"]')" "the pending request is still pending"
}

test_complete_lone_ca_cert_exit_3() {
	rq_issued
	refused 3 "$T/pki/int.pem" complete "$T/pki/int.pem"
	refused 3 "$T/pki/chain.pem" complete "$T/pki/chain.pem"
	# import stores it
	hc import "$T/pki/int.pem"
	expect_rc 0
	hc list --ca --format json
	expect_rc 0
	expect_eq "$INT" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list --ca after import"
}

test_import_bad_files_exit_2_name_the_file() {
	rq_issued
	echo "this is not a certificate" >"$T/garbage.pem"
	head -c 700 /dev/urandom >"$T/random.bin"
	: >"$T/empty.pem"
	head -n 5 "$T/leaf.pem" >"$T/trunc.pem"
	head -c 200 "$T/leaf.der" >"$T/trunc.der"
	# a PEM header and footer around garbage
	{ echo '-----BEGIN CERTIFICATE-----'; echo 'bm90IGEgY2VydGlmaWNhdGU='; echo '-----END CERTIFICATE-----'; } >"$T/fake.pem"
	for f in garbage.pem random.bin empty.pem trunc.pem trunc.der fake.pem; do
		for cmd in import complete; do
			refused 2 "$T/$f" "$cmd" "$T/$f"
		done
	done
	refused 2 "$T/no-such-file.pem" import "$T/no-such-file.pem"
	hc list --pending --format json
	expect_rc 0
	expect_eq "$KEYID" "$(jq_py "$T/out" 'd[0]["KeyId"]')" "the pending request is still pending"
}

test_import_same_answer_twice_is_noop() {
	rq_issued
	rq_trust_root
	cat "$T/leaf.pem" "$T/pki/chain.pem" >"$T/answer.pem"
	hc import "$T/answer.pem"
	expect_rc 0 "first import"
	snapshot "$T/snap.before"
	hc import "$T/answer.pem"
	expect_rc 0 "second import"
	grep -qi 'already present' "$T/out" "$T/err" || fail "the second import does not say 'already present'" "$OUT" "$ERR"
	expect_token_unchanged "$T/snap.before"
	hc import "$T/pki/int.pem"
	expect_rc 0 "import of a stored CA certificate"
	grep -qi 'already present' "$T/out" "$T/err" || fail "re-import of the intermediate does not say 'already present'"
	expect_token_unchanged "$T/snap.before"
	rq_expect_completed
}

# ---------------------------------------------------------------------------
# namespace plan and names

test_request_plan_typo_refused_force_creates() {
	printf '# mitserv namespace\nmail.mitserv.net\nlegacy.mitserv.net   # old OWA\n\n' >"$T/plan"
	refused 5 "legacy.mitsev.net" request --subject "CN=mail.mitserv.net" \
		--domain legacy.mitsev.net --key ec:p256 --plan "$T/plan" --out "$T/req.pem"
	expect_err "legacy.mitserv.net"
	expect_no_file "$T/req.pem"
	hc list --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "list after the refused request"

	hc request --subject "CN=mail.mitserv.net" --domain legacy.mitsev.net --key ec:p256 \
		--plan "$T/plan" --force --out "$T/req.pem"
	expect_rc 0 "request --plan --force"
	grep -q '^hsmcert: warning: .*legacy.mitsev.net' "$T/err" || fail "--force gives no warning naming the typo"
	expect_eq "$(printf '%s\n' mail.mitserv.net legacy.mitsev.net)" "$(san_list "$T/req.pem" req)" "SANs of the forced request"
	hc list --pending --format json
	expect_rc 0
	expect_eq 1 "$(jq_py "$T/out" 'len(d)')" "pending requests"
}

test_request_plan_missing_name_refused() {
	printf 'mail.mitserv.net\nlegacy.mitserv.net\n' >"$T/plan"
	refused 5 "legacy.mitserv.net" request --subject "CN=mail.mitserv.net" --key ec:p256 --plan "$T/plan"
	# an extra name is a warning only
	rq_pending --subject "CN=mail.mitserv.net" --domain legacy.mitserv.net,extra.mitserv.net \
		--key ec:p256 --plan "$T/plan"
	grep -q '^hsmcert: warning: .*extra.mitserv.net' "$T/request.err" || fail "no warning for the extra name"
}

test_names_plan_typo_exit_5_prints_list() {
	printf 'mail.mitserv.net\nlegacy.mitserv.net\n' >"$T/plan"
	snapshot "$T/snap.before"
	hc names --subject "CN=mail.mitserv.net" --domain legacy.mitsev.net --plan "$T/plan"
	expect_rc 5 "names --plan with a typo"
	expect_eq "$(printf '%s\n' mail.mitserv.net legacy.mitsev.net)" "$OUT" "names prints the list"
	expect_err "legacy.mitsev.net"
	expect_err "legacy.mitserv.net"
	expect_token_unchanged "$T/snap.before"
	hc names --subject "CN=mail.mitserv.net" --domain legacy.mitserv.net --plan "$T/plan"
	expect_rc 0 "names --plan, all planned"
}

test_names_equals_request_sans() {
	conf_set names accepted-domains "tailspintoys.com"
	# shellcheck disable=SC2054 # the commas are hsmcert's name lists
	args=(--subject "CN=mail.tailspintoys.ca, O=Tailspintoys" --domain owa.tailspintoys.ca,MAIL.tailspintoys.ca
		--domain mail.emea.tailspintoys.ca,192.0.2.25 --include-accepted-domains --include-autodiscover)
	hc names "${args[@]}"
	expect_rc 0 "names"
	cp "$T/out" "$T/names"
	# the CN is among the domains (as MAIL.tailspintoys.ca), so it is not
	# put first (SPEC new/request: "the subject CN (if it is not among the
	# domains)"), and the --domain spelling is kept
	expect_eq "$(printf '%s\n' owa.tailspintoys.ca MAIL.tailspintoys.ca mail.emea.tailspintoys.ca 192.0.2.25 \
		tailspintoys.com autodiscover.tailspintoys.ca autodiscover.emea.tailspintoys.ca autodiscover.tailspintoys.com)" \
		"$(cat "$T/names")" "names"
	rq_pending "${args[@]}" --key ec:p256
	san_list "$T/req.pem" req | sed 's/^IP Address://' >"$T/sans"
	diff -u "$T/names" "$T/sans" >"$T/d" || fail "names and the request's SANs differ:" "$(cat "$T/d")"
}

# ---------------------------------------------------------------------------
# verify

test_verify_self_signed_warns_chain() {
	new_cert --subject "CN=v.example.com" --domain w.example.com --key ec:p256
	snapshot "$T/snap.before"
	hc verify "$THUMB"
	expect_rc 0 "verify of a fresh self-signed certificate"
	expect_out_re '^ *warn +chain +.*self-signed'
	expect_out_re '^ *ok +key pairing'
	expect_out_re '^ *ok +private key'
	expect_out_re '^ *ok +validity'
	! grep -q 'FAIL' "$T/out" || fail "verify FAILs something:" "$OUT"
	expect_token_unchanged "$T/snap.before"
}

test_verify_at_after_expiry_fails_validity() {
	new_cert --subject "CN=v.example.com" --key ec:p256 --days 10
	snapshot "$T/snap.before"
	at=$(date -u -d '+20 days' +%Y-%m-%d)
	hc verify "$THUMB" --at "$at"
	expect_rc 5 "verify --at after expiry"
	expect_out_re '^ *FAIL +validity'
	expect_err "validity"
	hc verify "${THUMB:0:8}" --at "$(date -u -d '+20 days' +%Y-%m-%dT%H:%M:%SZ)"
	expect_rc 5 "verify --at RFC 3339 after expiry"
	expect_out_re '^ *FAIL +validity'
	hc verify "$THUMB" --at "$(date -u -d '+5 days' +%Y-%m-%d)"
	expect_rc 0 "verify --at within validity"
	expect_out_re '^ *warn +validity'
	hc verify "$THUMB" --at "$(date -u -d '-5 days' +%Y-%m-%d)"
	expect_rc 5 "verify --at before NotBefore"
	expect_out_re '^ *FAIL +validity'
	refused 2 "not-a-date" verify "$THUMB" --at not-a-date
	expect_token_unchanged "$T/snap.before"
}

test_verify_warn_days() {
	new_cert --subject "CN=v.example.com" --key ec:p256
	hc verify "$THUMB" --warn-days 4000
	expect_rc 0 "verify --warn-days 4000"
	expect_out_re '^ *warn +validity'
	hc verify "$THUMB" --warn-days 10
	expect_rc 0
	expect_out_re '^ *ok +validity'
}

test_verify_plan_typo_fails_extra_warns() {
	new_cert --subject "CN=mail.mitserv.net" --domain legacy.mitsev.net --key ec:p256
	printf 'mail.mitserv.net\nlegacy.mitserv.net\n' >"$T/plan"
	hc verify "$THUMB" --plan "$T/plan"
	expect_rc 5 "verify --plan with a typo"
	grep -E '^ *FAIL +plan.*legacy.mitsev.net' "$T/out" | grep -q 'legacy.mitserv.net' ||
		fail "no FAIL plan line naming both spellings" "$OUT"
	printf 'mail.mitserv.net\n' >"$T/plan2"
	hc verify "$THUMB" --plan "$T/plan2"
	expect_rc 0 "verify --plan with an extra name"
	expect_out_re '^ *warn +plan.*legacy.mitsev.net'
}

test_verify_ca_issued_chain_ok_and_broken() {
	rq_issued
	rq_trust_root
	hc complete "$T/leaf.pem"
	expect_rc 0
	hc verify "$THUMB"
	expect_rc 5 "verify without the intermediate"
	expect_out_re '^ *FAIL +chain'
	hc import "$T/pki/int.pem"
	expect_rc 0
	hc verify "$THUMB"
	expect_rc 0 "verify with the chain"
	expect_out_re '^ *ok +chain'
	expect_out_re '^ *ok +key pairing'
	! grep -qE '^ *(FAIL|warn) ' "$T/out" || fail "verify of a good CA-issued certificate:" "$OUT"
}

# ---------------------------------------------------------------------------
# renew

test_renew_self_signed_same_subject_and_names() {
	new_cert --subject "$RQ_TAILSPIN_SUBJECT" --domain "$(rq_tailspin_domains)" --key ec:p256 \
		--friendly-name "Tailspin Mail 2026"
	old=$THUMB oldkey=$KEYID
	hc renew "$old" --format json
	expect_rc 0 "renew"
	expect_eq "Tailspin Mail 2026" "$(jq_py "$T/out" 'd["FriendlyName"]')" "FriendlyName of the renewal"
	new=$(jq_py "$T/out" 'd["Thumbprint"]')
	newkey=$(jq_py "$T/out" 'd["KeyId"]')
	[ "$new" != "$old" ] || fail "renew kept the thumbprint"
	[ "$newkey" != "$oldkey" ] || fail "renew kept the key"
	cert_from_token "$oldkey" "$T/old.pem"
	cert_from_token "$newkey" "$T/new.pem"
	expect_eq "$new" "$(x509_thumb "$T/new.pem")" "the new certificate on the token"
	for f in old new; do
		openssl x509 -in "$T/$f.pem" -noout -subject -ext subjectAltName >"$T/$f.names" ||
			fail "openssl x509 $f.pem"
	done
	diff -u "$T/old.names" "$T/new.names" >"$T/d" || fail "subject or SANs changed:" "$(cat "$T/d")"
	expect_eq 3 "$(objects_with_id "$newkey" | grep -c '^ *label: *Tailspin Mail 2026$')" "objects of the renewal labelled"
	openssl x509 -in "$T/new.pem" -noout -text | grep -q 'ASN1 OID: prime256v1' || fail "the new key is not P-256"
	run_ok openssl verify -CAfile "$T/new.pem" "$T/new.pem"
	hc list --format json
	expect_rc 0
	expect_eq "$(printf '%s\n' "$old" "$new" | sort | tr '\n' ' ')" \
		"$(jq_py "$T/out" '" ".join(sorted(x["Thumbprint"] for x in d)) + " "')" "list after renew: old and new"
}

test_renew_prints_changes_then_creates() {
	new_cert --subject "CN=r.example.com" --domain x.example.com,y.example.com --key ec:p256
	old=$THUMB
	hc renew "$old" --key ec:p384 --days 100 --add-domain z.example.com --drop-domain y.example.com --format json
	expect_rc 0 "renew with changes"
	grep -E 'ec:p256 *-> *ec:p384' "$T/err" >/dev/null || fail "stderr does not show the key change" "$ERR"
	grep -E '1825 *-> *100' "$T/err" >/dev/null || fail "stderr does not show the days change" "$ERR"
	grep -E '\+ *z\.example\.com' "$T/err" >/dev/null || fail "stderr does not show + z.example.com" "$ERR"
	grep -E '\- *y\.example\.com' "$T/err" >/dev/null || fail "stderr does not show - y.example.com" "$ERR"
	newkey=$(jq_py "$T/out" 'd["KeyId"]')
	cert_from_token "$newkey" "$T/new.pem"
	expect_eq "$(printf '%s\n' r.example.com x.example.com z.example.com)" "$(san_list "$T/new.pem")" "the renewed SANs"
	openssl x509 -in "$T/new.pem" -noout -text | grep -q 'NIST CURVE: P-384' || fail "the new key is not P-384"
	nb=$(date -u -d "$(openssl x509 -in "$T/new.pem" -noout -startdate | sed 's/.*=//')" +%s)
	na=$(date -u -d "$(openssl x509 -in "$T/new.pem" -noout -enddate | sed 's/.*=//')" +%s)
	expect_eq 100 "$(((na - nb) / 86400))" "validity of the renewal in days"
}

test_renew_refusals_leave_token_unchanged() {
	new_cert --subject "CN=r.example.com" --domain x.example.com --key ec:p256
	refused 2 "bad..name" renew "$THUMB" --add-domain bad..name
	refused 2 "nothere.example.com" renew "$THUMB" --drop-domain nothere.example.com
	refused 4 "max-days" renew "$THUMB" --days 4000
	refused 4 "min-rsa-bits" renew "$THUMB" --key rsa:1024
}

test_renew_ca_issued_gives_pending_request() {
	rq_issued --subject "CN=issued.example.com, O=Tailspintoys" \
		--domain www.issued.example.com,owa.issued.example.com --key ec:p384
	hc complete "$T/leaf.pem"
	expect_rc 0
	snapshot "$T/snap.before"
	hc renew "$THUMB"
	expect_rc 0 "renew of a CA-issued certificate"
	cp "$T/out" "$T/renew.pem"
	head -n 1 "$T/renew.pem" | grep -qx -- '-----BEGIN CERTIFICATE REQUEST-----' ||
		fail "renew does not print a PEM request" "$OUT"
	run_ok openssl req -in "$T/renew.pem" -verify -noout -text
	grep -q 'verify OK' "$T/peer" || fail "openssl req -verify:" "$(cat "$T/peer")"
	grep -q 'NIST CURVE: P-384' "$T/peer" || fail "the renewal request's key is not P-384 like the old one"
	expect_eq "$(san_list "$T/leaf.pem")" "$(san_list "$T/renew.pem" req)" "the renewal request's SANs"
	expect_eq "$(openssl x509 -in "$T/leaf.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
		"$(openssl req -in "$T/renew.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" "the renewal request's subject"
	hc list --format json
	expect_rc 0
	expect_eq 2 "$(jq_py "$T/out" 'len(d)')" "entries after renew"
	expect_eq "PendingRequest" "$(jq_py "$T/out" '" ".join(x["Status"] for x in d if x["Thumbprint"] != "'"$THUMB"'")')" \
		"the renewal is pending"
	# the renewal is completed like any request
	pki sign "$T/pki" "$T/renew.pem" "$T/leaf2.pem"
	hc complete "$T/leaf2.pem"
	expect_rc 0 "complete the renewal"
	hc list --format json
	expect_rc 0
	expect_eq "$(printf '%s\n' "$THUMB" "$(x509_thumb "$T/leaf2.pem")" | sort | tr '\n' ' ')" \
		"$(jq_py "$T/out" '" ".join(sorted(x["Thumbprint"] for x in d)) + " "')" "old and renewed certificates"
}

test_renew_keeps_exportable_flag() {
	new_cert --subject "CN=ex.example.com" --key ec:p256 --exportable
	hc renew "$THUMB" --format json
	expect_rc 0
	newkey=$(jq_py "$T/out" 'd["KeyId"]')
	expect_eq true "$(jq_py "$T/out" 'd["PrivateKeyExportable"]')" PrivateKeyExportable
	access_items "$newkey" >"$T/access"
	grep -qx 'extractable' "$T/access" || fail "the renewed key is not extractable" "$(cat "$T/access")"
	new_cert --subject "CN=ne.example.com" --key ec:p256
	hc renew "$THUMB" --format json
	expect_rc 0
	newkey=$(jq_py "$T/out" 'd["KeyId"]')
	access_items "$newkey" >"$T/access"
	grep -qx 'never extractable' "$T/access" || fail "the renewed key is not 'never extractable'" "$(cat "$T/access")"
	! grep -qx 'extractable' "$T/access" || fail "the renewal of a non-exportable key is extractable"
	# and for a request renewal too
	rq_issued --subject "CN=exreq.example.com" --key ec:p256 --exportable
	hc complete "$T/leaf.pem"
	expect_rc 0
	hc renew "$THUMB" --out "$T/renew.pem"
	expect_rc 0
	hc list --pending --format json
	expect_rc 0
	newkey=$(jq_py "$T/out" 'd[0]["KeyId"]')
	access_items "$newkey" | grep -qx 'extractable' || fail "the key of the renewal request is not extractable"
}

# ---------------------------------------------------------------------------
# answers as real CAs send them

# rq_ber DER OUT: OUT is DER re-encoded as BER with indefinite lengths on
# the outer constructed levels (as some CAs, AD CS among them, write PKCS#7).
rq_ber() {
	python3 - "$1" "$2" <<'PY' || fail "cannot re-encode $1 as BER"
import sys
d = open(sys.argv[1], "rb").read()
def tlv(b, i):
    n, j = b[i + 1], i + 2
    if n & 0x80:
        k = n & 0x7f
        n, j = int.from_bytes(b[j:j + k], "big"), j + k
    return b[i], j, j + n
def ber(b, i, depth):
    tag, s, e = tlv(b, i)
    if depth == 0 or not tag & 0x20:
        return b[i:e], e
    out, j = bytes([tag, 0x80]), s
    while j < e:
        part, j = ber(b, j, depth - 1)
        out += part
    return out + b"\0\0", e
open(sys.argv[2], "wb").write(ber(d, 0, 4)[0])
PY
}

# Three pending requests on one token, each completed by its own answer:
# a CRLF PEM bundle (a Windows CA or mail client), a leaf after its
# `openssl x509 -text` dump (what some CA portals mail), a BER PKCS#7.
test_complete_crlf_text_dump_and_ber_answers() {
	pki init "$T/pki"
	rq_trust_root
	for n in crlf text ber; do
		rq_pending --subject "CN=$n.example.com" --key ec:p256
		cp "$T/req.pem" "$T/$n.req"
		echo "$KEYID" >"$T/$n.keyid"
		pki sign "$T/pki" "$T/$n.req" "$T/$n.leaf"
	done
	cat "$T/crlf.leaf" "$T/pki/chain.pem" | sed 's/$/\r/' >"$T/crlf.answer"
	{ openssl x509 -in "$T/text.leaf" -text; cat "$T/pki/int.pem"; } >"$T/text.answer"
	run_ok openssl crl2pkcs7 -nocrl -certfile "$T/ber.leaf" -certfile "$T/pki/chain.pem" \
		-outform der -out "$T/ber.der"
	rq_ber "$T/ber.der" "$T/ber.answer"
	run_ok openssl pkcs7 -inform der -in "$T/ber.answer" -print_certs -noout
	for n in crlf text ber; do
		hc complete "$T/$n.answer"
		expect_rc 0 "complete the $n answer"
		thumb=$(x509_thumb "$T/$n.leaf")
		hc show "$thumb" --format json
		expect_rc 0 "show the $n certificate"
		expect_eq Valid "$(jq_py "$T/out" 'd["Status"]')" "Status of the $n certificate"
		expect_eq "$(cat "$T/$n.keyid")" "$(jq_py "$T/out" 'd["KeyId"]')" "KeyId of the $n certificate"
	done
	hc list --pending --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "pending requests after three completions"
	rq_no_data_object
}

# AD CS's "Base 64" chain download (certnew.p7b) is a PKCS#7 inside a PEM
# block labelled CERTIFICATE, not PKCS7. SPEC import: "Whatever a CA hands
# back must work without conversion".
test_complete_p7b_in_certificate_pem_block() {
	rq_issued
	rq_trust_root
	openssl crl2pkcs7 -nocrl -certfile "$T/leaf.pem" -certfile "$T/pki/chain.pem" |
		sed 's/-----BEGIN PKCS7-----/-----BEGIN CERTIFICATE-----/; s/-----END PKCS7-----/-----END CERTIFICATE-----/' \
			>"$T/certnew.p7b"
	grep -q 'BEGIN CERTIFICATE' "$T/certnew.p7b" || fail "cannot make the AD CS style file"
	hc complete "$T/certnew.p7b"
	expect_rc 0 "complete an AD CS certnew.p7b (PKCS#7 in a CERTIFICATE PEM block)"
	rq_expect_completed
}

# A CA reissues a certificate for the same request (same key: new serial,
# longer validity, a corrected name). The key is on the token, so this is
# not "a key not on this token"; an administrator expects the new
# certificate to be installed beside the key. The message hsmcert gives
# today ("remove it first") would delete the private key with the old
# certificate, after which the reissue can never be installed.
test_import_reissued_cert_for_same_key() {
	rq_issued
	rq_trust_root
	cat "$T/leaf.pem" "$T/pki/chain.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem"
	expect_rc 0
	first=$THUMB
	pki sign "$T/pki" "$T/req.pem" "$T/reissue.pem" 730
	second=$(x509_thumb "$T/reissue.pem")
	hc import "$T/reissue.pem"
	expect_rc 0 "import of a reissued certificate for a key on the token"
	hc list --format json
	expect_rc 0
	jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d if x["KeyId"] == "'"$KEYID"'")' >"$T/thumbs"
	grep -q "$second" "$T/thumbs" || fail "the reissued certificate $second is not listed with key $KEYID" "$(cat "$T/thumbs")"
	hc show "$second" --format json
	expect_rc 0
	expect_eq Valid "$(jq_py "$T/out" 'd["Status"]')" "Status of the reissued certificate"
	: "$first"
}

test_verify_sha1_signed_certificate_fails() {
	rq_issued --subject "CN=sha1.example.com" --key ec:p256
	rq_trust_root
	pki sign "$T/pki" "$T/req.pem" "$T/sha1.pem" 30 sha1
	openssl x509 -in "$T/sha1.pem" -noout -text | grep -q 'Signature Algorithm: ecdsa-with-SHA1' ||
		fail "the test CA did not sign with SHA-1"
	cat "$T/sha1.pem" "$T/pki/int.pem" >"$T/answer.pem"
	# importing it is allowed (SPEC 8) ...
	hc import "$T/answer.pem"
	expect_rc 0 "import of a SHA-1 signed certificate"
	thumb=$(x509_thumb "$T/sha1.pem")
	# ... and verify FAILs it
	hc verify "$thumb"
	expect_rc 5 "verify of a SHA-1 signed certificate"
	grep -E '^ *FAIL +signature' "$T/out" | grep -qi 'sha-\?1' || fail "no FAIL signature line naming SHA-1" "$OUT"
	expect_out_re '^ *ok +chain'
}

# ---------------------------------------------------------------------------
# only what the request asked for completes it (SPEC section 10)

# rq_forge_self_signed SUBJ SANS OUT: a certificate that claims to be
# self-signed (issuer = subject = SUBJ, openssl -subj syntax) and carries
# the public key of the pending request $T/req.pem, but is signed by
# another key. Without key identifiers, so nothing but the signature tells
# it from a real self-signed certificate. SANS in openssl syntax.
rq_forge_self_signed() {
	local subj=$1 sans=$2 out=$3
	openssl req -in "$T/req.pem" -pubkey -noout >"$T/req.pub" 2>"$T/peer" ||
		fail "openssl req -pubkey:" "$(cat "$T/peer")"
	[ -s "$T/forger.key" ] ||
		run_ok openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/forger.key"
	printf '[x]\nbasicConstraints = critical, CA:FALSE\nsubjectAltName = %s\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = none\n' \
		"$sans" >"$T/forge.cnf"
	run_ok openssl x509 -new -subj "$subj" -key "$T/forger.key" -force_pubkey "$T/req.pub" \
		-days 30 -extfile "$T/forge.cnf" -extensions x -out "$out"
	# openssl sees what hsmcert must see: issuer = subject, the request's
	# key, and a self-signature that does not verify
	openssl x509 -in "$out" -noout -pubkey >"$T/forged.pub" || fail "openssl x509 -pubkey $out"
	cmp -s "$T/req.pub" "$T/forged.pub" || fail "$out does not carry the request's public key"
	expect_eq "$(openssl x509 -in "$out" -noout -subject | sed 's/^subject=//')" \
		"$(openssl x509 -in "$out" -noout -issuer | sed 's/^issuer=//')" "issuer and subject of $out"
	! openssl verify -check_ss_sig -CAfile "$out" "$out" >"$T/peer" 2>&1 ||
		fail "openssl verifies the self-signature of $out:" "$(cat "$T/peer")"
}

# rq_ca_sign SANS OUT [SUBJ]: the test intermediate signs $T/req.pem with
# the SAN list SANS (openssl syntax) instead of the request's, as a CA
# that drops, adds or respells names does; SUBJ replaces the subject.
rq_ca_sign() {
	local sans=$1 out=$2 subj=${3:-}
	printf '[x]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\nsubjectAltName = %s\n' \
		"$sans" >"$T/ca-sign.cnf"
	run_ok openssl x509 -req -in "$T/req.pem" -CA "$T/pki/int.pem" -CAkey "$T/pki/int.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 365 -sha256 \
		-extfile "$T/ca-sign.cnf" -extensions x ${subj:+-subj "$subj"} -out "$out"
}

# rq_expect_still_pending: the request KEYID is still pending: its data
# object is on the token (pkcs11-tool) and no certificate object is.
rq_expect_still_pending() {
	p11 --list-objects --type data 2>/dev/null >"$T/data-objs"
	grep -q "application: *'hsmcert-request'" "$T/data-objs" ||
		fail "the pending request's data object is gone:" "$(cat "$T/data-objs")"
	p11 --list-objects --type cert 2>/dev/null >"$T/cert-objs"
	! grep -q '^Certificate Object' "$T/cert-objs" ||
		fail "a certificate object was added:" "$(cat "$T/cert-objs")"
	hc list --pending --format json
	expect_rc 0
	expect_eq "$KEYID" "$(jq_py "$T/out" '" ".join(x["KeyId"] for x in d)')" "the pending request"
}

# A forged "self-signed" answer: the request's key, signed by another key.
# Refused whether its names differ from the request's or not.
test_complete_forged_self_signed_exit_5() {
	rq_pending --subject "CN=issued.example.com, O=Tailspintoys" --domain www.issued.example.com --key ec:p256
	rq_forge_self_signed "/CN=evil.example.com" "DNS:evil.example.com" "$T/forged.pem"
	rq_forge_self_signed "/O=Tailspintoys/CN=issued.example.com" \
		"DNS:issued.example.com,DNS:www.issued.example.com" "$T/forged-same.pem"
	run_ok openssl x509 -in "$T/forged-same.pem" -outform der -out "$T/forged-same.der"
	for f in forged.pem forged-same.pem forged-same.der; do
		for cmd in complete import; do
			refused 5 "self-signature" "$cmd" "$T/$f"
			expect_err "$T/$f"
			expect_err "issuer = subject"
		done
	done
	refused 5 "self-signature" complete "$T/forged-same.pem" --force
	rq_expect_still_pending
	hc list --format json
	expect_rc 0
	expect_eq PendingRequest "$(jq_py "$T/out" '" ".join(x["Status"] for x in d)')" "list after the refusals"
}

# Put on the token by another tool, a forged self-signed certificate is
# Invalid, and verify FAILs it.
test_forged_self_signed_on_token_is_invalid() {
	rq_pending --subject "CN=issued.example.com" --domain www.issued.example.com --key ec:p256
	rq_forge_self_signed "/CN=issued.example.com" \
		"DNS:issued.example.com,DNS:www.issued.example.com" "$T/forged.pem"
	run_ok openssl x509 -in "$T/forged.pem" -outform der -out "$T/forged.der"
	run_ok p11 --write-object "$T/forged.der" --type cert --id "$KEYID" --label forged
	thumb=$(x509_thumb "$T/forged.pem")
	hc show "$thumb" --format json
	expect_rc 0 "show of the forged certificate"
	expect_eq Invalid "$(jq_py "$T/out" 'd["Status"]')" "Status of a forged self-signed certificate"
	expect_eq false "$(jq_py "$T/out" 'd["IsSelfSigned"]')" "IsSelfSigned of a forged self-signed certificate"
	[ "$(jq_py "$T/out" 'd["RootCAType"]')" != SelfSigned ] || fail "RootCAType SelfSigned for a forged certificate"
	hc list --status Invalid --format json
	expect_rc 0
	expect_eq "$thumb" "$(jq_py "$T/out" '" ".join(x["Thumbprint"] for x in d)')" "list --status Invalid"
	hc list --self-signed --format json
	expect_rc 0
	expect_eq "[]" "$(jq_py "$T/out" 'd')" "list --self-signed"
	hc verify "$thumb"
	expect_rc 5 "verify of a forged self-signed certificate"
	expect_out_re '^ *FAIL +chain +.*self-signature'
}

# The CA left out a name the request asked for: refused, naming it;
# --force completes with a warning.
test_complete_answer_missing_name_exit_5_force_completes() {
	rq_issued --subject "CN=issued.example.com" --domain www.issued.example.com,owa.issued.example.com --key ec:p256
	rq_trust_root
	rq_ca_sign "DNS:issued.example.com,DNS:www.issued.example.com" "$T/short.pem"
	cat "$T/short.pem" "$T/pki/int.pem" >"$T/answer.pem"
	for cmd in complete import; do
		refused 5 "owa.issued.example.com" "$cmd" "$T/answer.pem"
		expect_err "--force"
		! grep -q 'www.issued.example.com' "$T/err" || fail "the refusal names a name the answer has:" "$ERR"
	done
	rq_expect_still_pending
	hc complete "$T/answer.pem" --force
	expect_rc 0 "complete --force"
	grep -q '^hsmcert: warning: .*owa.issued.example.com' "$T/err" || fail "complete --force gives no warning naming the missing name:" "$ERR"
	# the audit line says names were missing and --force took it
	python3 - "$T/state/audit.log" >"$T/py" 2>&1 <<'PY' || fail "audit of complete --force:" "$(cat "$T/py")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
last = lines[-1]
assert last["command"] == "complete" and last["result"] == "ok", last
assert "--force" in last["detail"], last
refused = [l for l in lines if l["command"] in ("complete", "import") and l["result"] != "ok"]
assert len(refused) == 2, refused
PY
	THUMB=$(x509_thumb "$T/short.pem")
	rq_expect_completed no
}

# import --force too, and several missing names are all named.
test_import_answer_missing_names_force() {
	rq_issued --subject "CN=issued.example.com" --domain www.issued.example.com,owa.issued.example.com,10.1.2.3 --key ec:p256
	rq_trust_root
	rq_ca_sign "DNS:www.issued.example.com" "$T/short.pem"
	refused 5 "issued.example.com" import "$T/short.pem"
	expect_err "owa.issued.example.com"
	expect_err "10.1.2.3"
	rq_expect_still_pending
	hc import "$T/short.pem" --force
	expect_rc 0 "import --force"
	grep -q '^hsmcert: warning: .*owa.issued.example.com' "$T/err" || fail "no warning naming the missing names:" "$ERR"
	rq_no_data_object
}

# An extra name is a warning; the request is completed.
test_complete_answer_extra_name_warns() {
	rq_issued --subject "CN=issued.example.com" --domain www.issued.example.com --key ec:p256
	rq_trust_root
	rq_ca_sign "DNS:issued.example.com,DNS:www.issued.example.com,DNS:extra.example.com" "$T/extra.pem"
	cat "$T/extra.pem" "$T/pki/int.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem"
	expect_rc 0 "complete with an extra name"
	grep -q '^hsmcert: warning: .*extra.example.com' "$T/err" || fail "no warning naming the extra name:" "$ERR"
	! grep -q 'www.issued.example.com' "$T/err" || fail "the warning names a requested name:" "$ERR"
	THUMB=$(x509_thumb "$T/extra.pem")
	rq_expect_completed no
}

# DNS names compare case-insensitively, IP addresses by value, and the CA
# may rewrite the subject (here: O and C dropped): no refusal, no warning.
test_complete_names_compared_by_value() {
	rq_issued --subject "CN=issued.example.com, O=Tailspintoys, C=CA" \
		--domain www.issued.example.com,192.0.2.7,2001:db8::7 --key ec:p256
	rq_trust_root
	rq_ca_sign "IP:2001:db8:0:0:0:0:0:7,DNS:WWW.ISSUED.EXAMPLE.COM,IP:192.0.2.7,DNS:Issued.Example.Com" \
		"$T/respelled.pem" "/CN=issued.example.com"
	cat "$T/respelled.pem" "$T/pki/int.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem"
	expect_rc 0 "complete with names respelled"
	! grep -q 'warning' "$T/err" || fail "warnings for names that match:" "$ERR"
	THUMB=$(x509_thumb "$T/respelled.pem")
	rq_expect_completed no
}
