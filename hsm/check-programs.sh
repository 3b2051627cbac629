#!/usr/bin/env bash
# hsm/check-programs.sh - the fresh-machine promise, as far as one machine
# can prove it: every program a test, demo, benchmark or CI stage runs is
# installed by hsm/deps.sh.
#
# 1. hsm/deps.sh runs first (a fresh machine has nothing else).
# 2. Every word of the project's scripts (tests/, hsm/, bench/, .ci/,
#    Makefile and *.mk, the C tests that spawn programs), comments left out,
#    that names an executable on this machine outside the base system
#    (Essential or Priority: required packages), and every absolute /usr
#    path they name, must be listed in hsm/programs.txt.
# 3. Every listed program must exist, and `dpkg -S` must map it to a
#    package that hsm/deps.sh installs, itself or as a dependency.
# Exits 1 naming every problem.
set -euo pipefail
cd "$(dirname "$0")/.."

hsm/deps.sh

list=hsm/programs.txt
mapfile -t listed < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$list" | grep -v '^!' | awk 'NF { print $1 }')
mapfile -t ignored < <(sed -n 's/^!\([^[:space:]#]*\).*/\1/p' "$list")
declare -A in_list=() is_ignored=()
for p in "${listed[@]}"; do in_list[$p]=1; in_list[$(basename "$p")]=1; done
for p in "${ignored[@]}"; do is_ignored[$p]=1; done

# the packages deps.sh installs, with their dependency closure
deps_pkgs=$(sed -n '/^PKGS="/,/"$/p' hsm/deps.sh | tr -d '"' | sed 's/^PKGS=//' | tr -s ' \n' '\n' | grep -v '^$')
declare -A installed_by_deps=()
while read -r p; do
	p=${p%%:*}
	[ -n "$p" ] && installed_by_deps[$p]=1
done < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances $deps_pkgs 2>/dev/null |
	sed -n -e 's/^  *\(Pre\)\{0,1\}Depends: <\{0,1\}\([^ >]*\)>\{0,1\}$/\2/p' -e 's/^\([a-z0-9][^ ]*\)$/\1/p')

# the package that owns a path (dpkg knows /usr-merged paths either way)
owner() {
	local f=$1 r
	r=$(readlink -f "$f")
	local p
	for p in "$f" "$r" "${r#/usr}" "/usr$r"; do
		# "diversion by dash from: /bin/sh" lines name no owner
		dpkg -S "$p" 2>/dev/null | grep -v '^diversion by' | head -n1 | cut -d: -f1 | grep . && return 0
	done
	return 1
}

base_pkg() {
	local info
	info=$(dpkg-query -W -f='${Essential} ${Priority}' "$1" 2>/dev/null) || return 1
	case $info in yes*|*required) return 0 ;; esac
	return 1
}

problems=0
problem() { echo "check-programs: $*" >&2; problems=$((problems + 1)); }

files=$(find tests hsm bench .ci Makefile -type f \( -name '*.sh' -o -name '*.mk' \
	-o -name Makefile -o -name run -o -path 'tests/common/*.c' -o -path 'tests/token/*.c' \
	-o -path 'bench/*.c' \) -not -path 'hsm/token/*' -not -path '*/corpus/*' 2>/dev/null | sort -u)

declare -A seen=()
for f in $files; do
	[ -f "$f" ] || continue
	# comments out (shell/make '#', C '//' and '/* */' lines), words split
	while read -r w; do
		[ -n "$w" ] && [ -z "${seen[$w]:-}" ] || continue
		seen[$w]=$f
	done < <(sed -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]#[^"'\'']*$//' \
			-e 's,^[[:space:]]*\(/\*\|\*\|//\).*,,' "$f" |
		grep -oE '(/usr)?/(s?bin|lib)/[A-Za-z0-9_./+-]+|[A-Za-z0-9][A-Za-z0-9_.+-]*' |
		sed 's/[.]$//')
done

for w in "${!seen[@]}"; do
	[ -n "${is_ignored[$w]:-}" ] && continue
	case $w in
	/*)
		[ -e "$w" ] || continue
		[ -n "${in_list[$w]:-}" ] && continue
		pkg=$(owner "$w") || continue
		base_pkg "$pkg" && continue
		problem "${seen[$w]} uses $w (package $pkg), which hsm/programs.txt does not list"
		;;
	*)
		path=$(type -P -- "$w" 2>/dev/null) || continue
		[ -n "${in_list[$w]:-}" ] && continue
		pkg=$(owner "$path") || continue
		base_pkg "$pkg" && continue
		problem "${seen[$w]} mentions $w ($path, package $pkg), which hsm/programs.txt does not list (list it, or mark it !$w if it is not run)"
		;;
	esac
done

n=0
for p in "${listed[@]}"; do
	n=$((n + 1))
	case $p in
	/*) path=$p ;;
	*)
		# Debian's own first: a PATH may put another python3 first
		path=""
		for d in /usr/bin /usr/sbin /bin /sbin; do
			[ -x "$d/$p" ] && { path=$d/$p; break; }
		done
		[ -n "$path" ] || path=$(type -P -- "$p" 2>/dev/null) ||
			{ problem "$p is listed but not installed after hsm/deps.sh"; continue; }
		;;
	esac
	[ -e "$path" ] || { problem "$p is listed but not installed after hsm/deps.sh"; continue; }
	pkg=$(owner "$path") || { problem "$p ($path) belongs to no Debian package"; continue; }
	if [ -z "${installed_by_deps[$pkg]:-}" ] && ! base_pkg "$pkg"; then
		problem "$p comes from package $pkg, which hsm/deps.sh does not install"
	fi
	printf '  %-58s %s\n' "$p" "$pkg"
done

if [ "$problems" -gt 0 ]; then
	echo "check-programs: $problems problem(s)" >&2
	exit 1
fi
echo "check-programs: $n programs, each installed by hsm/deps.sh"
