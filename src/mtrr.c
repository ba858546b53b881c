// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's MTRRs: IA32_MTRRCAP, IA32_MTRR_DEF_TYPE, eight variable and
 * the eleven fixed ranges, with the architectural valid bits, as KVM
 * emulates them. They only hold what the guest (or a VMM restoring it)
 * writes: EPT maps every guest page write-back, whatever the guest's
 * memory types say, since no device does DMA into guest memory.
 *
 * Context: any; pure.
 */
#include <linux/bits.h>
#include <linux/errno.h>

#include "mtrr.h"

#define VTX_MTRR_CAP_MSR	0xfe	/* IA32_MTRRCAP */
#define VTX_MTRR_DEF_TYPE_MSR	0x2ff	/* IA32_MTRR_DEF_TYPE */
/* IA32_MTRR_PHYSBASE0; PHYSMASKn follows PHYSBASEn. */
#define VTX_MTRR_PHYSBASE0	0x200

/*
 * IA32_MTRR_FIX64K_00000, FIX16K_80000 and _A0000, FIX4K_C0000 to
 * _F8000 (the kernel's names for them are in CamelCase).
 */
static const u32 vtx_mtrr_fixed_msrs[VTX_MTRR_NR_FIXED] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e,
	0x26f,
};

/* UC 0, WC 1, WT 4, WP 5, WB 6; 2, 3 and 7 are reserved. */
static bool vtx_mtrr_type_valid(u64 type)
{
	return type < 8 && (BIT(type) & 0x73);
}

static int vtx_mtrr_fixed_index(u32 index)
{
	int i;

	for (i = 0; i < VTX_MTRR_NR_FIXED; i++)
		if (vtx_mtrr_fixed_msrs[i] == index)
			return i;
	return -1;
}

static bool vtx_mtrr_is_var(u32 index)
{
	return index >= VTX_MTRR_PHYSBASE0 &&
	       index < VTX_MTRR_PHYSBASE0 + 2 * VTX_MTRR_NR_VAR;
}

/**
 * vtx_mtrr_is_mtrr() - is @index an MTRR vtx emulates?
 * @index: the MSR
 *
 * Return: true for IA32_MTRRCAP, IA32_MTRR_DEF_TYPE and the ranges.
 */
bool vtx_mtrr_is_mtrr(u32 index)
{
	return index == VTX_MTRR_CAP_MSR || index == VTX_MTRR_DEF_TYPE_MSR ||
	       vtx_mtrr_is_var(index) || vtx_mtrr_fixed_index(index) >= 0;
}

/**
 * vtx_mtrr_get() - read an MTRR
 * @m: the guest's MTRRs
 * @index: the MSR, for which vtx_mtrr_is_mtrr() is true
 * @data: its value
 *
 * Return: 0, or -ENOENT for another MSR.
 */
int vtx_mtrr_get(const struct vtx_mtrr *m, u32 index, u64 *data)
{
	int i = vtx_mtrr_fixed_index(index);

	if (index == VTX_MTRR_CAP_MSR)
		*data = VTX_MTRR_CAP;
	else if (index == VTX_MTRR_DEF_TYPE_MSR)
		*data = m->def_type;
	else if (vtx_mtrr_is_var(index))
		*data = m->var[index - VTX_MTRR_PHYSBASE0];
	else if (i >= 0)
		*data = m->fixed[i];
	else
		return -ENOENT;
	return 0;
}

/**
 * vtx_mtrr_set() - write an MTRR
 * @m: the guest's MTRRs
 * @index: the MSR
 * @data: the value
 * @phys_bits: the guest's MAXPHYADDR: address bits above it are reserved
 *
 * Return: 0; -EINVAL for a reserved bit or type, or IA32_MTRRCAP, which
 * is read-only; -ENOENT for another MSR.
 */
int vtx_mtrr_set(struct vtx_mtrr *m, u32 index, u64 data,
		 unsigned int phys_bits)
{
	u64 reserved = phys_bits >= 64 ? 0 : ~(BIT_ULL(phys_bits) - 1);
	int i = vtx_mtrr_fixed_index(index);
	unsigned int b;

	if (index == VTX_MTRR_CAP_MSR)
		return -EINVAL;
	if (index == VTX_MTRR_DEF_TYPE_MSR) {
		/* Type, FE (10), E (11). */
		if ((data & ~0xcffULL) || !vtx_mtrr_type_valid(data & 0xff))
			return -EINVAL;
		m->def_type = data;
		return 0;
	}
	if (vtx_mtrr_is_var(index)) {
		if (!(index & 1)) {
			/* PHYSBASE: type in 7:0, 11:8 reserved. */
			if (!vtx_mtrr_type_valid(data & 0xff))
				return -EINVAL;
			reserved |= 0xf00;
		} else {
			/* PHYSMASK: V (11), 10:0 reserved. */
			reserved |= 0x7ff;
		}
		if (data & reserved)
			return -EINVAL;
		m->var[index - VTX_MTRR_PHYSBASE0] = data;
		return 0;
	}
	if (i < 0)
		return -ENOENT;
	for (b = 0; b < 64; b += 8)
		if (!vtx_mtrr_type_valid((data >> b) & 0xff))
			return -EINVAL;
	m->fixed[i] = data;
	return 0;
}
