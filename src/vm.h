/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM objects: the vCPU table and the VM's lifetime.
 */
#ifndef VTX_VM_H
#define VTX_VM_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "ept.h"
#include "memslot.h"

struct mm_struct;
struct vtx_vcpu;

/* vCPU ids run from 0 to VTX_MAX_VCPUS - 1, as many vCPUs as ids. */
#define VTX_MAX_VCPUS 128

/**
 * struct vtx_vm - one virtual machine
 * @ref: held by the VM fd and by every vCPU fd
 * @mm: the creating process's mm; other processes get -EIO, as in KVM
 * @lock: serialises vCPU creation
 * @vcpus: the vCPUs by id; an entry is set once the vCPU is complete
 * @created_vcpus: how many vCPUs were created (under @lock)
 * @slots_lock: serialises memory-slot changes
 * @slots: the memory slots by id; written under both @slots_lock and
 *	@mmu_lock, so either lock is enough to read them
 * @mmu_lock: serialises the EPT's changes: faults, zaps, slot changes
 * @mmu_notifier: follows the VMM's mappings of guest memory
 * @mmu_seq: bumped, under @mmu_lock, at the end of every invalidation
 *	and when a slot is deleted; a fault maps only if it is unchanged
 *	since the fault looked up the host page (mmu_notifier.c)
 * @mmu_in_progress: invalidations started and not yet ended
 * @mmu_range_start: the user range they cover, while there are any
 * @mmu_range_end: its end
 * @ept: the EPT every vCPU of the VM uses
 * @ept_gen: bumped when a mapping is removed; a vCPU that has not seen
 *	the current value flushes before it enters
 * @spec_ctrl_mode: the IA32_SPEC_CTRL mode requested (VTX_SPEC_CTRL_*)
 * @spec_ctrl_mask: the SPEC_CTRL bits the guest cannot change
 * @spec_ctrl_forced: their values
 */
struct vtx_vm {
	struct kref ref;
	struct mm_struct *mm;
	struct mutex lock;	/* serialises vCPU creation */
	struct vtx_vcpu *vcpus[VTX_MAX_VCPUS];
	unsigned int created_vcpus;
	struct mutex slots_lock;	/* serialises memory-slot changes */
	struct vtx_memslot slots[VTX_NR_MEMSLOTS];
	spinlock_t mmu_lock;	/* serialises EPT changes */
	struct mmu_notifier mmu_notifier;
	unsigned long mmu_seq;
	unsigned long mmu_in_progress;
	unsigned long mmu_range_start;
	unsigned long mmu_range_end;
	struct vtx_ept ept;
	atomic64_t ept_gen;
	u32 spec_ctrl_mode;
	u64 spec_ctrl_mask;
	u64 spec_ctrl_forced;
};

int vtx_vm_create(unsigned long type);
void vtx_vm_get(struct vtx_vm *vm);
void vtx_vm_put(struct vtx_vm *vm);
long vtx_vm_check_extension(unsigned long ext);
void vtx_vm_flush_ept(struct vtx_vm *vm);

/* mmu_notifier.c */
int vtx_mmu_notifier_register(struct vtx_vm *vm);
void vtx_mmu_notifier_unregister(struct vtx_vm *vm);
bool vtx_mmu_zap_gpa(struct vtx_vm *vm, u64 from, u64 to,
		     struct list_head *freed, bool blockable);

#endif /* VTX_VM_H */
