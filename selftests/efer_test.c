// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's EFER and SYSCALL MSRs, with EFER switched by the VMCS
 * (efer_switch=vmcs) and by the VM-entry/exit MSR lists
 * (efer_switch=msr_list): every test runs in both modes.
 *
 * The guest's EFER is its own: with NXE clear, bit 63 of a paging entry
 * is reserved (a host NXE leaking in would make it execute-disable); with
 * NXE set it is execute-disable; with SCE clear SYSCALL is #UD, with SCE
 * set SYSCALL goes where the guest's STAR and LSTAR say and masks RFLAGS
 * with the guest's SFMASK, which proves that the lists load them; SWAPGS
 * exchanges GS.base with the guest's KERNEL_GS_BASE from the lists.
 * RDMSR returns what WRMSR wrote, and KVM_GET_MSRS and KVM_GET_SREGS
 * agree. The host's EFER, STAR, LSTAR,
 * CSTAR, SFMASK and KERNEL_GS_BASE are what they were after 10,000 exits
 * with different guest values. Bad EFER values are refused: from user
 * space by KVM_SET_MSRS (the value never reaches the guest, which still
 * enters), from the guest with #GP(0) and EFER unchanged.
 */
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

#define EFER_LONG	(VTX_EFER_LME | VTX_EFER_LMA)
/* What Linux runs with on x86-64 and a CPU with NX. */
#define EFER_HOST	(VTX_EFER_SCE | VTX_EFER_LME | VTX_EFER_LMA | \
			 VTX_EFER_NXE)

/* Guest reports: 4-byte OUTs; 64-bit values as two, low half first. */
#define PORT_VECTOR	0x40	/* a handler's vector */
#define PORT_ERROR	0x41	/* its error code */
#define PORT_CR2	0x42	/* CR2, 64-bit */
#define PORT_RIP	0x43	/* the RIP on the handler's stack, 64-bit */
#define PORT_VALUE	0x44	/* a value, 64-bit */
#define PORT_TICK	0x45	/* the loop counter of the exit loop */
#define PORT_SEL	0x46	/* a segment selector */
#define PORT_DONE	0x47	/* DONE_MARK: the guest got to its end */
#define PORT_WRONG	0x48	/* WRONG_MARK: a path that must not run */
#define DONE_MARK	0x600d
#define WRONG_MARK	0xbad

/* The exception handlers live here, below the real-mode stack. */
#define HANDLERS_GPA	0x6000UL

/* PD[2] maps 0x400000-0x5fffff, which is outside the 1 MiB slot. */
#define NX_PAGE		0x400000ULL
#define NX_PDE_GPA	(VTX_PD_GPA + 2 * 8)

#define PF_P		0x1ULL
#define PF_RSVD		0x8ULL
#define PF_ID		0x10ULL

#define FLAGS_CF	0x1ULL
#define FLAGS_DF	0x400ULL

#define NR_EXITS	10000

/*
 * guest_handlers: the IDT gates of #UD, #GP and #PF point here.
 *	#PF: PORT_VECTOR 14, PORT_ERROR the error code, PORT_CR2 CR2 (read
 *	     first, before any exit), PORT_RIP the faulting RIP; then halts.
 *	#UD: PORT_VECTOR 6, PORT_RIP the faulting RIP; then halts.
 *	#GP: PORT_VECTOR 13, PORT_ERROR the error code, PORT_RIP the
 *	     faulting RIP; then steps over the 2-byte instruction (RDMSR or
 *	     WRMSR) and returns. It clobbers RAX only.
 * On entry (%rsp) is the error code, if any, then RIP.
 */
VTX_GUEST_CODE(guest_handlers);
VTX_GUEST_LABEL(guest_pf_handler);
VTX_GUEST_LABEL(guest_ud_handler);
VTX_GUEST_LABEL(guest_gp_handler);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_handlers_start:\n"
	".code64\n"
	"guest_pf_handler:\n"
	"	mov %cr2, %rbx\n"
	"	mov $14, %eax\n"
	"	out %eax, $0x40\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x41\n"
	"	mov %rbx, %rax\n"
	"	out %eax, $0x42\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x42\n"
	"	mov 8(%rsp), %rax\n"
	"	out %eax, $0x43\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x43\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_ud_handler:\n"
	"	mov $6, %eax\n"
	"	out %eax, $0x40\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x43\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x43\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_gp_handler:\n"
	"	mov $13, %eax\n"
	"	out %eax, $0x40\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x41\n"
	"	mov 8(%rsp), %rax\n"
	"	out %eax, $0x43\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x43\n"
	"	add $8, %rsp\n"
	"	addq $2, (%rsp)\n"
	"	iretq\n"
	"guest_handlers_end:\n"
	".popsection\n");

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
 * guest_sce_off: point LSTAR at guest_sce_off_wrong, clear EFER.SCE and
 * execute SYSCALL, which must raise #UD. A SYSCALL that works lands on
 * guest_sce_off_wrong, which reports WRONG_MARK.
 */
VTX_GUEST_CODE(guest_sce_off);
VTX_GUEST_LABEL(guest_sce_off_syscall);
VTX_GUEST_LABEL(guest_sce_off_wrong);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sce_off_start:\n"
	".code64\n"
	"	mov $0xc0000082, %ecx\n"
	"	lea guest_sce_off_wrong(%rip), %rax\n"
	"	mov %rax, %rdx\n"
	"	shr $32, %rdx\n"
	"	wrmsr\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	and $0xfffffffe, %eax\n"
	"	wrmsr\n"
	"guest_sce_off_syscall:\n"
	"	syscall\n"
	"guest_sce_off_wrong:\n"
	"	mov $0xbad, %eax\n"
	"	out %eax, $0x48\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_sce_off_end:\n"
	".popsection\n");

/*
 * guest_sce_on: STAR = 0x00000008_00000000 (SYSCALL CS 0x08, so SS
 * 0x10), LSTAR = guest_sce_on_target, SFMASK = 0, EFER.SCE = 1, then
 * CF and DF set (Linux's SFMASK would clear both) and SYSCALL. The
 * target reports on PORT_VALUE RCX (the return address), its RFLAGS and
 * R11 (the RFLAGS before), then CS and SS on PORT_SEL, and halts.
 * Falling through past the SYSCALL reports WRONG_MARK.
 */
VTX_GUEST_CODE(guest_sce_on);
VTX_GUEST_LABEL(guest_sce_on_after);
VTX_GUEST_LABEL(guest_sce_on_target);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sce_on_start:\n"
	".code64\n"
	"	mov $0xc0000081, %ecx\n"
	"	xor %eax, %eax\n"
	"	mov $0x8, %edx\n"
	"	wrmsr\n"
	"	mov $0xc0000082, %ecx\n"
	"	lea guest_sce_on_target(%rip), %rax\n"
	"	mov %rax, %rdx\n"
	"	shr $32, %rdx\n"
	"	wrmsr\n"
	"	mov $0xc0000084, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $1, %eax\n"
	"	wrmsr\n"
	"	stc\n"
	"	std\n"
	"	syscall\n"
	"guest_sce_on_after:\n"
	"	mov $0xbad, %eax\n"
	"	out %eax, $0x48\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_sce_on_target:\n"
	"	pushfq\n"
	"	pop %rbx\n"
	"	cld\n"
	"	mov %rcx, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	mov %rbx, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	mov %r11, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	xor %eax, %eax\n"
	"	mov %cs, %ax\n"
	"	out %eax, $0x46\n"
	"	mov %ss, %ax\n"
	"	out %eax, $0x46\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_sce_on_end:\n"
	".popsection\n");

/*
 * guest_swapgs: WRMSR KERNEL_GS_BASE = SWAPGS_KGS and GS_BASE =
 * SWAPGS_GS, then SWAPGS, which exchanges the two inside the CPU without
 * an exit; then RDMSR GS_BASE and KERNEL_GS_BASE and report them on
 * PORT_VALUE; halt.
 */
#define SWAPGS_KGS	0xffff8000abcd0000ULL
#define SWAPGS_GS	0x12340000ULL

VTX_GUEST_CODE(guest_swapgs);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_swapgs_start:\n"
	".code64\n"
	"	mov $0xc0000102, %ecx\n"
	"	mov $0xabcd0000, %eax\n"
	"	mov $0xffff8000, %edx\n"
	"	wrmsr\n"
	"	mov $0xc0000101, %ecx\n"
	"	mov $0x12340000, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	swapgs\n"
	"	mov $0xc0000101, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	mov $0xc0000102, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_swapgs_end:\n"
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

/*
 * guest_msrs: RSI points at a table of { u64 index; u64 value; } that
 * ends with index 0. WRMSR every entry; then OUT 0, 1, ... EDI - 1 to
 * PORT_TICK, one exit each; then RDMSR every entry again and report the
 * values on PORT_VALUE, in table order; then halt.
 */
VTX_GUEST_CODE(guest_msrs);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_msrs_start:\n"
	".code64\n"
	"	mov %rsi, %rbp\n"
	"1:	mov (%rbp), %ecx\n"
	"	test %ecx, %ecx\n"
	"	jz 2f\n"
	"	mov 8(%rbp), %eax\n"
	"	mov 12(%rbp), %edx\n"
	"	wrmsr\n"
	"	add $16, %rbp\n"
	"	jmp 1b\n"
	"2:	xor %ebx, %ebx\n"
	"	test %edi, %edi\n"
	"	jz 4f\n"
	"3:	mov %ebx, %eax\n"
	"	out %eax, $0x45\n"
	"	inc %ebx\n"
	"	cmp %edi, %ebx\n"
	"	jb 3b\n"
	"4:	mov %rsi, %rbp\n"
	"5:	mov (%rbp), %ecx\n"
	"	test %ecx, %ecx\n"
	"	jz 6f\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	add $16, %rbp\n"
	"	jmp 5b\n"
	"6:	hlt\n"
	"	jmp 6b\n"
	"guest_msrs_end:\n"
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

#define CODE_GPA(blob, label)	VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, blob, label)
#define HANDLER_GPA(label) \
	VTX_GUEST_LABEL_GPA(HANDLERS_GPA, guest_handlers, label)

FIXTURE(efer) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_VARIANT(efer) {
	const char *params;
	bool msr_list;		/* VTX_CONFIG_EFER_MSR_LIST must be set */
};

FIXTURE_VARIANT_ADD(efer, vmcs) {
	.params = "efer_switch=vmcs",
	.msr_list = false,
};

FIXTURE_VARIANT_ADD(efer, msr_list) {
	.params = "efer_switch=msr_list",
	.msr_list = true,
};

/*
 * vCPU 0 in 64-bit mode at VTX_CODE_GPA (EFER = LME|LMA), with the
 * guest_handlers gates for #UD, #GP and #PF. Each test loads its code.
 */
FIXTURE_SETUP(efer)
{
	struct vtx_capabilities caps;

	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_module_load(vtx_ko_path(), variant->params);
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_get_capabilities(self->dev, &caps);
	ASSERT_EQ(variant->msr_list,
		  !!(caps.config & VTX_CONFIG_EFER_MSR_LIST))
		TH_LOG("%s: config 0x%x", variant->params, caps.config);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	vtx_vm_load(&self->vm, HANDLERS_GPA, guest_handlers_start,
		    guest_handlers_end);
	vtx_vm_set_idt_entry(&self->vm, 6, HANDLER_GPA(guest_ud_handler));
	vtx_vm_set_idt_entry(&self->vm, 13, HANDLER_GPA(guest_gp_handler));
	vtx_vm_set_idt_entry(&self->vm, 14, HANDLER_GPA(guest_pf_handler));
}

FIXTURE_TEARDOWN(efer)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

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

/* With EFER.SCE clear, SYSCALL is #UD and RIP stays on it. */
TEST_F_TIMEOUT(efer, syscall_without_sce_is_ud, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_sce_off_start,
		    guest_sce_off_end);

	vtx_vcpu_run(vcpu);
	ASSERT_EQ(0, __vtx_check_io_out(vcpu->run, PORT_VECTOR, 4, 6))
		TH_LOG("SYSCALL with EFER.SCE clear must be #UD; got %s",
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(CODE_GPA(guest_sce_off, guest_sce_off_syscall),
		  vtx_vcpu_run_out64(vcpu, PORT_RIP));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	EXPECT_EQ(EFER_LONG, vtx_vcpu_get_msr(vcpu, MSR_EFER));
}

/*
 * With EFER.SCE set, SYSCALL goes to the guest's LSTAR with the guest's
 * STAR selectors, RCX = the return address, and the guest's SFMASK of 0
 * (CF and DF survive): the CPU ran with the guest's values, which only
 * the MSR lists give it.
 */
TEST_F_TIMEOUT(efer, syscall_with_sce_uses_guest_star_lstar, 300)
{
	__u64 ret = CODE_GPA(guest_sce_on, guest_sce_on_after);
	struct vtx_vcpu *vcpu = &self->vcpu;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_sce_on_start,
		    guest_sce_on_end);

	/* RCX, low half: the SYSCALL reached the guest's LSTAR. */
	vtx_vcpu_run(vcpu);
	ASSERT_EQ(0, __vtx_check_io_out(vcpu->run, PORT_VALUE, 4,
					ret & 0xffffffff))
		TH_LOG("wanted the SYSCALL target's RCX 0x%llx, got %s", ret,
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(ret >> 32, vtx_vcpu_run_out(vcpu, PORT_VALUE, 4));
	EXPECT_EQ(FLAGS_CF | FLAGS_DF,
		  vtx_vcpu_run_out64(vcpu, PORT_VALUE) & (FLAGS_CF | FLAGS_DF))
		TH_LOG("RFLAGS at the target: SFMASK was not the guest's 0");
	EXPECT_EQ(FLAGS_CF | FLAGS_DF,
		  vtx_vcpu_run_out64(vcpu, PORT_VALUE) & (FLAGS_CF | FLAGS_DF))
		TH_LOG("R11");
	EXPECT_EQ((__u64)VTX_SEL_CODE64, vtx_vcpu_run_out(vcpu, PORT_SEL, 4));
	EXPECT_EQ((__u64)VTX_SEL_DATA, vtx_vcpu_run_out(vcpu, PORT_SEL, 4));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);

	EXPECT_EQ(EFER_LONG | VTX_EFER_SCE, vtx_vcpu_get_msr(vcpu, MSR_EFER));
	EXPECT_EQ(0x0000000800000000ULL, vtx_vcpu_get_msr(vcpu, MSR_STAR));
	EXPECT_EQ(CODE_GPA(guest_sce_on, guest_sce_on_target),
		  vtx_vcpu_get_msr(vcpu, MSR_LSTAR));
	EXPECT_EQ(0ULL, vtx_vcpu_get_msr(vcpu, MSR_SFMASK));
}

/*
 * SWAPGS exchanges GS.base with the IA32_KERNEL_GS_BASE that VM entry
 * loaded from the guest's list, and VM exit stores the exchanged value
 * back: the guest's KERNEL_GS_BASE travels on the lists both ways.
 */
TEST_F_TIMEOUT(efer, swapgs_uses_guest_kernel_gs_base, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_swapgs_start,
		    guest_swapgs_end);

	EXPECT_EQ(SWAPGS_KGS, vtx_vcpu_run_out64(vcpu, PORT_VALUE))
		TH_LOG("GS_BASE after SWAPGS");
	EXPECT_EQ(SWAPGS_GS, vtx_vcpu_run_out64(vcpu, PORT_VALUE))
		TH_LOG("KERNEL_GS_BASE after SWAPGS");
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	EXPECT_EQ(SWAPGS_KGS, vtx_vcpu_get_msr(vcpu, MSR_GS_BASE));
	EXPECT_EQ(SWAPGS_GS, vtx_vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE));
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

/* { index, value } as guest_msrs reads it; index 0 ends the table. */
struct msr_value {
	__u64 index;
	__u64 value;
};

/*
 * The guest's values differ from Linux's: EFER without SCE and NXE,
 * STAR with other selectors than Linux's 0x0023001000000000, addresses
 * far from the kernel's entry points, an SFMASK that is neither today's
 * 0x257fd5 nor the older 0x47700, and a KERNEL_GS_BASE that no user
 * thread has. The test checks that they differ on this host.
 */
static const struct msr_value guest_values[] = {
	{ MSR_EFER, EFER_LONG },
	{ MSR_STAR, 0x001b000812345678ULL },
	{ MSR_LSTAR, 0xffff800012340000ULL },
	{ MSR_CSTAR, 0xffff800056780000ULL },
	{ MSR_SFMASK, 0x00000701ULL },
	{ MSR_KERNEL_GS_BASE, 0xffff8000abcd0000ULL },
};

#define NR_VALUES	ARRAY_SIZE(guest_values)
#define MAX_CPUS	2

static void read_host_msrs(int cpu, __u64 *val)
{
	unsigned int i;

	/* KERNEL_GS_BASE is per thread: read it on the CPU we run on. */
	vtx_pin_to_cpu(cpu);
	for (i = 0; i < NR_VALUES; i++)
		val[i] = vtx_rdmsr(cpu, guest_values[i].index);
}

/*
 * The guest runs with its own EFER and SYSCALL MSRs for 10,000 exits to
 * user space on CPU 0; every one of those MSRs of the host, on CPU 0
 * and on CPU 1 if it is online, is unchanged afterwards, and the guest
 * still reads its own values back.
 */
TEST_F_TIMEOUT(efer, host_msrs_survive_10000_exits, 300)
{
	__u64 before[MAX_CPUS][NR_VALUES], after[MAX_CPUS][NR_VALUES];
	int cpus = vtx_online_cpus() > 1 ? 2 : 1;
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct msr_value *table;
	struct kvm_regs regs;
	unsigned int i;
	char buf[160];
	int cpu, n;
	__u64 t0;

	vtx_msr_driver_load();
	for (cpu = 0; cpu < cpus; cpu++)
		read_host_msrs(cpu, before[cpu]);
	ASSERT_EQ(EFER_HOST, before[0][0] & EFER_HOST)
		TH_LOG("host EFER 0x%llx", (unsigned long long)before[0][0]);
	/* Otherwise a leak of a guest value could not be seen. */
	for (i = 0; i < NR_VALUES; i++) {
		ASSERT_NE(guest_values[i].value, before[0][i])
			TH_LOG("MSR 0x%llx", guest_values[i].index);
	}

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_msrs_start,
		    guest_msrs_end);
	table = vtx_vm_hva(&self->vm, VTX_DATA_GPA);
	memcpy(table, guest_values, sizeof(guest_values));
	memset(&table[NR_VALUES], 0, sizeof(table[0]));
	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rsi = VTX_DATA_GPA;
	regs.rdi = NR_EXITS;
	vtx_vcpu_set_regs(vcpu, &regs);

	vtx_pin_to_cpu(0);
	t0 = vtx_now_ns();
	for (n = 0; n < NR_EXITS; n++) {
		vtx_vcpu_run(vcpu);
		if (__vtx_check_io_out(vcpu->run, PORT_TICK, 4, n))
			break;
	}
	ASSERT_EQ(NR_EXITS, n)
		TH_LOG("exit %d: %s", n,
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	TH_LOG("%s: %d OUT exits to user space in %llu ms", variant->params,
	       n, (unsigned long long)(vtx_now_ns() - t0) / 1000000);

	for (cpu = 0; cpu < cpus; cpu++) {
		read_host_msrs(cpu, after[cpu]);
		for (i = 0; i < NR_VALUES; i++) {
			EXPECT_EQ(before[cpu][i], after[cpu][i])
				TH_LOG("cpu%d MSR 0x%llx", cpu,
				       guest_values[i].index);
		}
	}

	vtx_pin_to_cpu(0);
	for (i = 0; i < NR_VALUES; i++) {
		EXPECT_EQ(guest_values[i].value,
			  vtx_vcpu_run_out64(vcpu, PORT_VALUE))
			TH_LOG("guest RDMSR 0x%llx", guest_values[i].index);
	}
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	for (i = 0; i < NR_VALUES; i++) {
		EXPECT_EQ(guest_values[i].value,
			  vtx_vcpu_get_msr(vcpu, guest_values[i].index))
			TH_LOG("KVM_GET_MSRS 0x%llx", guest_values[i].index);
	}
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

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
