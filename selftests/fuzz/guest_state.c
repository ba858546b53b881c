// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-side fuzzer's vCPU state: each mode's segments and control
 * registers, random mutations of them, which KVM_SET_SREGS must refuse
 * (api.rst 5.3), random registers and MSRs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

/* Why api.rst 5.3 says KVM_SET_SREGS refuses @s, or NULL. */
const char *gf_sregs_refusal(const struct kvm_sregs *s, bool xsave)
{
	const struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	bool lm = (s->efer & VTX_EFER_LME) && (s->cr0 & VTX_CR0_PG);
	unsigned int i;

	if (s->cr0 >> 32)
		return "CR0 bits 63:32";
	if ((s->cr0 & VTX_CR0_NW) && !(s->cr0 & VTX_CR0_CD))
		return "CR0.NW without CD";
	if ((s->cr0 & VTX_CR0_PG) && !(s->cr0 & VTX_CR0_PE))
		return "CR0.PG without PE";
	if (s->cr4 & ~GF_CR4_ALLOWED)
		return "a CR4 bit outside the allow-list";
	if ((s->cr4 & GF_CR4_OSXSAVE) && !xsave)
		return "CR4.OSXSAVE without XSAVE in CPUID";
	if (s->efer & ~(VTX_EFER_SCE | VTX_EFER_LME | VTX_EFER_LMA |
			VTX_EFER_NXE))
		return "a reserved EFER bit";
	if (!!(s->efer & VTX_EFER_LMA) != lm)
		return "EFER.LMA other than LME && PG";
	if (lm && !(s->cr4 & VTX_CR4_PAE))
		return "long mode without CR4.PAE";
	if (lm && s->cs.l && s->cs.db)
		return "a 64-bit CS with D";
	if (s->cr8 > 15)
		return "CR8 above 15";
	for (i = 0; i < ARRAY_SIZE(s->interrupt_bitmap); i++)
		if (s->interrupt_bitmap[i])
			return "a pending interrupt";
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (segs[i]->present && !segs[i]->unusable &&
		    (segs[i]->g ? (segs[i]->limit & 0xfff) != 0xfff :
				  segs[i]->limit >> 20))
			return "a limit that does not match G";
	return NULL;
}

/* The segment register that loading @sel from gf_gdt gives. */
static void gf_seg(struct kvm_segment *s, __u16 sel)
{
	__u64 d = gf_gdt[sel >> 3];

	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = (d & 0xffff) | (d >> 32 & 0xf0000);
	s->type = d >> 40 & 15;
	s->s = d >> 44 & 1;
	s->dpl = d >> 45 & 3;
	s->present = d >> 47 & 1;
	s->l = d >> 53 & 1;
	s->db = d >> 54 & 1;
	s->g = d >> 55 & 1;
	if (s->g)
		s->limit = s->limit << 12 | 0xfff;
}

/* The mode's segments, tables and CRs, with bits every CPU takes. */
void gf_mode_sregs(struct gf *g, struct gf_vcpu *c, struct kvm_sregs *s,
		   bool user)
{
	static const __u64 cr0[] = { 0x2, 0x4, 0x8, 0x10000, 0x40000 };
	struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
	};
	const struct gf_mode *m = &gf_modes[g->mode];
	__u16 sel = fuzz_chance(g->r, 50) ? 0 : g->code_gpa >> 4;
	unsigned int i;

	*s = c->reset;
	s->cs.selector = sel;			/* real mode */
	s->cs.base = (__u32)sel << 4;
	s->cr0 = fuzz_chance(g->r, 50) ? s->cr0 : VTX_CR0_ET;
	if (g->mode != GF_REAL) {
		for (i = 0; i < ARRAY_SIZE(segs); i++)
			gf_seg(segs[i], i ? (user ? GF_SEL_DATA_U : m->ds) :
					    (user ? m->cs3 : m->cs));
		for (i = 0; g->mode == GF_VM86 && i < ARRAY_SIZE(segs); i++) {
			segs[i]->selector = sel;	/* AR 0xf3, as VMX wants */
			segs[i]->base = (__u32)sel << 4;
			segs[i]->type = 3;
			segs[i]->dpl = 3;
		}
		memset(&s->tr, 0, sizeof(s->tr));
		s->tr.base = m->efer ? VTX_TSS_GPA : GF_TSS32;
		s->tr.limit = 0x67;
		s->tr.selector = VTX_SEL_TSS;
		s->tr.type = 11;
		s->tr.present = 1;
		memset(&s->ldt, 0, sizeof(s->ldt));
		s->ldt.unusable = 1;
		s->gdt.base = VTX_GDT_GPA;
		s->gdt.limit = sizeof(gf_gdt) - 1;
		s->idt.base = m->idt;
		s->idt.limit = m->efer ? 0xfff : 0x7ff;
		s->cr0 = m->cr0;
		s->cr3 = m->cr3;
		s->cr4 = m->cr4 & (fuzz_chance(g->r, 15) ? ~0x10ULL : ~0ULL);
		s->efer = m->efer;
	}
	if (fuzz_chance(g->r, 30))
		s->cr0 |= cr0[fuzz_below(g->r, ARRAY_SIZE(cr0))];
	if (fuzz_chance(g->r, 30))
		s->cr4 |= fuzz_u64(g->r) & GF_CR4_SAFE;
	if (fuzz_chance(g->r, 40))
		s->efer |= VTX_EFER_SCE;
	if (fuzz_chance(g->r, 20))
		s->efer |= s->cr0 & VTX_CR0_PG ? VTX_EFER_NXE : VTX_EFER_LME;
}

/* One to three random changes of segments, CRs, EFER or tables. */
void gf_sregs_mutate(struct fuzz_rng *r, struct kvm_sregs *s)
{
	static const __u64 efer[] = { 0, 8, 10, 11 };
	struct kvm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	__u64 *regs[] = { &s->cr2, &s->cr3, &s->apic_base, &s->gdt.base,
			  &s->idt.base };
	struct kvm_segment *sg;
	int n = 1 + fuzz_below(r, 3), i;

	while (n--) {
		sg = segs[fuzz_below(r, ARRAY_SIZE(segs))];
		i = fuzz_below(r, 9);	/* type, present, dpl, db, s, l, ... */
		switch (fuzz_below(r, 9)) {
		case 0:
			sg->selector = fuzz_value(r);
			sg->base = fuzz_value(r);
			break;
		case 1:
			sg->limit = fuzz_value(r);
			break;
		case 2:
			(&sg->type)[i] = fuzz_chance(r, 5) ? fuzz_below(r, 256) :
				fuzz_below(r, i ? (i == 2 ? 4 : 2) : 16);
			break;
		case 3:
			s->cr0 ^= 1ULL << fuzz_below(r, fuzz_chance(r, 90) ? 32
									  : 64);
			break;
		case 4:		/* not LA57 (see gf_snips) */
			i = fuzz_below(r, 23);
			s->cr4 ^= 1ULL << (i + (i >= 12));
			break;
		case 5:
			s->efer ^= 1ULL << (fuzz_chance(r, 80) ?
					    efer[fuzz_below(r, 4)] :
					    fuzz_below(r, 64));
			break;
		case 6:
			*regs[fuzz_below(r, ARRAY_SIZE(regs))] = fuzz_value(r);
			(i & 1 ? &s->gdt : &s->idt)->limit = fuzz_value(r);
			break;
		case 7:
			s->cr8 = fuzz_below(r, 20);
			break;
		default:
			s->interrupt_bitmap[fuzz_below(r, 4)] =
				1ULL << fuzz_below(r, 64);
		}
	}
}

int gf_set_sregs(struct gf *g, struct gf_vcpu *c, struct kvm_sregs *s,
		 bool mutated)
{
	const char *why = gf_sregs_refusal(s, gf_cpuid_xsave(c));
	int r = fuzz_ioctl(g->st, c->v.fd, KVM_SET_SREGS, s);

	if (why && !r)
		gf_fail(g, "KVM_SET_SREGS took %s", why);
	else if (r && (r != -EINVAL || !mutated))
		gf_fail(g, "KVM_SET_SREGS of the %s state: %d",
			mutated ? "fuzzed" : "mode's", r);
	return r;
}

int gf_set_regs(struct gf *g, struct gf_vcpu *c, __u64 rip)
{
	static const int reserved[] = { 3, 5, 15, 22, 31, 32, 63 };
	struct kvm_regs rg;
	__u64 *gpr = &rg.rax;
	int i, r;

	for (i = 0; i < 16; i++)
		gpr[i] = fuzz_chance(g->r, 40) ? fuzz_value(g->r) :
			 GF_OPERANDS + fuzz_below(g->r, 256);
	rg.rsp = g->code.bits == 16 ? VTX_REAL_STACK :
		 VTX_STACK_TOP - c->v.id * VTX_STACK_SIZE;
	if (fuzz_chance(g->r, 10))
		rg.rsp = fuzz_value(g->r);
	rg.rip = rip;
	rg.rflags = 2;
	if (fuzz_chance(g->r, 50))
		rg.rflags |= fuzz_u64(g->r) & GF_RFLAGS_VALID &
			     ~(fuzz_chance(g->r, 90) ? GF_RFLAGS_VM : 0);
	if (g->mode == GF_VM86)
		rg.rflags |= GF_RFLAGS_VM;
	if (fuzz_chance(g->r, 4))
		rg.rflags |= 1ULL << reserved[fuzz_below(g->r, 7)];
	r = fuzz_ioctl(g->st, c->v.fd, KVM_SET_REGS, &rg);
	if (rg.rflags & ~GF_RFLAGS_VALID ? r != -EINVAL : r)
		gf_fail(g, "KVM_SET_REGS with RFLAGS 0x%llx: %d",
			(unsigned long long)rg.rflags, r);
	return r;
}

/* KVM_GET_MSRS or KVM_SET_MSRS of one to four random MSRs. */
void gf_msrs(struct gf *g, struct gf_vcpu *c)
{
	struct {
		__u32 nmsrs, pad;
		struct kvm_msr_entry e[4];
	} m = { .nmsrs = 1 + fuzz_below(g->r, 4) };
	bool set = fuzz_chance(g->r, 70);
	__u32 i;
	int r;

	for (i = 0; i < m.nmsrs; i++) {
		m.e[i].index = gf_msr(g->r);
		m.e[i].data = fuzz_value(g->r);
	}
	r = fuzz_ioctl(g->st, c->v.fd, set ? KVM_SET_MSRS : KVM_GET_MSRS, &m);
	if (r < 0 || r > (int)m.nmsrs)
		gf_fail(g, "KVM_%s_MSRS of %u MSRs: %d", set ? "SET" : "GET",
			m.nmsrs, r);
}

/* Checks after a run */

/*
 * Does the vCPU's CPUID table have XSAVE (leaf 1, ECX bit 26)? The first
 * entry that answers leaf 1, subleaf 0, as vtx looks it up. Every
 * emulated host has XSAVE.
 */
bool gf_cpuid_xsave(const struct gf_vcpu *c)
{
	__u32 i;

	for (i = 0; i < c->cpuid.nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->cpuid.entries[i];

		if (e->function != 1)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index)
			continue;
		return e->ecx & (1U << 26);
	}
	return false;
}
