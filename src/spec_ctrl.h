/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IA32_SPEC_CTRL policy: pure functions over CPUID words and MSR values.
 */
#ifndef VTX_SPEC_CTRL_H
#define VTX_SPEC_CTRL_H

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

/* IA32_SPEC_CTRL bits, as Intel defines them. */
#define VTX_SPEC_CTRL_IBRS		BIT_ULL(0)
#define VTX_SPEC_CTRL_STIBP		BIT_ULL(1)
#define VTX_SPEC_CTRL_SSBD		BIT_ULL(2)
#define VTX_SPEC_CTRL_IPRED_DIS_U	BIT_ULL(3)
#define VTX_SPEC_CTRL_IPRED_DIS_S	BIT_ULL(4)
#define VTX_SPEC_CTRL_RRSBA_DIS_U	BIT_ULL(5)
#define VTX_SPEC_CTRL_RRSBA_DIS_S	BIT_ULL(6)
#define VTX_SPEC_CTRL_PSFD		BIT_ULL(7)
#define VTX_SPEC_CTRL_DDPD_U		BIT_ULL(8)
#define VTX_SPEC_CTRL_BHI_DIS_S		BIT_ULL(10)

/* CPUID.(7,0):EDX bits that gate SPEC_CTRL bits. */
#define VTX_CPUID_7_0_EDX_SPEC_CTRL	BIT(26)
#define VTX_CPUID_7_0_EDX_STIBP		BIT(27)
#define VTX_CPUID_7_0_EDX_SSBD		BIT(31)

/* CPUID.(7,2):EDX bits that gate SPEC_CTRL bits. */
#define VTX_CPUID_7_2_EDX_PSFD		BIT(0)
#define VTX_CPUID_7_2_EDX_IPRED_CTRL	BIT(1)
#define VTX_CPUID_7_2_EDX_RRSBA_CTRL	BIT(2)
#define VTX_CPUID_7_2_EDX_DDPD_U	BIT(3)
#define VTX_CPUID_7_2_EDX_BHI_CTRL	BIT(4)

/*
 * "Virtualize IA32_SPEC_CTRL": tertiary processor-based control bit 7,
 * which primary control bit 17 activates, and its two VMCS fields.
 */
#define VTX_PROC_ACTIVATE_TERTIARY		BIT(17)
#define VTX_TERTIARY_EXEC_VIRT_SPEC_CTRL	BIT_ULL(7)
#define VTX_VMCS_SPEC_CTRL_MASK		0x204a
#define VTX_VMCS_SPEC_CTRL_SHADOW	0x204c

/*
 * How a vCPU's IA32_SPEC_CTRL is virtualized. The values are the ABI's
 * (VTX_SPEC_CTRL_MODE_* in <linux/vtx.h>); AUTO is only ever requested.
 */
enum vtx_spec_ctrl_mode {
	VTX_SPEC_CTRL_AUTO,
	VTX_SPEC_CTRL_INTERCEPT,
	VTX_SPEC_CTRL_PASSTHROUGH,
	VTX_SPEC_CTRL_VIRTUALIZE,
};

/**
 * struct vtx_spec_ctrl_host - what the host offers, once per load
 * @supported: the IA32_SPEC_CTRL bits the host supports; 0 without the MSR
 * @can_virtualize: tertiary controls with "virtualize IA32_SPEC_CTRL"
 * @forced_mode: the spec_ctrl module parameter: AUTO, INTERCEPT or
 *	PASSTHROUGH, applied to VMs whose policy asks for AUTO
 */
struct vtx_spec_ctrl_host {
	u64 supported;
	bool can_virtualize;
	enum vtx_spec_ctrl_mode forced_mode;
};

/**
 * struct vtx_spec_ctrl_plan - how one vCPU's VMCS carries SPEC_CTRL
 * @mode: the mode in effect (never AUTO)
 * @intercept: RDMSR and WRMSR of SPEC_CTRL exit (the MSR bitmap)
 * @on_lists: the effective value is loaded by VM entry, and the guest's
 *	stored by VM exit, through the MSR lists; the host's is restored in
 *	vmenter.S
 * @proc: primary processor-based controls to set (virtualize mode)
 * @tertiary: tertiary controls to set (virtualize mode)
 * @mask: VMCS IA32_SPEC_CTRL_MASK (virtualize mode), else 0
 */
struct vtx_spec_ctrl_plan {
	enum vtx_spec_ctrl_mode mode;
	bool intercept;
	bool on_lists;
	u32 proc;
	u64 tertiary;
	u64 mask;
};

u64 vtx_spec_ctrl_valid_bits(u32 cpuid_7_0_edx, u32 cpuid_7_2_edx);
int vtx_spec_ctrl_check_policy(const struct vtx_spec_ctrl_host *h,
			       u32 mode, u64 mask, u64 forced);
void vtx_spec_ctrl_plan(const struct vtx_spec_ctrl_host *h, u32 mode,
			u64 mask, u64 guest_valid,
			struct vtx_spec_ctrl_plan *plan);
u64 vtx_spec_ctrl_guest_valid(const struct vtx_spec_ctrl_host *h,
			      u32 cpuid_7_0_edx, u32 cpuid_7_2_edx);
int vtx_spec_ctrl_check_read(u64 guest_valid, bool host);
int vtx_spec_ctrl_check_host_write(const struct vtx_spec_ctrl_host *h,
				   u64 value, bool (*probe)(u64 value));

/*
 * The two rules on the path of every intercepted guest WRMSR, inline so
 * that path makes no calls (see vtx_spec_ctrl_hw_wrmsr()).
 */

/**
 * vtx_spec_ctrl_effective() - what the MSR holds while the guest runs
 * @shadow: the guest's value
 * @mask: the bits the VM forces
 * @forced: their values
 *
 * Return: (forced & mask) | (shadow & ~mask).
 */
static inline u64 vtx_spec_ctrl_effective(u64 shadow, u64 mask, u64 forced)
{
	return (forced & mask) | (shadow & ~mask);
}

/**
 * vtx_spec_ctrl_check_write() - may @value be written to the shadow?
 * @h: the host
 * @guest_valid: vtx_spec_ctrl_guest_valid() for this vCPU
 * @value: the value
 * @host: KVM_SET_MSRS (restoring a vCPU) rather than the guest's WRMSR
 *
 * A guest write must stay within what its CPUID grants, and gets #GP
 * where the MSR does not exist for it. A host write accepts whatever the
 * host enumerates, whatever the guest's CPUID says, and 0 always, so that
 * a saved vCPU can be restored before its CPUID is set; KVM_SET_MSRS goes
 * through vtx_spec_ctrl_check_host_write(), which also asks the MSR about
 * bits this table does not know.
 *
 * Return: 0, or -EINVAL (the guest gets #GP; KVM_SET_MSRS stops there).
 */
static inline int
vtx_spec_ctrl_check_write(const struct vtx_spec_ctrl_host *h, u64 guest_valid,
			  u64 value, bool host)
{
	if (host)
		return value & ~h->supported ? -EINVAL : 0;
	if (!guest_valid || (value & ~guest_valid))
		return -EINVAL;
	return 0;
}

#endif /* VTX_SPEC_CTRL_H */
