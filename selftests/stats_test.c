// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD on vtx's VM and vCPU fds: KVM's binary stats format
 * (header, id, descriptors, values), read with pread() as KVM's own
 * tools do.
 *   - the layout is well formed, every descriptor a cumulative or instant
 *     u64 with a unique name, the id "vtx-<pid>/vcpu-<id>";
 *   - after a guest's CPUID, OUT and HLT the counters equal
 *     VTX_GET_VCPU_STATS's, "exits_*" by reason add up to "exits", and
 *     the VM's file counts the vCPU and its exits;
 *   - the file is read-only, and reads past its end give nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

/* guest_counted (64-bit): CPUID leaf 0, OUT to port 0x41, HLT. */
VTX_GUEST_CODE(guest_counted);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_counted_start:\n"
	"	xor %eax, %eax\n"
	"	cpuid\n"
	"	out %al, $0x41\n"
	"	hlt\n"
	"guest_counted_end:\n"
	".popsection\n");

#define EXIT_CPUID	10
#define EXIT_HLT	12
#define EXIT_IO		30

struct stats {
	struct kvm_stats_header h;
	char id[256];
	char *descs;
	size_t dsize;
	__u64 *values;
};

static struct kvm_stats_desc *desc(const struct stats *s, __u32 i)
{
	return (struct kvm_stats_desc *)(s->descs + i * s->dsize);
}

/* Read the whole file at @fd. Return: 0, or a negative errno. */
static int stats_read(int fd, struct stats *s)
{
	size_t vsize;

	memset(s, 0, sizeof(*s));
	if (pread(fd, &s->h, sizeof(s->h), 0) != sizeof(s->h))
		return -EIO;
	if (s->h.name_size >= sizeof(s->id) || !s->h.num_desc ||
	    s->h.num_desc > 4096)
		return -ERANGE;
	if (pread(fd, s->id, s->h.name_size, s->h.id_offset) !=
	    (ssize_t)s->h.name_size)
		return -EIO;
	s->dsize = sizeof(struct kvm_stats_desc) + s->h.name_size;
	s->descs = calloc(s->h.num_desc, s->dsize);
	vsize = s->h.num_desc * sizeof(__u64);
	s->values = calloc(1, vsize);
	if (!s->descs || !s->values)
		return -ENOMEM;
	if (pread(fd, s->descs, s->dsize * s->h.num_desc, s->h.desc_offset) !=
	    (ssize_t)(s->dsize * s->h.num_desc) ||
	    pread(fd, s->values, vsize, s->h.data_offset) != (ssize_t)vsize)
		return -EIO;
	return 0;
}

static void stats_free(struct stats *s)
{
	free(s->descs);
	free(s->values);
}

/* The value of @name, or ~0 when there is no such counter. */
static __u64 stat(const struct stats *s, const char *name)
{
	__u32 i;

	for (i = 0; i < s->h.num_desc; i++)
		if (!strcmp(desc(s, i)->name, name))
			return s->values[desc(s, i)->offset / sizeof(__u64)];
	return ~0ULL;
}

FIXTURE(stats) {
	struct vtx_kmsg kmsg;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(stats)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_counted_start,
		    guest_counted_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
}

FIXTURE_TEARDOWN(stats)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* The capability, and a layout any KVM stats reader accepts. */
TEST_F(stats, layout_is_kvms)
{
	char want[64];
	struct stats s;
	__u32 i, j;
	int fd;

	EXPECT_EQ(1, __vtx_ioctl(self->vm.fd, KVM_CHECK_EXTENSION,
				 (void *)(long)KVM_CAP_BINARY_STATS_FD));
	fd = __vtx_ioctl(self->vcpu.fd, KVM_GET_STATS_FD, NULL);
	ASSERT_LE(0, fd) TH_LOG("KVM_GET_STATS_FD: %s", strerror(-fd));
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(48U, s.h.name_size);
	EXPECT_EQ(sizeof(s.h), s.h.id_offset);
	EXPECT_LE(s.h.id_offset + s.h.name_size, s.h.desc_offset);
	EXPECT_LE(s.h.desc_offset + s.h.num_desc * s.dsize, s.h.data_offset);
	snprintf(want, sizeof(want), "vtx-%d/vcpu-0", getpid());
	EXPECT_STREQ(want, s.id);
	for (i = 0; i < s.h.num_desc; i++) {
		struct kvm_stats_desc *d = desc(&s, i);

		EXPECT_EQ(1, d->size) TH_LOG("%s", d->name);
		EXPECT_EQ(0U, d->offset % 8);
		EXPECT_GT(s.h.num_desc * sizeof(__u64), d->offset);
		EXPECT_EQ(0U, d->flags & ~KVM_STATS_TYPE_MASK);
		EXPECT_GE((__u32)KVM_STATS_TYPE_INSTANT, d->flags);
		for (j = 0; j < i; j++)
			EXPECT_STRNE(desc(&s, j)->name, d->name);
	}
	EXPECT_NE(~0ULL, stat(&s, "exits"));
	EXPECT_NE(~0ULL, stat(&s, "exits_cpuid"));
	EXPECT_NE(~0ULL, stat(&s, "exits_io_instruction"));
	EXPECT_NE(~0ULL, stat(&s, "exits_ept_violation"));
	EXPECT_NE(~0ULL, stat(&s, "exits_other"));
	EXPECT_NE(~0ULL, stat(&s, "vmcs_loads"));
	stats_free(&s);
	close(fd);
}

/*
 * The counters after a guest ran, against VTX_GET_VCPU_STATS read at the
 * same moment, and the VM's file.
 */
TEST_F(stats, counters_follow_the_guest)
{
	struct vtx_vcpu_stats st;
	__u64 sum = 0;
	struct stats s, v;
	int fd, vfd;
	__u32 i;

	fd = __vtx_ioctl(self->vcpu.fd, KVM_GET_STATS_FD, NULL);
	ASSERT_LE(0, fd);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_io_out(self->vcpu.run, 0x41, 1, 0);
	vtx_vcpu_run(&self->vcpu);
	ASSERT_EQ((__u32)KVM_EXIT_HLT, self->vcpu.run->exit_reason);

	ASSERT_EQ(0, __vtx_ioctl(self->vcpu.fd, VTX_GET_VCPU_STATS, &st));
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(st.exits, stat(&s, "exits"));
	EXPECT_EQ(1ULL, stat(&s, "exits_cpuid"));
	EXPECT_EQ(1ULL, stat(&s, "exits_io_instruction"));
	EXPECT_EQ(1ULL, stat(&s, "exits_hlt"));
	EXPECT_EQ(st.exit_reason[EXIT_CPUID], stat(&s, "exits_cpuid"));
	EXPECT_EQ(st.exit_reason[EXIT_IO], stat(&s, "exits_io_instruction"));
	EXPECT_EQ(st.vmcs_loads, stat(&s, "vmcs_loads"));
	for (i = 0; i < s.h.num_desc; i++)
		if (!strncmp(desc(&s, i)->name, "exits_", 6))
			sum += s.values[desc(&s, i)->offset / sizeof(__u64)];
	EXPECT_EQ(stat(&s, "exits"), sum);

	vfd = __vtx_ioctl(self->vm.fd, KVM_GET_STATS_FD, NULL);
	ASSERT_LE(0, vfd);
	ASSERT_EQ(0, stats_read(vfd, &v));
	EXPECT_EQ(1ULL, stat(&v, "vcpus"));
	EXPECT_EQ(stat(&s, "exits"), stat(&v, "exits"));
	stats_free(&v);
	stats_free(&s);
	close(vfd);
	close(fd);
}

/* Read-only; past the end there is nothing; the file outlives the fds. */
TEST_F(stats, file_is_read_only_and_bounded)
{
	struct stats s;
	__u64 x = 0;
	off_t end;
	int fd;

	fd = __vtx_ioctl(self->vcpu.fd, KVM_GET_STATS_FD, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(-1, write(fd, &x, sizeof(x)));
	EXPECT_EQ(EBADF, errno);
	end = s.h.data_offset + s.h.num_desc * sizeof(__u64);
	EXPECT_EQ(0, pread(fd, &x, sizeof(x), end));
	EXPECT_EQ(0, pread(fd, &x, sizeof(x), end + 4096));
	EXPECT_EQ(4, pread(fd, &x, sizeof(x), end - 4));
	stats_free(&s);

	/* The VM goes with its fds; the stats file keeps it until closed. */
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	ASSERT_EQ(0, stats_read(fd, &s));
	EXPECT_EQ(0ULL, stat(&s, "exits"));
	stats_free(&s);
	close(fd);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
