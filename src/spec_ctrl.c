// SPDX-License-Identifier: GPL-2.0
/*
 * IA32_SPEC_CTRL policy. Pure functions: no MSR access, no per-CPU state,
 * no allocation. Callable from any context; KUnit tests them under UML.
 *
 * Terms: the guest's shadow is the value it last wrote and reads back;
 * the effective value is what the MSR holds while the guest runs; the
 * VM's mask holds the bits the guest cannot change, and its forced bits
 * their values. effective = (forced & mask) | (shadow & ~mask).
 *
 * Three mechanisms give these semantics (src/spec_ctrl_hw.c):
 *   virtualize   the CPU's "virtualize IA32_SPEC_CTRL": accesses do not
 *		  exit; the CPU keeps the shadow and applies the mask
 *   intercept    accesses exit and vtx applies the same rules
 *   passthrough  no mask: the guest owns the MSR outright
 * In every mode the effective value is loaded by VM entry and the guest's
 * value saved by VM exit, through the MSR lists (seed 000), and the host
 * restores its own value in vmenter.S.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

#include "spec_ctrl.h"

/**
 * vtx_spec_ctrl_valid_bits() - SPEC_CTRL bits that a set of CPUID words grant
 * @cpuid_7_0_edx: CPUID.(7,0):EDX
 * @cpuid_7_2_edx: CPUID.(7,2):EDX, 0 when subleaf 2 is not enumerated
 *
 * Each bit is gated by its own CPUID bit alone. In particular STIBP is
 * valid without IBRS: a CPU (or a guest CPUID) may enumerate STIBP and
 * not SPEC_CTRL, and the MSR then exists with just that bit.
 *
 * Return: the mask of IA32_SPEC_CTRL bits that may be set.
 */
u64 vtx_spec_ctrl_valid_bits(u32 cpuid_7_0_edx, u32 cpuid_7_2_edx)
{
	u64 valid = 0;

	if (cpuid_7_0_edx & VTX_CPUID_7_0_EDX_SPEC_CTRL)
		valid |= VTX_SPEC_CTRL_IBRS;
	if (cpuid_7_0_edx & VTX_CPUID_7_0_EDX_STIBP)
		valid |= VTX_SPEC_CTRL_STIBP;
	if (cpuid_7_0_edx & VTX_CPUID_7_0_EDX_SSBD)
		valid |= VTX_SPEC_CTRL_SSBD;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_PSFD)
		valid |= VTX_SPEC_CTRL_PSFD;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_IPRED_CTRL)
		valid |= VTX_SPEC_CTRL_IPRED_DIS_U | VTX_SPEC_CTRL_IPRED_DIS_S;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_RRSBA_CTRL)
		valid |= VTX_SPEC_CTRL_RRSBA_DIS_U | VTX_SPEC_CTRL_RRSBA_DIS_S;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_DDPD_U)
		valid |= VTX_SPEC_CTRL_DDPD_U;
	if (cpuid_7_2_edx & VTX_CPUID_7_2_EDX_BHI_CTRL)
		valid |= VTX_SPEC_CTRL_BHI_DIS_S;

	return valid;
}

/**
 * vtx_spec_ctrl_check_policy() - may a VM have this SPEC_CTRL policy?
 * @h: the host
 * @mode: the requested VTX_SPEC_CTRL_* mode
 * @mask: the bits the guest cannot change
 * @forced: their values
 *
 * Return: 0; -EINVAL for an unknown mode, a mask bit the host does not
 * support, a forced bit outside the mask, or passthrough with a mask;
 * -EOPNOTSUPP for passthrough or virtualize on a host without the MSR,
 * or virtualize on a CPU without the control.
 */
int vtx_spec_ctrl_check_policy(const struct vtx_spec_ctrl_host *h,
			       u32 mode, u64 mask, u64 forced)
{
	if (mode > VTX_SPEC_CTRL_VIRTUALIZE)
		return -EINVAL;
	if ((mask & ~h->supported) || (forced & ~mask))
		return -EINVAL;
	if (mode == VTX_SPEC_CTRL_PASSTHROUGH && mask)
		return -EINVAL;
	if ((mode == VTX_SPEC_CTRL_PASSTHROUGH ||
	     mode == VTX_SPEC_CTRL_VIRTUALIZE) && !h->supported)
		return -EOPNOTSUPP;
	if (mode == VTX_SPEC_CTRL_VIRTUALIZE && !h->can_virtualize)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * vtx_spec_ctrl_plan() - the mechanism for a policy that passed the check
 * @h: the host
 * @mode: the VM's requested mode
 * @mask: the VM's mask
 * @guest_valid: vtx_spec_ctrl_guest_valid() for the vCPU
 * @plan: filled in
 *
 * AUTO becomes the module parameter's mode, then: virtualize where the
 * mask is non-zero and the CPU can, intercept where it cannot, and
 * passthrough without a mask. A mask always wins over a parameter that
 * asks for passthrough: it must be enforced, so that becomes intercept.
 *
 * Passthrough and virtualize let the guest reach the MSR without an
 * exit, so the CPU checks its writes against what the host supports, not
 * against the guest's CPUID. They are used only when the guest's CPUID
 * grants every bit the host supports; otherwise intercept gives the same
 * semantics and the guest's #GP for bits it was not granted. On a host
 * without the MSR everything is intercepted and nothing is loaded: every
 * guest access then gets #GP.
 */
void vtx_spec_ctrl_plan(const struct vtx_spec_ctrl_host *h, u32 mode,
			u64 mask, u64 guest_valid,
			struct vtx_spec_ctrl_plan *plan)
{
	*plan = (struct vtx_spec_ctrl_plan){ .mode = VTX_SPEC_CTRL_INTERCEPT,
					     .intercept = true };
	if (!h->supported)
		return;
	if (mode == VTX_SPEC_CTRL_AUTO)
		mode = h->forced_mode;
	if (mode == VTX_SPEC_CTRL_AUTO) {
		if (!mask)
			mode = VTX_SPEC_CTRL_PASSTHROUGH;
		else if (h->can_virtualize)
			mode = VTX_SPEC_CTRL_VIRTUALIZE;
		else
			mode = VTX_SPEC_CTRL_INTERCEPT;
	}
	if (mode == VTX_SPEC_CTRL_PASSTHROUGH && mask)
		mode = VTX_SPEC_CTRL_INTERCEPT;
	if (guest_valid != h->supported)
		mode = VTX_SPEC_CTRL_INTERCEPT;

	plan->mode = mode;
	plan->on_lists = true;
	plan->intercept = mode == VTX_SPEC_CTRL_INTERCEPT;
	if (mode == VTX_SPEC_CTRL_VIRTUALIZE) {
		plan->proc = VTX_PROC_ACTIVATE_TERTIARY;
		plan->tertiary = VTX_TERTIARY_EXEC_VIRT_SPEC_CTRL;
		plan->mask = mask;
	}
}

/**
 * vtx_spec_ctrl_guest_valid() - the bits a guest may set
 * @h: the host
 * @cpuid_7_0_edx: the guest's CPUID.(7,0):EDX (KVM_SET_CPUID2)
 * @cpuid_7_2_edx: the guest's CPUID.(7,2):EDX
 *
 * Return: what the guest's CPUID grants and the host supports. 0 means
 * that, for this guest, the MSR does not exist.
 */
u64 vtx_spec_ctrl_guest_valid(const struct vtx_spec_ctrl_host *h,
			      u32 cpuid_7_0_edx, u32 cpuid_7_2_edx)
{
	return vtx_spec_ctrl_valid_bits(cpuid_7_0_edx, cpuid_7_2_edx) &
	       h->supported;
}

/**
 * vtx_spec_ctrl_check_read() - may the shadow be read?
 * @guest_valid: vtx_spec_ctrl_guest_valid() for this vCPU
 * @host: KVM_GET_MSRS rather than the guest's RDMSR
 *
 * Return: 0, or -EINVAL: a guest without the MSR gets #GP.
 */
int vtx_spec_ctrl_check_read(u64 guest_valid, bool host)
{
	return host || guest_valid ? 0 : -EINVAL;
}

/**
 * vtx_spec_ctrl_check_host_write() - may KVM_SET_MSRS write @value?
 * @h: the host
 * @value: the value
 * @probe: asks this host's MSR whether it takes @value (a WRMSR that may
 *	fault, then the old value back); NULL where there is nothing to ask
 *
 * Bits the host enumerates (vtx_spec_ctrl_valid_bits()) are accepted as
 * they are. A value with any other bit is put to the MSR itself, as KVM
 * does: a CPU newer than this table may take bits it does not name, and
 * a guest in passthrough or virtualize mode writes straight to the MSR,
 * so KVM_GET_MSRS can return such a value. Its KVM_SET_MSRS, on this
 * host or another with the same CPU, must not then fail (seed 004). A
 * host without the MSR takes only 0, and is never probed.
 *
 * Return: 0, or -EINVAL: KVM_SET_MSRS stops there.
 */
int vtx_spec_ctrl_check_host_write(const struct vtx_spec_ctrl_host *h,
				   u64 value, bool (*probe)(u64 value))
{
	if (!(value & ~h->supported))
		return 0;
	if (!h->supported || !probe)
		return -EINVAL;
	return probe(value) ? 0 : -EINVAL;
}
