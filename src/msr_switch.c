// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs VM entry and VM exit switch from lists, per vCPU.
 *
 * Each vCPU has two list pages that live as long as its VMCS:
 *   - the guest page, which is both the VM-entry MSR-load list and the
 *     VM-exit MSR-store list: the guest's values, loaded at entry and
 *     stored back at exit, so that an NMI or machine check at any point
 *     of the exit path finds the host's values already in place;
 *   - the host page, the VM-exit MSR-load list: the host's values.
 * Which MSRs go on the lists is planned once at module load
 * (vtx_msr_list_plan()). The lists are sorted (msr_list.c), and the
 * counts in the VMCS follow every change.
 *
 * An MSR that does not fit makes the vCPU dead: it must not run with a
 * value that is not switched. KVM_RUN on a dead vCPU fails with -EIO.
 *
 * Context: process context, under the vCPU mutex, with the vCPU's VMCS
 * current on this CPU and preemption off, except for alloc and free.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/printk.h>

#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/vmx.h>

#include "caps.h"
#include "msr_fault.h"
#include "msr_list.h"
#include "msr_switch.h"
#include "vcpu.h"
#include "vmx_ops.h"

static struct vtx_msr_plan vtx_msr_switch_plan __ro_after_init;
/* What IA32_VMX_MISC and a page allow. */
static u32 vtx_msr_switch_max __ro_after_init;
/* What new vCPUs get: vtx_msr_switch_max unless lowered through debugfs. */
static u32 vtx_msr_switch_cap;

/**
 * vtx_msr_switch_init() - plan the lists once, at module load
 * @efer_in_vmcs: the VMCS's EFER controls switch EFER
 */
void vtx_msr_switch_init(bool efer_in_vmcs)
{
	vtx_msr_list_plan(efer_in_vmcs ? VTX_EFER_SWITCH_VMCS :
			  VTX_EFER_SWITCH_MSR_LIST, efer_in_vmcs,
			  &vtx_msr_switch_plan);
	vtx_msr_switch_max = vtx_msr_list_capacity(vtx_host_caps.misc);
	vtx_msr_switch_cap = vtx_msr_switch_max;
}

/**
 * vtx_msr_switch_capacity() - the capacity of the lists of new vCPUs
 *
 * Return: entries per list.
 */
u32 vtx_msr_switch_capacity(void)
{
	return READ_ONCE(vtx_msr_switch_cap);
}

/**
 * vtx_msr_switch_set_capacity() - lower the capacity of new vCPUs' lists
 * @capacity: entries per list, 1 up to what the hardware allows
 *
 * A test knob (debugfs): it lets a test fill a list on purpose.
 *
 * Return: 0, or -EINVAL out of range.
 */
int vtx_msr_switch_set_capacity(u32 capacity)
{
	if (!capacity || capacity > vtx_msr_switch_max)
		return -EINVAL;
	WRITE_ONCE(vtx_msr_switch_cap, capacity);
	return 0;
}

/**
 * vtx_msr_switch_alloc() - allocate a new vCPU's list pages
 * @vcpu: the vCPU
 *
 * Context: process context, before the vCPU is published.
 * Return: 0 or -ENOMEM; vtx_msr_switch_free() undoes either.
 */
int vtx_msr_switch_alloc(struct vtx_vcpu *vcpu)
{
	u32 max = vtx_msr_switch_capacity();

	vcpu->msr_guest.e = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->msr_host.e = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->msr_guest.e || !vcpu->msr_host.e)
		return -ENOMEM;
	vcpu->msr_guest.max = max;
	vcpu->msr_host.max = max;
	return 0;
}

/**
 * vtx_msr_switch_free() - free the list pages
 * @vcpu: the vCPU, its VMCS already cleared and freed
 */
void vtx_msr_switch_free(struct vtx_vcpu *vcpu)
{
	free_page((unsigned long)vcpu->msr_guest.e);
	free_page((unsigned long)vcpu->msr_host.e);
}

static void vtx_msr_switch_write_counts(struct vtx_vcpu *vcpu)
{
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, vcpu->msr_guest.nr);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, vcpu->msr_guest.nr);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, vcpu->msr_host.nr);
}

/* Set @index on @l; a list that is full kills the vCPU. */
static int vtx_msr_switch_add(struct vtx_vcpu *vcpu, struct vtx_msr_list *l,
			      u32 index, u64 value)
{
	unsigned int nr = l->nr;
	int r;

	r = vtx_msr_list_add(l, index, value);
	if (r) {
		vcpu->dead = true;
		pr_warn_ratelimited("vCPU %u: MSR list full (%u entries) for MSR 0x%x; the vCPU cannot run\n",
				    vcpu->id, l->max, index);
		return r;
	}
	if (l->nr != nr) {
		vtx_msr_switch_write_counts(vcpu);
		/* Entries moved: cached pointers into the list are stale. */
		vcpu->spec_ctrl_slot = NULL;
	}
	return 0;
}

/**
 * vtx_msr_switch_init_vmcs() - point a new VMCS at the lists and fill them
 * @vcpu: the vCPU
 *
 * The guest's values start at 0. The host's are filled in before the
 * first entry, by vtx_msr_switch_host_cpu() and
 * vtx_msr_switch_host_thread().
 */
void vtx_msr_switch_init_vmcs(struct vtx_vcpu *vcpu)
{
	const struct vtx_msr_plan *p = &vtx_msr_switch_plan;
	unsigned int i;

	vmcs_write64(VM_ENTRY_MSR_LOAD_ADDR, virt_to_phys(vcpu->msr_guest.e));
	vmcs_write64(VM_EXIT_MSR_STORE_ADDR, virt_to_phys(vcpu->msr_guest.e));
	vmcs_write64(VM_EXIT_MSR_LOAD_ADDR, virt_to_phys(vcpu->msr_host.e));
	vcpu->msr_guest.nr = 0;
	vcpu->msr_host.nr = 0;
	vcpu->spec_ctrl_slot = NULL;
	vtx_msr_switch_write_counts(vcpu);
	for (i = 0; i < p->nr_guest; i++)
		if (vtx_msr_switch_add(vcpu, &vcpu->msr_guest, p->guest[i], 0))
			return;
	/* Test only: the negative control of the atomic restore (msr_fault.c). */
	vcpu->msr_sw_restore = vtx_msr_fault_sw_restore();
	for (i = 0; i < p->nr_host; i++) {
		if (vcpu->msr_sw_restore && p->host[i] == MSR_LSTAR)
			continue;
		if (vtx_msr_switch_add(vcpu, &vcpu->msr_host, p->host[i], 0))
			return;
	}
}

/**
 * vtx_msr_switch_get() - the guest's value of a listed MSR
 * @vcpu: the vCPU
 * @index: the MSR
 * @value: its value
 *
 * Return: 0, or -ENOENT when @index is not on the guest list.
 */
int vtx_msr_switch_get(struct vtx_vcpu *vcpu, u32 index, u64 *value)
{
	int i = vtx_msr_list_find(&vcpu->msr_guest, index);

	if (i < 0)
		return i;
	*value = vcpu->msr_guest.e[i].value;
	return 0;
}

/**
 * vtx_msr_switch_set() - set the guest's value of an MSR on the lists
 * @vcpu: the vCPU
 * @index: the MSR
 * @value: its value, already checked
 *
 * Return: 0, or -ENOSPC: the vCPU is dead.
 */
int vtx_msr_switch_set(struct vtx_vcpu *vcpu, u32 index, u64 value)
{
	return vtx_msr_switch_add(vcpu, &vcpu->msr_guest, index, value);
}

/**
 * vtx_msr_switch_del() - take an MSR off the guest list
 * @vcpu: the vCPU
 * @index: the MSR; absent is not an error
 */
void vtx_msr_switch_del(struct vtx_vcpu *vcpu, u32 index)
{
	unsigned int nr = vcpu->msr_guest.nr;

	vtx_msr_list_del(&vcpu->msr_guest, index);
	vcpu->spec_ctrl_slot = NULL;
	if (vcpu->msr_guest.nr != nr)
		vtx_msr_switch_write_counts(vcpu);
}

/**
 * vtx_msr_switch_perf() - switch the host's perf MSRs around the guest
 * @vcpu: the vCPU about to enter
 *
 * perf says which of its MSRs must differ while a guest runs: counters
 * that exclude guests off (PERF_GLOBAL_CTRL), and PEBS off where it does
 * not isolate guests (PEBS_ENABLE), so that no host PEBS record lands
 * while the guest runs. The lists switch them at entry and exit; an MSR
 * whose two values agree leaves them. A list that is full kills the vCPU.
 *
 * Usually every pair agrees and none is on the lists: then nothing is
 * searched. Only this function puts perf's MSRs on the lists, so while
 * @vcpu->perf_on_lists is false none is there.
 *
 * Context: interrupts off, before entry.
 */
void vtx_msr_switch_perf(struct vtx_vcpu *vcpu)
{
	unsigned int nr_guest = vcpu->msr_guest.nr, nr_host = vcpu->msr_host.nr;
	struct perf_guest_switch_msr *m;
	bool differ = false;
	int i, nr = 0;

	m = perf_guest_get_msrs(&nr, NULL);
	for (i = 0; m && i < nr; i++)
		differ |= m[i].guest != m[i].host;
	if (!differ && !vcpu->perf_on_lists)
		return;
	vcpu->perf_on_lists = differ;
	for (i = 0; m && i < nr; i++) {
		if (vtx_msr_list_switch(&vcpu->msr_guest, &vcpu->msr_host,
					m[i].msr, m[i].guest, m[i].host)) {
			vcpu->dead = true;
			pr_warn_ratelimited("vCPU %u: MSR list full for perf MSR 0x%x; the vCPU cannot run\n",
					    vcpu->id, m[i].msr);
			break;
		}
	}
	if (vcpu->msr_guest.nr != nr_guest || vcpu->msr_host.nr != nr_host) {
		vtx_msr_switch_write_counts(vcpu);
		/* Entries moved: cached pointers into the list are stale. */
		vcpu->spec_ctrl_slot = NULL;
	}
}

/**
 * vtx_msr_switch_host_cpu() - the host's per-CPU values, from this CPU
 * @vcpu: the vCPU, about to enter on this CPU for the first time since it
 *	arrived here
 *
 * Every host entry but IA32_KERNEL_GS_BASE, which belongs to the thread.
 * Context: interrupts off.
 */
void vtx_msr_switch_host_cpu(struct vtx_vcpu *vcpu)
{
	struct vtx_msr_list *l = &vcpu->msr_host;
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		if (l->e[i].index != MSR_KERNEL_GS_BASE)
			rdmsrl(l->e[i].index, l->e[i].value);
}

/**
 * vtx_msr_switch_host_thread() - the host value of IA32_KERNEL_GS_BASE
 * @vcpu: the vCPU
 * @kernel_gs_base: the running thread's user GS base
 */
void vtx_msr_switch_host_thread(struct vtx_vcpu *vcpu, u64 kernel_gs_base)
{
	vtx_msr_switch_add(vcpu, &vcpu->msr_host, MSR_KERNEL_GS_BASE,
			   kernel_gs_base);
}
