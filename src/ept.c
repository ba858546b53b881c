// SPDX-License-Identifier: GPL-2.0
/*
 * EPT tables. Each VM has a 4-level table. It starts empty: the fault
 * path (ept_fault.c) maps one guest page per EPT violation, with a 4 KiB
 * leaf, or with a 2 MiB leaf where the host maps the memory with a huge
 * page, and the VM's MMU notifier zaps entries when the host mapping
 * changes. Leaves are write-back with "ignore PAT" set, so that the guest
 * cannot make host memory uncacheable; they are readable and executable,
 * and writable only where the host mapping was writable when the page was
 * looked up. On a CPU with the iTLB multihit bug (nx_huge_pages,
 * mitigation.c) a 2 MiB leaf is not executable: the guest's first
 * instruction fetch from it exits, and vtx_ept_split_large() replaces it
 * by a table of 512 executable 4 KiB leaves to the same pages, so that no
 * executable 2 MiB translation ever exists.
 *
 * Every change happens under the VM's mmu_lock, and nothing here sleeps
 * or allocates: table pages come from a cache the caller filled before
 * taking the lock. The CPU may walk the tables at any time from guest
 * mode, so a new table is zeroed (or filled) before the single store that
 * links it, and entries are written with single stores. A zap that
 * changed anything (vtx_ept_zap() returns true) is followed, by the
 * caller, by the VM's flush (vtx_vm_flush_ept()) before the host may
 * reuse the pages it mapped; the tables it unlinked are freed only after
 * that flush, since a CPU may still cache entries that point into them.
 *
 * Context: any, under the VM's mmu_lock (a spinlock).
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
#define VTX_EPT_MEMTYPE		(VMX_EPT_IPAT_BIT | \
				 (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT))
/* Bit 7 of a level-1 entry: it maps a 2 MiB page rather than a table. */
#define VTX_EPT_LARGE		BIT_ULL(7)

/* Over all VMs, for debugfs "ept": live tables and leaves, and events. */
atomic_long_t vtx_ept_large_leaves = ATOMIC_LONG_INIT(0);
atomic_long_t vtx_ept_leaves = ATOMIC_LONG_INIT(0);
atomic_long_t vtx_ept_tables = ATOMIC_LONG_INIT(0);
atomic_long_t vtx_ept_splits = ATOMIC_LONG_INIT(0);
atomic_long_t vtx_ept_faults = ATOMIC_LONG_INIT(0);

static u64 *vtx_ept_table(u64 entry)
{
	return phys_to_virt(entry & VTX_EPT_ADDR_MASK);
}

static unsigned int vtx_ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * level)) & (VTX_EPT_ENTRIES - 1);
}

/* Bytes of guest-physical space one entry of a @level table covers. */
static u64 vtx_ept_span(int level)
{
	return 1ULL << (12 + 9 * level);
}

static bool vtx_ept_present(u64 e)
{
	return e & VMX_EPT_RWX_MASK;
}

static bool vtx_ept_leaf(u64 e, int level)
{
	return level == 0 || (level == 1 && (e & VTX_EPT_LARGE));
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

static void vtx_ept_drop_leaf(int level)
{
	if (level)
		atomic_long_dec(&vtx_ept_large_leaves);
	else
		atomic_long_dec(&vtx_ept_leaves);
}

static void vtx_ept_free_table(u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < VTX_EPT_ENTRIES; i++) {
		if (!vtx_ept_present(table[i]))
			continue;
		if (vtx_ept_leaf(table[i], level))
			vtx_ept_drop_leaf(level);
		else
			vtx_ept_free_table(vtx_ept_table(table[i]), level - 1);
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

/**
 * vtx_ept_cache_fill() - have VTX_EPT_CACHE_PAGES zeroed pages ready
 * @cache: the cache
 *
 * Context: process context, no lock held.
 * Return: 0 or -ENOMEM.
 */
int vtx_ept_cache_fill(struct vtx_ept_cache *cache)
{
	while (cache->n < VTX_EPT_CACHE_PAGES) {
		void *p = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		cache->pages[cache->n++] = p;
	}
	return 0;
}

void vtx_ept_cache_free(struct vtx_ept_cache *cache)
{
	while (cache->n)
		free_page((unsigned long)cache->pages[--cache->n]);
}

/* A zeroed page from @cache, now an EPT table; NULL if it is empty. */
static u64 *vtx_ept_cache_take(struct vtx_ept_cache *cache)
{
	if (WARN_ON_ONCE(!cache->n))
		return NULL;
	atomic_long_inc(&vtx_ept_tables);
	return cache->pages[--cache->n];
}

/*
 * The entry for @gpa in the level-@stop table (0: the 4 KiB leaf; 1: the
 * entry of its 2 MiB range). Missing tables are linked from @cache, or,
 * without one, make it return NULL; so does a 2 MiB leaf above @stop.
 */
static u64 *vtx_ept_walk(struct vtx_ept *ept, u64 gpa, int stop,
			 struct vtx_ept_cache *cache)
{
	u64 *table = page_address(ept->root);
	int level;

	for (level = VTX_EPT_LEVELS - 1; level > stop; level--) {
		u64 *entry = &table[vtx_ept_index(gpa, level)];
		u64 e = READ_ONCE(*entry);

		if (!vtx_ept_present(e)) {
			u64 *new = cache ? vtx_ept_cache_take(cache) : NULL;

			if (!new)
				return NULL;
			e = virt_to_phys(new) | VMX_EPT_RWX_MASK;
			/* Zeroed before this single store publishes it. */
			WRITE_ONCE(*entry, e);
		} else if (vtx_ept_leaf(e, level)) {
			return NULL;
		}
		table = vtx_ept_table(e);
	}
	return &table[vtx_ept_index(gpa, stop)];
}

/**
 * vtx_ept_lookup() - how @gpa is mapped
 * @ept: the EPT
 * @gpa: a guest-physical address
 *
 * Return: 0 when unmapped, else VTX_EPT_MAPS_* bits.
 */
unsigned int vtx_ept_lookup(struct vtx_ept *ept, u64 gpa)
{
	u64 *table = page_address(ept->root);
	unsigned int maps = 0;
	int level;
	u64 e;

	for (level = VTX_EPT_LEVELS - 1; ; level--) {
		e = READ_ONCE(table[vtx_ept_index(gpa, level)]);
		if (!vtx_ept_present(e))
			return 0;
		if (vtx_ept_leaf(e, level))
			break;
		table = vtx_ept_table(e);
	}
	if (e & VMX_EPT_READABLE_MASK)
		maps |= VTX_EPT_MAPS_READ;
	if (e & VMX_EPT_WRITABLE_MASK)
		maps |= VTX_EPT_MAPS_WRITE;
	if (e & VMX_EPT_EXECUTABLE_MASK)
		maps |= VTX_EPT_MAPS_EXEC;
	if (level)
		maps |= VTX_EPT_MAPS_LARGE;
	return maps;
}

/**
 * vtx_ept_can_map_large() - is the 2 MiB range of @gpa free for one leaf?
 * @ept: the EPT
 * @gpa: a guest-physical address
 *
 * Only an empty level-1 entry takes a 2 MiB leaf: a table already there
 * (some of the range mapped with 4 KiB leaves) stays.
 *
 * Return: whether the CPU has 2 MiB EPT pages and the entry is empty.
 */
bool vtx_ept_can_map_large(struct vtx_ept *ept, u64 gpa)
{
	u64 *entry;

	if (!(vtx_host_caps.ept_vpid & VMX_EPT_2MB_PAGE_BIT))
		return false;
	entry = vtx_ept_walk(ept, gpa, 1, NULL);
	/* A table is missing on the way: the walk that maps links it. */
	if (!entry)
		return true;
	return !vtx_ept_present(READ_ONCE(*entry));
}

static u64 vtx_ept_leaf_bits(unsigned int maps)
{
	u64 e = VTX_EPT_MEMTYPE | VMX_EPT_READABLE_MASK;

	if (maps & VTX_EPT_MAPS_WRITE)
		e |= VMX_EPT_WRITABLE_MASK;
	if (maps & VTX_EPT_MAPS_EXEC)
		e |= VMX_EPT_EXECUTABLE_MASK;
	return e;
}

/**
 * vtx_ept_map() - map one guest page, or one 2 MiB range
 * @ept: the EPT
 * @gpa: the guest-physical address; 2 MiB-aligned with VTX_EPT_MAPS_LARGE
 * @pfn: the host frame (the first of 512 with VTX_EPT_MAPS_LARGE)
 * @maps: VTX_EPT_MAPS_* bits; the leaf is always readable
 * @cache: the pages for missing tables
 *
 * A 2 MiB leaf goes only where vtx_ept_can_map_large() said so, under the
 * same hold of the mmu_lock. A 4 KiB leaf replaces the entry there: with
 * more rights to the same page the CPU needs no flush (an EPT violation
 * drops the translation that caused it), otherwise the caller must flush.
 *
 * Return: whether the caller must flush (an entry to another page, or
 * with fewer rights, was replaced).
 */
bool vtx_ept_map(struct vtx_ept *ept, u64 gpa, u64 pfn, unsigned int maps,
		 struct vtx_ept_cache *cache)
{
	u64 new = ((pfn << PAGE_SHIFT) & VTX_EPT_ADDR_MASK) |
		  vtx_ept_leaf_bits(maps);
	u64 *entry, old;

	if (maps & VTX_EPT_MAPS_LARGE) {
		entry = vtx_ept_walk(ept, gpa, 1, cache);
		if (WARN_ON_ONCE(!entry || vtx_ept_present(READ_ONCE(*entry))))
			return false;
		WRITE_ONCE(*entry, new | VTX_EPT_LARGE);
		atomic_long_inc(&vtx_ept_large_leaves);
		return false;
	}
	entry = vtx_ept_walk(ept, gpa, 0, cache);
	if (WARN_ON_ONCE(!entry))
		return false;
	old = READ_ONCE(*entry);
	WRITE_ONCE(*entry, new);
	if (!vtx_ept_present(old)) {
		atomic_long_inc(&vtx_ept_leaves);
		return false;
	}
	return (old & VTX_EPT_ADDR_MASK) != (new & VTX_EPT_ADDR_MASK) ||
	       (old & ~new & VMX_EPT_RWX_MASK);
}

static bool vtx_ept_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < VTX_EPT_ENTRIES; i++)
		if (vtx_ept_present(READ_ONCE(table[i])))
			return false;
	return true;
}

/*
 * Zap [@start, @end) in the level-@level @table, which maps from @base.
 * A 2 MiB leaf the range touches goes whole. A table the zap leaves empty
 * is unlinked and put on @freed.
 */
static bool vtx_ept_zap_table(u64 *table, int level, u64 base, u64 start,
			      u64 end, struct list_head *freed)
{
	u64 span = vtx_ept_span(level);
	unsigned int i = vtx_ept_index(start, level);
	u64 at = base + i * span;
	bool changed = false;

	for (; i < VTX_EPT_ENTRIES && at < end; i++, at += span) {
		u64 e = READ_ONCE(table[i]);
		u64 *child;

		if (!vtx_ept_present(e))
			continue;
		if (vtx_ept_leaf(e, level)) {
			WRITE_ONCE(table[i], 0);
			vtx_ept_drop_leaf(level);
			changed = true;
			continue;
		}
		child = vtx_ept_table(e);
		if (!vtx_ept_zap_table(child, level - 1, at, max(start, at),
				       min(end, at + span), freed))
			continue;
		changed = true;
		if (vtx_ept_table_empty(child)) {
			WRITE_ONCE(table[i], 0);
			list_add(&virt_to_page(child)->lru, freed);
		}
	}
	return changed;
}

/**
 * vtx_ept_zap() - unmap the guest-physical range [@gpa, @end)
 * @ept: the EPT
 * @gpa: page-aligned start
 * @end: page-aligned end
 * @freed: where the tables left empty go, to vtx_ept_free_tables()
 *	once the caller has flushed
 *
 * Return: whether anything was unmapped: the caller must flush.
 */
bool vtx_ept_zap(struct vtx_ept *ept, u64 gpa, u64 end,
		 struct list_head *freed)
{
	if (gpa >= end)
		return false;
	return vtx_ept_zap_table(page_address(ept->root), VTX_EPT_LEVELS - 1,
				 0, gpa, end, freed);
}

/**
 * vtx_ept_free_tables() - free the tables vtx_ept_zap() unlinked
 * @freed: the list; the VM has been flushed since they were unlinked
 */
void vtx_ept_free_tables(struct list_head *freed)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, freed, lru) {
		list_del(&page->lru);
		__free_page(page);
		atomic_long_dec(&vtx_ept_tables);
	}
}

/**
 * vtx_ept_split_large() - map the 2 MiB leaf at @gpa with 4 KiB leaves
 * @ept: the EPT
 * @gpa: a guest-physical address inside the leaf
 * @cache: where the new table comes from
 *
 * The new table maps the same 512 pages with the same rights, and
 * executable; it is filled before the single store that replaces the
 * leaf. The caller flushes every vCPU's translations afterwards.
 *
 * Return: whether a leaf was split (none is there when it already was).
 */
bool vtx_ept_split_large(struct vtx_ept *ept, u64 gpa,
			 struct vtx_ept_cache *cache)
{
	u64 *entry = vtx_ept_walk(ept, gpa, 1, NULL);
	u64 *table, e, bits;
	unsigned int i;

	if (!entry)
		return false;
	e = READ_ONCE(*entry);
	if (!vtx_ept_present(e) || !(e & VTX_EPT_LARGE))
		return false;
	table = vtx_ept_cache_take(cache);
	if (!table)
		return false;
	bits = (e & ~VTX_EPT_ADDR_MASK & ~VTX_EPT_LARGE) |
	       VMX_EPT_EXECUTABLE_MASK;
	for (i = 0; i < VTX_EPT_ENTRIES; i++)
		table[i] = ((e & VTX_EPT_ADDR_MASK) + ((u64)i << PAGE_SHIFT)) |
			   bits;
	WRITE_ONCE(*entry, virt_to_phys(table) | VMX_EPT_RWX_MASK);
	atomic_long_dec(&vtx_ept_large_leaves);
	atomic_long_add(VTX_EPT_ENTRIES, &vtx_ept_leaves);
	atomic_long_inc(&vtx_ept_splits);
	return true;
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
