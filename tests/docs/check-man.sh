#!/bin/sh
# tests/docs/check-man.sh BUILD - the generated man pages against their
# sources (issue 17):
#  - man --warnings -l prints nothing for hsmcert.1 and hsmcert.conf.5
#    (a groff warning is an error), lexgrog finds each NAME section;
#  - hsmcert(1) documents exactly the options and operands of
#    `hsmcert --dump-options`, per command and for the global options
#    (both directions), checked on the rendered page for options and on
#    the troff for operands; every --option the page names anywhere (prose
#    and examples) is one of the dump;
#  - every docs/man/cmd/*.man is a command of the dump;
#  - hsmcert.conf(5) documents exactly the keys of the parser's tables
#    (src/core/config.c cfg_keys, src/core/policy.c), per section.
set -u
B=${1:?usage: check-man.sh BUILD}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2
M1=$B/man/hsmcert.1 M5=$B/man/hsmcert.conf.5
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
export LC_ALL=C.UTF-8 MANWIDTH=250

"$B/hsmcert" --dump-options >"$T/dump" || { fail "hsmcert --dump-options"; exit 1; }

for p in "$M1" "$M5"; do
	[ -s "$p" ] || { fail "$p missing"; continue; }
	man --warnings -l "$p" >/dev/null 2>"$T/warn"
	if [ -s "$T/warn" ]; then fail "man --warnings -l $p:"; sed 's/^/#   /' "$T/warn"
	else ok "man --warnings -l $p: no warning"; fi
	if lexgrog "$p" >"$T/lex" 2>&1 && grep -q ' - ' "$T/lex"; then ok "lexgrog: $(cat "$T/lex")"
	else fail "lexgrog finds no NAME in $p: $(cat "$T/lex")"; fi
done

# --- hsmcert(1): options per command, on the rendered page
# GLOBAL OPTIONS, then COMMANDS with a 3-space subsection per command and
# 7-space option tags
man -l "$M1" 2>/dev/null | awk '
	/^[A-Z]/ { sec = $0; cmd = ""; next }
	sec == "GLOBAL OPTIONS" { cmd = "*" }
	sec == "COMMANDS" && /^   [a-z]+$/ { cmd = $1; next }
	cmd != "" && /^       --[a-z0-9-]+/ { print cmd "\t" $1 }
' | sort >"$T/man-opts"
awk -F '\t' '$2 ~ /^--/ { print $1 "\t" $2 }' "$T/dump" | sort >"$T/dump-opts"
if diff "$T/dump-opts" "$T/man-opts" >"$T/d"; then
	ok "hsmcert.1: the $(wc -l <"$T/dump-opts") options of the dump, per command"
else
	fail "hsmcert.1 and --dump-options differ (< only in the dump, > only in the page):"
	sed 's/^/#   /' "$T/d"
fi

# operands, on the troff: the .TP tag that is not an option
awk '
	/^\.SH/ { sec = $0; cmd = (sec ~ /GLOBAL/) ? "*" : ""; next }
	/^\.SS/ && sec ~ /COMMANDS/ { cmd = $2; next }
	/^\.TP/ { tag = 1; next }
	tag { tag = 0; t = $0; gsub(/\\f[BIR]/, "", t); gsub(/\\-/, "-", t)
	      if (cmd != "" && t !~ /^--/) print cmd "\t" t }
' "$M1" | sort >"$T/man-operands"
awk -F '\t' '$2 !~ /^--/ { print $1 "\t" $2 }' "$T/dump" | sort >"$T/dump-operands"
if diff "$T/dump-operands" "$T/man-operands" >"$T/d"; then
	ok "hsmcert.1: the $(wc -l <"$T/dump-operands") operands of the dump"
else
	fail "hsmcert.1 operands differ from the dump:"; sed 's/^/#   /' "$T/d"
fi

# every --option named anywhere in the page is one of the dump
cut -f2 "$T/dump-opts" | sort -u >"$T/all-opts"
sed 's/\\-/-/g' "$M1" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u >"$T/named"
# besides hsmcert's own: systemctl's --now (FILES, the timer)
extra=$(comm -13 "$T/all-opts" "$T/named" | grep -vx -- '--version\|--dump-options\|--now')
if [ -z "$extra" ]; then ok "hsmcert.1 names no option the dump lacks"
else fail "hsmcert.1 names options that no command has: $extra"; fi

# a description fragment per command, none for a command that is gone
cut -f1 "$T/dump" | grep -vx '\*' | sort -u >"$T/cmds"
ls docs/man/cmd | sed 's/\.man$//' | sort >"$T/frags"
if diff "$T/cmds" "$T/frags" >"$T/d"; then ok "docs/man/cmd: one description per command"
else fail "docs/man/cmd does not match the commands:"; sed 's/^/#   /' "$T/d"; fi

# --- hsmcert.conf(5): the parser's keys, per section
{
	sed -n 's/^[[:space:]]*{ SEC_\([A-Z]*\), "\([a-z0-9-]*\)", CK_.*/\1 \2/p' src/core/config*.c |
		tr 'A-Z' 'a-z' | sed 's/^service /service NAME /'
	sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", PK_.*/policy \1/p' src/core/policy.c
} | sed 's/^\([a-z]*\) NAME/\1_NAME/' | sort >"$T/src-keys"
awk '
	/^\.SS/ { s = $0; sub(/^\.SS "\[/, "", s); sub(/\]"$/, "", s); sub(/ NAME/, "_NAME", s); next }
	/^\.SH/ { s = ""; next }
	/^\.TP/ { tag = 1; next }
	tag { tag = 0; if (s != "" && $1 == ".B") print s " " $2 }
' "$M5" | sort >"$T/man-keys"
if [ -s "$T/src-keys" ] && diff "$T/src-keys" "$T/man-keys" >"$T/d"; then
	ok "hsmcert.conf.5: the $(wc -l <"$T/src-keys") keys of the parser"
else
	fail "hsmcert.conf.5 keys differ from src/core/config.c + policy.c (< parser only, > page only):"
	sed 's/^/#   /' "$T/d"
fi
# and each key says its default
n=$(awk '/^\.TP/{k=1;next} k&&/^\.B /{k=0;key=$2;need[key]=1;next} /[Dd]efault/{if(key!="")delete need[key]} /^\.(TP|SS|SH)/{} END{for(k in need)print k}' "$M5")
if [ -z "$n" ]; then ok "hsmcert.conf.5: every key has its default"
else fail "hsmcert.conf.5: keys without a default: $n"; fi

echo "docs-man: $fails failed"
[ "$fails" -eq 0 ]
