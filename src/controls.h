/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMCS execution, exit and entry controls vtx programs, derived from
 * the capability MSRs. Pure: KUnit tests it with synthetic capabilities.
 */
#ifndef VTX_CONTROLS_H
#define VTX_CONTROLS_H

#include <linux/types.h>

#include "msr_list.h"

struct vtx_caps;

/**
 * struct vtx_controls - the control values for every vCPU's VMCS
 * @pin: pin-based VM-execution controls
 * @proc: primary processor-based VM-execution controls
 * @proc2: secondary processor-based VM-execution controls
 * @exit: VM-exit controls
 * @entry: VM-entry controls, without "IA-32e mode guest", which follows
 *	the guest's EFER.LMA
 * @vpid: VPIDs are in use
 * @preemption_timer: the VMX-preemption timer bounds each guest run
 * @wbinvd_exiting: guest WBINVD exits (and is a no-op)
 * @vnmi: virtual NMIs and NMI-window exiting: KVM_NMI works
 * @xsaves: the guest may use XSAVES and XRSTORS
 * @mtf: the monitor trap flag can be set: KVM_GUESTDBG_SINGLESTEP works
 * @efer_in_vmcs: the VM-entry "load IA32_EFER" and VM-exit "save/load
 *	IA32_EFER" controls switch EFER; otherwise none of them is set and
 *	EFER travels on the MSR lists
 */
struct vtx_controls {
	u32 pin;
	u32 proc;
	u32 proc2;
	u32 exit;
	u32 entry;
	bool vpid;
	bool preemption_timer;
	bool wbinvd_exiting;
	bool vnmi;
	bool xsaves;
	bool mtf;
	bool efer_in_vmcs;
};

int vtx_controls_plan(const struct vtx_caps *c, enum vtx_efer_switch efer,
		      struct vtx_controls *out, const char **reason);

#endif /* VTX_CONTROLS_H */
