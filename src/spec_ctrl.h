/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IA32_SPEC_CTRL policy: pure functions over CPUID words and MSR values.
 */
#ifndef VTX_SPEC_CTRL_H
#define VTX_SPEC_CTRL_H

#include <linux/bits.h>
#include <linux/types.h>

/* IA32_SPEC_CTRL bits, as Intel defines them. */
#define VTX_SPEC_CTRL_IBRS		BIT_ULL(0)
#define VTX_SPEC_CTRL_STIBP		BIT_ULL(1)
#define VTX_SPEC_CTRL_SSBD		BIT_ULL(2)
#define VTX_SPEC_CTRL_IPRED_DIS_U	BIT_ULL(3)
#define VTX_SPEC_CTRL_IPRED_DIS_S	BIT_ULL(4)
#define VTX_SPEC_CTRL_RRSBA_DIS_U	BIT_ULL(5)
#define VTX_SPEC_CTRL_RRSBA_DIS_S	BIT_ULL(6)
#define VTX_SPEC_CTRL_PSFD		BIT_ULL(7)
#define VTX_SPEC_CTRL_DDPD_U		BIT_ULL(8)
#define VTX_SPEC_CTRL_BHI_DIS_S		BIT_ULL(10)

/* CPUID.(7,0):EDX bits that gate SPEC_CTRL bits. */
#define VTX_CPUID_7_0_EDX_SPEC_CTRL	BIT(26)
#define VTX_CPUID_7_0_EDX_STIBP		BIT(27)
#define VTX_CPUID_7_0_EDX_SSBD		BIT(31)

/* CPUID.(7,2):EDX bits that gate SPEC_CTRL bits. */
#define VTX_CPUID_7_2_EDX_PSFD		BIT(0)
#define VTX_CPUID_7_2_EDX_IPRED_CTRL	BIT(1)
#define VTX_CPUID_7_2_EDX_RRSBA_CTRL	BIT(2)
#define VTX_CPUID_7_2_EDX_DDPD_U	BIT(3)
#define VTX_CPUID_7_2_EDX_BHI_CTRL	BIT(4)

u64 vtx_spec_ctrl_valid_bits(u32 cpuid_7_0_edx, u32 cpuid_7_2_edx);

#endif /* VTX_SPEC_CTRL_H */
