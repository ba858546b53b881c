// SPDX-License-Identifier: GPL-2.0
/*
 * Which VMX controls vtx sets, from what the CPU allows.
 *
 * Every control vtx relies on for isolation is required: a CPU that
 * cannot set it cannot run vtx guests. Bits the CPU forces to 1 are set
 * (vtx_caps_adjust_ctl()), so the exit handlers cope with the exits they
 * cause (CR3 accesses on CPUs without the TRUE controls, for example).
 *
 * Context: any; pure.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include <asm/vmx.h>

#include "caps.h"
#include "controls.h"

/* External interrupts and NMIs belong to the host. */
#define VTX_PIN_REQUIRED	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING)
/*
 * The VMX-preemption timer bounds each guest run (see run.c): the host
 * gets its CPU back even where an interrupt fails to cause an exit.
 */
#define VTX_PIN_OPTIONAL	PIN_BASED_VMX_PREEMPTION_TIMER

/*
 * HLT and port I/O go to user space; MSRs are filtered by the bitmap; CR8
 * would otherwise reach the host's TPR; debug registers, MONITOR/MWAIT and
 * RDPMC would otherwise touch host state.
 */
#define VTX_PROC_REQUIRED	(CPU_BASED_HLT_EXITING |		\
				 CPU_BASED_UNCOND_IO_EXITING |		\
				 CPU_BASED_USE_MSR_BITMAPS |		\
				 CPU_BASED_CR8_LOAD_EXITING |		\
				 CPU_BASED_CR8_STORE_EXITING |		\
				 CPU_BASED_MOV_DR_EXITING |		\
				 CPU_BASED_MONITOR_EXITING |		\
				 CPU_BASED_MWAIT_EXITING |		\
				 CPU_BASED_RDPMC_EXITING |		\
				 CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)

#define VTX_PROC2_REQUIRED	(SECONDARY_EXEC_ENABLE_EPT |		\
				 SECONDARY_EXEC_UNRESTRICTED_GUEST)
#define VTX_PROC2_OPTIONAL	SECONDARY_EXEC_ENABLE_VPID

/*
 * A 64-bit host; the guest's EFER in the VMCS (the MSR-list path for CPUs
 * without these controls comes with the MSR-switching work); the guest's
 * DR7 and DEBUGCTL saved and loaded.
 */
#define VTX_EXIT_REQUIRED	(VM_EXIT_HOST_ADDR_SPACE_SIZE |		\
				 VM_EXIT_SAVE_IA32_EFER |		\
				 VM_EXIT_LOAD_IA32_EFER |		\
				 VM_EXIT_SAVE_DEBUG_CONTROLS)
#define VTX_ENTRY_REQUIRED	(VM_ENTRY_LOAD_IA32_EFER |		\
				 VM_ENTRY_LOAD_DEBUG_CONTROLS)

/**
 * vtx_controls_plan() - the controls for every VMCS on this host
 * @c: the host's capabilities
 * @out: filled in on success
 * @reason: on failure, which control is missing
 *
 * Return: 0, or -EOPNOTSUPP when a required control cannot be set.
 */
int vtx_controls_plan(const struct vtx_caps *c, struct vtx_controls *out,
		      const char **reason)
{
	struct vtx_controls ctl = {};

	if (vtx_caps_adjust_ctl(c->pinbased, VTX_PIN_REQUIRED, VTX_PIN_OPTIONAL,
				&ctl.pin)) {
		*reason = "pin-based controls";
		return -EOPNOTSUPP;
	}
	if (vtx_caps_adjust_ctl(c->procbased, VTX_PROC_REQUIRED, 0,
				&ctl.proc)) {
		*reason = "processor-based controls";
		return -EOPNOTSUPP;
	}
	/* Tertiary controls stay off until something needs them. */
	ctl.proc &= ~CPU_BASED_ACTIVATE_TERTIARY_CONTROLS;
	if (vtx_caps_adjust_ctl(c->procbased2, VTX_PROC2_REQUIRED,
				VTX_PROC2_OPTIONAL, &ctl.proc2)) {
		*reason = "EPT and unrestricted guest";
		return -EOPNOTSUPP;
	}
	if (vtx_caps_adjust_ctl(c->exit, VTX_EXIT_REQUIRED, 0, &ctl.exit)) {
		*reason = "VM-exit controls (save/load IA32_EFER)";
		return -EOPNOTSUPP;
	}
	/* Interrupts stay pending in the APIC for the host to take. */
	ctl.exit &= ~VM_EXIT_ACK_INTR_ON_EXIT;
	if (vtx_caps_adjust_ctl(c->entry, VTX_ENTRY_REQUIRED, 0, &ctl.entry)) {
		*reason = "VM-entry controls (load IA32_EFER)";
		return -EOPNOTSUPP;
	}
	ctl.entry &= ~VM_ENTRY_IA32E_MODE;
	if (!vtx_caps_ctl_allowed1(c->entry, VM_ENTRY_IA32E_MODE)) {
		*reason = "VM-entry control IA-32e mode guest";
		return -EOPNOTSUPP;
	}
	ctl.vpid = ctl.proc2 & SECONDARY_EXEC_ENABLE_VPID;
	ctl.preemption_timer = ctl.pin & PIN_BASED_VMX_PREEMPTION_TIMER;
	*out = ctl;
	return 0;
}
