#!/bin/sh
# tests/style/run.sh - make check-style: the checker over every C file of
# src/ and include/, after a self-test: each tests/style/planted/RULE.c
# must fail with RULE, and planted/ok.c (what the rules allow) must pass.
set -u
cd "$(dirname "$0")/../.."
chk=tests/style/checksrc.pl
bad=0
for f in tests/style/planted/*.c; do
	rule=$(basename "$f" .c)
	out=$(perl "$chk" "$f")
	rc=$?
	if [ "$rule" = ok ]; then
		[ $rc -eq 0 ] || { echo "check-style: $f should pass:"; echo "$out"; bad=1; }
	elif [ $rc -eq 0 ] || ! printf '%s\n' "$out" | grep -q ": $rule: "; then
		echo "check-style: $f should fail with $rule:"; echo "$out"; bad=1
	fi
done
[ $bad -eq 0 ] || exit 1
files=$(find src include -name '*.[ch]' | sort)
# shellcheck disable=SC2086
exec perl "$chk" $files
