// SPDX-License-Identifier: GPL-2.0
/*
 * Signals and clocks for the tests that interrupt KVM_RUN.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "vtx_test.h"

static void noop_handler(int sig)
{
}

/*
 * Without SA_RESTART, a signal that arrives during KVM_RUN makes it fail
 * with EINTR instead of being restarted by the C library.
 */
int __vtx_install_noop_handler(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

void vtx_install_noop_handler(int sig)
{
	int r = __vtx_install_noop_handler(sig);

	VTX_ASSERT(!r, "sigaction %d: %s", sig, strerror(-r));
}

__u64 vtx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Sleep @ms milliseconds of CLOCK_MONOTONIC time, signals or not. */
void vtx_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}
