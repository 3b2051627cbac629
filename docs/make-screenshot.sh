#!/bin/sh
# docs/make-screenshot.sh - render the HTML report of a demonstration token
# with headless Chromium (Debian's chromium package) into docs/report.png.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/hsm/deps.sh" docs
bin=$top/build/hsmcert
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$top/hsm/mktoken.sh" "$work" demo >/dev/null
cat >"$work/hc.conf" <<CONF
[token]
label = demo
pin-source = file:user.pin
softhsm2-conf = softhsm2.conf
[paths]
state-dir = state
CONF
h() { "$bin" --config "$work/hc.conf" --quiet "$@"; }
h new --subject "CN=mail.tailspintoys.ca, O=Tailspintoys, S=Ontario, C=CA" \
	--domain mail.tailspintoys.ca,autodiscover.tailspintoys.ca --key ec:p256
h new --subject "CN=owa.contoso.com" --key ec:p256 --days 45 --exportable
h new --subject "CN=legacy.contoso.com" --key ec:p384 --days 12
h new --subject "CN=imap.contoso.com" --key ec:p256 --days 200
h new --subject "CN=short.contoso.com" --key ec:p256 --days 47
old=$(h list --format json | python3 -c 'import json,sys; print([e for e in json.load(sys.stdin) if e["Subject"].startswith("CN=imap")][0]["Thumbprint"])')
h renew "$old" --yes --days 365
h request --subject "CN=smtp.contoso.com" --key ec:p256 >/dev/null
id=$(h list --format json | python3 -c 'import json,sys; print([e for e in json.load(sys.stdin) if e["Subject"].startswith("CN=owa")][0]["Thumbprint"])')
h enable "$id" --services https,smtp
h lock "$id" --yes
h new --subject "CN=rsa.contoso.com" --key rsa:1024 2>/dev/null || true
h report --format html >"$work/report.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$work/chromium" --hide-scrollbars --window-size=1280,1500 \
	--screenshot="$top/docs/report.png" "file://$work/report.html" 2>/dev/null
echo "docs/report.png written"
