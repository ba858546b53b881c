#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run vtx's KUnit suites under UML, out of tree, without modifying the
# extracted kernel source.
#
# usage: kunit.sh [--srctree DIR] [--build DIR] [--out COUNTSFILE]
#
# The build directory holds a symlink overlay of the source tree: the
# top-level Kbuild is a copy with "obj-y += vtx-kunit/" appended, and
# tools/testing/kunit/ is a real copy because kunit.py finds its tree
# through realpath(__file__). The glue directory vtx-kunit/ links the
# project's src/, include/ and kunit/, and its Kbuild is kunit/Kbuild.
# COUNTSFILE receives "P F S"; a build error, crash or zero tests is "0 1 0".
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
srctree=$top/.build/linux-source-6.1
build=$top/.build/kunit
counts=
while [ $# -gt 0 ]; do
	case $1 in
	--srctree) srctree=$(cd "$2" && pwd); shift 2 ;;
	--build) mkdir -p "$2"; build=$(cd "$2" && pwd); shift 2 ;;
	--out) counts=$2; shift 2 ;;
	*) echo "usage: kunit.sh [--srctree DIR] [--build DIR] [--out COUNTSFILE]" >&2
	   exit 2 ;;
	esac
done
tree=$build/tree
out=$build/out

# link_all SRC DST EXCEPT...: symlink every entry of SRC into DST but EXCEPT.
link_all() {
	local src=$1 dst=$2 e name skip
	shift 2
	mkdir -p "$dst"
	for e in "$src"/* "$src"/.[!.]*; do
		[ -e "$e" ] || continue
		name=${e##*/}
		skip=0
		for x in "$@"; do [ "$name" = "$x" ] && skip=1; done
		[ $skip -eq 1 ] || [ -e "$dst/$name" ] || ln -s "$e" "$dst/$name"
	done
}

if [ ! -f "$tree/.overlay-done" ]; then
	rm -rf "$tree"
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
	touch "$tree/.overlay-done"
fi

log=$build/kunit.log
rc=0
(cd "$tree" && PYTHONDONTWRITEBYTECODE=1 python3 tools/testing/kunit/kunit.py run \
	--build_dir="$out" --kunitconfig="$top/kunit/.kunitconfig" --jobs=2) \
	2>&1 | tee "$log" || rc=$?
[ "${PIPESTATUS[0]:-0}" = 0 ] || rc=1

# "Testing complete. Ran N tests: passed: P, failed: F, skipped: S";
# zero counts are left out of the line.
line=$(grep -a 'Testing complete. Ran' "$log" | tail -n 1 || true)
field() { echo "$line" | sed -n "s/.*$1: \([0-9]*\).*/\1/p"; }
p=$(field passed)
f=$(field failed)
s=$(field skipped)
p=${p:-0}
f=${f:-0}
s=${s:-0}
if [ -z "$line" ] || [ $((p + f + s)) -eq 0 ]; then
	p=0
	f=1
	s=0
	rc=1
elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1	# kunit.py failed (crash or error) although no case did
fi
[ -z "$counts" ] || echo "$p $f $s" >"$counts"
echo "kunit: $p passed, $f failed, $s skipped"
exit $rc
