// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-side fuzzing: random instruction bytes, often mixed with ones that
 * exit or change machine state (port I/O, HLT, CPUID, MSRs, control and
 * debug registers, descriptor tables, far transfers, segment loads, VMX
 * and other intercepted instructions), from random registers, in real
 * mode, virtual-8086 mode, 16- and 32-bit protected mode with paging off
 * or on, compatibility and 64-bit mode, at CPL 0 or 3; now and then with
 * random segments, CR0/CR4/EFER bits, MSRs and CPUID.
 *
 * A VM serves about 200 runs: 2 MiB at GPA 0 hold every mode's tables,
 * written once and put back when a guest scribbled on them; sometimes a
 * second slot is read-only to the guest or to the VMM; one or two vCPUs.
 * Each setup runs one to four times (an IN gets random data, HLT and OUT
 * go on). A timer (fuzz_timer()) bounds each run; some start with
 * immediate_exit set.
 *
 * Checked besides fuzz_run()'s exits: a HLT exit leaves RIP after a HLT;
 * a memory fault names a GPA that no slot maps for the access; VM entry
 * never fails with a VMfail, nor after an exit that user space only
 * answered; after each run KVM_GET_SREGS and KVM_GET_REGS work, and
 * KVM_SET_SREGS and KVM_SET_REGS take their state back unchanged;
 * KVM_SET_SREGS refuses what api.rst 5.3 lists; KVM_SET_REGS refuses
 * exactly RFLAGS with a reserved bit; KVM_SET_CPUID2 takes only the same
 * table once the guest ran.
 *
 * Between runs, now and then: KVM_INTERRUPT of a random vector, KVM_NMI,
 * request_interrupt_window, or a KVM_SET_VCPU_EVENTS, KVM_SET_XCRS,
 * KVM_SET_XSAVE, KVM_SET_FPU or KVM_SET_DEBUGREGS of a mutated GET, or
 * KVM_SET_GUEST_DEBUG (single steps, INT3 and hardware breakpoints in
 * the code). A KVM_EXIT_DEBUG comes only for what guest debug enabled,
 * KVM_EXIT_IRQ_WINDOW_OPEN only when asked for and with IF set; a single
 * step adds a run to the setup, up to GF_STEPS_MAX. KVM_INTERRUPT takes
 * exactly the vectors up to 255.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vtx_test.h"

#include "guest.h"

const struct gf_mode gf_modes[GF_NR_MODES] = {
	{ .name = "real", .bits = 16 },
	{ "vm86", 16, 0x30, 0x30, 0x38, 0x31, 0, 0, 0, GF_IDT32 },
	{ "prot16", 16, 0x30, 0x30, 0x38, 0x31, 0, 0, 0, GF_IDT32 },
	{ "prot32", 32, 0x28, 0x53, 0x10, 0x31, 0, 0, 0, GF_IDT32 },
	{ "prot32+paging", 32, 0x28, 0x53, 0x10, 0x80010031, GF_PD32, 0x10, 0,
	  GF_IDT32 },
	{ "compat", 32, 0x28, 0x53, 0x10, 0x80000033, VTX_PML4_GPA, 0x20,
	  0x500, VTX_IDT_GPA },
	{ "64-bit", 64, 0x08, 0x43, 0x10, 0x80000033, VTX_PML4_GPA, 0x20,
	  0x500, VTX_IDT_GPA },
};

void gf_dump(struct gf *g)
{
	int i;

	printf("# code at 0x%llx:", (unsigned long long)g->code_gpa);
	for (i = 0; i < g->code.n; i++)
		printf(" %02x", g->code.b[i]);
	printf("\n");
}

static int gf_add_slot(struct gf *g, int slot, __u64 gpa, __u64 size,
		       bool ro_guest, bool ro_host)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot, .flags = ro_guest ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa, .memory_size = size,
	};
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int r;

	if (p == MAP_FAILED)
		return -errno;
	if (slot)
		fuzz_bytes(g->r, p, 0x1000);
	if (ro_host)
		mprotect(p, size, PROT_READ);
	m.userspace_addr = (unsigned long)p;
	r = fuzz_ioctl(g->st, g->vm.fd, KVM_SET_USER_MEMORY_REGION, &m);
	if (r) {
		munmap(p, size);
		return r;
	}
	g->vm.slots[slot] = (struct vtx_slot){ p, gpa, size, true };
	g->ro_guest[slot] = ro_guest;
	g->ro_host[slot] = ro_host;
	return 0;
}

/* CPUID */

static void gf_cpuid_make(struct gf *g, struct gf_cpuid *t)
{
	struct kvm_cpuid_entry2 *e;
	__u32 i, extra = fuzz_below(g->r, 3);

	memset(t, 0, sizeof(*t));
	for (i = 0; i < g->supported.nent; i++) {
		if (fuzz_chance(g->r, 15))
			continue;
		e = &t->entries[t->nent++];
		*e = g->supported.entries[i];
		if (fuzz_chance(g->r, 15))
			(&e->eax)[fuzz_below(g->r, 4)] ^= fuzz_value(g->r);
	}
	while (extra-- && t->nent < GF_CPUID_MAX) {
		e = &t->entries[t->nent++];
		e->function = fuzz_chance(g->r, 50) ? fuzz_below(g->r, 0x20) :
						      fuzz_value(g->r);
		e->index = fuzz_below(g->r, 3);
		e->flags = fuzz_chance(g->r, 50) ?
			   KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		fuzz_bytes(g->r, &e->eax, 16);
	}
}

/* KVM_SET_CPUID2: only the same table once the vCPU entered the guest. */
static void gf_cpuid_set(struct gf *g, struct gf_vcpu *c)
{
	struct gf_cpuid t;
	bool same;
	int r;

	if (c->called && fuzz_chance(g->r, 50))
		t = c->cpuid;
	else
		gf_cpuid_make(g, &t);
	same = t.nent == c->cpuid.nent &&
	       !memcmp(t.entries, c->cpuid.entries,
		       t.nent * sizeof(t.entries[0]));
	r = fuzz_ioctl(g->st, c->v.fd, KVM_SET_CPUID2, &t);
	if (r && (r != -EINVAL || same || !c->called))
		gf_fail(g, "KVM_SET_CPUID2 of %s table (%u entries): %d",
			same ? "the same" : "another", t.nent, r);
	else if (!r && !same && c->entered)
		gf_fail(g, "KVM_SET_CPUID2 took another table after a run");
	if (!r)
		c->cpuid = t;
}

/* VMs and vCPUs */

static int gf_vcpu_create(struct gf *g, int id)
{
	struct gf_vcpu *c = &g->cpu[id];
	struct {
		__u32 nmsrs, pad;
		struct kvm_msr_entry e[5];
	} msrs = { 5, 0, {
		{ .index = 0x174, .data = 0x28 },	/* SYSENTER_CS */
		{ .index = 0x175, .data = VTX_STACK_TOP - 0x3000 },
		{ .index = 0x176, .data = GF_PAD },
		{ .index = 0xc0000081, .data = (__u64)VTX_SEL_CODE64 << 32 },
		{ .index = 0xc0000082, .data = GF_PAD },	/* LSTAR */
	} };
	int r;

	memset(c, 0, sizeof(*c));
	r = __vtx_vcpu_create(&g->vm, id, &c->v);
	if (!r)
		r = fuzz_ioctl(g->st, c->v.fd, KVM_GET_SREGS, &c->reset);
	if (!r && fuzz_ioctl(g->st, c->v.fd, KVM_SET_MSRS, &msrs) != 5)
		gf_fail(g, "KVM_SET_MSRS of the SYSCALL/SYSENTER MSRs");
	if (!r && fuzz_chance(g->r, 30))
		gf_cpuid_set(g, c);
	return r;
}

static void gf_vm_destroy(struct gf *g)
{
	int i;

	for (i = 0; g->live && i < g->ncpu; i++)
		vtx_vcpu_close(&g->cpu[i].v);
	if (g->live)
		vtx_vm_destroy(&g->vm);
	g->live = false;
}

static int gf_vm_create(struct gf *g)
{
	static const __u64 gpas[] = {
		GF_MEM_SIZE, 0x1000000, 0xc0000000, 0xfee00000,
	};
	int r, i, n = 1 + fuzz_chance(g->r, 20);

	r = __vtx_vm_create(&g->vm, VTX_DEV_PATH);
	if (r)
		return r;
	g->live = true;
	g->dead = false;
	g->ncpu = 0;
	g->vm_runs = 0;
	g->vm_quota = 150 + fuzz_below(g->r, 100);
	if (!g->supported.nent) {
		g->supported.nent = GF_CPUID_MAX;
		r = fuzz_ioctl(g->st, g->vm.dev, KVM_GET_SUPPORTED_CPUID,
			       &g->supported);
	}
	if (!r)
		r = gf_add_slot(g, 0, 0, GF_MEM_SIZE, false, false);
	g->mem = g->vm.slots[0].hva;
	if (!r && fuzz_chance(g->r, 40))
		r = gf_add_slot(g, 1, gpas[fuzz_below(g->r, ARRAY_SIZE(gpas))],
				0x10000ULL << fuzz_below(g->r, 6),
				fuzz_chance(g->r, 40), fuzz_chance(g->r, 25));
	if (!r)
		r = gf_write_tables(g);
	for (i = 0; !r && i < n; i++, g->ncpu++)
		r = gf_vcpu_create(g, i);
	return r;
}

/* State */

/* Does the vCPU's paging map @lin to itself, with our tables intact? */
static bool gf_identity(struct gf *g, const struct kvm_sregs *s, __u64 lin)
{
	if (!(s->cr0 & VTX_CR0_PG))
		return true;
	if (memcmp(g->mem + VTX_PML4_GPA, g->pristine + VTX_PML4_GPA,
		   GF_PAD - VTX_PML4_GPA))
		return false;
	if (s->cr3 == VTX_PML4_GPA)
		return s->efer & VTX_EFER_LMA;
	return s->cr3 == GF_PD32 && !(s->cr4 & VTX_CR4_PAE) &&
	       ((s->cr4 & 0x10) || lin < 0x400000);
}

/* api.rst 5.1: after a HLT exit, RIP is past the instruction. */
static void gf_check_hlt(struct gf *g, const struct kvm_sregs *s,
			 const struct kvm_regs *rg)
{
	__u64 lin = rg->rip - 1;
	const __u8 *p;

	if (!(s->efer & VTX_EFER_LMA) || !s->cs.l)
		lin = (__u32)(lin + s->cs.base);
	p = gf_identity(g, s, lin) ? __vtx_vm_hva(&g->vm, lin) : NULL;
	if (p && *p != 0xf4)
		gf_fail(g, "HLT exit, RIP 0x%llx, CS base 0x%llx: %02x before RIP",
			(unsigned long long)rg->rip,
			(unsigned long long)s->cs.base, *p);
}

/*
 * A memory fault exit names a GPA that no slot maps, or a write to a
 * read-only slot; -EFAULT a page the VMM's mapping does not allow.
 */
static void gf_check_fault(struct gf *g, const struct kvm_run *run, int r)
{
	const struct vtx_memory_fault *f = (const void *)&run->mmio;
	bool w = f->flags & VTX_MEMORY_FAULT_WRITE, ok;
	int i, slot = -1;

	for (i = 0; i < 2; i++)
		if (g->vm.slots[i].used &&
		    f->gpa - g->vm.slots[i].gpa < g->vm.slots[i].size)
			slot = i;
	if (r)
		ok = f->size == 4096 && !(f->gpa & 0xfff) && slot >= 0 &&
		     g->ro_host[slot] && w;
	else
		ok = !f->size && (f->flags >> 32) &&
		     (slot < 0 || (g->ro_guest[slot] && w));
	if (!ok)
		gf_fail(g, "KVM_RUN %d, memory fault at 0x%llx, flags 0x%llx, size %llu, slot %d",
			r, (unsigned long long)f->gpa,
			(unsigned long long)f->flags,
			(unsigned long long)f->size, slot);
}

/* Equal, but for the attributes of unusable segments, which SET drops. */
static bool gf_sregs_same(struct kvm_sregs *a, struct kvm_sregs *b)
{
	struct kvm_segment *sa[] = {
		&a->cs, &a->ds, &a->es, &a->fs, &a->gs, &a->ss, &a->tr, &a->ldt,
	};
	struct kvm_segment *sb[] = {
		&b->cs, &b->ds, &b->es, &b->fs, &b->gs, &b->ss, &b->tr, &b->ldt,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sa); i++) {
		if (sa[i]->unusable) {
			memset(&sa[i]->type, 0, 8);
			memset(&sb[i]->type, 0, 8);
		}
	}
	return !memcmp(a, b, sizeof(*a));
}

/* GET_SREGS, SET_SREGS of it, the same again; GET_REGS, SET_REGS. */
static void gf_describe_seg(char **p, char *end, const char *name,
			    const struct kvm_segment *sg)
{
	int n = snprintf(*p, end - *p,
			 " %s %x/%llx/%x t%u s%u p%u dpl%u db%u l%u g%u u%u",
			 name, sg->selector, (unsigned long long)sg->base,
			 sg->limit, sg->type, sg->s, sg->present, sg->dpl,
			 sg->db, sg->l, sg->g, sg->unusable);

	if (n > 0)
		*p += n < end - *p ? n : end - *p - 1;
}

/* Registers and segments, as a failed entry's report shows them. */
static void gf_describe(char *buf, size_t size, const struct kvm_regs *r,
			const struct kvm_sregs *s)
{
	char *p = buf, *end = buf + size;
	int n;

	n = snprintf(p, end - p,
		     "rip %llx rflags %llx cr0 %llx cr4 %llx efer %llx",
		     (unsigned long long)r->rip, (unsigned long long)r->rflags,
		     (unsigned long long)s->cr0, (unsigned long long)s->cr4,
		     (unsigned long long)s->efer);
	if (n > 0)
		p += n < end - p ? n : end - p - 1;
	gf_describe_seg(&p, end, "cs", &s->cs);
	gf_describe_seg(&p, end, "ss", &s->ss);
	gf_describe_seg(&p, end, "ds", &s->ds);
	gf_describe_seg(&p, end, "es", &s->es);
	gf_describe_seg(&p, end, "tr", &s->tr);
}

static void gf_print_state(struct gf_vcpu *c)
{
	struct kvm_vcpu_events e;
	struct kvm_sregs s;
	struct kvm_regs r;
	char buf[sizeof(c->exit_state[0])];

	if (!__vtx_ioctl(c->v.fd, KVM_GET_REGS, &r) &&
	    !__vtx_ioctl(c->v.fd, KVM_GET_SREGS, &s)) {
		gf_describe(buf, sizeof(buf), &r, &s);
		printf("%s\n", buf);
	}
	if (!__vtx_ioctl(c->v.fd, KVM_GET_VCPU_EVENTS, &e))
		printf("# events: exc %u nr %u ec %u/%x, irq %u nr %u sh %u, nmi %u/%u/%u\n",
		       e.exception.injected, e.exception.nr,
		       e.exception.has_error_code, e.exception.error_code,
		       e.interrupt.injected, e.interrupt.nr,
		       e.interrupt.shadow, e.nmi.injected, e.nmi.pending,
		       e.nmi.masked);
}

static void gf_check_state(struct gf *g, struct gf_vcpu *c, bool hlt,
			   bool regs)
{
	struct kvm_sregs s, s2;
	struct kvm_regs rg, rg2;
	const char *why;
	int r, fd = c->v.fd;

	r = fuzz_ioctl(g->st, fd, KVM_GET_SREGS, &s);
	if (r) {
		gf_fail(g, "KVM_GET_SREGS: %d", r);
		return;
	}
	r = fuzz_ioctl(g->st, fd, KVM_GET_REGS, &rg);
	if (r) {
		gf_fail(g, "KVM_GET_REGS: %d", r);
		return;
	}
	/* The guest's state at this exit, for a later failed entry. */
	memcpy(c->exit_state[1], c->exit_state[0], sizeof(c->exit_state[0]));
	gf_describe(c->exit_state[0], sizeof(c->exit_state[0]), &rg, &s);
	/* No guest reaches a state that api.rst lists as refused. */
	why = gf_sregs_refusal(&s, gf_cpuid_xsave(c));
	r = fuzz_ioctl(g->st, fd, KVM_SET_SREGS, &s);
	if (r || why)
		gf_fail(g, "KVM_SET_SREGS of KVM_GET_SREGS: %d (%s; CR0 %llx CR4 %llx EFER %llx)",
			r, why ? why : "not a documented refusal",
			(unsigned long long)s.cr0, (unsigned long long)s.cr4,
			(unsigned long long)s.efer);
	s2 = s;
	if (!r && (fuzz_ioctl(g->st, fd, KVM_GET_SREGS, &s2) ||
		   !gf_sregs_same(&s, &s2)))
		gf_fail(g, "KVM_GET_SREGS after a round trip differs");
	if (hlt)
		gf_check_hlt(g, &s, &rg);
	if (!regs)
		return;
	r = fuzz_ioctl(g->st, fd, KVM_SET_REGS, &rg);
	if (r || fuzz_ioctl(g->st, fd, KVM_GET_REGS, &rg2) ||
	    memcmp(&rg, &rg2, sizeof(rg)))
		gf_fail(g, "KVM_SET_REGS of KVM_GET_REGS (RFLAGS 0x%llx): %d",
			(unsigned long long)rg.rflags, r);
}

/* Events and state between runs */

/* KVM_SET_GUEST_DEBUG: steps, INT3s and breakpoints in the code. */
static int gf_guest_debug(struct gf *g, struct gf_vcpu *c)
{
	struct kvm_guest_debug d;
	__u8 *p;
	int i, r;

	fuzz_guest_debug_arg(g->r, &d);
	if (fuzz_chance(g->r, 20))
		d.control = 0;
	for (i = 0; i < 4; i++)
		if (fuzz_chance(g->r, 60))
			d.arch.debugreg[i] = g->code_gpa +
					     fuzz_below(g->r, g->code.n + 16);
	if (fuzz_chance(g->r, 50))	/* L0-3, with random R/W and LEN */
		d.arch.debugreg[7] = 0x400 | (fuzz_u64(g->r) & 0xffff0055);
	if ((d.control & KVM_GUESTDBG_USE_SW_BP) && g->code.n &&
	    fuzz_chance(g->r, 50)) {
		i = fuzz_below(g->r, g->code.n);
		p = __vtx_vm_hva(&g->vm, g->code_gpa + i);
		if (p)
			*p = g->code.b[i] = 0xcc;
	}
	r = fuzz_ioctl(g->st, c->v.fd, KVM_SET_GUEST_DEBUG, &d);
	snprintf(c->did, sizeof(c->did), "SET_GUEST_DEBUG 0x%x: %d",
		 d.control, r);
	if (r && r != -EBUSY && r != -EINVAL)
		gf_fail(g, "KVM_SET_GUEST_DEBUG control 0x%x: %d", d.control, r);
	if (!r)
		c->dbg = d.control & KVM_GUESTDBG_ENABLE ? d.control : 0;
	return r;
}

/* KVM_SET_XSAVE of a mutated KVM_GET_XSAVE or KVM_GET_XSAVE2. */
static int gf_xsave(struct gf *g, struct gf_vcpu *c)
{
	int size = fuzz_ioctl(g->st, g->vm.fd, KVM_CHECK_EXTENSION,
			      (void *)(long)KVM_CAP_XSAVE2);
	bool two = size > 0 && fuzz_chance(g->r, 50);
	size_t len = two && size > (int)sizeof(struct kvm_xsave) ?
		     (size_t)size : sizeof(struct kvm_xsave);
	void *x = calloc(1, len);
	int r;

	if (!x)
		return -ENOMEM;
	r = fuzz_ioctl(g->st, c->v.fd, two ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, x);
	if (r && size > 0)
		gf_fail(g, "KVM_GET_XSAVE%s of %zu bytes: %d", two ? "2" : "",
			len, r);
	fuzz_xsave_mutate(g->r, x, len);
	r = fuzz_ioctl(g->st, c->v.fd, KVM_SET_XSAVE, x);
	free(x);
	return r;
}

/*
 * A state ioctl of a mutated GET (or a GET gone wrong). Return 0 when it
 * changed something that VM entry checks, so that the next run is like
 * a setup's first (gf_check_entry()).
 */
static int gf_state(struct gf *g, struct gf_vcpu *c)
{
	union {
		struct kvm_vcpu_events e;
		struct kvm_xcrs x;
		struct kvm_debugregs d;
		struct kvm_fpu f;
	} u;
	unsigned long get, set;
	int r;

	memset(&u, 0, sizeof(u));
	switch (fuzz_below(g->r, 6)) {
	case 0:
		return gf_xsave(g, c);
	case 1:
		return gf_guest_debug(g, c);
	case 2:
		get = KVM_GET_XCRS;
		set = KVM_SET_XCRS;
		break;
	case 3:
		get = KVM_GET_DEBUGREGS;
		set = KVM_SET_DEBUGREGS;
		break;
	case 4:
		get = KVM_GET_FPU;
		set = KVM_SET_FPU;
		break;
	default:
		get = KVM_GET_VCPU_EVENTS;
		set = KVM_SET_VCPU_EVENTS;
	}
	r = fuzz_ioctl(g->st, c->v.fd, get, &u);
	if (r && get != KVM_GET_XCRS)
		gf_fail(g, "vCPU state GET 0x%lx: %d", get, r);
	switch (get) {
	case KVM_GET_XCRS:
		fuzz_xcrs_mutate(g->r, &u.x);
		break;
	case KVM_GET_DEBUGREGS:
		fuzz_debugregs_mutate(g->r, &u.d);
		break;
	case KVM_GET_FPU:
		if (fuzz_chance(g->r, 50))
			u.f.mxcsr ^= 1U << fuzz_below(g->r, 32);
		fuzz_bytes(g->r, u.f.xmm, fuzz_below(g->r, sizeof(u.f.xmm)));
		break;
	default:
		fuzz_events_mutate(g->r, &u.e);
	}
	if (fuzz_chance(g->r, 10))
		fuzz_flip(g->r, &u, sizeof(u));
	r = fuzz_ioctl(g->st, c->v.fd, set, &u);
	if (set == KVM_SET_VCPU_EVENTS)
		snprintf(c->did, sizeof(c->did),
			 "EVENTS %d: exc %u/%u %u ec %u/%x irq %u %u %u sh %u nmi %u/%u/%u fl %x",
			 r, u.e.exception.injected, u.e.exception.pending,
			 u.e.exception.nr, u.e.exception.has_error_code,
			 u.e.exception.error_code, u.e.interrupt.injected,
			 u.e.interrupt.nr, u.e.interrupt.soft,
			 u.e.interrupt.shadow, u.e.nmi.injected,
			 u.e.nmi.pending, u.e.nmi.masked, u.e.flags);
	else
		snprintf(c->did, sizeof(c->did), "state SET 0x%lx: %d", set, r);
	return r;
}

/*
 * Something between two runs, now and then. Return true when the vCPU
 * state changed as KVM_SET_SREGS would change it.
 */
static bool gf_between(struct gf *g, struct gf_vcpu *c)
{
	static const __u32 irqs[] = { 256, 257, 0x80000000, 0xffffffff };
	struct kvm_interrupt irq;
	int r;

	switch (fuzz_below(g->r, 12)) {
	case 0:
		irq.irq = fuzz_chance(g->r, 90) ? fuzz_below(g->r, 256) :
			  irqs[fuzz_below(g->r, ARRAY_SIZE(irqs))];
		r = fuzz_ioctl(g->st, c->v.fd, KVM_INTERRUPT, &irq);
		snprintf(c->did, sizeof(c->did), "KVM_INTERRUPT %u: %d",
			 irq.irq, r);
		if (irq.irq > 255 ? r != -EINVAL : r)
			gf_fail(g, "KVM_INTERRUPT of vector %u: %d", irq.irq, r);
		return false;
	case 1:
		r = fuzz_ioctl(g->st, c->v.fd, KVM_NMI, NULL);
		snprintf(c->did, sizeof(c->did), "KVM_NMI: %d", r);
		if (r && r != -ENXIO)
			gf_fail(g, "KVM_NMI: %d", r);
		return false;
	case 2:
		c->window = true;
		return false;
	case 3:
	case 4:
		return !gf_state(g, c);
	default:
		return false;
	}
}

/* The exits that events and guest debug bring, and what they need. */
static void gf_check_events(struct gf *g, struct gf_vcpu *c,
			    const struct kvm_run *run)
{
	__u32 e = run->debug.arch.exception;

	if (run->exit_reason == KVM_EXIT_DEBUG &&
	    !(c->dbg & (e == 3 ? KVM_GUESTDBG_USE_SW_BP :
			KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP)))
		gf_fail(g, "KVM_EXIT_DEBUG, exception %u, pc 0x%llx, with guest debug 0x%x",
			e, (unsigned long long)run->debug.arch.pc, c->dbg);
	if (run->exit_reason == KVM_EXIT_IRQ_WINDOW_OPEN &&
	    (!c->window || !run->if_flag))
		gf_fail(g, "KVM_EXIT_IRQ_WINDOW_OPEN, %srequested, IF %u",
			c->window ? "" : "not ", run->if_flag);
	if (run->ready_for_interrupt_injection && !run->if_flag)
		gf_fail(g, "exit %u ready for interrupt injection with IF 0",
			run->exit_reason);
}

/* Runs */

/*
 * Bochs checks the MSRs VM entry loads at the width CR4.LA57 gives now;
 * a CPU with LA57 uses 57 bits, as vtx does. There a guest's WRMSR of,
 * say, LSTAR that is canonical at 57 bits only fails the next entry.
 */
static bool gf_bochs_la57(__u64 why)
{
	unsigned int a, b, c = 0, d;

	__get_cpuid_count(7, 0, &a, &b, &c, &d);
	return why == 0x80000022 && (c & (1U << 16));
}

/*
 * A failed VM entry is vtx's doing when it is a VMfail (a control or host
 * field: user space sets neither), or when the last run that entered the
 * guest (@prev its exit) left a state that user space only answered.
 */
static void gf_check_entry(struct gf *g, struct gf_vcpu *c, int prev)
{
	__u64 why = c->v.run->fail_entry.hardware_entry_failure_reason;

	if (!(why & 0x80000000))
		gf_fail(g, "VMfail, VM-instruction error %llu; last exit %d; then %s",
			(unsigned long long)why, c->last,
			c->did[0] ? c->did : "nothing");
	else if (prev >= 0 && !gf_bochs_la57(why))
		gf_fail(g, "VM entry failed (0x%llx) after exit %d; then %s",
			(unsigned long long)why, prev,
			c->did[0] ? c->did : "nothing");
	else
		return;
	printf("# the exit before: %s\n# at that exit: %s\n# before entry: ",
	       c->exit_state[1], c->exit_state[0]);
	gf_print_state(c);
}

/*
 * One KVM_RUN and its checks. Return: the exit to pass as @prev to the
 * next run of the setup (-1: none entered yet), or -2 to stop.
 */
static int gf_run(struct gf *g, struct gf_vcpu *c, int prev)
{
	struct kvm_run *run = c->v.run;
	bool imm = fuzz_chance(g->r, 3), hlt;
	int r;

	if (imm)
		run->immediate_exit = 1;
	else
		fuzz_timer(GF_TIMER_MS);
	run->request_interrupt_window = c->window;
	r = fuzz_run(g->st, c->v.fd, run, "guest");
	if (imm)
		run->immediate_exit = 0;
	else
		fuzz_timer(0);
	run->request_interrupt_window = 0;
	if (!r)
		gf_check_events(g, c, run);
	c->window = false;
	c->called = true;
	if (r && r != -EFAULT && r != -EINTR) {
		g->dead = true;		/* EIO, ENOMEM: a new VM */
		return -2;
	}
	g->done++;
	g->vm_runs++;
	c->entered |= !imm;
	/*
	 * immediate_exit is honoured after user space's I/O or MMIO is
	 * completed, as in KVM: that completion may itself end the call
	 * with the single step it made (api.rst 5.1, 5.12).
	 */
	if (imm && !r && run->exit_reason == KVM_EXIT_DEBUG &&
	    (c->dbg & (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP)) ==
	    (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP))
		imm = false;
	/* ... or with the internal error of one that guest memory refused. */
	if (imm && !r && run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    (c->last == KVM_EXIT_IO || c->last == KVM_EXIT_MMIO))
		imm = false;
	if ((imm || r == -EINTR) &&
	    (r != -EINTR || run->exit_reason != KVM_EXIT_INTR))
		gf_fail(g, "KVM_RUN%s: %d, exit %u",
			imm ? " with immediate_exit" : "", r, run->exit_reason);
	if (r == -EFAULT || (!r && run->exit_reason == KVM_EXIT_MEMORY_FAULT))
		gf_check_fault(g, run, r);
	if (!r && run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		gf_check_entry(g, c, prev);
	hlt = !r && run->exit_reason == KVM_EXIT_HLT;
	if (!r && run->exit_reason == KVM_EXIT_IO &&
	    run->io.direction == KVM_EXIT_IO_IN &&
	    run->io.data_offset == 4096 && run->io.size <= 4)
		fuzz_bytes(g->r, (__u8 *)run + 4096, run->io.size);
	gf_check_state(g, c, hlt, fuzz_chance(g->r, 40));
	c->last = run->exit_reason;
	if (!r && (run->exit_reason == KVM_EXIT_SHUTDOWN ||
		   run->exit_reason == KVM_EXIT_FAIL_ENTRY))
		return -2;
	return imm ? prev : (int)run->exit_reason;
}

/* A mode, code, registers and maybe more; then one to four runs. */
static void gf_go(struct gf *g)
{
	struct gf_vcpu *c = &g->cpu[fuzz_below(g->r, g->ncpu)];
	struct vtx_slot *s1 = &g->vm.slots[1];
	int n = 1 + fuzz_below(g->r, 4), prev, steps = 0;
	bool user, mutated = false, stale;
	struct kvm_sregs s;
	__u64 rip;
	__u8 *p;

	g->mode = fuzz_below(g->r, GF_NR_MODES);
	user = g->mode >= GF_PROT32 && fuzz_chance(g->r, 15);
	gf_restore_tables(g);
	fuzz_bytes(g->r, g->mem + GF_OPERANDS, 256);
	gf_gen(g->r, &g->code, gf_modes[g->mode].bits);
	g->code_gpa = GF_CODE_MIN + fuzz_below(g->r, GF_CODE_MAX - GF_CODE_MIN);
	if (s1->used && g->mode >= GF_PROT32 && !g->ro_host[1] &&
	    fuzz_chance(g->r, 25))
		g->code_gpa = s1->gpa + fuzz_below(g->r, s1->size - 0x200);
	p = __vtx_vm_hva(&g->vm, g->code_gpa);
	memcpy(p, g->code.b, g->code.n);
	memset(p + g->code.n, 0xf4, 16);

	gf_mode_sregs(g, c, &s, user);
	rip = g->code_gpa - s.cs.base;
	if (fuzz_chance(g->r, 15)) {
		gf_sregs_mutate(g->r, &s);
		mutated = true;
	}
	/* What a fuzzed KVM_SET_SREGS took must read back and round-trip. */
	if (!gf_set_sregs(g, c, &s, mutated) && mutated)
		gf_check_state(g, c, false, false);
	/*
	 * A refused KVM_SET_REGS leaves the last setup's registers, and the
	 * I/O or MMIO it was in: the next KVM_RUN may finish that without
	 * entering the guest, so its exit says nothing of this state.
	 */
	stale = gf_set_regs(g, c, rip) != 0;
	if (fuzz_chance(g->r, 5))
		gf_msrs(g, c);
	if (fuzz_chance(g->r, 2))
		gf_cpuid_set(g, c);
	/* Guest debug stays until taken off: mostly take it off. */
	if (c->dbg && fuzz_chance(g->r, 70)) {
		struct kvm_guest_debug off = {};

		if (!fuzz_ioctl(g->st, c->v.fd, KVM_SET_GUEST_DEBUG, &off))
			c->dbg = 0;
	}
	c->did[0] = 0;
	for (prev = -1; n-- && prev != -2;) {
		if (fuzz_chance(g->r, 30) && gf_between(g, c))
			prev = -1;
		prev = gf_run(g, c, prev);
		if (stale && prev >= 0)
			prev = -1;
		stale = false;
		/* a step is one instruction: a few more, GF_STEPS_MAX in all */
		if (prev == KVM_EXIT_DEBUG && steps++ < GF_STEPS_MAX)
			n++;
	}
}

void fuzz_guest(struct fuzz_rng *r, struct fuzz_stats *st, unsigned long runs)
{
	struct gf *g = calloc(1, sizeof(*g));
	unsigned long setups = 0;
	int err = -ENOMEM;

	if (g) {
		g->r = r;
		g->st = st;
		g->pristine = malloc(GF_TABLES_END);
		err = g->pristine ? 0 : -ENOMEM;
	}
	if (err) {
		fuzz_fail(st, "guest", "setting up: %s", strerror(-err));
		free(g ? g->pristine : NULL);
		free(g);
		return;
	}
	fuzz_timer_init();
	while (g->done < runs && setups++ < 2 * runs + 16) {
		if (!g->live || g->dead || g->vm_runs >= g->vm_quota) {
			gf_vm_destroy(g);
			err = gf_vm_create(g);
			if (err) {
				gf_fail(g, "creating a VM: %s", strerror(-err));
				break;
			}
		}
		gf_go(g);
	}
	gf_vm_destroy(g);
	free(g->pristine);
	free(g);
}
