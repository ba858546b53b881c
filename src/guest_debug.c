// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_GUEST_DEBUG: what security users need to trace a guest
 * instruction by instruction, with KVM's ABI (KVM_EXIT_DEBUG).
 *
 * - KVM_GUESTDBG_SINGLESTEP uses the monitor trap flag: a VM exit after
 *   every instruction the guest executes, with nothing left in the
 *   guest's RFLAGS or on its stack. An instruction vtx completes itself
 *   (CPUID, an MSR, an OUT or MMIO that user space answered) is a step
 *   too (vtx_exit_advance()), reported before the guest runs again, as
 *   KVM reports it.
 * - KVM_GUESTDBG_USE_SW_BP intercepts #BP: a breakpoint (INT3) is
 *   KVM_EXIT_DEBUG with exception 3 and pc on it; RIP stays there.
 *   KVM_GUESTDBG_INJECT_BP hands one that was the guest's own back to it.
 * - KVM_GUESTDBG_USE_HW_BP puts the VMM's DR0-3 and DR7 in the hardware
 *   while the guest runs; the guest's own DR7 is kept aside (MOV DR
 *   always exits, debugreg.c). A #DB that one of them raised is
 *   KVM_EXIT_DEBUG with exception 1, the DR6 bits and the VMM's DR7.
 *
 * Unknown control bits are taken without a word, as Debian's 6.1
 * kvm_intel takes them. Without KVM_GUESTDBG_ENABLE everything is off.
 *
 * Context: the vCPU's ioctls and the exit handlers, the VMCS current.
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>

#include <asm/debugreg.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "debugreg.h"
#include "exit.h"
#include "guest_debug.h"
#include "controls.h"
#include "vcpu.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/* #MC, #DB and #AC always exit (vmcs_init.c); #BP for USE_SW_BP. */
#define VTX_EXCEPTIONS_ALWAYS	(BIT(X86_TRAP_MC) | BIT(X86_TRAP_DB) | \
				 BIT(X86_TRAP_AC))

static u64 vtx_guest_debug_pc(void)
{
	unsigned long rip = vmcs_readl(GUEST_RIP);

	if (!(vmcs_read32(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE) ||
	    !(vmcs_read32(GUEST_CS_AR_BYTES) & BIT(13)))
		return (u32)(vmcs_readl(GUEST_CS_BASE) + rip);
	return rip;
}

/* KVM_EXIT_DEBUG for @exception. */
static int vtx_guest_debug_exit(struct vtx_vcpu *vcpu, u32 exception,
				u64 dr6, u64 dr7)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.exception = exception;
	run->debug.arch.pc = vtx_guest_debug_pc();
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = dr7;
	return 0;
}

/**
 * vtx_guest_debug_set() - KVM_SET_GUEST_DEBUG
 * @vcpu: the vCPU, loaded, under its mutex
 * @argp: struct kvm_guest_debug
 *
 * Return: 0; -EFAULT; -EBUSY for INJECT_DB or INJECT_BP while another
 * exception is being injected, as in KVM; -EINVAL for SINGLESTEP on a
 * CPU without the monitor trap flag.
 */
long vtx_guest_debug_set(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_guest_debug dbg;
	bool was_hw, hw;
	u32 bitmap;
	long r = 0;
	int i;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	/* Single steps come from the monitor trap flag only. */
	if ((dbg.control & KVM_GUESTDBG_ENABLE) &&
	    (dbg.control & KVM_GUESTDBG_SINGLESTEP) && !vtx_vmcs_controls.mtf)
		return -EINVAL;
	preempt_disable();
	if (dbg.control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		if (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK) {
			r = -EBUSY;
			goto out;
		}
		if (dbg.control & KVM_GUESTDBG_INJECT_DB) {
			vtx_exit_inject(X86_TRAP_DB, false, 0);
		} else {
			/* Past the INT3 that exited, as a software exception. */
			vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
				     vcpu->debug_bp_len ?: 1);
			vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_BP |
				     INTR_TYPE_SOFT_EXCEPTION |
				     INTR_INFO_VALID_MASK);
		}
	}
	if (!(dbg.control & KVM_GUESTDBG_ENABLE))
		dbg.control = 0;

	was_hw = vcpu->guest_debug & KVM_GUESTDBG_USE_HW_BP;
	hw = dbg.control & KVM_GUESTDBG_USE_HW_BP;
	/* The guest's own DR7 goes aside while the VMM's is in the VMCS. */
	if (hw && !was_hw)
		vcpu->debug_guest_dr7 = vmcs_readl(GUEST_DR7);
	if (hw) {
		for (i = 0; i < 4; i++)
			vcpu->debug_db[i] = dbg.arch.debugreg[i];
		vmcs_writel(GUEST_DR7, (dbg.arch.debugreg[7] & VTX_DR7_VOLATILE) |
			    VTX_DR7_FIXED_1);
	} else if (was_hw) {
		vmcs_writel(GUEST_DR7, vcpu->debug_guest_dr7);
	}
	vcpu->guest_debug = dbg.control;
	vcpu->debug_step = false;

	bitmap = VTX_EXCEPTIONS_ALWAYS;
	if (dbg.control & KVM_GUESTDBG_USE_SW_BP)
		bitmap |= BIT(X86_TRAP_BP);
	vmcs_write32(EXCEPTION_BITMAP, bitmap);
out:
	preempt_enable();
	return r;
}

/**
 * vtx_guest_debug_exception() - a #DB or #BP that may be the VMM's
 * @vcpu: the vCPU
 * @intr_info: VM_EXIT_INTR_INFO
 *
 * Return: 0 with KVM_EXIT_DEBUG set, or 1 when the exception is the
 * guest's (the caller delivers it).
 */
int vtx_guest_debug_exception(struct vtx_vcpu *vcpu, u32 intr_info)
{
	u32 vector = intr_info & INTR_INFO_VECTOR_MASK;
	unsigned long q;

	if (vector == X86_TRAP_BP &&
	    (vcpu->guest_debug & KVM_GUESTDBG_USE_SW_BP)) {
		vcpu->debug_bp_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
		return vtx_guest_debug_exit(vcpu, X86_TRAP_BP, 0, 0);
	}
	if (vector != X86_TRAP_DB ||
	    !(vcpu->guest_debug & KVM_GUESTDBG_USE_HW_BP) ||
	    (intr_info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_HARD_EXCEPTION)
		return 1;
	/* One of the VMM's breakpoints: B0-3 of an enabled one. */
	q = vmcs_readl(EXIT_QUALIFICATION);
	if (!(q & DR_TRAP_BITS))
		return 1;
	return vtx_guest_debug_exit(vcpu, X86_TRAP_DB,
				    (q & (DR_TRAP_BITS | DR_STEP)) |
				    VTX_DR6_FIXED_1, vmcs_readl(GUEST_DR7));
}

/**
 * vtx_guest_debug_mtf() - the monitor trap flag exit: one step done
 * @vcpu: the vCPU
 *
 * Return: 0 with KVM_EXIT_DEBUG set; 1 when single-stepping is off.
 */
int vtx_guest_debug_mtf(struct vtx_vcpu *vcpu)
{
	if (!(vcpu->guest_debug & KVM_GUESTDBG_SINGLESTEP))
		return 1;
	return vtx_guest_debug_step_exit(vcpu);
}

/**
 * vtx_guest_debug_step_exit() - KVM_EXIT_DEBUG for a single step
 * @vcpu: the vCPU, its VMCS current
 *
 * Return: 0.
 */
int vtx_guest_debug_step_exit(struct vtx_vcpu *vcpu)
{
	vcpu->debug_step = false;
	return vtx_guest_debug_exit(vcpu, X86_TRAP_DB, DR_STEP | VTX_DR6_FIXED_1,
				    vmcs_readl(GUEST_DR7));
}
