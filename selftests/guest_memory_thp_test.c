// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory on demand over transparent huge pages: a THP-backed slot
 * maps nothing until the guest touches it, then one 2 MiB leaf per huge
 * page; when the host splits the huge page (a partial munmap, or
 * MADV_NOHUGEPAGE and a partial mprotect) the leaf goes before the call
 * returns and the guest sees the VMM's new layout. hugetlbfs memory
 * (MAP_HUGETLB) takes 2 MiB leaves the same way.
 */
#include "guest_memory_env.h"

/* 8 MiB of memory; from its 2 MiB-aligned start, HUGE_SIZE faulted in. */
static char *thp_mem(struct maps *maps, int *huge)
{
	char *m = map(maps, NULL, 4 * SZ_2M, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	int i;

	m = (char *)(((unsigned long)m + SZ_2M - 1) & ~(SZ_2M - 1));
	/* Ask for huge pages, then fault them in, as a VMM would. */
	madvise(m, HUGE_SIZE, MADV_HUGEPAGE);
	memset(m, 0, HUGE_SIZE);
	*huge = 0;
	for (i = 0; i < 2; i++)
		if (vtx_huge_ranges(m + i * SZ_2M, 1) == 1)
			*huge |= 1 << i;
	return m;
}

static bool has_ept_2m(struct vtx_vm *vm)
{
	struct vtx_capabilities caps;

	vtx_get_capabilities(vm->dev, &caps);
	return caps.vmx_ept_vpid_cap & VMX_EPT_2MB;
}

/*
 * THP-backed slot: nothing is mapped until the guest touches it; then
 * one fault maps a whole huge range with one 2 MiB leaf (a second access
 * anywhere in it takes no fault and no 4 KiB leaf), a range the host did
 * not back with a huge page takes 4 KiB leaves, and deleting the slot
 * leaves no leaf and no table behind.
 */
TEST_F_TIMEOUT(guest_memory, thp_slot_maps_2m_leaves_once_touched, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct vtx_ept_view warm, v0, v;
	char *mem;
	int huge, i;

	if (!has_ept_2m(&self->vm))
		SKIP(return, "the CPU has no 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP[16])");
	mem = thp_mem(&self->maps, &huge);
	if (!huge)
		SKIP(return, "no huge page backs a 2 MiB range (THP %s; off below 512 MiB RAM)",
		     vtx_thp_mode());
	*(__u32 *)(mem + 0x100000) = 0xfeedf00d;
	*(__u32 *)(mem + SZ_2M + 0x100000) = 0xfeedf00e;

	/* Map the guest's code and page tables first (no slot: an exit). */
	ASSERT_EQ(0, try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA, 0));
	vtx_assert_memory_fault(vcpu->run, TEST_GPA, VTX_MEMORY_FAULT_READ);
	vtx_debugfs_ept(&warm);
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, HUGE_SIZE,
			      mem));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(warm.large_leaves, v.large_leaves);
	EXPECT_EQ(warm.leaves, v.leaves);
	EXPECT_EQ(warm.faults, v.faults);

	for (i = 0; i < 2; i++) {
		const __u64 gpa = TEST_GPA + i * SZ_2M;
		const char *range = mem + i * SZ_2M;
		bool is_huge = huge & (1 << i);

		vtx_debugfs_ept(&v0);
		/* Both ends, then the middle. */
		guest_touch(vcpu, gpa, 2, SZ_2M - 8);
		EXPECT_EQ(0xfeedf00dU + i, guest_read(vcpu, gpa + 0x100000));
		vtx_debugfs_ept(&v);
		TH_LOG("range %d (%s): large leaves %+lld, leaves %+lld, faults %+lld",
		       i, is_huge ? "huge" : "4 KiB pages",
		       v.large_leaves - v0.large_leaves, v.leaves - v0.leaves,
		       v.faults - v0.faults);
		EXPECT_EQ(2ULL, *(__u64 *)range);
		EXPECT_EQ(1ULL, *(__u64 *)(range + SZ_2M - 8));
		if (is_huge) {
			EXPECT_EQ(v0.large_leaves + 1, v.large_leaves);
			EXPECT_EQ(v0.leaves, v.leaves);
			EXPECT_EQ(v0.faults + 1, v.faults);
		} else {
			EXPECT_EQ(v0.large_leaves, v.large_leaves);
			EXPECT_EQ(v0.leaves + 3, v.leaves);
		}
	}
	/* The page after the two ranges: a 4 KiB leaf. */
	vtx_debugfs_ept(&v0);
	guest_touch(vcpu, TEST_GPA + 2 * SZ_2M, 1, 0);
	vtx_debugfs_ept(&v);
	EXPECT_EQ(v0.large_leaves, v.large_leaves);
	EXPECT_EQ(v0.leaves + 1, v.leaves);
	EXPECT_EQ(1ULL, *(__u64 *)(mem + 2 * SZ_2M));

	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, 0, NULL));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(warm.large_leaves, v.large_leaves);
	EXPECT_EQ(warm.leaves, v.leaves);
	EXPECT_EQ(warm.tables, v.tables);
	ASSERT_EQ(0, try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA, 0));
	vtx_assert_memory_fault(vcpu->run, TEST_GPA, VTX_MEMORY_FAULT_READ);
}

/*
 * The host splits a huge page the guest has mapped with a 2 MiB leaf:
 * by munmap of one page inside it, or by mprotect of one page (after
 * MADV_NOHUGEPAGE). The 2 MiB leaf is gone when the call returns; the
 * guest faults at the unmapped page (EFAULT), cannot write the
 * read-only one, and sees the VMM's contents everywhere else in the
 * range, including a new page mapped into the hole.
 */
TEST_F_TIMEOUT(guest_memory, thp_split_is_followed, 300)
{
	const __u64 hole = 0x100000, ro = SZ_2M + 0x10000;
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct vtx_ept_view warm, v0, v;
	char *mem, *page;
	int huge, r;

	if (!has_ept_2m(&self->vm))
		SKIP(return, "the CPU has no 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP[16])");
	mem = thp_mem(&self->maps, &huge);
	if (!(huge & 1))
		SKIP(return, "no huge page backs range 0 (THP %s; off below 512 MiB RAM)",
		     vtx_thp_mode());
	*(__u32 *)(mem + hole) = 0xdead;
	*(__u32 *)(mem + hole + PAGE) = 0xabc1;
	*(__u32 *)(mem + ro) = 0x1dea;

	vtx_debugfs_ept(&warm);
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, HUGE_SIZE,
			      mem));
	guest_touch(vcpu, TEST_GPA, 2, SZ_2M - 8);
	EXPECT_EQ(0xdeadU, guest_read(vcpu, TEST_GPA + hole));
	vtx_debugfs_ept(&v0);
	ASSERT_EQ(warm.large_leaves + 1, v0.large_leaves);

	/* munmap of one page: the host's PMD is split, and the leaf goes. */
	ASSERT_EQ(0, munmap(mem + hole, PAGE));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(v0.large_leaves - 1, v.large_leaves);
	r = try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA + hole + 8, 0);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + hole, VTX_MEMORY_FAULT_READ);
	EXPECT_EQ(0xabc1U, guest_read(vcpu, TEST_GPA + hole + PAGE));
	guest_write(vcpu, TEST_GPA + SZ_2M - 16, 0x7777);
	EXPECT_EQ(0x7777ULL, *(__u64 *)(mem + SZ_2M - 16));
	EXPECT_EQ(2ULL, *(__u64 *)mem);
	/* Split in the host, the range takes 4 KiB leaves now. */
	vtx_debugfs_ept(&v0);
	EXPECT_EQ(warm.large_leaves, v0.large_leaves);
	/* A new page in the hole: the guest reads and writes it. */
	page = mmap(mem + hole, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(mem + hole, page);
	*(__u32 *)page = 0x600d;
	EXPECT_EQ(0x600dU, guest_read(vcpu, TEST_GPA + hole));
	guest_write(vcpu, TEST_GPA + hole + 8, 0x600e);
	EXPECT_EQ(0x600eULL, *(__u64 *)(page + 8));

	if (!(huge & 2)) {
		TH_LOG("no huge page backs the second range: its mprotect split is not checked");
		return;
	}
	guest_touch(vcpu, TEST_GPA + SZ_2M, 2, SZ_2M - 8);
	vtx_debugfs_ept(&v0);
	ASSERT_EQ(warm.large_leaves + 1, v0.large_leaves);
	ASSERT_EQ(0, madvise(mem + SZ_2M, SZ_2M, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, mprotect(mem + ro, PAGE, PROT_READ));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(v0.large_leaves - 1, v.large_leaves);
	r = try_run(vcpu, GM_GPA(guest_gm_write), TEST_GPA + ro + 8, 0x2bad);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + ro, VTX_MEMORY_FAULT_WRITE);
	EXPECT_EQ(0ULL, *(__u64 *)(mem + ro + 8));
	EXPECT_EQ(0x1deaU, guest_read(vcpu, TEST_GPA + ro));
	guest_write(vcpu, TEST_GPA + ro + PAGE, 0x600f);
	EXPECT_EQ(0x600fULL, *(__u64 *)(mem + ro + PAGE));
	EXPECT_EQ(1ULL, *(__u64 *)(mem + 2 * SZ_2M - 8));
	ASSERT_EQ(0, mprotect(mem + ro, PAGE, PROT_READ | PROT_WRITE));
	guest_write(vcpu, TEST_GPA + ro + 8, 0x600d);
	EXPECT_EQ(0x600dULL, *(__u64 *)(mem + ro + 8));

	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, 0, NULL));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(warm.large_leaves, v.large_leaves);
}

/* Set /proc/sys/vm/nr_hugepages to @n; the old value in @old. */
static int set_nr_hugepages(long n, long *old)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r+");
	int r = -1;

	if (!f)
		return -1;
	if (!old || fscanf(f, "%ld", old) == 1) {
		rewind(f);
		r = fprintf(f, "%ld\n", n) > 0 ? 0 : -1;
	}
	if (fclose(f))
		r = -1;
	return r;
}

/*
 * A slot of hugetlbfs memory (MAP_HUGETLB, 2 MiB pages): nothing mapped
 * until touched, then one fault and one 2 MiB leaf per huge page, the
 * guest's writes in the VMM's memory; munmap zaps the leaves before it
 * returns, and the guest's next access fails with EFAULT.
 */
TEST_F_TIMEOUT(guest_memory, hugetlb_slot_maps_2m_leaves, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct vtx_ept_view warm, v;
	long old;
	char *mem;
	int r;

	if (!has_ept_2m(&self->vm))
		SKIP(return, "the CPU has no 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP[16])");
	if (set_nr_hugepages(2, &old))
		SKIP(return, "cannot reserve hugetlbfs pages (/proc/sys/vm/nr_hugepages)");
	mem = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (mem == MAP_FAILED) {
		r = errno;
		set_nr_hugepages(old, NULL);
		SKIP(return, "MAP_HUGETLB of 4 MiB: %s", strerror(r));
	}
	*(__u32 *)(mem + SZ_2M + 0x1000) = 0xbeef;

	/* Map the guest's code and page tables first (no slot: an exit). */
	ASSERT_EQ(0, try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA, 0));
	vtx_debugfs_ept(&warm);
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, 2 * SZ_2M,
			      mem));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(warm.large_leaves, v.large_leaves);
	EXPECT_EQ(warm.faults, v.faults);

	guest_touch(vcpu, TEST_GPA, 4, SZ_2M / 2 - 8);
	EXPECT_EQ(0xbeefU, guest_read(vcpu, TEST_GPA + SZ_2M + 0x1000));
	vtx_debugfs_ept(&v);
	TH_LOG("large leaves %+lld, leaves %+lld, faults %+lld",
	       v.large_leaves - warm.large_leaves, v.leaves - warm.leaves,
	       v.faults - warm.faults);
	EXPECT_EQ(warm.large_leaves + 2, v.large_leaves);
	EXPECT_EQ(warm.leaves, v.leaves);
	EXPECT_EQ(warm.faults + 2, v.faults);
	EXPECT_EQ(4ULL, *(__u64 *)mem);
	EXPECT_EQ(1ULL, *(__u64 *)(mem + 3 * (SZ_2M / 2 - 8)));

	EXPECT_EQ(0, munmap(mem, 2 * SZ_2M));
	vtx_debugfs_ept(&v);
	EXPECT_EQ(warm.large_leaves, v.large_leaves);
	r = try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA + SZ_2M + 0x1000, 0);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + SZ_2M + 0x1000,
			  VTX_MEMORY_FAULT_READ);
	EXPECT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, 0, NULL));
	EXPECT_EQ(0, set_nr_hugepages(old, NULL));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
