// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal real-mode guest driven through the /dev/kvm ABI: it writes one
 * byte to an I/O port and halts. It runs unchanged on /dev/kvm and, once
 * vtx implements guest execution, on /dev/vtx.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vtx_test.h"

#define GUEST_MEM_SIZE	0x10000
#define GUEST_CODE_GPA	0x1000
#define GUEST_PORT	0x10
#define GUEST_BYTE	0x42

/* mov al, 0x42; out 0x10, al; hlt */
static const unsigned char guest_code[] = {
	0xb0, GUEST_BYTE, 0xe6, GUEST_PORT, 0xf4,
};

struct guest {
	int dev, vm, vcpu;
	void *mem;
	struct kvm_run *run;
	size_t run_size;
};

static int guest_setup(struct guest *g, const char *dev)
{
	struct kvm_userspace_memory_region region = {};
	struct kvm_sregs sregs;
	struct kvm_regs regs = {};
	int size;

	g->dev = __vtx_open(dev);
	if (g->dev < 0)
		return g->dev;
	g->vm = __vtx_ioctl(g->dev, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return g->vm;

	g->mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return -errno;
	memcpy((char *)g->mem + GUEST_CODE_GPA, guest_code, sizeof(guest_code));
	region.memory_size = GUEST_MEM_SIZE;
	region.userspace_addr = (unsigned long)g->mem;
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;

	g->vcpu = __vtx_ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return g->vcpu;
	size = __vtx_ioctl(g->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return size;
	g->run_size = size;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu, 0);
	if (g->run == MAP_FAILED)
		return -errno;

	if (ioctl(g->vcpu, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(g->vcpu, KVM_SET_SREGS, &sregs))
		return -errno;
	regs.rip = GUEST_CODE_GPA;
	regs.rflags = 2;
	if (ioctl(g->vcpu, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

static void guest_teardown(struct guest *g)
{
	if (g->run && g->run != MAP_FAILED)
		munmap(g->run, g->run_size);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->mem && g->mem != MAP_FAILED)
		munmap(g->mem, GUEST_MEM_SIZE);
	if (g->dev >= 0)
		close(g->dev);
}

static int guest_run(struct guest *g)
{
	unsigned char *data;

	if (ioctl(g->vcpu, KVM_RUN, 0))
		return -errno;
	if (g->run->exit_reason != KVM_EXIT_IO ||
	    g->run->io.direction != KVM_EXIT_IO_OUT ||
	    g->run->io.port != GUEST_PORT || g->run->io.size != 1 ||
	    g->run->io.count != 1) {
		fprintf(stderr, "# guest: exit %u, wanted OUT to 0x%x\n",
			g->run->exit_reason, GUEST_PORT);
		return -EPROTO;
	}
	data = (unsigned char *)g->run + g->run->io.data_offset;
	if (*data != GUEST_BYTE) {
		fprintf(stderr, "# guest: OUT data 0x%x\n", *data);
		return -EPROTO;
	}

	if (ioctl(g->vcpu, KVM_RUN, 0))
		return -errno;
	if (g->run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "# guest: exit %u, wanted HLT\n",
			g->run->exit_reason);
		return -EPROTO;
	}
	return 0;
}

/**
 * __vtx_guest_smoke() - run the smoke guest on @dev from @cpu
 * Return: 0 when the guest did OUT 0x42 to port 0x10 and then HLT, a
 * negative errno from the failing step otherwise.
 */
int __vtx_guest_smoke(const char *dev, int cpu)
{
	struct guest g = { .dev = -1, .vm = -1, .vcpu = -1 };
	int r;

	r = __vtx_pin_to_cpu(cpu);
	if (!r)
		r = guest_setup(&g, dev);
	if (!r)
		r = guest_run(&g);
	guest_teardown(&g);
	return r;
}

void vtx_guest_smoke(const char *dev, int cpu)
{
	int r = __vtx_guest_smoke(dev, cpu);

	VTX_ASSERT(!r, "guest on %s, cpu%d: %s", dev, cpu, strerror(-r));
}
