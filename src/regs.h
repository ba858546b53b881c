/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_GET/SET_REGS and KVM_GET/SET_SREGS.
 */
#ifndef VTX_REGS_H
#define VTX_REGS_H

#include <linux/types.h>

#include <asm/processor-flags.h>

/*
 * The CR4 bits a guest may own: an allow-list of paging and instruction
 * controls whose state the VMCS switches with GUEST_CR4, and OSXSAVE,
 * whose XCR0 vtx switches around every entry (fpu_state.c). Every other
 * bit, known today or defined by a later CPU (nested VMX and SMX,
 * protection keys, CET, Key Locker, user interrupts, LAM, FRED...),
 * is the host's: the CR4 guest/host mask holds them, so a MOV to CR4 that
 * sets one exits and gets #GP, and KVM_SET_SREGS refuses it.
 */
#define VTX_CR4_GUEST_ALLOWED	(X86_CR4_VME | X86_CR4_PVI |		\
				 X86_CR4_TSD | X86_CR4_DE |		\
				 X86_CR4_PSE | X86_CR4_PAE |		\
				 X86_CR4_MCE | X86_CR4_PGE |		\
				 X86_CR4_PCE | X86_CR4_OSFXSR |		\
				 X86_CR4_OSXMMEXCPT | X86_CR4_UMIP |	\
				 X86_CR4_LA57 | X86_CR4_FSGSBASE |	\
				 X86_CR4_PCIDE | X86_CR4_SMEP |		\
				 X86_CR4_SMAP | X86_CR4_OSXSAVE)
#define VTX_CR4_GUEST_FORBIDDEN	(~(unsigned long)VTX_CR4_GUEST_ALLOWED)

struct kvm_regs;
struct kvm_segment;
struct kvm_sregs;
struct vtx_caps;
struct vtx_vcpu;

/* regs_check.c: pure */
u32 vtx_regs_segment_ar(const struct kvm_segment *seg);
void vtx_regs_segment_from_ar(struct kvm_segment *seg, u32 ar);
int vtx_regs_check_regs(const struct kvm_regs *regs);
int vtx_regs_check_sregs(const struct kvm_sregs *sregs,
			 const struct vtx_caps *caps);
bool vtx_regs_efer_valid(u64 efer, const struct vtx_caps *caps);
int vtx_regs_check_efer(u64 efer, u64 old, unsigned long cr0,
			unsigned long cr4, bool host,
			const struct vtx_caps *caps, u64 *out);
bool vtx_regs_xcr0_valid(u64 xcr0, u64 allowed);

/* regs.c */
void vtx_regs_get(struct vtx_vcpu *vcpu, struct kvm_regs *regs);
int vtx_regs_set(struct vtx_vcpu *vcpu, const struct kvm_regs *regs);
void vtx_regs_get_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs);
int vtx_regs_set_sregs(struct vtx_vcpu *vcpu, const struct kvm_sregs *sregs);

#endif /* VTX_REGS_H */
