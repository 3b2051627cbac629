#!/bin/sh
# gen-man.sh - the man pages, generated (issue 17)
#
#   docs/gen-man.sh hsmcert.1 DUMP VERSION DATE > build/man/hsmcert.1
#   docs/gen-man.sh hsmcert.conf.5 EXAMPLE VERSION DATE > build/man/hsmcert.conf.5
#
# hsmcert.1: DUMP is the output of `hsmcert --dump-options`, the option
# tables the commands parse with and print --help from; every option and
# operand of the page comes from it. The prose is hand-written troff in
# docs/man/: hsmcert.1.head (NAME, SYNOPSIS, DESCRIPTION), cmd/CMD.man
# (one per command of the dump: missing one is an error), hsmcert.1.tail
# (EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES, SEE ALSO).
#
# hsmcert.conf.5: EXAMPLE is conf/hsmcert.conf.example, the only place
# that gives every key with its default and meaning (src/core/config.c and
# src/core/policy.c know the key names only; tests/docs/check-man.sh holds
# the page against their tables). Around it: docs/man/hsmcert.conf.5.head
# and .tail.
#
# POSIX sh and awk only.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
FRAG=$HERE/man
page=$1 src=$2 version=$3 date=$4

[ -r "$src" ] || { echo "gen-man.sh: cannot read $src" >&2; exit 1; }

# troff escapes for text from the tables: backslash, a leading . or '
TROFF_ESC='
function esc(s) {
	gsub(/\\/, "\\e", s)
	sub(/^[.\047]/, "\\\\\\&&", s)
	return s
}
function opt(s) {
	gsub(/-/, "\\-", s)
	return s
}'

case $page in
hsmcert.1)
	sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" "$FRAG/hsmcert.1.head"
	printf '.SH "GLOBAL OPTIONS"\n'
	printf 'Given before or after the command name.\n'
	printf 'A command may describe a global option in its own words (below).\n'
	awk -F '\t' "$TROFF_ESC"'
	$1 == "*" {
		printf ".TP\n\\fB%s\\fR", opt($2)
		if ($3 != "") printf " \\fI%s\\fR", esc($3)
		printf "\n%s\n", esc($4)
	}' "$src"
	printf '.SH COMMANDS\n'
	# the commands in the order of the dump (the order of --help)
	for cmd in $(awk -F '\t' '$1 != "*" && !seen[$1]++ { print $1 }' "$src"); do
		f=$FRAG/cmd/$cmd.man
		[ -r "$f" ] || { echo "gen-man.sh: no description of command '$cmd' ($f)" >&2; exit 1; }
		awk -F '\t' -v cmd="$cmd" -v frag="$f" "$TROFF_ESC"'
		function operand(s) {
			# ID, FILE: a value (italic); show, verify: a word (bold)
			return s ~ /^[A-Z]/ ? "\\fI" esc(s) "\\fR" : "\\fB" esc(s) "\\fR"
		}
		$1 == cmd && $2 !~ /^--/ {
			ops = ops (ops == "" ? "" : " | ") operand($2)
			n++
		}
		{ line[NR] = $0 }
		END {
			printf ".SS %s\n", cmd
			printf ".B hsmcert %s\n", cmd
			printf "[\\fIoptions\\fR]"
			if (ops != "") printf " %s", (n > 1 ? "{" ops "}" : ops)
			printf "\n.PP\n"
			while ((getline l < frag) > 0) print l
			for (i = 1; i <= NR; i++) {
				split(line[i], f, "\t")
				if (f[1] != cmd) continue
				printf ".TP\n"
				if (f[2] ~ /^--/) {
					printf "\\fB%s\\fR", opt(f[2])
					if (f[3] != "") printf " \\fI%s\\fR", esc(f[3])
				} else {
					printf "%s", operand(f[2])
				}
				printf "\n%s\n", esc(f[4])
			}
		}' "$src"
	done
	sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" "$FRAG/hsmcert.1.tail"
	;;
hsmcert.conf.5)
	sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" "$FRAG/hsmcert.conf.5.head"
	printf '.SH SECTIONS AND KEYS\n'
	awk "$TROFF_ESC"'
	# A paragraph of comment lines, then "# key = value": the key, its
	# meaning and default (the value shown, unless the text says
	# "Default:"). "#   key   text" lines after "# [service NAME]" or
	# "# [acme]": a key of that section. Indented lines: kept as they are.
	function flush_text(   i) {
		for (i = 1; i <= np; i++) {
			if (par[i] ~ /^  /) {
				if (!pre) { print ".nf"; pre = 1 }
				print esc(par[i])
			} else {
				if (pre) { print ".fi"; pre = 0 }
				print esc(par[i])
			}
		}
		if (pre) { print ".fi"; pre = 0 }
		np = 0
	}
	function para(s) { par[++np] = s }
	function key(k, d, v) {
		printf ".TP\n.B %s\n", k
		flush_text()
		if (d) printf "Default: %s.\n", v
	}
	function endtable() {
		if (tkey != "") {
			if (tdesc !~ /\.$/) tdesc = tdesc "."
			printf ".TP\n.B %s\n%s\n", tkey, esc(toupper(substr(tdesc, 1, 1)) substr(tdesc, 2))
			if (tdesc !~ /[Dd]efault/) print "Default: none."
			tkey = ""
		}
	}
	BEGIN { np = 0; intable = 0 }
	NR == 1, /^\[/ { if ($0 !~ /^\[/) next }
	/^\[[a-z]+\]/ {
		endtable(); flush_text(); intable = 0
		printf ".SS \"%s\"\n", $0
		next
	}
	/^$/ {
		endtable()
		if (np > 0) { print ".PP"; flush_text() }
		next
	}
	/^# \[(service NAME|acme)\] / {
		endtable(); flush_text()
		s = $2 ~ /service/ ? "[service NAME]" : "[acme]"
		printf ".SS \"%s\"\n", s
		intable = 1; inexample = 0
		sub(/^# /, ""); para($0)
		next
	}
	intable && /^# \[[a-z]+[ a-z]*\]$/ {
		# the example at the end of the block
		endtable()
		if (!inexample) { if (np > 0) { print ".PP"; flush_text() }; print ".PP\nFor example:\n.PP\n.RS\n.nf"; inexample = 1 }
		sub(/^# ?/, ""); print esc($0)
		next
	}
	intable && inexample && /^#/ {
		sub(/^# ?/, ""); print esc($0)
		if ($0 == "" ) {}
		next
	}
	intable && /^#   [a-z0-9-]+  +/ {
		endtable(); flush_text()
		tkey = $2
		t = $0; sub(/^#   [a-z0-9-]+ +/, "", t); tdesc = t
		next
	}
	intable && tkey != "" && /^#      +/ {
		t = $0; sub(/^# +/, "", t); tdesc = tdesc " " t
		next
	}
	intable && /^#/ {
		endtable()
		if (inexample) next
		t = $0; sub(/^# ?/, "", t); para(t)
		next
	}
	/^# [a-z0-9-]+ = / {
		k = $2; v = $0; sub(/^# [a-z0-9-]+ = /, "", v)
		d = 1
		for (i = 1; i <= np; i++) if (par[i] ~ /Default:/) d = 0
		key(k, d, esc(v))
		next
	}
	/^#/ { t = $0; sub(/^# ?/, "", t); para(t); next }
	END {
		endtable()
		if (inexample) print ".fi\n.RE"
		flush_text()
	}' "$src"
	sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" "$FRAG/hsmcert.conf.5.tail"
	;;
*)
	echo "gen-man.sh: unknown page $page" >&2
	exit 2
	;;
esac
