// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs at a CPU, through vtx's debugfs nmi_ipi, from a thread pinned to
 * another CPU: what the tests use to hit a running guest with NMI exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "vtx_test.h"

#define NMI_IPI_FILE	VTX_DEBUGFS "/nmi_ipi"

static void *vtx_nmi_sender_main(void *arg)
{
	struct timespec pause = { .tv_nsec = 200000 };
	struct vtx_nmi_sender *s = arg;
	char msg[16];
	int len;

	len = snprintf(msg, sizeof(msg), "%d\n", s->to);
	if (__vtx_pin_to_cpu(s->from))
		return NULL;
	/* The knob is a non-seekable debugfs attribute: write(). */
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		if (write(s->fd, msg, len) == len)
			s->sent++;
		/* Thousands, not hundreds of thousands: Bochs is slow. */
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int vtx_nmi_sender_start(struct vtx_nmi_sender *s, int from_cpu, int to_cpu)
{
	int r;

	s->from = from_cpu;
	s->to = to_cpu;
	s->stop = false;
	s->sent = 0;
	s->fd = open(NMI_IPI_FILE, O_WRONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	r = pthread_create(&s->thread, NULL, vtx_nmi_sender_main, s);
	if (r) {
		close(s->fd);
		s->fd = -1;
		return -r;
	}
	return 0;
}

unsigned long vtx_nmi_sender_stop(struct vtx_nmi_sender *s)
{
	if (s->fd < 0)
		return 0;
	__atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
	pthread_join(s->thread, NULL);
	close(s->fd);
	s->fd = -1;
	return s->sent;
}

__u64 vtx_debugfs_u64(const char *name)
{
	char path[128], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), VTX_DEBUGFS "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ~0ULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return ~0ULL;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}
