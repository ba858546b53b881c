// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: enter the guest until an exit needs user space, a signal is
 * pending, or an error occurs.
 *
 * Each iteration runs with preemption off from the check that the VMCS is
 * current here to the end of the exit handler, and with interrupts off
 * from the last host-state write before entry to the first restore after
 * exit. Between iterations the loop is preemptible and the preempt
 * notifier moves the VMCS along with the thread. The SYSCALL MSRs,
 * IA32_KERNEL_GS_BASE and, on the list path, EFER are switched by VM
 * entry and exit themselves, from the MSR lists (msr_switch.c). Host
 * state that VM exit does not restore and the kernel uses (DEBUGCTL, the
 * debug registers, XCR0 and XSS) is restored before interrupts come back
 * on, so the host never runs with guest values. What only user space
 * uses (segment selectors, the LDT, the TSS and GDT limits, which VM
 * exit sets to fixed values, never the guest's) comes back once, when
 * the thread leaves KVM_RUN or the CPU: vtx_run_put_host().
 *
 * The guest's FPU state is swapped in once per KVM_RUN, but the loop may
 * be preempted, and softirqs may use kernel_fpu_begin(): either leaves
 * TIF_NEED_FPU_LOAD set and other values in the registers, so the guest's
 * are reloaded, with interrupts off, before every entry.
 *
 * VMX can be turned off under the loop by the reboot or kexec IPI. The
 * check that the VMCS is current here is therefore made again with
 * interrupts off, where no IPI can land before the entry; vmenter.S
 * turns a fault of its own VMX instructions into a failed entry too.
 *
 * Context: a vCPU ioctl: process context, under the vCPU mutex, the VMCS
 * loaded and the preempt notifier registered.
 */
#include <linux/kvm.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/mce.h>
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "caps.h"
#include "controls.h"
#include "cpu.h"
#include "debugreg.h"
#include "ept.h"
#include "ept_fault.h"
#include "event.h"
#include "exit.h"
#include "fpu_state.h"
#include "guest_debug.h"
#include "mitigation.h"
#include "mmio.h"
#include "msr_fault.h"
#include "msr_switch.h"
#include "run.h"
#include "run_flags.h"
#include "run_hooks.h"
#include "spec_ctrl_hw.h"
#include "trace.h"
#include "vcpu.h"
#include "vm.h"
#include "vmcs.h"
#include "vmcs_dump.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/*
 * Once per KVM_RUN: the thread's segments, which only its user code
 * changes.
 */
static void vtx_run_save_thread(struct vtx_host_state *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	h->ldt = vtx_read_ldt();
	if (is_64bit_mm(current->mm)) {
		current_save_fsgs();
		h->fs = current->thread.fsindex;
		h->gs = current->thread.gsindex;
		h->fs_base = current->thread.fsbase;
		h->kernel_gs_base = current->thread.gsbase;
	} else {
		savesegment(fs, h->fs);
		savesegment(gs, h->gs);
		rdmsrl(MSR_FS_BASE, h->fs_base);
		rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	}
}

/*
 * Once per KVM_RUN, after vtx_run_save_thread(): whether the thread's FS
 * and GS, which the VMCS and the host list keep from one entry to the
 * next, are still those last written there.
 */
static void vtx_run_check_host_thread(struct vtx_vcpu *vcpu,
				      const struct vtx_host_state *h)
{
	typeof(vcpu->host_thread) *t = &vcpu->host_thread;

	if (t->fs != h->fs || t->gs != h->gs || t->fs_base != h->fs_base ||
	    t->kernel_gs_base != h->kernel_gs_base)
		t->valid = false;
}

/*
 * Before an entry: the thread's FS and GS into the VMCS and the host
 * list, when they changed (above) or the VMCS was (re)initialised.
 */
static void vtx_run_write_host_thread(struct vtx_vcpu *vcpu,
				      const struct vtx_host_state *h)
{
	typeof(vcpu->host_thread) *t = &vcpu->host_thread;

	if (likely(t->valid))
		return;
	/* Host selector fields take no RPL or TI bits: reload those below. */
	vmcs_write16(HOST_FS_SELECTOR, (h->fs & 7) ? 0 : h->fs);
	vmcs_write16(HOST_GS_SELECTOR, (h->gs & 7) ? 0 : h->gs);
	vmcs_writel(HOST_FS_BASE, h->fs_base);
	/* The exit-load list gives the thread its user GS base back. */
	vtx_msr_switch_host_thread(vcpu, h->kernel_gs_base);
	t->fs = h->fs;
	t->gs = h->gs;
	t->fs_base = h->fs_base;
	t->kernel_gs_base = h->kernel_gs_base;
	t->valid = !vcpu->dead;
}

/* Interrupts off, just before entry. */
static void vtx_run_prepare_host(struct vtx_vcpu *vcpu,
				 struct vtx_host_state *h, int cpu)
{
	unsigned long cr3 = __get_current_cr3_fast();
	unsigned long cr4 = cr4_read_shadow();

	if (vcpu->host_cpu != cpu)
		vtx_vmcs_init_host_cpu(vcpu, cpu);
	if (cr3 != vcpu->host_cr3) {
		vmcs_writel(HOST_CR3, cr3);
		vcpu->host_cr3 = cr3;
	}
	if (cr4 != vcpu->host_cr4) {
		vmcs_writel(HOST_CR4, cr4);
		vcpu->host_cr4 = cr4;
	}
	/*
	 * Per entry: a context switch, perf (LBR) or a ptrace'd thread's
	 * BTF may change this CPU's DEBUGCTL between two entries.
	 */
	h->debugctl = get_debugctlmsr();
	vtx_run_write_host_thread(vcpu, h);

	if (native_read_cr2() != vcpu->cr2)
		native_write_cr2(vcpu->cr2);
}

/*
 * Interrupts off, right after exit: what the kernel itself may use. VM
 * exit cleared DEBUGCTL and set DR7 to 0x400. The rest of what it changed
 * waits for vtx_run_put_host().
 */
static void vtx_run_restore_host(struct vtx_vcpu *vcpu,
				 struct vtx_host_state *h)
{
	vcpu->cr2 = native_read_cr2();
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
	vtx_debugreg_restore_host();
	h->put_pending = true;
}

/**
 * vtx_run_put_host() - what VM exit changed that only user space uses
 * @vcpu: the vCPU whose thread leaves KVM_RUN or this CPU
 *
 * VM exit loads null DS, ES and LDT, FS and GS selectors without their
 * TI or RPL bits, a TSS limit of 0x67 (which cuts off the I/O bitmap)
 * and a GDT limit of 0xffff. The kernel uses none of them, so, as in
 * KVM, they stay until the thread returns to user space or is switched
 * out (where __switch_to() would save the exit's selectors as the
 * thread's): the end of KVM_RUN and the preempt notifier's sched_out
 * call this. Exits that the kernel handles cost none of it.
 *
 * Context: preemption off, on the CPU of the last exit.
 */
void vtx_run_put_host(struct vtx_vcpu *vcpu)
{
	struct vtx_host_state *h = &vcpu->host;
	unsigned long flags;

	if (!h->put_pending)
		return;
	h->put_pending = false;
	local_irq_save(flags);
	if (h->ldt || (h->gs & 7)) {
		vtx_load_ldt(h->ldt);
		/* This swaps GS, rewriting GS_BASE's partner: restore it. */
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	}
	if (h->fs & 7)
		loadsegment(fs, h->fs);
	if (h->ds | h->es) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
	}
	/* VM exit set the TSS limit to 0x67, cutting off the I/O bitmap. */
	invalidate_tss_limit();
	/* VM exit set the GDT limit to 0xffff. */
	load_fixmap_gdt(smp_processor_id());
	local_irq_restore(flags);
}

/*
 * Drop translations this CPU may hold for the vCPU: when it arrives on a
 * CPU (stale entries from an earlier visit, or from a vCPU that had the
 * same VPID or EPT root), and when a mapping was removed since its last
 * flush. Interrupts off.
 */
static void vtx_run_flush(struct vtx_vcpu *vcpu, int cpu)
{
	u64 gen;

	/* Pairs with the smp_mb() in vtx_vm_flush_ept(). */
	smp_mb();
	gen = atomic64_read(&vcpu->vm->ept_gen);
	if (vcpu->flush_cpu == cpu && vcpu->flush_gen == gen)
		return;
	vtx_ept_flush(vcpu->vm->ept.eptp);
	if (vtx_vmcs_controls.vpid) {
		if (vtx_host_caps.ept_vpid &
		    ((u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32))
			vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vcpu->vpid);
		else
			vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	}
	vcpu->flush_cpu = cpu;
	vcpu->flush_gen = gen;
}

/*
 * An NMI that caused a VM exit was the host's and never reached the
 * guest, so a guest that never had an NMI injected cannot be blocking
 * NMIs. Bochs 2.7 saves "blocking by NMI" as 1 on such an exit all the
 * same, and every later NMI would then wait for the next exit instead of
 * causing one: clear it. Once KVM_NMI was used, the bit is the guest's.
 */
static void vtx_run_nmi_unblock_guest(struct vtx_vcpu *vcpu)
{
	u32 state;

	if (vcpu->event.nmi_used)
		return;
	state = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (state & GUEST_INTR_STATE_NMI)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     state & ~GUEST_INTR_STATE_NMI);
}

/* A machine check that hit the guest belongs to the host's handler. */
static void vtx_run_machine_check(void)
{
	struct pt_regs regs = {
		.cs = 3,	/* fake a user-mode origin, as KVM does */
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
}

/*
 * One entry and exit. Preemption off, interrupts on.
 * Return: the VM-exit reason; -EAGAIN when the VMCS is no longer loaded
 * here (VMX went off before interrupts did); -EIO when a VMX instruction
 * faulted (VMX off) or a perf MSR did not fit on the lists (the vCPU is
 * dead); -EPROTO on VMfail (run->exit_reason set).
 */
static long vtx_run_once(struct vtx_vcpu *vcpu, struct vtx_host_state *h)
{
	struct vtx_vmcs *vmcs = vcpu->vmcs;
	int cpu = smp_processor_id();
	unsigned int flags;
	u32 reason;
	int r;

	local_irq_disable();
	/* No IPI can turn VMX off from here to the entry. */
	if (unlikely(!vtx_vmcs_loaded_here(vmcs))) {
		local_irq_enable();
		return -EAGAIN;
	}
	/* The guest's FPU registers, if anything used the FPU meanwhile. */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	vtx_run_prepare_host(vcpu, h, cpu);
	vtx_msr_switch_perf(vcpu);
	if (unlikely(vcpu->dead)) {
		local_irq_enable();
		return -EIO;
	}
	/* Before the guest's debug registers and the L1D flush. */
	if (trace_vtx_entry_enabled())
		trace_vtx_entry(vcpu->id, vmcs_readl(GUEST_RIP));
	vtx_msr_fault_before_entry(vcpu);
	vtx_run_flush(vcpu, cpu);
	vtx_hook_debugreg_load_guest(vcpu);
	vtx_hook_event_before_entry(vcpu);
	vtx_hook_fpu_load_guest(vcpu);
	flags = vmcs->launched ? VTX_RUN_VMRESUME : 0;
	vtx_hook_l1d_flush(vcpu);

	r = vtx_vmenter(vcpu->regs, flags, vtx_hook_spec_ctrl_slot(vcpu));
	vtx_hook_fpu_load_host(vcpu);
	vcpu->has_run = true;

	reason = r ? 0 : vmcs_read32(VM_EXIT_REASON);
	if (!r)
		vtx_hook_after_exit(vcpu);

	if (!r && (u16)reason == EXIT_REASON_EXCEPTION_NMI) {
		u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

		if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) {
			vtx_do_nmi_irqoff();
			vtx_run_nmi_unblock_guest(vcpu);
			vcpu->l1d_flush_pending = true;
		} else if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC) {
			vtx_run_machine_check();
		}
	}
	if (!r && (u16)reason == EXIT_REASON_MCE_DURING_VMENTRY)
		vtx_run_machine_check();
	vtx_msr_fault_after_exit(vcpu, reason);
	vtx_run_restore_host(vcpu, h);
	/* Once the host is whole again: NMI handled, its state restored. */
	if (!r && trace_vtx_exit_enabled())
		trace_vtx_exit(vcpu->id, reason, vmcs_readl(GUEST_RIP),
			       vmcs_readl(EXIT_QUALIFICATION));
	local_irq_enable();

	if (r == VTX_VMENTER_FAULT)
		return -EIO;
	if (r) {
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason =
			vmcs_read32(VM_INSTRUCTION_ERROR);
		vcpu->run->fail_entry.cpu = cpu;
		vtx_vmcs_dump(vcpu,
			      vcpu->run->fail_entry.hardware_entry_failure_reason);
		vtx_event_entry_failed(vcpu);
		return -EPROTO;
	}
	/* A failed VM entry leaves the VMCS unlaunched. */
	if (!(reason & VMX_EXIT_REASONS_FAILED_VMENTRY)) {
		vmcs->launched = true;
		vtx_hook_event_after_exit(vcpu, reason);
	} else {
		vtx_vmcs_dump(vcpu, reason);
		vtx_event_entry_failed(vcpu);
	}
	vcpu->exits++;
	vcpu->exit_reason[min_t(u16, reason, VTX_NR_EXIT_COUNTERS - 1)]++;
	return reason;
}

/**
 * vtx_run() - KVM_RUN
 * @vcpu: the vCPU
 *
 * Return: 0 with kvm_run.exit_reason set; -EINTR with KVM_EXIT_INTR for
 * a pending signal or immediate_exit; -EIO, every time, for a vCPU that
 * is dead because an MSR did not fit on its lists, and when VMX is off on
 * this CPU (a reboot or kexec is under way); the errors of
 * vtx_ept_fault() (-EFAULT, -EINTR, -EHWPOISON, -ENOMEM) when a guest
 * page cannot be mapped.
 */
int vtx_run(struct vtx_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	long reason;
	int r;

	if (vcpu->dead)
		return -EIO;
	/* Finish the I/O user space completed, then honour immediate_exit. */
	preempt_disable();
	vtx_exit_complete_pio(vcpu);
	preempt_enable();
	r = vtx_mmio_complete(vcpu);
	if (r <= 0)
		return r;
	/* A step that user space's answer completed is reported first. */
	if (vcpu->debug_step) {
		preempt_disable();
		vtx_guest_debug_step_exit(vcpu);
		preempt_enable();
		return 0;
	}
	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}

	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	vtx_run_save_thread(&vcpu->host);
	vtx_run_check_host_thread(vcpu, &vcpu->host);
	vcpu->l1d_flush_pending = true;
	for (;;) {
		if (vcpu->dead) {
			r = -EIO;
			break;
		}
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
		cond_resched();

		preempt_disable();
		/* The notifier could not load it (VMX going off): retry. */
		if (!vtx_vmcs_loaded_here(vcpu->vmcs)) {
			r = vtx_vmcs_load(vcpu->vmcs);
			if (r) {
				preempt_enable();
				break;
			}
		}
		vtx_cpu_test_vmxoff();
		reason = vtx_run_once(vcpu, &vcpu->host);
		if (reason == -EAGAIN)
			r = 1;
		else if (reason == -EIO)
			r = -EIO;
		else if (reason < 0)
			r = 0;
		else
			r = vtx_exit_handle(vcpu, reason);
		if (r == 1 && vcpu->debug_step)
			r = vtx_guest_debug_step_exit(vcpu);
		else if (r == 0)
			vcpu->debug_step = false;
		if (r == 1 && READ_ONCE(run->request_interrupt_window) &&
		    vtx_event_ready(vcpu)) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			r = 0;
		}
		preempt_enable();
		if (r == VTX_EXIT_EPT_FAULT)
			r = vtx_ept_fault(vcpu);
		else if (r == VTX_EXIT_STRING_IO)
			r = vtx_mmio_string_io(vcpu);
		if (r <= 0)
			break;
	}
	preempt_disable();
	vtx_event_report(vcpu);
	vtx_run_put_host(vcpu);
	preempt_enable();
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	if (vcpu->sigset_active) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	return r;
}
