/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's EPT: 4-level tables that map guest-physical pages to the host
 * pages pinned for its memory slots.
 */
#ifndef VTX_EPT_H
#define VTX_EPT_H

#include <linux/atomic.h>
#include <linux/types.h>

struct page;

extern atomic_long_t vtx_ept_large_leaves;
extern atomic_long_t vtx_ept_tables;
extern atomic_long_t vtx_ept_splits;

/**
 * struct vtx_ept - one VM's EPT
 * @root: the PML4 page
 * @eptp: the EPT pointer for the VMCS
 */
struct vtx_ept {
	struct page *root;
	u64 eptp;
};

int vtx_ept_init(struct vtx_ept *ept);
void vtx_ept_destroy(struct vtx_ept *ept);
int vtx_ept_map_range(struct vtx_ept *ept, u64 gpa, struct page **pages,
		      unsigned long n);
void vtx_ept_unmap_range(struct vtx_ept *ept, u64 gpa, unsigned long n);
int vtx_ept_split_large(struct vtx_ept *ept, u64 gpa);
void vtx_ept_flush(u64 eptp);

#endif /* VTX_EPT_H */
