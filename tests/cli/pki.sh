#!/usr/bin/env bash
# tests/cli/pki.sh - a throw-away test PKI built with openssl, for the CLI
# tests of request completion (cases_requests.sh) and chains.
#
#   pki.sh init DIR                  root CA and intermediate CA in DIR
#   pki.sh sign DIR CSR OUT [DAYS]   the intermediate signs CSR (PEM or DER)
#                                    as a TLS server leaf, copying the
#                                    request's subjectAltName; OUT is PEM
#   pki.sh leaf DIR CN OUT           a leaf for CN whose key stays in DIR
#                                    (DIR/CN.key): a key not on any token
#
# DIR after init:
#   root.pem root.key    "Test Root CA" (self-signed, EC P-256, 10 years)
#   int.pem  int.key     "Test Intermediate CA", signed by the root
#   chain.pem            int.pem then root.pem
# Keys are EC P-256 for speed and are unencrypted: this is test material
# in a temp dir, no secret of anyone's. No password or PIN is involved.
set -eu

die() { echo "pki.sh: $*" >&2; exit 2; }

# ext FILE: the x509v3 sections used below.
write_ext() {
	cat >"$1" <<'EOF'
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
}

ossl() {
	# openssl's chatter goes to DIR/openssl.log; its failure is fatal
	openssl "$@" >>"$dir/openssl.log" 2>&1 ||
		die "openssl $1 failed: $(tail -n 5 "$dir/openssl.log")"
}

pki_init() {
	mkdir -p "$dir"
	write_ext "$dir/ext.cnf"
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/root.key"
	# openssl 3.0's req has no -extfile: the extensions file doubles as its
	# configuration (-subj makes the [req] section unnecessary)
	ossl req -new -x509 -key "$dir/root.key" -sha256 -days 3650 \
		-subj "/C=CA/O=Tailspintoys Test PKI/CN=Test Root CA" \
		-config "$dir/ext.cnf" -extensions v3_root \
		-set_serial 0x01 -out "$dir/root.pem"
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/int.key"
	ossl req -new -key "$dir/int.key" -config /dev/null \
		-subj "/C=CA/O=Tailspintoys Test PKI/CN=Test Intermediate CA" -out "$dir/int.csr"
	ossl x509 -req -in "$dir/int.csr" -CA "$dir/root.pem" -CAkey "$dir/root.key" \
		-set_serial 0x02 -days 3000 -sha256 \
		-extfile "$dir/ext.cnf" -extensions v3_int -out "$dir/int.pem"
	cat "$dir/int.pem" "$dir/root.pem" >"$dir/chain.pem"
	echo 4096 >"$dir/serial"
}

# the next serial, so that two leaves of one PKI never share one
next_serial() {
	local s
	s=$(cat "$dir/serial")
	echo $((s + 1)) >"$dir/serial"
	printf '0x%x' "$s"
}

pki_sign() { # CSR OUT [DAYS]
	local csr=$1 out=$2 days=${3:-365} form=PEM
	[ -f "$dir/int.pem" ] || die "$dir: no PKI here (run pki.sh init first)"
	[ -f "$csr" ] || die "no such request: $csr"
	grep -q -- '-----BEGIN' "$csr" || form=DER
	ossl x509 -req -inform "$form" -in "$csr" -CA "$dir/int.pem" -CAkey "$dir/int.key" \
		-set_serial "$(next_serial)" -days "$days" -sha256 \
		-copy_extensions copyall \
		-extfile "$dir/ext.cnf" -extensions v3_leaf -out "$out"
}

pki_leaf() { # CN OUT
	local cn=$1 out=$2
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$cn.key"
	ossl req -new -key "$dir/$cn.key" -config /dev/null -subj "/CN=$cn" \
		-addext "subjectAltName = DNS:$cn" -out "$dir/$cn.csr"
	pki_sign "$dir/$cn.csr" "$out"
}

[ $# -ge 2 ] || die "usage: pki.sh init DIR | sign DIR CSR OUT [DAYS] | leaf DIR CN OUT"
cmd=$1 dir=$2
shift 2
case $cmd in
init) pki_init ;;
sign) [ $# -ge 2 ] || die "usage: pki.sh sign DIR CSR OUT [DAYS]"; pki_sign "$@" ;;
leaf) [ $# -eq 2 ] || die "usage: pki.sh leaf DIR CN OUT"; pki_leaf "$@" ;;
*) die "unknown command $cmd" ;;
esac
