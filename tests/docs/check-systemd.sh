#!/bin/sh
# tests/docs/check-systemd.sh BUILD - conf/systemd/hsmcert-renew.service and
# hsmcert-renew.timer pass `systemd-analyze verify` with no output at all
# (a warning is an error). verify needs ExecStart's binary and every
# Documentation= man page: the units are checked as copies whose
# /usr/bin/hsmcert is BUILD/hsmcert, with MANPATH on a tree of the built
# man pages. Then what the units promise (SPEC 9, issue 16) is checked in
# what systemd parsed (systemd-analyze cat-config would not parse them).
set -u
B=${1:?usage: check-systemd.sh BUILD}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
case $B in /*) ;; *) B=$TOP/$B ;; esac
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
export LC_ALL=C

[ -x "$B/hsmcert" ] || { fail "$B/hsmcert is not built"; exit 1; }
mkdir -p "$T/man/man1" "$T/man/man5" &&
	cp "$B/man/hsmcert.1" "$T/man/man1/" && cp "$B/man/hsmcert.conf.5" "$T/man/man5/" ||
	{ fail "no man pages in $B/man"; exit 1; }
for u in hsmcert-renew.service hsmcert-renew.timer; do
	sed "s|/usr/bin/hsmcert|$B/hsmcert|g" "$TOP/conf/systemd/$u" >"$T/$u" || exit 2
done
MANPATH=$T/man systemd-analyze verify "$T/hsmcert-renew.service" "$T/hsmcert-renew.timer" >"$T/verify" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$T/verify" ]; then
	ok "systemd-analyze verify hsmcert-renew.service hsmcert-renew.timer: exit 0, no output"
else
	fail "systemd-analyze verify: exit $rc:"
	sed 's/^/#   /' "$T/verify"
fi

# key=value lines, comments dropped
has() { # FILE LINE
	if grep -qxF -- "$2" "$TOP/conf/systemd/$1"; then ok "$1: $2"; else fail "$1 lacks '$2'"; fi
}
has hsmcert-renew.service 'Type=oneshot'
has hsmcert-renew.service 'ExecStart=/usr/bin/hsmcert renew --due --pin-source file:%d/pin'
has hsmcert-renew.service 'LoadCredential=pin:/etc/hsmcert/pin'
has hsmcert-renew.service 'StateDirectory=hsmcert'
has hsmcert-renew.service 'ProtectSystem=strict'
has hsmcert-renew.service 'NoNewPrivileges=yes'
has hsmcert-renew.service 'PrivateTmp=yes'
has hsmcert-renew.service 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'
has hsmcert-renew.timer 'OnCalendar=*-*-* 00,12:00:00'
has hsmcert-renew.timer 'RandomizedDelaySec=1h'
has hsmcert-renew.timer 'Persistent=true'
# the state directory the unit opens is the one hsmcert uses by default
d=$(sed -n 's/^#define HC_CONFIG_DEFAULT_STATE_DIR "\(.*\)"$/\1/p' "$TOP/src/core/config.h")
if [ "$d" = /var/lib/hsmcert ]; then ok "StateDirectory=hsmcert is the default state-dir $d"
else fail "the default state-dir is '$d', the unit opens /var/lib/hsmcert"; fi
# the timer's calendar: twice a day
systemd-analyze calendar --iterations=3 '*-*-* 00,12:00:00' >"$T/cal" 2>&1 &&
	[ "$(grep -c ' 00:00:00 \| 12:00:00 ' "$T/cal")" -ge 3 ] &&
	ok "OnCalendar: $(grep -m1 'Next elapse' "$T/cal" | sed 's/^ *//'), then every 12 h" ||
	fail "systemd-analyze calendar:" "$(cat "$T/cal")"

[ "$fails" -eq 0 ] || { echo "check-systemd: $fails failed"; exit 1; }
echo "check-systemd: ok"
