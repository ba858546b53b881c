/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCS regions and the per-CPU lists of loaded VMCSs.
 */
#ifndef VTX_VMCS_H
#define VTX_VMCS_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/types.h>

struct page;
struct seq_file;

/**
 * struct vtx_vmcs - one VMCS region and where it is loaded
 * @page: the region, stamped with the VMCS revision id
 * @pa: its physical address
 * @cpu: the CPU whose list holds it, or -1 when it is clear everywhere
 * @launched: VMLAUNCH has run since the last VMCLEAR (VMRESUME is next)
 * @link: entry in the loaded list of @cpu; self-linked while @cpu is -1
 * @loads: times it was added to a CPU's list (owner only)
 * @migrations: times it was cleared on another CPU first (owner only)
 *
 * @cpu, @launched and @link change only on the CPU named by @cpu (or, for
 * a VMCS with @cpu == -1, on the CPU that loads it), with interrupts off.
 */
struct vtx_vmcs {
	struct page *page;
	u64 pa;
	int cpu;
	bool launched;
	struct list_head link;
	u64 loads;
	u64 migrations;
};

void vtx_vmcs_init(void);
struct vtx_vmcs *vtx_vmcs_alloc(void);
void vtx_vmcs_free(struct vtx_vmcs *vmcs);
int vtx_vmcs_load(struct vtx_vmcs *vmcs);
void vtx_vmcs_clear(struct vtx_vmcs *vmcs);
void vtx_vmcs_clear_this_cpu(void);
unsigned int vtx_vmcs_emergency_clear_this_cpu(void);
bool vtx_vmcs_loaded_on_this_cpu(void);
bool vtx_vmcs_is_current(const struct vtx_vmcs *vmcs);
DECLARE_PER_CPU(struct vtx_vmcs *, vtx_current_vmcs);

/**
 * vtx_vmcs_loaded_here() - is @vmcs listed and current on this CPU?
 * @vmcs: the VMCS
 *
 * Context: preemption disabled. vtx's bookkeeping, without asking the CPU.
 */
static inline bool vtx_vmcs_loaded_here(const struct vtx_vmcs *vmcs)
{
	return READ_ONCE(vmcs->cpu) == smp_processor_id() &&
	       this_cpu_read(vtx_current_vmcs) == vmcs;
}

int vtx_vmcs_show(struct seq_file *m);

#endif /* VTX_VMCS_H */
