#!/bin/sh
# tests/docs/check-links.sh BUILD - the repository stands on its own
# (issue 17, part 1):
#  - no file names the shared contract directory beside the clone (dot-dot
#    slash shared) or a path of the build machine's work tree;
#  - every relative link of every Markdown file ([text](path#anchor)) leads
#    to a file or directory of the repository, and an #anchor to a heading
#    of that file (GitHub's slugs);
#  - every hsmcert command line in the code blocks of docs/*.md and
#    README.md uses options that command has (hsmcert --dump-options), so
#    the user reference cannot teach an option that does not exist.
set -u
B=${1:?usage: check-links.sh BUILD}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2
T=$(mktemp -d) || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }

# the files of the repository as git sees them (tracked and new), else all
files() {
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -co --exclude-standard | while IFS= read -r f; do
			[ -f "$f" ] && printf '%s\n' "$f"
		done
	else
		find . -path ./build -prune -o -path ./build-san -prune -o -type f -print | sed 's|^\./||'
	fi
}
files >"$T/files"

# 1. nothing points outside the repository
# (spelled so that this file does not match itself)
up='\.\./shared' work="/wor""k/"
xargs -d '\n' grep -nI -e "$up" -e "$work" <"$T/files" >"$T/out" 2>/dev/null
if [ -s "$T/out" ]; then fail "paths outside the repository:"; sed 's/^/#   /' "$T/out"
else ok "no path outside the repository in $(wc -l <"$T/files") files"; fi

# 2. and 3. in python3: links and anchors, options of hsmcert command lines
"$B/hsmcert" --dump-options >"$T/dump" || { fail "hsmcert --dump-options"; exit 1; }
grep '\.md$' "$T/files" >"$T/md"
python3 - "$T/md" "$T/dump" <<'PY' || fails=$((fails + 1))
import os, re, sys

mds = [l.strip() for l in open(sys.argv[1]) if l.strip()]
fails = 0

def slug(h):
    h = re.sub(r"`", "", h.strip().lower())
    h = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", h)
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")

def anchors(path):
    out, n, fence = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        if fence:
            continue
        m = re.match(r"#{1,6} (.*)", line)
        if m:
            s = slug(m.group(1))
            k = n.get(s, 0)
            out.add(s if k == 0 else "%s-%d" % (s, k))
            n[s] = k + 1
    return out

links = 0
for md in mds:
    text = open(md, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)   # code is not links
    text = re.sub(r"`[^`\n]*`", "", text)
    for m in re.finditer(r"\]\(([^)\s]+)\)", text):
        t = m.group(1)
        if re.match(r"[a-z]+:", t):
            continue
        links += 1
        path, _, frag = t.partition("#")
        target = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
        if target.startswith(".."):
            print("not ok - %s: link %s leaves the repository" % (md, t)); fails += 1
            continue
        if not os.path.exists(target):
            print("not ok - %s: link %s: no such file %s" % (md, t, target)); fails += 1
            continue
        if frag and target.endswith(".md") and frag not in anchors(target):
            print("not ok - %s: link %s: %s has no heading #%s" % (md, t, target, frag)); fails += 1
print("ok - %d relative links in %d Markdown files checked" % (links, len(mds)) if not fails else
      "# %d broken links" % fails)

# options per command, from the tables
opts, takes = {}, {}
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    opts.setdefault(f[0], set()).add(f[1])
    takes[(f[0], f[1])] = f[2] != ""
glob = opts["*"] | {"--version", "--dump-options"}
pending = {}
cmds = set(opts) - {"*"}
bad = 0
nlines = 0
for md in [m for m in mds if m.startswith("docs/") or m == "README.md"]:
    text = open(md, encoding="utf-8").read()
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        block = re.sub(r"\\\n\s*", " ", block)
        for line in block.splitlines():
            line = re.sub(r"^\$ ", "", line.strip())
            line = re.split(r"\s#\s|\s[|>]\s|\s>|\s\|", " " + line)[0].strip()
            w = line.split()
            if not w or w[0] != "hsmcert" or len(w) < 2:
                continue
            nlines += 1
            cmd, i = None, 1
            while i < len(w):
                a = w[i].strip('"')
                if a.startswith("--"):
                    name = a.split("=")[0]
                    if name not in glob and (cmd is None or
                            (name not in opts.get(cmd, set()) and name not in pending.get(cmd, set()))):
                        print("not ok - %s: '%s': %s is not an option of hsmcert %s" % (md, line, name, cmd or "(global)"))
                        bad += 1
                    if "=" not in a and (takes.get((cmd, name)) or takes.get(("*", name))):
                        i += 1
                elif cmd is None and not a.startswith("-"):
                    if not re.match(r"[a-z]+$", a):
                        break           # a synopsis or output ("hsmcert 0.1.0")
                    cmd = a
                    if cmd not in cmds and cmd != "help":
                        print("not ok - %s: '%s': no command %s" % (md, line, cmd)); bad += 1
                i += 1
print("ok - %d hsmcert command lines in docs/ and README.md use real options" % nlines if not bad else
      "# %d bad options" % bad)
sys.exit(1 if fails or bad else 0)
PY

echo "docs-links: $fails failed"
[ "$fails" -eq 0 ]
