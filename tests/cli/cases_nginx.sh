# tests/cli/cases_nginx.sh - the proof of issue 5: Debian's nginx serves a
# certificate whose key stays on the token, through the OpenSSL pkcs11
# engine, and follows hsmcert's enable, renew and failed enable, with
# conf/nginx/hsmcert-nginx-reload as the [service https] reload command.
# Sourced by run.sh.
#
# nginx runs as a daemon on 127.0.0.1 on a free port with everything (pid,
# logs, temp paths, snippet) in the case's temp dir, `user root;` (a test
# only: the worker must use the SoftHSM2 token directory). Every process
# the case starts is stopped by PID from an EXIT trap of the case's
# subshell, also when an assertion fails. The PIN reaches the engine only
# through a 0600 openssl.cnf in $T (as conf/nginx/openssl-pkcs11.cnf).
#
# Helpers here are prefixed ngx_ (every cases_*.sh shares run.sh's shell).

NGX_BIN=/usr/sbin/nginx

# ngx_log TEXT: a line for the case log (and $T/nginx.evidence, copied to
# $HSMCERT_CLI_EVIDENCE/CASE.txt when that directory exists: run.sh keeps
# no log of a passing case), with the seconds since ngx_setup.
ngx_log() {
	local t
	t=$(awk -v a="$NGX_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%5.2f", b - a }')
	printf '[%s s] %s\n' "$t" "$*" | tee -a "$T/nginx.evidence"
}

# ngx_setup: a directory $N with n.conf (nginx.conf) on a free port $PORT, the
# engine configuration exported as OPENSSL_CONF, the [service https]
# of conf/services.example pointing into $N, and the EXIT trap. hsmcert
# gives its reload only PATH, LANG/LC_* and HSMCERT_* (SPEC 10), so the
# reload command $N/reload is a wrapper, as an administrator would write
# one, that sets OPENSSL_CONF and SOFTHSM2_CONF for nginx.
#
# $N is a short directory /tmp/hn.XXXXXX (removed by the trap; its logs are
# copied to $T/nginx first) and the reload command names
# conf/nginx/hsmcert-nginx-reload through the wrapper $N/reload: hsmcert
# takes configuration lines of at most 197 characters (libinih, see
# conf/hsmcert.conf.example), and the reload line names five paths.
ngx_setup() {
	[ -x "$NGX_BIN" ] || fail "$NGX_BIN is not installed"
	[ -r "$ENGINE" ] || fail "the pkcs11 engine $ENGINE is not installed"
	NGX_T0=$EPOCHREALTIME
	NGX_CASE=${FUNCNAME[1]}
	N=$(mktemp -d /tmp/hn.XXXXXX) || fail "mktemp -d /tmp/hn.XXXXXX"
	: >"$N/masters"
	at_exit ngx_stop
	trap 'exit 130' INT TERM
	mkdir -p "$N/tmp" || fail "mkdir $N/tmp"
	printf '#!/bin/sh\nexport OPENSSL_CONF='\''%s'\'' SOFTHSM2_CONF='\''%s'\''\nexec '\''%s'\'' "$@"\n' \
		"$N/openssl.cnf" "$T/softhsm2.conf" "$TOP/conf/nginx/hsmcert-nginx-reload" >"$N/reload" &&
		chmod 0755 "$N/reload" || fail "cannot write $N/reload"
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
		fail "no free port"
	(
		umask 077
		cat >"$N/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
PIN = $(cat "$T/user.pin")
init = 0
EOF
	)
	[ "$(stat -c %a "$N/openssl.cnf")" = 600 ] || fail "openssl.cnf is not 0600"
	export OPENSSL_CONF=$N/openssl.cnf
	cat >"$N/n.conf" <<EOF
# test only: root, so that the worker can use the SoftHSM2 token directory
user root;
daemon on;
master_process on;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log info;
ssl_engine pkcs11;
events { worker_connections 32; }
http {
	access_log $N/access.log;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	server {
		listen 127.0.0.1:$PORT ssl;
		server_name localhost;
		ssl_protocols TLSv1.2 TLSv1.3;
		include $N/s.conf;
		location / { return 200 "hsmcert nginx test\n"; }
	}
}
EOF
	# reload = the script with CERT_FILE KEY_URI_FILE SNIPPET -c NGINX_CONF -p DIR
	# With NGX_FILES_DIR=NAME the cert-file and key-uri-file are in $N/NAME
	# (quoted in the reload line, for a NAME with a space).
	NGX_CERT=$N/c.pem NGX_URI=$N/k.uri
	NGX_RELOAD="$N/reload $NGX_CERT $NGX_URI $N/s.conf -c $N/n.conf -p $N/"
	if [ -n "${NGX_FILES_DIR:-}" ]; then
		mkdir -p "$N/$NGX_FILES_DIR" || fail "mkdir $N/$NGX_FILES_DIR"
		NGX_CERT=$N/$NGX_FILES_DIR/c.pem NGX_URI=$N/$NGX_FILES_DIR/k.uri
		NGX_RELOAD="$N/reload \"$NGX_CERT\" \"$NGX_URI\" $N/s.conf -c $N/n.conf -p $N/"
	fi
	printf '\n[service https]\ncert-file = %s\nkey-uri-file = %s\nreload = %s\n' \
		"$NGX_CERT" "$NGX_URI" "$NGX_RELOAD" >>"$CONF"
	ngx_log "nginx: 127.0.0.1:$PORT, prefix $N"
	ngx_log "reload = $NGX_RELOAD"
}

# ngx_master: the master's PID from the pid file (empty if none); every
# master seen is remembered in $N/masters for ngx_stop.
ngx_master() {
	local pid=
	[ -s "$N/nginx.pid" ] && pid=$(tr -dc 0-9 <"$N/nginx.pid")
	if [ -n "$pid" ] && ! grep -qx "$pid" "$N/masters"; then echo "$pid" >>"$N/masters"; fi
	echo "$pid"
}

# ngx_alive PID: PID runs (a zombie waiting for init to reap it does not).
ngx_alive() {
	kill -0 "$1" 2>/dev/null || return 1
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# ngx_stop: TERM every nginx master this case started (and their workers),
# by PID, and wait until they are gone (bounded: 5 s, then KILL).
ngx_stop() {
	[ -n "${N:-}" ] && [ -d "$N" ] || return 0
	ngx_master >/dev/null
	local pid kids all=() i
	while read -r pid; do
		[ -n "$pid" ] || continue
		ngx_alive "$pid" || continue
		# only an nginx master: the pid file may be stale
		grep -q 'nginx' "/proc/$pid/cmdline" 2>/dev/null || continue
		mapfile -t kids < <(pgrep -P "$pid" 2>/dev/null)
		all+=("$pid" "${kids[@]}")
		kill -TERM "$pid" 2>/dev/null
	done <"$N/masters"
	if [ ${#all[@]} -eq 0 ]; then ngx_cleanup; return 0; fi
	for i in $(seq 100); do
		for pid in "${all[@]}"; do ngx_alive "$pid" && break; pid=; done
		[ -z "$pid" ] && break
		sleep 0.05
	done
	for pid in "${all[@]}"; do
		if ngx_alive "$pid"; then
			ngx_log "nginx: $pid did not stop within 5 s: KILL"
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	ngx_log "nginx: stopped ${all[*]}"
	ngx_cleanup
}

# ngx_cleanup: keep nginx's configuration, snippet and logs in $T/nginx
# (for HSMCERT_CLI_KEEP), then remove $N.
ngx_cleanup() {
	mkdir -p "$T/nginx" && cp -p "$N"/*.conf "$N"/*.log "$NGX_CERT" "$NGX_URI" "$T/nginx/" 2>/dev/null
	case $N in /tmp/hn.*) rm -rf "$N" ;; esac
	if [ -n "${HSMCERT_CLI_EVIDENCE:-}" ] && [ -d "$HSMCERT_CLI_EVIDENCE" ] && [ -f "$T/nginx.evidence" ]; then
		cp "$T/nginx.evidence" "$HSMCERT_CLI_EVIDENCE/$NGX_CASE.txt" || true
	fi
}

# ngx_probe VERSION: one TLS handshake (-tls1_2 or -tls1_3) with the
# server. Sets SEEN (SHA-1 of the server's certificate, lowercase hex) and
# PROTO (the session's protocol); the s_client output is in $T/sclient.
ngx_probe() {
	SEEN='' PROTO=''
	env -u OPENSSL_CONF timeout 10 openssl s_client -connect "127.0.0.1:$PORT" \
		-servername localhost "-$1" </dev/null >"$T/sclient" 2>&1
	SEEN=$(openssl x509 -in "$T/sclient" -noout -fingerprint -sha1 2>/dev/null |
		sed 's/.*=//; s/://g' | tr A-F a-f)
	PROTO=$(sed -n 's/^New, \([^,]*\), Cipher is .*/\1/p' "$T/sclient" | head -n 1)
}

# ngx_expect_serves THUMB VERSION [SECONDS]: the server presents THUMB over
# VERSION, polling up to SECONDS (default 0: one try) for a reload to land.
# Echoes the s_client protocol lines for the log.
ngx_expect_serves() {
	local want=$1 ver=$2 secs=${3:-0} i=0
	while :; do
		ngx_probe "$ver"
		[ "$SEEN" = "$want" ] && break
		[ "$i" -ge $((secs * 10)) ] && break
		i=$((i + 1))
		sleep 0.1
	done
	ngx_log "s_client -$ver: $(grep -E '^New, ' "$T/sclient" | head -n 1)"
	grep -E '^ *Protocol *:|^Peer signature type' "$T/sclient" | sed 's/^ *//' | awk '!seen[$0]++' | while read -r l; do ngx_log "s_client -$ver: $l"; done
	ngx_log "s_client -$ver: server certificate SHA-1 $SEEN"
	[ "$SEEN" = "$want" ] ||
		fail "nginx serves '$SEEN' over $ver, expected $want" "$(head -n 40 "$T/sclient")" \
			"--- nginx error.log ---" "$(tail -n 20 "$N/error.log" 2>/dev/null)"
	local p=TLSv1.3
	[ "$ver" = tls1_2 ] && p=TLSv1.2
	expect_eq "$p" "$PROTO" "protocol of the session"
}

# ngx_list_has THUMB FLAGS: the Services column of `hsmcert list` for THUMB.
ngx_list_has() { # THUMB FLAGS
	hc list
	expect_rc 0
	local got
	got=$(awk -v t="$1" '$1 == t { print $2 }' "$T/out")
	[ "$got" = "$2" ] || fail "list: Services of $1: expected '$2', got '$got'" "$(cat "$T/out")"
}

# ngx_json_thumb: the Thumbprint of $T/out (one object).
ngx_json_thumb() { jq_py "$T/out" 'd["Thumbprint"]'; }

test_nginx_serves_token_key_follows_renew_and_survives_failed_reload() {
	ngx_setup
	# 1. a certificate for localhost, enabled for https: the first enable
	#    writes the files and the reload script starts nginx
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	first=$THUMB
	hc enable "$first" --services https
	expect_rc 0 "enable --services https (starts nginx)"
	master=$(ngx_master)
	{ [ -n "$master" ] && ngx_alive "$master"; } ||
		fail "nginx did not start" "$(tail -n 20 "$N/error.log" 2>/dev/null)" "$ERR"
	ngx_log "nginx master pid $master"
	hc list --format json
	expect_rc 0
	listed=$(jq_py "$T/out" "[x['Thumbprint'] for x in d if x['Thumbprint'] == '$first'][0]")
	expect_eq "$first" "$listed" "Thumbprint in list --format json"
	! grep -qi pin "$N/s.conf" || fail "the nginx snippet mentions a PIN"
	ngx_log "first certificate (list Thumbprint): $listed"
	ngx_expect_serves "$listed" tls1_3
	ngx_log "nginx served the first certificate: $SEEN ($PROTO)"
	ngx_list_has "$first" "...W."

	# 2. renew --yes: the renewed certificate takes https over, nginx
	#    reloads and serves it
	hc renew "$first" --yes --format json
	expect_rc 0 "renew --yes"
	second=$(ngx_json_thumb)
	hc list --format json
	expect_rc 0
	expect_eq "...W." "$(jq_py "$T/out" "''.join('...W.' for x in d if x['Thumbprint'] == '$second' and x['Services'] == ['https'])")" \
		"the renewed certificate is bound to https in list --format json"
	ngx_log "renewed certificate (list Thumbprint): $second"
	ngx_expect_serves "$second" tls1_3 10
	ngx_log "nginx served the renewed certificate: $SEEN ($PROTO)"
	ngx_list_has "$first" "....."
	ngx_list_has "$second" "...W."
	expect_eq "$master" "$(ngx_master)" "nginx master after the reload (reloaded, not restarted)"

	# 3. a failing reload (nginx -t rejects the command line): enable exits
	#    1 with nginx's message, nginx keeps serving the second certificate,
	#    the binding stays on it, and the files name it again
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	third=$THUMB
	cp "$NGX_CERT" "$T/cert.pem.before"
	cp "$NGX_URI" "$T/key.uri.before"
	sed -i 's|^reload = .*|& -g "hsmcert_bogus on;"|' "$CONF"
	grep -q 'hsmcert_bogus' "$CONF" || fail "could not change the reload line"
	hc enable "$third" --services https --yes
	expect_rc 1 "enable with a reload that nginx -t rejects"
	expect_err "hsmcert_bogus"
	ngx_log "failed enable said: $(head -n 3 "$T/err")"
	ngx_expect_serves "$second" tls1_3
	sleep 0.3 # a reload, had one been signalled, has landed by now
	ngx_expect_serves "$second" tls1_3
	ngx_log "after the failed enable nginx still served: $SEEN ($PROTO)"
	ngx_list_has "$second" "...W."
	ngx_list_has "$third" "....."
	cmp -s "$T/cert.pem.before" "$NGX_CERT" || fail "cert-file not restored after the failed reload"
	cmp -s "$T/key.uri.before" "$NGX_URI" || fail "key-uri-file not restored after the failed reload"
	grep -qF "$(cat "$NGX_URI")" "$N/s.conf" ||
		fail "the nginx snippet does not name the restored key URI" "$(cat "$N/s.conf")"
	kill -0 "$master" 2>/dev/null || fail "nginx master $master is gone after the failed reload"

	# 4. the same reload fixed: the third certificate is served
	sed -i 's| -g "hsmcert_bogus on;"||' "$CONF"
	hc enable "$third" --services https --yes
	expect_rc 0 "enable after the reload line was fixed"
	ngx_expect_serves "$third" tls1_3 10
	ngx_list_has "$third" "...W."
	ngx_log "thumbprints: first $first, renewed $second, third $third"
}

test_nginx_rsa_key_serves_tls12_and_tls13() {
	ngx_setup
	new_cert --subject "CN=localhost" --domain localhost --key rsa:2048
	rsa=$THUMB
	hc enable "$rsa" --services https
	expect_rc 0 "enable --services https (starts nginx)"
	[ -n "$(ngx_master)" ] || fail "nginx did not start" "$ERR"
	hc list --format json
	expect_rc 0
	expect_eq "$rsa" "$(jq_py "$T/out" "[x['Thumbprint'] for x in d if x['Thumbprint'] == '$rsa'][0]")" "list Thumbprint"
	ngx_log "RSA certificate (list Thumbprint): $rsa"
	ngx_expect_serves "$rsa" tls1_2
	grep -qE '^ *Cipher *: *ECDHE-RSA-' "$T/sclient" ||
		fail "TLS 1.2 cipher is not ECDHE-RSA:" "$(grep -E 'Cipher' "$T/sclient")"
	ngx_expect_serves "$rsa" tls1_3
	# the RSA-PSS signature of TLS 1.3 was made on the token
	grep -qE 'Peer signature type: RSA-PSS' "$T/sclient" ||
		fail "TLS 1.3 peer signature is not RSA-PSS:" "$(grep -E 'signature' "$T/sclient")"
}

# hsmcert passes a quoted reload argument with a space as one word (SPEC 8);
# the reload script must then write a snippet nginx reads: a cert-file path
# with a space works in nginx only quoted.
test_nginx_cert_file_path_with_space() {
	NGX_FILES_DIR="with space" ngx_setup
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	hc enable "$THUMB" --services https
	[ "$RC" = 0 ] || fail "enable with cert-file '$NGX_CERT': exit $RC" "$ERR" \
		"--- snippet written by hsmcert-nginx-reload ---" "$(cat "$N/s.conf" 2>/dev/null)"
	[ -n "$(ngx_master)" ] || fail "nginx did not start"
	ngx_expect_serves "$THUMB" tls1_3
}

# renew --due (SPEC section 9) with nginx serving what it binds: a bound
# self-signed certificate of 2 days, then a bound ACME certificate of 3
# days (pebble, `[acme] days`), each renewed by the unattended job, and
# nginx serves each renewal afterwards. The clock of the renewal decision
# is 12 days on (HSMCERT_TEST_DUE_SHIFT, see cases_due.sh).
test_nginx_renew_due_serves_the_renewed_certificates() {
	ngx_setup
	export HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256 --days 2
	selfsigned=$THUMB
	hc enable "$selfsigned" --services https
	expect_rc 0 "enable --services https (starts nginx): $ERR"
	ngx_expect_serves "$selfsigned" tls1_3
	ngx_log "before renew --due: nginx serves the 2-day self-signed $SEEN"
	hc renew --due
	expect_rc 0 "renew --due: $ERR"
	selfsigned2=$(sed -n "s/^renewed $selfsigned -> //p" "$T/out")
	[ -n "$selfsigned2" ] || fail "renew --due did not renew $selfsigned" "$OUT"
	ngx_expect_serves "$selfsigned2" tls1_3 10
	ngx_log "after renew --due: nginx serves the renewed self-signed $SEEN"

	# pebble's throwaway CA is made by openssl without nginx's engine
	# configuration (the reload wrapper sets its own)
	unset OPENSSL_CONF
	due_acme_cert
	hc enable "$ACME_THUMB" --services https --yes
	expect_rc 0 "enable the ACME certificate: $ERR"
	ngx_expect_serves "$ACME_THUMB" tls1_3 10
	ngx_log "before renew --due: nginx serves the 3-day ACME certificate $SEEN"
	hc renew --due --format json
	expect_rc 0 "renew --due (ACME): $ERR"
	acme2=$(jq_py "$T/out" "[x['New'] for x in d['Renewed'] if x['Thumbprint'] == '$ACME_THUMB'][0]")
	ngx_expect_serves "$acme2" tls1_3 10
	ngx_log "after renew --due: nginx serves the renewed ACME certificate $SEEN"
	hc show "$acme2" --format json
	expect_eq acme "$(jq_py "$T/out" 'd["Enrollment"]')" "Enrollment of the renewal"
	expect_eq "$ACME_THUMB" "$(jq_py "$T/out" 'd["Renews"]')" "Renews of the renewal"
}
