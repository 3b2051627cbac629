#!/bin/sh
# make.sh - regenerate the inputs of tests/unit/test_bundle.c.
#
# The outputs are checked in: the unit test never runs openssl. EC P-256 keys
# keep every file small; the certificates are valid for 100 years so the
# files do not go stale (the parser does not look at dates anyway).
# Run from anywhere: sh tests/unit/data/make.sh
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

genkey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$tmp/$1.key"
}

genkey root
genkey int
genkey leaf

openssl req -x509 -new -key "$tmp/root.key" -sha256 -days 36500 \
	-subj "/O=hsmcert tests/CN=Test Root CA" -set_serial 1 \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" \
	-out root.pem

cat >"$tmp/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:mail.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

openssl req -new -key "$tmp/int.key" \
	-subj "/O=hsmcert tests/CN=Test Issuing CA" -out "$tmp/int.csr"
openssl x509 -req -in "$tmp/int.csr" -CA root.pem -CAkey "$tmp/root.key" \
	-set_serial 2 -days 36500 -sha256 -extfile "$tmp/ext.cnf" \
	-extensions ca -out int.pem

openssl req -new -key "$tmp/leaf.key" -subj "/CN=mail.example.test" \
	-out req.pem
openssl req -in req.pem -outform DER -out req.der
openssl x509 -req -in req.pem -CA int.pem -CAkey "$tmp/int.key" \
	-set_serial 3 -days 36500 -sha256 -extfile "$tmp/ext.cnf" \
	-extensions leaf -out leaf.pem
openssl x509 -in leaf.pem -outform DER -out leaf.der

# Shuffled chain: root, leaf, intermediate.
cat root.pem leaf.pem int.pem >chain-shuffled.pem

# PKCS#7 chains, PEM and DER; and one without certificates. The order of
# -certfile does not matter: the certificates are a DER SET, sorted by their
# encoding.
openssl crl2pkcs7 -nocrl -certfile leaf.pem -certfile int.pem \
	-certfile root.pem -out chain-p7.pem
openssl crl2pkcs7 -nocrl -certfile root.pem -certfile leaf.pem \
	-certfile int.pem -outform DER -out chain-p7.der
openssl crl2pkcs7 -nocrl -outform DER -out empty-p7.der

# PKCS#12 with key, leaf and chain (OpenSSL 3 defaults: AES-256, PBKDF2).
openssl pkcs12 -export -inkey "$tmp/leaf.key" -in leaf.pem -certfile int.pem \
	-certfile root.pem -passout pass:test -out leaf.p12
chmod 644 leaf.p12

# CRLF, leading BOM and blank lines, text between the blocks (as some CAs'
# web pages hand it out).
{
	printf '\357\273\277\r\n  \r\n'
	printf 'Your certificate:\r\n'
	sed 's/$/\r/' leaf.pem
	printf '\r\nIssuing CA (subject=Test Issuing CA):\r\n'
	sed 's/$/\r/' int.pem
	printf 'bye\r\n'
} >crlf.pem

# Duplicates: leaf and intermediate twice.
cat leaf.pem int.pem leaf.pem int.pem int.pem >dup.pem

# TRUSTED CERTIFICATE (OpenSSL's trust-aux form) beside the plain root.
openssl x509 -in root.pem -trustout -addtrust serverAuth -out trusted.pem

: >empty.pem
printf 'This is not a certificate.\nJust some text.\n' >garbage.txt
# Binary garbage that starts like a DER SEQUENCE.
printf '\060\202\001\000garbage\001\002\003' >garbage.bin

# Truncated PEM: cut in the middle of the base64 of the second block.
{ cat leaf.pem; head -c 300 int.pem; } >truncated.pem
# Bad base64 in a complete block.
sed '3s/^..../!!!!/' leaf.pem >badbase64.pem
# Truncated DER, and DER with trailing garbage.
head -c 200 leaf.der >truncated.der
{ cat leaf.der; printf 'trailing'; } >trailing.der

# A private key among certificates, and a key alone.
cat leaf.pem int.pem >key-and-cert.pem
openssl pkey -in "$tmp/leaf.key" >>key-and-cert.pem
openssl pkey -in "$tmp/leaf.key" >key-only.pem

