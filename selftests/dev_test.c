// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vtx system ioctls: the API version, KVM_CHECK_EXTENSION, the
 * capability report, and bad ioctl numbers and arguments.
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define HAS(caps, flag) (((caps).flags & (flag)) != 0)

FIXTURE(dev) {
	int fd;
	bool loaded_here;
};

FIXTURE_SETUP(dev)
{
	self->fd = -1;
	self->loaded_here = !vtx_module_loaded("vtx");
	if (self->loaded_here)
		vtx_load();
	self->fd = vtx_open(VTX_DEV_PATH);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->loaded_here)
		vtx_module_unload("vtx");
}

TEST_F(dev, api_version_is_12)
{
	EXPECT_EQ(12, __vtx_ioctl(self->fd, KVM_GET_API_VERSION, NULL));
	/* KVM rejects a non-zero argument. */
	EXPECT_EQ(-EINVAL, __vtx_ioctl(self->fd, KVM_GET_API_VERSION,
				       (void *)1UL));
}

/* What vtx implements, with the value it must report; 0 for the rest. */
static const struct {
	unsigned long cap;
	int value;	/* -1: any positive value */
} implemented_caps[] = {
	{ KVM_CAP_NR_VCPUS, -1 },
	{ KVM_CAP_MAX_VCPUS, 128 },
	{ KVM_CAP_MAX_VCPU_ID, 128 },
	{ KVM_CAP_USER_MEMORY, 1 },
	{ KVM_CAP_NR_MEMSLOTS, 32 },
	{ KVM_CAP_EXT_CPUID, 1 },
	{ KVM_CAP_IMMEDIATE_EXIT, 1 },
	/* Guest memory follows the VMM's mappings (an MMU notifier). */
	{ KVM_CAP_SYNC_MMU, 1 },
	{ KVM_CAP_READONLY_MEM, 1 },
	/* Checked, then no-ops: vtx requires unrestricted guest. */
	{ KVM_CAP_SET_TSS_ADDR, 1 },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, 1 },
	{ KVM_CAP_GET_TSC_KHZ, 1 },
	{ KVM_CAP_CHECK_EXTENSION_VM, 1 },
	/* Every emulated model has virtual NMIs. */
	{ KVM_CAP_USER_NMI, 1 },
	/* Every emulated model has XSAVE; struct kvm_xsave is big enough. */
	{ KVM_CAP_XSAVE, 1 },
	{ KVM_CAP_XCRS, 1 },
	{ KVM_CAP_XSAVE2, 4096 },
	{ KVM_CAP_MP_STATE, 1 },
	{ KVM_CAP_VCPU_EVENTS, 1 },
	{ KVM_CAP_INTR_SHADOW, 1 },
	{ KVM_CAP_DEBUGREGS, 1 },
	{ KVM_CAP_SET_GUEST_DEBUG, 1 },
	/* KVM_EXIT_HLT, internal errors' data, slot deletion: as KVM. */
	{ KVM_CAP_HLT, 1 },
	{ KVM_CAP_INTERNAL_ERROR_DATA, 1 },
	{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS, 1 },
	{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, 1 },
	{ KVM_CAP_BINARY_STATS_FD, 1 },
};

TEST_F(dev, check_extension_is_honest)
{
	unsigned long cap;
	unsigned int i;

	for (cap = 0; cap < 512; cap++) {
		int got = __vtx_ioctl(self->fd, KVM_CHECK_EXTENSION,
				      (void *)cap);
		int want = 0;

		for (i = 0; i < ARRAY_SIZE(implemented_caps); i++)
			if (implemented_caps[i].cap == cap)
				want = implemented_caps[i].value;
		/* "Any positive value": accept what came if it is one. */
		if (want < 0)
			want = got > 0 ? got : 1;
		EXPECT_EQ(want, got) TH_LOG("cap %lu", cap);
	}
	EXPECT_EQ(0, __vtx_ioctl(self->fd, KVM_CHECK_EXTENSION, (void *)~0UL));
}

/* The raw values in the report are what the MSRs say, independently read. */
TEST_F(dev, capabilities_match_msrs)
{
	struct vtx_capabilities c;
	__u64 basic, misc, proc, proc2, exit, entry;
	bool true_ctls;

	vtx_msr_driver_load();
	vtx_get_capabilities(self->fd, &c);
	ASSERT_EQ(0, __vtx_rdmsr(0, 0x480, &basic));
	true_ctls = basic & (1ULL << 55);
	ASSERT_EQ(0, __vtx_rdmsr(0, 0x485, &misc));
	ASSERT_EQ(0, __vtx_rdmsr(0, true_ctls ? 0x48e : 0x482, &proc));
	ASSERT_EQ(0, __vtx_rdmsr(0, 0x48b, &proc2));
	ASSERT_EQ(0, __vtx_rdmsr(0, true_ctls ? 0x48f : 0x483, &exit));
	ASSERT_EQ(0, __vtx_rdmsr(0, true_ctls ? 0x490 : 0x484, &entry));

	EXPECT_EQ(basic, c.vmx_basic);
	EXPECT_EQ(misc, c.vmx_misc);
	EXPECT_EQ(proc, c.vmx_procbased);
	EXPECT_EQ(proc2, c.vmx_procbased2);
	EXPECT_EQ(exit, c.vmx_exit);
	EXPECT_EQ(entry, c.vmx_entry);
	EXPECT_EQ(basic & 0x7fffffff, c.vmcs_revision);
	EXPECT_EQ((misc >> 25 & 7) * 512 + 512, c.msr_list_max);
	EXPECT_EQ(!!(entry & (1ULL << (32 + 15))),
		  !!(c.flags & VTX_CAP_ENTRY_LOAD_EFER));
	EXPECT_EQ(!!(proc & (1ULL << (32 + 17))),
		  !!(c.flags & VTX_CAP_TERTIARY_CONTROLS));
	/* vtx refuses to load without these, so they must be reported. */
	EXPECT_TRUE(HAS(c, VTX_CAP_EPT));
	EXPECT_TRUE(HAS(c, VTX_CAP_UNRESTRICTED_GUEST));
	EXPECT_TRUE(HAS(c, VTX_CAP_MSR_BITMAPS));
}

TEST_F(dev, capabilities_match_cpuid)
{
	unsigned int eax, ebx, ecx, edx, edx72 = 0, max7;
	struct vtx_capabilities c;
	__u32 want = 0;

	vtx_get_capabilities(self->fd, &c);
	__cpuid_count(7, 0, max7, ebx, ecx, edx);
	if (max7 >= 2)
		__cpuid_count(7, 2, eax, ebx, ecx, edx72);
	if (edx & (1U << 26))
		want |= VTX_SPEC_SPEC_CTRL;
	if (edx & (1U << 27))
		want |= VTX_SPEC_STIBP;
	if (edx & (1U << 31))
		want |= VTX_SPEC_SSBD;
	if (edx72 & 1)
		want |= VTX_SPEC_PSFD;
	if (edx72 & 2)
		want |= VTX_SPEC_IPRED_CTRL;
	if (edx72 & 4)
		want |= VTX_SPEC_RRSBA_CTRL;
	if (edx72 & 8)
		want |= VTX_SPEC_DDPD_U;
	if (edx72 & 16)
		want |= VTX_SPEC_BHI_CTRL;
	EXPECT_EQ(want, c.spec_flags);
	EXPECT_EQ(!!(want & VTX_SPEC_SPEC_CTRL), !!(c.spec_ctrl_supported & 1));
	EXPECT_EQ(!!(want & VTX_SPEC_STIBP), !!(c.spec_ctrl_supported & 2));
}

/*
 * The emulated host's /init says which Bochs CPU model it runs on; for
 * corei7_skylake_x the report is known exactly (testbed.md).
 */
TEST_F(dev, capabilities_match_emulated_model)
{
	const char *model = getenv("VTX_CPU_MODEL");
	const char *params = getenv("VTX_PARAMS");
	struct vtx_capabilities c;
	unsigned int i;

	if (!model || strcmp(model, "corei7_skylake_x"))
		SKIP(return, "not on the emulated corei7_skylake_x (VTX_CPU_MODEL=%s)",
		     model ?: "unset");
	vtx_get_capabilities(self->fd, &c);
	EXPECT_TRUE(HAS(c, VTX_CAP_EPT));
	EXPECT_TRUE(HAS(c, VTX_CAP_VPID));
	EXPECT_TRUE(HAS(c, VTX_CAP_UNRESTRICTED_GUEST));
	EXPECT_TRUE(HAS(c, VTX_CAP_ENTRY_LOAD_EFER));
	EXPECT_TRUE(HAS(c, VTX_CAP_EXIT_SAVE_EFER));
	EXPECT_TRUE(HAS(c, VTX_CAP_EXIT_LOAD_EFER));
	EXPECT_TRUE(HAS(c, VTX_CAP_EPT_2M));
	EXPECT_TRUE(HAS(c, VTX_CAP_EPT_1G));
	EXPECT_TRUE(HAS(c, VTX_CAP_EPT_AD));
	EXPECT_FALSE(HAS(c, VTX_CAP_TERTIARY_CONTROLS));
	EXPECT_FALSE(HAS(c, VTX_CAP_VIRT_SPEC_CTRL));
	EXPECT_EQ(0ULL, c.vmx_procbased3);
	EXPECT_EQ(512U, c.msr_list_max);
	EXPECT_EQ(0x600401e0ULL, c.vmx_misc);
	EXPECT_EQ(0U, c.spec_flags);
	EXPECT_EQ(0ULL, c.spec_ctrl_supported);
	/* Bochs has the EFER controls: only efer_switch=msr_list uses lists. */
	EXPECT_EQ(params && strstr(params, "efer_switch=msr_list") ?
		  VTX_CONFIG_EFER_MSR_LIST : 0U, c.config);
	EXPECT_EQ((__u32)VTX_ABI_VERSION, c.abi_version);
	EXPECT_EQ(0U, c.pad);
	EXPECT_EQ(VTX_IOCTL_GET_CAPABILITIES | VTX_IOCTL_SET_SPEC_CTRL_POLICY |
		  VTX_IOCTL_GET_SPEC_CTRL_POLICY | VTX_IOCTL_GET_VCPU_STATS |
		  VTX_IOCTL_GET_SPEC_CTRL_STATE, c.ioctls);
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++)
		EXPECT_EQ(0ULL, c.reserved[i]);
}

/*
 * On the emulated sapphire_rapids (Bochs 3.0) vtx finds the tertiary
 * controls with "virtualize IA32_SPEC_CTRL" and the MSR itself, so the
 * virtualize mode is offered (testbed.md 2b).
 */
TEST_F(dev, capabilities_match_sapphire_rapids)
{
	const char *model = getenv("VTX_CPU_MODEL");
	struct vtx_capabilities c;

	if (!model || strcmp(model, "sapphire_rapids"))
		SKIP(return, "not on the emulated sapphire_rapids (VTX_CPU_MODEL=%s)",
		     model ?: "unset");
	vtx_get_capabilities(self->fd, &c);
	EXPECT_TRUE(HAS(c, VTX_CAP_TERTIARY_CONTROLS));
	EXPECT_TRUE(HAS(c, VTX_CAP_VIRT_SPEC_CTRL));
	EXPECT_EQ(0x80ULL, c.vmx_procbased3);
	EXPECT_EQ(0x1ULL, c.spec_ctrl_supported & 0x1ULL) TH_LOG("IBRS");
	EXPECT_TRUE(HAS(c, VTX_CAP_EPT));
	EXPECT_TRUE(HAS(c, VTX_CAP_UNRESTRICTED_GUEST));
	TH_LOG("spec_ctrl_supported 0x%llx spec_flags 0x%x",
	       (unsigned long long)c.spec_ctrl_supported, c.spec_flags);
}

TEST_F(dev, capabilities_bad_pointer_is_efault)
{
	void *ro;

	EXPECT_EQ(-EFAULT, __vtx_get_capabilities(self->fd, NULL));
	EXPECT_EQ(-EFAULT, __vtx_get_capabilities(self->fd, (void *)1UL));
	EXPECT_EQ(-EFAULT, __vtx_get_capabilities(self->fd,
						  (void *)0xffff800000000000UL));
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, __vtx_get_capabilities(self->fd, ro));
	munmap(ro, 4096);
}

TEST_F(dev, unknown_vtx_ioctl_is_enotty)
{
	char buf[256] = {};

	EXPECT_EQ(-ENOTTY, __vtx_ioctl(self->fd, _IO(VTXIO, 0x01), NULL));
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(self->fd, _IOR(VTXIO, 0xff, __u64), buf));
	/* The right number with the wrong size or direction is unknown too. */
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(self->fd, _IOR(VTXIO, 0x00, __u32), buf));
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(self->fd,
				       _IOW(VTXIO, 0x00, struct vtx_capabilities),
				       buf));
}

/* KVM answers an unknown system ioctl with -EINVAL, whatever its type. */
TEST_F(dev, unknown_kvm_ioctl_is_einval)
{
	char buf[256] = {};

	EXPECT_EQ(-EINVAL, __vtx_ioctl(self->fd, _IO(KVMIO, 0x06), NULL));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(self->fd, _IO(KVMIO, 0xff), NULL));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(self->fd, KVM_RUN, NULL));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(self->fd, _IOR('T', 0x01, int), buf));
}

TEST_F(dev, non_root_cannot_open)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(__vtx_open(VTX_DEV_PATH) == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
