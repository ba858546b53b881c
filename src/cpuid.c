// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for guests. The guest's CPUID instruction exits and is answered
 * from the table user space set with KVM_SET_CPUID2; a leaf missing from
 * the table reads as zeros. KVM_GET_SUPPORTED_CPUID offers the host's
 * CPUID minus everything vtx does not virtualize (see vtx_cpuid_filter()).
 *
 * Context: process context (ioctls), or a vCPU's exit handler.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <asm/fpu/types.h>
#include <asm/processor.h>

#include "caps.h"
#include "controls.h"
#include "cpuid.h"
#include "fpu_state.h"
#include "spec_ctrl.h"
#include "vcpu.h"
#include "vmcs_init.h"

/* Does @e hold exactly the vCPU's table, entry for entry (KVM's rule)? */
static bool vtx_cpuid_same(const struct vtx_vcpu *vcpu,
			   const struct kvm_cpuid_entry2 *e, u32 nent)
{
	const struct kvm_cpuid_entry2 *old = vcpu->cpuid;
	u32 i;

	if (nent != vcpu->cpuid_nent)
		return false;
	for (i = 0; i < nent; i++)
		if (e[i].function != old[i].function ||
		    e[i].index != old[i].index || e[i].flags != old[i].flags ||
		    e[i].eax != old[i].eax || e[i].ebx != old[i].ebx ||
		    e[i].ecx != old[i].ecx || e[i].edx != old[i].edx)
			return false;
	return true;
}

/**
 * vtx_cpuid_set() - KVM_SET_CPUID2
 * @vcpu: the vCPU
 * @argp: the user's struct kvm_cpuid2
 *
 * Once the vCPU has entered the guest, its CPUID is fixed, as in KVM 6.1:
 * the guest may have acted on it, and vtx derived state from it (the
 * IA32_SPEC_CTRL bits the guest may set). Setting the same table again is
 * allowed, so a VMM may restore what it saved.
 *
 * Return: 0, -E2BIG above VTX_MAX_CPUID_ENTRIES, -EINVAL for a different
 * table after the first KVM_RUN, -EFAULT, -ENOMEM.
 */
int vtx_cpuid_set(struct vtx_vcpu *vcpu, struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid_entry2 *entries = NULL;
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > VTX_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (hdr.nent) {
		entries = vmemdup_user(argp->entries,
				       array_size(hdr.nent, sizeof(*entries)));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	if (vcpu->has_run) {
		bool same = vtx_cpuid_same(vcpu, entries, hdr.nent);

		kvfree(entries);
		return same ? 0 : -EINVAL;
	}
	kvfree(vcpu->cpuid);
	vcpu->cpuid = entries;
	vcpu->cpuid_nent = hdr.nent;
	return 0;
}

/**
 * vtx_cpuid_get() - KVM_GET_CPUID2
 * @vcpu: the vCPU
 * @argp: the user's struct kvm_cpuid2, nent entries of room
 *
 * Return: 0 with nent set to the table's size, -E2BIG when it does not
 * fit, -EFAULT.
 */
int vtx_cpuid_get(struct vtx_vcpu *vcpu, struct kvm_cpuid2 __user *argp)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->cpuid_nent)
		return -E2BIG;
	if (copy_to_user(argp->entries, vcpu->cpuid,
			 array_size(vcpu->cpuid_nent, sizeof(*vcpu->cpuid))))
		return -EFAULT;
	hdr.nent = vcpu->cpuid_nent;
	return copy_to_user(argp, &hdr, sizeof(hdr)) ? -EFAULT : 0;
}

/**
 * vtx_cpuid_lookup() - answer a guest CPUID from the vCPU's table
 * @vcpu: the vCPU
 * @leaf: EAX
 * @subleaf: ECX, compared only for entries flagged as indexed
 * @eax: result
 * @ebx: result
 * @ecx: result
 * @edx: result
 */
void vtx_cpuid_lookup(const struct vtx_vcpu *vcpu, u32 leaf, u32 subleaf,
		      u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	const struct kvm_cpuid_entry2 *e = vtx_cpuid_find(vcpu, leaf, subleaf);

	*eax = e ? e->eax : 0;
	*ebx = e ? e->ebx : 0;
	*ecx = e ? e->ecx : 0;
	*edx = e ? e->edx : 0;
}

/**
 * vtx_cpuid_find() - the vCPU's table entry that answers a guest CPUID
 * @vcpu: the vCPU
 * @leaf: EAX
 * @subleaf: ECX, compared only for entries flagged as indexed
 *
 * Return: the first entry that matches, or NULL (the guest reads zeros).
 */
const struct kvm_cpuid_entry2 *vtx_cpuid_find(const struct vtx_vcpu *vcpu,
					      u32 leaf, u32 subleaf)
{
	const struct kvm_cpuid_entry2 *e;
	u32 i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		e = &vcpu->cpuid[i];
		if (e->function != leaf)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != subleaf)
			continue;
		return e;
	}
	return NULL;
}

/**
 * vtx_cpuid_edx() - EDX of (@leaf, @subleaf), as the guest sees it
 * @vcpu: the vCPU
 * @leaf: the leaf
 * @subleaf: the subleaf
 *
 * The same match as the guest's own CPUID (vtx_cpuid_lookup()): an entry
 * without KVM_CPUID_FLAG_SIGNIFCANT_INDEX answers every subleaf.
 *
 * Return: EDX, or 0 when the table has no such entry.
 */
u32 vtx_cpuid_edx(const struct vtx_vcpu *vcpu, u32 leaf, u32 subleaf)
{
	u32 eax, ebx, ecx, edx;

	vtx_cpuid_lookup(vcpu, leaf, subleaf, &eax, &ebx, &ecx, &edx);
	return edx;
}

/* CPUID.1:ECX bits vtx offers: no VMX, XSAVE, x2APIC, TSC deadline... */
#define VTX_CPUID_1_ECX	(BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | \
			 BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(30))
/*
 * CPUID.1:EDX: the classic features, without APIC, ACPI, TM, PBE, DS, and
 * without MCE (7) and MCA (14), whose MSRs vtx does not emulate: a guest
 * that saw them would take #GP on their MSRs. MTRR (12): mtrr.c.
 */
#define VTX_CPUID_1_EDX	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | \
			 BIT(5) | BIT(6) | BIT(8) | BIT(11) |		\
			 BIT(12) | BIT(13) | BIT(15) |			\
			 BIT(16) | BIT(17) | BIT(19) | BIT(23) |	\
			 BIT(24) | BIT(25) | BIT(26) | BIT(28))
/*
 * CPUID.7.0:EBX: FSGSBASE, TSC_ADJUST, BMI1, SMEP, BMI2, ERMS, ADX, SMAP,
 * CLFLUSHOPT
 */
#define VTX_CPUID_7_EBX	(BIT(0) | BIT(1) | BIT(3) | BIT(7) | BIT(8) | \
			 BIT(9) | BIT(19) | BIT(20) | BIT(23))
/*
 * With XSAVE (the guest's XCR0 is switched, fpu_state.c): CPUID.1:ECX
 * XSAVE; with AVX state: FMA, AVX, F16C, CPUID.7.0:EBX AVX2 and ECX
 * VAES, VPCLMULQDQ, GFNI; with AVX-512 state: CPUID.7.0:EBX AVX512F, DQ,
 * IFMA, CD, BW, VL, ECX VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ, EDX
 * 4VNNIW, 4FMAPS, VP2INTERSECT, FP16, and CPUID.7.1:EAX AVX-VNNI and
 * AVX512-BF16. CPUID.0xD.1:EAX XSAVEOPT, XSAVEC, XGETBV1, and XSAVES
 * where the CPU lets the guest have it (with no supervisor state).
 */
#define VTX_CPUID_1_ECX_XSAVE	BIT(26)
#define VTX_CPUID_1_ECX_AVX	(BIT(12) | BIT(28) | BIT(29))
#define VTX_CPUID_7_EBX_AVX	BIT(5)
#define VTX_CPUID_7_ECX_AVX	(BIT(8) | BIT(9) | BIT(10))
#define VTX_CPUID_7_EBX_AVX512	(BIT(16) | BIT(17) | BIT(21) | BIT(28) | \
				 BIT(30) | BIT(31))
#define VTX_CPUID_7_ECX_AVX512	(BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define VTX_CPUID_7_EDX_AVX512	(BIT(2) | BIT(3) | BIT(8) | BIT(23))
#define VTX_CPUID_7_1_EAX_AVX	(BIT(4) | BIT(5))
#define VTX_CPUID_D_1_EAX	(BIT(0) | BIT(1) | BIT(2))
#define VTX_CPUID_D_1_EAX_XSAVES	BIT(3)
/* CPUID.0x80000001:ECX LAHF, ABM, PREFETCHW; EDX SYSCALL, NX, 1G, LM */
#define VTX_CPUID_E1_ECX	(BIT(0) | BIT(5) | BIT(8))
#define VTX_CPUID_E1_EDX	(BIT(11) | BIT(20) | BIT(26) | BIT(29))

#define VTX_CPUID_HYPERVISOR	BIT(31)

/*
 * Keep what vtx virtualizes. Everything else is off: VMX (no nesting),
 * XSAVE state vtx does not offer (fpu_state.c), the APIC family (vtx has
 * no interrupt controller), RDTSCP and RDPID (the host's TSC_AUX), and
 * IA32_ARCH_CAPABILITIES. The IA32_SPEC_CTRL family stays where the host
 * has it (CPUID.(7,0):EDX and (7,2):EDX): vtx virtualizes every bit.
 */
static void vtx_cpuid_filter(struct kvm_cpuid_entry2 *e)
{
	u64 xcr0 = vtx_fpu_supported_xcr0();
	bool avx = xcr0 & XFEATURE_MASK_YMM;
	bool avx512 = (xcr0 & XFEATURE_MASK_AVX512) == XFEATURE_MASK_AVX512;
	u32 ecx1 = VTX_CPUID_1_ECX | (xcr0 ? VTX_CPUID_1_ECX_XSAVE : 0) |
		   (avx ? VTX_CPUID_1_ECX_AVX : 0);
	u32 ebx7 = VTX_CPUID_7_EBX | (avx ? VTX_CPUID_7_EBX_AVX : 0) |
		   (avx512 ? VTX_CPUID_7_EBX_AVX512 : 0);
	u32 ecx7 = (avx ? VTX_CPUID_7_ECX_AVX : 0) |
		   (avx512 ? VTX_CPUID_7_ECX_AVX512 : 0);

	switch (e->function) {
	case 0:
		e->eax = min_t(u32, e->eax, 0xd);
		break;
	case 1:
		e->ebx &= 0x0000ffff;	/* no APIC id, one logical CPU */
		e->ecx = (e->ecx & ecx1) | VTX_CPUID_HYPERVISOR;
		e->edx &= VTX_CPUID_1_EDX;
		break;
	case 7:
		if (e->index == 0) {
			e->eax = min_t(u32, e->eax, 2);
			e->ebx &= ebx7;
			e->ecx &= ecx7;
			e->edx &= VTX_CPUID_7_0_EDX_SPEC_CTRL |
				  VTX_CPUID_7_0_EDX_STIBP |
				  VTX_CPUID_7_0_EDX_SSBD |
				  (avx512 ? VTX_CPUID_7_EDX_AVX512 : 0);
		} else {
			e->eax &= e->index == 1 && avx512 ?
				  VTX_CPUID_7_1_EAX_AVX : 0;
			e->ebx = 0;
			e->ecx = 0;
			e->edx &= e->index == 2 ? VTX_CPUID_7_2_EDX_PSFD |
				  VTX_CPUID_7_2_EDX_IPRED_CTRL |
				  VTX_CPUID_7_2_EDX_RRSBA_CTRL |
				  VTX_CPUID_7_2_EDX_DDPD_U |
				  VTX_CPUID_7_2_EDX_BHI_CTRL : 0;
		}
		break;
	case 0xd:
		if (e->index == 0) {
			e->eax = (u32)xcr0;
			e->edx = xcr0 >> 32;
			e->ebx = vtx_fpu_xstate_size(xcr0, false);
			e->ecx = e->ebx;
		} else if (e->index == 1) {
			e->eax &= VTX_CPUID_D_1_EAX |
				  (vtx_vmcs_controls.xsaves ?
				   VTX_CPUID_D_1_EAX_XSAVES : 0);
			e->ebx = (e->eax & (BIT(1) | BIT(3))) ?
				 vtx_fpu_xstate_size(xcr0, true) : 0;
			e->ecx = 0;
			e->edx = 0;
		} else {
			/* A user state component: no XFD. */
			e->ecx &= BIT(1);
			e->edx = 0;
		}
		break;
	case 0x80000000:
		e->eax = min_t(u32, e->eax, 0x80000008);
		break;
	case 0x80000001:
		e->ecx &= VTX_CPUID_E1_ECX;
		e->edx &= VTX_CPUID_E1_EDX;
		/* NXE is reserved without the kernel's NX (clearcpuid=nx). */
		if (!vtx_host_caps.kernel_nx)
			e->edx &= ~BIT(20);
		break;
	}
}

/* The leaves vtx offers, when the host has them. */
static const u32 vtx_cpuid_leaves[] = {
	0, 1, 7, 0xd, 0x80000000, 0x80000001, 0x80000002, 0x80000003,
	0x80000004, 0x80000006, 0x80000008,
};

/**
 * vtx_cpuid_get_supported() - KVM_GET_SUPPORTED_CPUID
 * @argp: the user's struct kvm_cpuid2, nent entries of room
 *
 * Return: 0 with nent set, -E2BIG when the entries do not fit, -EFAULT.
 */
int vtx_cpuid_get_supported(struct kvm_cpuid2 __user *argp)
{
	/* Leaf 7 may bring subleaves 1 and 2, leaf 0xD one per component. */
	const unsigned int max = ARRAY_SIZE(vtx_cpuid_leaves) + 2 + 64;
	u32 max_basic = cpuid_eax(0), max_ext = cpuid_eax(0x80000000);
	u64 xcr0 = vtx_fpu_supported_xcr0();
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 hdr;
	unsigned int i, n = 0;
	int r = 0;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	e = kcalloc(max, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(vtx_cpuid_leaves); i++) {
		u32 leaf = vtx_cpuid_leaves[i];
		u32 sub, subleaves = 1;

		if (leaf > (leaf >= 0x80000000 ? max_ext : max_basic))
			continue;
		if (leaf == 7)
			subleaves = min_t(u32, cpuid_eax(7), 2) + 1;
		if (leaf == 0xd && !xcr0)
			continue;
		if (leaf == 0xd)
			subleaves = fls64(xcr0);
		for (sub = 0; sub < subleaves; sub++) {
			if (leaf == 0xd && sub >= 2 && !(xcr0 & BIT_ULL(sub)))
				continue;
			e[n].function = leaf;
			e[n].index = sub;
			if (leaf == 7 || leaf == 0xd)
				e[n].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
			cpuid_count(leaf, sub, &e[n].eax, &e[n].ebx,
				    &e[n].ecx, &e[n].edx);
			vtx_cpuid_filter(&e[n]);
			n++;
		}
	}
	if (hdr.nent < n) {
		r = -E2BIG;
		goto out;
	}
	hdr.nent = n;
	if (copy_to_user(argp->entries, e, n * sizeof(e[0])) ||
	    copy_to_user(argp, &hdr, sizeof(hdr)))
		r = -EFAULT;
out:
	kfree(e);
	return r;
}

/**
 * vtx_cpuid_phys_bits() - the guest's MAXPHYADDR
 * @vcpu: the vCPU
 *
 * Return: CPUID.0x80000008:EAX[7:0] from its table, or 36 without it, as
 * KVM's cpuid_query_maxphyaddr().
 */
unsigned int vtx_cpuid_phys_bits(const struct vtx_vcpu *vcpu)
{
	u32 eax, ebx, ecx, edx;

	vtx_cpuid_lookup(vcpu, 0x80000000, 0, &eax, &ebx, &ecx, &edx);
	if (eax < 0x80000008)
		return 36;
	vtx_cpuid_lookup(vcpu, 0x80000008, 0, &eax, &ebx, &ecx, &edx);
	return (eax & 0xff) ?: 36;
}
