// SPDX-License-Identifier: GPL-2.0
/*
 * VMX capability decoding: predicates, control adjustment, the load-time
 * check and the user-visible report.
 *
 * Pure functions over a struct vtx_caps that caps_hw.c filled in. Nothing
 * here touches hardware, so every decision can be tested under UML with
 * synthetic capability values. Callable from any context.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/msr-index.h>
#include <asm/vmx.h>

#include <uapi/linux/vtx.h>

#include "caps.h"
#include "spec_ctrl.h"

#define VTX_CPUID_1_ECX_VMX	BIT(5)
#define VTX_VMCS_MAX_SIZE	4096

/**
 * vtx_caps_ctl_allowed1() - may all of @bits be 1 in a VMX control?
 * @ctl_msr: a control capability MSR: allowed-0 settings in bits 31:0
 *	(a 1 there forces the control to 1), allowed-1 settings in bits 63:32
 * @bits: the control bits asked about
 *
 * Return: true when every bit in @bits may be set.
 */
bool vtx_caps_ctl_allowed1(u64 ctl_msr, u32 bits)
{
	return ((u32)(ctl_msr >> 32) & bits) == bits;
}

/**
 * vtx_caps_adjust_ctl() - compute a VMX control value
 * @ctl_msr: the control's capability MSR, as for vtx_caps_ctl_allowed1()
 * @required: bits vtx cannot run without
 * @optional: bits vtx uses when the CPU allows them
 * @result: the value to program, written on success only
 *
 * Bits the CPU forces to 1 (allowed-0 is 1) are set whether asked for or
 * not; bits the CPU cannot set (allowed-1 is 0) are dropped.
 *
 * Return: 0, or -EIO when a required bit cannot be set.
 */
int vtx_caps_adjust_ctl(u64 ctl_msr, u32 required, u32 optional, u32 *result)
{
	u32 allowed0 = (u32)ctl_msr;
	u32 allowed1 = (u32)(ctl_msr >> 32);
	u32 ctl = ((required | optional) & allowed1) | allowed0;

	if (required & ~ctl)
		return -EIO;
	*result = ctl;
	return 0;
}

bool vtx_caps_has_vmx(const struct vtx_caps *c)
{
	return c->cpuid_1_ecx & VTX_CPUID_1_ECX_VMX;
}

bool vtx_caps_has_true_ctls(const struct vtx_caps *c)
{
	return c->basic & VMX_BASIC_TRUE_CTLS;
}

bool vtx_caps_has_secondary(const struct vtx_caps *c)
{
	return vtx_caps_ctl_allowed1(c->procbased,
				     CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
}

bool vtx_caps_has_tertiary(const struct vtx_caps *c)
{
	return vtx_caps_ctl_allowed1(c->procbased,
				     CPU_BASED_ACTIVATE_TERTIARY_CONTROLS);
}

static bool vtx_caps_secondary_allowed1(const struct vtx_caps *c, u32 bits)
{
	return vtx_caps_has_secondary(c) &&
	       vtx_caps_ctl_allowed1(c->procbased2, bits);
}

/* EPT as vtx uses it: 4-level tables in write-back memory. */
bool vtx_caps_has_ept(const struct vtx_caps *c)
{
	u64 need = VMX_EPT_PAGE_WALK_4_BIT | VMX_EPTP_WB_BIT;

	return vtx_caps_secondary_allowed1(c, SECONDARY_EXEC_ENABLE_EPT) &&
	       (c->ept_vpid & need) == need;
}

bool vtx_caps_has_vpid(const struct vtx_caps *c)
{
	return vtx_caps_secondary_allowed1(c, SECONDARY_EXEC_ENABLE_VPID);
}

bool vtx_caps_has_unrestricted_guest(const struct vtx_caps *c)
{
	return vtx_caps_secondary_allowed1(c, SECONDARY_EXEC_UNRESTRICTED_GUEST);
}

bool vtx_caps_has_msr_bitmaps(const struct vtx_caps *c)
{
	return vtx_caps_ctl_allowed1(c->procbased, CPU_BASED_USE_MSR_BITMAPS);
}

bool vtx_caps_has_entry_load_efer(const struct vtx_caps *c)
{
	return vtx_caps_ctl_allowed1(c->entry, VM_ENTRY_LOAD_IA32_EFER);
}

bool vtx_caps_has_exit_save_efer(const struct vtx_caps *c)
{
	return vtx_caps_ctl_allowed1(c->exit, VM_EXIT_SAVE_IA32_EFER);
}

bool vtx_caps_has_exit_load_efer(const struct vtx_caps *c)
{
	return vtx_caps_ctl_allowed1(c->exit, VM_EXIT_LOAD_IA32_EFER);
}

bool vtx_caps_has_virt_spec_ctrl(const struct vtx_caps *c)
{
	return vtx_caps_has_tertiary(c) &&
	       (c->procbased3 & VTX_TERTIARY_EXEC_VIRT_SPEC_CTRL);
}

u32 vtx_caps_vmcs_revision(const struct vtx_caps *c)
{
	return (u32)c->basic & 0x7fffffff;
}

u32 vtx_caps_vmcs_size(const struct vtx_caps *c)
{
	return (u32)(c->basic >> VMX_BASIC_VMCS_SIZE_SHIFT) & 0x1fff;
}

/* IA32_VMX_MISC[27:25] = N recommends at most (N + 1) * 512 entries. */
u32 vtx_caps_msr_list_max(const struct vtx_caps *c)
{
	return ((u32)(c->misc >> 25) & 0x7) * 512 + 512;
}

/**
 * vtx_caps_gpa_limit() - the end of the guest-physical space vtx maps
 * @c: the host's capabilities
 *
 * The 4-level EPT reaches 2^48; a host with a smaller MAXPHYADDR cannot
 * hold a page above its own, which the EPT's frame fields must not name.
 * An unknown MAXPHYADDR (0) counts as the architectural minimum, 36.
 *
 * Return: the first guest-physical address no slot may reach.
 */
u64 vtx_caps_gpa_limit(const struct vtx_caps *c)
{
	unsigned int bits = c->phys_bits ? c->phys_bits : 36;

	return 1ULL << min_t(unsigned int, bits, VTX_EPT_GPA_BITS);
}

/**
 * vtx_caps_feat_ctl_fixup() - may VMXON run, given IA32_FEATURE_CONTROL?
 * @feat_ctl: the MSR's current value
 * @fixed: the value the MSR must hold; a write is needed when it differs
 *
 * A locked MSR that does not enable VMX outside SMX means firmware turned
 * VMX off, and nothing short of a reboot changes that. An unlocked one is
 * enabled and locked by vtx, as the kernel itself would have done at boot.
 *
 * Return: 0, or -EPERM when firmware has locked VMX off.
 */
int vtx_caps_feat_ctl_fixup(u64 feat_ctl, u64 *fixed)
{
	if (feat_ctl & FEAT_CTL_LOCKED) {
		if (!(feat_ctl & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
			return -EPERM;
		*fixed = feat_ctl;
		return 0;
	}
	*fixed = feat_ctl | FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	return 0;
}

static bool vtx_caps_vmcs_usable(const struct vtx_caps *c)
{
	u64 mem_type = (c->basic & VMX_BASIC_MEM_TYPE_MASK) >>
		       VMX_BASIC_MEM_TYPE_SHIFT;
	u32 size = vtx_caps_vmcs_size(c);

	return size && size <= VTX_VMCS_MAX_SIZE &&
	       mem_type == VMX_BASIC_MEM_TYPE_WB && !(c->basic & VMX_BASIC_64);
}

/**
 * vtx_caps_check() - can vtx run on a CPU with these capabilities?
 * @c: the capabilities
 * @reason: set to a short human-readable reason when the answer is no
 *
 * Return: 0 when it can; -ENODEV without VMX, or when the kernel has
 * disabled it (clearcpuid=vmx); -EPERM when firmware locked VMX off;
 * -EOPNOTSUPP when a feature vtx requires is missing (a usable
 * VMCS layout, MSR bitmaps, 4-level write-back EPT, unrestricted guest).
 */
int vtx_caps_check(const struct vtx_caps *c, const char **reason)
{
	u64 fixed;

	if (!vtx_caps_has_vmx(c)) {
		*reason = "CPU has no VMX";
		return -ENODEV;
	}
	if (vtx_caps_feat_ctl_fixup(c->feat_ctl, &fixed)) {
		*reason = "VMX disabled by firmware (IA32_FEATURE_CONTROL locked)";
		return -EPERM;
	}
	if (!c->kernel_vmx) {
		*reason = "VMX disabled by the kernel (clearcpuid=vmx?)";
		return -ENODEV;
	}
	if (!vtx_caps_vmcs_usable(c)) {
		*reason = "unsupported VMCS layout in IA32_VMX_BASIC";
		return -EOPNOTSUPP;
	}
	if (!vtx_caps_has_msr_bitmaps(c)) {
		*reason = "CPU lacks MSR bitmaps";
		return -EOPNOTSUPP;
	}
	if (!vtx_caps_has_ept(c)) {
		*reason = "CPU lacks EPT (4-level, write-back)";
		return -EOPNOTSUPP;
	}
	if (!vtx_caps_has_unrestricted_guest(c)) {
		*reason = "CPU lacks unrestricted guest";
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * vtx_caps_same_vmx() - do two CPUs report the same VMX capabilities?
 * @a: one CPU's capabilities
 * @b: another CPU's
 *
 * vtx programs every VMCS from one capability set, so a CPU that differs
 * must not run vCPUs. IA32_FEATURE_CONTROL and CPUID are not compared:
 * the former is fixed up per CPU, and vtx_caps_check() covers the VMX bit.
 */
bool vtx_caps_same_vmx(const struct vtx_caps *a, const struct vtx_caps *b)
{
	return a->basic == b->basic && a->misc == b->misc &&
	       a->ept_vpid == b->ept_vpid && a->pinbased == b->pinbased &&
	       a->procbased == b->procbased &&
	       a->procbased2 == b->procbased2 &&
	       a->procbased3 == b->procbased3 && a->exit == b->exit &&
	       a->entry == b->entry;
}

static u32 vtx_caps_flags(const struct vtx_caps *c)
{
	u32 flags = 0;

	if (vtx_caps_has_ept(c))
		flags |= VTX_CAP_EPT;
	if (vtx_caps_has_vpid(c))
		flags |= VTX_CAP_VPID;
	if (vtx_caps_has_unrestricted_guest(c))
		flags |= VTX_CAP_UNRESTRICTED_GUEST;
	if (vtx_caps_has_msr_bitmaps(c))
		flags |= VTX_CAP_MSR_BITMAPS;
	if (vtx_caps_has_entry_load_efer(c))
		flags |= VTX_CAP_ENTRY_LOAD_EFER;
	if (vtx_caps_has_exit_save_efer(c))
		flags |= VTX_CAP_EXIT_SAVE_EFER;
	if (vtx_caps_has_exit_load_efer(c))
		flags |= VTX_CAP_EXIT_LOAD_EFER;
	if (vtx_caps_has_tertiary(c))
		flags |= VTX_CAP_TERTIARY_CONTROLS;
	if (vtx_caps_has_virt_spec_ctrl(c))
		flags |= VTX_CAP_VIRT_SPEC_CTRL;
	if (vtx_caps_has_true_ctls(c))
		flags |= VTX_CAP_TRUE_CONTROLS;
	if (flags & VTX_CAP_EPT) {
		if (c->ept_vpid & VMX_EPT_2MB_PAGE_BIT)
			flags |= VTX_CAP_EPT_2M;
		if (c->ept_vpid & VMX_EPT_1GB_PAGE_BIT)
			flags |= VTX_CAP_EPT_1G;
		if (c->ept_vpid & VMX_EPT_AD_BIT)
			flags |= VTX_CAP_EPT_AD;
	}
	return flags;
}

static u32 vtx_caps_spec_flags(const struct vtx_caps *c)
{
	static const struct {
		u32 edx70, edx72, flag;
	} map[] = {
		{ VTX_CPUID_7_0_EDX_SPEC_CTRL, 0, VTX_SPEC_SPEC_CTRL },
		{ VTX_CPUID_7_0_EDX_STIBP, 0, VTX_SPEC_STIBP },
		{ VTX_CPUID_7_0_EDX_SSBD, 0, VTX_SPEC_SSBD },
		{ 0, VTX_CPUID_7_2_EDX_PSFD, VTX_SPEC_PSFD },
		{ 0, VTX_CPUID_7_2_EDX_IPRED_CTRL, VTX_SPEC_IPRED_CTRL },
		{ 0, VTX_CPUID_7_2_EDX_RRSBA_CTRL, VTX_SPEC_RRSBA_CTRL },
		{ 0, VTX_CPUID_7_2_EDX_DDPD_U, VTX_SPEC_DDPD_U },
		{ 0, VTX_CPUID_7_2_EDX_BHI_CTRL, VTX_SPEC_BHI_CTRL },
	};
	u32 flags = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if ((c->cpuid_7_0_edx & map[i].edx70) ||
		    (c->cpuid_7_2_edx & map[i].edx72))
			flags |= map[i].flag;
	return flags;
}

/* The report's size is ABI: new fields come out of @reserved. */
static_assert(sizeof(struct vtx_capabilities) == 168);

/**
 * vtx_caps_report() - fill the user-visible capability report
 * @c: the capabilities
 * @out: the report; every field is written, reserved ones with zero
 */
void vtx_caps_report(const struct vtx_caps *c, struct vtx_capabilities *out)
{
	memset(out, 0, sizeof(*out));
	out->flags = vtx_caps_flags(c);
	out->spec_flags = vtx_caps_spec_flags(c);
	out->msr_list_max = vtx_caps_msr_list_max(c);
	out->vmcs_revision = vtx_caps_vmcs_revision(c);
	out->vmcs_size = vtx_caps_vmcs_size(c);
	out->spec_ctrl_supported = vtx_spec_ctrl_valid_bits(c->cpuid_7_0_edx,
							    c->cpuid_7_2_edx);
	out->vmx_basic = c->basic;
	out->vmx_misc = c->misc;
	out->vmx_ept_vpid_cap = c->ept_vpid;
	out->vmx_pinbased = c->pinbased;
	out->vmx_procbased = c->procbased;
	out->vmx_procbased2 = c->procbased2;
	out->vmx_procbased3 = c->procbased3;
	out->vmx_exit = c->exit;
	out->vmx_entry = c->entry;
	out->abi_version = VTX_ABI_VERSION;
	out->ioctls = VTX_IOCTL_GET_CAPABILITIES |
		      VTX_IOCTL_SET_SPEC_CTRL_POLICY |
		      VTX_IOCTL_GET_SPEC_CTRL_POLICY |
		      VTX_IOCTL_GET_VCPU_STATS |
		      VTX_IOCTL_GET_SPEC_CTRL_STATE;
}
