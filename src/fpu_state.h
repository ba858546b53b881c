/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's FPU and extended state: XCR0, XSETBV, and the ioctls that
 * save and restore it (fpu_state.c).
 */
#ifndef VTX_FPU_STATE_H
#define VTX_FPU_STATE_H

#include <linux/types.h>

struct vtx_vcpu;

u64 vtx_fpu_supported_xcr0(void);
u32 vtx_fpu_xstate_size(u64 xcr0, bool compacted);
void vtx_fpu_cpuid_changed(struct vtx_vcpu *vcpu);
int vtx_fpu_xsetbv(struct vtx_vcpu *vcpu);
void vtx_fpu_load_guest_xcr0(struct vtx_vcpu *vcpu);
void vtx_fpu_load_host_xcr0(struct vtx_vcpu *vcpu);
long vtx_fpu_ioctl(struct vtx_vcpu *vcpu, unsigned int cmd, void __user *argp);
long vtx_fpu_xsave2_size(void);

#endif /* VTX_FPU_STATE_H */
