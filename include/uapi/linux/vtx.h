/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vtx: the ioctl extensions that /dev/vtx adds to the /dev/kvm ABI subset.
 *
 * Everything KVM-shaped comes from <linux/kvm.h> with KVM's own numbers.
 * This header holds only what KVM has no equivalent for. The ioctl type
 * code 0xB9 is unassigned in the kernel's ioctl-number.rst.
 *
 * ABI rules: fixed-width fields only, explicit padding, and reserved
 * fields that must be zero where user space passes a structure in.
 */
#ifndef _UAPI_LINUX_VTX_H
#define _UAPI_LINUX_VTX_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define VTXIO 0xB9

/* struct vtx_capabilities.flags: what the VMX hardware offers */
#define VTX_CAP_EPT			(1U << 0)
#define VTX_CAP_VPID			(1U << 1)
#define VTX_CAP_UNRESTRICTED_GUEST	(1U << 2)
#define VTX_CAP_MSR_BITMAPS		(1U << 3)
#define VTX_CAP_ENTRY_LOAD_EFER		(1U << 4)
#define VTX_CAP_EXIT_SAVE_EFER		(1U << 5)
#define VTX_CAP_EXIT_LOAD_EFER		(1U << 6)
#define VTX_CAP_TERTIARY_CONTROLS	(1U << 7)
#define VTX_CAP_VIRT_SPEC_CTRL		(1U << 8)
#define VTX_CAP_TRUE_CONTROLS		(1U << 9)
#define VTX_CAP_EPT_2M			(1U << 10)
#define VTX_CAP_EPT_1G			(1U << 11)
#define VTX_CAP_EPT_AD			(1U << 12)

/*
 * struct vtx_capabilities.config: how this load of vtx switches state.
 * VTX_CONFIG_EFER_MSR_LIST: the guest's IA32_EFER travels on the VM-entry
 * MSR-load and VM-exit MSR-store lists and the host's on the VM-exit
 * MSR-load list (efer_switch=msr_list, or a CPU without the VM-entry/exit
 * EFER controls); clear, the VMCS's EFER fields switch it.
 */
#define VTX_CONFIG_EFER_MSR_LIST	(1U << 0)

/*
 * struct vtx_capabilities.spec_flags: the host's SPEC_CTRL-family CPUID
 * bits, named after the CPUID leaf and register they come from.
 */
#define VTX_SPEC_SPEC_CTRL		(1U << 0)	/* 7.0:EDX[26] IBRS, IBPB */
#define VTX_SPEC_STIBP			(1U << 1)	/* 7.0:EDX[27] */
#define VTX_SPEC_SSBD			(1U << 2)	/* 7.0:EDX[31] */
#define VTX_SPEC_PSFD			(1U << 3)	/* 7.2:EDX[0] */
#define VTX_SPEC_IPRED_CTRL		(1U << 4)	/* 7.2:EDX[1] */
#define VTX_SPEC_RRSBA_CTRL		(1U << 5)	/* 7.2:EDX[2] */
#define VTX_SPEC_DDPD_U			(1U << 6)	/* 7.2:EDX[3] */
#define VTX_SPEC_BHI_CTRL		(1U << 7)	/* 7.2:EDX[4] */

/*
 * struct vtx_capabilities.mitigations: what vtx does around every guest.
 * L1D_FLUSH: the L1 data cache is flushed before VM entry (module
 * parameter vmentry_l1d_flush), conditionally or, with L1D_FLUSH_ALWAYS,
 * before every entry; L1D_FLUSH_CMD: with IA32_FLUSH_CMD rather than the
 * software sequence. NX_HUGE_PAGES: 2 MiB EPT leaves are not executable
 * and split on an instruction fetch (nx_huge_pages). IBPB_EXIT_TO_USER:
 * every VM exit requests the kernel's IBPB on return to user space
 * (VMSCAPE). WBINVD_EXIT: guest WBINVD exits and does nothing.
 * EXCEPTION_LOOPS: #DB and #AC always exit. CLEAR_CPU_BUFFERS: VERW
 * before every VM entry (MDS and friends), where the kernel uses it.
 */
#define VTX_MITIGATE_L1D_FLUSH		(1U << 0)
#define VTX_MITIGATE_L1D_FLUSH_ALWAYS	(1U << 1)
#define VTX_MITIGATE_L1D_FLUSH_CMD	(1U << 2)
#define VTX_MITIGATE_NX_HUGE_PAGES	(1U << 3)
#define VTX_MITIGATE_IBPB_EXIT_TO_USER	(1U << 4)
#define VTX_MITIGATE_WBINVD_EXIT	(1U << 5)
#define VTX_MITIGATE_EXCEPTION_LOOPS	(1U << 6)
#define VTX_MITIGATE_CLEAR_CPU_BUFFERS	(1U << 7)

/*
 * struct vtx_capabilities.abi_version: VTX_ABI_VERSION, raised on any
 * change a harness must know of. A module from before it reports 0.
 */
#define VTX_ABI_VERSION			1

/*
 * struct vtx_capabilities.ioctls: one bit per vtx ioctl (this header's,
 * not KVM's) that this module answers, so that a harness can gate on
 * features rather than on versions.
 */
#define VTX_IOCTL_GET_CAPABILITIES	(1ULL << 0)
#define VTX_IOCTL_SET_SPEC_CTRL_POLICY	(1ULL << 1)
#define VTX_IOCTL_GET_SPEC_CTRL_POLICY	(1ULL << 2)
#define VTX_IOCTL_GET_VCPU_STATS	(1ULL << 3)
#define VTX_IOCTL_GET_SPEC_CTRL_STATE	(1ULL << 4)

/* struct vtx_capabilities.host_bugs: the X86_BUG_* flags the kernel set. */
#define VTX_HOST_VULN_L1TF		(1U << 0)
#define VTX_HOST_VULN_ITLB_MULTIHIT	(1U << 1)
#define VTX_HOST_VULN_VMSCAPE		(1U << 2)
#define VTX_HOST_VULN_MDS		(1U << 3)

/**
 * struct vtx_capabilities - what this host's VMX hardware offers
 * @flags: VTX_CAP_* bits.
 * @spec_flags: VTX_SPEC_* bits: the host's SPEC_CTRL-family CPUID bits.
 * @msr_list_max: the recommended maximum number of entries in one VM-entry
 *	or VM-exit MSR list, (IA32_VMX_MISC[27:25] + 1) * 512.
 * @vmcs_revision: the VMCS revision identifier from IA32_VMX_BASIC.
 * @vmcs_size: the VMCS region size in bytes from IA32_VMX_BASIC.
 * @config: VTX_CONFIG_* bits: how this load of vtx switches guest state.
 * @spec_ctrl_supported: the IA32_SPEC_CTRL bits the host supports.
 * @vmx_basic: raw IA32_VMX_BASIC.
 * @vmx_misc: raw IA32_VMX_MISC.
 * @vmx_ept_vpid_cap: raw IA32_VMX_EPT_VPID_CAP, 0 without EPT and VPID.
 * @vmx_pinbased: raw (TRUE_)PINBASED_CTLS: allowed-0 low, allowed-1 high.
 * @vmx_procbased: raw (TRUE_)PROCBASED_CTLS.
 * @vmx_procbased2: raw PROCBASED_CTLS2, 0 without secondary controls.
 * @vmx_procbased3: raw PROCBASED_CTLS3 (allowed-1 bits), 0 without
 *	tertiary controls.
 * @vmx_exit: raw (TRUE_)EXIT_CTLS.
 * @vmx_entry: raw (TRUE_)ENTRY_CTLS.
 * @mitigations: VTX_MITIGATE_* bits: what vtx does around every guest on
 *	this host, with the module parameters and the kernel's own
 *	mitigation choices of this boot.
 * @host_bugs: VTX_HOST_VULN_* bits: the CPU bugs the kernel found.
 * @abi_version: VTX_ABI_VERSION.
 * @pad: zero.
 * @ioctls: VTX_IOCTL_* bits: the vtx ioctls this module answers.
 * @reserved: zero.
 */
struct vtx_capabilities {
	__u32 flags;
	__u32 spec_flags;
	__u32 msr_list_max;
	__u32 vmcs_revision;
	__u32 vmcs_size;
	__u32 config;
	__u64 spec_ctrl_supported;
	__u64 vmx_basic;
	__u64 vmx_misc;
	__u64 vmx_ept_vpid_cap;
	__u64 vmx_pinbased;
	__u64 vmx_procbased;
	__u64 vmx_procbased2;
	__u64 vmx_procbased3;
	__u64 vmx_exit;
	__u64 vmx_entry;
	__u32 mitigations;
	__u32 host_bugs;
	__u32 abi_version;
	__u32 pad;
	__u64 ioctls;
	__u64 reserved[5];
};

/* System ioctl on /dev/vtx: report the hardware's capabilities. */
#define VTX_GET_CAPABILITIES	_IOR(VTXIO, 0x00, struct vtx_capabilities)

/*
 * KVM_RUN exit for a guest access to a guest-physical address that no
 * memory slot covers. Upstream KVM added this exit reason, with this
 * number and layout, after 6.1; vtx uses it because it does not emulate
 * MMIO. The structure overlays the exit union of struct kvm_run (at the
 * offset of kvm_run.mmio). vtx does not decode the access: @size is 0.
 */
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT		39
#endif

/* struct vtx_memory_fault.flags: the access that faulted */
#define VTX_MEMORY_FAULT_READ		(1ULL << 32)
#define VTX_MEMORY_FAULT_WRITE		(1ULL << 33)
#define VTX_MEMORY_FAULT_EXEC		(1ULL << 34)

/**
 * struct vtx_memory_fault - the KVM_EXIT_MEMORY_FAULT payload
 * @flags: VTX_MEMORY_FAULT_* bits (KVM's own flags stay in bits 31:0).
 * @gpa: the guest-physical address of the access.
 * @size: 0: the access was not decoded.
 */
struct vtx_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};

/* struct vtx_vcpu_stats.flags */
#define VTX_VCPU_STATS_VMCS_CURRENT	(1U << 0)

/* struct vtx_vcpu_stats.cpu when the VMCS is loaded on no CPU */
#define VTX_CPU_NONE			0xffffffffU

/* struct vtx_vcpu_stats.exit_reason: counters, the last one shared */
#define VTX_NR_EXIT_REASONS		80

/**
 * struct vtx_vcpu_stats - a vCPU's VMCS placement and counters
 * @cpu: the CPU whose loaded-VMCS list holds the vCPU's VMCS; since the
 *	ioctl itself loads the VMCS, this is the calling CPU.
 * @flags: VTX_VCPU_STATS_VMCS_CURRENT: the CPU's own current-VMCS
 *	pointer (VMPTRST) named this vCPU's VMCS during the ioctl.
 * @vmcs_loads: times the VMCS was added to a CPU's loaded list.
 * @vmcs_migrations: times it had first to be cleared on another CPU.
 * @exits: VM exits.
 * @exit_reason: VM exits by basic exit reason; reasons from
 *	VTX_NR_EXIT_REASONS - 1 up share the last counter.
 * @l1d_flushes: L1 data cache flushes before VM entry (L1TF).
 * @ibpb_requests: VM exits after which an IBPB on the return to user
 *	space was requested (VMSCAPE).
 * @ept_splits: 2 MiB EPT leaves split for an instruction fetch
 *	(iTLB multihit).
 * @exceptions_db: guest #DBs that exited and were delivered back.
 * @exceptions_ac: guest #ACs that exited and were delivered back.
 * @reserved: zero.
 */
struct vtx_vcpu_stats {
	__u32 cpu;
	__u32 flags;
	__u64 vmcs_loads;
	__u64 vmcs_migrations;
	__u64 exits;
	__u64 exit_reason[VTX_NR_EXIT_REASONS];
	__u64 l1d_flushes;
	__u64 ibpb_requests;
	__u64 ept_splits;
	__u64 exceptions_db;
	__u64 exceptions_ac;
	__u64 reserved[3];
};

/* vCPU ioctl: load the vCPU (as every vCPU ioctl does) and report. */
#define VTX_GET_VCPU_STATS	_IOR(VTXIO, 0x20, struct vtx_vcpu_stats)

/* IA32_SPEC_CTRL modes (struct vtx_spec_ctrl_policy.mode, _state.mode) */
#define VTX_SPEC_CTRL_MODE_AUTO		0
#define VTX_SPEC_CTRL_MODE_INTERCEPT	1
#define VTX_SPEC_CTRL_MODE_PASSTHROUGH	2
#define VTX_SPEC_CTRL_MODE_VIRTUALIZE	3

/**
 * struct vtx_spec_ctrl_policy - a VM's IA32_SPEC_CTRL policy
 * @mode: VTX_SPEC_CTRL_MODE_*: AUTO lets vtx choose (the module parameter
 *	spec_ctrl, then virtualize or intercept with a mask, passthrough
 *	without one); the others ask for that mechanism.
 * @reserved0: zero.
 * @mask: the bits the guest cannot change; only bits the host supports
 *	(vtx_capabilities.spec_ctrl_supported).
 * @forced: the values of the masked bits; only bits inside @mask.
 * @reserved: zero.
 *
 * The guest sees and reads back what it writes (its shadow); the MSR
 * holds (forced & mask) | (shadow & ~mask) while the guest runs.
 */
struct vtx_spec_ctrl_policy {
	__u32 mode;
	__u32 reserved0;
	__u64 mask;
	__u64 forced;
	__u64 reserved[5];
};

/*
 * VM ioctls: set the policy before the VM's first vCPU is created (EBUSY
 * after), and read it back.
 */
#define VTX_SET_SPEC_CTRL_POLICY _IOW(VTXIO, 0x10, struct vtx_spec_ctrl_policy)
#define VTX_GET_SPEC_CTRL_POLICY _IOR(VTXIO, 0x11, struct vtx_spec_ctrl_policy)

/**
 * struct vtx_spec_ctrl_state - a vCPU's IA32_SPEC_CTRL, as it stands
 * @mode: VTX_SPEC_CTRL_MODE_* in effect (never AUTO).
 * @reserved0: zero.
 * @shadow: the value the guest last wrote and reads back.
 * @effective: the value the MSR holds while the guest runs, as VM exit
 *	last stored it (or as vtx will load it, before the first entry).
 * @mask: the VM's mask.
 * @forced: the VM's forced bits.
 * @valid: the bits this guest may write: what its CPUID grants and the
 *	host supports; 0 means the MSR does not exist for it.
 * @rdmsr_exits: guest RDMSRs of IA32_SPEC_CTRL that caused a VM exit.
 * @wrmsr_exits: guest WRMSRs of IA32_SPEC_CTRL that caused a VM exit.
 * @reserved: zero.
 */
struct vtx_spec_ctrl_state {
	__u32 mode;
	__u32 reserved0;
	__u64 shadow;
	__u64 effective;
	__u64 mask;
	__u64 forced;
	__u64 valid;
	__u64 rdmsr_exits;
	__u64 wrmsr_exits;
	__u64 reserved[4];
};

/* vCPU ioctl: report the vCPU's IA32_SPEC_CTRL state. */
#define VTX_GET_SPEC_CTRL_STATE	_IOR(VTXIO, 0x21, struct vtx_spec_ctrl_state)

#endif /* _UAPI_LINUX_VTX_H */
