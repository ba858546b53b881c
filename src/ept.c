// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables. Each VM has a 4-level table; leaves map 4 KiB guest pages
 * to pinned host pages, read/write/execute, write-back with "ignore PAT"
 * set, so that the guest cannot make host memory uncacheable.
 *
 * Where a slot covers a whole 2 MiB-aligned guest range whose pinned
 * pages are one 2 MiB-aligned, physically contiguous run (a transparent
 * huge page), and the CPU has 2 MiB EPT pages, one 2 MiB leaf maps it
 * instead of a table of 512. Only where no table exists yet: vtx never
 * frees a table while the VM lives, since a CPU may still cache the
 * entry that points to it. A 2 MiB leaf maps only pinned pages of one
 * slot, so it reaches nothing a 4 KiB mapping would not. On a CPU with
 * the iTLB multihit bug (nx_huge_pages, mitigation.c) a 2 MiB leaf is not
 * executable: the guest's first instruction fetch from it exits, and
 * vtx_ept_split_large() replaces it by a table of 512 executable 4 KiB
 * leaves, so that no executable 2 MiB translation ever exists.
 *
 * Changes happen under the VM's slots lock. The CPU may walk the tables
 * at any time from guest mode, so a new table is zeroed before the single
 * store that links it, and entries are written with single stores.
 * Removing a mapping is followed, by the caller, by a kick of every CPU
 * and an INVEPT on each CPU before the vCPU's next entry (see run.c).
 *
 * Context: process context.
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include <asm/mtrr.h>
#include <asm/vmx.h>

#include "caps.h"
#include "ept.h"
#include "mitigation.h"
#include "vmx_ops.h"

#define VTX_EPT_LEVELS		4
#define VTX_EPT_ENTRIES		512
#define VTX_EPT_ADDR_MASK	GENMASK_ULL(51, 12)
#define VTX_EPT_LEAF_FLAGS	(VMX_EPT_RWX_MASK | VMX_EPT_IPAT_BIT | \
				 (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT))
/* Bit 7 of a level-1 entry: it maps a 2 MiB page rather than a table. */
#define VTX_EPT_LARGE		BIT_ULL(7)

/* Live 2 MiB leaves and tables, and splits, over all VMs: debugfs "ept". */
atomic_long_t vtx_ept_large_leaves = ATOMIC_LONG_INIT(0);
atomic_long_t vtx_ept_tables = ATOMIC_LONG_INIT(0);
atomic_long_t vtx_ept_splits = ATOMIC_LONG_INIT(0);

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
	atomic_long_inc(&vtx_ept_tables);
	ept->eptp = page_to_phys(ept->root) | VMX_EPTP_PWL_4 | VMX_EPTP_MT_WB;
	return 0;
}

static void vtx_ept_free_table(u64 *table, int level)
{
	unsigned int i;

	if (level > 0) {
		for (i = 0; i < VTX_EPT_ENTRIES; i++) {
			if (!(table[i] & VMX_EPT_RWX_MASK))
				continue;
			/* A 2 MiB leaf maps a slot's page, not a table. */
			if (level == 1 && (table[i] & VTX_EPT_LARGE)) {
				atomic_long_dec(&vtx_ept_large_leaves);
				continue;
			}
			vtx_ept_free_table(vtx_ept_table(table[i]), level - 1);
		}
	}
	free_page((unsigned long)table);
	atomic_long_dec(&vtx_ept_tables);
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

/*
 * The entry for @gpa at @stop (0: the 4 KiB leaf; 1: the entry of its
 * 2 MiB range), allocating tables on the way when @alloc. NULL when a
 * table is missing (and not @alloc, or out of memory), or when a 2 MiB
 * leaf lies on the way to a 4 KiB one.
 */
static u64 *vtx_ept_walk(struct vtx_ept *ept, u64 gpa, int stop, bool alloc)
{
	u64 *table = page_address(ept->root);
	int level;

	for (level = VTX_EPT_LEVELS - 1; level > stop; level--) {
		u64 *entry = &table[vtx_ept_index(gpa, level)];
		u64 e = READ_ONCE(*entry);

		if (!(e & VMX_EPT_RWX_MASK)) {
			struct page *page;

			if (!alloc)
				return NULL;
			page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!page)
				return NULL;
			atomic_long_inc(&vtx_ept_tables);
			e = page_to_phys(page) | VMX_EPT_RWX_MASK;
			/* Zeroed before this single store publishes it. */
			WRITE_ONCE(*entry, e);
		} else if (level == 1 && (e & VTX_EPT_LARGE)) {
			return NULL;
		}
		table = vtx_ept_table(e);
	}
	return &table[vtx_ept_index(gpa, stop)];
}

/* Guest pages from @gpa to the end of its 2 MiB range, at most @left. */
static unsigned long vtx_ept_run(u64 gpa, unsigned long left)
{
	return min_t(unsigned long, left,
		     VTX_EPT_ENTRIES - vtx_ept_index(gpa, 0));
}

/* Can one 2 MiB leaf map these 512 pages? */
static bool vtx_ept_large_ok(struct page **pages)
{
	u64 base = page_to_phys(pages[0]);
	unsigned int i;

	if (!(vtx_host_caps.ept_vpid & VMX_EPT_2MB_PAGE_BIT) ||
	    !IS_ALIGNED(base, SZ_2M))
		return false;
	for (i = 1; i < VTX_EPT_ENTRIES; i++)
		if (page_to_phys(pages[i]) != base + ((u64)i << PAGE_SHIFT))
			return false;
	return true;
}

/**
 * vtx_ept_map_range() - map @n guest pages from @gpa to @pages
 * @ept: the EPT
 * @gpa: page-aligned guest-physical address
 * @pages: the pinned host pages, @n of them
 * @n: the number of pages
 *
 * One walk per 2 MiB range; a 2 MiB leaf where the file comment allows.
 * On failure part of the range may be mapped: the caller unmaps it all.
 *
 * Return: 0; -ENOMEM; -EEXIST if a 2 MiB leaf is in the way.
 */
int vtx_ept_map_range(struct vtx_ept *ept, u64 gpa, struct page **pages,
		      unsigned long n)
{
	unsigned long i, j, run;
	u64 *entry;

	for (i = 0; i < n; i += run) {
		u64 g = gpa + ((u64)i << PAGE_SHIFT);

		run = vtx_ept_run(g, n - i);
		if (run == VTX_EPT_ENTRIES && vtx_ept_large_ok(pages + i)) {
			entry = vtx_ept_walk(ept, g, 1, true);
			if (!entry)
				return -ENOMEM;
			if (!READ_ONCE(*entry)) {
				u64 flags = VTX_EPT_LEAF_FLAGS | VTX_EPT_LARGE;

				if (vtx_mitigations.nx_huge_pages)
					flags &= ~VMX_EPT_EXECUTABLE_MASK;
				WRITE_ONCE(*entry, page_to_phys(pages[i]) | flags);
				atomic_long_inc(&vtx_ept_large_leaves);
				continue;
			}
		}
		entry = vtx_ept_walk(ept, g, 0, true);
		if (!entry) {
			/* Slots do not overlap: a 2 MiB leaf here is a bug. */
			entry = vtx_ept_walk(ept, g, 1, false);
			return entry && (READ_ONCE(*entry) & VTX_EPT_LARGE) ?
			       -EEXIST : -ENOMEM;
		}
		for (j = 0; j < run; j++)
			WRITE_ONCE(entry[j], page_to_phys(pages[i + j]) |
					     VTX_EPT_LEAF_FLAGS);
	}
	return 0;
}

/**
 * vtx_ept_unmap_range() - remove the mappings of @n pages from @gpa
 * @ept: the EPT
 * @gpa: page-aligned guest-physical address
 * @n: the number of pages
 *
 * A 2 MiB leaf goes whole: one is only made inside a single slot, which
 * is only ever unmapped whole. The caller flushes before it unpins (see
 * the file comment).
 */
void vtx_ept_unmap_range(struct vtx_ept *ept, u64 gpa, unsigned long n)
{
	unsigned long i, j, run;
	u64 *entry, e;

	for (i = 0; i < n; i += run) {
		u64 g = gpa + ((u64)i << PAGE_SHIFT);

		run = vtx_ept_run(g, n - i);
		entry = vtx_ept_walk(ept, g, 1, false);
		if (!entry)
			continue;
		e = READ_ONCE(*entry);
		if (e & VTX_EPT_LARGE) {
			WARN_ON_ONCE(run != VTX_EPT_ENTRIES);
			WRITE_ONCE(*entry, 0);
			atomic_long_dec(&vtx_ept_large_leaves);
		} else if (e & VMX_EPT_RWX_MASK) {
			entry = vtx_ept_table(e) + vtx_ept_index(g, 0);
			for (j = 0; j < run; j++)
				WRITE_ONCE(entry[j], 0);
		}
	}
}

/**
 * vtx_ept_split_large() - map the 2 MiB leaf at @gpa with 4 KiB leaves
 * @ept: the EPT
 * @gpa: a guest-physical address inside the leaf
 *
 * The new table maps the same 512 pages, readable, writable and
 * executable; it is filled before the single store that replaces the
 * leaf. The caller, under the slots lock, flushes every vCPU's
 * translations afterwards.
 *
 * Return: 0, also when no 2 MiB leaf is there (already split); -ENOMEM.
 */
int vtx_ept_split_large(struct vtx_ept *ept, u64 gpa)
{
	u64 *entry = vtx_ept_walk(ept, gpa, 1, false);
	struct page *page;
	u64 *table, base;
	unsigned int i;

	if (!entry || !(READ_ONCE(*entry) & VTX_EPT_LARGE))
		return 0;
	page = alloc_page(GFP_KERNEL_ACCOUNT);
	if (!page)
		return -ENOMEM;
	table = page_address(page);
	base = READ_ONCE(*entry) & VTX_EPT_ADDR_MASK & ~(u64)(SZ_2M - 1);
	for (i = 0; i < VTX_EPT_ENTRIES; i++)
		table[i] = (base + ((u64)i << PAGE_SHIFT)) | VTX_EPT_LEAF_FLAGS;
	atomic_long_inc(&vtx_ept_tables);
	WRITE_ONCE(*entry, page_to_phys(page) | VMX_EPT_RWX_MASK);
	atomic_long_dec(&vtx_ept_large_leaves);
	atomic_long_inc(&vtx_ept_splits);
	return 0;
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
