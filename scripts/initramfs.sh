#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh - build the uncompressed newc initramfs for the Bochs test bed.
#
# usage: initramfs.sh --ko VTX_KO --tests DIR --kimage KDIR --out FILE.cpio
#                     [--kdump] [--modroot DIR]
#
# Layout: /init (scripts/init.sh), /bin/busybox plus its applet symlinks,
# /lib/vtx/vtx.ko, /lib/vtx/kvm/{irqbypass,kvm,kvm-intel}.ko (from the kernel
# image that scripts/kimage.sh unpacked in KDIR/root, decompressed if
# needed), /tests/<every regular file of DIR>. The archive is built in a
# temporary directory with fixed owners, times and order, so that the same
# inputs give the same bytes.
#
# --modroot DIR adds DIR/lib/modules, a tree that make install staged
# (make modroot: updates/vtx.ko and depmod's files), as /lib/modules, its
# modules without debug info.
#
# --kdump adds what the kdump and kexec stages of /init need (scripts/init.sh,
# vtxmode=kdump|kexec): the kernel as /lib/vtx/vmlinuz and two nested
# archives, and kexec-tools' kexec with its libraries.
# /lib/vtx/crash.cpio, the crash kernel's: /init, busybox and
# /tests/vmcs_state. /lib/vtx/kexec.cpio, that of the kernel booted by
# kexec -e: /init, busybox, kexec, vtx.ko, /tests/kdump_setup, the kernel
# and crash.cpio. DIR must hold kdump_setup and vmcs_state.
set -eu

die() {
	echo "initramfs.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: initramfs.sh --ko VTX_KO --tests DIR --kimage KDIR --out FILE.cpio [--kdump] [--modroot DIR]"
}

here=$(cd "$(dirname "$0")" && pwd)
ko=''
tests=''
kimage=''
out=''
modroot=''
kdump=0
while [ $# -gt 0 ]; do
	if [ "$1" = --kdump ]; then
		kdump=1
		shift
		continue
	fi
	[ $# -ge 2 ] || usage
	case $1 in
	--ko) ko=$2 ;;
	--tests) tests=$2 ;;
	--kimage) kimage=$2 ;;
	--out) out=$2 ;;
	--modroot) modroot=$2 ;;
	*) usage ;;
	esac
	shift 2
done
if [ -z "$ko" ] || [ -z "$tests" ] || [ -z "$kimage" ] || [ -z "$out" ]; then
	usage
fi
[ -f "$ko" ] || die "no module at $ko"
[ -d "$tests" ] || die "no test directory $tests"
[ -z "$modroot" ] || [ -d "$modroot/lib/modules" ] ||
	die "no $modroot/lib/modules (make modroot)"

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

# copy_ko SRC_WITHOUT_SUFFIX DEST: the module, decompressed.
copy_ko() {
	"$here/copy-ko.sh" "$1" "$2" || die "no module $1.ko[.xz|.zst|.gz]"
}

# base ROOT: the directories, busybox with its applets, and /init.
base() {
	mkdir -p "$1"
	(
		cd "$1"
		mkdir -p bin sbin usr/bin usr/sbin dev proc sys tmp run root etc \
			lib/vtx/kvm tests
		chmod 1777 tmp
		# The kernel's built-in initramfs has these too; harmless if mknod fails.
		mknod -m 600 dev/console c 5 1 2>/dev/null || true
		mknod -m 666 dev/null c 1 3 2>/dev/null || true
	)
	cp "$busybox" "$1/bin/busybox"
	chmod 755 "$1/bin/busybox"
	"$busybox" --list-full | while read -r applet; do
		case $applet in
		bin/busybox | init | sbin/init | linuxrc | '') continue ;;
		esac
		[ -e "$1/$applet" ] || [ -L "$1/$applet" ] || ln -s /bin/busybox "$1/$applet"
	done
	cp "$here/init.sh" "$1/init"
	chmod 755 "$1/init"
}

# vtx_ko ROOT: the module under test, without debug info, which only slows
# insmod down inside the emulator.
vtx_ko() {
	cp "$ko" "$1/lib/vtx/vtx.ko"
	strip --strip-debug "$1/lib/vtx/vtx.ko"
	chmod 644 "$1/lib/vtx/vtx.ko"
}

# tool ROOT NAME: one binary of the test directory.
tool() {
	[ -f "$tests/$2" ] || die "--kdump needs $tests/$2"
	cp "$tests/$2" "$1/tests/$2"
	chmod 755 "$1/tests/$2"
}

# kexec_tools ROOT: kexec-tools' kexec and the shared libraries it needs.
# The tests use kexec_load with --no-checks: kexec_file_load would verify
# the kernel's signature and hash every segment at load, and purgatory
# would hash them again before the jump, about 50 s each under Bochs.
kexec_tools() {
	_kexec=$(command -v kexec) || die "kexec not found (package kexec-tools)"
	mkdir -p "$1/sbin"
	cp "$_kexec" "$1/sbin/kexec"
	ldd "$_kexec" | sed -n 's|.*=> \(/[^ ]*\) .*|\1|p; s|^[[:space:]]*\(/[^ ]*\) .*|\1|p' |
		while read -r _lib; do
			mkdir -p "$1$(dirname "$_lib")"
			cp -L "$_lib" "$1$_lib"
		done
}

# pack ROOT FILE: deterministic archive: fixed times, root owner, sorted names.
pack() {
	find "$1" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
	(
		cd "$1"
		find . -mindepth 1 | LC_ALL=C sort |
			cpio --quiet -o -H newc -R 0:0 --reproducible
	) >"$2"
}

root=$tmp/root
base "$root"
vtx_ko "$root"
copy_ko "$kmods/virt/lib/irqbypass" "$root/lib/vtx/kvm/irqbypass.ko"
copy_ko "$kmods/arch/x86/kvm/kvm" "$root/lib/vtx/kvm/kvm.ko"
copy_ko "$kmods/arch/x86/kvm/kvm-intel" "$root/lib/vtx/kvm/kvm-intel.ko"
copy_ko "$kmods/arch/x86/kernel/msr" "$root/lib/vtx/kvm/msr.ko"
chmod 644 "$root"/lib/vtx/kvm/*.ko

if [ -n "$modroot" ]; then
	mkdir -p "$root/lib/modules"
	cp -R "$modroot/lib/modules/." "$root/lib/modules/"
	find "$root/lib/modules" -name '*.ko' -exec strip --strip-debug {} +
fi

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

if [ "$kdump" -eq 1 ]; then
	set -- "$kimage"/root/boot/vmlinuz-*
	[ $# -eq 1 ] && [ -f "$1" ] || die "expected one kernel in $kimage/root/boot"
	vmlinuz=$1

	base "$tmp/crash"
	tool "$tmp/crash" vmcs_state
	pack "$tmp/crash" "$tmp/crash.cpio"

	base "$tmp/kexec"
	vtx_ko "$tmp/kexec"
	kexec_tools "$tmp/kexec"
	tool "$tmp/kexec" kdump_setup
	cp "$vmlinuz" "$tmp/kexec/lib/vtx/vmlinuz"
	cp "$tmp/crash.cpio" "$tmp/kexec/lib/vtx/crash.cpio"
	pack "$tmp/kexec" "$tmp/kexec.cpio"

	kexec_tools "$root"
	cp "$vmlinuz" "$root/lib/vtx/vmlinuz"
	mv "$tmp/crash.cpio" "$tmp/kexec.cpio" "$root/lib/vtx/"
fi

mkdir -p "$(dirname "$out")"
pack "$root" "$tmp/initrd.cpio"
mv "$tmp/initrd.cpio" "$out"
