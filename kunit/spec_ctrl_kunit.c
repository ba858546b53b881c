// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_spec_ctrl: which IA32_SPEC_CTRL bits CPUID grants.
 */
#include <kunit/test.h>

#include "spec_ctrl.h"

static void vtx_spec_ctrl_valid_bits_none(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(0, 0), 0ULL);
	/* Unrelated CPUID bits grant nothing. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~(BIT(26) | BIT(27) |
							 BIT(31)), ~0x1fU), 0ULL);
}

/* Seed 004: STIBP is legal without IBRS, gated by its own CPUID bit. */
static void vtx_spec_ctrl_valid_bits_stibp_without_ibrs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_valid_bits(VTX_CPUID_7_0_EDX_STIBP, 0),
			VTX_SPEC_CTRL_STIBP);
}

static void vtx_spec_ctrl_valid_bits_each_gate(struct kunit *test)
{
	static const struct {
		u32 edx70, edx72;
		u64 bits;
	} cases[] = {
		{ VTX_CPUID_7_0_EDX_SPEC_CTRL, 0, VTX_SPEC_CTRL_IBRS },
		{ VTX_CPUID_7_0_EDX_STIBP, 0, VTX_SPEC_CTRL_STIBP },
		{ VTX_CPUID_7_0_EDX_SSBD, 0, VTX_SPEC_CTRL_SSBD },
		{ 0, VTX_CPUID_7_2_EDX_PSFD, VTX_SPEC_CTRL_PSFD },
		{ 0, VTX_CPUID_7_2_EDX_IPRED_CTRL,
		  VTX_SPEC_CTRL_IPRED_DIS_U | VTX_SPEC_CTRL_IPRED_DIS_S },
		{ 0, VTX_CPUID_7_2_EDX_RRSBA_CTRL,
		  VTX_SPEC_CTRL_RRSBA_DIS_U | VTX_SPEC_CTRL_RRSBA_DIS_S },
		{ 0, VTX_CPUID_7_2_EDX_DDPD_U, VTX_SPEC_CTRL_DDPD_U },
		{ 0, VTX_CPUID_7_2_EDX_BHI_CTRL, VTX_SPEC_CTRL_BHI_DIS_S },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vtx_spec_ctrl_valid_bits(cases[i].edx70,
							     cases[i].edx72),
				    cases[i].bits, "case %zu", i);
}

static void vtx_spec_ctrl_valid_bits_all(struct kunit *test)
{
	u64 all = VTX_SPEC_CTRL_IBRS | VTX_SPEC_CTRL_STIBP |
		  VTX_SPEC_CTRL_SSBD | VTX_SPEC_CTRL_IPRED_DIS_U |
		  VTX_SPEC_CTRL_IPRED_DIS_S | VTX_SPEC_CTRL_RRSBA_DIS_U |
		  VTX_SPEC_CTRL_RRSBA_DIS_S | VTX_SPEC_CTRL_PSFD |
		  VTX_SPEC_CTRL_DDPD_U | VTX_SPEC_CTRL_BHI_DIS_S;

	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~0U, ~0U), all);
	/* Bit 9 and everything above bit 10 are never valid. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~0U, ~0U) & BIT_ULL(9),
			0ULL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~0U, ~0U) >> 11, 0ULL);
}

static struct kunit_case vtx_spec_ctrl_cases[] = {
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_none),
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_stibp_without_ibrs),
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_each_gate),
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_all),
	{}
};

static struct kunit_suite vtx_spec_ctrl_suite = {
	.name = "vtx_spec_ctrl",
	.test_cases = vtx_spec_ctrl_cases,
};

kunit_test_suite(vtx_spec_ctrl_suite);
