#!/usr/bin/env bash
# bench/remote.sh - what the socket costs: every command timed straight on
# SoftHSM2 and through p11-kit-client.so + `p11-kit server` over the same
# token, side by side.
#
#   make bench-remote     (or: HSMCERT=build/hsmcert MKBENCH=build/bench/mkbench bench/remote.sh)
#   BENCH_SIZES="100 1000" BENCH_RUNS=5 bench/remote.sh
#
# For each token size (N certificate + key pairs, made by bench/mkbench)
# hyperfine takes the median of BENCH_RUNS runs of: pkcs11-tool -T (module
# load + token info: the floor), hsmcert list, list --format json, show ID,
# verify ID (a signature on the token) and request --key ec:p256 (key
# generation, signature, a data object written). pkcs11-spy counts the
# PKCS#11 calls each command makes: through the socket every call is a
# round trip. The table gives direct, remote, the extra time, the ratio and
# the extra per call beyond -T's (whose extra is the connection and the
# server starting its module). PINs reach the tools through files and environment
# variables only; the server is stopped by its PID at exit.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
HSMCERT=${HSMCERT:-$TOP/build/hsmcert}
MKBENCH=${MKBENCH:-$TOP/build/bench/mkbench}
SIZES=${BENCH_SIZES:-100 1000}
RUNS=${BENCH_RUNS:-5}
MODULE=/usr/lib/softhsm/libsofthsm2.so
CLIENT=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
SPY=/usr/lib/x86_64-linux-gnu/pkcs11-spy.so
W=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hsmcert-bench-remote.XXXXXX")}
mkdir -p "$W"
export LC_ALL=C

PIDS=()
stop_servers() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap stop_servers EXIT

median() { # hyperfine JSON -> median seconds
	python3 -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}
bench() { # name command...
	local name=$1
	shift
	hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$W/$name.json" "$*" >/dev/null 2>&1 ||
		hyperfine --runs "$RUNS" --warmup 1 --export-json "$W/$name.json" "$*" >/dev/null
	median "$W/$name.json"
}
calls() { # module command... -> PKCS#11 calls the command makes
	local m=$1 log=$W/spy.log
	shift
	rm -f "$log"
	PKCS11SPY=$m PKCS11SPY_OUTPUT=$log "$@" --module "$SPY" >/dev/null 2>&1 || true
	grep -cE '^[0-9]+: C_' "$log" || true
}

echo "# hsmcert through p11-kit's socket vs direct, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# p11-kit $(dpkg-query -W -f='${Version}' p11-kit 2>/dev/null || echo '?'), SoftHSM2 $(dpkg-query -W -f='${Version}' softhsm2 2>/dev/null || echo '?')"
declare -A R
CMDS="T list json show verify request"
for n in $SIZES; do
	d=$W/t$n
	if [ ! -f "$d/done" ]; then
		rm -rf "$d"
		"$TOP/hsm/mktoken.sh" "$d" bench >/dev/null
		printf '[token]\nlabel = bench\npin-source = file:%s/user.pin\nsofthsm2-conf = %s/softhsm2.conf\n[paths]\nstate-dir = %s/state\n' \
			"$d" "$d" "$d" >"$d/hc.conf"
		# the configuration names the token; a SOFTHSM2_CONF left from the
		# previous size would win over it
		env -u SOFTHSM2_CONF "$MKBENCH" "$d/hc.conf" "$n" 2>/dev/null
		touch "$d/done"
	fi
	export SOFTHSM2_CONF=$d/softhsm2.conf
	p11-kit server --provider "$MODULE" -n "$d/p11kit.sock" "pkcs11:token=bench" >"$d/server.env"
	PIDS+=("$(sed -n 's/^P11_KIT_SERVER_PID=\([0-9]*\);.*/\1/p' "$d/server.env")")
	export P11_KIT_SERVER_ADDRESS="unix:path=$d/p11kit.sock"
	H="$HSMCERT --config $d/hc.conf"
	$H list >/dev/null	# the index
	id=$($H list --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[len(d)//2]["Thumbprint"][:12])')
	for via in direct remote; do
		m=$MODULE
		[ $via = remote ] && m=$CLIENT
		R[$n,$via,T]=$(bench "T$n$via" "pkcs11-tool --module $m -T")
		R[$n,$via,list]=$(bench "list$n$via" "$H --module $m list")
		R[$n,$via,json]=$(bench "json$n$via" "$H --module $m list --format json")
		R[$n,$via,show]=$(bench "show$n$via" "$H --module $m show $id")
		R[$n,$via,verify]=$(bench "verify$n$via" "$H --module $m verify $id")
		R[$n,$via,request]=$(bench "req$n$via" "$H --module $m request --subject CN=bench.example.com --key ec:p256 --quiet --out /dev/null --force")
	done
	R[$n,calls,T]=$(rm -f "$W/spy.log"
		PKCS11SPY=$MODULE PKCS11SPY_OUTPUT=$W/spy.log pkcs11-tool --module "$SPY" -T >/dev/null 2>&1
		grep -cE '^[0-9]+: C_' "$W/spy.log")
	R[$n,calls,list]=$(calls "$MODULE" $H list)
	R[$n,calls,json]=$(calls "$MODULE" $H list --format json)
	R[$n,calls,show]=$(calls "$MODULE" $H show "$id")
	R[$n,calls,verify]=$(calls "$MODULE" $H verify "$id")
	R[$n,calls,request]=$(calls "$MODULE" $H request --subject CN=bench.example.com --key ec:p256 --quiet --out /dev/null --force)
	# the pending requests the runs made go, so the token keeps its size
	# from one bench run to the next
	for id in $($H list --pending --format json | python3 -c 'import json,sys; print(" ".join(x["KeyId"] for x in json.load(sys.stdin)))'); do
		$H remove "$id" --yes >/dev/null
	done
done

label() {
	case $1 in
	T) echo "pkcs11-tool -T" ;;
	list) echo "hsmcert list" ;;
	json) echo "hsmcert list --format json" ;;
	show) echo "hsmcert show ID" ;;
	verify) echo "hsmcert verify ID" ;;
	request) echo "hsmcert request --key ec:p256" ;;
	esac
}
printf '\n| token | command | PKCS#11 calls | direct (s) | through the socket (s) | extra (s) | ratio | extra beyond -T, per call (µs) |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for n in $SIZES; do
	for c in $CMDS; do
		python3 - "$n" "$(label "$c")" "${R[$n,calls,$c]}" "${R[$n,direct,$c]}" "${R[$n,remote,$c]}" \
			"${R[$n,calls,T]}" "${R[$n,direct,T]}" "${R[$n,remote,T]}" <<'PY'
import sys
n, name = sys.argv[1:3]
calls, d, r, tcalls, td, tr = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), \
	int(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
# the connection and the server's own module start cost what -T's extra
# costs; what is left is the round trips
beyond = "-" if calls <= tcalls else "%.0f" % (((r - d) - (tr - td)) / (calls - tcalls) * 1e6)
print("| %s pairs | %s | %d | %.4f | %.4f | %+.4f | %.2f | %s |" % (n, name, calls, d, r, r - d, r / d, beyond))
PY
	done
done
# the socket's fixed cost per command is what -T pays on top: a connection,
# and `p11-kit server` starting `p11-kit remote`, which loads and
# initialises the module for this client (SoftHSM2 reads every object file
# then). No client can save that; the ratio of a command can not fall
# below 1 + that cost / its direct time.
printf '\n'
for n in $SIZES; do
	python3 - "$n" "${R[$n,direct,T]}" "${R[$n,remote,T]}" "${R[$n,direct,list]}" "${R[$n,remote,list]}" <<'PY'
import sys
n = sys.argv[1]
td, tr, ld, lr = map(float, sys.argv[2:6])
print("%s pairs: the socket's fixed cost (-T's extra) %.4f s; list through the socket %.2f x direct, of which the fixed cost alone is %.2f x (floor)" % (n, tr - td, lr / ld, 1 + (tr - td) / ld))
PY
done
echo "# tokens and hyperfine JSON in $W"
