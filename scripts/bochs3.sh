#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bochs3.sh - build Bochs 3.0 from Debian trixie's source package
# (bochs 3.0+dfsg-1) on Debian 12 and install it into a cache prefix, for
# scripts/emu-run.sh --bochs 3.0 (testbed.md §2b: cpu: model=sapphire_rapids
# has tertiary controls with "virtualize IA32_SPEC_CTRL", which Bochs 2.7
# lacks). Trixie's binary package needs trixie's libc; its source builds
# here.
#
# usage: bochs3.sh            (prefix: $VTX_BOCHS3_PREFIX, default below)
#
# Idempotent: the prefix holds a stamp with the version, the sha256 of our
# patch and the configure flags; when it matches, nothing is done. Otherwise:
#  1. check the build dependencies, which scripts/deps.sh installs;
#  2. download the orig and debian tarballs with apt-get source through a
#     private apt configuration (a deb-src line for trixie; the system's apt
#     state is not touched), or else straight from the archive's pool/, and
#     check both against the sha256 values below;
#  3. apply scripts/bochs/spec-ctrl-shadow.patch (see that file and
#     scripts/bochs/README), configure, make -j2, build the Bochs BIOS;
#  4. install into PREFIX.tmp, then rename it to PREFIX.
# Installed: PREFIX/bin/bochs, PREFIX/bin/bximage, PREFIX/share/bochs/
# {BIOS-bochs-latest,BIOS-bochs-legacy,VGABIOS-lgpl-latest,keymaps/}.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

version=3.0+dfsg-1
prefix=${VTX_BOCHS3_PREFIX:-/usr/local/lib/vtx/bochs-$version}
orig=bochs_3.0+dfsg.orig.tar.xz
orig_sha256=78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b
debian=bochs_3.0+dfsg-1.debian.tar.xz
debian_sha256=c68fe1162aa485249467ec93707ccbf5d039b00d12815899fc2c819ec16d00df
patchfile=$here/bochs/spec-ctrl-shadow.patch

# testbed.md §2b's configure line: monolithic (no plugins, so no libltdl),
# no sound, rfb as the display (a VNC server emu-run.sh never connects to),
# VMX level 2 and every ISA extension the sapphire_rapids model enumerates.
# Without --enable-debugger: nothing here uses it, Bochs then runs at once
# (no "c" rc file; -rc exists only in debugger builds), and the debugger
# build checks its breakpoints and guards on every instruction. Measured
# on the 1-CPU selftest suite: 171.6 s and 225.8 s with the debugger,
# 193.7 s and 182.1 s without (noise of about 20% between runs; no gain
# from keeping it). Unlike Debian's 2.7, a 3.0 build with the debugger
# has no slow SMP idle either ("sleep 5" on 2 CPUs without idle=poll:
# 5.03 s of guest time, a few seconds of wall time, both ways).
# --enable-idle-hack needs the X11 or term GUI.
configure_flags="--with-nogui --with-rfb --disable-docbook --enable-3dnow \
--enable-a20-pin --enable-all-optimizations --enable-amx --enable-avx \
--enable-cdrom --enable-cet --enable-cpu-level=6 --enable-evex --enable-fpu \
--enable-pci --enable-repeat-speedups --enable-memtype \
--enable-protection-keys --enable-smp --enable-uintr --enable-vmx=2 \
--enable-x86-64"

# Build dependencies: scripts/deps.sh installs them, and says why each.

die() {
	echo "bochs3: $*" >&2
	exit 1
}

[ -f "$patchfile" ] || die "no $patchfile"
patch_sha256=$(sha256sum "$patchfile" | cut -d' ' -f1)
stampfile=$prefix/vtx-bochs3.stamp
stamp="version $version
patch $patch_sha256
configure $configure_flags"

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

cached() {
	[ -x "$prefix/bin/bochs" ] && [ -f "$stampfile" ] &&
		[ "$(cat "$stampfile")" = "$stamp" ]
}

if cached; then
	echo "bochs3: cached at $prefix"
	exit 0
fi

# One build at a time per machine (another clone may be building it).
lock=${TMPDIR:-/tmp}/vtx-bochs3.lock
exec 9>"$lock"
if ! flock -n 9; then
	echo "bochs3: waiting for another bochs3.sh ($lock)"
	flock 9
fi
if cached; then
	echo "bochs3: cached at $prefix"
	exit 0
fi

start=$(date +%s)

# 1. Build dependencies: scripts/deps.sh installs them (its package list),
# then calls this script.
for t in g++ make xz patch curl bcc as86 iasl; do
	command -v "$t" >/dev/null || die "no $t: run scripts/deps.sh (make deps)"
done
[ -f /usr/share/vgabios/vgabios.bin ] ||
	die "no /usr/share/vgabios/vgabios.bin: run scripts/deps.sh (make deps)"

work=$(mktemp -d "${TMPDIR:-/tmp}/vtx-bochs3.XXXXXX")
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	rm -rf "$work"
	if [ -d "$prefix.tmp" ]; then $SUDO rm -rf "$prefix.tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 2. The source. The archive URI is the system's (first URIs: line of
# debian.sources), so a mirror or proxy configured there is used here too.
uri=''
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
[ -n "$uri" ] || uri=http://deb.debian.org/debian
uri=${uri%/}

# A private apt: own sources.list, lists and caches; no binary caches.
apt="$work/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$work/dl"
echo "deb-src $uri trixie main" >"$apt/sources.list"
set -- -o "Dir::Etc::sourcelist=$apt/sources.list" \
	-o Dir::Etc::sourceparts=/dev/null \
	-o "Dir::State::Lists=$apt/lists" \
	-o "Dir::Cache=$apt/cache" \
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
	-o Acquire::Languages=none

sha_ok() { # FILE SHA256
	[ -f "$work/dl/$1" ] &&
		[ "$(sha256sum "$work/dl/$1" | cut -d' ' -f1)" = "$2" ]
}

echo "bochs3: downloading bochs $version source ($uri, trixie)"
# The .dsc may answer 404 while both tarballs arrive; apt-get then fails,
# so its exit status is ignored and the checksums decide.
if apt-get "$@" update >"$work/apt.log" 2>&1; then
	(cd "$work/dl" && apt-get "$@" source --download-only "bochs=$version") \
		>>"$work/apt.log" 2>&1 || true
else
	echo "bochs3: apt-get update failed: $(tail -n 1 "$work/apt.log")"
fi
for f in "$orig:$orig_sha256" "$debian:$debian_sha256"; do
	name=${f%%:*} sum=${f#*:}
	sha_ok "$name" "$sum" && continue
	echo "bochs3: $name not from apt-get source; fetching it from $uri/pool/"
	rm -f "$work/dl/$name"
	curl -fsSL -o "$work/dl/$name" "$uri/pool/main/b/bochs/$name" ||
		die "cannot download $uri/pool/main/b/bochs/$name"
	sha_ok "$name" "$sum" || die "$name: sha256 mismatch"
done
echo "bochs3: $orig and $debian verified (sha256)"

# 3. Unpack and patch. Debian's debian/patches series is not applied: it
# changes the sample .bochsrc, the man page, the docbook build and the BIOS
# Makefile (an extra QEMU BIOS variant, a clean rule, a reproducible build
# date), none of which the emulator or BIOS-bochs-latest need. The debian
# tarball is unpacked only for debian/copyright.
tar -xJf "$work/dl/$orig" -C "$work"
tar -xJf "$work/dl/$debian" -C "$work/bochs-3.0"
src=$work/bochs-3.0
patch -p1 --forward --batch -d "$src" <"$patchfile" >"$work/patch.log" ||
	die "$patchfile does not apply: $(cat "$work/patch.log")"

echo "bochs3: configure $configure_flags"
# shellcheck disable=SC2086 # word-split on purpose
(cd "$src" && ./configure --prefix="$prefix" $configure_flags) \
	>"$work/configure.log" 2>&1 ||
	die "configure failed: $(tail -n 5 "$work/configure.log")"
grep -q '^IASL = .*iasl' "$src/bios/Makefile" ||
	die "configure found no iasl (package acpica-tools)"
echo "bochs3: make -j2"
make -C "$src" -j2 >"$work/make.log" 2>&1 ||
	die "make failed: $(tail -n 20 "$work/make.log")"
# Bochs' own BIOS from the 3.0 tree (BIOS fixes since 2.7, e.g. ACPI code
# ported from SeaBIOS); the +dfsg tarball has only its source.
make -C "$src/bios" bios >"$work/bios.log" 2>&1 ||
	die "BIOS build failed: $(tail -n 20 "$work/bios.log")"

# 4. Install into PREFIX.tmp, then rename it into place.
$SUDO rm -rf "$prefix.tmp"
$SUDO mkdir -p "$prefix.tmp/bin" "$prefix.tmp/share/bochs/keymaps" \
	"$prefix.tmp/share/doc/bochs"
$SUDO install -m 755 "$src/bochs" "$src/bximage" "$prefix.tmp/bin/"
$SUDO install -m 644 "$src/bios/BIOS-bochs-latest" \
	"$src/bios/BIOS-bochs-legacy" "$prefix.tmp/share/bochs/"
# The bookworm vgabios package (0.8a; the 0.9c of 3.0's CHANGES is not in
# the +dfsg tarball): the standard VGA variant, as Bochs 2.7 on Debian uses.
$SUDO install -m 644 /usr/share/vgabios/vgabios.bin \
	"$prefix.tmp/share/bochs/VGABIOS-lgpl-latest"
$SUDO install -m 644 "$src"/gui/keymaps/*.map "$prefix.tmp/share/bochs/keymaps/"
$SUDO install -m 644 "$src/COPYING" "$src/debian/copyright" "$patchfile" \
	"$prefix.tmp/share/doc/bochs/"
printf '%s\n' "$stamp" | $SUDO tee "$prefix.tmp/vtx-bochs3.stamp" >/dev/null
"$prefix.tmp/bin/bochs" --help cpu 2>&1 | grep -qx sapphire_rapids ||
	die "the built bochs does not run, or has no sapphire_rapids model"
$SUDO rm -rf "$prefix.old"
if [ -e "$prefix" ]; then $SUDO mv "$prefix" "$prefix.old"; fi
$SUDO mv "$prefix.tmp" "$prefix"
$SUDO rm -rf "$prefix.old"

echo "bochs3: installed at $prefix, built in $(($(date +%s) - start)) s"
