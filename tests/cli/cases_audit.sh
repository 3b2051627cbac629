# tests/cli/cases_audit.sh - the audit log and the compliance report (issue 6).
# Sourced by run.sh; every test_* runs on a fresh token (fresh_case).

# a log of a few lines: three changes and a denied one
audit_fill() {
	new_cert --subject CN=a1.example.com --key ec:p256
	new_cert --subject CN=a2.example.com --key ec:p256 --exportable
	hc new --subject CN=weak.example.com --key rsa:1024
	expect_rc 4
	new_cert --subject CN=a3.example.com --key ec:p256
	LOG=$T/state/audit.log
	[ "$(wc -l <"$LOG")" = 4 ] || fail "expected 4 audit lines" "$(cat "$LOG")"
	cp "$LOG" "$T/audit.orig"
}

# the chain recomputed with Python, as the README tells an auditor to
audit_python_check() {
	python3 - "$1" <<'PY'
import hashlib, json, sys
prev = "0" * 64
for n, line in enumerate(open(sys.argv[1], "rb").read().split(b"\n")[:-1], 1):
    body, _, h = line.rpartition(b',"hash":"')
    assert hashlib.sha256(body + b"}").hexdigest() == h[:-2].decode(), n
    d = json.loads(line)
    assert d["prev"] == prev and d["seq"] == n, n
    assert list(d)[-1] == "hash" and list(d)[:3] == ["seq", "time", "user"], n
    prev = h[:-2].decode()
PY
}

test_audit_lines_chain_and_recompute_in_python() {
	audit_fill
	audit_python_check "$LOG" || fail "the chain does not recompute in Python"
	hc audit verify
	expect_rc 0
	grep -q 'chain intact' "$T/out" || fail "verify does not say intact" "$OUT"
	grep -q '"result":"denied"' "$LOG" || fail "the refused rsa:1024 is not audited"
	grep -q 'min-rsa-bits' "$LOG" || fail "the denial's reason is not in the log"
	! grep -qi "$(cat "$T/user.pin")" "$LOG" || fail "the PIN is in the audit log"
	hc audit show --format json
	expect_rc 0
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==4 and d[2]["result"]=="denied"' "$T/out" ||
		fail "audit show --format json" "$OUT"
}

audit_tamper() { # python snippet on the list of lines "l"; expected line number
	cp "$T/audit.orig" "$LOG"
	python3 -c "import sys
p=sys.argv[1]; l=open(p).read().split('\n')
$1
open(p,'w').write('\n'.join(l))" "$LOG"
	hc audit verify
	expect_rc 5 "$3"
	grep -q "FAILED at line $2:" "$T/out" || fail "$3: not named line $2" "$OUT"
}

test_audit_verify_names_each_tampering() {
	audit_fill
	audit_tamper "l[2]=l[2].replace('weak','WEAK')" 3 "edited"
	audit_tamper "del l[1]" 2 "deleted"
	audit_tamper "l.insert(2, l[1])" 3 "inserted"
	audit_tamper "l[1], l[2] = l[2], l[1]" 2 "reordered"
	audit_tamper "l[:] = l[:2] + ['']" 3 "truncated"
	cp "$T/audit.orig" "$LOG"
	hc audit verify
	expect_rc 0
}

test_audit_rewritten_log_is_caught_by_the_token_head() {
	audit_fill
	# a forger edits line 4 and recomputes its hash: the chain holds, the
	# head kept on the token does not
	python3 - "$LOG" <<'PY'
import hashlib, sys
p = sys.argv[1]
l = open(p, "rb").read().split(b"\n")
body, _, h = l[3].rpartition(b',"hash":"')
body = body.replace(b"a3.example.com", b"zz.example.com")
l[3] = body + b',"hash":"' + hashlib.sha256(body + b"}").hexdigest().encode() + b'"}'
open(p, "wb").write(b"\n".join(l))
PY
	audit_python_check "$LOG" || fail "the forgery should recompute"
	hc audit verify
	expect_rc 5
	grep -q 'does not match the head kept on the token' "$T/out" || fail "head mismatch not named" "$OUT"
}

test_audit_parallel_writers_keep_the_chain() {
	new_cert --subject CN=base.example.com --key ec:p256
	local svc
	# 4 writers, each flipping its own service 10 times (20 changes each),
	# all at once: 1 + 80 lines exactly, every command succeeding
	for svc in imap pop um smtp; do
		(
			for _ in $(seq 1 10); do
				"$HSMCERT" --config "$CONF" enable "$THUMB" --services "$svc" --yes --quiet </dev/null >/dev/null 2>>"$T/par.err" ||
					echo "enable $svc failed" >>"$T/par.fail"
				"$HSMCERT" --config "$CONF" disable "$THUMB" --services "$svc" --quiet </dev/null >/dev/null 2>>"$T/par.err" ||
					echo "disable $svc failed" >>"$T/par.fail"
			done
		) &
	done
	wait
	[ ! -s "$T/par.fail" ] || fail "commands failed" "$(cat "$T/par.fail" "$T/par.err")"
	hc audit verify
	expect_rc 0 "after parallel writers"
	audit_python_check "$T/state/audit.log" || fail "the chain does not recompute"
	[ "$(wc -l <"$T/state/audit.log")" = 81 ] || fail "expected 81 lines" "$(wc -l <"$T/state/audit.log")"
}

test_report_json_has_documented_fields() {
	audit_fill
	hc report --format json
	expect_rc 0
	python3 - "$T/out" <<'PY' || fail "report JSON" "$OUT"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("Generated", "Host", "Token", "Items", "CaCertificates", "Policy", "Bindings", "Audit"):
    assert k in d, k
for k in ("Label", "Manufacturer", "Model", "Serial", "HardwareVersion", "FirmwareVersion",
          "Module", "PinCountLow", "PinFinalTry", "PinLocked", "PinToBeChanged"):
    assert k in d["Token"], k
assert len(d["Items"]) == 3
for e in d["Items"]:
    for k in ("Kind", "Thumbprint", "KeyId", "FriendlyName", "Subject", "Status", "KeyAlgorithm",
              "KeySize", "KeyProvenance", "PrivateKeyExportable", "NotAfter", "ExpiryBand", "Services"):
        assert k in e, k
    assert e["ExpiryBand"] == "60+ days"
assert {e["KeyProvenance"] for e in d["Items"]} == {"generated-on-token, never-extractable", "generated-on-token, exportable"}
for k in ("min-rsa-bits", "key-types", "max-days", "allow-export", "min-password-length", "digest"):
    assert k in d["Policy"], k
assert d["Audit"]["Valid"] is True and d["Audit"]["Lines"] == 4 and d["Audit"]["TokenHeadSeq"] == 4
PY
}

test_report_bands_and_html_is_self_contained() {
	new_cert --subject CN=soon.example.com --key ec:p256 --days 45
	new_cert --subject CN=urgent.example.com --key ec:p256 --days 10
	hc report --format json
	expect_rc 0
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
b = {e["Subject"]: e["ExpiryBand"] for e in d["Items"]}
assert b["CN=soon.example.com"] == "30-59 days", b
assert b["CN=urgent.example.com"] == "< 30 days", b' "$T/out" || fail "expiry bands" "$OUT"
	hc report --format html
	expect_rc 0
	grep -q '<!DOCTYPE html>' "$T/out" || fail "not HTML"
	grep -q '@media print' "$T/out" || fail "no print styles"
	! grep -qiE '<(script|link)|src=|url\(' "$T/out" || fail "the HTML refers to external assets"
}

test_report_audit_failure_is_shown_not_fatal() {
	audit_fill
	python3 -c "import sys; p=sys.argv[1]; l=open(p).read().split('\n'); del l[1]; open(p,'w').write('\n'.join(l))" "$LOG"
	hc report
	expect_rc 0
	grep -q 'FAILED at line 2' "$T/out" || fail "the report does not show the audit failure" "$OUT"
}
