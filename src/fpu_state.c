// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU and extended state.
 *
 * The registers themselves live in the vCPU's guest fpstate, which
 * fpu_swap_kvm_fpstate() swaps in for KVM_RUN (run.c). A guest may enable
 * XSAVE state components as far as the host's XCR0 and its own CPUID
 * allow, among those vtx offers (x87, SSE, AVX and the AVX-512 family:
 * no PKRU, MPX, AMX or supervisor state). Its XCR0 is loaded with
 * interrupts off right before each entry and the host's put back right
 * after the exit, before anything in the kernel can use XSAVE, as KVM
 * does. XSAVES and XRSTORS are offered where the CPU lets the guest have
 * them; the guest's IA32_XSS is always 0 (no supervisor state), and a
 * host IA32_XSS other than 0 is switched to it around the guest, so that
 * the guest's XSAVES can never store the host's supervisor state. XSETBV
 * exits and is checked against the same rules as KVM_SET_XCRS
 * (vtx_regs_xcr0_valid()).
 *
 * KVM_GET/SET_FPU, KVM_GET/SET_XSAVE, KVM_GET_XSAVE2 and KVM_GET/SET_XCRS
 * read and write the fpstate in KVM's layouts, through the kernel's own
 * copy functions, which refuse state components the host does not save.
 *
 * Context: vCPU ioctls under the vCPU mutex; the entry and exit hooks
 * with interrupts off.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "caps.h"
#include "controls.h"
#include "cpuid.h"
#include "fpu_state.h"
#include "regs.h"
#include "vcpu.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/* The state components vtx lets a guest enable. */
#define VTX_XCR0_OFFERED	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE |	\
				 XFEATURE_MASK_YMM |			\
				 XFEATURE_MASK_OPMASK |			\
				 XFEATURE_MASK_ZMM_Hi256 |		\
				 XFEATURE_MASK_Hi16_ZMM)

/**
 * vtx_fpu_supported_xcr0() - the XCR0 bits a guest may have here
 *
 * Return: the host's XCR0 among VTX_XCR0_OFFERED; 0 without XSAVE.
 */
u64 vtx_fpu_supported_xcr0(void)
{
	return vtx_host_caps.xcr0 & VTX_XCR0_OFFERED;
}

/**
 * vtx_fpu_xstate_size() - the size of an XSAVE area
 * @xcr0: the state components in it
 * @compacted: the XSAVEC layout rather than the standard one
 *
 * Return: the bytes XSAVE (or XSAVEC) writes for @xcr0, from CPUID 0xD.
 */
u32 vtx_fpu_xstate_size(u64 xcr0, bool compacted)
{
	u32 size = 512 + 64;	/* the legacy area and the header */
	unsigned int i;

	for (i = 2; i < 64; i++) {
		u32 eax, ebx, ecx, edx, offset;

		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		if (compacted)
			offset = (ecx & 2) ? ALIGN(size, 64) : size;
		else
			offset = ebx;
		size = max(size, offset + eax);
	}
	return size;
}

/**
 * vtx_fpu_xsave2_size() - KVM_CAP_XSAVE2
 *
 * Return: the buffer KVM_GET_XSAVE2 needs: at least struct kvm_xsave.
 */
long vtx_fpu_xsave2_size(void)
{
	if (!vtx_fpu_supported_xcr0())
		return 0;
	return max_t(u32, sizeof(struct kvm_xsave),
		     vtx_fpu_xstate_size(vtx_fpu_supported_xcr0(), false));
}

/**
 * vtx_fpu_cpuid_changed() - KVM_SET_CPUID2 set a new table
 * @vcpu: the vCPU
 *
 * The guest may set CR4.OSXSAVE if it has XSAVE, and enable what CPUID
 * 0xD.0 lists, among what vtx supports. The VMCS is loaded.
 */
void vtx_fpu_cpuid_changed(struct vtx_vcpu *vcpu)
{
	u32 eax, ebx, ecx, edx;

	vtx_cpuid_lookup(vcpu, 1, 0, &eax, &ebx, &ecx, &edx);
	vcpu->cpuid_xsave = (ecx & BIT(26)) && vtx_host_caps.xcr0;
	/*
	 * Without XSAVE in its CPUID, a guest MOV to CR4 that sets OSXSAVE
	 * exits and gets #GP, as in KVM; with it, the bit is the guest's.
	 */
	preempt_disable();
	vmcs_writel(CR4_GUEST_HOST_MASK, VTX_CR4_GUEST_FORBIDDEN |
		    (vcpu->cpuid_xsave ? 0 : X86_CR4_OSXSAVE));
	preempt_enable();
	if (!vcpu->cpuid_xsave) {
		vcpu->xcr0_allowed = 0;
		return;
	}
	vtx_cpuid_lookup(vcpu, 0xd, 0, &eax, &ebx, &ecx, &edx);
	vcpu->xcr0_allowed = (eax | (u64)edx << 32) & vtx_fpu_supported_xcr0();
}

/**
 * vtx_fpu_xsetbv() - the guest's XSETBV
 * @vcpu: the vCPU, its VMCS current
 *
 * Return: 0, or -EINVAL for #GP: CPL above 0, an XCR other than XCR0, or
 * a value its rules refuse.
 */
int vtx_fpu_xsetbv(struct vtx_vcpu *vcpu)
{
	u64 value = (u32)vcpu->regs[VTX_REG_RAX] |
		    (u64)(u32)vcpu->regs[VTX_REG_RDX] << 32;

	if ((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3)
		return -EINVAL;
	if ((u32)vcpu->regs[VTX_REG_RCX] != XCR_XFEATURE_ENABLED_MASK ||
	    !vtx_regs_xcr0_valid(value, vcpu->xcr0_allowed))
		return -EINVAL;
	vcpu->xcr0 = value;
	return 0;
}

/**
 * vtx_fpu_load_guest_xcr0() - the guest's XCR0 and IA32_XSS, before entry
 * @vcpu: the vCPU, its VMCS current, interrupts off
 *
 * XSAVE, XGETBV and XSAVES need CR4.OSXSAVE. A guest with XSAVE in its
 * CPUID owns that bit and may set it without an exit, so it always gets
 * its XCR0 and an IA32_XSS of 0 (XSAVES must save no host supervisor
 * state into guest memory). A guest without XSAVE cannot set the bit:
 * unless the hardware value has it (KVM_SET_SREGS before a CPUID without
 * XSAVE), it keeps the host's values, which it cannot reach, and costs
 * no MSR write.
 */
void vtx_fpu_load_guest_xcr0(struct vtx_vcpu *vcpu)
{
	vcpu->xcr0_loaded = false;
	vcpu->xss_loaded = false;
	if (!vcpu->cpuid_xsave &&
	    !(vmcs_readl(GUEST_CR4) & X86_CR4_OSXSAVE))
		return;
	if (unlikely(vtx_host_caps.xss) && vtx_vmcs_controls.xsaves) {
		wrmsrl(MSR_IA32_XSS, 0);
		vcpu->xss_loaded = true;
	}
	if (!vcpu->cpuid_xsave || vcpu->xcr0 == vtx_host_caps.xcr0)
		return;
	xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	vcpu->xcr0_loaded = true;
}

/**
 * vtx_fpu_load_host_xcr0() - the host's XCR0 and IA32_XSS, after the exit
 * @vcpu: the vCPU, interrupts off
 */
void vtx_fpu_load_host_xcr0(struct vtx_vcpu *vcpu)
{
	if (vcpu->xcr0_loaded)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vtx_host_caps.xcr0);
	if (vcpu->xss_loaded)
		wrmsrl(MSR_IA32_XSS, vtx_host_caps.xss);
}

static struct fxregs_state *vtx_fpu_fx(struct vtx_vcpu *vcpu)
{
	return &vcpu->guest_fpu.fpstate->regs.fxsave;
}

static long vtx_fpu_get_fpu(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct fxregs_state *fx = vtx_fpu_fx(vcpu);
	struct kvm_fpu fpu = {};

	memcpy(fpu.fpr, fx->st_space, sizeof(fpu.fpr));
	fpu.fcw = fx->cwd;
	fpu.fsw = fx->swd;
	fpu.ftwx = fx->twd;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->rip;
	fpu.last_dp = fx->rdp;
	memcpy(fpu.xmm, fx->xmm_space, sizeof(fpu.xmm));
	fpu.mxcsr = fx->mxcsr;
	return copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
}

static long vtx_fpu_set_fpu(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct fxregs_state *fx = vtx_fpu_fx(vcpu);
	struct kvm_fpu fpu;

	if (copy_from_user(&fpu, argp, sizeof(fpu)))
		return -EFAULT;
	/* MXCSR bits 31:16 are reserved: XRSTOR would fault on them. */
	if (fpu.mxcsr >> 16)
		return -EINVAL;
	memcpy(fx->st_space, fpu.fpr, sizeof(fpu.fpr));
	fx->cwd = fpu.fcw;
	fx->swd = fpu.fsw;
	fx->twd = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->rip = fpu.last_ip;
	fx->rdp = fpu.last_dp;
	memcpy(fx->xmm_space, fpu.xmm, sizeof(fpu.xmm));
	fx->mxcsr = fpu.mxcsr;
	/* XRSTOR takes the legacy area only with its header bits set. */
	if (vtx_host_caps.xcr0)
		vcpu->guest_fpu.fpstate->regs.xsave.header.xfeatures |=
			XFEATURE_MASK_FPSSE;
	return 0;
}

/* KVM_GET_XSAVE (@size 4096) and KVM_GET_XSAVE2. */
static long vtx_fpu_get_xsave(struct vtx_vcpu *vcpu, void __user *argp,
			      unsigned int size)
{
	void *buf = kzalloc(size, GFP_KERNEL_ACCOUNT);
	long r = 0;

	if (!buf)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, buf, size,
				       vcpu->xcr0_allowed | XFEATURE_MASK_FPSSE,
				       0);
	if (copy_to_user(argp, buf, size))
		r = -EFAULT;
	kfree(buf);
	return r;
}

static long vtx_fpu_set_xsave(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *x;
	u32 pkru = 0;
	long r;

	x = memdup_user(argp, sizeof(*x));
	if (IS_ERR(x))
		return PTR_ERR(x);
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, x->region,
					   vtx_fpu_supported_xcr0() |
					   XFEATURE_MASK_FPSSE, &pkru);
	kfree(x);
	return r;
}

static long vtx_fpu_get_xcrs(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs = {};

	if (vtx_host_caps.xcr0) {
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs.xcrs[0].value = vcpu->xcr0;
	}
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

/* As KVM: XCR0 is checked and set; any other XCR is ignored. */
static long vtx_fpu_set_xcrs(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs;
	unsigned int i;

	if (copy_from_user(&xcrs, argp, sizeof(xcrs)))
		return -EFAULT;
	if (!vtx_host_caps.xcr0)
		return -EINVAL;
	if (xcrs.nr_xcrs > KVM_MAX_XCRS || xcrs.flags)
		return -EINVAL;
	for (i = 0; i < xcrs.nr_xcrs; i++) {
		if (xcrs.xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;
		if (!vtx_regs_xcr0_valid(xcrs.xcrs[i].value,
					 vcpu->xcr0_allowed))
			return -EINVAL;
		vcpu->xcr0 = xcrs.xcrs[i].value;
	}
	return 0;
}

/**
 * vtx_fpu_ioctl() - the FPU and XSAVE ioctls
 * @vcpu: the vCPU, under its mutex
 * @cmd: KVM_GET/SET_FPU, KVM_GET/SET_XSAVE, KVM_GET_XSAVE2,
 *	KVM_GET/SET_XCRS
 * @argp: the user's structure
 *
 * Return: 0; -EFAULT; -EINVAL for state the host cannot take; -ENOMEM.
 */
long vtx_fpu_ioctl(struct vtx_vcpu *vcpu, unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case KVM_GET_FPU:
		return vtx_fpu_get_fpu(vcpu, argp);
	case KVM_SET_FPU:
		return vtx_fpu_set_fpu(vcpu, argp);
	case KVM_GET_XSAVE:
		return vtx_fpu_get_xsave(vcpu, argp, sizeof(struct kvm_xsave));
	case KVM_GET_XSAVE2:
		return vtx_fpu_get_xsave(vcpu, argp, vtx_fpu_xsave2_size() ?:
					 sizeof(struct kvm_xsave));
	case KVM_SET_XSAVE:
		return vtx_fpu_set_xsave(vcpu, argp);
	case KVM_GET_XCRS:
		return vtx_fpu_get_xcrs(vcpu, argp);
	case KVM_SET_XCRS:
		return vtx_fpu_set_xcrs(vcpu, argp);
	}
	return -EINVAL;
}
