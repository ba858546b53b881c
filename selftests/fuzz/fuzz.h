/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtx_fuzz: a bounded, seeded fuzzer of /dev/vtx, run inside the emulated
 * Intel host (make fuzz, and the emu-fuzz tier of make check).
 *
 *   main.c   batches, the seed, the checks after each batch (kernel log,
 *            fds, debugfs counts, rmmod), the TAP output
 *   rng.c    the generator: random and edge-case values
 *   ioctl.c  ioctl sequences on system, VM and vCPU fds
 *   race.c   a second thread racing KVM_RUN with slot changes and
 *            madvise/mprotect/munmap of guest memory; fork()
 *   guest.c  random instruction bytes and register state in real,
 *            protected and long mode; every exit must be a documented one
 *
 * Everything is derived from one 64-bit seed, so a failure replays with
 * SEED= (up to the timing of the racing thread).
 */
#ifndef VTX_FUZZ_H
#define VTX_FUZZ_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/kvm.h>
#include <linux/types.h>

#include "vtx_test.h"

struct fuzz_rng {
	__u64 state;
};

/* rng.c */
void fuzz_seed(struct fuzz_rng *r, __u64 seed);
__u64 fuzz_u64(struct fuzz_rng *r);
/* Uniform in [0, @n); 0 when @n is 0. */
__u64 fuzz_below(struct fuzz_rng *r, __u64 n);
/* True with probability @percent / 100. */
bool fuzz_chance(struct fuzz_rng *r, unsigned int percent);
/*
 * A value for a field of unknown meaning: uniform, or an edge (0, 1, ~0,
 * a power of two, one less or more than one, the sign bits of 8 to 64
 * bits, a page offset, a canonical boundary).
 */
__u64 fuzz_value(struct fuzz_rng *r);
void fuzz_bytes(struct fuzz_rng *r, void *buf, size_t len);

/* What a batch did, summed over the run. */
struct fuzz_stats {
	unsigned long ioctls;		/* every ioctl() made on a vtx fd */
	unsigned long runs;		/* KVM_RUN: 0, -EFAULT or -EINTR */
	unsigned long exits[64];	/* by kvm_run.exit_reason, 0 to 63 */
	unsigned long run_errno[256];	/* KVM_RUN failures by errno */
	unsigned long forks;
	unsigned long races;		/* racing-thread operations */
	unsigned long failures;		/* broken invariants */
};

/*
 * A broken invariant: print "# FAIL <where>: <message>" and count it.
 * The batch then fails; the run goes on.
 */
void fuzz_fail(struct fuzz_stats *st, const char *where, const char *fmt,
	       ...);

/*
 * Bound a KVM_RUN whose guest loops: fuzz_timer(ms) sends SIGALRM after
 * @ms (0 disarms), to a handler installed by fuzz_timer_init() without
 * SA_RESTART, so KVM_RUN returns -EINTR.
 */
void fuzz_timer_init(void);
void fuzz_timer(unsigned int ms);

/* The ioctl() wrapper every part uses: counts the call, returns -errno. */
int fuzz_ioctl(struct fuzz_stats *st, int fd, unsigned long cmd, void *arg);

/*
 * KVM_RUN on @vcpu_fd, counted, and checked against the documentation
 * (api.rst 5.1): the return is 0 or one of the listed errnos, and with 0
 * the exit reason is one of the listed exits. Returns the KVM_RUN result.
 */
int fuzz_run(struct fuzz_stats *st, int vcpu_fd, struct kvm_run *run,
	     const char *where);

/*
 * mutate.c: mutations of vCPU state, for ioctl.c and guest.c: flip one to four
 * bits; random XSTATE_BV, XCOMP_BV, MXCSR and register bytes of an XSAVE
 * area; random XCRs; random exception, interrupt, NMI, shadow and flags;
 * random debug registers; a KVM_SET_GUEST_DEBUG argument; random FPU
 * control words and registers.
 */
void fuzz_flip(struct fuzz_rng *r, void *buf, size_t len);
void fuzz_xsave_mutate(struct fuzz_rng *r, void *buf, size_t len);
void fuzz_xcrs_mutate(struct fuzz_rng *r, struct kvm_xcrs *x);
void fuzz_events_mutate(struct fuzz_rng *r, struct kvm_vcpu_events *e);
void fuzz_debugregs_mutate(struct fuzz_rng *r, struct kvm_debugregs *d);
void fuzz_guest_debug_arg(struct fuzz_rng *r, struct kvm_guest_debug *g);
void fuzz_fpu_mutate(struct fuzz_rng *r, struct kvm_fpu *f);

/*
 * Each part runs a batch with its own VMs and closes every fd and mapping
 * it opened before it returns.
 */
void fuzz_ioctls(struct fuzz_rng *r, struct fuzz_stats *st,
		 unsigned long calls);
void fuzz_race(struct fuzz_rng *r, struct fuzz_stats *st, unsigned long runs);
void fuzz_guest(struct fuzz_rng *r, struct fuzz_stats *st, unsigned long runs);
/*
 * stats_fd.c: KVM_GET_STATS_FD on @owner (a VM or vCPU fd), then random
 * reads of the file (some into @bad), seeks, a write and an mmap.
 */
void fuzz_stats_fd(struct fuzz_rng *r, struct fuzz_stats *st, int owner,
		   void *bad);

#endif /* VTX_FUZZ_H */
