// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_client: a minimal client of the /dev/kvm ABI, for any device that
 * speaks it (/dev/kvm, /dev/vtx). It needs only libc and <linux/kvm.h>:
 *
 *	cc -O2 -o kvm_client kvm_client.c
 *	./kvm_client /dev/kvm
 *
 * It makes a VM with 64 KiB of memory at GPA 0 and one vCPU with a
 * CPUID table holding one hypervisor leaf, then runs a real-mode guest
 * that writes "vtx" to port 0x10, reads a byte from port 0x11 (answered
 * 0x5a) and writes it back to 0x12, writes a word to 0x13, writes what
 * CPUID leaf 0x40000000 returns to 0x14 and halts. stdout gets one line
 * per exit; any correct device prints the same transcript. Errors go to
 * stderr. Exit status: 0 when the guest halted where planned, 1 if not.
 *
 * (selftests/kvm_client_test.c includes this file to compare /dev/vtx
 * with /dev/kvm.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#define KC_MEM_SIZE	0x10000
#define KC_CODE_GPA	0x1000
#define KC_IN_PORT	0x11
#define KC_IN_VALUE	0x5a
#define KC_LEAF		0x40000000
#define KC_MAX_EXITS	32
/* Newer than the 6.1 headers; vtx uses it for a GPA no slot covers. */
#define KC_EXIT_MEMORY_FAULT	39

/*
 * The guest, 16-bit code run at 0:KC_CODE_GPA. No absolute addresses.
 */
static const unsigned char kc_guest[] = {
	0xb0, 0x76,			/* mov $'v', %al */
	0xe6, 0x10,			/* out %al, $0x10 */
	0xb0, 0x74,			/* mov $'t', %al */
	0xe6, 0x10,			/* out %al, $0x10 */
	0xb0, 0x78,			/* mov $'x', %al */
	0xe6, 0x10,			/* out %al, $0x10 */
	0xe4, KC_IN_PORT,		/* in $0x11, %al */
	0xe6, 0x12,			/* out %al, $0x12 */
	0xb8, 0x34, 0x12,		/* mov $0x1234, %ax */
	0xe7, 0x13,			/* out %ax, $0x13 */
	0x66, 0xb8, 0x00, 0x00, 0x00, 0x40, /* mov $0x40000000, %eax */
	0x66, 0x31, 0xc9,		/* xor %ecx, %ecx */
	0x0f, 0xa2,			/* cpuid */
	0x66, 0xe7, 0x14,		/* out %eax, $0x14 */
	0x66, 0x89, 0xd8,		/* mov %ebx, %eax */
	0x66, 0xe7, 0x14,		/* out %eax, $0x14 */
	0x66, 0x89, 0xc8,		/* mov %ecx, %eax */
	0x66, 0xe7, 0x14,		/* out %eax, $0x14 */
	0x66, 0x89, 0xd0,		/* mov %edx, %eax */
	0x66, 0xe7, 0x14,		/* out %eax, $0x14 */
	0xf4,				/* hlt */
};

/*
 * The leaf both KVM and vtx return as set: no KVM signature, no Hyper-V
 * one, and no leaf 0 in the table, so KVM's out-of-range rule for
 * Intel-vendor tables does not apply either.
 */
static const struct kvm_cpuid_entry2 kc_leaf = {
	.function = KC_LEAF,
	.eax = KC_LEAF,
	.ebx = 0x11223344,
	.ecx = 0x55667788,
	.edx = 0x99aabbcc,
};

struct kc {
	int dev, vm, vcpu;
	void *mem;
	struct kvm_run *run;
	int run_size;
};

static int kc_fail(const char *what)
{
	fprintf(stderr, "kvm_client: %s: %s\n", what, strerror(errno));
	return -1;
}

static int kc_setup(struct kc *kc, const char *path)
{
	struct kvm_userspace_memory_region region = {};
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	kc->dev = open(path, O_RDWR | O_CLOEXEC);
	if (kc->dev < 0)
		return kc_fail(path);
	kc->vm = ioctl(kc->dev, KVM_CREATE_VM, 0);
	if (kc->vm < 0)
		return kc_fail("KVM_CREATE_VM");

	kc->mem = mmap(NULL, KC_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (kc->mem == MAP_FAILED) {
		kc->mem = NULL;
		return kc_fail("mmap guest memory");
	}
	memcpy((char *)kc->mem + KC_CODE_GPA, kc_guest, sizeof(kc_guest));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = KC_MEM_SIZE;
	region.userspace_addr = (unsigned long)kc->mem;
	if (ioctl(kc->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return kc_fail("KVM_SET_USER_MEMORY_REGION");

	kc->vcpu = ioctl(kc->vm, KVM_CREATE_VCPU, 0);
	if (kc->vcpu < 0)
		return kc_fail("KVM_CREATE_VCPU");
	kc->run_size = ioctl(kc->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kc->run_size < 0)
		return kc_fail("KVM_GET_VCPU_MMAP_SIZE");
	kc->run = mmap(NULL, kc->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       kc->vcpu, 0);
	if (kc->run == MAP_FAILED) {
		kc->run = NULL;
		return kc_fail("mmap kvm_run");
	}

	cpuid = calloc(1, sizeof(*cpuid) + sizeof(kc_leaf));
	if (!cpuid)
		return kc_fail("calloc");
	cpuid->nent = 1;
	cpuid->entries[0] = kc_leaf;
	r = ioctl(kc->vcpu, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (r)
		return kc_fail("KVM_SET_CPUID2");

	if (ioctl(kc->vcpu, KVM_GET_SREGS, &sregs))
		return kc_fail("KVM_GET_SREGS");
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	if (ioctl(kc->vcpu, KVM_SET_SREGS, &sregs))
		return kc_fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = KC_CODE_GPA;
	regs.rflags = 2;
	if (ioctl(kc->vcpu, KVM_SET_REGS, &regs))
		return kc_fail("KVM_SET_REGS");
	return 0;
}

static void kc_teardown(struct kc *kc)
{
	if (kc->run)
		munmap(kc->run, kc->run_size);
	if (kc->vcpu >= 0)
		close(kc->vcpu);
	if (kc->vm >= 0)
		close(kc->vm);
	if (kc->mem)
		munmap(kc->mem, KC_MEM_SIZE);
	if (kc->dev >= 0)
		close(kc->dev);
}

static const char *kc_exit_name(unsigned int reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return "IO";
	case KVM_EXIT_HLT:
		return "HLT";
	case KVM_EXIT_MMIO:
		return "MMIO";
	case KVM_EXIT_SHUTDOWN:
		return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:
		return "FAIL_ENTRY";
	case KVM_EXIT_INTR:
		return "INTR";
	case KVM_EXIT_INTERNAL_ERROR:
		return "INTERNAL_ERROR";
	case KC_EXIT_MEMORY_FAULT:
		return "MEMORY_FAULT";
	default:
		return "OTHER";
	}
}

/* Run to HLT, one line per exit. Return: 0 at the planned HLT, else 1. */
static int kc_run(struct kc *kc)
{
	struct kvm_run *run = kc->run;
	unsigned char *data;
	unsigned int value;
	int i;

	for (i = 0; i < KC_MAX_EXITS; i++) {
		if (ioctl(kc->vcpu, KVM_RUN, 0)) {
			kc_fail("KVM_RUN");
			return 1;
		}
		if (run->exit_reason == KVM_EXIT_HLT) {
			printf("exit HLT\n");
			printf("halted after %d exits\n", i + 1);
			return 0;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.count != 1 ||
		    run->io.size > sizeof(value)) {
			printf("exit %s (%u)\n", kc_exit_name(run->exit_reason),
			       run->exit_reason);
			return 1;
		}
		data = (unsigned char *)run + run->io.data_offset;
		if (run->io.direction == KVM_EXIT_IO_IN) {
			value = run->io.port == KC_IN_PORT ? KC_IN_VALUE : 0;
			memcpy(data, &value, run->io.size);
			printf("exit IO in  port 0x%02x size %u answer 0x%x\n",
			       run->io.port, run->io.size, value);
		} else {
			value = 0;
			memcpy(&value, data, run->io.size);
			printf("exit IO out port 0x%02x size %u data 0x%x\n",
			       run->io.port, run->io.size, value);
		}
	}
	printf("no HLT after %d exits\n", i);
	return 1;
}

int main(int argc, char **argv)
{
	struct kc kc = { .dev = -1, .vm = -1, .vcpu = -1 };
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DEVICE (/dev/kvm or /dev/vtx)\n",
			argv[0]);
		return 2;
	}
	r = kc_setup(&kc, argv[1]) ? 1 : kc_run(&kc);
	kc_teardown(&kc);
	fflush(stdout);
	return r;
}
