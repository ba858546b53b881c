#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test tier, in order, each one counted.
#
#   build       vtx.ko with W=1 -Werror
#   lint        sparse (C=2, -Wsparse-error) and checkpatch --strict
#   kerneldoc   scripts/kernel-doc over the ABI header and src/
#   kunit       KUnit suites under UML
#   selftests   the static test binaries build
#   novmx       on a host without VMX, each test binary skips with the reason,
#               run by kselftest's run_kselftest.sh from its install layout
#               (make ksft-install) and read by prove
#               (but host_check_test, which the hostcheck tier runs)
#   hostcheck   host_check_test on this host: vtx_info --check must say
#               whether vtx can run here and why not, exiting 0 or 1; and
#               make check-host must refuse this host, saying why
#   install     make install and make uninstall into a temporary root, and
#               DKMS (add, build, sign, install) on private trees, for the
#               kernel make builds for; the version modinfo reports
#               (scripts/install-check.sh)
#   modroot     make install of vtx.ko for the emulated host's kernel into
#               .build/modroot (make modroot)
#   emu-1cpu    the selftests inside the emulated Intel host, 1 CPU (every
#               emulated tier runs on Bochs 3.0, see below), with that
#               tree as its /lib/modules (modprobe_test)
#   emu-2cpu    the same with 2 CPUs
#   emu-msrlist the same with 1 CPU and efer_switch=msr_list, so that every
#               test also runs with EFER on the VM-entry/exit MSR lists
#   emu-icelake the same on corei7_icelake_u, 2 CPUs: a host with
#               IA32_SPEC_CTRL (scripts/bochs-msrs.def lets Debian's 6.1
#               boot), where one CPU can send NMIs to the other's guest;
#               vmscape=force: icelake is not affected by VMSCAPE, but
#               has the IBPB, so the kernel's IBPB on return to user
#               space (and vtx's request for it) runs there
#   emu-spr     the same on Bochs 3.0's sapphire_rapids, 2 CPUs: tertiary
#               controls with "virtualize IA32_SPEC_CTRL", so every
#               virtualize variant runs (scripts/bochs3.sh builds Bochs 3.0)
#   emu-novmx   a boot with clearcpuid=vmx: vtx must refuse to load
#   emu-nonx    a boot with clearcpuid=nx: EFER.NXE is reserved for guests
#               (vmm_input_test, sregs_test)
#   emu-fuzz    vtx_fuzz on sapphire_rapids, 2 CPUs, 1 GiB: at least
#               100,000 ioctl calls and 10,000 guest runs, about 3 minutes;
#               its seed is printed (FUZZ_SEED= replays it, as make fuzz
#               SEED= does)
#   kapi        the older emergency-hook API builds (make kapi-check)
#   emu-kdump   2 CPUs, 1 GiB, crashkernel=256M: kexec -e with VMCSs loaded
#               on both CPUs, then in the new kernel a crash with VMCSs
#               loaded; the kdump kernel finds every one VMCLEARed
#   emu-kdump-novmclear
#               the negative control: the same crash with crash_vmclear=0
#               (the hook skips only its VMCLEARs) must fail the kdump
#               test with VMCSs that are still launched in the dump
#
# A tier that cannot run because an earlier one failed counts as failed.
# The last line is the total: "N passed, N failed, N skipped".
#
# Each tier says when it starts (and how long it took last time), each
# test's ok / not ok line shows as it happens, and a failing tier ends
# with its failing tests and where its logs are. TIERS="build kunit
# emu-1cpu" runs only those tiers (the others are neither run nor
# counted); TESTS=a_test,b_test runs only those test binaries in the
# emulated tiers that run the whole suite.
set -u
cd "$(dirname "$0")/.." || exit 1
top=$PWD
results=$top/.build/results
rm -rf "$results"
mkdir -p "$results"
# Each tier's last duration, kept across runs: "name seconds" lines.
durations=$top/.build/durations
export TESTS="${TESTS:-}"

# wanted NAME: the tier is selected (TIERS unset, or it names NAME).
wanted() {
	[ -z "${TIERS:-}" ] && return 0
	case " $TIERS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# started NAME: say that the tier starts, with its last duration.
started() {
	local last
	last=$(sed -n "s/^$1 \([0-9]*\)$/\1/p" "$durations" 2>/dev/null)
	echo "-- $1: started $(date +%H:%M:%S)${last:+ (last run ${last} s)}"
}

passed=0
failed=0
skipped=0

record() { # tier passed failed skipped seconds
	passed=$((passed + $2))
	failed=$((failed + $3))
	skipped=$((skipped + $4))
	printf '== %-10s %3d passed, %d failed, %d skipped  (%d s)\n' \
		"$1" "$2" "$3" "$4" "$5" | tee -a "$results/summary"
	{
		grep -v "^$1 " "$durations" 2>/dev/null
		echo "$1 $5"
	} >"$durations.new" && mv "$durations.new" "$durations"
}

# failures NAME LOG [DIR]: after a failing tier, its failing tests and
# where to look.
failures() {
	echo "-- $1 failed:"
	sed 's/^\[[^]]*\] [+] //; s/^\[[^]]*\] //' "$2" |
		grep -E '^not ok ' | sort -u | head -n 30 | sed 's/^/--   /'
	echo "-- logs: $2${3:+ and $3/ (results.log, console.log, bochs.log)}"
}

# step NAME CMD...: one test that passes when CMD succeeds.
step() {
	local name=$1 start rc
	shift
	if ! wanted "$name"; then
		# What the selected tiers build on is built, quietly.
		case $name in
		build | selftests | kimage | modroot) "$@" >"$results/$name.log" 2>&1 ;;
		esac
		return
	fi
	started "$name"
	start=$(date +%s)
	"$@" >"$results/$name.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		tail -n 40 "$results/$name.log"
		echo "-- logs: $results/$name.log"
		record "$name" 0 1 0 $(($(date +%s) - start))
	else
		record "$name" 1 0 0 $(($(date +%s) - start))
	fi
	return $rc
}

# counted NAME COUNTSFILE CMD...: a tier that writes "P F S" to COUNTSFILE.
counted() {
	local name=$1 counts=$2 start p f s show dir=
	shift 2
	wanted "$name" || return 0
	started "$name"
	start=$(date +%s)
	rm -f "$counts"
	# Live: an emulated tier's "[name] + ok ..." lines (emu-run.sh), the
	# others' TAP lines; not the emulated tiers' full list at the end.
	case $name in
	emu-*)
		show='^\[[^]]*\] \+ |^\[[^]]*\] Bochs ran|^(ok|not ok) |^== '
		dir=$top/.build/$name
		;;
	kunit)	# kunit.py's parser, as the UML kernel prints each case.
		show='^\[[0-9:]+\] \[(PASSED|FAILED|SKIPPED|CRASHED)\] |^kunit: ' ;;
	*)	show='^(\[[^]]*\] )?(ok|not ok)( |$)|^== ' ;;
	esac
	"$@" 2>&1 | tee "$results/$name.log" | grep --line-buffered -E "$show"
	if read -r p f s <"$counts" 2>/dev/null; then
		[ "$f" -eq 0 ] || failures "$name" "$results/$name.log" "$dir"
		record "$name" "$p" "$f" "$s" $(($(date +%s) - start))
	else
		tail -n 40 "$results/$name.log"
		failures "$name" "$results/$name.log" "$dir"
		record "$name" 0 1 0 $(($(date +%s) - start))
	fi
}

fail_tier() { # name reason
	wanted "$1" || return 0
	echo "$1: not run: $2"
	record "$1" 0 1 0 0
}

# Test binaries on this host, which has no VMX: each must skip cleanly.
novmx() {
	local log=$results/novmx.prove.log p=0 f=0 s=0 t want
	if grep -qw vmx /proc/cpuinfo; then
		for t in .build/selftests/*_test; do s=$((s + 1)); done
		echo "novmx: this host has VMX; the no-VMX skip path is not exercised"
		echo "$p $f $s" >"$results/novmx.counts"
		return
	fi
	# kselftest's runner over its install layout (make ksft-install),
	# its TAP read by prove; then each test's own line: every binary but
	# host_check_test (the hostcheck tier) skips, saying why.
	if ! make -s ksft-install; then
		echo "0 1 0" >"$results/novmx.counts"
		return
	fi
	prove -v --exec sh .build/kselftest-install/run_kselftest.sh >"$log" 2>&1
	if grep -q '^Result: PASS$' "$log"; then
		echo "ok - prove: run_kselftest.sh's TAP passes"
		p=$((p + 1))
	else
		echo "not ok - prove: run_kselftest.sh's TAP does not pass ($log)"
		f=$((f + 1))
	fi
	while read -r t; do
		t=${t#vtx:}
		if [ "$t" = host_check_test ]; then
			want="^ok [0-9]* selftests: vtx: $t\$"
		else
			want="^ok [0-9]* selftests: vtx: $t # SKIP\$"
		fi
		if grep -q "$want" "$log" && { [ "$t" = host_check_test ] ||
			awk -v t="$t" '
				$0 == "# selftests: vtx: " t { on = 1; next }
				/^# selftests: vtx: / { on = 0 }
				on && /^# 1\.\.0 # SKIP host CPU has no VMX/ { found = 1 }
				END { exit !found }' "$log"; }; then
			echo "ok - $t (run_kselftest.sh, prove)"
			p=$((p + 1))
		else
			echo "not ok - $t: no skip for want of VMX ($log)"
			f=$((f + 1))
		fi
	done <.build/kselftest-install/kselftest-list.txt
	echo "$p $f $s" >"$results/novmx.counts"
}

# make check-host on a host that cannot run vtx stops before building
# or loading anything, with vtx_info --check's reasons and status 1.
check_host() {
	local out rc=0

	echo "1..2"
	if grep -qw vmx /proc/cpuinfo; then
		echo "ok 1 check_host.refuses_this_host # SKIP this host has VMX"
		echo "ok 2 check_host.says_why # SKIP this host has VMX"
		return
	fi
	out=$(make -s check-host 2>&1) || rc=$?
	echo "$out" | sed 's/^/# | /'
	[ $rc -ne 0 ] && echo "ok 1 check_host.refuses_this_host" ||
		echo "not ok 1 check_host.refuses_this_host"
	if echo "$out" | grep -q '^verdict: vtx cannot run on this host' &&
		echo "$out" | grep -q '^check-host: this host cannot run vtx'; then
		echo "ok 2 check_host.says_why"
	else
		echo "not ok 2 check_host.says_why"
	fi
}

# vtx_info --check on this host, through host_check_test: without VMX
# (this machine) it must exit 1 and name the reason, with VMX exit 0. The
# output is framed as an emulated boot's, so that tap-count.sh counts it.
hostcheck() {
	local log=$results/hostcheck.results rc=0

	{
		echo "VTX-PLAN host_check_test check_host"
		echo "VTX-BEGIN host_check_test"
		.build/selftests/host_check_test 2>&1 || rc=$?
		echo "VTX-END host_check_test rc=$rc"
		echo "VTX-BEGIN check_host"
		check_host
		echo "VTX-END check_host rc=0"
		echo "VTX-DONE"
	} >"$log"
	scripts/tap-count.sh --label hostcheck \
		--counts "$results/hostcheck.counts" "$log"
}

# Every emulated tier runs on Bochs 3.0 (scripts/bochs3.sh, built and
# cached by make deps; emu-run.sh's default): on the same suite it ran 2.4
# times faster than Debian's 2.7 here, with the same results. VTX_BOCHS=2.7
# runs the tiers that can on Debian's 2.7 instead; emu-spr needs 3.0
# either way.

t0=$(date +%s)
if ! make -s deps >"$results/deps.log" 2>&1; then
	cat "$results/deps.log"
	echo "0 passed, 1 failed"
	exit 1
fi

built=1
step build make -s modules || built=0
step sparse make -s sparse
step checkpatch make -s checkpatch
step kerneldoc make -s kerneldoc
counted kunit "$results/kunit.counts" \
	scripts/kunit.sh --srctree "$top/.build/linux-source-6.1" \
	--build "$top/.build/kunit" --out "$results/kunit.counts"

tests=1
step selftests make -s selftests || tests=0
if [ $tests -eq 1 ]; then
	counted novmx "$results/novmx.counts" novmx
	counted hostcheck "$results/hostcheck.counts" hostcheck
else
	fail_tier novmx "the selftests did not build"
	fail_tier hostcheck "the selftests did not build"
fi

counted install "$results/install.counts" \
	scripts/install-check.sh --out "$results/install.counts"

kimage=1
step kimage make -s kimage || kimage=0
# make install's tree for the emulated host's kernel: the tiers that run
# every test get it as /lib/modules, where modprobe_test loads it.
step modroot make -s modroot || kimage=0
modroot=$top/.build/modroot
for cpus in 1 2; do
	name=emu-${cpus}cpu
	if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ]; then
		counted "$name" "$top/.build/$name/counts" \
			scripts/emu-run.sh --ko "$top/vtx.ko" \
			--tests "$top/.build/selftests" --kimage "$top/.build/kimage" \
			--cpus "$cpus" --out "$top/.build/$name" --name "$name" \
			--modroot "$modroot"
	else
		fail_tier "$name" "an earlier tier failed"
	fi
done

# 1 GiB, so that the THP tests (ept_large_test, guest_memory_thp_test)
# also run on 1 CPU; emu-1cpu keeps 512 MiB, where THP is off and a
# 512 MiB slot is as large as the host's RAM.
name=emu-msrlist
if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ]; then
	counted "$name" "$top/.build/$name/counts" \
		scripts/emu-run.sh --ko "$top/vtx.ko" \
		--tests "$top/.build/selftests" --kimage "$top/.build/kimage" \
		--cpus 1 --megs 1024 --out "$top/.build/$name" --name "$name" \
		--append "vtxparams=efer_switch=msr_list" \
		--modroot "$modroot"
else
	fail_tier "$name" "an earlier tier failed"
fi

# 1 GiB: below 512 MiB of RAM the kernel turns transparent huge pages off,
# and ept_large_test needs them for its 2 MiB EPT leaves.
name=emu-icelake
if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ]; then
	counted "$name" "$top/.build/$name/counts" \
		scripts/emu-run.sh --ko "$top/vtx.ko" \
		--tests "$top/.build/selftests" --kimage "$top/.build/kimage" \
		--cpus 2 --megs 1024 --out "$top/.build/$name" --name "$name" \
		--model corei7_icelake_u --msrs "$top/scripts/bochs-msrs.def" \
		--append "vmscape=force" \
		--modroot "$modroot"
else
	fail_tier "$name" "an earlier tier failed"
fi

# Bochs 3.0 (scripts/bochs3.sh, built by make deps): sapphire_rapids has
# tertiary controls with "virtualize IA32_SPEC_CTRL", so the virtualize
# mode runs for real; the spec_ctrl tests fail rather than skip there if
# vtx does not offer it.
name=emu-spr
if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ]; then
	counted "$name" "$top/.build/$name/counts" \
		scripts/emu-run.sh --bochs 3.0 --ko "$top/vtx.ko" \
		--tests "$top/.build/selftests" --kimage "$top/.build/kimage" \
		--cpus 2 --megs 1024 --out "$top/.build/$name" --name "$name" \
		--model sapphire_rapids \
		--msrs "$top/scripts/bochs-msrs.def" \
		--modroot "$modroot"
else
	fail_tier "$name" "an earlier tier failed"
fi

name=emu-novmx
if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ]; then
	counted "$name" "$top/.build/$name/counts" \
		scripts/emu-run.sh --ko "$top/vtx.ko" \
		--tests "$top/.build/selftests" --kimage "$top/.build/kimage" \
		--cpus 1 --out "$top/.build/$name" --name "$name" --timeout 300 \
		--append "clearcpuid=vmx vtxtests=kernel_novmx"
else
	fail_tier "$name" "an earlier tier failed"
fi

# A host kernel without NX: vtx must refuse EFER.NXE from every source.
name=emu-nonx
if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ]; then
	counted "$name" "$top/.build/$name/counts" \
		scripts/emu-run.sh --ko "$top/vtx.ko" \
		--tests "$top/.build/selftests" --kimage "$top/.build/kimage" \
		--cpus 1 --out "$top/.build/$name" --name "$name" --timeout 300 \
		--append "clearcpuid=nx vtxtests=vmm_input_test,sregs_test"
else
	fail_tier "$name" "an earlier tier failed"
fi

name=emu-fuzz
if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ]; then
	mkdir -p "$top/.build/fuzz-check-tools"
	cp "$top/.build/selftests/vtx_fuzz" "$top/.build/fuzz-check-tools/"
	counted "$name" "$top/.build/$name/counts" \
		scripts/emu-run.sh --ko "$top/vtx.ko" \
		--tests "$top/.build/fuzz-check-tools" --kimage "$top/.build/kimage" \
		--cpus 2 --megs 1024 --model sapphire_rapids \
		--msrs "$top/scripts/bochs-msrs.def" --out "$top/.build/$name" \
		--name "$name" --timeout 1200 \
		--append "vtxtests=vtx_fuzz vtxtimeout=900 vtxduration=150${FUZZ_SEED:+ vtxseed=$FUZZ_SEED}"
else
	fail_tier "$name" "an earlier tier failed"
fi

step kapi make -s kapi-check

# The kdump and kexec stages need only two tools in their initramfs.
kdump_tools() {
	mkdir -p "$top/.build/kdump-tools" &&
		cp "$top/.build/selftests/kdump_setup" \
			"$top/.build/selftests/vmcs_state" "$top/.build/kdump-tools/"
}

# The negative control: with crash_vmclear=0 the hook still turns VMX off,
# so the kdump kernel starts, but it skips the VMCLEARs, and the dump must
# show every VMCS still launched: the vmcore check can fail. The setup and
# the check that the VMCSs are still loaded right before the crash must
# pass exactly as in emu-kdump.
kdump_control() {
	local out=$top/.build/emu-kdump-novmclear p=0 f=0 log
	scripts/emu-run.sh --ko "$top/vtx.ko" --tests "$top/.build/kdump-tools" \
		--kimage "$top/.build/kimage" --cpus 2 --megs 1024 --mode kdump \
		--timeout 600 --out "$out" --name emu-kdump-novmclear \
		--append "crashkernel=256M maxcpus=1 vtxparams=crash_vmclear=0" >"$out.log" 2>&1
	cat "$out.log"
	log=$(tr -d '\r' <"$out/results.log")
	if echo "$log" | grep -q '^VTX-END kdump_setup rc=0$'; then
		echo "ok 1 - kdump_setup passed with crash_vmclear=0"
		p=$((p + 1))
	else
		echo "not ok 1 - kdump_setup did not pass with crash_vmclear=0"
		f=$((f + 1))
	fi
	if echo "$log" | grep -q '^# still loaded right before the crash: [1-9]'; then
		echo "ok 2 - the VMCSs were still loaded right before the crash"
		p=$((p + 1))
	else
		echo "not ok 2 - no check that the VMCSs were loaded before the crash"
		f=$((f + 1))
	fi
	if echo "$log" | grep -q '^VTX-END kdump_vmcore rc=0$'; then
		echo "not ok 3 - the kdump test passed without the VMCLEARs"
		f=$((f + 1))
	elif echo "$log" | grep -q 'launch state 1, expected 0' &&
		! echo "$log" | grep -q '^ok .*launch state 0'; then
		echo "ok 3 - without the VMCLEARs the kdump kernel finds every VMCS launched"
		p=$((p + 1))
	else
		echo "not ok 3 - the kdump test failed for another reason"
		f=$((f + 1))
	fi
	echo "$p $f 0" >"$out.counts"
}

name=emu-kdump
if [ $built -eq 1 ] && [ $tests -eq 1 ] && [ $kimage -eq 1 ] && kdump_tools; then
	counted "$name" "$top/.build/$name/counts" \
		scripts/emu-run.sh --ko "$top/vtx.ko" \
		--tests "$top/.build/kdump-tools" --kimage "$top/.build/kimage" \
		--cpus 2 --megs 1024 --mode kexec --timeout 900 \
		--out "$top/.build/$name" --name "$name" --append "crashkernel=256M maxcpus=1"
	counted emu-kdump-novmclear "$top/.build/emu-kdump-novmclear.counts" kdump_control
else
	fail_tier "$name" "an earlier tier failed"
	fail_tier emu-kdump-novmclear "an earlier tier failed"
fi

echo "make check took $(($(date +%s) - t0)) s"
cat "$results/summary"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
