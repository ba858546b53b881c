/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_SET_GUEST_DEBUG: single-stepping and breakpoints for the VMM
 * (guest_debug.c).
 */
#ifndef VTX_GUEST_DEBUG_H
#define VTX_GUEST_DEBUG_H

#include <linux/types.h>

struct vtx_vcpu;

long vtx_guest_debug_set(struct vtx_vcpu *vcpu, void __user *argp);
int vtx_guest_debug_exception(struct vtx_vcpu *vcpu, u32 intr_info);
int vtx_guest_debug_mtf(struct vtx_vcpu *vcpu);
int vtx_guest_debug_step_exit(struct vtx_vcpu *vcpu);

#endif /* VTX_GUEST_DEBUG_H */
