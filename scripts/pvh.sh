#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pvh.sh VMLINUZ OUTDIR - prepare the fast boot path of scripts/emu-run.sh.
#
# Builds (cached in OUTDIR) the two files isolinux's mboot.c32 loads instead
# of the bzImage: the Multiboot stub scripts/pvh/stub.c (OUTDIR/stub.elf)
# and the uncompressed kernel (OUTDIR/vmlinux, extracted from VMLINUZ and
# packed by scripts/pvh/vmlinux.py). The stub enters the kernel through its
# PVH entry point, which skips the bzImage's xz decompressor: under Bochs
# that saves about a minute per boot.
#
# On success prints "OUTDIR/stub.elf OUTDIR/vmlinux"; on failure prints a
# reason on stderr and exits 1, and the caller falls back to the bzImage.
set -eu

die() {
	echo "pvh.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: pvh.sh VMLINUZ OUTDIR"
here=$(cd "$(dirname "$0")" && pwd)
src=$here/pvh
vmlinuz=$1
[ -f "$vmlinuz" ] || die "$vmlinuz not found"
mkdir -p "$2"
out=$(cd "$2" && pwd)

# The stub: 32-bit, freestanding; needs no 32-bit libc.
key=$(cat "$src/stub.c" "$src/stub.lds" | cksum)
if [ ! -f "$out/stub.elf" ] || [ "$(cat "$out/stub.stamp" 2>/dev/null)" != "$key" ]; then
	rm -f "$out/stub.elf" "$out/stub.stamp"
	${CC:-gcc} -m32 -O2 -Wall -ffreestanding -nostdlib -fno-pic -fno-pie \
		-fno-stack-protector -fno-asynchronous-unwind-tables \
		-mno-sse -mno-mmx -mno-80387 -c "$src/stub.c" -o "$out/stub.o" \
		2>"$out/stub.err" || die "compiling the stub failed: $(cat "$out/stub.err")"
	ld -m elf_i386 -s -static -nostdlib --build-id=none -z noexecstack \
		-z max-page-size=0x1000 --no-warn-rwx-segments \
		-T "$src/stub.lds" "$out/stub.o" -o "$out/stub.elf.tmp" \
		2>"$out/stub.err" || die "linking the stub failed: $(cat "$out/stub.err")"
	rm -f "$out/stub.o" "$out/stub.err"
	mv "$out/stub.elf.tmp" "$out/stub.elf"
	echo "$key" >"$out/stub.stamp"
fi

# The kernel, keyed by the bzImage and the packer.
key="$(basename "$vmlinuz") $(cksum <"$vmlinuz") $(cksum <"$src/vmlinux.py")"
if [ ! -f "$out/vmlinux" ] || [ "$(cat "$out/vmlinux.stamp" 2>/dev/null)" != "$key" ]; then
	rm -f "$out/vmlinux" "$out/vmlinux.stamp"
	command -v python3 >/dev/null || die "python3 not found"
	python3 "$src/vmlinux.py" "$vmlinuz" "$out/vmlinux.tmp" ||
		die "extracting vmlinux from $vmlinuz failed"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
	echo "$key" >"$out/vmlinux.stamp"
fi
echo "$out/stub.elf $out/vmlinux"
