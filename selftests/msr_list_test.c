// SPDX-License-Identifier: GPL-2.0
/*
 * The capacity of the VM-entry/exit MSR lists, and what happens when a
 * vCPU's lists are too small for the MSRs vtx must switch.
 *
 * /sys/kernel/debug/vtx/msr_list_capacity starts at min(one page of
 * entries, IA32_VMX_MISC's recommendation); lowering it affects only
 * vCPUs created afterwards, and values out of range are refused. A vCPU
 * whose lists do not fit (5 entries each with efer_switch=vmcs, 6 with
 * msr_list) is dead: KVM_RUN fails with EIO every time, its other ioctls
 * still work, and every other vCPU and VM runs on. With exactly enough
 * room a vCPU runs.
 *
 * vtx is loaded with the run's parameters (VTX_PARAMS), so these tests
 * cover whichever EFER path the run uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define CAPACITY_FILE	VTX_DEBUGFS "/msr_list_capacity"

/* vtx_guest_count64 reports on this port. */
#define PORT_COUNT	0x50

/*
 * STAR, LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE on every list; EFER as
 * well on the list path; IA32_SPEC_CTRL on the guest list where the host
 * has it (Documentation/vtx.rst).
 */
#define LIST_NEED_BASE		5

/* Read the file: 0, or a negative errno; -EPROTO when it is no number. */
static int __read_capacity(__u32 *val)
{
	unsigned long long v;
	char buf[32], *end;
	int fd, r = 0;
	ssize_t n;

	fd = open(CAPACITY_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		r = -errno;
	close(fd);
	if (r)
		return r;
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (end == buf || (*end && strcmp(end, "\n")) || errno ||
	    v > 0xffffffffULL)
		return -EPROTO;
	*val = v;
	return 0;
}

static __u32 read_capacity(void)
{
	__u32 val = 0;
	int r = __read_capacity(&val);

	VTX_ASSERT(!r, "read %s: %s", CAPACITY_FILE, strerror(-r));
	return val;
}

/* Write @text in one write(): 0, or a negative errno. */
static int __write_capacity(const char *text)
{
	size_t len = strlen(text);
	int fd, r = 0;
	ssize_t n;

	fd = open(CAPACITY_FILE, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

static int __set_capacity(__u32 capacity)
{
	char text[16];

	snprintf(text, sizeof(text), "%u", capacity);
	return __write_capacity(text);
}

static void set_capacity(__u32 capacity)
{
	int r = __set_capacity(capacity);

	VTX_ASSERT(!r, "write %u to %s: %s", capacity, CAPACITY_FILE,
		   strerror(-r));
}

#define NR_VCPUS	3

FIXTURE(msr_list) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_capabilities caps;
	__u32 capacity;		/* the file's value at load */
	bool lowered;		/* the test changed it */
	struct vtx_vm vm, vm2;
	struct vtx_vcpu vcpu[NR_VCPUS], vcpu2;
};

/* Nothing to close yet: every fd -1 (the harness zeroed the rest). */
static void vm_init(struct vtx_vm *vm)
{
	vm->dev = -1;
	vm->fd = -1;
}

static void vcpu_init(struct vtx_vcpu *vcpu)
{
	vcpu->fd = -1;
	vcpu->run = NULL;
}

FIXTURE_SETUP(msr_list)
{
	int i;

	vm_init(&self->vm);
	vm_init(&self->vm2);
	for (i = 0; i < NR_VCPUS; i++)
		vcpu_init(&self->vcpu[i]);
	vcpu_init(&self->vcpu2);
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_get_capabilities(self->dev, &self->caps);
	self->capacity = read_capacity();
}

FIXTURE_TEARDOWN(msr_list)
{
	int i;

	if (self->lowered)
		EXPECT_EQ(0, __set_capacity(self->capacity));
	for (i = 0; i < NR_VCPUS; i++)
		vtx_vcpu_close(&self->vcpu[i]);
	vtx_vcpu_close(&self->vcpu2);
	vtx_vm_destroy(&self->vm);
	vtx_vm_destroy(&self->vm2);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* A default VM with vtx_guest_count64 at VTX_CODE_GPA. */
static void vm_create(struct vtx_vm *vm)
{
	vtx_vm_create_default(vm, VTX_DEV_PATH);
	vtx_vm_load(vm, VTX_CODE_GPA, vtx_guest_count64_start,
		    vtx_guest_count64_end);
}

/*
 * Put @vcpu in 64-bit mode on vtx_guest_count64: it OUTs @first, first
 * + 1, ... (@count values) to PORT_COUNT, then halts. Only ioctls other
 * than KVM_RUN: this works on a dead vCPU too.
 * Return: 0, or the first ioctl's negative errno.
 */
static int __vcpu_setup_count(struct vtx_vcpu *vcpu, __u32 first,
			      __u32 count)
{
	struct kvm_regs regs;
	int r;

	r = __vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	if (r)
		return r;
	r = __vtx_vcpu_get_regs(vcpu, &regs);
	if (r)
		return r;
	regs.rbx = first;
	regs.rsi = count;
	regs.rdx = PORT_COUNT;
	return __vtx_vcpu_set_regs(vcpu, &regs);
}

static void vcpu_setup_count(struct vtx_vcpu *vcpu, __u32 first,
			     __u32 count)
{
	int r = __vcpu_setup_count(vcpu, first, count);

	VTX_ASSERT(!r, "vcpu %d: setup: %s", vcpu->id, strerror(-r));
}

/* The entries the fuller list of a vCPU needs on this host and load. */
static __u32 list_need(const struct vtx_capabilities *caps)
{
	return LIST_NEED_BASE + !!(caps->config & VTX_CONFIG_EFER_MSR_LIST) +
	       !!caps->spec_ctrl_supported;
}

/*
 * The file starts at what one page and IA32_VMX_MISC allow, and the
 * capability report's msr_list_max is IA32_VMX_MISC's recommendation.
 */
TEST_F_TIMEOUT(msr_list, capacity_matches_hardware, 300)
{
	__u32 page = sysconf(_SC_PAGESIZE) / 16;	/* 16-byte entries */
	__u32 max = ((self->caps.vmx_misc >> 25 & 7) + 1) * 512;

	EXPECT_EQ(max, self->caps.msr_list_max);
	EXPECT_EQ(page < max ? page : max, self->capacity);
	EXPECT_EQ(self->capacity, read_capacity());
}

/*
 * Only values from 1 up to the load-time capacity are taken; anything
 * else fails with EINVAL and leaves the value as it was.
 */
TEST_F_TIMEOUT(msr_list, capacity_writes_are_checked, 300)
{
	static const char * const bad[] = {
		"0", "abc", "-1", "12abc", "4294967297",
	};
	char text[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, __write_capacity(bad[i]))
			TH_LOG("\"%s\"", bad[i]);
		EXPECT_EQ(self->capacity, read_capacity())
			TH_LOG("after \"%s\"", bad[i]);
	}
	/* Above what the hardware and one page allow. */
	EXPECT_EQ(-EINVAL, __set_capacity(self->capacity + 1));
	EXPECT_EQ(self->capacity, read_capacity());
	EXPECT_EQ(-EINVAL, __set_capacity(self->caps.msr_list_max + 1));
	EXPECT_EQ(self->capacity, read_capacity());
	EXPECT_EQ(-EINVAL, __set_capacity(0xffffffffU));
	EXPECT_EQ(self->capacity, read_capacity());

	/* In range: taken, and read back; a trailing newline is fine. */
	self->lowered = true;
	EXPECT_EQ(0, __write_capacity("1"));
	EXPECT_EQ(1U, read_capacity());
	snprintf(text, sizeof(text), "%u\n", self->capacity - 1);
	EXPECT_EQ(0, __write_capacity(text));
	EXPECT_EQ(self->capacity - 1, read_capacity());
	EXPECT_EQ(0, __set_capacity(self->capacity));
	EXPECT_EQ(self->capacity, read_capacity());
	self->lowered = false;
}

/*
 * vCPU B, created while the capacity is 2, is dead: KVM_RUN fails with
 * EIO every time, even after the capacity is restored, while its other
 * ioctls work. vCPU A of the same VM, created before, and vCPU 0 of
 * another VM run on; vCPU C, created after the capacity is restored,
 * runs. The kernel log says why.
 */
TEST_F_TIMEOUT(msr_list, full_list_kills_only_that_vcpu, 300)
{
	struct vtx_vcpu *a = &self->vcpu[0], *b = &self->vcpu[1];
	struct vtx_vcpu *c = &self->vcpu[2], *d = &self->vcpu2;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	vm_create(&self->vm);
	vtx_vcpu_create(&self->vm, 0, a);
	vcpu_setup_count(a, 0xa00, 3);
	EXPECT_EQ(0xa00ULL, vtx_vcpu_run_out(a, PORT_COUNT, 4));

	vm_create(&self->vm2);
	vtx_vcpu_create(&self->vm2, 0, d);
	vcpu_setup_count(d, 0xd00, 2);
	EXPECT_EQ(0xd00ULL, vtx_vcpu_run_out(d, PORT_COUNT, 4));

	self->lowered = true;
	set_capacity(2);
	ASSERT_EQ(2U, read_capacity());

	/* Creating it works; the lists do not fit. */
	vtx_vcpu_create(&self->vm, 1, b);
	ASSERT_EQ(0, __vcpu_setup_count(b, 0xb00, 1))
		TH_LOG("KVM_GET/SET_SREGS and KVM_SET_REGS on the dead vCPU");
	EXPECT_EQ(-EIO, __vtx_vcpu_run(b));
	EXPECT_EQ(-EIO, __vtx_vcpu_run(b));
	vtx_vcpu_get_regs(b, &regs);
	EXPECT_EQ(VTX_CODE_GPA, regs.rip);	/* it never ran */
	EXPECT_EQ(0xb00ULL, regs.rbx);
	vtx_vcpu_get_sregs(b, &sregs);
	EXPECT_EQ(VTX_EFER_LME | VTX_EFER_LMA, sregs.efer);

	/* The others run on, their lists made before the change. */
	EXPECT_EQ(0xa01ULL, vtx_vcpu_run_out(a, PORT_COUNT, 4));
	EXPECT_EQ(0xd01ULL, vtx_vcpu_run_out(d, PORT_COUNT, 4));

	set_capacity(self->capacity);
	self->lowered = false;
	EXPECT_EQ(self->capacity, read_capacity());
	vtx_vcpu_create(&self->vm, 2, c);
	vcpu_setup_count(c, 0xc00, 1);
	EXPECT_EQ(0xc00ULL, vtx_vcpu_run_out(c, PORT_COUNT, 4));
	vtx_vcpu_run(c);
	vtx_assert_exit(c->run, KVM_EXIT_HLT);

	/* Dead stays dead. */
	EXPECT_EQ(-EIO, __vtx_vcpu_run(b));
	EXPECT_EQ(0xa02ULL, vtx_vcpu_run_out(a, PORT_COUNT, 4));
	vtx_vcpu_run(a);
	vtx_assert_exit(a->run, KVM_EXIT_HLT);
	vtx_vcpu_run(d);
	vtx_assert_exit(d->run, KVM_EXIT_HLT);

	EXPECT_TRUE(vtx_kmsg_contains(&self->kmsg, "MSR list full"));
}

/*
 * With exactly the entries the lists need a vCPU runs; with one fewer
 * it is dead.
 */
TEST_F_TIMEOUT(msr_list, capacity_boundary, 300)
{
	struct vtx_vcpu *fits = &self->vcpu[0], *short1 = &self->vcpu[1];
	__u32 need = list_need(&self->caps);

	vm_create(&self->vm);
	self->lowered = true;

	set_capacity(need);
	vtx_vcpu_create(&self->vm, 0, fits);
	vcpu_setup_count(fits, 0x100, 1);
	EXPECT_EQ(0x100ULL, vtx_vcpu_run_out(fits, PORT_COUNT, 4))
		TH_LOG("capacity %u", need);
	vtx_vcpu_run(fits);
	vtx_assert_exit(fits->run, KVM_EXIT_HLT);
	EXPECT_FALSE(vtx_kmsg_contains(&self->kmsg, "MSR list full"));

	set_capacity(need - 1);
	vtx_vcpu_create(&self->vm, 1, short1);
	ASSERT_EQ(0, __vcpu_setup_count(short1, 0x200, 1));
	EXPECT_EQ(-EIO, __vtx_vcpu_run(short1))
		TH_LOG("capacity %u", need - 1);
	EXPECT_TRUE(vtx_kmsg_contains(&self->kmsg, "MSR list full"));

	set_capacity(self->capacity);
	self->lowered = false;
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
