// SPDX-License-Identifier: GPL-2.0
/*
 * On a failed VM entry, the VMCS fields that VM entry checks, in the
 * kernel log: what kvm_intel's dump_invalid_vmcs does. Off by default
 * (a VMM can fail entries at will, and the log is the host's); module
 * parameter dump_invalid_vmcs=1 turns it on, and then at most a few
 * dumps per five seconds are printed.
 *
 * Context: the VMCS is current, preemption off.
 */
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>

#include <asm/vmx.h>

#include "vcpu.h"
#include "vmcs_dump.h"
#include "vmx_ops.h"

static bool dump_invalid_vmcs;
module_param(dump_invalid_vmcs, bool, 0644);
MODULE_PARM_DESC(dump_invalid_vmcs,
		 "Log the VMCS's guest state on a failed VM entry (default: off)");

static DEFINE_RATELIMIT_STATE(vtx_vmcs_dump_rs, 5 * HZ, 2);

struct vtx_vmcs_dump_seg {
	const char *name;
	unsigned long selector, base, limit, ar;
};

#define VTX_DUMP_SEG(n) {						\
	.name = #n, .selector = GUEST_##n##_SELECTOR,			\
	.base = GUEST_##n##_BASE, .limit = GUEST_##n##_LIMIT,		\
	.ar = GUEST_##n##_AR_BYTES,					\
}

static const struct vtx_vmcs_dump_seg vtx_vmcs_dump_segs[] = {
	VTX_DUMP_SEG(CS), VTX_DUMP_SEG(SS), VTX_DUMP_SEG(DS),
	VTX_DUMP_SEG(ES), VTX_DUMP_SEG(FS), VTX_DUMP_SEG(GS),
	VTX_DUMP_SEG(TR), VTX_DUMP_SEG(LDTR),
};

/**
 * vtx_vmcs_dump() - log the guest state of a failed VM entry
 * @vcpu: the vCPU
 * @why: the exit reason (bit 31 set), or the VM-instruction error of a
 *	VMfail
 */
void vtx_vmcs_dump(struct vtx_vcpu *vcpu, u32 why)
{
	unsigned int i;

	if (!READ_ONCE(dump_invalid_vmcs) || !__ratelimit(&vtx_vmcs_dump_rs))
		return;
	pr_err("vcpu %u: VM entry failed (0x%x, qualification 0x%lx)\n",
	       vcpu->id, why, vmcs_readl(EXIT_QUALIFICATION));
	pr_err("  rip 0x%lx rsp 0x%lx rflags 0x%lx\n", vmcs_readl(GUEST_RIP),
	       vmcs_readl(GUEST_RSP), vmcs_readl(GUEST_RFLAGS));
	pr_err("  cr0 0x%lx cr3 0x%lx cr4 0x%lx efer 0x%llx dr7 0x%lx\n",
	       vmcs_readl(GUEST_CR0), vmcs_readl(GUEST_CR3),
	       vmcs_readl(GUEST_CR4), vmcs_read64(GUEST_IA32_EFER),
	       vmcs_readl(GUEST_DR7));
	for (i = 0; i < ARRAY_SIZE(vtx_vmcs_dump_segs); i++) {
		const struct vtx_vmcs_dump_seg *s = &vtx_vmcs_dump_segs[i];

		pr_err("  %-4s sel 0x%04x base 0x%016lx limit 0x%08x ar 0x%05x\n",
		       s->name, vmcs_read16(s->selector), vmcs_readl(s->base),
		       vmcs_read32(s->limit), vmcs_read32(s->ar));
	}
	pr_err("  gdtr 0x%lx/0x%x idtr 0x%lx/0x%x\n",
	       vmcs_readl(GUEST_GDTR_BASE), vmcs_read32(GUEST_GDTR_LIMIT),
	       vmcs_readl(GUEST_IDTR_BASE), vmcs_read32(GUEST_IDTR_LIMIT));
	pr_err("  interruptibility 0x%x activity %u pending_dbg 0x%lx\n",
	       vmcs_read32(GUEST_INTERRUPTIBILITY_INFO),
	       vmcs_read32(GUEST_ACTIVITY_STATE),
	       vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS));
	pr_err("  entry: intr 0x%x error 0x%x len %u controls 0x%x\n",
	       vmcs_read32(VM_ENTRY_INTR_INFO_FIELD),
	       vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE),
	       vmcs_read32(VM_ENTRY_INSTRUCTION_LEN),
	       vmcs_read32(VM_ENTRY_CONTROLS));
	pr_err("  pin 0x%x proc 0x%x proc2 0x%x exit 0x%x\n",
	       vmcs_read32(PIN_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(CPU_BASED_VM_EXEC_CONTROL),
	       vmcs_read32(SECONDARY_VM_EXEC_CONTROL),
	       vmcs_read32(VM_EXIT_CONTROLS));
}
