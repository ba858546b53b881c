// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's EFER, switched by the VMCS and by the MSR lists (the two
 * variants of the fixture in efer_env.h).
 *
 * The guest's EFER is its own: with NXE clear, bit 63 of a paging entry
 * is reserved (a host NXE leaking in would make it execute-disable); with
 * NXE set it is execute-disable. RDMSR returns what WRMSR wrote, and
 * KVM_GET_MSRS and KVM_GET_SREGS agree. Bad EFER values are refused: from
 * user space by KVM_SET_MSRS (the value never reaches the guest, which
 * still enters), from the guest with #GP(0) and EFER unchanged. The
 * SYSCALL MSRs are in syscall_msr_test.c.
 */
#include "efer_env.h"

/* PD[2] maps 0x400000-0x5fffff, which is outside the 1 MiB slot. */
#define NX_PAGE		0x400000ULL
#define NX_PDE_GPA	(VTX_PD_GPA + 2 * 8)

#define PF_P		0x1ULL
#define PF_RSVD		0x8ULL
#define PF_ID		0x10ULL

/*
 * guest_nx_read: set bit 63 of the PDE at RDI, INVLPG the page at RSI
 * and read it. With EFER.NXE clear that is a reserved-bit #PF; if it
 * does not fault, the guest would read a GPA that no slot holds.
 */
VTX_GUEST_CODE(guest_nx_read);
VTX_GUEST_LABEL(guest_nx_read_insn);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_nx_read_start:\n"
	".code64\n"
	"	btsq $63, (%rdi)\n"
	"	invlpg (%rsi)\n"
	"guest_nx_read_insn:\n"
	"	mov (%rsi), %rbx\n"
	"	mov $0xbad, %eax\n"
	"	out %eax, $0x48\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_nx_read_end:\n"
	".popsection\n");

/*
 * guest_nx_exec: set EFER.NXE (RDMSR, or, WRMSR), report the EFER that
 * RDMSR then returns on PORT_VALUE, set bit 63 of the PDE at RDI, INVLPG
 * the page at RSI and jump to it: an execute-disable #PF.
 */
VTX_GUEST_CODE(guest_nx_exec);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_nx_exec_start:\n"
	".code64\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $0x800, %eax\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	btsq $63, (%rdi)\n"
	"	invlpg (%rsi)\n"
	"	jmp *%rsi\n"
	"guest_nx_exec_end:\n"
	".popsection\n");

/*
 * guest_efer_rw: WRMSR EFER = LME|LMA|SCE, then LME|LMA|NXE, then
 * LME|LMA|SCE|NXE; after each, RDMSR EFER and report it on PORT_VALUE.
 * Then halt.
 */
VTX_GUEST_CODE(guest_efer_rw);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_efer_rw_start:\n"
	".code64\n"
	"	mov $0xc0000080, %ecx\n"
	"	mov $0x501, %eax\n"
	"	call 9f\n"
	"	mov $0xd00, %eax\n"
	"	call 9f\n"
	"	mov $0xd01, %eax\n"
	"	call 9f\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"9:	xor %edx, %edx\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	ret\n"
	"guest_efer_rw_end:\n"
	".popsection\n");

/* guest_done: OUT DONE_MARK to PORT_DONE, then halt. */
VTX_GUEST_CODE(guest_done);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_done_start:\n"
	".code64\n"
	"	mov $0x600d, %eax\n"
	"	out %eax, $0x47\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_done_end:\n"
	".popsection\n");

/*
 * guest_efer_bad: three WRMSRs of EFER that must each raise #GP(0),
 * which the #GP handler reports and steps over: bit 1 (reserved), bit
 * 63 (reserved), and 0 (clears LME while paging is on). Then RDMSR EFER
 * and report it on PORT_VALUE; then WRMSR SCE|LME, LMA clear (allowed:
 * LMA is the CPU's and keeps its value), RDMSR and report again; halt.
 */
VTX_GUEST_CODE(guest_efer_bad);
VTX_GUEST_LABEL(guest_efer_bad_bit1);
VTX_GUEST_LABEL(guest_efer_bad_bit63);
VTX_GUEST_LABEL(guest_efer_bad_lme);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_efer_bad_start:\n"
	".code64\n"
	"	mov $0xc0000080, %ecx\n"
	"	mov $0x502, %eax\n"
	"	xor %edx, %edx\n"
	"guest_efer_bad_bit1:\n"
	"	wrmsr\n"
	"	mov $0x500, %eax\n"
	"	mov $0x80000000, %edx\n"
	"guest_efer_bad_bit63:\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"guest_efer_bad_lme:\n"
	"	wrmsr\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	mov $0x101, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_efer_bad_end:\n"
	".popsection\n");

/* RDI = the PDE of NX_PAGE, RSI = NX_PAGE, for guest_nx_read/exec. */
static void set_nx_regs(struct vtx_vcpu *vcpu)
{
	struct kvm_regs regs;

	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rdi = NX_PDE_GPA;
	regs.rsi = NX_PAGE;
	vtx_vcpu_set_regs(vcpu, &regs);
}

/* KVM_SET_MSRS of EFER alone: the number of entries processed. */
static int set_efer(struct vtx_vcpu *vcpu, __u64 efer)
{
	struct kvm_msr_entry e = { .index = MSR_EFER, .data = efer };

	return __vtx_vcpu_set_msrs(vcpu, &e, 1);
}

/*
 * EFER.NXE is clear in the guest, so bit 63 of a PDE is reserved: the
 * read is a #PF with P and RSVD. If the host's NXE (Linux sets it) had
 * leaked into the guest, bit 63 would be a valid execute-disable bit,
 * the read would not fault, and the guest would read a GPA no slot has.
 */
TEST_F_TIMEOUT(efer, nxe_clear_makes_bit63_reserved, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_nx_read_start,
		    guest_nx_read_end);
	set_nx_regs(vcpu);
	EXPECT_EQ(EFER_LONG, vtx_vcpu_get_msr(vcpu, MSR_EFER));

	vtx_vcpu_run(vcpu);
	ASSERT_NE((__u32)KVM_EXIT_MEMORY_FAULT, vcpu->run->exit_reason)
		TH_LOG("no #PF: guest EFER.NXE is set (the host's?): %s",
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	ASSERT_EQ(0, __vtx_check_io_out(vcpu->run, PORT_VECTOR, 4, 14))
		TH_LOG("wanted #PF, got %s",
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(PF_P | PF_RSVD, vtx_vcpu_run_out(vcpu, PORT_ERROR, 4));
	EXPECT_EQ(NX_PAGE, vtx_vcpu_run_out64(vcpu, PORT_CR2));
	EXPECT_EQ(CODE_GPA(guest_nx_read, guest_nx_read_insn),
		  vtx_vcpu_run_out64(vcpu, PORT_RIP));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
}

/*
 * The guest sets EFER.NXE itself: bit 63 is now execute-disable, and a
 * jump to the page is a #PF with P and I/D (no RSVD: the bit is valid).
 */
TEST_F_TIMEOUT(efer, nxe_set_makes_bit63_execute_disable, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_nx_exec_start,
		    guest_nx_exec_end);
	set_nx_regs(vcpu);

	EXPECT_EQ(EFER_LONG | VTX_EFER_NXE,
		  vtx_vcpu_run_out64(vcpu, PORT_VALUE));
	vtx_vcpu_run(vcpu);
	ASSERT_EQ(0, __vtx_check_io_out(vcpu->run, PORT_VECTOR, 4, 14))
		TH_LOG("wanted #PF, got %s",
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(PF_P | PF_ID, vtx_vcpu_run_out(vcpu, PORT_ERROR, 4));
	EXPECT_EQ(NX_PAGE, vtx_vcpu_run_out64(vcpu, PORT_CR2));
	EXPECT_EQ(NX_PAGE, vtx_vcpu_run_out64(vcpu, PORT_RIP));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	EXPECT_EQ(EFER_LONG | VTX_EFER_NXE,
		  vtx_vcpu_get_msr(vcpu, MSR_EFER));
}

/* RDMSR returns each EFER the guest wrote; so do the host's ioctls. */
TEST_F_TIMEOUT(efer, guest_efer_round_trip, 300)
{
	static const __u64 want[] = {
		EFER_LONG | VTX_EFER_SCE,
		EFER_LONG | VTX_EFER_NXE,
		EFER_LONG | VTX_EFER_SCE | VTX_EFER_NXE,
	};
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_sregs sregs;
	unsigned int i;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_efer_rw_start,
		    guest_efer_rw_end);

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(want[i], vtx_vcpu_run_out64(vcpu, PORT_VALUE))
			TH_LOG("write %u", i);
	}
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);

	EXPECT_EQ(want[2], vtx_vcpu_get_msr(vcpu, MSR_EFER));
	vtx_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(want[2], sregs.efer);
}

/*
 * KVM_SET_MSRS refuses an EFER with a reserved bit, with LMA other than
 * LME && CR0.PG, or with LMA and no CR4.PAE: it processes 0 entries, the
 * EFER is unchanged, and the guest still enters. A good value is taken.
 */
TEST_F_TIMEOUT(efer, host_refuses_bad_efer, 300)
{
	static const __u64 bad_long_mode[] = {
		EFER_LONG | 0x2,		/* reserved bit 1 */
		EFER_LONG | 1ULL << 63,		/* reserved bit 63 */
		EFER_LONG | 1ULL << 12,		/* reserved bit 12 (SVME) */
		VTX_EFER_LME,			/* paging on, LMA clear */
		VTX_EFER_LMA,			/* LMA without LME */
	};
	struct kvm_msr_entry three[3] = {
		{ .index = MSR_LSTAR, .data = 0xffff800011110000ULL },
		{ .index = MSR_EFER, .data = EFER_LONG | 0x2 },
		{ .index = MSR_CSTAR, .data = 0xffff800022220000ULL },
	};
	struct vtx_vcpu *vcpu = &self->vcpu, fresh;
	struct kvm_sregs sregs;
	__u64 cstar;
	unsigned int i;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_done_start,
		    guest_done_end);
	ASSERT_EQ(EFER_LONG, vtx_vcpu_get_msr(vcpu, MSR_EFER));

	/* In 64-bit mode: CR0.PG = 1, CR4.PAE = 1. */
	for (i = 0; i < ARRAY_SIZE(bad_long_mode); i++) {
		EXPECT_EQ(0, set_efer(vcpu, bad_long_mode[i]))
			TH_LOG("EFER 0x%llx", bad_long_mode[i]);
		EXPECT_EQ(EFER_LONG, vtx_vcpu_get_msr(vcpu, MSR_EFER))
			TH_LOG("after EFER 0x%llx", bad_long_mode[i]);
	}
	vtx_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(EFER_LONG, sregs.efer);

	/* The count stops at the first refused entry; later ones wait. */
	cstar = vtx_vcpu_get_msr(vcpu, MSR_CSTAR);
	EXPECT_EQ(1, __vtx_vcpu_set_msrs(vcpu, three, 3));
	EXPECT_EQ(three[0].data, vtx_vcpu_get_msr(vcpu, MSR_LSTAR));
	EXPECT_EQ(EFER_LONG, vtx_vcpu_get_msr(vcpu, MSR_EFER));
	EXPECT_EQ(cstar, vtx_vcpu_get_msr(vcpu, MSR_CSTAR));

	EXPECT_EQ(1, set_efer(vcpu, EFER_LONG | VTX_EFER_NXE));
	EXPECT_EQ(EFER_LONG | VTX_EFER_NXE, vtx_vcpu_get_msr(vcpu, MSR_EFER));

	/* Nothing refused reached the VMCS: the entry works. */
	EXPECT_EQ((__u64)DONE_MARK, vtx_vcpu_run_out(vcpu, PORT_DONE, 4));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	EXPECT_EQ(EFER_LONG | VTX_EFER_NXE, vtx_vcpu_get_msr(vcpu, MSR_EFER));

	/* A vCPU in the reset state: real mode, CR0.PG = 0, EFER = 0. */
	vtx_vcpu_create(&self->vm, 1, &fresh);
	EXPECT_EQ(0ULL, vtx_vcpu_get_msr(&fresh, MSR_EFER));
	EXPECT_EQ(0, set_efer(&fresh, EFER_LONG));
	EXPECT_EQ(0, set_efer(&fresh, VTX_EFER_LMA));
	EXPECT_EQ(0ULL, vtx_vcpu_get_msr(&fresh, MSR_EFER));
	/* LME without paging is how long mode starts: LMA stays clear. */
	EXPECT_EQ(1, set_efer(&fresh, VTX_EFER_LME));
	EXPECT_EQ(VTX_EFER_LME, vtx_vcpu_get_msr(&fresh, MSR_EFER));
	EXPECT_EQ(1, set_efer(&fresh, 0));

	/* 32-bit paging: CR0.PG = 1, CR4.PAE = 0; long mode needs PAE. */
	vtx_vcpu_get_sregs(&fresh, &sregs);
	sregs.cr0 |= VTX_CR0_PE | VTX_CR0_PG;
	sregs.cr4 &= ~VTX_CR4_PAE;
	sregs.efer = 0;
	vtx_vcpu_set_sregs(&fresh, &sregs);
	EXPECT_EQ(0, set_efer(&fresh, EFER_LONG));
	EXPECT_EQ(0ULL, vtx_vcpu_get_msr(&fresh, MSR_EFER));
	vtx_vcpu_close(&fresh);
}

/*
 * A guest WRMSR of EFER with a reserved bit, or one that clears LME
 * while paging is on, is #GP(0) and changes nothing; a write that
 * clears LMA is allowed but leaves LMA as it was.
 */
TEST_F_TIMEOUT(efer, guest_bad_efer_is_gp, 300)
{
	static const struct {
		const unsigned char *label;
		const char *what;
	} faults[] = {
		{ guest_efer_bad_bit1, "reserved bit 1" },
		{ guest_efer_bad_bit63, "reserved bit 63" },
		{ guest_efer_bad_lme, "LME cleared while paging" },
	};
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_sregs sregs;
	unsigned int i;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_efer_bad_start,
		    guest_efer_bad_end);

	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		vtx_vcpu_run(vcpu);
		ASSERT_EQ(0, __vtx_check_io_out(vcpu->run, PORT_VECTOR, 4, 13))
			TH_LOG("%s: wanted #GP, got %s", faults[i].what,
			       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
		EXPECT_EQ(0ULL, vtx_vcpu_run_out(vcpu, PORT_ERROR, 4))
			TH_LOG("%s", faults[i].what);
		EXPECT_EQ(VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_efer_bad,
					      faults[i].label),
			  vtx_vcpu_run_out64(vcpu, PORT_RIP))
			TH_LOG("%s", faults[i].what);
	}
	EXPECT_EQ(EFER_LONG, vtx_vcpu_run_out64(vcpu, PORT_VALUE));
	EXPECT_EQ(EFER_LONG | VTX_EFER_SCE,
		  vtx_vcpu_run_out64(vcpu, PORT_VALUE));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	vtx_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(EFER_LONG | VTX_EFER_SCE, sregs.efer);
}

/*
 * guest_real_to_long: starts in real mode at VTX_CODE_GPA and switches
 * itself to 64-bit mode as a boot loader does: the GDT (the one
 * vtx_vcpu_setup_long_mode() wrote), CR4.PAE, CR3 on the identity map,
 * EFER.LME by WRMSR, then CR0.PE and CR0.PG in one write and a far jump
 * to the 64-bit code segment. It reports 1 on PORT_TICK from real mode;
 * then, from 64-bit mode, EFER (RDMSR), CR0, a 64-bit-only result, and
 * PORT_TICK values 2 to 101, one exit each; then DONE_MARK and HLT.
 */
VTX_GUEST_CODE(guest_real_to_long);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_real_to_long_start:\n"
	".code16\n"
	"	cli\n"
	"	mov $1, %eax\n"
	"	out %eax, $0x45\n"
	"	lgdtl r2l_gdtr - guest_real_to_long_start + 0x1000\n"
	"	mov %cr4, %eax\n"
	"	or $0x20, %eax\n"
	"	mov %eax, %cr4\n"
	"	mov $0x13000, %eax\n"
	"	mov %eax, %cr3\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $0x100, %eax\n"
	"	wrmsr\n"
	"	mov %cr0, %eax\n"
	"	or $0x80000001, %eax\n"
	"	mov %eax, %cr0\n"
	"	ljmpl $0x08, $r2l_long - guest_real_to_long_start + 0x1000\n"
	".code64\n"
	"r2l_long:\n"
	"	mov $0x10, %eax\n"
	"	mov %eax, %ds\n"
	"	mov %eax, %es\n"
	"	mov %eax, %ss\n"
	"	mov $0x8000, %esp\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	mov %cr0, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	mov $0x123456789a, %rax\n"
	"	shr $4, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	mov $2, %ebx\n"
	"1:	mov %ebx, %eax\n"
	"	out %eax, $0x45\n"
	"	inc %ebx\n"
	"	cmp $102, %ebx\n"
	"	jne 1b\n"
	"	mov $0x600d, %eax\n"
	"	out %eax, $0x47\n"
	"2:	hlt\n"
	"	jmp 2b\n"
	"r2l_gdtr:\n"
	"	.word 0x27\n"
	"	.long 0x10000\n"
	".code64\n"
	"guest_real_to_long_end:\n"
	".popsection\n");

static void real_mode_seg(struct kvm_segment *s, __u8 type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

/*
 * A guest that starts at reset-like real mode and enters long mode by
 * itself keeps running there, exit after exit, with EFER.LMA and the
 * "IA-32e mode guest" control following what the guest did: under
 * efer_switch=msr_list, EFER travels on the lists, and an entry that
 * loaded LME without the matching IA-32e control would fail.
 */
TEST_F_TIMEOUT(efer, real_mode_guest_enters_long_mode, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_regs regs = {};
	struct kvm_sregs sregs;
	__u64 v;
	int i;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_real_to_long_start,
		    guest_real_to_long_end);
	vtx_vcpu_get_sregs(vcpu, &sregs);
	real_mode_seg(&sregs.cs, 11);
	real_mode_seg(&sregs.ds, 3);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	real_mode_seg(&sregs.tr, 11);
	sregs.tr.s = 0;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 2;
	sregs.ldt.limit = 0xffff;
	sregs.ldt.present = 1;
	sregs.gdt.base = 0;
	sregs.gdt.limit = 0xffff;
	sregs.idt.base = 0;
	sregs.idt.limit = 0x3ff;
	sregs.cr0 = VTX_CR0_ET;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	vtx_vcpu_set_sregs(vcpu, &sregs);
	regs.rip = VTX_CODE_GPA;
	regs.rsp = VTX_REAL_STACK;
	regs.rflags = 2;
	vtx_vcpu_set_regs(vcpu, &regs);

	ASSERT_EQ(1ULL, vtx_vcpu_run_out(vcpu, PORT_TICK, 4));
	vtx_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(0ULL, sregs.efer) TH_LOG("still in real mode");
	EXPECT_EQ(0ULL, sregs.cr0 & (VTX_CR0_PE | VTX_CR0_PG));

	v = vtx_vcpu_run_out64(vcpu, PORT_VALUE);
	EXPECT_EQ(EFER_LONG, v) TH_LOG("EFER as the guest reads it in 64-bit mode");
	v = vtx_vcpu_run_out64(vcpu, PORT_VALUE);
	EXPECT_EQ(VTX_CR0_PE | VTX_CR0_PG, v & (VTX_CR0_PE | VTX_CR0_PG))
		TH_LOG("CR0 0x%llx", (unsigned long long)v);
	EXPECT_EQ(0x123456789aULL >> 4, vtx_vcpu_run_out64(vcpu, PORT_VALUE));

	vtx_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(EFER_LONG, sregs.efer);
	EXPECT_EQ(VTX_CR0_PE | VTX_CR0_PG,
		  sregs.cr0 & (VTX_CR0_PE | VTX_CR0_PG));
	EXPECT_EQ(VTX_CR4_PAE, sregs.cr4 & VTX_CR4_PAE);
	EXPECT_EQ(VTX_PML4_GPA, sregs.cr3);
	EXPECT_EQ(1, sregs.cs.l);
	EXPECT_EQ(VTX_SEL_CODE64, sregs.cs.selector);
	EXPECT_EQ(EFER_LONG, vtx_vcpu_get_msr(vcpu, MSR_EFER));

	for (i = 2; i < 102; i++)
		ASSERT_EQ((__u64)i, vtx_vcpu_run_out(vcpu, PORT_TICK, 4))
			TH_LOG("exit %d in 64-bit mode", i);
	EXPECT_EQ((__u64)DONE_MARK, vtx_vcpu_run_out(vcpu, PORT_DONE, 4));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
