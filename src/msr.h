/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest MSRs: RDMSR/WRMSR exits, KVM_GET/SET_MSRS and
 * KVM_GET_MSR_INDEX_LIST.
 */
#ifndef VTX_MSR_H
#define VTX_MSR_H

#include <linux/types.h>

struct kvm_msr_list;
struct kvm_msrs;
struct vtx_vcpu;

/* As KVM: at most this many entries in one KVM_GET/SET_MSRS. */
#define VTX_MAX_IO_MSRS		256

int vtx_msr_get(struct vtx_vcpu *vcpu, u32 index, u64 *data, bool host);
int vtx_msr_set(struct vtx_vcpu *vcpu, u32 index, u64 data, bool host);
int vtx_msr_ioctl(struct vtx_vcpu *vcpu, struct kvm_msrs __user *argp,
		  bool set);
int vtx_msr_get_index_list(struct kvm_msr_list __user *argp);

#endif /* VTX_MSR_H */
