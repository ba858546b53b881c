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
#include "msr_list.h"

/* External interrupts and NMIs belong to the host. */
#define VTX_PIN_REQUIRED	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING)
/*
 * The VMX-preemption timer bounds each guest run (see run.c): the host
 * gets its CPU back even where an interrupt fails to cause an exit.
 * Virtual NMIs let KVM_NMI inject NMIs and know when the guest's handler
 * is done (event.c).
 */
#define VTX_PIN_OPTIONAL	(PIN_BASED_VMX_PREEMPTION_TIMER |	\
				 PIN_BASED_VIRTUAL_NMIS)

/*
 * HLT and port I/O go to user space; MSRs are filtered by the bitmap; CR8
 * would otherwise reach the host's TPR; debug registers, MONITOR/MWAIT and
 * RDPMC would otherwise touch host state; the TSC offset keeps the host's
 * uptime from the guest.
 */
#define VTX_PROC_REQUIRED	(CPU_BASED_HLT_EXITING |		\
				 CPU_BASED_USE_TSC_OFFSETTING |		\
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
/*
 * A guest WBINVD would stall every core that shares the cache. XSAVES
 * and XRSTORS are the guest's where the CPU lets them be (IA32_XSS is
 * kept at 0 for the guest, fpu_state.c).
 */
#define VTX_PROC2_OPTIONAL	(SECONDARY_EXEC_ENABLE_VPID |		\
				 SECONDARY_EXEC_WBINVD_EXITING |	\
				 SECONDARY_EXEC_XSAVES)

/* A 64-bit host; the guest's DR7 and DEBUGCTL saved and loaded. */
#define VTX_EXIT_REQUIRED	(VM_EXIT_HOST_ADDR_SPACE_SIZE |		\
				 VM_EXIT_SAVE_DEBUG_CONTROLS)
#define VTX_ENTRY_REQUIRED	VM_ENTRY_LOAD_DEBUG_CONTROLS

/*
 * The guest's EFER in the VMCS: all three controls, or none of them and
 * the MSR lists instead (msr_list.c).
 */
#define VTX_EXIT_EFER		(VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER)
#define VTX_ENTRY_EFER		VM_ENTRY_LOAD_IA32_EFER

/**
 * vtx_controls_plan() - the controls for every VMCS on this host
 * @c: the host's capabilities
 * @efer: how EFER is to be switched; VTX_EFER_SWITCH_VMCS falls back to
 *	the MSR lists on a CPU without the EFER controls, and @out says so
 * @out: filled in on success
 * @reason: on failure, which control is missing
 *
 * Return: 0; -EOPNOTSUPP when a required control cannot be set, or when
 * the MSR-list path is asked for on a CPU that forces an EFER control on;
 * -EINVAL for an unknown @efer.
 */
int vtx_controls_plan(const struct vtx_caps *c, enum vtx_efer_switch efer,
		      struct vtx_controls *out, const char **reason)
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
	if (efer != VTX_EFER_SWITCH_VMCS && efer != VTX_EFER_SWITCH_MSR_LIST) {
		*reason = "a known EFER switching mode";
		return -EINVAL;
	}
	ctl.efer_in_vmcs = efer == VTX_EFER_SWITCH_VMCS &&
			   vtx_caps_ctl_allowed1(c->exit, VTX_EXIT_EFER) &&
			   vtx_caps_ctl_allowed1(c->entry, VTX_ENTRY_EFER);
	if (vtx_caps_adjust_ctl(c->exit, VTX_EXIT_REQUIRED |
				(ctl.efer_in_vmcs ? VTX_EXIT_EFER : 0), 0,
				&ctl.exit)) {
		*reason = "VM-exit controls (64-bit host, save debug controls)";
		return -EOPNOTSUPP;
	}
	/* Interrupts stay pending in the APIC for the host to take. */
	ctl.exit &= ~VM_EXIT_ACK_INTR_ON_EXIT;
	if (vtx_caps_adjust_ctl(c->entry, VTX_ENTRY_REQUIRED |
				(ctl.efer_in_vmcs ? VTX_ENTRY_EFER : 0), 0,
				&ctl.entry)) {
		*reason = "VM-entry control load debug controls";
		return -EOPNOTSUPP;
	}
	ctl.entry &= ~VM_ENTRY_IA32E_MODE;
	if (!ctl.efer_in_vmcs &&
	    ((ctl.exit & VTX_EXIT_EFER) || (ctl.entry & VTX_ENTRY_EFER))) {
		*reason = "EFER controls that can be 0 (the MSR-list path)";
		return -EOPNOTSUPP;
	}
	if (!vtx_caps_ctl_allowed1(c->entry, VM_ENTRY_IA32E_MODE)) {
		*reason = "VM-entry control IA-32e mode guest";
		return -EOPNOTSUPP;
	}
	ctl.vpid = ctl.proc2 & SECONDARY_EXEC_ENABLE_VPID;
	ctl.preemption_timer = ctl.pin & PIN_BASED_VMX_PREEMPTION_TIMER;
	/* Virtual NMIs are of no use without NMI-window exiting. */
	if (!vtx_caps_ctl_allowed1(c->procbased, CPU_BASED_NMI_WINDOW_EXITING))
		ctl.pin &= ~PIN_BASED_VIRTUAL_NMIS;
	ctl.vnmi = ctl.pin & PIN_BASED_VIRTUAL_NMIS;
	ctl.wbinvd_exiting = ctl.proc2 & SECONDARY_EXEC_WBINVD_EXITING;
	ctl.xsaves = ctl.proc2 & SECONDARY_EXEC_XSAVES;
	ctl.mtf = vtx_caps_ctl_allowed1(c->procbased,
					CPU_BASED_MONITOR_TRAP_FLAG);
	*out = ctl;
	return 0;
}
