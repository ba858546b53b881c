// SPDX-License-Identifier: GPL-2.0
/*
 * VMX turned off under a running vCPU, as the reboot or kexec IPI does
 * it: the test-only knob /sys/kernel/debug/vtx/vmxoff_in_run turns VMX
 * off on the vCPU's CPU right between the run loop's last check with
 * interrupts on and the entry. KVM_RUN must fail with EIO, again on
 * every later call, without an oops or a warning; the module unloads, and
 * a new load runs guests again.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

static int arm_vmxoff(void)
{
	int fd = open(VTX_DEBUGFS "/vmxoff_in_run", O_WRONLY);
	int r;

	if (fd < 0)
		return -errno;
	r = write(fd, "1", 1) == 1 ? 0 : -errno;
	close(fd);
	return r;
}

FIXTURE(vmxoff) {
	struct vtx_kmsg kmsg;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(vmxoff)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	vtx_pin_to_cpu(0);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, vtx_guest_count64_start,
		    vtx_guest_count64_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
}

FIXTURE_TEARDOWN(vmxoff)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(vmxoff, vmx_off_before_entry_fails_kvm_run, 300)
{
	struct kvm_regs regs;
	struct vtx_vm vm2;
	struct vtx_vcpu vcpu2;

	/* count64: 3 OUTs to port 0x80, then HLT. */
	vtx_vcpu_get_regs(&self->vcpu, &regs);
	regs.rbx = 100;
	regs.rsi = 3;
	regs.rdx = 0x80;
	vtx_vcpu_set_regs(&self->vcpu, &regs);
	EXPECT_EQ(100ULL, vtx_vcpu_run_out(&self->vcpu, 0x80, 4));
	ASSERT_EQ(0, arm_vmxoff());
	EXPECT_EQ(-EIO, __vtx_vcpu_run(&self->vcpu));
	EXPECT_EQ(-EIO, __vtx_vcpu_run(&self->vcpu));
	EXPECT_EQ(0, __vtx_debugfs_cpu_vmx(0));

	/* Unload, load: VMX is on again and guests run. */
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	vtx_module_unload("vtx");
	vtx_load();
	EXPECT_EQ(1, __vtx_debugfs_cpu_vmx(0));
	vtx_vm_create_default(&vm2, VTX_DEV_PATH);
	vtx_vcpu_create(&vm2, 0, &vcpu2);
	vtx_vm_load(&vm2, VTX_CODE_GPA, vtx_guest_count64_start,
		    vtx_guest_count64_end);
	vtx_vcpu_setup_long_mode(&vcpu2, VTX_CODE_GPA);
	vtx_vcpu_get_regs(&vcpu2, &regs);
	regs.rbx = 7;
	regs.rsi = 1;
	regs.rdx = 0x80;
	vtx_vcpu_set_regs(&vcpu2, &regs);
	EXPECT_EQ(7ULL, vtx_vcpu_run_out(&vcpu2, 0x80, 4));
	vtx_vcpu_close(&vcpu2);
	vtx_vm_destroy(&vm2);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
