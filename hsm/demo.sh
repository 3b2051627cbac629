#!/bin/sh
# demo.sh BIN - a short scripted lifecycle on the development token.
# Every step prints the command it runs; the results are checked with
# openssl and pkcs11-tool, tools hsmcert did not write.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
conf="$top/conf/hsmcert.conf"
module=/usr/lib/softhsm/libsofthsm2.so
export SOFTHSM2_CONF="$here/softhsm2.conf"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {
	printf '\n$ %s\n' "$*" >&2
	"$@"
}
hsmcert() {
	printf '\n$ hsmcert %s\n' "$*" >&2
	"$bin" --config "$conf" "$@"
}

echo "== hsmcert demo on the SoftHSM2 token 'hsmcert' ($here/token)"

# 1. A self-signed certificate whose key is generated on the token.
hsmcert new --subject "CN=mail.tailspintoys.ca, O=Tailspintoys, L=Mississauga, S=Ontario, C=CA" \
	--domain mail.tailspintoys.ca,autodiscover.tailspintoys.ca --key ec:p256 \
	--friendly-name "Tailspin demo $(date -u +%H%M%S)" --format json > "$work/new.json"
thumb=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Thumbprint"])' "$work/new.json")
keyid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["KeyId"])' "$work/new.json")
echo "created certificate $thumb (key id $keyid)"

# 2. What OpenSSL sees in the certificate stored on the token.
run pkcs11-tool --module "$module" --token-label hsmcert --read-object --type cert \
	--id "$keyid" -o "$work/cert.der"
run openssl x509 -inform der -in "$work/cert.der" -out "$work/cert.pem"
openssl x509 -in "$work/cert.pem" -noout -subject -ext subjectAltName
run openssl verify -CAfile "$work/cert.pem" -purpose sslserver \
	-verify_hostname autodiscover.tailspintoys.ca "$work/cert.pem"

# 3. The key pair and the certificate on the token, as pkcs11-tool lists them.
HSMCERT_DEMO_PIN=$(cat "$here/user.pin")
export HSMCERT_DEMO_PIN
printf '\n$ pkcs11-tool --login --pin env:HSMCERT_DEMO_PIN --list-objects --id %s\n' "$keyid"
pkcs11-tool --module "$module" --token-label hsmcert --login --pin env:HSMCERT_DEMO_PIN \
	--list-objects 2>/dev/null | awk -v id="$keyid" '
	/Object;/ { if (keep) printf "%s", blk; blk = ""; keep = 0 }
	{ blk = blk $0 "\n" }
	$1 == "ID:" && $2 == id { keep = 1 }
	END { if (keep) printf "%s", blk }'
unset HSMCERT_DEMO_PIN

# 4. Every field, as Get-ExchangeCertificate | fl shows it.
hsmcert show "$(printf %.8s "$thumb")"

# 5. The listing.
hsmcert list
