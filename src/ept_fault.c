// SPDX-License-Identifier: GPL-2.0
/*
 * The EPT fault path. A slot's EPT starts empty; the guest's first access
 * to a page takes an EPT violation, and the run loop, preemptible and
 * outside the interrupts-off entry path, calls vtx_ept_fault():
 * - under the mmu_lock: sample the sequence count, find the slot, see
 *   what is mapped (ept_fault_check.c decides: map, retry, split, exit);
 * - without it: look the page up in the VMM's mm, as the VMM's own access
 *   would (get_user_pages: it faults the page in, breaks COW for a write,
 *   charges the VMM's memcg), holding a plain reference, not a pin;
 * - under the mmu_lock again: map it unless an invalidation moved the
 *   sequence count or covers the address (mmu_notifier.c), then drop the
 *   reference: from now on the MMU notifier, not a pin, keeps the host
 *   from reusing the page while the EPT maps it.
 * The leaf is writable only when the host page was looked up writable,
 * and a 2 MiB leaf is used where the host maps the range with a huge
 * page. A retry just re-enters the guest, which faults again: KVM_RUN
 * stays bounded by the run loop's signal check.
 *
 * Context: process context, the vCPU's thread, preemptible; current->mm
 * is the VM's mm (vm.c refuses other callers).
 */
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#include <asm/vmx.h>

#include <uapi/linux/vtx.h>

#include "ept.h"
#include "ept_fault.h"
#include "mitigation.h"
#include "mmio.h"
#include "vcpu.h"
#include "vm.h"

static u64 vtx_ept_fault_flags(unsigned int access)
{
	u64 flags = 0;

	if (access & VTX_EPT_MAPS_READ)
		flags |= VTX_MEMORY_FAULT_READ;
	if (access & VTX_EPT_MAPS_WRITE)
		flags |= VTX_MEMORY_FAULT_WRITE;
	if (access & VTX_EPT_MAPS_EXEC)
		flags |= VTX_MEMORY_FAULT_EXEC;
	return flags;
}

/* KVM_EXIT_MEMORY_FAULT for @size bytes at @gpa. */
static void vtx_ept_fault_report(struct vtx_vcpu *vcpu, u64 gpa, u64 size,
				 unsigned int access)
{
	struct vtx_memory_fault *fault = (void *)&vcpu->run->mmio;

	vcpu->run->exit_reason = KVM_EXIT_MEMORY_FAULT;
	fault->flags = vtx_ept_fault_flags(access);
	fault->gpa = gpa;
	fault->size = size;
}

/*
 * An access outside every slot, or a write to a read-only slot: vtx does
 * not emulate MMIO, so KVM_RUN returns with KVM_EXIT_MEMORY_FAULT and the
 * exact address, size 0 (not decoded). Returns 0, to go to user space.
 */
static int vtx_ept_fault_exit(struct vtx_vcpu *vcpu, u64 gpa, unsigned int access)
{
	vtx_ept_fault_report(vcpu, gpa, 0, access);
	return 0;
}

/*
 * Does the host map @hva with a huge page? Walked as GUP-fast does, with
 * interrupts off so that the tables cannot be freed under the walk. The
 * answer is only good while the sequence count holds (the caller checks
 * it under the same hold of the mmu_lock).
 */
static bool vtx_ept_fault_host_huge(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud))
		goto out;
	if (pud_large(pud)) {
		huge = true;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	huge = pmd_present(pmd) && pmd_large(pmd);
out:
	local_irq_restore(flags);
	return huge;
}

/*
 * The host page at @hva with a reference, as the VMM's own access would
 * find it: writable for a write, and writable too for a read where that
 * comes for free (so that a later write does not fault again).
 */
static int vtx_ept_fault_get_page(unsigned long hva, bool write,
				  bool may_write, struct page **page,
				  bool *writable)
{
	struct page *wpage;
	long n;

	*writable = false;
	if (may_write && get_user_page_fast_only(hva, FOLL_WRITE, page)) {
		*writable = true;
		return 0;
	}
	n = get_user_pages_unlocked(hva, 1, page, FOLL_HWPOISON |
				    (write ? FOLL_WRITE : 0));
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	*writable = write;
	if (!write && may_write &&
	    get_user_page_fast_only(hva, FOLL_WRITE, &wpage)) {
		put_page(*page);
		*page = wpage;
		*writable = true;
	}
	return 0;
}

/*
 * An access outside guest RAM: no slot, or a write to a read-only one.
 * An instruction's reads and writes are MMIO, as in KVM; a fetch, and
 * an access the CPU made for itself (a page walk, event delivery),
 * cannot be emulated and exit with KVM_EXIT_MEMORY_FAULT.
 */
static int vtx_ept_fault_outside(struct vtx_vcpu *vcpu, u64 gpa,
				 unsigned int access)
{
	if ((access & VTX_EPT_MAPS_EXEC) || !vcpu->fault_insn)
		return vtx_ept_fault_exit(vcpu, gpa, access);
	return vtx_mmio_fault(vcpu, gpa, access & VTX_EPT_MAPS_WRITE);
}

/* The page could not be had: KVM_RUN fails as KVM's would. */
static int vtx_ept_fault_error(struct vtx_vcpu *vcpu, int r, u64 gpa,
			       unsigned long hva, unsigned int access)
{
	if (r == -EHWPOISON) {
		send_sig_mceerr(BUS_MCEERR_AR, (void __user *)hva, PAGE_SHIFT,
				current);
		return r;
	}
	if (r == -EINTR || fatal_signal_pending(current)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
	if (r == -ENOMEM)
		return r;
	vtx_ept_fault_report(vcpu, round_down(gpa, PAGE_SIZE), PAGE_SIZE,
			     access);
	return -EFAULT;
}

/* After a split of a non-executable 2 MiB leaf for a fetch (nx_huge). */
static int vtx_ept_fault_split_done(struct vtx_vcpu *vcpu)
{
	vtx_vm_flush_ept(vcpu->vm);
	vcpu->ept_splits++;
	vcpu->l1d_flush_pending = true;
	return 1;
}

/*
 * Map @page at @gpa, under the mmu_lock, where the sequence count still
 * holds. A 2 MiB leaf around @gpa (read-only: this is a write) goes
 * first, with a flush; a 4 KiB leaf or a new 2 MiB one takes its place.
 * Where 4 KiB leaves already fill part of the range, they stay and @gpa
 * takes one more.
 */
static bool vtx_ept_fault_install(struct vtx_vcpu *vcpu,
				  const struct vtx_memslot *slot, u64 gpa,
				  unsigned long hva, struct page *page,
				  bool writable, struct list_head *freed)
{
	struct vtx_vm *vm = vcpu->vm;
	bool nx = vtx_mitigations.nx_huge_pages;
	bool flush = false, large;
	u64 pfn = page_to_pfn(page);
	unsigned int maps;

	large = vtx_fault_large_ok(gpa, hva, slot->gpa, slot->npages,
				   vtx_ept_fault_host_huge(current->mm, hva),
				   vcpu->fault_access, nx);
	maps = vtx_ept_lookup(&vm->ept, gpa);
	if (maps & VTX_EPT_MAPS_LARGE) {
		u64 base = round_down(gpa, SZ_2M);

		flush = vtx_ept_zap(&vm->ept, base, base + SZ_2M, freed);
	}
	if (large && !vtx_ept_can_map_large(&vm->ept, gpa))
		large = false;
	maps = vtx_fault_maps(writable, large, nx);
	if (large) {
		gpa = round_down(gpa, SZ_2M);
		pfn -= (hva & (SZ_2M - 1)) >> PAGE_SHIFT;
	}
	flush |= vtx_ept_map(&vm->ept, round_down(gpa, PAGE_SIZE), pfn, maps,
			     &vcpu->ept_cache);
	return flush;
}

/**
 * vtx_ept_fault() - resolve the EPT violation at vcpu->fault_gpa
 * @vcpu: the vCPU; vcpu->fault_access holds the access
 *
 * Return: 1 to re-enter the guest (mapped, or to fault again); 0 with
 * KVM_EXIT_MEMORY_FAULT for an access outside every slot or a write to a
 * read-only slot; -EFAULT (with KVM_EXIT_MEMORY_FAULT, the page's GPA and
 * size) when the VMM's mapping does not allow the access, -EINTR for a
 * fatal signal while faulting, -EHWPOISON (and SIGBUS) for a poisoned
 * page, -ENOMEM.
 */
int vtx_ept_fault(struct vtx_vcpu *vcpu)
{
	unsigned int access = vcpu->fault_access;
	enum vtx_fault_action action;
	struct vtx_vm *vm = vcpu->vm;
	const struct vtx_memslot *s;
	struct vtx_memslot slot;
	u64 gpa = vcpu->fault_gpa;
	unsigned long seq, hva;
	struct page *page;
	LIST_HEAD(freed);
	bool writable, flush = false;
	unsigned int maps;
	int r;

	r = vtx_ept_cache_fill(&vcpu->ept_cache);
	if (r)
		return r;

	spin_lock(&vm->mmu_lock);
	seq = vm->mmu_seq;
	s = vtx_memslot_find(vm->slots, VTX_NR_MEMSLOTS, gpa);
	if (!s) {
		spin_unlock(&vm->mmu_lock);
		return vtx_ept_fault_outside(vcpu, gpa, access);
	}
	slot = *s;
	maps = vtx_ept_lookup(&vm->ept, gpa);
	action = vtx_fault_action(access, maps, slot.flags & KVM_MEM_READONLY);
	if (action == VTX_FAULT_SPLIT)
		flush = vtx_ept_split_large(&vm->ept, gpa, &vcpu->ept_cache);
	spin_unlock(&vm->mmu_lock);
	switch (action) {
	case VTX_FAULT_EXIT:
		return vtx_ept_fault_outside(vcpu, gpa, access);
	case VTX_FAULT_SPURIOUS:
		return 1;
	case VTX_FAULT_SPLIT:
		return flush ? vtx_ept_fault_split_done(vcpu) : 1;
	case VTX_FAULT_MAP:
		break;
	}

	hva = slot.uaddr + (round_down(gpa, PAGE_SIZE) - slot.gpa);
	r = vtx_ept_fault_get_page(hva, access & VTX_EPT_MAPS_WRITE,
				   !(slot.flags & KVM_MEM_READONLY), &page,
				   &writable);
	if (r)
		return vtx_ept_fault_error(vcpu, r, gpa, hva, access);

	spin_lock(&vm->mmu_lock);
	if (vtx_fault_must_retry(seq, vm->mmu_seq, vm->mmu_in_progress,
				 vm->mmu_range_start, vm->mmu_range_end,
				 hva)) {
		spin_unlock(&vm->mmu_lock);
		put_page(page);
		return 1;
	}
	flush = vtx_ept_fault_install(vcpu, &slot, gpa, hva, page, writable,
				      &freed);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		vtx_vm_flush_ept(vm);
	vtx_ept_free_tables(&freed);
	/* Guest writes through the EPT do not dirty the host's PTE. */
	if (writable)
		set_page_dirty_lock(page);
	put_page(page);
	atomic_long_inc(&vtx_ept_faults);
	return 1;
}
