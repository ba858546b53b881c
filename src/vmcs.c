// SPDX-License-Identifier: GPL-2.0
/*
 * VMCS regions and the per-CPU lists of the VMCSs loaded on each CPU.
 *
 * A CPU may cache the state of every VMCS it has loaded (VMPTRLD) until
 * that VMCS is VMCLEARed on it. Each CPU therefore lists the VMCSs it may
 * cache, so that they can be cleared before the VMCS moves to another
 * CPU, before the CPU leaves VMX operation, and from the crash/kexec NMI
 * before the next kernel reuses the memory.
 *
 * The rules (the list operations themselves are in vmcs_list.c):
 *
 * - A CPU's list changes only on that CPU, with interrupts off: in
 *   vtx_vmcs_load(), in the clearing IPI, and in the CPU's own offline
 *   and reboot paths. An NMI is the only thing that can interrupt a
 *   change, and it only walks the list forward.
 * - A VMCS goes on the list before VMPTRLD, so a VMCS the CPU may cache
 *   is always on the list.
 * - Clearing is VMCLEAR, then list_del, then smp_wmb(), then cpu = -1.
 * - Loading a VMCS whose cpu is another CPU first clears it there by IPI,
 *   then smp_rmb(), then adds it to this CPU's list.
 *
 * Contexts are named on each function.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <asm/barrier.h>
#include <asm/nospec-branch.h>

#include "caps.h"
#include "cpu.h"
#include "trace.h"
#include "vmcs.h"
#include "vmcs_list.h"
#include "vmx_ops.h"

/* The VMCSs each CPU may cache: changed only by that CPU, irqs off. */
static DEFINE_PER_CPU(struct list_head, vtx_loaded_vmcss);
/* The VMCS this CPU last made current with VMPTRLD, or NULL. */
DEFINE_PER_CPU(struct vtx_vmcs *, vtx_current_vmcs);
/* Every VMCS allocated and not yet freed, for the debugfs leak check. */
static atomic_t vtx_vmcs_count = ATOMIC_INIT(0);

/**
 * vtx_vmcs_init() - set up the per-CPU lists
 *
 * Process context, at module load, before any CPU enters VMX operation.
 */
void vtx_vmcs_init(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		INIT_LIST_HEAD(per_cpu_ptr(&vtx_loaded_vmcss, cpu));
		per_cpu(vtx_current_vmcs, cpu) = NULL;
	}
}

/**
 * vtx_vmcs_alloc() - allocate a VMCS region and initialise it
 *
 * Process context. The region carries the revision id from
 * IA32_VMX_BASIC and is VMCLEARed once, which puts its launch state in
 * "clear" as VMPTRLD expects of a new VMCS. It is on no CPU's list.
 *
 * Return: the VMCS, or ERR_PTR(-ENOMEM), or ERR_PTR(-EIO) when this CPU
 * is not in VMX operation.
 */
struct vtx_vmcs *vtx_vmcs_alloc(void)
{
	struct vtx_vmcs *vmcs;
	int r;

	vmcs = kzalloc(sizeof(*vmcs), GFP_KERNEL_ACCOUNT);
	if (!vmcs)
		return ERR_PTR(-ENOMEM);
	vmcs->page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vmcs->page) {
		r = -ENOMEM;
		goto error_free;
	}
	*(u32 *)page_address(vmcs->page) =
		vtx_caps_vmcs_revision(&vtx_host_caps);
	vmcs->pa = page_to_phys(vmcs->page);
	vmcs->cpu = -1;
	INIT_LIST_HEAD(&vmcs->link);

	preempt_disable();
	r = vtx_cpu_vmx_on(smp_processor_id()) ? vmx_vmclear(vmcs->pa) : -EIO;
	preempt_enable();
	if (r) {
		r = -EIO;
		goto error_free_page;
	}
	atomic_inc(&vtx_vmcs_count);
	return vmcs;

error_free_page:
	__free_page(vmcs->page);
error_free:
	kfree(vmcs);
	return ERR_PTR(r);
}

/* The VMCLEAR step of vtx_vmcs_list_clear(). Interrupts off. */
static void vtx_vmcs_vmclear_entry(struct list_head *entry)
{
	struct vtx_vmcs *vmcs = list_entry(entry, struct vtx_vmcs, link);

	WARN_ON_ONCE(vmx_vmclear(vmcs->pa));
}

/*
 * Clear @vmcs, which is on this CPU's list.
 *
 * Context: this CPU, interrupts off (an IPI, or the CPU's own offline or
 * reboot path). An NMI may arrive between any two steps; see
 * vtx_vmcs_list_clear() for why VMCLEAR comes first.
 */
static void __vtx_vmcs_clear_local(struct vtx_vmcs *vmcs)
{
	lockdep_assert_irqs_disabled();

	trace_vtx_vmcs_clear(smp_processor_id(), vmcs->pa, false);
	if (this_cpu_read(vtx_current_vmcs) == vmcs)
		this_cpu_write(vtx_current_vmcs, NULL);
	vtx_vmcs_list_clear(&vmcs->link, vtx_vmcs_vmclear_entry, NULL);
	/*
	 * Pairs with the smp_rmb() in vtx_vmcs_load(): a CPU that sees
	 * cpu == -1 also sees the entry unlinked from this CPU's list, so
	 * it cannot link it into its own list while our stores to ->link
	 * are still in flight.
	 */
	smp_wmb();
	vmcs->launched = false;
	WRITE_ONCE(vmcs->cpu, -1);
}

/* IPI handler of vtx_vmcs_clear(). Interrupts off, on the VMCS's CPU. */
static void vtx_vmcs_clear_local(void *arg)
{
	struct vtx_vmcs *vmcs = arg;

	/*
	 * This CPU went offline and back, and its offline path cleared the
	 * VMCS, between the caller's read of ->cpu and this IPI.
	 */
	if (READ_ONCE(vmcs->cpu) != smp_processor_id())
		return;
	__vtx_vmcs_clear_local(vmcs);
}

/**
 * vtx_vmcs_clear() - VMCLEAR @vmcs on the CPU that may cache it
 * @vmcs: the VMCS
 *
 * Context: process context with interrupts on (it waits for an IPI),
 * preemption may be disabled. Only @vmcs's owner calls this, so ->cpu
 * cannot change under it except to -1 by the CPU's offline path. When the
 * IPI cannot be sent because that CPU is already offline, its offline
 * path has already cleared the VMCS.
 */
void vtx_vmcs_clear(struct vtx_vmcs *vmcs)
{
	int cpu = READ_ONCE(vmcs->cpu);

	if (cpu < 0)
		return;
	smp_call_function_single(cpu, vtx_vmcs_clear_local, vmcs, 1);
}

/*
 * The VMPTRLD step of vtx_vmcs_list_load(): @entry is already on this
 * CPU's list. Interrupts off.
 */
static int vtx_vmcs_ptrld_entry(struct list_head *entry, void *unused)
{
	struct vtx_vmcs *vmcs = list_entry(entry, struct vtx_vmcs, link);

	this_cpu_write(vtx_current_vmcs, vmcs);
	/* Another vCPU, maybe of another VM, ran here: no BTB sharing. */
	indirect_branch_prediction_barrier();
	if (WARN_ON_ONCE(vmx_vmptrld(vmcs->pa))) {
		this_cpu_write(vtx_current_vmcs, NULL);
		return -EIO;
	}
	return 0;
}

/**
 * vtx_vmcs_load() - make @vmcs the current VMCS of this CPU
 * @vmcs: the VMCS; only its owner (the vCPU's ioctl thread) loads it
 *
 * Context: process context, preemption disabled, interrupts on: a vCPU
 * ioctl, or the preempt notifier's sched_in after the thread migrated.
 * A VMCS still loaded on another CPU is cleared there first, by IPI.
 * Listing and VMPTRLD then run with interrupts off, in the order of
 * vtx_vmcs_list_load(): listed first.
 *
 * Return: 0, or -EIO when this CPU is not in VMX operation (after the
 * reboot notifier) or VMPTRLD failed.
 */
int vtx_vmcs_load(struct vtx_vmcs *vmcs)
{
	int cpu = smp_processor_id();
	int old = READ_ONCE(vmcs->cpu);
	unsigned long flags;
	bool add = old != cpu;
	int r;

	if (!vtx_cpu_vmx_on(cpu))
		return -EIO;
	if (!add && this_cpu_read(vtx_current_vmcs) == vmcs)
		return 0;

	if (add && old >= 0) {
		vtx_vmcs_clear(vmcs);
		vmcs->migrations++;
	}
	local_irq_save(flags);
	if (add) {
		/*
		 * Pairs with the smp_wmb() in __vtx_vmcs_clear_local(): we
		 * saw cpu == -1 (or the IPI completed), so the old CPU's
		 * list_del is visible and ->link is ours to reuse.
		 */
		smp_rmb();
	}
	r = vtx_vmcs_list_load(&vmcs->link, this_cpu_ptr(&vtx_loaded_vmcss),
			       add, this_cpu_read(vtx_current_vmcs) != vmcs ?
			       vtx_vmcs_ptrld_entry : NULL, NULL, NULL);
	if (add) {
		WRITE_ONCE(vmcs->cpu, cpu);
		vmcs->loads++;
	}
	local_irq_restore(flags);
	if (!r)
		trace_vtx_vmcs_load(cpu, vmcs->pa, add);
	return r;
}

/**
 * vtx_vmcs_is_current() - is @vmcs the hardware's current VMCS here?
 * @vmcs: the VMCS
 *
 * Context: preemption disabled. Asks the CPU itself (VMPTRST).
 */
bool vtx_vmcs_is_current(const struct vtx_vmcs *vmcs)
{
	u64 pa;

	if (!vtx_cpu_vmx_on(smp_processor_id()) || vmx_vmptrst(&pa))
		return false;
	return pa == vmcs->pa;
}

/**
 * vtx_vmcs_clear_this_cpu() - clear every VMCS loaded on this CPU
 *
 * Context: this CPU, interrupts off, before it leaves VMX operation: the
 * CPU-offline callback and the reboot notifier.
 */
void vtx_vmcs_clear_this_cpu(void)
{
	struct list_head *head = this_cpu_ptr(&vtx_loaded_vmcss);

	lockdep_assert_irqs_disabled();

	while (!list_empty(head))
		__vtx_vmcs_clear_local(list_first_entry(head, struct vtx_vmcs,
							link));
}

/* The crash walk's step: VMCLEAR, with any failure ignored. */
static void vtx_vmcs_emergency_clear_entry(struct list_head *entry,
					   void *unused)
{
	struct vtx_vmcs *vmcs = list_entry(entry, struct vtx_vmcs, link);

	/*
	 * A fault means VMX is already off on this CPU, a VMfail that the
	 * region is not a VMCS: nothing is left to write back either way,
	 * and there is no one to tell.
	 */
	vmx_vmclear(vmcs->pa);
}

/**
 * vtx_vmcs_emergency_clear_this_cpu() - VMCLEAR this CPU's list, from NMI
 *
 * Context: the emergency (crash/kexec) callback, in NMI context or with
 * interrupts off on the crashing CPU; it may have interrupted a list
 * change on this same CPU. Walks the list forward only, takes no lock,
 * allocates nothing, prints nothing and leaves the list as it is: the
 * next kernel is all that follows. A VMCS still cached is on the list
 * (it is listed before VMPTRLD and unlisted after VMCLEAR), and an
 * interrupted add or delete leaves ->next consistent, so the walk
 * reaches every VMCS that needs it; see vmcs_list.c.
 *
 * Return: the number of VMCSs the walk visited.
 */
unsigned int vtx_vmcs_emergency_clear_this_cpu(void)
{
	return vtx_vmcs_list_walk(this_cpu_ptr(&vtx_loaded_vmcss),
				  atomic_read(&vtx_vmcs_count) + 1,
				  vtx_vmcs_emergency_clear_entry, NULL);
}

/**
 * vtx_vmcs_loaded_on_this_cpu() - does this CPU have any VMCS listed?
 *
 * Context: preemption disabled.
 *
 * Return: true when this CPU's loaded list is not empty.
 */
bool vtx_vmcs_loaded_on_this_cpu(void)
{
	return !list_empty(this_cpu_ptr(&vtx_loaded_vmcss));
}

/**
 * vtx_vmcs_free() - clear @vmcs wherever it is loaded, then free it
 * @vmcs: the VMCS, or NULL
 *
 * Context: process context, interrupts on.
 */
void vtx_vmcs_free(struct vtx_vmcs *vmcs)
{
	if (!vmcs)
		return;
	vtx_vmcs_clear(vmcs);
	__free_page(vmcs->page);
	kfree(vmcs);
	atomic_dec(&vtx_vmcs_count);
}

struct vtx_vmcs_show_ctx {
	struct seq_file *m;
	unsigned int count;
};

static void vtx_vmcs_show_entry(struct list_head *entry, void *arg)
{
	struct vtx_vmcs *vmcs = list_entry(entry, struct vtx_vmcs, link);
	struct vtx_vmcs_show_ctx *ctx = arg;

	seq_printf(ctx->m, "vmcs=0x%llx cpu=%d launched=%d\n", vmcs->pa,
		   READ_ONCE(vmcs->cpu), READ_ONCE(vmcs->launched));
}

/*
 * Walk this CPU's list as the crash path does, forward only. Interrupts
 * off: an IPI from vtx_vmcs_show(), so the list cannot change under it.
 */
static void vtx_vmcs_show_cpu(void *arg)
{
	struct vtx_vmcs_show_ctx *ctx = arg;

	ctx->count = vtx_vmcs_list_walk(this_cpu_ptr(&vtx_loaded_vmcss),
					atomic_read(&vtx_vmcs_count) + 1,
					vtx_vmcs_show_entry, ctx);
}

/* An offline CPU's list: nothing can change it while hotplug is locked. */
static void vtx_vmcs_show_offline(unsigned int cpu,
				  struct vtx_vmcs_show_ctx *ctx)
{
	ctx->count = vtx_vmcs_list_walk(per_cpu_ptr(&vtx_loaded_vmcss, cpu),
					atomic_read(&vtx_vmcs_count) + 1,
					vtx_vmcs_show_entry, ctx);
}

/**
 * vtx_vmcs_show() - the debugfs view of every CPU's list
 * @m: the seq_file
 *
 * Context: process context. Each online CPU walks its own list in an
 * IPI; an offline CPU's list cannot change and is walked from here.
 *
 * Return: 0.
 */
int vtx_vmcs_show(struct seq_file *m)
{
	struct vtx_vmcs_show_ctx ctx = { .m = m };
	unsigned int cpu;

	seq_printf(m, "allocated=%d\n", atomic_read(&vtx_vmcs_count));
	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		ctx.count = 0;
		if (cpu_online(cpu))
			smp_call_function_single(cpu, vtx_vmcs_show_cpu, &ctx,
						 1);
		else
			vtx_vmcs_show_offline(cpu, &ctx);
		seq_printf(m, "cpu%u loaded=%u\n", cpu, ctx.count);
	}
	cpus_read_unlock();
	return 0;
}
