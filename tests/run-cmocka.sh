#!/usr/bin/env bash
# run-cmocka.sh LEVEL BIN... - run cmocka executables, one TAP line per case.
# Prints "N passed, N failed" at the end; exits non-zero when any failed.
set -u
level=$1; shift
pass=0; fail=0; failed_bins=()
export CMOCKA_MESSAGE_OUTPUT=TAP
for t in "$@"; do
	out=$(${VALGRIND:-} "$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^(not )?ok ' | sed "s|^|[$level] |"
	p=$(printf '%s\n' "$out" | grep -cE '^ok ')
	f=$(printf '%s\n' "$out" | grep -cE '^not ok ')
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$rc" -ne 0 ]; then
		[ "$f" -eq 0 ] && fail=$((fail + 1))
		failed_bins+=("$t")
		printf '%s\n' "$out" | grep -vE '^(not )?ok ' | sed "s|^|[$level] $(basename "$t"): |" | tail -40
	fi
done
echo "$level: $pass passed, $fail failed"
[ "${#failed_bins[@]}" -eq 0 ]
