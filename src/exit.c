// SPDX-License-Identifier: GPL-2.0
/*
 * VM-exit handlers. Each returns 1 to re-enter the guest, or 0 with
 * kvm_run.exit_reason set to return to user space, or VTX_EXIT_EPT_FAULT.
 *
 * Whatever the guest does, the answer is an exit to user space, an
 * exception injected into the guest, or a re-entry: never a host error.
 * An exit vtx does not expect gives KVM_EXIT_INTERNAL_ERROR.
 *
 * Context: process context, preemption off, interrupts on; the vCPU's
 * VMCS current on this CPU.
 */
#include <linux/kvm.h>
#include <linux/string.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "caps.h"
#include "cpuid.h"
#include "debugreg.h"
#include "exit.h"
#include "fpu_state.h"
#include "guest_debug.h"
#include "mmio.h"
#include "msr.h"
#include "spec_ctrl_hw.h"
#include "vcpu.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/**
 * vtx_exit_inject() - deliver a hardware exception at the next entry
 * @vector: the exception
 * @has_error: it pushes an error code
 * @error: the error code
 *
 * In real mode no error code is pushed, as VM entry requires.
 */
void vtx_exit_inject(u8 vector, bool has_error, u32 error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	if (has_error && (vtx_guest_read_cr0() & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

static bool vtx_exit_64bit_code(void)
{
	/* VM exit sets "IA-32e mode guest" to the guest's EFER.LMA. */
	return (vmcs_read32(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE) &&
	       (vmcs_read32(GUEST_CS_AR_BYTES) & BIT(13));
}

/**
 * vtx_exit_advance() - step over an instruction of @len bytes
 * @vcpu: the vCPU
 * @len: its length
 *
 * This ends STI and MOV SS blocking; under KVM_GUESTDBG_SINGLESTEP the
 * instruction, done here rather than by the guest, is a step too
 * (guest_debug.c). The VMCS is current.
 */
void vtx_exit_advance(struct vtx_vcpu *vcpu, unsigned int len)
{
	unsigned long old = vmcs_readl(GUEST_RIP), rip = old + len;
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	/*
	 * Outside 64-bit code RIP wraps at 4 GiB. Its upper half is 0
	 * there, so only a step that changes the upper half needs the mode.
	 */
	if (unlikely((rip ^ old) >> 32) && !vtx_exit_64bit_code())
		rip = (u32)rip;
	vmcs_writel(GUEST_RIP, rip);
	if (vcpu->guest_debug & KVM_GUESTDBG_SINGLESTEP)
		vcpu->debug_step = true;
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     intr & ~(GUEST_INTR_STATE_STI |
				      GUEST_INTR_STATE_MOV_SS));
}

/* Step over the exiting instruction. */
static void vtx_exit_skip(struct vtx_vcpu *vcpu)
{
	vtx_exit_advance(vcpu, vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

static int vtx_exit_internal(struct vtx_vcpu *vcpu, u32 suberror,
			     u32 exit_reason)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 2;
	run->internal.data[0] = exit_reason;
	run->internal.data[1] = vmcs_readl(EXIT_QUALIFICATION);
	return 0;
}

/* Where the guest's instruction is: CS.base + RIP. */
static u64 vtx_exit_linear_rip(void)
{
	return vmcs_readl(GUEST_CS_BASE) + vmcs_readl(GUEST_RIP);
}

/**
 * vtx_exit_complete_pio() - finish the IN or OUT user space handled
 * @vcpu: the vCPU
 *
 * An IN takes its data from the I/O page, into AL, AX or EAX (which
 * zero-extends into RAX, as the CPU does); then the instruction is done.
 * Not if user space moved the guest elsewhere meanwhile (KVM_SET_SREGS
 * with another CS.base): as in KVM, the I/O is then forgotten.
 */
void vtx_exit_complete_pio(struct vtx_vcpu *vcpu)
{
	const void *data = page_address(vcpu->pio_page);
	unsigned long *rax = &vcpu->regs[VTX_REG_RAX];

	if (!vcpu->pio.pending)
		return;
	vcpu->pio.pending = false;
	if (vtx_exit_linear_rip() != vcpu->pio.linear_rip)
		return;
	if (vcpu->pio.in) {
		switch (vcpu->pio.size) {
		case 1:
			*rax = (*rax & ~0xffUL) | *(const u8 *)data;
			break;
		case 2:
			*rax = (*rax & ~0xffffUL) | *(const u16 *)data;
			break;
		default:
			*rax = *(const u32 *)data;
			break;
		}
	}
	vtx_exit_skip(vcpu);
}

/*
 * INS or OUTS: the run loop reads or writes the guest's memory (mmio.c),
 * which may sleep. The VM-exit instruction information gives the address
 * size and segment; without it (VMX_BASIC bit 54) vtx does not guess.
 */
static int vtx_exit_string_io(struct vtx_vcpu *vcpu, unsigned long q,
			      u8 size, bool in)
{
	struct vtx_mmio *m = &vcpu->mmio;
	u32 info;

	if (!(vtx_host_caps.basic & BIT_ULL(54)))
		return vtx_exit_internal(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					 EXIT_REASON_IO_INSTRUCTION);
	info = vmcs_read32(VMX_INSTRUCTION_INFO);
	m->kind = VTX_MMIO_STRING;
	m->write = !in;
	m->size = size;
	m->rep = q & BIT(5);
	m->addr_size = 2 << ((info >> 7) & 3);
	m->seg = (info >> 15) & 7;
	m->len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	if (m->addr_size > 8 || m->seg > VTX_SEG_GS) {
		m->kind = VTX_MMIO_NONE;
		return vtx_exit_internal(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					 EXIT_REASON_IO_INSTRUCTION);
	}
	vcpu->run->io.port = q >> 16;
	return VTX_EXIT_STRING_IO;
}

static int vtx_exit_io(struct vtx_vcpu *vcpu)
{
	unsigned long q = vmcs_readl(EXIT_QUALIFICATION);
	struct kvm_run *run = vcpu->run;
	u8 size = (q & 7) + 1;
	bool in = q & BIT(3);

	if (size != 1 && size != 2 && size != 4)
		return vtx_exit_internal(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					 EXIT_REASON_IO_INSTRUCTION);
	if (q & BIT(4))
		return vtx_exit_string_io(vcpu, q, size, in);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = q >> 16;
	run->io.count = 1;
	run->io.data_offset = PAGE_SIZE;
	if (!in)
		memcpy(page_address(vcpu->pio_page),
		       &vcpu->regs[VTX_REG_RAX], size);
	vcpu->pio.pending = true;
	vcpu->pio.in = in;
	vcpu->pio.size = size;
	vcpu->pio.linear_rip = vtx_exit_linear_rip();
	return 0;
}

static int vtx_exit_cpuid(struct vtx_vcpu *vcpu)
{
	u32 leaf = vcpu->regs[VTX_REG_RAX], sub = vcpu->regs[VTX_REG_RCX];
	const struct kvm_cpuid_entry2 *e = vtx_cpuid_find(vcpu, leaf, sub);
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	/* Registers, not out-parameters: no stack frame on the hot path. */
	if (e) {
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
	}
	/* What follows the guest's state, as KVM updates it at run time. */
	if (leaf == 1 && (ecx & BIT(26))) {
		ecx &= ~BIT(27);
		if (vtx_guest_read_cr4() & X86_CR4_OSXSAVE)
			ecx |= BIT(27);		/* OSXSAVE */
	} else if (leaf == 0xd && sub == 0 && eax) {
		ebx = vtx_fpu_xstate_size(vcpu->xcr0, false);
	} else if (leaf == 0xd && sub == 1 && (eax & (BIT(1) | BIT(3)))) {
		ebx = vtx_fpu_xstate_size(vcpu->xcr0, true);
	}
	vcpu->regs[VTX_REG_RAX] = eax;
	vcpu->regs[VTX_REG_RBX] = ebx;
	vcpu->regs[VTX_REG_RCX] = ecx;
	vcpu->regs[VTX_REG_RDX] = edx;
	vtx_exit_skip(vcpu);
	return 1;
}

/* Out of line: its address-taken local would give vtx_exit_handle() a canary. */
static noinline int vtx_exit_rdmsr(struct vtx_vcpu *vcpu)
{
	u64 data;

	if ((u32)vcpu->regs[VTX_REG_RCX] == MSR_IA32_SPEC_CTRL)
		vcpu->spec_ctrl.rdmsr_exits++;
	if (vtx_msr_get(vcpu, vcpu->regs[VTX_REG_RCX], &data, false)) {
		vtx_exit_inject(X86_TRAP_GP, true, 0);
		return 1;
	}
	vcpu->regs[VTX_REG_RAX] = (u32)data;
	vcpu->regs[VTX_REG_RDX] = data >> 32;
	vtx_exit_skip(vcpu);
	return 1;
}

static int vtx_exit_wrmsr(struct vtx_vcpu *vcpu)
{
	u64 data = (u32)vcpu->regs[VTX_REG_RAX] |
		   (u64)(u32)vcpu->regs[VTX_REG_RDX] << 32;
	int r;

	/* IA32_SPEC_CTRL, the hot one, goes straight to its handler. */
	if ((u32)vcpu->regs[VTX_REG_RCX] == MSR_IA32_SPEC_CTRL)
		r = vtx_spec_ctrl_hw_wrmsr(vcpu, data);
	else
		r = vtx_msr_set(vcpu, vcpu->regs[VTX_REG_RCX], data, false);
	if (r) {
		vtx_exit_inject(X86_TRAP_GP, true, 0);
		return 1;
	}
	vtx_exit_skip(vcpu);
	return 1;
}

static unsigned long *vtx_exit_gpr(struct vtx_vcpu *vcpu, unsigned int n)
{
	static const u8 map[16] = {
		VTX_REG_RAX, VTX_REG_RCX, VTX_REG_RDX, VTX_REG_RBX,
		VTX_REG_RSP, VTX_REG_RBP, VTX_REG_RSI, VTX_REG_RDI,
		VTX_REG_R8, VTX_REG_R9, VTX_REG_R10, VTX_REG_R11,
		VTX_REG_R12, VTX_REG_R13, VTX_REG_R14, VTX_REG_R15,
	};

	return &vcpu->regs[map[n & 15]];
}

static unsigned long vtx_exit_read_gpr(struct vtx_vcpu *vcpu, unsigned int n)
{
	return n == 4 ? vmcs_readl(GUEST_RSP) : *vtx_exit_gpr(vcpu, n);
}

static void vtx_exit_write_gpr(struct vtx_vcpu *vcpu, unsigned int n,
			       unsigned long v)
{
	if (!vtx_exit_64bit_code())
		v = (u32)v;
	if (n == 4)
		vmcs_writel(GUEST_RSP, v);
	else
		*vtx_exit_gpr(vcpu, n) = v;
}

/*
 * MOV to CR0 that changes CD, NW or NE. Check it as the CPU would, and
 * switch IA-32e mode when paging is turned on or off with EFER.LME set.
 */
static int vtx_exit_set_cr0(struct vtx_vcpu *vcpu, unsigned long cr0)
{
	unsigned long old = vtx_guest_read_cr0();
	u64 efer = vtx_guest_read_efer(vcpu);

	if (!vtx_exit_64bit_code())
		cr0 = (u32)cr0;
	if (cr0 >> 32 || ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)) ||
	    ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)))
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(vtx_guest_read_cr4() & X86_CR4_PAE))
			return -EINVAL;
		vtx_guest_write_efer(vcpu, efer | EFER_LMA);
	} else if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
		   (efer & EFER_LMA)) {
		if (vtx_exit_64bit_code())
			return -EINVAL;
		vtx_guest_write_efer(vcpu, efer & ~EFER_LMA);
	}
	vtx_guest_write_cr0(cr0);
	return 0;
}

static int vtx_exit_cr(struct vtx_vcpu *vcpu)
{
	unsigned long q = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;
	unsigned long val;
	int r = 0;

	if (type == 0) {		/* MOV to CR */
		val = vtx_exit_read_gpr(vcpu, gpr);
		switch (cr) {
		case 0:
			r = vtx_exit_set_cr0(vcpu, val);
			break;
		case 3:
			vmcs_writel(GUEST_CR3, val);
			break;
		case 4:
			/* It sets a VTX_CR4_GUEST_FORBIDDEN bit. */
			r = -EINVAL;
			break;
		case 8:
			if (val > 15)
				r = -EINVAL;
			else
				vcpu->cr8 = val;
			break;
		default:
			return vtx_exit_internal(vcpu,
						 KVM_INTERNAL_ERROR_EMULATION,
						 EXIT_REASON_CR_ACCESS);
		}
	} else if (type == 1) {		/* MOV from CR */
		switch (cr) {
		case 3:
			vtx_exit_write_gpr(vcpu, gpr, vmcs_readl(GUEST_CR3));
			break;
		case 8:
			vtx_exit_write_gpr(vcpu, gpr, vcpu->cr8);
			break;
		default:
			return vtx_exit_internal(vcpu,
						 KVM_INTERNAL_ERROR_EMULATION,
						 EXIT_REASON_CR_ACCESS);
		}
	} else {
		return vtx_exit_internal(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					 EXIT_REASON_CR_ACCESS);
	}
	if (r) {
		vtx_exit_inject(X86_TRAP_GP, true, 0);
		return 1;
	}
	vtx_exit_skip(vcpu);
	return 1;
}

/*
 * MOV to or from a debug register: the guest's own DR0-3, DR6 and DR7
 * (debugreg.c). DR4 and DR5 are #UD, as with CR4.DE set.
 */
static int vtx_exit_dr(struct vtx_vcpu *vcpu)
{
	unsigned long q = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int dr = q & 7, gpr = (q >> 8) & 15;
	bool from = q & BIT(4);

	if (dr == 4 || dr == 5) {
		vtx_exit_inject(X86_TRAP_UD, false, 0);
		return 1;
	}
	if (from) {
		vtx_exit_write_gpr(vcpu, gpr, vtx_debugreg_read(vcpu, dr));
	} else {
		unsigned long v = vtx_exit_read_gpr(vcpu, gpr);

		if (!vtx_exit_64bit_code())
			v = (u32)v;
		if (vtx_debugreg_write(vcpu, dr, v)) {
			vtx_exit_inject(X86_TRAP_GP, true, 0);
			return 1;
		}
	}
	vtx_exit_skip(vcpu);
	return 1;
}

/*
 * An exception the bitmap intercepts. #DB and #AC always exit, so that a
 * guest that makes their delivery raise them again (a breakpoint on the
 * handler's stack, a misaligned #AC stack at CPL 3) loops through VM exits
 * that the host can interrupt, rather than in microcode that nothing can
 * (CVE-2015-8104, CVE-2015-5307). Both go back to the guest unchanged;
 * an event whose delivery they interrupted is replaced by them, as KVM
 * does for benign exceptions: it comes back when the instruction runs
 * again. NMIs and machine checks were handled right after the exit.
 */
static int vtx_exit_exception(struct vtx_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (type == INTR_TYPE_NMI_INTR)
		return 1;
	if (vcpu->guest_debug && !vtx_guest_debug_exception(vcpu, info))
		return 0;
	switch (info & INTR_INFO_VECTOR_MASK) {
	case X86_TRAP_MC:
		return 1;
	case X86_TRAP_DB:
		vcpu->exceptions_db++;
		vtx_debugreg_db(vcpu, info);
		return 1;
	case X86_TRAP_AC:
		vcpu->exceptions_ac++;
		vtx_exit_inject(X86_TRAP_AC, true,
				vmcs_read32(VM_EXIT_INTR_ERROR_CODE));
		return 1;
	}
	return vtx_exit_internal(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				 EXIT_REASON_EXCEPTION_NMI);
}

/*
 * An EPT violation: the run loop maps the page, or reports the access
 * (ept_fault.c). The access is what the qualification says; an access
 * that names none (it cannot happen) counts as a read.
 */
static int vtx_exit_ept_violation(struct vtx_vcpu *vcpu)
{
	unsigned long q = vmcs_readl(EXIT_QUALIFICATION);
	unsigned int access = 0;

	if (q & EPT_VIOLATION_ACC_READ)
		access |= VTX_EPT_MAPS_READ;
	if (q & EPT_VIOLATION_ACC_WRITE)
		access |= VTX_EPT_MAPS_WRITE;
	if (q & EPT_VIOLATION_ACC_INSTR)
		access |= VTX_EPT_MAPS_EXEC;
	vcpu->fault_gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	vcpu->fault_access = access ?: VTX_EPT_MAPS_READ;
	/*
	 * Only an instruction's own data access can be emulated: not one
	 * the CPU made walking the guest's page tables (bit 8 clear) or
	 * delivering an event (the IDT, the GDT, the handler's stack).
	 */
	vcpu->fault_insn = (q & EPT_VIOLATION_GVA_IS_VALID) &&
			   (q & EPT_VIOLATION_GVA_TRANSLATED) &&
			   !(vmcs_read32(IDT_VECTORING_INFO_FIELD) &
			     VECTORING_INFO_VALID_MASK);
	return VTX_EXIT_EPT_FAULT;
}

/**
 * vtx_exit_handle() - handle a VM exit
 * @vcpu: the vCPU
 * @exit_reason: VM_EXIT_REASON
 *
 * Return: 1 to re-enter, 0 to return to user space, VTX_EXIT_EPT_FAULT
 * for the run loop to resolve an EPT violation.
 */
int vtx_exit_handle(struct vtx_vcpu *vcpu, u32 exit_reason)
{
	struct kvm_run *run = vcpu->run;

	if (exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = exit_reason;
		run->fail_entry.cpu = smp_processor_id();
		return 0;
	}
	/*
	 * WRMSR ahead of the switch, as in KVM's fast path: the exit that
	 * intercepted IA32_SPEC_CTRL writes take.
	 */
	if ((u16)exit_reason == EXIT_REASON_MSR_WRITE)
		return vtx_exit_wrmsr(vcpu);

	switch ((u16)exit_reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		return vtx_exit_exception(vcpu);
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
	case EXIT_REASON_INIT_SIGNAL:
	case EXIT_REASON_SIPI_SIGNAL:
		return 1;
	case EXIT_REASON_TRIPLE_FAULT:
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	case EXIT_REASON_CPUID:
		return vtx_exit_cpuid(vcpu);
	case EXIT_REASON_HLT:
		vtx_exit_skip(vcpu);
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		/*
		 * No device DMAs into guest memory without coherence, so
		 * neither flush has anything to do; a guest WBINVD loop
		 * would otherwise stall every core that shares the cache.
		 */
		vtx_exit_skip(vcpu);
		return 1;
	case EXIT_REASON_IO_INSTRUCTION:
		return vtx_exit_io(vcpu);
	case EXIT_REASON_MSR_READ:
		return vtx_exit_rdmsr(vcpu);
	case EXIT_REASON_CR_ACCESS:
		return vtx_exit_cr(vcpu);
	case EXIT_REASON_DR_ACCESS:
		return vtx_exit_dr(vcpu);
	case EXIT_REASON_EPT_VIOLATION:
		return vtx_exit_ept_violation(vcpu);
	case EXIT_REASON_MONITOR_TRAP_FLAG:
		return vtx_guest_debug_mtf(vcpu);
	case EXIT_REASON_XSETBV:
		if (vtx_fpu_xsetbv(vcpu)) {
			vtx_exit_inject(X86_TRAP_GP, true, 0);
			return 1;
		}
		vtx_exit_skip(vcpu);
		return 1;
	case EXIT_REASON_RDPMC:
		vtx_exit_inject(X86_TRAP_GP, true, 0);
		return 1;
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
		vtx_exit_inject(X86_TRAP_UD, false, 0);
		return 1;
	}
	return vtx_exit_internal(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				 exit_reason);
}
