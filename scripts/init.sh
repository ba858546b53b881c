#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the vtx test initramfs (busybox sh), booted inside Bochs.
#
# Kernel command line:
#   vtxmode=test  (default) run every /tests/*_test in sorted order
#   vtxmode=demo  insmod vtx.ko, run /tests/vtx_info and /tests/vtx_demo,
#                 show vtx's dmesg lines
#   vtxtests=A,B  run these /tests binaries instead of every *_test
#   vtxtimeout=N  per-test bound in guest seconds (default 600)
#   vtxcpu=MODEL  the Bochs CPU model, passed to tests as VTX_CPU_MODEL
#   vtxparams=A,B vtx.ko parameters (A B): passed to tests as VTX_PARAMS,
#                 which every test's vtx_load() uses, and to the demo's insmod
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
			VTX_PARAMS=$VTX_PARAMS \
			timeout -k 10 "$tmo" "/tests/$name" </dev/null >&3 2>&3 ||
			rc=$?
		cd /
		echo "VTX-END $name rc=$rc" >&3
		log "$name rc=$rc"
	done

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

main() {
	mode=$(cmdline_arg vtxmode test)
	VTX_CPU_MODEL=$(cmdline_arg vtxcpu unknown)
	VTX_PARAMS=$(cmdline_arg vtxparams '' | tr ',' ' ')
	log "mode $mode"
	case $mode in
	demo) run_demo ;;
	*) run_tests ;;
	esac
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
