#!/usr/bin/env bash
# tests/cli/pki.sh - a throw-away test PKI built with openssl, for the CLI
# tests of request completion and chains (cases_requests.sh, cases_keys.sh).
#
#   pki.sh init DIR                  root CA and intermediate CA in DIR
#   pki.sh sign DIR CSR OUT [DAYS [DIGEST]]
#                                    the intermediate signs CSR (PEM or DER)
#                                    as a TLS server leaf, copying the
#                                    request's extensions (its SANs) with
#                                    -copy_extensions copyall; OUT is PEM;
#                                    DAYS 365, DIGEST sha256 by default
#   pki.sh leaf DIR CN OUT           a leaf for CN whose key stays in DIR
#                                    (DIR/CN.key): a key not on any token
#   pki.sh expired DIR CN OUT        the same, but valid only in January
#                                    2020 (openssl ca -startdate -enddate)
#
# DIR after init:
#   root.pem root.key    "Test Root CA", self-signed, 10 years
#   int.pem  int.key     "Test Intermediate CA", signed by the root
#   chain.pem            int.pem then root.pem
# CA keys are EC P-256 for speed and unencrypted: this is test material in
# a temp dir. No password or PIN is involved anywhere here.
set -eu

die() { echo "pki.sh: $*" >&2; exit 2; }

# write_ext FILE: the x509v3 sections used below.
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

# ossl ARGS...: openssl, its chatter in DIR/openssl.log; a failure is fatal.
ossl() {
	openssl "$@" >>"$dir/openssl.log" 2>&1 ||
		die "openssl $1 failed: $(tail -n 5 "$dir/openssl.log")"
}

need_pki() {
	if [ ! -f "$dir/int.pem" ] || [ ! -f "$dir/int.key" ]; then
		die "$dir: no PKI here (run pki.sh init first)"
	fi
}

pki_init() {
	mkdir -p "$dir"
	write_ext "$dir/ext.cnf"
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/root.key"
	# openssl 3.0's req has no -extfile: the extensions file doubles as
	# its configuration (-subj makes a [req] section unnecessary)
	ossl req -new -x509 -key "$dir/root.key" -sha256 -days 3650 \
		-subj "/C=CA/O=Tailspintoys Test PKI/CN=Test Root CA" \
		-config "$dir/ext.cnf" -extensions v3_root \
		-set_serial 0x01 -out "$dir/root.pem"
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/int.key"
	ossl req -new -key "$dir/int.key" -config /dev/null \
		-subj "/C=CA/O=Tailspintoys Test PKI/CN=Test Intermediate CA" \
		-out "$dir/int.csr"
	ossl x509 -req -in "$dir/int.csr" -CA "$dir/root.pem" -CAkey "$dir/root.key" \
		-set_serial 0x02 -days 3000 -sha256 \
		-extfile "$dir/ext.cnf" -extensions v3_int -out "$dir/int.pem"
	cat "$dir/int.pem" "$dir/root.pem" >"$dir/chain.pem"
	echo 4096 >"$dir/serial"
}

# next_serial: a serial in hex (even number of digits), never the same
# twice in one PKI.
next_serial() {
	local s
	s=$(cat "$dir/serial")
	echo $((s + 1)) >"$dir/serial"
	printf '%04x' "$s"
}

pki_sign() { # CSR OUT [DAYS [DIGEST]]
	local csr=$1 out=$2 days=${3:-365} md=${4:-sha256} form=PEM
	need_pki
	[ -f "$csr" ] || die "no such request: $csr"
	grep -q -- '-----BEGIN' "$csr" || form=DER
	ossl x509 -req -inform "$form" -in "$csr" -CA "$dir/int.pem" -CAkey "$dir/int.key" \
		-set_serial "0x$(next_serial)" -days "$days" "-$md" \
		-copy_extensions copyall \
		-extfile "$dir/ext.cnf" -extensions v3_leaf -out "$out"
}

# key_and_csr CN: DIR/CN.key and DIR/CN.csr with CN as subject and SAN.
key_and_csr() {
	ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$1.key"
	ossl req -new -key "$dir/$1.key" -config /dev/null -subj "/CN=$1" \
		-addext "subjectAltName = DNS:$1" -out "$dir/$1.csr"
}

pki_leaf() { # CN OUT
	need_pki
	key_and_csr "$1"
	pki_sign "$dir/$1.csr" "$2"
}

pki_expired() { # CN OUT
	local cn=$1 out=$2
	need_pki
	key_and_csr "$cn"
	mkdir -p "$dir/ca.db"
	: >"$dir/ca.db/index.txt"
	next_serial >"$dir/ca.db/serial"
	{
		cat "$dir/ext.cnf"
		cat <<EOF

[ca]
default_ca = ca_default

[ca_default]
database = $dir/ca.db/index.txt
new_certs_dir = $dir/ca.db
serial = $dir/ca.db/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = copy
x509_extensions = v3_leaf

[policy_any]
commonName = supplied
EOF
	} >"$dir/ca.cnf"
	ossl ca -batch -notext -config "$dir/ca.cnf" -cert "$dir/int.pem" \
		-keyfile "$dir/int.key" -startdate 20200101000000Z \
		-enddate 20200201000000Z -in "$dir/$cn.csr" -out "$out"
}

[ $# -ge 2 ] || die "usage: pki.sh init DIR | sign DIR CSR OUT [DAYS [DIGEST]] | leaf|expired DIR CN OUT"
cmd=$1 dir=$2
shift 2
case $cmd in
init) [ $# -eq 0 ] || die "usage: pki.sh init DIR"; pki_init ;;
sign) [ $# -ge 2 ] && [ $# -le 4 ] || die "usage: pki.sh sign DIR CSR OUT [DAYS [DIGEST]]"
	pki_sign "$@" ;;
leaf) [ $# -eq 2 ] || die "usage: pki.sh leaf DIR CN OUT"; pki_leaf "$@" ;;
expired) [ $# -eq 2 ] || die "usage: pki.sh expired DIR CN OUT"; pki_expired "$@" ;;
*) die "unknown command $cmd" ;;
esac
