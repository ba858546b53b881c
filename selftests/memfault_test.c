// SPDX-License-Identifier: GPL-2.0
/*
 * Guest accesses to guest-physical addresses that no memory slot covers:
 * reads and writes are KVM_EXIT_MMIO, as on /dev/kvm, completed by the
 * next KVM_RUN; a fetch cannot be emulated and exits with
 * KVM_EXIT_MEMORY_FAULT, the exact GPA and the kind of access (struct
 * vtx_memory_fault over the exit union), which is vtx's own.
 */
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

/* Inside the library's 4 GiB identity map, outside the 1 MiB slot. */
#define HOLE_GPA	0x80000000ULL
#define RESET_GPA	0xfffffff0ULL

/*
 * guest_mf: three entry points, each touching the hole once.
 *	read:  mov $HOLE_GPA, %eax; mov (%rax), %rbx
 *	write: mov $HOLE_GPA, %eax; movq $0x1234, 8(%rax)
 *	exec:  mov $HOLE_GPA, %eax; jmp *%rax
 * each followed by hlt. The guest_mf_*_insn labels mark the access.
 */
VTX_GUEST_CODE(guest_mf);
VTX_GUEST_LABEL(guest_mf_read);
VTX_GUEST_LABEL(guest_mf_read_insn);
VTX_GUEST_LABEL(guest_mf_write);
VTX_GUEST_LABEL(guest_mf_write_insn);
VTX_GUEST_LABEL(guest_mf_exec);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_mf_start:\n"
	".code64\n"
	"guest_mf_read:\n"
	"	mov $0x80000000, %eax\n"
	"guest_mf_read_insn:\n"
	"	mov (%rax), %rbx\n"
	"	hlt\n"
	"guest_mf_write:\n"
	"	mov $0x80000000, %eax\n"
	"guest_mf_write_insn:\n"
	"	movq $0x1234, 8(%rax)\n"
	"	hlt\n"
	"guest_mf_exec:\n"
	"	mov $0x80000000, %eax\n"
	"	jmp *%rax\n"
	"	hlt\n"
	"guest_mf_end:\n"
	".popsection\n");

#define MF_GPA(label) VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_mf, label)

FIXTURE(memfault) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(memfault)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_mf_start, guest_mf_end);
}

FIXTURE_TEARDOWN(memfault)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(memfault, read_of_hole, 300)
{
	struct kvm_regs regs;

	vtx_vcpu_setup_long_mode(&self->vcpu, MF_GPA(guest_mf_read));
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_memory_fault(self->vcpu.run, HOLE_GPA,
				VTX_MEMORY_FAULT_READ);
	EXPECT_EQ(8U, self->vcpu.run->mmio.len);
	/* The access did not complete: RIP is still on it. */
	vtx_vcpu_get_regs(&self->vcpu, &regs);
	EXPECT_EQ(MF_GPA(guest_mf_read_insn), regs.rip);
	/* The next KVM_RUN completes it with what user space answered. */
	memcpy(self->vcpu.run->mmio.data, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
	vtx_vcpu_get_regs(&self->vcpu, &regs);
	EXPECT_EQ(0x1122334455667788ULL, regs.rbx);
}

TEST_F_TIMEOUT(memfault, write_to_hole, 300)
{
	struct kvm_regs regs;

	vtx_vcpu_setup_long_mode(&self->vcpu, MF_GPA(guest_mf_write));
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_memory_fault(self->vcpu.run, HOLE_GPA + 8,
				VTX_MEMORY_FAULT_WRITE);
	EXPECT_EQ(8U, self->vcpu.run->mmio.len);
	EXPECT_EQ(0, memcmp(self->vcpu.run->mmio.data,
			    "\x34\x12\0\0\0\0\0\0", 8));
	vtx_vcpu_get_regs(&self->vcpu, &regs);
	EXPECT_EQ(MF_GPA(guest_mf_write_insn), regs.rip);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
}

TEST_F_TIMEOUT(memfault, fetch_from_hole, 300)
{
	vtx_vcpu_setup_long_mode(&self->vcpu, MF_GPA(guest_mf_exec));
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_memory_fault(self->vcpu.run, HOLE_GPA,
				VTX_MEMORY_FAULT_EXEC);
}

/* No slot at all: the very first fetch, at the reset vector, faults. */
TEST_F_TIMEOUT(memfault, vm_without_memory, 300)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;

	vtx_vm_create(&vm, VTX_DEV_PATH);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vcpu_run(&vcpu);
	vtx_assert_memory_fault(vcpu.run, RESET_GPA, VTX_MEMORY_FAULT_EXEC);
	/* Running again faults again rather than going anywhere else. */
	vtx_vcpu_run(&vcpu);
	vtx_assert_memory_fault(vcpu.run, RESET_GPA, VTX_MEMORY_FAULT_EXEC);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
