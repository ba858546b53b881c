// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU VMX operation.
 *
 * vtx owns VMX on every online CPU from module load to unload: a CPU
 * hotplug state turns it on when a CPU comes online and off before the CPU
 * goes away. CR4.VMXE is the ownership token. It is tested and set with
 * interrupts off on the CPU itself, so another hypervisor that enables VMX
 * from an IPI either sees it set or has already set it.
 *
 * Contexts: the hotplug callbacks run in the per-CPU hotplug thread, on
 * the CPU they concern, in process context. vtx_cpu_disable() runs from an
 * IPI with interrupts off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/irqflags.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/reboot.h>
#include <linux/smp.h>

#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/tlbflush.h>

#include "caps.h"
#include "cpu.h"
#include "vmcs.h"
#include "vmx_ops.h"

/**
 * struct vtx_cpu - one CPU's VMX state
 * @vmxon_page: the VMXON region, allocated while the CPU is online
 * @vmx_on: this CPU is in VMX root operation on vtx's behalf
 */
struct vtx_cpu {
	struct page *vmxon_page;
	bool vmx_on;
};

static DEFINE_PER_CPU(struct vtx_cpu, vtx_cpu);
static enum cpuhp_state vtx_cpu_hp_state;

/*
 * Enter VMX operation on this CPU. Interrupts are off, so the CR4.VMXE
 * test and set cannot race with another hypervisor's IPI here.
 */
static int vtx_cpu_enable(struct vtx_cpu *vc, const char **reason)
{
	struct vtx_caps caps;
	u64 fixed;
	int r;

	lockdep_assert_irqs_disabled();

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		*reason = "VMX already in use by another hypervisor (CR4.VMXE set)";
		return -EBUSY;
	}
	vtx_caps_read(&caps);
	if (!vtx_caps_same_vmx(&caps, &vtx_host_caps)) {
		*reason = "VMX capabilities differ from the boot CPU's";
		return -EIO;
	}
	if (vtx_caps_feat_ctl_fixup(caps.feat_ctl, &fixed)) {
		*reason = "VMX disabled by firmware (IA32_FEATURE_CONTROL locked)";
		return -EPERM;
	}
	if (fixed != caps.feat_ctl && wrmsrl_safe(MSR_IA32_FEAT_CTL, fixed)) {
		*reason = "cannot enable VMX in IA32_FEATURE_CONTROL";
		return -EPERM;
	}

	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	r = vmx_on(page_to_phys(vc->vmxon_page));
	if (r) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		*reason = "VMXON failed";
		return r;
	}
	vc->vmx_on = true;
	return 0;
}

/*
 * Leave VMX operation on this CPU, if vtx entered it, after clearing every
 * VMCS the CPU may cache: VMXOFF does not write them back. Interrupts are
 * off.
 */
static void vtx_cpu_disable(void *unused)
{
	struct vtx_cpu *vc = this_cpu_ptr(&vtx_cpu);

	lockdep_assert_irqs_disabled();

	if (!vc->vmx_on)
		return;
	vtx_vmcs_clear_this_cpu();
	vmx_off();
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	vc->vmx_on = false;
}

static int vtx_cpu_online(unsigned int cpu)
{
	struct vtx_cpu *vc = per_cpu_ptr(&vtx_cpu, cpu);
	const char *reason = NULL;
	unsigned long flags;
	struct page *page;
	int r;

	page = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!page)
		return -ENOMEM;
	*(u32 *)page_address(page) = vtx_caps_vmcs_revision(&vtx_host_caps);
	vc->vmxon_page = page;

	local_irq_save(flags);
	r = vtx_cpu_enable(vc, &reason);
	local_irq_restore(flags);

	if (r) {
		pr_err("cpu%u: %s (%d)\n", cpu, reason, r);
		vc->vmxon_page = NULL;
		__free_page(page);
	}
	return r;
}

static int vtx_cpu_offline(unsigned int cpu)
{
	struct vtx_cpu *vc = per_cpu_ptr(&vtx_cpu, cpu);
	unsigned long flags;

	local_irq_save(flags);
	vtx_cpu_disable(NULL);
	local_irq_restore(flags);

	if (vc->vmxon_page) {
		__free_page(vc->vmxon_page);
		vc->vmxon_page = NULL;
	}
	return 0;
}

/**
 * vtx_cpu_emergency_disable() - leave VMX operation from the crash hook
 *
 * Context: the emergency hook (crash.c), in NMI context or with
 * interrupts off, after this CPU's VMCSs were VMCLEARed. It may have
 * interrupted vtx_cpu_enable() or vtx_cpu_disable() on this CPU, so it
 * goes by CR4.VMXE rather than by ->vmx_on, and a VMXOFF that faults
 * (VMX already off) is ignored. Takes no lock and prints nothing.
 */
void vtx_cpu_emergency_disable(void)
{
	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	vmx_off();
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	WRITE_ONCE(this_cpu_ptr(&vtx_cpu)->vmx_on, false);
}

/* Test only (debugfs "vmxoff_in_run"): the next KVM_RUN turns VMX off. */
bool vtx_cpu_test_vmxoff_armed;

/**
 * vtx_cpu_test_vmxoff_arm() - arm the test-only VMX-off knob
 * @armed: the next vCPU entry, on whatever CPU, first turns VMX off there
 *
 * Context: process context (debugfs).
 */
void vtx_cpu_test_vmxoff_arm(bool armed)
{
	WRITE_ONCE(vtx_cpu_test_vmxoff_armed, armed);
}

/* vtx_cpu_test_vmxoff(), armed: disarm, and turn VMX off here. */
void __vtx_cpu_test_vmxoff(void)
{
	unsigned long flags;

	WRITE_ONCE(vtx_cpu_test_vmxoff_armed, false);
	local_irq_save(flags);
	vtx_cpu_disable(NULL);
	local_irq_restore(flags);
}

/**
 * vtx_cpu_vmx_on() - is @cpu in VMX operation on vtx's behalf?
 * @cpu: the CPU
 *
 * A snapshot, for reporting only; the caller holds cpus_read_lock() when
 * it needs the answer to stay true.
 */
bool vtx_cpu_vmx_on(unsigned int cpu)
{
	return READ_ONCE(per_cpu_ptr(&vtx_cpu, cpu)->vmx_on);
}

/*
 * Turn VMX off everywhere before a reboot, kexec or power-off: INIT is
 * blocked in VMX root operation, so a CPU left there cannot be restarted.
 */
static int vtx_cpu_reboot(struct notifier_block *nb, unsigned long code,
			  void *unused)
{
	on_each_cpu(vtx_cpu_disable, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block vtx_cpu_reboot_nb = {
	.notifier_call = vtx_cpu_reboot,
};

static void vtx_cpu_probe_vmxe(void *in_use)
{
	if (cr4_read_shadow() & X86_CR4_VMXE)
		cpumask_set_cpu(smp_processor_id(), in_use);
}

/**
 * vtx_cpu_check_owner() - refuse to share VMX
 *
 * With a hypervisor already in VMX operation, and with kvm_intel even
 * while it is idle, because the kernel's emergency (crash/kexec) VMCLEAR
 * hook has a single slot that kvm_intel holds from load to unload.
 *
 * Context: process context, at module load, before vtx_cpu_init();
 * crash.c calls it once its module notifier keeps kvm_intel out.
 *
 * Return: 0, or -EBUSY (or -ENOMEM).
 */
int vtx_cpu_check_owner(void)
{
	struct kset *modules = THIS_MODULE->mkobj.kobj.kset;
	cpumask_var_t in_use;
	struct kobject *kvm_intel;
	int cpu;

	if (!zalloc_cpumask_var(&in_use, GFP_KERNEL))
		return -ENOMEM;
	on_each_cpu(vtx_cpu_probe_vmxe, in_use, 1);
	cpu = cpumask_first(in_use);
	free_cpumask_var(in_use);
	if (cpu < nr_cpu_ids) {
		pr_err("cpu%d: VMX already in use by another hypervisor (CR4.VMXE set) (%d)\n",
		       cpu, -EBUSY);
		return -EBUSY;
	}

	kvm_intel = modules ? kset_find_obj(modules, "kvm_intel") : NULL;
	if (kvm_intel) {
		kobject_put(kvm_intel);
		pr_err("kvm_intel is loaded; unload it first: it owns the emergency VMCLEAR hook (%d)\n",
		       -EBUSY);
		return -EBUSY;
	}
	return 0;
}

/**
 * vtx_cpu_init() - enter VMX operation on every online CPU
 *
 * Process context. On failure no CPU is left in VMX operation and nothing
 * stays registered.
 *
 * Return: 0 or a negative errno; -EBUSY when another hypervisor owns VMX.
 */
int vtx_cpu_init(void)
{
	int r;

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vtx/cpu:online",
			      vtx_cpu_online, vtx_cpu_offline);
	if (r < 0)
		return r;
	vtx_cpu_hp_state = r;

	r = register_reboot_notifier(&vtx_cpu_reboot_nb);
	if (r)
		goto error_remove_state;
	return 0;

error_remove_state:
	cpuhp_remove_state(vtx_cpu_hp_state);
	return r;
}

/**
 * vtx_cpu_exit() - leave VMX operation on every CPU
 *
 * Process context.
 */
void vtx_cpu_exit(void)
{
	unregister_reboot_notifier(&vtx_cpu_reboot_nb);
	cpuhp_remove_state(vtx_cpu_hp_state);
}
