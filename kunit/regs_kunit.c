// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_regs: what KVM_SET_REGS and KVM_SET_SREGS accept, and
 * segment access rights.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/string.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "caps.h"
#include "regs.h"

static const struct vtx_caps caps = {
	/* What corei7_skylake_x reports: every CR4 bit up to PKE. */
	.cr4_fixed1 = 0x7727ff,
	.kernel_nx = true,
};

static const struct vtx_caps caps_no_nx = {
	.cr4_fixed1 = 0x7727ff,
};

static struct kvm_segment code64(void)
{
	return (struct kvm_segment){
		.selector = 8, .limit = 0xfffff, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
}

/* A valid 64-bit long-mode state. */
static void long_mode(struct kvm_sregs *s)
{
	struct kvm_segment data = code64();

	memset(s, 0, sizeof(*s));
	data.type = 3;
	data.l = 0;
	data.db = 1;
	s->cs = code64();
	s->ds = data;
	s->es = data;
	s->fs = data;
	s->gs = data;
	s->ss = data;
	s->tr = (struct kvm_segment){ .type = 11, .present = 1,
				      .limit = 0x67 };
	s->ldt = (struct kvm_segment){ .unusable = 1 };
	s->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_NE | X86_CR0_ET;
	s->cr4 = X86_CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
}

static void vtx_regs_segment_ar_round_trip(struct kunit *test)
{
	struct kvm_segment in = code64(), out = {};

	in.dpl = 3;
	in.avl = 1;
	vtx_regs_segment_from_ar(&out, vtx_regs_segment_ar(&in));
	KUNIT_EXPECT_EQ(test, out.type, in.type);
	KUNIT_EXPECT_EQ(test, out.dpl, in.dpl);
	KUNIT_EXPECT_EQ(test, out.s, in.s);
	KUNIT_EXPECT_EQ(test, out.l, in.l);
	KUNIT_EXPECT_EQ(test, out.g, in.g);
	KUNIT_EXPECT_EQ(test, out.avl, in.avl);
	KUNIT_EXPECT_EQ(test, out.present, 1);
	KUNIT_EXPECT_EQ(test, out.unusable, 0);
	/* The reset CS of KVM. */
	KUNIT_EXPECT_EQ(test, vtx_regs_segment_ar(&(struct kvm_segment){
		.type = 11, .s = 1, .present = 1 }), 0x9bU);
}

static void vtx_regs_segment_not_present_is_unusable(struct kunit *test)
{
	struct kvm_segment seg = code64(), out = {};

	seg.present = 0;
	KUNIT_EXPECT_EQ(test, vtx_regs_segment_ar(&seg), BIT(16));
	vtx_regs_segment_from_ar(&out, BIT(16));
	KUNIT_EXPECT_EQ(test, out.unusable, 1);
	KUNIT_EXPECT_EQ(test, out.present, 0);
}

static void vtx_regs_check_regs_rflags(struct kunit *test)
{
	struct kvm_regs r = { .rflags = X86_EFLAGS_FIXED | X86_EFLAGS_IF };

	KUNIT_EXPECT_EQ(test, vtx_regs_check_regs(&r), 0);
	r.rflags = BIT(3);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_regs(&r), -EINVAL);
	r.rflags = BIT(15);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_regs(&r), -EINVAL);
	r.rflags = 1ULL << 22;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_regs(&r), -EINVAL);
}

static void vtx_regs_check_sregs_accepts_valid(struct kunit *test)
{
	struct kvm_sregs s;

	long_mode(&s);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), 0);
	/* Real mode at reset. */
	memset(&s, 0, sizeof(s));
	s.cs = (struct kvm_segment){ .selector = 0xf000, .base = 0xffff0000,
				     .limit = 0xffff, .type = 11, .s = 1,
				     .present = 1 };
	s.cr0 = X86_CR0_CD | X86_CR0_NW | X86_CR0_ET;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), 0);
}

static void vtx_regs_check_sregs_rejects_invalid(struct kunit *test)
{
	struct kvm_sregs s;

	/* g is judged by bit 0, as the access rights take it */
	long_mode(&s);
	s.ds.limit = 0xffffffff;
	s.ds.g = 2;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	s.ds.g = 3;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), 0);
	long_mode(&s);
	s.cr0 |= 1ULL << 32;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr0 |= X86_CR0_NW;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr0 &= ~X86_CR0_PE;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr4 |= X86_CR4_VMXE;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr4 |= X86_CR4_PKE;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr4 |= BIT(23);	/* CET: outside this CPU's CR4_FIXED1 */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.efer |= BIT(9);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.efer &= ~EFER_LMA;	/* LME and PG without LMA */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr0 &= ~X86_CR0_PG;	/* LMA without paging */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr4 &= ~X86_CR4_PAE;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cs.db = 1;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.cr8 = 16;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.interrupt_bitmap[1] = 1;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.ds.limit = 0x10000;	/* with G=1 the low 12 bits must be ones */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
	long_mode(&s);
	s.ds.g = 0;
	s.ds.limit = 0x100000;	/* byte granular beyond 1 MiB */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), -EINVAL);
}

static void vtx_regs_efer_valid_bits(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vtx_regs_efer_valid(EFER_SCE | EFER_LME |
						    EFER_LMA | EFER_NX, &caps));
	KUNIT_EXPECT_FALSE(test, vtx_regs_efer_valid(BIT(1), &caps));
	KUNIT_EXPECT_FALSE(test, vtx_regs_efer_valid(BIT(12), &caps));
	KUNIT_EXPECT_FALSE(test, vtx_regs_efer_valid(1ULL << 63, &caps));
}

/* Without host NX, NXE is reserved everywhere EFER is written. */
static void vtx_regs_efer_nx_needs_host_nx(struct kunit *test)
{
	struct kvm_sregs s = {};
	u64 out = 0x1234;

	KUNIT_EXPECT_TRUE(test, vtx_regs_efer_valid(EFER_NX, &caps));
	KUNIT_EXPECT_FALSE(test, vtx_regs_efer_valid(EFER_NX, &caps_no_nx));
	KUNIT_EXPECT_TRUE(test, vtx_regs_efer_valid(EFER_SCE, &caps_no_nx));
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_NX, 0, 0, 0, false,
						  &caps_no_nx, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_NX, 0, 0, 0, true,
						  &caps_no_nx, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, out, 0x1234ULL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_NX, 0, 0, 0, true,
						  &caps, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u64)EFER_NX);

	s.cr0 = X86_CR0_ET;
	s.efer = EFER_NX;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps), 0);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_sregs(&s, &caps_no_nx), -EINVAL);
}

#define LM_CR0	(X86_CR0_PE | X86_CR0_PG)
#define LM_EFER	(EFER_LME | EFER_LMA)

/* The guest's WRMSR(EFER): LME frozen while paging, LMA kept. */
static void vtx_regs_check_efer_guest(struct kunit *test)
{
	u64 out = 0;

	/* Long mode: SCE and NXE may change; LMA comes from the old value. */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_LME | EFER_NX, LM_EFER,
						  LM_CR0, X86_CR4_PAE, false,
						  &caps, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u64)(LM_EFER | EFER_NX));
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(LM_EFER | EFER_SCE, LM_EFER,
						  LM_CR0, X86_CR4_PAE, false,
						  &caps, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u64)(LM_EFER | EFER_SCE));
	/* A guest cannot clear LMA by writing it as 0 ... */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_LME, LM_EFER, LM_CR0,
						  X86_CR4_PAE, false, &caps, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u64)LM_EFER);
	/* ... nor set it without paging. */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(LM_EFER, 0, X86_CR0_PE, 0,
						  false, &caps, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u64)EFER_LME);

	/* Refused: LME changed while paging, either way; reserved bits. */
	out = 0x1234;
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(0, LM_EFER, LM_CR0,
						  X86_CR4_PAE, false, &caps, &out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_LME, 0, LM_CR0, 0,
						  false, &caps, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(LM_EFER | BIT(1), LM_EFER,
						  LM_CR0, X86_CR4_PAE, false,
						  &caps, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(1ULL << 63, 0, 0, 0, false,
						  &caps, &out), -EINVAL);
	/* A refusal leaves @out alone. */
	KUNIT_EXPECT_EQ(test, out, 0x1234ULL);
}

/* KVM_SET_MSRS(EFER): LMA must be what LME and CR0.PG make it. */
static void vtx_regs_check_efer_host(struct kunit *test)
{
	u64 out = 0;

	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(LM_EFER | EFER_NX, 0, LM_CR0,
						  X86_CR4_PAE, true, &caps, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u64)(LM_EFER | EFER_NX));
	/* LME without paging is just armed: no LMA. */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_LME, 0, X86_CR0_PE, 0,
						  true, &caps, &out), 0);
	KUNIT_EXPECT_EQ(test, out, (u64)EFER_LME);

	/* LMA without paging, LMA without LME, LME|PG without LMA. */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(LM_EFER, 0, X86_CR0_PE, 0,
						  true, &caps, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_LMA, LM_EFER, LM_CR0,
						  X86_CR4_PAE, true, &caps, &out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(EFER_LME, LM_EFER, LM_CR0,
						  X86_CR4_PAE, true, &caps, &out),
			-EINVAL);
	/* Long mode without PAE would fail VM entry. */
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(LM_EFER, 0, LM_CR0, 0, true,
						  &caps, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_regs_check_efer(LM_EFER | BIT(1), 0, LM_CR0,
						  X86_CR4_PAE, true, &caps, &out),
			-EINVAL);
}

/*
 * CR4 bits of later CPUs are the host's even where CR4_FIXED1 allows
 * them: Key Locker (19), user interrupts (25), LAM (28), FRED (32).
 */
static void vtx_regs_check_sregs_cr4_allow_list(struct kunit *test)
{
	static const unsigned long host_bits[] = {
		BIT(19), BIT(25), BIT(28), BIT_ULL(32), X86_CR4_VMXE,
		X86_CR4_SMXE, X86_CR4_PKE, X86_CR4_CET,
	};
	/* OSXSAVE: vtx switches XCR0 (fpu_state.c). */
	static const unsigned long guest_bits[] = {
		X86_CR4_PSE, X86_CR4_PGE, X86_CR4_OSFXSR, X86_CR4_OSXMMEXCPT,
		X86_CR4_FSGSBASE, X86_CR4_SMEP, X86_CR4_SMAP, X86_CR4_UMIP,
		X86_CR4_OSXSAVE,
	};
	/* A CPU that allows every CR4 bit in VMX operation. */
	const struct vtx_caps all = { .cr4_fixed1 = ~0ULL };
	struct kvm_sregs s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(host_bits); i++) {
		long_mode(&s);
		s.cr4 |= host_bits[i];
		KUNIT_EXPECT_EQ_MSG(test, vtx_regs_check_sregs(&s, &all),
				    -EINVAL, "CR4 bit 0x%lx", host_bits[i]);
		KUNIT_EXPECT_TRUE(test, VTX_CR4_GUEST_FORBIDDEN & host_bits[i]);
	}
	for (i = 0; i < ARRAY_SIZE(guest_bits); i++) {
		long_mode(&s);
		s.cr4 |= guest_bits[i];
		KUNIT_EXPECT_EQ_MSG(test, vtx_regs_check_sregs(&s, &all), 0,
				    "CR4 bit 0x%lx", guest_bits[i]);
		KUNIT_EXPECT_FALSE(test, VTX_CR4_GUEST_FORBIDDEN & guest_bits[i]);
	}
}

/* XSETBV's and KVM_SET_XCRS's rules, as KVM's __kvm_set_xcr(). */
static void vtx_regs_xcr0_rules(struct kunit *test)
{
	const u64 all = 0xe7;	/* x87, SSE, AVX, the AVX-512 three */

	KUNIT_EXPECT_TRUE(test, vtx_regs_xcr0_valid(0x1, 0));
	KUNIT_EXPECT_TRUE(test, vtx_regs_xcr0_valid(0x3, all));
	KUNIT_EXPECT_TRUE(test, vtx_regs_xcr0_valid(0x7, all));
	KUNIT_EXPECT_TRUE(test, vtx_regs_xcr0_valid(0xe7, all));
	/* x87 is never off. */
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x0, all));
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x2, all));
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x6, all));
	/* AVX without SSE. */
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x5, all));
	/* Beyond what the guest may have. */
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x3, 0x1));
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x7, 0x3));
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x207, all));
	/* AVX-512: all three, and AVX. */
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x27, all));
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0x67, all));
	KUNIT_EXPECT_FALSE(test, vtx_regs_xcr0_valid(0xe3, all));
}

static struct kunit_case vtx_regs_cases[] = {
	KUNIT_CASE(vtx_regs_segment_ar_round_trip),
	KUNIT_CASE(vtx_regs_segment_not_present_is_unusable),
	KUNIT_CASE(vtx_regs_check_regs_rflags),
	KUNIT_CASE(vtx_regs_check_sregs_accepts_valid),
	KUNIT_CASE(vtx_regs_xcr0_rules),
	KUNIT_CASE(vtx_regs_check_sregs_rejects_invalid),
	KUNIT_CASE(vtx_regs_check_sregs_cr4_allow_list),
	KUNIT_CASE(vtx_regs_efer_valid_bits),
	KUNIT_CASE(vtx_regs_efer_nx_needs_host_nx),
	KUNIT_CASE(vtx_regs_check_efer_guest),
	KUNIT_CASE(vtx_regs_check_efer_host),
	{}
};

static struct kunit_suite vtx_regs_suite = {
	.name = "vtx_regs",
	.test_cases = vtx_regs_cases,
};

kunit_test_suite(vtx_regs_suite);
