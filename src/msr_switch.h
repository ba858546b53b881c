/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU's VM-entry/exit MSR lists in its VMCS: the guest's MSRs loaded
 * at entry and stored at exit, the host's loaded at exit.
 */
#ifndef VTX_MSR_SWITCH_H
#define VTX_MSR_SWITCH_H

#include <linux/types.h>

#include "msr_list.h"

struct vtx_vcpu;

void vtx_msr_switch_init(bool efer_in_vmcs);
u32 vtx_msr_switch_capacity(void);
int vtx_msr_switch_set_capacity(u32 capacity);

int vtx_msr_switch_alloc(struct vtx_vcpu *vcpu);
void vtx_msr_switch_free(struct vtx_vcpu *vcpu);
void vtx_msr_switch_init_vmcs(struct vtx_vcpu *vcpu);
int vtx_msr_switch_get(struct vtx_vcpu *vcpu, u32 index, u64 *value);
int vtx_msr_switch_set(struct vtx_vcpu *vcpu, u32 index, u64 value);
void vtx_msr_switch_del(struct vtx_vcpu *vcpu, u32 index);
void vtx_msr_switch_perf(struct vtx_vcpu *vcpu);
void vtx_msr_switch_host_cpu(struct vtx_vcpu *vcpu);
void vtx_msr_switch_host_thread(struct vtx_vcpu *vcpu, u64 kernel_gs_base);

#endif /* VTX_MSR_SWITCH_H */
