/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only VMLAUNCH and VMRESUME in vtx.
 *
 * Context: called by the run loop with interrupts off and the vCPU's VMCS
 * current on this CPU. VM exit returns here (HOST_RIP = vtx_vmx_vmexit)
 * with the host state of the VMCS: the stack pointer this code wrote into
 * HOST_RSP, interrupts still off.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/cpufeatures.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>

#include "../run_flags.h"

#define REG(r)	(VTX_REG_##r * 8)

.text

/**
 * vtx_vmenter - enter the guest and come back at its next VM exit
 * @regs:	unsigned long[VTX_NR_REGS]: guest GPRs, loaded before entry
 *		and saved after exit (RSP is in the VMCS)
 * @flags:	VTX_RUN_VMRESUME to resume a launched VMCS
 * @spec_ctrl:	the guest's IA32_SPEC_CTRL as VM exit stores it (its entry
 *		on the VM-exit MSR-store list), or NULL when VM entry and
 *		exit do not switch the MSR
 *
 * Returns 0 after a VM exit (including a failed VM entry that reported an
 * exit reason), VTX_VMENTER_VMFAIL on VMfail (nothing ran; see
 * VM_INSTRUCTION_ERROR), VTX_VMENTER_FAULT when a VMX instruction
 * faulted because VMX is off on this CPU.
 */
SYM_FUNC_START(vtx_vmenter)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	/* Saved for the exit path: @regs, @flags, then @spec_ctrl on top. */
	push %rdi
	push %rsi
	push %rdx

	/*
	 * HOST_RSP is where the exit path finds the two words above. Write
	 * it on every entry: the stack depth may differ between calls.
	 */
	mov  $VTX_VMCS_HOST_RSP, %eax
.Lhost_rsp:
	vmwrite %rsp, %rax
	jna  .Lvmfail
	_ASM_EXTABLE(.Lhost_rsp, .Lvmfault)

	/* CF = @flags.VMRESUME; no instruction below changes CF until jnc. */
	bt   $VTX_RUN_VMRESUME_BIT, %esi

	mov  %rdi, %rax
	mov  REG(RCX)(%rax), %rcx
	mov  REG(RDX)(%rax), %rdx
	mov  REG(RBX)(%rax), %rbx
	mov  REG(RBP)(%rax), %rbp
	mov  REG(RSI)(%rax), %rsi
	mov  REG(RDI)(%rax), %rdi
	mov  REG(R8)(%rax),  %r8
	mov  REG(R9)(%rax),  %r9
	mov  REG(R10)(%rax), %r10
	mov  REG(R11)(%rax), %r11
	mov  REG(R12)(%rax), %r12
	mov  REG(R13)(%rax), %r13
	mov  REG(R14)(%rax), %r14
	mov  REG(R15)(%rax), %r15
	/* Guest RAX last: it overwrites the @regs pointer. */
	mov  REG(RAX)(%rax), %rax

	/*
	 * Flush CPU buffers (VERW) where the kernel mitigates MDS and
	 * friends, last thing before entry so the guest sees no host data.
	 * VERW clobbers ZF, not CF.
	 */
	CLEAR_CPU_BUFFERS

	jnc  .Lvmlaunch

	/* Control resumes at vtx_vmx_vmexit: tell objtool to expect it. */
	UNWIND_HINT_SAVE
.Lvmresume:
	vmresume
	jmp  .Lvmfail
.Lvmlaunch:
	vmlaunch
	jmp  .Lvmfail

	/*
	 * VMX was turned off under us (#UD): the run loop checks that the
	 * VMCS is current with interrupts off, so only an NMI-time
	 * emergency VMXOFF can get here. Fail the entry; never oops.
	 */
	_ASM_EXTABLE(.Lvmresume, .Lvmfault)
	_ASM_EXTABLE(.Lvmlaunch, .Lvmfault)

SYM_INNER_LABEL(vtx_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	/* Guest RAX, then fetch @regs from under it, @spec_ctrl and @flags. */
	push %rax
	mov  24(%rsp), %rax

	mov  %rcx, REG(RCX)(%rax)
	mov  %rdx, REG(RDX)(%rax)
	mov  %rbx, REG(RBX)(%rax)
	mov  %rbp, REG(RBP)(%rax)
	mov  %rsi, REG(RSI)(%rax)
	mov  %rdi, REG(RDI)(%rax)
	mov  %r8,  REG(R8)(%rax)
	mov  %r9,  REG(R9)(%rax)
	mov  %r10, REG(R10)(%rax)
	mov  %r11, REG(R11)(%rax)
	mov  %r12, REG(R12)(%rax)
	mov  %r13, REG(R13)(%rax)
	mov  %r14, REG(R14)(%rax)
	mov  %r15, REG(R15)(%rax)
	pop  REG(RAX)(%rax)

	/* Return value: a VM exit happened. */
	xor  %ebx, %ebx

.Lclear_regs:
	/*
	 * Clear every GPR the guest wrote, so that no guest value reaches
	 * speculative host code. 32-bit XORs zero the upper halves too.
	 */
	xor  %eax, %eax
	xor  %ecx, %ecx
	xor  %edx, %edx
	xor  %ebp, %ebp
	xor  %esi, %esi
	xor  %edi, %edi
	xor  %r8d, %r8d
	xor  %r9d, %r9d
	xor  %r10d, %r10d
	xor  %r11d, %r11d
	xor  %r12d, %r12d
	xor  %r13d, %r13d
	xor  %r14d, %r14d
	xor  %r15d, %r15d

	/*
	 * Before the first RET after the guest ran: refill the return stack
	 * buffer so that no guest-planted return target is predicted.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE

	/*
	 * The host's IA32_SPEC_CTRL, before any RET or indirect branch below
	 * (CLEAR_BRANCH_HISTORY_VMEXIT calls). VM exit has stored the guest's
	 * value at @spec_ctrl; write this CPU's x86_spec_ctrl_current when it
	 * differs, and always where the kernel uses IBRS itself, because only
	 * a write makes legacy IBRS take effect. After a VMfail nothing was
	 * loaded: the stored value is the one entry would have loaded, and a
	 * needless write is harmless. The LFENCE keeps later code from
	 * running speculatively ahead of the write.
	 */
	mov  (%rsp), %rsi
	test %rsi, %rsi
	jz   .Lspec_ctrl_done
	mov  PER_CPU_VAR(x86_spec_ctrl_current), %rax
	ALTERNATIVE "cmp (%rsi), %rax; je .Lspec_ctrl_done", "", \
		    X86_FEATURE_KERNEL_IBRS
	mov  %rax, %rdx
	shr  $32, %rdx
	mov  $MSR_IA32_SPEC_CTRL, %ecx
	wrmsr
.Lspec_ctrl_done:
	lfence

	/* Scrub branch history the guest left, where the kernel does. */
	CLEAR_BRANCH_HISTORY_VMEXIT

	add  $24, %rsp		/* @spec_ctrl, @flags and @regs */
	mov  %rbx, %rax
	pop  %rbx
	pop  %r12
	pop  %r13
	pop  %r14
	pop  %r15
	pop  %rbp
	RET

.Lvmfault:
	/* A VMX instruction faulted: VMX is off on this CPU. */
	mov  $VTX_VMENTER_FAULT, %ebx
	jmp  .Lclear_regs
.Lvmfail:
	/* VMfail: nothing ran, but guest values may be in the registers. */
	mov  $VTX_VMENTER_VMFAIL, %ebx
	jmp  .Lclear_regs
SYM_FUNC_END(vtx_vmenter)

/**
 * vtx_do_nmi_irqoff - run the host's NMI handler for an NMI that caused a
 * VM exit
 *
 * The handler ends in IRET, so build the interrupt frame it expects; its
 * IRET also ends the NMI blocking the exit left in effect.
 */
SYM_FUNC_START(vtx_do_nmi_irqoff)
	push %rbp
	mov  %rsp, %rbp
	/* The CPU aligns the stack to 16 bytes for an interrupt frame. */
	and  $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	call asm_exc_nmi_noist
	/* IRET restored RSP already; say so for objtool as well. */
	mov  %rbp, %rsp
	pop  %rbp
	RET
SYM_FUNC_END(vtx_do_nmi_irqoff)
