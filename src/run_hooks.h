/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run loop's per-entry and per-exit hooks, their nothing-to-do case
 * inline (run.c only).
 *
 * Every exit the kernel handles passes through all of them, and most of
 * them have nothing to do for most exits: a call that returns at once
 * costs about as much as its check. Each gate below only decides whether
 * to call; the function it calls makes its own checks again and stays
 * correct when called directly.
 */
#ifndef VTX_RUN_HOOKS_H
#define VTX_RUN_HOOKS_H

#include <linux/kvm.h>

#include <asm/hardirq.h>
#include <asm/vmx.h>

#include "caps.h"
#include "controls.h"
#include "debugreg.h"
#include "event.h"
#include "fpu_state.h"
#include "mitigation.h"
#include "spec_ctrl_hw.h"
#include "vcpu.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/* The guest's or the VMM's DR0-3, only while a breakpoint needs them. */
static __always_inline void vtx_hook_debugreg_load_guest(struct vtx_vcpu *vcpu)
{
	if (unlikely(vcpu->dr7_bp_enabled ||
		     (vcpu->guest_debug & KVM_GUESTDBG_USE_HW_BP)))
		vtx_debugreg_load_guest(vcpu);
}

/* Injection and event windows, only when something waits or is open. */
static __always_inline void vtx_hook_event_before_entry(struct vtx_vcpu *vcpu)
{
	const struct vtx_event *ev = &vcpu->event;

	if (unlikely(ev->irq_pending || ev->nmi_pending || ev->windows ||
		     vcpu->guest_debug ||
		     READ_ONCE(vcpu->run->request_interrupt_window)))
		vtx_event_before_entry(vcpu);
}

/* An event the exit cut short in delivery, or an NMI unblocked by IRET. */
static __always_inline void vtx_hook_event_after_exit(struct vtx_vcpu *vcpu,
						      u32 reason)
{
	if (unlikely(vtx_vmcs_controls.vnmi && vcpu->event.nmi_used) ||
	    unlikely(vmcs_read32(IDT_VECTORING_INFO_FIELD) &
		     VECTORING_INFO_VALID_MASK))
		vtx_event_after_exit(vcpu, reason);
}

/*
 * The guest's XCR0 and IA32_XSS, only where one may differ from the
 * host's: a guest XCR0 of its own (XSAVE in its CPUID), or a host XSS
 * other than the guest's 0 (with XSAVES on).
 */
static __always_inline void vtx_hook_fpu_load_guest(struct vtx_vcpu *vcpu)
{
	if (likely(!(unlikely(vtx_host_caps.xss) &&
		     vtx_vmcs_controls.xsaves) &&
		   (!vcpu->cpuid_xsave || vcpu->xcr0 == vtx_host_caps.xcr0))) {
		vcpu->xcr0_loaded = false;
		vcpu->xss_loaded = false;
		return;
	}
	vtx_fpu_load_guest_xcr0(vcpu);
}

static __always_inline void vtx_hook_fpu_load_host(struct vtx_vcpu *vcpu)
{
	if (unlikely(vcpu->xcr0_loaded || vcpu->xss_loaded))
		vtx_fpu_load_host_xcr0(vcpu);
}

/* vmentry_l1d_flush: never, not required, or cond with nothing to flush. */
static __always_inline void vtx_hook_l1d_flush(struct vtx_vcpu *vcpu)
{
	enum vtx_l1d_flush mode = vtx_mitigations.l1d_flush;

	if (likely(mode != VTX_L1D_FLUSH_COND && mode != VTX_L1D_FLUSH_ALWAYS))
		return;
	if (mode == VTX_L1D_FLUSH_COND && !vcpu->l1d_flush_pending &&
	    !kvm_get_cpu_l1tf_flush_l1d())
		return;
	vtx_mitigation_l1d_flush(vcpu);
}

/* VMSCAPE's IBPB request, where the kernel mitigates it. */
static __always_inline void vtx_hook_after_exit(struct vtx_vcpu *vcpu)
{
	if (vtx_mitigations.ibpb_exit_to_user)
		vtx_mitigation_after_exit(vcpu);
}

/* IA32_SPEC_CTRL's guest list entry, looked up only after a list change. */
static __always_inline u64 *vtx_hook_spec_ctrl_slot(struct vtx_vcpu *vcpu)
{
	if (!vcpu->spec_ctrl.plan.on_lists)
		return NULL;
	if (likely(vcpu->spec_ctrl_slot))
		return vcpu->spec_ctrl_slot;
	return vtx_spec_ctrl_hw_guest_slot(vcpu);
}

#endif /* VTX_RUN_HOOKS_H */
