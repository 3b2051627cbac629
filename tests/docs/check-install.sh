#!/bin/sh
# tests/docs/check-install.sh BUILD - make install into a temporary
# DESTDIR, twice (the second keeps the configuration an administrator
# changed), then make uninstall; lists what each step leaves.
#  - install puts exactly the expected files: the binary, hsmcert.1.gz and
#    hsmcert.conf.5.gz (gzip -9n, man -l reads them), the completion, the
#    nginx helper, the examples (nginx site, OpenSSL engine configuration,
#    a plan), the systemd units that conf/systemd holds (ExecStart pointing
#    at the installed binary), the example and hsmcert.conf (a copy of it);
#  - a second install never overwrites hsmcert.conf;
#  - uninstall removes all of it but an hsmcert.conf that differs from the
#    example; with an unchanged one nothing at all remains.
set -u
B=${1:?usage: check-install.sh BUILD}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
D=$T/dest
M="make --no-print-directory -s PREFIX=/usr/local SYSCONFDIR=/etc DESTDIR=$D"
[ "$B" = build-san ] && M="$M SAN=1"
files() { (cd "$D" 2>/dev/null && find . ! -type d | sort); }

$M install >"$T/log1" 2>&1 || { fail "make install:"; cat "$T/log1"; }
echo "# after make install:"; files | sed 's/^/#   /'
{
	cat <<'W'
./etc/hsmcert/hsmcert.conf
./etc/hsmcert/hsmcert.conf.example
./usr/local/bin/hsmcert
./usr/local/lib/hsmcert/hsmcert-nginx-reload
./usr/local/share/bash-completion/completions/hsmcert
./usr/local/share/hsmcert/examples/hsmcert-site.conf
./usr/local/share/hsmcert/examples/openssl-pkcs11.cnf
./usr/local/share/hsmcert/examples/plan.example
./usr/local/share/man/man1/hsmcert.1.gz
./usr/local/share/man/man5/hsmcert.conf.5.gz
W
	# the systemd units of conf/systemd, whichever exist
	for u in conf/systemd/*.service conf/systemd/*.timer; do
		[ -f "$u" ] && echo "./lib/systemd/system/${u##*/}"
	done
} | sort >"$T/want"
files | diff "$T/want" - >"$T/d" && ok "install: the $(wc -l <"$T/want") files expected" || { fail "install put (< expected, > installed):"; cat "$T/d"; }
for u in "$D"/lib/systemd/system/*; do
	[ -f "$u" ] || continue
	if grep -q '^ExecStart=' "$u" && ! grep -q '^ExecStart=/usr/local/bin/hsmcert ' "$u"; then
		fail "${u##*/}: ExecStart does not run the installed /usr/local/bin/hsmcert: $(grep '^ExecStart=' "$u")"
	else
		ok "${u##*/} installed, $(grep '^ExecStart=' "$u" || echo 'no ExecStart'), mode $(stat -c %a "$u")"
	fi
done
[ "$(stat -c %a "$D/usr/local/lib/hsmcert/hsmcert-nginx-reload")" = 755 ] &&
	[ "$(stat -c %a "$D/usr/local/share/hsmcert/examples/openssl-pkcs11.cnf")" = 644 ] &&
	ok "the nginx helper is executable, the examples are 0644" || fail "modes of the nginx helper or examples"
cmp -s "$D/etc/hsmcert/hsmcert.conf" conf/hsmcert.conf.example && ok "hsmcert.conf is the example" || fail "hsmcert.conf is not the example"
v=$("$D/usr/local/bin/hsmcert" --version)
echo "$v" | sed 's/^/#   /'
echo "$v" | grep -q "^OpenSSL $(openssl version | cut -d' ' -f2) " &&
	ok "the installed hsmcert --version names the OpenSSL it runs with" || fail "hsmcert --version: $v"
for p in man1/hsmcert.1.gz man5/hsmcert.conf.5.gz; do
	gzip -t "$D/usr/local/share/man/$p" && [ -z "$(man --warnings -l "$D/usr/local/share/man/$p" 2>&1 >/dev/null)" ] &&
		ok "$p: gzip, no man warning" || fail "$p"
done
MANPATH=$D/usr/local/share/man man -w hsmcert >/dev/null 2>&1 && ok "man -w hsmcert finds it under the MANPATH" || fail "man -w"

# the administrator edits the configuration; install again
echo "# admin's change" >>"$D/etc/hsmcert/hsmcert.conf"
cp "$D/etc/hsmcert/hsmcert.conf" "$T/edited"
$M install >"$T/log2" 2>&1 || { fail "second make install:"; cat "$T/log2"; }
cmp -s "$D/etc/hsmcert/hsmcert.conf" "$T/edited" && ok "a second install keeps the edited hsmcert.conf ($(grep -o 'exists: kept' "$T/log2"))" ||
	fail "the second install overwrote hsmcert.conf"

$M uninstall >"$T/log3" 2>&1 || { fail "make uninstall:"; cat "$T/log3"; }
echo "# after make uninstall:"; files | sed 's/^/#   /'
[ "$(files)" = "./etc/hsmcert/hsmcert.conf" ] && ok "uninstall leaves the edited hsmcert.conf only" ||
	fail "uninstall left: $(files)"

# an unchanged configuration goes with the rest: nothing remains
rm -rf "$D"
$M install >/dev/null 2>&1 && $M uninstall >/dev/null 2>&1
left=$(cd "$D" && find . -mindepth 1 ! -type d)
[ -z "$left" ] && ok "install + uninstall with the example configuration: no file remains" ||
	fail "left: $left"
# and no directory of hsmcert's own (shared ones such as bin/ and man1/ stay)
left=$(cd "$D" && find . -mindepth 1 -type d -name '*hsmcert*')
[ -z "$left" ] && ok "no hsmcert directory remains (etc/hsmcert, lib/hsmcert, share/hsmcert)" ||
	fail "directories left: $left"

echo "docs-install: $fails failed"
[ "$fails" -eq 0 ]
