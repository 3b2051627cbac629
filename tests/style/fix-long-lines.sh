#!/bin/sh
# tests/style/fix-long-lines.sh [FILE...] - rewrap the lines check-style
# calls LONGLINE, and only them (clang-format --lines, kernel layout:
# tabs, arguments aligned under the first, strings never split), in
# place. Default: every C file of src/ and include/. Lines of a macro
# (ending in a backslash) and lines with a comment are left to be fixed by
# hand: clang-format re-indents whole macro bodies and realigns comments.
# A developer's tool, not run by make check; look at the diff (git diff)
# before committing.
# clang-format is Debian's clang-format package.
set -eu
cd "$(dirname "$0")/../.."
style=tests/style/clang-format.long-lines
[ $# -gt 0 ] || set -- $(find src include -name '*.[ch]' | sort)
for f; do
	lines=$(perl tests/style/checksrc.pl "$f" |
		sed -n 's/^[^:]*:\([0-9]*\): LONGLINE:.*/\1/p' |
		while read -r n; do
			sed -n "${n}p" "$f" | grep -qE '\\$|/\*|\*/' ||
				echo "--lines=$n:$n"
		done)
	[ -n "$lines" ] || continue
	# shellcheck disable=SC2086
	clang-format --style="file:$style" $lines -i "$f"
done
