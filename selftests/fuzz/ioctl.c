// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl sequences: a pool of system, VM and vCPU fds and of user memory,
 * and at each step one action on a random member: every ioctl vtx
 * answers, with arguments that are random, edge values, or pointers that
 * are NULL, unaligned, kernel, unmapped, read-only or straddle a guard
 * page; random ioctl numbers; mmap of vCPU fds; memory slots over the
 * pool's memory, overlapping, unaligned or huge; fds closed in the middle
 * of it all. Nothing is expected of the results except what api.rst
 * promises for KVM_RUN (fuzz_run()); the kernel must survive, which the
 * checks after each batch see.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vtx.h>

#include "fuzz.h"

#define POOL		8
#define BUF_PAGES	4
#define PAGE		4096UL
#define MEM_SIZE	(2UL << 20)

struct fuzz_vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

struct fuzz_pool {
	int sys[POOL];
	int vm[POOL];
	struct fuzz_vcpu vcpu[POOL];
	void *mem[POOL];
	/* the argument buffer; ro is read-only, guard is PROT_NONE */
	unsigned char *buf;
	unsigned char *ro;
	unsigned char *guard;
	int mmap_size;
};

/* ioctls on the system fd */
static const unsigned long fuzz_sys_cmds[] = {
	KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION,
	KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID,
	KVM_GET_MSR_INDEX_LIST, VTX_GET_CAPABILITIES,
};

/* ioctls on a VM fd */
static const unsigned long fuzz_vm_cmds[] = {
	KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, KVM_CHECK_EXTENSION,
	VTX_SET_SPEC_CTRL_POLICY, VTX_GET_SPEC_CTRL_POLICY,
	KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR, KVM_GET_STATS_FD,
};

/* ioctls on a vCPU fd */
static const unsigned long fuzz_vcpu_cmds[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_GET_MSRS, KVM_SET_MSRS, KVM_SET_CPUID2, KVM_GET_CPUID2,
	VTX_GET_SPEC_CTRL_STATE, VTX_GET_VCPU_STATS,
	KVM_INTERRUPT, KVM_NMI, KVM_SET_SIGNAL_MASK, KVM_GET_TSC_KHZ,
	KVM_SET_TSC_KHZ, KVM_GET_FPU, KVM_SET_FPU, KVM_GET_XSAVE,
	KVM_SET_XSAVE, KVM_GET_XSAVE2, KVM_GET_XCRS, KVM_SET_XCRS,
	KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, KVM_GET_MP_STATE,
	KVM_SET_MP_STATE, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS,
	KVM_SET_GUEST_DEBUG, KVM_GET_STATS_FD,
};

/* MSRs worth aiming at: the ones vtx handles, and neighbours */
static const __u32 fuzz_msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0x10a, 0x122, 0x174, 0x175,
	0x176, 0x277, 0x480, 0x6e0, 0xc0000080, 0xc0000081, 0xc0000082,
	0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102,
	0xc0000103, 0x4b564d00, 0xffffffff,
};

static int *fuzz_pick_fd(struct fuzz_rng *r, int *fds)
{
	return &fds[fuzz_below(r, POOL)];
}

/* A pointer argument: mostly the buffer, sometimes a bad one. */
static void *fuzz_ptr(struct fuzz_rng *r, struct fuzz_pool *p)
{
	switch (fuzz_below(r, 16)) {
	case 0:
		return NULL;
	case 1:
		return p->buf + 1 + fuzz_below(r, 7);
	case 2:
		return (void *)0xffff888000000000UL;
	case 3:
		return p->guard;
	case 4:
		return p->ro;
	case 5:
		/* the struct runs into the guard page */
		return p->guard - 1 - fuzz_below(r, 64);
	case 6:
		return (void *)(unsigned long)fuzz_value(r);
	default:
		return p->buf;
	}
}

/* Fill the buffer: random bytes, or small and edge values per word. */
static void fuzz_fill(struct fuzz_rng *r, struct fuzz_pool *p, size_t len)
{
	__u64 *w = (__u64 *)p->buf;
	size_t i;

	if (fuzz_chance(r, 30)) {
		fuzz_bytes(r, p->buf, len);
		return;
	}
	memset(p->buf, 0, len);
	for (i = 0; i < len / 8; i++)
		if (fuzz_chance(r, 40))
			w[i] = fuzz_value(r);
}

/* A count header (kvm_cpuid2, kvm_msrs, kvm_msr_list): nent/nmsrs. */
static void fuzz_count(struct fuzz_rng *r, struct fuzz_pool *p)
{
	static const __u32 counts[] = { 0, 1, 2, 63, 255, 256, 257, 0x7fffffff,
					0x80000000, 0xffffffff };
	__u32 n = fuzz_chance(r, 50) ? counts[fuzz_below(r, ARRAY_SIZE(counts))]
				     : (__u32)fuzz_below(r, 300);

	memcpy(p->buf, &n, sizeof(n));
}

static void fuzz_msrs_arg(struct fuzz_rng *r, struct fuzz_pool *p)
{
	struct kvm_msrs *m = (struct kvm_msrs *)p->buf;
	size_t room = (BUF_PAGES * PAGE - sizeof(*m)) / sizeof(m->entries[0]);
	__u32 i, n = fuzz_below(r, 12);

	if (fuzz_chance(r, 10)) {
		fuzz_count(r, p);
		return;
	}
	m->nmsrs = n;
	m->pad = fuzz_chance(r, 90) ? 0 : fuzz_value(r);
	for (i = 0; i < n && i < room; i++) {
		m->entries[i].index = fuzz_chance(r, 80) ?
			fuzz_msrs[fuzz_below(r, ARRAY_SIZE(fuzz_msrs))] :
			(__u32)fuzz_value(r);
		m->entries[i].reserved = fuzz_chance(r, 90) ? 0 : 1;
		m->entries[i].data = fuzz_value(r);
	}
}

static void fuzz_cpuid_arg(struct fuzz_rng *r, struct fuzz_pool *p)
{
	struct kvm_cpuid2 *c = (struct kvm_cpuid2 *)p->buf;
	__u32 i, n = fuzz_below(r, 40);

	if (fuzz_chance(r, 15)) {
		fuzz_count(r, p);
		return;
	}
	c->nent = n;
	for (i = 0; i < n; i++) {
		c->entries[i].function = fuzz_chance(r, 70) ?
			(__u32)fuzz_below(r, 16) | (fuzz_chance(r, 50) ?
						    0x80000000 : 0) :
			(__u32)fuzz_value(r);
		c->entries[i].index = fuzz_below(r, 4);
		c->entries[i].flags = fuzz_below(r, 8);
		c->entries[i].eax = fuzz_value(r);
		c->entries[i].ebx = fuzz_value(r);
		c->entries[i].ecx = fuzz_value(r);
		c->entries[i].edx = fuzz_value(r);
	}
}

/* A memory region: over pool memory, sometimes overlapping or wild. */
static void fuzz_region_arg(struct fuzz_rng *r, struct fuzz_pool *p)
{
	struct kvm_userspace_memory_region *m = (void *)p->buf;
	void *mem = p->mem[fuzz_below(r, POOL)];
	__u64 pages = MEM_SIZE / PAGE;

	memset(m, 0, sizeof(*m));
	m->slot = fuzz_chance(r, 80) ? fuzz_below(r, 6) : (__u32)fuzz_value(r);
	m->flags = fuzz_chance(r, 70) ? 0 : fuzz_chance(r, 70) ?
		   KVM_MEM_READONLY : (__u32)fuzz_value(r);
	m->guest_phys_addr = fuzz_chance(r, 70) ? fuzz_below(r, 8) * MEM_SIZE +
				fuzz_below(r, pages) * PAGE : fuzz_value(r);
	m->memory_size = fuzz_chance(r, 15) ? 0 : fuzz_chance(r, 70) ?
			 (1 + fuzz_below(r, pages)) * PAGE : fuzz_value(r);
	if (mem && fuzz_chance(r, 85))
		m->userspace_addr = (unsigned long)mem +
				    fuzz_below(r, pages) * PAGE;
	else
		m->userspace_addr = fuzz_value(r);
	if (fuzz_chance(r, 5))
		m->guest_phys_addr |= fuzz_below(r, PAGE);
}

/* KVM_SET_IDENTITY_MAP_ADDR's __u64: page aligned or not, near 4 GiB. */
static void fuzz_addr_arg(struct fuzz_rng *r, struct fuzz_pool *p)
{
	__u64 a = fuzz_chance(r, 50) ? 0xfeffc000ULL +
		  (fuzz_below(r, 16) << 12) : fuzz_value(r);

	if (fuzz_chance(r, 10))
		a |= fuzz_below(r, PAGE);
	memcpy(p->buf, &a, sizeof(a));
}

/* Fill the argument of @cmd; return the pointer to pass. */
static void *fuzz_arg(struct fuzz_rng *r, struct fuzz_pool *p,
		      unsigned long cmd)
{
	fuzz_fill(r, p, 1024);
	switch (cmd) {
	case KVM_GET_SUPPORTED_CPUID:
	case KVM_GET_CPUID2:
	case KVM_GET_MSR_INDEX_LIST:
		fuzz_count(r, p);
		break;
	case KVM_SET_CPUID2:
		fuzz_cpuid_arg(r, p);
		break;
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		fuzz_msrs_arg(r, p);
		break;
	case KVM_SET_USER_MEMORY_REGION:
		fuzz_region_arg(r, p);
		break;
	case KVM_SET_IDENTITY_MAP_ADDR:
		fuzz_addr_arg(r, p);
		break;
	case KVM_SET_TSS_ADDR: {
		/* by value: around KVM's limit of 0xffffd000 */
		static const unsigned long tss[] = {
			0, 0xfeffd000, 0xfffbd000, 0xffffc000, 0xffffcfff,
			0xffffd000, 0xffffd001, 0xffffe000, 0xfffff000,
			0x100000000UL,
		};

		return (void *)(fuzz_chance(r, 60) ?
				tss[fuzz_below(r, ARRAY_SIZE(tss))] :
				(unsigned long)fuzz_value(r));
	}
	case KVM_CREATE_VM:
	case KVM_CREATE_VCPU:
	case KVM_CHECK_EXTENSION:
		/* by value */
		return (void *)(unsigned long)(fuzz_chance(r, 60) ?
					       fuzz_below(r, 260) :
					       fuzz_value(r));
	case KVM_RUN:
	case KVM_GET_API_VERSION:
	case KVM_GET_VCPU_MMAP_SIZE:
		if (fuzz_chance(r, 90))
			return NULL;
		return (void *)(unsigned long)fuzz_value(r);
	}
	return fuzz_chance(r, 85) ? p->buf : fuzz_ptr(r, p);
}

/* The XSAVE buffer KVM_GET_XSAVE2 needs: KVM_CAP_XSAVE2, or 4096. */
static size_t fuzz_xsave2_size(struct fuzz_stats *st, int fd)
{
	int n = fuzz_ioctl(st, fd, KVM_CHECK_EXTENSION,
			   (void *)(unsigned long)KVM_CAP_XSAVE2);

	return n > (int)sizeof(struct kvm_xsave) ? (size_t)n :
						   sizeof(struct kvm_xsave);
}

/* KVM_SET_SIGNAL_MASK: len 8 or not; never blocking the run's SIGALRM. */
static void *fuzz_sigmask_arg(struct fuzz_rng *r, struct fuzz_pool *p)
{
	struct kvm_signal_mask *m = (void *)p->buf;
	static const __u32 lens[] = { 0, 1, 4, 7, 9, 16, 128, 0xffffffff };
	__u64 set = fuzz_chance(r, 50) ? 0 : fuzz_u64(r);

	set &= ~(1ULL << (SIGALRM - 1));
	m->len = fuzz_chance(r, 80) ? 8 : lens[fuzz_below(r, ARRAY_SIZE(lens))];
	memcpy(m->sigset, &set, sizeof(set));
	/* bad pointers, but none where a mask blocking SIGALRM could be */
	switch (fuzz_below(r, 16)) {
	case 0:
	case 1:
		return NULL;
	case 2:
		return (void *)0xffff888000000000UL;
	case 3:
		return p->guard;
	case 4:
		return p->ro;
	case 5:
		return p->guard - 4 - fuzz_below(r, 8);
	case 6:
		return (void *)(unsigned long)fuzz_value(r);
	default:
		return p->buf;
	}
}

/*
 * The state a SET of @set takes: random bytes (fuzz_fill()), or what @get
 * returned on the same fd, changed by @mutate. @len bytes.
 */
static void fuzz_from_get(struct fuzz_rng *r, struct fuzz_stats *st,
			  struct fuzz_pool *p, int fd, unsigned long get,
			  size_t len, void (*mutate)(struct fuzz_rng *, void *))
{
	if (fuzz_chance(r, 30))
		return;
	memset(p->buf, 0, len);
	if (fuzz_ioctl(st, fd, get, p->buf) < 0 && fuzz_chance(r, 50))
		return;
	if (mutate)
		mutate(r, p->buf);
	if (fuzz_chance(r, 30))
		fuzz_flip(r, p->buf, len);
}

static void fuzz_xcrs_mut(struct fuzz_rng *r, void *b)
{
	fuzz_xcrs_mutate(r, b);
}

static void fuzz_events_mut(struct fuzz_rng *r, void *b)
{
	fuzz_events_mutate(r, b);
}

static void fuzz_debugregs_mut(struct fuzz_rng *r, void *b)
{
	fuzz_debugregs_mutate(r, b);
}

static void fuzz_xsave_mut(struct fuzz_rng *r, void *b)
{
	fuzz_xsave_mutate(r, b, sizeof(struct kvm_xsave));
}

static void fuzz_fpu_mut(struct fuzz_rng *r, void *b)
{
	fuzz_fpu_mutate(r, b);
}

/*
 * The argument of a vCPU ioctl added with the event and state ioctls, or
 * NULL with *@done false for the others (fuzz_arg()).
 */
static void *fuzz_vcpu_state_arg(struct fuzz_rng *r, struct fuzz_stats *st,
				 struct fuzz_pool *p, int fd,
				 unsigned long cmd, bool *done)
{
	static const __u32 irqs[] = { 0, 2, 31, 32, 255, 256, 257, 0x7fffffff,
				      0x80000000, 0xffffffff };
	int khz;

	*done = true;
	fuzz_fill(r, p, BUF_PAGES * PAGE);
	switch (cmd) {
	case KVM_NMI:
	case KVM_GET_TSC_KHZ:
		/* no argument */
		return fuzz_chance(r, 90) ? NULL : fuzz_ptr(r, p);
	case KVM_SET_TSC_KHZ:
		/* by value: 0, the host's rate, next to it, anything */
		khz = fuzz_ioctl(st, fd, KVM_GET_TSC_KHZ, NULL);
		switch (fuzz_below(r, 4)) {
		case 0:
			return NULL;
		case 1:
			return (void *)(long)khz;
		case 2:
			return (void *)(long)(khz + (int)fuzz_below(r, 3) - 1);
		default:
			return (void *)(unsigned long)fuzz_value(r);
		}
	case KVM_INTERRUPT: {
		__u32 irq = fuzz_chance(r, 60) ? fuzz_below(r, 256) :
			    irqs[fuzz_below(r, ARRAY_SIZE(irqs))];

		memcpy(p->buf, &irq, sizeof(irq));
		break;
	}
	case KVM_SET_SIGNAL_MASK:
		return fuzz_sigmask_arg(r, p);
	case KVM_SET_FPU:
		fuzz_from_get(r, st, p, fd, KVM_GET_FPU,
			      sizeof(struct kvm_fpu), fuzz_fpu_mut);
		break;
	case KVM_SET_XSAVE:
		fuzz_from_get(r, st, p, fd, KVM_GET_XSAVE,
			      sizeof(struct kvm_xsave), fuzz_xsave_mut);
		break;
	case KVM_GET_XSAVE2:
		/* the size KVM_CAP_XSAVE2 gives, running into the guard */
		if (fuzz_chance(r, 20) &&
		    fuzz_xsave2_size(st, fd) <= BUF_PAGES * PAGE)
			return p->ro - fuzz_xsave2_size(st, fd) +
			       fuzz_below(r, 64);
		break;
	case KVM_SET_XCRS:
		fuzz_from_get(r, st, p, fd, KVM_GET_XCRS,
			      sizeof(struct kvm_xcrs), fuzz_xcrs_mut);
		break;
	case KVM_SET_VCPU_EVENTS:
		fuzz_from_get(r, st, p, fd, KVM_GET_VCPU_EVENTS,
			      sizeof(struct kvm_vcpu_events), fuzz_events_mut);
		break;
	case KVM_SET_MP_STATE: {
		__u32 mp = fuzz_chance(r, 80) ? fuzz_below(r, 10) :
			   (__u32)fuzz_value(r);

		memcpy(p->buf, &mp, sizeof(mp));
		break;
	}
	case KVM_SET_DEBUGREGS:
		fuzz_from_get(r, st, p, fd, KVM_GET_DEBUGREGS,
			      sizeof(struct kvm_debugregs), fuzz_debugregs_mut);
		break;
	case KVM_SET_GUEST_DEBUG:
		if (fuzz_chance(r, 80))
			fuzz_guest_debug_arg(r, (void *)p->buf);
		break;
	case KVM_GET_FPU:
	case KVM_GET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_GET_VCPU_EVENTS:
	case KVM_GET_MP_STATE:
	case KVM_GET_DEBUGREGS:
		break;
	default:
		*done = false;
		return NULL;
	}
	return fuzz_chance(r, 85) ? p->buf : fuzz_ptr(r, p);
}

static void fuzz_keep(int *fds, int fd)
{
	int i;

	for (i = 0; i < POOL; i++)
		if (fds[i] < 0) {
			fds[i] = fd;
			return;
		}
	close(fd);
}

static void fuzz_vcpu_close(struct fuzz_vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	v->run = NULL;
}

static void fuzz_keep_vcpu(struct fuzz_pool *p, int fd)
{
	int i;

	for (i = 0; i < POOL; i++)
		if (p->vcpu[i].fd < 0) {
			p->vcpu[i].fd = fd;
			p->vcpu[i].run_size = p->mmap_size;
			p->vcpu[i].run = mmap(NULL, p->mmap_size,
					      PROT_READ | PROT_WRITE,
					      MAP_SHARED, fd, 0);
			if (p->vcpu[i].run == MAP_FAILED)
				p->vcpu[i].run = NULL;
			return;
		}
	close(fd);
}

static void fuzz_on_sys(struct fuzz_rng *r, struct fuzz_stats *st,
			struct fuzz_pool *p)
{
	int fd = *fuzz_pick_fd(r, p->sys);
	unsigned long cmd = fuzz_sys_cmds[fuzz_below(r, ARRAY_SIZE(fuzz_sys_cmds))];
	int ret;

	if (fd < 0)
		return;
	ret = fuzz_ioctl(st, fd, cmd, fuzz_arg(r, p, cmd));
	if (cmd == KVM_CREATE_VM && ret >= 0)
		fuzz_keep(p->vm, ret);
	if (cmd == KVM_GET_VCPU_MMAP_SIZE && ret > 0)
		p->mmap_size = ret;
}

static void fuzz_on_vm(struct fuzz_rng *r, struct fuzz_stats *st,
		       struct fuzz_pool *p)
{
	int fd = *fuzz_pick_fd(r, p->vm);
	unsigned long cmd = fuzz_vm_cmds[fuzz_below(r, ARRAY_SIZE(fuzz_vm_cmds))];
	int ret;

	if (fd < 0)
		return;
	if (cmd == KVM_GET_STATS_FD) {
		fuzz_stats_fd(r, st, fd, fuzz_ptr(r, p));
		return;
	}
	ret = fuzz_ioctl(st, fd, cmd, fuzz_arg(r, p, cmd));
	if (cmd == KVM_CREATE_VCPU && ret >= 0)
		fuzz_keep_vcpu(p, ret);
}

/*
 * A failed VM entry is a documented exit, but each one shows a state
 * KVM_SET_SREGS or KVM_SET_REGS let through: show the first few.
 */
static void fuzz_show_state(struct fuzz_stats *st, int fd)
{
	static const char *const names[] = { "cs", "ds", "es", "fs", "gs",
					      "ss", "tr", "ldt" };
	struct kvm_segment *segs[8];
	struct kvm_sregs s;
	struct kvm_regs g;
	unsigned int i;

	if (st->exits[KVM_EXIT_FAIL_ENTRY] > 5 ||
	    fuzz_ioctl(st, fd, KVM_GET_SREGS, &s) ||
	    fuzz_ioctl(st, fd, KVM_GET_REGS, &g))
		return;
	printf("#   rip 0x%llx rflags 0x%llx cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx\n",
	       g.rip, g.rflags, s.cr0, s.cr3, s.cr4, s.efer);
	segs[0] = &s.cs;
	segs[1] = &s.ds;
	segs[2] = &s.es;
	segs[3] = &s.fs;
	segs[4] = &s.gs;
	segs[5] = &s.ss;
	segs[6] = &s.tr;
	segs[7] = &s.ldt;
	for (i = 0; i < 8; i++) {
		printf("#   %s sel 0x%x base 0x%llx limit 0x%x type %u s %u",
		       names[i], segs[i]->selector, segs[i]->base,
		       segs[i]->limit, segs[i]->type, segs[i]->s);
		printf(" dpl %u p %u db %u l %u g %u unusable %u\n",
		       segs[i]->dpl, segs[i]->present, segs[i]->db,
		       segs[i]->l, segs[i]->g, segs[i]->unusable);
	}
	printf("#   gdt 0x%llx/0x%x idt 0x%llx/0x%x\n", s.gdt.base, s.gdt.limit,
	       s.idt.base, s.idt.limit);
}

static void fuzz_on_vcpu(struct fuzz_rng *r, struct fuzz_stats *st,
			 struct fuzz_pool *p)
{
	struct fuzz_vcpu *v = &p->vcpu[fuzz_below(r, POOL)];
	unsigned long cmd;
	bool done;
	void *arg;

	if (v->fd < 0)
		return;
	cmd = fuzz_vcpu_cmds[fuzz_below(r, ARRAY_SIZE(fuzz_vcpu_cmds))];
	if (cmd == KVM_GET_STATS_FD) {
		fuzz_stats_fd(r, st, v->fd, fuzz_ptr(r, p));
		return;
	}
	arg = fuzz_vcpu_state_arg(r, st, p, v->fd, cmd, &done);
	if (!done)
		arg = fuzz_arg(r, p, cmd);
	if (cmd == KVM_RUN && !arg && v->run) {
		if (fuzz_chance(r, 10))
			v->run->immediate_exit = 1;
		if (fuzz_chance(r, 20))
			v->run->request_interrupt_window = 1;
		fuzz_timer(5 + fuzz_below(r, 20));
		if (!fuzz_run(st, v->fd, v->run, "ioctl KVM_RUN") &&
		    v->run->exit_reason == KVM_EXIT_FAIL_ENTRY)
			fuzz_show_state(st, v->fd);
		fuzz_timer(0);
		v->run->immediate_exit = 0;
		v->run->request_interrupt_window = 0;
		return;
	}
	if (cmd == KVM_RUN)
		fuzz_timer(20);
	fuzz_ioctl(st, v->fd, cmd, arg);
	if (cmd == KVM_RUN)
		fuzz_timer(0);
}

/* An ioctl number vtx does not answer, or answers on another fd. */
static void fuzz_on_any(struct fuzz_rng *r, struct fuzz_stats *st,
			struct fuzz_pool *p)
{
	int *fds[] = { p->sys, p->vm };
	unsigned long cmd, nr = fuzz_below(r, 256);
	unsigned long size = fuzz_below(r, 1 << 14);
	unsigned long dir = fuzz_below(r, 4);
	int fd;

	if (fuzz_chance(r, 34))
		fd = p->vcpu[fuzz_below(r, POOL)].fd;
	else
		fd = *fuzz_pick_fd(r, fds[fuzz_below(r, 2)]);
	if (fd < 0)
		return;
	switch (fuzz_below(r, 4)) {
	case 0:
		cmd = _IOC(dir, KVMIO, nr, size);
		break;
	case 1:
		cmd = _IOC(dir, VTXIO, nr, size);
		break;
	case 2:
		/* a known command on the wrong kind of fd */
		cmd = fuzz_vcpu_cmds[fuzz_below(r, ARRAY_SIZE(fuzz_vcpu_cmds))];
		/* no random signal mask: it could block the run's SIGALRM */
		if (cmd == KVM_RUN || cmd == KVM_SET_SIGNAL_MASK)
			return;
		/* a VM fd answers it too, with a file to read and close */
		if (cmd == KVM_GET_STATS_FD) {
			fuzz_stats_fd(r, st, fd, fuzz_ptr(r, p));
			return;
		}
		break;
	default:
		cmd = fuzz_u64(r) & 0xffffffff;
	}
	fuzz_fill(r, p, BUF_PAGES * PAGE);
	fuzz_ioctl(st, fd, cmd, fuzz_chance(r, 80) ? p->buf : fuzz_ptr(r, p));
}

static sigjmp_buf fuzz_touch_env;

static void fuzz_sigbus(int sig)
{
	siglongjmp(fuzz_touch_env, 1);
}

/*
 * Read the first byte of a mapping of a vCPU fd: a page beyond what the
 * fd offers is SIGBUS, as in KVM, which ends the read and nothing else.
 */
static void fuzz_touch(unsigned char *m)
{
	struct sigaction sa = { .sa_handler = fuzz_sigbus }, old;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(fuzz_touch_env, 1))
		(void)__atomic_load_n(m, __ATOMIC_RELAXED);
	sigaction(SIGBUS, &old, NULL);
}

/* mmap a vCPU fd at a random offset, size and protection, then unmap. */
static void fuzz_on_mmap(struct fuzz_rng *r, struct fuzz_pool *p)
{
	struct fuzz_vcpu *v = &p->vcpu[fuzz_below(r, POOL)];
	int fd = fuzz_chance(r, 80) ? v->fd : *fuzz_pick_fd(r, p->vm);
	size_t len = (1 + fuzz_below(r, 4)) * PAGE;
	off_t off = fuzz_chance(r, 80) ? (off_t)(fuzz_below(r, 4) * PAGE) :
				       (off_t)(fuzz_value(r) & ~(PAGE - 1));
	int prot = fuzz_below(r, 8);
	void *m;

	if (fd < 0)
		return;
	m = mmap(NULL, len, prot, fuzz_chance(r, 80) ? MAP_SHARED : MAP_PRIVATE,
		 fd, off);
	if (m == MAP_FAILED)
		return;
	if (prot & PROT_READ)
		fuzz_touch(m);
	munmap(m, len);
}

static void fuzz_on_close(struct fuzz_rng *r, struct fuzz_pool *p)
{
	int *fd;

	switch (fuzz_below(r, 3)) {
	case 0:
		fd = fuzz_pick_fd(r, p->sys);
		break;
	case 1:
		fd = fuzz_pick_fd(r, p->vm);
		break;
	default:
		fuzz_vcpu_close(&p->vcpu[fuzz_below(r, POOL)]);
		return;
	}
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Remap, unmap or protect one pool mapping: slots may point at it. */
static void fuzz_on_memory(struct fuzz_rng *r, struct fuzz_pool *p)
{
	void **mem = &p->mem[fuzz_below(r, POOL)];
	static const int prots[] = { PROT_NONE, PROT_READ,
				     PROT_READ | PROT_WRITE };

	if (!*mem) {
		*mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (*mem == MAP_FAILED)
			*mem = NULL;
		return;
	}
	switch (fuzz_below(r, 4)) {
	case 0:
		munmap(*mem, MEM_SIZE);
		*mem = NULL;
		break;
	case 1:
		mprotect(*mem, MEM_SIZE, prots[fuzz_below(r, 3)]);
		break;
	case 2:
		madvise(*mem, MEM_SIZE, MADV_DONTNEED);
		break;
	default:
		mprotect(*mem, MEM_SIZE, PROT_READ | PROT_WRITE);
		fuzz_bytes(r, *mem, PAGE);
	}
}

static int fuzz_pool_init(struct fuzz_pool *p)
{
	unsigned char *m;
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < POOL; i++) {
		p->sys[i] = -1;
		p->vm[i] = -1;
		p->vcpu[i].fd = -1;
	}
	/* buf: BUF_PAGES pages, then a read-only page, then a guard page */
	m = mmap(NULL, (BUF_PAGES + 2) * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	p->buf = m;
	p->ro = m + BUF_PAGES * PAGE;
	p->guard = p->ro + PAGE;
	mprotect(p->ro, PAGE, PROT_READ);
	mprotect(p->guard, PAGE, PROT_NONE);
	p->mmap_size = 3 * PAGE;
	return 0;
}

static void fuzz_pool_free(struct fuzz_pool *p)
{
	int i;

	for (i = 0; i < POOL; i++) {
		fuzz_vcpu_close(&p->vcpu[i]);
		if (p->vm[i] >= 0)
			close(p->vm[i]);
		if (p->sys[i] >= 0)
			close(p->sys[i]);
		if (p->mem[i])
			munmap(p->mem[i], MEM_SIZE);
	}
	munmap(p->buf, (BUF_PAGES + 2) * PAGE);
}

/**
 * fuzz_ioctls() - @calls random ioctl steps over a pool of fds
 * @r: the generator
 * @st: the counts
 * @calls: how many ioctl() calls to make, at least
 */
void fuzz_ioctls(struct fuzz_rng *r, struct fuzz_stats *st,
		 unsigned long calls)
{
	unsigned long end = st->ioctls + calls;
	struct fuzz_pool p;
	int fd;

	if (fuzz_pool_init(&p)) {
		fuzz_fail(st, "ioctl", "no memory for the pool");
		return;
	}
	fuzz_timer_init();
	while (st->ioctls < end) {
		switch (fuzz_below(r, 20)) {
		case 0:
			fd = open("/dev/vtx", O_RDWR | O_CLOEXEC);
			if (fd >= 0)
				fuzz_keep(p.sys, fd);
			break;
		case 1:
			fuzz_on_close(r, &p);
			break;
		case 2:
			fuzz_on_mmap(r, &p);
			break;
		case 3:
			fuzz_on_memory(r, &p);
			break;
		case 4:
		case 5:
			fuzz_on_sys(r, st, &p);
			break;
		case 6:
		case 7:
		case 8:
		case 9:
			fuzz_on_vm(r, st, &p);
			break;
		case 10:
		case 11:
			fuzz_on_any(r, st, &p);
			break;
		default:
			fuzz_on_vcpu(r, st, &p);
		}
	}
	fuzz_pool_free(&p);
}
