#!/bin/sh
# tests/docs/check-deb.sh BUILD [DEB] - the Debian package on this machine
# (issue 17): make deb (or DEB as given), dpkg -i, then what an
# administrator meets: hsmcert --version, man -w hsmcert and
# hsmcert.conf(5), the completion in a bash that sources it, the conffile,
# the renewal timer installed but not enabled; dpkg -L recorded; then
# dpkg --purge and nothing of the package left: every path dpkg -L listed
# is gone but the shared directories (/usr/bin, /usr/share/man/man1...),
# /etc/hsmcert too. Root only (dpkg -i): otherwise it says so and skips.
set -u
B=${1:?usage: check-deb.sh BUILD [DEB]}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2
if [ "$(id -u)" -ne 0 ]; then
	echo "check-deb: skipped: dpkg -i and dpkg --purge need root (run make check-deb as root)"
	exit 0
fi
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT

if dpkg-query -W -f='${Status}' hsmcert 2>/dev/null | grep -q 'installed'; then
	echo "check-deb: skipped: the hsmcert package is installed here already; this test would purge it"
	exit 0
fi
if [ -e /etc/hsmcert ]; then
	echo "check-deb: skipped: /etc/hsmcert exists (a configuration not from the package): not touched"
	exit 0
fi

deb=${2:-}
if [ -z "$deb" ]; then
	start=$(date +%s)
	make --no-print-directory -s deb >"$T/make.log" 2>&1 || { fail "make deb:"; cat "$T/make.log"; exit 1; }
	deb=$(ls "$B"/deb/hsmcert_*_*.deb)
	ok "make deb: $deb in $(($(date +%s) - start)) s, lintian: $(grep -c '^[EW]:' "$T/make.log") errors or warnings"
	grep '^[EWIN]:' "$T/make.log" | sed 's/^/#   /'
fi
[ -f "$deb" ] || { fail "no .deb ($deb)"; exit 1; }

echo "# dpkg -i $deb"
dpkg -i "$deb" >"$T/dpkg-i" 2>&1 && ok "dpkg -i" || { fail "dpkg -i:"; cat "$T/dpkg-i"; exit 1; }
sed 's/^/#   /' "$T/dpkg-i"
dpkg -L hsmcert | sort >"$T/list"
echo "# dpkg -L hsmcert:"; sed 's/^/#   /' "$T/list"
conf=$(dpkg-query -W -f='${Conffiles}' hsmcert)
echo "$conf" | grep -q '^ /etc/hsmcert/hsmcert.conf [0-9a-f]' &&
	[ "$(echo "$conf" | grep -c .)" = 1 ] &&
	ok "one conffile: /etc/hsmcert/hsmcert.conf" || fail "conffiles: $conf"

v=$(/usr/bin/hsmcert --version 2>&1); rc=$?
echo "$v" | sed 's/^/#   /'
[ $rc -eq 0 ] && echo "$v" | head -n 1 | grep -q '^hsmcert [0-9]' &&
	echo "$v" | grep -q '^OpenSSL ' && echo "$v" | grep -q '^PKCS#11 module ' &&
	ok "hsmcert --version: hsmcert, OpenSSL and the module lines (exit 0)" || fail "hsmcert --version (exit $rc)"
m=$(man -w hsmcert 2>&1)
[ "$m" = /usr/share/man/man1/hsmcert.1.gz ] && ok "man -w hsmcert: $m" || fail "man -w hsmcert: $m"
m=$(man -w 5 hsmcert.conf 2>&1)
[ "$m" = /usr/share/man/man5/hsmcert.conf.5.gz ] && ok "man -w 5 hsmcert.conf: $m" || fail "man -w 5 hsmcert.conf: $m"
w=$(man --warnings hsmcert 2>&1 >/dev/null)
[ -z "$w" ] && ok "man --warnings hsmcert: nothing" || fail "man --warnings hsmcert: $w"
c=$(bash -c '. /usr/share/bash-completion/completions/hsmcert && complete -p hsmcert' 2>&1)
[ "$c" = "complete -F _hsmcert hsmcert" ] && ok "the completion loads: $c" || fail "completion: $c"
c=$(bash -c '. /usr/share/bash-completion/completions/hsmcert
	COMP_WORDS=(hsmcert ex); COMP_CWORD=1; COMP_LINE="hsmcert ex"; COMP_POINT=10
	_hsmcert hsmcert ex hsmcert; echo "${COMPREPLY[*]}"' 2>&1)
[ "$c" = export ] && ok "hsmcert ex<TAB> -> $c" || fail "hsmcert ex<TAB> -> $c"
# the renewal units, where the tree has them: installed, never enabled
for u in $(grep -E '^/lib/systemd/system/.*\.(service|timer)$' "$T/list"); do
	n=${u##*/}
	if [ -e "/etc/systemd/system/timers.target.wants/$n" ] ||
	   [ -e "/etc/systemd/system/multi-user.target.wants/$n" ]; then
		fail "$n is enabled after dpkg -i"
	else
		ok "$n installed, not enabled (systemctl enable --now hsmcert-renew.timer)"
	fi
done

echo "# dpkg --purge hsmcert"
dpkg --purge hsmcert >"$T/purge" 2>&1 && ok "dpkg --purge" || { fail "dpkg --purge:"; cat "$T/purge"; }
sed 's/^/#   /' "$T/purge"
# every file and every directory of its own (named hsmcert) is gone;
# directories other packages share (/usr/bin, /usr/share/man/man1) stay
left=$(while read -r p; do
	[ -d "$p" ] && [ -n "${p##*hsmcert*}" ] && continue
	[ "$p" = /. ] && continue
	echo "$p"
done <"$T/list" | xargs -r find 2>/dev/null)
echo "# find over the paths dpkg -L listed, after the purge:${left:- nothing}"
[ -z "$left" ] && ok "nothing of the package left" || fail "left after purge: $left"
[ ! -e /etc/hsmcert ] && ok "/etc/hsmcert gone" || fail "/etc/hsmcert still there: $(ls -la /etc/hsmcert)"
dpkg-query -W -f='${Status}\n' hsmcert 2>&1 | grep -q 'installed' && fail "dpkg still knows hsmcert" ||
	ok "dpkg-query: $(dpkg-query -W -f='${Status}' hsmcert 2>&1 | head -n 1)"

echo "docs-deb: $fails failed"
[ "$fails" -eq 0 ]
