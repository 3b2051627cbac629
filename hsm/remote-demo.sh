#!/bin/sh
# remote-demo.sh BIN - the demo (hsm/demo.sh) through a remote token: a
# p11-kit server exports the development token on a unix socket, hsmcert
# loads p11-kit's client module with P11_KIT_SERVER_ADDRESS, and the server
# is stopped by its PID afterwards, whatever happens.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
client=/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so
softhsm=/usr/lib/softhsm/libsofthsm2.so
export SOFTHSM2_CONF="$here/softhsm2.conf"
[ -e "$client" ] || { echo "remote-demo: $client is missing (apt-get install p11-kit-modules)" >&2; exit 2; }

run=$(mktemp -d)
pid=
stop() {
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		echo "p11-kit server (PID $pid) stopped"
	fi
	rm -rf "$run"
}
trap stop EXIT
trap 'exit 130' INT TERM

# the server forks into the background and prints its address and PID
p11-kit server --provider "$softhsm" -n "$run/pkcs11.sock" "pkcs11:token=hsmcert" >"$run/env"
pid=$(sed -n 's/^P11_KIT_SERVER_PID=\([0-9]*\);.*/\1/p' "$run/env")
[ -n "$pid" ] || { echo "remote-demo: p11-kit server printed no PID" >&2; cat "$run/env" >&2; exit 1; }
P11_KIT_SERVER_ADDRESS="unix:path=$run/pkcs11.sock"
export P11_KIT_SERVER_ADDRESS
echo "p11-kit server (PID $pid) exports the token 'hsmcert' on $run/pkcs11.sock"

HSMCERT_DEMO_MODULE=$client "$here/demo.sh" "$1"
