/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which CPU-bug mitigations vtx applies around its guests: a pure plan
 * from the host's bugs, the kernel's own mitigation choices and the module
 * parameters (mitigation.c), and the mechanism that applies it
 * (mitigation_hw.c).
 */
#ifndef VTX_MITIGATION_H
#define VTX_MITIGATION_H

#include <linux/types.h>

struct vtx_vcpu;

/* vmentry_l1d_flush, as KVM names its states. */
enum vtx_l1d_flush {
	VTX_L1D_FLUSH_AUTO,		/* parameter only: follow the kernel */
	VTX_L1D_FLUSH_NEVER,
	VTX_L1D_FLUSH_COND,		/* after host code may have run */
	VTX_L1D_FLUSH_ALWAYS,		/* before every VM entry */
	VTX_L1D_FLUSH_NOT_REQUIRED,	/* the CPU is not affected */
};

/* nx_huge_pages: auto follows the CPU bug and mitigations=. */
enum vtx_nx_huge_pages {
	VTX_NX_HUGE_PAGES_AUTO,
	VTX_NX_HUGE_PAGES_OFF,
	VTX_NX_HUGE_PAGES_ON,
};

/* The kernel's L1TF mitigation (enum l1tf_mitigations), reduced. */
enum vtx_l1tf_kernel {
	VTX_L1TF_KERNEL_OFF,		/* l1tf=off */
	VTX_L1TF_KERNEL_FLUSH,		/* flush, flush,nowarn, flush,nosmt */
	VTX_L1TF_KERNEL_FULL,		/* full */
	VTX_L1TF_KERNEL_FULL_FORCE,	/* full,force: overrides the parameter */
};

/**
 * struct vtx_mitigation_host - the host's bugs and the kernel's choices
 * @l1tf_bug: X86_BUG_L1TF
 * @skip_l1dfl_vmentry: IA32_ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY (a
 *	nested hypervisor that flushes on its own VM entry)
 * @flush_l1d_cmd: X86_FEATURE_FLUSH_L1D: IA32_FLUSH_CMD exists
 * @l1tf_kernel: the kernel's l1tf= choice
 * @itlb_multihit_bug: X86_BUG_ITLB_MULTIHIT
 * @mitigations_off: mitigations=off on the command line
 * @ibpb_exit_to_user: X86_FEATURE_IBPB_EXIT_TO_USER (the kernel mitigates
 *	VMSCAPE with an IBPB on the next return to user space)
 * @wbinvd_exiting: the secondary control "WBINVD exiting" can be set
 */
struct vtx_mitigation_host {
	bool l1tf_bug;
	bool skip_l1dfl_vmentry;
	bool flush_l1d_cmd;
	enum vtx_l1tf_kernel l1tf_kernel;
	bool itlb_multihit_bug;
	bool mitigations_off;
	bool ibpb_exit_to_user;
	bool wbinvd_exiting;
};

/**
 * struct vtx_mitigation_plan - what vtx does around every guest
 * @l1d_flush: NEVER, COND, ALWAYS or NOT_REQUIRED
 * @l1d_flush_msr: flush with IA32_FLUSH_CMD, not the software sequence
 * @nx_huge_pages: 2 MiB EPT leaves are not executable; an instruction
 *	fetch splits one into 4 KiB leaves
 * @ibpb_exit_to_user: request the kernel's IBPB on the next return to
 *	user space after every VM exit
 * @wbinvd_exiting: guest WBINVD exits and is a no-op
 */
struct vtx_mitigation_plan {
	enum vtx_l1d_flush l1d_flush;
	bool l1d_flush_msr;
	bool nx_huge_pages;
	bool ibpb_exit_to_user;
	bool wbinvd_exiting;
};

int vtx_mitigation_parse_l1d(const char *s, enum vtx_l1d_flush *out);
int vtx_mitigation_parse_nx(const char *s, enum vtx_nx_huge_pages *out);
void vtx_mitigation_plan(const struct vtx_mitigation_host *host,
			 enum vtx_l1d_flush l1d, enum vtx_nx_huge_pages nx,
			 struct vtx_mitigation_plan *out);

/* mitigation_hw.c */
extern struct vtx_mitigation_plan vtx_mitigations;

int vtx_mitigation_init(bool wbinvd_exiting);
void vtx_mitigation_exit(void);
void vtx_mitigation_l1d_flush(struct vtx_vcpu *vcpu);
void vtx_mitigation_after_exit(struct vtx_vcpu *vcpu);
void vtx_mitigation_report(u32 *mitigations, u32 *host_bugs);

#endif /* VTX_MITIGATION_H */
