// SPDX-License-Identifier: GPL-2.0
/*
 * IA32_SPEC_CTRL policy. Pure functions: no MSR access, no per-CPU state,
 * no allocation. Callable from any context; KUnit tests them under UML.
 */
#include <linux/bits.h>
#include <linux/types.h>

#include "spec_ctrl.h"

/**
 * vtx_spec_ctrl_valid_bits() - SPEC_CTRL bits that a set of CPUID words grant
 * @cpuid_7_0_edx: CPUID.(7,0):EDX
 * @cpuid_7_2_edx: CPUID.(7,2):EDX, 0 when subleaf 2 is not enumerated
 *
 * Each bit is gated by its own CPUID bit alone. In particular STIBP is
 * valid without IBRS: a CPU (or a guest CPUID) may enumerate STIBP and
 * not SPEC_CTRL, and the MSR then exists with just that bit.
 *
 * Return: the mask of IA32_SPEC_CTRL bits that may be set.
 */
u64 vtx_spec_ctrl_valid_bits(u32 cpuid_7_0_edx, u32 cpuid_7_2_edx)
{
	u64 valid = 0;

	if (cpuid_7_0_edx & VTX_CPUID_7_0_EDX_SPEC_CTRL)
		valid |= VTX_SPEC_CTRL_IBRS;
	if (cpuid_7_0_edx & VTX_CPUID_7_0_EDX_STIBP)
		valid |= VTX_SPEC_CTRL_STIBP;
	if (cpuid_7_0_edx & VTX_CPUID_7_0_EDX_SSBD)
		valid |= VTX_SPEC_CTRL_SSBD;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_PSFD)
		valid |= VTX_SPEC_CTRL_PSFD;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_IPRED_CTRL)
		valid |= VTX_SPEC_CTRL_IPRED_DIS_U | VTX_SPEC_CTRL_IPRED_DIS_S;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_RRSBA_CTRL)
		valid |= VTX_SPEC_CTRL_RRSBA_DIS_U | VTX_SPEC_CTRL_RRSBA_DIS_S;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_DDPD_U)
		valid |= VTX_SPEC_CTRL_DDPD_U;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_BHI_CTRL)
		valid |= VTX_SPEC_CTRL_BHI_DIS_S;

	return valid;
}
