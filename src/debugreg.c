// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's debug registers.
 *
 * MOV DR always exits. The guest's DR7 lives in the VMCS, which VM entry
 * loads and VM exit saves; its DR0-3 and DR6 live here. While the guest's
 * DR7 enables a breakpoint, its own DR0-3 are in the hardware for the
 * entry, so no breakpoint it arms can match an address the host left in
 * DR0-3. #DB always exits (exit.c): the CPU then leaves DR6 alone, and
 * vtx updates the guest's DR6 from the exit qualification before it
 * delivers the #DB. After the exit, the host's own breakpoints come back
 * whenever the host has any.
 *
 * Context: the run loop (interrupts off around entry) and exit handlers
 * (preemption off); the vCPU's VMCS current.
 */
#include <linux/kvm.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>
/* Not self-contained: after the headers it relies on. */
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>

#include "debugreg.h"
#include "vcpu.h"
#include "vmx_ops.h"

/**
 * vtx_debugreg_reset() - the reset values: DR0-3 0, DR6 0xffff0ff0
 * @vcpu: the vCPU (DR7 is reset with the VMCS)
 */
void vtx_debugreg_reset(struct vtx_vcpu *vcpu)
{
	memset(vcpu->db, 0, sizeof(vcpu->db));
	vcpu->dr6 = VTX_DR6_FIXED_1;
	vcpu->dr7_bp_enabled = false;
}

/**
 * vtx_debugreg_load_guest() - put the guest's DR0-3 in the hardware
 * @vcpu: the vCPU about to enter
 *
 * Only while its DR7 enables a breakpoint; the host's DR7 goes to 0 first
 * so that no host breakpoint matches a guest address before the entry.
 * Under KVM_GUESTDBG_USE_HW_BP the VMM's DR0-3 go in instead, always.
 *
 * Context: interrupts off, before VM entry.
 */
void vtx_debugreg_load_guest(struct vtx_vcpu *vcpu)
{
	const unsigned long *db = vcpu->db;

	if (vcpu->guest_debug & KVM_GUESTDBG_USE_HW_BP)
		db = vcpu->debug_db;
	else if (!vcpu->dr7_bp_enabled)
		return;
	if (hw_breakpoint_active())
		set_debugreg(0, 7);
	set_debugreg(db[0], 0);
	set_debugreg(db[1], 1);
	set_debugreg(db[2], 2);
	set_debugreg(db[3], 3);
}

/* The guest's DR6 after a #DB whose DR6-style bits are @payload. */
static unsigned long vtx_debugreg_dr6_after_db(unsigned long dr6,
					       unsigned long payload)
{
	dr6 &= ~(unsigned long)DR_TRAP_BITS;
	dr6 |= VTX_DR6_FIXED_1;
	dr6 |= payload & VTX_DR6_VOLATILE;
	return dr6;
}

/**
 * vtx_debugreg_db() - a guest #DB exited: update DR6 and deliver it
 * @vcpu: the vCPU
 * @intr_info: VM_EXIT_INTR_INFO
 *
 * ICEBP (INT1) is a privileged software exception, delivered again as
 * one, past the instruction, with DR6 unchanged. Any other #DB takes its
 * DR6 bits from the exit qualification. With RFLAGS.TF set under STI or
 * MOV SS blocking, the CPU does not record the pending single-step in the
 * VMCS on a #DB exit; VM entry would refuse that state, so record it.
 */
void vtx_debugreg_db(struct vtx_vcpu *vcpu, u32 intr_info)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if ((intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION) {
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
			     vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, DB_VECTOR |
			     INTR_TYPE_PRIV_SW_EXCEPTION | INTR_INFO_VALID_MASK);
		return;
	}
	vcpu->dr6 = vtx_debugreg_dr6_after_db(vcpu->dr6,
					      vmcs_readl(EXIT_QUALIFICATION));
	if ((vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
	    (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)))
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | DR_STEP);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, DB_VECTOR |
		     INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK);
}

/**
 * vtx_debugreg_read() - MOV from DR@dr
 * @vcpu: the vCPU
 * @dr: 0-3, 6 or 7
 *
 * Return: the guest's value.
 */
unsigned long vtx_debugreg_read(struct vtx_vcpu *vcpu, unsigned int dr)
{
	switch (dr) {
	case 0 ... 3:
		return vcpu->db[dr];
	case 6:
		return vcpu->dr6;
	default:
		/* The VMM's DR7 is in the VMCS: the guest's is aside. */
		if (vcpu->guest_debug & KVM_GUESTDBG_USE_HW_BP)
			return vcpu->debug_guest_dr7;
		return vmcs_readl(GUEST_DR7);
	}
}

/**
 * vtx_debugreg_write() - MOV to DR@dr
 * @vcpu: the vCPU
 * @dr: 0-3, 6 or 7
 * @val: the value, already truncated to the guest's operand size
 *
 * General detect (DR7.GD) is not offered: it reads 0.
 *
 * Return: 0, or -EINVAL (#GP) for bits 63:32 set in DR6 or DR7.
 */
int vtx_debugreg_write(struct vtx_vcpu *vcpu, unsigned int dr,
		       unsigned long val)
{
	switch (dr) {
	case 0 ... 3:
		vcpu->db[dr] = val;
		return 0;
	case 6:
		if (val >> 32)
			return -EINVAL;
		vcpu->dr6 = (val & VTX_DR6_VOLATILE) | VTX_DR6_FIXED_1;
		return 0;
	default:
		if (val >> 32)
			return -EINVAL;
		val = (val & VTX_DR7_VOLATILE) | VTX_DR7_FIXED_1;
		if (vcpu->guest_debug & KVM_GUESTDBG_USE_HW_BP) {
			vcpu->debug_guest_dr7 = val;
			vcpu->dr7_bp_enabled = val & VTX_DR7_BP_ENABLED;
			return 0;
		}
		vmcs_writel(GUEST_DR7, val);
		vcpu->dr7_bp_enabled = val & VTX_DR7_BP_ENABLED;
		return 0;
	}
}

/**
 * vtx_debugreg_ioctl() - KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS
 * @vcpu: the vCPU, loaded, under its mutex
 * @set: KVM_SET_DEBUGREGS
 * @argp: struct kvm_debugregs
 *
 * The guest's DR0-3, DR6 and DR7, with the rules of a guest MOV to them.
 *
 * Return: 0; -EFAULT; -EINVAL for flags, or bits 63:32 of DR6 or DR7.
 */
long vtx_debugreg_ioctl(struct vtx_vcpu *vcpu, bool set, void __user *argp)
{
	struct kvm_debugregs d;
	unsigned int i;

	if (!set) {
		memset(&d, 0, sizeof(d));
		for (i = 0; i < 4; i++)
			d.db[i] = vcpu->db[i];
		d.dr6 = vcpu->dr6;
		preempt_disable();
		d.dr7 = vmcs_readl(GUEST_DR7);
		preempt_enable();
		return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
	}
	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.flags || d.dr6 >> 32 || d.dr7 >> 32)
		return -EINVAL;
	for (i = 0; i < 4; i++)
		vcpu->db[i] = d.db[i];
	preempt_disable();
	vtx_debugreg_write(vcpu, 6, d.dr6);
	vtx_debugreg_write(vcpu, 7, d.dr7);
	preempt_enable();
	return 0;
}
