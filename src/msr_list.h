/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM-entry/exit MSR load/store lists: sorted arrays of struct
 * vmx_msr_entry, and the plan of which MSRs go on which list.
 */
#ifndef VTX_MSR_LIST_H
#define VTX_MSR_LIST_H

#include <linux/types.h>

struct vmx_msr_entry;

/**
 * struct vtx_msr_list - one MSR list, sorted by index
 * @e: the entries, in the page the VMCS points to
 * @nr: entries in use (the count written to the VMCS)
 * @max: capacity: vtx_msr_list_capacity()
 */
struct vtx_msr_list {
	struct vmx_msr_entry *e;
	unsigned int nr;
	unsigned int max;
};

/* How the guest's EFER is switched: VMCS fields, or the MSR lists. */
enum vtx_efer_switch {
	VTX_EFER_SWITCH_VMCS,
	VTX_EFER_SWITCH_MSR_LIST,
};

/* At most this many MSRs on any list in the plan. */
#define VTX_MSR_PLAN_MAX	8

/**
 * struct vtx_msr_plan - which MSRs each list carries
 * @guest: loaded at VM entry and stored at VM exit (the guest's values),
 *	sorted
 * @nr_guest: entries in @guest
 * @host: loaded at VM exit (the host's values), sorted
 * @nr_host: entries in @host
 * @efer_in_vmcs: EFER uses the VM-entry/exit EFER controls
 */
struct vtx_msr_plan {
	u32 guest[VTX_MSR_PLAN_MAX];
	unsigned int nr_guest;
	u32 host[VTX_MSR_PLAN_MAX];
	unsigned int nr_host;
	bool efer_in_vmcs;
};

unsigned int vtx_msr_list_capacity(u64 vmx_misc);
int vtx_msr_list_find(const struct vtx_msr_list *l, u32 index);
int vtx_msr_list_add(struct vtx_msr_list *l, u32 index, u64 value);
void vtx_msr_list_del(struct vtx_msr_list *l, u32 index);
int vtx_msr_list_switch(struct vtx_msr_list *guest, struct vtx_msr_list *host,
			u32 index, u64 guest_val, u64 host_val);
int vtx_msr_list_plan(enum vtx_efer_switch mode, bool efer_controls,
		      struct vtx_msr_plan *plan);

#endif /* VTX_MSR_LIST_H */
