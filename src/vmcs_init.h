/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Filling a vCPU's VMCS: controls, host state and guest state.
 */
#ifndef VTX_VMCS_INIT_H
#define VTX_VMCS_INIT_H

#include <linux/types.h>

struct vtx_controls;
struct vtx_vcpu;

extern struct vtx_controls vtx_vmcs_controls;

int vtx_vmcs_init_plan(void);
int vtx_vmcs_init_vcpu(struct vtx_vcpu *vcpu);
void vtx_vmcs_init_host_cpu(struct vtx_vcpu *vcpu, int cpu);

void vtx_guest_write_cr0(unsigned long cr0);
void vtx_guest_write_cr4(unsigned long cr4);
void vtx_guest_write_efer(struct vtx_vcpu *vcpu, u64 efer);
u64 vtx_guest_read_efer(struct vtx_vcpu *vcpu);
unsigned long vtx_guest_read_cr0(void);
unsigned long vtx_guest_read_cr4(void);

#endif /* VTX_VMCS_INIT_H */
