#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what vtx needs from Debian's archive. Idempotent: only missing
# packages are installed, and apt-get update runs only then.
#
# usage: deps.sh [--build | --host]
#
# By default (make deps, make check, make demo): everything, the build's
# packages and the tests' (lint, KUnit, the emulated host), then Bochs 3.0
# built (scripts/bochs3.sh, for emu-run.sh --bochs 3.0) or found cached.
# --build (make load; enough for make install and make dkms-install): only
# what building vtx.ko and its host tools needs, plus the running kernel's
# headers when Debian has them. No Bochs, nothing for the tests.
# --host (make check-host): --build's, plus what the selftests need to
# build and run on the host itself: linux-source-6.1 (kselftest), rsync,
# perl (prove). Still no Bochs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

mode=all
case ${1:-} in
'') ;;
--build) mode=build ;;
--host) mode=host ;;
*)
	echo "usage: deps.sh [--build | --host]" >&2
	exit 2
	;;
esac

# Building vtx.ko: Debian's current headers, gcc, make. The host tools
# (vtx_info, vtx_demo) are static binaries (libc6-dev) built without
# kselftest. Loading and installing: kmod (insmod, modinfo, depmod);
# dkms for make dkms-install, and openssl for its module signing key.
build_pkgs="
linux-headers-amd64
gcc make libc6-dev libelf-dev xz-utils
kmod dkms openssl
"

# The selftests, on any host: kselftest's headers, lib.mk and runner,
# which Debian ships only in linux-source-6.1's tarball (the Makefile
# takes those files alone from it), rsync for lib.mk's install, perl's
# prove to read the runner's TAP.
host_pkgs="
linux-source-6.1
rsync perl
"

# The tests: perl (checkpatch.pl), sparse; flex, bison, bc and python3 for
# the KUnit UML kernel and the vmlinux extraction below.
# The emulated-host boot (scripts/emu-run.sh) uses isolinux (isolinux.bin)
# and syslinux-common (ldlinux.c32, and mboot.c32 + libcom32.c32 for the PVH
# fast path); that path's stub (scripts/pvh/) builds with plain gcc -m32
# -ffreestanding and binutils (no 32-bit libc), and python3 extracts the
# vmlinux from the bzImage.
# Bochs 3.0 (scripts/bochs3.sh, run last) builds with: g++ and make (Bochs
# itself), xz-utils and patch (the tarballs, our patch), curl (the fallback
# download from pool/), bcc and bin86 (the 16-bit part of the Bochs BIOS),
# acpica-tools (iasl, for the BIOS's ACPI DSDT: the +dfsg tarball has no
# prebuilt one) and vgabios (the LGPL VGA BIOS, not in that tarball).
test_pkgs="
perl
sparse
flex bison bc python3
bochs bochsbios vgabios
busybox-static cpio xorriso isolinux syslinux-common
kexec-tools
gnuplot-nox
g++ patch curl bcc bin86 acpica-tools
"

pkgs=$build_pkgs
[ "$mode" = build ] || pkgs="$pkgs $host_pkgs"
[ "$mode" != all ] || pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# make load and make install build for the running kernel: its headers,
# if it has none yet and Debian has them (a Debian kernel other than the
# current one). Asked again after apt-get update, which may bring them.
running_headers() {
	kver=$(uname -r)
	if [ "$mode" != all ] && [ ! -e "/lib/modules/$kver/build" ] &&
		apt-cache show "linux-headers-$kver" >/dev/null 2>&1; then
		echo " linux-headers-$kver"
	fi
}
missing="$missing$(running_headers)"

if [ -z "$missing" ]; then
	echo "deps: all installed"
else
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	else
		SUDO=
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	case $missing in
	*" linux-headers-$(uname -r)"*) ;;
	*) missing="$missing$(running_headers)" ;;
	esac
	echo "deps: installing$missing"
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

[ "$mode" != all ] || "$here/bochs3.sh"
