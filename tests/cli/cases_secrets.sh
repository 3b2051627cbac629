# tests/cli/cases_secrets.sh - SPEC section 10 "Secrets stay in hsmcert"
# and the secret sources of SPEC section 2. Sourced by run.sh.
#
# Checked with tools hsmcert did not write: openssl pkcs12 (which password
# opens a PFX), pkcs11-spy (whether C_Login was called at all), pkcs11-tool
# (the token is unchanged), /proc (a blocked hsmcert's core limit and
# environment), setpriv (a process without capabilities, for whom a
# non-dumpable process's /proc files are closed), env(1) as a reload.
#
# Helpers here are prefixed sec_ (every cases_*.sh shares run.sh's shell).

# sec_exportable: an exportable EC certificate ($THUMB) and an empty
# output directory $T/o; skipped where export cannot work (needs_key_wrap).
sec_exportable() {
	needs_key_wrap
	new_cert --subject "CN=sec.example.com" --key ec:p256 --exportable
	mkdir -p "$T/o" || fail "mkdir $T/o"
}

# sec_secret_file FILE MODE PRINTF-FORMAT: FILE made with printf (so \000
# is a NUL byte) and then chmod MODE.
sec_secret_file() {
	# shellcheck disable=SC2059 # the format is the content
	printf "$3" >"$1" || fail "cannot write $1"
	chmod "$2" "$1" || fail "chmod $2 $1"
}

# sec_state_before / sec_state_unchanged: the state directory as
# dir_state sees it (files, sizes, modes, mtimes, SHA-256), less index/
# (a cache of the token's listing, written by any lookup).
sec_state() { dir_state "$T/state" | grep -v '^\./index/'; }
sec_state_before() { sec_state >"$T/state.before"; }
sec_state_unchanged() {
	sec_state >"$T/state.after"
	diff -u "$T/state.before" "$T/state.after" >"$T/state.diff" ||
		fail "the state directory changed:" "$(cat "$T/state.diff")"
}

# sec_pfx_opens FILE PASSWORD: openssl opens the PFX with exactly PASSWORD
# (through its environment, never the command line).
sec_pfx_opens() {
	SEC_PW=$2 openssl pkcs12 -in "$1" -passin env:SEC_PW -noout >"$T/peer" 2>&1
}

# sec_login_calls: C_Login calls in $T/spy.log (pkcs11-spy's log).
sec_login_calls() { grep -cE '^[0-9]+: C_Login$' "$T/spy.log"; }

# ---------------------------------------------------------------------------
# NUL bytes: a C string would stop there and use less than was counted

test_secrets_pfx_password_file_leading_nul_exit_2_no_pfx() {
	sec_exportable
	# 17 bytes counted, 0 used: the length policy (12) passed on main
	sec_secret_file "$T/nul.pw" 600 '\000abcdefghijklmnop\n'
	sec_state_before
	refused 2 "contains a NUL byte (at byte 1 of its first line)" \
		export "$THUMB" --out "$T/o/f.pfx" --password-source "file:$T/nul.pw"
	expect_err "file:$T/nul.pw"
	expect_no_file "$T/o/f.pfx"
	[ -z "$(ls -A "$T/o")" ] || fail "a refused export left files:" "$(ls -A "$T/o")"
	sec_state_unchanged
	# the same password without the NUL exports, and only it opens the PFX
	sec_secret_file "$T/ok.pw" 600 'abcdefghijklmnop\n'
	hc export "$THUMB" --out "$T/o/f.pfx" --password-source "file:$T/ok.pw"
	expect_rc 0 "export with the NUL removed"
	sec_pfx_opens "$T/o/f.pfx" abcdefghijklmnop || fail "the PFX does not open with its password:" "$(cat "$T/peer")"
	! sec_pfx_opens "$T/o/f.pfx" "" || fail "the PFX opens with the empty password"
}

test_secrets_nul_in_the_middle_exit_2_everywhere() {
	sec_exportable
	sec_secret_file "$T/mid.pw" 600 'abcdef\000ghijklmnop\n'
	refused 2 "contains a NUL byte (at byte 7" \
		export "$THUMB" --out "$T/o/f.pfx" --password-source "file:$T/mid.pw"
	expect_no_file "$T/o/f.pfx"
	# through fd: too, and for a PFX password at import
	SEC_GOOD_PW=abcdefghijklmnop hc export "$THUMB" --out "$T/o/good.pfx" --password-source env:SEC_GOOD_PW
	expect_rc 0 "export with a good password"
	second_token
	on_b snapshot "$T/b.before"
	on_b hc import "$T/o/good.pfx" --password-source fd:3 \
		3< <(printf 'abcdef\000ghijklmnop\n')
	expect_rc 2 "import with a NUL in the password (fd:)"
	expect_err "fd:3 contains a NUL byte (at byte 7"
	on_b expect_token_unchanged "$T/b.before"
	# a PIN with a NUL: refused before the token is asked (no try spent)
	tr -d '\n' <"$T/user.pin" >"$T/nul.pin"
	printf '\000\n' >>"$T/nul.pin"
	chmod 600 "$T/nul.pin"
	snapshot "$T/snap.before"
	PKCS11SPY=$MODULE PKCS11SPY_OUTPUT=$T/spy.log \
		hc --module "$SPY" --pin-source "file:$T/nul.pin" list
	expect_rc 2 "a PIN file with a NUL byte"
	expect_err "contains a NUL byte"
	[ -z "$OUT" ] || fail "stdout not empty: $OUT"
	expect_eq 0 "$(sec_login_calls)" "C_Login calls with a NUL in the PIN"
	expect_token_unchanged "$T/snap.before"
}

# ---------------------------------------------------------------------------
# file: modes and owners, as OpenSSH checks key files

test_secrets_pin_file_0644_exit_2_token_unchanged() {
	new_cert --subject "CN=mode.example.com" --key ec:p256
	for m in 644 640 604 660 666 444; do
		cp "$T/user.pin" "$T/pin.$m" && chmod "$m" "$T/pin.$m" || fail "cp/chmod $m"
		sec_state_before
		rm -f "$T/spy.log"
		snapshot "$T/snap.before"
		PKCS11SPY=$MODULE PKCS11SPY_OUTPUT=$T/spy.log \
			hc --module "$SPY" --pin-source "file:$T/pin.$m" list
		expect_rc 2 "PIN file mode $m"
		expect_err "hsmcert: error:"
		expect_err "$T/pin.$m may be read or changed by group or others (mode 0$m)"
		expect_err "run chmod 600 $T/pin.$m"
		[ -z "$OUT" ] || fail "stdout not empty: $OUT"
		expect_eq 0 "$(sec_login_calls)" "C_Login calls with a mode $m PIN file"
		expect_token_unchanged "$T/snap.before"
		sec_state_unchanged
	done
	# the PIN itself is never shown
	! grep -qF "$(cat "$T/user.pin")" "$T/err" || fail "the PIN is in the error"
}

test_secrets_pin_file_0600_and_0400_accepted() {
	new_cert --subject "CN=mode.example.com" --key ec:p256
	for m in 600 400; do
		cp "$T/user.pin" "$T/pin.$m" && chmod "$m" "$T/pin.$m" || fail "cp/chmod $m"
		hc list --pin-source "file:$T/pin.$m"
		expect_rc 0 "PIN file mode $m"
		expect_out "$THUMB"
	done
	# a symbolic link (itself 0777) to a 0600 file: the target is checked
	ln -s "$T/pin.600" "$T/pin.link" || fail "ln -s"
	hc list --pin-source "file:$T/pin.link"
	expect_rc 0 "link to a 0600 PIN file"
	chmod 644 "$T/pin.600" || fail chmod
	refused 2 "(mode 0644)" list --pin-source "file:$T/pin.link"
}

test_secrets_pfx_password_file_0644_exit_2() {
	sec_exportable
	sec_secret_file "$T/pw" 644 'abcdefghijklmnop\n'
	refused 2 "$T/pw may be read or changed by group or others (mode 0644)" \
		export "$THUMB" --out "$T/o/f.pfx" --password-source "file:$T/pw"
	expect_no_file "$T/o/f.pfx"
}

test_secrets_pin_file_of_another_user_exit_2() {
	[ "$(id -u)" = 0 ] || skip "needs root to give a file to nobody"
	new_cert --subject "CN=owner.example.com" --key ec:p256
	cp "$T/user.pin" "$T/pin.nobody" && chmod 600 "$T/pin.nobody" || fail "cp"
	chown nobody "$T/pin.nobody" || fail "chown nobody"
	snapshot "$T/snap.before"
	PKCS11SPY=$MODULE PKCS11SPY_OUTPUT=$T/spy.log \
		hc --module "$SPY" --pin-source "file:$T/pin.nobody" list
	expect_rc 2 "a PIN file owned by nobody"
	expect_err "$T/pin.nobody is owned by uid $(id -u nobody), neither this user (uid 0) nor root"
	expect_eq 0 "$(sec_login_calls)" "C_Login calls with a foreign PIN file"
	expect_token_unchanged "$T/snap.before"
	# root's own file (every file hsmcert reads here) is fine
	chown root "$T/pin.nobody" || fail "chown root"
	hc list --pin-source "file:$T/pin.nobody"
	expect_rc 0 "the same file owned by root"
}

# ---------------------------------------------------------------------------
# a PIN typed where the source belongs is never printed

test_secrets_unknown_source_is_not_echoed() {
	new_cert --subject "CN=sec.example.com" --key ec:p256 --exportable
	mkdir -p "$T/o" || fail "mkdir $T/o"
	refused 2 "unknown secret source (not env:VAR, file:PATH, fd:N or prompt); the value is not shown, it may be a secret" \
		list --pin-source 271828
	! grep -q 271828 "$T/err" || fail "the source's text is in the error:" "$ERR"
	# export asks for its password only where it can wrap (needs_key_wrap)
	if [ "$HC_MODULE" != "$CLIENT" ]; then
		refused 2 "unknown secret source" \
			export "$THUMB" --out "$T/o/f.pfx" --password-source hunter2hunter2
		! grep -q hunter2 "$T/err" || fail "the source's text is in the error:" "$ERR"
		expect_no_file "$T/o/f.pfx"
	fi
	refused 2 "unknown secret source" list --pin-source fd:27x18
	! grep -q 27x18 "$T/err" || fail "the source's text is in the error:" "$ERR"
	# nor from the configuration file
	printf '[token]\nmodule = %s\nlabel = %s\npin-source = 314159\n' \
		"$HC_MODULE" "$LABEL" >"$T/bad.conf"
	refused_raw 2 "bad.conf:4: pin-source: unknown secret source" --config "$T/bad.conf" list
	! grep -q 314159 "$T/err" || fail "the configured source's text is in the error:" "$ERR"
}

# ---------------------------------------------------------------------------
# env: leaves the environment; the process cannot dump core

test_secrets_env_pin_not_passed_to_reload() {
	new_cert --subject "CN=env.example.com" --key ec:p256
	mkdir -p "$T/svc" || fail mkdir
	# SPEC 8: the reload is split at white space, "..." one word, exec'ed
	printf '\n[service envdump]\ncert-file = %s\nreload = /bin/sh -c "env > %s"\n' \
		"$T/svc/envdump.pem" "$T/reload.env" >>"$CONF"
	SEC_PIN=$(cat "$T/user.pin") hc enable "$THUMB" --services envdump \
		--pin-source env:SEC_PIN
	expect_rc 0 "enable with an env: PIN"
	[ -s "$T/reload.env" ] || fail "the reload wrote no environment"
	! grep -q '^SEC_PIN=' "$T/reload.env" || fail "the reload got SEC_PIN"
	! grep -qF "$(cat "$T/user.pin")" "$T/reload.env" || fail "the reload's environment holds the PIN"
}

# sec_wait_exe PID ARGV0: wait (up to 20 s) until PID runs the program
# started as ARGV0 (a background subshell has exec'ed it: setpriv, then the
# program); fail when PID ends first. /proc/PID/cmdline is world-readable,
# dumpable or not.
sec_wait_exe() {
	local i
	for i in $(seq 200); do
		kill -0 "$1" 2>/dev/null || fail "$2 ended early:" "$(cat "$T/err")"
		[ "$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n 1)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "PID $1 is not $2 after 20 s"
}

# sec_wait_gone PID FILE VALUE WHAT: wait (up to 20 s) until VALUE (called
# WHAT in messages) is no longer in FILE (a /proc file of PID); fail when
# PID ends first.
sec_wait_gone() {
	local i
	for i in $(seq 200); do
		kill -0 "$1" 2>/dev/null || fail "hsmcert ended early:" "$(cat "$T/err")"
		tr '\0' '\n' <"$2" 2>/dev/null | grep -qF -- "$3" || return 0
		sleep 0.1
	done
	fail "$4 still in $2 after 20 s"
}

# sec_nocap CMD...: CMD without capabilities. As root that takes setpriv
# (util-linux): ptrace access to another process of the same user then
# depends on its dumpable flag, as it does for any other user.
sec_nocap() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --bounding-set=-all "$@"
	else
		"$@"
	fi
}

# sec_nocap_exec CMD...: exec CMD without capabilities (in a background
# subshell: $! is then CMD's own PID).
sec_nocap_exec() {
	if [ "$(id -u)" = 0 ]; then
		exec setpriv --bounding-set=-all "$@"
	fi
	exec "$@"
}

# sec_nocap_opens FILE: a process without capabilities can open FILE (a
# /proc/PID file that needs ptrace access: environ, mem).
sec_nocap_opens() {
	sec_nocap sh -c ': <"$1"' sh "$1" 2>/dev/null
}

test_secrets_blocked_process_no_core_not_dumpable_env_wiped() {
	command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
	sec_exportable
	pin=$(cat "$T/user.pin")
	mkfifo "$T/pw.fifo" || fail mkfifo
	# held open read-write: hsmcert blocks reading its password from fd 3
	exec 3<>"$T/pw.fifo"
	# hsmcert and the control without capabilities, like the reader: the
	# /proc files of a non-dumpable process are closed to it, those of a
	# dumpable one are open
	(export SEC_PIN="$pin"; sec_nocap_exec "$HSMCERT" --config "$CONF" \
		--pin-source env:SEC_PIN export "$THUMB" --out "$T/o/f.pfx" \
		--password-source fd:3 >"$T/out" 2>"$T/err" </dev/null) &
	pid=$!
	at_exit "kill $pid 2>/dev/null"
	(export SEC_PIN="$pin"; sec_nocap_exec sleep 60) &
	ctl=$!
	at_exit "kill $ctl 2>/dev/null"
	# the PIN is read (and wiped) before the password is asked for
	sec_wait_exe "$pid" "$HSMCERT"
	sec_wait_gone "$pid" "/proc/$pid/environ" "$pin" "the PIN"
	tr '\0' '\n' <"/proc/$pid/environ" >"$T/environ" || fail "cannot read /proc/$pid/environ"
	! grep -qF "$pin" "$T/environ" || fail "the PIN is still in /proc/$pid/environ"
	grep -q '^SEC_PIN=' "$T/environ" || fail "SEC_PIN=... is not in /proc/$pid/environ at all (a wrong process?)"
	grep -q '^Max core file size *0 *0 ' "/proc/$pid/limits" ||
		fail "core dumps are not disabled:" "$(grep -i core "/proc/$pid/limits")"
	# the control: open once sleep runs without capabilities
	sec_wait_exe "$ctl" sleep
	for i in $(seq 50); do
		sec_nocap_opens "/proc/$ctl/environ" && sec_nocap_opens "/proc/$ctl/mem" && break
		[ "$i" = 50 ] && fail "control: a process without capabilities cannot open /proc/$ctl/environ and mem of a dumpable one"
		sleep 0.1
	done
	for f in environ mem; do
		! sec_nocap_opens "/proc/$pid/$f" ||
			fail "hsmcert is dumpable: a process without capabilities opened /proc/$pid/$f"
	done
	kill "$ctl" 2>/dev/null
	# the password now: the export completes and the PFX opens with it
	printf 'abcdefghijklmnop\n' >&3
	wait "$pid"
	RC=$?
	exec 3>&-
	expect_rc 0 "export after the password came through fd:3"
	sec_pfx_opens "$T/o/f.pfx" abcdefghijklmnop || fail "the PFX does not open:" "$(cat "$T/peer")"
}

# sec_pty_answer ANSWER-PRINTF-FORMAT ARGS...: hsmcert --config $CONF ARGS
# on a pseudo-terminal of its own (python3's pty), ANSWER typed once the
# prompt ": " has appeared (hsmcert flushes what was typed before it asks).
# Sets RC; the terminal transcript goes to $T/pty.
sec_pty_answer() {
	local ans=$1
	shift
	python3 - "$ans" "$HSMCERT" --config "$CONF" "$@" >"$T/pty" 2>&1 <<'PY'
import os, pty, select, sys, time
answer = sys.argv[1].encode().decode("unicode_escape").encode("latin-1")
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
seen, sent, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if fd in r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        seen += data
    if not sent and seen.rstrip().endswith(b":"):
        time.sleep(0.2)  # past tcsetattr(TCSAFLUSH)
        os.write(fd, answer)
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
	RC=$?
	{
		printf '$ [pty] hsmcert %s  [exit %s]\n' "$*" "$RC"
		sed 's/^/  pty| /' "$T/pty"
	} >>"$T/trace"
}

test_secrets_prompt_line_nul_refused_pin_works() {
	new_cert --subject "CN=prompt.example.com" --key ec:p256
	snapshot "$T/snap.before"
	# Ctrl-@ on a terminal is a NUL byte: refused, the token not asked
	sec_pty_answer 'ab\x00cd\n' list --pin-source prompt
	expect_rc 2 "a NUL byte typed at the PIN prompt"
	grep -qF "PIN for token 't': what was typed contains a NUL byte (at byte 3" "$T/pty" ||
		fail "no NUL-byte error on the terminal:" "$(cat "$T/pty")"
	expect_token_unchanged "$T/snap.before"
	sec_pty_answer '\n' list --pin-source prompt
	expect_rc 2 "an empty line at the PIN prompt"
	grep -qF "what was typed gave an empty value" "$T/pty" || fail "no empty-value error:" "$(cat "$T/pty")"
	# the right PIN, typed: no echo, and the certificate is listed
	sec_pty_answer "$(cat "$T/user.pin")\\n" list --pin-source prompt
	expect_rc 0 "the PIN typed at the prompt"
	grep -qF "$THUMB" "$T/pty" || fail "list after the prompt does not show $THUMB:" "$(cat "$T/pty")"
	! grep -qF "$(cat "$T/user.pin")" "$T/pty" || fail "the typed PIN was echoed"
}
