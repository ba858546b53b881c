/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's EPT: 4-level tables that map guest-physical pages to the host
 * pages of its memory slots, filled on demand by the fault path
 * (ept_fault.c) and emptied by the VM's MMU notifier (mmu_notifier.c).
 * Every function here runs under the VM's mmu_lock.
 */
#ifndef VTX_EPT_H
#define VTX_EPT_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>

struct page;

extern atomic_long_t vtx_ept_large_leaves;
extern atomic_long_t vtx_ept_leaves;
extern atomic_long_t vtx_ept_tables;
extern atomic_long_t vtx_ept_splits;
extern atomic_long_t vtx_ept_faults;

/* Table pages one fault may need: three tables, or one split. */
#define VTX_EPT_CACHE_PAGES	3

/**
 * struct vtx_ept_cache - zeroed pages allocated before the mmu_lock is
 * taken, so that filling the tables under it never allocates
 * @n: how many of @pages are there
 * @pages: their addresses
 */
struct vtx_ept_cache {
	unsigned int n;
	void *pages[VTX_EPT_CACHE_PAGES];
};

/**
 * struct vtx_ept - one VM's EPT
 * @root: the PML4 page
 * @eptp: the EPT pointer for the VMCS
 */
struct vtx_ept {
	struct page *root;
	u64 eptp;
};

/* What a guest-physical page is mapped with. */
#define VTX_EPT_MAPS_READ	BIT(0)
#define VTX_EPT_MAPS_WRITE	BIT(1)
#define VTX_EPT_MAPS_EXEC	BIT(2)
#define VTX_EPT_MAPS_LARGE	BIT(3)

int vtx_ept_init(struct vtx_ept *ept);
void vtx_ept_destroy(struct vtx_ept *ept);
int vtx_ept_cache_fill(struct vtx_ept_cache *cache);
void vtx_ept_cache_free(struct vtx_ept_cache *cache);
unsigned int vtx_ept_lookup(struct vtx_ept *ept, u64 gpa);
bool vtx_ept_can_map_large(struct vtx_ept *ept, u64 gpa);
bool vtx_ept_map(struct vtx_ept *ept, u64 gpa, u64 pfn, unsigned int maps,
		 struct vtx_ept_cache *cache);
bool vtx_ept_zap(struct vtx_ept *ept, u64 gpa, u64 end,
		 struct list_head *freed);
void vtx_ept_free_tables(struct list_head *freed);
bool vtx_ept_split_large(struct vtx_ept *ept, u64 gpa,
			 struct vtx_ept_cache *cache);
void vtx_ept_flush(u64 eptp);

#endif /* VTX_EPT_H */
