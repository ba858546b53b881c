// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O (INS/OUTS, REP or not, DF=0 and DF=1) in 64-bit and
 * real mode, and MMIO: guest accesses to a GPA outside every slot become
 * KVM_EXIT_MMIO, and the VMM answers reads in run->mmio.data.
 *
 * Each client runs on /dev/vtx and then on /dev/kvm (kvm_intel) through
 * vtx_transcript_both(): KVM's transcript must be the one hard-coded
 * here, and vtx's must equal it. How many elements one string I/O exit
 * carries is KVM's business: the transcripts show the data, and the
 * per-exit counts go to stderr ("# string io ...") for information.
 *
 * One test is vtx-only (marked below): an instruction on MMIO that vtx's
 * decoder refuses, which KVM emulates.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_dual.h"
#include "vtx_test.h"

#define CLIENT_ALARM	120	/* seconds: a stuck guest kills the child */
#define MMIO_GPA	0xd0000000ULL
#define RM_SLOT_SIZE	0xd0000ULL	/* real-mode VM: 0xd0000 up is MMIO */
#define MAX_EXITS	4000

/*
 * guest_sio64: one string I/O case per hlt (the VMM prints what it saw
 * at each); sources at 0x20000 + 0x100 * n written by the VMM,
 * destinations at 0x21000 + 0x100 * n.
 */
VTX_GUEST_CODE(guest_sio64);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sio64_start:\n"
	".code64\n"
	"	cld\n"
	"	mov $0x20000, %esi\n"
	"	mov $13, %ecx\n"
	"	mov $0x40, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x20100, %esi\n"
	"	mov $4, %ecx\n"
	"	mov $0x42, %dx\n"
	"	rep outsw\n"
	"	hlt\n"
	"	mov $0x20200, %esi\n"
	"	mov $3, %ecx\n"
	"	mov $0x44, %dx\n"
	"	rep outsl\n"
	"	hlt\n"
	"	mov $0x21000, %edi\n"
	"	mov $16, %ecx\n"
	"	mov $0x50, %dx\n"
	"	rep insb\n"
	"	hlt\n"
	"	mov $0x21100, %edi\n"
	"	mov $5, %ecx\n"
	"	mov $0x52, %dx\n"
	"	rep insw\n"
	"	hlt\n"
	"	mov $0x21200, %edi\n"
	"	mov $4, %ecx\n"
	"	mov $0x54, %dx\n"
	"	rep insl\n"
	"	hlt\n"
	"	mov $0x20400, %esi\n"
	"	mov $0x77, %ecx\n"
	"	mov $0x46, %dx\n"
	"	outsb\n"
	"	hlt\n"
	"	mov $0x21300, %edi\n"
	"	mov $0x77, %ecx\n"
	"	mov $0x56, %dx\n"
	"	insb\n"
	"	hlt\n"
	"	std\n"
	"	mov $0x20304, %esi\n"
	"	mov $5, %ecx\n"
	"	mov $0x48, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x21404, %edi\n"
	"	mov $3, %ecx\n"
	"	mov $0x58, %dx\n"
	"	rep insw\n"
	"	hlt\n"
	"	cld\n"
	"	mov $0x20000, %esi\n"
	"	xor %ecx, %ecx\n"
	"	mov $0x40, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x22f80, %edi\n"
	"	mov $0x180, %ecx\n"
	"	mov $0x5a, %dx\n"
	"	rep insl\n"
	"	hlt\n"
	"guest_sio64_end:\n"
	".popsection\n");

/*
 * guest_sio16: real mode, DS base 0x3000 (sources), ES base 0x5000
 * (destinations), one case per hlt.
 */
VTX_GUEST_CODE(guest_sio16);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sio16_start:\n"
	".code16\n"
	"	cld\n"
	"	mov $0x300, %ax\n"
	"	mov %ax, %ds\n"
	"	mov $0x500, %ax\n"
	"	mov %ax, %es\n"
	"	mov $0x0000, %si\n"
	"	mov $13, %cx\n"
	"	mov $0x40, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x0100, %si\n"
	"	mov $4, %cx\n"
	"	mov $0x42, %dx\n"
	"	rep outsw\n"
	"	hlt\n"
	"	mov $0x0200, %si\n"
	"	mov $3, %cx\n"
	"	mov $0x44, %dx\n"
	"	rep outsl\n"
	"	hlt\n"
	"	mov $0x0000, %di\n"
	"	mov $16, %cx\n"
	"	mov $0x50, %dx\n"
	"	rep insb\n"
	"	hlt\n"
	"	mov $0x0100, %di\n"
	"	mov $5, %cx\n"
	"	mov $0x52, %dx\n"
	"	rep insw\n"
	"	hlt\n"
	"	mov $0x0200, %di\n"
	"	mov $4, %cx\n"
	"	mov $0x54, %dx\n"
	"	rep insl\n"
	"	hlt\n"
	"	std\n"
	"	mov $0x0304, %si\n"
	"	mov $5, %cx\n"
	"	mov $0x48, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	cld\n"
	"	mov $0x0400, %si\n"
	"	mov $0x77, %cx\n"
	"	mov $0x46, %dx\n"
	"	outsb\n"
	"	hlt\n"
	"	mov $0xfffe, %si\n"
	"	mov $4, %cx\n"
	"	mov $0x4a, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	".code64\n"
	"guest_sio16_end:\n"
	".popsection\n");

/*
 * guest_mmio64: loads, stores, zero/sign extension, AH, r8-r15,
 * SIB+displacement, stos and movs on MMIO at MMIO_GPA (RBP keeps it).
 * Every loaded value (and a few registers) goes out through the report
 * routine at 9: low half to port 0x60, high half to port 0x61.
 */
VTX_GUEST_CODE(guest_mmio64);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_mmio64_start:\n"
	".code64\n"
	"	mov $0xd0000000, %edi\n"
	"	mov %rdi, %rbp\n"
	/* readb/w/l/q: mov (%rdi) into al, ax, eax, rax */
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x00(%rdi), %al\n"
	"	call 9f\n"
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x08(%rdi), %ax\n"
	"	call 9f\n"
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x10(%rdi), %eax\n"
	"	call 9f\n"
	"	mov 0x18(%rdi), %rax\n"
	"	call 9f\n"
	/* writeb/w/l/q */
	"	movabs $0x8877665544332211, %rsi\n"
	"	mov %sil, 0x20(%rdi)\n"
	"	mov %si, 0x28(%rdi)\n"
	"	mov %esi, 0x30(%rdi)\n"
	"	mov %rsi, 0x38(%rdi)\n"
	/* stores of immediates */
	"	movl $0x12345678, 0x40(%rdi)\n"
	"	movb $0x5a, 0x48(%rdi)\n"
	"	movq $-2, 0x50(%rdi)\n"
	"	movw $0xa55a, 0x58(%rdi)\n"
	/* zero and sign extension */
	"	mov $-1, %rax\n"
	"	movzbl 0x60(%rdi), %eax\n"
	"	call 9f\n"
	"	mov $-1, %rax\n"
	"	movzwl 0x68(%rdi), %eax\n"
	"	call 9f\n"
	"	xor %eax, %eax\n"
	"	movsbq 0x70(%rdi), %rax\n"
	"	call 9f\n"
	"	xor %eax, %eax\n"
	"	movswl 0x78(%rdi), %eax\n"
	"	call 9f\n"
	/* AH */
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x80(%rdi), %ah\n"
	"	call 9f\n"
	/* r8-r15 */
	"	mov 0x88(%rdi), %r8\n"
	"	mov %r8, %rax\n"
	"	call 9f\n"
	"	movabs $0x2222222222222222, %r11\n"
	"	mov 0x90(%rdi), %r11w\n"
	"	mov %r11, %rax\n"
	"	call 9f\n"
	"	movabs $0x3333333333333333, %r13\n"
	"	mov 0x98(%rdi), %r13d\n"
	"	mov %r13, %rax\n"
	"	call 9f\n"
	"	movabs $0x4444444444444444, %r12\n"
	"	mov 0xa0(%rdi), %r12b\n"
	"	mov %r12, %rax\n"
	"	call 9f\n"
	"	movabs $0x0123456789abcdef, %r9\n"
	"	mov %r9d, 0xa8(%rdi)\n"
	"	movabs $0xfedcba9876543210, %r15\n"
	"	mov %r15b, 0xb0(%rdi)\n"
	"	mov %r15, 0xb8(%rdi)\n"
	/* SIB with displacement */
	"	lea 0x100(%rdi), %rbx\n"
	"	mov $3, %ecx\n"
	"	mov 0x10(%rbx,%rcx,4), %edx\n"
	"	mov %rdx, %rax\n"
	"	call 9f\n"
	"	mov %edx, 0x20(%rbx,%rcx,8)\n"
	/* stos */
	"	cld\n"
	"	lea 0x200(%rbp), %rdi\n"
	"	mov $0xab, %al\n"
	"	stosb\n"
	"	mov $0xdeadbeef, %eax\n"
	"	stosl\n"
	"	mov %rdi, %rax\n"
	"	call 9f\n"
	/* movs: RAM (0x20000 holds 0x42) to MMIO, MMIO to RAM (0x20100) */
	"	mov $0x20000, %esi\n"
	"	lea 0x300(%rbp), %rdi\n"
	"	movsb\n"
	"	lea 0x310(%rbp), %rsi\n"
	"	mov $0x20100, %edi\n"
	"	movsb\n"
	"	mov %rsi, %rax\n"
	"	call 9f\n"
	"	mov %rdi, %rax\n"
	"	call 9f\n"
	"	movzbl 0x20100, %eax\n"
	"	call 9f\n"
	"	hlt\n"
	"9:	out %eax, $0x60\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x61\n"
	"	ret\n"
	"guest_mmio64_end:\n"
	".popsection\n");

/*
 * guest_mmio16: real mode, DS base 0xd0000, outside the VM's only slot
 * (0 to RM_SLOT_SIZE); loads are reported with OUTs to 0x62-0x64.
 */
VTX_GUEST_CODE(guest_mmio16);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_mmio16_start:\n"
	".code16\n"
	"	mov $0xd000, %ax\n"
	"	mov %ax, %ds\n"
	"	mov $0x10, %bx\n"
	"	mov $0x1111, %ax\n"
	"	mov (%bx), %ax\n"
	"	out %ax, $0x62\n"
	"	mov $0xbeef, %ax\n"
	"	mov %ax, 2(%bx)\n"
	"	movb $0x77, 4(%bx)\n"
	"	mov $0x20, %si\n"
	"	mov (%bx,%si), %al\n"
	"	out %al, $0x63\n"
	"	mov 0x40(%bx), %eax\n"
	"	out %eax, $0x64\n"
	"	movl $0x12345678, 0x48(%bx)\n"
	"	xor %ax, %ax\n"
	"	mov %ax, %ds\n"
	"	hlt\n"
	".code64\n"
	"guest_mmio16_end:\n"
	".popsection\n");

/*
 * guest_mmio_add (vtx only): a MOV store to MMIO, then ADD to memory on
 * MMIO, which vtx's decoder refuses (KVM emulates it).
 */
VTX_GUEST_CODE(guest_mmio_add);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_mmio_add_start:\n"
	".code64\n"
	"	mov $0xd0000000, %edi\n"
	"	mov $0x1234, %eax\n"
	"	mov %eax, (%rdi)\n"
	"	add %eax, (%rdi)\n"
	"	hlt\n"
	"guest_mmio_add_end:\n"
	".popsection\n");

/* ---- the clients' common parts ---- */

static void print_exit(const struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		printf("exit INTERNAL_ERROR suberror %u\n",
		       run->internal.suberror);
	else
		printf("exit %s (%u)\n", vtx_exit_name(run->exit_reason),
		       run->exit_reason);
}

/* FNV-1a, for data too long to print. */
static __u32 fnv(const __u8 *p, unsigned int n)
{
	__u32 h = 0x811c9dc5;

	while (n--) {
		h ^= *p++;
		h *= 0x01000193;
	}
	return h;
}

static void print_bytes(const __u8 *p, unsigned int n)
{
	unsigned int i;

	if (n <= 32) {
		for (i = 0; i < n; i++)
			printf(" %02x", p[i]);
		return;
	}
	printf(" %u bytes fnv %08x:", n, fnv(p, n));
	for (i = 0; i < 8; i++)
		printf(" %02x", p[i]);
	printf(" ..");
	for (i = n - 8; i < n; i++)
		printf(" %02x", p[i]);
}

/* ---- string I/O ---- */

#define SIO_STREAMS	4
#define SIO_BYTES	4096

struct sio_case {
	const char *what;
	__u64 dump_gpa;		/* guest memory to show after it, if len */
	unsigned int dump_len;
};

struct sio_stream {
	__u8 dir;
	__u16 port;
	__u8 size;
	bool mixed;		/* exits of different sizes */
	unsigned int len;
	__u8 data[SIO_BYTES];
};

struct sio {
	struct sio_stream s[SIO_STREAMS];
	int n;
	char counts[512];	/* the per-exit counts, for stderr */
};

/* What the VMM answers: byte @j of port @port's stream. */
static __u8 sio_in_byte(__u16 port, unsigned int j)
{
	return (port + 7 * j) & 0xff;
}

static struct sio_stream *sio_stream(struct sio *st, __u8 dir, __u16 port)
{
	struct sio_stream *s;
	int i;

	for (i = 0; i < st->n; i++)
		if (st->s[i].dir == dir && st->s[i].port == port)
			return &st->s[i];
	if (st->n == SIO_STREAMS)
		return NULL;
	s = &st->s[st->n++];
	s->dir = dir;
	s->port = port;
	s->size = 0;
	s->mixed = false;
	s->len = 0;
	return s;
}

/* Append (OUT) or answer (IN) the exit's data; false if it cannot. */
static bool sio_io(struct sio *st, struct kvm_run *run)
{
	unsigned int n = run->io.size * run->io.count, i, l;
	__u8 *d = vtx_io_data(run);
	struct sio_stream *s;

	s = sio_stream(st, run->io.direction, run->io.port);
	if (!s || s->len + n > SIO_BYTES)
		return false;
	if (s->size && s->size != run->io.size)
		s->mixed = true;
	s->size = run->io.size;
	for (i = 0; i < n; i++) {
		if (run->io.direction == KVM_EXIT_IO_IN)
			d[i] = sio_in_byte(run->io.port, s->len + i);
		s->data[s->len + i] = d[i];
	}
	s->len += n;
	l = strlen(st->counts);
	if (l < sizeof(st->counts) - 16)
		snprintf(st->counts + l, sizeof(st->counts) - l, " %s%x:%u",
			 run->io.direction == KVM_EXIT_IO_IN ? "in" : "out",
			 run->io.port, run->io.count);
	return true;
}

/*
 * Run the guest through its cases, one per HLT: at each, print the
 * streams of data each port moved in each direction, RSI/RDI/RCX and the
 * case's guest memory. KVM's per-exit counts go to stderr.
 */
static int sio_run(struct vtx_vm *vm, struct vtx_vcpu *vcpu, const char *dev,
		   const struct sio_case *cases, int ncases)
{
	static struct sio st;
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	int i, c = 0, r;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < MAX_EXITS && c < ncases; i++) {
		r = __vtx_vcpu_run(vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		}
		if (run->exit_reason == KVM_EXIT_IO) {
			if (!sio_io(&st, run)) {
				printf("too much I/O\n");
				return 1;
			}
			continue;
		}
		if (run->exit_reason != KVM_EXIT_HLT) {
			print_exit(run);
			return 1;
		}
		printf("%s:\n", cases[c].what);
		if (!st.n)
			printf("  no I/O\n");
		for (r = 0; r < st.n; r++) {
			struct sio_stream *s = &st.s[r];

			printf("  %s port 0x%x size %u%s:",
			       s->dir == KVM_EXIT_IO_IN ? "in" : "out",
			       s->port, s->size, s->mixed ? " (mixed)" : "");
			print_bytes(s->data, s->len);
			printf("\n");
		}
		vtx_vcpu_get_regs(vcpu, &regs);
		printf("  rsi 0x%llx rdi 0x%llx rcx 0x%llx\n", regs.rsi,
		       regs.rdi, regs.rcx);
		if (cases[c].dump_len) {
			printf("  memory 0x%llx:",
			       (unsigned long long)cases[c].dump_gpa);
			print_bytes(vtx_vm_hva(vm, cases[c].dump_gpa),
				    cases[c].dump_len);
			printf("\n");
		}
		if (!st.counts[0])
			strcpy(st.counts, " none");
		fprintf(stderr, "# string io counts on %s, %s:%s\n", dev,
			cases[c].what, st.counts);
		memset(&st, 0, sizeof(st));
		c++;
	}
	if (c < ncases) {
		printf("only %d of %d cases after %d exits\n", c, ncases, i);
		return 1;
	}
	return 0;
}

static const struct sio_case sio64_cases[] = {
	{ "rep outsb", 0, 0 },
	{ "rep outsw", 0, 0 },
	{ "rep outsl", 0, 0 },
	{ "rep insb", 0x21000, 16 },
	{ "rep insw", 0x21100, 10 },
	{ "rep insl", 0x21200, 16 },
	{ "outsb", 0, 0 },
	{ "insb", 0x21300, 2 },
	{ "std; rep outsb", 0, 0 },
	{ "std; rep insw", 0x21400, 6 },
	{ "rep outsb, rcx 0", 0, 0 },
	{ "rep insl across a page", 0x22f80, 0x600 },
};

static int client_sio64(const char *dev, void *arg)
{
	static const __u16 words[] = { 0x1234, 0x5678, 0x9abc, 0xdef0 };
	static const __u32 dwords[] = { 0x11223344, 0x55667788, 0x99aabbcc };
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create_default(&vm, dev);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_sio64_start, guest_sio64_end);
	memcpy(vtx_vm_hva(&vm, 0x20000), "hello, world\n", 13);
	memcpy(vtx_vm_hva(&vm, 0x20100), words, sizeof(words));
	memcpy(vtx_vm_hva(&vm, 0x20200), dwords, sizeof(dwords));
	memcpy(vtx_vm_hva(&vm, 0x20300), "ABCDE", 5);
	memcpy(vtx_vm_hva(&vm, 0x20400), "Z", 1);
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);
	r = sio_run(&vm, &vcpu, dev, sio64_cases, ARRAY_SIZE(sio64_cases));
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

/* The 1536 bytes (port 0x5a + 7 * j) of the last case, as print_bytes() shows them. */
#define SIO_BIG "1536 bytes fnv bd45e9c5: 5a 61 68 6f 76 7d 84 8b .. 22 29 30 37 3e 45 4c 53"

static const char expected_sio64[] =
	"rep outsb:\n"
	"  out port 0x40 size 1: 68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 0a\n"
	"  rsi 0x2000d rdi 0x0 rcx 0x0\n"
	"rep outsw:\n"
	"  out port 0x42 size 2: 34 12 78 56 bc 9a f0 de\n"
	"  rsi 0x20108 rdi 0x0 rcx 0x0\n"
	"rep outsl:\n"
	"  out port 0x44 size 4: 44 33 22 11 88 77 66 55 cc bb aa 99\n"
	"  rsi 0x2020c rdi 0x0 rcx 0x0\n"
	"rep insb:\n"
	"  in port 0x50 size 1: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"  rsi 0x2020c rdi 0x21010 rcx 0x0\n"
	"  memory 0x21000: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"rep insw:\n"
	"  in port 0x52 size 2: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"  rsi 0x2020c rdi 0x2110a rcx 0x0\n"
	"  memory 0x21100: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"rep insl:\n"
	"  in port 0x54 size 4: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"  rsi 0x2020c rdi 0x21210 rcx 0x0\n"
	"  memory 0x21200: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"outsb:\n"
	"  out port 0x46 size 1: 5a\n"
	"  rsi 0x20401 rdi 0x21210 rcx 0x77\n"
	"insb:\n"
	"  in port 0x56 size 1: 56\n"
	"  rsi 0x20401 rdi 0x21301 rcx 0x77\n"
	"  memory 0x21300: 56 00\n"
	"std; rep outsb:\n"
	"  out port 0x48 size 1: 45 44 43 42 41\n"
	"  rsi 0x202ff rdi 0x21301 rcx 0x0\n"
	"std; rep insw:\n"
	"  in port 0x58 size 2: 58 5f 66 6d 74 7b\n"
	"  rsi 0x202ff rdi 0x213fe rcx 0x0\n"
	"  memory 0x21400: 74 7b 66 6d 58 5f\n"
	"rep outsb, rcx 0:\n"
	"  no I/O\n"
	"  rsi 0x20000 rdi 0x213fe rcx 0x0\n"
	"rep insl across a page:\n"
	"  in port 0x5a size 4: " SIO_BIG "\n"
	"  rsi 0x20000 rdi 0x23580 rcx 0x0\n"
	"  memory 0x22f80: " SIO_BIG "\n";

static const struct sio_case sio16_cases[] = {
	{ "rep outsb", 0, 0 },
	{ "rep outsw", 0, 0 },
	{ "rep outsl", 0, 0 },
	{ "rep insb", 0x5000, 16 },
	{ "rep insw", 0x5100, 10 },
	{ "rep insl", 0x5200, 16 },
	{ "std; rep outsb", 0, 0 },
	{ "outsb", 0, 0 },
	{ "rep outsb, si wraps", 0, 0 },
};

static int client_sio16(const char *dev, void *arg)
{
	static const __u16 words[] = { 0x1234, 0x5678, 0x9abc, 0xdef0 };
	static const __u32 dwords[] = { 0x11223344, 0x55667788, 0x99aabbcc };
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create_default(&vm, dev);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_sio16_start, guest_sio16_end);
	memcpy(vtx_vm_hva(&vm, 0x3000), "hello, world\n", 13);
	memcpy(vtx_vm_hva(&vm, 0x3100), words, sizeof(words));
	memcpy(vtx_vm_hva(&vm, 0x3200), dwords, sizeof(dwords));
	memcpy(vtx_vm_hva(&vm, 0x3300), "ABCDE", 5);
	memcpy(vtx_vm_hva(&vm, 0x3400), "Z", 1);
	memcpy(vtx_vm_hva(&vm, 0x12ffe), "WX", 2);
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	r = sio_run(&vm, &vcpu, dev, sio16_cases, ARRAY_SIZE(sio16_cases));
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

static const char expected_sio16[] =
	"rep outsb:\n"
	"  out port 0x40 size 1: 68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 0a\n"
	"  rsi 0xd rdi 0x0 rcx 0x0\n"
	"rep outsw:\n"
	"  out port 0x42 size 2: 34 12 78 56 bc 9a f0 de\n"
	"  rsi 0x108 rdi 0x0 rcx 0x0\n"
	"rep outsl:\n"
	"  out port 0x44 size 4: 44 33 22 11 88 77 66 55 cc bb aa 99\n"
	"  rsi 0x20c rdi 0x0 rcx 0x0\n"
	"rep insb:\n"
	"  in port 0x50 size 1: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"  rsi 0x20c rdi 0x10 rcx 0x0\n"
	"  memory 0x5000: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"rep insw:\n"
	"  in port 0x52 size 2: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"  rsi 0x20c rdi 0x10a rcx 0x0\n"
	"  memory 0x5100: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"rep insl:\n"
	"  in port 0x54 size 4: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"  rsi 0x20c rdi 0x210 rcx 0x0\n"
	"  memory 0x5200: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"std; rep outsb:\n"
	"  out port 0x48 size 1: 45 44 43 42 41\n"
	"  rsi 0x2ff rdi 0x210 rcx 0x0\n"
	"outsb:\n"
	"  out port 0x46 size 1: 5a\n"
	"  rsi 0x401 rdi 0x210 rcx 0x77\n"
	"rep outsb, si wraps:\n"
	"  out port 0x4a size 1: 57 58 68 65\n"
	"  rsi 0x2 rdi 0x210 rcx 0x0\n";

/* ---- MMIO ---- */

struct mmio {
	int reads;
	__u32 low;		/* the last report's low half */
};

/* What the VMM answers to read @k: the low @len bytes of this. */
static __u64 mmio_answer(int k)
{
	return 0xf0e1d2c3b4a59687ULL + (__u64)k * 0x0101010101010101ULL;
}

static __u64 mmio_value(const __u8 *data, unsigned int len)
{
	__u64 v = 0;

	memcpy(&v, data, len > 8 ? 8 : len);
	return v;
}

/*
 * Run to HLT: one line per MMIO exit (reads answered with mmio_answer()),
 * per report (ports 0x60/0x61) and per other OUT.
 */
static int mmio_run(struct vtx_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct mmio m = {};
	__u64 v;
	int i, r;

	for (i = 0; i < MAX_EXITS; i++) {
		r = __vtx_vcpu_run(vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			printf("exit HLT\n");
			return 0;
		case KVM_EXIT_MMIO:
			if (run->mmio.len < 1 || run->mmio.len > 8) {
				printf("mmio 0x%llx len %u\n",
				       run->mmio.phys_addr, run->mmio.len);
				return 1;
			}
			if (run->mmio.is_write) {
				printf("mmio write 0x%llx len %u data 0x%llx\n",
				       run->mmio.phys_addr, run->mmio.len,
				       mmio_value(run->mmio.data,
						  run->mmio.len));
				break;
			}
			v = mmio_answer(m.reads++);
			memcpy(run->mmio.data, &v, sizeof(v));
			printf("mmio read  0x%llx len %u answer 0x%llx\n",
			       run->mmio.phys_addr, run->mmio.len,
			       mmio_value(run->mmio.data, run->mmio.len));
			break;
		case KVM_EXIT_IO:
			v = mmio_value(vtx_io_data(run), run->io.size);
			if (run->io.direction != KVM_EXIT_IO_OUT ||
			    run->io.count != 1) {
				printf("exit IO port 0x%x size %u count %u\n",
				       run->io.port, run->io.size,
				       run->io.count);
				return 1;
			}
			if (run->io.port == 0x60 && run->io.size == 4) {
				m.low = v;
			} else if (run->io.port == 0x61 && run->io.size == 4) {
				printf("guest has 0x%016llx\n",
				       v << 32 | m.low);
			} else {
				printf("out port 0x%x size %u data 0x%llx\n",
				       run->io.port, run->io.size, v);
				if (run->io.port == VTX_PORT_EXCEPTION)
					return 1;
			}
			break;
		default:
			print_exit(run);
			return 1;
		}
	}
	printf("no HLT after %d exits\n", i);
	return 1;
}

static int client_mmio64(const char *dev, void *arg)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create_default(&vm, dev);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_mmio64_start, guest_mmio64_end);
	*(__u8 *)vtx_vm_hva(&vm, 0x20000) = 0x42;
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);
	r = mmio_run(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

/*
 * Read k is answered with mmio_answer(k) = 0xf0e1d2c3b4a59687 + k *
 * 0x0101010101010101: byte loads merge into RAX (0x11.. preset), 32-bit
 * ones zero the upper half, MOVSX extends the answer's sign bit.
 */
static const char expected_mmio64[] =
	"mmio read  0xd0000000 len 1 answer 0x87\n"
	"guest has 0x1111111111111187\n"
	"mmio read  0xd0000008 len 2 answer 0x9788\n"
	"guest has 0x1111111111119788\n"
	"mmio read  0xd0000010 len 4 answer 0xb6a79889\n"
	"guest has 0x00000000b6a79889\n"
	"mmio read  0xd0000018 len 8 answer 0xf3e4d5c6b7a8998a\n"
	"guest has 0xf3e4d5c6b7a8998a\n"
	"mmio write 0xd0000020 len 1 data 0x11\n"
	"mmio write 0xd0000028 len 2 data 0x2211\n"
	"mmio write 0xd0000030 len 4 data 0x44332211\n"
	"mmio write 0xd0000038 len 8 data 0x8877665544332211\n"
	"mmio write 0xd0000040 len 4 data 0x12345678\n"
	"mmio write 0xd0000048 len 1 data 0x5a\n"
	"mmio write 0xd0000050 len 8 data 0xfffffffffffffffe\n"
	"mmio write 0xd0000058 len 2 data 0xa55a\n"
	"mmio read  0xd0000060 len 1 answer 0x8b\n"
	"guest has 0x000000000000008b\n"
	"mmio read  0xd0000068 len 2 answer 0x9b8c\n"
	"guest has 0x0000000000009b8c\n"
	"mmio read  0xd0000070 len 1 answer 0x8d\n"
	"guest has 0xffffffffffffff8d\n"
	"mmio read  0xd0000078 len 2 answer 0x9d8e\n"
	"guest has 0x00000000ffff9d8e\n"
	"mmio read  0xd0000080 len 1 answer 0x8f\n"
	"guest has 0x1111111111118f11\n"
	"mmio read  0xd0000088 len 8 answer 0xf9eadbccbdae9f90\n"
	"guest has 0xf9eadbccbdae9f90\n"
	"mmio read  0xd0000090 len 2 answer 0xa091\n"
	"guest has 0x222222222222a091\n"
	"mmio read  0xd0000098 len 4 answer 0xbfb0a192\n"
	"guest has 0x00000000bfb0a192\n"
	"mmio read  0xd00000a0 len 1 answer 0x93\n"
	"guest has 0x4444444444444493\n"
	"mmio write 0xd00000a8 len 4 data 0x89abcdef\n"
	"mmio write 0xd00000b0 len 1 data 0x10\n"
	"mmio write 0xd00000b8 len 8 data 0xfedcba9876543210\n"
	"mmio read  0xd000011c len 4 answer 0xc1b2a394\n"
	"guest has 0x00000000c1b2a394\n"
	"mmio write 0xd0000138 len 4 data 0xc1b2a394\n"
	"mmio write 0xd0000200 len 1 data 0xab\n"
	"mmio write 0xd0000201 len 4 data 0xdeadbeef\n"
	"guest has 0x00000000d0000205\n"
	"mmio write 0xd0000300 len 1 data 0x42\n"
	"mmio read  0xd0000310 len 1 answer 0x95\n"
	"guest has 0x00000000d0000311\n"
	"guest has 0x0000000000020101\n"
	"guest has 0x0000000000000095\n"
	"exit HLT\n";

static int client_mmio16(const char *dev, void *arg)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create(&vm, dev);
	vtx_vm_add_memory(&vm, 0, 0, RM_SLOT_SIZE);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_mmio16_start, guest_mmio16_end);
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	r = mmio_run(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

static const char expected_mmio16[] =
	"mmio read  0xd0010 len 2 answer 0x9687\n"
	"out port 0x62 size 2 data 0x9687\n"
	"mmio write 0xd0012 len 2 data 0xbeef\n"
	"mmio write 0xd0014 len 1 data 0x77\n"
	"mmio read  0xd0030 len 1 answer 0x88\n"
	"out port 0x63 size 1 data 0x88\n"
	"mmio read  0xd0050 len 4 answer 0xb6a79889\n"
	"out port 0x64 size 4 data 0xb6a79889\n"
	"mmio write 0xd0058 len 4 data 0x12345678\n"
	"exit HLT\n";

/* ---- the tests ---- */

FIXTURE(kvm_mmio) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(kvm_mmio)
{
	vtx_unload_if_loaded();
	vtx_kvm_unload();
	vtx_kmsg_mark(&self->kmsg);
}

FIXTURE_TEARDOWN(kvm_mmio)
{
	if (vtx_module_loaded("vtx"))
		EXPECT_EQ(0, __vtx_module_unload("vtx"));
	vtx_kvm_unload();
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(kvm_mmio, string_io_64bit, 600)
{
	vtx_dual_check(_metadata, "sio64", client_sio64, NULL,
		       expected_sio64);
}

TEST_F_TIMEOUT(kvm_mmio, string_io_real_mode, 600)
{
	vtx_dual_check(_metadata, "sio16", client_sio16, NULL,
		       expected_sio16);
}

TEST_F_TIMEOUT(kvm_mmio, mmio_64bit, 600)
{
	vtx_dual_check(_metadata, "mmio64", client_mmio64, NULL,
		       expected_mmio64);
}

TEST_F_TIMEOUT(kvm_mmio, mmio_real_mode, 600)
{
	vtx_dual_check(_metadata, "mmio16", client_mmio16, NULL,
		       expected_mmio16);
}

/*
 * vtx only, not compared with KVM (which emulates ADD): an instruction
 * vtx's MMIO decoder does not take is KVM_EXIT_INTERNAL_ERROR with
 * suberror KVM_INTERNAL_ERROR_EMULATION, after a MOV store it does take.
 */
TEST_F_TIMEOUT(kvm_mmio, vtx_only_add_to_mmio_is_emulation_error, 300)
{
	struct vtx_vcpu vcpu;
	struct kvm_run *run;
	struct vtx_vm vm;

	vtx_load();
	vtx_vm_create_default(&vm, VTX_DEV_PATH);
	vtx_vcpu_create(&vm, 0, &vcpu);
	run = vcpu.run;
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_mmio_add_start,
		    guest_mmio_add_end);
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);

	vtx_vcpu_run(&vcpu);
	vtx_assert_exit(run, KVM_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(4U, run->mmio.len);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0x1234ULL, mmio_value(run->mmio.data, 4));

	vtx_vcpu_run(&vcpu);
	EXPECT_EQ((__u32)KVM_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_EQ((__u32)KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);

	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
