// SPDX-License-Identifier: GPL-2.0
/*
 * Read the VMX capabilities of the current CPU: CPUID and the VMX
 * capability MSRs, each MSR read only when the CPU enumerates it.
 *
 * Process or IRQ context, with preemption disabled by the caller so that
 * every value comes from one CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "caps.h"

/* The boot CPU's capabilities, read once at module load. */
struct vtx_caps vtx_host_caps __ro_after_init;

/* Read an MSR that may not exist; a missing one reads as 0. */
static u64 vtx_caps_rdmsr(u32 msr)
{
	u64 val;

	if (rdmsrl_safe(msr, &val))
		return 0;
	return val;
}

/**
 * vtx_caps_read() - read this CPU's VMX capabilities
 * @c: filled in completely; fields the CPU does not enumerate are 0
 */
void vtx_caps_read(struct vtx_caps *c)
{
	u32 eax, ebx, ecx, edx, max_leaf, max_sub7 = 0;

	memset(c, 0, sizeof(*c));
	max_leaf = cpuid_eax(0);
	c->cpuid_1_ecx = cpuid_ecx(1);
	if (max_leaf >= 7) {
		cpuid_count(7, 0, &max_sub7, &ebx, &ecx, &edx);
		c->cpuid_7_0_edx = edx;
		if (max_sub7 >= 2) {
			cpuid_count(7, 2, &eax, &ebx, &ecx, &edx);
			c->cpuid_7_2_edx = edx;
		}
	}
	if (!vtx_caps_has_vmx(c))
		return;

	c->kernel_vmx = this_cpu_has(X86_FEATURE_VMX);
	c->kernel_nx = this_cpu_has(X86_FEATURE_NX);
	if (this_cpu_has(X86_FEATURE_OSXSAVE))
		c->xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (this_cpu_has(X86_FEATURE_XSAVES))
		rdmsrl(MSR_IA32_XSS, c->xss);
	c->phys_bits = boot_cpu_data.x86_phys_bits;
	c->feat_ctl = vtx_caps_rdmsr(MSR_IA32_FEAT_CTL);
	c->basic = vtx_caps_rdmsr(MSR_IA32_VMX_BASIC);
	c->misc = vtx_caps_rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = vtx_caps_rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = vtx_caps_rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = vtx_caps_rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = vtx_caps_rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	if (vtx_caps_has_true_ctls(c)) {
		c->pinbased = vtx_caps_rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->procbased = vtx_caps_rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->exit = vtx_caps_rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->entry = vtx_caps_rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	} else {
		c->pinbased = vtx_caps_rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
		c->procbased = vtx_caps_rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
		c->exit = vtx_caps_rdmsr(MSR_IA32_VMX_EXIT_CTLS);
		c->entry = vtx_caps_rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	}
	if (vtx_caps_has_secondary(c))
		c->procbased2 = vtx_caps_rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (vtx_caps_has_tertiary(c))
		c->procbased3 = vtx_caps_rdmsr(MSR_IA32_VMX_PROCBASED_CTLS3);
	if ((u32)(c->procbased2 >> 32) &
	    (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))
		c->ept_vpid = vtx_caps_rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
}

/**
 * vtx_caps_init() - read the boot CPU's capabilities and check them
 *
 * Process context. Prints one line saying why when vtx cannot run here.
 *
 * Return: 0, or the errno of vtx_caps_check().
 */
int vtx_caps_init(void)
{
	const char *reason = NULL;
	int r;

	preempt_disable();
	vtx_caps_read(&vtx_host_caps);
	preempt_enable();

	r = vtx_caps_check(&vtx_host_caps, &reason);
	if (r)
		pr_err("refusing to load: %s (%d)\n", reason, r);
	return r;
}
