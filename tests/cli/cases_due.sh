# tests/cli/cases_due.sh - renewal of what is due (SPEC section 9): renew ID
# of an ACME-issued certificate through ACME, the renewal links (Renews,
# RenewedBy), RenewAfter, and `renew --due` with its dry run, its JSON,
# its lock and its failures (sourced by run.sh after pebble.sh and
# cases_bindings.sh; every test_* function runs on a fresh token).
# shellcheck shell=bash disable=SC2154,SC2153

# due_evidence ARGS...: hc ARGS, its command line and output also kept in
# $HSMCERT_CLI_EVIDENCE/renew-due.txt when that directory exists (the
# transcript of a closing note)
due_evidence() {
	hc "$@"
	if [ -n "${HSMCERT_CLI_EVIDENCE:-}" ] && [ -d "$HSMCERT_CLI_EVIDENCE" ]; then
		{
			echo "\$ hsmcert $*   [exit $RC]"
			cat "$T/out" "$T/err"
			echo
		} >>"$HSMCERT_CLI_EVIDENCE/renew-due.txt"
	fi
}

# due_json FILE EXPR: python over the renew --due / list JSON in FILE
due_py() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$1" "$2" 2>"$T/py" ||
		fail "$3" "$(cat "$T/py")" "$(cat "$1")"
}

# due_acme_cert: pebble, an account, an ACME certificate for a.acme.test
# with `[acme] days = 3` (renewed after 2 days, the default third); sets
# ACME_THUMB and ACME_KEYID. A renew --due run sees it due with
# HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT (12 days on: a 3-day ACME, 2-day
# self-signed and 40-day CA-issued certificate are due, a 365-day one not).
DUE_SHIFT=1036800
due_acme_cert() {
	start_pebble 0
	conf_set acme days 3
	hc acme register --agree-tos
	expect_rc 0 "acme register: $ERR"
	hc request --acme --subject CN=a.acme.test --domain b.acme.test --key ec:p256 --format json
	expect_rc 0 "request --acme: $ERR"
	hc list --format json
	due_py "$T/out" 'c=[e for e in d if e["Enrollment"]=="acme"][0]; print(c["Thumbprint"], c["KeyId"])' \
		"no ACME certificate" >"$T/acme.ids"
	read -r ACME_THUMB ACME_KEYID <"$T/acme.ids"
}

test_renew_acme_certificate_renews_through_acme() {
	fresh_case
	due_acme_cert
	bnd_service https
	hc enable "$ACME_THUMB" --services https
	expect_rc 0 "enable: $ERR"
	hc renew "$ACME_THUMB" --yes --format json
	expect_rc 0 "renew of an ACME certificate: $ERR"
	new=$(jq_py "$T/out" 'd["Thumbprint"]')
	[ "$new" != "$ACME_THUMB" ] || fail "renew returned the old certificate"
	grep -q '"command":"complete".*"result":"ok"' "$T/state/audit.log" ||
		fail "the renewal's order is not audited"
	hc list --format json
	cp "$T/out" "$T/list.json"
	due_py "$T/list.json" "
o=[e for e in d if e['Thumbprint']=='$ACME_THUMB'][0]
n=[e for e in d if e['Thumbprint']=='$new'][0]
assert n['Enrollment']=='acme', n
assert n['Renews']=='$ACME_THUMB', n
assert o['RenewedBy']=='$new', o
assert n['KeyId']!=o['KeyId'], (n, o)
assert n['KeyAlgorithm']==o['KeyAlgorithm'] and n['KeySize']==o['KeySize'], (n, o)
assert sorted(n['CertificateDomains'])==sorted(o['CertificateDomains']), (n, o)
assert n['Services']==['https'] and o['Services']==[], (n, o)
assert 'RenewAfter' in n" "renewed certificate in list --format json"
	# the new key on the token: sensitive, never extractable, generated there
	newkey=$(jq_py "$T/list.json" "[e for e in d if e['Thumbprint']=='$new'][0]['KeyId']")
	access_items "$newkey" >"$T/access"
	for a in sensitive 'never extractable' local; do
		grep -qx "$a" "$T/access" || fail "renewed key lacks '$a'" "$(cat "$T/access")"
	done
	# the served file is the new certificate, its chain verifies
	expect_eq "$new" "$(bnd_fp "$T/svc/https.pem")" "cert-file after the takeover"
	hc export "$new" --cert-only --out "$T/chain.pem"
	expect_rc 0
	pebble_root "$T/root.pem"
	run_ok openssl verify -CAfile "$T/root.pem" -untrusted "$T/chain.pem" "$T/chain.pem"
}

test_renew_acme_failed_order_keeps_request_then_renew_due_orders_again() {
	fresh_case
	due_acme_cert
	good=$(sed -n 's/^http-listen = //p' "$CONF")
	sed -i "s/^http-listen = .*/http-listen = 127.0.0.1:$(free_port)/" "$CONF"
	hc renew "$ACME_THUMB" --yes
	expect_rc 1
	expect_err "urn:ietf:params:acme:error:"
	expect_err "is kept"
	hc list --format json
	cp "$T/out" "$T/list.json"
	due_py "$T/list.json" "
p=[e for e in d if e['Status']=='PendingRequest']
assert len(p)==1 and p[0]['Renews']=='$ACME_THUMB', d
o=[e for e in d if e['Thumbprint']=='$ACME_THUMB'][0]
assert o['RenewedBy']==p[0]['KeyId'], o
print(p[0]['KeyId'])" "pending renewal request" >"$T/keyid"
	# still failing: renew --due names the problem, keeps the request
	HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT hc renew --due
	expect_rc 1
	expect_out "failed $ACME_THUMB: "
	sed -i "s/^http-listen = .*/http-listen = $good/" "$CONF"
	HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT hc renew --due
	expect_rc 0 "renew --due after the fix: $ERR"
	expect_out_re "^renewed $ACME_THUMB -> [0-9a-f]{40}\$"
	hc list --format json
	due_py "$T/out" "
assert not [e for e in d if e['Status']=='PendingRequest'], d
n=[e for e in d if e.get('Renews')=='$ACME_THUMB']
assert len(n)==1 and n[0]['KeyId']=='$(cat "$T/keyid")' and n[0]['Enrollment']=='acme', d" "after the retried order"
}

test_renew_acme_out_needs_request() {
	fresh_case
	due_acme_cert
	snapshot "$T/before"
	hc renew "$ACME_THUMB" --out "$T/r.pem"
	expect_rc 2
	expect_err "renews through ACME"
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "a refused renew changed the token"
}

# due_four: one ACME certificate due, one self-signed due (2 days), one
# issued by the test CA due (40 days), one self-signed not due (365 days),
# due as seen DUE_SHIFT on
due_four() {
	due_acme_cert
	new_cert --subject CN=ss.due.test --domain ss.due.test --days 2 --key ec:p256
	SS_THUMB=$THUMB
	new_cert --subject CN=later.due.test --domain later.due.test --days 365 --key ec:p256
	LATER_THUMB=$THUMB
	hc request --subject CN=ca.due.test --domain ca.due.test --key ec:p256 --out "$T/req.pem"
	expect_rc 0 "request: $ERR"
	pki init "$T/pki"
	pki sign "$T/pki" "$T/req.pem" "$T/leaf.pem" 40
	cat "$T/leaf.pem" "$T/pki/chain.pem" >"$T/answer.pem"
	hc complete "$T/answer.pem"
	expect_rc 0 "complete: $ERR"
	CA_THUMB=$(bnd_fp "$T/leaf.pem")
}

test_renew_due_dry_run_then_run_then_again() {
	fresh_case
	due_four
	due_evidence list
	snapshot "$T/before"
	cp -a "$T/state" "$T/state.before"
	export HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT
	due_evidence renew --due --dry-run
	expect_rc 0 "dry run: $ERR"
	cp "$T/out" "$T/dry.txt"
	expect_out "would renew $ACME_THUMB (acme)"
	expect_out "would renew $SS_THUMB (self-signed)"
	expect_out "would request $CA_THUMB"
	expect_out_re "^not due $LATER_THUMB \\(renews after [0-9-]+T[0-9:]+Z\\)\$"
	due_evidence renew --due --dry-run --format json
	expect_rc 0
	due_py "$T/out" "
assert d['DryRun'] is True, d
assert sorted(x['Thumbprint'] for x in d['Renewed'])==sorted(['$ACME_THUMB','$SS_THUMB']), d
assert [x['Thumbprint'] for x in d['Requested']]==['$CA_THUMB'], d
assert [x['Thumbprint'] for x in d['NotDue']]==['$LATER_THUMB'], d
assert d['Failed']==[] and d['Pending']==[] and d['Superseded']==[], d" "dry run JSON"
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "renew --due --dry-run changed the token"
	grep -c . "$T/state/audit.log" >"$T/n.after"
	grep -c . "$T/state.before/audit.log" >"$T/n.before"
	cmp -s "$T/n.before" "$T/n.after" || fail "renew --due --dry-run wrote audit lines"

	due_evidence renew --due --format json
	expect_rc 0 "renew --due: $ERR"
	cp "$T/out" "$T/run1.json"
	due_py "$T/run1.json" "
assert d['DryRun'] is False, d
r={x['Thumbprint']: x for x in d['Renewed']}
assert sorted(r)==sorted(['$ACME_THUMB','$SS_THUMB']), d
assert all(len(x['New'])==40 for x in r.values()), d
assert [x['Thumbprint'] for x in d['Requested']]==['$CA_THUMB'], d
assert [x['Thumbprint'] for x in d['NotDue']]==['$LATER_THUMB'], d
assert d['Failed']==[], d" "renew --due JSON"
	hc list --format json
	due_py "$T/out" "
p=[e for e in d if e['Status']=='PendingRequest']
assert len(p)==1 and p[0]['Renews']=='$CA_THUMB', d
assert len([e for e in d if e['Status']!='PendingRequest'])==6, d" "token after renew --due"
	unset HSMCERT_TEST_DUE_SHIFT

	# a run at the real time: the new certificates are not due
	due_evidence renew --due
	expect_rc 0 "renew --due again: $ERR"
	cp "$T/out" "$T/run2.txt"
	expect_out_re "^superseded $ACME_THUMB by [0-9a-f]{40}\$"
	expect_out_re "^superseded $SS_THUMB by [0-9a-f]{40}\$"
	expect_out_re "^pending $CA_THUMB -> [0-9a-f]{40}\$"
	expect_out_re "^not due $LATER_THUMB "
	[ "$(grep -c '^not due' "$T/out")" = 3 ] || fail "the two renewed certificates are not 'not due'" "$OUT"
	due_evidence renew --due --format json
	expect_rc 0
	due_py "$T/out" "
assert len(d['Superseded'])==2 and len(d['Pending'])==1 and len(d['NotDue'])==3, d
assert d['Renewed']==[] and d['Requested']==[] and d['Failed']==[], d" "third run JSON"
	hc list --format json
	due_py "$T/out" "
assert len(d)==7, len(d)" "the third run made nothing"
}

test_renew_due_takes_over_bindings_without_asking() {
	fresh_case
	export HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT
	bnd_service https
	new_cert --subject CN=ss.due.test --domain ss.due.test --days 2 --key ec:p256
	old=$THUMB
	hc enable "$old" --services https
	expect_rc 0
	hc_notty renew --due
	expect_rc 0 "renew --due without a terminal: $ERR"
	new=$(sed -n "s/^renewed $old -> //p" "$T/out")
	[ -n "$new" ] || fail "no renewed line" "$OUT"
	expect_eq "$new" "$(bnd_fp "$T/svc/https.pem")" "cert-file after renew --due"
	expect_eq 2 "$(bnd_runs reload-https)" "reloads (enable, then the takeover)"
	expect_json_services "$new" https
	expect_json_services "$old" ""
}

test_renew_due_one_failure_does_not_stop_the_others() {
	fresh_case
	export HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT
	new_cert --subject CN=rsa.due.test --domain rsa.due.test --days 2 --key rsa:2048
	rsa=$THUMB
	new_cert --subject CN=ec.due.test --domain ec.due.test --days 2 --key ec:p256
	ec=$THUMB
	# the policy no longer allows the RSA key's size
	conf_set policy min-rsa-bits 3072
	hc renew --due
	expect_rc 1
	expect_out_re "^failed $rsa: .*no longer allowed"
	expect_out_re "^renewed $ec -> [0-9a-f]{40}\$"
	expect_err "1 of 2 certificates failed to renew"
	grep -q '"command":"renew".*"result":"denied"' "$T/state/audit.log" ||
		fail "the failed renewal is not audited"
}

test_renew_due_two_runs_at_once_never_renew_one_twice() {
	fresh_case
	export HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT
	bnd_service https
	new_cert --subject CN=ss.due.test --domain ss.due.test --days 2 --key ec:p256
	old=$THUMB
	hc enable "$old" --services https
	expect_rc 0
	"$HSMCERT" --config "$CONF" renew --due >"$T/a.out" 2>"$T/a.err" </dev/null &
	a=$!
	"$HSMCERT" --config "$CONF" renew --due >"$T/b.out" 2>"$T/b.err" </dev/null &
	b=$!
	wait "$a"; ra=$?
	wait "$b"; rb=$?
	[ "$ra" = 0 ] && [ "$rb" = 0 ] || fail "exit $ra and $rb" "$(cat "$T/a.out" "$T/a.err" "$T/b.out" "$T/b.err")"
	[ "$(cat "$T/a.out" "$T/b.out" | grep -c "^renewed $old")" = 1 ] ||
		fail "not exactly one renewal" "$(cat "$T/a.out" "$T/b.out")"
	[ "$(cat "$T/a.out" "$T/b.out" | grep -c "^superseded $old")" = 1 ] ||
		fail "the second run does not see the renewal" "$(cat "$T/a.out" "$T/b.out")"
	# (the clock is DUE_SHIFT on, so the second run finds the first run's
	# 2-day certificate due as well and renews that one: never $old twice)
	hc list --format json
	due_py "$T/out" "
assert len(d)==3, d
last=[e for e in d if 'RenewedBy' not in e]
assert len(last)==1 and last[0]['Services']==['https'], d
assert all(e['Services']==[] for e in d if 'RenewedBy' in e), d
print(last[0]['Thumbprint'])" "the bindings follow the renewals" >"$T/last"
	expect_eq "$(cat "$T/last")" "$(bnd_fp "$T/svc/https.pem")" "cert-file after both runs"
}

test_renew_due_usage() {
	fresh_case
	new_cert --subject CN=ss.due.test --domain ss.due.test --days 2
	snapshot "$T/before"
	refused 2 "give no ID" renew "$THUMB" --due
	refused 2 "--dry-run goes with --due" renew --dry-run "$THUMB"
	refused 2 "--due takes only" renew --due --days 3
	refused 2 "give ID, or --due" renew
	snapshot "$T/after"
	cmp -s "$T/before" "$T/after" || fail "a refused renew changed the token"
}

test_renew_links_and_renew_after_in_show() {
	fresh_case
	new_cert --subject CN=ss.due.test --domain ss.due.test --days 90 --key ec:p256
	old=$THUMB
	hc show "$old" --format json
	due_py "$T/out" "
import datetime
na=datetime.datetime.strptime(d['NotAfter'],'%Y-%m-%dT%H:%M:%SZ')
ra=datetime.datetime.strptime(d['RenewAfter'],'%Y-%m-%dT%H:%M:%SZ')
assert (na-ra).days==30, (na, ra)
assert 'Renews' not in d and 'RenewedBy' not in d, d" "RenewAfter of a self-signed certificate"
	hc renew "$old" --yes --format json
	expect_rc 0
	new=$(jq_py "$T/out" 'd["Thumbprint"]')
	hc show "$old"
	expect_out_re "^RenewedBy +: $new\$"
	hc show "$new"
	expect_out_re "^Renews +: $old\$"
	# the link is a data object on the token, gone with the new key
	p11 --list-objects --type data 2>/dev/null | grep -q "hsmcert-renewal" ||
		fail "no renewal link on the token" "$(p11 --list-objects --type data 2>&1)"
	hc remove "$new" --yes
	expect_rc 0
	p11 --list-objects --type data 2>/dev/null | grep -q "hsmcert-renewal" &&
		fail "the renewal link stayed after remove"
	hc show "$old" --format json
	due_py "$T/out" "assert 'RenewedBy' not in d, d" "RenewedBy after the renewal was removed"
}

test_report_shows_renewal_and_timeline() {
	fresh_case
	new_cert --subject CN=short.due.test --domain short.due.test --days 20 --key ec:p256
	short=$THUMB
	new_cert --subject CN=long.due.test --domain long.due.test --days 1825 --key ec:p256
	long=$THUMB
	hc renew "$long" --yes
	expect_rc 0
	hc report --format json
	expect_rc 0
	due_py "$T/out" "
i={x['Thumbprint']: x for x in d['Items']}
assert i['$short']['Enrollment']=='self-signed' and i['$short']['RenewAfter'], i
assert 'NotBefore' in i['$short'], i
assert len(i['$long']['RenewedBy'])==40, i" "report JSON renewal fields"
	hc report
	expect_rc 0
	expect_out_re "^      renewal: after [0-9]{4}-[0-9]{2}-[0-9]{2} \\(self-signed\\)\$"
	expect_out_re "^      renewal: renewed by [0-9a-f]{40}\$"
	hc report --format html
	expect_rc 0
	# the timeline: one well-formed inline SVG, no script, a bar and a
	# renewal tick per certificate, today's line
	python3 - "$T/out" <<'PY' 2>"$T/py" || fail "report timeline" "$(cat "$T/py")"
import re, sys
import xml.etree.ElementTree as ET
html = open(sys.argv[1]).read()
assert "<script" not in html.lower()
m = re.search(r'<svg class="timeline".*?</svg>', html, re.S)
assert m, "no timeline svg"
svg = ET.fromstring(m.group(0))
ns = "{http://www.w3.org/2000/svg}"
bars = [r for r in svg.iter(ns + "rect") if r.get("height") == "12"]
assert len(bars) == 3, len(bars)
texts = "".join(svg.itertext())
assert "today" in texts and "short.due.test" in texts, texts
faded = [b for b in bars if b.get("fill-opacity")]
assert len(faded) == 1, "the renewed certificate is not faded"
ticks = [l for l in svg.iter(ns + "line") if l.get("stroke") == "#000"]
assert len(ticks) == 1, len(ticks)  # the 5-year ones renew past the axis
PY
}

# A renewal link is a public data object: whoever may write public objects
# can forge one. A forged link naming a certificate that does not outlive
# the one it claims to renew, or a key that is not there, supersedes
# nothing: renew --due still renews the certificate.
test_renew_due_forged_links_do_not_stop_a_renewal() {
	fresh_case
	export HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT
	new_cert --subject CN=victim.due.test --domain victim.due.test --days 2 --key ec:p256
	victim=$THUMB
	new_cert --subject CN=other.due.test --domain other.due.test --days 1 --key ec:p256
	other_key=$KEYID
	printf '{"Renews":"%s"}' "$victim" >"$T/link.json"
	# written without logging in: a public object
	for label in "$other_key" 0123456789abcdef0123456789abcdef01234567; do
		run_ok pkcs11-tool --module "$MODULE" --token-label "$LABEL" --write-object "$T/link.json" \
			--type data --label "$label" --application-label hsmcert-renewal
	done
	hc renew --due
	expect_rc 0 "renew --due with forged links: $ERR"
	expect_out_re "^renewed $victim -> [0-9a-f]{40}\$"
}
