/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only inline assembly in vtx: thin wrappers around VMX instructions.
 *
 * Each wrapper branches on VMfail (CF or ZF set) and carries an exception
 * table entry, so a #UD or #GP (VMX already off, for instance) becomes an
 * error return instead of an oops. They run in whatever context the caller
 * is in; none of them sleeps.
 */
#ifndef VTX_VMX_OPS_H
#define VTX_VMX_OPS_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/stringify.h>
#include <linux/types.h>

#include <asm/asm.h>
#include <asm/extable.h>
#include <asm/extable_fixup_types.h>

/*
 * The kernel's _ASM_EXTABLE(from, to), with both operands given as
 * strings so that an asm goto label ("%l[fault]") stays inside quotes.
 * The entry layout is the kernel's: three 32-bit words, the faulting
 * instruction and the fixup as offsets, then the fixup type.
 */
#define VTX_ASM_EXTABLE(from, to)				\
	" .pushsection \"__ex_table\",\"a\"\n"			\
	" .balign 4\n"						\
	" .long (" from ") - .\n"				\
	" .long (" to ") - .\n"					\
	" .long " __stringify(EX_TYPE_DEFAULT) "\n"		\
	" .popsection\n"

static_assert(sizeof(struct exception_table_entry) == 3 * sizeof(int));

/**
 * vmx_on() - enter VMX root operation
 * @vmxon_pa: physical address of this CPU's VMXON region
 *
 * The caller has set CR4.VMXE and disabled interrupts.
 *
 * Return: 0, -EIO on VMfail, -EFAULT on a fault (#UD or #GP).
 */
static __always_inline int vmx_on(u64 vmxon_pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : : [pa] "m" (vmxon_pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/**
 * vmx_off() - leave VMX operation
 *
 * Safe to call when VMX is already off (the #UD is caught).
 *
 * Return: 0, or -EFAULT when the CPU was not in VMX operation.
 */
static __always_inline int vmx_off(void)
{
	asm goto("1: vmxoff\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : : : "cc", "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

/**
 * vmx_vmclear() - clear a VMCS: write its state back and mark it clear
 * @vmcs_pa: physical address of the VMCS region
 *
 * Context: any, including NMI. The caller is in VMX operation, or accepts
 * the -EFAULT that the #UD becomes when it is not.
 *
 * Return: 0, -EIO on VMfail, -EFAULT on a fault.
 */
static __always_inline int vmx_vmclear(u64 vmcs_pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/**
 * vmx_vmptrld() - make a VMCS current and active on this CPU
 * @vmcs_pa: physical address of the VMCS region
 *
 * Return: 0, -EIO on VMfail, -EFAULT on a fault.
 */
static __always_inline int vmx_vmptrld(u64 vmcs_pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : : [pa] "m" (vmcs_pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/**
 * vmx_vmptrst() - read this CPU's current-VMCS pointer
 * @vmcs_pa: set to the current VMCS's physical address, or to ~0 when
 *	there is none
 *
 * Return: 0, or -EFAULT on a fault (VMX off).
 */
static __always_inline int vmx_vmptrst(u64 *vmcs_pa)
{
	asm goto("1: vmptrst %[pa]\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : [pa] "=m" (*vmcs_pa) : : "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

#endif /* VTX_VMX_OPS_H */
