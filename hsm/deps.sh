#!/bin/sh
# deps.sh - install the Debian 12 packages hsmcert needs to build, test and demo.
# As root, missing packages are installed with apt-get; otherwise the exact
# apt-get line is printed and the script fails.
set -eu

PKGS="build-essential pkg-config libssl-dev libp11-dev libp11-kit-dev p11-kit p11-kit-modules
libjansson-dev libcmocka-dev softhsm2 opensc gnutls-bin openssl
libengine-pkcs11-openssl valgrind python3 python3-minimal python3.11-minimal hyperfine clang nginx procps
pebble libcurl4-openssl-dev curl lego uacme man-db groff-base systemd
debhelper dpkg-dev fakeroot lintian git"

# `hsm/deps.sh docs`: also what docs/make-screenshot.sh runs (headless
# Chromium renders the HTML report into docs/*.png); no test needs it
if [ "${1:-}" = docs ]; then
	PKGS="$PKGS chromium fonts-dejavu-core"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "hsmcert: missing Debian packages. Run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "hsm/deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
