#!/bin/sh
# demo.sh BIN - a scripted lifecycle on the development token, the Exchange
# way: a self-signed certificate, a request completed with a CA's answer,
# bindings, verification, export to a second server, lock, remove, and the
# auditor's view. Results are checked with openssl and pkcs11-tool.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
module=/usr/lib/softhsm/libsofthsm2.so
export SOFTHSM2_CONF="$here/softhsm2.conf"
# hsm/remote-demo.sh runs this through p11-kit's client module: hsmcert is
# then the host "web01" reaching the token over P11_KIT_SERVER_ADDRESS,
# while pkcs11-tool and openssl check results on the server side ($module)
# and a second host "hsm01" on the HSM's own host uses $module directly.
remote=${HSMCERT_DEMO_MODULE:+1}
hcmodule=${HSMCERT_DEMO_MODULE:-$module}
statedir=$top/var/state
[ -z "$remote" ] || statedir=$top/var/remote-demo/web01
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stamp=$(date -u +%H%M%S)

# The demo runs on conf/hsmcert.conf itself, the configuration README's
# examples use: its state directory (var/state) and its trust anchor, the
# demo CA's root (hsm/demo-ca, made by hsm/mkdemoca.sh), so the first
# command a newcomer runs after the demo agrees with it. The remote demo
# makes two hosts' copies of it.
ca=$here/demo-ca
"$here/mkdemoca.sh" "$ca" >/dev/null
conf=$top/conf/hsmcert.conf
mkconf() { # FILE MODULE STATE-DIR [HOST]
	sed -e "s|^module = .*|module = $2|" \
	    -e "s|^pin-source = file:\.\./|pin-source = file:$top/|" \
	    -e "s|^softhsm2-conf = \.\./|softhsm2-conf = $top/|" \
	    -e "s|^state-dir = .*|state-dir = $3|" \
	    -e "s|^archive-dir = .*|archive-dir = $3/archive|" \
	    -e "s|^audit-log = .*|audit-log = $3/audit.log|" \
	    -e "s|^trust-anchors = .*|trust-anchors = $ca/root.pem|" \
	    "$top/conf/hsmcert.conf" >"$1"
	[ -z "${4:-}" ] || printf '\n[host]\nname = %s\n' "$4" >>"$1"
}
if [ -n "$remote" ]; then
	conf=$work/hsmcert.conf
	mkconf "$conf" "$hcmodule" "$statedir" web01
	mkconf "$work/hsm01.conf" "$module" "$top/var/remote-demo/hsm01" hsm01
fi

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
hsmcert() { printf '$ hsmcert %s\n' "$*" >&2; "$bin" --config "$conf" "$@"; }
hsm01() { printf '$ hsmcert %s   (on hsm01, the HSM host)\n' "$*" >&2; "$bin" --config "$work/hsm01.conf" "$@"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

if [ -n "$remote" ]; then
	echo "hsmcert demo through $hcmodule"
	echo "  P11_KIT_SERVER_ADDRESS=$P11_KIT_SERVER_ADDRESS (p11-kit server over the SoftHSM2 token 'hsmcert')"
else
	echo "hsmcert demo on the SoftHSM2 token 'hsmcert' ($here/token)"
fi

# the demo CA (hsm/demo-ca) answers the request in step 4; its root is the
# configured trust anchor
mkdir -p "$work/ca"

step "1. New-ExchangeCertificate: a self-signed certificate, key generated on the token"
hsmcert new --subject "CN=mail.tailspintoys.ca, O=Tailspintoys, L=Mississauga, S=Ontario, C=CA" \
	--domain mail.tailspintoys.ca,autodiscover.tailspintoys.ca --key ec:p256 \
	--friendly-name "Tailspin self-signed $stamp" --format json >"$work/self.json"
self=$(json 'd["Thumbprint"]' <"$work/self.json")
keyid=$(json 'd["KeyId"]' <"$work/self.json")
echo "certificate $self, key id $keyid"
run pkcs11-tool --module "$module" --token-label hsmcert --read-object --type cert \
	--id "$keyid" -o "$work/self.der" 2>/dev/null
openssl x509 -inform der -in "$work/self.der" -noout -subject -ext subjectAltName
openssl x509 -inform der -in "$work/self.der" -out "$work/self.pem"
run openssl verify -CAfile "$work/self.pem" -purpose sslserver \
	-verify_hostname autodiscover.tailspintoys.ca "$work/self.pem"

step "2. The key pair on the token, as pkcs11-tool sees it (never extractable)"
HSMCERT_DEMO_PIN=$(cat "$here/user.pin")
export HSMCERT_DEMO_PIN
pkcs11-tool --module "$module" --token-label hsmcert --login --pin env:HSMCERT_DEMO_PIN \
	--list-objects 2>/dev/null | awk -v id="$keyid" '
	/Object;/ { if (keep) printf "%s", blk; blk = ""; keep = 0 }
	{ blk = blk $0 "\n" }
	$1 == "ID:" && $2 == id { keep = 1 }
	END { if (keep) printf "%s", blk }'

step "3. New-ExchangeCertificate -GenerateRequest, checked against the namespace plan"
cat >"$work/plan.txt" <<PLAN
mail.tailspintoys.ca
autodiscover.tailspintoys.ca
owa.tailspintoys.ca
PLAN
hsmcert names --subject "CN=mail.tailspintoys.ca" --domain owa.tailspintoys.ca \
	--include-autodiscover --plan "$work/plan.txt"
hsmcert request --subject "C=CA, S=Ontario, L=Mississauga, O=Tailspintoys, CN=mail.tailspintoys.ca" \
	--domain owa.tailspintoys.ca --include-autodiscover --key rsa:2048 \
	--friendly-name "Tailspin CA-issued $stamp" --plan "$work/plan.txt" --out "$work/req.csr"
run openssl req -in "$work/req.csr" -noout -verify -subject

step "4. The CA answers (the demo CA), Import-ExchangeCertificate completes the request"
openssl x509 -req -in "$work/req.csr" -CA "$ca/int.pem" -CAkey "$ca/int.key" \
	-CAserial "$work/ca/int.srl" -CAcreateserial -days 397 -extfile "$ca/leaf.ext" -copy_extensions copy \
	-out "$work/ca/leaf.pem" 2>/dev/null
cat "$ca/int.pem" "$work/ca/leaf.pem" >"$work/answer.pem"
hsmcert complete "$work/answer.pem" --format json >"$work/done.json"
issued=$(json 'd["Certificate"]["Thumbprint"]' <"$work/done.json")
echo "completed: certificate $issued, status $(json 'd["Certificate"]["Status"]' <"$work/done.json"), RootCAType $(json 'd["Certificate"]["RootCAType"]' <"$work/done.json")"

step "5. Enable-ExchangeCertificate: bind to SMTP and IIS"
hsmcert enable "$issued" --services smtp,iis --yes

if [ -n "$remote" ]; then
	step "5b. A second host on the same token: hsm01 binds IMAP; each host sees both"
	hsm01 enable "$issued" --services imap --yes
	hsmcert list --thumbprint "$issued" --all-hosts
	hsm01 disable "$issued" --services imap
	if hsm01 remove "$issued" --yes; then
		echo "demo: a certificate bound on web01 was removed on hsm01" >&2; exit 1
	fi
	echo "(refused on hsm01, exit 4: web01 serves it)"
fi

step "6. Verify before the change window"
hsmcert verify "$issued" --plan "$work/plan.txt"

step "7. A second server: export needs an exportable key"
hsmcert new --subject "CN=owa.tailspintoys.ca" --key ec:p256 --exportable \
	--friendly-name "Tailspin exportable $stamp" --format json >"$work/exp.json"
exp=$(json 'd["Thumbprint"]' <"$work/exp.json")
HSMCERT_DEMO_PFX=$(openssl rand -hex 16)
export HSMCERT_DEMO_PFX
if [ -n "$remote" ]; then
	# p11-kit 0.24's RPC cannot carry CKM_AES_KEY_WRAP_PAD: the key leaves
	# on the HSM's host, with the token's own module
	if hsmcert export "$exp" --out "$work/owa.pfx" --password-source env:HSMCERT_DEMO_PFX; then
		echo "demo: export through p11-kit 0.24 unexpectedly worked" >&2; exit 1
	fi
	echo "(refused through the socket, exit 1; on the HSM's host:)"
	hsm01 export "$exp" --out "$work/owa.pfx" --password-source env:HSMCERT_DEMO_PFX
else
	hsmcert export "$exp" --out "$work/owa.pfx" --password-source env:HSMCERT_DEMO_PFX
fi
run openssl pkcs12 -in "$work/owa.pfx" -info -noout -passin env:HSMCERT_DEMO_PFX 2>&1 | head -3
if hsmcert export "$issued" --out "$work/refused.pfx" --password-source env:HSMCERT_DEMO_PFX; then
	echo "demo: a non-exportable key was exported" >&2; exit 1
else
	echo "(refused, exit $?; no file: $(ls "$work/refused.pfx" 2>&1 | sed 's/.*: //'))"
fi

step "8. Lock the exportable key: it can never leave again"
hsmcert lock "$exp" --yes

step "9. Remove the self-signed certificate (archived first)"
hsmcert remove "$self" --yes

step "10. The auditor's view"
hsmcert audit verify
hsmcert report | sed -n '1,6p'

step "11. Get-ExchangeCertificate"
hsmcert list
unset HSMCERT_DEMO_PIN HSMCERT_DEMO_PFX
