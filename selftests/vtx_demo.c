// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_demo: run two small guests through /dev/vtx and say what happens.
 *
 *   vtx_demo [DEVICE]	(default /dev/vtx; /dev/kvm works too)
 *
 * 1. A vCPU starts where a real CPU does, at the reset vector (CS.base
 *    0xffff0000, IP 0xfff0), in a 64 KiB "ROM" slot. The guest prints a
 *    greeting on port 0xe9, one OUT per character, then reports its
 *    CPUID vendor string on port 0xea and halts.
 * 2. A second vCPU is put straight into 64-bit long mode with page tables
 *    built here; it computes Fibonacci(90) and reports it on port 0xeb.
 *
 * Only <linux/kvm.h> is needed for the guests; <linux/vtx.h> adds the
 * per-vCPU exit statistics printed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <asm/vmx.h>
#include <linux/vtx.h>

/* Guest code assembled into this binary, between two labels. */
#define GUEST_CODE(name) extern const unsigned char name##_start[], name##_end[]

/* Real-mode guest, copied to the start of the ROM slot (CS offset 0). */
GUEST_CODE(demo_rm);
__asm__(".pushsection .rodata, \"a\"\n"
	"demo_rm_start:\n"
	".code16\n"
	"	mov $(demo_rm_msg - demo_rm_start), %si\n"
	"	mov $0xe9, %dx\n"
	"1:	lods %cs:(%si), %al\n"
	"	test %al, %al\n"
	"	jz 2f\n"
	"	out %al, %dx\n"
	"	jmp 1b\n"
	"2:	xor %eax, %eax\n"
	"	cpuid\n"
	"	mov %edx, %edi\n"
	"	mov $0xea, %dx\n"
	"	mov %ebx, %eax\n"
	"	out %eax, %dx\n"
	"	mov %edi, %eax\n"
	"	out %eax, %dx\n"
	"	mov %ecx, %eax\n"
	"	out %eax, %dx\n"
	"	hlt\n"
	"demo_rm_msg:\n"
	"	.asciz \"Hello from the reset vector: real mode, CS.base 0xffff0000\\n\"\n"
	".code64\n"
	"demo_rm_end:\n"
	".popsection\n");

/* 64-bit guest: Fibonacci(90) in RAX, reported as two 32-bit halves. */
GUEST_CODE(demo_lm);
__asm__(".pushsection .rodata, \"a\"\n"
	"demo_lm_start:\n"
	"	mov $90, %ecx\n"
	"	xor %eax, %eax\n"
	"	mov $1, %edx\n"
	"1:	lea (%rax,%rdx), %rbx\n"
	"	mov %rdx, %rax\n"
	"	mov %rbx, %rdx\n"
	"	loop 1b\n"
	"	mov %rax, %rbx\n"
	"	mov $0xeb, %dx\n"
	"	mov %ebx, %eax\n"
	"	out %eax, %dx\n"
	"	shr $32, %rbx\n"
	"	mov %ebx, %eax\n"
	"	out %eax, %dx\n"
	"	hlt\n"
	"demo_lm_end:\n"
	".popsection\n");

#define ROM_GPA		0xffff0000UL
#define ROM_SIZE	0x10000UL
#define RAM_SIZE	0x200000UL
#define GDT_GPA		0x500
#define PML4_GPA	0x1000
#define CODE64_GPA	0x10000

static void die(const char *what)
{
	fprintf(stderr, "vtx_demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *alloc_mem(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void add_slot(int vm, __u32 slot, __u64 gpa, void *mem, __u64 size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (unsigned long)mem,
	};

	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION");
}

struct vcpu {
	int fd;
	struct kvm_run *run;
};

static void new_vcpu(int dev, int vm, int id, struct vcpu *v)
{
	int size = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);

	v->fd = ioctl(vm, KVM_CREATE_VCPU, id);
	if (v->fd < 0 || size < 0)
		die("KVM_CREATE_VCPU");
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
}

/* Run to the next exit that is not port I/O to @port; collect that I/O. */
static __u32 run_collect(struct vcpu *v, __u16 port, void (*fn)(__u32))
{
	for (;;) {
		struct kvm_run *run = v->run;
		__u32 data = 0;

		if (ioctl(v->fd, KVM_RUN, 0))
			die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != port)
			return run->exit_reason;
		memcpy(&data, (char *)run + run->io.data_offset, run->io.size);
		fn(data);
	}
}

static char line[128];
static unsigned int line_len;

static void put_char(__u32 c)
{
	if (c == '\n' || line_len == sizeof(line) - 1) {
		line[line_len] = '\0';
		printf("guest> %s\n", line);
		line_len = 0;
		return;
	}
	line[line_len++] = c;
}

static __u32 words[3];
static unsigned int nwords;

static void put_word(__u32 w)
{
	if (nwords < 3)
		words[nwords++] = w;
}

static const char *exit_name(__u32 reason)
{
	switch (reason) {
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	}
	return "other";
}

static void set_cpuid(int dev, struct vcpu *v)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[64];
	} t = { .c.nent = 64 };

	if (ioctl(dev, KVM_GET_SUPPORTED_CPUID, &t))
		die("KVM_GET_SUPPORTED_CPUID");
	if (ioctl(v->fd, KVM_SET_CPUID2, &t))
		die("KVM_SET_CPUID2");
}

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The name <asm/vmx.h> gives a basic exit reason, or "?". */
static const char *exit_reason_name(__u32 reason)
{
	static const struct {
		__u32 reason;
		const char *name;
	} names[] = { VMX_EXIT_REASONS };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].reason == reason)
			return names[i].name;
	return "?";
}

/* vtx's own view of a vCPU: its VM exits by reason. */
static void print_stats(int fd, const char *who)
{
	struct vtx_vcpu_stats st;
	unsigned int i;

	if (ioctl(fd, VTX_GET_VCPU_STATS, &st))
		return;	/* not vtx */
	printf("%s: %llu VM exits:", who, (unsigned long long)st.exits);
	for (i = 0; i < VTX_NR_EXIT_REASONS; i++)
		if (st.exit_reason[i])
			printf(" %s=%llu", exit_reason_name(i),
			       (unsigned long long)st.exit_reason[i]);
	printf("\n");
}

static void real_mode_guest(int dev, int vm)
{
	unsigned char *rom = alloc_mem(ROM_SIZE);
	struct vcpu v;
	char vendor[13];
	__u32 reason;

	memcpy(rom, demo_rm_start, demo_rm_end - demo_rm_start);
	/* At 0xfff0, the reset vector: jmp near to offset 0 (wraps). */
	rom[0xfff0] = 0xe9;
	rom[0xfff1] = 0x0d;
	rom[0xfff2] = 0x00;
	add_slot(vm, 0, ROM_GPA, rom, ROM_SIZE);

	new_vcpu(dev, vm, 0, &v);
	set_cpuid(dev, &v);
	printf("vCPU 0: architectural reset state, first fetch at 0xfffffff0\n");
	reason = run_collect(&v, 0xe9, put_char);
	if (reason != KVM_EXIT_IO || v.run->io.port != 0xea)
		goto unexpected;
	put_word(*(__u32 *)((char *)v.run + v.run->io.data_offset));
	reason = run_collect(&v, 0xea, put_word);
	if (reason != KVM_EXIT_HLT || nwords != 3)
		goto unexpected;
	memcpy(vendor, words, 12);
	vendor[12] = '\0';
	printf("guest> CPUID.0 vendor: %s (answered from KVM_SET_CPUID2)\n",
	       vendor);
	printf("vCPU 0: exit %s\n", exit_name(reason));
	print_stats(v.fd, "vCPU 0");
	close(v.fd);
	return;

unexpected:
	printf("vCPU 0: unexpected exit %s (%u)\n", exit_name(reason), reason);
	exit(1);
}

static void long_mode_guest(int dev, int vm)
{
	unsigned char *ram = alloc_mem(RAM_SIZE);
	__u64 *gdt = (__u64 *)(ram + GDT_GPA);
	__u64 *pml4 = (__u64 *)(ram + PML4_GPA);
	struct kvm_segment code = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.limit = 0xffffffff, .selector = 16, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_regs regs = { .rip = CODE64_GPA, .rsp = 0x8000, .rflags = 2 };
	struct kvm_sregs sregs;
	struct vcpu v;
	__u32 reason;

	memcpy(ram + CODE64_GPA, demo_lm_start, demo_lm_end - demo_lm_start);
	gdt[1] = 0x00209a0000000000ULL;			/* 64-bit code */
	gdt[2] = 0x00c0920000000000ULL;			/* data */
	pml4[0] = (PML4_GPA + 0x1000) | 3;		/* PDPT */
	pml4[512] = (PML4_GPA + 0x2000) | 3;		/* PDPT[0]: PD */
	pml4[1024] = 0x83;				/* 2 MiB page at 0 */
	add_slot(vm, 1, 0, ram, RAM_SIZE);

	new_vcpu(dev, vm, 1, &v);
	if (ioctl(v.fd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	sregs.cs = code;
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr0 = 0x80050033;	/* PG WP NE ET MP PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20;	/* PAE */
	sregs.efer = 0x500;	/* LMA LME */
	if (ioctl(v.fd, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	if (ioctl(v.fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
	printf("vCPU 1: 64-bit long mode via KVM_SET_SREGS, RIP 0x%x\n",
	       CODE64_GPA);

	nwords = 0;
	reason = run_collect(&v, 0xeb, put_word);
	if (reason != KVM_EXIT_HLT || nwords != 2) {
		printf("vCPU 1: unexpected exit %s (%u)\n", exit_name(reason),
		       reason);
		exit(1);
	}
	printf("guest> Fibonacci(90) = %llu\n",
	       (unsigned long long)words[1] << 32 | words[0]);
	printf("vCPU 1: exit %s\n", exit_name(reason));
	print_stats(v.fd, "vCPU 1");
	close(v.fd);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/vtx";
	struct vcpu v;
	int dev, vm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die(path);
	printf("%s: KVM API version %d\n", path,
	       ioctl(dev, KVM_GET_API_VERSION, 0));
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");

	real_mode_guest(dev, vm);
	long_mode_guest(dev, vm);

	/* immediate_exit: KVM_RUN returns at once, as in KVM. */
	new_vcpu(dev, vm, 2, &v);
	v.run->immediate_exit = 1;
	if (ioctl(v.fd, KVM_RUN, 0) == -1 && errno == EINTR)
		printf("vCPU 2: immediate_exit gives EINTR, as in KVM\n");
	printf("demo done\n");
	return 0;
}
