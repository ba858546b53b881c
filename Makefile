# SPDX-License-Identifier: GPL-2.0
#
# vtx: out-of-tree build, lint, tests and the emulated Intel host.
#
#   make            build vtx.ko against Debian's linux-headers-amd64
#   make deps       install what is missing (apt-get, idempotent)
#   make lint       sparse and checkpatch --strict on every source file
#   make kunit      KUnit suites under UML
#   make selftests  statically linked kselftest binaries
#   make check      everything above plus the emulated-host tests
#   make check-host the selftests on this machine, a real Intel host
#   make demo       boot the emulated Intel host and show the capability report
#   make load       on a real Intel host: insmod vtx.ko, show the report, run the demo
#   make install    on a real host: vtx.ko into /lib/modules/<kernel>/updates
#   make dkms-install  the same through DKMS, rebuilt for each new kernel
#                   (their uninstall targets and the opt-in modprobe.d and
#                   modules-load.d files: below, and the README)
#   make bench      vtx against kvm_intel, one emulated boot (not in make check)
#   make bench-exits  its exit rows alone, a few minutes
#   make fuzz       the fuzzer alone in the emulated host, SEED= DURATION=

# The kernel ABI that Debian's linux-headers-amd64 currently points to.
ABI ?= $(shell apt-cache depends linux-headers-amd64 2>/dev/null | \
	 sed -n 's/.*Depends: linux-headers-\([0-9].*\)/\1/p' | head -n 1)
KDIR ?= /usr/src/linux-headers-$(ABI)

# The release. VERSION is its only source: Kbuild passes it to the module
# as VTX_VERSION (MODULE_VERSION), make dkms-src writes it into dkms.conf.
VTX_VERSION := $(shell cat $(CURDIR)/VERSION)

# The kernel to install for. make, make check, make demo and the other
# test targets build for $(ABI) above, the kernel the emulated host boots,
# whatever this machine runs. make install, modules-host, load and
# dkms-install are for a real host, so they build for the kernel it runs:
#
#  - KVER, by default uname -r, with the headers in /lib/modules/$(KVER)/build
#    (where DKMS looks too). Their path is resolved, so that on a host that
#    runs $(ABI) both builds are the same Kbuild command and neither
#    rebuilds the other's objects. For two different kernels each build
#    replaces the other's vtx.ko in this tree.
#  - Without those headers (a kernel Debian no longer ships, or an upgrade
#    not yet booted), $(KDIR), Debian's current ABI, with a message: that
#    vtx.ko loads once the host boots that kernel. make load refuses it.
#    A KVER given explicitly must have its headers: no silent fallback.
#  - A KDIR given explicitly is used as it is.
#
# The release installed to is the headers' UTS_RELEASE, passed to Kbuild as
# KERNELRELEASE (DKMS does the same): Debian's headers have the upstream
# version (6.1.y) in include/config/kernel.release, which modules_install
# would otherwise take for the /lib/modules directory.
KVER ?= $(shell uname -r)
ifeq ($(origin KDIR),file)
inst-headers = $(realpath /lib/modules/$(KVER)/build)
INST_KDIR = $(or $(inst-headers),$(if $(filter file,$(origin KVER)),$(KDIR),$(error \
	no headers for kernel $(KVER) in /lib/modules/$(KVER)/build: apt-get install linux-headers-$(KVER))))
inst-fallback = $(if $(inst-headers),,y)
else
INST_KDIR = $(KDIR)
inst-fallback =
endif
INST_KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(INST_KDIR)/include/generated/utsrelease.h 2>/dev/null)
# DESTDIR or INSTALL_MOD_PATH stage an install under another root.
INSTALL_MOD_PATH ?= $(DESTDIR)
inst-root = $(if $(INSTALL_MOD_PATH),$(abspath $(INSTALL_MOD_PATH)))
DEPMOD ?= /sbin/depmod
MODINFO ?= /sbin/modinfo
DKMS ?= dkms

BUILD := $(CURDIR)/.build
SRCTREE := $(BUILD)/linux-source-6.1
KSFT := $(BUILD)/kselftest
KIMAGE := $(BUILD)/kimage
ST_OUT := $(BUILD)/selftests
RESULTS := $(BUILD)/results

KMAKE := $(MAKE) -C $(KDIR) M=$(CURDIR) W=1

ST_MAKE := $(MAKE) -C selftests KSFT=$(KSFT) OUTPUT=$(ST_OUT) \
	VTX_VERSION=$(VTX_VERSION)

LINT_FILES := $(wildcard src/*.c src/*.h src/asm/*.S include/uapi/linux/*.h \
	kunit/*.c selftests/*.c selftests/lib/*.c selftests/include/*.h \
	selftests/fuzz/*.c selftests/fuzz/*.h)

.PHONY: all modules clean deps srctree lint sparse checkpatch kunit \
	selftests kimage check demo load kapi-check bench bench-exits fuzz print-abi kerneldoc \
	modules-host install uninstall dkms-src dkms-install dkms-uninstall \
	install-modprobe-conf uninstall-modprobe-conf install-modules-load \
	uninstall-modules-load modroot ksft-install check-host host-tools FORCE

all: modules

modules:
	@test -d "$(KDIR)" || { echo "KDIR $(KDIR) not found: run 'make deps'" >&2; exit 1; }
	$(KMAKE) modules

deps:
	scripts/deps.sh

# The marker stays outside the extracted tree, which is never written to.
SRCTREE_STAMP := $(BUILD)/.linux-source-6.1.extracted

$(SRCTREE_STAMP):
	mkdir -p $(BUILD)
	rm -rf $(SRCTREE)
	tar -C $(BUILD) -xJf /usr/src/linux-source-6.1.tar.xz
	touch $@

srctree: $(SRCTREE_STAMP)

# kselftest's headers (kselftest.h, kselftest_harness.h), lib.mk and runner
# (run_kselftest.sh, kselftest/runner.sh and prefix.pl), which Debian ships
# only in linux-source-6.1's tarball: copied from the extracted tree if
# make check has extracted it (checkpatch, KUnit), else taken alone from
# the tarball (about 10 s), so that make load needs no 1.5 GB tree. The
# stamp's name changes with the list, so that a new file is fetched.
KSFT_FILES := kselftest.h kselftest_harness.h lib.mk run_kselftest.sh \
	kselftest/runner.sh kselftest/prefix.pl
KSFT_STAMP := $(KSFT)/.extracted-$(words $(KSFT_FILES))

$(KSFT_STAMP):
	rm -rf $(KSFT)
	mkdir -p $(KSFT)
	if [ -f $(SRCTREE_STAMP) ]; then \
		cd $(SRCTREE)/tools/testing/selftests && \
		cp --parents $(KSFT_FILES) $(KSFT)/; \
	else \
		tar -C $(KSFT) -xJf /usr/src/linux-source-6.1.tar.xz \
			--strip-components=4 $(addprefix \
			linux-source-6.1/tools/testing/selftests/,$(KSFT_FILES)); \
	fi
	touch $@

# kselftest's install layout, as make -C tools/testing/selftests install
# gives it, for its run_kselftest.sh: lib.mk's install of the vtx
# collection (tests, tools, settings) in vtx/, and kselftest-list.txt
# from lib.mk's emit_tests. make check's novmx tier and make check-host
# run it.
KSFT_INSTALL := $(BUILD)/kselftest-install
ksft-install: selftests
	rm -rf $(KSFT_INSTALL)
	mkdir -p $(KSFT_INSTALL)/kselftest
	cp $(KSFT)/run_kselftest.sh $(KSFT_INSTALL)/
	cp $(KSFT)/kselftest/runner.sh $(KSFT)/kselftest/prefix.pl \
		$(KSFT_INSTALL)/kselftest/
	$(ST_MAKE) -s install INSTALL_PATH=$(KSFT_INSTALL)/vtx
	$(ST_MAKE) -s --no-print-directory emit_tests \
		>$(KSFT_INSTALL)/kselftest-list.txt

sparse:
	$(KMAKE) C=2 CF=-Wsparse-error modules

checkpatch: srctree
	@rc=0; for f in $(LINT_FILES); do \
		perl $(SRCTREE)/scripts/checkpatch.pl --no-tree --strict --quiet \
			--show-types -f $$f || rc=1; \
	done; \
	[ $$rc -eq 0 ] && echo "checkpatch: $(words $(LINT_FILES)) files clean"; exit $$rc

# scripts/kernel-doc over the ABI header and the module: every kernel-doc
# comment parses and documents every parameter and member.
KDOC_FILES := include/uapi/linux/vtx.h $(wildcard src/*.c src/*.h)

kerneldoc: srctree
	@out=$$(perl $(SRCTREE)/scripts/kernel-doc -none $(KDOC_FILES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "kernel-doc: $(words $(KDOC_FILES)) files clean"

lint: sparse checkpatch kerneldoc

# The older emergency-hook API (crash_vmclear_loaded_vmcss), compiled in a
# copy of the tree against a shim declaration: no kernel with that API is
# in Debian's archive. Its symbol is then unresolved, so modpost only warns.
KAPI := $(BUILD)/kapi
kapi-check:
	rm -rf $(KAPI)
	mkdir -p $(KAPI)
	cp -r Kbuild VERSION src include $(KAPI)/
	$(MAKE) -C $(KDIR) M=$(KAPI) W=1 VTX_EMERGENCY_API=crash_vmclear \
		VTX_KAPI_SHIM=$(CURDIR)/scripts/kapi/crash_vmclear.h \
		KBUILD_MODPOST_WARN=1 modules 2>&1 | tee $(KAPI)/build.log
	@grep -q '"crash_vmclear_loaded_vmcss" \[.*\] undefined' $(KAPI)/build.log
	@test -f $(KAPI)/vtx.ko
	@echo "kapi-check: the crash_vmclear_loaded_vmcss path builds"

kunit: srctree
	scripts/kunit.sh --srctree $(SRCTREE) --build $(BUILD)/kunit

# kselftest's lib.mk builds them (selftests/Makefile); a single program
# too: make $(ST_OUT)/vtx_info.
selftests: $(KSFT_STAMP)
	@mkdir -p $(ST_OUT)
	$(ST_MAKE)

$(ST_OUT)/%: $(KSFT_STAMP) FORCE
	@mkdir -p $(ST_OUT)
	$(ST_MAKE) $@

# The two tools a real host runs (make load, make check-host), built
# without kselftest (no linux-source-6.1, no lib.mk): the same programs,
# in .build/host-tools.
HOST_TOOLS := $(BUILD)/host-tools
HT_CFLAGS := -O2 -g -static -Wall -Wextra -Werror -Wno-unused-parameter \
	-D_GNU_SOURCE -Iselftests/include -Iinclude/uapi -pthread
HT_LIB := $(wildcard selftests/lib/*.c)
HT_DEPS := $(HT_LIB) $(wildcard selftests/include/*.h) include/uapi/linux/vtx.h

$(HOST_TOOLS)/vtx_info: selftests/vtx_info.c selftests/host_check.c $(HT_DEPS)
	@mkdir -p $(HOST_TOOLS)
	$(CC) $(HT_CFLAGS) -o $@ $(filter %.c,$^)

$(HOST_TOOLS)/vtx_demo: selftests/vtx_demo.c $(HT_DEPS)
	@mkdir -p $(HOST_TOOLS)
	$(CC) $(HT_CFLAGS) -o $@ $(filter %.c,$^)

host-tools: $(HOST_TOOLS)/vtx_info $(HOST_TOOLS)/vtx_demo

FORCE:

kimage:
	scripts/kimage.sh $(KIMAGE)

check:
	scripts/check.sh

# deps first, then a fresh make: on a new machine the ABI can only be
# derived once apt has package lists.
demo:
	scripts/deps.sh
	$(MAKE) modules selftests kimage
	scripts/emu-run.sh --mode demo --ko $(CURDIR)/vtx.ko --tests $(ST_OUT) \
		--kimage $(KIMAGE) --cpus 1 --out $(BUILD)/demo

# The same client on /dev/vtx and then /dev/kvm in one boot of the emulated
# sapphire_rapids host (Bochs 3.0: IA32_SPEC_CTRL and "virtualize
# IA32_SPEC_CTRL", so every vtx mode runs), 1 CPU; then its scale set
# (two vCPUs at once, 64 VMs x 2 vCPUs, memory) in a second boot with 2
# CPUs. The table goes to the terminal and .build/bench/bench.{txt,json,png}.
# 1 GiB of RAM: below 512 MiB the kernel turns transparent huge pages
# off, which no VM host runs without.
# BENCH_MODEL=corei7_icelake_u BENCH_BOCHS=2.7 gives the older bench host.
BENCH_MODEL := sapphire_rapids
BENCH_BOCHS := 3.0
BENCH_MEGS := 1024
BENCH_RUN = scripts/emu-run.sh --mode bench --ko $(CURDIR)/vtx.ko \
	--tests $(BUILD)/bench-tools --kimage $(KIMAGE) --timeout 2400 \
	--megs $(BENCH_MEGS) --model $(BENCH_MODEL) --bochs $(BENCH_BOCHS) \
	--msrs $(CURDIR)/scripts/bochs-msrs.def
bench:
	scripts/deps.sh
	$(MAKE) modules selftests kimage
	rm -rf $(BUILD)/bench-tools
	mkdir -p $(BUILD)/bench-tools
	cp $(ST_OUT)/bench $(BUILD)/bench-tools/
	$(BENCH_RUN) --cpus 1 --out $(BUILD)/bench
	$(BENCH_RUN) --cpus 2 --name bench-scale --out $(BUILD)/bench-scale \
		--append vtxbench=scale
	cat $(BUILD)/bench/bench.log $(BUILD)/bench-scale/bench.log \
		>$(BUILD)/bench/bench-all.log
	scripts/bench-report.sh $(BUILD)/bench/bench-all.log $(BUILD)/bench \
		"vtx vs KVM, $$(date -u +%Y-%m-%d), emulated $(BENCH_MODEL) (Bochs $(BENCH_BOCHS)), 1 CPU (scale rows: 2 CPUs), $(BENCH_MEGS) MiB"

# The exit rows alone (out, cpuid, floor_invd, spec_ctrl), one boot of a
# few minutes: for work on the exit path. .build/bench-exits/bench.txt.
bench-exits:
	scripts/deps.sh
	$(MAKE) modules selftests kimage
	rm -rf $(BUILD)/bench-tools
	mkdir -p $(BUILD)/bench-tools
	cp $(ST_OUT)/bench $(BUILD)/bench-tools/
	$(BENCH_RUN) --cpus 1 --name bench-exits --out $(BUILD)/bench-exits \
		--append vtxbench=exits
	scripts/bench-report.sh $(BUILD)/bench-exits/bench.log \
		$(BUILD)/bench-exits \
		"vtx vs KVM exits, $$(date -u +%Y-%m-%d), emulated $(BENCH_MODEL) (Bochs $(BENCH_BOCHS)), 1 CPU"

# The fuzzer alone, longer than make check's tier: SEED= replays a run,
# DURATION= sets its seconds (default 600). 2 CPUs, so that the racing
# thread and the vCPU really run at once.
SEED ?=
DURATION ?= 600
fuzz:
	scripts/deps.sh
	$(MAKE) modules selftests kimage
	rm -rf $(BUILD)/fuzz-tools
	mkdir -p $(BUILD)/fuzz-tools
	cp $(ST_OUT)/vtx_fuzz $(BUILD)/fuzz-tools/
	scripts/emu-run.sh --ko $(CURDIR)/vtx.ko --tests $(BUILD)/fuzz-tools \
		--kimage $(KIMAGE) --cpus 2 --megs 1024 \
		--timeout $$(( $(DURATION) * 4 + 600 )) --out $(BUILD)/fuzz \
		--name fuzz --append "vtxtests=vtx_fuzz vtxtimeout=$$(( $(DURATION) * 4 + 300 )) vtxduration=$(DURATION) $(if $(SEED),vtxseed=$(SEED))"

# A real Intel host: only the build's packages (deps.sh --build: no Bochs,
# no test tools), vtx.ko for the running kernel, and the two tools. The
# checks come first, so that a loaded kvm_intel or a vtx.ko for another
# kernel stops with what to do rather than with insmod's error.
load:
	@if [ -e /sys/module/kvm_intel ] && [ ! -e /sys/module/kvm_intel/initstate ]; then \
		echo "load: kvm_intel is built into this kernel, and vtx cannot load beside it" >&2; \
		exit 1; \
	elif [ -e /sys/module/kvm_intel ]; then \
		echo "load: kvm_intel is loaded, and vtx cannot load beside it. Stop its VMs, then:" >&2; \
		echo "    sudo modprobe -r kvm_intel kvm" >&2; \
		echo "(make install-modprobe-conf keeps it from loading at boot)" >&2; \
		exit 1; \
	fi
	@if [ -e /sys/module/vtx ]; then \
		echo "load: vtx is already loaded: sudo rmmod vtx" >&2; exit 1; \
	fi
	scripts/deps.sh --build
	$(MAKE) modules-host host-tools
	@built=$$($(MODINFO) -F vermagic vtx.ko | cut -d' ' -f1); \
	if [ "$$built" != "$$(uname -r)" ]; then \
		echo "load: vtx.ko is built for $$built, but this host runs $$(uname -r):" >&2; \
		echo "    apt-get install linux-headers-$$(uname -r), or boot $$built" >&2; \
		exit 1; \
	fi
	insmod vtx.ko
	$(HOST_TOOLS)/vtx_info
	$(HOST_TOOLS)/vtx_demo

# The selftests on this machine when it is a real Intel host that can
# run vtx: root, kvm_intel unloaded (scripts/check-host.sh says what to
# do otherwise). kselftest's runner runs them, prove reads the TAP.
check-host:
	scripts/check-host.sh

# Installing on a real host (the kernel: see KVER above). make install is
# Kbuild's modules_install into /lib/modules/<kernel>/updates, which
# depmod ranks above the kernel's own modules, then depmod (Kbuild skips
# it without a System.map). It does not sign: a distribution kernel's
# signing key stays with the distribution, so Kbuild's SIGN step could
# only fail (CONFIG_MODULE_SIG_ALL= turns it off); under Secure Boot,
# make dkms-install signs with DKMS's MOK key. INSTALL_MOD_PATH= or
# DESTDIR= stages it under another root (depmod -b). Build as yourself
# (make modules-host), then sudo make install.
inst-note = $(if $(inst-fallback),@echo "vtx: no headers for the running \
	kernel $(KVER) in /lib/modules/$(KVER)/build. Building for Debian's \
	current kernel $(INST_KVER) instead: vtx.ko loads once the host boots \
	it. To build for $(KVER): apt-get install linux-headers-$(KVER)" >&2)
inst-kver-check = @[ -n "$(INST_KVER)" ] || { echo "vtx: no UTS_RELEASE in \
	$(INST_KDIR)/include/generated/utsrelease.h" >&2; exit 1; }
inst-depmod = $(DEPMOD) $(if $(inst-root),-b $(inst-root)) -a $(INST_KVER)

modules-host:
	$(inst-note)
	$(inst-kver-check)
	$(MAKE) KDIR=$(INST_KDIR) modules

install: modules-host
	$(MAKE) -C $(INST_KDIR) M=$(CURDIR) KERNELRELEASE=$(INST_KVER) \
		INSTALL_MOD_PATH=$(inst-root) INSTALL_MOD_DIR=updates \
		CONFIG_MODULE_SIG_ALL= modules_install
	$(inst-depmod)

uninstall:
	$(inst-kver-check)
	rm -f $(inst-root)/lib/modules/$(INST_KVER)/updates/vtx.ko
	$(inst-depmod)
	@left=$$(ls $(inst-root)/lib/modules/*/updates/vtx.ko 2>/dev/null) && \
		echo "uninstall: still installed for other kernels (KVER=<release>):" $$left || :

# DKMS (dkms.conf): the sources a build needs, no tests, in
# /usr/src/vtx-$(VTX_VERSION), then dkms add, build and install for the
# kernel above; AUTOINSTALL rebuilds it for each kernel installed later,
# and DKMS signs it with its MOK key (Secure Boot). dkms-install replaces
# any vtx already in DKMS, dkms-uninstall removes every version of it.
# make dkms-src DESTDIR=<dir> stages the tree alone, as a -dkms package
# ships it.
DKMS_SRCTREE ?= /usr/src
DKMS_SRC = $(DESTDIR)$(DKMS_SRCTREE)/vtx-$(VTX_VERSION)
DKMS_FILES = COPYING VERSION Kbuild Makefile \
	$(wildcard src/*.[chS] src/*/*.[chS] include/*/*/*.h)
dkms-versions = $$($(DKMS) status vtx 2>/dev/null | \
	sed -n 's|^vtx/\([^,:]*\)[,:].*|\1|p' | sort -u)

dkms-src:
	@[ -n "$(VTX_VERSION)" ] || { echo "dkms-src: no VERSION" >&2; exit 1; }
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp --parents $(DKMS_FILES) $(DKMS_SRC)/
	sed 's/@VERSION@/$(VTX_VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

dkms-install:
	$(if $(DESTDIR),$(error dkms-install acts on this host: DESTDIR is for make dkms-src))
	@command -v $(DKMS) >/dev/null || { \
		echo "dkms-install: no dkms: sudo scripts/deps.sh --build" >&2; exit 1; }
	$(inst-note)
	$(inst-kver-check)
	for v in $(dkms-versions); do $(DKMS) remove vtx/$$v --all || exit 1; done
	$(MAKE) dkms-src
	$(DKMS) add vtx/$(VTX_VERSION)
	$(DKMS) build vtx/$(VTX_VERSION) -k $(INST_KVER)
	$(DKMS) install vtx/$(VTX_VERSION) -k $(INST_KVER)

dkms-uninstall:
	$(if $(DESTDIR),$(error dkms-uninstall acts on this host: not under DESTDIR))
	for v in $(dkms-versions); do \
		$(DKMS) remove vtx/$$v --all && rm -rf $(DKMS_SRCTREE)/vtx-$$v || exit 1; \
	done
	rm -rf $(DKMS_SRC)

# Opt-in host configuration, never installed by install or dkms-install:
# the kvm_intel blacklist (scripts/modprobe.d/vtx-no-kvm.conf) and loading
# vtx at boot (scripts/modules-load.d/vtx.conf), which needs the first.
install-modprobe-conf:
	install -D -m 644 scripts/modprobe.d/vtx-no-kvm.conf \
		$(DESTDIR)/etc/modprobe.d/vtx-no-kvm.conf

uninstall-modprobe-conf:
	rm -f $(DESTDIR)/etc/modprobe.d/vtx-no-kvm.conf

install-modules-load:
	install -D -m 644 scripts/modules-load.d/vtx.conf \
		$(DESTDIR)/etc/modules-load.d/vtx.conf

uninstall-modules-load:
	rm -f $(DESTDIR)/etc/modules-load.d/vtx.conf

# make install's tree for the kernel the emulated host boots ($(ABI)),
# staged under .build/modroot for emu-run.sh --modroot: make check's
# emulated tiers modprobe it (selftests/modprobe_test.c).
MODROOT := $(BUILD)/modroot
modroot: modules
	rm -rf $(MODROOT)
	$(MAKE) install KDIR=$(KDIR) INSTALL_MOD_PATH=$(MODROOT)

# The ABI make builds for, for scripts (scripts/install-check.sh).
print-abi:
	@echo $(ABI)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(ST_OUT) $(RESULTS) $(BUILD)/demo $(BUILD)/emu-* $(BUILD)/kapi \
		$(BUILD)/kdump-tools $(BUILD)/bench $(BUILD)/bench-scale $(BUILD)/bench-exits $(BUILD)/bench-tools \
		$(BUILD)/fuzz $(BUILD)/fuzz-tools $(BUILD)/fuzz-check-tools \
		$(MODROOT) $(KSFT_INSTALL) $(BUILD)/check-host \
		$(HOST_TOOLS)
