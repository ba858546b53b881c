#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh - build the uncompressed newc initramfs for the Bochs test bed.
#
# usage: initramfs.sh --ko VTX_KO --tests DIR --kimage KDIR --out FILE.cpio
#
# Layout: /init (scripts/init.sh), /bin/busybox plus its applet symlinks,
# /lib/vtx/vtx.ko, /lib/vtx/kvm/{irqbypass,kvm,kvm-intel}.ko (from the kernel
# image that scripts/kimage.sh unpacked in KDIR/root, decompressed if
# needed), /tests/<every regular file of DIR>. The archive is built in a
# temporary directory with fixed owners, times and order, so that the same
# inputs give the same bytes.
set -eu

die() {
	echo "initramfs.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: initramfs.sh --ko VTX_KO --tests DIR --kimage KDIR --out FILE.cpio"
}

here=$(cd "$(dirname "$0")" && pwd)
ko=''
tests=''
kimage=''
out=''
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--ko) ko=$2 ;;
	--tests) tests=$2 ;;
	--kimage) kimage=$2 ;;
	--out) out=$2 ;;
	*) usage ;;
	esac
	shift 2
done
if [ -z "$ko" ] || [ -z "$tests" ] || [ -z "$kimage" ] || [ -z "$out" ]; then
	usage
fi
[ -f "$ko" ] || die "no module at $ko"
[ -d "$tests" ] || die "no test directory $tests"

busybox=$(command -v busybox) || die "busybox not found (package busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked; install busybox-static"
fi

# The kernel tree that kimage.sh unpacked: exactly one lib/modules/<abi>.
set -- "$kimage"/root/lib/modules/*/kernel
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	die "expected one kernel in $kimage/root (run scripts/kimage.sh $kimage)"
fi
kmods=$1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vtx-initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
root=$tmp/root
mkdir -p "$root"

# copy_ko SRC_WITHOUT_SUFFIX DEST: take SRC.ko, SRC.ko.xz, .ko.zst or .ko.gz.
copy_ko() {
	if [ -f "$1.ko" ]; then
		cp "$1.ko" "$2"
	elif [ -f "$1.ko.xz" ]; then
		xz -dc "$1.ko.xz" >"$2"
	elif [ -f "$1.ko.zst" ]; then
		zstd -qdc "$1.ko.zst" >"$2"
	elif [ -f "$1.ko.gz" ]; then
		gzip -dc "$1.ko.gz" >"$2"
	else
		die "no module $1.ko[.xz|.zst|.gz]"
	fi
}

(
	cd "$root"
	mkdir -p bin sbin usr/bin usr/sbin dev proc sys tmp run root etc \
		lib/vtx/kvm tests
	chmod 1777 tmp
	# The kernel's built-in initramfs has these too; harmless if mknod fails.
	mknod -m 600 dev/console c 5 1 2>/dev/null || true
	mknod -m 666 dev/null c 1 3 2>/dev/null || true
)

cp "$busybox" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	case $applet in
	bin/busybox | init | sbin/init | linuxrc | '') continue ;;
	esac
	[ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"

cp "$ko" "$root/lib/vtx/vtx.ko"
copy_ko "$kmods/virt/lib/irqbypass" "$root/lib/vtx/kvm/irqbypass.ko"
copy_ko "$kmods/arch/x86/kvm/kvm" "$root/lib/vtx/kvm/kvm.ko"
copy_ko "$kmods/arch/x86/kvm/kvm-intel" "$root/lib/vtx/kvm/kvm-intel.ko"
copy_ko "$kmods/arch/x86/kernel/msr" "$root/lib/vtx/kvm/msr.ko"
# Debug info only slows insmod down inside the emulator.
strip --strip-debug "$root/lib/vtx/vtx.ko"
chmod 644 "$root"/lib/vtx/*.ko "$root"/lib/vtx/kvm/*.ko

for f in "$tests"/*; do
	[ -f "$f" ] || continue
	cp "$f" "$root/tests/"
done
for f in "$root"/tests/*; do
	[ -f "$f" ] || continue
	case $f in
	*_test) chmod 755 "$f" ;;
	esac
	if [ -x "$f" ] && ldd "$f" >/dev/null 2>&1; then
		echo "initramfs.sh: warning: ${f##*/} is dynamically linked" >&2
	fi
done

# Deterministic archive: fixed times, root owner, sorted names.
find "$root" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
mkdir -p "$(dirname "$out")"
(
	cd "$root"
	find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible
) >"$tmp/initrd.cpio"
mv "$tmp/initrd.cpio" "$out"
