/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only faults on the VM-entry/exit MSR lists (debugfs knobs): a bad
 * entry that makes one VM entry fail, and a software restore of the
 * host's IA32_LSTAR in place of the exit-load list.
 */
#ifndef VTX_MSR_FAULT_H
#define VTX_MSR_FAULT_H

#include <linux/types.h>

struct vtx_vcpu;

void vtx_msr_fault_init(void);
void vtx_msr_fault_arm_entry(void);
void vtx_msr_fault_last_entry(u32 *qualification, u32 *entries);
void vtx_msr_fault_set_sw_restore(bool on);
bool vtx_msr_fault_sw_restore(void);
void vtx_msr_fault_before_entry(struct vtx_vcpu *vcpu);
void vtx_msr_fault_after_exit(struct vtx_vcpu *vcpu, u32 reason);

#endif /* VTX_MSR_FAULT_H */
