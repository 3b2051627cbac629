# tests/cli/lib.sh - helpers of the CLI end-to-end tests (sourced by run.sh).
#
# Every test case runs in its own subshell after fresh_case has made a new
# SoftHSM2 token and configuration in a mktemp -d directory $T. Assertions
# print a "# ..." diagnostic and `exit 1`, which ends the case's subshell
# only: never call them inside $(...).
#
# PINs never appear on a command line: hsmcert reads them through file: or
# env: pin sources, pkcs11-tool through --pin env:VAR, p11tool through
# GNUTLS_PIN, the OpenSSL engine through a 0600 config file in $T.

# shellcheck disable=SC2034 # MODULE ... RC, OUT, ERR, THUMB, KEYID are for run.sh
MODULE=/usr/lib/softhsm/libsofthsm2.so
CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
# the module hsmcert is configured with: SoftHSM2 itself, or with
# HSMCERT_CLI_REMOTE=1 p11-kit's client module talking to a p11-kit server
# over the case's token (the peer tools stay on SoftHSM2: the server side)
HC_MODULE=$MODULE
[ "${HSMCERT_CLI_REMOTE:-0}" = 1 ] && HC_MODULE=$CLIENT
SPY=/usr/lib/x86_64-linux-gnu/pkcs11-spy.so
ENGINE=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
LABEL=t

# fresh_case: a new token "t" in a new temp dir $T (under $ROOT), the
# configuration $CONF of the brief, SOFTHSM2_CONF exported for the peers.
fresh_case() {
	T=$(mktemp -d "$ROOT/case.XXXXXX") || fail "mktemp -d"
	echo "$T" >"$ROOT/.case_dir.${CASE_NAME:-x}"
	"$TOP/hsm/mktoken.sh" "$T" "$LABEL" >"$T/mktoken.log" 2>&1 ||
		fail "hsm/mktoken.sh $T $LABEL: $(cat "$T/mktoken.log")"
	CONF=$T/hsmcert.conf
	write_conf "$CONF"
	export SOFTHSM2_CONF="$T/softhsm2.conf"
	: >"$T/trace"
	[ "$HC_MODULE" = "$CLIENT" ] && start_server
	return 0
}

# start_server: p11-kit server over the case's token on a unix socket in
# $T; P11_KIT_SERVER_ADDRESS is exported for hsmcert, and the server is
# stopped by its PID when the case's subshell exits.
start_server() {
	p11-kit server --provider "$MODULE" -n "$T/p11kit.sock" "pkcs11:token=$LABEL" \
		>"$T/server.env" 2>"$T/server.err" || fail "p11-kit server:" "$(cat "$T/server.err")"
	P11_KIT_SERVER_PID=$(sed -n 's/^P11_KIT_SERVER_PID=\([0-9]*\);.*/\1/p' "$T/server.env")
	[ -n "$P11_KIT_SERVER_PID" ] || fail "p11-kit server printed no PID:" "$(cat "$T/server.env")"
	export P11_KIT_SERVER_ADDRESS="unix:path=$T/p11kit.sock"
	at_exit 'kill "$P11_KIT_SERVER_PID" 2>/dev/null'
}

# skip REASON: end the case as skipped (TAP "# SKIP REASON").
skip() {
	echo "$*" >"$T/skip"
	exit 77
}

# needs_key_wrap: the case exports a private key, which needs
# CKM_AES_KEY_WRAP_PAD; p11-kit 0.24's RPC cannot carry it, so through the
# client module export refuses (test_remote_export_refused_names_the_cause).
needs_key_wrap() {
	[ "$HC_MODULE" != "$CLIENT" ] ||
		skip "export through p11-kit 0.24's client module: no CKM_AES_KEY_WRAP_PAD"
}

# at_exit CMD: run CMD when the case's subshell exits (before the earlier
# ones: the last started is the first stopped).
AT_EXIT=:
at_exit() {
	AT_EXIT="$1; $AT_EXIT"
	# shellcheck disable=SC2064 # expanded now, on purpose
	trap "$AT_EXIT" EXIT
}

# write_conf FILE [EXTRA-TOKEN-LINES...]: the case's configuration; with
# NO_PIN_SOURCE=1 the [token] section has no pin-source.
write_conf() {
	local f=$1
	shift
	{
		echo "[token]"
		echo "module = $HC_MODULE"
		echo "label = $LABEL"
		[ "${NO_PIN_SOURCE:-0}" = 1 ] || echo "pin-source = file:$T/user.pin"
		echo "softhsm2-conf = $T/softhsm2.conf"
		local l
		for l in "$@"; do echo "$l"; done
		echo
		echo "[paths]"
		echo "state-dir = $T/state"
	} >"$f"
}

fail() {
	printf '# %s\n' "$@"
	if [ -n "${T:-}" ] && [ -s "$T/trace" ]; then
		echo "# --- trace of the hsmcert runs of this case ---"
		tail -n 60 "$T/trace" | sed 's/^/#   /'
	fi
	exit 1
}

# hc ARGS...: run hsmcert with the case's configuration. Sets RC, OUT, ERR
# (also in $T/out and $T/err). stdin is /dev/null: nothing may prompt.
hc() { hc_raw --config "$CONF" "$@"; }

# hc_raw ARGS...: run hsmcert with exactly these arguments.
hc_raw() {
	timeout 60 "$HSMCERT" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	{
		printf '$ hsmcert %s  [exit %s]\n' "$*" "$RC"
		head -n 30 "$T/out" | sed 's/^/  out| /'
		sed 's/^/  err| /' "$T/err"
	} >>"$T/trace"
}

expect_rc() {
	[ "$RC" = "$1" ] || fail "expected exit $1, got $RC${2:+ ($2)}"
}

expect_err() {
	grep -qF -- "$1" "$T/err" || fail "stderr lacks '$1'"
}

expect_out() {
	grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1'"
}

expect_out_re() {
	grep -qE -- "$1" "$T/out" || fail "stdout does not match /$1/"
}

refute_out() {
	! grep -qF -- "$1" "$T/out" || fail "stdout unexpectedly has '$1'"
}

expect_eq() { # EXPECTED ACTUAL WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# run_ok CMD...: a peer tool that must succeed; its output goes to $T/peer.
run_ok() {
	"$@" >"$T/peer" 2>&1 || fail "failed ($?): $*" "$(cat "$T/peer")"
}

# p11 ARGS...: pkcs11-tool on the case's token, logged in.
p11() {
	HSMCERT_TEST_PIN=$(cat "$T/user.pin") pkcs11-tool --module "$MODULE" \
		--token-label "$LABEL" --login --pin env:HSMCERT_TEST_PIN "$@"
}

# snapshot FILE: every object on the token as pkcs11-tool lists it after
# login. Blocks that mention "audit" are dropped: SPEC section 5 excludes
# the audit head from "token unchanged".
snapshot() {
	p11 --list-objects 2>/dev/null | awk '
		function flush() { if (blk != "" && !skip) printf "%s", blk; blk = ""; skip = 0 }
		/^[A-Za-z].*[Oo]bject/ { flush() }
		# pkcs11-tool numbers data objects in the order it finds them,
		# which moves when the (skipped) audit head is replaced
		/^Data object [0-9]+/ { sub(/ [0-9]+$/, "") }
		{ blk = blk $0 "\n"; if (tolower($0) ~ /audit/) skip = 1 }
		END { flush() }' >"$1"
	[ "${PIPESTATUS[0]}" = 0 ] || fail "pkcs11-tool --list-objects failed"
}

expect_token_unchanged() { # BEFORE-SNAPSHOT
	snapshot "$T/snap.after"
	diff -u "$1" "$T/snap.after" >"$T/snap.diff" ||
		fail "the token changed:" "$(cat "$T/snap.diff")"
}

# refused RC SUBSTRING ARGS...: hsmcert ARGS (with the case's --config) must
# exit RC, say SUBSTRING on stderr as an "hsmcert: error:", print nothing on
# stdout, and leave the token as it was. refused_raw: without --config.
refused() { refuse_with hc "$@"; }
refused_raw() { refuse_with hc_raw "$@"; }

refuse_with() {
	local run=$1 rc=$2 msg=$3
	shift 3
	snapshot "$T/snap.before"
	"$run" "$@"
	expect_rc "$rc" "hsmcert $*"
	expect_err "hsmcert: error:"
	expect_err "$msg"
	[ -z "$OUT" ] || fail "stdout not empty on refusal: $OUT"
	expect_token_unchanged "$T/snap.before"
}

# jq_py FILE EXPR: evaluate the python expression EXPR with d = the JSON
# document in FILE; prints the result (str as is, others as JSON).
jq_py() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))
PY
}

# new_cert ARGS...: hsmcert new ARGS --format json; must succeed. Sets
# THUMB, KEYID and keeps the JSON in $T/new.json (and $T/new-$THUMB.json).
new_cert() {
	hc new "$@" --format json
	expect_rc 0 "hsmcert new $*"
	cp "$T/out" "$T/new.json"
	THUMB=$(jq_py "$T/new.json" 'd["Thumbprint"]') || fail "new: no JSON on stdout"
	KEYID=$(jq_py "$T/new.json" 'd["KeyId"]') || fail "new: no KeyId"
	cp "$T/new.json" "$T/new-$THUMB.json"
}

# cert_from_token KEYID PEM: the certificate object with that CKA_ID, read
# with pkcs11-tool and converted by openssl.
cert_from_token() {
	rm -f "$T/cert.der"
	run_ok pkcs11-tool --module "$MODULE" --token-label "$LABEL" \
		--read-object --type cert --id "$1" -o "$T/cert.der"
	run_ok openssl x509 -inform der -in "$T/cert.der" -out "$2"
}

# objects_with_id KEYID: the pkcs11-tool --list-objects blocks with that ID.
objects_with_id() {
	p11 --list-objects 2>/dev/null | awk -v id="$1" '
		/^[A-Za-z].*[Oo]bject/ { if (keep) printf "%s", blk; blk = ""; keep = 0 }
		{ blk = blk $0 "\n" }
		$1 == "ID:" && $2 == id { keep = 1 }
		END { if (keep) printf "%s", blk }'
}

# access_items KEYID: the items of the private key's "Access:" line, one a
# line ("sensitive", "never extractable", ...).
access_items() {
	objects_with_id "$1" | awk '
		/^Private Key Object/ { pk = 1; next }
		/^[A-Za-z].*[Oo]bject/ { pk = 0 }
		pk && $1 == "Access:" { sub(/^ *Access: */, ""); n = split($0, a, /, */); for (i = 1; i <= n; i++) print a[i] }'
}

# normalise: replace what changes from run to run (hashes, serials, dates,
# the token serial and key id inside URIs) for golden-file comparison.
# Hashes and dates keep their width (x... and YYYY-MM-DDThh:mm:ssZ), so
# table columns stay aligned in the .exp files.
normalise() {
	local x32=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	sed -E \
		-e "s/[0-9a-f]{64}/$x32$x32/g" \
		-e "s/[0-9a-f]{40}/${x32}xxxxxxxx/g" \
		-e "s/^(SerialNumber +: )[0-9a-f]{32}\$/\\1$x32/" \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/YYYY-MM-DDThh:mm:ssZ/g' \
		-e 's/serial=[0-9a-f]+;/serial=<token-serial>;/g' \
		-e 's/id=(%[0-9A-F]{2})+;/id=<key-id>;/g'
}

# expect_golden NAME FILE: FILE (normalised) equals tests/cli/NAME.exp.
# HSMCERT_CLI_BLESS=1 rewrites the golden file instead.
expect_golden() {
	normalise <"$2" >"$T/$1.got"
	if [ "${HSMCERT_CLI_BLESS:-0}" = 1 ]; then
		cp "$T/$1.got" "$HERE/$1.exp"
	fi
	diff -u "$HERE/$1.exp" "$T/$1.got" >"$T/$1.diff" ||
		fail "output differs from tests/cli/$1.exp:" "$(cat "$T/$1.diff")"
}


# ---------------------------------------------------------------------------
# Helpers added for cases_requests.sh and cases_keys.sh.

# second_token: a second fresh token "b" in $T/b (its own SoftHSM2
# configuration and token directory, the same user PIN as token "t") and
# its hsmcert configuration $CONF_B (state dir $T/b/state). Run hsmcert and
# the helpers above against it with on_b: `on_b hc list`, `on_b snapshot F`,
# `on_b refused 2 ...`, `on_b access_items ID`.
second_token() {
	mkdir -p "$T/b" || fail "mkdir $T/b"
	cp "$T/user.pin" "$T/b/user.pin" || fail "cp user.pin"
	"$TOP/hsm/mktoken.sh" "$T/b" b >"$T/mktoken-b.log" 2>&1 ||
		fail "hsm/mktoken.sh $T/b b: $(cat "$T/mktoken-b.log")"
	CONF_B=$T/b/hsmcert.conf
	T=$T/b LABEL=b write_conf "$CONF_B" # both for this call only
	[ -s "$CONF_B" ] || fail "no configuration for token b"
}

# on_b CMD...: CMD (a helper above or a command) with token "b" as the
# case's token. $T (out, err, trace, snapshots) stays the case's.
on_b() {
	LABEL=b CONF=$CONF_B SOFTHSM2_CONF=$T/b/softhsm2.conf "$@"
}

# conf_set SECTION KEY VALUE: add "KEY = VALUE" to [SECTION] of $CONF,
# making the section at the end when the file has none (hsmcert refuses a
# repeated section, so appending another "[paths]" is not an option).
conf_set() {
	local sec=$1 key=$2 val=$3
	if grep -qxF "[$sec]" "$CONF"; then
		awk -v s="[$sec]" -v l="$key = $val" '{ print } $0 == s { print l }' \
			"$CONF" >"$CONF.new" || fail "cannot edit $CONF"
		mv "$CONF.new" "$CONF" || fail "cannot replace $CONF"
	else
		printf '\n[%s]\n%s = %s\n' "$sec" "$key" "$val" >>"$CONF"
	fi
}

# pki ARGS...: tests/cli/pki.sh ARGS (a test PKI made with openssl); must
# succeed.
pki() {
	run_ok "$HERE/pki.sh" "$@"
}

# hc_notty ARGS...: hc in a new session, so hsmcert has no controlling
# terminal to ask on (stdin is /dev/null as with hc).
hc_notty() {
	timeout 60 setsid -w "$HSMCERT" --config "$CONF" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	{
		printf '$ hsmcert %s  [exit %s, no terminal]\n' "$*" "$RC"
		head -n 30 "$T/out" | sed 's/^/  out| /'
		sed 's/^/  err| /' "$T/err"
	} >>"$T/trace"
}

# x509_thumb FILE: the SHA-1 thumbprint (40 lowercase hex digits) of the
# first certificate in FILE, PEM or DER, as openssl computes it.
x509_thumb() {
	local form=PEM
	grep -qa -- '-----BEGIN CERTIFICATE-----' "$1" || form=DER
	openssl x509 -inform "$form" -in "$1" -noout -fingerprint -sha1 |
		sed 's/.*=//; s/://g' | tr A-F a-f
}

# san_list FILE [req]: the subjectAltName entries of a certificate (or,
# with "req", of a PEM request), one a line in their order, as openssl
# prints them without the "DNS:" prefix ("IP Address:" stays).
san_list() {
	if [ "${2:-}" = req ]; then
		openssl req -in "$1" -noout -text
	else
		openssl x509 -in "$1" -noout -text
	fi | awk '/X509v3 Subject Alternative Name/ { getline; print; exit }' |
		sed 's/^ *//' | tr ',' '\n' | sed 's/^ *//; s/^DNS://'
}

# expect_no_file FILE...: none of FILE exists.
expect_no_file() {
	local f
	for f in "$@"; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f exists (it should not)"
	done
}

# dir_state DIR: every file under DIR with size, mode, mtime and SHA-256,
# sorted, for "the file system is unchanged" after a refusal.
dir_state() {
	(cd "$1" && find . -type f -printf '%p %s %m %T@ ' -exec sha256sum {} \; | sort)
}
