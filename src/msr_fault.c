// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only faults on the VM-entry/exit MSR lists, for the tests that
 * prove the lists do what msr_switch.c says (debugfs knobs, see
 * debugfs.c). Neither is ever on unless a test turns it on.
 *
 *   fail_entry_msr  the next VM entry, of any vCPU, carries one more
 *		     entry on its VM-entry MSR-load list, after the guest's:
 *		     IA32_FS_BASE, which no list may load. The entry fails
 *		     with exit reason 34 after the CPU loaded every guest
 *		     MSR before it, and the CPU must then load the host's
 *		     from the exit-load list (SDM "VM-entry failures during
 *		     or after loading guest state"): a test checks the host.
 *   msr_restore_sw  vCPUs created while it is on leave IA32_LSTAR off the
 *		     exit-load list and write the host's value back in
 *		     software once the exit is handled, as a hypervisor
 *		     without lists would. An NMI that lands right after such
 *		     an exit sees the guest's value: the negative control
 *		     of the test that shows the lists are atomic (seed 000).
 *
 * Both knobs first enable the static key vtx_msr_fault_used, so that the
 * run loop's hooks cost nothing until a test uses them; it stays on until
 * unload.
 *
 * Context: the run loop's hooks with interrupts off, around the entry;
 * the knobs from debugfs, in process context.
 */
#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/jump_label.h>

#include <asm/msr.h>
#include <asm/vmx.h>

#include "msr_fault.h"
#include "vcpu.h"
#include "vmx_ops.h"

DEFINE_STATIC_KEY_FALSE(vtx_msr_fault_used);

static atomic_t vtx_msr_fault_entry_armed = ATOMIC_INIT(0);
static u32 vtx_msr_fault_qualification;
static u32 vtx_msr_fault_entries;
static bool vtx_msr_fault_sw_on;
static u64 vtx_msr_fault_lstar __ro_after_init;

/**
 * vtx_msr_fault_init() - remember the host's IA32_LSTAR, once at load
 *
 * Every CPU has the same one (the kernel's SYSCALL entry).
 */
void vtx_msr_fault_init(void)
{
	rdmsrl(MSR_LSTAR, vtx_msr_fault_lstar);
}

/**
 * vtx_msr_fault_host_lstar() - the host's IA32_LSTAR, as read at load
 *
 * Return: the value.
 */
u64 vtx_msr_fault_host_lstar(void)
{
	return vtx_msr_fault_lstar;
}

/**
 * vtx_msr_fault_arm_entry() - make the next VM entry fail on its MSR list
 */
void vtx_msr_fault_arm_entry(void)
{
	WRITE_ONCE(vtx_msr_fault_qualification, 0);
	WRITE_ONCE(vtx_msr_fault_entries, 0);
	atomic_set(&vtx_msr_fault_entry_armed, 1);
	static_branch_enable(&vtx_msr_fault_used);
}

/**
 * vtx_msr_fault_last_entry() - what the last armed entry did
 * @qualification: its exit qualification (1-based index of the entry that
 *	failed), 0 if it did not fail with reason 34
 * @entries: the guest's entries on the list before the bad one
 */
void vtx_msr_fault_last_entry(u32 *qualification, u32 *entries)
{
	*qualification = READ_ONCE(vtx_msr_fault_qualification);
	*entries = READ_ONCE(vtx_msr_fault_entries);
}

/**
 * vtx_msr_fault_set_sw_restore() - the software-restore control, on or off
 * @on: vCPUs created from now on restore IA32_LSTAR in software
 */
void vtx_msr_fault_set_sw_restore(bool on)
{
	if (on)
		static_branch_enable(&vtx_msr_fault_used);
	WRITE_ONCE(vtx_msr_fault_sw_on, on);
}

/**
 * vtx_msr_fault_sw_restore() - is the software-restore control on?
 *
 * Return: what new vCPUs get.
 */
bool vtx_msr_fault_sw_restore(void)
{
	return READ_ONCE(vtx_msr_fault_sw_on);
}

/**
 * __vtx_msr_fault_before_entry() - append the bad entry if armed
 * @vcpu: the vCPU about to enter, its VMCS current
 *
 * Context: interrupts off, right before entry.
 */
void __vtx_msr_fault_before_entry(struct vtx_vcpu *vcpu)
{
	struct vtx_msr_list *l = &vcpu->msr_guest;

	if (!atomic_read(&vtx_msr_fault_entry_armed))
		return;
	/* Room for one more entry within the list's capacity. */
	if (l->nr >= l->max ||
	    !atomic_xchg(&vtx_msr_fault_entry_armed, 0))
		return;
	l->e[l->nr].index = MSR_FS_BASE;
	l->e[l->nr].reserved = 0;
	l->e[l->nr].value = 0;
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, l->nr + 1);
	vcpu->msr_fault_entry = true;
	WRITE_ONCE(vtx_msr_fault_entries, l->nr);
}

/**
 * __vtx_msr_fault_after_exit() - undo the bad entry; the software restore
 * @vcpu: the vCPU, just out of the guest (or of a failed entry)
 * @reason: the exit reason, 0 after VMfail
 *
 * Context: interrupts off, after the NMI of an NMI exit was handled and
 * before anything else of the host runs.
 */
void __vtx_msr_fault_after_exit(struct vtx_vcpu *vcpu, u32 reason)
{
	if (unlikely(vcpu->msr_sw_restore))
		wrmsrl(MSR_LSTAR, vtx_msr_fault_lstar);
	if (likely(!vcpu->msr_fault_entry))
		return;
	vcpu->msr_fault_entry = false;
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, vcpu->msr_guest.nr);
	if (reason == (VMX_EXIT_REASONS_FAILED_VMENTRY |
		       EXIT_REASON_MSR_LOAD_FAIL))
		WRITE_ONCE(vtx_msr_fault_qualification,
			   vmcs_readl(EXIT_QUALIFICATION));
}
