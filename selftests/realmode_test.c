// SPDX-License-Identifier: GPL-2.0
/*
 * Real-mode guests: port I/O out and in, and HLT.
 *
 * Each guest is 16-bit code loaded at VTX_CODE_GPA and entered with CS
 * selector and base 0, IP VTX_CODE_GPA. It uses no data addresses, so it
 * runs wherever it is loaded.
 */
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

/*
 * guest_out_hlt: one byte out, then halt.
 *	b0 42		mov $0x42, %al
 *	e6 10		out %al, $0x10
 *	f4		hlt
 */
VTX_GUEST_CODE(guest_out_hlt);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_out_hlt_start:\n"
	".code16\n"
	"	mov $0x42, %al\n"
	"	out %al, $0x10\n"
	"	hlt\n"
	".code64\n"
	"guest_out_hlt_end:\n"
	".popsection\n");

/*
 * guest_echo: read a byte from port 0x20 and write it to port 0x21, then
 * the same with a 16-bit word (0x22 -> 0x23) and a 32-bit dword
 * (0x24 -> 0x25, operand-size prefix), then halt.
 */
VTX_GUEST_CODE(guest_echo);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_echo_start:\n"
	".code16\n"
	"	in $0x20, %al\n"
	"	out %al, $0x21\n"
	"	in $0x22, %ax\n"
	"	out %ax, $0x23\n"
	"	in $0x24, %eax\n"
	"	out %eax, $0x25\n"
	"	hlt\n"
	".code64\n"
	"guest_echo_end:\n"
	".popsection\n");

/*
 * guest_rep_outsb: two bytes from DS:SI (the code itself) to port 0x10
 * with rep outsb: one KVM_EXIT_IO of count 2.
 */
VTX_GUEST_CODE(guest_rep_outsb);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_rep_outsb_start:\n"
	".code16\n"
	"	mov $0x1000, %si\n"
	"	mov $0x10, %dx\n"
	"	mov $2, %cx\n"
	"	cld\n"
	"	rep outsb\n"
	"	hlt\n"
	".code64\n"
	"guest_rep_outsb_end:\n"
	".popsection\n");

FIXTURE(realmode) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(realmode)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(realmode)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(realmode, out_byte_then_hlt, 300)
{
	struct kvm_run *run = self->vcpu.run;
	struct kvm_regs regs;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_out_hlt_start,
		    guest_out_hlt_end);
	vtx_vcpu_setup_real_mode(&self->vcpu, VTX_CODE_GPA);

	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(run, KVM_EXIT_IO);
	EXPECT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(0x10, run->io.port);
	EXPECT_EQ(1, run->io.size);
	EXPECT_EQ(1U, run->io.count);
	/* The data lies inside the run area, like KVM's (page 1). */
	EXPECT_LE(sizeof(*run), run->io.data_offset);
	EXPECT_GT((__u64)self->vm.run_size, run->io.data_offset);
	EXPECT_EQ(0x42, *(__u8 *)vtx_io_data(run));

	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(run, KVM_EXIT_HLT);
	/* RIP is past the hlt: 2 + 2 + 1 bytes. */
	vtx_vcpu_get_regs(&self->vcpu, &regs);
	EXPECT_EQ(VTX_CODE_GPA + 5, regs.rip);
	EXPECT_EQ(0x42ULL, regs.rax & 0xff);
}

TEST_F_TIMEOUT(realmode, in_answered_and_echoed, 300)
{
	struct kvm_run *run = self->vcpu.run;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_echo_start,
		    guest_echo_end);
	vtx_vcpu_setup_real_mode(&self->vcpu, VTX_CODE_GPA);

	vtx_vcpu_run_in(&self->vcpu, 0x20, 1, 0xa5);
	EXPECT_EQ(0xa5ULL, vtx_vcpu_run_out(&self->vcpu, 0x21, 1));
	vtx_vcpu_run_in(&self->vcpu, 0x22, 2, 0xbeef);
	EXPECT_EQ(0xbeefULL, vtx_vcpu_run_out(&self->vcpu, 0x23, 2));
	vtx_vcpu_run_in(&self->vcpu, 0x24, 4, 0x12345678);
	EXPECT_EQ(0x12345678ULL, vtx_vcpu_run_out(&self->vcpu, 0x25, 4));
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(run, KVM_EXIT_HLT);
}

/*
 * String I/O: the two bytes come out in one exit, and the next KVM_RUN
 * steps SI and CX past them (kvm_mmio_test has the rest, on both devices).
 */
TEST_F_TIMEOUT(realmode, rep_outsb_is_one_exit, 300)
{
	struct kvm_run *run = self->vcpu.run;
	const __u8 *data;
	struct kvm_regs regs;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_rep_outsb_start,
		    guest_rep_outsb_end);
	vtx_vcpu_setup_real_mode(&self->vcpu, VTX_CODE_GPA);

	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(run, KVM_EXIT_IO);
	EXPECT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(0x10, run->io.port);
	EXPECT_EQ(1, run->io.size);
	EXPECT_EQ(2U, run->io.count);
	data = vtx_io_data(run);
	/* The code's first bytes: mov $0x1000, %si is be 00 10. */
	EXPECT_EQ(0xbe, data[0]);
	EXPECT_EQ(0x00, data[1]);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(run, KVM_EXIT_HLT);
	vtx_vcpu_get_regs(&self->vcpu, &regs);
	EXPECT_EQ(0x1002ULL, regs.rsi & 0xffff);
	EXPECT_EQ(0ULL, regs.rcx & 0xffff);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
