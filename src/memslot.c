// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: KVM_SET_USER_MEMORY_REGION. A new slot's user pages are
 * pinned (long-term, writable) and mapped into the VM's EPT at once, so a
 * guest access never needs the user mapping again: unmapping the user
 * memory later changes nothing for the guest or the host. Deleting a slot
 * unmaps it, makes every vCPU flush before its next entry, and only then
 * unpins the pages.
 *
 * Context: process context, under the VM's slots lock.
 */
#include <linux/io.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include "ept.h"
#include "memslot.h"
#include "vm.h"

/* Pin this many pages per call, then check for a fatal signal. */
#define VTX_PIN_BATCH	512

static void vtx_memslot_unpin(struct vtx_memslot *slot, unsigned long n)
{
	unpin_user_pages_dirty_lock(slot->pages, n, true);
	kvfree(slot->pages);
	memset(slot, 0, sizeof(*slot));
}

/*
 * Unmap @slot if it was (even partly) @mapped, wait until no vCPU can
 * still use a cached translation of it, then unpin @pinned pages.
 */
static void vtx_memslot_remove(struct vtx_vm *vm, struct vtx_memslot *slot,
			       bool mapped, unsigned long pinned)
{
	if (mapped) {
		vtx_ept_unmap_range(&vm->ept, slot->gpa, slot->npages);
		vtx_vm_flush_ept(vm);
	}
	vm->pinned_pages -= pinned;
	vtx_memslot_unpin(slot, pinned);
}

static int vtx_memslot_pin(struct vtx_memslot *slot, unsigned long *pinned)
{
	unsigned long done = 0;
	long n;

	while (done < slot->npages) {
		if (fatal_signal_pending(current))
			break;
		n = pin_user_pages_fast(slot->uaddr + (done << PAGE_SHIFT),
					min_t(unsigned long, slot->npages - done,
					      VTX_PIN_BATCH),
					FOLL_WRITE | FOLL_LONGTERM,
					slot->pages + done);
		if (n <= 0)
			break;
		done += n;
		cond_resched();
	}
	*pinned = done;
	if (done < slot->npages)
		return fatal_signal_pending(current) ? -EINTR : -EFAULT;
	return 0;
}

static int vtx_memslot_create(struct vtx_vm *vm, struct vtx_memslot *slot,
			      const struct kvm_userspace_memory_region *mem)
{
	unsigned long npages = mem->memory_size >> PAGE_SHIFT;
	unsigned long pinned;
	int r;

	if (!access_ok(u64_to_user_ptr(mem->userspace_addr), mem->memory_size))
		return -EINVAL;
	/* Pinned memory is not reclaimable: keep half of RAM for the host. */
	if (vm->pinned_pages + npages > totalram_pages() / 2)
		return -ENOMEM;

	slot->pages = kvcalloc(npages, sizeof(*slot->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!slot->pages)
		return -ENOMEM;
	slot->gpa = mem->guest_phys_addr;
	slot->npages = npages;
	slot->uaddr = mem->userspace_addr;

	r = vtx_memslot_pin(slot, &pinned);
	vm->pinned_pages += pinned;
	if (r) {
		vtx_memslot_remove(vm, slot, false, pinned);
		return r;
	}
	r = vtx_ept_map_range(&vm->ept, slot->gpa, slot->pages, npages);
	if (r) {
		/* A vCPU may already use the pages mapped so far. */
		vtx_memslot_remove(vm, slot, true, pinned);
		return r;
	}
	return 0;
}

/**
 * vtx_memslot_set() - KVM_SET_USER_MEMORY_REGION
 * @vm: the VM
 * @mem: the request, copied from user space
 *
 * Return: 0, or the errno of vtx_memslot_check(); -EINVAL when the user
 * range is not a user address range; -EFAULT when its pages cannot all be
 * pinned writable; -ENOMEM; -EINTR on a fatal signal.
 */
int vtx_memslot_set(struct vtx_vm *vm,
		    const struct kvm_userspace_memory_region *mem)
{
	enum vtx_memslot_op op;
	struct vtx_memslot *slot;
	int r;

	mutex_lock(&vm->slots_lock);
	r = vtx_memslot_check(mem, vm->slots, VTX_NR_MEMSLOTS, &op);
	if (r)
		goto out_unlock;
	slot = &vm->slots[mem->slot];
	switch (op) {
	case VTX_MEMSLOT_CREATE:
		r = vtx_memslot_create(vm, slot, mem);
		break;
	case VTX_MEMSLOT_DELETE:
		vtx_memslot_remove(vm, slot, true, slot->npages);
		break;
	case VTX_MEMSLOT_UNCHANGED:
		break;
	}
out_unlock:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/**
 * vtx_memslot_destroy_all() - unpin every slot of a VM being freed
 * @vm: the VM; none of its vCPUs is left
 *
 * No flush is needed: every vCPU flushes the EPT's translations the first
 * time it enters on a CPU, so a later VM reusing these tables' addresses
 * cannot use translations cached for this one.
 */
void vtx_memslot_destroy_all(struct vtx_vm *vm)
{
	unsigned int i;

	for (i = 0; i < VTX_NR_MEMSLOTS; i++)
		if (vm->slots[i].npages)
			vtx_memslot_unpin(&vm->slots[i], vm->slots[i].npages);
	vm->pinned_pages = 0;
}
