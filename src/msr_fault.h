/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only faults on the VM-entry/exit MSR lists (debugfs knobs): a bad
 * entry that makes one VM entry fail, and a software restore of the
 * host's IA32_LSTAR in place of the exit-load list.
 *
 * The run loop's hooks cost one patched-out jump until a test first uses
 * a knob (static key vtx_msr_fault_used).
 */
#ifndef VTX_MSR_FAULT_H
#define VTX_MSR_FAULT_H

#include <linux/jump_label.h>
#include <linux/types.h>

struct vtx_vcpu;

DECLARE_STATIC_KEY_FALSE(vtx_msr_fault_used);

void vtx_msr_fault_init(void);
u64 vtx_msr_fault_host_lstar(void);
void vtx_msr_fault_arm_entry(void);
void vtx_msr_fault_last_entry(u32 *qualification, u32 *entries);
void vtx_msr_fault_set_sw_restore(bool on);
bool vtx_msr_fault_sw_restore(void);
void __vtx_msr_fault_before_entry(struct vtx_vcpu *vcpu);
void __vtx_msr_fault_after_exit(struct vtx_vcpu *vcpu, u32 reason);

/* Interrupts off, right before entry. */
static inline void vtx_msr_fault_before_entry(struct vtx_vcpu *vcpu)
{
	if (static_branch_unlikely(&vtx_msr_fault_used))
		__vtx_msr_fault_before_entry(vcpu);
}

/* Interrupts off, after the NMI of an NMI exit, before the host runs. */
static inline void vtx_msr_fault_after_exit(struct vtx_vcpu *vcpu,
					    u32 reason)
{
	if (static_branch_unlikely(&vtx_msr_fault_used))
		__vtx_msr_fault_after_exit(vcpu, reason);
}

#endif /* VTX_MSR_FAULT_H */
