# tests/cli/cases_check.sh - the live endpoint check of SPEC 9 ("Live
# endpoint check and rollback"): after a binding's reload, hsmcert makes a
# TLS handshake with [service NAME] check = HOST:PORT and undoes the change
# when the endpoint serves another certificate; verify checks it too.
# Against a real nginx serving the token key through the OpenSSL pkcs11
# engine, with the ngx_ helpers of cases_nginx.sh. Sourced by run.sh.
#
# What nginx serves is read with openssl s_client (ngx_probe), a tool
# hsmcert did not write. HSMCERT_TEST_CHECK_TIMEOUT=2 shortens the 10 s of
# a check that must fail.
#
# Helpers here are prefixed chk_ (every cases_*.sh shares run.sh's shell).

# chk_setup: ngx_setup, then check = 127.0.0.1:$PORT in [service https]
# (the last section of $CONF), and a reload command that exits 0 and
# reloads nothing in $N/noop.
chk_setup() {
	ngx_setup
	printf 'check = 127.0.0.1:%s\ncheck-name = localhost\n' "$PORT" >>"$CONF"
	printf '#!/bin/sh\nexit 0\n' >"$N/noop" && chmod 0755 "$N/noop" ||
		fail "cannot write $N/noop"
	NGX_CASE=${FUNCNAME[1]}
}

# chk_reload_noop / chk_reload_real: the reload line of [service https]
chk_reload_noop() {
	sed -i "s|^reload = .*|reload = $N/noop|" "$CONF"
	grep -qx "reload = $N/noop" "$CONF" || fail "could not change the reload line"
}
chk_reload_real() {
	sed -i "s|^reload = .*|reload = $NGX_RELOAD|" "$CONF"
}

# chk_first: a certificate for localhost enabled for https; the reload
# starts nginx and the check sees it served. Sets FIRST.
chk_first() {
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	FIRST=$THUMB
	hc enable "$FIRST" --services https
	expect_rc 0 "enable --services https with check (starts nginx)"
	[ -n "$(ngx_master)" ] || fail "nginx did not start" "$ERR"
}

# chk_save: the service files and bindings.json, to compare after a failure
chk_save() {
	cp -p "$NGX_CERT" "$T/c.pem.before" && cp -p "$NGX_URI" "$T/k.uri.before" &&
		cp -p "$T/state/bindings.json" "$T/bindings.before" || fail "cannot save the state"
}

# chk_expect_saved: every saved file is byte-identical now
chk_expect_saved() {
	cmp -s "$T/c.pem.before" "$NGX_CERT" || fail "cert-file not restored after the failed check"
	cmp -s "$T/k.uri.before" "$NGX_URI" || fail "key-uri-file not restored after the failed check"
	cmp -s "$T/bindings.before" "$T/state/bindings.json" ||
		fail "bindings.json changed:" "$(diff "$T/bindings.before" "$T/state/bindings.json")"
}

# chk_audit_last COMMAND RESULT: the last audit line of COMMAND has RESULT
chk_audit_last() {
	local line
	line=$(grep "\"command\":\"$1\"" "$T/state/audit.log" | tail -n 1)
	case $line in
	*"\"result\":\"$2\""*) ngx_log "audit: $line" ;;
	*) fail "the last $1 audit line is not $2: $line" ;;
	esac
}

test_check_enable_passes_when_nginx_serves_the_new_certificate() {
	chk_setup
	chk_first
	ngx_expect_serves "$FIRST" tls1_3
	ngx_log "enable with check: exit $RC, nginx serves $SEEN (the new one: $FIRST)"
	# a second certificate: the check waits for the reload to land
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	second=$THUMB
	hc enable "$second" --services https --yes
	expect_rc 0 "enable of a second certificate with check"
	ngx_expect_serves "$second" tls1_3
	ngx_log "second enable with check: exit $RC, nginx serves $SEEN"
	ngx_list_has "$second" "...W."
	chk_audit_last enable ok
}

test_check_reload_that_reloads_nothing_is_rolled_back() {
	chk_setup
	chk_first
	ngx_expect_serves "$FIRST" tls1_3
	before=$SEEN
	ngx_log "before: s_client thumbprint $before"
	chk_save
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	second=$THUMB
	# the reload command exits 0 and nginx keeps the old certificate
	chk_reload_noop
	t0=$EPOCHREALTIME
	HSMCERT_TEST_CHECK_TIMEOUT=2 hc enable "$second" --services https --yes
	expect_rc 1 "enable whose reload left nginx on the old certificate"
	ngx_log "failed enable took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s and said: $ERR"
	expect_err "hsmcert: error: binding https to $second undone: endpoint check: 127.0.0.1:$PORT serves $before, not $second"
	ngx_expect_serves "$FIRST" tls1_3
	ngx_log "after the failed check: s_client thumbprint $SEEN"
	chk_expect_saved
	ngx_list_has "$FIRST" "...W."
	ngx_list_has "$second" "....."
	chk_audit_last enable error
	grep -q "\"command\":\"enable\".*serves $FIRST" "$T/state/audit.log" ||
		fail "the audit line does not name what was served"
	# the real reload again: the same enable passes the check
	chk_reload_real
	hc enable "$second" --services https --yes
	expect_rc 0 "enable with the real reload"
	ngx_expect_serves "$second" tls1_3
	ngx_log "after a good enable: s_client thumbprint $SEEN"
	ngx_log "thumbprints: before $before, after the failed check $FIRST, after the good enable $second"
}

# a check that cannot connect at all (nothing listens) is a failed change
# too, and the reload runs again for the old files
test_check_unreachable_endpoint_rolls_back_and_names_the_error() {
	chk_setup
	chk_first
	chk_save
	port2=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	sed -i "s|^check = .*|check = 127.0.0.1:$port2|" "$CONF"
	# the reload records every run: the rollback runs it once more
	printf '#!/bin/sh\necho "$HSMCERT_THUMBPRINT" >>"%s"\nexec %s "$@"\n' "$T/reloads" "$N/reload" >"$N/counting" &&
		chmod 0755 "$N/counting" || fail "cannot write $N/counting"
	sed -i "s|^reload = $N/reload |reload = $N/counting |" "$CONF"
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	second=$THUMB
	HSMCERT_TEST_CHECK_TIMEOUT=1 hc enable "$second" --services https --yes
	expect_rc 1 "enable with a check endpoint where nothing listens"
	expect_err "endpoint check: cannot connect to 127.0.0.1:$port2: Connection refused (tried for 1 s)"
	expect_eq "$second $FIRST" "$(tr '\n' ' ' <"$T/reloads" | sed 's/ $//')" \
		"thumbprints the reload was run with (the new one, then the old one back)"
	chk_expect_saved
	ngx_expect_serves "$FIRST" tls1_3 10
	chk_audit_last enable error
}

test_check_failed_renew_takeover_undoes_the_renewal() {
	chk_setup
	chk_first
	ngx_expect_serves "$FIRST" tls1_3
	before=$SEEN
	chk_save
	snapshot "$T/snap.before"
	nobj=$(p11 --list-objects 2>/dev/null | grep -c 'Object')
	chk_reload_noop
	HSMCERT_TEST_CHECK_TIMEOUT=2 hc renew "$FIRST" --yes
	expect_rc 1 "renew --yes whose bindings' check fails"
	expect_err "moving the bindings failed, the renewal is undone: binding https to"
	expect_err "endpoint check: 127.0.0.1:$PORT serves $FIRST, not"
	ngx_log "failed renew said: $ERR"
	expect_token_unchanged "$T/snap.before"
	expect_eq "$nobj" "$(p11 --list-objects 2>/dev/null | grep -c 'Object')" "pkcs11-tool object count"
	ngx_log "pkcs11-tool object count before and after the failed renew: $nobj"
	chk_expect_saved
	ngx_expect_serves "$before" tls1_3
	ngx_log "after the failed renew: s_client thumbprint $SEEN"
	chk_audit_last renew error
	# with the real reload the renewal passes its check
	chk_reload_real
	hc renew "$FIRST" --yes --format json
	expect_rc 0 "renew --yes with the real reload"
	renewed=$(ngx_json_thumb)
	ngx_expect_serves "$renewed" tls1_3
	ngx_log "after a good renew: s_client thumbprint $SEEN"
}

test_check_verify_fails_when_the_endpoint_serves_another_certificate() {
	chk_setup
	chk_first
	hc verify "$FIRST"
	expect_rc 0 "verify of the certificate nginx serves"
	expect_out_re "^  ok    endpoint     https: 127\.0\.0\.1:$PORT serves this certificate for localhost$"
	# B bound while nginx keeps serving the first one: bound before check
	# was configured, with a reload that did nothing
	sed -i '/^check = /d' "$CONF"
	chk_reload_noop
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	second=$THUMB
	hc enable "$second" --services https --yes
	expect_rc 0 "enable without check"
	printf 'check = 127.0.0.1:%s\n' "$PORT" >>"$CONF"
	hc verify "$second" --format json
	expect_rc 5 "verify of a bound certificate nginx does not serve"
	expect_eq "FAIL https: 127.0.0.1:$PORT serves another certificate ($FIRST) for localhost" \
		"$(jq_py "$T/out" "' '.join(c['Result'] + ' ' + c['Reason'] for c in d['Checks'] if c['Check'] == 'endpoint')")" \
		"the endpoint check of verify --format json"
	expect_err "failed verification: endpoint: https: 127.0.0.1:$PORT serves another certificate ($FIRST)"
	ngx_expect_serves "$FIRST" tls1_3
	# nothing listens: FAIL naming the connection error
	sed -i "s|^check = .*|check = 127.0.0.1:1|" "$CONF"
	hc verify "$second"
	expect_rc 5 "verify with an endpoint where nothing listens"
	expect_out_re "^  FAIL  endpoint     https: cannot connect to 127\.0\.0\.1:1: Connection refused$"
}

test_check_bad_values_are_config_errors() {
	local v line
	for v in 'localhost' 'localhost:' ':443' '127.0.0.1:0' '127.0.0.1:65536' \
		'127.0.0.1:44x' '::1:443' '[::1]443' '[::1:443' '[localhost]:443' \
		'bad_host!:443' '*.example.com:443' '999.1.1.1:443'; do
		write_conf "$CONF"
		printf '\n[service https]\ncert-file = %s\ncheck = %s\n' "$T/c.pem" "$v" >>"$CONF"
		line=$(grep -n '^check = ' "$CONF" | cut -d: -f1)
		refused 2 "$CONF:$line: check '$v'" list
	done
	for v in '127.0.0.1' '::1' '*.example.com' 'a..example.com' 'trailing.dot.'; do
		write_conf "$CONF"
		printf '\n[service https]\ncheck = localhost:443\ncheck-name = %s\n' "$v" >>"$CONF"
		line=$(grep -n '^check-name = ' "$CONF" | cut -d: -f1)
		refused 2 "$CONF:$line: check-name '$v' is not a DNS name" list
	done
	# what is accepted
	for v in 'localhost:443' 'www.example.com:8443' '192.0.2.1:443' '[::1]:443' '[2001:db8::7]:65535'; do
		write_conf "$CONF"
		printf '\n[service https]\ncheck = %s\ncheck-name = www.example.com\n' "$v" >>"$CONF"
		hc list
		expect_rc 0 "list with check = $v"
	done
}

# conf/systemd/hsmcert-renew.service sets MemoryDenyWriteExecute=yes: the
# kernel's PR_SET_MDWE (Linux 6.3+) is the same rule (no mapping both
# writable and executable, none made executable later), inherited by
# children. hsmcert runs under it here, and so do the reload and the nginx
# it starts, which loads the OpenSSL pkcs11 engine and SoftHSM2: the
# enable with its check must pass as without it.
test_check_enable_under_memory_deny_write_execute() {
	cat >"$T/mdwe.c" <<'C'
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	(void)argc;
	if (prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */, 0L, 0L, 0L) != 0) {
		perror("PR_SET_MDWE");
		return 77;
	}
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
C
	cc -o "$T/mdwe" "$T/mdwe.c" 2>"$T/cc.err" || fail "cc mdwe.c:" "$(cat "$T/cc.err")"
	"$T/mdwe" /bin/true || skip "PR_SET_MDWE is not available (Linux before 6.3)"
	# the rule is in force: a W+X mapping is refused under it
	python3 -c 'import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)' ||
		fail "a W+X mapping fails without MDWE"
	! "$T/mdwe" /usr/bin/python3 -c 'import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)' 2>/dev/null ||
		fail "a W+X mapping works under PR_SET_MDWE: the rule is not in force"
	printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$T/mdwe" "$HSMCERT" >"$T/hsmcert-mdwe" &&
		chmod 0755 "$T/hsmcert-mdwe" || fail "cannot write $T/hsmcert-mdwe"
	HSMCERT=$T/hsmcert-mdwe
	chk_setup
	chk_first
	ngx_expect_serves "$FIRST" tls1_3
	ngx_log "under PR_SET_MDWE (inherited across fork and exec, as the python3 check shows): nginx serves $SEEN"
	hc renew "$FIRST" --yes --format json
	expect_rc 0 "renew --yes under MDWE"
	ngx_expect_serves "$(ngx_json_thumb)" tls1_3
	hc verify "$(ngx_json_thumb)"
	expect_rc 0 "verify under MDWE"
	expect_out "serves this certificate"
}

# two services in one enable: https (nginx, check passes) then web2 whose
# check endpoint is closed: both are undone, and nginx, reloaded again for
# the old files, serves the old certificate
test_check_second_service_failing_undoes_the_first() {
	chk_setup
	chk_first
	chk_save
	port2=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf '\n[service web2]\ncert-file = %s\nreload = %s\ncheck = 127.0.0.1:%s\n' \
		"$T/web2.pem" "$N/noop" "$port2" >>"$CONF"
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256
	second=$THUMB
	HSMCERT_TEST_CHECK_TIMEOUT=1 hc enable "$second" --services https,web2 --yes
	expect_rc 1 "enable of https and web2 whose check fails"
	expect_err "binding web2 to $second undone: endpoint check: cannot connect to 127.0.0.1:$port2"
	expect_no_file "$T/web2.pem"
	chk_expect_saved
	ngx_expect_serves "$FIRST" tls1_3 10
	ngx_log "https passed its check, web2 failed: nginx serves $SEEN again"
	ngx_list_has "$FIRST" "...W."
	ngx_list_has "$second" "....."
}

# renew --due (SPEC section 9): a due, bound certificate whose renewal's
# check fails (the reload exits 0 and reloads nothing) is rolled back: the
# run exits 1 with a failed line naming what nginx served, the token, the
# files and the binding are as before and nginx serves the old
# certificate; the next run with the real reload renews it and nginx
# serves the renewal.
test_check_renew_due_that_fails_its_check_is_rolled_back() {
	chk_setup
	export HSMCERT_TEST_DUE_SHIFT=$DUE_SHIFT
	new_cert --subject "CN=localhost" --domain localhost --key ec:p256 --days 2
	FIRST=$THUMB
	hc enable "$FIRST" --services https
	expect_rc 0 "enable --services https with check (starts nginx)"
	ngx_expect_serves "$FIRST" tls1_3
	ngx_log "before renew --due: s_client thumbprint $SEEN"
	chk_save
	snapshot "$T/snap.before"
	chk_reload_noop
	HSMCERT_TEST_CHECK_TIMEOUT=2 hc renew --due
	expect_rc 1 "renew --due whose takeover's check fails"
	expect_out "failed $FIRST: moving the bindings failed, the renewal is undone"
	expect_out "endpoint check: 127.0.0.1:$PORT serves $FIRST, not"
	ngx_log "failed renew --due said: $OUT"
	expect_token_unchanged "$T/snap.before"
	chk_expect_saved
	ngx_expect_serves "$FIRST" tls1_3
	ngx_log "after the failed renew --due: s_client thumbprint $SEEN"
	chk_audit_last renew error
	chk_reload_real
	hc renew --due
	expect_rc 0 "renew --due with the real reload: $ERR"
	renewed=$(sed -n "s/^renewed $FIRST -> //p" "$T/out")
	[ -n "$renewed" ] || fail "no renewed line" "$OUT"
	ngx_expect_serves "$renewed" tls1_3
	ngx_log "after a good renew --due: s_client thumbprint $SEEN"
}
