#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-host.sh - make check-host: vtx's selftests on this machine, when it
# is a real Intel host that can run vtx (no emulator, no Bochs).
#
# usage: check-host.sh
#
# In order, stopping at the first that fails, with what to do:
#   1  vtx_info --check says this host can run vtx (Intel, VMX on, the
#      kernel has it); its report is shown either way
#   2  root (the tests load and unload vtx.ko and kvm_intel)
#   3  neither vtx nor kvm_intel loaded (the tests load each in turn)
#   4  vtx.ko built for the running kernel (make modules-host), and the
#      running kernel's kvm, kvm-intel, irqbypass and msr modules, which
#      the tests compare vtx with, copied decompressed to
#      .build/check-host/kvm
# Then kselftest's runner (run_kselftest.sh over make ksft-install's
# layout) runs every *_test, prove reads its TAP and prints each line as
# it comes, and the kernel log since the start is searched for warnings,
# BUGs and oopses. Everything goes to .build/check-host/check-host.log too.
# Ends with "N passed, N failed, N skipped" (test binaries); exit 0 when
# none failed, 1 otherwise.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/.build/check-host
PATH=$PATH:/usr/sbin:/sbin
export PATH

die() {
	echo "check-host: $*" >&2
	exit 1
}

mkdir -p "$out"
# vtx_info needs only gcc and libc6-dev; install them if that fails.
make -s host-tools >/dev/null 2>&1 || {
	scripts/deps.sh --build
	make -s host-tools >/dev/null
}
rc=0
.build/host-tools/vtx_info --check || rc=$?
[ $rc -eq 0 ] || die "this host cannot run vtx (above): nothing to test here; make check tests vtx in the emulated Intel host"

[ "$(id -u)" -eq 0 ] || die "the tests load kernel modules: sudo make check-host"
if [ -e /sys/module/kvm_intel ]; then
	die "kvm_intel is loaded, and vtx cannot load beside it; the tests load it themselves. Stop its VMs, then: modprobe -r kvm_intel kvm"
fi
[ ! -e /sys/module/vtx ] || die "vtx is loaded; the tests load it themselves: rmmod vtx"

scripts/deps.sh --host
command -v prove >/dev/null || die "no prove (package perl): apt-get install perl"
make -s modules-host ksft-install
built=$(modinfo -F vermagic vtx.ko | cut -d' ' -f1)
[ "$built" = "$(uname -r)" ] ||
	die "vtx.ko is built for $built, but this host runs $(uname -r): apt-get install linux-headers-$(uname -r)"

# copy_ko NAME PATH: the running kernel's module PATH (without .ko),
# decompressed, as NAME.ko: finit_module() takes it as it is.
kmods=/lib/modules/$(uname -r)/kernel
rm -rf "$out/kvm"
mkdir -p "$out/kvm"
copy_ko() {
	scripts/copy-ko.sh "$kmods/$2" "$out/kvm/$1.ko" ||
		die "the tests compare vtx with this kernel's kvm_intel, whose $2 is missing"
}
copy_ko irqbypass virt/lib/irqbypass
copy_ko kvm arch/x86/kvm/kvm
copy_ko kvm-intel arch/x86/kvm/kvm-intel
copy_ko msr arch/x86/kernel/msr

log=$out/check-host.log
mark="vtx check-host $$ $(date +%s)"
echo "$mark" >/dev/kmsg
rc=0
VTX_KO=$top/vtx.ko VTX_KVM_DIR=$out/kvm \
	prove -v --exec sh .build/kselftest-install/run_kselftest.sh 2>&1 |
	tee "$log" || rc=$?

# The kernel's log since the mark: any warning, BUG or oops fails the run.
dmesg | sed -n "/$mark/,\$p" >"$out/dmesg.log"
bad=$(grep -cE 'WARNING:|BUG:|Oops|general protection fault|Call Trace:' \
	"$out/dmesg.log" || :)
if [ "$bad" -ne 0 ]; then
	echo "check-host: the kernel logged $bad warnings or oopses: $out/dmesg.log"
	grep -E 'WARNING:|BUG:|Oops|general protection fault' "$out/dmesg.log" | head -n 10
fi

p=$(grep -cE '^ok [0-9]+ selftests: vtx: [a-z_]+$' "$log" || :)
s=$(grep -cE '^ok [0-9]+ selftests: vtx: [a-z_]+ # SKIP' "$log" || :)
f=$(grep -cE '^not ok [0-9]+ selftests: vtx: ' "$log" || :)
grep -q '^Result: PASS$' "$log" || [ "$f" -ne 0 ] || f=1
[ "$bad" -eq 0 ] || f=$((f + 1))
echo "logs: $log, $out/dmesg.log"
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
