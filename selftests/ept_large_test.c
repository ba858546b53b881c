// SPDX-License-Identifier: GPL-2.0
/*
 * 2 MiB EPT leaves: a slot whose user memory is a transparent huge page
 * at a 2 MiB-aligned guest address is mapped with one leaf per 2 MiB
 * when the guest first touches it (the EPT starts empty: making the slot
 * maps nothing), and the guest sees exactly the slot's memory through
 * it: its writes land in the right host pages, the page after the slot
 * still exits, and once the slot is deleted nothing of it stays mapped or
 * reachable. The same memory at an unaligned guest address takes 4 KiB
 * leaves.
 *
 * Leaves are counted in /sys/kernel/debug/vtx/ept; which 2 MiB ranges
 * the host backed with a huge page is read from /proc/self/pagemap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define SZ_2M		0x200000ULL
#define HUGE_GPA	0x40000000ULL		/* 1 GiB: 2 MiB-aligned */
#define HUGE_SIZE	(2 * SZ_2M + 0x1000)	/* two 2 MiB ranges + a page */
#define HUGE_SLOT	1
#define PORT_READ	0x10
#define VMX_EPT_2MB	0x10000ULL	/* IA32_VMX_EPT_VPID_CAP[16] */

/*
 * RDI = the slot's GPA. Write a marker at both ends of each 2 MiB range
 * and into the last page, report a word the host wrote, halt; then read
 * the page past the slot; then (after the delete) the slot's first page.
 */
VTX_GUEST_CODE(guest_ept_large);
VTX_GUEST_LABEL(guest_ept_large_past_end);
VTX_GUEST_LABEL(guest_ept_large_deleted);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_ept_large_start:\n"
	"	movq $0x11, (%rdi)\n"
	"	movq $0x22, 0x1ffff8(%rdi)\n"
	"	movq $0x33, 0x200000(%rdi)\n"
	"	movq $0x44, 0x3ffff8(%rdi)\n"
	"	movq $0x55, 0x400000(%rdi)\n"
	"	mov 0x100000(%rdi), %eax\n"
	"	out %eax, $0x10\n"
	"	hlt\n"
	"guest_ept_large_past_end:\n"
	"	mov 0x401000(%rdi), %eax\n"
	"	hlt\n"
	"guest_ept_large_deleted:\n"
	"	mov (%rdi), %eax\n"
	"	hlt\n"
	"guest_ept_large_end:\n"
	".popsection\n");

FIXTURE(ept_large) {
	struct vtx_kmsg kmsg;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
	char *map;		/* 8 MiB of user memory ... */
	char *mem;		/* ... and its first 2 MiB-aligned address */
};

FIXTURE_SETUP(ept_large)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_ept_large_start,
		    guest_ept_large_end);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);

	self->map = mmap(NULL, 4 * SZ_2M, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->mem = (char *)(((unsigned long)self->map + SZ_2M - 1) &
			     ~(SZ_2M - 1));
	/* Ask for huge pages, then fault them in, as a VMM would. */
	madvise(self->mem, HUGE_SIZE, MADV_HUGEPAGE);
	memset(self->mem, 0, HUGE_SIZE);
	*(__u32 *)(self->mem + 0x100000) = 0xfeedf00d;
}

FIXTURE_TEARDOWN(ept_large)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	munmap(self->map, 4 * SZ_2M);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* The live 2 MiB leaves of every VM (/sys/kernel/debug/vtx/ept). */
static long long ept_leaves_2m(void)
{
	struct vtx_ept_view v;

	vtx_debugfs_ept(&v);
	return v.large_leaves;
}

/* The 2 MiB leaves split so far for nx_huge_pages. */
static long long ept_splits(void)
{
	struct vtx_ept_view v;

	vtx_debugfs_ept(&v);
	return v.splits;
}

static void run_to(struct vtx_vcpu *vcpu, __u64 rip, __u64 rdi)
{
	struct kvm_regs regs;

	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rip = rip;
	regs.rdi = rdi;
	vtx_vcpu_set_regs(vcpu, &regs);
	vtx_vcpu_run(vcpu);
}

/* A slot of the fixture's huge-page memory at @gpa; 0 or -errno. */
static int huge_slot(struct vtx_vm *vm, const char *mem, __u64 gpa,
		     __u64 size)
{
	return __vtx_set_memory_region(vm->fd, HUGE_SLOT, 0, gpa, size,
				       (unsigned long)mem);
}

TEST_F_TIMEOUT(ept_large, touched_huge_page_slot_maps_2m_leaves_and_no_more,
	       300)
{
	struct vtx_capabilities caps;
	struct vtx_ept_view warm, v;
	long long before;
	int huge;

	vtx_get_capabilities(self->vm.dev, &caps);
	if (!(caps.vmx_ept_vpid_cap & VMX_EPT_2MB))
		SKIP(return, "the CPU has no 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP[16])");
	huge = vtx_huge_ranges(self->mem, 2);
	ASSERT_LE(0, huge);
	if (!huge)
		SKIP(return, "no huge page backs a 2 MiB range (THP %s; off below 512 MiB RAM)",
		     vtx_thp_mode());
	/*
	 * Before the slot exists, the guest's read there exits: that maps
	 * the guest's code and its page tables for that range, so that the
	 * counts below move for the slot alone.
	 */
	run_to(&self->vcpu, VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_ept_large,
						guest_ept_large_past_end),
	       HUGE_GPA);
	vtx_assert_memory_fault(self->vcpu.run, HUGE_GPA + HUGE_SIZE,
				VTX_MEMORY_FAULT_READ);
	vtx_debugfs_ept(&warm);
	before = warm.large_leaves;

	/* Making the slot maps nothing: the EPT fills on the guest's faults. */
	ASSERT_EQ(0, huge_slot(&self->vm, self->mem, HUGE_GPA, HUGE_SIZE));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(before, v.large_leaves);
	EXPECT_EQ(warm.leaves, v.leaves);
	EXPECT_EQ(warm.faults, v.faults);

	run_to(&self->vcpu, VTX_CODE_GPA, HUGE_GPA);
	vtx_assert_io_out(self->vcpu.run, PORT_READ, 4, 0xfeedf00d);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
	vtx_debugfs_ept(&v);
	TH_LOG("%d of 2 ranges huge; large leaves %lld -> %lld, 4 KiB leaves %lld -> %lld",
	       huge, before, v.large_leaves, warm.leaves, v.leaves);
	ASSERT_EQ(before + huge, v.large_leaves);
	/* The last page at least takes a 4 KiB leaf. */
	EXPECT_LT(warm.leaves, v.leaves);
	ASSERT_EQ(0x11ULL, *(__u64 *)self->mem);
	ASSERT_EQ(0x22ULL, *(__u64 *)(self->mem + 0x1ffff8));
	ASSERT_EQ(0x33ULL, *(__u64 *)(self->mem + 0x200000));
	ASSERT_EQ(0x44ULL, *(__u64 *)(self->mem + 0x3ffff8));
	ASSERT_EQ(0x55ULL, *(__u64 *)(self->mem + 0x400000));

	/* The page after the slot is in no slot: it must still exit. */
	run_to(&self->vcpu, VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_ept_large,
						guest_ept_large_past_end),
	       HUGE_GPA);
	vtx_assert_memory_fault(self->vcpu.run, HUGE_GPA + HUGE_SIZE,
				VTX_MEMORY_FAULT_READ);

	/*
	 * Deleted, the slot's leaves are gone, from the tables and the TLB,
	 * and so are the tables they emptied.
	 */
	ASSERT_EQ(0, huge_slot(&self->vm, self->mem, HUGE_GPA, 0));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(before, v.large_leaves);
	EXPECT_EQ(warm.leaves, v.leaves);
	EXPECT_EQ(warm.tables, v.tables);
	run_to(&self->vcpu, VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_ept_large,
						guest_ept_large_deleted),
	       HUGE_GPA);
	vtx_assert_memory_fault(self->vcpu.run, HUGE_GPA,
				VTX_MEMORY_FAULT_READ);
}

TEST_F_TIMEOUT(ept_large, unaligned_guest_address_takes_4k_leaves, 300)
{
	long long before = ept_leaves_2m();

	ASSERT_EQ(0, huge_slot(&self->vm, self->mem, HUGE_GPA + 0x1000,
			       HUGE_SIZE));
	ASSERT_EQ(before, ept_leaves_2m());

	run_to(&self->vcpu, VTX_CODE_GPA, HUGE_GPA + 0x1000);
	vtx_assert_io_out(self->vcpu.run, PORT_READ, 4, 0xfeedf00d);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
	/* Touched, the unaligned slot still has no 2 MiB leaf. */
	EXPECT_EQ(before, ept_leaves_2m());
	ASSERT_EQ(0x11ULL, *(__u64 *)self->mem);
	ASSERT_EQ(0x33ULL, *(__u64 *)(self->mem + 0x200000));
	ASSERT_EQ(0x55ULL, *(__u64 *)(self->mem + 0x400000));

	run_to(&self->vcpu, VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_ept_large,
						guest_ept_large_past_end),
	       HUGE_GPA + 0x1000);
	vtx_assert_memory_fault(self->vcpu.run,
				HUGE_GPA + 0x1000 + HUGE_SIZE,
				VTX_MEMORY_FAULT_READ);
	ASSERT_EQ(0, huge_slot(&self->vm, self->mem, HUGE_GPA + 0x1000, 0));
}

/* mov $0x77, %eax; out %eax, $0x11; hlt: code for the huge range. */
static const unsigned char huge_code[] = {
	0xb8, 0x77, 0, 0, 0, 0xe7, 0x11, 0xf4,
};

/*
 * iTLB multihit (nx_huge_pages=on): the 2 MiB leaves are not executable.
 * The guest's first fetch from one splits it into 4 KiB leaves, once, and
 * the guest runs its code there and still reads and writes the range.
 */
TEST_F_TIMEOUT(ept_large, fetch_from_nx_huge_leaf_splits_it, 300)
{
	struct vtx_vcpu_stats stats;
	struct vtx_capabilities caps;
	long long before, splits0;
	int huge;

	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	vtx_module_unload("vtx");
	ASSERT_EQ(0, __vtx_load_with("nx_huge_pages=on"));
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_ept_large_start,
		    guest_ept_large_end);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	vtx_get_capabilities(self->vm.dev, &caps);
	ASSERT_NE(0U, caps.mitigations & VTX_MITIGATE_NX_HUGE_PAGES);
	if (!(caps.vmx_ept_vpid_cap & VMX_EPT_2MB))
		SKIP(return, "the CPU has no 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP[16])");
	huge = vtx_huge_ranges(self->mem, 2);
	ASSERT_LE(0, huge);
	if (!huge)
		SKIP(return, "no huge page backs a 2 MiB range (THP %s; off below 512 MiB RAM)",
		     vtx_thp_mode());
	memcpy(self->mem + 0x2000, huge_code, sizeof(huge_code));
	before = ept_leaves_2m();
	splits0 = ept_splits();
	ASSERT_EQ(0, huge_slot(&self->vm, self->mem, HUGE_GPA, HUGE_SIZE));
	ASSERT_EQ(before, ept_leaves_2m());

	/* Data accesses map 2 MiB leaves and do not split them. */
	run_to(&self->vcpu, VTX_CODE_GPA, HUGE_GPA);
	vtx_assert_io_out(self->vcpu.run, PORT_READ, 4, 0xfeedf00d);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
	ASSERT_EQ(before + huge, ept_leaves_2m());
	ASSERT_EQ(splits0, ept_splits());

	/* A fetch does, once; the code there runs. */
	run_to(&self->vcpu, HUGE_GPA + 0x2000, 0);
	vtx_assert_io_out(self->vcpu.run, 0x11, 4, 0x77);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
	run_to(&self->vcpu, HUGE_GPA + 0x2000, 0);
	vtx_assert_io_out(self->vcpu.run, 0x11, 4, 0x77);
	vtx_get_vcpu_stats(self->vcpu.fd, &stats);
	TH_LOG("splits %lld -> %lld, large leaves %lld -> %lld", splits0,
	       ept_splits(), before + huge, ept_leaves_2m());
	EXPECT_EQ(1ULL, stats.ept_splits);
	EXPECT_EQ(splits0 + 1, ept_splits());
	EXPECT_EQ(before + huge - 1, ept_leaves_2m());
	/* The split range still holds the same pages. */
	EXPECT_EQ(0x11ULL, *(__u64 *)self->mem);
	ASSERT_EQ(0, huge_slot(&self->vm, self->mem, HUGE_GPA, 0));
	EXPECT_EQ(before, ept_leaves_2m());
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
