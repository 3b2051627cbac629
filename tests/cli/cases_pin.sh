# tests/cli/cases_pin.sh - the PIN lockout guard (SPEC section 10, issue 13
# item 6). Sourced by run.sh; every test_* runs on a fresh token.
#
# SoftHSM2 2.6.1 has no try counter: it reports CKF_USER_PIN_COUNT_LOW
# after any wrong PIN and never FINAL_TRY or LOCKED (the last case checks
# that with pkcs11-tool). So hsmcert reaches the token through the PKCS#11
# shim of tests/faults (FAULT_SHIM, built by make check-cli), which adds the
# flags a counting token would report (FAULT_PIN_FLAGS) and logs every
# C_Login (FAULT_LOGIN_LOG, never the PIN) so the cases count the tries
# hsmcert spent. The shim forwards to the case's module (SoftHSM2, or
# p11-kit's client module under HSMCERT_CLI_REMOTE=1).

: "${FAULT_SHIM:=$TOP/build/tests/faults/libfaultshim.so}"
case $FAULT_SHIM in /*) ;; *) FAULT_SHIM=$(pwd)/$FAULT_SHIM ;; esac

# pin_setup: the case's configuration with the shim as module; the wrong
# PIN in $T/bad.pin (0600, as a PIN file must be); SERIAL = the token's
# serial as pkcs11-tool reads it, REC = the record hsmcert keeps for it.
pin_setup() {
	[ -f "$FAULT_SHIM" ] ||
		fail "the PKCS#11 shim $FAULT_SHIM is not built (make build/tests/faults/libfaultshim.so)"
	export FAULT_MODULE=$HC_MODULE FAULT_LOGIN_LOG=$T/login.log
	HC_MODULE=$FAULT_SHIM write_conf "$CONF"
	(umask 077 && echo 000000 >"$T/bad.pin") || fail "cannot write bad.pin"
	SERIAL=$(pkcs11-tool --module "$MODULE" -L 2>/dev/null |
		awk -v l="$LABEL" '$1 == "token" && $2 == "label" { ok = ($4 == l) }
			ok && $1 == "serial" { print $4; exit }')
	[ -n "$SERIAL" ] || fail "pkcs11-tool -L shows no serial for token $LABEL"
	REC=$T/state/pin-failures/$SERIAL
}

# hp ARGS...: hc (through the shim: every C_Login is a line of
# $T/login.log) with FAULT_PIN_FLAGS=$PIN_FLAGS; refused_p: refused with hp.
hp() {
	FAULT_PIN_FLAGS=${PIN_FLAGS:-} hc "$@"
}
refused_p() { refuse_with hp "$@"; }

# logins: how many C_Login calls the shim has seen in this case.
logins() {
	if [ -f "$T/login.log" ]; then wc -l <"$T/login.log"; else echo 0; fi
}

expect_logins() { # N WHAT
	expect_eq "$1" "$(logins)" "C_Login calls ($2)"
}

# expect_record_clean: the record holds no PIN, is a 0600 regular file.
expect_record_clean() {
	[ -f "$REC" ] && [ ! -L "$REC" ] || fail "no record $REC" "$(ls -la "$T/state" "$T/state/pin-failures" 2>&1)"
	expect_eq 600 "$(stat -c %a "$REC")" "mode of $REC"
	expect_eq 700 "$(stat -c %a "$T/state/pin-failures")" "mode of state/pin-failures"
	! grep -qF -- "$(cat "$T/bad.pin")" "$REC" || fail "the record holds the wrong PIN" "$(cat "$REC")"
	! grep -qF -- "$(cat "$T/user.pin")" "$REC" || fail "the record holds the PIN" "$(cat "$REC")"
	grep -qx "serial $SERIAL" "$REC" || fail "the record does not name serial $SERIAL" "$(cat "$REC")"
}

test_pin_guard_final_try_refused_before_login() {
	pin_setup
	new_cert --subject CN=ft.example.com --key ec:p256
	expect_logins 1 "new"
	dir_state "$T/state" | grep -v 'lock \|audit.log' >"$T/state.before"
	PIN_FLAGS=final_try refused_p 6 "one PIN try left" new --subject CN=ft2.example.com --key ec:p256
	expect_err "CKF_USER_PIN_FINAL_TRY"
	expect_err "--pin-final-try"
	expect_logins 1 "final try, no option"
	PIN_FLAGS=final_try refused_p 6 "--pin-final-try" list
	expect_logins 1 "final try, list"
	# nothing of it in the state directory but the audit line
	dir_state "$T/state" | grep -v 'lock \|audit.log' >"$T/state.after"
	diff -u "$T/state.before" "$T/state.after" || fail "the state directory changed"
	expect_no_file "$REC"
}

test_pin_guard_final_try_option_spends_one_try() {
	pin_setup
	PIN_FLAGS=final_try hp --pin-final-try new --subject CN=ft.example.com --key ec:p256
	expect_rc 0 "final try with --pin-final-try"
	expect_logins 1 "--pin-final-try, right PIN"
	expect_err "warning: token '$LABEL' reports one PIN try left"
	# a wrong PIN on the last try: one C_Login, never a second
	snapshot "$T/snap.before"
	PIN_FLAGS=final_try hp list --pin-final-try --pin-source "file:$T/bad.pin"
	expect_rc 6 "wrong PIN with --pin-final-try"
	expect_err "CKR_PIN_INCORRECT"
	expect_logins 2 "--pin-final-try, wrong PIN"
	expect_token_unchanged "$T/snap.before"
	expect_record_clean
}

test_pin_guard_count_low_warns_and_works() {
	pin_setup
	PIN_FLAGS=count_low hp new --subject CN=cl.example.com --key ec:p256
	expect_rc 0 "count low"
	expect_err "warning: token '$LABEL' reports that few PIN tries are left (CKF_USER_PIN_COUNT_LOW)"
	expect_logins 1 "count low"
	expect_no_file "$REC"
}

test_pin_guard_locked_no_login() {
	pin_setup
	PIN_FLAGS=locked refused_p 6 "is locked" new --subject CN=lk.example.com --key ec:p256
	expect_err "CKF_USER_PIN_LOCKED"
	expect_logins 0 "locked"
	expect_no_file "$REC"
}

# a timer with a stale PIN file: one try, then refusals without C_Login
test_pin_guard_stale_file_costs_one_try() {
	pin_setup
	new_cert --subject CN=st.example.com --key ec:p256
	snapshot "$T/snap0"
	hp list --pin-source "file:$T/bad.pin"
	expect_rc 6 "first run, wrong PIN"
	expect_err "CKR_PIN_INCORRECT"
	expect_err "--pin-retry"
	expect_logins 2 "first wrong run"
	expect_record_clean
	grep -qE "^failure [0-9T:-]+Z 1 file:$T/bad.pin\$" "$REC" || fail "the record does not name file:$T/bad.pin" "$(cat "$REC")"
	cp "$REC" "$T/rec.1"
	for src in "file:$T/bad.pin" "file:$T/./bad.pin"; do
		refused_p 6 "--pin-retry" new --subject CN=st2.example.com --key ec:p256 --pin-source "$src"
		expect_err "the PIN from file:$T/bad.pin was wrong at"
		expect_err "$REC"
		expect_logins 2 "same source again ($src)"
		cmp -s "$REC" "$T/rec.1" || fail "a refused run changed the record"
	done
	expect_token_unchanged "$T/snap0"
	# --pin-retry: exactly one more try
	hp list --pin-source "file:$T/bad.pin" --pin-retry
	expect_rc 6 "--pin-retry, still wrong"
	expect_logins 3 "--pin-retry"
	grep -qE "^failure [0-9T:-]+Z 2 file:$T/bad.pin\$" "$REC" || fail "the record does not count 2" "$(cat "$REC")"
	expect_record_clean
	refused_p 6 "--pin-retry" list --pin-source "file:$T/bad.pin"
	expect_logins 3 "after the failed retry"
	# the PIN file corrected: --pin-retry logs in and clears the record
	cp "$T/user.pin" "$T/bad.pin"
	hp list --pin-source "file:$T/bad.pin" --pin-retry
	expect_rc 0 "--pin-retry, right PIN"
	expect_out "$THUMB"
	expect_logins 4 "corrected"
	expect_no_file "$REC"
	hp list --pin-source "file:$T/bad.pin"
	expect_rc 0 "next run, no option"
	expect_logins 5 "next run"
	[ -z "$(grep -F 'warning' "$T/err")" ] || fail "warnings on a clean run: $ERR"
}

# a different source gets its one try; each stays refused until a success
test_pin_guard_other_source_one_try() {
	pin_setup
	hp list --pin-source "file:$T/bad.pin"
	expect_rc 6
	expect_logins 1 "file source"
	HC_BAD_PIN=111111 hp list --pin-source env:HC_BAD_PIN
	expect_rc 6 "another source, wrong too"
	expect_err "CKR_PIN_INCORRECT"
	expect_logins 2 "env source"
	grep -q "failure .* 1 env:HC_BAD_PIN\$" "$REC" || fail "env:HC_BAD_PIN not recorded" "$(cat "$REC")"
	! grep -q 111111 "$REC" || fail "the record holds the PIN"
	HC_BAD_PIN=111111 refused_p 6 "env:HC_BAD_PIN" list --pin-source env:HC_BAD_PIN
	refused_p 6 "bad.pin" list --pin-source "file:$T/bad.pin"
	expect_logins 2 "both refused"
	# the configuration's (right) source: allowed, says what failed before
	hp list
	expect_rc 0 "the right source"
	expect_err "had a wrong PIN from"
	expect_logins 3 "right source"
	expect_no_file "$REC"
	# a success cleared both: the file gets a try again
	hp list --pin-source "file:$T/bad.pin"
	expect_rc 6
	expect_logins 4 "after the success"
}

# typed_pin FILE ARGS...: hc ARGS on a terminal of its own (script(1)),
# the first line of FILE typed at its PIN prompt (sent a few times: the
# prompt flushes what came before it)
typed_pin() {
	local f=$1
	shift
	(for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$f" || break; sleep 0.5; done) 2>/dev/null |
		timeout 60 script -qec "$(printf '%q ' "$HSMCERT" --config "$CONF" "$@")" /dev/null \
		>"$T/out" 2>"$T/err"
	RC=${PIPESTATUS[1]}
	{
		printf '$ hsmcert %s  [exit %s, on a terminal]\n' "$*" "$RC"
		sed 's/^/  tty| /' "$T/out"
	} >>"$T/trace"
}

# a human at the prompt is never blocked by the record (SPEC 10)
test_pin_guard_prompt_not_blocked() {
	pin_setup
	typed_pin "$T/bad.pin" list --pin-source prompt
	expect_rc 6 "wrong PIN typed"
	expect_logins 1 "typed wrong"
	grep -q "^failure .* 1 prompt\$" "$REC" || fail "the prompt's failure is not recorded" "$(cat "$REC")"
	expect_record_clean
	typed_pin "$T/bad.pin" list --pin-source prompt
	expect_rc 6 "wrong PIN typed again"
	expect_logins 2 "typed wrong again: not blocked"
	typed_pin "$T/user.pin" list --pin-source prompt
	expect_rc 0 "right PIN typed"
	expect_logins 3 "typed right"
	expect_no_file "$REC"
}

# the record and its directory are never followed through a link, and a
# record that cannot be read refuses the login (exit 1, naming the path)
test_pin_guard_record_never_through_link() {
	pin_setup
	mkdir -p "$T/state" "$T/elsewhere" || fail "mkdir"
	echo victim >"$T/victim"
	ln -s "$T/elsewhere" "$T/state/pin-failures" || fail "ln"
	refused_p 1 "$T/state/pin-failures is not a directory (a symbolic link)" list
	expect_logins 0 "linked directory"
	rm "$T/state/pin-failures" && mkdir -m 700 "$T/state/pin-failures" || fail "mkdir"
	ln -s "$T/victim" "$REC" || fail "ln"
	refused_p 1 "$REC is a symbolic link" list --pin-source "file:$T/bad.pin"
	expect_logins 0 "linked record"
	expect_eq victim "$(cat "$T/victim")" "the link's target"
	# a damaged record: refused too, named
	rm "$REC" && echo 'failure garbage' >"$REC" || fail "cannot write $REC"
	refused_p 1 "$REC is damaged" list
	expect_logins 0 "damaged record"
}

# SoftHSM2 2.6.1's own flags, as pkcs11-tool shows them (README, PIN
# lockout guard): count low after a wrong PIN, never final try or locked,
# cleared by a good login; hsmcert on the real module warns and works
test_pin_guard_softhsm2_flags() {
	local i
	pin_setup
	pkcs11-tool --module "$MODULE" -T 2>/dev/null | grep 'token flags' >"$T/flags.0"
	! grep -q 'count low' "$T/flags.0" || fail "count low on a fresh token" "$(cat "$T/flags.0")"
	for i in 1 2 3 4 5 6; do
		HC_BAD_PIN=00000$i pkcs11-tool --module "$MODULE" --token-label "$LABEL" \
			--login --pin env:HC_BAD_PIN -O >/dev/null 2>&1 && fail "a wrong PIN logged in"
	done
	pkcs11-tool --module "$MODULE" -T 2>/dev/null | grep 'token flags' >"$T/flags.6"
	grep -q 'user PIN count low' "$T/flags.6" || fail "no count low after 6 wrong PINs" "$(cat "$T/flags.6")"
	! grep -qE 'final user PIN try|user PIN locked' "$T/flags.6" ||
		fail "SoftHSM2 reports final try / locked: update the README" "$(cat "$T/flags.6")"
	# hsmcert on SoftHSM2 itself: a warning, and the login works
	write_conf "$CONF"
	hc list
	expect_rc 0 "right PIN after 6 wrong ones"
	expect_err "CKF_USER_PIN_COUNT_LOW"
	pkcs11-tool --module "$MODULE" -T 2>/dev/null | grep 'token flags' >"$T/flags.ok"
	! grep -q 'count low' "$T/flags.ok" || fail "count low after a good login" "$(cat "$T/flags.ok")"
}
