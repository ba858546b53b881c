// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of the EPT fault path, over plain values: what a violation
 * asks for, when a fault must retry because the VMM's mapping changed
 * under it, and what leaf it may install. Pure: KUnit tests it.
 *
 * Context: any.
 */
#include <linux/mm.h>
#include <linux/sizes.h>

#include "ept.h"
#include "ept_fault.h"

#define VTX_EPT_MAPS_RWX	(VTX_EPT_MAPS_READ | VTX_EPT_MAPS_WRITE | \
				 VTX_EPT_MAPS_EXEC)

/**
 * vtx_fault_action() - what an EPT violation asks for
 * @access: the access that faulted, VTX_EPT_MAPS_READ/WRITE/EXEC bits
 * @maps: how the page is mapped now (vtx_ept_lookup()), 0 if it is not
 * @readonly: the slot is KVM_MEM_READONLY
 *
 * A write to a read-only slot goes to user space whatever is mapped. An
 * access the mapping already allows raced with another vCPU's fault: the
 * guest only has to retry. A fetch from a 2 MiB leaf without execute
 * rights (nx_huge_pages) splits it. Anything else looks the host page up
 * again: a page that is not mapped, or a write to one mapped read-only
 * (the host page was read-only, or the shared zero page, when mapped).
 *
 * Return: the action.
 */
enum vtx_fault_action vtx_fault_action(unsigned int access,
				       unsigned int maps, bool readonly)
{
	if (readonly && (access & VTX_EPT_MAPS_WRITE))
		return VTX_FAULT_EXIT;
	if (maps && !(access & ~maps & VTX_EPT_MAPS_RWX))
		return VTX_FAULT_SPURIOUS;
	if ((access & VTX_EPT_MAPS_EXEC) && (maps & VTX_EPT_MAPS_LARGE) &&
	    !(maps & VTX_EPT_MAPS_EXEC))
		return VTX_FAULT_SPLIT;
	return VTX_FAULT_MAP;
}

/**
 * vtx_fault_must_retry() - may a page looked up at @seq be mapped now?
 * @seq: the VM's sequence count when the fault looked up its slot
 * @seq_now: the count now, under the mmu_lock
 * @in_progress: invalidations started and not ended
 * @start: the user range they cover
 * @end: its end (exclusive)
 * @hva: the user address the page was looked up at
 *
 * Return: true when an invalidation ended since @seq (the page may be
 * stale), or one in progress covers @hva (its zap may have run already).
 */
bool vtx_fault_must_retry(unsigned long seq, unsigned long seq_now,
			  unsigned long in_progress, unsigned long start,
			  unsigned long end, unsigned long hva)
{
	if (in_progress && hva >= start && hva < end)
		return true;
	return seq != seq_now;
}

/**
 * vtx_fault_large_ok() - may this fault map a whole 2 MiB range?
 * @gpa: the faulting guest-physical address
 * @hva: the user address of its page
 * @slot_gpa: the slot's first guest-physical address
 * @slot_npages: the slot's size in pages
 * @host_huge: the host maps @hva with a huge page (a PMD or PUD leaf)
 * @access: the access that faulted
 * @nx_huge: 2 MiB leaves may not be executable (iTLB multihit)
 *
 * Only if the guest and user addresses sit at the same offset in their
 * 2 MiB ranges (so the range is one host huge page), the slot covers the
 * whole guest range, and, under @nx_huge, the fault is not a fetch (it
 * would only split the leaf again).
 *
 * Return: whether a 2 MiB leaf may map the range.
 */
bool vtx_fault_large_ok(u64 gpa, u64 hva, u64 slot_gpa, u64 slot_npages,
			bool host_huge, unsigned int access, bool nx_huge)
{
	u64 base = round_down(gpa, SZ_2M);
	u64 slot_end = slot_gpa + (slot_npages << PAGE_SHIFT);

	if (!host_huge || (nx_huge && (access & VTX_EPT_MAPS_EXEC)))
		return false;
	if ((gpa ^ hva) & (SZ_2M - 1) & PAGE_MASK)
		return false;
	return base >= slot_gpa && base + SZ_2M <= slot_end &&
	       base + SZ_2M > base;
}

/**
 * vtx_fault_maps() - the rights of the leaf a fault installs
 * @writable: the host page was looked up writable
 * @large: a 2 MiB leaf
 * @nx_huge: 2 MiB leaves may not be executable
 *
 * Return: VTX_EPT_MAPS_* bits: always readable, executable except for a
 * 2 MiB leaf under @nx_huge, writable only as the host page is.
 */
unsigned int vtx_fault_maps(bool writable, bool large, bool nx_huge)
{
	unsigned int maps = VTX_EPT_MAPS_READ;

	if (writable)
		maps |= VTX_EPT_MAPS_WRITE;
	if (large)
		maps |= VTX_EPT_MAPS_LARGE;
	if (!large || !nx_huge)
		maps |= VTX_EPT_MAPS_EXEC;
	return maps;
}
