// SPDX-License-Identifier: GPL-2.0
/*
 * Apply the CPU-bug mitigation plan (mitigation.c) around every guest:
 * the module parameters, the host state the plan is made from, the L1D
 * flush before VM entry, and the VMSCAPE IBPB request after VM exit.
 *
 * While vtx is loaded it owns what the kernel reports for its hypervisor
 * in /sys/devices/system/cpu/vulnerabilities/{l1tf,itlb_multihit}, as
 * kvm_intel does when it loads (the two cannot be loaded together), and
 * it puts the kernel's values back at unload.
 *
 * Context: module load and unload in process context; the flush and the
 * request run in the run loop with interrupts off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/string.h>

#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include <uapi/linux/vtx.h>

#include "mitigation.h"
#include "vcpu.h"
#include "vmx_ops.h"

/* Set by kvm's MMU for the sysfs report; not in a public header. */
extern bool itlb_multihit_kvm_mitigation;

/* The software flush reads 64 KiB: more than any L1D there is. */
#define VTX_L1D_FLUSH_ORDER	4
#define VTX_L1D_FLUSH_SIZE	(PAGE_SIZE << VTX_L1D_FLUSH_ORDER)

static char *vmentry_l1d_flush = "auto";
module_param(vmentry_l1d_flush, charp, 0444);
MODULE_PARM_DESC(vmentry_l1d_flush,
		 "L1TF: flush the L1 data cache before VM entry: auto (follow l1tf=), never, cond (after host code ran) or always");

static char *nx_huge_pages = "auto";
module_param(nx_huge_pages, charp, 0444);
MODULE_PARM_DESC(nx_huge_pages,
		 "iTLB multihit: 2 MiB EPT leaves are not executable and split on an instruction fetch: auto (on CPUs with the bug, unless mitigations=off), on or off");

struct vtx_mitigation_plan vtx_mitigations __ro_after_init;
static void *vtx_l1d_flush_pages;
static enum vmx_l1d_flush_state vtx_saved_l1tf_vmx;
static bool vtx_saved_itlb_multihit;

static enum vtx_l1tf_kernel vtx_mitigation_l1tf_kernel(void)
{
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return VTX_L1TF_KERNEL_OFF;
	case L1TF_MITIGATION_FULL:
		return VTX_L1TF_KERNEL_FULL;
	case L1TF_MITIGATION_FULL_FORCE:
		return VTX_L1TF_KERNEL_FULL_FORCE;
	default:
		return VTX_L1TF_KERNEL_FLUSH;
	}
}

static void vtx_mitigation_read_host(struct vtx_mitigation_host *h,
				     bool wbinvd_exiting)
{
	u64 arch_cap = 0;

	memset(h, 0, sizeof(*h));
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, arch_cap);
	h->l1tf_bug = boot_cpu_has_bug(X86_BUG_L1TF);
	h->skip_l1dfl_vmentry = arch_cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH;
	h->flush_l1d_cmd = boot_cpu_has(X86_FEATURE_FLUSH_L1D);
	h->l1tf_kernel = vtx_mitigation_l1tf_kernel();
	h->itlb_multihit_bug = boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT);
	h->mitigations_off = cpu_mitigations_off();
	h->ibpb_exit_to_user = boot_cpu_has(X86_FEATURE_IBPB_EXIT_TO_USER);
	h->wbinvd_exiting = wbinvd_exiting;
}

static const char *const vtx_l1d_names[] = {
	[VTX_L1D_FLUSH_AUTO] = "auto",
	[VTX_L1D_FLUSH_NEVER] = "never",
	[VTX_L1D_FLUSH_COND] = "cond",
	[VTX_L1D_FLUSH_ALWAYS] = "always",
	[VTX_L1D_FLUSH_NOT_REQUIRED] = "not required",
};

static const enum vmx_l1d_flush_state vtx_l1d_kernel_state[] = {
	[VTX_L1D_FLUSH_AUTO] = VMENTER_L1D_FLUSH_AUTO,
	[VTX_L1D_FLUSH_NEVER] = VMENTER_L1D_FLUSH_NEVER,
	[VTX_L1D_FLUSH_COND] = VMENTER_L1D_FLUSH_COND,
	[VTX_L1D_FLUSH_ALWAYS] = VMENTER_L1D_FLUSH_ALWAYS,
	[VTX_L1D_FLUSH_NOT_REQUIRED] = VMENTER_L1D_FLUSH_NOT_REQUIRED,
};

/*
 * The software sequence reads every line of these pages; give each page
 * its own contents so that no deduplication below us can merge them.
 */
static int vtx_mitigation_alloc_flush_pages(void)
{
	struct page *page;
	unsigned int i;

	page = alloc_pages(GFP_KERNEL, VTX_L1D_FLUSH_ORDER);
	if (!page)
		return -ENOMEM;
	vtx_l1d_flush_pages = page_address(page);
	for (i = 0; i < 1U << VTX_L1D_FLUSH_ORDER; i++)
		memset(vtx_l1d_flush_pages + i * PAGE_SIZE, i + 1, PAGE_SIZE);
	return 0;
}

/**
 * vtx_mitigation_init() - plan the mitigations and take over their report
 * @wbinvd_exiting: the VMCS controls intercept WBINVD
 *
 * Process context, at module load, once vtx owns VMX.
 *
 * Return: 0, -EINVAL for a bad parameter, -ENOMEM.
 */
int vtx_mitigation_init(bool wbinvd_exiting)
{
	struct vtx_mitigation_host host;
	enum vtx_nx_huge_pages nx;
	enum vtx_l1d_flush l1d;
	int r;

	if (vtx_mitigation_parse_l1d(vmentry_l1d_flush, &l1d)) {
		pr_err("vmentry_l1d_flush=%s: expected auto, never, cond or always\n",
		       vmentry_l1d_flush);
		return -EINVAL;
	}
	if (vtx_mitigation_parse_nx(nx_huge_pages, &nx)) {
		pr_err("nx_huge_pages=%s: expected auto, on or off\n",
		       nx_huge_pages);
		return -EINVAL;
	}
	vtx_mitigation_read_host(&host, wbinvd_exiting);
	vtx_mitigation_plan(&host, l1d, nx, &vtx_mitigations);

	if ((vtx_mitigations.l1d_flush == VTX_L1D_FLUSH_COND ||
	     vtx_mitigations.l1d_flush == VTX_L1D_FLUSH_ALWAYS) &&
	    !vtx_mitigations.l1d_flush_msr) {
		r = vtx_mitigation_alloc_flush_pages();
		if (r)
			return r;
	}
	vtx_saved_l1tf_vmx = l1tf_vmx_mitigation;
	vtx_saved_itlb_multihit = itlb_multihit_kvm_mitigation;
	l1tf_vmx_mitigation = vtx_l1d_kernel_state[vtx_mitigations.l1d_flush];
	itlb_multihit_kvm_mitigation = vtx_mitigations.nx_huge_pages;

	pr_info("mitigations: L1D flush %s%s, nx_huge_pages %s, IBPB on exit to user %s, WBINVD %s\n",
		vtx_l1d_names[vtx_mitigations.l1d_flush],
		vtx_l1d_flush_pages ? " (software)" :
		vtx_mitigations.l1d_flush_msr ? " (IA32_FLUSH_CMD)" : "",
		vtx_mitigations.nx_huge_pages ? "on" : "off",
		vtx_mitigations.ibpb_exit_to_user ? "on" : "off",
		vtx_mitigations.wbinvd_exiting ? "intercepted" : "NOT intercepted");
	return 0;
}

/**
 * vtx_mitigation_exit() - give the report back and free the flush pages
 *
 * Process context, at module unload or a failed load.
 */
void vtx_mitigation_exit(void)
{
	l1tf_vmx_mitigation = vtx_saved_l1tf_vmx;
	itlb_multihit_kvm_mitigation = vtx_saved_itlb_multihit;
	if (vtx_l1d_flush_pages)
		free_pages((unsigned long)vtx_l1d_flush_pages,
			   VTX_L1D_FLUSH_ORDER);
	vtx_l1d_flush_pages = NULL;
}

/**
 * vtx_mitigation_l1d_flush() - flush the L1D before entry, if the plan says
 * @vcpu: the vCPU about to enter
 *
 * "cond" flushes when host code that may have touched secrets ran since
 * the last entry: a new KVM_RUN, a reschedule, an interrupt or NMI on
 * this CPU (the kernel's per-CPU flag, which its interrupt entry sets for
 * KVM), or an EPT change.
 *
 * Context: interrupts off, the last thing before VM entry.
 */
void vtx_mitigation_l1d_flush(struct vtx_vcpu *vcpu)
{
	switch (vtx_mitigations.l1d_flush) {
	case VTX_L1D_FLUSH_COND:
		if (!vcpu->l1d_flush_pending && !kvm_get_cpu_l1tf_flush_l1d())
			return;
		break;
	case VTX_L1D_FLUSH_ALWAYS:
		break;
	default:
		return;
	}
	vcpu->l1d_flush_pending = false;
	kvm_clear_cpu_l1tf_flush_l1d();
	vcpu->l1d_flushes++;
	if (vtx_mitigations.l1d_flush_msr)
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	else
		vtx_l1d_flush_sw(vtx_l1d_flush_pages, VTX_L1D_FLUSH_SIZE);
}

/**
 * vtx_mitigation_after_exit() - VMSCAPE: IBPB before user space runs here
 * @vcpu: the vCPU that exited
 *
 * The guest may have trained the branch predictors against the VMM, or
 * any other process that runs on this CPU next: the kernel does an IBPB
 * on this CPU's next return to user space.
 *
 * Context: interrupts off, right after VM exit.
 */
void vtx_mitigation_after_exit(struct vtx_vcpu *vcpu)
{
	if (!vtx_mitigations.ibpb_exit_to_user)
		return;
	this_cpu_write(x86_ibpb_exit_to_user, true);
	vcpu->ibpb_requests++;
}

/**
 * vtx_mitigation_report() - the capability report's mitigation words
 * @mitigations: VTX_MITIGATE_* bits
 * @host_bugs: VTX_HOST_VULN_* bits
 *
 * Context: process context.
 */
void vtx_mitigation_report(u32 *mitigations, u32 *host_bugs)
{
	const struct vtx_mitigation_plan *p = &vtx_mitigations;
	u32 m = VTX_MITIGATE_EXCEPTION_LOOPS, b = 0;

	if (p->l1d_flush == VTX_L1D_FLUSH_COND ||
	    p->l1d_flush == VTX_L1D_FLUSH_ALWAYS)
		m |= VTX_MITIGATE_L1D_FLUSH;
	if (p->l1d_flush == VTX_L1D_FLUSH_ALWAYS)
		m |= VTX_MITIGATE_L1D_FLUSH_ALWAYS;
	if ((m & VTX_MITIGATE_L1D_FLUSH) && p->l1d_flush_msr)
		m |= VTX_MITIGATE_L1D_FLUSH_CMD;
	if (p->nx_huge_pages)
		m |= VTX_MITIGATE_NX_HUGE_PAGES;
	if (p->ibpb_exit_to_user)
		m |= VTX_MITIGATE_IBPB_EXIT_TO_USER;
	if (p->wbinvd_exiting)
		m |= VTX_MITIGATE_WBINVD_EXIT;
	if (boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF))
		m |= VTX_MITIGATE_CLEAR_CPU_BUFFERS;
	if (boot_cpu_has_bug(X86_BUG_L1TF))
		b |= VTX_HOST_VULN_L1TF;
	if (boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT))
		b |= VTX_HOST_VULN_ITLB_MULTIHIT;
	if (boot_cpu_has_bug(X86_BUG_VMSCAPE))
		b |= VTX_HOST_VULN_VMSCAPE;
	if (boot_cpu_has_bug(X86_BUG_MDS))
		b |= VTX_HOST_VULN_MDS;
	*mitigations = m;
	*host_bugs = b;
}
