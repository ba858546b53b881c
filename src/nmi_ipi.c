// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs on request, for tests: debugfs nmi_ipi sends one NMI IPI to a CPU,
 * and this file's NMI handler claims it, so that the kernel does not
 * report an NMI for an unknown reason. A vCPU running on that CPU takes
 * it as an NMI VM exit, which is what the SPEC_CTRL and MSR-list tests
 * need: the guest's values must survive NMIs at any point of the exit
 * path.
 *
 * The handler also reads IA32_LSTAR, which VM exit puts back from the
 * exit-load list: an NMI that caused a VM exit runs right after that
 * exit, and any value but the host's there is counted as a leak (the
 * atomic-restore test and its control, msr_fault.c).
 *
 * Only NMIs sent here are claimed: each send adds one to the pending
 * count and the handler takes one off. The count is shared by all CPUs;
 * on a host where something else sends NMIs as well, the handler may
 * claim the wrong one, which is harmless for a test host.
 *
 * Context: vtx_nmi_ipi_send() process context; the handler NMI context.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/errno.h>

#include <asm/apic.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/nmi.h>

#include "msr_fault.h"
#include "nmi_ipi.h"

static atomic_t vtx_nmi_ipi_pending = ATOMIC_INIT(0);
static atomic64_t vtx_nmi_ipi_count = ATOMIC64_INIT(0);
static atomic64_t vtx_nmi_ipi_leak_count = ATOMIC64_INIT(0);

static int vtx_nmi_ipi_handler(unsigned int type, struct pt_regs *regs)
{
	u64 lstar;

	if (!atomic_add_unless(&vtx_nmi_ipi_pending, -1, 0))
		return NMI_DONE;
	atomic64_inc(&vtx_nmi_ipi_count);
	rdmsrl(MSR_LSTAR, lstar);
	if (lstar != vtx_msr_fault_host_lstar())
		atomic64_inc(&vtx_nmi_ipi_leak_count);
	return NMI_HANDLED;
}

/**
 * vtx_nmi_ipi_init() - register the NMI handler, at module load
 *
 * Return: 0 or the error of register_nmi_handler().
 */
int vtx_nmi_ipi_init(void)
{
	return register_nmi_handler(NMI_LOCAL, vtx_nmi_ipi_handler, 0,
				    "vtx_nmi_ipi");
}

/**
 * vtx_nmi_ipi_exit() - unregister it; waits for a running handler
 */
void vtx_nmi_ipi_exit(void)
{
	unregister_nmi_handler(NMI_LOCAL, "vtx_nmi_ipi");
}

/**
 * vtx_nmi_ipi_send() - send one NMI to @cpu
 * @cpu: an online CPU
 *
 * Return: 0, or -EINVAL for a CPU that is not online.
 */
int vtx_nmi_ipi_send(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	atomic_inc(&vtx_nmi_ipi_pending);
	apic->send_IPI(cpu, NMI_VECTOR);
	return 0;
}

/**
 * vtx_nmi_ipi_handled() - NMIs the handler claimed since load
 *
 * Return: the count.
 */
u64 vtx_nmi_ipi_handled(void)
{
	return atomic64_read(&vtx_nmi_ipi_count);
}

/**
 * vtx_nmi_ipi_leaks() - claimed NMIs that found a guest's IA32_LSTAR
 *
 * Return: the count since load.
 */
u64 vtx_nmi_ipi_leaks(void)
{
	return atomic64_read(&vtx_nmi_ipi_leak_count);
}
