/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IA32_SPEC_CTRL in the VMCS: the mechanism behind src/spec_ctrl.c.
 */
#ifndef VTX_SPEC_CTRL_HW_H
#define VTX_SPEC_CTRL_HW_H

#include <linux/types.h>

#include "spec_ctrl.h"

struct vtx_vcpu;
struct vtx_vm;

/**
 * struct vtx_spec_ctrl_vcpu - one vCPU's IA32_SPEC_CTRL
 * @plan: the mechanism in effect
 * @valid: the bits this guest may write (0: no MSR for it)
 * @shadow: the guest's value, in intercept mode (the other modes keep it
 *	in the VMCS or on the MSR list)
 * @rdmsr_exits: guest RDMSRs of the MSR that exited
 * @wrmsr_exits: guest WRMSRs of the MSR that exited
 */
struct vtx_spec_ctrl_vcpu {
	struct vtx_spec_ctrl_plan plan;
	u64 valid;
	u64 shadow;
	u64 rdmsr_exits;
	u64 wrmsr_exits;
};

extern struct vtx_spec_ctrl_host vtx_spec_ctrl_host;

int vtx_spec_ctrl_hw_init(void);
long vtx_spec_ctrl_set_policy(struct vtx_vm *vm, void __user *argp);
long vtx_spec_ctrl_get_policy(struct vtx_vm *vm, void __user *argp);
long vtx_spec_ctrl_get_state(struct vtx_vcpu *vcpu, void __user *argp);
void vtx_spec_ctrl_hw_setup(struct vtx_vcpu *vcpu, bool first);
int vtx_spec_ctrl_hw_get(struct vtx_vcpu *vcpu, u64 *value, bool host);
int vtx_spec_ctrl_hw_set(struct vtx_vcpu *vcpu, u64 value, bool host);
int vtx_spec_ctrl_hw_wrmsr(struct vtx_vcpu *vcpu, u64 value);
int vtx_spec_ctrl_hw_pred_cmd(struct vtx_vcpu *vcpu, u64 value, bool host);
u64 *vtx_spec_ctrl_hw_guest_slot(struct vtx_vcpu *vcpu);

#endif /* VTX_SPEC_CTRL_HW_H */
