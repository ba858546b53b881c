// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_REGS and KVM_GET/SET_SREGS over the vCPU's VMCS.
 *
 * Context: a vCPU ioctl: process context, the VMCS loaded on this CPU and
 * kept there by the preempt notifier. Every function runs with preemption
 * off around its VMCS accesses.
 */
#include <linux/kvm.h>
#include <linux/preempt.h>
#include <linux/string.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "caps.h"
#include "event.h"
#include "regs.h"
#include "vcpu.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/* The VMCS fields of one segment register. */
struct vtx_seg_fields {
	u16 selector;
	u16 base;
	u16 limit;
	u16 ar;
};

#define VTX_SEG(name) {							\
	.selector = GUEST_##name##_SELECTOR, .base = GUEST_##name##_BASE, \
	.limit = GUEST_##name##_LIMIT, .ar = GUEST_##name##_AR_BYTES,	\
}

enum {
	VTX_CS, VTX_DS, VTX_ES, VTX_FS, VTX_GS, VTX_SS, VTX_TR, VTX_LDTR,
	VTX_NR_SEGS
};

static const struct vtx_seg_fields vtx_segs[VTX_NR_SEGS] = {
	[VTX_CS] = VTX_SEG(CS), [VTX_DS] = VTX_SEG(DS), [VTX_ES] = VTX_SEG(ES),
	[VTX_FS] = VTX_SEG(FS), [VTX_GS] = VTX_SEG(GS), [VTX_SS] = VTX_SEG(SS),
	[VTX_TR] = VTX_SEG(TR), [VTX_LDTR] = VTX_SEG(LDTR),
};

static void vtx_regs_get_seg(struct kvm_segment *seg, int i)
{
	const struct vtx_seg_fields *f = &vtx_segs[i];

	seg->base = __vmx_vmread(f->base);
	seg->limit = (u32)__vmx_vmread(f->limit);
	seg->selector = (u16)__vmx_vmread(f->selector);
	vtx_regs_segment_from_ar(seg, (u32)__vmx_vmread(f->ar));
}

static void vtx_regs_set_seg(const struct kvm_segment *seg, int i)
{
	const struct vtx_seg_fields *f = &vtx_segs[i];

	__vmx_vmwrite(f->base, seg->base);
	__vmx_vmwrite(f->limit, seg->limit);
	__vmx_vmwrite(f->selector, seg->selector);
	__vmx_vmwrite(f->ar, vtx_regs_segment_ar(seg));
}

/* GPRs in struct kvm_regs order, and where vmenter.S keeps each. */
static const u8 vtx_regs_order[] = {
	VTX_REG_RAX, VTX_REG_RBX, VTX_REG_RCX, VTX_REG_RDX, VTX_REG_RSI,
	VTX_REG_RDI, VTX_REG_RSP, VTX_REG_RBP, VTX_REG_R8, VTX_REG_R9,
	VTX_REG_R10, VTX_REG_R11, VTX_REG_R12, VTX_REG_R13, VTX_REG_R14,
	VTX_REG_R15,
};

/**
 * vtx_regs_get() - KVM_GET_REGS
 * @vcpu: the vCPU
 * @regs: filled in
 */
void vtx_regs_get(struct vtx_vcpu *vcpu, struct kvm_regs *regs)
{
	__u64 *out = &regs->rax;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vtx_regs_order); i++)
		out[i] = vcpu->regs[vtx_regs_order[i]];
	preempt_disable();
	regs->rsp = vmcs_readl(GUEST_RSP);
	regs->rip = vmcs_readl(GUEST_RIP);
	regs->rflags = vmcs_readl(GUEST_RFLAGS);
	preempt_enable();
}

/**
 * vtx_regs_set() - KVM_SET_REGS
 * @vcpu: the vCPU
 * @regs: the registers
 *
 * Return: 0, or -EINVAL for RFLAGS with a reserved bit set.
 */
int vtx_regs_set(struct vtx_vcpu *vcpu, const struct kvm_regs *regs)
{
	const __u64 *in = &regs->rax;
	unsigned int i;
	int r;

	r = vtx_regs_check_regs(regs);
	if (r)
		return r;
	for (i = 0; i < ARRAY_SIZE(vtx_regs_order); i++)
		vcpu->regs[vtx_regs_order[i]] = in[i];
	preempt_disable();
	vmcs_writel(GUEST_RSP, regs->rsp);
	vmcs_writel(GUEST_RIP, regs->rip);
	vmcs_writel(GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
	vtx_event_drop_exception();
	vtx_event_fit_shadow();
	preempt_enable();
	/* New registers: a pending port I/O or MMIO is abandoned. */
	vcpu->pio.pending = false;
	vcpu->mmio.kind = VTX_MMIO_NONE;
	return 0;
}

/**
 * vtx_regs_get_sregs() - KVM_GET_SREGS
 * @vcpu: the vCPU
 * @sregs: filled in; CR0 and CR4 as the guest sees them
 */
void vtx_regs_get_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	preempt_disable();
	vtx_regs_get_seg(&sregs->cs, VTX_CS);
	vtx_regs_get_seg(&sregs->ds, VTX_DS);
	vtx_regs_get_seg(&sregs->es, VTX_ES);
	vtx_regs_get_seg(&sregs->fs, VTX_FS);
	vtx_regs_get_seg(&sregs->gs, VTX_GS);
	vtx_regs_get_seg(&sregs->ss, VTX_SS);
	vtx_regs_get_seg(&sregs->tr, VTX_TR);
	vtx_regs_get_seg(&sregs->ldt, VTX_LDTR);
	sregs->gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_readl(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sregs->cr0 = vtx_guest_read_cr0();
	sregs->cr3 = vmcs_readl(GUEST_CR3);
	sregs->cr4 = vtx_guest_read_cr4();
	sregs->efer = vtx_guest_read_efer(vcpu);
	preempt_enable();
	sregs->cr2 = vcpu->cr2;
	sregs->cr8 = vcpu->cr8;
	sregs->apic_base = vcpu->apic_base;
}

/**
 * vtx_regs_set_sregs() - KVM_SET_SREGS
 * @vcpu: the vCPU
 * @sregs: the registers
 *
 * Nothing changes unless every check passes.
 *
 * Return: 0, or -EINVAL (see vtx_regs_check_sregs()).
 */
int vtx_regs_set_sregs(struct vtx_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	int r;

	r = vtx_regs_check_sregs(sregs, &vtx_host_caps);
	if (r)
		return r;
	/* CR4.OSXSAVE only with XSAVE in the guest's CPUID, as in KVM. */
	if ((sregs->cr4 & X86_CR4_OSXSAVE) && !vcpu->cpuid_xsave)
		return -EINVAL;
	preempt_disable();
	vtx_regs_set_seg(&sregs->cs, VTX_CS);
	vtx_regs_set_seg(&sregs->ds, VTX_DS);
	vtx_regs_set_seg(&sregs->es, VTX_ES);
	vtx_regs_set_seg(&sregs->fs, VTX_FS);
	vtx_regs_set_seg(&sregs->gs, VTX_GS);
	vtx_regs_set_seg(&sregs->ss, VTX_SS);
	vtx_regs_set_seg(&sregs->tr, VTX_TR);
	vtx_regs_set_seg(&sregs->ldt, VTX_LDTR);
	vmcs_writel(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_writel(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vtx_guest_write_cr0(sregs->cr0);
	vmcs_writel(GUEST_CR3, sregs->cr3);
	vtx_guest_write_cr4(sregs->cr4);
	vtx_guest_write_efer(vcpu, sregs->efer);
	vtx_event_drop_exception();
	preempt_enable();
	vcpu->cr2 = sregs->cr2;
	vcpu->cr8 = sregs->cr8;
	vcpu->apic_base = sregs->apic_base;
	return 0;
}
