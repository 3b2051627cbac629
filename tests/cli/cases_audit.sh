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

# ---------------------------------------------------------------------------
# SPEC section 10: the audit chain never goes backwards; the log and its
# lock are never followed through links (issue 13, items 2 and 3).

# aud_heads: the labels of the audit heads on the token, one a line, read
# with pkcs11-tool (public objects: no login), sorted.
aud_heads() {
	pkcs11-tool --module "$MODULE" --token-label "$LABEL" --list-objects --type data 2>/dev/null |
		awk '
			/^Data object/ { lbl = "" }
			$1 == "label:" { sub(/^[^:]*:[ \t]*/, ""); gsub(/\047/, ""); lbl = $0 }
			$1 == "application:" && $2 == "\047hsmcert-audit\047" { print lbl }' | sort
}

# aud_head_seq: the seq of this host's head, from its label (exactly one).
aud_head_seq() {
	aud_heads >"$T/heads"
	[ "$(wc -l <"$T/heads")" = 1 ] || fail "expected one audit head on the token:" "$(cat "$T/heads")"
	sed -n 's/^seq=\([0-9]*\) .*/\1/p' "$T/heads"
}

# aud_state NAME: the token (every object but the head), the head's label
# and the state directory, kept as $T/NAME.* for aud_same.
aud_state() {
	snapshot "$T/$1.objs"
	aud_heads >"$T/$1.heads"
	dir_state "$T/state" >"$T/$1.files"
}

# aud_same NAME WHAT: token, head and state directory as aud_state NAME saw
# them (lock files, the index and the wrong-PIN record aside: a lock may be
# created, list keeps its cache of the token in index/, and a wrong PIN is
# recorded in pin-failures/ by the PIN lockout guard).
aud_same() {
	expect_token_unchanged "$T/$1.objs"
	aud_heads >"$T/heads.now"
	diff -u "$T/$1.heads" "$T/heads.now" >"$T/heads.diff" ||
		fail "$2: the audit head on the token moved:" "$(cat "$T/heads.diff")"
	dir_state "$T/state" | grep -Ev '\.lock |^\./(index|pin-failures)/' >"$T/files.now"
	grep -Ev '\.lock |^\./(index|pin-failures)/' "$T/$1.files" | diff -u - "$T/files.now" >"$T/files.diff" ||
		fail "$2: the state directory changed:" "$(cat "$T/files.diff")"
}

# aud_seal FILE PY: run python code PY on the list of parsed lines "l"
# (dicts, in order), then write FILE again with every line's hash
# recomputed as hsmcert writes it (a forger's tool).
aud_seal() {
	python3 - "$1" "$2" <<'PY' || fail "aud_seal failed"
import hashlib, json, sys
p, code = sys.argv[1], sys.argv[2]
l = [json.loads(x) for x in open(p, "rb").read().split(b"\n") if x]
for d in l:
    del d["hash"]
def line(d):
    body = json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode()
    h = hashlib.sha256(body).hexdigest()
    return body[:-1] + b',"hash":"' + h.encode() + b'"}', h
def chain(l, prev="0" * 64):
    out = []
    for d in l:
        d["prev"] = prev
        b, prev = line(d)
        out.append(b)
    return out
exec(code)
open(p, "wb").write(b"".join(x + b"\n" for x in out))
PY
}

test_audit_rewind_is_refused_and_reset_records_the_gap() {
	audit_fill
	[ "$(aud_head_seq)" = 4 ] || fail "head not at seq 4 after four lines" "$(cat "$T/heads")"
	# someone with write access to the state directory and no PIN
	head -n 2 "$T/audit.orig" >"$LOG"
	cp "$LOG" "$T/audit.truncated"
	aud_state before
	# a wrong PIN: refused as a wrong PIN, no line, the head stays
	echo 000000000000 >"$T/bad.pin"
	chmod 600 "$T/bad.pin"
	hc --pin-source "file:$T/bad.pin" list
	expect_rc 6 "list with a wrong PIN"
	expect_err "seq 2 but this host's head on the token is at seq 4"
	aud_same before "a wrong PIN on a rewound log"
	# a changing command refuses before it logs in or changes anything
	hc --pin-source "file:$T/bad.pin" new --subject CN=b.example.com --key ec:p256
	expect_rc 5 "new with a wrong PIN on a rewound log"
	aud_same before "new with a wrong PIN"
	refused 5 "ends at seq 2 but this host's head on the token is at seq 4: seq 3 to 4 are missing" \
		new --subject CN=b.example.com --key ec:p256
	expect_err "hsmcert audit reset --yes"
	aud_same before "a good new on a rewound log"
	[ "$(aud_head_seq)" = 4 ] || fail "the head moved" "$(cat "$T/heads")"
	# the policy refusal keeps its code; its line is not written either
	hc new --subject CN=weak.example.com --key rsa:1024
	expect_rc 4 "a policy refusal"
	expect_err "the audit line was not written"
	aud_same before "a policy refusal on a rewound log"
	# read-only commands keep working
	hc list
	expect_rc 0 "list"
	hc audit verify
	expect_rc 5 "verify of the rewound log"
	expect_out "seq 3 to 4 are missing"
	# audit reset: asks (no terminal: 7), then starts again at seq 5
	hc_notty audit reset
	expect_rc 7 "audit reset without a terminal or --yes"
	aud_same before "a cancelled audit reset"
	hc audit reset --yes
	expect_rc 0 "audit reset --yes"
	expect_out "chain intact since the audit reset at seq 5"
	[ "$(aud_head_seq)" = 5 ] || fail "the head is not at the reset line" "$(cat "$T/heads")"
	expect_token_unchanged "$T/before.objs"
	# the damaged log is kept aside, byte for byte
	ls "$T"/state/audit.log.*.damaged >"$T/kept" 2>/dev/null || fail "the old log was not kept aside"
	[ "$(wc -l <"$T/kept")" = 1 ] || fail "expected one kept log" "$(cat "$T/kept")"
	cmp -s "$(cat "$T/kept")" "$T/audit.truncated" || fail "the kept log is not the old one"
	python3 - "$LOG" "$(grep -o 'sha256=[0-9a-f]*' "$T/before.heads" | cut -c8-)" <<'PY' || fail "the reset line" "$(cat "$LOG")"
import json, sys
l = [json.loads(x) for x in open(sys.argv[1])]
assert len(l) == 1, l
d = l[0]
assert d["seq"] == 5 and d["command"] == "audit-reset" and d["result"] == "ok", d
assert d["prev"] == sys.argv[2], (d["prev"], sys.argv[2])
assert d["target"] == "seq 3-4", d
assert "ended at seq 2" in d["detail"] and "head was at seq 4" in d["detail"], d
assert "seq 3 to 4 are lost" in d["detail"], d
PY
	hc audit verify
	expect_rc 0 "verify after the reset"
	expect_out "1 line, chain intact since the audit reset at seq 5"
	expect_out "gap: the log ended at seq 2"
	expect_out "seq 3 to 4 are lost"
	# changes work again and chain on the reset line
	new_cert --subject CN=c.example.com --key ec:p256
	[ "$(aud_head_seq)" = 6 ] || fail "the head did not move to seq 6" "$(cat "$T/heads")"
	# the README's script for auditors recomputes the new log
	sed -n '/^```python$/,/^```$/p' "$TOP/README.md" | sed '1d;$d' >"$T/auditor.py"
	grep -q 'audit-reset' "$T/auditor.py" || fail "the README's auditor script was not found"
	(cd "$T/state" && python3 "$T/auditor.py") >"$T/py.out" 2>&1 ||
		fail "the README's auditor script fails on the reset log" "$(cat "$T/py.out")"
	hc audit verify --format json
	expect_rc 0
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["Valid"] and d["Lines"] == 2 and d["LastSeq"] == 6 and d["TokenHeadSeq"] == 6, d
r = d["Reset"]
assert r["Seq"] == 5 and r["GapFrom"] == 3 and r["GapTo"] == 4, r' "$T/out" || fail "verify JSON" "$OUT"
	hc audit show --format json
	expect_rc 0
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["command"] for x in d] == ["audit-reset", "new"], d' "$T/out" || fail "audit show" "$OUT"
	# the report shows the reset and the gap, in every format
	hc report --format json
	expect_rc 0
	python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["Audit"]
assert a["Valid"] and a["Reset"]["Seq"] == 5 and a["Reset"]["GapFrom"] == 3 and a["Reset"]["GapTo"] == 4, a' "$T/out" ||
		fail "report JSON" "$OUT"
	hc report
	expect_rc 0
	expect_out "started again by audit reset at seq 5"
	expect_out "GAP: seq 3 to 4 are not in this log"
	hc report --format html
	expect_rc 0
	expect_out "Started again by audit reset at seq 5"
	expect_out "seq 3 to 4 are not in this log"
	# an intact log: nothing to reset
	aud_state intact
	refused 2 "nothing to reset" audit reset --yes
	aud_same intact "audit reset of an intact log"
}

test_audit_deleted_log_is_refused_and_reset() {
	audit_fill
	rm "$LOG"
	aud_state before
	refused 5 "does not exist, but this host's head on the token is at seq 4: seq 1 to 4 are missing" \
		new --subject CN=b.example.com --key ec:p256
	expect_no_file "$LOG"
	aud_same before "new after the log was deleted"
	# an empty log is no better
	: >"$LOG"
	aud_state empty
	refused 5 "is empty, but this host's head" new --subject CN=b.example.com --key ec:p256
	aud_same empty "new on an emptied log"
	rm "$LOG"
	hc audit reset --yes
	expect_rc 0 "audit reset of a deleted log"
	! ls "$T"/state/audit.log.*.damaged >/dev/null 2>&1 || fail "a missing log has nothing to keep aside"
	hc audit verify
	expect_rc 0
	expect_out "chain intact since the audit reset at seq 5"
	expect_out "the log was missing"
	expect_out "seq 1 to 4 are lost"
	[ "$(aud_head_seq)" = 5 ] || fail "head" "$(cat "$T/heads")"
}

test_audit_replaced_log_is_refused() {
	audit_fill
	# a forger's log of the same length, every hash recomputed: the chain
	# holds, the head on the token does not
	aud_seal "$LOG" 'l[1]["target"] = "zz.example.com"; out = chain(l)'
	audit_python_check "$LOG" || fail "the forgery should recompute"
	cp "$LOG" "$T/audit.forged"
	aud_state before
	refused 5 "ends at seq 4, but its hash is not the one this host's head on the token has for seq 4" \
		new --subject CN=b.example.com --key ec:p256
	aud_same before "new on a replaced log"
	# a longer forgery (ahead of the head, without its line) is no better
	aud_seal "$LOG" 'l += [dict(l[3], seq=5), dict(l[3], seq=6)]; out = chain(l)'
	aud_state longer
	refused 5 "ends at seq 6 but does not hold the line seq 4 that this host's head on the token anchors" \
		new --subject CN=b.example.com --key ec:p256
	aud_same longer "new on a longer forged log"
	cp "$T/audit.forged" "$LOG"
	hc audit reset --yes
	expect_rc 0 "audit reset of a replaced log"
	expect_out "gap: the log ended at seq 4"
	expect_out "the log was replaced, seq 1 to 4 are lost"
	cmp -s "$(ls "$T"/state/audit.log.*.damaged)" "$T/audit.forged" || fail "the replaced log is not kept aside"
	hc audit verify
	expect_rc 0
}

test_audit_log_ahead_of_the_head_is_appended_to() {
	audit_fill
	# an interrupted run wrote line 5 and did not move the head
	aud_seal "$LOG" 'l.append(dict(l[3], seq=5, command="enable")); out = chain(l)'
	hc audit verify
	expect_rc 5
	expect_out "line 5 (seq 5) is not anchored on the token, whose head is at seq 4"
	new_cert --subject CN=b.example.com --key ec:p256
	[ "$(aud_head_seq)" = 6 ] || fail "head" "$(cat "$T/heads")"
	hc audit verify
	expect_rc 0
	expect_out "6 lines, chain intact, last seq 6"
}

test_audit_damaged_last_line_is_refused_and_reset() {
	audit_fill
	sed -i '$ s/"result":"ok"/"result":"OK"/' "$LOG"
	aud_state before
	refused 5 "the last line of the audit log $LOG is damaged" new --subject CN=b.example.com --key ec:p256
	aud_same before "new on a damaged log"
	hc audit reset --yes
	expect_rc 0
	expect_out "gap: the log's last line was damaged"
	hc audit verify
	expect_rc 0
	[ "$(aud_head_seq)" = 5 ] || fail "head" "$(cat "$T/heads")"
}

test_audit_forged_reset_lines_fail_verify_and_move_nothing() {
	audit_fill
	local head
	head=$(grep -o 'sha256=[0-9a-f]*' <<<"$(aud_heads)" | cut -c8-)
	[ ${#head} = 64 ] || fail "no head hash" "$(aud_heads)"
	# in the middle: line 3 replaced by an audit-reset after the head,
	# sealed: it must still chain on line 2, and does not
	head -n 2 "$T/audit.orig" >"$LOG"
	aud_seal "$LOG" "
r = dict(l[1], seq=5, command='audit-reset', target='seq 3-4', detail='forged')
out = chain(l) + [line(dict(r, prev='$head'))[0]]"
	aud_state mid
	hc audit verify
	expect_rc 5 "a reset line in the middle"
	expect_out "FAILED at line 3: line 3: seq 5 follows seq 2"
	refused 5 "does not hold the line seq 4 that this host's head" new --subject CN=b.example.com --key ec:p256
	aud_same mid "new after a forged mid-log reset"
	# as the first line: the head was never moved to it (only audit reset
	# with the PIN moves it), so the line the head anchors is missing
	aud_seal "$LOG" "
r = dict(l[0], seq=5, command='audit-reset', target='seq 1-4', detail='forged')
out = [line(dict(r, prev='$head'))[0]]"
	aud_state first
	hc audit verify
	expect_rc 5 "a forged first audit-reset line"
	expect_out "the log starts at seq 5 but the token's head is at seq 4"
	refused 5 "does not hold the line seq 4" new --subject CN=b.example.com --key ec:p256
	aud_same first "new after a forged first reset line"
	[ "$(aud_head_seq)" = 4 ] || fail "head" "$(cat "$T/heads")"
}

test_audit_reset_needs_the_pin() {
	audit_fill
	head -n 2 "$T/audit.orig" >"$LOG"
	aud_state before
	echo 000000000000 >"$T/bad.pin"
	chmod 600 "$T/bad.pin"
	hc --pin-source "file:$T/bad.pin" audit reset --yes
	expect_rc 6 "audit reset with a wrong PIN"
	aud_same before "audit reset with a wrong PIN"
	hc audit reset --yes --bogus
	expect_rc 2
	hc audit reset extra
	expect_rc 2
	aud_same before "audit reset usage errors"
}

test_audit_log_and_lock_are_not_followed_through_links() {
	new_cert --subject CN=a1.example.com --key ec:p256
	LOG=$T/state/audit.log
	# a link to someone else's file whose last line has no newline: the
	# repair of an interrupted write must not cut it
	printf 'line 1\nno newline at the end' >"$T/victim"
	sha256sum "$T/victim" >"$T/victim.sum"
	mv "$LOG" "$T/audit.real"
	ln -s "$T/victim" "$LOG"
	snapshot "$T/snap.link"
	aud_heads >"$T/heads.link"
	refused 1 "$LOG is a symbolic link" new --subject CN=b.example.com --key ec:p256
	sha256sum -c --quiet "$T/victim.sum" || fail "the link's target was changed"
	hc audit verify
	expect_rc 1 "audit verify of a symlinked log"
	expect_err "$LOG is a symbolic link"
	hc --pin-source "file:/dev/null" list
	sha256sum -c --quiet "$T/victim.sum" || fail "the link's target was changed by a wrong-PIN line"
	aud_heads | diff -u "$T/heads.link" - || fail "the head moved"
	# the lock
	rm "$LOG"
	mv "$T/audit.real" "$LOG"
	rm -f "$LOG.lock"
	printf 'lock victim\n' >"$T/victim2"
	sha256sum "$T/victim2" >"$T/victim2.sum"
	ln -s "$T/victim2" "$LOG.lock"
	refused 1 "$LOG.lock is a symbolic link" new --subject CN=b.example.com --key ec:p256
	sha256sum -c --quiet "$T/victim2.sum" || fail "the lock link's target was changed"
	[ "$(wc -l <"$LOG")" = 1 ] || fail "a line was written"
	# not a regular file: a FIFO must not hang or be written
	rm "$LOG.lock"
	mv "$LOG" "$T/audit.real"
	mkfifo "$LOG"
	refused 1 "$LOG is not a regular file" new --subject CN=b.example.com --key ec:p256
	hc audit verify
	expect_rc 1 "audit verify of a FIFO"
	rm "$LOG"
	mv "$T/audit.real" "$LOG"
	new_cert --subject CN=c.example.com --key ec:p256
	hc audit verify
	expect_rc 0 "after the links are gone"
}
