/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's page walk, for the accesses that vtx emulates
 * (guest_walk.c). Pure: the page-table reads go through a callback.
 */
#ifndef VTX_GUEST_WALK_H
#define VTX_GUEST_WALK_H

#include <linux/types.h>

/**
 * struct vtx_walk - the guest's paging state
 * @cr0: CR0 as the guest sees it
 * @cr3: CR3
 * @cr4: CR4 as the guest sees it
 * @efer: EFER
 * @pdpte: the four PDPTEs, for PAE paging (the VMCS holds them)
 * @user: the access is made at CPL 3
 * @read_pte: read the 4- or 8-byte entry at a guest-physical address
 *	into @pte (zero-extended); return 0 or a negative errno
 * @ctx: @read_pte's argument
 */
struct vtx_walk {
	u64 cr0, cr3, cr4, efer;
	u64 pdpte[4];
	bool user;
	int (*read_pte)(void *ctx, u64 gpa, unsigned int size, u64 *pte);
	void *ctx;
};

int vtx_guest_walk(const struct vtx_walk *w, u64 linear, bool write,
		   u64 *gpa);

#endif /* VTX_GUEST_WALK_H */
