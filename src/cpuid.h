/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's CPUID table: KVM_SET_CPUID2, KVM_GET_CPUID2 and
 * KVM_GET_SUPPORTED_CPUID.
 */
#ifndef VTX_CPUID_H
#define VTX_CPUID_H

#include <linux/types.h>

struct kvm_cpuid2;
struct vtx_vcpu;

/* As KVM: at most this many entries in one table. */
#define VTX_MAX_CPUID_ENTRIES	256

int vtx_cpuid_set(struct vtx_vcpu *vcpu, struct kvm_cpuid2 __user *argp);
int vtx_cpuid_get(struct vtx_vcpu *vcpu, struct kvm_cpuid2 __user *argp);
int vtx_cpuid_get_supported(struct kvm_cpuid2 __user *argp);
u32 vtx_cpuid_edx(const struct vtx_vcpu *vcpu, u32 leaf, u32 subleaf);
const struct kvm_cpuid_entry2 *vtx_cpuid_find(const struct vtx_vcpu *vcpu,
					      u32 leaf, u32 subleaf);
void vtx_cpuid_lookup(const struct vtx_vcpu *vcpu, u32 leaf, u32 subleaf,
		      u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);
unsigned int vtx_cpuid_phys_bits(const struct vtx_vcpu *vcpu);

#endif /* VTX_CPUID_H */
