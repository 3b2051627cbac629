#!/usr/bin/env bash
# tests/crash/run.sh [RUNS] - SIGKILL every changing command at random points.
#
#   HSMCERT=/abs/build/hsmcert tests/crash/run.sh 220
#
# Each run starts one changing command (new, request, import of a CA answer
# and of a PFX, export, enable, disable, remove, renew, lock) on a token that
# accumulates state, kills it with SIGKILL after a random 0-400 ms, and then
# checks what a crash may leave: `list` and `report` work and are
# consistent, `audit verify` passes or names the last line as incomplete or
# unanchored, every state file (bindings, archive records, service files) is
# complete, and the token holds at worst orphan keys, which `list` shows and
# `remove` deletes. Ends with "crash: N passed, N failed".
set -u
RUNS=${1:-220}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${HSMCERT:?set HSMCERT to the absolute path of build/hsmcert}"
export LC_ALL=C
MODULE=/usr/lib/softhsm/libsofthsm2.so

T=$(mktemp -d "${TMPDIR:-/tmp}/hsmcert-crash.XXXXXX")
trap 'rm -rf "$T"' EXIT
"$TOP/hsm/mktoken.sh" "$T/a" t >/dev/null
"$TOP/hsm/mktoken.sh" "$T/b" b >/dev/null
export SOFTHSM2_CONF="$T/a/softhsm2.conf"
mkdir -p "$T/svc"
cat >"$T/hc.conf" <<CONF
[token]
module = $MODULE
label = t
pin-source = file:$T/a/user.pin
softhsm2-conf = $T/a/softhsm2.conf
[paths]
state-dir = $T/state
[service https]
cert-file = $T/svc/cert.pem
key-uri-file = $T/svc/key.uri
reload = /bin/sleep 0.05
CONF
cat >"$T/b.conf" <<CONF
[token]
module = $MODULE
label = b
pin-source = file:$T/b/user.pin
softhsm2-conf = $T/b/softhsm2.conf
[paths]
state-dir = $T/bstate
CONF
export HSMCERT_CRASH_PW=crash-test-password-1
hc() { "$HSMCERT" --config "$T/hc.conf" "$@" </dev/null; }

# a CA for the "import of a CA answer" runs, and a PFX from token b
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
	-subj "/CN=Crash Test CA" -days 30 -out "$T/ca.pem" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
SOFTHSM2_CONF=$T/b/softhsm2.conf "$HSMCERT" --config "$T/b.conf" new --subject CN=pfx.example.com \
	--key ec:p256 --exportable --format json </dev/null >"$T/b.json"
bthumb=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Thumbprint"])' "$T/b.json")
SOFTHSM2_CONF=$T/b/softhsm2.conf "$HSMCERT" --config "$T/b.conf" export "$bthumb" \
	--out "$T/b.pfx" --password-source env:HSMCERT_CRASH_PW </dev/null >/dev/null

# something to work on: certificates (one exportable) and a binding
hc new --subject CN=base.example.com --key ec:p256 --exportable --quiet
hc new --subject CN=base2.example.com --key ec:p256 --quiet

first_cert() { # a certificate thumbprint (exportable when $1 = exp)
	hc list --format json 2>/dev/null | python3 -c '
import json, sys, random
d = [e for e in json.load(sys.stdin) if e["Status"] in ("Valid", "Untrusted") and e["HasPrivateKey"]]
if sys.argv[1] == "exp":
    d = [e for e in d if e["PrivateKeyExportable"]]
print(random.choice(d)["Thumbprint"] if d else "")' "$1"
}

pending() {
	hc list --pending --format json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d[0]["KeyId"] if d else "")'
}

# one command line per kind, chosen fresh for each run
command_for() {
	local kind=$1 id
	case $kind in
	new) echo "new --subject CN=crash$RANDOM.example.com --key ec:p256 --quiet" ;;
	request) echo "request --subject CN=req$RANDOM.example.com --key ec:p256 --out $T/req-$RANDOM.csr" ;;
	import-ca)
		id=$(pending)
		if [ -z "$id" ]; then
			hc request --subject "CN=req$RANDOM.example.com" --key ec:p256 --out "$T/p.csr" --force >/dev/null 2>&1
		fi
		hc export "$(pending)" --out "$T/p.csr" --force >/dev/null 2>&1
		openssl x509 -req -in "$T/p.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
			-days 10 -copy_extensions copy -out "$T/answer.pem" 2>/dev/null
		echo "complete $T/answer.pem" ;;
	import-pfx) echo "import $T/b.pfx --password-source env:HSMCERT_CRASH_PW" ;;
	export) echo "export $(first_cert exp) --out $T/x-$RANDOM.pfx --password-source env:HSMCERT_CRASH_PW" ;;
	enable) echo "enable $(first_cert any) --services https --yes" ;;
	disable) echo "disable $(first_cert any) --services https" ;;
	remove) echo "remove $(first_cert any) --yes --force" ;;
	renew) echo "renew $(first_cert any) --yes --days 30" ;;
	lock) echo "lock $(first_cert exp) --yes" ;;
	esac
}

kinds=(new request import-ca import-pfx export enable disable remove renew lock)
pass=0 nfail=0
ensure_material() {
	# keep at least two certificates (one exportable) to work on
	local n
	n=$(hc list --format json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(1 for e in d if e["PrivateKeyExportable"]))')
	[ "${n:-0}" -ge 1 ] || hc new --subject CN=more$RANDOM.example.com --key ec:p256 --exportable --quiet
}

check() { # run number, command
	local n=$1 cmd=$2 rc
	hc list --format json >"$T/list.json" 2>"$T/list.err" || {
		echo "# run $n ($cmd): list failed: $(cat "$T/list.err")"; return 1; }
	python3 - "$T/list.json" <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
seen = set()
for e in d:
    if e["Thumbprint"] in seen:
        print("# duplicate row", e["Thumbprint"]); sys.exit(1)
    seen.add(e["Thumbprint"])
    if e["Status"] == "Invalid":
        print("# an Invalid entry (key and certificate mismatch):", e["Thumbprint"]); sys.exit(1)
PY
	hc report --format json >/dev/null 2>"$T/report.err" || {
		echo "# run $n ($cmd): report failed: $(cat "$T/report.err")"; return 1; }
	hc audit verify >"$T/audit.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		local lines
		lines=$(wc -l <"$T/state/audit.log")
		# an interrupted run may leave the last line incomplete or not yet
		# anchored on the token: that, and only that, is allowed
		if ! grep -qE "line $((lines + 1)) is incomplete|line $lines \(seq [0-9]+\) is not anchored|line $((lines + 1)) is incomplete" "$T/audit.out"; then
			echo "# run $n ($cmd): audit verify: $(cat "$T/audit.out")"; return 1
		fi
	fi
	# state files are whole: JSON parses, PEM parses
	for f in "$T"/state/bindings.json "$T"/state/archive/*.json; do
		[ -e "$f" ] || continue
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null ||
			{ echo "# run $n ($cmd): $f is not whole JSON"; return 1; }
	done
	for f in "$T"/state/archive/*.pem "$T"/svc/cert.pem; do
		[ -e "$f" ] || continue
		openssl x509 -in "$f" -noout 2>/dev/null || openssl req -in "$f" -noout 2>/dev/null ||
			{ echo "# run $n ($cmd): $f is not a whole PEM"; return 1; }
	done
	if [ -e "$T/svc/key.uri" ] && ! grep -q '^pkcs11:' "$T/svc/key.uri"; then
		echo "# run $n ($cmd): key.uri is not whole"; return 1
	fi
	return 0
}

token_present() {
	softhsm2-util --show-slots 2>/dev/null | grep -q 'Label: *t *$'
}

start=$(date +%s)
platform=0
for n in $(seq 1 "$RUNS"); do
	kind=${kinds[$(( (n - 1) % ${#kinds[@]} ))]}
	ensure_material
	cmd=$(command_for "$kind")
	# SoftHSM2's file object store rewrites its own token.object in place:
	# a SIGKILL inside that write loses the whole token, whoever the client.
	# A copy of token and state lets such a run be told apart and undone.
	rm -rf "$T/backup" && mkdir -p "$T/backup" &&
		cp -a "$T/a/token" "$T/backup/token" && cp -a "$T/state" "$T/backup/state" &&
		cp -a "$T/svc" "$T/backup/svc"
	delay=$(( RANDOM % 400 ))
	# shellcheck disable=SC2086 # the command line is split on purpose
	"$HSMCERT" --config "$T/hc.conf" $cmd </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$delay")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if ! token_present; then
		platform=$((platform + 1))
		echo "# run $n ($kind after ${delay} ms): SoftHSM2 lost its token (its file store is not crash-safe); token and state put back"
		rm -rf "$T/a/token" "$T/state" "$T/svc"
		cp -a "$T/backup/token" "$T/a/token" && cp -a "$T/backup/state" "$T/state" &&
			cp -a "$T/backup/svc" "$T/svc"
		continue
	fi
	if check "$n" "$kind after ${delay} ms"; then
		pass=$((pass + 1))
	else
		nfail=$((nfail + 1))
	fi
	# orphan keys are allowed after a crash: remove them as an admin would
	orphans=$(hc list --status OrphanKey --format json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(e["KeyId"] for e in json.load(sys.stdin)))')
	if [ -n "$orphans" ]; then
		# shellcheck disable=SC2086
		hc remove $orphans --yes >/dev/null 2>&1 || { echo "# run $n: remove of orphan keys failed"; nfail=$((nfail + 1)); }
		echo "# run $n ($kind after ${delay} ms): orphan key(s) $orphans listed and removed"
	fi
done
echo "# $RUNS runs in $(( $(date +%s) - start )) s; $platform lost to SoftHSM2's own token file (not counted)"
echo "crash: $pass passed, $nfail failed"
[ "$nfail" -eq 0 ]
