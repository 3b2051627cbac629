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
#      request and a CA's answer, a PFX from another token, a binding);
#   2. runs the command once through the shim on a copy of the base with
#      FAULT_COUNT_FILE to learn N, the number of PKCS#11 calls it makes;
#   3. runs it again for every fault point k = 1..N on a fresh copy (cp -a)
#      of the base with FAULT_AT=k (FAULTS_JOBS in parallel, default 2), and
#      checks
#        - the exit code is not 0 (and hsmcert did not hang or crash),
#        - stderr has "hsmcert: error:" and the CK_RV name (CKR_...),
#        - the token's objects, listed by pkcs11-tool on the real module
#          (never through the shim), are those of the base, the audit head
#          (CKO_DATA, application hsmcert-audit) aside; or differ by exactly
#          one orphan key pair (a private and a public key with one CKA_ID
#          and nothing else with it), which `hsmcert list --status OrphanKey`
#          must show and `hsmcert remove ID --yes` must delete,
#        - at most one audit head is on the token (as many as before),
#        - the state directory (bindings.json, archive/) and the service
#          files (svc/) equal the base's, audit.log* aside (diff -r),
#        - no output file (--out) was left behind.
#
# Prints one table row per sweep and "faults: N passed, N failed"; exits 1
# when any run failed, 2 when the set-up failed. Failed runs are listed with
# a reproduction; their directories are kept under the work directory.
#
# Environment: FAULTS_JOBS (parallel runs, default 2), FAULTS_WORK (work
# directory, default a new mktemp -d, removed at the end when all passed),
# FAULTS_KEEP=1 (keep every run directory), FAULTS_AT=K (only fault point K
# of the selected sweeps; the run directory is kept and its trace printed).
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
# One fault point: faults.sh --one SWEEP-DIR K. Writes SWEEP-DIR/res/K:
#   K|exit|function|objects left|ok or FAIL|problems
one_run() {
	local sw=$1 k=$2 base rv sticky thumb r rc fn left=0 st ln
	local -a args problems=()
	base=$(cat "$sw/base")
	rv=$(cat "$sw/rv")
	sticky=$(cat "$sw/sticky")
	thumb=$(cat "$base/thumb" 2>/dev/null || true)
	r=$sw/run.$k
	copy_base "$base" "$r" || { echo "$k|-|-|0|FAIL|cannot copy the base" >"$sw/res/$k"; return; }
	mapfile -t args < <(expand "$r" "$thumb" "$(cat "$sw/args")")
	(cd "$r" && FAULT_AT=$k FAULT_RV=$rv FAULT_STICKY=$sticky \
		FAULT_TRACE=$r/fault.trace SOFTHSM2_CONF=$r/softhsm2.conf \
		timeout 60 "$HSMCERT" --config "$r/hsmcert.conf" "${args[@]}" \
		>"$r/out" 2>"$r/err" </dev/null)
	rc=$?
	fn=$(awk '/ FAULT /{ print $2; exit }' "$r/fault.trace" 2>/dev/null)
	[ -n "$fn" ] || { fn=-; problems+=("the fault was not reached (the run made fewer calls than the counting run)"); }

	case $rc in
	0) problems+=("exit 0") ;;
	124) problems+=("timed out (60 s)") ;;
	12[5-9] | 1[3-9][0-9] | 2[0-9][0-9]) problems+=("exit $rc (killed by a signal?)") ;;
	esac
	grep -q '^hsmcert: error:' "$r/err" || problems+=("no 'hsmcert: error:' on stderr")
	grep -qF -- "$rv" "$r/err" ||
		problems+=("stderr does not name $rv: $(tr '\n' ' ' <"$r/err" | cut -c1-300)")

	# the token
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
		if [ -s "$r/objs.removed" ]; then
			problems+=("token objects changed or gone: $(sed 's/$/ ;; /' "$r/objs.removed" | tr -d '\n' | cut -c1-600)")
			[ ! -s "$r/objs.added" ] ||
				problems+=("token objects added: $(sed 's/$/ ;; /' "$r/objs.added" | tr -d '\n' | cut -c1-600)")
		elif [ -s "$r/objs.added" ]; then
			st=$(orphan_check "$sw" "$r")
			[ -z "$st" ] || problems+=("$st")
		fi
	fi

	# the state directory, the service files, the outputs
	diff -r -x 'audit.log*' "$base/state" "$r/state" >"$r/state.diff" 2>&1 ||
		problems+=("state directory changed: $(tr '\n' ' ' <"$r/state.diff" | cut -c1-300)")
	diff -r "$base/svc" "$r/svc" >"$r/svc.diff" 2>&1 ||
		problems+=("service files changed: $(tr '\n' ' ' <"$r/svc.diff" | cut -c1-300)")
	local prev=
	for ln in "${args[@]}"; do
		if [ "$prev" = --out ] && [ -e "$ln" ]; then
			problems+=("output file left behind: ${ln#"$r"/}")
		fi
		prev=$ln
	done

	if [ ${#problems[@]} -eq 0 ]; then
		echo "$k|$rc|$fn|$left|ok|" >"$sw/res/$k"
		[ "${FAULTS_KEEP:-0}" = 1 ] || [ -n "${FAULTS_AT:-}" ] || rm -rf "$r"
	else
		local IFS=$'\x1f'
		echo "$k|$rc|$fn|$left|FAIL|${problems[*]}" | sed $'s/\x1f/ ## /g' >"$sw/res/$k"
	fi
}

# orphan_check SWEEP-DIR RUN: the objects added are one orphan key pair that
# `list` shows and `remove` deletes; prints the problem, nothing when so.
orphan_check() {
	local sw=$1 r=$2 ids id
	ids=$(grep -o 'ID: [0-9a-f]*' "$r/objs.added" | sort -u | awk '{ print $2 }')
	if [ "$(wc -l <"$r/objs.added")" != 2 ] || [ "$(echo "$ids" | wc -l)" != 1 ] ||
		[ -z "$ids" ] || ! grep -q '^Private Key Object' "$r/objs.added" ||
		! grep -q '^Public Key Object' "$r/objs.added"; then
		echo "token objects added (not one orphan key pair): $(sed 's/$/ ;; /' "$r/objs.added" | tr -d '\n' | cut -c1-600)"
		return
	fi
	id=$ids
	if grep -q "ID: $id" "$r/objs.after" && [ "$(grep -c "ID: $id" "$r/objs.after")" != 2 ]; then
		echo "orphan key $id: other objects on the token carry its ID"
		return
	fi
	hc_real "$r" list --status OrphanKey --format json >"$r/orphan.list" 2>"$r/orphan.list.err"
	if ! grep -q "$id" "$r/orphan.list"; then
		echo "orphan key $id left behind and 'hsmcert list --status OrphanKey' does not show it: $(tr '\n' ' ' <"$r/orphan.list" "$r/orphan.list.err" | cut -c1-200)"
		return
	fi
	hc_real "$r" remove "$id" --yes >"$r/orphan.remove" 2>&1 || {
		echo "orphan key $id: 'hsmcert remove $id --yes' failed: $(tr '\n' ' ' <"$r/orphan.remove" | cut -c1-200)"
		return
	}
	snapshot "$r" "$r/objs.cleaned" || { echo "pkcs11-tool --list-objects failed after remove"; return; }
	cmp -s "$sw/objs.before" "$r/objs.cleaned" ||
		echo "orphan key $id: after 'hsmcert remove $id --yes' the token still differs: $(diff "$sw/objs.before" "$r/objs.cleaned" | tr '\n' ' ' | cut -c1-300)"
}

if [ "${1:-}" = --one ]; then
	one_run "$2" "$3"
	exit 0
fi

# ---------------------------------------------------------------------------
# The driver

[ -x "$HSMCERT" ] || { echo "faults: $HSMCERT is not executable (make)" >&2; exit 2; }
[ -f "$FAULT_SHIM" ] || { echo "faults: no shim $FAULT_SHIM (make -f Makefile -f tests/faults/faults.mk build/tests/faults/libfaultshim.so)" >&2; exit 2; }
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

# the selected sweeps
declare -a SEL=()
for s in "${SWEEPS[@]}"; do
	IFS='|' read -r name _ rv sticky _ <<<"$s"
	id="$name:$rv"
	[ "$sticky" = 1 ] && id="$id:sticky"
	if [ $# -eq 0 ]; then
		SEL+=("$s")
	else
		for p in "$@"; do
			case $id in *"$p"*) SEL+=("$s"); break ;; esac
		done
	fi
done
[ ${#SEL[@]} -gt 0 ] || die "no sweep matches: $*"

declare -a ROWS=()
PASS=0 FAILN=0 i=0
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
	echo "$name" >"$sw/name"
	snapshot "$base" "$sw/objs.before" || die "pkcs11-tool --list-objects on $base"

	# the counting run
	r=$sw/count
	copy_base "$base" "$r" || die "cp -a $base"
	thumb=$(cat "$base/thumb" 2>/dev/null || true)
	mapfile -t argv < <(expand "$r" "$thumb" "$args")
	(cd "$r" && FAULT_COUNT_FILE=$r/count FAULT_TRACE=$r/fault.trace \
		SOFTHSM2_CONF=$r/softhsm2.conf timeout 60 "$HSMCERT" \
		--config "$r/hsmcert.conf" "${argv[@]}" >"$r/out" 2>"$r/err" </dev/null) ||
		die "counting run of 'hsmcert ${argv[*]}' failed: $(cat "$r/err")"
	n=$(cat "$r/count" 2>/dev/null)
	[ -n "$n" ] && [ "$n" -gt 0 ] || die "no call count from the shim for $name"

	if [ -n "${FAULTS_AT:-}" ]; then
		points=$FAULTS_AT
	else
		points=$(seq 1 "$n")
	fi
	printf '%s\n' $points | xargs -P "$JOBS" -I{} "$0" --one "$sw" {}

	npts=0 nok=0 maxleft=0
	codes=$(cat "$sw"/res/* | cut -d'|' -f2 | sort -n | uniq -c | awk '{ printf "%s%s (%d)", sep, $2, $1; sep = ", " }')
	for f in "$sw"/res/*; do
		IFS='|' read -r k rc fn left status problems <"$f"
		npts=$((npts + 1))
		[ "$left" -gt "$maxleft" ] && maxleft=$left
		if [ "$status" = ok ]; then
			nok=$((nok + 1))
		else
			echo "$name|$rv|$sticky|$k|$fn|$rc|$problems|$sw" >>"$W/failures"
		fi
	done
	PASS=$((PASS + nok))
	FAILN=$((FAILN + npts - nok))
	label="$name $rv"
	[ "$sticky" = 1 ] && label="$label sticky"
	ROWS+=("$label|$n|$nok|$maxleft|$codes")
	printf 'faults: %-45s %4d points, %4d passing\n' "$label" "$npts" "$nok"
done

END=$(date +%s)
echo
printf '| %-45s | %-12s | %-12s | %-26s | %s\n' command "fault points" "runs passing" "objects left behind (max)" "exit codes seen (runs)"
printf '|%s|%s|%s|%s|%s\n' "$(printf -- '-%.0s' {1..47})" "$(printf -- '-%.0s' {1..14})" \
	"$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..28})" "------------------------"
for row in "${ROWS[@]}"; do
	IFS='|' read -r c n ok left codes <<<"$row"
	printf '| %-45s | %12s | %12s | %26s | %s\n' "$c" "$n" "$ok" "$left" "$codes"
done
echo

if [ -s "$W/failures" ]; then
	echo "Failures (reproduce: the run directory is kept; or"
	echo "  FAULTS_AT=K tests/faults/faults.sh 'COMMAND:CKR' with HSMCERT and FAULT_SHIM set):"
	while IFS='|' read -r name rv sticky k fn rc problems sw; do
		st=
		[ "$sticky" = 1 ] && st=" FAULT_STICKY=1"
		echo "- $name FAULT_AT=$k ($fn) FAULT_RV=$rv$st: exit $rc"
		echo "$problems" | sed 's/ ## /\n/g' | sed 's/^/    /'
		echo "    run: $sw/run.$k"
		echo "    hsmcert $(tr '\n' ' ' < <(expand "$sw/run.$k" "$(cat "$(cat "$sw/base")/thumb" 2>/dev/null)" "$(cat "$sw/args")"))"
	done <"$W/failures"
	echo
fi
echo "faults: run time $((END - START)) s, work directory $W"
echo "faults: $PASS passed, $FAILN failed"
if [ "$FAILN" -eq 0 ] && [ -z "${FAULTS_WORK:-}" ] && [ "${FAULTS_KEEP:-0}" != 1 ] && [ -z "${FAULTS_AT:-}" ]; then
	rm -rf "$W"
fi
[ "$FAILN" -eq 0 ]
