/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX capabilities: the raw values read once from CPUID and the VMX
 * capability MSRs, and the pure predicates and decisions over them.
 *
 * Nothing here executes an x86 instruction, so it builds under UML and
 * KUnit tests it with synthetic values.
 */
#ifndef VTX_CAPS_H
#define VTX_CAPS_H

#include <linux/bits.h>
#include <linux/types.h>

struct vtx_capabilities;

/**
 * struct vtx_caps - what one CPU reports about VMX, read once
 * @basic: IA32_VMX_BASIC.
 * @misc: IA32_VMX_MISC.
 * @ept_vpid: IA32_VMX_EPT_VPID_CAP, or 0 without EPT and VPID.
 * @pinbased: (TRUE_)PINBASED_CTLS: allowed-0 in bits 31:0, allowed-1 above.
 * @procbased: (TRUE_)PROCBASED_CTLS.
 * @procbased2: PROCBASED_CTLS2, or 0 without secondary controls.
 * @procbased3: PROCBASED_CTLS3 (allowed-1 bits), or 0 without tertiary
 *	controls.
 * @exit: (TRUE_)EXIT_CTLS.
 * @entry: (TRUE_)ENTRY_CTLS.
 * @feat_ctl: IA32_FEATURE_CONTROL.
 * @cr0_fixed0: IA32_VMX_CR0_FIXED0: CR0 bits that must be 1 in VMX.
 * @cr0_fixed1: IA32_VMX_CR0_FIXED1: CR0 bits that may be 1 in VMX.
 * @cr4_fixed0: IA32_VMX_CR4_FIXED0.
 * @cr4_fixed1: IA32_VMX_CR4_FIXED1.
 * @cpuid_1_ecx: CPUID.1:ECX.
 * @cpuid_7_0_edx: CPUID.(7,0):EDX, or 0 without leaf 7.
 * @cpuid_7_2_edx: CPUID.(7,2):EDX, or 0 without subleaf 2.
 * @kernel_vmx: the kernel's own view (X86_FEATURE_VMX), which firmware
 *	and clearcpuid=vmx can clear while CPUID still reports VMX.
 * @kernel_nx: the kernel's view of NX (X86_FEATURE_NX): without it
 *	EFER.NXE is reserved for guests, as in KVM.
 * @phys_bits: the host's MAXPHYADDR.
 * @xcr0: the host kernel's XCR0, or 0 without OSXSAVE
 * @xss: the host kernel's IA32_XSS, or 0 without XSAVES
 */
struct vtx_caps {
	u64 basic;
	u64 misc;
	u64 ept_vpid;
	u64 pinbased;
	u64 procbased;
	u64 procbased2;
	u64 procbased3;
	u64 exit;
	u64 entry;
	u64 feat_ctl;
	u64 cr0_fixed0;
	u64 cr0_fixed1;
	u64 cr4_fixed0;
	u64 cr4_fixed1;
	u32 cpuid_1_ecx;
	u32 cpuid_7_0_edx;
	u32 cpuid_7_2_edx;
	bool kernel_vmx;
	bool kernel_nx;
	u8 phys_bits;
	u64 xcr0;
	u64 xss;
};

/* The 4-level EPT maps guest-physical addresses below 2^48. */
#define VTX_EPT_GPA_BITS	48

/* caps_hw.c: the hardware side */
extern struct vtx_caps vtx_host_caps;
void vtx_caps_read(struct vtx_caps *c);
int vtx_caps_init(void);

/* caps.c: pure decoding */
bool vtx_caps_ctl_allowed1(u64 ctl_msr, u32 bits);
int vtx_caps_adjust_ctl(u64 ctl_msr, u32 required, u32 optional, u32 *result);

bool vtx_caps_has_vmx(const struct vtx_caps *c);
bool vtx_caps_has_true_ctls(const struct vtx_caps *c);
bool vtx_caps_has_secondary(const struct vtx_caps *c);
bool vtx_caps_has_tertiary(const struct vtx_caps *c);
bool vtx_caps_has_ept(const struct vtx_caps *c);
bool vtx_caps_has_vpid(const struct vtx_caps *c);
bool vtx_caps_has_unrestricted_guest(const struct vtx_caps *c);
bool vtx_caps_has_msr_bitmaps(const struct vtx_caps *c);
bool vtx_caps_has_entry_load_efer(const struct vtx_caps *c);
bool vtx_caps_has_exit_save_efer(const struct vtx_caps *c);
bool vtx_caps_has_exit_load_efer(const struct vtx_caps *c);
bool vtx_caps_has_virt_spec_ctrl(const struct vtx_caps *c);

u32 vtx_caps_vmcs_revision(const struct vtx_caps *c);
u32 vtx_caps_vmcs_size(const struct vtx_caps *c);
u32 vtx_caps_msr_list_max(const struct vtx_caps *c);
u64 vtx_caps_gpa_limit(const struct vtx_caps *c);

int vtx_caps_check(const struct vtx_caps *c, const char **reason);
int vtx_caps_feat_ctl_fixup(u64 feat_ctl, u64 *fixed);
bool vtx_caps_same_vmx(const struct vtx_caps *a, const struct vtx_caps *b);
void vtx_caps_report(const struct vtx_caps *c, struct vtx_capabilities *out);

#endif /* VTX_CAPS_H */
