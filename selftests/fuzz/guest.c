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
 * go on). A per-thread timer bounds each run; some start with
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
 */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "vtx_test.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

/*
 * The bound of one run. The emulated host's clock (Bochs' TSC) runs far
 * slower than Bochs executes: a guest that loops costs the host about a
 * second per 20 ms, and minutes if it modifies its own code.
 */
#define GF_TIMER_NS	2000000L

#define GF_MEM_SIZE	0x200000UL	/* slot 0, at GPA 0 */
#define GF_REAL_STUBS	0x800UL		/* real-mode handlers, 8 bytes each */
#define GF_CODE_MIN	0x1000UL	/* code goes in [MIN, MAX) of slot 0 */
#define GF_CODE_MAX	0x6e00UL
#define GF_TABLES	VTX_GDT_GPA	/* [TABLES, END) and page 0: pristine */
#define GF_IDT32	0x1a000UL	/* 32-bit IDT */
#define GF_PD32		0x1b000UL	/* 32-bit page directory ... */
#define GF_PT32		0x1c000UL	/* ... and the table of 0-4 MiB */
#define GF_PAD		0x1d000UL	/* SYSCALL/SYSENTER land here: HLT */
#define GF_TABLES_END	0x1e000UL
#define GF_TSS32	(VTX_TSS_GPA + 0x800)
#define GF_OPERANDS	VTX_DATA_GPA	/* random memory operands */
#define GF_SEL_DATA_U	0x4b
#define GF_CR4_ALLOWED	0x331fffULL	/* api.rst 5.3's allow-list */
#define GF_CR4_SAFE	0x7cfULL	/* allowed bits every CPU has */
#define GF_RFLAGS_VALID	0x3f7fd7ULL
#define GF_RFLAGS_VM	0x20000ULL
#define GF_CPUID_MAX	64

enum { GF_REAL, GF_VM86, GF_PROT16, GF_PROT32, GF_PROT32_PG, GF_COMPAT,
	GF_LONG, GF_NR_MODES };

static const struct gf_mode {
	const char *name;
	int bits;
	__u16 cs, cs3, ds;	/* selectors: CS at CPL 0 and 3, data */
	__u64 cr0, cr3, cr4, efer, idt;
} gf_modes[GF_NR_MODES] = {
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

/* The GDT: the library writes 0x00 to 0x27 (0x18 is its 64-bit TSS). */
static const __u64 gf_gdt[] = {
	0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL, 0, 0,
	0x00cf9b000000ffffULL,	/* 0x28 32-bit code */
	0x00009b000000ffffULL,	/* 0x30 16-bit code, 64 KiB */
	0x000093000000ffffULL,	/* 0x38 16-bit data, 64 KiB */
	0x00affb000000ffffULL,	/* 0x40 64-bit code, DPL 3 */
	0x00cff3000000ffffULL,	/* 0x48 data, DPL 3 */
	0x00cffb000000ffffULL,	/* 0x50 32-bit code, DPL 3 */
};

/*
 * Instructions that exit, fault or change state; none has a 0 byte. The
 * code never sets CR4.LA57 on purpose: Bochs 3.0 panics at the next VM
 * exit to a 4-level host ("VMEXIT CR4 is broken"), or at entry when
 * KVM_SET_SREGS flips it in long mode.
 */
static const char *const gf_snips[] = {
	"\xf4", "\x0f\xa2", "\xcc", "\xcf", "\x48\xcf", "\x0f\x05", "\x0f\x07",
	"\x0f\x34", "\x0f\x35", "\x0f\x08", "\x0f\x09", "\x0f\x01\xc1",
	"\x0f\x01\xc2", "\x0f\x01\xc3", "\x0f\x01\xc4", "\xf3\x0f\xc7\x37",
	"\x0f\xc7\x37", "\x66\x0f\xc7\x37", "\x0f\x78\xc8", "\x0f\x79\xc8",
	"\x66\x0f\x38\x80\x37", "\x0f\x01\xd1", "\x0f\x01\xd0", "\x0f\x33",
	"\x0f\x31", "\x0f\x01\xf9", "\x0f\x01\xc8", "\x0f\x01\xc9",
	"\x0f\x0b", "\xfa", "\xfb", "\x9c", "\x9d", "\x0f\x06", "\x0f\x01\xf8",
	"\x0f\xaa", "\x0f\x37", "\xf1", "\xce", "\xeb\xfe", "\x6c", "\x6f",
	"\xf3\x6c", "\xf3\x6e", "\xf3\x66\x6d", "\x0f\x01\x3f", "\x0f\x01\xe0",
	"\x0f\x01\xf0", "\x0f\x00\xd8", "\x0f\x00\xd0", "\x0f\xae\x07",
	"\x0f\xae\x0f", "\x0f\xc7\xf0", "\xf3\x0f\xc7\xf8", "\x8e\xd0",
	"\x0f\x01\xca", "\x0f\x01\xcb", "\x0f\x01\xd4", "\x17", "\xfb\xf4",
	"\xfa\xf4", "\x0f\x20\xc0\x0f\x22\xc0",
	"\xf3\x48\x0f\xae\xd0", "\x0f\x01\xee", "\xf3\x90", "\xcd\x80",
};

struct gf_code {
	__u8 b[320];
	int n, bits;
};

struct gf_cpuid {		/* struct kvm_cpuid2 with room */
	__u32 nent, padding;
	struct kvm_cpuid_entry2 entries[GF_CPUID_MAX];
};

struct gf_vcpu {
	struct vtx_vcpu v;
	struct kvm_sregs reset;	/* the state at creation: real mode */
	struct gf_cpuid cpuid;	/* the table the vCPU has */
	bool called, entered;	/* KVM_RUN was called; entered the guest */
	int last;		/* the exit of the last KVM_RUN */
};

struct gf {
	struct fuzz_rng *r;
	struct fuzz_stats *st;
	struct vtx_vm vm;
	bool live, dead, ro_guest[2], ro_host[2];
	int ncpu, mode;
	struct gf_vcpu cpu[2];
	__u8 *mem, *pristine;
	struct gf_cpuid supported;
	unsigned long done, vm_runs, vm_quota;
	__u64 code_gpa;
	struct gf_code code;
	timer_t timer;
	struct sigaction old_sa;
};

/* A broken invariant, with the run and the code that broke it. */
#define gf_fail(g, fmt, ...)						\
	do {								\
		struct gf *gf_ = (g);					\
									\
		fuzz_fail(gf_->st, "guest", "run %lu, %s: " fmt,	\
			  gf_->done, gf_modes[gf_->mode].name,		\
			  ##__VA_ARGS__);				\
		gf_dump(gf_);						\
	} while (0)

static void gf_dump(struct gf *g)
{
	int i;

	printf("# code at 0x%llx:", (unsigned long long)g->code_gpa);
	for (i = 0; i < g->code.n; i++)
		printf(" %02x", g->code.b[i]);
	printf("\n");
}

/* Code */

static void gf_put(struct gf_code *c, const void *p, int n)
{
	if (c->n + n <= (int)sizeof(c->b)) {
		memcpy(c->b + c->n, p, n);
		c->n += n;
	}
}

static void gf_put2(struct gf_code *c, __u8 a, __u8 b)
{
	__u8 ab[2] = { a, b };

	gf_put(c, ab, 2);
}

/* mov $v, %e<reg> (with an operand-size prefix in 16-bit code) */
static void gf_mov(struct gf_code *c, int reg, __u32 v)
{
	if (c->bits == 16)
		gf_put(c, "\x66", 1);
	gf_put(c, (__u8 []){ 0xb8 + reg }, 1);
	gf_put(c, &v, 4);
}

static __u32 gf_msr(struct fuzz_rng *r)
{
	static const __u32 msrs[] = {
		0x10, 0x1b, 0x3a, 0x48, 0x49, 0x174, 0x175, 0x176, 0x1d9, 0x277,
		0x480, 0x6e0, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083,
		0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
		0x40000000, 0x4b564d00,
	};

	if (fuzz_chance(r, 20))
		return fuzz_value(r);
	return msrs[fuzz_below(r, ARRAY_SIZE(msrs))];
}

static __u16 gf_sel(struct fuzz_rng *r)
{
	static const __u16 sels[] = {
		0, 0x08, 0x10, 0x18, 0x28, 0x30, 0x38, 0x43, 0x4b, 0x53, 0x13,
	};

	if (fuzz_chance(r, 20))
		return fuzz_value(r);
	return sels[fuzz_below(r, ARRAY_SIZE(sels))];
}

/* One instruction worth more than random bytes find by chance. */
static void gf_special(struct fuzz_rng *r, struct gf_code *c)
{
	static const __u8 crs[] = { 0, 2, 3, 4, 8 }, sregs[] = { 0, 2, 3, 4, 5 };
	static const __u16 ports[] = { 0x80, 0xfe, 0x3f8, 0xcf8, 0x70 };
	const char *s = gf_snips[fuzz_below(r, ARRAY_SIZE(gf_snips))];
	__u8 cr = crs[fuzz_below(r, ARRAY_SIZE(crs))];
	__u32 v = fuzz_chance(r, 50) ? fuzz_value(r) : fuzz_below(r, 0x8000);

	switch (fuzz_below(r, 16)) {
	case 0:		/* RDMSR or WRMSR of a chosen MSR */
		gf_mov(c, 1, gf_msr(r));
		gf_put2(c, 0x0f, fuzz_chance(r, 50) ? 0x32 : 0x30);
		break;
	case 1:		/* MOV to or from CR0, CR2, CR3, CR4 (not LA57) or CR8 */
		gf_mov(c, 0, fuzz_value(r) & (cr == 4 ? ~0x1000U : ~0U));
		if (cr == 8)
			gf_put(c, c->bits == 64 ? "\x44" : "\xf0", 1);
		gf_put2(c, 0x0f, fuzz_chance(r, 70) ? 0x22 : 0x20);
		gf_put(c, (__u8 []){ 0xc0 | (cr & 7) << 3 }, 1);
		break;
	case 2:		/* MOV to or from a debug register */
		gf_mov(c, 0, fuzz_value(r));
		gf_put2(c, 0x0f, fuzz_chance(r, 60) ? 0x23 : 0x21);
		gf_put(c, (__u8 []){ 0xc0 | fuzz_below(r, 8) << 3 }, 1);
		break;
	case 3:		/* SGDT, SIDT, LGDT or LIDT of random bytes */
		gf_mov(c, 0, GF_OPERANDS + fuzz_below(r, 240));
		gf_put(c, "\x0f\x01", 2);
		gf_put(c, (__u8 []){ fuzz_below(r, 4) << 3 }, 1);
		break;
	case 4:		/* a far JMP or CALL through memory */
		gf_mov(c, 0, GF_OPERANDS + fuzz_below(r, 240));
		gf_put2(c, 0xff, fuzz_chance(r, 50) ? 0x28 : 0x18);
		break;
	case 5:		/* a direct far JMP or CALL (#UD in 64-bit mode) */
		gf_put(c, fuzz_chance(r, 50) ? "\xea" : "\x9a", 1);
		gf_put(c, &v, c->bits == 16 ? 2 : 4);
		v = gf_sel(r);
		gf_put(c, &v, 2);
		break;
	case 6:		/* load ES, SS, DS, FS or GS */
		gf_mov(c, 0, gf_sel(r));
		gf_put2(c, 0x8e, 0xc0 | sregs[fuzz_below(r, 5)] << 3);
		break;
	case 7:		/* IN or OUT through DX */
		gf_mov(c, 2, fuzz_chance(r, 70) ?
			  ports[fuzz_below(r, ARRAY_SIZE(ports))] : v);
		gf_put(c, (__u8 []){ 0xec + fuzz_below(r, 4) }, 1);
		break;
	case 8:		/* IN or OUT of an immediate port, INT n */
		gf_put2(c, fuzz_chance(r, 30) ? 0xcd : 0xe4 + fuzz_below(r, 4),
			fuzz_below(r, 256));
		break;
	default:
		gf_put(c, s, strlen(s));
	}
}

/* 16 to 256 bytes, some share of them special instructions. */
static void gf_gen(struct fuzz_rng *r, struct gf_code *c, int bits)
{
	static const int pcts[] = { 0, 10, 30, 60 };
	int len = 16 + fuzz_below(r, 241);
	int pct = pcts[fuzz_below(r, ARRAY_SIZE(pcts))];
	__u8 b[8];
	int k;

	c->n = 0;
	c->bits = bits;
	while (c->n < len) {
		if (fuzz_chance(r, pct)) {
			gf_special(r, c);
			continue;
		}
		k = 1 + fuzz_below(r, 8);
		fuzz_bytes(r, b, k);
		gf_put(c, b, k);
	}
}

/* Memory and tables */

static void gf_write_idts(__u8 *m)
{
	__u64 *idt64 = (__u64 *)(m + VTX_IDT_GPA);
	__u64 *idt32 = (__u64 *)(m + GF_IDT32);
	__u32 *ivt = (__u32 *)m;
	__u64 off;
	int v;

	for (v = 0; v < 256; v++) {
		__u8 *stub = m + GF_REAL_STUBS + 8 * v;

		idt64[2 * v] |= 0x60ULL << 40;		/* DPL 3 */
		off = VTX_STUBS_GPA + 16 * v;		/* the library's */
		idt32[v] = (off & 0xffff) | 0x28 << 16 | 0xee00ULL << 32 | /* CS32 */
			   (off & 0xffff0000) << 32;
		/* mov $v, %al; out %al, $0xfd; hlt; jmp back to the hlt */
		memcpy(stub, "\xb0\x00\xe6\xfd\xf4\xeb\xfd\x90", 8);
		stub[1] = v;
		ivt[v] = GF_REAL_STUBS + 8 * v;
	}
}

static void gf_write_paging(__u8 *m)
{
	__u64 *pdpt = (__u64 *)(m + VTX_PDPT_GPA);
	__u64 *pd = (__u64 *)(m + VTX_PD_GPA);
	__u32 *pd32 = (__u32 *)(m + GF_PD32), *pt32 = (__u32 *)(m + GF_PT32);
	int i;

	/* User, accessed and dirty: CPL 3 runs, and no A/D updates. */
	*(__u64 *)(m + VTX_PML4_GPA) |= 0x24;
	for (i = 0; i < 4; i++)
		pdpt[i] |= 0x24;
	for (i = 0; i < 2048; i++)
		pd[i] |= 0x64;
	pd32[0] = GF_PT32 | 0x27;
	for (i = 1; i < 1024; i++)
		pd32[i] = (__u32)i << 22 | 0xe7;	/* 4 MiB with PSE */
	for (i = 0; i < 1024; i++)
		pt32[i] = (__u32)i << 12 | 0x67;
}

static int gf_write_tables(struct gf *g)
{
	__u8 *m = g->mem;
	__u64 rsp0 = VTX_STACK_TOP - 0x2000;
	int r = __vtx_vm_setup_long_mode(&g->vm);

	if (r)
		return r;
	memcpy(m + VTX_GDT_GPA + 0x28, &gf_gdt[5], sizeof(gf_gdt) - 0x28);
	gf_write_idts(m);
	gf_write_paging(m);
	memcpy(m + VTX_TSS_GPA + 4, &rsp0, 8);		/* 64-bit RSP0 */
	memcpy(m + GF_TSS32 + 4, &rsp0, 4);		/* ESP0, SS0 */
	*(__u32 *)(m + GF_TSS32 + 8) = VTX_SEL_DATA;
	memcpy(m + GF_PAD, "\xf4\xeb\xfd", 3);
	memcpy(g->pristine, m, GF_TABLES_END);
	return 0;
}

/* Put back the pages of tables that a guest wrote to. */
static void gf_restore_tables(struct gf *g)
{
	__u64 a;

	for (a = 0; a < GF_TABLES_END; a += 0x1000) {
		if (a && a < GF_TABLES)
			a = GF_TABLES;
		if (memcmp(g->mem + a, g->pristine + a, 0x1000))
			memcpy(g->mem + a, g->pristine + a, 0x1000);
	}
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

/* Why api.rst 5.3 says KVM_SET_SREGS refuses @s, or NULL. */
static const char *gf_sregs_refusal(const struct kvm_sregs *s)
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
static void gf_mode_sregs(struct gf *g, struct gf_vcpu *c,
			  struct kvm_sregs *s, bool user)
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
static void gf_sregs_mutate(struct fuzz_rng *r, struct kvm_sregs *s)
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

static int gf_set_sregs(struct gf *g, struct gf_vcpu *c,
			struct kvm_sregs *s, bool mutated)
{
	const char *why = gf_sregs_refusal(s);
	int r = fuzz_ioctl(g->st, c->v.fd, KVM_SET_SREGS, s);

	if (why && !r)
		gf_fail(g, "KVM_SET_SREGS took %s", why);
	else if (r && (r != -EINVAL || !mutated))
		gf_fail(g, "KVM_SET_SREGS of the %s state: %d",
			mutated ? "fuzzed" : "mode's", r);
	return r;
}

static void gf_set_regs(struct gf *g, struct gf_vcpu *c, __u64 rip)
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
}

/* KVM_GET_MSRS or KVM_SET_MSRS of one to four random MSRs. */
static void gf_msrs(struct gf *g, struct gf_vcpu *c)
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
	/* No guest reaches a state that api.rst lists as refused. */
	why = gf_sregs_refusal(&s);
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
	if (!hlt && !regs)
		return;
	r = fuzz_ioctl(g->st, fd, KVM_GET_REGS, &rg);
	if (r) {
		gf_fail(g, "KVM_GET_REGS: %d", r);
		return;
	}
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

/* Runs */

static void gf_timer(struct gf *g, long ns)
{
	struct itimerspec it = { .it_value.tv_nsec = ns };

	timer_settime(g->timer, 0, &it, NULL);
}

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
		gf_fail(g, "VMfail, VM-instruction error %llu; the vCPU's last exit %d",
			(unsigned long long)why, c->last);
	else if (prev >= 0 && !gf_bochs_la57(why))
		gf_fail(g, "VM entry failed (0x%llx) after exit %d",
			(unsigned long long)why, prev);
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
		gf_timer(g, GF_TIMER_NS);
	r = fuzz_run(g->st, c->v.fd, run, "guest");
	if (imm)
		run->immediate_exit = 0;
	else
		gf_timer(g, 0);
	c->called = true;
	if (r && r != -EFAULT && r != -EINTR) {
		g->dead = true;		/* EIO, ENOMEM: a new VM */
		return -2;
	}
	g->done++;
	g->vm_runs++;
	c->entered |= !imm;
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
	int n = 1 + fuzz_below(g->r, 4), prev;
	bool user, mutated = false;
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
	gf_set_regs(g, c, rip);
	if (fuzz_chance(g->r, 5))
		gf_msrs(g, c);
	if (fuzz_chance(g->r, 2))
		gf_cpuid_set(g, c);
	for (prev = -1; n-- && prev != -2;)
		prev = gf_run(g, c, prev);
}

static void gf_noop(int sig)
{
}

static int gf_timer_init(struct gf *g)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGALRM,
	};
	struct sigaction sa = { .sa_handler = gf_noop };  /* no SA_RESTART */
	sigset_t set;

	sev.sigev_notify_thread_id = gettid();
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	if (sigaction(SIGALRM, &sa, &g->old_sa))
		return -errno;
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (!timer_create(CLOCK_MONOTONIC, &sev, &g->timer))
		return 0;
	sigaction(SIGALRM, &g->old_sa, NULL);
	return -errno;
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
		err = g->pristine ? gf_timer_init(g) : -ENOMEM;
	}
	if (err) {
		fuzz_fail(st, "guest", "setting up: %s", strerror(-err));
		free(g ? g->pristine : NULL);
		free(g);
		return;
	}
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
	timer_delete(g->timer);
	sigaction(SIGALRM, &g->old_sa, NULL);
	free(g->pristine);
	free(g);
}
