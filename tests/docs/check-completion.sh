#!/usr/bin/env bash
# tests/docs/check-completion.sh BUILD - drive build/completion/hsmcert in
# bash as bash-completion would (COMP_WORDS, COMP_CWORD, the function that
# `complete -p hsmcert` names) and check COMPREPLY; prints a transcript.
# IDs come from a fresh SoftHSM2 token (hsm/mktoken.sh) with a file: PIN;
# with a prompt pin-source no ID is offered and nothing is asked.
set -u
B=${1:?usage: check-completion.sh BUILD}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
case $B in /*) ;; *) B=$PWD/$B ;; esac
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
export LC_ALL=C
unset HSMCERT_CONFIG

# hsmcert on PATH, as installed
mkdir -p "$T/bin" && ln -s "$B/hsmcert" "$T/bin/hsmcert"
PATH=$T/bin:$PATH
# shellcheck disable=SC1091
. "$B/completion/hsmcert"

[[ $(complete -p hsmcert) == "complete -F _hsmcert hsmcert" ]] &&
	ok "complete -p hsmcert: $(complete -p hsmcert)" ||
	fail "complete -p hsmcert: $(complete -p hsmcert 2>&1)"

# complete LINE: the words of LINE (a trailing space: an empty last word)
complete_line() {
	read -ra COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$1 COMP_POINT=${#1}
	COMPREPLY=()
	_hsmcert hsmcert "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	echo "\$ $1<TAB>  ->  ${COMPREPLY[*]}"
}
# expect LINE WORD...: COMPREPLY is exactly the WORDs
expect() {
	local line=$1 out
	shift
	out=$(complete_line "$line"; echo "#${COMPREPLY[*]}")
	echo "${out%%$'\n'#*}"
	if [[ ${out##*$'\n'#} == "$*" ]]; then ok "'$line'"; else fail "'$line' gave '${out##*$'\n'#}', not '$*'"; fi
}
# has LINE WORD...: COMPREPLY holds each WORD
has() {
	local line=$1 out w got
	shift
	out=$(complete_line "$line"; echo "#${COMPREPLY[*]}")
	echo "${out%%$'\n'#*}"
	got=" ${out##*$'\n'#} "
	for w; do [[ $got == *" $w "* ]] || { fail "'$line' lacks '$w'"; return; }; done
	ok "'$line' offers $*"
}

expect "hsmcert ex" export
expect "hsmcert --config /x.conf ex" export
expect "hsmcert en" enable
expect "hsmcert enable --serv" --services
expect "hsmcert export --le" --legacy
has "hsmcert export --" --out --password-source --legacy --cert-only --der --pem --force --config --pin-source
expect "hsmcert list --status Pe" PendingRequest
expect "hsmcert list --format " table list json
expect "hsmcert report --format " text json html
# bash splits "ec:p" at ':' (COMP_WORDBREAKS): the reply is what follows it
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
expect "hsmcert new --key ec:" p256 p384
expect "hsmcert new --key=ec:p3" p384
COMP_WORDBREAKS=$' \t\n"\'><;|&('
expect "hsmcert new --key ec:" ec:p256 ec:p384
expect "hsmcert new --key=ec:p3" --key=ec:p384
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
expect "hsmcert --pin-source f" file: fd:
expect "hsmcert audit " show verify reset
expect "hsmcert help exp" export
expect "hsmcert help export " ""

# services: the built-ins and the configuration's [service NAME]
cat >"$T/hsmcert.conf" <<CONF
[token]
pin-source = prompt
[service https]
cert-file = /tmp/x.pem
[Service postfix-relay]
reload = /bin/true
CONF
has "hsmcert --config $T/hsmcert.conf enable 4f9b38 --services " https iis smtp imap pop um postfix-relay
expect "hsmcert --config $T/hsmcert.conf enable 4f9b38 --services smtp,po" smtp,pop smtp,postfix-relay
HSMCERT_CONFIG=$T/hsmcert.conf has "hsmcert new --services=" https smtp postfix-relay

# IDs: a prompt pin-source offers none and asks nothing (no terminal, 5 s)
start=$SECONDS
expect "hsmcert --config $T/hsmcert.conf export " ""
((SECONDS - start < 5)) && ok "no prompt, no wait" || fail "the completion waited $((SECONDS - start)) s"

# a token whose PIN is in a file: its thumbprint and a pending request's key id
if "$TOP/hsm/mktoken.sh" "$T/tok" comptest >"$T/mktoken.log" 2>&1; then
	cat >"$T/tok.conf" <<CONF
[token]
module = /usr/lib/softhsm/libsofthsm2.so
label = comptest
pin-source = file:$T/tok/user.pin
softhsm2-conf = $T/tok/softhsm2.conf
[paths]
state-dir = $T/state
CONF
	hc() { "$B/hsmcert" --config "$T/tok.conf" "$@"; }
	hc new --subject CN=comp.example.com --key ec:p256 >/dev/null 2>&1
	hc request --subject CN=req.example.com --key ec:p256 --out "$T/r.csr" >/dev/null 2>&1
	tp=$(hc list --self-signed --format json | awk -F '"' '/^    "Thumbprint": "/ { print $4 }')
	kid=$(hc list --pending --format json | awk -F '"' '/^    "KeyId": "/ { print $4 }')
	if [[ -n $tp && -n $kid ]]; then
		# not without the opt-in: a tab never logs in by default
		lines=$(wc -l <"$T/state/audit.log")
		expect "hsmcert --config $T/tok.conf export " ""
		[[ $(wc -l <"$T/state/audit.log") == "$lines" ]] &&
			ok "no ID completion, no login without HSMCERT_COMPLETE_IDS=1" ||
			fail "the completion wrote to the audit log"
		export HSMCERT_COMPLETE_IDS=1
		has "hsmcert --config $T/tok.conf export " "$tp" "$kid"
		has "hsmcert --config $T/tok.conf enable " "$tp"
		expect "hsmcert --config $T/tok.conf show ${tp:0:4}" "$tp"
		unset HSMCERT_COMPLETE_IDS
	else
		fail "could not make the certificate and the request: $(hc list 2>&1)"
	fi
else
	fail "hsm/mktoken.sh: $(cat "$T/mktoken.log")"
fi

echo "docs-completion: $fails failed"
[ "$fails" -eq 0 ]
