/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU objects: creation, the vCPU fd, loading, and destruction with
 * their VM.
 */
#ifndef VTX_VCPU_H
#define VTX_VCPU_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/signal_types.h>
#include <linux/types.h>

#include <asm/fpu/api.h>

#include "ept.h"
#include "event.h"
#include "mmio.h"
#include "mtrr.h"
#include "msr_list.h"
#include "run_flags.h"
#include "spec_ctrl_hw.h"

struct page;
struct vtx_vm;
struct vtx_vmcs;

/* Basic exit reasons counted one by one; larger ones share the last slot. */
#define VTX_NR_EXIT_COUNTERS	80

/**
 * struct vtx_host_state - host state VM exit does not restore (run.c)
 * @ds: the thread's DS, saved once per KVM_RUN
 * @es: its ES
 * @fs: its FS selector
 * @gs: its GS selector
 * @ldt: the LDT selector
 * @fs_base: its FS base
 * @kernel_gs_base: its user GS base (IA32_KERNEL_GS_BASE in the kernel)
 * @debugctl: this CPU's IA32_DEBUGCTL, read before every entry
 * @put_pending: a VM exit changed the selectors, the LDT and the TSS and
 *	GDT limits since vtx_run_put_host() last restored them
 */
struct vtx_host_state {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base;
	unsigned long kernel_gs_base;
	unsigned long debugctl;
	bool put_pending;
};

/**
 * struct vtx_guest_msrs - guest MSRs kept neither in the VMCS nor on the
 *	MSR lists
 * @pat: IA32_PAT (EPT ignores the guest PAT: every page is write-back)
 * @misc_enable: IA32_MISC_ENABLE
 * @tsc_adjust: IA32_TSC_ADJUST
 * @mtrr: the MTRRs (mtrr.c)
 */
struct vtx_guest_msrs {
	u64 pat;
	u64 misc_enable;
	u64 tsc_adjust;
	struct vtx_mtrr mtrr;
};

/**
 * struct vtx_pio - a port I/O exit that user space is completing
 * @pending: KVM_EXIT_IO was returned and the instruction is not done
 * @in: IN (data comes back from user space) rather than OUT
 * @size: 1, 2 or 4 bytes
 * @linear_rip: CS.base + RIP of the instruction
 */
struct vtx_pio {
	bool pending;
	bool in;
	u8 size;
	u64 linear_rip;
};

/**
 * struct vtx_vcpu - one virtual CPU
 * @vm: its VM; a vCPU lives exactly as long as its VM
 * @id: the id user space chose
 * @vmcs: its VMCS; loaded on the CPU that runs its ioctl
 * @mutex: serialises the vCPU's ioctls, as KVM's vcpu->mutex does
 * @preempt: reloads the VMCS when the ioctl's thread changes CPU
 * @run: the kvm_run page shared with user space (page 0 of the mmap)
 * @run_page: its page
 * @pio_page: the port I/O data page (page 1 of the mmap)
 * @msr_bitmap: the MSR bitmap page: every bit set, every access exits
 * @regs: guest GPRs other than RSP, saved by vmenter.S
 * @cr2: guest CR2, which the VMCS does not hold
 * @cr8: guest CR8 (no APIC: it has no effect)
 * @apic_base: what KVM_SET_SREGS last set
 * @msrs: guest MSRs kept outside the VMCS and the MSR lists
 * @msr_guest: the VM-entry MSR-load and VM-exit MSR-store list: the
 *	guest's values (msr_switch.c)
 * @msr_host: the VM-exit MSR-load list: the host's values
 * @perf_on_lists: perf's guest-switch MSRs may be on the lists
 *	(vtx_msr_switch_perf())
 * @msr_sw_restore: test only (msr_fault.c): restore LSTAR in software
 * @msr_fault_entry: test only (msr_fault.c): fail the next entry's list
 * @spec_ctrl: IA32_SPEC_CTRL (spec_ctrl_hw.c)
 * @pio: the port I/O exit being completed
 * @event: interrupts and NMIs from user space (event.c)
 * @mmio: the MMIO or string I/O exit being completed (mmio.c)
 * @cpuid: the KVM_SET_CPUID2 table, @cpuid_nent entries
 * @cpuid_nent: its size
 * @sigset: the signal mask KVM_RUN runs with, from KVM_SET_SIGNAL_MASK
 * @sigset_active: @sigset is in force
 * @guest_fpu: the guest's FPU state, swapped in for KVM_RUN
 * @xcr0: the guest's XCR0 (fpu_state.c)
 * @xcr0_allowed: the XCR0 bits its CPUID and the host allow
 * @xcr0_loaded: @xcr0 is in the CPU's XCR0 for this entry
 * @xss_loaded: IA32_XSS is the guest's 0 for this entry, not the host's
 * @cpuid_xsave: its CPUID has XSAVE (and so does the host): CR4.OSXSAVE
 *	is its own
 * @vmcs_ready: the VMCS holds a complete state
 * @has_run: a VM entry was attempted: KVM_SET_CPUID2 may no longer change
 *	the table
 * @dead: an MSR did not fit on a list; KVM_RUN fails with -EIO
 * @vpid: the VPID, or 0 without VPIDs
 * @flush_cpu: the CPU on which this vCPU last flushed its translations
 * @flush_gen: the VM's EPT generation at that flush
 * @host_cpu: the CPU whose per-CPU host state the VMCS holds, or -1
 * @host_cr3: HOST_CR3 as last written
 * @host_cr4: HOST_CR4 as last written
 * @host_thread: the thread's FS/GS selectors and bases as last written to
 *	the VMCS and the host MSR list; @host_thread.valid false forces a write
 * @host: the host state VM exit does not restore, for KVM_RUN (run.c)
 * @spec_ctrl_slot: IA32_SPEC_CTRL's entry on the guest list, or NULL when
 *	it must be looked up again (the list changed)
 * @db: the guest's DR0-3 (debugreg.c)
 * @dr6: the guest's DR6
 * @dr7_bp_enabled: the guest's DR7 enables a breakpoint: its DR0-3 go
 *	into the hardware for each entry
 * @guest_debug: KVM_SET_GUEST_DEBUG's control, 0 when off (guest_debug.c)
 * @debug_step: an instruction vtx completed itself is a step to report
 * @debug_db: the VMM's DR0-3 under KVM_GUESTDBG_USE_HW_BP
 * @debug_guest_dr7: the guest's own DR7 while the VMM's is in the VMCS
 * @debug_bp_len: the length of the last INT3 that exited, for INJECT_BP
 * @l1d_flush_pending: host code ran since the last entry: the next one
 *	flushes the L1D under vmentry_l1d_flush=cond (mitigation_hw.c)
 * @fault_gpa: the guest-physical address of the last EPT violation
 * @fault_access: its access, VTX_EPT_MAPS_READ/WRITE/EXEC bits
 * @fault_insn: it was an instruction's own data access, which MMIO
 *	emulation can replay
 * @ept_cache: table pages for the fault path (ept.h)
 * @tsc_offset: added to the host's TSC for the guest's
 * @exits: VM exits
 * @exit_reason: VM exits by basic exit reason
 * @l1d_flushes: L1D flushes before entry
 * @ibpb_requests: exits after which an IBPB on return to user space was
 *	requested (VMSCAPE)
 * @ept_splits: 2 MiB EPT leaves split for an instruction fetch
 * @exceptions_db: guest #DBs that exited and were delivered again
 * @exceptions_ac: guest #ACs that exited and were delivered again
 */
struct vtx_vcpu {
	struct vtx_vm *vm;
	u32 id;
	struct vtx_vmcs *vmcs;
	struct mutex mutex;	/* serialises the vCPU's ioctls */
	struct preempt_notifier preempt;

	struct kvm_run *run;
	struct page *run_page;
	struct page *pio_page;
	struct page *msr_bitmap;
	unsigned long regs[VTX_NR_REGS];
	unsigned long cr2;
	u64 cr8;
	u64 apic_base;
	struct vtx_guest_msrs msrs;
	struct vtx_msr_list msr_guest;
	struct vtx_msr_list msr_host;
	bool perf_on_lists;
	struct vtx_spec_ctrl_vcpu spec_ctrl;
	struct vtx_pio pio;
	struct vtx_event event;
	struct vtx_mmio mmio;
	struct kvm_cpuid_entry2 *cpuid;
	u32 cpuid_nent;
	sigset_t sigset;
	bool sigset_active;
	struct fpu_guest guest_fpu;
	u64 xcr0;
	u64 xcr0_allowed;
	bool xcr0_loaded;
	bool xss_loaded;
	bool cpuid_xsave;

	bool vmcs_ready;
	bool has_run;
	bool dead;
	bool msr_sw_restore;
	bool msr_fault_entry;
	u16 vpid;
	int flush_cpu;
	u64 flush_gen;
	int host_cpu;
	unsigned long host_cr3;
	unsigned long host_cr4;
	struct {
		u16 fs, gs;
		unsigned long fs_base, kernel_gs_base;
		bool valid;
	} host_thread;
	struct vtx_host_state host;
	u64 *spec_ctrl_slot;
	unsigned long db[4];
	unsigned long dr6;
	bool dr7_bp_enabled;
	u32 guest_debug;
	bool debug_step;
	unsigned long debug_db[4];
	unsigned long debug_guest_dr7;
	u32 debug_bp_len;
	bool l1d_flush_pending;
	u64 fault_gpa;
	unsigned int fault_access;
	bool fault_insn;
	struct vtx_ept_cache ept_cache;
	u64 tsc_offset;

	u64 exits;
	u64 exit_reason[VTX_NR_EXIT_COUNTERS];
	u64 l1d_flushes;
	u64 ibpb_requests;
	u64 ept_splits;
	u64 exceptions_db;
	u64 exceptions_ac;
};

void vtx_vcpu_init(void);
void vtx_vcpu_exit(void);
int vtx_vcpu_create(struct vtx_vm *vm, unsigned long id);
void vtx_vcpu_destroy(struct vtx_vcpu *vcpu);

#endif /* VTX_VCPU_H */
