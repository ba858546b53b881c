/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's MTRRs, emulated as KVM emulates them (mtrr.c). Pure.
 */
#ifndef VTX_MTRR_H
#define VTX_MTRR_H

#include <linux/types.h>

#define VTX_MTRR_NR_VAR		8
#define VTX_MTRR_NR_FIXED	11
/* IA32_MTRRCAP: 8 variable ranges, the fixed ranges, write-combining. */
#define VTX_MTRR_CAP		(VTX_MTRR_NR_VAR | BIT(8) | BIT(10))

/**
 * struct vtx_mtrr - the guest's MTRRs
 * @var: IA32_MTRR_PHYSBASEn and IA32_MTRR_PHYSMASKn, in MSR order
 * @fixed: the eleven fixed-range MTRRs, in vtx_mtrr_fixed_index() order
 * @def_type: IA32_MTRR_DEF_TYPE
 */
struct vtx_mtrr {
	u64 var[2 * VTX_MTRR_NR_VAR];
	u64 fixed[VTX_MTRR_NR_FIXED];
	u64 def_type;
};

bool vtx_mtrr_is_mtrr(u32 index);
int vtx_mtrr_get(const struct vtx_mtrr *m, u32 index, u64 *data);
int vtx_mtrr_set(struct vtx_mtrr *m, u32 index, u64 data,
		 unsigned int phys_bits);

#endif /* VTX_MTRR_H */
