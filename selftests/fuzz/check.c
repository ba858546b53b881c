// SPDX-License-Identifier: GPL-2.0
/*
 * What every part of the fuzzer checks on each call: ioctl() counted,
 * KVM_RUN's result and exit held to the documentation (api.rst 5.1).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "fuzz.h"

/* vtx's form of the MMIO exit (api.rst 5.1); not in Linux 6.1's kvm.h */
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT	39
#endif

void fuzz_fail(struct fuzz_stats *st, const char *where, const char *fmt, ...)
{
	va_list ap;

	st->failures++;
	printf("# FAIL %s: ", where);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void fuzz_alarm(int sig)
{
}

void fuzz_timer_init(void)
{
	struct sigaction sa = { .sa_handler = fuzz_alarm };

	sigaction(SIGALRM, &sa, NULL);
}

void fuzz_timer(unsigned int ms)
{
	struct itimerval t = { .it_value.tv_usec = ms * 1000 };

	setitimer(ITIMER_REAL, &t, NULL);
}

int fuzz_ioctl(struct fuzz_stats *st, int fd, unsigned long cmd, void *arg)
{
	int r;

	__atomic_add_fetch(&st->ioctls, 1, __ATOMIC_RELAXED);
	r = ioctl(fd, cmd, arg);
	return r < 0 ? -errno : r;
}

/* The exits api.rst 5.1 lists for KVM_RUN returning 0. */
static bool fuzz_exit_documented(const struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		/* String I/O: up to a page of data. */
		return (run->io.size == 1 || run->io.size == 2 ||
			run->io.size == 4) && run->io.count >= 1 &&
		       run->io.count * run->io.size <= 4096 &&
		       run->io.direction <= KVM_EXIT_IO_OUT &&
		       run->io.data_offset == 4096;
	case KVM_EXIT_MMIO:
		return (run->mmio.len == 1 || run->mmio.len == 2 ||
			run->mmio.len == 4 || run->mmio.len == 8) &&
		       run->mmio.is_write <= 1;
	case KVM_EXIT_DEBUG:
		/* KVM_SET_GUEST_DEBUG: a #DB (step, hardware breakpoint), a #BP */
		return run->debug.arch.exception == 1 ||
		       run->debug.arch.exception == 3;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_HLT:
	case KVM_EXIT_SHUTDOWN:
	case KVM_EXIT_FAIL_ENTRY:
	case KVM_EXIT_MEMORY_FAULT:
		return true;
	case KVM_EXIT_INTERNAL_ERROR:
		return run->internal.suberror ==
			       KVM_INTERNAL_ERROR_EMULATION ||
		       run->internal.suberror ==
			       KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	default:
		return false;
	}
}

int fuzz_run(struct fuzz_stats *st, int vcpu_fd, struct kvm_run *run,
	     const char *where)
{
	int r = fuzz_ioctl(st, vcpu_fd, KVM_RUN, NULL);

	/* A guest run: KVM_RUN went to the guest, or tried to. */
	if (!r || r == -EFAULT || r == -EINTR)
		__atomic_add_fetch(&st->runs, 1, __ATOMIC_RELAXED);
	if (!r) {
		__atomic_add_fetch(&st->exits[run->exit_reason & 63], 1,
				   __ATOMIC_RELAXED);
		if (run->exit_reason == KVM_EXIT_FAIL_ENTRY &&
		    st->exits[KVM_EXIT_FAIL_ENTRY] <= 5)
			printf("# %s: KVM_EXIT_FAIL_ENTRY, reason 0x%llx\n", where,
			       (unsigned long long)
			       run->fail_entry.hardware_entry_failure_reason);
		/* VMfail means vtx wrote a control field VM entry refused. */
		if (run->exit_reason == KVM_EXIT_FAIL_ENTRY &&
		    !(run->fail_entry.hardware_entry_failure_reason &
		      0x80000000ULL))
			fuzz_fail(st, where, "VMfail %llu: an invalid VMCS field",
				  (unsigned long long)
				  run->fail_entry.hardware_entry_failure_reason);
		if (run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
		    vtx_memory_fault(run)->size)
			fuzz_fail(st, where, "memory fault exit with size %llu",
				  (unsigned long long)vtx_memory_fault(run)->size);
		if (!fuzz_exit_documented(run))
			fuzz_fail(st, where, "KVM_RUN 0 with exit %u (io %u/%u/%u) not in api.rst",
				  run->exit_reason, run->io.size,
				  run->io.count, run->io.direction);
		return 0;
	}
	__atomic_add_fetch(&st->run_errno[-r & 255], 1, __ATOMIC_RELAXED);
	switch (-r) {
	case EINTR:
		/* a signal, immediate_exit, or a fatal signal during GUP */
		if (run->exit_reason != KVM_EXIT_INTR)
			fuzz_fail(st, where, "KVM_RUN -EINTR with exit %u",
				  run->exit_reason);
		break;
	case EFAULT:
		/* the page the VMM's mapping does not allow (api.rst 5.1) */
		if (run->exit_reason != KVM_EXIT_MEMORY_FAULT ||
		    vtx_memory_fault(run)->size != 4096 ||
		    vtx_memory_fault(run)->gpa & 4095)
			fuzz_fail(st, where, "KVM_RUN -EFAULT with exit %u, gpa 0x%llx size %llu",
				  run->exit_reason,
				  (unsigned long long)vtx_memory_fault(run)->gpa,
				  (unsigned long long)vtx_memory_fault(run)->size);
		break;
	case EIO:		/* a dead vCPU (its MSR lists were full) */
	case ENOMEM:
	case EHWPOISON:
	case EINVAL:		/* a non-zero argument; not made here */
		break;
	default:
		fuzz_fail(st, where, "KVM_RUN returned %d, not in api.rst", r);
	}
	return r;
}
