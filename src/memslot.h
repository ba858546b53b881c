/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory slots: guest-physical ranges backed by the VMM's user memory.
 */
#ifndef VTX_MEMSLOT_H
#define VTX_MEMSLOT_H

#include <linux/types.h>

struct kvm_userspace_memory_region;
struct vtx_vm;

/* Slot ids run from 0 to VTX_NR_MEMSLOTS - 1 (KVM_CAP_NR_MEMSLOTS). */
#define VTX_NR_MEMSLOTS		32
/* As KVM: at most 2^31 - 1 pages in one slot. */
#define VTX_MEMSLOT_MAX_PAGES	((1UL << 31) - 1)

/**
 * struct vtx_memslot - one memory slot
 * @gpa: first guest-physical address
 * @npages: its size in pages; 0 for an unused slot
 * @uaddr: the user address it was created from
 * @flags: its KVM_MEM_* flags
 */
struct vtx_memslot {
	u64 gpa;
	unsigned long npages;
	u64 uaddr;
	u32 flags;
};

/* What a valid KVM_SET_USER_MEMORY_REGION asks for. */
enum vtx_memslot_op {
	VTX_MEMSLOT_CREATE,
	VTX_MEMSLOT_DELETE,
	VTX_MEMSLOT_UNCHANGED,
};

/* memslot_check.c: pure */
int vtx_memslot_check(const struct kvm_userspace_memory_region *mem,
		      const struct vtx_memslot *slots, unsigned int nr,
		      u64 gpa_limit, enum vtx_memslot_op *op);
const struct vtx_memslot *vtx_memslot_find(const struct vtx_memslot *slots,
					   unsigned int nr, u64 gpa);

/* memslot.c */
int vtx_memslot_set(struct vtx_vm *vm,
		    const struct kvm_userspace_memory_region *mem);

#endif /* VTX_MEMSLOT_H */
