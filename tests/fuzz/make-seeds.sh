#!/bin/sh
# make-seeds.sh - regenerate the seed corpora of tests/fuzz/corpus/<harness>/
#
# The outputs are checked in, so fuzzing never needs openssl; rerun this
# only to change the seeds (the keys are new each time). Every file stays
# under 8 KB. EC P-256 keys keep the certificates small; one RSA key gives
# the parsers the other algorithm. PKCS#12 seeds use the harness's password
# (fuzz-password-1) and mostly a single iteration; fuzz_pkcs12 re-seals what
# it decodes with a new MAC, so the MAC-less and unencrypted seeds are the
# best starting points for mutation.
# Run from anywhere: sh tests/fuzz/make-seeds.sh
set -eu
cd "$(dirname "$0")"
C=$PWD/corpus
PASS=pass:fuzz-password-1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rm -rf "$C"
mkdir -p "$C/dn" "$C/names" "$C/plan" "$C/config" "$C/bundle" \
	"$C/pkcs12" "$C/audit" "$C/secret"

# ---------------------------------------------------------------- dn
d=$C/dn
printf '%s' 'C=US, S=Ontario, L=Mississauga, O=Tailspintoys, CN=mail.tailspintoys.ca' >"$d/exchange"
printf '%s' 'CN=mail.contoso.com' >"$d/cn-only"
printf '%s' 'CN="Tailspin, Inc", O=Contoso\, Ltd, OU=IT\+Ops' >"$d/quoted"
printf '%s' 'DC=com,DC=contoso,OU=Mail,CN=ex01' >"$d/dc"
printf '%s' 'E=admin@contoso.com, emailAddress=ops@contoso.com, serialNumber=A-12 34' >"$d/email"
printf '%s' 'street=1 Main St, STREET=2, streetAddress=3, T=Boss, TITLE=x, G=Ann, GN=B, SN=Lee, surname=Li' >"$d/aliases"
printf '%s' 'commonName=a.b, organizationName=O, organizationalUnitName=OU, localityName=L, stateOrProvinceName=ST, countryName=de' >"$d/long-names"
printf '%s' '  CN = spaced.example.com  ,  O = " padded "  ' >"$d/spaces"
printf '%s' 'CN=caf\303\251.example, O=\347\244\276' >"$d/utf8"
printf '%s' 'CN=\"\\\,\=\+\;\<\>\#\ x' >"$d/escapes"
printf '%s' 'C=US, Q=x' >"$d/unknown-key"
printf '%s' 'CN="unterminated' >"$d/bad-quote"
printf '%s' 'CN=a, CN=b' >"$d/double-cn"
printf '%s' 'C=USA' >"$d/bad-c"
# shellcheck disable=SC1003
printf '%s' 'CN=trailing\' >"$d/trailing-backslash"
printf 'CN=ctl\001char' >"$d/control"
printf '%s' ',,=,' >"$d/empty-parts"

# ---------------------------------------------------------------- names
# byte 0: flags (bit 0 autodiscover, bit 1 accepted, bit 2 first piece is
# the CN, bits 4-7 accepted pieces from the end); pieces split at NUL or LF
d=$C/names
printf '\000mail.contoso.com\nautodiscover.contoso.com' >"$d/plain"
printf '\001mail.contoso.com,legacy.contoso.com\nowa.contoso.com' >"$d/autodiscover"
printf '\004mail.contoso.com\nmail.contoso.com\nMAIL.contoso.com' >"$d/cn-dup"
printf '\043ex01\ncontoso.com, tailspintoys.ca\nfabrikam.com' >"$d/accepted"
printf '\005Tailspin Inc\n*.contoso.com\n10.0.0.1\n::1\nfe80::1%%eth0' >"$d/cn-not-dns"
printf '\000a,,b\nhost.local\nserver.internal\nnetbios' >"$d/empty-item"
printf '\000-bad-.com\nmail..contoso.com\nx.123\n*.com\nfoo.*.com' >"$d/invalid"
printf '\001mail.contoso.com\000mial.contoso.com\000mail.contoso.com.' >"$d/nul-split"
printf '\000%s.com' "$(head -c 70 /dev/zero | tr '\0' a)" >"$d/long-label"

# ---------------------------------------------------------------- plan
d=$C/plan
cp ../../conf/plan.example "$d/example"
printf '\357\273\277mail.contoso.com\r\nowa.contoso.com\r\n' >"$d/bom-crlf"
printf '# comment\n\n  mail.contoso.com  # trailing\nMAIL.CONTOSO.COM\n10.1.2.3\nx#y.com\n' >"$d/comments"
printf 'mail.contoso.com\nautodiscover.contoso.com\n*.contoso.com\nlegacy.contoso.com\n' >"$d/four"
printf '# nothing but comments\n\n' >"$d/empty"
printf 'good.example.com\nbad..example.com\n' >"$d/invalid"
printf 'a.b\000c.d\n' >"$d/nul"

# ---------------------------------------------------------------- config
d=$C/config
cp ../../conf/hsmcert.conf "$d/hsmcert.conf"
cp ../../conf/services.example "$d/services"
# the example with every key uncommented
sed -n -e 's/^# \([a-z0-9-]* = .*\)/\1/p' -e '/^\[/p' \
	-e 's/^# \(\[service .*\]\)$/\1/p' ../../conf/hsmcert.conf.example \
	>"$d/example-all-keys"
cat >"$d/relative" <<'CONF'
[token]
module = lib/softhsm2.so
label = pkcs11:token=hsmcert;serial=1a2b
pin-source = file:user.pin
softhsm2-conf = softhsm2.conf
[policy]
min-rsa-bits = 3072
key-types = rsa:3072,ec:p384,prime256v1
max-days = 397
allow-export = no
min-password-length = 0
digest = sha512
[names]
accepted-domains = contoso.com , tailspintoys.ca
[paths]
state-dir = state
trust-anchors = ../anchors.pem
[service IIS]
cert-file = c.pem
[service my_app-1]
key-uri-file = k.uri
reload = "/usr/bin/my app" reload
CONF
printf '[token]\r\npin-source = env:HSM_PIN ; comment\r\nmodule = libsofthsm2.so\r\n' >"$d/crlf"
printf '[Token]\nPIN-SOURCE = fd:3\n[names]\naccepted-domains =\n' >"$d/case"
printf '[token]\npin-source = pass:1234\n' >"$d/bad-pin-source"
printf 'module = x\n' >"$d/no-section"
printf '[nope]\nk = v\n' >"$d/unknown-section"
printf '[token]\nlabel = a\nlabel = b\n' >"$d/dup-key"
printf '[service https]\n[service iis]\n' >"$d/dup-service"
printf '[token]\nlabel = a\n  continued\n' >"$d/continuation"
printf '[policy]\nmax-days = 99999999999999999999\nmin-rsa-bits = -1\n' >"$d/bad-numbers"
{ printf '[token]\nlabel = '; head -c 250 /dev/zero | tr '\0' x; printf '\n'; } >"$d/long-line"
printf '[token\nlabel\n=\n' >"$d/syntax"

# ---------------------------------------------------------------- audit
# Lines as hc_audit_append() writes them: compact JSON, the hash of the
# text with the hash member removed, appended as the last member.
d=$C/audit
zero=0000000000000000000000000000000000000000000000000000000000000000
seal() {
	h=$(printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1)
	printf '%s,"hash":"%s"}' "${1%\}}" "$h"
}
l1='{"seq":1,"time":"2026-11-22T14:00:00Z","user":"root","host":"ex01","command":"new","target":"3f2a9c","result":"ok","detail":"","prev":"'$zero'"}'
seal "$l1" >"$d/first"
p1=$(sed 's/.*"hash":"\([0-9a-f]*\)".*/\1/' "$d/first")
l2='{"seq":2,"time":"2026-11-22T14:05:00Z","user":"admin","host":"ex01","command":"export","target":"3f2a9c","result":"denied","detail":"key is not exportable; \"quoted\" \\\\ \u00e9","prev":"'$p1'"}'
seal "$l2" >"$d/second"
seal '{"seq":3,"time":"x","result":"error","prev":"'$zero'"}' >"$d/minimal"
seal '{"seq":0,"time":"t","result":"ok","prev":"short"}' >"$d/bad-fields"
seal '{"seq":1,"seq":2,"time":"t","result":"ok","prev":"'$zero'"}' >"$d/dup-member"
seal '[1,2,3]' >"$d/not-object"
sed 's/"root"/"r00t"/' "$d/first" >"$d/edited"
printf '%s' "$l1" >"$d/unsealed"

# ---------------------------------------------------------------- secret
# What a file:, fd: or prompt source gives (fuzz_secret also reads each as
# an env: value and as the source's own text)
d=$C/secret
printf '123456\n' >"$d/pin"
printf '24a8f3c1e5d7b9a0c2e4f6a8\n' >"$d/hex-pin"
printf 'hunter2hunter2\r\n' >"$d/crlf"
printf 'first line\nsecond line\n' >"$d/two-lines"
printf 'no-newline-at-end' >"$d/no-newline"
printf '\000abcdefghijklmnop\n' >"$d/nul-first"
printf 'abcdef\000ghijklmnop\n' >"$d/nul-middle"
printf 'abcdef\n\000after' >"$d/nul-after-line"
printf '12\r34\r\r\n' >"$d/inner-cr"
printf '\r\n' >"$d/empty-crlf"
printf '\n\nsecond\n' >"$d/empty-first"
printf ' pass w\303\266rd \t\n' >"$d/utf8-spaces"
head -c 1024 /dev/zero | tr '\0' p >"$d/max"
{ head -c 1024 /dev/zero | tr '\0' p; printf '\r\n'; } >"$d/max-crlf"
{ head -c 1025 /dev/zero | tr '\0' p; printf '\n'; } >"$d/max-plus-one"
{ head -c 1500 /dev/zero | tr '\0' p; printf '\000\n'; } >"$d/long-then-nul"
printf 'env:HSM_PIN' >"$d/src-env"
printf 'file:/etc/hsmcert/user.pin' >"$d/src-file"
printf 'fd:2147483647' >"$d/src-fd"
printf 'prompt' >"$d/src-prompt"
printf 'env:A=B' >"$d/src-env-equals"

# ---------------------------------------------------------------- X.509
genkey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$tmp/$1.key" 2>/dev/null
}
genkey root
genkey int
genkey leaf
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$tmp/rsa.key" 2>/dev/null

openssl req -x509 -new -key "$tmp/root.key" -sha256 -days 36500 \
	-subj "/O=hsmcert fuzz/CN=Fuzz Root CA" -set_serial 1 \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" \
	-out "$tmp/root.pem"

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
subjectAltName = DNS:mail.contoso.com,DNS:autodiscover.contoso.com,IP:10.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

openssl req -new -key "$tmp/int.key" \
	-subj "/O=hsmcert fuzz/CN=Fuzz Issuing CA" -out "$tmp/int.csr"
openssl x509 -req -in "$tmp/int.csr" -CA "$tmp/root.pem" \
	-CAkey "$tmp/root.key" -set_serial 2 -days 36500 -sha256 \
	-extfile "$tmp/ext.cnf" -extensions ca -out "$tmp/int.pem" 2>/dev/null
openssl req -new -key "$tmp/leaf.key" -subj "/C=US/O=Contoso/CN=mail.contoso.com" \
	-out "$tmp/req.pem"
openssl x509 -req -in "$tmp/req.pem" -CA "$tmp/int.pem" -CAkey "$tmp/int.key" \
	-set_serial 3 -days 36500 -sha256 -extfile "$tmp/ext.cnf" \
	-extensions leaf -out "$tmp/leaf.pem" 2>/dev/null
openssl req -x509 -new -key "$tmp/rsa.key" -sha256 -days 36500 \
	-subj "/CN=rsa.contoso.com" -set_serial 4 \
	-addext "subjectAltName=DNS:rsa.contoso.com" -out "$tmp/rsa.pem"
# a CRL of the issuing CA
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = fuzz
[fuzz]
database = $tmp/index.txt
crlnumber = $tmp/crlnumber
default_md = sha256
default_crl_days = 36500
CNF
: >"$tmp/index.txt"
echo 01 >"$tmp/crlnumber"
openssl ca -gencrl -config "$tmp/ca.cnf" -keyfile "$tmp/int.key" \
	-cert "$tmp/int.pem" -out "$tmp/int.crl" 2>/dev/null

# ---------------------------------------------------------------- bundle
d=$C/bundle
cp "$tmp/leaf.pem" "$d/leaf.pem"
openssl x509 -in "$tmp/leaf.pem" -outform DER -out "$d/leaf.der"
openssl x509 -in "$tmp/rsa.pem" -outform DER -out "$d/rsa.der"
cat "$tmp/leaf.pem" "$tmp/int.pem" "$tmp/root.pem" >"$d/chain.pem"
cat "$tmp/root.pem" "$tmp/leaf.pem" "$tmp/int.pem" >"$d/shuffled.pem"
cat "$tmp/leaf.pem" "$tmp/int.pem" "$tmp/leaf.pem" >"$d/dup.pem"
openssl x509 -in "$tmp/root.pem" -trustout -addtrust serverAuth \
	-out "$d/trusted.pem"
openssl crl2pkcs7 -nocrl -certfile "$tmp/leaf.pem" -certfile "$tmp/int.pem" \
	-certfile "$tmp/root.pem" -out "$d/chain.p7b"
openssl crl2pkcs7 -nocrl -certfile "$tmp/leaf.pem" -certfile "$tmp/int.pem" \
	-outform DER -out "$d/chain-p7.der"
sed 's/PKCS7-----/PKCS #7 SIGNED DATA-----/' "$d/chain.p7b" >"$d/signed-data.pem"
sed 's/PKCS7-----/CMS-----/' "$d/chain.p7b" >"$d/cms.pem"
openssl crl2pkcs7 -in "$tmp/int.crl" -outform DER -out "$d/crl-only-p7.der"
{
	printf '\357\273\277\r\n  \r\nYour certificate:\r\n'
	sed 's/$/\r/' "$tmp/leaf.pem"
	printf '\r\nIssuing CA:\r\n'
	sed 's/$/\r/' "$tmp/int.pem"
	printf 'bye\r\n'
} >"$d/bom-crlf.pem"
cat "$tmp/int.crl" "$tmp/leaf.pem" >"$d/crl-and-cert.pem"
cp "$tmp/req.pem" "$d/req.pem"
openssl req -in "$tmp/req.pem" -outform DER -out "$d/req.der"
{ cat "$tmp/leaf.pem"; openssl pkey -in "$tmp/leaf.key"; } >"$d/key-and-cert.pem"
openssl pkey -in "$tmp/leaf.key" >"$d/key-only.pem"
{ cat "$tmp/leaf.pem"; head -c 300 "$tmp/int.pem"; } >"$d/truncated.pem"
{ cat "$d/leaf.der"; printf 'trailing'; } >"$d/trailing.der"

# ---------------------------------------------------------------- pkcs12
d=$C/pkcs12
p12() {
	out=$1
	shift
	openssl pkcs12 -export -passout "$PASS" -name fuzz "$@" -out "$d/$out"
}
cat "$tmp/int.pem" "$tmp/root.pem" >"$tmp/chain.pem"
# OpenSSL 3 defaults (AES-256-CBC, PBKDF2, SHA-256 MAC), 1 iteration
p12 ec-aes.pfx -inkey "$tmp/leaf.key" -in "$tmp/leaf.pem" \
	-certfile "$tmp/chain.pem" -iter 1
# no MAC: mutations of the encrypted bags reach the decryption
p12 ec-aes-nomac.pfx -inkey "$tmp/leaf.key" -in "$tmp/leaf.pem" -iter 1 -nomac
# no MAC, nothing encrypted: mutations reach the bag and key parsers
p12 ec-plain.pfx -inkey "$tmp/leaf.key" -in "$tmp/leaf.pem" \
	-certfile "$tmp/chain.pem" -keypbe NONE -certpbe NONE -nomac
p12 rsa-plain.pfx -inkey "$tmp/rsa.key" -in "$tmp/rsa.pem" \
	-keypbe NONE -certpbe NONE -nomac
# what Windows Server 2016 and older take: 3DES and a SHA-1 MAC
p12 rsa-3des.pfx -inkey "$tmp/rsa.key" -in "$tmp/rsa.pem" -iter 1 \
	-keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
# the default 2048 iterations, as real files have them
p12 ec-default-iter.pfx -inkey "$tmp/leaf.key" -in "$tmp/leaf.pem"
# no key, or no certificate
p12 certs-only.pfx -nokeys -in "$tmp/leaf.pem" -certfile "$tmp/chain.pem" \
	-certpbe NONE -nomac
p12 key-only.pfx -nocerts -inkey "$tmp/leaf.key" -keypbe NONE -nomac
# another password: the MAC check fails
openssl pkcs12 -export -passout pass:other -inkey "$tmp/leaf.key" \
	-in "$tmp/leaf.pem" -iter 1 -out "$d/wrong-password.pfx"
cp "$d/ec-aes.pfx" "$C/bundle/ec-aes.pfx"

# every seed must stay small
big=$(find "$C" -type f -size +8k)
if [ -n "$big" ]; then
	echo "make-seeds.sh: seeds over 8 KB: $big" >&2
	exit 1
fi
echo "make-seeds.sh: $(find "$C" -type f | wc -l) seeds in $C"
