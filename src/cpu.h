/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU VMX operation: VMXON/VMXOFF through a CPU hotplug state.
 */
#ifndef VTX_CPU_H
#define VTX_CPU_H

#include <linux/types.h>

int vtx_cpu_check_owner(void);
int vtx_cpu_init(void);
void vtx_cpu_exit(void);
bool vtx_cpu_vmx_on(unsigned int cpu);
void vtx_cpu_emergency_disable(void);
void vtx_cpu_test_vmxoff_arm(bool armed);
void vtx_cpu_test_vmxoff(void);

#endif /* VTX_CPU_H */
