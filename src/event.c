// SPDX-License-Identifier: GPL-2.0
/*
 * Events from user space, KVM's contract without an in-kernel irqchip:
 * KVM_INTERRUPT queues an external interrupt, KVM_NMI an NMI, and
 * kvm_run's request_interrupt_window asks for an exit
 * (KVM_EXIT_IRQ_WINDOW_OPEN) once the guest can take one. Every exit
 * reports if_flag and ready_for_interrupt_injection.
 *
 * An event is injected only where the guest accepts it: an interrupt with
 * RFLAGS.IF set and no STI or MOV SS blocking, an NMI with no NMI, STI or
 * MOV SS blocking, and neither while another event is being injected.
 * Otherwise the interrupt-window or NMI-window exit brings the vCPU back
 * as soon as it does. (KVM injects a queued interrupt at the next entry
 * whatever the guest's IF; a VMM that honours ready_for_interrupt_injection
 * sees no difference, and one that does not gets no failed entry.)
 *
 * An interrupt or NMI whose delivery a VM exit cut short is injected
 * again, so none is lost; so are exceptions, as before. An IRET that
 * unblocked NMIs and then faulted is re-executed with NMIs blocked again,
 * so that no NMI nests in the guest's handler.
 *
 * Context: the vCPU's ioctl, under its mutex; the entry and exit hooks
 * with the VMCS current and interrupts off.
 */
#include <linux/kvm.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "event.h"
#include "exit.h"
#include "vcpu.h"
#include "controls.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

#define VTX_EVENT_INTR_BLOCKED	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)
#define VTX_EVENT_NMI_BLOCKED	(VTX_EVENT_INTR_BLOCKED | GUEST_INTR_STATE_NMI)

static bool vtx_event_irq_in_entry(u32 info)
{
	return (info & INTR_INFO_VALID_MASK) &&
	       (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR;
}

/**
 * vtx_event_interrupt() - KVM_INTERRUPT
 * @vcpu: the vCPU
 * @argp: struct kvm_interrupt
 *
 * An interrupt still waiting is replaced, as KVM without an in-kernel
 * irqchip replaces it: user space is to wait for
 * ready_for_interrupt_injection.
 *
 * Return: 0; -EFAULT; -EINVAL for a vector above 255.
 */
long vtx_event_interrupt(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	vcpu->event.irq_vector = irq.irq;
	vcpu->event.irq_pending = true;
	return 0;
}

/**
 * vtx_event_nmi() - KVM_NMI
 * @vcpu: the vCPU, loaded
 *
 * Return: 0; -ENXIO on a CPU without virtual NMIs, where vtx could not
 * tell when the guest's handler ends.
 */
long vtx_event_nmi(struct vtx_vcpu *vcpu)
{
	unsigned int limit = 2;

	if (!vtx_vmcs_controls.vnmi)
		return -ENXIO;
	preempt_disable();
	if (vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_STATE_NMI)
		limit = 1;
	preempt_enable();
	if (vcpu->event.nmi_pending < limit)
		vcpu->event.nmi_pending++;
	return 0;
}

static void vtx_event_set_windows(struct vtx_event *ev, u32 windows)
{
	u32 proc;

	if (windows == ev->windows)
		return;
	proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	proc &= ~(CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING |
		  CPU_BASED_MONITOR_TRAP_FLAG);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc | windows);
	ev->windows = windows;
}

/**
 * vtx_event_before_entry() - inject what the guest can take now
 * @vcpu: the vCPU
 *
 * Called with interrupts off, the VMCS current, right before entry.
 */
void vtx_event_before_entry(struct vtx_vcpu *vcpu)
{
	struct vtx_event *ev = &vcpu->event;
	bool want_window = READ_ONCE(vcpu->run->request_interrupt_window);
	u32 windows = 0, info, state;

	if (likely(!ev->irq_pending && !ev->nmi_pending && !want_window &&
		   !ev->windows && !vcpu->guest_debug))
		return;
	info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (ev->nmi_pending) {
		if (!(info & INTR_INFO_VALID_MASK) &&
		    !(state & VTX_EVENT_NMI_BLOCKED)) {
			info = X86_TRAP_NMI | INTR_TYPE_NMI_INTR |
			       INTR_INFO_VALID_MASK;
			vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
			ev->nmi_pending--;
			ev->nmi_used = true;
		}
		if (ev->nmi_pending)
			windows |= CPU_BASED_NMI_WINDOW_EXITING;
	}
	if (ev->irq_pending) {
		if (!(info & INTR_INFO_VALID_MASK) &&
		    (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
		    !(state & VTX_EVENT_INTR_BLOCKED)) {
			info = ev->irq_vector | INTR_TYPE_EXT_INTR |
			       INTR_INFO_VALID_MASK;
			vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
			ev->irq_pending = false;
		} else {
			windows |= CPU_BASED_INTR_WINDOW_EXITING;
		}
	} else if (want_window && !vtx_event_irq_in_entry(info)) {
		/* KVM_EXIT_IRQ_WINDOW_OPEN once the guest can take one. */
		windows |= CPU_BASED_INTR_WINDOW_EXITING;
	}
	/* KVM_GUESTDBG_SINGLESTEP: an exit after each instruction. */
	if (vcpu->guest_debug & KVM_GUESTDBG_SINGLESTEP)
		windows |= CPU_BASED_MONITOR_TRAP_FLAG;
	vtx_event_set_windows(ev, windows);
}

/*
 * Events that an exit interrupted in delivery (an exception whose IDT
 * access took an EPT violation, for example) are delivered again at the
 * next entry, so the guest never loses one. An interrupt goes back to
 * the queue, to wait for the guest to accept it like any other.
 */
static void vtx_event_requeue(struct vtx_vcpu *vcpu)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	if (type == INTR_TYPE_EXT_INTR) {
		vcpu->event.irq_vector = info & VECTORING_INFO_VECTOR_MASK;
		vcpu->event.irq_pending = true;
		return;
	}
	if (type == INTR_TYPE_NMI_INTR) {
		u32 state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

		/* VM entry injects an NMI only with NMIs unblocked. */
		if (state & GUEST_INTR_STATE_NMI)
			vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
				     state & ~GUEST_INTR_STATE_NMI);
	}
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN,
			     vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD,
		     info & (VECTORING_INFO_VECTOR_MASK |
			     INTR_INFO_INTR_TYPE_MASK |
			     VECTORING_INFO_DELIVER_CODE_MASK |
			     VECTORING_INFO_VALID_MASK));
}

/*
 * An IRET that unblocked virtual NMIs and then faulted (an EPT violation
 * on its stack, an exception) runs again: block NMIs until it does.
 */
static void vtx_event_reblock_nmi(u32 reason)
{
	bool unblocked = false;
	u32 info;

	switch ((u16)reason) {
	case EXIT_REASON_EPT_VIOLATION:
		unblocked = vmcs_readl(EXIT_QUALIFICATION) & INTR_INFO_UNBLOCK_NMI;
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		info = vmcs_read32(VM_EXIT_INTR_INFO);
		unblocked = (info & INTR_INFO_UNBLOCK_NMI) &&
			    (info & INTR_INFO_VECTOR_MASK) != X86_TRAP_DF;
		break;
	}
	if (unblocked &&
	    !(vmcs_read32(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) |
			     GUEST_INTR_STATE_NMI);
}

/**
 * vtx_event_after_exit() - take back what the exit left undelivered
 * @vcpu: the vCPU
 * @reason: the exit reason (not a failed entry)
 *
 * Called with interrupts off, the VMCS current, right after the exit.
 */
void vtx_event_after_exit(struct vtx_vcpu *vcpu, u32 reason)
{
	if (vtx_vmcs_controls.vnmi && vcpu->event.nmi_used)
		vtx_event_reblock_nmi(reason);
	vtx_event_requeue(vcpu);
}

/**
 * vtx_event_entry_failed() - take back the interrupt or NMI of a failed entry
 * @vcpu: the vCPU
 *
 * A VM entry that fails (VMfail, or a VM exit for invalid guest state or
 * MSR loading) leaves the VM-entry interruption-information field valid.
 * An interrupt or NMI vtx put there goes back to its queue, to be injected
 * when the guest can take it in whatever state user space gives it next:
 * left in the field, it would fail every later entry once that state has
 * RFLAGS.IF clear or an interrupt shadow. Exceptions stay: they belong to
 * the guest's state, which KVM_SET_REGS and KVM_SET_SREGS drop them with.
 *
 * The VMCS is current.
 */
void vtx_event_entry_failed(struct vtx_vcpu *vcpu)
{
	struct vtx_event *ev = &vcpu->event;
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);

	if (!(info & INTR_INFO_VALID_MASK))
		return;
	switch (info & INTR_INFO_INTR_TYPE_MASK) {
	case INTR_TYPE_EXT_INTR:
		ev->irq_vector = info & INTR_INFO_VECTOR_MASK;
		ev->irq_pending = true;
		break;
	case INTR_TYPE_NMI_INTR:
		if (ev->nmi_pending < 2)
			ev->nmi_pending++;
		break;
	default:
		return;
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
}

/**
 * vtx_event_ready() - could user space inject an interrupt now?
 * @vcpu: the vCPU, its VMCS current
 *
 * Return: the guest takes interrupts (IF set, no STI or MOV SS blocking)
 * and none is waiting: KVM's ready_for_interrupt_injection.
 */
bool vtx_event_ready(struct vtx_vcpu *vcpu)
{
	if (vcpu->event.irq_pending ||
	    vtx_event_irq_in_entry(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD)))
		return false;
	return (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 VTX_EVENT_INTR_BLOCKED);
}

/**
 * vtx_event_report() - the kvm_run fields every exit to user space fills
 * @vcpu: the vCPU, its VMCS current
 */
void vtx_event_report(struct vtx_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = vtx_event_ready(vcpu);
	run->cr8 = vcpu->cr8;
	run->apic_base = vcpu->apic_base;
}

/**
 * vtx_event_drop_exception() - forget an exception half delivered
 *
 * The VMCS is current.
 * KVM_SET_REGS and KVM_SET_SREGS replace the state it was raised in; a
 * fault comes back when the guest runs its instruction again. Interrupts
 * and NMIs stay: they do not depend on that state.
 */
void vtx_event_drop_exception(void)
{
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (type != INTR_TYPE_EXT_INTR && type != INTR_TYPE_NMI_INTR)
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
}

/**
 * vtx_event_fit_shadow() - no STI shadow while RFLAGS.IF is clear
 *
 * The VMCS is current. VM entry refuses blocking by STI with IF clear,
 * and a CPU never makes that state: KVM_SET_REGS and KVM_SET_VCPU_EVENTS,
 * in whichever order user space calls them, drop such a shadow rather
 * than fail every later entry (KVM keeps it, and fails them).
 */
void vtx_event_fit_shadow(void)
{
	u32 state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if ((state & GUEST_INTR_STATE_STI) &&
	    !(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     state & ~GUEST_INTR_STATE_STI);
}

/*
 * Vectors that push an error code, as VM entry checks them: #DF, #TS,
 * #NP, #SS, #GP, #PF, #AC (#CP only on CPUs with CET, which vtx does not
 * offer).
 */
static bool vtx_event_has_error_code(u8 vector)
{
	return vector == X86_TRAP_DF || vector == X86_TRAP_TS ||
	       vector == X86_TRAP_NP || vector == X86_TRAP_SS ||
	       vector == X86_TRAP_GP || vector == X86_TRAP_PF ||
	       vector == X86_TRAP_AC;
}

static void vtx_event_get(struct vtx_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	u32 state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	memset(e, 0, sizeof(*e));
	if ((info & INTR_INFO_VALID_MASK) && type == INTR_TYPE_HARD_EXCEPTION) {
		e->exception.injected = 1;
		e->exception.nr = info & INTR_INFO_VECTOR_MASK;
		e->exception.has_error_code =
			!!(info & INTR_INFO_DELIVER_CODE_MASK);
		e->exception.error_code =
			vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE);
	}
	if (vcpu->event.irq_pending) {
		e->interrupt.injected = 1;
		e->interrupt.nr = vcpu->event.irq_vector;
	} else if (vtx_event_irq_in_entry(info)) {
		e->interrupt.injected = 1;
		e->interrupt.nr = info & INTR_INFO_VECTOR_MASK;
	}
	if (state & GUEST_INTR_STATE_STI)
		e->interrupt.shadow |= KVM_X86_SHADOW_INT_STI;
	if (state & GUEST_INTR_STATE_MOV_SS)
		e->interrupt.shadow |= KVM_X86_SHADOW_INT_MOV_SS;
	e->nmi.injected = (info & INTR_INFO_VALID_MASK) &&
			  type == INTR_TYPE_NMI_INTR;
	e->nmi.pending = vcpu->event.nmi_pending != 0;
	e->nmi.masked = !!(state & GUEST_INTR_STATE_NMI);
	e->flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
}

/* The flags KVM_SET_VCPU_EVENTS takes; no SMM, payloads or triple faults. */
#define VTX_EVENT_SET_FLAGS	(KVM_VCPUEVENT_VALID_NMI_PENDING |	\
				 KVM_VCPUEVENT_VALID_SIPI_VECTOR |	\
				 KVM_VCPUEVENT_VALID_SHADOW |		\
				 KVM_VCPUEVENT_VALID_SMM)

static int vtx_event_check(const struct kvm_vcpu_events *e)
{
	if (e->flags & ~VTX_EVENT_SET_FLAGS)
		return -EINVAL;
	if (e->exception.injected &&
	    (e->exception.nr > 31 || e->exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	/* vtx has no SMM. */
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (e->smi.smm || e->smi.pending || e->smi.latched_init))
		return -EINVAL;
	if ((e->nmi.injected || e->nmi.masked ||
	     ((e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING) && e->nmi.pending)) &&
	    !vtx_vmcs_controls.vnmi)
		return -EINVAL;
	return 0;
}

static void vtx_event_set(struct vtx_vcpu *vcpu,
			  const struct kvm_vcpu_events *e)
{
	struct vtx_event *ev = &vcpu->event;
	u32 state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	/*
	 * VM entry requires an error code exactly for the vectors that
	 * push one (in protected mode), with bits 31:16 clear: whatever
	 * has_error_code says, those vectors get error_code and no other
	 * vector gets one.
	 */
	if (e->exception.injected)
		vtx_exit_inject(e->exception.nr,
				vtx_event_has_error_code(e->exception.nr),
				e->exception.error_code & 0xffff);
	ev->irq_pending = e->interrupt.injected;
	ev->irq_vector = e->interrupt.nr;
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		ev->nmi_pending = !!e->nmi.pending;
	if (e->nmi.injected && ev->nmi_pending < 2)
		ev->nmi_pending++;
	state &= ~GUEST_INTR_STATE_NMI;
	if (e->nmi.masked)
		state |= GUEST_INTR_STATE_NMI;
	if (e->nmi.masked || ev->nmi_pending)
		ev->nmi_used = true;
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		/* One or the other, as KVM sets it: VM entry refuses both. */
		state &= ~VTX_EVENT_INTR_BLOCKED;
		if (e->interrupt.shadow & KVM_X86_SHADOW_INT_MOV_SS)
			state |= GUEST_INTR_STATE_MOV_SS;
		else if (e->interrupt.shadow & KVM_X86_SHADOW_INT_STI)
			state |= GUEST_INTR_STATE_STI;
	}
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, state);
	vtx_event_fit_shadow();
}

/**
 * vtx_event_ioctl() - KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS
 * @vcpu: the vCPU, loaded, under its mutex
 * @set: KVM_SET_VCPU_EVENTS
 * @argp: struct kvm_vcpu_events
 *
 * As KVM without exception payloads: an exception being injected is
 * reported as injected; SET replaces the exception, the interrupt and
 * the NMI state. An exception has an error code exactly when its vector
 * pushes one (has_error_code is not trusted), and only its low 16 bits,
 * so that VM entry never fails on it.
 *
 * Return: 0; -EFAULT; -EINVAL for unknown flags, an exception vector
 * above 31 or 2, SMM, or NMI state on a CPU without virtual NMIs.
 */
long vtx_event_ioctl(struct vtx_vcpu *vcpu, bool set, void __user *argp)
{
	struct kvm_vcpu_events e;
	long r;

	if (!set) {
		preempt_disable();
		vtx_event_get(vcpu, &e);
		preempt_enable();
		return copy_to_user(argp, &e, sizeof(e)) ? -EFAULT : 0;
	}
	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	r = vtx_event_check(&e);
	if (r)
		return r;
	preempt_disable();
	vtx_event_set(vcpu, &e);
	preempt_enable();
	return 0;
}
