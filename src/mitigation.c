// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU-bug mitigation plan: which of the mitigations Debian's own
 * kvm_intel applies vtx applies too, from the host's bugs, the kernel's
 * mitigation choices and the module parameters. The rules are KVM's:
 *
 * - L1TF: flush the L1 data cache before VM entry on a CPU with the bug,
 *   unless a hypervisor below does it (SKIP_L1DFL_VMENTRY). vmentry_l1d_flush
 *   =auto follows l1tf=: off never flushes, the flush variants flush
 *   conditionally, full always; l1tf=full,force always flushes whatever
 *   the parameter says.
 * - iTLB multihit: on a CPU with the bug, unless mitigations=off, no 2 MiB
 *   EPT leaf is executable (nx_huge_pages=auto).
 * - VMSCAPE: where the kernel mitigates it with an IBPB on the return to
 *   user space, every VM exit asks for that IBPB.
 * - WBINVD: always intercepted where the CPU allows it.
 *
 * Context: any; pure.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "mitigation.h"

/**
 * vtx_mitigation_parse_l1d() - parse vmentry_l1d_flush
 * @s: auto, never, cond or always
 * @out: the state
 *
 * Return: 0, or -EINVAL for anything else.
 */
int vtx_mitigation_parse_l1d(const char *s, enum vtx_l1d_flush *out)
{
	static const char *const names[] = {
		[VTX_L1D_FLUSH_AUTO] = "auto",
		[VTX_L1D_FLUSH_NEVER] = "never",
		[VTX_L1D_FLUSH_COND] = "cond",
		[VTX_L1D_FLUSH_ALWAYS] = "always",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * vtx_mitigation_parse_nx() - parse nx_huge_pages
 * @s: auto, off (or N, 0), on (or force, Y, 1)
 * @out: the choice
 *
 * Return: 0, or -EINVAL for anything else.
 */
int vtx_mitigation_parse_nx(const char *s, enum vtx_nx_huge_pages *out)
{
	if (!strcmp(s, "auto"))
		*out = VTX_NX_HUGE_PAGES_AUTO;
	else if (!strcmp(s, "off") || !strcmp(s, "N") || !strcmp(s, "0"))
		*out = VTX_NX_HUGE_PAGES_OFF;
	else if (!strcmp(s, "on") || !strcmp(s, "force") ||
		 !strcmp(s, "Y") || !strcmp(s, "1"))
		*out = VTX_NX_HUGE_PAGES_ON;
	else
		return -EINVAL;
	return 0;
}

static enum vtx_l1d_flush vtx_mitigation_l1d(const struct vtx_mitigation_host *h,
					     enum vtx_l1d_flush l1d)
{
	if (!h->l1tf_bug || h->skip_l1dfl_vmentry)
		return VTX_L1D_FLUSH_NOT_REQUIRED;
	if (h->l1tf_kernel == VTX_L1TF_KERNEL_FULL_FORCE)
		return VTX_L1D_FLUSH_ALWAYS;
	if (l1d != VTX_L1D_FLUSH_AUTO)
		return l1d;
	switch (h->l1tf_kernel) {
	case VTX_L1TF_KERNEL_OFF:
		return VTX_L1D_FLUSH_NEVER;
	case VTX_L1TF_KERNEL_FLUSH:
		return VTX_L1D_FLUSH_COND;
	default:
		return VTX_L1D_FLUSH_ALWAYS;
	}
}

/**
 * vtx_mitigation_plan() - decide the mitigations for this load
 * @host: the host's bugs and the kernel's choices
 * @l1d: the vmentry_l1d_flush parameter (NOT_REQUIRED is not a choice)
 * @nx: the nx_huge_pages parameter
 * @out: the plan
 */
void vtx_mitigation_plan(const struct vtx_mitigation_host *host,
			 enum vtx_l1d_flush l1d, enum vtx_nx_huge_pages nx,
			 struct vtx_mitigation_plan *out)
{
	memset(out, 0, sizeof(*out));
	out->l1d_flush = vtx_mitigation_l1d(host, l1d);
	out->l1d_flush_msr = host->flush_l1d_cmd &&
			     (out->l1d_flush == VTX_L1D_FLUSH_COND ||
			      out->l1d_flush == VTX_L1D_FLUSH_ALWAYS);
	if (nx == VTX_NX_HUGE_PAGES_AUTO)
		out->nx_huge_pages = host->itlb_multihit_bug &&
				     !host->mitigations_off;
	else
		out->nx_huge_pages = nx == VTX_NX_HUGE_PAGES_ON;
	out->ibpb_exit_to_user = host->ibpb_exit_to_user;
	out->wbinvd_exiting = host->wbinvd_exiting;
}
