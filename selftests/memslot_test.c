// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: the slot, flag, alignment, size, overlap
 * and user-memory rules, and a guest that keeps running after its user
 * memory was unmapped (vtx pinned the pages when the slot was made).
 * Every refused call must leave nothing behind: the teardown unloads vtx
 * and fails on any kernel warning.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define PAGE		0x1000ULL
#define MEM_SIZE	0x40000ULL	/* 256 KiB of user memory to slice */
#define CHUNK		0x10000ULL

/* mov $0x42, %al; out %al, $0x10; hlt (real mode) */
VTX_GUEST_CODE(guest_memslot);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_memslot_start:\n"
	".code16\n"
	"	mov $0x42, %al\n"
	"	out %al, $0x10\n"
	"	hlt\n"
	".code64\n"
	"guest_memslot_end:\n"
	".popsection\n");

FIXTURE(memslot) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	char *mem;
};

FIXTURE_SETUP(memslot)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create(&self->vm, VTX_DEV_PATH);
	self->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(memslot)
{
	vtx_vm_destroy(&self->vm);
	munmap(self->mem, MEM_SIZE);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* A region of the fixture's user memory, @off bytes in. */
static int region_at(int vm_fd, char *mem, __u32 slot, __u32 flags,
		     __u64 gpa, __u64 size, __u64 off)
{
	return __vtx_set_memory_region(vm_fd, slot, flags, gpa, size,
				       (unsigned long)mem + off);
}

/* Only inside a TEST_F(memslot, ...): uses its self. */
#define region(...) region_at(self->vm.fd, self->mem, __VA_ARGS__)

TEST_F_TIMEOUT(memslot, nr_memslots_is_32, 300)
{
	EXPECT_EQ(32, __vtx_ioctl(self->vm.fd, KVM_CHECK_EXTENSION,
				  (void *)KVM_CAP_NR_MEMSLOTS));
	EXPECT_EQ(32, __vtx_ioctl(self->dev, KVM_CHECK_EXTENSION,
				  (void *)KVM_CAP_NR_MEMSLOTS));
}

TEST_F_TIMEOUT(memslot, slot_ids_and_flags, 300)
{
	EXPECT_EQ(-EINVAL, region(32, 0, 0, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0xffff, 0, 0, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, KVM_MEM_READONLY, 0, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, KVM_MEM_LOG_DIRTY_PAGES, 0, CHUNK,
				  0));
	EXPECT_EQ(-EINVAL, region(0, 1U << 31, 0, CHUNK, 0));
	/* None of those made a slot: 0 and 31 are free and usable. */
	EXPECT_EQ(0, region(0, 0, 0, CHUNK, 0));
	EXPECT_EQ(0, region(31, 0, CHUNK, CHUNK, CHUNK));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(self->vm.fd, KVM_SET_USER_MEMORY_REGION,
				       NULL));
}

TEST_F_TIMEOUT(memslot, unaligned_is_einval, 300)
{
	EXPECT_EQ(-EINVAL, region(0, 0, 0x800, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, CHUNK - 0x800, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, 1, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, CHUNK, 0x10));
	EXPECT_EQ(0, region(0, 0, 0, CHUNK, 0));
}

TEST_F_TIMEOUT(memslot, absurd_sizes_fail, 300)
{
	int r;

	r = region(0, 0, 0, 1ULL << 50, 0);
	EXPECT_GT(0, r) TH_LOG("size 1 << 50 gave %d", r);
	/* 2^31 pages: over the limit, whatever memory backs it. */
	r = region(0, 0, 0, (1ULL << 31) * PAGE, 0);
	EXPECT_GT(0, r) TH_LOG("size 2^31 pages gave %d", r);
	/* GPA + size wraps around. */
	EXPECT_EQ(-EINVAL, region(0, 0, ~0ULL - PAGE + 1, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, ~0ULL - CHUNK + 1, 2 * CHUNK, 0));
	EXPECT_EQ(0, region(0, 0, 0, CHUNK, 0));
}

TEST_F_TIMEOUT(memslot, user_memory_must_be_mapped_and_writable, 300)
{
	char *ro, *hole;

	/* Unmapped altogether. */
	hole = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, 2 * PAGE));
	EXPECT_EQ(-EFAULT, __vtx_set_memory_region(self->vm.fd, 0, 0, 0,
						   2 * PAGE,
						   (unsigned long)hole));

	/* Mapped, then a hole in the middle. */
	ASSERT_EQ(0, munmap(self->mem + PAGE, PAGE));
	EXPECT_EQ(-EFAULT, region(0, 0, 0, 4 * PAGE, 0));
	ASSERT_EQ(self->mem + PAGE,
		  mmap(self->mem + PAGE, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));

	/* Mapped read-only. */
	ro = mmap(NULL, CHUNK, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, CHUNK,
						   (unsigned long)ro));
	munmap(ro, CHUNK);

	/* The failures left slot 0 free. */
	EXPECT_EQ(0, region(0, 0, 0, 4 * PAGE, 0));
}

TEST_F_TIMEOUT(memslot, overlap_is_eexist, 300)
{
	ASSERT_EQ(0, region(0, 0, CHUNK, CHUNK, 0));
	/* Straddles the start, straddles the end, inside, around. */
	EXPECT_EQ(-EEXIST, region(1, 0, CHUNK / 2, CHUNK, CHUNK));
	EXPECT_EQ(-EEXIST, region(1, 0, CHUNK + CHUNK / 2, CHUNK,
				  CHUNK));
	EXPECT_EQ(-EEXIST, region(1, 0, CHUNK + PAGE, PAGE, CHUNK));
	EXPECT_EQ(-EEXIST, region(1, 0, 0, 3 * CHUNK, CHUNK));
	/* Touching but not overlapping, on either side. */
	EXPECT_EQ(0, region(1, 0, 0, CHUNK, CHUNK));
	EXPECT_EQ(0, region(2, 0, 2 * CHUNK, CHUNK, 2 * CHUNK));
}

TEST_F_TIMEOUT(memslot, change_and_delete, 300)
{
	ASSERT_EQ(0, region(0, 0, 0, CHUNK, 0));
	/* Moving or resizing a live slot is refused. */
	EXPECT_EQ(-EINVAL, region(0, 0, 4 * CHUNK, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, 2 * CHUNK, 0));
	/* Deleting a slot that does not exist is refused. */
	EXPECT_EQ(-EINVAL, region(5, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, region(31, 0, 0, 0, 0));
	/* Delete, then delete again, then reuse the id elsewhere. */
	EXPECT_EQ(0, region(0, 0, 0, 0, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, 0, 0));
	EXPECT_EQ(0, region(0, 0, 4 * CHUNK, 2 * CHUNK, 0));
	/* The range the deleted slot had is free for another slot. */
	EXPECT_EQ(0, region(1, 0, 0, CHUNK, 2 * CHUNK));
}

/* vtx pinned the pages: munmap does not take them from the guest. */
TEST_F_TIMEOUT(memslot, munmap_after_add_then_run, 300)
{
	struct vtx_slot *s = &self->vm.slots[0];
	struct vtx_vcpu vcpu;
	int r;

	vtx_vm_add_memory(&self->vm, 0, 0, VTX_MEM_SIZE);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_memslot_start,
		    guest_memslot_end);
	vtx_vcpu_create(&self->vm, 0, &vcpu);
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);

	ASSERT_EQ(0, munmap(s->hva, s->size));
	s->used = false;	/* so vtx_vm_destroy() does not unmap it */

	vtx_vcpu_run(&vcpu);
	vtx_assert_io_out(vcpu.run, 0x10, 1, 0x42);
	vtx_vcpu_run(&vcpu);
	vtx_assert_exit(vcpu.run, KVM_EXIT_HLT);

	/* Deleting the slot of a gone mapping must not trip anything. */
	r = __vtx_set_memory_region(self->vm.fd, 0, 0, 0, 0,
				    (unsigned long)s->hva);
	TH_LOG("deleting the slot after munmap: %d", r);
	vtx_vcpu_close(&vcpu);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
