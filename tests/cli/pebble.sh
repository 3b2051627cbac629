# tests/cli/pebble.sh - an ACME test server for the case (sourced by
# cases_acme.sh and the acme demo).
#
# start_pebble [NONCEREJECT] [EAB]: a throwaway CA and a localhost
# certificate made with openssl in $T/pebble, free ports on 127.0.0.1,
# pebble-challtestsrv for DNS only (every name answers 127.0.0.1), and
# pebble with -dnsserver, PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0 and
# PEBBLE_WFE_NONCEREJECT=NONCEREJECT (default 0). With EAB=1 pebble
# requires external account binding (kid-1, its key in $T/pebble/eab.key).
# Both are stopped by PID when the case's subshell exits. Sets
# PEBBLE_DIR (the directory URL), PEBBLE_CA (the TLS CA file),
# PEBBLE_MGMT (the management URL), PEBBLE_HTTP_PORT (where pebble's
# validator connects for http-01), PEBBLE_DNS_PORT and PEBBLE_DNS_MGMT
# (challtestsrv's DNS and management API), and adds [acme] to $CONF.

# free_port: a TCP port nobody listens on now, from the ephemeral range
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_pebble() {
	local reject=${1:-0} eab=${2:-0} d=$T/pebble i
	mkdir -p "$d" || fail "mkdir $d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=hsmcert test ACME TLS CA" -days 2 -keyout "$d/ca.key" \
		-out "$d/ca.pem" >/dev/null 2>&1 || fail "openssl: the TLS CA"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=localhost" -keyout "$d/key.pem" -out "$d/req.pem" \
		>/dev/null 2>&1 || fail "openssl: the TLS request"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/ext"
	openssl x509 -req -in "$d/req.pem" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/cert.pem" \
		>/dev/null 2>&1 || fail "openssl: the TLS certificate"
	local dns mgmt_dns port mgmt
	dns=$(free_port) mgmt_dns=$(free_port) port=$(free_port) mgmt=$(free_port)
	PEBBLE_HTTP_PORT=$(free_port)
	local eabcfg='"externalAccountBindingRequired": false'
	if [ "$eab" = 1 ]; then
		printf 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W\n' >"$d/eab.key"
		chmod 600 "$d/eab.key"
		eabcfg='"externalAccountBindingRequired": true,
    "externalAccountMACKeys": { "kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W" }'
	fi
	cat >"$d/pebble.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$port",
    "managementListenAddress": "127.0.0.1:$mgmt",
    "certificate": "$d/cert.pem",
    "privateKey": "$d/key.pem",
    "httpPort": $PEBBLE_HTTP_PORT,
    "tlsPort": $(free_port),
    "ocspResponderURL": "",
    $eabcfg
  }
}
EOF
	pebble-challtestsrv -dns01 "127.0.0.1:$dns" -http01 "" -https01 "" \
		-tlsalpn01 "" -management "127.0.0.1:$mgmt_dns" -defaultIPv6 "" \
		-defaultIPv4 127.0.0.1 >"$d/challtestsrv.log" 2>&1 &
	CHALLTESTSRV_PID=$!
	at_exit 'kill "$CHALLTESTSRV_PID" 2>/dev/null'
	PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 PEBBLE_WFE_NONCEREJECT=$reject \
		pebble -config "$d/pebble.json" -dnsserver "127.0.0.1:$dns" \
		-strict=false >"$d/pebble.log" 2>&1 &
	PEBBLE_PID=$!
	at_exit 'kill "$PEBBLE_PID" 2>/dev/null'
	PEBBLE_DIR=https://127.0.0.1:$port/dir
	PEBBLE_MGMT=https://127.0.0.1:$mgmt
	PEBBLE_CA=$d/ca.pem
	PEBBLE_DNS_PORT=$dns
	PEBBLE_DNS_MGMT=http://127.0.0.1:$mgmt_dns
	for i in $(seq 1 100); do
		curl -sf --cacert "$PEBBLE_CA" "$PEBBLE_DIR" >/dev/null 2>&1 && break
		kill -0 "$PEBBLE_PID" 2>/dev/null || fail "pebble stopped:" "$(cat "$d/pebble.log")"
		sleep 0.05
	done
	curl -sf --cacert "$PEBBLE_CA" "$PEBBLE_DIR" >/dev/null ||
		fail "pebble did not answer at $PEBBLE_DIR" "$(cat "$d/pebble.log")"
	conf_set acme directory "$PEBBLE_DIR"
	conf_set acme ca-file "$PEBBLE_CA"
	conf_set acme http-listen "127.0.0.1:$PEBBLE_HTTP_PORT"
	if [ "$eab" = 1 ]; then
		conf_set acme eab-kid kid-1
		conf_set acme eab-hmac-source "file:$d/eab.key"
	fi
}

# pebble_root FILE: pebble's issuing root (new at every start)
pebble_root() {
	curl -sf --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/roots/0" >"$1" ||
		fail "cannot fetch $PEBBLE_MGMT/roots/0"
}

# txt_count NAME: how many TXT records challtestsrv serves for NAME now
txt_count() {
	python3 - "$1" "$PEBBLE_DNS_PORT" <<'PY'
import socket, struct, sys
name, port = sys.argv[1], int(sys.argv[2])
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
q += struct.pack(">HH", 16, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, ("127.0.0.1", port))
print(struct.unpack(">H", s.recv(4096)[6:8])[0])
PY
}

# use_dns01 MODE: challenge dns-01 through tests/cli/dns-hook.sh, logging
# to $T/dns.log; no http-01 listener
use_dns01() {
	sed -i '/^http-listen = /d' "$CONF"
	conf_set acme challenge dns-01
	conf_set acme dns-hook "$HERE/dns-hook.sh $PEBBLE_DNS_MGMT $T/dns.log ${1:-ok}"
}
