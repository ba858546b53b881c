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
#   make demo       boot the emulated Intel host and show the capability report
#   make load       on a real Intel host: insmod vtx.ko, show the report, run the demo
#   make bench      vtx against kvm_intel, one emulated boot (not in make check)
#   make fuzz       the fuzzer alone in the emulated host, SEED= DURATION=

# The kernel ABI that Debian's linux-headers-amd64 currently points to.
ABI ?= $(shell apt-cache depends linux-headers-amd64 2>/dev/null | \
	 sed -n 's/.*Depends: linux-headers-\([0-9].*\)/\1/p' | head -n 1)
KDIR ?= /usr/src/linux-headers-$(ABI)

BUILD := $(CURDIR)/.build
SRCTREE := $(BUILD)/linux-source-6.1
KIMAGE := $(BUILD)/kimage
ST_OUT := $(BUILD)/selftests
RESULTS := $(BUILD)/results

KMAKE := $(MAKE) -C $(KDIR) M=$(CURDIR) W=1

ST_CFLAGS := -O2 -g -static -Wall -Wextra -Werror -Wno-unused-parameter \
	-D_GNU_SOURCE -I$(CURDIR)/selftests/include -I$(CURDIR)/include/uapi \
	-I$(SRCTREE)/tools/testing/selftests -pthread
ST_LIB := $(wildcard selftests/lib/*.c)
ST_HDR := $(wildcard selftests/include/*.h) include/uapi/linux/vtx.h
ST_TESTS := $(patsubst selftests/%.c,$(ST_OUT)/%,$(wildcard selftests/*_test.c))
ST_TOOLS := $(ST_OUT)/vtx_info $(ST_OUT)/kernel_novmx $(ST_OUT)/vtx_demo \
	$(ST_OUT)/vmcs_state $(ST_OUT)/kdump_setup $(ST_OUT)/bench \
	$(ST_OUT)/vtx_fuzz
ST_FUZZ := $(wildcard selftests/fuzz/*.c)
ST_FUZZ_HDR := $(wildcard selftests/fuzz/*.h)

LINT_FILES := $(wildcard src/*.c src/*.h src/asm/*.S include/uapi/linux/*.h \
	kunit/*.c selftests/*.c selftests/lib/*.c selftests/include/*.h \
	selftests/fuzz/*.c selftests/fuzz/*.h)

.PHONY: all modules clean deps srctree lint sparse checkpatch kunit \
	selftests kimage check demo load kapi-check bench fuzz

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

sparse:
	$(KMAKE) C=2 CF=-Wsparse-error modules

checkpatch: srctree
	@rc=0; for f in $(LINT_FILES); do \
		perl $(SRCTREE)/scripts/checkpatch.pl --no-tree --strict --quiet \
			--show-types -f $$f || rc=1; \
	done; \
	[ $$rc -eq 0 ] && echo "checkpatch: $(words $(LINT_FILES)) files clean"; exit $$rc

lint: sparse checkpatch

# The older emergency-hook API (crash_vmclear_loaded_vmcss), compiled in a
# copy of the tree against a shim declaration: no kernel with that API is
# in Debian's archive. Its symbol is then unresolved, so modpost only warns.
KAPI := $(BUILD)/kapi
kapi-check:
	rm -rf $(KAPI)
	mkdir -p $(KAPI)
	cp -r Kbuild src include $(KAPI)/
	$(MAKE) -C $(KDIR) M=$(KAPI) W=1 VTX_EMERGENCY_API=crash_vmclear \
		VTX_KAPI_SHIM=$(CURDIR)/scripts/kapi/crash_vmclear.h \
		KBUILD_MODPOST_WARN=1 modules 2>&1 | tee $(KAPI)/build.log
	@grep -q '"crash_vmclear_loaded_vmcss" \[.*\] undefined' $(KAPI)/build.log
	@test -f $(KAPI)/vtx.ko
	@echo "kapi-check: the crash_vmclear_loaded_vmcss path builds"

kunit: srctree
	scripts/kunit.sh --srctree $(SRCTREE) --build $(BUILD)/kunit

$(ST_OUT)/%: selftests/%.c $(ST_LIB) $(ST_HDR) $(SRCTREE_STAMP)
	@mkdir -p $(ST_OUT)
	$(CC) $(ST_CFLAGS) -o $@ $< $(ST_LIB)

$(ST_OUT)/vtx_fuzz: $(ST_FUZZ) $(ST_FUZZ_HDR) $(ST_LIB) $(ST_HDR) \
		$(SRCTREE_STAMP)
	@mkdir -p $(ST_OUT)
	$(CC) $(ST_CFLAGS) -I$(CURDIR)/selftests/fuzz -o $@ $(ST_FUZZ) $(ST_LIB)

selftests: $(ST_TESTS) $(ST_TOOLS)

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
# IA32_SPEC_CTRL", so every vtx mode runs); the table goes to the terminal
# and .build/bench/bench.{txt,json,png}. 1 GiB of RAM: below 512 MiB the
# kernel turns transparent huge pages off, which no VM host runs without.
# BENCH_MODEL=corei7_icelake_u BENCH_BOCHS=2.7 gives the older bench host.
BENCH_MODEL := sapphire_rapids
BENCH_BOCHS := 3.0
BENCH_MEGS := 1024
bench:
	scripts/deps.sh
	$(MAKE) modules selftests kimage
	rm -rf $(BUILD)/bench-tools
	mkdir -p $(BUILD)/bench-tools
	cp $(ST_OUT)/bench $(BUILD)/bench-tools/
	scripts/emu-run.sh --mode bench --ko $(CURDIR)/vtx.ko \
		--tests $(BUILD)/bench-tools --kimage $(KIMAGE) --cpus 1 \
		--timeout 2400 --megs $(BENCH_MEGS) --model $(BENCH_MODEL) \
		--bochs $(BENCH_BOCHS) \
		--msrs $(CURDIR)/scripts/bochs-msrs.def --out $(BUILD)/bench
	scripts/bench-report.sh $(BUILD)/bench/bench.log $(BUILD)/bench \
		"vtx vs KVM, $$(date -u +%Y-%m-%d), emulated $(BENCH_MODEL) (Bochs $(BENCH_BOCHS)), 1 CPU, $(BENCH_MEGS) MiB"

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

load:
	scripts/deps.sh
	$(MAKE) modules selftests
	insmod vtx.ko
	$(ST_OUT)/vtx_info
	$(ST_OUT)/vtx_demo

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(ST_OUT) $(RESULTS) $(BUILD)/demo $(BUILD)/emu-* $(BUILD)/kapi \
		$(BUILD)/kdump-tools $(BUILD)/bench $(BUILD)/bench-tools \
		$(BUILD)/fuzz $(BUILD)/fuzz-tools $(BUILD)/fuzz-check-tools
