// SPDX-License-Identifier: GPL-2.0
/*
 * bench_vm: the VM, vCPU and run helpers every bench workload uses, on
 * any /dev/kvm-shaped device (bench.c has the overview).
 */
#include <errno.h>
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

const char *dev_name;
int is_vtx;

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int xioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

void vm_close(struct vm *vm)
{
	if (vm->run && vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	if (vm->stats >= 0)
		close(vm->stats);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, MEM_SIZE);
	vm->run = NULL;
	vm->mem = NULL;
	vm->stats = -1;
	vm->vcpu = -1;
	vm->fd = -1;
}

/* A VM with MEM_SIZE bytes at GPA 0, optionally a SPEC_CTRL policy. */
int vm_open(struct vm *vm, int dev, const struct vtx_spec_ctrl_policy *p)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = MEM_SIZE,
	};
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->dev = dev;
	vm->stats = -1;
	vm->vcpu = -1;
	vm->fd = xioctl(dev, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return vm->fd;
	if (p) {
		r = xioctl(vm->fd, VTX_SET_SPEC_CTRL_POLICY, (void *)p);
		if (r)
			return r;
	}
	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		return -errno;
	region.userspace_addr = (unsigned long)vm->mem;
	return xioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

/* Grant the guest what the device supports, SPEC_CTRL included. */
static int vcpu_set_cpuid(struct vm *vm)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} cpuid = { .c.nent = 100 };
	int r;

	r = xioctl(vm->dev, KVM_GET_SUPPORTED_CPUID, &cpuid);
	if (r)
		return r;
	return xioctl(vm->vcpu, KVM_SET_CPUID2, &cpuid);
}

/* vCPU 0 in real mode at @start..@end, which is copied to CODE_GPA. */
int vcpu_open(struct vm *vm, const unsigned char *start,
	      const unsigned char *end, int with_cpuid)
{
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };
	struct kvm_sregs sregs;
	int r;

	memcpy(vm->mem + CODE_GPA, start, end - start);
	vm->vcpu = xioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		return vm->vcpu;
	vm->run_size = xioctl(vm->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < 0)
		return vm->run_size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED)
		return -errno;
	if (with_cpuid) {
		r = vcpu_set_cpuid(vm);
		if (r)
			return r;
	}
	r = xioctl(vm->vcpu, KVM_GET_SREGS, &sregs);
	if (r)
		return r;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	r = xioctl(vm->vcpu, KVM_SET_SREGS, &sregs);
	if (r)
		return r;
	return xioctl(vm->vcpu, KVM_SET_REGS, &regs);
}

/* Big real mode: DS reaches 4 GiB, for the guest's 32-bit addresses. */
int vcpu_big_real(struct vm *vm)
{
	struct kvm_sregs sregs;
	int r;

	r = xioctl(vm->vcpu, KVM_GET_SREGS, &sregs);
	if (r)
		return r;
	sregs.ds.limit = 0xffffffff;
	sregs.ds.g = 1;
	return xioctl(vm->vcpu, KVM_SET_SREGS, &sregs);
}

/* Find the vCPU's "exits" statistic in its binary stats file (both devices). */
static int kvm_stats_open(struct vm *vm)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsize;
	char *descs;
	__u32 i;
	int r = -ENOENT;

	vm->stats = xioctl(vm->vcpu, KVM_GET_STATS_FD, 0);
	if (vm->stats < 0)
		return vm->stats;
	if (pread(vm->stats, &h, sizeof(h), 0) != sizeof(h))
		return -EIO;
	dsize = sizeof(*d) + h.name_size;
	descs = malloc(dsize * h.num_desc);
	if (!descs)
		return -ENOMEM;
	if (pread(vm->stats, descs, dsize * h.num_desc, h.desc_offset) !=
	    (ssize_t)(dsize * h.num_desc)) {
		free(descs);
		return -EIO;
	}
	for (i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(descs + i * dsize);
		if (!strcmp(d->name, "exits")) {
			vm->exits_at = h.data_offset + d->offset;
			r = 0;
			break;
		}
	}
	free(descs);
	return r;
}

/* Every VM exit of the vCPU so far, as the device counts them. */
int vcpu_exits(struct vm *vm, __u64 *exits)
{
	int r;

	if (vm->stats < 0) {
		r = kvm_stats_open(vm);
		if (r)
			return r;
	}
	if (pread(vm->stats, exits, sizeof(*exits), vm->exits_at) !=
	    sizeof(*exits))
		return -EIO;
	return 0;
}

/*
 * Run until HLT; count OUTs to PORT_OP and collect the TSC delta.
 * Return: 0, or a negative errno, or -EPROTO on an unexpected exit.
 */
int vcpu_run_loop(struct vm *vm, __u64 *tsc, __u64 *uexits)
{
	__u32 lo = 0, hi = 0, *data;
	int r;

	*uexits = 0;
	for (;;) {
		r = xioctl(vm->vcpu, KVM_RUN, 0);
		if (r)
			return r;
		(*uexits)++;
		if (vm->run->exit_reason == KVM_EXIT_HLT)
			break;
		if (vm->run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "# %s: exit reason %u\n", dev_name,
				vm->run->exit_reason);
			return -EPROTO;
		}
		data = (__u32 *)((char *)vm->run + vm->run->io.data_offset);
		if (vm->run->io.port == PORT_TSC_LO)
			lo = *data;
		else if (vm->run->io.port == PORT_TSC_HI)
			hi = *data;
	}
	*tsc = (__u64)hi << 32 | lo;
	return 0;
}

void report(const char *work, const char *mode, int n, int run, double ns,
	    __u64 tsc, __u64 exits, __u64 uexits)
{
	printf("BENCH dev=%s work=%s mode=%s n=%d run=%d ns=%.0f tsc=%llu exits=%llu uexits=%llu\n",
	       dev_name, work, mode, n, run, ns, (unsigned long long)tsc,
	       (unsigned long long)exits, (unsigned long long)uexits);
}

void skip(const char *work, const char *mode, const char *why, int r)
{
	printf("BENCH-SKIP dev=%s work=%s mode=%s why=%s(%s)\n", dev_name,
	       work, mode, why, strerror(-r));
}

/* One guest loop workload, RUNS times, each in a fresh VM. */
