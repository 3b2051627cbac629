#!/usr/bin/env bash
# tests/faults/faults.sh - fault injection: every changing command of hsmcert
# with a PKCS#11 failure at every call it makes (SPEC section 5, "Nothing is
# half-made"; issue 7).
#
#   HSMCERT=/abs/build/hsmcert FAULT_SHIM=/abs/build/tests/faults/libfaultshim.so \
#       tests/faults/faults.sh [SWEEP-PATTERN...]
#
# For each sweep (a command and a CK_RV, see SWEEPS below) the driver
#   1. prepares a base directory once: a fresh SoftHSM2 token (hsm/mktoken.sh),
#      the hsmcert configuration (module = the shim, tests/faults/shim.c), a
#      state directory and what the command needs (a certificate, a pending
#      request and a CA's answer made with openssl, a PFX exported from
#      another token, a binding to [service smtp]);
#   2. runs the command once through the shim on a copy of the base with
#      FAULT_COUNT_FILE to learn N, the number of PKCS#11 calls it makes;
#   3. runs it again for every fault point k = 1..N on a fresh copy (cp -a)
#      of the base with FAULT_AT=k (FAULTS_JOBS in parallel, default 2).
#
# A run passes when
#   - the exit code is not 0, and hsmcert neither hangs nor dies of a signal;
#   - stderr has "hsmcert: error:" and the CK_RV's name (CKR_...);
#   - the token's objects, listed by pkcs11-tool on the real module (never
#     through the shim), are the base's, the audit head (CKO_DATA with
#     application hsmcert-audit) aside; or the only difference is one orphan
#     key pair (a private and a public key with one CKA_ID, nothing else with
#     it), which `hsmcert list --status OrphanKey` shows and `hsmcert remove
#     ID --yes` deletes; also a removal cut short: a certificate gone,
#     archived, and its key left as an orphan that list shows and remove
#     deletes;
#   - there is at most one audit head on the token;
#   - state/ (bindings.json, archive/) and svc/ (the service files) equal the
#     base's, audit.log*, lock files and index/ (a self-checking cache of the
#     token's objects, src/ops/lookup.c) aside (diff -r);
#   - no --out file is left behind.
# Exceptions: exit 0 passes when the command did all it does in the run
# without a fault (tokens and files compared with key ids, serials, dates
# and base64 masked) and either the fault hit a session teardown call
# (C_CloseSession, C_CloseAllSessions, C_Logout), or it hit the audit-head
# update after the change was complete and hsmcert said so with the CK_RV
# (the documented behaviour: the line stays "not anchored" for audit verify),
# or it hit the opening of the token and hsmcert reopened it, saying so with
# the CK_RV (a file token being written by another process reads as broken
# for a moment; README, design notes).
#
# Prints one table row per sweep, the failed runs (consecutive fault points
# with the same outcome as one entry), the failed runs by kind and
# "faults: N passed, N failed"; exits 1 when a run failed, 2 when the set-up
# failed. The directories of failed runs are kept under the work directory.
#
# Arguments select sweeps by glob against NAME:CKR[:sticky], e.g.
# 'new:*' or 'remove:CKR_DEVICE_REMOVED:sticky'. Environment: FAULTS_JOBS
# (parallel runs, default 2), FAULTS_TIMEOUT (seconds before a run counts as
# hung, default 10), FAULTS_WORK (work directory, default a new mktemp -d,
# removed at the end when all passed), FAULTS_KEEP=1 (keep every run
# directory), FAULTS_AT=K[,K...] (only these fault points; run directories
# kept).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
: "${HSMCERT:=$TOP/build/hsmcert}"
: "${FAULT_SHIM:=$TOP/build/tests/faults/libfaultshim.so}"
case $HSMCERT in /*) ;; *) HSMCERT=$(pwd)/$HSMCERT ;; esac
case $FAULT_SHIM in /*) ;; *) FAULT_SHIM=$(pwd)/$FAULT_SHIM ;; esac
MODULE=/usr/lib/softhsm/libsofthsm2.so
LABEL=t
PFX_PW=tailspin-export-2026 # over the default min-password-length
export HSMCERT FAULT_SHIM MODULE LABEL PFX_PW LC_ALL=C TZ=UTC
unset HSMCERT_CONFIG SOFTHSM2_CONF FAULT_AT FAULT_FUNC FAULT_RV FAULT_STICKY \
	FAULT_COUNT_FILE FAULT_TRACE FAULT_MODULE

# SWEEPS: name, base, CK_RV, sticky (1: every call after the fault fails
# too, a pulled token), then the hsmcert arguments. In the arguments @R@ is
# the run directory and @THUMB@ the base's certificate thumbprint. Outputs
# that must not exist after a failure are named by an "--out" argument.
SWEEPS=(
	"new|empty|CKR_DEVICE_ERROR|0|new --subject CN=new.example.com --domain www.new.example.com --key ec:p256"
	"request|empty|CKR_DEVICE_ERROR|0|request --subject CN=req.example.com --key ec:p256 --out @R@/req.pem"
	"import-answer|pending|CKR_DEVICE_ERROR|0|import @R@/answer.pem"
	"import-pfx|empty|CKR_DEVICE_ERROR|0|import @R@/in.pfx --password-source env:PFX_PW"
	"export|cert|CKR_DEVICE_ERROR|0|export @THUMB@ --out @R@/out.pfx --password-source env:PFX_PW"
	"enable|cert|CKR_DEVICE_ERROR|0|enable @THUMB@ --services smtp"
	"disable|bound|CKR_DEVICE_ERROR|0|disable @THUMB@ --services smtp"
	"remove|cert|CKR_DEVICE_ERROR|0|remove @THUMB@ --yes"
	"renew|bound|CKR_DEVICE_ERROR|0|renew @THUMB@ --yes"
	"lock|cert|CKR_DEVICE_ERROR|0|lock @THUMB@ --yes"
	"new|empty|CKR_SESSION_HANDLE_INVALID|0|new --subject CN=new.example.com --domain www.new.example.com --key ec:p256"
	"remove|cert|CKR_SESSION_HANDLE_INVALID|0|remove @THUMB@ --yes"
	"new|empty|CKR_DEVICE_REMOVED|1|new --subject CN=new.example.com --domain www.new.example.com --key ec:p256"
	"remove|cert|CKR_DEVICE_REMOVED|1|remove @THUMB@ --yes"
	"import-pfx|empty|CKR_TOKEN_NOT_PRESENT|1|import @R@/in.pfx --password-source env:PFX_PW"
	"renew|bound|CKR_TOKEN_NOT_PRESENT|1|renew @THUMB@ --yes"
	"export|cert|CKR_DEVICE_MEMORY|0|export @THUMB@ --out @R@/out.pfx --password-source env:PFX_PW"
	"lock|cert|CKR_DEVICE_MEMORY|0|lock @THUMB@ --yes"
)

# ---------------------------------------------------------------------------
# Helpers shared by the driver and the single runs

# p11 DIR ARGS...: pkcs11-tool on the real module and DIR's token, logged in.
p11() {
	local d=$1
	shift
	SOFTHSM2_CONF=$d/softhsm2.conf FAULTS_PIN=$(cat "$d/user.pin") \
		pkcs11-tool --module "$MODULE" --token-label "$LABEL" --login \
		--pin env:FAULTS_PIN "$@"
}

# snapshot DIR OUT: DIR's token objects, one line per object (the lines of
# pkcs11-tool's block joined with " | ", "Data object <handle>" without the
# handle), sorted; the audit heads are left out and counted in OUT.audit.
snapshot() {
	p11 "$1" --list-objects 2>"$2.err" | awk -v audit="$2.audit" '
		function flush() {
			if (blk != "") {
				if (blk ~ /application: *.hsmcert-audit/) na++
				else print blk
			}
			blk = ""
		}
		/^[A-Za-z].*[Oo]bject/ { flush(); sub(/^Data object [0-9]+/, "Data object"); blk = $0; next }
		{ sub(/^ +/, ""); blk = blk " | " $0 }
		END { flush(); print na + 0 > audit }' | sort >"$2"
	[ "${PIPESTATUS[0]}" = 0 ]
}

# hc_real DIR ARGS...: hsmcert with DIR's configuration on the real module.
hc_real() {
	local d=$1
	shift
	(cd "$d" && SOFTHSM2_CONF=$d/softhsm2.conf timeout 60 "$HSMCERT" \
		--config "$d/real.conf" "$@" </dev/null)
}

# expand DIR THUMB ARGS-STRING: the arguments one a line, @R@ and @THUMB@
# replaced.
expand() {
	local a
	for a in $3; do
		a=${a//@R@/$1}
		printf '%s\n' "${a//@THUMB@/$2}"
	done
}

# copy_base BASE RUN: a copy of the base whose SoftHSM2 configuration points
# at the copy's token directory (hsmcert.conf uses relative paths).
copy_base() {
	rm -rf "$2"
	cp -a "$1" "$2" || return 1
	sed -i "s|$1/|$2/|g" "$2/softhsm2.conf"
}

# ---------------------------------------------------------------------------
# One fault point: faults.sh --one SWEEP-DIR K. Writes SWEEP-DIR/res/K, one
# line of tab-separated fields:
#   K  exit  function  objects-left  ok|FAIL  problems (joined by " ## ")

# kinds FILE: the objects of a snapshot file as "kind label" (for messages).
kinds() {
	awk -F' [|] ' '{
		k = $1; sub(/ Object.*| object.*/, "", k); l = ""
		for (i = 2; i <= NF; i++) if ($i ~ /^label:/) { l = $i; sub(/^label: */, "", l) }
		printf "%s%s %s", sep, tolower(k), l; sep = ", " }' "$1"
}

# normalise: what differs between two runs of one command (key ids,
# serials, EC points, dates, base64 lines) replaced, for "completed".
normalise() {
	sed -E -e 's/[0-9A-Fa-f]{16,}/H/g' -e 's/(%[0-9A-F]{2})+/%H/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/T/g' -e 's/[0-9]{8}T[0-9]{6}Z/T/g' \
		-e 's/^[A-Za-z0-9+\/=]{16,}$/B64/'
}

# outcome DIR: the normalised token objects and files (state/, svc/,
# audit log aside) of a run directory.
outcome() {
	snapshot "$1" "$1/objs.outcome" || echo "pkcs11-tool failed"
	normalise <"$1/objs.outcome" | sort
	(cd "$1" && find state svc -type f ! -name 'audit.log*' ! -name lock ! -name '*.lock' ! -path 'state/index/*' | sort |
		while read -r f; do echo "== $f" | normalise; normalise <"$f"; done)
}

one_run() {
	local sw=$1 k=$2 base rv sticky thumb r rc fn left=0 st ln prev='' tmo err1
	local -a args problems=()
	base=$(cat "$sw/base")
	rv=$(cat "$sw/rv")
	sticky=$(cat "$sw/sticky")
	thumb=$(cat "$base/thumb" 2>/dev/null || true)
	tmo=${FAULTS_TIMEOUT:-10}
	r=$sw/run.$k
	copy_base "$base" "$r" || { printf '%s\t-\t-\t0\tFAIL\tcannot copy the base\n' "$k" >"$sw/res/$k"; return; }
	mapfile -t args < <(expand "$r" "$thumb" "$(cat "$sw/args")")
	# (the outer 2>/dev/null: bash's "Killed" notice of a hung run)
	{ (cd "$r" && FAULT_AT=$k FAULT_RV=$rv FAULT_STICKY=$sticky \
		FAULT_TRACE=$r/fault.trace SOFTHSM2_CONF=$r/softhsm2.conf \
		exec timeout -s KILL "$tmo" "$HSMCERT" --config "$r/hsmcert.conf" "${args[@]}" \
		>"$r/out" 2>"$r/err" </dev/null); } 2>/dev/null
	rc=$?
	fn=$(awk '/ FAULT /{ print $2; exit }' "$r/fault.trace" 2>/dev/null)
	[ -n "$fn" ] || { fn=-; problems+=("the fault was not reached (fewer calls than the counting run)"); }

	case $rc in
	0) ;;
	137) problems+=("hangs (killed after $tmo s)") ;;
	12[4-9] | 1[3-9][0-9] | 2[0-9][0-9]) problems+=("exit $rc (a signal?)") ;;
	esac
	if [ "$rc" != 137 ]; then
		grep -q '^hsmcert: error:' "$r/err" || problems+=("no 'hsmcert: error:' on stderr")
		grep -qF -- "$rv" "$r/err" || [ ! -s "$r/err" ] ||
			problems+=("stderr does not name $rv: $(grep -m1 'error:' "$r/err" || head -n1 "$r/err")")
	fi

	# the state directory and the service files (before any clean-up of an
	# orphan key below, which archives it); lock files are not state,
	# nor is index/, lookup.c's self-checking cache of the token's objects
	diff -rq -x 'audit.log*' -x lock -x '*.lock' -x index "$base/state" "$r/state" >"$r/state.diff" 2>&1
	diff -rq "$base/svc" "$r/svc" >"$r/svc.diff" 2>&1
	for ln in "${args[@]}"; do
		if [ "$prev" = --out ] && [ -e "$ln" ] && [ "$rc" != 0 ]; then
			problems+=("output file left behind: ${ln#"$r"/}")
		fi
		prev=$ln
	done

	# the token
	local archived_ok=0
	if ! snapshot "$r" "$r/objs.after"; then
		problems+=("pkcs11-tool --list-objects failed: $(head -c 200 "$r/objs.after.err")")
	else
		comm -23 "$sw/objs.before" "$r/objs.after" >"$r/objs.removed"
		comm -13 "$sw/objs.before" "$r/objs.after" >"$r/objs.added"
		left=$(wc -l <"$r/objs.added")
		if [ "$(cat "$r/objs.after.audit")" -gt "$(cat "$sw/objs.before.audit")" ] &&
			[ "$(cat "$r/objs.after.audit")" -gt 1 ]; then
			problems+=("$(cat "$r/objs.after.audit") audit heads on the token (before: $(cat "$sw/objs.before.audit"))")
		fi
		if [ "$rc" = 0 ]; then
			: # judged below against the run without a fault
		elif [ -s "$r/objs.removed" ] && [ ! -s "$r/objs.added" ] &&
			st=$(deletion_orphan "$sw" "$r"); then
			# a removal cut short at its last step (the private key, after
			# the certificate and the public key, which cannot be put back
			# as they were), or a pulled token: the certificate is gone
			# (archived), its key is an orphan that remove deletes (SPEC 5)
			if [ -n "$st" ]; then problems+=("$st"); else archived_ok=1; fi
		elif [ -s "$r/objs.removed" ]; then
			problems+=("token objects changed or gone: $(kinds "$r/objs.removed")")
			[ ! -s "$r/objs.added" ] ||
				problems+=("token objects new or changed: $(kinds "$r/objs.added")")
		elif [ -s "$r/objs.added" ]; then
			st=$(orphan_check "$sw" "$r")
			[ -z "$st" ] || problems+=("$st")
		fi
	fi
	if [ -s "$r/state.diff" ]; then
		# with an accepted removal orphan, new files in archive/ are right
		if [ "$archived_ok" = 1 ] && ! grep -qv "^Only in $r/state\(/archive\)\?: " "$r/state.diff"; then
			:
		else
			problems+=("state directory changed: $(sed "s|$base/||g; s|$r/||g" "$r/state.diff" | tr '\n' ';')")
		fi
	fi
	[ ! -s "$r/svc.diff" ] ||
		problems+=("service files changed: $(sed "s|$base/||g; s|$r/||g" "$r/svc.diff" | tr '\n' ';')")

	# exit 0: passes only when the fault hit a session teardown call and the
	# command did all it does without a fault (see README.md)
	if [ "$rc" = 0 ]; then
		err1=$(head -n 1 "$r/err" | cut -c1-200)
		outcome "$r" >"$r/outcome"
		# renew publishes this host's binding summary after its objects
		# are kept: a fault there is a warning naming the CK_RV, and may
		# leave the old summary beside the new one (the higher gen counts;
		# pkcs11-tool lists both alike, hence uniq)
		if grep -q "binding summary on the token was not updated (.*CKR_" "$r/err" &&
		   cmp -s <(uniq "$sw/outcome.done") <(uniq "$r/outcome"); then
			problems=()
		elif cmp -s "$sw/outcome.done" "$r/outcome"; then
			case $fn in
			C_CloseSession | C_CloseAllSessions | C_Logout) problems=() ;;
			*)
				# the change is complete and only its audit anchor failed:
				# that is reported (with the CK_RV) and leaves the line
				# "not anchored" for audit verify (README, decisions)
				if grep -q 'head kept on the token could not be moved.*CKR_' "$r/err" ||
				   grep -q 'the token opened on attempt [0-9]*; the first time: .*CKR_' "$r/err"; then
					problems=()
				else
					problems=("exit 0: the fault was ignored and the command completed${err1:+ (stderr: $err1)}")
				fi ;;
			esac
		else
			problems+=("exit 0 but the command did not complete: $(diff "$sw/outcome.done" "$r/outcome" | grep '^[<>]' | head -n 4 | tr '\n' ';')")
		fi
	fi

	if [ ${#problems[@]} -eq 0 ]; then
		printf '%s\t%s\t%s\t%s\tok\t\n' "$k" "$rc" "$fn" "$left" >"$sw/res/$k"
		[ "${FAULTS_KEEP:-0}" = 1 ] || [ -n "${FAULTS_AT:-}" ] || rm -rf "$r"
	else
		printf '%s\t%s\t%s\t%s\tFAIL\t%s\n' "$k" "$rc" "$fn" "$left" \
			"$(printf '%s ## ' "${problems[@]}" | tr '\n\t' '  ' | sed 's/ ## $//')" >"$sw/res/$k"
	fi
}

# orphan_verify RUN ID EXPECTED: `hsmcert list --status OrphanKey` shows ID,
# `hsmcert remove ID --yes` deletes it and the token is then EXPECTED (a
# snapshot file). Prints the problem, nothing when all holds.
orphan_verify() {
	local r=$1 id=$2 expected=$3
	hc_real "$r" list --status OrphanKey --format json >"$r/orphan.list" 2>"$r/orphan.list.err"
	if ! grep -q "$id" "$r/orphan.list"; then
		echo "orphan key $id left and 'hsmcert list --status OrphanKey' does not show it: $(cat "$r/orphan.list" "$r/orphan.list.err" | tr '\n' ' ' | cut -c1-200)"
		return
	fi
	hc_real "$r" remove "$id" --yes >"$r/orphan.remove" 2>&1 || {
		echo "orphan key $id: 'hsmcert remove $id --yes' failed: $(tr '\n' ' ' <"$r/orphan.remove" | cut -c1-200)"
		return
	}
	snapshot "$r" "$r/objs.cleaned" || { echo "pkcs11-tool --list-objects failed after remove"; return; }
	cmp -s "$expected" "$r/objs.cleaned" ||
		echo "orphan key $id: after 'hsmcert remove $id --yes' the token is not as expected: $(diff "$expected" "$r/objs.cleaned" | grep '^[<>]' | cut -c1-100 | tr '\n' ';')"
}

# orphan_check SWEEP-DIR RUN: the objects added are one orphan key pair (a
# private and a public key, one CKA_ID, nothing else with it but a renew's
# renewal link) or a private key alone, that list shows and remove
# deletes; prints the problem, nothing when so.
orphan_check() {
	local sw=$1 r=$2 ids pid st= link
	# a renew's orphan may keep its renewal link (a data object labelled
	# with the key id, stored before the certificate); remove takes it
	# with the key, which orphan_verify checks
	link=$(sed -n "s/^Data object | label: *'\([0-9a-f]*\)' | application: *'hsmcert-renewal'.*/\1/p" "$r/objs.added")
	if [ -n "$link" ] && [ "$(echo "$link" | wc -l)" = 1 ]; then
		grep -v "^Data object | label: *'$link' | application: *'hsmcert-renewal'" \
			"$r/objs.added" >"$r/objs.added.keys"
		if ! grep -q "ID: *$link\b" "$r/objs.added.keys"; then
			echo "a renewal link $link left without its key"
			return
		fi
		cp "$r/objs.added.keys" "$r/objs.added"
		grep -v "^Data object | label: *'$link' | application: *'hsmcert-renewal'" \
			"$r/objs.after" >"$r/objs.after.keys"
		cp "$r/objs.after.keys" "$r/objs.after"
	fi
	if grep -qv '^P[a-z]* Key Object' "$r/objs.added"; then
		echo "token objects left behind: $(kinds "$r/objs.added")"
		return
	fi
	ids=$(grep -o 'ID: *[0-9a-f]*' "$r/objs.added" | awk '{ print $2 }' | sort -u)
	if [ "$(wc -l <"$r/objs.added")" = 2 ] && [ -n "$ids" ] &&
		[ "$(echo "$ids" | wc -l)" = 1 ] &&
		grep -q '^Private Key Object' "$r/objs.added" &&
		grep -q '^Public Key Object' "$r/objs.added"; then
		if [ "$(grep -c "ID: *$ids\b" "$r/objs.after")" != 2 ]; then
			echo "orphan key $ids: other objects on the token carry its ID"
			return
		fi
		orphan_verify "$r" "$ids" "$sw/objs.before"
		return
	fi
	# a private key alone (its public key could not be stored): an orphan
	if [ "$(wc -l <"$r/objs.added")" = 1 ] && [ -n "$ids" ] &&
		grep -q '^Private Key Object' "$r/objs.added"; then
		orphan_verify "$r" "$ids" "$sw/objs.before"
		return
	fi
	# a key pair whose two halves carry different ids (a pulled token
	# between setting the private key's id and the public key's): fine
	# when list shows it as one orphan and remove takes both away
	pid=$(grep '^Private Key Object' "$r/objs.added" | grep -o 'ID: *[0-9a-f]*' | awk 'NR == 1 { print $2 }')
	if [ "$(wc -l <"$r/objs.added")" = 2 ] && [ -n "$pid" ] &&
		grep -q '^Public Key Object' "$r/objs.added"; then
		st=$(orphan_verify "$r" "$pid" "$sw/objs.before")
		[ -z "$st" ] && return
	fi
	# not one orphan: say which keys, and what list and remove make of them
	echo "keys left behind that are not one orphan pair: $(awk -F' [|] ' '{ k = $1; sub(/ Object.*/, "", k); for (i = 2; i <= NF; i++) if ($i ~ /^ID:/) { id = $i; sub(/^ID: */, "", id) } printf "%s%s %s", sep, tolower(k), id; sep = ", " }' "$r/objs.added")"
	[ -z "$pid" ] || echo "; then: ${st:-$(orphan_verify "$r" "$pid" "$sw/objs.before")}"
}

# deletion_orphan SWEEP-DIR RUN: succeeds (status 0) when the objects gone
# are all of one CKA_ID and include its certificate, and that ID's private
# key is still there: a removal cut short. Then prints the result of
# orphan_verify (the rest of the ID must go with remove).
deletion_orphan() {
	local sw=$1 r=$2 ids
	ids=$(grep -o 'ID: *[0-9a-f]*' "$r/objs.removed" | awk '{ print $2 }' | sort -u)
	[ -n "$ids" ] && [ "$(echo "$ids" | wc -l)" = 1 ] || return 1
	[ "$(grep -c . "$r/objs.removed")" = "$(grep -c "ID: *$ids\b" "$r/objs.removed")" ] || return 1
	grep -q '^Certificate Object' "$r/objs.removed" || return 1
	grep "ID: *$ids\b" "$r/objs.after" | grep -q '^Private Key Object' || return 1
	grep -v "ID: *$ids\b" "$sw/objs.before" >"$r/objs.expected"
	orphan_verify "$r" "$ids" "$r/objs.expected"
	return 0
}

if [ "${1:-}" = --one ]; then
	one_run "$2" "$3"
	exit 0
fi

# ---------------------------------------------------------------------------
# The driver

[ -x "$HSMCERT" ] || { echo "faults: $HSMCERT is not executable (make)" >&2; exit 2; }
[ -f "$FAULT_SHIM" ] || { echo "faults: no shim $FAULT_SHIM (make build/tests/faults/libfaultshim.so)" >&2; exit 2; }
for tool in pkcs11-tool softhsm2-util openssl xargs comm; do
	command -v "$tool" >/dev/null || { echo "faults: $tool not found" >&2; exit 2; }
done
JOBS=${FAULTS_JOBS:-2}
if [ -n "${FAULTS_WORK:-}" ]; then
	W=$FAULTS_WORK
	rm -rf "$W" && mkdir -p "$W" || exit 2
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/hsmcert-faults.XXXXXX") || exit 2
fi
W=$(cd "$W" && pwd)
START=$(date +%s)
# the binaries under test, copied: a rebuild during the run changes nothing
if ! cp "$HSMCERT" "$W/hsmcert" || ! cp "$FAULT_SHIM" "$W/libfaultshim.so"; then
	echo "faults: cannot copy the binaries to $W" >&2
	exit 2
fi
HSMCERT=$W/hsmcert FAULT_SHIM=$W/libfaultshim.so

die() {
	echo "faults: set-up failed: $*" >&2
	echo "faults: work directory kept: $W" >&2
	exit 2
}

# mkbase DIR: a fresh token and both configurations (shim and real module).
mkbase() {
	local d=$1
	mkdir -p "$d" || die "mkdir $d"
	"$TOP/hsm/mktoken.sh" "$d" "$LABEL" >"$d.mktoken.log" 2>&1 ||
		die "hsm/mktoken.sh $d: $(cat "$d.mktoken.log")"
	mkdir -p "$d/state" "$d/svc"
	chmod 0700 "$d/state"
	conf "$FAULT_SHIM" >"$d/hsmcert.conf"
	conf "$MODULE" >"$d/real.conf"
}

# conf MODULE: the hsmcert configuration, paths relative to its directory.
conf() {
	cat <<EOF
[token]
module = $1
label = $LABEL
pin-source = file:user.pin
softhsm2-conf = softhsm2.conf

[paths]
state-dir = state
archive-dir = state/archive
audit-log = state/audit.log

[service smtp]
cert-file = svc/smtp.pem
key-uri-file = svc/smtp.uri
reload = true
EOF
}

# prep DIR ARGS...: hsmcert on DIR's real configuration; must succeed.
prep() {
	local d=$1
	shift
	hc_real "$d" "$@" >"$d.prep.out" 2>"$d.prep.err" ||
		die "hsmcert $* (in $d): $(cat "$d.prep.err")"
}

# new_thumb DIR ARGS...: hsmcert new ... --format json; DIR/thumb.
new_thumb() {
	local d=$1
	shift
	prep "$d" new "$@" --format json
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Thumbprint"])' \
		"$d.prep.out" >"$d/thumb" || die "no thumbprint from hsmcert new"
}

# A root CA made with openssl, for the answer to the pending request.
mkca() {
	local ca=$W/ca
	mkdir -p "$ca"
	{
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca/root.key" &&
		openssl req -new -x509 -key "$ca/root.key" -sha256 -days 3650 \
			-subj "/O=hsmcert faults/CN=Faults Test Root" -config /dev/null \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-addext "subjectKeyIdentifier=hash" -out "$ca/root.pem"
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" "subjectKeyIdentifier=hash" \
			"authorityKeyIdentifier=keyid:always" >"$ca/leaf.ext"
	} >"$ca/log" 2>&1 || die "openssl CA: $(tail -n 5 "$ca/log")"
}

echo "faults: preparing the bases in $W"
# empty: a fresh token, and a PFX exported from another token (import-pfx)
mkbase "$W/src"
new_thumb "$W/src" --subject CN=pfx.example.com --domain www.pfx.example.com --key ec:p256 --exportable
prep "$W/src" export "$(cat "$W/src/thumb")" --out "$W/src/out.pfx" --password-source env:PFX_PW
mkbase "$W/base.empty"
cp "$W/src/out.pfx" "$W/base.empty/in.pfx"
# pending: a pending request and the CA's answer (leaf, then the root)
mkca
mkbase "$W/base.pending"
prep "$W/base.pending" request --subject CN=answer.example.com --domain www.answer.example.com \
	--key ec:p256 --out "$W/base.pending/req.pem"
openssl x509 -req -in "$W/base.pending/req.pem" -CA "$W/ca/root.pem" -CAkey "$W/ca/root.key" \
	-set_serial 0x1001 -days 365 -sha256 -copy_extensions copyall \
	-extfile "$W/ca/leaf.ext" -out "$W/base.pending/leaf.pem" >>"$W/ca/log" 2>&1 ||
	die "openssl x509 -req: $(tail -n 5 "$W/ca/log")"
cat "$W/base.pending/leaf.pem" "$W/ca/root.pem" >"$W/base.pending/answer.pem"
rm -f "$W/base.pending/req.pem"
# cert: one exportable self-signed certificate
mkbase "$W/base.cert"
new_thumb "$W/base.cert" --subject CN=cert.example.com --domain www.cert.example.com --key ec:p256 --exportable
# bound: one certificate bound to smtp (service files in svc/)
mkbase "$W/base.bound"
new_thumb "$W/base.bound" --subject CN=bound.example.com --domain www.bound.example.com --key ec:p256
prep "$W/base.bound" enable "$(cat "$W/base.bound/thumb")" --services smtp
[ -s "$W/base.bound/svc/smtp.pem" ] || die "enable wrote no svc/smtp.pem"

# the selected sweeps: an argument is a glob against NAME:CKR[:sticky]
declare -a SEL=()
for s in "${SWEEPS[@]}"; do
	IFS='|' read -r name _ rv sticky _ <<<"$s"
	id="$name:$rv"
	[ "$sticky" = 1 ] && id="$id:sticky"
	if [ $# -eq 0 ]; then
		SEL+=("$s")
	else
		for p in "$@"; do
			# shellcheck disable=SC2254 # the argument is a glob
			case $id in $p) SEL+=("$s"); break ;; esac
		done
	fi
done
[ ${#SEL[@]} -gt 0 ] || die "no sweep matches: $* (sweeps are NAME:CKR[:sticky])"

declare -a ROWS=()
PASS=0 FAILN=0 i=0
: >"$W/failures"
for s in "${SEL[@]}"; do
	IFS='|' read -r name basename rv sticky args <<<"$s"
	i=$((i + 1))
	base=$W/base.$basename
	sw=$W/sweep.$i.$name.$rv
	mkdir -p "$sw/res"
	echo "$base" >"$sw/base"
	echo "$rv" >"$sw/rv"
	echo "$sticky" >"$sw/sticky"
	echo "$args" >"$sw/args"
	snapshot "$base" "$sw/objs.before" || die "pkcs11-tool --list-objects on $base"

	# the counting run, and what the command does without a fault
	r=$sw/count
	copy_base "$base" "$r" || die "cp -a $base"
	thumb=$(cat "$base/thumb" 2>/dev/null || true)
	mapfile -t argv < <(expand "$r" "$thumb" "$args")
	(cd "$r" && FAULT_COUNT_FILE=$r/count FAULT_TRACE=$r/fault.trace \
		SOFTHSM2_CONF=$r/softhsm2.conf timeout 60 "$HSMCERT" \
		--config "$r/hsmcert.conf" "${argv[@]}" >"$r/out" 2>"$r/err" </dev/null) ||
		die "counting run of 'hsmcert ${argv[*]}' failed: $(cat "$r/err")"
	n=$(cat "$r/count" 2>/dev/null)
	case $n in '' | 0 | *[!0-9]*) die "no call count from the shim for $name" ;; esac
	outcome "$r" >"$sw/outcome.done"

	if [ -n "${FAULTS_AT:-}" ]; then
		points=$FAULTS_AT
	else
		points=$(seq 1 "$n")
	fi
	printf '%s\n' "$points" | tr ', ' '\n' | grep . | xargs -P "$JOBS" -I{} "$0" --one "$sw" {}

	npts=0 nok=0 maxleft=0
	codes=$(cut -f2 "$sw"/res/* | sort -n | uniq -c | awk '{ printf "%s%s (%d)", sep, $2, $1; sep = ", " }')
	while IFS=$'\t' read -r k rc fn left status problems; do
		npts=$((npts + 1))
		[ "$left" -gt "$maxleft" ] && maxleft=$left
		if [ "$status" = ok ]; then
			nok=$((nok + 1))
		else
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rv" "$sticky" "$k" "$fn" "$rc" "$problems" "$sw" >>"$W/failures"
		fi
	done < <(sort -n "$sw"/res/*)
	PASS=$((PASS + nok))
	FAILN=$((FAILN + npts - nok))
	label="$name $rv"
	[ "$sticky" = 1 ] && label="$label sticky"
	ROWS+=("$label|$n|$nok|$maxleft|$codes")
	printf 'faults: %-42s %4d points, %4d passing (%d s)\n' "$label" "$npts" "$nok" "$(($(date +%s) - START))"
done

END=$(date +%s)
echo
printf '| %-42s | %-12s | %-12s | %-25s | %s |\n' command "fault points" "runs passing" "objects left behind (max)" "exit codes seen (runs)"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..44})" "$(printf -- '-%.0s' {1..14})" \
	"$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..27})" "$(printf -- '-%.0s' {1..24})"
for row in "${ROWS[@]}"; do
	IFS='|' read -r c n ok left codes <<<"$row"
	printf '| %-42s | %12s | %12s | %25s | %s |\n' "$c" "$n" "$ok" "$left" "$codes"
done
echo

# Failures, consecutive fault points with the same outcome in one entry.
if [ -s "$W/failures" ]; then
	echo "Failures (consecutive fault points with the same outcome together;"
	echo "reproduce one with FAULTS_AT=K tests/faults/faults.sh 'NAME:CKR[:sticky]'):"
	awk -F'\t' '
		function sig(p, rc) { gsub(/[0-9A-Fa-f]{16,}/, "H", p); gsub(/line [0-9]+/, "line N", p); gsub(/object [0-9]+/, "object N", p); gsub(/seq=[0-9]+/, "seq=N", p); return rc "|" p }
		function flush() {
			if (cur == "") return
			st = sticky == 1 ? " FAULT_STICKY=1" : ""
			pts = first == last ? "FAULT_AT=" first " (" fns ")" : "FAULT_AT=" first "-" last " (" nfn " points: " fns ")"
			printf "- %s %s%s %s: exit %s\n", name, rv, st, pts, rc
			n = split(prob, a, / ## /); for (i = 1; i <= n; i++) printf "    %s\n", a[i]
			printf "    e.g. %s/run.%s\n", dir, first
			cur = ""
		}
		{
			s = $1 "|" $2 "|" $3 "|" sig($7, $6)
			if (s != cur || $4 != last + 1) {
				flush(); cur = s; first = $4; nfn = 0; fns = ""; seen_fn = ""
				name = $1; rv = $2; sticky = $3; rc = $6; prob = $7; dir = $8
			}
			last = $4; nfn++
			if (index(" " seen_fn " ", " " $5 " ") == 0) { seen_fn = seen_fn " " $5; fns = fns (fns == "" ? "" : ", ") $5 }
		}
		END { flush() }' "$W/failures"
	echo
fi
if [ -s "$W/failures" ]; then
	echo "Failed runs by kind (the first kind that applies):"
	awk -F'\t' '{
		p = $7
		if (p ~ /^hangs|## hangs/) k = "hangs (killed after the timeout)"
		else if (p ~ /token objects|keys left|state directory|service files|output file|audit heads|orphan key/) k = "token or files left changed"
		else if (p ~ /exit 0 but the command did not complete/) k = "exit 0, the command not done"
		else if (p ~ /exit 0: the fault was ignored.*warning/) k = "exit 0 with only a warning, the command done"
		else if (p ~ /exit 0: the fault was ignored/) k = "exit 0 silently, the command done"
		else if (p ~ /does not name|no .hsmcert: error:./) k = "exit non-zero, the message does not name the CK_RV"
		else k = "other"
		n[k]++
	} END { for (k in n) printf "  %4d  %s\n", n[k], k }' "$W/failures" | sort -rn
	echo
fi
echo "faults: run time $((END - START)) s (FAULTS_JOBS=$JOBS), work directory $W"
echo "faults: $PASS passed, $FAILN failed"
if [ "$FAILN" -eq 0 ] && [ -z "${FAULTS_WORK:-}" ] && [ "${FAULTS_KEEP:-0}" != 1 ] && [ -z "${FAULTS_AT:-}" ]; then
	rm -rf "$W"
fi
[ "$FAILN" -eq 0 ]
