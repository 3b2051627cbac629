#!/bin/bash
# run.sh - run the libFuzzer harnesses built by tests/fuzz/fuzz.mk
#
#   run.sh fuzz HARNESS...     fuzz each for FUZZ_SECONDS (default 10)
#   run.sh regress HARNESS...  run each over its seeds and regress inputs once
#
# HARNESS is a name such as "dn" (binary $FUZZ_B/fuzz_dn). Fuzzing works on
# a copy of tests/fuzz/corpus/<h> in $FUZZ_B/corpus/<h>; what libFuzzer
# finds stays there for the next run (make fuzz-clean starts over). The
# files of tests/fuzz/regress/<h>/ are run too. Crash inputs go to
# $FUZZ_B/artifacts/<h>/, logs to $FUZZ_B/logs/<h>.log. When fuzzing,
# tests/fuzz/<h>.dict is the harness's dictionary and tests/fuzz/<h>.options
# adds libFuzzer flags (one a line, '#' starts a comment line).
#
# Environment: FUZZ_B (build-fuzz), FUZZ_DIR (tests/fuzz), FUZZ_SECONDS,
# FUZZ_JOBS (harnesses run at once, default 1), FUZZ_TIMEOUT (seconds one
# input may take, default 25), FUZZ_ARGS (more libFuzzer flags).
# Exit status: 0 when no harness crashed, 1 otherwise, 2 on usage errors.
set -u

B=${FUZZ_B:-build-fuzz}
D=${FUZZ_DIR:-tests/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-10}
JOBS=${FUZZ_JOBS:-1}
TIMEOUT=${FUZZ_TIMEOUT:-25}
EXTRA=${FUZZ_ARGS:-}

usage() {
	echo "usage: $0 fuzz|regress HARNESS..." >&2
	exit 2
}

[ $# -ge 2 ] || usage
mode=$1
shift
case $mode in
fuzz|regress) ;;
*) usage ;;
esac
for n in "$SECONDS_EACH" "$JOBS" "$TIMEOUT"; do
	case $n in
	''|*[!0-9]*|0) echo "$0: FUZZ_SECONDS, FUZZ_JOBS and FUZZ_TIMEOUT" \
			   "must be positive integers" >&2; exit 2 ;;
	esac
done

# Sanitizer reports with stacks; the caller's settings win.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

mkdir -p "$B/logs"

# The regress inputs of harness $1, one per line (none: nothing).
regress_files() {
	[ -d "$D/regress/$1" ] && find "$D/regress/$1" -type f | LC_ALL=C sort
}

# Run harness $1; the one-line result goes to $B/logs/$1.result:
# "ok <execs>" or "crash <reason>".
run_one() {
	local h=$1 bin=$B/fuzz_$1 log=$B/logs/$1.log res=$B/logs/$1.result
	local corpus=$B/corpus/$1 art=$B/artifacts/$1/ dict=$D/$1.dict
	local -a args dirs files
	local rc execs why

	if [ ! -x "$bin" ]; then
		echo "crash $bin is missing (make fuzz-build)" >"$res"
		return
	fi
	mkdir -p "$art"
	args=(-rss_limit_mb=2048 -timeout="$TIMEOUT" -artifact_prefix="$art")
	[ -f "$dict" ] && args+=(-dict="$dict")
	if [ "$mode" = fuzz ]; then
		[ -f "$D/$h.options" ] &&
			mapfile -t -O ${#args[@]} args < \
				<(grep -v -e '^#' -e '^$' "$D/$h.options")
		mkdir -p "$corpus"
		[ -d "$D/corpus/$h" ] && cp -R "$D/corpus/$h"/. "$corpus"/
		dirs=("$corpus")
		[ -n "$(regress_files "$h")" ] && dirs+=("$D/regress/$h")
		# "; exit" keeps bash from exec-ing, so its "Aborted" goes to the log
		# shellcheck disable=SC2086
		("$bin" "${args[@]}" -max_total_time="$SECONDS_EACH" \
			-print_final_stats=1 $EXTRA "${dirs[@]}"; exit $?) >"$log" 2>&1
		rc=$?
	else
		mapfile -t files < <({
			[ -d "$D/corpus/$h" ] &&
				find "$D/corpus/$h" -type f | LC_ALL=C sort
			regress_files "$h"
		})
		if [ ${#files[@]} -eq 0 ]; then
			echo "ok 0 inputs" >"$res"
			return
		fi
		# shellcheck disable=SC2086
		("$bin" "${args[@]}" $EXTRA "${files[@]}"; exit $?) >"$log" 2>&1
		rc=$?
	fi
	if [ $rc -ne 0 ]; then
		# the first line that says what went wrong
		why=$(grep -m1 -E -e '^==[0-9]+== ?ERROR' -e 'runtime error:' \
			-e 'contract broken:' -e '^SUMMARY' "$log" |
		      sed 's/^==[0-9]*== *//')
		echo "crash ${why:-exit status $rc}" >"$res"
		return
	fi
	if [ "$mode" = fuzz ]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "ok ${execs:-?} executions" >"$res"
	else
		echo "ok ${#files[@]} inputs" >"$res"
	fi
}

# At most $JOBS at once; results are printed in the order given.
running=0
for h in "$@"; do
	rm -f "$B/logs/$h.result"
	run_one "$h" &
	running=$((running + 1))
	if [ $running -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

crashes=0
for h in "$@"; do
	res=$(cat "$B/logs/$h.result" 2>/dev/null || echo "crash no result")
	case $res in
	ok\ *)
		printf '  %-12s %s\n' "fuzz_$h" "${res#ok }"
		;;
	*)
		crashes=$((crashes + 1))
		printf '  %-12s CRASH: %s\n' "fuzz_$h" "${res#crash }"
		printf '  %-12s log: %s\n' "" "$B/logs/$h.log"
		art=$(sed -n -e 's/.*Test unit written to \(.*\)$/\1/p' \
			-e 's/^Running: \(.*\)$/\1/p' "$B/logs/$h.log" |
		      tail -n 1)
		[ -n "$art" ] && printf '  %-12s input: %s\n' "" "$art"
		tail -n 25 "$B/logs/$h.log" | sed 's/^/    | /'
		;;
	esac
done
echo "fuzz: $# harnesses, $crashes crashes"
[ $crashes -eq 0 ]
