/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest-side fuzzer's shared state (guest.c, guest_code.c,
 * guest_state.c): the guest-physical layout, the modes, the vCPU and VM
 * it runs.
 */
#ifndef VTX_FUZZ_GUEST_H
#define VTX_FUZZ_GUEST_H

#include "fuzz.h"
#include "vtx_test.h"

/*
 * The bound of one run. The emulated host's clock (Bochs' TSC) runs far
 * slower than Bochs executes: a guest that loops costs the host about a
 * second per 20 ms, and minutes if it modifies its own code.
 */
#define GF_TIMER_MS	2

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
/* api.rst 5.3's allow-list; OSXSAVE only with XSAVE in CPUID (5.10) */
#define GF_CR4_ALLOWED	0x371fffULL
#define GF_CR4_OSXSAVE	0x40000ULL
#define GF_CR4_SAFE	0x7cfULL	/* allowed bits every CPU has */
#define GF_RFLAGS_VALID	0x3f7fd7ULL
#define GF_RFLAGS_VM	0x20000ULL
#define GF_CPUID_MAX	64
#define GF_STEPS_MAX	32	/* KVM_EXIT_DEBUG runs a setup may add */

enum { GF_REAL, GF_VM86, GF_PROT16, GF_PROT32, GF_PROT32_PG, GF_COMPAT,
	GF_LONG, GF_NR_MODES };

#define GF_GDT_ENTRIES	11

struct gf_mode {
	const char *name;
	int bits;
	__u16 cs, cs3, ds;	/* selectors: CS at CPL 0 and 3, data */
	__u64 cr0, cr3, cr4, efer, idt;
};

extern const struct gf_mode gf_modes[GF_NR_MODES];
extern const __u64 gf_gdt[GF_GDT_ENTRIES];

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
	__u32 dbg;		/* KVM_SET_GUEST_DEBUG's control in effect */
	bool window;		/* request_interrupt_window for this run */
	char did[160];		/* what gf_between() did last in the setup */
	char exit_state[2][512]; /* registers and segments at the last exits */
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

/* guest.c */
void gf_dump(struct gf *g);

/* guest_code.c: the code and the tables it runs on */
__u32 gf_msr(struct fuzz_rng *r);
void gf_gen(struct fuzz_rng *r, struct gf_code *c, int bits);
int gf_write_tables(struct gf *g);
void gf_restore_tables(struct gf *g);

/* guest_state.c: registers, segments, MSRs */
const char *gf_sregs_refusal(const struct kvm_sregs *s, bool xsave);
bool gf_cpuid_xsave(const struct gf_vcpu *c);
void gf_mode_sregs(struct gf *g, struct gf_vcpu *c, struct kvm_sregs *s,
		   bool user);
void gf_sregs_mutate(struct fuzz_rng *r, struct kvm_sregs *s);
int gf_set_sregs(struct gf *g, struct gf_vcpu *c, struct kvm_sregs *s,
		 bool mutated);
int gf_set_regs(struct gf *g, struct gf_vcpu *c, __u64 rip);
void gf_msrs(struct gf *g, struct gf_vcpu *c);

#endif /* VTX_FUZZ_GUEST_H */
