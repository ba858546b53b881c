// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the workloads of make bench, on any /dev/kvm-shaped device.
 *
 *   bench DEVICE NAME [scale|exits]
 *
 * Built only against <linux/kvm.h> and, for vtx's IA32_SPEC_CTRL modes,
 * <linux/vtx.h>. Each workload runs RUNS times; every run prints one line
 *
 *   BENCH dev=NAME work=W mode=M n=N run=R ns=NS tsc=T exits=E uexits=U
 *
 * floor_invd is the bare exit floor: INVD always exits and its handler
 * only steps over it, the least work any exit takes.
 *
 * slot64m_touch and slot512m_touch1m are a VMM starting a guest on fresh
 * memory: each operation is the KVM_SET_USER_MEMORY_REGION of slot 1 (64
 * or 512 MiB at SLOT_GPA) plus the KVM_RUN in which the guest writes one
 * byte to each 4 KiB page of the first 64 or 1 MiB of it, then halts. The
 * memory is a new anonymous mapping, 2 MiB-aligned, MAP_NORESERVE, never
 * touched by the client, and asks for transparent huge pages (mode thp)
 * or for none (mode 4k): the device maps it on the guest's first access
 * (EPT violations), and the host allocates and zeroes it then, for both
 * devices alike. Every operation runs in a new VM whose vCPU has already
 * run once (a page of slot 0, outside the time), so the time holds the
 * slot and the touches only, and its exits are those of the timed run.
 * The guest is in big real mode (DS limit 4 GiB) to reach SLOT_GPA with
 * 32-bit addresses. Outside the time: the VM, the mapping, the delete of
 * the slot, the check that each touched byte reached the VMM's memory,
 * and the munmap. tsc is the guest's loop alone, without the set. Both
 * devices fault in and zero the same host pages: with huge pages that
 * work (2 MiB clears) outweighs the EPT violations (one per 2 MiB), so
 * the thp rows compare the devices' parts only within it. Modes 4k-pre
 * and thp-pre (64 MiB only) take that work out: the client writes every
 * page of the mapping before the set, outside the time, so the guest's
 * touches cost each device its EPT-violation path alone (exit, page
 * lookup, map, re-entry).
 *
 * bench_scale.c has the crash-walk rows (vtx only) and the workloads of
 * "bench DEVICE NAME scale", which make bench runs in a 2-CPU boot.
 * "bench DEVICE NAME exits" runs the exit rows alone (out, cpuid,
 * floor_invd, spec_ctrl): make bench-exits, for work on the exit path.
 *
 * ns is CLOCK_MONOTONIC of the whole run in the host, tsc the guest's own
 * TSC delta around its loop (under Bochs: emulated instructions, so
 * deterministic), exits every VM exit of the run, as the device counts
 * them (the "exits" statistic of the vCPU's KVM_GET_STATS_FD, read by the
 * same code on both devices), uexits the exits to user space the client saw. A
 * workload the host cannot run prints "BENCH-SKIP dev=NAME work=W
 * mode=M why=...". scripts/bench-report.sh turns the lines into the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/vtx.h>

#include "bench.h"

#define N_CREATE	500
#define N_SLOT		20
#define SLOT_SIZE	(64UL << 20)
#define SLOT_GPA	0x10000000UL
#define SLOT_ALIGN	(2UL << 20)
#define BIG_SLOT_SIZE	(512UL << 20)
#define PAGE_4K		4096UL
#define TOUCH_SMALL	(256 * PAGE_4K)	/* 1 MiB */
#define N_TOUCH64M	4
#define N_TOUCH512M	32
#define WARM_GPA	0x2000UL
#define MSR_SPEC_CTRL	0x48

GUEST_LOOP(guest_out, "out %al, $0x10");
GUEST_LOOP(guest_cpuid, "xor %eax, %eax\n cpuid");
GUEST_LOOP(guest_wrmsr, "mov $0x48, %ecx\n xor %edx, %edx\n mov 0xf0c, %eax\n wrmsr");
GUEST_LOOP(guest_hlt_only, "nop");
/* The floor: INVD always exits, and its handler only steps over it. */
GUEST_LOOP(guest_invd, "invd");
/* One byte to each page: EBX the first GPA, PARAM_GPA + 12 the stride. */
GUEST_LOOP(guest_touch, "movb $1, (%ebx)\n add 0xf0c, %ebx");

/* One guest loop workload, RUNS times, each in a fresh VM. */
static int loop_workload(int dev, const char *work, const char *mode,
			 const unsigned char *start, const unsigned char *end,
			 const struct vtx_spec_ctrl_policy *p, __u32 value)
{
	__u64 tsc, uexits, e0, e1;
	struct vm vm;
	double t0, t1;
	int run, r;

	for (run = 1; run <= RUNS; run++) {
		r = vm_open(&vm, dev, p);
		if (!r)
			r = vcpu_open(&vm, start, end, 1);
		if (!r)
			r = vcpu_exits(&vm, &e0);
		if (r) {
			vm_close(&vm);
			skip(work, mode, "setup", r);
			return r;
		}
		*(__u32 *)(vm.mem + PARAM_GPA + 8) = N_EXITS;
		*(__u32 *)(vm.mem + PARAM_GPA + 12) = value;
		t0 = now_ns();
		r = vcpu_run_loop(&vm, &tsc, &uexits);
		t1 = now_ns();
		if (!r)
			r = vcpu_exits(&vm, &e1);
		if (r) {
			vm_close(&vm);
			skip(work, mode, "run", r);
			return r;
		}
		report(work, mode, N_EXITS, run, t1 - t0, tsc, e1 - e0, uexits);
		vm_close(&vm);
	}
	return 0;
}

/*
 * VM + vCPU create, first run to HLT, destroy: N_CREATE times a run. The
 * exit count is read between the run and the destroy, outside the time.
 * Besides the whole, the three phases are reported apart: "vm" (the VM
 * and its memory slot), "vcpu-run" (the vCPU, its setup and its run) and
 * "destroy" (closing everything).
 */
static void create_workload(int dev)
{
	__u64 tsc, uexits, exits, total, utotal;
	double t0, t_vm, t_vcpu, t_destroy;
	struct vm vm;
	int run, i, r;

	for (run = 1; run <= RUNS; run++) {
		t_vm = 0;
		t_vcpu = 0;
		t_destroy = 0;
		total = 0;
		utotal = 0;
		for (i = 0; i < N_CREATE; i++) {
			t0 = now_ns();
			r = vm_open(&vm, dev, NULL);
			t_vm += now_ns() - t0;
			t0 = now_ns();
			if (!r)
				r = vcpu_open(&vm, guest_hlt_only_start,
					      guest_hlt_only_end, 0);
			if (!r) {
				*(__u32 *)(vm.mem + PARAM_GPA + 8) = 1;
				r = vcpu_run_loop(&vm, &tsc, &uexits);
			}
			t_vcpu += now_ns() - t0;
			if (!r)
				r = vcpu_exits(&vm, &exits);
			t0 = now_ns();
			vm_close(&vm);
			t_destroy += now_ns() - t0;
			if (r) {
				skip("create", "-", "iteration", r);
				return;
			}
			total += exits;
			utotal += uexits;
		}
		report("create", "-", N_CREATE, run, t_vm + t_vcpu + t_destroy,
		       0, total, utotal);
		report("create", "vm", N_CREATE, run, t_vm, 0, 0, 0);
		report("create", "vcpu-run", N_CREATE, run, t_vcpu, 0, total,
		       utotal);
		report("create", "destroy", N_CREATE, run, t_destroy, 0, 0, 0);
	}
}

/*
 * Set and delete a 64 MiB slot: N_SLOT pairs a run, the set and the
 * delete timed apart. @huge: the memory is 2 MiB-aligned and asks for
 * transparent huge pages, as VMMs allocate guest RAM; otherwise it asks
 * for none. Either way it is faulted in first, outside the time.
 */
static void slot_workload(int dev, int huge)
{
	struct kvm_userspace_memory_region region = {
		.slot = 1, .guest_phys_addr = SLOT_GPA,
	};
	const char *set = huge ? "set-thp" : "set-4k";
	const char *del = huge ? "delete-thp" : "delete-4k";
	double t0, t_set, t_del;
	struct vm vm;
	char *map, *mem;
	int run, i, r;

	r = vm_open(&vm, dev, NULL);
	map = mmap(NULL, SLOT_SIZE + SLOT_ALIGN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r || map == MAP_FAILED) {
		skip("slot64m", set, "setup", r ? r : -ENOMEM);
		vm_close(&vm);
		return;
	}
	mem = (char *)(((unsigned long)map + SLOT_ALIGN - 1) &
		       ~(SLOT_ALIGN - 1));
	madvise(mem, SLOT_SIZE, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	memset(mem, 0, SLOT_SIZE);
	region.userspace_addr = (unsigned long)mem;
	for (run = 1; run <= RUNS; run++) {
		t_set = 0;
		t_del = 0;
		for (i = 0; i < N_SLOT; i++) {
			region.memory_size = SLOT_SIZE;
			t0 = now_ns();
			r = xioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &region);
			t_set += now_ns() - t0;
			region.memory_size = 0;
			t0 = now_ns();
			if (!r)
				r = xioctl(vm.fd, KVM_SET_USER_MEMORY_REGION,
					   &region);
			t_del += now_ns() - t0;
			if (r) {
				skip("slot64m", set, "ioctl", r);
				goto out;
			}
		}
		report("slot64m", set, N_SLOT, run, t_set, 0, 0, 0);
		report("slot64m", del, N_SLOT, run, t_del, 0, 0, 0);
	}
out:
	munmap(map, SLOT_SIZE + SLOT_ALIGN);
	vm_close(&vm);
}

struct touch_result {
	double ns;
	__u64 tsc, exits, uexits;
};

/* Run the touch guest from CODE_GPA over @pages pages from @gpa. */
static int touch_start(struct vm *vm, __u64 gpa, __u32 pages)
{
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2, .rbx = gpa };

	*(__u32 *)(vm->mem + PARAM_GPA + 8) = pages;
	*(__u32 *)(vm->mem + PARAM_GPA + 12) = PAGE_4K;
	return xioctl(vm->vcpu, KVM_SET_REGS, &regs);
}

/*
 * One operation of a touch workload (see the top of the file): a slot of
 * @size bytes, of which the guest touches the first @touch. Adds the
 * operation's figures to @res.
 */
static int touch_once(int dev, unsigned long size, unsigned long touch,
		      int huge, int pre, struct touch_result *res)
{
	struct kvm_userspace_memory_region region = {
		.slot = 1, .guest_phys_addr = SLOT_GPA, .memory_size = size,
	};
	__u64 tsc, uexits, e0, e1;
	unsigned long i;
	char *map = MAP_FAILED, *mem;
	struct vm vm;
	double t0, t1;
	int r;

	r = vm_open(&vm, dev, NULL);
	if (!r)
		r = vcpu_open(&vm, guest_touch_start, guest_touch_end, 0);
	if (!r)
		r = vcpu_big_real(&vm);
	/* The vCPU's first run, on slot 0: the code and PARAM_GPA mapped. */
	if (!r)
		r = touch_start(&vm, WARM_GPA, 1);
	if (!r)
		r = vcpu_run_loop(&vm, &tsc, &uexits);
	if (!r)
		r = touch_start(&vm, SLOT_GPA, touch / PAGE_4K);
	if (!r)
		r = vcpu_exits(&vm, &e0);
	if (r)
		goto out;
	map = mmap(NULL, size + SLOT_ALIGN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	mem = (char *)(((unsigned long)map + SLOT_ALIGN - 1) &
		       ~(SLOT_ALIGN - 1));
	if (madvise(mem, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		r = -errno;
		goto out;
	}
	if (pre)
		memset(mem, 0, touch);
	region.userspace_addr = (unsigned long)mem;

	t0 = now_ns();
	r = xioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &region);
	if (!r)
		r = vcpu_run_loop(&vm, &tsc, &uexits);
	t1 = now_ns();

	if (!r)
		r = vcpu_exits(&vm, &e1);
	region.memory_size = 0;
	if (!r)
		r = xioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &region);
	for (i = 0; !r && i < touch; i += PAGE_4K)
		if (mem[i] != 1)
			r = -EIO;
	if (!r) {
		res->ns += t1 - t0;
		res->tsc += tsc;
		res->exits += e1 - e0;
		res->uexits += uexits;
	}
out:
	vm_close(&vm);
	if (map != MAP_FAILED)
		munmap(map, size + SLOT_ALIGN);
	return r;
}

/* @n operations of touch_once() a run. */
static void touch_workload(int dev, const char *work, unsigned long size,
			   unsigned long touch, int huge, int pre, int n)
{
	const char *mode = pre ? (huge ? "thp-pre" : "4k-pre") :
				 (huge ? "thp" : "4k");
	struct touch_result res;
	int run, i, r;

	for (run = 1; run <= RUNS; run++) {
		memset(&res, 0, sizeof(res));
		for (i = 0; i < n; i++) {
			r = touch_once(dev, size, touch, huge, pre, &res);
			if (r) {
				skip(work, mode, "iteration", r);
				return;
			}
		}
		report(work, mode, n, run, res.ns, res.tsc, res.exits,
		       res.uexits);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		__u32 mode;
	} modes[] = {
		{ "intercept", VTX_SPEC_CTRL_MODE_INTERCEPT },
		{ "passthrough", VTX_SPEC_CTRL_MODE_PASSTHROUGH },
		{ "virtualize", VTX_SPEC_CTRL_MODE_VIRTUALIZE },
	};
	struct vtx_spec_ctrl_policy p;
	int dev;
	size_t i;

	if (argc < 3 || argc > 4 ||
	    (argc == 4 && strcmp(argv[3], "scale") &&
	     strcmp(argv[3], "exits"))) {
		fprintf(stderr, "usage: bench DEVICE NAME [scale|exits]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev_name = argv[2];
	dev = open(argv[1], O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "bench: open %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	is_vtx = !!strstr(argv[1], "vtx");
	if (argc == 4 && !strcmp(argv[3], "scale")) {
		scale_workloads(dev);
		close(dev);
		return 0;
	}

	loop_workload(dev, "out", "-", guest_out_start, guest_out_end, NULL, 0);
	loop_workload(dev, "cpuid", "-", guest_cpuid_start, guest_cpuid_end,
		      NULL, 0);
	loop_workload(dev, "floor_invd", "-", guest_invd_start, guest_invd_end,
		      NULL, 0);
	if (is_vtx) {
		for (i = 0; i < ARRAY_SIZE(modes); i++) {
			memset(&p, 0, sizeof(p));
			p.mode = modes[i].mode;
			loop_workload(dev, "spec_ctrl", modes[i].name,
				      guest_wrmsr_start, guest_wrmsr_end, &p, 1);
		}
	} else {
		loop_workload(dev, "spec_ctrl", "kvm", guest_wrmsr_start,
			      guest_wrmsr_end, NULL, 1);
	}
	if (argc == 4) {	/* exits: the rows above only */
		close(dev);
		return 0;
	}
	create_workload(dev);
	slot_workload(dev, 0);
	slot_workload(dev, 1);
	touch_workload(dev, "slot64m_touch", SLOT_SIZE, SLOT_SIZE, 0, 0,
		       N_TOUCH64M);
	touch_workload(dev, "slot64m_touch", SLOT_SIZE, SLOT_SIZE, 1, 0,
		       N_TOUCH64M);
	touch_workload(dev, "slot64m_touch", SLOT_SIZE, SLOT_SIZE, 0, 1,
		       N_TOUCH64M);
	touch_workload(dev, "slot64m_touch", SLOT_SIZE, SLOT_SIZE, 1, 1,
		       N_TOUCH64M);
	touch_workload(dev, "slot512m_touch1m", BIG_SLOT_SIZE, TOUCH_SMALL, 0,
		       0, N_TOUCH512M);
	touch_workload(dev, "slot512m_touch1m", BIG_SLOT_SIZE, TOUCH_SMALL, 1,
		       0, N_TOUCH512M);
	if (is_vtx)
		crash_walk_workload(dev);
	close(dev);
	return 0;
}
