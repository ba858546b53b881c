/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts and NMIs that user space injects, KVM's contract without an
 * in-kernel irqchip (event.c).
 */
#ifndef VTX_EVENT_H
#define VTX_EVENT_H

#include <linux/types.h>

struct vtx_vcpu;

/**
 * struct vtx_event - events waiting for the guest to accept them
 * @irq_pending: KVM_INTERRUPT queued @irq_vector, or the delivery of an
 *	interrupt was cut short by a VM exit; it is injected at the first
 *	entry where the guest takes interrupts
 * @irq_vector: its vector
 * @nmi_pending: KVM_NMIs not yet injected: at most two, one while an NMI
 *	is blocked, as KVM keeps them
 * @nmi_used: an NMI was injected: the guest's NMI blocking is its own
 * @windows: CPU_BASED_INTR_WINDOW_EXITING, CPU_BASED_NMI_WINDOW_EXITING and
 *	CPU_BASED_MONITOR_TRAP_FLAG (single-stepping) as set in the VMCS
 */
struct vtx_event {
	bool irq_pending;
	u8 irq_vector;
	u8 nmi_pending;
	bool nmi_used;
	u32 windows;
};

long vtx_event_interrupt(struct vtx_vcpu *vcpu, void __user *argp);
long vtx_event_nmi(struct vtx_vcpu *vcpu);
void vtx_event_before_entry(struct vtx_vcpu *vcpu);
void vtx_event_after_exit(struct vtx_vcpu *vcpu, u32 reason);
void vtx_event_entry_failed(struct vtx_vcpu *vcpu);
bool vtx_event_ready(struct vtx_vcpu *vcpu);
void vtx_event_report(struct vtx_vcpu *vcpu);
void vtx_event_drop_exception(void);
void vtx_event_fit_shadow(void);
long vtx_event_ioctl(struct vtx_vcpu *vcpu, bool set, void __user *argp);

#endif /* VTX_EVENT_H */
