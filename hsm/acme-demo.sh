#!/bin/bash
# acme-demo.sh BIN - ACME end to end against a local pebble, on a throwaway
# SoftHSM2 token: pebble + pebble-challtestsrv on 127.0.0.1 (free ports,
# as tests/cli/pebble.sh starts them), acme register, a 3-name certificate
# with request --acme (http-01 answered by hsmcert itself), bound to smtp,
# then the results checked with pkcs11-tool and openssl. Everything it
# started is stopped by PID; the temporary directory is removed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
module=/usr/lib/softhsm/libsofthsm2.so
T=$(mktemp -d)
WHO=acme-demo
# shellcheck source=pebble-host.sh
. "$top/hsm/pebble-host.sh"
# shellcheck source=../tests/cli/pebble.sh
. "$top/tests/cli/pebble.sh"

step() { printf '\n== %s\n' "$*"; }
hsmcert() { printf '$ hsmcert %s\n' "$*" >&2; "$bin" --config "$CONF" "$@"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "a throwaway SoftHSM2 token"
"$here/mktoken.sh" "$T" acme-demo
export SOFTHSM2_CONF=$T/softhsm2.conf
CONF=$T/hsmcert.conf
mkdir -p "$T/svc"
cat >"$CONF" <<CONF
[token]
module = $module
label = acme-demo
pin-source = file:$T/user.pin
softhsm2-conf = $T/softhsm2.conf

[paths]
state-dir = $T/state

[service smtp]
cert-file = $T/svc/smtp.pem
key-uri-file = $T/svc/smtp.uri
CONF

step "pebble and pebble-challtestsrv on 127.0.0.1"
start_pebble 0
echo "pebble $PEBBLE_DIR (pid $PEBBLE_PID), challtestsrv DNS 127.0.0.1:$PEBBLE_DNS_PORT (pid $CHALLTESTSRV_PID)"
echo "hsmcert answers http-01 on 127.0.0.1:$PEBBLE_HTTP_PORT during the order"
pebble_root "$T/root.pem"
conf_set paths trust-anchors "$T/root.pem"
echo "pebble's root (new at every start) from $PEBBLE_MGMT/roots/0 is the trust anchor"
sed -n '/^\[acme\]/,$p' "$CONF"

step "register the ACME account (EC P-256 key generated on the token)"
hsmcert acme register --agree-tos --contact mailto:hostmaster@acme-demo.test

step "a 3-name certificate: key pair and request on the token, ordered, completed"
s=$(date +%s%N)
hsmcert request --acme --subject CN=mail.acme-demo.test \
	--domain autodiscover.acme-demo.test,smtp.acme-demo.test --key ec:p256
e=$(date +%s%N)
echo "(issuance took $(((e - s) / 1000000)) ms)"
thumb=$("$bin" --config "$CONF" list --format json |
	python3 -c 'import json,sys; print([e for e in json.load(sys.stdin) if e.get("Enrollment")=="acme"][0]["Thumbprint"])')
keyid=$("$bin" --config "$CONF" show "$thumb" --format json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["KeyId"])')
acctkey=$("$bin" --config "$CONF" acme show --format json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["KeyId"])')

step "bind it to smtp (cert-file and key-uri-file written)"
hsmcert enable "$thumb" --services smtp
openssl x509 -in "$T/svc/smtp.pem" -noout -subject -ext subjectAltName
echo "key-uri-file: $(cat "$T/svc/smtp.uri")"

step "show --format json: Enrollment acme"
hsmcert show "$thumb" --format json | tee "$T/show.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["Enrollment"]=="acme" and d["Status"]=="Valid" and d["Services"]==["smtp"], d' "$T/show.json" ||
	fail "show --format json: not Enrollment acme, Valid, bound to smtp"

step "pkcs11-tool: the account key and the certificate key"
PIN=$(cat "$T/user.pin")
export PIN
p11list() { pkcs11-tool --module "$module" --token-label acme-demo --login --pin env:PIN --list-objects --type privkey 2>/dev/null; }
for id in "$acctkey" "$keyid"; do
	p11list | awk -v id="$id" '/^Private Key Object/ { blk = $0 "\n"; next }
		blk != "" { blk = blk $0 "\n" }
		/ID:/ && $2 == id { show = 1 }
		/Access:/ { if (show) printf "%s", blk; blk = ""; show = 0 }' >"$T/key.txt"
	cat "$T/key.txt"
	for a in sensitive 'always sensitive' 'never extractable' local; do
		grep -q "Access:.*$a" "$T/key.txt" || fail "key $id: Access lacks '$a'"
	done
done

step "openssl verify of the issued chain against pebble's root (/roots/0)"
hsmcert export "$thumb" --cert-only --out "$T/chain.pem"
run openssl verify -CAfile "$T/root.pem" -untrusted "$T/chain.pem" "$T/chain.pem"

step "renew through ACME: a new key pair on the token, ordered again, smtp taken over"
hsmcert renew "$thumb" --yes --format json >"$T/renew.json"
new=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Thumbprint"])' "$T/renew.json")
echo "renewed $thumb -> $new"
hsmcert show "$new" --format json | tee "$T/new.json" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print("Renews %s  Enrollment %s  Services %s  RenewAfter %s" % (d["Renews"], d["Enrollment"], d["Services"], d["RenewAfter"]))'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["Enrollment"]=="acme" and d["Renews"]==sys.argv[2] and d["Services"]==["smtp"], d' "$T/new.json" "$thumb" ||
	fail "the renewal is not an ACME certificate bound to smtp that renews $thumb"
[ "$(openssl x509 -in "$T/svc/smtp.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr A-F a-f)" = "$new" ] ||
	fail "smtp's cert-file is not the renewed certificate"
echo "smtp's cert-file is now $new"
hsmcert renew --due --dry-run

step "the report: the ACME account in its own section, not an orphan key"
hsmcert report | sed -n '/^ACME accounts/,/^$/p'

step "stop pebble ($PEBBLE_PID) and challtestsrv ($CHALLTESTSRV_PID)"
kill "$PEBBLE_PID" "$CHALLTESTSRV_PID"
wait "$PEBBLE_PID" "$CHALLTESTSRV_PID" 2>/dev/null || true
echo "acme-demo: OK"
