// SPDX-License-Identifier: GPL-2.0
/*
 * Fill a vCPU's VMCS: the controls planned once for the host, the host
 * state the CPU loads at every VM exit, and the architectural reset state
 * of the guest (real mode, CS.base 0xffff0000, RIP 0xfff0, as KVM).
 *
 * The guest owns CR0 and CR4 except for the bits VMX forces (CR0.NE,
 * CR4.VMXE), CR0.CD/NW, which vtx keeps clear in hardware so that a guest
 * cannot make the host's caches misbehave, and every CR4 bit outside the
 * allow-list VTX_CR4_GUEST_ALLOWED: the read shadows show the guest its
 * own values, and a write that changes them exits.
 *
 * Context: process context, the vCPU's VMCS current, preemption off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/string.h>

#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tsc.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "caps.h"
#include "controls.h"
#include "debugreg.h"
#include "msr_switch.h"
#include "spec_ctrl_hw.h"
#include "regs.h"
#include "vcpu.h"
#include "vm.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/* The exit path in vmenter.S: HOST_RIP. */
extern const char vtx_vmx_vmexit[];

struct vtx_controls vtx_vmcs_controls __ro_after_init;
static int vtx_vmcs_plan_error __ro_after_init;

static char *efer_switch = "vmcs";
module_param(efer_switch, charp, 0444);
MODULE_PARM_DESC(efer_switch,
		 "how guest IA32_EFER is switched: vmcs (the VM-entry/exit EFER controls; the MSR lists on a CPU without them) or msr_list (the VM-entry/exit MSR lists)");

#define VTX_CR0_HOST_OWNED	(X86_CR0_CD | X86_CR0_NW | X86_CR0_NE)
#define VTX_CR4_HOST_OWNED	VTX_CR4_GUEST_FORBIDDEN

/**
 * vtx_vmcs_init_plan() - plan the controls once, at module load
 *
 * A host without a required control still loads: its vCPUs fail KVM_RUN
 * with -EOPNOTSUPP, and this says why, once.
 *
 * Return: 0, or -EINVAL for an unknown efer_switch.
 */
int vtx_vmcs_init_plan(void)
{
	enum vtx_efer_switch mode;
	const char *reason = NULL;

	if (!strcmp(efer_switch, "vmcs")) {
		mode = VTX_EFER_SWITCH_VMCS;
	} else if (!strcmp(efer_switch, "msr_list")) {
		mode = VTX_EFER_SWITCH_MSR_LIST;
	} else {
		pr_err("efer_switch=%s: expected vmcs or msr_list\n",
		       efer_switch);
		return -EINVAL;
	}
	vtx_vmcs_plan_error = vtx_controls_plan(&vtx_host_caps, mode,
						&vtx_vmcs_controls, &reason);
	if (vtx_vmcs_plan_error)
		pr_warn("guests cannot run: the CPU lacks %s\n", reason);
	vtx_msr_switch_init(vtx_vmcs_controls.efer_in_vmcs);
	return 0;
}

void vtx_guest_write_cr0(unsigned long cr0)
{
	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) |
		    X86_CR0_NE);
}

unsigned long vtx_guest_read_cr0(void)
{
	return (vmcs_readl(GUEST_CR0) & ~VTX_CR0_HOST_OWNED) |
	       (vmcs_readl(CR0_READ_SHADOW) & VTX_CR0_HOST_OWNED);
}

void vtx_guest_write_cr4(unsigned long cr4)
{
	vmcs_writel(CR4_READ_SHADOW, cr4);
	vmcs_writel(GUEST_CR4, cr4 | X86_CR4_VMXE);
}

unsigned long vtx_guest_read_cr4(void)
{
	return (vmcs_readl(GUEST_CR4) & ~VTX_CR4_HOST_OWNED) |
	       (vmcs_readl(CR4_READ_SHADOW) & VTX_CR4_HOST_OWNED);
}

/*
 * EFER, in the VMCS or on the MSR lists, and "IA-32e mode guest", which
 * must follow EFER.LMA. VM exit updates that control from EFER.LMA, and
 * stores EFER in the VMCS or on the exit-store list, so the two stay
 * consistent while the guest turns paging on and off by itself.
 */
void vtx_guest_write_efer(struct vtx_vcpu *vcpu, u64 efer)
{
	u32 entry = vtx_vmcs_controls.entry;

	if (efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	if (vtx_vmcs_controls.efer_in_vmcs)
		vmcs_write64(GUEST_IA32_EFER, efer);
	else
		vtx_msr_switch_set(vcpu, MSR_EFER, efer);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
}

u64 vtx_guest_read_efer(struct vtx_vcpu *vcpu)
{
	u64 efer = 0;

	if (vtx_vmcs_controls.efer_in_vmcs)
		return vmcs_read64(GUEST_IA32_EFER);
	vtx_msr_switch_get(vcpu, MSR_EFER, &efer);
	return efer;
}

/*
 * The VMX-preemption timer value for about 1 ms of guest time. Without
 * the "save" exit control the field is not written back, so every entry
 * starts from this value. The timer counts TSC ticks shifted right by
 * IA32_VMX_MISC[4:0].
 *
 * Why: on Bochs 2.7, an external interrupt does not cause a VM exit while
 * the guest runs with RFLAGS.IF = 0, because its VM entry re-evaluates
 * interrupt masking only when IF changes and the host entered with IF = 0.
 * A "cli; jmp ." guest would keep the host's CPU for ever. The timer
 * exit is not masked by IF, so the host always gets its CPU back, with its
 * interrupts still pending. On hardware it only adds a bounded exit rate.
 */
static u32 vtx_vmcs_time_slice(void)
{
	u64 ticks = (u64)(tsc_khz ?: 1000000) >>
		    (vtx_host_caps.misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);

	return clamp_t(u64, ticks, 1, U32_MAX);
}

/* Host state that is the same on every CPU and for the whole load. */
static void vtx_vmcs_init_host(void)
{
	struct desc_ptr idt;
	u64 val;

	vmcs_writel(HOST_CR0, read_cr0() & ~X86_CR0_TS);
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_writel(HOST_IDTR_BASE, idt.address);
	vmcs_writel(HOST_RIP, (unsigned long)vtx_vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmcs_write32(HOST_IA32_SYSENTER_CS, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, val);
	if (vtx_vmcs_controls.efer_in_vmcs) {
		rdmsrl(MSR_EFER, val);
		vmcs_write64(HOST_IA32_EFER, val);
	}
}

/**
 * vtx_vmcs_init_host_cpu() - the host state that differs between CPUs
 * @vcpu: the vCPU, its VMCS current on @cpu
 * @cpu: this CPU
 *
 * Context: interrupts off, before entry, whenever the VMCS last ran on
 * another CPU.
 */
void vtx_vmcs_init_host_cpu(struct vtx_vcpu *vcpu, int cpu)
{
	struct cpu_entry_area *cea = get_cpu_entry_area(cpu);
	u64 gs_base;

	vmcs_writel(HOST_TR_BASE, (unsigned long)&cea->tss.x86_tss);
	vmcs_writel(HOST_GDTR_BASE, (unsigned long)&cea->gdt);
	vmcs_writel(HOST_IA32_SYSENTER_ESP,
		    (unsigned long)(&cea->entry_stack_page.stack + 1));
	/* In the kernel, GS.base is this CPU's per-CPU area. */
	rdmsrl(MSR_GS_BASE, gs_base);
	vmcs_writel(HOST_GS_BASE, gs_base);
	vtx_msr_switch_host_cpu(vcpu);
	vcpu->host_cpu = cpu;
}

static void vtx_vmcs_init_segment(unsigned int sel, unsigned int base,
				  unsigned int limit, unsigned int ar,
				  u16 selector, u32 arbytes)
{
	vmcs_write16(sel, selector);
	vmcs_writel(base, selector == 0xf000 ? 0xffff0000UL : 0);
	vmcs_write32(limit, 0xffff);
	vmcs_write32(ar, arbytes);
}

/* The architectural reset state, as KVM gives a new vCPU. */
static void vtx_vmcs_init_guest(struct vtx_vcpu *vcpu)
{
	vtx_vmcs_init_segment(GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT,
			      GUEST_CS_AR_BYTES, 0xf000, 0x9b);
	vtx_vmcs_init_segment(GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT,
			      GUEST_DS_AR_BYTES, 0, 0x93);
	vtx_vmcs_init_segment(GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT,
			      GUEST_ES_AR_BYTES, 0, 0x93);
	vtx_vmcs_init_segment(GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT,
			      GUEST_FS_AR_BYTES, 0, 0x93);
	vtx_vmcs_init_segment(GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT,
			      GUEST_GS_AR_BYTES, 0, 0x93);
	vtx_vmcs_init_segment(GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT,
			      GUEST_SS_AR_BYTES, 0, 0x93);
	vtx_vmcs_init_segment(GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE,
			      GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES, 0, 0x82);
	vtx_vmcs_init_segment(GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT,
			      GUEST_TR_AR_BYTES, 0, 0x8b);
	vmcs_writel(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);

	vmcs_writel(GUEST_RIP, 0xfff0);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	/* RDX holds the processor signature at reset. */
	vcpu->regs[VTX_REG_RDX] = 0x600;

	vtx_guest_write_cr0(X86_CR0_CD | X86_CR0_NW | X86_CR0_ET);
	vtx_guest_write_cr4(0);
	vmcs_writel(GUEST_CR3, 0);
	vtx_guest_write_efer(vcpu, 0);
	vmcs_writel(GUEST_DR7, 0x400);	/* DR7 reset value */
	vtx_debugreg_reset(vcpu);
	/* The guest's TSC counts from its creation, not the host's boot. */
	vcpu->tsc_offset = -rdtsc();
	vmcs_write64(TSC_OFFSET, vcpu->tsc_offset);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vcpu->msrs.pat = 0x0007040600070406ULL;
	vcpu->msrs.misc_enable = MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL |
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL;
	vcpu->apic_base = 0xfee00000ULL | 0x800 | (vcpu->id ? 0 : 0x100);
}

/**
 * vtx_vmcs_init_vcpu() - give a vCPU's new VMCS its complete state
 * @vcpu: the vCPU; its VMCS current on this CPU
 *
 * Return: 0, or -EOPNOTSUPP when this host lacks a required control.
 */
int vtx_vmcs_init_vcpu(struct vtx_vcpu *vcpu)
{
	const struct vtx_controls *ctl = &vtx_vmcs_controls;

	if (vtx_vmcs_plan_error)
		return vtx_vmcs_plan_error;

	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, ctl->pin);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, ctl->proc);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, ctl->proc2);
	vmcs_write32(VM_EXIT_CONTROLS, ctl->exit);
	vmcs_write32(VM_ENTRY_CONTROLS, ctl->entry);
	/*
	 * #MC is the host's. #DB and #AC exit so that a guest cannot loop
	 * in their delivery where nothing can interrupt it (exit.c).
	 */
	vmcs_write32(EXCEPTION_BITMAP, BIT(X86_TRAP_MC) | BIT(X86_TRAP_DB) |
		     BIT(X86_TRAP_AC));
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vtx_msr_switch_init_vmcs(vcpu);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(MSR_BITMAP, page_to_phys(vcpu->msr_bitmap));
	vmcs_write64(EPT_POINTER, vcpu->vm->ept.eptp);
	if (ctl->vpid)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, vcpu->vpid);
	/* The guest's IA32_XSS is 0: XSAVES and XRSTORS never exit. */
	if (ctl->xsaves)
		vmcs_write64(XSS_EXIT_BITMAP, 0);
	if (ctl->preemption_timer)
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, vtx_vmcs_time_slice());
	vmcs_writel(CR0_GUEST_HOST_MASK, VTX_CR0_HOST_OWNED);
	/* OSXSAVE is the guest's once its CPUID has XSAVE (fpu_state.c). */
	vmcs_writel(CR4_GUEST_HOST_MASK, VTX_CR4_HOST_OWNED | X86_CR4_OSXSAVE);

	vtx_vmcs_init_host();
	vcpu->host_cpu = -1;
	vcpu->host_cr3 = 0;
	vcpu->host_cr4 = 0;
	vcpu->host_thread.valid = false;
	vtx_vmcs_init_guest(vcpu);
	vtx_spec_ctrl_hw_setup(vcpu, true);
	vcpu->flush_cpu = -1;
	vcpu->vmcs_ready = true;
	return 0;
}
