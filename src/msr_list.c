// SPDX-License-Identifier: GPL-2.0
/*
 * The VM-entry/exit MSR lists as sorted arrays, and the plan of which
 * MSRs they carry. Pure: no hardware access, no allocation; KUnit tests
 * every function under UML.
 *
 * The CPU processes a list in order and does not care about the order,
 * but keeping it sorted makes find a binary search and keeps every list
 * in one canonical form, so two lists can be compared entry by entry.
 *
 * Context: any; the caller serialises changes to one list (the vCPU
 * mutex).
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/vmx.h>

#include "msr_list.h"

/**
 * vtx_msr_list_capacity() - how many entries one list may hold
 * @vmx_misc: IA32_VMX_MISC
 *
 * The CPU recommends at most (IA32_VMX_MISC[27:25] + 1) * 512 entries;
 * vtx also keeps each list within one page.
 *
 * Return: the capacity, at least 1.
 */
unsigned int vtx_msr_list_capacity(u64 vmx_misc)
{
	unsigned int recommended = (((vmx_misc >> 25) & 7) + 1) * 512;
	unsigned int page = PAGE_SIZE / sizeof(struct vmx_msr_entry);

	return recommended < page ? recommended : page;
}

/* The position of @index, or where it would be inserted. */
static unsigned int vtx_msr_list_slot(const struct vtx_msr_list *l,
				      u32 index)
{
	unsigned int lo = 0, hi = l->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (l->e[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * vtx_msr_list_find() - binary search for an MSR
 * @l: the list
 * @index: the MSR
 *
 * Return: its position, or -ENOENT.
 */
int vtx_msr_list_find(const struct vtx_msr_list *l, u32 index)
{
	unsigned int i = vtx_msr_list_slot(l, index);

	return i < l->nr && l->e[i].index == index ? i : -ENOENT;
}

/**
 * vtx_msr_list_add() - set @index to @value, inserting it in order
 * @l: the list
 * @index: the MSR
 * @value: its value
 *
 * An MSR already on the list keeps its place and takes the new value.
 *
 * Return: 0, or -ENOSPC when the list is full; the list is unchanged
 * then. The caller treats -ENOSPC as fatal to the vCPU: an MSR that
 * cannot be switched atomically must not run with the wrong value.
 */
int vtx_msr_list_add(struct vtx_msr_list *l, u32 index, u64 value)
{
	unsigned int i = vtx_msr_list_slot(l, index);

	if (i < l->nr && l->e[i].index == index) {
		l->e[i].value = value;
		return 0;
	}
	if (l->nr >= l->max)
		return -ENOSPC;
	memmove(&l->e[i + 1], &l->e[i], (l->nr - i) * sizeof(l->e[0]));
	l->e[i].index = index;
	l->e[i].reserved = 0;
	l->e[i].value = value;
	l->nr++;
	return 0;
}

/**
 * vtx_msr_list_del() - remove @index if it is on the list
 * @l: the list
 * @index: the MSR
 *
 * Removing an MSR that is not on the list is not an error.
 */
void vtx_msr_list_del(struct vtx_msr_list *l, u32 index)
{
	int i = vtx_msr_list_find(l, index);

	if (i < 0)
		return;
	l->nr--;
	memmove(&l->e[i], &l->e[i + 1], (l->nr - i) * sizeof(l->e[0]));
}

/**
 * vtx_msr_list_switch() - switch @index around the guest, or stop
 * @guest: the VM-entry load (and VM-exit store) list
 * @host: the VM-exit load list
 * @index: the MSR
 * @guest_val: its value while the guest runs
 * @host_val: its value in the host
 *
 * For MSRs the host wants changed only while a guest runs (perf's
 * PERF_GLOBAL_CTRL and PEBS_ENABLE): with equal values the MSR needs no
 * switch and leaves both lists; otherwise it is on both, with each side's
 * value, so that VM entry and VM exit switch it atomically.
 *
 * Return: 0, or -ENOSPC when a list is full (the MSR then is on neither).
 */
int vtx_msr_list_switch(struct vtx_msr_list *guest, struct vtx_msr_list *host,
			u32 index, u64 guest_val, u64 host_val)
{
	int r;

	if (guest_val != host_val) {
		r = vtx_msr_list_add(guest, index, guest_val);
		if (!r)
			r = vtx_msr_list_add(host, index, host_val);
		if (!r)
			return 0;
	}
	vtx_msr_list_del(guest, index);
	vtx_msr_list_del(host, index);
	return guest_val != host_val ? -ENOSPC : 0;
}

/* The guest's SYSCALL MSRs and the SWAPGS partner, sorted by index. */
static const u32 vtx_msr_plan_always[] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
};

static void vtx_msr_plan_insert(u32 *list, unsigned int *nr, u32 index)
{
	unsigned int i = *nr;

	while (i > 0 && list[i - 1] > index) {
		list[i] = list[i - 1];
		i--;
	}
	list[i] = index;
	(*nr)++;
}

/**
 * vtx_msr_list_plan() - which MSRs go on which list
 * @mode: how EFER is to be switched
 * @efer_controls: the CPU has VM-entry "load IA32_EFER" and VM-exit
 *	"save IA32_EFER" and "load IA32_EFER"
 * @plan: filled in on success
 *
 * The SYSCALL MSRs and IA32_KERNEL_GS_BASE always travel on the lists:
 * the guest's values on the entry-load and exit-store lists, the host's
 * on the exit-load list. EFER joins them in VTX_EFER_SWITCH_MSR_LIST mode,
 * which is also the only mode a CPU without the EFER controls has.
 *
 * Return: 0, or -EINVAL for an unknown mode.
 */
int vtx_msr_list_plan(enum vtx_efer_switch mode, bool efer_controls,
		      struct vtx_msr_plan *plan)
{
	unsigned int i;

	if (mode != VTX_EFER_SWITCH_VMCS && mode != VTX_EFER_SWITCH_MSR_LIST)
		return -EINVAL;
	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < ARRAY_SIZE(vtx_msr_plan_always); i++) {
		vtx_msr_plan_insert(plan->guest, &plan->nr_guest,
				    vtx_msr_plan_always[i]);
		vtx_msr_plan_insert(plan->host, &plan->nr_host,
				    vtx_msr_plan_always[i]);
	}
	plan->efer_in_vmcs = mode == VTX_EFER_SWITCH_VMCS && efer_controls;
	if (!plan->efer_in_vmcs) {
		vtx_msr_plan_insert(plan->guest, &plan->nr_guest, MSR_EFER);
		vtx_msr_plan_insert(plan->host, &plan->nr_host, MSR_EFER);
	}
	return 0;
}
