// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD as a hostile reader uses the file: pread() and read()
 * at any offset and size, into good and bad buffers, seeks, a write and
 * an mmap. The file must keep its shape: a header that points inside it,
 * reads that never go past its end, and no way to write it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#define STATS_MAX	0x100000
/* KVM_STATS_NAME_SIZE, which <linux/kvm.h> does not export */
#define STATS_NAME_SIZE	48

/* The whole file read in one pass, or -1 when that fails. */
static ssize_t stats_size(int fd, unsigned char *buf)
{
	ssize_t n, total = 0;

	while ((n = pread(fd, buf + total, STATS_MAX - total, total)) > 0)
		total += n;
	return n < 0 ? -1 : total;
}

static void stats_check_header(struct fuzz_stats *st, const unsigned char *buf,
			       ssize_t size)
{
	struct kvm_stats_header h;

	if (size < (ssize_t)sizeof(h)) {
		fuzz_fail(st, "stats fd", "file of %zd bytes", size);
		return;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.name_size != STATS_NAME_SIZE || !h.num_desc ||
	    h.id_offset < sizeof(h) || h.id_offset + h.name_size > size ||
	    h.desc_offset > size || h.data_offset > size ||
	    h.data_offset < h.desc_offset)
		fuzz_fail(st, "stats fd",
			  "header: name_size %u num_desc %u id %u desc %u data %u, file %zd",
			  h.name_size, h.num_desc, h.id_offset, h.desc_offset,
			  h.data_offset, size);
}

/* One read at a random place; what comes back stays inside the file. */
static void stats_read_one(struct fuzz_rng *r, struct fuzz_stats *st, int fd,
			   unsigned char *buf, void *bad, ssize_t size)
{
	size_t len = fuzz_below(r, size + 64);
	off_t off = fuzz_below(r, size + 64);
	bool good = fuzz_chance(r, 80);
	void *to = good ? buf : bad;
	ssize_t n;

	if (fuzz_chance(r, 5))
		off = -(off_t)fuzz_below(r, 1 << 20) - 1;
	if (fuzz_chance(r, 5))
		off = (off_t)(fuzz_value(r) >> 1);
	n = pread(fd, to, len, off);
	if (off < 0) {
		if (n != -1 || errno != EINVAL)
			fuzz_fail(st, "stats fd", "pread at %lld gave %zd",
				  (long long)off, n);
		return;
	}
	if (good && n < 0)
		fuzz_fail(st, "stats fd", "pread(%zu at %lld): %s", len,
			  (long long)off, strerror(errno));
	if (n > 0 && ((size_t)n > len || off + n > size))
		fuzz_fail(st, "stats fd", "pread(%zu at %lld) gave %zd of %zd",
			  len, (long long)off, n, size);
}

void fuzz_stats_fd(struct fuzz_rng *r, struct fuzz_stats *st, int owner,
		   void *bad)
{
	unsigned char *buf;
	ssize_t size;
	int fd, i, n;
	void *m;

	fd = fuzz_ioctl(st, owner, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return;
	buf = malloc(STATS_MAX);
	if (!buf)
		goto out;
	size = stats_size(fd, buf);
	if (size < 0) {
		fuzz_fail(st, "stats fd", "read: %s", strerror(errno));
		goto out;
	}
	stats_check_header(st, buf, size);

	n = 1 + fuzz_below(r, 16);
	for (i = 0; i < n; i++) {
		switch (fuzz_below(r, 8)) {
		case 0:
			lseek(fd, fuzz_value(r), fuzz_below(r, 3));
			if (read(fd, buf, fuzz_below(r, size + 64)) > size)
				fuzz_fail(st, "stats fd", "read past the file");
			break;
		case 1:
			if (write(fd, buf, 1 + fuzz_below(r, 64)) >= 0)
				fuzz_fail(st, "stats fd", "a write succeeded");
			break;
		case 2:
			m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
			if (m != MAP_FAILED) {
				fuzz_fail(st, "stats fd", "mmap succeeded");
				munmap(m, 4096);
			}
			break;
		default:
			stats_read_one(r, st, fd, buf, bad, size);
			break;
		}
	}
out:
	free(buf);
	close(fd);
}
