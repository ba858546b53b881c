// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_caps: VMX capability decoding from synthetic MSR values.
 */
/*
 * <asm/vmx.h> comes first: under UML, <kunit/test.h> pulls in a
 * HOST_FS_BASE macro that clashes with the VMCS field enum it declares.
 */
#include <asm/vmx.h>

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include <asm/msr-index.h>

#include <uapi/linux/vtx.h>

#include "caps.h"
#include "spec_ctrl.h"

/* A control MSR value from its allowed-0 (forced 1) and allowed-1 bits. */
static u64 ctl(u32 allowed0, u32 allowed1)
{
	return (u64)allowed1 << 32 | allowed0;
}

/* A CPU that vtx can run on, with every optional feature but tertiary. */
static void good_caps(struct vtx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->cpuid_1_ecx = BIT(5);
	c->kernel_vmx = true;
	c->feat_ctl = FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	c->basic = 0x12345ULL | 0x1000ULL << VMX_BASIC_VMCS_SIZE_SHIFT |
		   VMX_BASIC_MEM_TYPE_WB << VMX_BASIC_MEM_TYPE_SHIFT |
		   VMX_BASIC_TRUE_CTLS;
	c->misc = 0x600401e0;
	c->procbased = ctl(0, CPU_BASED_USE_MSR_BITMAPS |
			      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	c->procbased2 = ctl(0, SECONDARY_EXEC_ENABLE_EPT |
			       SECONDARY_EXEC_ENABLE_VPID |
			       SECONDARY_EXEC_UNRESTRICTED_GUEST);
	c->ept_vpid = VMX_EPT_PAGE_WALK_4_BIT | VMX_EPTP_WB_BIT |
		      VMX_EPT_2MB_PAGE_BIT | VMX_EPT_AD_BIT;
	c->exit = ctl(0, VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER);
	c->entry = ctl(0, VM_ENTRY_LOAD_IA32_EFER);
}

static void vtx_caps_adjust_ctl_sets_required_and_optional(struct kunit *test)
{
	u32 out = 0;

	KUNIT_EXPECT_EQ(test, vtx_caps_adjust_ctl(ctl(0, 0x0f), 0x3, 0x4, &out),
			0);
	KUNIT_EXPECT_EQ(test, out, 0x7U);
}

static void vtx_caps_adjust_ctl_drops_unsupported_optional(struct kunit *test)
{
	u32 out = 0;

	KUNIT_EXPECT_EQ(test, vtx_caps_adjust_ctl(ctl(0, 0x03), 0x1, 0xf0, &out),
			0);
	KUNIT_EXPECT_EQ(test, out, 0x1U);
}

static void vtx_caps_adjust_ctl_keeps_forced_bits(struct kunit *test)
{
	u32 out = 0;

	/* Bits 8 and 9 are forced to 1 by the CPU even though nobody asked. */
	KUNIT_EXPECT_EQ(test, vtx_caps_adjust_ctl(ctl(0x300, 0x3ff), 0x1, 0,
						  &out), 0);
	KUNIT_EXPECT_EQ(test, out, 0x301U);
}

static void vtx_caps_adjust_ctl_fails_missing_required(struct kunit *test)
{
	u32 out = 0xdead;

	KUNIT_EXPECT_EQ(test, vtx_caps_adjust_ctl(ctl(0, 0x1), 0x3, 0, &out),
			-EIO);
	/* The result is written on success only. */
	KUNIT_EXPECT_EQ(test, out, 0xdeadU);
}

static void vtx_caps_adjust_ctl_all_ones(struct kunit *test)
{
	u32 out = 0;

	KUNIT_EXPECT_EQ(test, vtx_caps_adjust_ctl(ctl(0, ~0U), ~0U, 0, &out), 0);
	KUNIT_EXPECT_EQ(test, out, ~0U);
	KUNIT_EXPECT_EQ(test, vtx_caps_adjust_ctl(ctl(0, ~0U >> 1), ~0U, 0,
						  &out), -EIO);
}

static void vtx_caps_ctl_allowed1_needs_every_bit(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vtx_caps_ctl_allowed1(ctl(0, 0x6), 0x6));
	KUNIT_EXPECT_FALSE(test, vtx_caps_ctl_allowed1(ctl(0, 0x6), 0x7));
	/* Allowed-0 bits say nothing about allowed-1. */
	KUNIT_EXPECT_FALSE(test, vtx_caps_ctl_allowed1(ctl(0x1, 0), 0x1));
	KUNIT_EXPECT_TRUE(test, vtx_caps_ctl_allowed1(0, 0));
}

static void vtx_caps_msr_list_max_every_encoding(struct kunit *test)
{
	struct vtx_caps c = {};
	u32 n;

	for (n = 0; n < 8; n++) {
		c.misc = (u64)n << 25 | 0x1e0;
		KUNIT_EXPECT_EQ(test, vtx_caps_msr_list_max(&c), (n + 1) * 512);
	}
	/* Bits outside 27:25 do not matter. */
	c.misc = ~(7ULL << 25);
	KUNIT_EXPECT_EQ(test, vtx_caps_msr_list_max(&c), 512U);
}

static void vtx_caps_gpa_limit_follows_maxphyaddr(struct kunit *test)
{
	struct vtx_caps c = {};

	c.phys_bits = 39;
	KUNIT_EXPECT_EQ(test, vtx_caps_gpa_limit(&c), 1ULL << 39);
	c.phys_bits = 46;
	KUNIT_EXPECT_EQ(test, vtx_caps_gpa_limit(&c), 1ULL << 46);
	/* the 4-level EPT caps a 52-bit host */
	c.phys_bits = 52;
	KUNIT_EXPECT_EQ(test, vtx_caps_gpa_limit(&c), 1ULL << 48);
	c.phys_bits = 0;
	KUNIT_EXPECT_EQ(test, vtx_caps_gpa_limit(&c), 1ULL << 36);
}

static void vtx_caps_basic_decoding(struct kunit *test)
{
	struct vtx_caps c;

	good_caps(&c);
	KUNIT_EXPECT_EQ(test, vtx_caps_vmcs_revision(&c), 0x12345U);
	KUNIT_EXPECT_EQ(test, vtx_caps_vmcs_size(&c), 4096U);
	/* Bit 31 of the revision dword is not part of the identifier. */
	c.basic |= BIT(31);
	KUNIT_EXPECT_EQ(test, vtx_caps_vmcs_revision(&c), 0x12345U);
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_true_ctls(&c));
}

static void vtx_caps_secondary_needs_primary_bit(struct kunit *test)
{
	struct vtx_caps c;

	good_caps(&c);
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_ept(&c));
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_vpid(&c));
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_unrestricted_guest(&c));

	c.procbased = ctl(0, CPU_BASED_USE_MSR_BITMAPS);
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_secondary(&c));
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_ept(&c));
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_vpid(&c));
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_unrestricted_guest(&c));
}

static void vtx_caps_ept_needs_4level_wb(struct kunit *test)
{
	struct vtx_caps c;

	good_caps(&c);
	c.ept_vpid &= ~VMX_EPT_PAGE_WALK_4_BIT;
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_ept(&c));
	good_caps(&c);
	c.ept_vpid &= ~VMX_EPTP_WB_BIT;
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_ept(&c));
}

static void vtx_caps_virt_spec_ctrl_needs_tertiary(struct kunit *test)
{
	struct vtx_caps c;

	good_caps(&c);
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_tertiary(&c));
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_virt_spec_ctrl(&c));

	/* PROCBASED_CTLS3 claims the bit, but tertiary controls are off. */
	c.procbased3 = VTX_TERTIARY_EXEC_VIRT_SPEC_CTRL;
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_virt_spec_ctrl(&c));

	c.procbased |= ctl(0, CPU_BASED_ACTIVATE_TERTIARY_CONTROLS);
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_tertiary(&c));
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_virt_spec_ctrl(&c));

	c.procbased3 = ~VTX_TERTIARY_EXEC_VIRT_SPEC_CTRL;
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_virt_spec_ctrl(&c));
}

static void vtx_caps_efer_controls(struct kunit *test)
{
	struct vtx_caps c;

	good_caps(&c);
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_entry_load_efer(&c));
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_exit_save_efer(&c));
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_exit_load_efer(&c));
	c.exit = ctl(0, VM_EXIT_LOAD_IA32_EFER);
	c.entry = 0;
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_entry_load_efer(&c));
	KUNIT_EXPECT_FALSE(test, vtx_caps_has_exit_save_efer(&c));
	KUNIT_EXPECT_TRUE(test, vtx_caps_has_exit_load_efer(&c));
}

static void vtx_caps_feat_ctl_fixup_cases(struct kunit *test)
{
	u64 fixed = 0;

	KUNIT_EXPECT_EQ(test, vtx_caps_feat_ctl_fixup(FEAT_CTL_LOCKED |
			FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX, &fixed), 0);
	KUNIT_EXPECT_EQ(test, fixed,
			FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);

	/* Locked with VMX enabled only inside SMX: off for vtx. */
	KUNIT_EXPECT_EQ(test, vtx_caps_feat_ctl_fixup(FEAT_CTL_LOCKED |
			FEAT_CTL_VMX_ENABLED_INSIDE_SMX, &fixed), -EPERM);

	/* Unlocked: vtx enables and locks, keeping the other bits. */
	KUNIT_EXPECT_EQ(test, vtx_caps_feat_ctl_fixup(FEAT_CTL_LMCE_ENABLED,
						      &fixed), 0);
	KUNIT_EXPECT_EQ(test, fixed, FEAT_CTL_LMCE_ENABLED | FEAT_CTL_LOCKED |
			FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
}

static void vtx_caps_check_accepts_good(struct kunit *test)
{
	const char *reason = NULL;
	struct vtx_caps c;

	good_caps(&c);
	KUNIT_EXPECT_EQ(test, vtx_caps_check(&c, &reason), 0);
	KUNIT_EXPECT_NULL(test, reason);
}

static void expect_refused(struct kunit *test, const struct vtx_caps *c,
			   int err, const char *needle)
{
	const char *reason = NULL;

	KUNIT_EXPECT_EQ(test, vtx_caps_check(c, &reason), err);
	KUNIT_ASSERT_NOT_NULL(test, reason);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(reason, needle), "reason: %s",
				  reason);
}

static void vtx_caps_check_refusals(struct kunit *test)
{
	struct vtx_caps c;

	good_caps(&c);
	c.cpuid_1_ecx = 0;
	expect_refused(test, &c, -ENODEV, "no VMX");

	good_caps(&c);
	c.feat_ctl = FEAT_CTL_LOCKED;
	expect_refused(test, &c, -EPERM, "firmware");

	/* Firmware's lock is named even when the kernel also cleared VMX. */
	c.kernel_vmx = false;
	expect_refused(test, &c, -EPERM, "firmware");

	good_caps(&c);
	c.kernel_vmx = false;
	expect_refused(test, &c, -ENODEV, "kernel");

	good_caps(&c);
	c.basic &= ~VMX_BASIC_MEM_TYPE_MASK;
	expect_refused(test, &c, -EOPNOTSUPP, "VMCS");

	good_caps(&c);
	c.basic |= VMX_BASIC_64;
	expect_refused(test, &c, -EOPNOTSUPP, "VMCS");

	good_caps(&c);
	c.basic &= ~(0x1fffULL << VMX_BASIC_VMCS_SIZE_SHIFT);
	expect_refused(test, &c, -EOPNOTSUPP, "VMCS");

	good_caps(&c);
	c.procbased = ctl(0, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	expect_refused(test, &c, -EOPNOTSUPP, "MSR bitmaps");

	good_caps(&c);
	c.procbased2 = ctl(0, SECONDARY_EXEC_UNRESTRICTED_GUEST);
	expect_refused(test, &c, -EOPNOTSUPP, "EPT");

	good_caps(&c);
	c.procbased2 = ctl(0, SECONDARY_EXEC_ENABLE_EPT);
	expect_refused(test, &c, -EOPNOTSUPP, "unrestricted guest");
}

static void vtx_caps_check_unlocked_feat_ctl_is_fine(struct kunit *test)
{
	const char *reason = NULL;
	struct vtx_caps c;

	good_caps(&c);
	c.feat_ctl = 0;
	KUNIT_EXPECT_EQ(test, vtx_caps_check(&c, &reason), 0);
}

static void vtx_caps_same_vmx_detects_any_difference(struct kunit *test)
{
	struct vtx_caps a, b;

	good_caps(&a);
	b = a;
	KUNIT_EXPECT_TRUE(test, vtx_caps_same_vmx(&a, &b));
	b.feat_ctl = 0;
	b.cpuid_7_0_edx = ~0U;
	KUNIT_EXPECT_TRUE(test, vtx_caps_same_vmx(&a, &b));

	b = a;
	b.misc ^= 1;
	KUNIT_EXPECT_FALSE(test, vtx_caps_same_vmx(&a, &b));
	b = a;
	b.procbased3 = 1;
	KUNIT_EXPECT_FALSE(test, vtx_caps_same_vmx(&a, &b));
	b = a;
	b.entry = 0;
	KUNIT_EXPECT_FALSE(test, vtx_caps_same_vmx(&a, &b));
}

static void vtx_caps_report_fields(struct kunit *test)
{
	struct vtx_capabilities r;
	struct vtx_caps c;
	size_t i;

	good_caps(&c);
	memset(&r, 0xa5, sizeof(r));
	vtx_caps_report(&c, &r);
	KUNIT_EXPECT_EQ(test, r.flags, VTX_CAP_EPT | VTX_CAP_VPID |
			VTX_CAP_UNRESTRICTED_GUEST | VTX_CAP_MSR_BITMAPS |
			VTX_CAP_ENTRY_LOAD_EFER | VTX_CAP_EXIT_SAVE_EFER |
			VTX_CAP_EXIT_LOAD_EFER | VTX_CAP_TRUE_CONTROLS |
			VTX_CAP_EPT_2M | VTX_CAP_EPT_AD);
	KUNIT_EXPECT_EQ(test, r.spec_flags, 0U);
	KUNIT_EXPECT_EQ(test, r.spec_ctrl_supported, 0ULL);
	KUNIT_EXPECT_EQ(test, r.msr_list_max, 512U);
	KUNIT_EXPECT_EQ(test, r.vmcs_revision, 0x12345U);
	KUNIT_EXPECT_EQ(test, r.vmcs_size, 4096U);
	KUNIT_EXPECT_EQ(test, r.vmx_basic, c.basic);
	KUNIT_EXPECT_EQ(test, r.vmx_procbased2, c.procbased2);
	KUNIT_EXPECT_EQ(test, r.config, 0U);
	for (i = 0; i < ARRAY_SIZE(r.reserved); i++)
		KUNIT_EXPECT_EQ(test, r.reserved[i], 0ULL);
}

static void vtx_caps_report_spec_flags(struct kunit *test)
{
	struct vtx_capabilities r;
	struct vtx_caps c;

	good_caps(&c);
	c.cpuid_7_0_edx = VTX_CPUID_7_0_EDX_STIBP | VTX_CPUID_7_0_EDX_SSBD;
	c.cpuid_7_2_edx = VTX_CPUID_7_2_EDX_BHI_CTRL;
	vtx_caps_report(&c, &r);
	KUNIT_EXPECT_EQ(test, r.spec_flags,
			VTX_SPEC_STIBP | VTX_SPEC_SSBD | VTX_SPEC_BHI_CTRL);
	KUNIT_EXPECT_EQ(test, r.spec_ctrl_supported,
			VTX_SPEC_CTRL_STIBP | VTX_SPEC_CTRL_SSBD |
			VTX_SPEC_CTRL_BHI_DIS_S);
}

static struct kunit_case vtx_caps_cases[] = {
	KUNIT_CASE(vtx_caps_adjust_ctl_sets_required_and_optional),
	KUNIT_CASE(vtx_caps_adjust_ctl_drops_unsupported_optional),
	KUNIT_CASE(vtx_caps_adjust_ctl_keeps_forced_bits),
	KUNIT_CASE(vtx_caps_adjust_ctl_fails_missing_required),
	KUNIT_CASE(vtx_caps_adjust_ctl_all_ones),
	KUNIT_CASE(vtx_caps_ctl_allowed1_needs_every_bit),
	KUNIT_CASE(vtx_caps_msr_list_max_every_encoding),
	KUNIT_CASE(vtx_caps_gpa_limit_follows_maxphyaddr),
	KUNIT_CASE(vtx_caps_basic_decoding),
	KUNIT_CASE(vtx_caps_secondary_needs_primary_bit),
	KUNIT_CASE(vtx_caps_ept_needs_4level_wb),
	KUNIT_CASE(vtx_caps_virt_spec_ctrl_needs_tertiary),
	KUNIT_CASE(vtx_caps_efer_controls),
	KUNIT_CASE(vtx_caps_feat_ctl_fixup_cases),
	KUNIT_CASE(vtx_caps_check_accepts_good),
	KUNIT_CASE(vtx_caps_check_refusals),
	KUNIT_CASE(vtx_caps_check_unlocked_feat_ctl_is_fine),
	KUNIT_CASE(vtx_caps_same_vmx_detects_any_difference),
	KUNIT_CASE(vtx_caps_report_fields),
	KUNIT_CASE(vtx_caps_report_spec_flags),
	{}
};

static struct kunit_suite vtx_caps_suite = {
	.name = "vtx_caps",
	.test_cases = vtx_caps_cases,
};

kunit_test_suite(vtx_caps_suite);
