#!/usr/bin/env bash
# bench/acme.sh - one 3-name ACME issuance against a local pebble, side by
# side: hsmcert request --acme (key, request, order, chain stored on the
# token) against lego --csr and uacme issue
# (both given the CSR hsmcert request made); all three answer http-01
# from one webroot served by python3 -m http.server on pebble's httpPort. hyperfine, medians of
# BENCH_RUNS runs (default 5; lego waits seconds between polls).
#
#   make bench-acme   (or: HSMCERT=build/hsmcert bench/acme.sh)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
HSMCERT=${HSMCERT:-$TOP/build/hsmcert}
RUNS=${BENCH_RUNS:-5}
MODULE=/usr/lib/softhsm/libsofthsm2.so
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/hsmcert-bench-acme.XXXXXX")
WHO=bench/acme.sh
# shellcheck source=../hsm/pebble-host.sh
. "$TOP/hsm/pebble-host.sh"
# shellcheck source=../tests/cli/pebble.sh
. "$TOP/tests/cli/pebble.sh"

"$TOP/hsm/mktoken.sh" "$T" bench-acme >/dev/null
export SOFTHSM2_CONF=$T/softhsm2.conf
CONF=$T/hsmcert.conf
cat >"$CONF" <<CONF
[token]
module = $MODULE
label = bench-acme
pin-source = file:$T/user.pin
softhsm2-conf = $T/softhsm2.conf

[paths]
state-dir = $T/state
CONF
start_pebble 0
# all three answer http-01 from one webroot served on pebble's httpPort
sed -i '/^http-listen = /d' "$CONF"
conf_set acme http-root "$T/www"
pebble_root "$T/root.pem"
conf_set paths trust-anchors "$T/root.pem"
hc() { "$HSMCERT" --config "$CONF" "$@"; }
hc acme register --agree-tos >/dev/null
NAMES=(a.bench.test b.bench.test c.bench.test)

# the CSR lego and uacme send: made on the token by hsmcert request
hc request --subject "CN=${NAMES[0]}" --domain "${NAMES[1]},${NAMES[2]}" \
	--key ec:p256 --out "$T/req.pem" >/dev/null
openssl req -in "$T/req.pem" -outform DER -out "$T/req.der"

# the webroot on pebble's httpPort for the http-01 files
mkdir -p "$T/www/.well-known/acme-challenge"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$PEBBLE_HTTP_PORT" \
	>"$T/http.log" 2>&1 &
HTTP_PID=$!
at_exit 'kill "$HTTP_PID" 2>/dev/null'

# lego: --csr, its own account (made in the warmup run), http-01 via the webroot
export LEGO_CA_CERTIFICATES=$PEBBLE_CA
lego_cmd="lego --server $PEBBLE_DIR --accept-tos --email bench@bench.test --path $T/lego --csr $T/req.pem --http --http.webroot $T/www run"

# uacme: an account in its confdir, a hook that writes/removes the http-01 file
cat >"$T/uacme-hook" <<HOOK
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN AUTH
[ "\$2" = http-01 ] || exit 1
f="$T/www/.well-known/acme-challenge/\$4"
case \$1 in begin) printf '%s' "\$5" >"\$f" ;; *) rm -f "\$f" ;; esac
HOOK
chmod 755 "$T/uacme-hook"
# Debian 12's uacme 1.7.4 (libcurl-gnutls) has no CA option (UACME_CAINFO
# came in 1.7.6): it runs in a mount namespace of its own where the system
# bundle is pebble's TLS CA (root only; nothing changes outside it)
uacme_ns() { printf "unshare -m sh -c 'mount --bind %s /etc/ssl/certs/ca-certificates.crt && exec uacme %s'" "$PEBBLE_CA" "$*"; }
eval "$(uacme_ns -a "$PEBBLE_DIR" -c "$T/uacme" -y new bench@bench.test)" >"$T/uacme-new.log" 2>&1 ||
	fail "uacme new:" "$(cat "$T/uacme-new.log")"
uacme_cmd=$(uacme_ns -o -a "$PEBBLE_DIR" -c "$T/uacme" -h "$T/uacme-hook" -f -y issue "$T/req.pem")

# one run first, so that a failing uacme shows why
eval "$uacme_cmd" >"$T/uacme-first.log" 2>&1 ||
	fail "uacme issue:" "$(tail -20 "$T/uacme-first.log")"

# hsmcert: the whole thing (key pair + request on the token, order, chain stored)
hs_cmd="$HSMCERT --config $CONF request --acme --subject CN=${NAMES[0]} --domain ${NAMES[1]},${NAMES[2]} --key ec:p256"

# uacme writes the certificate beside the CSR as req-cert-NOTAFTER.pem
# and links req-cert.pem to it: two issuances within one second would
# collide, so its files go before each of its runs
hyperfine -N --runs "$RUNS" --warmup 1 --export-json "$T/bench.json" \
	--prepare true --prepare true \
	--prepare "sh -c 'rm -f $T/req-cert.pem $T/req-cert-*.pem'" \
	-n "hsmcert request --acme (http-root)" "$hs_cmd" \
	-n "lego --csr (http-01 webroot)" "$lego_cmd" \
	-n "uacme issue CSR (http-01 hook)" "$uacme_cmd" >"$T/hyperfine.log" 2>&1 ||
	fail "hyperfine:" "$(tail -30 "$T/hyperfine.log")"
echo "3-name issuance against pebble 2.4.0 on loopback (PEBBLE_VA_NOSLEEP=1), medians of $RUNS runs"
python3 - "$T/bench.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
print("| %-36s | %9s | %9s | %9s | %8s |" % ("client", "median s", "min s", "max s", "vs hsmcert"))
print("|%s|%s|%s|%s|%s|" % ("-" * 38, "-" * 11, "-" * 11, "-" * 11, "-" * 10))
for x in r:
    print("| %-36s | %9.3f | %9.3f | %9.3f | %7.1fx |" % (x["command"], x["median"], x["min"], x["max"], x["median"] / base))
PY
echo "(hsmcert's run includes generating the key pair and the request on the token and storing the chain; lego and uacme only order for a ready CSR)"
kill "$PEBBLE_PID" "$CHALLTESTSRV_PID" "$HTTP_PID" 2>/dev/null || true
