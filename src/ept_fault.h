/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The EPT fault path: an EPT violation in a memory slot maps the page
 * from the VMM's mapping at that moment (ept_fault.c), by the rules of
 * ept_fault_check.c.
 */
#ifndef VTX_EPT_FAULT_H
#define VTX_EPT_FAULT_H

#include <linux/types.h>

struct vtx_vcpu;

/* What an EPT violation asks of the fault path. */
enum vtx_fault_action {
	VTX_FAULT_MAP,		/* look the host page up and map it */
	VTX_FAULT_SPURIOUS,	/* already mapped with the rights: re-enter */
	VTX_FAULT_SPLIT,	/* a fetch from a non-executable 2 MiB leaf */
	VTX_FAULT_EXIT,		/* a write to a read-only slot: user space */
};

/* ept_fault_check.c: pure */
enum vtx_fault_action vtx_fault_action(unsigned int access,
				       unsigned int maps, bool readonly);
bool vtx_fault_must_retry(unsigned long seq, unsigned long seq_now,
			  unsigned long in_progress, unsigned long start,
			  unsigned long end, unsigned long hva);
bool vtx_fault_large_ok(u64 gpa, u64 hva, u64 slot_gpa, u64 slot_npages,
			bool host_huge, unsigned int access, bool nx_huge);
unsigned int vtx_fault_maps(bool writable, bool large, bool nx_huge);

/* ept_fault.c */
int vtx_ept_fault(struct vtx_vcpu *vcpu);

#endif /* VTX_EPT_FAULT_H */
