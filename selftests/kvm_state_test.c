// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU state save and restore, defined by kvm_intel: each client below
 * runs on /dev/vtx and then on /dev/kvm (transcript.c); KVM's transcript
 * must hold the expected values, and vtx's must be KVM's.
 *
 * - save_restore: a 64-bit guest loads GPRs, the stack, XMM0-15, x87,
 *   MXCSR, AVX upper halves and AVX-512 state (when CPUID and XCR0 allow),
 *   MSRs (PAT, MISC_ENABLE, MTRRs, TSC) and debug registers, then reports
 *   all of it through OUTs. Run A goes straight through. Run B stops at
 *   the Nth OUT (for every N), completes it with immediate_exit, saves
 *   everything (REGS, SREGS, FPU, XSAVE or XSAVE2, XCRS, VCPU_EVENTS,
 *   MP_STATE, DEBUGREGS, MSRs and guest memory), destroys the VM, restores
 *   into a new VM in QEMU's order and runs to the end: the OUTs must be
 *   run A's.
 * - pending_exception: the VMM injects #UD (KVM_SET_VCPU_EVENTS) at a
 *   stop; saved and restored before the next KVM_RUN, the guest's handler
 *   must run just as without the save.
 * - round_trip: GET, SET, GET of each state gives the same bytes, on a
 *   fresh vCPU and on a live one.
 * - invalid_args: errors of the state ioctls and of some VM ioctls.
 * - guest_xsave_view: XCR0 (XGETBV) and CPUID.0xD as the guest sees them.
 *
 * The test starts and ends with vtx and KVM unloaded.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_dual.h"
#include "vtx_test.h"

#define PORT_PROGRESS	0x21	/* 1, 2, ... 8 as the guest loads state */
#define PORT_GPR	0x22	/* GPRs, stack, RSP: low half, high half */
#define PORT_XSTATE	0x23	/* XCR0, CPUID.0xD.0 EAX-EDX, 0xD.1 EAX */
#define PORT_MSR	0x24	/* MSRs: low half, high half */
#define PORT_FOLD	0x25	/* vector and x87 registers, folded */
#define PORT_TSC	0x26	/* high halves of RDTSC, TSC, TSC_ADJUST */
#define PORT_CTRL	0x27	/* DR0-3, DR7, DR6, CR0, EFER, CR4 */
#define PORT_UD		0x2e	/* the #UD handler */
#define PORT_DONE	0x2f	/* 0x600d, then HLT */

#define MAX_OUTS	256
#define NR_MSRS		8
#define MAX_CPUID	100
#define STOP_AT_PROGRESS 7	/* where pending_exception injects */

static const __u32 msr_list[NR_MSRS] = {
	0x10,	/* IA32_TSC */
	0x3b,	/* IA32_TSC_ADJUST */
	0x1a0,	/* IA32_MISC_ENABLE */
	0x277,	/* IA32_PAT */
	0x2ff,	/* IA32_MTRR_DEF_TYPE */
	0x200,	/* IA32_MTRR_PHYSBASE0 */
	0x201,	/* IA32_MTRR_PHYSMASK0 */
	0x250,	/* IA32_MTRR_FIX64K_00000 */
};

/*
 * The data the guest loads, at VTX_DATA_GPA (the VMM writes it):
 *	0x000	XMM0-15, 16 bytes each
 *	0x100	YMM0-15 upper halves
 *	0x200	MXCSR (4 bytes), 0x204 the x87 control word
 *	0x240	K1-K7, 8 bytes apiece (2 are used)
 *	0x280	ZMM16-31, 64 bytes each
 *	0x680	ZMM0 bits 511:256
 *	0x7f0	the guest's XCR0 (low half)
 *	0x800	the guest's scratch for folding registers
 */
#define D_XMM		0x000
#define D_YMMH		0x100
#define D_MXCSR		0x200
#define D_FCW		0x204
#define D_K		0x240
#define D_ZMM16		0x280
#define D_ZMM0H		0x680
#define D_SIZE		0x700
#define MXCSR_VALUE	0x7f80	/* round toward zero, all masked */
#define FCW_VALUE	0x027f	/* double precision, all masked */

/*
 * guest_state (64-bit, at VTX_CODE_GPA), RSI = VTX_DATA_GPA throughout.
 * st_fold16 OFF reports a fold of the 16 bytes at OFF(%rsi): d0 ^
 * rol(d1, 7) ^ rol(d2, 13) ^ rol(d3, 19); st_fold32/st_fold64 chain
 * 16-byte folds with rol 3 in between. st_rep64 PORT reports RAX, low
 * half first.
 */
VTX_GUEST_CODE(guest_state);
VTX_GUEST_LABEL(guest_state_ud);
__asm__(".macro st_acc16 off\n"
	"	mov \\off(%rsi), %ecx\n"
	"	xor %ecx, %eax\n"
	"	mov \\off+4(%rsi), %ecx\n"
	"	rol $7, %ecx\n"
	"	xor %ecx, %eax\n"
	"	mov \\off+8(%rsi), %ecx\n"
	"	rol $13, %ecx\n"
	"	xor %ecx, %eax\n"
	"	mov \\off+12(%rsi), %ecx\n"
	"	rol $19, %ecx\n"
	"	xor %ecx, %eax\n"
	".endm\n"
	".macro st_fold16 off\n"
	"	xor %eax, %eax\n"
	"	st_acc16 \\off\n"
	"	out %eax, $0x25\n"
	".endm\n"
	".macro st_fold32 off\n"
	"	xor %eax, %eax\n"
	"	st_acc16 \\off\n"
	"	rol $3, %eax\n"
	"	st_acc16 \\off+16\n"
	"	out %eax, $0x25\n"
	".endm\n"
	".macro st_fold64 off\n"
	"	xor %eax, %eax\n"
	"	st_acc16 \\off\n"
	"	rol $3, %eax\n"
	"	st_acc16 \\off+16\n"
	"	rol $3, %eax\n"
	"	st_acc16 \\off+32\n"
	"	rol $3, %eax\n"
	"	st_acc16 \\off+48\n"
	"	out %eax, $0x25\n"
	".endm\n"
	".macro st_rep64 port\n"
	"	out %eax, $\\port\n"
	"	shr $32, %rax\n"
	"	out %eax, $\\port\n"
	".endm\n"
	".macro st_rdmsr msr\n"
	"	mov $\\msr, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x24\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x24\n"
	".endm\n"
	".pushsection .rodata, \"a\"\n"
	"guest_state_start:\n"
	".code64\n"
	"	mov %cr4, %rax\n"
	"	or $0x600, %rax\n"		/* OSFXSR | OSXMMEXCPT */
	"	mov %rax, %cr4\n"
	"	fninit\n"
	"	mov $0x20000, %esi\n"
	"	ldmxcsr 0x200(%rsi)\n"
	"	fldcw 0x204(%rsi)\n"
	"	mov $1, %eax\n"
	"	out %eax, $0x21\n"

	/* XSAVE: CR4.OSXSAVE and XCR0 = what CPUID.0xD.0 offers of
	 * x87 | SSE | AVX | opmask | ZMM_Hi256 | Hi16_ZMM.
	 */
	"	mov $1, %eax\n"
	"	cpuid\n"
	"	bt $26, %ecx\n"
	"	jnc 2f\n"
	"	mov %cr4, %rax\n"
	"	bts $18, %rax\n"
	"	mov %rax, %cr4\n"
	"	mov $0xd, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	and $0xe7, %eax\n"
	"	mov %eax, %ebx\n"
	"	and $0xe0, %ebx\n"
	"	cmp $0xe0, %ebx\n"
	"	je 1f\n"
	"	and $7, %eax\n"
	"1:	test $4, %eax\n"
	"	jnz 1f\n"
	"	and $3, %eax\n"
	"1:	xor %edx, %edx\n"
	"	xor %ecx, %ecx\n"
	"	xsetbv\n"
	"2:	xor %eax, %eax\n"
	"	mov %cr4, %rcx\n"
	"	bt $18, %rcx\n"
	"	jnc 3f\n"
	"	xor %ecx, %ecx\n"
	"	xgetbv\n"
	"3:	mov %eax, 0x7f0(%rsi)\n"
	"	out %eax, $0x23\n"
	"	test %eax, %eax\n"
	"	jz 4f\n"
	"	mov $0xd, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	out %eax, $0x23\n"
	"	mov %ebx, %eax\n"
	"	out %eax, $0x23\n"
	"	mov %ecx, %eax\n"
	"	out %eax, $0x23\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x23\n"
	"	mov $0xd, %eax\n"
	"	mov $1, %ecx\n"
	"	cpuid\n"
	"	out %eax, $0x23\n"
	"4:\n"

	/* MSRs */
	"	mov $0x277, %ecx\n"
	"	mov $0x00070106, %eax\n"
	"	mov $0x00070406, %edx\n"
	"	wrmsr\n"
	"	mov $0x1a0, %ecx\n"
	"	rdmsr\n"
	"	or $1, %eax\n"			/* fast strings */
	"	wrmsr\n"
	"	mov $0x2ff, %ecx\n"
	"	mov $0xc06, %eax\n"		/* E | FE | WB */
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	mov $0x250, %ecx\n"
	"	mov $0x06060606, %eax\n"
	"	mov %eax, %edx\n"
	"	wrmsr\n"
	"	mov $0x200, %ecx\n"
	"	mov $0x80000006, %eax\n"	/* 2 GiB, WB */
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	mov $0x80000008, %eax\n"	/* 512 KiB, valid */
	"	cpuid\n"
	"	movzbl %al, %ecx\n"
	"	mov $1, %eax\n"
	"	shl %cl, %rax\n"
	"	dec %rax\n"
	"	and $-0x80000, %rax\n"
	"	or $0x800, %rax\n"
	"	mov %rax, %rdx\n"
	"	shr $32, %rdx\n"
	"	mov $0x201, %ecx\n"
	"	wrmsr\n"
	"	mov $0x10, %ecx\n"		/* TSC = 2^40 */
	"	xor %eax, %eax\n"
	"	mov $0x100, %edx\n"
	"	wrmsr\n"

	/* debug registers: a write watchpoint nobody triggers */
	"	mov $0x1234000, %eax\n"
	"	mov %rax, %db0\n"
	"	mov $0x2345000, %eax\n"
	"	mov %rax, %db1\n"
	"	mov $0x3456000, %eax\n"
	"	mov %rax, %db2\n"
	"	mov $0x4567000, %eax\n"
	"	mov %rax, %db3\n"
	"	mov $0xd0402, %eax\n"
	"	mov %rax, %db7\n"
	"	mov $2, %eax\n"
	"	out %eax, $0x21\n"

	/* x87: 1, pi + 1, log2(e) * (pi + 1), ln 2 */
	"	fld1\n"
	"	fldpi\n"
	"	fadd %st(1), %st\n"
	"	fldl2e\n"
	"	fmul %st(1), %st\n"
	"	fldln2\n"
	"	mov $3, %eax\n"
	"	out %eax, $0x21\n"

	/* XMM0-15 */
	"	mov %rsi, %rdi\n"
	"	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu (%rdi), %xmm\\n\n"
	"	add $16, %rdi\n"
	"	.endr\n"
	"	mov $4, %eax\n"
	"	out %eax, $0x21\n"

	/* AVX: YMM upper halves; AVX-512: K1-7, ZMM16-31, ZMM0 upper */
	"	testb $4, 0x7f0(%rsi)\n"
	"	jz 5f\n"
	"	lea 0x100(%rsi), %rdi\n"
	"	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vinsertf128 $1, (%rdi), %ymm\\n, %ymm\\n\n"
	"	add $16, %rdi\n"
	"	.endr\n"
	"	testb $0xe0, 0x7f0(%rsi)\n"
	"	jz 5f\n"
	"	lea 0x240(%rsi), %rdi\n"
	"	.irp n,1,2,3,4,5,6,7\n"
	"	kmovw (%rdi), %k\\n\n"
	"	add $8, %rdi\n"
	"	.endr\n"
	"	lea 0x280(%rsi), %rdi\n"
	"	.irp n,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	vmovdqu64 (%rdi), %zmm\\n\n"
	"	add $64, %rdi\n"
	"	.endr\n"
	"	vinserti64x4 $1, 0x680(%rsi), %zmm0, %zmm0\n"
	"5:	mov $5, %eax\n"
	"	out %eax, $0x21\n"

	/* GPRs and the stack */
	"	movabs $0xa00000010b0b0111, %rbx\n"
	"	movabs $0xa00000020b0b0222, %rcx\n"
	"	movabs $0xa00000030b0b0333, %rdx\n"
	"	movabs $0xa00000040b0b0444, %rdi\n"
	"	movabs $0xa00000050b0b0555, %rbp\n"
	"	movabs $0xa00000060b0b0666, %r8\n"
	"	movabs $0xa00000070b0b0777, %r9\n"
	"	movabs $0xa00000080b0b0888, %r10\n"
	"	movabs $0xa00000090b0b0999, %r11\n"
	"	movabs $0xa000000a0b0b0aaa, %r12\n"
	"	movabs $0xa000000b0b0b0bbb, %r13\n"
	"	movabs $0xa000000c0b0b0ccc, %r14\n"
	"	movabs $0xa000000d0b0b0ddd, %r15\n"
	"	push %rbx\n"
	"	push %r15\n"
	"	mov $6, %eax\n"
	"	out %eax, $0x21\n"
	"	mov $7, %eax\n"
	"	out %eax, $0x21\n"
	"	mov $8, %eax\n"
	"	out %eax, $0x21\n"

	/* report GPRs, the stack, RSP */
	"	.irp r,rbx,rcx,rdx,rdi,rbp,r8,r9,r10,r11,r12,r13,r14,r15\n"
	"	mov %\\r, %rax\n"
	"	st_rep64 0x22\n"
	"	.endr\n"
	"	pop %rax\n"
	"	st_rep64 0x22\n"
	"	pop %rax\n"
	"	st_rep64 0x22\n"
	"	mov %rsp, %rax\n"
	"	st_rep64 0x22\n"

	/* XMM0-15, MXCSR, x87 control and status, the x87 stack */
	"	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu %xmm\\n, 0x800(%rsi)\n"
	"	st_fold16 0x800\n"
	"	.endr\n"
	"	stmxcsr 0x800(%rsi)\n"
	"	mov 0x800(%rsi), %eax\n"
	"	out %eax, $0x25\n"
	"	fnstcw 0x800(%rsi)\n"
	"	movzwl 0x800(%rsi), %eax\n"
	"	out %eax, $0x25\n"
	"	fnstsw %ax\n"
	"	movzwl %ax, %eax\n"
	"	out %eax, $0x25\n"
	"	.irp n,0,1,2,3\n"
	"	movq $0, 0x808(%rsi)\n"
	"	fstpt 0x800(%rsi)\n"
	"	st_fold16 0x800\n"
	"	.endr\n"

	/* YMM upper halves, K1-7, ZMM16-31, ZMM0 upper */
	"	testb $4, 0x7f0(%rsi)\n"
	"	jz 6f\n"
	"	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vextractf128 $1, %ymm\\n, 0x800(%rsi)\n"
	"	st_fold16 0x800\n"
	"	.endr\n"
	"	testb $0xe0, 0x7f0(%rsi)\n"
	"	jz 6f\n"
	"	.irp n,1,2,3,4,5,6,7\n"
	"	movq $0, 0x800(%rsi)\n"
	"	movq $0, 0x808(%rsi)\n"
	"	kmovw %k\\n, 0x800(%rsi)\n"
	"	st_fold16 0x800\n"
	"	.endr\n"
	"	.irp n,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	vmovdqu64 %zmm\\n, 0x800(%rsi)\n"
	"	st_fold64 0x800\n"
	"	.endr\n"
	"	vextracti64x4 $1, %zmm0, 0x800(%rsi)\n"
	"	st_fold32 0x800\n"
	"6:\n"

	/* MSRs, TSC, debug and control registers */
	"	st_rdmsr 0x277\n"
	"	st_rdmsr 0x1a0\n"
	"	st_rdmsr 0x2ff\n"
	"	st_rdmsr 0x250\n"
	"	st_rdmsr 0x200\n"
	"	st_rdmsr 0x201\n"
	"	rdtsc\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x26\n"
	"	mov $0x10, %ecx\n"
	"	rdmsr\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x26\n"
	"	mov $0x3b, %ecx\n"
	"	rdmsr\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x26\n"
	"	mov %db0, %rax\n"
	"	out %eax, $0x27\n"
	"	mov %db1, %rax\n"
	"	out %eax, $0x27\n"
	"	mov %db2, %rax\n"
	"	out %eax, $0x27\n"
	"	mov %db3, %rax\n"
	"	out %eax, $0x27\n"
	"	mov %db7, %rax\n"
	"	out %eax, $0x27\n"
	"	mov %db6, %rax\n"
	"	out %eax, $0x27\n"
	"	mov %cr0, %rax\n"
	"	out %eax, $0x27\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x27\n"
	"	mov %cr4, %rax\n"
	"	out %eax, $0x27\n"
	"	mov $0x600d, %eax\n"
	"	out %eax, $0x2f\n"
	"	hlt\n"

	/* #UD: report and return to the instruction */
	"guest_state_ud:\n"
	"	push %rax\n"
	"	mov $6, %eax\n"
	"	out %eax, $0x2e\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_state_end:\n"
	".popsection\n");

struct outs {
	int n;
	struct {
		__u16 port;
		__u32 val;
	} o[MAX_OUTS];
};

/* One vCPU's state as a VMM saves it, plus the guest's memory. */
struct vstate {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs dbg;
	struct kvm_msr_entry msrs[NR_MSRS];
	struct kvm_xsave *xsave;	/* xsave_size bytes */
	unsigned char mem[VTX_MEM_SIZE];
};

/* What the client learnt of the device (per child process). */
static struct kvm_cpuid_entry2 cpuid[MAX_CPUID];
static int cpuid_nent;
static int xsave_size;		/* 0: KVM_GET_FPU only */
static bool use_xsave2;
static bool have_xcrs;

static unsigned char pattern(int i)
{
	/* not periodic in 256: every register gets its own bytes */
	return (unsigned char)(i * 0x9d + (i >> 8) * 0x47 + 0x3b);
}

static void fill_data(unsigned char *d)
{
	__u32 mxcsr = MXCSR_VALUE;
	__u16 fcw = FCW_VALUE;
	int i;

	for (i = 0; i < D_SIZE; i++)
		d[i] = pattern(i);
	memcpy(d + D_MXCSR, &mxcsr, sizeof(mxcsr));
	memcpy(d + D_FCW, &fcw, sizeof(fcw));
}

static __u32 rol32(__u32 v, int n)
{
	return (v << n) | (v >> (32 - n));
}

static __u32 fold16(const unsigned char *p)
{
	__u32 d[4];

	memcpy(d, p, sizeof(d));
	return d[0] ^ rol32(d[1], 7) ^ rol32(d[2], 13) ^ rol32(d[3], 19);
}

/*
 * The XSAVE area size for the components in @xcr0, from the host's CPUID
 * 0xD subleaves, as both kernels compute CPUID.0xD.0:ECX.
 */
static __u32 xstate_size(__u64 xcr0)
{
	__u32 size = 512 + 64, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & (1ULL << i)))
			continue;
		__cpuid_count(0xd, i, eax, ebx, ecx, edx);
		if (ebx + eax > size)
			size = ebx + eax;
	}
	return size;
}

/*
 * The device's CPUID and XSAVE capabilities, once per client. Leaf 0xD
 * is cut to the components both devices offer, so that the guest sees
 * the same table on both: AMX would need ARCH_REQ_XCOMP_GUEST_PERM, and
 * vtx offers no PKRU (api.rst 5.10) where KVM does; the maximum size
 * (ECX) follows.
 */
static int learn(struct vtx_vm *vm)
{
	struct kvm_cpuid_entry2 *e;
	int r;

	cpuid_nent = __vtx_get_supported_cpuid(vm->dev, cpuid, MAX_CPUID);
	if (cpuid_nent < 0) {
		printf("KVM_GET_SUPPORTED_CPUID: %d\n", cpuid_nent);
		return -1;
	}
	e = vtx_cpuid_find(cpuid, cpuid_nent, 0xd, 0);
	if (e) {
		e->eax &= ~((3u << 17) | (1u << 9));
		e->ecx = xstate_size(e->eax | (__u64)e->edx << 32);
	}
	xsave_size = 0;
	use_xsave2 = false;
	if (__vtx_ioctl(vm->fd, KVM_CHECK_EXTENSION,
			(void *)(long)KVM_CAP_XSAVE) > 0) {
		xsave_size = sizeof(struct kvm_xsave);
		r = __vtx_ioctl(vm->fd, KVM_CHECK_EXTENSION,
				(void *)(long)KVM_CAP_XSAVE2);
		if (r > xsave_size) {
			xsave_size = r;
			use_xsave2 = true;
		}
	}
	have_xcrs = __vtx_ioctl(vm->fd, KVM_CHECK_EXTENSION,
				(void *)(long)KVM_CAP_XCRS) > 0;
	return 0;
}

/* A new VM and vCPU on @dev with the learnt CPUID; 0 or -1 (printed). */
static int new_vm(const char *dev, struct vtx_vm *vm, struct vtx_vcpu *vcpu)
{
	int r;

	vtx_vm_create_default(vm, dev);
	if (!cpuid_nent && learn(vm))
		return -1;
	vtx_vcpu_create(vm, 0, vcpu);
	r = __vtx_vcpu_set_cpuid(vcpu, cpuid, cpuid_nent);
	if (r) {
		printf("KVM_SET_CPUID2: %d\n", r);
		return -1;
	}
	return 0;
}

/* new_vm(), with guest_state loaded and about to start. */
static int start(const char *dev, struct vtx_vm *vm, struct vtx_vcpu *vcpu)
{
	if (new_vm(dev, vm, vcpu))
		return -1;
	vtx_vm_load(vm, VTX_CODE_GPA, guest_state_start, guest_state_end);
	fill_data(vtx_vm_hva(vm, VTX_DATA_GPA));
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vm_set_idt_entry(vm, 6, VTX_GUEST_LABEL_GPA(VTX_CODE_GPA,
							guest_state,
							guest_state_ud));
	return 0;
}

static void stop(struct vtx_vm *vm, struct vtx_vcpu *vcpu)
{
	vtx_vcpu_close(vcpu);
	vtx_vm_destroy(vm);
}

/*
 * Run, appending every 4-byte OUT to @t, until HLT (0) or until @t holds
 * @stop_after OUTs (1: the last one completed with immediate_exit, so
 * the state is consistent); -1 on anything else (printed).
 */
static int run_outs(struct vtx_vcpu *vcpu, struct outs *t, int stop_after)
{
	struct kvm_run *run = vcpu->run;
	char desc[160];
	int r;

	while (t->n < MAX_OUTS) {
		r = __vtx_vcpu_run(vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			return 0;
		if (run->exit_reason != KVM_EXIT_IO ||
		    run->io.direction != KVM_EXIT_IO_OUT ||
		    run->io.size != 4 || run->io.count != 1) {
			printf("%s\n", vtx_describe_exit(run, desc,
							 sizeof(desc)));
			return -1;
		}
		t->o[t->n].port = run->io.port;
		t->o[t->n].val = *(__u32 *)vtx_io_data(run);
		t->n++;
		if (t->n == stop_after) {
			run->immediate_exit = 1;
			r = __vtx_vcpu_run(vcpu);
			run->immediate_exit = 0;
			if (r != -EINTR) {
				printf("immediate_exit: %d exit %u\n", r,
				       run->exit_reason);
				return -1;
			}
			return 1;
		}
	}
	printf("more than %d OUTs\n", MAX_OUTS);
	return -1;
}

static int get_xsave(struct vtx_vcpu *vcpu, struct kvm_xsave *x)
{
	return __vtx_ioctl(vcpu->fd, use_xsave2 ? KVM_GET_XSAVE2 :
			   KVM_GET_XSAVE, x);
}

static int get_msrs(struct vtx_vcpu *vcpu, struct kvm_msr_entry *e)
{
	int i;

	memset(e, 0, NR_MSRS * sizeof(*e));
	for (i = 0; i < NR_MSRS; i++)
		e[i].index = msr_list[i];
	return __vtx_vcpu_get_msrs(vcpu, e, NR_MSRS) == NR_MSRS ? 0 : -1;
}

static int set_msrs(struct vtx_vcpu *vcpu, struct kvm_msr_entry *e)
{
	return __vtx_vcpu_set_msrs(vcpu, e, NR_MSRS) == NR_MSRS ? 0 : -1;
}

/* @r, printed with @what when it is an error. */
static int try(const char *what, int r)
{
	if (r)
		printf("%s: %d\n", what, r);
	return r;
}

/* An ioctl whose error is printed with its name. */
#define IOC(fd, cmd, arg)	try(#cmd, __vtx_ioctl(fd, cmd, arg))

static int save(struct vtx_vm *vm, struct vtx_vcpu *vcpu, struct vstate *s)
{
	int fd = vcpu->fd;

	if (IOC(fd, KVM_GET_REGS, &s->regs))
		return -1;
	if (IOC(fd, KVM_GET_SREGS, &s->sregs))
		return -1;
	if (IOC(fd, KVM_GET_FPU, &s->fpu))
		return -1;
	if (xsave_size)
		if (try("KVM_GET_XSAVE", get_xsave(vcpu, s->xsave)))
			return -1;
	if (have_xcrs)
		if (IOC(fd, KVM_GET_XCRS, &s->xcrs))
			return -1;
	if (IOC(fd, KVM_GET_VCPU_EVENTS, &s->events))
		return -1;
	if (IOC(fd, KVM_GET_MP_STATE, &s->mp))
		return -1;
	if (IOC(fd, KVM_GET_DEBUGREGS, &s->dbg))
		return -1;
	if (try("KVM_GET_MSRS", get_msrs(vcpu, s->msrs)))
		return -1;
	memcpy(s->mem, vtx_vm_hva(vm, 0), VTX_MEM_SIZE);
	return 0;
}

/* Into a new_vm(): QEMU's order. */
static int restore(struct vtx_vm *vm, struct vtx_vcpu *vcpu,
		   struct vstate *s)
{
	int fd = vcpu->fd;

	memcpy(vtx_vm_hva(vm, 0), s->mem, VTX_MEM_SIZE);
	if (IOC(fd, KVM_SET_SREGS, &s->sregs))
		return -1;
	if (IOC(fd, KVM_SET_REGS, &s->regs))
		return -1;
	if (xsave_size) {
		if (IOC(fd, KVM_SET_XSAVE, s->xsave))
			return -1;
	} else if (IOC(fd, KVM_SET_FPU, &s->fpu)) {
		return -1;
	}
	if (have_xcrs)
		if (IOC(fd, KVM_SET_XCRS, &s->xcrs))
			return -1;
	if (try("KVM_SET_MSRS", set_msrs(vcpu, s->msrs)))
		return -1;
	if (IOC(fd, KVM_SET_VCPU_EVENTS, &s->events))
		return -1;
	if (IOC(fd, KVM_SET_MP_STATE, &s->mp))
		return -1;
	if (IOC(fd, KVM_SET_DEBUGREGS, &s->dbg))
		return -1;
	return 0;
}

static struct vstate *alloc_state(void)
{
	struct vstate *s = calloc(1, sizeof(*s));

	VTX_ASSERT(s, "calloc");
	s->xsave = calloc(1, xsave_size > 0 ? xsave_size : 4096);
	VTX_ASSERT(s->xsave, "calloc");
	return s;
}

static void free_state(struct vstate *s)
{
	free(s->xsave);
	free(s);
}

static void print_outs(const struct outs *t, int from)
{
	int i;

	for (i = from; i < t->n; i++)
		printf("out 0x%x 0x%x\n", t->o[i].port, t->o[i].val);
}

/* The index of the OUT of @val to PORT_PROGRESS in @t, or -1. */
static int find_progress(const struct outs *t, __u32 val)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->o[i].port == PORT_PROGRESS && t->o[i].val == val)
			return i;
	return -1;
}

/* Run B stopping at OUT @n, into @b: 0, or -1 (printed). */
static int run_split(const char *dev, int n, struct outs *b, struct vstate *s,
		     bool inject_ud)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	struct kvm_vcpu_events ev;
	int r;

	b->n = 0;
	if (start(dev, &vm, &vcpu))
		return -1;
	r = run_outs(&vcpu, b, n);
	if (r != 1) {
		printf("N=%d: stopped with %d after %d OUTs\n", n, r, b->n);
		return -1;
	}
	if (inject_ud) {
		if (IOC(vcpu.fd, KVM_GET_VCPU_EVENTS, &ev))
			return -1;
		ev.exception.injected = 1;
		ev.exception.nr = 6;
		ev.exception.has_error_code = 0;
		ev.exception.error_code = 0;
		if (IOC(vcpu.fd, KVM_SET_VCPU_EVENTS, &ev))
			return -1;
		memset(&ev, 0, sizeof(ev));
		if (IOC(vcpu.fd, KVM_GET_VCPU_EVENTS, &ev))
			return -1;
		printf("events: injected %u nr %u has_error_code %u pending %u\n",
		       ev.exception.injected, ev.exception.nr,
		       ev.exception.has_error_code, ev.exception.pending);
	}
	if (save(&vm, &vcpu, s))
		return -1;
	stop(&vm, &vcpu);

	if (new_vm(dev, &vm, &vcpu))
		return -1;
	if (restore(&vm, &vcpu, s))
		return -1;
	r = run_outs(&vcpu, b, 0);
	stop(&vm, &vcpu);
	if (r) {
		printf("N=%d: after the restore: %d\n", n, r);
		return -1;
	}
	return 0;
}

static bool same_outs(const struct outs *a, const struct outs *b, int *at)
{
	int i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (a->o[i].port != b->o[i].port || a->o[i].val != b->o[i].val)
			break;
	*at = i;
	return a->n == b->n && i == a->n;
}

static int client_save_restore(const char *dev, void *arg)
{
	static struct outs a, b;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	struct vstate *s;
	int n, at, bad = 0;

	a.n = 0;
	if (start(dev, &vm, &vcpu))
		return 1;
	if (run_outs(&vcpu, &a, 0)) {
		print_outs(&a, 0);
		return 1;
	}
	stop(&vm, &vcpu);
	printf("run A: %d OUTs\n", a.n);
	print_outs(&a, 0);

	s = alloc_state();
	for (n = 1; n <= a.n; n++) {
		if (run_split(dev, n, &b, s, false))
			return 1;
		if (!same_outs(&a, &b, &at) && bad++ < 5)
			printf("N=%d: differs at OUT %d: 0x%x 0x%x\n", n, at + 1,
			       at < b.n ? b.o[at].port : 0,
			       at < b.n ? b.o[at].val : 0);
	}
	free_state(s);
	if (bad)
		printf("restored at %d of %d OUTs: %d differ\n", a.n, a.n, bad);
	else
		printf("restored at each of %d OUTs: same\n", a.n);
	return 0;
}

static int client_pending_exception(const char *dev, void *arg)
{
	static struct outs a, b;
	struct kvm_vcpu_events ev;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	struct vstate *s;
	int n, at;

	/* Where to stop: the OUT of progress STOP_AT_PROGRESS. */
	a.n = 0;
	if (start(dev, &vm, &vcpu))
		return 1;
	if (run_outs(&vcpu, &a, 0))
		return 1;
	stop(&vm, &vcpu);
	n = find_progress(&a, STOP_AT_PROGRESS) + 1;
	if (n <= 0)
		return 1;

	/* Run C: inject #UD at the stop, same VM. */
	a.n = 0;
	if (start(dev, &vm, &vcpu))
		return 1;
	if (run_outs(&vcpu, &a, n) != 1)
		return 1;
	if (IOC(vcpu.fd, KVM_GET_VCPU_EVENTS, &ev))
		return -1;
	ev.exception.injected = 1;
	ev.exception.nr = 6;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	if (IOC(vcpu.fd, KVM_SET_VCPU_EVENTS, &ev))
		return -1;
	if (run_outs(&vcpu, &a, 0))
		return 1;
	stop(&vm, &vcpu);
	printf("injected at OUT %d; then:\n", n);
	print_outs(&a, n);

	/* Run D: inject, save, restore into a new VM, go on. */
	s = alloc_state();
	if (run_split(dev, n, &b, s, true))
		return 1;
	free_state(s);
	printf("saved and restored with #UD injected: %s\n",
	       same_outs(&a, &b, &at) ? "same" : "differs");
	if (at < a.n)
		printf("first difference at OUT %d\n", at + 1);
	return 0;
}

/* GET into @a, SET from @a, GET into @b: print whether @a and @b agree. */
static void rt_one(const char *when, const char *name, int fd,
		   unsigned long get, unsigned long set, void *a, void *b,
		   size_t size)
{
	int r1, r2 = 0, r3 = 0;

	r1 = __vtx_ioctl(fd, get, a);
	if (!r1)
		r2 = __vtx_ioctl(fd, set, a);
	if (!r1 && !r2)
		r3 = __vtx_ioctl(fd, get, b);
	if (r1 || r2 || r3)
		printf("%s %s: get %d set %d get %d\n", when, name, r1, r2, r3);
	else
		printf("%s %s: %s\n", when, name,
		       memcmp(a, b, size) ? "differs" : "same");
}

/* GET, SET, GET of each state: print whether the two GETs agree. */
static int round_trip(const char *when, struct vtx_vcpu *vcpu)
{
	static struct kvm_xsave *x1, *x2;
	static struct vstate s1, s2;
	int fd = vcpu->fd, r1, r2, r3;

	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	rt_one(when, "regs", fd, KVM_GET_REGS, KVM_SET_REGS,
	       &s1.regs, &s2.regs, sizeof(s1.regs));
	rt_one(when, "sregs", fd, KVM_GET_SREGS, KVM_SET_SREGS,
	       &s1.sregs, &s2.sregs, sizeof(s1.sregs));
	rt_one(when, "fpu", fd, KVM_GET_FPU, KVM_SET_FPU,
	       &s1.fpu, &s2.fpu, sizeof(s1.fpu));
	if (have_xcrs)
		rt_one(when, "xcrs", fd, KVM_GET_XCRS, KVM_SET_XCRS,
		       &s1.xcrs, &s2.xcrs, sizeof(s1.xcrs));
	rt_one(when, "vcpu_events", fd, KVM_GET_VCPU_EVENTS,
	       KVM_SET_VCPU_EVENTS, &s1.events, &s2.events,
	       sizeof(s1.events));
	rt_one(when, "mp_state", fd, KVM_GET_MP_STATE, KVM_SET_MP_STATE,
	       &s1.mp, &s2.mp, sizeof(s1.mp));
	rt_one(when, "debugregs", fd, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
	       &s1.dbg, &s2.dbg, sizeof(s1.dbg));

	if (xsave_size) {
		free(x1);
		free(x2);
		x1 = calloc(1, xsave_size);
		x2 = calloc(1, xsave_size);
		VTX_ASSERT(x1 && x2, "calloc");
		r1 = get_xsave(vcpu, x1);
		r2 = r1 ? 0 : __vtx_ioctl(fd, KVM_SET_XSAVE, x1);
		r3 = r1 || r2 ? 0 : get_xsave(vcpu, x2);
		if (r1 || r2 || r3)
			printf("%s xsave: get %d set %d get %d\n", when, r1, r2,
			       r3);
		else
			printf("%s xsave: %s\n", when,
			       memcmp(x1, x2, xsave_size) ? "differs" : "same");
	}

	r1 = get_msrs(vcpu, s1.msrs);
	r2 = r1 ? 0 : set_msrs(vcpu, s1.msrs);
	r3 = r1 || r2 ? 0 : get_msrs(vcpu, s2.msrs);
	if (r1 || r2 || r3)
		printf("%s msrs: get %d set %d get %d\n", when, r1, r2, r3);
	else
		/* the TSC (first) runs on: it may only move forward */
		printf("%s msrs: %s, tsc %s\n", when,
		       memcmp(s1.msrs + 1, s2.msrs + 1,
			      sizeof(s1.msrs) - sizeof(s1.msrs[0])) ?
		       "differs" : "same",
		       s2.msrs[0].data - s1.msrs[0].data < (1ULL << 32) ?
		       "forward" : "not forward");
	return 0;
}

static int client_round_trip(const char *dev, void *arg)
{
	static struct outs a;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int n;

	if (start(dev, &vm, &vcpu))
		return 1;
	round_trip("fresh", &vcpu);
	a.n = 0;
	if (run_outs(&vcpu, &a, 0))
		return 1;
	stop(&vm, &vcpu);

	n = find_progress(&a, 8) + 1;
	if (n <= 0 || start(dev, &vm, &vcpu))
		return 1;
	a.n = 0;
	if (run_outs(&vcpu, &a, n) != 1)
		return 1;
	round_trip("live", &vcpu);
	/* The state is still the guest's: it finishes as run A did. */
	if (run_outs(&vcpu, &a, 0))
		return 1;
	stop(&vm, &vcpu);
	printf("live: finished after the round trips\n");
	return 0;
}

static int set_xcr(struct vtx_vcpu *vcpu, __u32 nr, __u32 flags, __u32 xcr,
		   __u64 value)
{
	struct kvm_xcrs x;

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = nr;
	x.flags = flags;
	x.xcrs[0].xcr = xcr;
	x.xcrs[0].value = value;
	return __vtx_ioctl(vcpu->fd, KVM_SET_XCRS, &x);
}

static int client_invalid(const char *dev, void *arg)
{
	struct kvm_vcpu_events ev, ev0;
	struct kvm_debugregs dbg, dbg0;
	struct kvm_mp_state mp;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	__u64 ident = 0xfeffc000;
	int r, khz;

	vtx_vm_create_default(&vm, dev);
	if (learn(&vm))
		return 1;
	printf("check_extension(system, CHECK_EXTENSION_VM): %d\n",
	       __vtx_ioctl(vm.dev, KVM_CHECK_EXTENSION,
			   (void *)(long)KVM_CAP_CHECK_EXTENSION_VM));
	printf("check_extension(vm, CHECK_EXTENSION_VM): %d\n",
	       __vtx_ioctl(vm.fd, KVM_CHECK_EXTENSION,
			   (void *)(long)KVM_CAP_CHECK_EXTENSION_VM));
	printf("xsave: %d xsave2 > 4096: %d xcrs: %d\n", xsave_size > 0,
	       use_xsave2, have_xcrs);
	printf("set_tss_addr(0xfffbd000): %d\n",
	       __vtx_ioctl(vm.fd, KVM_SET_TSS_ADDR, (void *)0xfffbd000UL));
	printf("set_tss_addr(0xffffe000): %d\n",
	       __vtx_ioctl(vm.fd, KVM_SET_TSS_ADDR, (void *)0xffffe000UL));
	printf("set_identity_map_addr before a vcpu: %d\n",
	       __vtx_ioctl(vm.fd, KVM_SET_IDENTITY_MAP_ADDR, &ident));
	vtx_vcpu_create(&vm, 0, &vcpu);
	r = __vtx_vcpu_set_cpuid(&vcpu, cpuid, cpuid_nent);
	if (r) {
		printf("KVM_SET_CPUID2: %d\n", r);
		return 1;
	}
	printf("set_identity_map_addr after a vcpu: %d\n",
	       __vtx_ioctl(vm.fd, KVM_SET_IDENTITY_MAP_ADDR, &ident));

	khz = __vtx_ioctl(vcpu.fd, KVM_GET_TSC_KHZ, NULL);
	fprintf(stderr, "# %s: KVM_GET_TSC_KHZ %d, KVM_CAP_XSAVE2 size %d\n",
		dev, khz, xsave_size);
	printf("get_tsc_khz > 0: %s\n", khz > 0 ? "yes" : "no");
	printf("set_tsc_khz(the same): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_TSC_KHZ, (void *)(long)khz));

	printf("set_xcrs(xcr0 0x1): %d\n", set_xcr(&vcpu, 1, 0, 0, 0x1));
	printf("set_xcrs(xcr0 0x3): %d\n", set_xcr(&vcpu, 1, 0, 0, 0x3));
	printf("set_xcrs(xcr0 0x2, no x87): %d\n",
	       set_xcr(&vcpu, 1, 0, 0, 0x2));
	printf("set_xcrs(xcr0 0x6, no x87): %d\n",
	       set_xcr(&vcpu, 1, 0, 0, 0x6));
	printf("set_xcrs(xcr0 0x5, AVX without SSE): %d\n",
	       set_xcr(&vcpu, 1, 0, 0, 0x5));
	printf("set_xcrs(nr_xcrs KVM_MAX_XCRS + 1): %d\n",
	       set_xcr(&vcpu, KVM_MAX_XCRS + 1, 0, 0, 0x1));
	printf("set_xcrs(flags 1): %d\n", set_xcr(&vcpu, 1, 1, 0, 0x1));
	printf("set_xcrs(xcr 1): %d\n", set_xcr(&vcpu, 1, 0, 1, 0x1));

	if (IOC(vcpu.fd, KVM_GET_VCPU_EVENTS, &ev0))
		return -1;
	ev = ev0;
	ev.flags |= 0x80000000;
	printf("set_vcpu_events(flags bit 31): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_VCPU_EVENTS, &ev));
	ev = ev0;
	ev.exception.injected = 1;
	ev.exception.nr = 2;
	printf("set_vcpu_events(exception NMI): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_VCPU_EVENTS, &ev));
	ev.exception.nr = 32;
	printf("set_vcpu_events(exception 32): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_VCPU_EVENTS, &ev));
	printf("set_vcpu_events(as read): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_VCPU_EVENTS, &ev0));

	mp.mp_state = 100;
	printf("set_mp_state(100): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_MP_STATE, &mp));
	mp.mp_state = KVM_MP_STATE_HALTED;
	printf("set_mp_state(HALTED, no irqchip): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_MP_STATE, &mp));
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	printf("set_mp_state(RUNNABLE): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_MP_STATE, &mp));

	if (IOC(vcpu.fd, KVM_GET_DEBUGREGS, &dbg0))
		return -1;
	printf("debugregs as read: dr6 0x%llx dr7 0x%llx flags %u\n",
	       (unsigned long long)dbg0.dr6, (unsigned long long)dbg0.dr7,
	       (unsigned int)dbg0.flags);
	dbg = dbg0;
	dbg.flags = 1;
	printf("set_debugregs(flags 1): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_DEBUGREGS, &dbg));
	dbg = dbg0;
	dbg.dr6 |= 1ULL << 32;
	printf("set_debugregs(dr6 bit 32): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_DEBUGREGS, &dbg));
	dbg = dbg0;
	dbg.dr7 |= 1ULL << 32;
	printf("set_debugregs(dr7 bit 32): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_DEBUGREGS, &dbg));
	dbg = dbg0;
	dbg.db[0] = 0x1000;
	dbg.dr7 = 0x401;
	printf("set_debugregs(dr0 0x1000, dr7 0x401): %d\n",
	       __vtx_ioctl(vcpu.fd, KVM_SET_DEBUGREGS, &dbg));
	memset(&dbg, 0, sizeof(dbg));
	if (IOC(vcpu.fd, KVM_GET_DEBUGREGS, &dbg))
		return -1;
	printf("debugregs read back: dr0 0x%llx dr7 0x%llx\n",
	       (unsigned long long)dbg.db[0], (unsigned long long)dbg.dr7);

	printf("set_msrs(PAT 0x0202020202020202): %d\n",
	       __vtx_vcpu_set_msr(&vcpu, 0x277, 0x0202020202020202ULL));
	printf("set_msrs(MTRRdefType type 2): %d\n",
	       __vtx_vcpu_set_msr(&vcpu, 0x2ff, 0xc02));
	printf("set_msrs(MTRRphysMask0 bit 63): %d\n",
	       __vtx_vcpu_set_msr(&vcpu, 0x201, 0x8000000000000800ULL));
	printf("set_msrs(MTRRdefType 0xc06): %d\n",
	       __vtx_vcpu_set_msr(&vcpu, 0x2ff, 0xc06));
	stop(&vm, &vcpu);
	return 0;
}

static int client_xsave_view(const char *dev, void *arg)
{
	static struct outs a;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int i;

	a.n = 0;
	if (start(dev, &vm, &vcpu))
		return 1;
	if (run_outs(&vcpu, &a, 0))
		return 1;
	stop(&vm, &vcpu);
	for (i = 0; i < a.n; i++)
		if (a.o[i].port == PORT_XSTATE)
			printf("guest xstate 0x%x\n", a.o[i].val);
	/* CR4 is the last PORT_CTRL value */
	for (i = a.n - 1; i >= 0; i--)
		if (a.o[i].port == PORT_CTRL)
			break;
	if (i >= 0)
		printf("guest cr4 0x%x\n", a.o[i].val);
	return 0;
}

/* The blocks of run A's transcript that do not depend on the host. */
static char *expected_blocks(void)
{
	static unsigned char d[D_SIZE];
	static char buf[4096];
	size_t n = 0;
	int k;

	fill_data(d);
#define ADD(...) (n += snprintf(buf + n, sizeof(buf) - n, __VA_ARGS__))
	/* progress 1, then the host's XCR0 and CPUID.0xD, then 2-8 */
	ADD("out 0x21 0x1\n|");
	for (k = 2; k <= 8; k++)
		ADD("out 0x21 0x%x\n", k);
	for (k = 1; k <= 13; k++)
		ADD("out 0x22 0x%x\nout 0x22 0x%x\n",
		    0x0b0b0000 + k * 0x111, 0xa0000000 + k);
	/* the stack: r15, then rbx; then RSP */
	ADD("out 0x22 0x%x\nout 0x22 0x%x\n", 0x0b0b0ddd, 0xa000000d);
	ADD("out 0x22 0x%x\nout 0x22 0x%x\n", 0x0b0b0111, 0xa0000001);
	ADD("out 0x22 0x%lx\nout 0x22 0x0\n", VTX_STACK_TOP);
	for (k = 0; k < 16; k++)
		ADD("out 0x25 0x%x\n", fold16(d + D_XMM + k * 16));
	ADD("out 0x25 0x%x\nout 0x25 0x%x\n", MXCSR_VALUE, FCW_VALUE);
	ADD("|");
	ADD("out 0x24 0x70106\nout 0x24 0x70406\n"	/* PAT */
	    "out 0x24 0x1801\nout 0x24 0x0\n"		/* MISC_ENABLE */
	    "out 0x24 0xc06\nout 0x24 0x0\n"		/* MTRRdefType */
	    "out 0x24 0x6060606\nout 0x24 0x6060606\n"	/* FIX64K */
	    "out 0x24 0x80000006\nout 0x24 0x0\n");	/* PHYSBASE0 */
	ADD("|");
	ADD("out 0x26 0x100\nout 0x26 0x100\nout 0x26 0xff\n"
	    "out 0x27 0x1234000\nout 0x27 0x2345000\n"
	    "out 0x27 0x3456000\nout 0x27 0x4567000\n"
	    "out 0x27 0xd0402\nout 0x27 0xffff0ff0\n"
	    "out 0x27 0x80000033\nout 0x27 0x500\n");
	ADD("|");
	ADD("out 0x2f 0x600d\n");
#undef ADD
	return buf;
}

FIXTURE(kvm_state) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(kvm_state)
{
	vtx_dual_setup(&self->kmsg);
}

FIXTURE_TEARDOWN(kvm_state)
{
	vtx_dual_teardown(_metadata, &self->kmsg);
}

/* Each '|'-separated block of @blocks appears in @text, in order. */
static bool has_blocks(const char *text, const char *blocks)
{
	static char copy[4096];
	char *save, *b;

	snprintf(copy, sizeof(copy), "%s", blocks);
	for (b = strtok_r(copy, "|", &save); b; b = strtok_r(NULL, "|", &save)) {
		text = strstr(text, b);
		if (!text)
			return false;
		text += strlen(b);
	}
	return true;
}

TEST_F_TIMEOUT(kvm_state, save_restore, 900)
{
	struct vtx_transcripts *t = vtx_dual_check(_metadata, "save_restore",
						   client_save_restore, NULL, NULL);

	EXPECT_TRUE(has_blocks(t->kvm, expected_blocks()));
	EXPECT_NE(NULL, strstr(t->kvm, "OUTs: same\n"));
}

TEST_F_TIMEOUT(kvm_state, pending_exception, 600)
{
	struct vtx_transcripts *t = vtx_dual_check(_metadata, "pending_exception",
						   client_pending_exception, NULL, NULL);

	EXPECT_NE(NULL, strstr(t->kvm, "; then:\nout 0x2e 0x6\nout 0x21 0x8\n"));
	EXPECT_NE(NULL, strstr(t->kvm, "events: injected 1 nr 6 "));
	EXPECT_NE(NULL, strstr(t->kvm,
			       "saved and restored with #UD injected: same\n"));
}

static const char expect_round_trip[] =
	"fresh regs: same\n"
	"fresh sregs: same\n"
	"fresh fpu: same\n"
	"fresh xcrs: same\n"
	"fresh vcpu_events: same\n"
	"fresh mp_state: same\n"
	"fresh debugregs: same\n"
	"fresh xsave: same\n"
	"fresh msrs: same, tsc forward\n"
	"live regs: same\n"
	"live sregs: same\n"
	"live fpu: same\n"
	"live xcrs: same\n"
	"live vcpu_events: same\n"
	"live mp_state: same\n"
	"live debugregs: same\n"
	"live xsave: same\n"
	"live msrs: same, tsc forward\n"
	"live: finished after the round trips\n";

TEST_F_TIMEOUT(kvm_state, round_trip, 600)
{
	struct vtx_transcripts *t = vtx_dual_check(_metadata, "round_trip",
						   client_round_trip, NULL, NULL);

	EXPECT_STREQ(expect_round_trip, t->kvm);
}

static const char expect_invalid[] =
	"check_extension(system, CHECK_EXTENSION_VM): 1\n"
	"check_extension(vm, CHECK_EXTENSION_VM): 1\n"
	"xsave: 1 xsave2 > 4096: %d xcrs: 1\n"
	"set_tss_addr(0xfffbd000): 0\n"
	"set_tss_addr(0xffffe000): -22\n"
	"set_identity_map_addr before a vcpu: 0\n"
	"set_identity_map_addr after a vcpu: -22\n"
	"get_tsc_khz > 0: yes\n"
	"set_tsc_khz(the same): 0\n"
	"set_xcrs(xcr0 0x1): 0\n"
	"set_xcrs(xcr0 0x3): 0\n"
	"set_xcrs(xcr0 0x2, no x87): -22\n"
	"set_xcrs(xcr0 0x6, no x87): -22\n"
	"set_xcrs(xcr0 0x5, AVX without SSE): -22\n"
	"set_xcrs(nr_xcrs KVM_MAX_XCRS + 1): -22\n"
	"set_xcrs(flags 1): -22\n"
	"set_xcrs(xcr 1): 0\n"
	"set_vcpu_events(flags bit 31): -22\n"
	"set_vcpu_events(exception NMI): -22\n"
	"set_vcpu_events(exception 32): -22\n"
	"set_vcpu_events(as read): 0\n"
	"set_mp_state(100): -22\n"
	"set_mp_state(HALTED, no irqchip): -22\n"
	"set_mp_state(RUNNABLE): 0\n"
	"debugregs as read: dr6 0xffff0ff0 dr7 0x400 flags 0\n"
	"set_debugregs(flags 1): -22\n"
	"set_debugregs(dr6 bit 32): -22\n"
	"set_debugregs(dr7 bit 32): -22\n"
	"set_debugregs(dr0 0x1000, dr7 0x401): 0\n"
	"debugregs read back: dr0 0x1000 dr7 0x401\n"
	"set_msrs(PAT 0x0202020202020202): 0\n"
	"set_msrs(MTRRdefType type 2): 0\n"
	"set_msrs(MTRRphysMask0 bit 63): 0\n"
	"set_msrs(MTRRdefType 0xc06): 1\n";

TEST_F_TIMEOUT(kvm_state, invalid_args, 600)
{
	struct vtx_transcripts *t = vtx_dual_check(_metadata, "invalid_args",
						   client_invalid, NULL, NULL);
	char want[sizeof(expect_invalid) + 16];

	/* Whether XSAVE2 is larger than struct kvm_xsave is the host's. */
	snprintf(want, sizeof(want), expect_invalid,
		 !!strstr(t->kvm, "xsave2 > 4096: 1"));
	EXPECT_STREQ(want, t->kvm);
}

TEST_F_TIMEOUT(kvm_state, guest_xsave_view, 600)
{
	struct vtx_transcripts *t = vtx_dual_check(_metadata, "guest_xsave_view",
						   client_xsave_view, NULL, NULL);

	/* XCR0, the first value, is not 0; the rest is the host's. */
	EXPECT_EQ(0, strncmp(t->kvm, "guest xstate 0x", 15));
	EXPECT_NE(0, strncmp(t->kvm, "guest xstate 0x0\n", 17));
	EXPECT_NE(NULL, strstr(t->kvm, "guest cr4 0x"));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
