#!/bin/sh
# tests/style/fix-long-lines.sh [FILE...] - rewrap the lines check-style
# calls LONGLINE, and only them (clang-format --lines, kernel layout:
# tabs, arguments aligned under the first, strings never split), in
# place. Default: every C file of src/ and include/. A developer's tool,
# not run by make check; look at the diff (git diff) before committing.
# clang-format is Debian's clang-format package.
set -eu
cd "$(dirname "$0")/../.."
style=tests/style/clang-format.long-lines
[ $# -gt 0 ] || set -- $(find src include -name '*.[ch]' | sort)
for f; do
	lines=$(perl tests/style/checksrc.pl "$f" | sed -n 's/^[^:]*:\([0-9]*\): LONGLINE:.*/--lines=\1:\1/p')
	[ -n "$lines" ] || continue
	# shellcheck disable=SC2086
	clang-format --style="file:$style" $lines -i "$f"
done
