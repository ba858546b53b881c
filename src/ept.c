// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables. Each VM has a 4-level table; leaves map 4 KiB guest pages
 * to pinned host pages, read/write/execute, write-back with "ignore PAT"
 * set, so that the guest cannot make host memory uncacheable.
 *
 * Changes happen under the VM's slots lock. The CPU may walk the tables
 * at any time from guest mode, so a new table is zeroed before the single
 * store that links it, and entries are written with single stores.
 * Removing a mapping is followed, by the caller, by a kick of every CPU
 * and an INVEPT on each CPU before the vCPU's next entry (see run.c).
 *
 * Context: process context.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>

#include <asm/mtrr.h>
#include <asm/vmx.h>

#include "caps.h"
#include "ept.h"
#include "vmx_ops.h"

#define VTX_EPT_LEVELS		4
#define VTX_EPT_ENTRIES		512
#define VTX_EPT_ADDR_MASK	GENMASK_ULL(51, 12)
#define VTX_EPT_LEAF_FLAGS	(VMX_EPT_RWX_MASK | VMX_EPT_IPAT_BIT | \
				 (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT))

static u64 *vtx_ept_table(u64 entry)
{
	return phys_to_virt(entry & VTX_EPT_ADDR_MASK);
}

static unsigned int vtx_ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * level)) & (VTX_EPT_ENTRIES - 1);
}

/**
 * vtx_ept_init() - allocate an empty EPT
 * @ept: the EPT
 *
 * Return: 0 or -ENOMEM.
 */
int vtx_ept_init(struct vtx_ept *ept)
{
	ept->root = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!ept->root)
		return -ENOMEM;
	ept->tables = 1;
	ept->eptp = page_to_phys(ept->root) | VMX_EPTP_PWL_4 | VMX_EPTP_MT_WB;
	return 0;
}

static void vtx_ept_free_table(u64 *table, int level)
{
	unsigned int i;

	if (level > 0) {
		for (i = 0; i < VTX_EPT_ENTRIES; i++)
			if (table[i] & VMX_EPT_RWX_MASK)
				vtx_ept_free_table(vtx_ept_table(table[i]),
						   level - 1);
	}
	free_page((unsigned long)table);
}

/**
 * vtx_ept_destroy() - free every table; no vCPU of the VM is left
 * @ept: the EPT
 */
void vtx_ept_destroy(struct vtx_ept *ept)
{
	if (ept->root)
		vtx_ept_free_table(page_address(ept->root), VTX_EPT_LEVELS - 1);
	ept->root = NULL;
}

/* The leaf entry for @gpa, allocating tables on the way when @alloc. */
static u64 *vtx_ept_walk(struct vtx_ept *ept, u64 gpa, bool alloc)
{
	u64 *table = page_address(ept->root);
	int level;

	for (level = VTX_EPT_LEVELS - 1; level > 0; level--) {
		u64 *entry = &table[vtx_ept_index(gpa, level)];

		if (!(READ_ONCE(*entry) & VMX_EPT_RWX_MASK)) {
			struct page *page;

			if (!alloc)
				return NULL;
			page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!page)
				return NULL;
			ept->tables++;
			/* Zeroed before this single store publishes it. */
			WRITE_ONCE(*entry, page_to_phys(page) | VMX_EPT_RWX_MASK);
		}
		table = vtx_ept_table(*entry);
	}
	return &table[vtx_ept_index(gpa, 0)];
}

/**
 * vtx_ept_map() - map the 4 KiB guest page @gpa to the host page @hpa
 * @ept: the EPT
 * @gpa: page-aligned guest-physical address
 * @hpa: page-aligned host-physical address
 *
 * Return: 0 or -ENOMEM.
 */
int vtx_ept_map(struct vtx_ept *ept, u64 gpa, u64 hpa)
{
	u64 *leaf = vtx_ept_walk(ept, gpa, true);

	if (!leaf)
		return -ENOMEM;
	WRITE_ONCE(*leaf, hpa | VTX_EPT_LEAF_FLAGS);
	return 0;
}

/**
 * vtx_ept_unmap() - remove the mapping of @gpa, if any
 * @ept: the EPT
 * @gpa: page-aligned guest-physical address
 *
 * The caller flushes before it frees the page (see the file comment).
 */
void vtx_ept_unmap(struct vtx_ept *ept, u64 gpa)
{
	u64 *leaf = vtx_ept_walk(ept, gpa, false);

	if (leaf)
		WRITE_ONCE(*leaf, 0);
}

/**
 * vtx_ept_flush() - drop this CPU's translations derived from @eptp
 * @eptp: the EPT pointer
 *
 * Context: interrupts off, in VMX operation.
 */
void vtx_ept_flush(u64 eptp)
{
	if (vtx_host_caps.ept_vpid & VMX_EPT_EXTENT_CONTEXT_BIT)
		WARN_ON_ONCE(vmx_invept(VMX_EPT_EXTENT_CONTEXT, eptp));
	else
		WARN_ON_ONCE(vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0));
}
