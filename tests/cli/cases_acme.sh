# tests/cli/cases_acme.sh - ACME (SPEC section 9) against pebble 2.4.0
# shellcheck shell=bash
# shellcheck source=pebble.sh
. "$HERE/pebble.sh"

# acme_request ARGS...: request --acme for three names
ACME_NAMES=b.acme.test,c.acme.test

acme_registered() {
	start_pebble "${1:-0}"
	hc acme register --agree-tos --contact mailto:ops@acme.test
	expect_rc 0 "acme register: $ERR"
}

test_acme_register_key_on_token() {
	fresh_case
	acme_registered
	expect_out "ACME account registered."
	expect_out_re 'Account   : https://127\.0\.0\.1:[0-9]+/my-account/'
	p11 --list-objects 2>/dev/null >"$T/objs"
	grep -A4 '^Private Key Object; EC' "$T/objs" | grep -q 'label: *hsmcert-acme-account' ||
		fail "no private key labelled hsmcert-acme-account" "$(cat "$T/objs")"
	awk '/^[A-Za-z].*Object/ { priv = /^Private Key Object/ }
	     priv && /label: *hsmcert-acme-account/ { want = 1 }
	     priv && want && /Access:/ { print; exit }' "$T/objs" >"$T/access"
	for a in sensitive 'always sensitive' 'never extractable' local; do
		grep -q "$a" "$T/access" || fail "account key Access lacks '$a'" "$(cat "$T/access")"
	done
	grep -q "label: *'hsmcert-acme-account'" "$T/objs" || grep -q 'application: *hsmcert-acme-account' "$T/objs" ||
		fail "no account record (data object)" "$(cat "$T/objs")"
	# the account key is not an orphan key
	hc list --format json
	expect_rc 0
	expect_eq "[]" "$(tr -d ' \n' <"$T/out")" "list after acme register"
}

test_acme_register_again_same_account() {
	fresh_case
	acme_registered
	first=$(sed -n 's/^Account *: //p' "$T/out")
	snapshot "$T/before"
	hc acme register --agree-tos
	expect_rc 0
	expect_out "The ACME account exists already."
	expect_eq "$first" "$(sed -n 's/^Account *: //p' "$T/out")" "account URL"
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "register again changed the token"
}

test_acme_show_json() {
	fresh_case
	acme_registered
	hc acme show --format json
	expect_rc 0
	jq_py "$T/out" 'd["Directory"]' >"$T/v" && expect_eq "$PEBBLE_DIR" "$(cat "$T/v")" "Directory"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["Status"]=="valid", d
assert d["Contact"]==["mailto:ops@acme.test"], d
assert d["Account"].startswith("https://"), d
assert len(d["KeyId"])==40, d
assert d["KeyUri"].startswith("pkcs11:") and "type=private" in d["KeyUri"], d' "$T/out" ||
		fail "acme show json" "$(cat "$T/out")"
}

test_acme_register_needs_agree_tos() {
	fresh_case
	start_pebble 0
	snapshot "$T/before"
	hc acme register
	expect_rc 2
	expect_err "--agree-tos"
	expect_err "terms of service"
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "a refused register changed the token"
}

test_acme_no_account_exit_3() {
	fresh_case
	start_pebble 0
	snapshot "$T/before"
	hc request --acme --subject CN=a.acme.test
	expect_rc 3
	expect_err "hsmcert acme register"
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "request --acme without account changed the token"
	hc acme show
	expect_rc 3
}

# the issued certificate: beside its key, chain verifies, names
check_issued() {
	hc list --format json
	expect_rc 0
	python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))
c=[e for e in l if e["Status"]!="PendingRequest"]
assert len(l)==1 and len(c)==1, l
print(c[0]["Thumbprint"], c[0]["KeyId"])' "$T/out" >"$T/ids" || fail "list after issuance" "$(cat "$T/out")"
	read -r thumb keyid <"$T/ids"
	objects_with_id "$keyid" >"$T/objs"
	for kind in 'Private Key Object' 'Public Key Object' 'Certificate Object'; do
		[ "$(grep -c "^$kind" "$T/objs")" = 1 ] || fail "not exactly one '$kind' with ID $keyid" "$(cat "$T/objs")"
	done
	hc export "$thumb" --cert-only --out "$T/chain.pem"
	expect_rc 0
	pebble_root "$T/root.pem"
	run_ok openssl verify -CAfile "$T/root.pem" -untrusted "$T/chain.pem" "$T/chain.pem"
	openssl x509 -in "$T/chain.pem" -noout -ext subjectAltName >"$T/san"
	for n in a.acme.test b.acme.test c.acme.test; do
		grep -q "DNS:$n" "$T/san" || fail "SAN lacks $n" "$(cat "$T/san")"
	done
}

test_acme_request_three_names() {
	fresh_case
	acme_registered
	s=$(date +%s%N)
	hc request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256
	e=$(date +%s%N)
	expect_rc 0 "$ERR"
	expect_out "Completed the pending request"
	echo "# 3-name issuance: $(((e - s) / 1000000)) ms" >&2
	# the figure for a closing note: HSMCERT_CLI_EVIDENCE=DIR keeps it
	if [ -n "${HSMCERT_CLI_EVIDENCE:-}" ] && [ -d "$HSMCERT_CLI_EVIDENCE" ]; then
		echo "$([ "$HC_MODULE" = "$CLIENT" ] && echo remote || echo direct) $(((e - s) / 1000000)) ms" \
			>>"$HSMCERT_CLI_EVIDENCE/acme-issuance.txt"
	fi
	check_issued
	grep -q '"command":"complete".*"result":"ok"' "$T/state/audit.log" ||
		fail "no ok complete line in the audit log"
}

test_acme_bad_nonce_retried() {
	fresh_case
	# 40 % of the nonces are refused: about six retries per order
	acme_registered 40
	hc request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256
	expect_rc 0 "$ERR"
	check_issued
}

# acme_evidence ARGS...: hc ARGS, kept with its output in
# $HSMCERT_CLI_EVIDENCE/acme-failed-order.txt when that directory exists
acme_evidence() {
	hc "$@"
	if [ -n "${HSMCERT_CLI_EVIDENCE:-}" ] && [ -d "$HSMCERT_CLI_EVIDENCE" ]; then
		{
			echo "\$ hsmcert $*   [exit $RC]"
			cat "$T/out" "$T/err"
			echo
		} >>"$HSMCERT_CLI_EVIDENCE/acme-failed-order.txt"
	fi
}

test_acme_failed_order_then_complete() {
	fresh_case
	start_pebble 0
	good=$(sed -n 's/^http-listen = //p' "$CONF")
	# pebble's validator connects to its httpPort: answer on another port
	sed -i "s/^http-listen = .*/http-listen = 127.0.0.1:$(free_port)/" "$CONF"
	hc acme register --agree-tos
	expect_rc 0
	acme_evidence request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256
	expect_rc 1
	expect_err "urn:ietf:params:acme:error:"
	expect_err "stays pending"
	grep -q '"command":"complete".*"result":"error"' "$T/state/audit.log" ||
		fail "the failed order is not audited as error"
	acme_evidence list
	hc list --format json
	python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))
assert len(l)==1 and l[0]["Status"]=="PendingRequest", l
print(l[0]["KeyId"])' "$T/out" >"$T/keyid" || fail "pending request not kept" "$(cat "$T/out")"
	sed -i "s/^http-listen = .*/http-listen = $good/" "$CONF"
	acme_evidence complete "$(cat "$T/keyid")" --acme
	expect_rc 0 "$ERR"
	check_issued
}

test_acme_http_root_files_removed() {
	fresh_case
	start_pebble 0
	mkdir -p "$T/www"
	sed -i '/^http-listen = /d' "$CONF"
	conf_set acme http-root "$T/www"
	hc acme register --agree-tos
	expect_rc 0
	# nobody serves the webroot: the order fails, and the files go
	hc request --acme --subject CN=a.acme.test
	expect_rc 1
	[ -z "$(find "$T/www" -mindepth 1)" ] || fail "webroot not cleaned" "$(find "$T/www")"
}

test_acme_config_bad_challenge() {
	fresh_case
	conf_set acme challenge tls-alpn-01
	hc acme show
	expect_rc 2
	expect_err "challenge 'tls-alpn-01' is not valid"
}

# SPEC section 9 Enrollment: acme (with AcmeDirectory), self-signed, manual;
# the record is a data object on the token, labelled with the thumbprint
test_acme_enrollment_show_list_report() {
	fresh_case
	acme_registered
	hc request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256 --format json
	expect_rc 0 "$ERR"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
e=d.get("Entry", d)
assert e["Enrollment"]=="acme", e' "$T/out" 2>/dev/null ||
		grep -q '"Enrollment": *"acme"' "$T/out" || fail "request --acme json lacks Enrollment acme" "$(cat "$T/out")"
	hc new --subject CN=self.acme.test --key ec:p256
	expect_rc 0 "$ERR"
	hc list --format json
	expect_rc 0
	python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); d=sys.argv[2]
by={e["Subject"].split(",")[0]: e for e in l}
a=by["CN=a.acme.test"]; s=by["CN=self.acme.test"]
assert a["Enrollment"]=="acme" and a["AcmeDirectory"]==d, a
assert s["Enrollment"]=="self-signed" and "AcmeDirectory" not in s, s
print(a["Thumbprint"])' "$T/out" "$PEBBLE_DIR" >"$T/thumb" || fail "list json Enrollment" "$(cat "$T/out")"
	thumb=$(cat "$T/thumb")
	# on the token: a data object hsmcert-acme-cert labelled with the thumbprint
	p11 --list-objects 2>/dev/null >"$T/objs"
	grep -A1 "label: *'$thumb'" "$T/objs" >"$T/rec"
	grep -q 'application: *.hsmcert-acme-cert' "$T/rec" ||
		fail "no hsmcert-acme-cert data object labelled $thumb" "$(cat "$T/objs")"
	hc show "$thumb"
	expect_rc 0
	expect_out_re '^Enrollment +: acme$'
	expect_out "AcmeDirectory        : $PEBBLE_DIR"
	# manual: the same chain imported by hand into another token would say
	# manual; here: a certificate from the test CA
	hc report --format json
	expect_rc 0
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); d=sys.argv[2]
a=r["AcmeAccounts"]
assert len(a)==1 and a[0]["Directory"]==d and a[0]["Account"].startswith("https://"), a
assert len(a[0]["KeyId"])==40 and a[0]["KeyProvenance"]=="generated-on-token, never-extractable", a
assert not [i for i in r["Items"] if i["Kind"]=="orphan key"], r["Items"]' "$T/out" "$PEBBLE_DIR" ||
		fail "report json AcmeAccounts" "$(cat "$T/out")"
	hc report
	expect_rc 0
	expect_out "ACME accounts (1):"
	expect_out "  directory $PEBBLE_DIR"
	hc report --format html
	expect_rc 0
	expect_out "<h2>ACME accounts</h2>"
	# remove takes the record with the certificate
	hc remove "$thumb" --yes
	expect_rc 0 "$ERR"
	p11 --list-objects 2>/dev/null | grep -q 'hsmcert-acme-cert' &&
		fail "the ACME issuance record outlived its certificate"
	true
}

# pebble with externalAccountBindingRequired: without eab-kid, exit 2
# naming eab-kid and nothing on the token; with eab-kid and the HMAC key
# from a file, the account is made (and the key never on the command line)
test_acme_eab_required() {
	fresh_case
	start_pebble 0 1
	sed -i '/^eab-kid = /d; /^eab-hmac-source = /d' "$CONF"
	snapshot "$T/before"
	hc acme register --agree-tos
	expect_rc 2
	expect_err "eab-kid"
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "a refused register changed the token" "$(diff "$T/before" "$T/after")"
	# a wrong HMAC key: pebble refuses, nothing stays
	printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' >"$T/bad.key"
	chmod 600 "$T/bad.key"
	conf_set acme eab-kid kid-1
	conf_set acme eab-hmac-source "file:$T/bad.key"
	hc acme register --agree-tos
	expect_rc 1
	expect_err "urn:ietf:params:acme:error:"
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "a refused EAB changed the token" "$(diff "$T/before" "$T/after")"
	sed -i "s|^eab-hmac-source = .*|eab-hmac-source = file:$T/pebble/eab.key|" "$CONF"
	hc acme register --agree-tos
	expect_rc 0 "$ERR"
	expect_out "ACME account registered."
	hc acme show --format json
	expect_rc 0
	expect_eq valid "$(jq_py "$T/out" 'd["Status"]')" "account status"
	hc request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256
	expect_rc 0 "$ERR"
	check_issued
}

# dns-01 through dns-hook: one add per name, then one del per add, the
# value the base64url SHA-256 of the key authorization; no TXT stays
expect_dns_cleaned() {
	python3 - "$T/dns.log" "$1" <<'PY' || fail "dns-hook calls" "$(cat "$T/dns.log")"
import re, sys
calls = [l.split() for l in open(sys.argv[1])]
adds = [(c[1], c[2]) for c in calls if c[0] == "add"]
dels = [(c[1], c[2]) for c in calls if c[0] == "del"]
assert len(adds) == int(sys.argv[2]), calls
assert sorted(adds) == sorted(dels), calls
assert all(re.fullmatch(r"_acme-challenge\.[a-z.]+", n) and re.fullmatch(r"[A-Za-z0-9_-]{43}", v) for n, v in adds), calls
assert calls.index(["del"] + list(dels[0])) >= len(adds), calls
PY
	for n in a.acme.test b.acme.test c.acme.test; do
		expect_eq 0 "$(txt_count "_acme-challenge.$n")" "TXT records of _acme-challenge.$n after the order"
	done
}

test_acme_dns01_hook() {
	fresh_case
	acme_registered
	use_dns01 ok
	hc request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256
	expect_rc 0 "$ERR"
	check_issued
	expect_dns_cleaned 3
}

test_acme_dns01_failed_validation_cleans_up() {
	fresh_case
	acme_registered
	use_dns01 wrong
	hc request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256
	expect_rc 1
	expect_err "urn:ietf:params:acme:error:"
	expect_err "stays pending"
	expect_dns_cleaned 3
	hc list --pending --format json
	expect_eq 1 "$(jq_py "$T/out" 'len(d)')" "pending requests after a failed dns-01 order"
	# the hook fixed: complete --acme issues it
	keyid=$(jq_py "$T/out" 'd[0]["KeyId"]')
	: >"$T/dns.log"
	sed -i "s|^dns-hook = .*|dns-hook = $HERE/dns-hook.sh $PEBBLE_DNS_MGMT $T/dns.log ok|" "$CONF"
	hc complete "$keyid" --acme
	expect_rc 0 "$ERR"
	check_issued
	expect_dns_cleaned 3
}

test_acme_dns01_hook_fails_del_still_runs() {
	fresh_case
	acme_registered
	use_dns01 fail
	snapshot "$T/before"
	hc request --acme --subject CN=a.acme.test --domain "$ACME_NAMES" --key ec:p256
	expect_rc 1
	expect_err "refused on purpose"
	expect_dns_cleaned 1
}

test_acme_dns01_hook_that_hangs_is_killed_and_cleaned_up() {
	fresh_case
	acme_registered
	use_dns01 hang
	# the 60 s limit of a hook, shortened for the test (as for reload)
	HSMCERT_TEST_RELOAD_TIMEOUT=2 hc request --acme --subject CN=a.acme.test --key ec:p256
	expect_rc 1
	expect_err "did not finish within 2 s: its process group was killed"
	pgrep -f "sleep 599.9" >/dev/null && fail "the hung hook's child still runs" "$(pgrep -af 'sleep 599.9')"
	# del ran for the add that was started, the record is gone
	grep -q "^del _acme-challenge.a.acme.test " "$T/dns.log" || fail "no del after the hung add" "$(cat "$T/dns.log")"
	expect_dns_cleaned 1
	hc list --pending --format json
	expect_eq 1 "$(jq_py "$T/out" 'len(d)')" "the pending request after a hung hook"
}

test_acme_dns01_needs_hook() {
	fresh_case
	acme_registered
	sed -i '/^http-listen = /d' "$CONF"
	conf_set acme challenge dns-01
	hc request --acme --subject CN=a.acme.test
	expect_rc 2
	expect_err "dns-hook"
}
