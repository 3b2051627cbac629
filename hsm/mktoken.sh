#!/bin/sh
# mktoken.sh [DIR [LABEL]] - a SoftHSM2 token of our own in DIR (default: hsm/).
#
# Writes DIR/softhsm2.conf (token directory DIR/token), a random user PIN in
# DIR/user.pin and SO PIN in DIR/so.pin (both mode 0600), and initialises the
# token LABEL (default: hsmcert). PINs reach pkcs11-tool through its
# environment (env:VAR), never through a command line. An existing token is
# kept.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here}
label=${2:-hsmcert}
module=${HSMCERT_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ -f "$dir/softhsm2.conf" ] && [ -f "$dir/user.pin" ] &&
   SOFTHSM2_CONF="$dir/softhsm2.conf" softhsm2-util --show-slots 2>/dev/null |
   grep -q "Label: *$label *\$"; then
	exit 0
fi

umask 077
mkdir -p "$dir/token"
cat > "$dir/softhsm2.conf" <<CONF
# SoftHSM2 configuration of the hsmcert token in this directory
directories.tokendir = $dir/token
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
[ -s "$dir/user.pin" ] || openssl rand -hex 12 > "$dir/user.pin"
[ -s "$dir/so.pin" ] || openssl rand -hex 12 > "$dir/so.pin"
chmod 0600 "$dir/user.pin" "$dir/so.pin"

export SOFTHSM2_CONF="$dir/softhsm2.conf"
HSMCERT_SO_PIN=$(cat "$dir/so.pin")
HSMCERT_USER_PIN=$(cat "$dir/user.pin")
export HSMCERT_SO_PIN HSMCERT_USER_PIN
slot=$(softhsm2-util --show-slots | awk '/^Slot [0-9]+/{s=$2} /uninitialized/{print s; exit}')
pkcs11-tool --module "$module" --slot "$slot" --init-token --label "$label" \
	--so-pin env:HSMCERT_SO_PIN >/dev/null
pkcs11-tool --module "$module" --token-label "$label" --login --login-type so \
	--so-pin env:HSMCERT_SO_PIN --init-pin --pin env:HSMCERT_USER_PIN >/dev/null
unset HSMCERT_SO_PIN HSMCERT_USER_PIN
echo "hsm: token '$label' ready in $dir/token (PIN in $dir/user.pin)"
