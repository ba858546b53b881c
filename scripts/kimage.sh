#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kimage.sh OUTDIR - fetch Debian's kernel image matching linux-headers-amd64.
#
# Derives the ABI (e.g. 6.1.0-56-amd64) from the linux-headers-amd64
# dependency, downloads linux-image-<abi> into OUTDIR (cached) and unpacks it
# into OUTDIR/root (idempotent). On success prints only the vmlinuz path.
set -eu

die() {
	echo "kimage.sh: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: kimage.sh OUTDIR"
mkdir -p "$1"
out=$(cd "$1" && pwd)

abi=$(apt-cache depends linux-headers-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-headers-\([0-9][^ ]*-amd64\)$/\1/p' |
	head -n 1)
[ -n "$abi" ] || die "cannot derive the kernel ABI from linux-headers-amd64"

pkg=linux-image-$abi
set -- "$out/${pkg}"_*.deb
if [ ! -f "$1" ]; then
	(cd "$out" && apt-get download -q "$pkg" >/dev/null 2>"$out/apt.err") ||
		die "apt-get download $pkg failed: $(cat "$out/apt.err")"
	rm -f "$out/apt.err"
	set -- "$out/${pkg}"_*.deb
	[ -f "$1" ] || die "no ${pkg}_*.deb in $out after download"
fi
deb=$1

vmlinuz=$out/root/boot/vmlinuz-$abi
stamp=$out/root/.unpacked
if [ ! -f "$vmlinuz" ] || [ ! -f "$stamp" ] ||
	[ "$(cat "$stamp")" != "$(basename "$deb")" ]; then
	rm -rf "$out/root"
	mkdir -p "$out/root"
	dpkg -x "$deb" "$out/root"
	basename "$deb" >"$stamp"
fi
[ -f "$vmlinuz" ] || die "$vmlinuz missing after unpacking $deb"
echo "$vmlinuz"
