// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's page walk: linear to guest-physical, for the instruction
 * fetch and the memory operands of the accesses vtx emulates (mmio.c).
 *
 * It follows the guest's own rules: no paging, 32-bit paging (with 4 MiB
 * pages under CR4.PSE), PAE paging from the PDPTEs the VMCS holds, and
 * 4-level paging. An access the guest's tables do not allow (not
 * present, NX without EFER.NXE, a large page in a PML4E, a write to a
 * read-only page where CR0.WP or CPL 3 applies, a CPL 3 access to a
 * supervisor page) is refused: emulation must never reach memory that
 * the guest's own code could not. Other reserved bits are not checked
 * (the CPU had walked the same tables for the access being emulated).
 * 5-level paging is not emulated.
 *
 * Accessed and dirty bits are not set: the access the CPU itself began
 * set them in the tables it walked, except in the one page the exit is
 * about.
 *
 * Context: any; pure.
 */
#include <linux/bits.h>
#include <linux/errno.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "guest_walk.h"

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_NX		BIT_ULL(63)
/* Bits 51:12 of a 64-bit entry: the next table or the page. */
#define PTE_ADDR	GENMASK_ULL(51, 12)

/* Check one level's permissions; -EFAULT if the access is not allowed. */
static int vtx_walk_allow(const struct vtx_walk *w, u64 pte, bool write)
{
	if (!(pte & PTE_P))
		return -EFAULT;
	if (w->user && !(pte & PTE_US))
		return -EFAULT;
	if (write && !(pte & PTE_RW) && (w->user || (w->cr0 & X86_CR0_WP)))
		return -EFAULT;
	return 0;
}

static int vtx_walk_32(const struct vtx_walk *w, u32 linear, bool write,
		       u64 *gpa)
{
	u64 pde, pte;
	int r;

	r = w->read_pte(w->ctx, (w->cr3 & 0xfffff000) + (linear >> 22) * 4,
			4, &pde);
	if (r)
		return r;
	if (vtx_walk_allow(w, pde, write))
		return -EFAULT;
	if ((pde & PTE_PS) && (w->cr4 & X86_CR4_PSE)) {
		/* Bits 20:13 of a 4 MiB PDE are physical-address bits 39:32. */
		if (pde & BIT(21))
			return -EFAULT;
		*gpa = (pde & 0xffc00000) | ((pde & 0x1fe000) << 19) |
		       (linear & 0x3fffff);
		return 0;
	}
	r = w->read_pte(w->ctx, (pde & 0xfffff000) + ((linear >> 12) & 0x3ff) * 4,
			4, &pte);
	if (r)
		return r;
	if (vtx_walk_allow(w, pte, write))
		return -EFAULT;
	*gpa = (pte & 0xfffff000) | (linear & 0xfff);
	return 0;
}

/*
 * PAE and 4-level paging: @levels table levels below @top, whose entries
 * are 8 bytes. A large page ends the walk at the PDPT (1 GiB, 4-level
 * only) or the PD (2 MiB).
 */
static int vtx_walk_64(const struct vtx_walk *w, u64 top, int levels,
		       u64 linear, bool write, u64 *gpa)
{
	u64 table = top, pte = 0;
	int level, r;

	for (level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);

		r = w->read_pte(w->ctx, (table & PTE_ADDR) +
				((linear >> shift) & 511) * 8, 8, &pte);
		if (r)
			return r;
		if (vtx_walk_allow(w, pte, write))
			return -EFAULT;
		if ((pte & PTE_NX) && !(w->efer & EFER_NX))
			return -EFAULT;
		/* Bit 7: a 2 MiB or 1 GiB page; PAT in a PTE; reserved above. */
		if ((pte & PTE_PS) && (level == 2 || level == 3)) {
			u64 mask = BIT_ULL(shift) - 1;

			*gpa = (pte & PTE_ADDR & ~mask) | (linear & mask);
			return 0;
		}
		if ((pte & PTE_PS) && level == 4)
			return -EFAULT;
		table = pte;
	}
	*gpa = (pte & PTE_ADDR) | (linear & 0xfff);
	return 0;
}

/**
 * vtx_guest_walk() - translate a guest linear address
 * @w: the guest's paging state
 * @linear: the linear address (segment base already added)
 * @write: the access writes
 * @gpa: the guest-physical address, on success
 *
 * Return: 0; -EFAULT when the guest's tables do not map @linear for this
 * access; -EOPNOTSUPP for 5-level paging; or @w->read_pte's error.
 */
int vtx_guest_walk(const struct vtx_walk *w, u64 linear, bool write,
		   u64 *gpa)
{
	u64 pdpte;

	if (!(w->cr0 & X86_CR0_PG)) {
		*gpa = (u32)linear;
		return 0;
	}
	if (!(w->cr4 & X86_CR4_PAE))
		return vtx_walk_32(w, linear, write, gpa);
	if (w->efer & EFER_LMA) {
		if (w->cr4 & X86_CR4_LA57)
			return -EOPNOTSUPP;
		return vtx_walk_64(w, w->cr3, 4, linear, write, gpa);
	}
	/* PAE: the PDPTE has only P and reserved bits to check. */
	pdpte = w->pdpte[(linear >> 30) & 3];
	if (!(pdpte & PTE_P))
		return -EFAULT;
	return vtx_walk_64(w, pdpte, 2, (u32)linear, write, gpa);
}
