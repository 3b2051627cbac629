#!/bin/sh
# tests/cli/dns-hook.sh MGMT LOG MODE add|del NAME VALUE - an ACME dns-01
# hook for the tests: publishes the TXT record through pebble-challtestsrv's
# management API (MGMT, http://127.0.0.1:PORT) and logs each call to LOG.
# MODE ok; wrong (publishes another value: validation fails); fail (add
# exits 1 after publishing); hang (add publishes, then waits in a child
# `sleep 599.9` that hsmcert must kill with the hook's process group).
mgmt=$1 log=$2 mode=$3 op=$4 name=$5 value=$6
echo "$op $name $value" >>"$log"
case $op in
add)
	[ "$mode" = wrong ] && value=not-the-key-authorization-digest
	curl -sf -d "{\"host\":\"$name.\",\"value\":\"$value\"}" "$mgmt/set-txt" || exit 1
	[ "$mode" = fail ] && { echo "dns-hook: refused on purpose"; exit 1; }
	[ "$mode" = hang ] && sleep 599.9
	;;
del)
	curl -sf -d "{\"host\":\"$name.\"}" "$mgmt/clear-txt" || exit 1
	;;
*)
	echo "dns-hook: unknown operation '$op'" >&2
	exit 2
	;;
esac
exit 0
