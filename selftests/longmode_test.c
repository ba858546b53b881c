// SPDX-License-Identifier: GPL-2.0
/*
 * A 64-bit guest: the library's identity map, GDT and IDT, and 64-bit
 * arithmetic whose results the guest reports through port I/O.
 */
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define MUL_A		0x123456789ULL
#define MUL_B		0x987654321ULL
#define DIV_A		0xfedcba9876543210ULL
#define DIV_B		0x12345ULL

/*
 * guest_arith: each result goes out through report(), which writes RAX
 * to port DX as two 4-byte OUTs, low half first. report() is a call, so
 * the stack (RSP from the library) works too.
 *
 *	port 0x10	MUL_A * MUL_B (low 64 bits)
 *	port 0x11	0x0123456789abcdef << 12
 *	port 0x12	0x8123456789abcdef >> 8, arithmetic
 *	port 0x13	1 + 2 + ... + 1000
 *	port 0x14	DIV_A / DIV_B
 *	port 0x15	DIV_A % DIV_B
 *	port 0x16	bswap of 0x0102030405060708, done in r15
 *	then hlt.
 */
VTX_GUEST_CODE(guest_arith);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_arith_start:\n"
	".code64\n"
	"	movabs $0x123456789, %rax\n"
	"	movabs $0x987654321, %rcx\n"
	"	imul %rcx, %rax\n"
	"	mov $0x10, %dx\n"
	"	call 9f\n"

	"	movabs $0x0123456789abcdef, %rax\n"
	"	shl $12, %rax\n"
	"	mov $0x11, %dx\n"
	"	call 9f\n"

	"	movabs $0x8123456789abcdef, %rax\n"
	"	sar $8, %rax\n"
	"	mov $0x12, %dx\n"
	"	call 9f\n"

	"	xor %eax, %eax\n"
	"	mov $1000, %ecx\n"
	"1:	add %rcx, %rax\n"
	"	dec %rcx\n"
	"	jnz 1b\n"
	"	mov $0x13, %dx\n"
	"	call 9f\n"

	"	movabs $0xfedcba9876543210, %rax\n"
	"	xor %edx, %edx\n"
	"	mov $0x12345, %ecx\n"
	"	div %rcx\n"
	"	mov %rdx, %r8\n"
	"	mov $0x14, %dx\n"
	"	call 9f\n"
	"	mov %r8, %rax\n"
	"	mov $0x15, %dx\n"
	"	call 9f\n"

	"	movabs $0x0102030405060708, %r15\n"
	"	bswap %r15\n"
	"	mov %r15, %rax\n"
	"	mov $0x16, %dx\n"
	"	call 9f\n"
	"	hlt\n"

	/* report: out(dx, eax); out(dx, rax >> 32) */
	"9:	out %eax, %dx\n"
	"	shr $32, %rax\n"
	"	out %eax, %dx\n"
	"	ret\n"
	"guest_arith_end:\n"
	".popsection\n");

FIXTURE(longmode) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(longmode)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(longmode)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* KVM_SET_SREGS took the 64-bit state and KVM_GET_SREGS reports it. */
TEST_F_TIMEOUT(longmode, sregs_round_trip, 300)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_sregs(&self->vcpu, &sregs);
	EXPECT_EQ(VTX_CR0_PE | VTX_CR0_PG,
		  sregs.cr0 & (VTX_CR0_PE | VTX_CR0_PG));
	EXPECT_EQ(VTX_PML4_GPA, sregs.cr3);
	EXPECT_EQ(VTX_CR4_PAE, sregs.cr4 & VTX_CR4_PAE);
	EXPECT_EQ(VTX_EFER_LME | VTX_EFER_LMA,
		  sregs.efer & (VTX_EFER_LME | VTX_EFER_LMA));
	EXPECT_EQ(1, sregs.cs.l);
	EXPECT_EQ(0, sregs.cs.db);
	EXPECT_EQ(VTX_SEL_CODE64, sregs.cs.selector);
	EXPECT_EQ(VTX_SEL_DATA, sregs.ss.selector);
	EXPECT_EQ(VTX_SEL_TSS, sregs.tr.selector);
	EXPECT_EQ(VTX_GDT_GPA, sregs.gdt.base);
	EXPECT_EQ(VTX_IDT_GPA, sregs.idt.base);
	EXPECT_EQ(256 * 16 - 1, sregs.idt.limit);

	vtx_vcpu_get_regs(&self->vcpu, &regs);
	EXPECT_EQ(VTX_CODE_GPA, regs.rip);
	EXPECT_EQ(VTX_STACK_TOP, regs.rsp);
}

TEST_F_TIMEOUT(longmode, arithmetic, 300)
{
	struct kvm_sregs sregs;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_arith_start,
		    guest_arith_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);

	EXPECT_EQ(MUL_A * MUL_B, vtx_vcpu_run_out64(&self->vcpu, 0x10));
	EXPECT_EQ(0x3456789abcdef000ULL,
		  vtx_vcpu_run_out64(&self->vcpu, 0x11));
	EXPECT_EQ(0xff8123456789abcdULL,
		  vtx_vcpu_run_out64(&self->vcpu, 0x12));
	EXPECT_EQ(500500ULL, vtx_vcpu_run_out64(&self->vcpu, 0x13));
	EXPECT_EQ(DIV_A / DIV_B, vtx_vcpu_run_out64(&self->vcpu, 0x14));
	EXPECT_EQ(DIV_A % DIV_B, vtx_vcpu_run_out64(&self->vcpu, 0x15));
	EXPECT_EQ(0x0807060504030201ULL,
		  vtx_vcpu_run_out64(&self->vcpu, 0x16));
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);

	/* Still in 64-bit mode after all those exits. */
	vtx_vcpu_get_sregs(&self->vcpu, &sregs);
	EXPECT_EQ(VTX_EFER_LMA, sregs.efer & VTX_EFER_LMA);
	EXPECT_EQ(1, sregs.cs.l);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
