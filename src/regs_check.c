// SPDX-License-Identifier: GPL-2.0
/*
 * What KVM_SET_REGS and KVM_SET_SREGS accept, and the conversion between
 * struct kvm_segment and VMX access rights. Pure: KUnit tests it.
 *
 * A combination that VM entry would reject, and that can be checked here,
 * is refused with -EINVAL instead of failing a later VM entry.
 *
 * Context: any.
 */
#include <linux/array_size.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/types.h>

#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/fpu/types.h>
#include <asm/processor-flags.h>

#include "caps.h"
#include "regs.h"

/* VMX access rights: bit 16 marks an unusable segment. */
#define VTX_AR_UNUSABLE		BIT(16)

/* RFLAGS bits that must be 0: 63:22, 15, 5, 3. */
#define VTX_RFLAGS_RESERVED	(~0x3f7fd7UL)

#define VTX_EFER_VALID		(EFER_SCE | EFER_LME | EFER_LMA)

/**
 * vtx_regs_segment_ar() - VMX access rights of a struct kvm_segment
 * @seg: the segment
 *
 * An unusable or not-present segment is unusable for VMX, as in KVM.
 *
 * Return: the access-rights field value.
 */
u32 vtx_regs_segment_ar(const struct kvm_segment *seg)
{
	if (seg->unusable || !seg->present)
		return VTX_AR_UNUSABLE;
	return (seg->type & 15) | (seg->s & 1) << 4 | (seg->dpl & 3) << 5 |
	       1 << 7 | (seg->avl & 1) << 12 | (seg->l & 1) << 13 |
	       (seg->db & 1) << 14 | (seg->g & 1) << 15;
}

/**
 * vtx_regs_segment_from_ar() - fill a segment's attributes from VMX rights
 * @seg: the segment; base, limit and selector are left alone
 * @ar: the access-rights field value
 */
void vtx_regs_segment_from_ar(struct kvm_segment *seg, u32 ar)
{
	seg->unusable = !!(ar & VTX_AR_UNUSABLE);
	seg->type = ar & 15;
	seg->s = (ar >> 4) & 1;
	seg->dpl = (ar >> 5) & 3;
	/* A usable segment is present, as VMX requires. */
	seg->present = !seg->unusable;
	seg->avl = (ar >> 12) & 1;
	seg->l = (ar >> 13) & 1;
	seg->db = (ar >> 14) & 1;
	seg->g = (ar >> 15) & 1;
	seg->padding = 0;
}

/**
 * vtx_regs_check_regs() - may these general registers be set?
 * @regs: the registers
 *
 * Return: 0, or -EINVAL for RFLAGS with a reserved bit set.
 */
int vtx_regs_check_regs(const struct kvm_regs *regs)
{
	return regs->rflags & VTX_RFLAGS_RESERVED ? -EINVAL : 0;
}

/**
 * vtx_regs_efer_valid() - does @efer set only bits vtx virtualizes?
 * @efer: the value
 * @caps: the host's capabilities
 *
 * NXE is reserved when the kernel says the host has no NX, as in KVM:
 * VM entry would load it into a CPU that may not implement it.
 *
 * Return: true for a subset of SCE, LME, LMA and, with host NX, NXE.
 */
bool vtx_regs_efer_valid(u64 efer, const struct vtx_caps *caps)
{
	u64 valid = VTX_EFER_VALID | (caps->kernel_nx ? EFER_NX : 0);

	return !(efer & ~valid);
}

/**
 * vtx_regs_check_efer() - may EFER be written with @efer?
 * @efer: the value
 * @old: the guest's EFER now
 * @cr0: the guest's CR0
 * @cr4: the guest's CR4
 * @host: the write comes from user space (KVM_SET_MSRS), not the guest
 * @caps: the host's capabilities
 * @out: the value to store, on success
 *
 * Only SCE, LME, LMA and NXE exist (see vtx_regs_efer_valid()). A
 * guest's WRMSR may not change LME while paging is on (the CPU's #GP),
 * and cannot change LMA, which the CPU sets: LMA keeps its old value. A
 * host write (restoring a saved vCPU) sets LMA as well, so LMA must be
 * what LME and CR0.PG make it, and long mode needs CR4.PAE: otherwise VM
 * entry would fail on it.
 *
 * Return: 0, or -EINVAL (the guest gets #GP).
 */
int vtx_regs_check_efer(u64 efer, u64 old, unsigned long cr0,
			unsigned long cr4, bool host,
			const struct vtx_caps *caps, u64 *out)
{
	bool paging = cr0 & X86_CR0_PG;

	if (!vtx_regs_efer_valid(efer, caps))
		return -EINVAL;
	if (host) {
		if (!!(efer & EFER_LMA) != (paging && (efer & EFER_LME)))
			return -EINVAL;
		if ((efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
			return -EINVAL;
	} else {
		if (paging && ((efer ^ old) & EFER_LME))
			return -EINVAL;
		efer = (efer & ~EFER_LMA) | (old & EFER_LMA);
	}
	*out = efer;
	return 0;
}

static bool vtx_regs_segment_valid(const struct kvm_segment *seg)
{
	/* A usable segment's limit must agree with its granularity. */
	if (seg->unusable || !seg->present)
		return true;
	/* Bit 0 only, as vtx_regs_segment_ar() takes it. */
	if (seg->g & 1)
		return (seg->limit & 0xfff) == 0xfff;
	return !(seg->limit & 0xfff00000);
}

/**
 * vtx_regs_check_sregs() - may these special registers be set?
 * @sregs: the registers
 * @caps: the host's capabilities (the CR4 bits VMX allows)
 *
 * Return: 0, or -EINVAL for: CR0 bits 63:32, NW without CD, PG without
 * PE; CR4 bits the CPU does not allow in VMX, or VTX_CR4_GUEST_FORBIDDEN;
 * reserved EFER bits (NXE on a host without NX); EFER.LMA other than
 * EFER.LME && CR0.PG, or long mode without CR4.PAE; a 64-bit CS with D set; CR8 above 15; a pending
 * interrupt (vtx has no interrupt controller); a segment whose limit does
 * not match its granularity.
 */
int vtx_regs_check_sregs(const struct kvm_sregs *sregs,
			 const struct vtx_caps *caps)
{
	const struct kvm_segment *segs[] = {
		&sregs->cs, &sregs->ds, &sregs->es, &sregs->fs, &sregs->gs,
		&sregs->ss, &sregs->tr, &sregs->ldt,
	};
	bool long_mode;
	unsigned int i;

	if (sregs->cr0 >> 32)
		return -EINVAL;
	if ((sregs->cr0 & X86_CR0_NW) && !(sregs->cr0 & X86_CR0_CD))
		return -EINVAL;
	if ((sregs->cr0 & X86_CR0_PG) && !(sregs->cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((sregs->cr4 & ~caps->cr4_fixed1) ||
	    (sregs->cr4 & VTX_CR4_GUEST_FORBIDDEN))
		return -EINVAL;
	if (!vtx_regs_efer_valid(sregs->efer, caps))
		return -EINVAL;
	long_mode = (sregs->efer & EFER_LME) && (sregs->cr0 & X86_CR0_PG);
	if (!!(sregs->efer & EFER_LMA) != long_mode)
		return -EINVAL;
	if (long_mode && !(sregs->cr4 & X86_CR4_PAE))
		return -EINVAL;
	if (long_mode && (sregs->cs.l & 1) && (sregs->cs.db & 1))
		return -EINVAL;
	if (sregs->cr8 > 15)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(sregs->interrupt_bitmap); i++)
		if (sregs->interrupt_bitmap[i])
			return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (!vtx_regs_segment_valid(segs[i]))
			return -EINVAL;
	return 0;
}

/**
 * vtx_regs_xcr0_valid() - may XCR0 take @xcr0?
 * @xcr0: the value
 * @allowed: the state components the guest's CPUID and the host allow
 *
 * The architectural rules, as KVM's __kvm_set_xcr() checks them: x87 is
 * always on, AVX needs SSE, and the three AVX-512 components go together
 * and need AVX.
 *
 * Return: true if XSETBV (or KVM_SET_XCRS) may set it.
 */
bool vtx_regs_xcr0_valid(u64 xcr0, u64 allowed)
{
	const u64 avx512 = XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 |
			   XFEATURE_MASK_Hi16_ZMM;

	if (!(xcr0 & XFEATURE_MASK_FP))
		return false;
	if (xcr0 & ~(allowed | XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if ((xcr0 & avx512) &&
	    ((xcr0 & avx512) != avx512 || !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	return true;
}
