// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions in a 64-bit guest: a #GP that vtx injects for an MSR it does
 * not handle reaches the guest's own IDT handler, which returns with
 * IRETQ; #UD reaches the library's default handler; an exception with no
 * usable IDT escalates to a triple fault, KVM_EXIT_SHUTDOWN.
 */
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define PORT_GP_VECTOR	0x40
#define PORT_GP_ERROR	0x41
#define PORT_DONE	0x42
#define PORT_GP_RIP	0x43
#define DONE_MARK	0x600d

/*
 * guest_msr: RDMSR of 0x12345678, then WRMSR of 0xdeadbeef; each raises
 * #GP(0). The vector 13 handler reports 13, the error code and the low
 * half of the faulting RIP, drops the error code, steps RIP over the
 * 2-byte instruction and returns. Then the guest writes DONE_MARK and
 * halts. On the handler's entry: (%rsp) = error code, 8(%rsp) = RIP,
 * then CS, RFLAGS, RSP, SS.
 */
VTX_GUEST_CODE(guest_msr);
VTX_GUEST_LABEL(guest_msr_rdmsr);
VTX_GUEST_LABEL(guest_msr_wrmsr);
VTX_GUEST_LABEL(guest_msr_gp_handler);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_msr_start:\n"
	".code64\n"
	"	mov $0x12345678, %ecx\n"
	"guest_msr_rdmsr:\n"
	"	rdmsr\n"
	"	mov $0xdeadbeef, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"guest_msr_wrmsr:\n"
	"	wrmsr\n"
	"	mov $0x600d, %eax\n"
	"	out %eax, $0x42\n"
	"	hlt\n"
	"guest_msr_gp_handler:\n"
	"	mov $13, %eax\n"
	"	out %eax, $0x40\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x41\n"
	"	mov 8(%rsp), %rax\n"
	"	out %eax, $0x43\n"
	"	add $8, %rsp\n"
	"	addq $2, (%rsp)\n"
	"	iretq\n"
	"guest_msr_end:\n"
	".popsection\n");

/* guest_ud2: ud2 (0f 0b), which raises #UD (vector 6, no error code). */
VTX_GUEST_CODE(guest_ud2);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_ud2_start:\n"
	".code64\n"
	"	ud2\n"
	"guest_ud2_end:\n"
	".popsection\n");

FIXTURE(exception) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(exception)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(exception)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(exception, gp_on_unknown_msr_reaches_guest_idt, 300)
{
	__u64 rdmsr = VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_msr,
					  guest_msr_rdmsr);
	__u64 wrmsr = VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_msr,
					  guest_msr_wrmsr);
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_regs regs;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_msr_start, guest_msr_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vm_set_idt_entry(&self->vm, 13,
			     VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_msr,
						 guest_msr_gp_handler));

	/* RDMSR 0x12345678: #GP(0) with RIP on the rdmsr. */
	EXPECT_EQ(13ULL, vtx_vcpu_run_out(vcpu, PORT_GP_VECTOR, 4));
	EXPECT_EQ(0ULL, vtx_vcpu_run_out(vcpu, PORT_GP_ERROR, 4));
	EXPECT_EQ(rdmsr & 0xffffffff, vtx_vcpu_run_out(vcpu, PORT_GP_RIP, 4));

	/* WRMSR 0xdeadbeef: the same. */
	EXPECT_EQ(13ULL, vtx_vcpu_run_out(vcpu, PORT_GP_VECTOR, 4));
	EXPECT_EQ(0ULL, vtx_vcpu_run_out(vcpu, PORT_GP_ERROR, 4));
	EXPECT_EQ(wrmsr & 0xffffffff, vtx_vcpu_run_out(vcpu, PORT_GP_RIP, 4));

	/* IRETQ came back after the wrmsr. */
	EXPECT_EQ((__u64)DONE_MARK, vtx_vcpu_run_out(vcpu, PORT_DONE, 4));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	/* The handler's stack is balanced again. */
	vtx_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(VTX_STACK_TOP, regs.rsp);
}

/* #UD goes through the library's default gate for vector 6. */
TEST_F_TIMEOUT(exception, ud2_reaches_default_handler, 300)
{
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_ud2_start, guest_ud2_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);

	EXPECT_EQ(6ULL, vtx_vcpu_run_out(&self->vcpu, VTX_PORT_EXCEPTION, 4));
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
}

/*
 * With an IDT limit of 0, #UD finds no gate (#GP), nor does the #GP
 * (#DF), nor the #DF: a triple fault, which KVM reports as SHUTDOWN.
 */
TEST_F_TIMEOUT(exception, triple_fault_is_shutdown, 300)
{
	struct kvm_sregs sregs;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_ud2_start, guest_ud2_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_sregs(&self->vcpu, &sregs);
	sregs.idt.limit = 0;
	vtx_vcpu_set_sregs(&self->vcpu, &sregs);

	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_SHUTDOWN);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
