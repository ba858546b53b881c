// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of KVM_SET_USER_MEMORY_REGION, as KVM applies them, over
 * plain values. Pure: KUnit tests it.
 *
 * Context: any.
 */
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/mm.h>

#include "memslot.h"

static bool vtx_memslot_overlaps(const struct vtx_memslot *s, u64 gpa,
				 unsigned long npages)
{
	u64 end = gpa + ((u64)npages << PAGE_SHIFT);
	u64 s_end = s->gpa + ((u64)s->npages << PAGE_SHIFT);

	return s->npages && gpa < s_end && s->gpa < end;
}

/**
 * vtx_memslot_check() - validate a KVM_SET_USER_MEMORY_REGION request
 * @mem: the request
 * @slots: the VM's slots, indexed by slot id
 * @nr: the number of slot ids
 * @gpa_limit: the end of the guest-physical space (vtx_caps_gpa_limit())
 * @op: on success, what the request does
 *
 * Of the flags only KVM_MEM_READONLY is supported (no dirty logging). An
 * existing slot can be deleted (size 0) or set again unchanged; any other
 * change, including a move or new flags, is -EINVAL.
 *
 * Return: 0; -EINVAL for unsupported flags, an unaligned or overflowing
 * range, a range that ends beyond @gpa_limit, a slot id out of range,
 * more than VTX_MEMSLOT_MAX_PAGES pages, deleting an unused slot or
 * changing a used one; -EEXIST when the range overlaps another slot.
 */
int vtx_memslot_check(const struct kvm_userspace_memory_region *mem,
		      const struct vtx_memslot *slots, unsigned int nr,
		      u64 gpa_limit, enum vtx_memslot_op *op)
{
	const struct vtx_memslot *old;
	unsigned long npages;
	unsigned int i;

	if (mem->flags & ~KVM_MEM_READONLY)
		return -EINVAL;
	if (mem->slot >= nr)
		return -EINVAL;
	if ((mem->memory_size | mem->guest_phys_addr | mem->userspace_addr) &
	    ~PAGE_MASK)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if (mem->memory_size >> PAGE_SHIFT > VTX_MEMSLOT_MAX_PAGES)
		return -EINVAL;
	/* Beyond the EPT's reach the table index would wrap onto low memory. */
	if (mem->memory_size &&
	    mem->guest_phys_addr + mem->memory_size > gpa_limit)
		return -EINVAL;

	old = &slots[mem->slot];
	npages = mem->memory_size >> PAGE_SHIFT;
	if (!npages) {
		if (!old->npages)
			return -EINVAL;
		*op = VTX_MEMSLOT_DELETE;
		return 0;
	}
	if (old->npages) {
		if (old->gpa != mem->guest_phys_addr || old->npages != npages ||
		    old->uaddr != mem->userspace_addr ||
		    old->flags != mem->flags)
			return -EINVAL;
		*op = VTX_MEMSLOT_UNCHANGED;
		return 0;
	}
	for (i = 0; i < nr; i++)
		if (vtx_memslot_overlaps(&slots[i], mem->guest_phys_addr,
					 npages))
			return -EEXIST;
	*op = VTX_MEMSLOT_CREATE;
	return 0;
}

/**
 * vtx_memslot_find() - the slot that holds @gpa
 * @slots: the VM's slots
 * @nr: how many
 * @gpa: a guest-physical address
 *
 * Return: the slot, or NULL when no slot covers @gpa.
 */
const struct vtx_memslot *vtx_memslot_find(const struct vtx_memslot *slots,
					   unsigned int nr, u64 gpa)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (slots[i].npages && gpa >= slots[i].gpa &&
		    (gpa - slots[i].gpa) >> PAGE_SHIFT < slots[i].npages)
			return &slots[i];
	return NULL;
}
