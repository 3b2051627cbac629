# hsm/pebble-host.sh - what tests/cli/pebble.sh takes from the test
# runner (at_exit, fail, conf_set over $CONF), for the scripts that start
# pebble outside it: hsm/acme-demo.sh and bench/acme.sh. Sourced after T
# (a temp dir, removed at exit) and WHO (the name in failures) are set.
# shellcheck shell=bash
AT_EXIT='rm -rf "$T"'
trap "$AT_EXIT" EXIT
at_exit() { AT_EXIT="$1 || true; $AT_EXIT"; trap "$AT_EXIT" EXIT; }
fail() { printf '%s: %s\n' "$WHO" "$@" >&2; exit 1; }
conf_set() { # SECTION KEY VALUE
	if grep -qxF "[$1]" "$CONF"; then
		awk -v s="[$1]" -v l="$2 = $3" '{ print } $0 == s { print l }' "$CONF" >"$CONF.new"
		mv "$CONF.new" "$CONF"
	else
		printf '\n[%s]\n%s = %s\n' "$1" "$2" "$3" >>"$CONF"
	fi
}
