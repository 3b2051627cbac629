#!/bin/sh
# mkdemoca.sh [DIR] - the demo CA (default: hsm/demo-ca, git-ignored): a root
# and an issuing CA made with openssl, kept so that conf/hsmcert.conf's
# trust-anchors (../hsm/demo-ca/root.pem) names the root that signed what
# `make demo` completed. An existing CA is kept. These keys are the demo
# CA's, in files on purpose: hsmcert's own keys are on the token.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/demo-ca}
[ -s "$dir/root.pem" ] && [ -s "$dir/int.pem" ] && [ -s "$dir/int.key" ] && exit 0
umask 077
mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/root.key" \
	-subj "/O=hsmcert demo/CN=Demo Root CA" -days 3650 -out "$dir/root.pem" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/int.key" \
	-subj "/O=hsmcert demo/CN=Demo Issuing CA" -out "$dir/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$dir/ca.ext"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$dir/leaf.ext"
openssl x509 -req -in "$dir/int.csr" -CA "$dir/root.pem" -CAkey "$dir/root.key" \
	-CAcreateserial -days 1825 -extfile "$dir/ca.ext" -out "$dir/int.pem" 2>/dev/null
chmod 0644 "$dir/root.pem" "$dir/int.pem"
echo "hsm: demo CA ready in $dir (root: $dir/root.pem)"
