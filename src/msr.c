// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs. The MSR bitmap makes every guest RDMSR and WRMSR exit; the
 * MSRs below are emulated and every other one gets #GP, as on a CPU that
 * lacks it. User space reaches the same MSRs through KVM_GET/SET_MSRS.
 *
 * Values the CPU would refuse (a non-canonical address, reserved EFER
 * bits) are refused here, so they never reach the VMCS or a WRMSR.
 *
 * Context: a vCPU ioctl or exit handler, the VMCS loaded on this CPU.
 */
#include <linux/kvm.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "caps.h"
#include "cpuid.h"
#include "msr.h"
#include "msr_switch.h"
#include "spec_ctrl_hw.h"
#include "regs.h"
#include "trace.h"
#include "vcpu.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

static const u32 vtx_msr_index_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_CR_PAT,
	MSR_IA32_TSC, MSR_IA32_TSC_ADJUST, MSR_IA32_MISC_ENABLE,
};

static bool vtx_msr_canonical(u64 addr)
{
	unsigned int shift = 64 - boot_cpu_data.x86_virt_bits;

	return ((s64)(addr << shift) >> shift) == (s64)addr;
}

static bool vtx_msr_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (8 * i);

		/* 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-. */
		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/**
 * vtx_msr_get() - read a guest MSR
 * @vcpu: the vCPU
 * @index: the MSR
 * @data: its value
 * @host: the read comes from user space (KVM_GET_MSRS), not the guest
 *
 * Return: 0; -ENOENT for an MSR vtx does not emulate; -EINVAL for one
 * this guest does not have (IA32_SPEC_CTRL without it in CPUID). The
 * guest gets #GP for either.
 */
int vtx_msr_get(struct vtx_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int r = 0;

	preempt_disable();
	switch (index) {
	case MSR_IA32_SYSENTER_CS:
		*data = vmcs_read32(GUEST_SYSENTER_CS);
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = vmcs_readl(GUEST_SYSENTER_ESP);
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = vmcs_readl(GUEST_SYSENTER_EIP);
		break;
	case MSR_EFER:
		*data = vtx_guest_read_efer(vcpu);
		break;
	case MSR_FS_BASE:
		*data = vmcs_readl(GUEST_FS_BASE);
		break;
	case MSR_GS_BASE:
		*data = vmcs_readl(GUEST_GS_BASE);
		break;
	case MSR_KERNEL_GS_BASE:
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSCALL_MASK:
		r = vtx_msr_switch_get(vcpu, index, data);
		break;
	case MSR_IA32_CR_PAT:
		*data = vcpu->msrs.pat;
		break;
	case MSR_IA32_SPEC_CTRL:
		r = vtx_spec_ctrl_hw_get(vcpu, data, host);
		break;
	case MSR_IA32_TSC:
		*data = rdtsc() + vcpu->tsc_offset;
		break;
	case MSR_IA32_TSC_ADJUST:
		*data = vcpu->msrs.tsc_adjust;
		break;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->msrs.misc_enable;
		break;
	case MSR_IA32_XSS:
		/* No supervisor state is offered: always 0. */
		*data = 0;
		break;
	default:
		r = vtx_mtrr_get(&vcpu->msrs.mtrr, index, data);
	}
	preempt_enable();
	trace_vtx_msr(vcpu->id, index, r ? 0 : *data, false, host, r);
	return r;
}

static void vtx_msr_set_tsc_offset(struct vtx_vcpu *vcpu, u64 offset)
{
	vcpu->tsc_offset = offset;
	vmcs_write64(TSC_OFFSET, offset);
}

/*
 * IA32_MISC_ENABLE, as KVM has it: the guest cannot change the "PEBS
 * unavailable" and "BTS unavailable" bits (#GP), and its writes of EMON
 * are ignored; user space sets any value.
 */
static int vtx_msr_set_misc_enable(struct vtx_vcpu *vcpu, u64 data,
				   bool host)
{
	const u64 ro = MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL |
		       MSR_IA32_MISC_ENABLE_BTS_UNAVAIL;
	u64 old = vcpu->msrs.misc_enable;

	if (!host) {
		if ((old ^ data) & ro)
			return -EINVAL;
		data = (data & ~MSR_IA32_MISC_ENABLE_EMON) |
		       (old & MSR_IA32_MISC_ENABLE_EMON);
	}
	vcpu->msrs.misc_enable = data;
	return 0;
}

/* EFER: the rules are vtx_regs_check_efer()'s. */
static int vtx_msr_set_efer(struct vtx_vcpu *vcpu, u64 efer, bool host)
{
	int r;

	r = vtx_regs_check_efer(efer, vtx_guest_read_efer(vcpu),
				vtx_guest_read_cr0(), vtx_guest_read_cr4(),
				host, &vtx_host_caps, &efer);
	if (r)
		return r;
	vtx_guest_write_efer(vcpu, efer);
	return 0;
}

static int __vtx_msr_set(struct vtx_vcpu *vcpu, u32 index, u64 data,
			 bool host)
{
	switch (index) {
	case MSR_IA32_SYSENTER_CS:
		if (data >> 32)
			return -EINVAL;
		vmcs_write32(GUEST_SYSENTER_CS, data);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		if (!vtx_msr_canonical(data))
			return -EINVAL;
		break;
	case MSR_SYSCALL_MASK:
		if (data >> 32)
			return -EINVAL;
		return vtx_msr_switch_set(vcpu, index, data);
	case MSR_STAR:
		return vtx_msr_switch_set(vcpu, index, data);
	case MSR_EFER:
		return vtx_msr_set_efer(vcpu, data, host);
	case MSR_IA32_CR_PAT:
		if (!vtx_msr_pat_valid(data))
			return -EINVAL;
		vcpu->msrs.pat = data;
		return 0;
	case MSR_IA32_SPEC_CTRL:
		return vtx_spec_ctrl_hw_set(vcpu, data, host);
	case MSR_IA32_PRED_CMD:
		return vtx_spec_ctrl_hw_pred_cmd(vcpu, data, host);
	case MSR_IA32_TSC:
		/*
		 * The guest's TSC reads @data now, and runs on from there;
		 * the guest's own write moves its TSC_ADJUST by as much.
		 */
		if (!host)
			vcpu->msrs.tsc_adjust += data - rdtsc() -
						 vcpu->tsc_offset;
		vtx_msr_set_tsc_offset(vcpu, data - rdtsc());
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* The guest's write moves its TSC; user space's does not. */
		if (!host)
			vtx_msr_set_tsc_offset(vcpu, vcpu->tsc_offset + data -
					       vcpu->msrs.tsc_adjust);
		vcpu->msrs.tsc_adjust = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return vtx_msr_set_misc_enable(vcpu, data, host);
	case MSR_IA32_XSS:
		return data ? -EINVAL : 0;
	default:
		return vtx_mtrr_set(&vcpu->msrs.mtrr, index, data,
				    vtx_cpuid_phys_bits(vcpu));
	}

	switch (index) {
	case MSR_IA32_SYSENTER_ESP:
		vmcs_writel(GUEST_SYSENTER_ESP, data);
		break;
	case MSR_IA32_SYSENTER_EIP:
		vmcs_writel(GUEST_SYSENTER_EIP, data);
		break;
	case MSR_FS_BASE:
		vmcs_writel(GUEST_FS_BASE, data);
		break;
	case MSR_GS_BASE:
		vmcs_writel(GUEST_GS_BASE, data);
		break;
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
		return vtx_msr_switch_set(vcpu, index, data);
	}
	return 0;
}

/**
 * vtx_msr_set() - write a guest MSR
 * @vcpu: the vCPU
 * @index: the MSR
 * @data: the value
 * @host: the write comes from user space (KVM_SET_MSRS), not the guest
 *
 * Return: 0; -EINVAL for a value the MSR does not take; -ENOENT for an
 * MSR vtx does not emulate. The guest gets #GP for either. -ENOSPC: the
 * MSR did not fit on its list and the vCPU is dead.
 */
int vtx_msr_set(struct vtx_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int r;

	preempt_disable();
	r = __vtx_msr_set(vcpu, index, data, host);
	preempt_enable();
	trace_vtx_msr(vcpu->id, index, data, true, host, r);
	return r;
}

/**
 * vtx_msr_ioctl() - KVM_GET_MSRS or KVM_SET_MSRS
 * @vcpu: the vCPU
 * @argp: the user's struct kvm_msrs
 * @set: KVM_SET_MSRS
 *
 * Return: the number of MSRs processed, stopping at the first that fails,
 * as KVM; -E2BIG for VTX_MAX_IO_MSRS or more entries; -EFAULT; -ENOMEM.
 */
int vtx_msr_ioctl(struct vtx_vcpu *vcpu, struct kvm_msrs __user *argp,
		  bool set)
{
	struct kvm_msr_entry *e;
	struct kvm_msrs hdr;
	u32 i;
	int r;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= VTX_MAX_IO_MSRS)
		return -E2BIG;
	if (!hdr.nmsrs)
		return 0;
	e = memdup_user(argp->entries, hdr.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < hdr.nmsrs; i++) {
		if (set)
			r = vtx_msr_set(vcpu, e[i].index, e[i].data, true);
		else
			r = vtx_msr_get(vcpu, e[i].index, &e[i].data, true);
		if (r)
			break;
	}
	r = i;
	if (!set && copy_to_user(argp->entries, e, i * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r;
}

/**
 * vtx_msr_get_index_list() - KVM_GET_MSR_INDEX_LIST
 * @argp: the user's struct kvm_msr_list, nmsrs indices of room
 *
 * The MSRs above, and IA32_SPEC_CTRL where the host has it.
 *
 * Return: 0; -E2BIG when the list does not fit (nmsrs then says how many
 * it needs); -EFAULT.
 */
int vtx_msr_get_index_list(struct kvm_msr_list __user *argp)
{
	u32 spec_ctrl = MSR_IA32_SPEC_CTRL;
	u32 n = ARRAY_SIZE(vtx_msr_index_list);
	struct kvm_msr_list hdr;
	u32 room;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	room = hdr.nmsrs;
	hdr.nmsrs = n + !!vtx_spec_ctrl_host.supported;
	if (copy_to_user(argp, &hdr, sizeof(hdr)))
		return -EFAULT;
	if (room < hdr.nmsrs)
		return -E2BIG;
	if (copy_to_user(argp->indices, vtx_msr_index_list,
			 sizeof(vtx_msr_index_list)))
		return -EFAULT;
	if (hdr.nmsrs > n &&
	    copy_to_user(&argp->indices[n], &spec_ctrl, sizeof(spec_ctrl)))
		return -EFAULT;
	return 0;
}
