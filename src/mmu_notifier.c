// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's MMU notifier: guest memory follows the VMM's mappings. When the
 * VMM (or the kernel on its behalf: reclaim, swap, migration, THP splits,
 * KSM, writeback) changes a mapping of its memory, the core calls
 * invalidate_range_start() while the old pages are still mapped and
 * referenced, changes the page tables, then calls invalidate_range_end().
 *
 * The protocol, with the fault path in ept_fault.c (as KVM's
 * mmu_invalidate_seq):
 * - start: under the mmu_lock, count the invalidation in progress, widen
 *   the in-progress user range, and zap the EPT entries of every slot
 *   page in the range; drop the lock, then flush every vCPU (bump the EPT
 *   generation and interrupt every CPU: vtx_vm_flush_ept()) before
 *   returning, so no CPU can still reach an old page once the core frees
 *   or changes it. Tables left empty are freed after the flush.
 * - end: under the mmu_lock, bump the sequence count and uncount the
 *   invalidation.
 * - a fault samples the sequence count under the mmu_lock, looks the
 *   page up without it, and maps it under the lock only if the count is
 *   unchanged and no invalidation in progress covers the address.
 *   Otherwise it drops the page and lets the guest fault again.
 * Hence no EPT entry survives an invalidation: an entry made before the
 * start is zapped by it; one made after the start is refused until the
 * end, and a fault that looked the page up before the end sees the count
 * moved.
 *
 * Context: the callbacks run in process context, from any task that
 * changes the VMM's mm (not only the VMM's threads), and possibly where
 * they must not sleep (mmu_notifier_range_blockable() false, as for the
 * OOM reaper): they only take the mmu_lock (a spinlock), send IPIs and
 * wait for them, and free pages, none of which sleeps.
 */
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include "ept.h"
#include "memslot.h"
#include "vm.h"

static struct vtx_vm *vtx_mmu_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct vtx_vm, mmu_notifier);
}

/**
 * vtx_mmu_zap_gpa() - zap the guest-physical range [@from, @to)
 * @vm: the VM; its mmu_lock is held
 * @from: page-aligned start
 * @to: page-aligned end
 * @freed: where the tables left empty go
 * @blockable: the caller may sleep: between 1 GiB chunks, give the CPU
 *	(and the lock) up when asked, so that zapping a large guest cannot
 *	stall the host. Dropping the lock there is safe: the caller made
 *	every fault that could map into the range retry first (an
 *	invalidation in progress, or a sequence count already moved).
 *
 * Return: whether anything was unmapped: the caller must flush.
 */
bool vtx_mmu_zap_gpa(struct vtx_vm *vm, u64 from, u64 to,
		     struct list_head *freed, bool blockable)
{
	bool flush = false;
	u64 next;

	for (; from < to; from = next) {
		next = min(round_down(from, SZ_1G) + SZ_1G, to);
		if (next <= from)
			next = to;
		flush |= vtx_ept_zap(&vm->ept, from, next, freed);
		if (blockable)
			cond_resched_lock(&vm->mmu_lock);
	}
	return flush;
}

/* Zap the pages of @slot that [@start, @end) of user memory maps. */
static bool vtx_mmu_zap_hva(struct vtx_vm *vm, const struct vtx_memslot *slot,
			    unsigned long start, unsigned long end,
			    struct list_head *freed, bool blockable)
{
	u64 s_end = slot->uaddr + ((u64)slot->npages << PAGE_SHIFT);
	u64 from = max_t(u64, start, slot->uaddr);
	u64 to = min_t(u64, end, s_end);

	if (!slot->npages || from >= to)
		return false;
	from = slot->gpa + (round_down(from, PAGE_SIZE) - slot->uaddr);
	to = slot->gpa + (round_up(to, PAGE_SIZE) - slot->uaddr);
	return vtx_mmu_zap_gpa(vm, from, to, freed, blockable);
}

/*
 * Zap what every slot maps of [@start, @end), under the mmu_lock. Each
 * slot is copied before its range is zapped, since a slot may change
 * where vtx_mmu_zap_gpa() drops the lock; a slot made meanwhile needs no
 * zap: no fault maps from [@start, @end) while the invalidation is in
 * progress.
 */
static bool vtx_mmu_zap_range(struct vtx_vm *vm, unsigned long start,
			      unsigned long end, struct list_head *freed,
			      bool blockable)
{
	struct vtx_memslot slot;
	bool flush = false;
	unsigned int i;

	for (i = 0; i < VTX_NR_MEMSLOTS; i++) {
		slot = vm->slots[i];
		flush |= vtx_mmu_zap_hva(vm, &slot, start, end, freed,
					 blockable);
	}
	return flush;
}

static int vtx_mmu_invalidate_range_start(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	struct vtx_vm *vm = vtx_mmu_vm(mn);
	LIST_HEAD(freed);
	bool flush;

	spin_lock(&vm->mmu_lock);
	if (!vm->mmu_in_progress++) {
		vm->mmu_range_start = range->start;
		vm->mmu_range_end = range->end;
	} else {
		vm->mmu_range_start = min(vm->mmu_range_start, range->start);
		vm->mmu_range_end = max(vm->mmu_range_end, range->end);
	}
	flush = vtx_mmu_zap_range(vm, range->start, range->end, &freed,
				  mmu_notifier_range_blockable(range));
	spin_unlock(&vm->mmu_lock);
	if (flush)
		vtx_vm_flush_ept(vm);
	vtx_ept_free_tables(&freed);
	return 0;
}

static void vtx_mmu_invalidate_range_end(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct vtx_vm *vm = vtx_mmu_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	if (!WARN_ON_ONCE(!vm->mmu_in_progress))
		vm->mmu_in_progress--;
	spin_unlock(&vm->mmu_lock);
}

/*
 * The mm is going away (the VMM exited, or the VM is being freed): no
 * page of it may stay mapped.
 */
static void vtx_mmu_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct vtx_vm *vm = vtx_mmu_vm(mn);
	LIST_HEAD(freed);
	bool flush;

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	flush = vtx_mmu_zap_range(vm, 0, ULONG_MAX, &freed, true);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		vtx_vm_flush_ept(vm);
	vtx_ept_free_tables(&freed);
}

static const struct mmu_notifier_ops vtx_mmu_notifier_ops = {
	.invalidate_range_start = vtx_mmu_invalidate_range_start,
	.invalidate_range_end = vtx_mmu_invalidate_range_end,
	.release = vtx_mmu_release,
};

/**
 * vtx_mmu_notifier_register() - follow the creating process's mm
 * @vm: the VM, being created by current
 *
 * Context: process context; takes the mmap lock.
 * Return: 0 or -errno.
 */
int vtx_mmu_notifier_register(struct vtx_vm *vm)
{
	vm->mmu_notifier.ops = &vtx_mmu_notifier_ops;
	return mmu_notifier_register(&vm->mmu_notifier, current->mm);
}

/**
 * vtx_mmu_notifier_unregister() - stop following the VM's mm
 * @vm: the VM, being freed
 *
 * Runs the release callback if the mm has not, and waits for every
 * callback in flight: none runs on @vm once this returns. The core sets
 * the notifier's mm only once registration succeeded.
 */
void vtx_mmu_notifier_unregister(struct vtx_vm *vm)
{
	if (vm->mmu_notifier.mm)
		mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}
