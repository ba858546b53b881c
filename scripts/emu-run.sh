#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# emu-run.sh - boot Debian's kernel in Bochs (emulated VT-x host) and run the
# vtx selftests, or the demo, inside it.
#
# usage: emu-run.sh --ko PATH --tests DIR --kimage DIR --cpus 1|2 --out DIR
#                   [--mode test|demo|kdump|kexec] [--timeout SECS] [--name LABEL]
#                   [--megs N] [--append "ARGS"] [--model BOCHS_CPU_MODEL]
#                   [--msrs FILE] [--boot pvh|bzimage] [--bochs 2.7|3.0]
#                   [--modroot DIR]
#
#   --ko       the vtx.ko to test (copied to /lib/vtx/vtx.ko)
#   --modroot  a tree make install staged (make modroot), whose lib/modules
#              becomes the host's /lib/modules: modprobe vtx loads it
#              (vtxmodroot=1 tells the tests to expect it)
#   --tests    directory of static binaries; *_test are run, others copied
#   --kimage   cache directory of scripts/kimage.sh (run here, cached)
#   --cpus     emulated CPUs, 1 or 2
#   --out      directory for every artefact: bochsrc, bochs.rc, initrd.cpio,
#              vtx.iso, console.log (ttyS0), results.log (ttyS1), bochs.log,
#              bochs.out (Bochs' own stdout/stderr), counts ("P F S"),
#              timeline.log (both serial logs, each line stamped with the
#              second it arrived, for timing the stages)
#   --mode     test (default), demo, bench (out/bench.log), or the
#              cross-kernel tests of
#              scripts/init.sh: kdump (crash with VMCSs loaded, check them
#              in the crash kernel) or kexec (kexec -e with VMCSs loaded,
#              then kdump); these build the initramfs with --kdump, and need
#              --megs 1024 and crashkernel=256M in --append
#   --timeout  host-side bound of the Bochs run (default 1200 s for 1 CPU,
#              1500 s for 2 CPUs)
#   --name     label of the output lines (default 1cpu / 2cpu)
#   --megs     guest RAM in MB (default 512)
#   --append   extra kernel command line arguments (e.g. vtxtimeout=N)
#   TESTS      (environment) a_test,b_test: a test boot runs only those,
#              unless --append names its own vtxtests=
# While Bochs runs, each test's TAP line is printed on stderr as it comes,
# as "[name] + ok 3 test.case"; the full results follow at the end.
#   --model    Bochs CPU model (default corei7_skylake_x); the tests see it
#              as VTX_CPU_MODEL. sapphire_rapids (Bochs 3.0 only) gets
#              clearcpuid=amx_tile,amx_bf16,amx_int8 on the kernel command
#              line (see below), and wants --msrs as icelake does
#   --msrs     a Bochs MSR definition file for the cpu: line (msrs=), e.g.
#              scripts/bochs-msrs.def, which icelake-class models need
#   --boot     pvh (default; or the environment's VTX_BOOT): isolinux's
#              mboot.c32 loads scripts/pvh/stub.c, which starts the
#              uncompressed vmlinux through its PVH entry point (no xz
#              decompressor under emulation: about a minute faster per
#              boot; built and cached by scripts/pvh.sh, and if that fails
#              the run falls back to the bzImage); bzimage: isolinux boots
#              the bzImage itself. The kernel command line is the same
#              either way (isolinux adds BOOT_IMAGE= and initrd= to the
#              bzImage's). Kexec inside the guest always uses the bzImage.
#   --bochs    3.0 (default; or the environment's VTX_BOCHS): the Bochs
#              built by scripts/bochs3.sh (make deps) in $VTX_BOCHS3_PREFIX
#              (default /usr/local/lib/vtx/bochs-3.0+dfsg-1), with the ROMs
#              installed there, no debugger and no sound: its bochsrc has
#              no sound: line (without sound support Bochs 3.0 PANICs on
#              it); 2 CPUs boot with idle=poll either way (see below).
#              2.7: Debian 12's bochs-bin, with the ROMs of its bochsbios
#              and vgabios packages, run with bochs.rc ("c": its debugger
#              stops at the first instruction); 2.4 times slower on the
#              same suite, and without the sapphire_rapids model
#
# Test mode prints every test's TAP output prefixed with "[LABEL] " and ends
# with "LABEL: P passed, F failed, S skipped"; exit 0 if nothing failed.
# Demo mode prints the demo output; exit 0 if the guest reached VTX-DONE.
# Bochs is stopped early once the guest printed VTX-DONE (and did not power
# off by itself), after a kernel panic, or after a triple-fault reset.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "emu-run.sh: $*" >&2
	exit 2
}

usage() {
	die "usage: emu-run.sh --ko PATH --tests DIR --kimage DIR --cpus 1|2 --out DIR [--mode test|demo] [--timeout SECS] [--name LABEL] [--megs N] [--append ARGS] [--model M] [--msrs FILE] [--boot pvh|bzimage] [--bochs 2.7|3.0] [--modroot DIR]"
}

ko=''
tests=''
kimage=''
cpus=1
out=''
mode='test'
tmo=''
name=''
megs=512
append=''
model=corei7_skylake_x
msrs=''
boot=${VTX_BOOT:-pvh}
bochs=${VTX_BOCHS:-3.0}
modroot=''
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--ko) ko=$2 ;;
	--tests) tests=$2 ;;
	--kimage) kimage=$2 ;;
	--cpus) cpus=$2 ;;
	--out) out=$2 ;;
	--mode) mode=$2 ;;
	--timeout) tmo=$2 ;;
	--name) name=$2 ;;
	--megs) megs=$2 ;;
	--append) append=$2 ;;
	--model) model=$2 ;;
	--msrs) msrs=$2 ;;
	--boot) boot=$2 ;;
	--bochs) bochs=$2 ;;
	--modroot) modroot=$2 ;;
	*) usage ;;
	esac
	shift 2
done
if [ -z "$ko" ] || [ -z "$tests" ] || [ -z "$kimage" ] || [ -z "$out" ]; then
	usage
fi
case $cpus in
1) cpucount="count=1" ;;
2) cpucount="count=2, quantum=16" ;;
*) die "--cpus must be 1 or 2" ;;
esac
case $mode in
test | demo | bench) ;;
kdump | kexec) ;;
*) die "--mode must be test, demo, bench, kdump or kexec" ;;
esac
case $boot in
pvh | bzimage) ;;
*) die "--boot must be pvh or bzimage" ;;
esac
if [ -z "$tmo" ]; then
	if [ "$cpus" -eq 2 ]; then tmo=1500; else tmo=1200; fi
fi
case $tmo$megs in
*[!0-9]*) die "--timeout and --megs take whole numbers" ;;
esac
[ -n "$name" ] || name=${cpus}cpu
case $bochs in
2.7)
	bochs_bin=$(command -v bochs-bin) || die "bochs-bin not found (package bochs)"
	bxshare=/usr/share/bochs
	;;
3.0)
	bochs3=${VTX_BOCHS3_PREFIX:-/usr/local/lib/vtx/bochs-3.0+dfsg-1}
	bochs_bin=$bochs3/bin/bochs
	bxshare=$bochs3/share/bochs
	[ -x "$bochs_bin" ] || die "no $bochs_bin: run scripts/bochs3.sh (make deps)"
	;;
*) die "--bochs must be 2.7 or 3.0" ;;
esac
[ -f /usr/lib/ISOLINUX/isolinux.bin ] || die "isolinux.bin not found (package isolinux)"
# Bochs runs in --out, and silently goes on without an msrs= file it cannot
# open: make the path absolute.
if [ -n "$msrs" ]; then
	[ -f "$msrs" ] || die "no MSR file $msrs"
	msrs=$(cd "$(dirname "$msrs")" && pwd)/$(basename "$msrs")
	case $msrs in
	*[[:space:],\"\'\|]*) die "the --msrs path must not contain blanks, commas, quotes or |" ;;
	esac
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out in
*[[:space:],\"\']*) die "the --out path must not contain blanks, commas or quotes" ;;
esac

# 1. Kernel, initramfs, ISO.
vmlinuz=$("$here/kimage.sh" "$kimage")
kdump_flag=''
case $mode in
kdump | kexec) kdump_flag=--kdump ;;
esac
# shellcheck disable=SC2086 # empty or one word
"$here/initramfs.sh" --ko "$ko" --tests "$tests" --kimage "$kimage" \
	--out "$out/initrd.cpio" $kdump_flag ${modroot:+--modroot "$modroot"}

cmdline="console=ttyS0,115200 nokaslr tsc=reliable no_timer_check vtxmode=$mode vtxcpu=$model"
# 2 CPUs: Debian's bochs-bin has its debugger compiled in, and its SMP
# "continue" loop advances emulated time by only 1 tick per round while all
# CPUs are halted (the bochsrc quantum does not apply there), so guest idle
# time is extremely slow: "sleep 1" took 74 s of wall time even with
# tsc_early_khz. idle=poll keeps both CPUs executing: "sleep 1" takes 1.1 s
# and the whole run about half the time.
# Bochs 3.0 does not have that slowness (measured, 2 CPUs, no idle=poll:
# "sleep 1" then "sleep 5", 6.06 s of guest time, took 4 s of wall time,
# and the boot to /init 17 s; with idle=poll 3 s and 22 s), but without
# idle=poll one 2-CPU run in three lost a wakeup: a test waited, both CPUs
# halted, until the harness killed it (30 s of guest time in 7 s of wall
# time). It keeps idle=poll too: the suite takes 146 s instead of 106 to
# 135 s, and no CPU ever halts.
if [ "$cpus" -ne 1 ]; then
	cmdline="$cmdline tsc_early_khz=50000 nowatchdog idle=poll"
fi
# sapphire_rapids enumerates AMX, and Debian's 6.1 then sets XCR0 with the
# AMX TILECFG bit but, as Bochs reports the state, without TILEDATA:
# XSETBV faults at boot. Hide AMX from the kernel.
[ "$model" != sapphire_rapids ] ||
	cmdline="$cmdline clearcpuid=amx_tile,amx_bf16,amx_int8"
# Tell the tests that vtx is installed, so that a staging that went
# wrong fails modprobe_test instead of skipping it.
[ -z "$modroot" ] || cmdline="$cmdline vtxmodroot=1"
[ -z "$append" ] || cmdline="$cmdline $append"
# TESTS=a_test,b_test (make check TESTS=...): only those, in a test boot
# that does not choose its own.
if [ -n "${TESTS:-}" ] && [ "$mode" = test ]; then
	case " $append" in
	*" vtxtests="*) ;;
	*) cmdline="$cmdline vtxtests=$TESTS" ;;
	esac
fi

iso=$(mktemp -d "${TMPDIR:-/tmp}/vtx-iso.XXXXXX")
bochs_pid=''
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	if [ -n "$bochs_pid" ]; then
		kill "$bochs_pid" 2>/dev/null || true
		wait "$bochs_pid" 2>/dev/null || true
	fi
	rm -rf "$iso"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The fast path (--boot pvh): the stub and the uncompressed kernel.
c32=/usr/lib/syslinux/modules/bios
pvh=''
if [ "$boot" = pvh ]; then
	pvh=$kimage/pvh
	if [ ! -f "$c32/mboot.c32" ] || [ ! -f "$c32/libcom32.c32" ]; then
		echo "[$name] no $c32/mboot.c32 (package syslinux-common): booting the bzImage"
		pvh=''
	elif "$here/pvh.sh" "$vmlinuz" "$pvh" >/dev/null 2>"$out/pvh.err"; then
		rm -f "$out/pvh.err"
	else
		pvh=''
		echo "[$name] PVH boot unavailable ($(tail -n 1 "$out/pvh.err")): booting the bzImage"
	fi
fi

mkdir -p "$iso/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin "$iso/isolinux/"
cp "$c32/ldlinux.c32" "$iso/isolinux/"
cp "$out/initrd.cpio" "$iso/initrd"
if [ -n "$pvh" ]; then
	# mboot.c32 STUB ARGS --- MODULE0 --- MODULE1: the stub passes its
	# arguments on as the kernel command line.
	cp "$c32/mboot.c32" "$c32/libcom32.c32" "$iso/isolinux/"
	cp "$pvh/stub.elf" "$iso/pvhstub"
	cp "$pvh/vmlinux" "$iso/vmlinux"
	cat >"$iso/isolinux/isolinux.cfg" <<EOF
DEFAULT vtx
PROMPT 0
TIMEOUT 0
LABEL vtx
  KERNEL mboot.c32
  APPEND /pvhstub $cmdline --- /vmlinux --- /initrd
EOF
	boot=pvh
else
	cp "$vmlinuz" "$iso/vmlinuz"
	cat >"$iso/isolinux/isolinux.cfg" <<EOF
DEFAULT vtx
PROMPT 0
TIMEOUT 0
LABEL vtx
  KERNEL /vmlinuz
  INITRD /initrd
  APPEND $cmdline
EOF
	boot=bzimage
fi
xorriso -as mkisofs -quiet -o "$out/vtx.iso" -R -J \
	-b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table "$iso" 2>"$out/xorriso.log" ||
	die "xorriso failed: $(cat "$out/xorriso.log")"

# 2. Bochs configuration.
# Bochs 3.0 (scripts/bochs3.sh) has no sound support: no sound: line.
nosound=''
[ "$bochs" = 2.7 ] || nosound='/^sound:/d'
sed -e "s|@MEGS@|$megs|" -e "s|@CPUCOUNT@|$cpucount|" -e "s|@MODEL@|$model|" \
	-e "s|@BXSHARE@|$bxshare|" \
	-e "s|@ISO@|$out/vtx.iso|" -e "s|@CONSOLE@|$out/console.log|" \
	-e "s|@RESULTS@|$out/results.log|" -e "s|@LOG@|$out/bochs.log|" \
	-e "$nosound" "$here/bochsrc.in" >"$out/bochsrc"
if [ -n "$msrs" ]; then
	sed -i -e "s|^cpu: \(.*\)$|cpu: \1, msrs=\"$msrs\"|" "$out/bochsrc"
fi
rm -f "$out/bochs.rc"
rcopt=''
if [ "$bochs" = 2.7 ]; then
	echo c >"$out/bochs.rc"
	rcopt="-rc $out/bochs.rc"
fi
rm -f "$out/console.log" "$out/results.log" "$out/bochs.log" \
	"$out/bochs.out" "$out/counts"
: >"$out/console.log"
: >"$out/results.log"

# 3. Boot. Bochs' exit code means nothing; the serial logs decide.
echo "[$name] booting Bochs $bochs: $cpus CPU(s), mode $mode, $boot boot, timeout ${tmo}s"
start=$(date +%s)
(
	cd "$out"
	# shellcheck disable=SC2086 # empty, or -rc and a path without blanks
	exec timeout -k 10 "$tmo" "$bochs_bin" -q -f "$out/bochsrc" $rcopt \
		</dev/null >"$out/bochs.out" 2>&1
) &
bochs_pid=$!

# timeline FILE LABEL OFFSET: append FILE's new bytes from OFFSET on to
# timeline.log, each line prefixed with the seconds since Bochs started;
# prints the new offset.
timeline() {
	_size=$(wc -c <"$1")
	if [ "$_size" -gt "$3" ]; then
		tail -c +$(($3 + 1)) "$1" | head -c $((_size - $3)) | tr -d '\r' |
			sed "s/^/+$(($(date +%s) - start))s $2| /" >>"$out/timeline.log"
	fi
	echo "$_size"
}

# live N: print the TAP results among results.log's complete lines after
# line N as they come, as "[name] + ok 3 test.case"; prints the new N.
live() {
	_n=$(wc -l <"$out/results.log")
	if [ "$_n" -gt "$1" ]; then
		sed -n "$(($1 + 1)),${_n}p" "$out/results.log" | tr -d '\r' |
			grep -E '^(not )?ok ' | sed "s/^/[$name] + /" >&2
	fi
	echo "$_n"
}

why=''
grace=0
tl_console=0
tl_results=0
live_n=0
: >"$out/timeline.log"
while kill -0 "$bochs_pid" 2>/dev/null; do
	sleep 1
	tl_console=$(timeline "$out/console.log" console "$tl_console")
	tl_results=$(timeline "$out/results.log" results "$tl_results")
	live_n=$(live "$live_n")
	if [ -z "$why" ]; then
		if grep -q '^VTX-DONE' "$out/results.log" "$out/console.log"; then
			why='done' grace=20
		elif grep -q 'end Kernel panic' "$out/console.log"; then
			why=panic grace=3
		elif grep -q '3rd (.*resetting' "$out/bochs.log" 2>/dev/null; then
			why=triple-fault grace=2
		fi
	elif [ "$grace" -gt 0 ]; then
		grace=$((grace - 1))
	else
		kill "$bochs_pid" 2>/dev/null || true
		break
	fi
done
wait "$bochs_pid" 2>/dev/null || true
bochs_pid=''
live_n=$(live "$live_n")
elapsed=$(($(date +%s) - start))
[ -n "$why" ] || why="bochs exited"
if [ "$elapsed" -ge "$tmo" ] && [ "$why" = "bochs exited" ]; then
	why="timeout"
fi
echo "[$name] Bochs ran ${elapsed}s ($why)"
if ! grep -q '^VTX-DONE' "$out/results.log" "$out/console.log"; then
	echo "[$name] ---- last lines of Bochs' own output ($out/bochs.out) ----"
	grep -v '^ALSA lib' "$out/bochs.out" 2>/dev/null | tail -n 8 |
		sed "s/^/[$name] bochs| /"
fi

# 4. Results.
if [ "$mode" = bench ]; then
	tr -d '\r' <"$out/results.log" | sed -n '/^VTX-BENCH-BEGIN/,/^VTX-BENCH-END/p' \
		>"$out/bench.log"
	if grep -q '^VTX-BENCH-END' "$out/bench.log"; then
		echo "$name: bench done"
		exit 0
	fi
	echo "[$name] ---- last 30 lines of console.log ----"
	tail -n 30 "$out/console.log" | tr -d '\r' | sed "s/^/[$name] console| /"
	echo "$name: bench did not finish"
	exit 1
fi
if [ "$mode" = demo ]; then
	tr -d '\r' <"$out/results.log" | sed "s/^/[$name] /"
	if grep -q '^VTX-DONE' "$out/results.log"; then
		echo "$name: demo done"
		exit 0
	fi
	echo "[$name] ---- last 30 lines of console.log ----"
	tail -n 30 "$out/console.log" | tr -d '\r' | sed "s/^/[$name] console| /"
	echo "$name: demo did not finish"
	exit 1
fi
rc=0
"$here/tap-count.sh" --label "$name" --counts "$out/counts" \
	--console "$out/console.log" "$out/results.log" || rc=$?
exit "$rc"
