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

/*
 * VMCS field width, from bits 14:13 of the encoding: 0 is 16-bit, 1 is
 * 64-bit, 2 is 32-bit, 3 is natural width. The accessors below check at
 * compile time that a constant field is used with its own width.
 */
#define VTX_VMCS_WIDTH(field)	(((field) >> 13) & 3)
#define VTX_VMCS_W16		0
#define VTX_VMCS_W64		1
#define VTX_VMCS_W32		2
#define VTX_VMCS_WNAT		3

static __always_inline void vtx_vmcs_check(unsigned long field,
					   unsigned int width)
{
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&
			 VTX_VMCS_WIDTH(field) != width,
			 "VMCS field used with the wrong width");
}

/*
 * Read a field of the current VMCS. A VMfail or fault (no current VMCS,
 * VMX off) reads as 0: callers only read fields of the VMCS they loaded.
 */
static __always_inline u64 __vmx_vmread(unsigned long field)
{
	unsigned long value;

	asm volatile("1: vmread %[field], %[value]\n\t"
		     "jna 2f\n\t"
		     "jmp 3f\n"
		     "2: xor %k[value], %k[value]\n"
		     "3:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [value] "=&r" (value)
		     : [field] "r" (field)
		     : "cc");
	return value;
}

/* Write a field of the current VMCS. Return: 0, -EIO, -EFAULT. */
static __always_inline int __vmx_vmwrite(unsigned long field, u64 value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : : [field] "r" (field), [value] "rm" (value)
		 : "cc" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static __always_inline u16 vmcs_read16(unsigned long field)
{
	vtx_vmcs_check(field, VTX_VMCS_W16);
	return __vmx_vmread(field);
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	vtx_vmcs_check(field, VTX_VMCS_W32);
	return __vmx_vmread(field);
}

static __always_inline u64 vmcs_read64(unsigned long field)
{
	vtx_vmcs_check(field, VTX_VMCS_W64);
	return __vmx_vmread(field);
}

static __always_inline unsigned long vmcs_readl(unsigned long field)
{
	vtx_vmcs_check(field, VTX_VMCS_WNAT);
	return __vmx_vmread(field);
}

static __always_inline int vmcs_write16(unsigned long field, u16 value)
{
	vtx_vmcs_check(field, VTX_VMCS_W16);
	return __vmx_vmwrite(field, value);
}

static __always_inline int vmcs_write32(unsigned long field, u32 value)
{
	vtx_vmcs_check(field, VTX_VMCS_W32);
	return __vmx_vmwrite(field, value);
}

static __always_inline int vmcs_write64(unsigned long field, u64 value)
{
	vtx_vmcs_check(field, VTX_VMCS_W64);
	return __vmx_vmwrite(field, value);
}

static __always_inline int vmcs_writel(unsigned long field,
				       unsigned long value)
{
	vtx_vmcs_check(field, VTX_VMCS_WNAT);
	return __vmx_vmwrite(field, value);
}

/* The INVEPT/INVVPID descriptor: a context (EPTP or VPID) and an address. */
struct vtx_inv_desc {
	u64 context;
	u64 addr;
};

/**
 * vmx_invept() - invalidate EPT-derived translations on this CPU
 * @type: 1 single-context, 2 all-context
 * @eptp: the EPT pointer for single-context
 *
 * Return: 0, -EIO on VMfail, -EFAULT on a fault.
 */
static __always_inline int vmx_invept(unsigned long type, u64 eptp)
{
	struct vtx_inv_desc desc = { .context = eptp };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : : [desc] "m" (desc), [type] "r" (type)
		 : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/**
 * vmx_invvpid() - invalidate translations tagged with a VPID on this CPU
 * @type: 1 single-context, 2 all-context
 * @vpid: the VPID for single-context
 *
 * Return: 0, -EIO on VMfail, -EFAULT on a fault.
 */
static __always_inline int vmx_invvpid(unsigned long type, u16 vpid)
{
	struct vtx_inv_desc desc = { .context = vpid };

	asm goto("1: invvpid %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 VTX_ASM_EXTABLE("1b", "%l[fault]")
		 : : [desc] "m" (desc), [type] "r" (type)
		 : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/*
 * The LDT selector. VM exit loads a null LDTR, so a host process with an
 * LDT has it reloaded after every exit.
 */
static __always_inline u16 vtx_read_ldt(void)
{
	u16 sel;

	asm volatile("sldt %0" : "=g" (sel));
	return sel;
}

static __always_inline void vtx_load_ldt(u16 sel)
{
	asm volatile("lldt %0" : : "rm" (sel));
}

/**
 * vtx_l1d_flush_sw() - the software L1D flush, for CPUs without
 *	IA32_FLUSH_CMD
 * @pages: @size bytes, larger than the L1D
 * @size: a multiple of the page size
 *
 * Touch one byte of every page first, so that no page walk evicts lines
 * in the second pass, then serialise (CPUID) and read every cache line:
 * the L1D then holds only these pages, none of the host's data.
 *
 * Context: interrupts off, right before VM entry.
 */
static __always_inline void vtx_l1d_flush_sw(const void *pages,
					     unsigned int size)
{
	asm volatile("xor %%eax, %%eax\n"
		     "1: movzbl (%[pages], %%rax), %%ecx\n\t"
		     "add $4096, %%eax\n\t"
		     "cmp %%eax, %[size]\n\t"
		     "jne 1b\n\t"
		     "xor %%eax, %%eax\n\t"
		     "cpuid\n\t"
		     "xor %%eax, %%eax\n"
		     "2: movzbl (%[pages], %%rax), %%ecx\n\t"
		     "add $64, %%eax\n\t"
		     "cmp %%eax, %[size]\n\t"
		     "jne 2b\n\t"
		     "lfence\n"
		     : : [pages] "r" (pages), [size] "r" (size)
		     : "eax", "ebx", "ecx", "edx", "cc", "memory");
}

#endif /* VTX_VMX_OPS_H */
