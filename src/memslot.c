// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: KVM_SET_USER_MEMORY_REGION. A slot only records where
 * guest memory lives in the VMM's address space: nothing is pinned or
 * mapped when it is made. The fault path (ept_fault.c) maps each page the
 * guest touches from the VMM's mapping at that moment, and the VM's MMU
 * notifier (mmu_notifier.c) zaps it again when that mapping changes.
 * Deleting a slot zaps its range and makes every vCPU flush before its
 * next entry.
 *
 * Context: process context, under the VM's slots lock; the slot array
 * itself changes under the mmu_lock too, which the fault path and the
 * notifier read it under.
 */
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "caps.h"
#include "ept.h"
#include "memslot.h"
#include "vm.h"

static int vtx_memslot_create(struct vtx_vm *vm, struct vtx_memslot *slot,
			      const struct kvm_userspace_memory_region *mem)
{
	if (!access_ok(u64_to_user_ptr(mem->userspace_addr), mem->memory_size))
		return -EINVAL;
	spin_lock(&vm->mmu_lock);
	slot->gpa = mem->guest_phys_addr;
	slot->npages = mem->memory_size >> PAGE_SHIFT;
	slot->uaddr = mem->userspace_addr;
	slot->flags = mem->flags;
	spin_unlock(&vm->mmu_lock);
	return 0;
}

/*
 * Free the slot, then zap its range. The sequence count moves before the
 * zap, so a fault that looked up this slot before cannot map from it
 * afterwards, even where the zap gives the lock up for a while.
 */
static void vtx_memslot_delete(struct vtx_vm *vm, struct vtx_memslot *slot)
{
	u64 gpa = slot->gpa;
	u64 end = gpa + ((u64)slot->npages << PAGE_SHIFT);
	LIST_HEAD(freed);
	bool flush;

	spin_lock(&vm->mmu_lock);
	memset(slot, 0, sizeof(*slot));
	vm->mmu_seq++;
	flush = vtx_mmu_zap_gpa(vm, gpa, end, &freed, true);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		vtx_vm_flush_ept(vm);
	vtx_ept_free_tables(&freed);
}

/**
 * vtx_memslot_set() - KVM_SET_USER_MEMORY_REGION
 * @vm: the VM
 * @mem: the request, copied from user space
 *
 * As in KVM, the user memory need not be mapped yet: a guest access to a
 * page the VMM has not mapped (or not writable, for a write) makes
 * KVM_RUN fail with -EFAULT.
 *
 * Return: 0, or the errno of vtx_memslot_check(); -EINVAL when the user
 * range is not a user address range.
 */
int vtx_memslot_set(struct vtx_vm *vm,
		    const struct kvm_userspace_memory_region *mem)
{
	enum vtx_memslot_op op;
	struct vtx_memslot *slot;
	int r;

	mutex_lock(&vm->slots_lock);
	r = vtx_memslot_check(mem, vm->slots, VTX_NR_MEMSLOTS,
			      vtx_caps_gpa_limit(&vtx_host_caps), &op);
	if (r)
		goto out_unlock;
	slot = &vm->slots[mem->slot];
	switch (op) {
	case VTX_MEMSLOT_CREATE:
		r = vtx_memslot_create(vm, slot, mem);
		break;
	case VTX_MEMSLOT_DELETE:
		vtx_memslot_delete(vm, slot);
		break;
	case VTX_MEMSLOT_UNCHANGED:
		break;
	}
out_unlock:
	mutex_unlock(&vm->slots_lock);
	return r;
}
