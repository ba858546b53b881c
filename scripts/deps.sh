#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what vtx's build and tests need from Debian's archive. Idempotent:
# only missing packages are installed, and apt-get update runs only then.
# Then build Bochs 3.0 (scripts/bochs3.sh, for emu-run.sh --bochs 3.0), or
# find it cached.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

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
pkgs="
linux-headers-amd64
linux-source-6.1
gcc make libc6-dev libelf-dev perl xz-utils
sparse
flex bison bc python3
bochs bochsbios vgabios
busybox-static cpio xorriso isolinux syslinux-common
kexec-tools
gnuplot-nox
g++ patch curl bcc bin86 acpica-tools
"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all installed"
else
	echo "deps: installing$missing"
	if [ "$(id -u)" -ne 0 ]; then
		SUDO=sudo
	else
		SUDO=
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

"$here/bochs3.sh"
