#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run vtx's KUnit suites under UML, out of tree, without modifying the
# extracted kernel source.
#
# usage: kunit.sh [--srctree DIR] [--build DIR] [--out COUNTSFILE]
#
# The build directory holds a symlink overlay of the source tree (tree/)
# and kunit.py's build output (out/). In the overlay, the top-level Kbuild
# is a copy with "obj-y += vtx-kunit/" appended, and tools/testing/kunit/
# is a real copy because kunit.py finds its tree through realpath(__file__).
# The glue directory vtx-kunit/ links the project's src/, include/ and
# kunit/, and its Kbuild is kunit/Kbuild. All objects go to out/.
# COUNTSFILE receives "P F S"; a build error, crash or zero tests is "0 1 0".
set -eu
set -o pipefail

usage() {
	echo "usage: kunit.sh [--srctree DIR] [--build DIR] [--out COUNTSFILE]" >&2
	exit 2
}

top=$(cd "$(dirname "$0")/.." && pwd)
srctree=$top/.build/linux-source-6.1
build=$top/.build/kunit
counts=
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--srctree) srctree=$2 ;;
	--build) build=$2 ;;
	--out) counts=$2 ;;
	*) usage ;;
	esac
	shift 2
done

# Until a result line has been parsed, the run counts as one failure.
[ -z "$counts" ] || echo "0 1 0" >"$counts"

if [ ! -f "$srctree/Makefile" ] || [ ! -d "$srctree/tools/testing/kunit" ]; then
	echo "kunit: $srctree is not a kernel source tree (run 'make srctree')" >&2
	exit 1
fi
srctree=$(cd "$srctree" && pwd)
mkdir -p "$build"
build=$(cd "$build" && pwd)
tree=$build/tree
out=$build/out
stamp="$srctree $top"

# One run at a time per build directory.
exec 9>"$build/.lock"
flock 9

# link_all SRC DST EXCEPT...: symlink every entry of SRC into DST but EXCEPT.
link_all() {
	local src=$1 dst=$2 e name x skip
	shift 2
	mkdir -p "$dst"
	for e in "$src"/* "$src"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		name=${e##*/}
		skip=0
		for x in "$@"; do [ "$name" = "$x" ] && skip=1; done
		[ $skip -eq 1 ] || ln -s "$e" "$dst/$name"
	done
}

# The overlay is made once per (source tree, project) pair; a .config in
# the source tree is left out. Objects built from
# another pair's files may look newer than ours, so they go too.
if [ "$(cat "$tree/.overlay-done" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$tree" "$out/vtx-kunit"
	link_all "$srctree" "$tree" Kbuild tools .config
	link_all "$srctree/tools" "$tree/tools" testing
	link_all "$srctree/tools/testing" "$tree/tools/testing" kunit
	cp -a "$srctree/tools/testing/kunit" "$tree/tools/testing/kunit"
	cp "$srctree/Kbuild" "$tree/Kbuild"
	echo 'obj-y += vtx-kunit/' >>"$tree/Kbuild"
	mkdir -p "$tree/vtx-kunit"
	for d in src include kunit; do
		ln -s "$top/$d" "$tree/vtx-kunit/$d"
	done
	ln -s "$top/kunit/Kbuild" "$tree/vtx-kunit/Kbuild"
	echo "$stamp" >"$tree/.overlay-done"
fi

log=$build/kunit.log
rc=0
(cd "$tree" && PYTHONDONTWRITEBYTECODE=1 python3 tools/testing/kunit/kunit.py run \
	--build_dir="$out" --kunitconfig="$top/kunit/.kunitconfig" --jobs=2) \
	2>&1 | tee "$log" || rc=1

# "Testing complete. Ran N tests: passed: P, failed: F, crashed: C,
# skipped: S, errors: E"; zero counts are left out of the line.
line=$(grep -a 'Testing complete. Ran' "$log" | tail -n 1 || true)
field() {
	local n
	n=$(echo "$line" | sed -n "s/.* $1: \([0-9]*\).*/\1/p")
	echo "${n:-0}"
}
p=$(field passed)
f=$(( $(field failed) + $(field crashed) ))
s=$(field skipped)
if [ -z "$line" ] || [ $((p + f + s)) -eq 0 ]; then
	p=0
	f=1
	s=0
	rc=1
elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1	# kunit.py failed (error or crash) although no case did
fi
[ -z "$counts" ] || echo "$p $f $s" >"$counts"
echo "kunit: $p passed, $f failed, $s skipped"
exit $rc
