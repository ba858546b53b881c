// SPDX-License-Identifier: GPL-2.0
/*
 * Mutations of vCPU state, for the ioctl sequences (ioctl.c) and the
 * guest runs (guest.c): a state read back from the device, changed in a
 * few bits or fields, goes back through the matching set ioctl.
 */
#include <string.h>

#include "fuzz.h"

/* Flip one to four random bits of @len bytes at @buf. */
void fuzz_flip(struct fuzz_rng *r, void *buf, size_t len)
{
	unsigned char *b = buf;
	int n = 1 + fuzz_below(r, 4);

	while (n--)
		b[fuzz_below(r, len)] ^= 1U << fuzz_below(r, 8);
}

/*
 * A kvm_xsave from KVM_GET_XSAVE: random XSTATE_BV, XCOMP_BV (the
 * compacted bit 63 too), MXCSR and MXCSR_MASK bits, random register bytes.
 */
void fuzz_xsave_mutate(struct fuzz_rng *r, void *buf, size_t len)
{
	unsigned char *x = buf;
	__u64 bv;
	__u32 m;

	if (fuzz_chance(r, 40)) {
		memcpy(&bv, x + 512, 8);
		bv ^= fuzz_chance(r, 50) ? 1ULL << fuzz_below(r, 64) :
					   fuzz_value(r);
		memcpy(x + 512, &bv, 8);
	}
	if (fuzz_chance(r, 20)) {
		bv = fuzz_chance(r, 50) ? 1ULL << 63 | fuzz_below(r, 256) :
					  fuzz_value(r);
		memcpy(x + 520, &bv, 8);
	}
	if (fuzz_chance(r, 30)) {
		memcpy(&m, x + 24 + 4 * fuzz_below(r, 2), 4);
		m ^= 1U << fuzz_below(r, 32);
		memcpy(x + 24 + 4 * fuzz_below(r, 2), &m, 4);
	}
	if (fuzz_chance(r, 60))		/* ST, XMM, then the extended area */
		fuzz_bytes(r, x + 32 + fuzz_below(r, len - 64),
			   1 + fuzz_below(r, 32));
	if (fuzz_chance(r, 20))		/* the XSAVE header's reserved bytes */
		fuzz_flip(r, x + 528, 48);
}

/* An XCR0 that is valid, nearly valid, or anything. */
static __u64 fuzz_xcr0(struct fuzz_rng *r)
{
	static const __u64 xcr0[] = { 1, 3, 7, 0xe7, 5, 0, 2, 0x207, 0x2e7,
				      0x60000, 0x60007, 0x80000000000000e7ULL };

	return fuzz_chance(r, 70) ? xcr0[fuzz_below(r, ARRAY_SIZE(xcr0))] :
				    fuzz_value(r);
}

void fuzz_xcrs_mutate(struct fuzz_rng *r, struct kvm_xcrs *x)
{
	__u32 i;

	if (fuzz_chance(r, 20))
		x->nr_xcrs = fuzz_chance(r, 50) ? fuzz_below(r, 18) :
						  (__u32)fuzz_value(r);
	if (fuzz_chance(r, 10))
		x->flags = fuzz_value(r);
	for (i = 0; i < KVM_MAX_XCRS; i++) {
		if (!fuzz_chance(r, i ? 10 : 60))
			continue;
		x->xcrs[i].xcr = fuzz_chance(r, 80) ? fuzz_below(r, 3) :
						      (__u32)fuzz_value(r);
		x->xcrs[i].reserved = fuzz_chance(r, 90) ? 0 : fuzz_value(r);
		x->xcrs[i].value = fuzz_xcr0(r);
	}
}

/* Random exception, interrupt, NMI, shadow and flags. */
void fuzz_events_mutate(struct fuzz_rng *r, struct kvm_vcpu_events *e)
{
	static const __u8 vec[] = { 0, 1, 2, 3, 6, 8, 13, 14, 17, 18, 21, 31,
				    32, 0x80, 0xff };

	if (fuzz_chance(r, 50)) {
		e->exception.injected = fuzz_chance(r, 80) ? fuzz_below(r, 2) :
							     fuzz_below(r, 256);
		e->exception.pending = fuzz_chance(r, 80) ? 0 : fuzz_below(r, 2);
		e->exception.nr = fuzz_chance(r, 70) ?
				  vec[fuzz_below(r, ARRAY_SIZE(vec))] :
				  fuzz_below(r, 256);
		e->exception.has_error_code = fuzz_below(r, 2);
		e->exception.error_code = fuzz_value(r);
	}
	if (fuzz_chance(r, 50)) {
		e->interrupt.injected = fuzz_chance(r, 90) ? fuzz_below(r, 2) :
							     fuzz_below(r, 256);
		e->interrupt.nr = fuzz_chance(r, 70) ?
				  vec[fuzz_below(r, ARRAY_SIZE(vec))] :
				  fuzz_below(r, 256);
		e->interrupt.soft = fuzz_chance(r, 80) ? 0 : fuzz_below(r, 2);
		e->interrupt.shadow = fuzz_chance(r, 60) ? 0 :
				      fuzz_chance(r, 90) ? fuzz_below(r, 4) :
							   fuzz_below(r, 256);
	}
	if (fuzz_chance(r, 40)) {
		e->nmi.injected = fuzz_below(r, 2);
		e->nmi.pending = fuzz_chance(r, 90) ? fuzz_below(r, 3) :
						      fuzz_below(r, 256);
		e->nmi.masked = fuzz_below(r, 2);
	}
	if (fuzz_chance(r, 50))
		e->flags = fuzz_chance(r, 80) ? fuzz_below(r, 0x40) :
						(__u32)fuzz_value(r);
	if (fuzz_chance(r, 10))
		e->sipi_vector = fuzz_value(r);
	if (fuzz_chance(r, 10))
		fuzz_bytes(r, &e->smi, sizeof(e->smi));
	if (fuzz_chance(r, 10)) {
		e->exception_has_payload = fuzz_below(r, 2);
		e->exception_payload = fuzz_value(r);
	}
	if (fuzz_chance(r, 5))
		fuzz_flip(r, e, sizeof(*e));
}

/* Random or edge DR0-3, DR6, DR7 and flags. */
void fuzz_debugregs_mutate(struct fuzz_rng *r, struct kvm_debugregs *d)
{
	int i;

	for (i = 0; i < 4; i++)
		if (fuzz_chance(r, 30))
			d->db[i] = fuzz_chance(r, 30) ? 0xffffffff81000000ULL +
				   fuzz_below(r, 1 << 24) : fuzz_value(r);
	if (fuzz_chance(r, 40))
		d->dr6 = fuzz_chance(r, 50) ? 0xffff0ff0ULL |
			 (fuzz_u64(r) & 0x1e00f) : fuzz_value(r);
	if (fuzz_chance(r, 50))
		d->dr7 = fuzz_chance(r, 50) ? 0x400 | (fuzz_u64(r) & 0xffff2bff) :
					      fuzz_value(r);
	if (fuzz_chance(r, 10))
		d->flags = fuzz_value(r);
	if (fuzz_chance(r, 5))
		d->reserved[fuzz_below(r, 9)] = fuzz_value(r);
}

/* kvm_guest_debug: documented control bits, random ones, random DRs. */
void fuzz_guest_debug_arg(struct fuzz_rng *r, struct kvm_guest_debug *g)
{
	static const __u32 bits[] = {
		KVM_GUESTDBG_ENABLE, KVM_GUESTDBG_SINGLESTEP,
		KVM_GUESTDBG_USE_SW_BP, KVM_GUESTDBG_USE_HW_BP,
		KVM_GUESTDBG_INJECT_DB, KVM_GUESTDBG_INJECT_BP,
	};
	unsigned int i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if (fuzz_chance(r, i ? 30 : 85))
			g->control |= bits[i];
	if (fuzz_chance(r, 15))
		g->control |= fuzz_value(r);
	if (fuzz_chance(r, 5))
		g->pad = fuzz_value(r);
	for (i = 0; i < 8; i++)
		g->arch.debugreg[i] = fuzz_chance(r, 25) ?
			0xffffffff81000000ULL + fuzz_below(r, 1 << 24) :
			fuzz_chance(r, 50) ? 0x1000 + fuzz_below(r, 0x10000) :
			fuzz_value(r);
	if (fuzz_chance(r, 60))
		g->arch.debugreg[7] = 0x400 | (fuzz_u64(r) & 0xffff03ff);
}

/* A kvm_fpu from KVM_GET_FPU: MXCSR bits, register bytes, the x87 words. */
void fuzz_fpu_mutate(struct fuzz_rng *r, struct kvm_fpu *f)
{
	if (fuzz_chance(r, 40))
		f->mxcsr ^= 1U << fuzz_below(r, 32);
	if (fuzz_chance(r, 30))
		fuzz_bytes(r, f->fpr, sizeof(f->fpr));
	if (fuzz_chance(r, 20)) {
		f->fcw = fuzz_value(r);
		f->fsw = fuzz_value(r);
		f->ftwx = fuzz_value(r);
		f->last_opcode = fuzz_value(r);
		f->last_ip = fuzz_value(r);
		f->last_dp = fuzz_value(r);
	}
}
