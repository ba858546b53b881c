#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the vtx test initramfs (busybox sh), booted inside Bochs.
#
# Kernel command line:
#   vtxmode=test  (default) run every /tests/*_test in sorted order
#   vtxmode=bench run /tests/bench on /dev/vtx, then swap vtx for kvm_intel
#                 and run it on /dev/kvm (make bench); vtxbench=scale
#                 gives it the argument scale
#   vtxmode=demo  insmod vtx.ko, run /tests/vtx_info and /tests/vtx_demo,
#                 show vtx's dmesg lines
#   vtxtests=A,B  run these /tests binaries instead of every *_test
#   vtxtimeout=N  per-test bound in guest seconds (default 600)
#   vtxcpu=MODEL  the Bochs CPU model, passed to tests as VTX_CPU_MODEL
#   vtxparams=A,B vtx.ko parameters (A B): passed to tests as VTX_PARAMS,
#                 which every test's vtx_load() uses, and to the demo's insmod
#   vtxseed=S     passed to tests as SEED (vtx_fuzz's seed; make fuzz)
#   vtxduration=N passed to tests as DURATION (vtx_fuzz's seconds)
#
# The crash and kexec tests run across kernels and need an initramfs built
# with initramfs.sh --kdump, and crashkernel= on the command line:
#   vtxmode=kdump  load /lib/vtx/vmlinuz as the crash kernel with
#                  crash.cpio, run kdump_setup (VMCSs launched on CPUs 0 and
#                  1, their addresses left in the host name), then crash
#                  the kernel (sysrq c)
#   vtxmode=vmcore the crash kernel: check with vmcs_state that every VMCS
#                  in the crashed kernel's host name is clear in /proc/vmcore
#   vtxmode=kexec  load /lib/vtx/vmlinuz with kexec.cpio and vtxmode=kdump
#                  vtxkexeced=1, run kdump_setup, then kexec -e: that kernel
#                  reports that it booted, then runs the kdump stage
# One VTX-PLAN, printed by the first kernel, covers every stage; each test's
# VTX-BEGIN and VTX-END may come from different kernels.
#
# Results go to /dev/ttyS1 (Bochs com2, its own host file), framed by
# VTX-PLAN / VTX-BEGIN / VTX-END / VTX-DMESG-BEGIN / VTX-DMESG-END / VTX-DONE
# lines. If ttyS1 has no UART, they go to /dev/console (ttyS0) instead.
# Whatever happens, /init prints VTX-DONE and powers the machine off.
set -u

PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH

VTX_KO=/lib/vtx/vtx.ko
VTX_KVM_DIR=/lib/vtx/kvm

log() {
	echo "vtx-init: $*" >/dev/console 2>&1
}

setup() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
	mount -t tmpfs tmpfs /tmp 2>/dev/null || true
	echo 1 >/proc/sys/kernel/printk
}

cmdline_arg() {
	# cmdline_arg KEY DEFAULT: value of KEY=... on the kernel command line
	_v=$2
	_line=
	read -r _line </proc/cmdline || true
	for _w in $_line; do
		case $_w in
		"$1"=*) _v=${_w#*=} ;;
		esac
	done
	echo "$_v"
}

# Open the result channel as fd 3: ttyS1 if it has a real UART behind it.
open_out() {
	if ! grep -q '^1: uart:unknown' /proc/tty/driver/serial 2>/dev/null &&
		(: >/dev/ttyS1) 2>/dev/null; then
		exec 3>/dev/ttyS1
		stty -F /dev/ttyS1 115200 raw -echo 2>/dev/null || true
		log "results on ttyS1"
	else
		exec 3>/dev/console
		log "ttyS1 unusable, results on ttyS0"
	fi
}

run_tests() {
	tmo=$(cmdline_arg vtxtimeout 600)
	case $tmo in
	'' | *[!0-9]*) tmo=600 ;;
	esac

	names=
	for t in /tests/*_test; do
		[ -f "$t" ] || continue
		names="$names ${t##*/}"
	done
	sel=$(cmdline_arg vtxtests '')
	[ -z "$sel" ] || names=" $(echo "$sel" | tr ',' ' ')"
	echo "VTX-PLAN${names}" >&3

	for name in $names; do
		log "running $name"
		echo "VTX-BEGIN $name" >&3
		cd /tmp || cd /
		rc=0
		VTX_KO=$VTX_KO VTX_KVM_DIR=$VTX_KVM_DIR VTX_CPU_MODEL=$VTX_CPU_MODEL \
			VTX_PARAMS=$VTX_PARAMS SEED=$(cmdline_arg vtxseed '') \
			DURATION=$(cmdline_arg vtxduration '') \
			VTX_EXPECT_INSTALLED=$(cmdline_arg vtxmodroot 0) \
			timeout -k 10 "$tmo" "/tests/$name" </dev/null >&3 2>&3 ||
			rc=$?
		cd /
		echo "VTX-END $name rc=$rc" >&3
		log "$name rc=$rc"
	done

}

dmesg_out() {
	[ "$mode" != demo ] && [ "$mode" != bench ] || return 0
	echo "VTX-DMESG-BEGIN" >&3
	dmesg >&3 2>&3
	echo "VTX-DMESG-END" >&3
}

run_demo() {
	echo "VTX-DEMO-BEGIN" >&3
	echo "# insmod $VTX_KO $VTX_PARAMS" >&3
	rc=0
	# shellcheck disable=SC2086 # one word per parameter
	insmod "$VTX_KO" $VTX_PARAMS >&3 2>&3 || rc=$?
	echo "VTX-INSMOD rc=$rc" >&3
	if [ -x /tests/vtx_info ]; then
		echo "# /tests/vtx_info" >&3
		rc=0
		VTX_KO=$VTX_KO VTX_KVM_DIR=$VTX_KVM_DIR VTX_CPU_MODEL=$VTX_CPU_MODEL \
			timeout -k 10 600 /tests/vtx_info </dev/null >&3 2>&3 ||
			rc=$?
		echo "VTX-INFO rc=$rc" >&3
	else
		echo "# /tests/vtx_info not present" >&3
	fi
	if [ -x /tests/vtx_demo ]; then
		echo "# /tests/vtx_demo" >&3
		rc=0
		timeout -k 10 600 /tests/vtx_demo </dev/null >&3 2>&3 || rc=$?
		echo "VTX-DEMO rc=$rc" >&3
	fi
	echo "# dmesg | grep vtx" >&3
	dmesg 2>&3 | grep vtx >&3
	echo "VTX-DEMO-END" >&3
}

# The kernel command line without isolinux's words and the vtx stage words.
base_cmdline() {
	_line=
	read -r _line </proc/cmdline || true
	_out=
	for _w in $_line; do
		case $_w in
		BOOT_IMAGE=* | initrd=* | vtxmode=* | vtxkexeced=*) ;;
		*) _out="$_out $_w" ;;
		esac
	done
	echo "${_out# }"
}

# run_setup NAME: kdump_setup framed as test NAME; its VMCS addresses end up
# in /tmp/vmcs.list. Returns its exit status.
run_setup() {
	echo "VTX-BEGIN $1" >&3
	rc=0
	VTX_KO=$VTX_KO VTX_PARAMS=$VTX_PARAMS VTX_CPU_MODEL=$VTX_CPU_MODEL \
		timeout -k 10 600 /tests/kdump_setup /tmp/vmcs.list \
		</dev/null >&3 2>&3 || rc=$?
	echo "VTX-END $1 rc=$rc" >&3
	return $rc
}

# fail_test NAME WHY: end test NAME, begun in this kernel, with one failure.
fail_test() {
	echo "1..1" >&3
	echo "not ok 1 - $2" >&3
	echo "VTX-END $1 rc=1" >&3
}

# kexec_load -p|-l INITRD CMDLINE: load /lib/vtx/vmlinuz with kexec-tools,
# for a crash (-p) or for kexec -e (-l), without integrity checks (-i):
# hashing every segment at load and again in purgatory costs about 50 s
# each under Bochs. This runs before vtx is loaded and with every CPU but
# cpu0 offline, because under Bochs an idle=poll CPU takes half of the
# emulated instructions. The kdump tiers boot with maxcpus=1 for the same
# reason, so every CPU comes online here.
kexec_load() {
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -f "$c" ] && echo 0 >"$c"
	done
	_rc=0
	_t0=$(cut -d' ' -f1 /proc/uptime)
	kexec -i "$1" /lib/vtx/vmlinuz --initrd="$2" --append="$3" >&3 2>&3 || _rc=$?
	echo "# kexec $1 rc=$_rc: from $_t0 s to $(cut -d' ' -f1 /proc/uptime) s of uptime" >&3
	# With maxcpus=1 the other CPUs come up here for the first time.
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -f "$c" ] || continue
		echo 1 2>/dev/null >"$c" ||
			echo "# could not bring ${c%/online} online" >&3
	done
	return $_rc
}

# still_loaded: every PA of /tmp/vmcs.list is on a CPU's list in debugfs
# vtx/vmcs, launched; prints the count where check.sh looks for it.
still_loaded() {
	_n=0
	for _pa in $(tr ',' ' ' </tmp/vmcs.list); do
		if ! grep -q "^vmcs=0x${_pa#0x} cpu=[0-9]* launched=1\$" \
			/sys/kernel/debug/vtx/vmcs; then
			echo "# vmcs 0x${_pa#0x} is not loaded and launched before the crash" >&3
			return 1
		fi
		_n=$((_n + 1))
	done
	echo "# still loaded right before the crash: $_n" >&3
	[ "$_n" -gt 0 ]
}

# The kdump stage: crash with VMCSs loaded on every CPU. kdump_setup leaves
# their addresses in the host name, where the crash kernel finds them, so
# that the crash kernel can be loaded first. Returns only if something
# failed before the crash.
run_kdump() {
	[ "$(cmdline_arg vtxkexeced 0)" = 1 ] || echo "VTX-PLAN kdump_setup kdump_vmcore" >&3
	# One CPU and no crashkernel= in the crash kernel; its results go
	# to the same serial ports.
	cmdline=
	for _w in $(base_cmdline); do
		case $_w in
		crashkernel=* | tsc_early_khz=* | nowatchdog) ;;
		*) cmdline="$cmdline $_w" ;;
		esac
	done
	cmdline="${cmdline# } nr_cpus=1 reset_devices vtxmode=vmcore"
	log "loading the crash kernel: $cmdline"
	loaded=1
	kexec_load -p /lib/vtx/crash.cpio "$cmdline" || loaded=0

	run_setup kdump_setup || true
	echo "VTX-BEGIN kdump_vmcore" >&3
	if [ "$loaded" -eq 0 ] || [ ! -s /tmp/vmcs.list ]; then
		fail_test kdump_vmcore "no crash kernel loaded, or no VMCS recorded"
		return
	fi
	# Right before the crash, every recorded VMCS must still be on a
	# CPU's loaded list and launched: otherwise the dump would be clean
	# whether or not the crash hook works.
	if ! still_loaded; then
		fail_test kdump_vmcore "a recorded VMCS was no longer loaded before the crash"
		return
	fi
	log "crashing"
	sync
	echo c >/proc/sysrq-trigger
	fail_test kdump_vmcore "sysrq c returned"
}

# The crash kernel: every VMCS the crashed kernel had loaded must be clear.
run_vmcore() {
	rc=0
	timeout -k 10 600 /tests/vmcs_state /proc/vmcore clear \
		</dev/null >&3 2>&3 || rc=$?
	echo "VTX-END kdump_vmcore rc=$rc" >&3
}

# kexec -e with VMCSs loaded on every CPU, into a kernel that runs the
# kdump stage.
run_kexec() {
	echo "VTX-PLAN kexec_setup kexec_boot kdump_setup kdump_vmcore" >&3
	cmdline="$(base_cmdline) vtxmode=kdump vtxkexeced=1"
	log "loading the kernel for kexec -e: $cmdline"
	loaded=1
	kexec_load -l /lib/vtx/kexec.cpio "$cmdline" || loaded=0
	run_setup kexec_setup || true
	echo "VTX-BEGIN kexec_boot" >&3
	if [ "$loaded" -eq 1 ]; then
		sync
		kexec -e >&3 2>&3
	fi
	fail_test kexec_boot "kexec -e did not happen"
}

# make bench: the same workloads on /dev/vtx, then on /dev/kvm, one boot;
# vtxbench=scale runs bench's 2-CPU set (bench DEVICE NAME scale).
run_bench() {
	set -- $(cmdline_arg vtxbench '')
	echo "VTX-BENCH-BEGIN" >&3
	# shellcheck disable=SC2086 # one word per parameter
	insmod "$VTX_KO" $VTX_PARAMS >&3 2>&3 || echo "# insmod vtx failed" >&3
	timeout -k 10 1800 /tests/bench /dev/vtx vtx "$@" </dev/null >&3 2>&3 ||
		echo "# bench on vtx rc=$?" >&3
	rmmod vtx >&3 2>&3
	for m in irqbypass kvm kvm-intel; do
		insmod "$VTX_KVM_DIR/$m.ko" >&3 2>&3 || echo "# insmod $m failed" >&3
	done
	timeout -k 10 1800 /tests/bench /dev/kvm kvm "$@" </dev/null >&3 2>&3 ||
		echo "# bench on kvm rc=$?" >&3
	echo "VTX-BENCH-END" >&3
}

# First thing in the kernel that kexec -e started.
report_kexeced() {
	[ "$(cmdline_arg vtxkexeced 0)" = 1 ] || return 0
	echo "1..1" >&3
	echo "ok 1 - the kernel started by kexec -e reached /init" >&3
	echo "VTX-END kexec_boot rc=0" >&3
}

main() {
	mode=$(cmdline_arg vtxmode test)
	VTX_CPU_MODEL=$(cmdline_arg vtxcpu unknown)
	VTX_PARAMS=$(cmdline_arg vtxparams '' | tr ',' ' ')
	log "mode $mode"
	case $mode in
	demo) run_demo ;;
	bench) run_bench ;;
	kexec) run_kexec ;;
	kdump)
		report_kexeced
		run_kdump
		;;
	vmcore) run_vmcore ;;
	*) run_tests ;;
	esac
	dmesg_out
}

# Before fd 3 exists, errors go to the console.
exec 3>/dev/console
setup || log "setup failed"
open_out

# A subshell, so that a fatal shell error cannot skip VTX-DONE.
(main) || echo "VTX-ERROR init main rc=$?" >&3

echo "VTX-DONE" >&3
log "done, powering off"
sync
# Closing the last descriptor of the tty waits until its output drained.
exec 3>&-
sleep 1
poweroff -f
# Not reached unless poweroff failed; never return from init.
while :; do
	sleep 3600
done
