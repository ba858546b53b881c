/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU VMX operation: VMXON/VMXOFF through a CPU hotplug state.
 */
#ifndef VTX_CPU_H
#define VTX_CPU_H

#include <linux/compiler.h>
#include <linux/types.h>

int vtx_cpu_check_owner(void);
int vtx_cpu_init(void);
void vtx_cpu_exit(void);
bool vtx_cpu_vmx_on(unsigned int cpu);
void vtx_cpu_emergency_disable(void);
void vtx_cpu_test_vmxoff_arm(bool armed);
void __vtx_cpu_test_vmxoff(void);

extern bool vtx_cpu_test_vmxoff_armed;

/**
 * vtx_cpu_test_vmxoff() - the reboot IPI, where it can hurt most
 *
 * Called by the run loop after it has made sure that the VMCS is loaded
 * here and before it turns interrupts off: where the reboot notifier's
 * IPI (or kexec's) can land. When armed (debugfs, tests only), turn VMX
 * off on this CPU as that IPI would, so that a test sees what the entry
 * path then does.
 *
 * Context: preemption off, interrupts on.
 */
static inline void vtx_cpu_test_vmxoff(void)
{
	if (unlikely(READ_ONCE(vtx_cpu_test_vmxoff_armed)))
		__vtx_cpu_test_vmxoff();
}

#endif /* VTX_CPU_H */
