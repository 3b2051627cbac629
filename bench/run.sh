#!/usr/bin/env bash
# bench/run.sh - hsmcert against pkcs11-tool and p11tool on the same tokens.
#
#   make bench            (or: HSMCERT=build/hsmcert MKBENCH=build/bench/mkbench bench/run.sh)
#   BENCH_SIZES="100 1000 3000" BENCH_RUNS=5 bench/run.sh
#   BENCH_CA_SIZES="1000" (CA-issued tokens, "" for none)
#   (BENCH_P11TOOL=0 leaves p11tool out: a minute per run at 1,000 pairs)
#
# Builds SoftHSM2 tokens of N certificate + key pairs in one process each
# (bench/mkbench: one process per object would be O(N^2), FACTS.md), then
# times, side by side, with hyperfine (medians of BENCH_RUNS runs):
#   hsmcert list, list --format json, show ID, verify ID
#   pkcs11-tool --login --list-objects, pkcs11-tool -T (module load + token
#   info: the floor of any command), bench/p11floor (module load, login,
#   one search, one read per object and one per certificate value, no
#   parsing: the floor of any listing), p11tool --list-all-certs (100 and 1,000
#   only: it is quadratic)
#   hsmcert request --key ec:p256 against pkcs11-tool --keypairgen EC +
#   openssl req -engine pkcs11 (the two-process peer pipeline), and
#   hsmcert new --key ec:p256 against the same with openssl req -x509 and
#   pkcs11-tool --write-object storing the certificate (three processes)
# and prints a table of medians, ratios and the growth from 1,000 to 3,000.
# Then the same list against its peers on tokens of CA-issued pairs
# (mkbench with a CA: every certificate's chain is built to the configured
# trust anchor, where a self-signed one needs only its own signature).
# PINs reach the tools through files and environment variables only.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
HSMCERT=${HSMCERT:-$TOP/build/hsmcert}
MKBENCH=${MKBENCH:-$TOP/build/bench/mkbench}
P11FLOOR=${P11FLOOR:-$TOP/build/bench/p11floor}
SIZES=${BENCH_SIZES:-100 1000 3000}
RUNS=${BENCH_RUNS:-5}
MODULE=/usr/lib/softhsm/libsofthsm2.so
ENGINE=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
W=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hsmcert-bench.XXXXXX")}
mkdir -p "$W"
export LC_ALL=C

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

echo "# hsmcert benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A R
for n in $SIZES; do
	d=$W/t$n
	if [ ! -f "$d/done" ]; then
		rm -rf "$d"
		"$TOP/hsm/mktoken.sh" "$d" bench >/dev/null
		printf '[token]\nlabel = bench\npin-source = file:%s/user.pin\nsofthsm2-conf = %s/softhsm2.conf\n[paths]\nstate-dir = %s/state\n' \
			"$d" "$d" "$d" >"$d/hc.conf"
		start=$(date +%s)
		# the configuration names the token; a SOFTHSM2_CONF left from the
		# previous size would win over it
		env -u SOFTHSM2_CONF "$MKBENCH" "$d/hc.conf" "$n" 2>/dev/null
		echo "# token of $n pairs built in $(( $(date +%s) - start )) s"
		touch "$d/done"
	fi
	export SOFTHSM2_CONF=$d/softhsm2.conf
	BENCH_PIN=$(cat "$d/user.pin")
	GNUTLS_PIN=$BENCH_PIN
	export BENCH_PIN GNUTLS_PIN
	H="$HSMCERT --config $d/hc.conf"
	$H list >/dev/null	# writes the index
	id=$($H list --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[len(d)//2]["Thumbprint"][:12])')
	R[$n,list]=$(bench "list$n" "$H list")
	R[$n,json]=$(bench "json$n" "$H list --format json")
	R[$n,show]=$(bench "show$n" "$H show $id")
	# the timer's job with nothing due (mkbench's certificates live a
	# year and more): it must cost no more than list (issue 16)
	R[$n,due]=$(bench "due$n" "$H renew --due --quiet")
	R[$n,verify]=$(bench "verify$n" "$H verify $id")
	R[$n,p11objs]=$(bench "p11objs$n" "pkcs11-tool --module $MODULE --login --pin env:BENCH_PIN --list-objects --type cert" )
	R[$n,p11objsall]=$(bench "p11all$n" "pkcs11-tool --module $MODULE --login --pin env:BENCH_PIN --list-objects")
	R[$n,T]=$(bench "T$n" "pkcs11-tool --module $MODULE -T")
	R[$n,floor]=$(bench "floor$n" "$P11FLOOR $MODULE bench $d/user.pin")
	if [ "$n" -le 1000 ] && [ "${BENCH_P11TOOL:-1}" = 1 ]; then
		R[$n,p11tool]=$(BENCH_RUNS=1 bench "p11tool$n" "p11tool --provider $MODULE --login --list-all-certs pkcs11:token=bench")
	else
		R[$n,p11tool]=-
	fi
done

# request against the peer pipeline, on a copy of the smallest token: the
# pairs every run makes stay out of the tokens the next run lists
small=${SIZES%% *}
rm -rf "$W/scratch"
cp -a "$W/t$small" "$W/scratch"
for f in hc.conf softhsm2.conf; do
	sed "s#$W/t$small#$W/scratch#g" "$W/t$small/$f" >"$W/scratch/$f"
done
d=$W/scratch
export SOFTHSM2_CONF=$d/softhsm2.conf BENCH_PIN=$(cat "$d/user.pin")
cat >"$W/engine.cnf" <<CNF
openssl_conf = oc
[oc]
engines = es
[es]
pkcs11 = p11
[p11]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
PIN = $BENCH_PIN
init = 0
CNF
chmod 600 "$W/engine.cnf"
cat >"$W/peer.sh" <<SH
#!/bin/sh
set -e
id=\$(openssl rand -hex 20)
pkcs11-tool --module $MODULE --login --pin env:BENCH_PIN --keypairgen --key-type EC:prime256v1 --id \$id --label peer >/dev/null 2>&1
OPENSSL_CONF=$W/engine.cnf openssl req -new -engine pkcs11 -keyform engine -key "pkcs11:token=bench;id=\$(echo \$id | sed 's/../%&/g');type=private" -subj /CN=peer.example.com -out /dev/null 2>/dev/null
SH
chmod +x "$W/peer.sh"
# new: the same key pair with a self-signed certificate stored beside it
cat >"$W/peer-new.sh" <<SH
#!/bin/sh
set -e
id=\$(openssl rand -hex 20)
pkcs11-tool --module $MODULE --login --pin env:BENCH_PIN --keypairgen --key-type EC:prime256v1 --id \$id --label peer >/dev/null 2>&1
OPENSSL_CONF=$W/engine.cnf openssl req -new -x509 -days 90 -engine pkcs11 -keyform engine -key "pkcs11:token=bench;id=\$(echo \$id | sed 's/../%&/g');type=private" -subj /CN=peer.example.com -outform DER -out $W/peer.der 2>/dev/null
pkcs11-tool --module $MODULE --login --pin env:BENCH_PIN --write-object $W/peer.der --type cert --id \$id --label peer >/dev/null 2>&1
SH
chmod +x "$W/peer-new.sh"
R[req,hsmcert]=$(bench reqh "$HSMCERT --config $d/hc.conf request --subject CN=bench.example.com --key ec:p256 --quiet --out /dev/null --force")
R[req,peer]=$(bench reqp "$W/peer.sh")
R[new,hsmcert]=$(bench newh "$HSMCERT --config $d/hc.conf new --subject CN=bench.example.com --key ec:p256 --quiet")
R[new,peer]=$(bench newp "$W/peer-new.sh")

# CA-issued tokens: list builds every certificate's chain
CA_SIZES=${BENCH_CA_SIZES-1000}
for n in $CA_SIZES; do
	d=$W/c$n
	if [ ! -f "$d/done" ]; then
		rm -rf "$d"
		"$TOP/hsm/mktoken.sh" "$d" bench >/dev/null
		printf '[token]\nlabel = bench\npin-source = file:%s/user.pin\nsofthsm2-conf = %s/softhsm2.conf\n[paths]\nstate-dir = %s/state\ntrust-anchors = %s/ca.pem\n' \
			"$d" "$d" "$d" "$d" >"$d/hc.conf"
		env -u SOFTHSM2_CONF "$MKBENCH" "$d/hc.conf" "$n" "$d/ca.pem" 2>/dev/null
		touch "$d/done"
	fi
	export SOFTHSM2_CONF=$d/softhsm2.conf BENCH_PIN=$(cat "$d/user.pin")
	H="$HSMCERT --config $d/hc.conf"
	$H list >/dev/null
	R[c$n,list]=$(bench "clist$n" "$H list")
	R[c$n,p11objsall]=$(bench "cp11all$n" "pkcs11-tool --module $MODULE --login --pin env:BENCH_PIN --list-objects")
	R[c$n,T]=$(bench "cT$n" "pkcs11-tool --module $MODULE -T")
	R[c$n,floor]=$(bench "cfloor$n" "$P11FLOOR $MODULE bench $d/user.pin")
done

ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('-' if '-' in (a,b) else '%.2f' % (float(a)/float(b)))" "$1" "$2"; }
printf '\n| token | hsmcert list | list --format json | show ID | verify ID | pkcs11-tool --list-objects (all) | (certs only) | pkcs11-tool -T | p11floor | p11tool --list-all-certs | list / pkcs11-tool | list / -T | floor / -T | show / -T | verify / -T |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for n in $SIZES; do
	printf '| %s pairs | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
		"${R[$n,list]}" "${R[$n,json]}" "${R[$n,show]}" "${R[$n,verify]}" "${R[$n,p11objsall]}" \
		"${R[$n,p11objs]}" "${R[$n,T]}" "${R[$n,floor]}" "${R[$n,p11tool]}" \
		"$(ratio "${R[$n,list]}" "${R[$n,p11objsall]}")" "$(ratio "${R[$n,list]}" "${R[$n,T]}")" \
		"$(ratio "${R[$n,floor]}" "${R[$n,T]}")" \
		"$(ratio "${R[$n,show]}" "${R[$n,T]}")" "$(ratio "${R[$n,verify]}" "${R[$n,T]}")"
done
case " $SIZES " in
*" 1000 "*"3000 "*)
	printf '\ngrowth 1,000 -> 3,000: hsmcert list %s, pkcs11-tool --list-objects %s\n' \
		"$(ratio "${R[3000,list]}" "${R[1000,list]}")" "$(ratio "${R[3000,p11objsall]}" "${R[1000,p11objsall]}")" ;;
esac
for n in $CA_SIZES; do
	printf '\nCA-issued, %s pairs: hsmcert list %s s, pkcs11-tool --list-objects %s s (%s), -T %s s (list / -T %s), p11floor %s s (floor / -T %s)\n' "$n" \
		"${R[c$n,list]}" "${R[c$n,p11objsall]}" "$(ratio "${R[c$n,list]}" "${R[c$n,p11objsall]}")" \
		"${R[c$n,T]}" "$(ratio "${R[c$n,list]}" "${R[c$n,T]}")" \
		"${R[c$n,floor]}" "$(ratio "${R[c$n,floor]}" "${R[c$n,T]}")"
done
printf '\n'
for n in $SIZES; do
	printf 'renew --due with nothing due, %s pairs: %s s, list %s s, ratio %s\n' "$n" \
		"${R[$n,due]}" "${R[$n,list]}" "$(ratio "${R[$n,due]}" "${R[$n,list]}")"
done
printf '\nrequest --key ec:p256 (on the %s-pair token): hsmcert %s s, pkcs11-tool --keypairgen + openssl req -engine pkcs11 %s s, ratio %s\n' \
	"$small" "${R[req,hsmcert]}" "${R[req,peer]}" "$(ratio "${R[req,hsmcert]}" "${R[req,peer]}")"
printf 'new --key ec:p256 (same token): hsmcert %s s, pkcs11-tool --keypairgen + openssl req -x509 -engine pkcs11 + pkcs11-tool --write-object %s s, ratio %s\n' \
	"${R[new,hsmcert]}" "${R[new,peer]}" "$(ratio "${R[new,hsmcert]}" "${R[new,peer]}")"
echo "# tokens and hyperfine JSON in $W"
