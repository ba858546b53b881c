// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: the slot, flag, alignment, size, overlap
 * and user-memory rules, which are KVM's. Making a slot maps nothing, so
 * any user range that passes access_ok() is accepted, mapped or not,
 * writable or not: what the VMM maps there is checked when the guest
 * touches it, and a guest access the mapping does not allow makes
 * KVM_RUN fail with EFAULT (KVM_EXIT_MEMORY_FAULT and the page). Every
 * refused call must leave nothing behind: the teardown unloads vtx and
 * fails on any kernel warning.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define PAGE		0x1000ULL
#define MEM_SIZE	0x40000ULL	/* 256 KiB of user memory to slice */
#define CHUNK		0x10000ULL
/* x86-64 with 4-level paging: user addresses end one page below 2^47. */
#define TASK_SIZE_MAX	((1ULL << 47) - PAGE)
/* KVM_MEM_MAX_NR_PAGES */
#define MAX_NR_PAGES	((1ULL << 31) - 1)

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

/*
 * Flags: KVM_MEM_READONLY is accepted (KVM_CAP_READONLY_MEM); dirty
 * logging and unknown flags are not. A slot keeps its read-only flag:
 * setting it again with the other value is -EINVAL, as in KVM.
 */
TEST_F_TIMEOUT(memslot, slot_ids_and_flags_readonly_accepted, 300)
{
	EXPECT_EQ(1, __vtx_ioctl(self->vm.fd, KVM_CHECK_EXTENSION,
				 (void *)KVM_CAP_READONLY_MEM));
	EXPECT_EQ(1, __vtx_ioctl(self->dev, KVM_CHECK_EXTENSION,
				 (void *)KVM_CAP_READONLY_MEM));
	EXPECT_EQ(-EINVAL, region(32, 0, 0, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0xffff, 0, 0, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, KVM_MEM_LOG_DIRTY_PAGES, 0, CHUNK,
				  0));
	EXPECT_EQ(-EINVAL, region(0, KVM_MEM_READONLY |
				  KVM_MEM_LOG_DIRTY_PAGES, 0, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, KVM_MEM_READONLY | (1U << 2), 0, CHUNK,
				  0));
	EXPECT_EQ(-EINVAL, region(0, 1U << 31, 0, CHUNK, 0));
	/* None of those made a slot: 0 and 31 are free and usable. */
	EXPECT_EQ(0, region(0, 0, 0, CHUNK, 0));
	EXPECT_EQ(0, region(31, 0, CHUNK, CHUNK, CHUNK));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(self->vm.fd, KVM_SET_USER_MEMORY_REGION,
				       NULL));

	/* A read-only slot; set again unchanged, it stays. */
	EXPECT_EQ(0, region(1, KVM_MEM_READONLY, 2 * CHUNK, CHUNK,
			    2 * CHUNK));
	EXPECT_EQ(0, region(1, KVM_MEM_READONLY, 2 * CHUNK, CHUNK,
			    2 * CHUNK));
	/* Its flag cannot change, nor can slot 0's (writable) become RO. */
	EXPECT_EQ(-EINVAL, region(1, 0, 2 * CHUNK, CHUNK, 2 * CHUNK));
	EXPECT_EQ(-EINVAL, region(0, KVM_MEM_READONLY, 0, CHUNK, 0));
	/* Those failures left both slots in place: their ranges are taken. */
	EXPECT_EQ(-EEXIST, region(2, 0, 2 * CHUNK, CHUNK, 3 * CHUNK));
	EXPECT_EQ(-EEXIST, region(2, KVM_MEM_READONLY, 0, CHUNK, 3 * CHUNK));
	EXPECT_EQ(0, region(1, 0, 0, 0, 0));
	EXPECT_EQ(0, region(1, 0, 2 * CHUNK, CHUNK, 2 * CHUNK));
}

TEST_F_TIMEOUT(memslot, unaligned_is_einval, 300)
{
	EXPECT_EQ(-EINVAL, region(0, 0, 0x800, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, CHUNK - 0x800, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, 1, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, 0, CHUNK, 0x10));
	EXPECT_EQ(0, region(0, 0, 0, CHUNK, 0));
}

/*
 * KVM's size and address limits: at most KVM_MEM_MAX_NR_PAGES pages, a
 * GPA range that does not wrap and ends within the guest-physical space
 * (vtx_host_gpa_limit()), a user range inside the user address space
 * (access_ok()). Nothing else limits a slot: no memory is needed to make
 * one, so the largest one KVM takes is accepted, unbacked.
 */
TEST_F_TIMEOUT(memslot, size_and_address_limits_are_kvms, 300)
{
	const __u64 low = 0x100000000ULL;	/* unmapped user addresses */
	__u64 limit = vtx_host_gpa_limit();
	__u64 big = MAX_NR_PAGES * PAGE;

	EXPECT_EQ(-EINVAL, region(0, 0, 0, 1ULL << 50, 0));
	/* 2^31 pages: over the limit, whatever memory backs it. */
	EXPECT_EQ(-EINVAL, __vtx_set_memory_region(self->vm.fd, 0, 0, 0,
						   (MAX_NR_PAGES + 1) * PAGE,
						   low));
	/* GPA + size wraps around. */
	EXPECT_EQ(-EINVAL, region(0, 0, ~0ULL - PAGE + 1, CHUNK, 0));
	EXPECT_EQ(-EINVAL, region(0, 0, ~0ULL - CHUNK + 1, 2 * CHUNK, 0));
	/* User ranges that leave the user address space. */
	EXPECT_EQ(-EINVAL, __vtx_set_memory_region(self->vm.fd, 0, 0, 0,
						   2 * PAGE,
						   TASK_SIZE_MAX - PAGE));
	EXPECT_EQ(-EINVAL, __vtx_set_memory_region(self->vm.fd, 0, 0, 0,
						   CHUNK,
						   0xffff888000000000ULL));

	/*
	 * The largest slot, 8 TiB of nothing, then the last user page above
	 * it; where the host's MAXPHYADDR puts the end of guest-physical
	 * space lower (Bochs: 40 bits), as KVM's kvm_mmu_max_gfn() does,
	 * 8 TiB is -EINVAL and the largest slot ends a page below the end.
	 */
	if (MAX_NR_PAGES * PAGE + PAGE > limit) {
		EXPECT_EQ(-EINVAL,
			  __vtx_set_memory_region(self->vm.fd, 0, 0, 0,
						  MAX_NR_PAGES * PAGE, low));
		big = limit - PAGE;
	}
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, big, low));
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 1, 0, big, PAGE,
					     TASK_SIZE_MAX - PAGE));
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, 0, low));
	EXPECT_EQ(0, region(0, 0, 0, CHUNK, 0));
}

/* Real mode at the guest code: it must OUT 0x42 to port 0x10, then halt. */
static void run_guest_code(struct vtx_vcpu *vcpu)
{
	vtx_vcpu_setup_real_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_run(vcpu);
	vtx_assert_io_out(vcpu->run, 0x10, 1, 0x42);
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
}

/*
 * Making a slot needs no mapping: over nothing, over a hole, over
 * read-only and PROT_NONE memory, it succeeds. The guest's accesses are
 * what the mapping decides: its fetch from the hole fails KVM_RUN with
 * EFAULT at that page, and runs once the VMM maps the page; code on a
 * read-only page runs; a PROT_NONE page cannot even be fetched from.
 */
TEST_F_TIMEOUT(memslot, unmapped_and_read_only_memory_fault_at_run, 300)
{
	const size_t code = guest_memslot_end - guest_memslot_start;
	struct vtx_vcpu vcpu;
	char *ro, *hole;

	vtx_vcpu_create(&self->vm, 0, &vcpu);

	/* Unmapped altogether. */
	hole = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, 2 * PAGE));
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, 2 * PAGE,
					     (unsigned long)hole));
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	vtx_assert_efault(vcpu.run, __vtx_vcpu_run(&vcpu), VTX_CODE_GPA,
			  VTX_MEMORY_FAULT_EXEC);
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, 0,
					     (unsigned long)hole));

	/* Mapped, with a hole where the code goes; then the code is mapped. */
	ASSERT_EQ(0, munmap(self->mem + PAGE, PAGE));
	ASSERT_EQ(0, region(0, 0, 0, 4 * PAGE, 0));
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	vtx_assert_efault(vcpu.run, __vtx_vcpu_run(&vcpu), VTX_CODE_GPA,
			  VTX_MEMORY_FAULT_EXEC);
	ASSERT_EQ(self->mem + PAGE,
		  mmap(self->mem + PAGE, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	memcpy(self->mem + PAGE, guest_memslot_start, code);
	run_guest_code(&vcpu);
	EXPECT_EQ(0, region(0, 0, 0, 0, 0));

	/* Mapped read-only: the code there runs. */
	ro = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro + VTX_CODE_GPA, guest_memslot_start, code);
	ASSERT_EQ(0, mprotect(ro, CHUNK, PROT_READ));
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, CHUNK,
					     (unsigned long)ro));
	run_guest_code(&vcpu);
	EXPECT_EQ(0, region(0, 0, 0, 0, 0));

	/* PROT_NONE: not even a fetch. */
	ASSERT_EQ(0, mprotect(ro, CHUNK, PROT_NONE));
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, CHUNK,
					     (unsigned long)ro));
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	vtx_assert_efault(vcpu.run, __vtx_vcpu_run(&vcpu), VTX_CODE_GPA,
			  VTX_MEMORY_FAULT_EXEC);
	EXPECT_EQ(0, region(0, 0, 0, 0, 0));
	munmap(ro, CHUNK);

	/* Slot 0 is free again. */
	EXPECT_EQ(0, region(0, 0, 0, 4 * PAGE, 0));
	vtx_vcpu_close(&vcpu);
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

/*
 * The guest ran its code; then the VMM unmaps the slot's memory: the
 * guest loses it at once (KVM_RUN fails with EFAULT at the code page),
 * and gets whatever the VMM maps there next.
 */
TEST_F_TIMEOUT(memslot, munmap_after_run_is_efault_at_run, 300)
{
	struct vtx_slot *s = &self->vm.slots[0];
	struct vtx_vcpu vcpu;
	void *again;

	vtx_vm_add_memory(&self->vm, 0, 0, VTX_MEM_SIZE);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_memslot_start,
		    guest_memslot_end);
	vtx_vcpu_create(&self->vm, 0, &vcpu);
	run_guest_code(&vcpu);

	ASSERT_EQ(0, munmap(s->hva, s->size));
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	vtx_assert_efault(vcpu.run, __vtx_vcpu_run(&vcpu), VTX_CODE_GPA,
			  VTX_MEMORY_FAULT_EXEC);
	/* Nothing changed: the same again. */
	vtx_assert_efault(vcpu.run, __vtx_vcpu_run(&vcpu), VTX_CODE_GPA,
			  VTX_MEMORY_FAULT_EXEC);

	again = mmap(s->hva, s->size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(s->hva, again);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_memslot_start,
		    guest_memslot_end);
	run_guest_code(&vcpu);

	/* Deleting the slot of a gone mapping is an ordinary delete. */
	ASSERT_EQ(0, munmap(s->hva, s->size));
	EXPECT_EQ(0, __vtx_set_memory_region(self->vm.fd, 0, 0, 0, 0,
					     (unsigned long)s->hva));
	s->used = false;	/* so vtx_vm_destroy() does not unmap it */
	vtx_vcpu_close(&vcpu);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
