// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory on demand, as KVM has it: making a slot maps nothing; the
 * guest's first access to a page takes an EPT violation and vtx maps
 * whatever the VMM maps at that moment (a 2 MiB leaf over a huge page);
 * an MMU notifier zaps the EPT before any change of the VMM's mapping
 * completes (munmap, MAP_FIXED, mprotect, MADV_DONTNEED, truncation, a
 * huge page split), so the guest never sees a page the VMM no longer
 * has. An access the VMM's mapping does not allow fails KVM_RUN with
 * EFAULT and a KVM_EXIT_MEMORY_FAULT naming the 4 KiB page; a write to
 * a KVM_MEM_READONLY slot is KVM_EXIT_MMIO at the exact address, as in KVM.
 *
 * The EPT's leaves and faults are counted in /sys/kernel/debug/vtx/ept.
 */
#include "guest_memory_env.h"

/*
 * A 64 MiB and a 512 MiB slot of anonymous memory, nothing faulted in;
 * the guest writes 256 pages spread over each. Making a slot maps and
 * faults in nothing, the guest's touches map 4 KiB leaves for about
 * those pages only, the VMM's memory holds those pages only, and the
 * 512 MiB slot costs about what the 64 MiB one does. The emulated host
 * may have only 512 MiB of RAM. Deleted, the slots leave no leaf and no
 * table behind.
 */
TEST_F_TIMEOUT(guest_memory, setup_scales_with_touched_memory, 600)
{
	static const struct {
		__u64 gpa, size;
	} slots[] = {
		{ 0x40000000ULL, 64ULL << 20 },
		{ 0x80000000ULL, 512ULL << 20 },
	};
	struct vtx_ept_view warm, v0, v1, v2;
	__u64 cost[2];
	int i;

	/*
	 * Reads where the slots will be exit (no slot yet): that maps the
	 * guest's code and page tables, so that the counts below move for
	 * the slots alone.
	 */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, try_run(&self->vcpu, GM_GPA(guest_gm_read),
				     slots[i].gpa, 0));
		vtx_assert_memory_fault(self->vcpu.run, slots[i].gpa,
					VTX_MEMORY_FAULT_READ);
	}
	vtx_debugfs_ept(&warm);

	for (i = 0; i < 2; i++) {
		const __u64 size = slots[i].size, stride = size / TOUCHED;
		long long leaves, faults;
		__u64 t0, t_set, t_run;
		long resident;
		int j, wrong = 0;
		char *p;
		int r;

		p = map(&self->maps, NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
		/* 4 KiB pages: each touch would take a 2 MiB THP otherwise. */
		ASSERT_EQ(0, madvise(p, size, MADV_NOHUGEPAGE));

		vtx_debugfs_ept(&v0);
		t0 = vtx_now_ns();
		r = set_slot(&self->vm, 1 + i, 0, slots[i].gpa, size, p);
		t_set = vtx_now_ns() - t0;
		ASSERT_EQ(0, r) TH_LOG("%llu MiB slot: %s",
				       (unsigned long long)(size >> 20),
				       strerror(-r));
		vtx_debugfs_ept(&v1);
		EXPECT_EQ(v0.leaves, v1.leaves);
		EXPECT_EQ(v0.tables, v1.tables);
		EXPECT_EQ(v0.faults, v1.faults);
		EXPECT_EQ(0, resident_pages(p, size));

		t0 = vtx_now_ns();
		guest_touch(&self->vcpu, slots[i].gpa, TOUCHED, stride);
		t_run = vtx_now_ns() - t0;
		vtx_debugfs_ept(&v2);
		leaves = v2.leaves - v1.leaves;
		faults = v2.faults - v1.faults;
		resident = resident_pages(p, size);
		cost[i] = t_set + t_run;
		TH_LOG("%llu MiB: set %.3f ms, %d pages touched in %.3f ms",
		       (unsigned long long)(size >> 20), ms(t_set), TOUCHED,
		       ms(t_run));
		TH_LOG("leaves +%lld, faults +%lld, tables +%lld, resident %ld",
		       leaves, faults, v2.tables - v1.tables, resident);
		/* One leaf per page touched; not one per page of the slot. */
		EXPECT_LE(TOUCHED, leaves);
		EXPECT_GT(2 * TOUCHED, leaves);
		EXPECT_LE(TOUCHED, faults);
		EXPECT_GT(2 * TOUCHED, faults);
		EXPECT_EQ(TOUCHED, resident);
		/* The guest wrote the VMM's pages. */
		for (j = 0; j < TOUCHED; j++)
			if (*(__u64 *)(p + j * stride) != (__u64)(TOUCHED - j))
				wrong++;
		EXPECT_EQ(0, wrong);
	}
	TH_LOG("set + run: 64 MiB %.3f ms, 512 MiB %.3f ms (x%.2f)",
	       ms(cost[0]), ms(cost[1]), (double)cost[1] / cost[0]);
	EXPECT_LT(cost[1], 4 * cost[0]);

	ASSERT_EQ(0, set_slot(&self->vm, 1, 0, slots[0].gpa, 0, NULL));
	ASSERT_EQ(0, set_slot(&self->vm, 2, 0, slots[1].gpa, 0, NULL));
	vtx_debugfs_ept(&v2);
	EXPECT_EQ(warm.leaves, v2.leaves);
	EXPECT_EQ(warm.large_leaves, v2.large_leaves);
	EXPECT_EQ(warm.tables, v2.tables);
}

/*
 * The VMM makes a page the guest wrote read-only: the guest's next write
 * fails KVM_RUN with EFAULT (the page, WRITE), does not reach the page,
 * and stays pending: once the page is writable again, KVM_RUN completes
 * it. The guest reads a read-only page and runs code from one (guest
 * execution needs no PROT_EXEC, as in KVM), but cannot write its code
 * page while that is read-only.
 */
TEST_F_TIMEOUT(guest_memory, mprotect_read_only_faults_writes, 300)
{
	char *data = vtx_vm_hva(&self->vm, VTX_DATA_GPA);
	char *code = vtx_vm_hva(&self->vm, VTX_CODE_GPA);
	struct vtx_vcpu *vcpu = &self->vcpu;
	int r;

	/* Written by the guest, the page is mapped writable. */
	guest_write(vcpu, VTX_DATA_GPA + 8, 0x1111);
	EXPECT_EQ(0x1111ULL, *(__u64 *)(data + 8));

	ASSERT_EQ(0, mprotect(data, PAGE, PROT_READ));
	r = try_run(vcpu, GM_GPA(guest_gm_write), VTX_DATA_GPA + 8, 0x2222);
	vtx_assert_efault(vcpu->run, r, VTX_DATA_GPA, VTX_MEMORY_FAULT_WRITE);
	EXPECT_EQ(GM_GPA(guest_gm_write), rip_of(vcpu));
	EXPECT_EQ(0x1111ULL, *(__u64 *)(data + 8));
	/* Nothing changed: the same again. */
	vtx_assert_efault(vcpu->run, __vtx_vcpu_run(vcpu), VTX_DATA_GPA,
			  VTX_MEMORY_FAULT_WRITE);
	EXPECT_EQ(0x1111ULL, *(__u64 *)(data + 8));

	/* Writable again: the same write goes through. */
	ASSERT_EQ(0, mprotect(data, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ((__u32)DONE, out_then_hlt(vcpu, PORT_DONE));
	EXPECT_EQ(0x2222ULL, *(__u64 *)(data + 8));

	/* Read-only once more: reads work, writes still fault after them. */
	ASSERT_EQ(0, mprotect(data, PAGE, PROT_READ));
	EXPECT_EQ(0x2222U, guest_read(vcpu, VTX_DATA_GPA + 8));
	r = try_run(vcpu, GM_GPA(guest_gm_write), VTX_DATA_GPA + PAGE - 8,
		    0x3333);
	vtx_assert_efault(vcpu->run, r, VTX_DATA_GPA, VTX_MEMORY_FAULT_WRITE);
	EXPECT_EQ(0ULL, *(__u64 *)(data + PAGE - 8));
	ASSERT_EQ(0, mprotect(data, PAGE, PROT_READ | PROT_WRITE));

	/* The code page read-only: its code runs, writes to it fault. */
	ASSERT_EQ(0, mprotect(code, PAGE, PROT_READ));
	EXPECT_EQ(0x2222U, guest_read(vcpu, VTX_DATA_GPA + 8));
	r = try_run(vcpu, GM_GPA(guest_gm_write), VTX_CODE_GPA + PAGE - 8,
		    0x4444);
	vtx_assert_efault(vcpu->run, r, VTX_CODE_GPA, VTX_MEMORY_FAULT_WRITE);
	EXPECT_EQ(0ULL, *(__u64 *)(code + PAGE - 8));
	ASSERT_EQ(0, mprotect(code, PAGE, PROT_READ | PROT_WRITE));
	guest_write(vcpu, VTX_CODE_GPA + PAGE - 8, 0x4444);
	EXPECT_EQ(0x4444ULL, *(__u64 *)(code + PAGE - 8));
}

/*
 * The guest read a page; the VMM replaces it (munmap and mmap again,
 * then MAP_FIXED straight over it), or discards it (MADV_DONTNEED): the
 * guest reads the new contents (anonymous memory: zeros after a
 * discard), and its writes after each change reach the VMM.
 */
TEST_F_TIMEOUT(guest_memory, remap_and_dontneed_show_new_contents, 300)
{
	const size_t len = 4 * PAGE;
	struct vtx_vcpu *vcpu = &self->vcpu;
	void *again;
	char *p;

	p = map(&self->maps, NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1);
	*(__u32 *)(p + 8) = 0x1111;
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, len, p));
	EXPECT_EQ(0x1111U, guest_read(vcpu, TEST_GPA + 8));

	ASSERT_EQ(0, munmap(p, PAGE));
	again = mmap(p, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p, again);
	*(__u32 *)(p + 8) = 0x2222;
	EXPECT_EQ(0x2222U, guest_read(vcpu, TEST_GPA + 8));
	guest_write(vcpu, TEST_GPA + 16, 0x2223);
	EXPECT_EQ(0x2223ULL, *(__u64 *)(p + 16));

	again = mmap(p, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p, again);
	*(__u32 *)(p + 8) = 0x3333;
	EXPECT_EQ(0x3333U, guest_read(vcpu, TEST_GPA + 8));
	EXPECT_EQ(0U, guest_read(vcpu, TEST_GPA + 16));
	guest_write(vcpu, TEST_GPA + 16, 0x4444);
	EXPECT_EQ(0x4444ULL, *(__u64 *)(p + 16));

	/* Discarded: zeros for the guest, its own write included. */
	ASSERT_EQ(0, madvise(p, PAGE, MADV_DONTNEED));
	EXPECT_EQ(0U, guest_read(vcpu, TEST_GPA + 8));
	EXPECT_EQ(0U, guest_read(vcpu, TEST_GPA + 16));
	/* The guest's write to the zero-filled page reaches the VMM ... */
	guest_write(vcpu, TEST_GPA + 16, 0x5555);
	EXPECT_EQ(0x5555ULL, *(__u64 *)(p + 16));
	EXPECT_EQ(0U, *(__u32 *)(p + 8));
	/* ... and the VMM's write reaches the guest. */
	*(__u32 *)(p + 8) = 0x6666;
	EXPECT_EQ(0x6666U, guest_read(vcpu, TEST_GPA + 8));

	/* The whole slot discarded; the guest writes its last page. */
	ASSERT_EQ(0, madvise(p, len, MADV_DONTNEED));
	EXPECT_EQ(0U, guest_read(vcpu, TEST_GPA + 8));
	EXPECT_EQ(0U, guest_read(vcpu, TEST_GPA + 16));
	guest_write(vcpu, TEST_GPA + len - 8, 0x7777);
	EXPECT_EQ(0x7777ULL, *(__u64 *)(p + len - 8));
}

/*
 * A memfd mapped MAP_SHARED as a slot: the file's data reaches the guest
 * and the guest's writes reach the file (pread), also after the VMM
 * unmapped it. Pages truncated off the file are gone for the guest
 * (EFAULT), and come back as zeros when the file grows again.
 */
TEST_F_TIMEOUT(guest_memory, file_backed_shared_slot_writes_reach_file, 300)
{
	const size_t len = 4 * PAGE;
	struct vtx_vcpu *vcpu = &self->vcpu;
	__u64 v;
	char *p;
	int r;

	self->fd = memfd_create("vtx-guest-memory", MFD_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("memfd_create: %s", strerror(errno));
	ASSERT_EQ(0, ftruncate(self->fd, len));
	v = 0x5eed;
	ASSERT_EQ(8, pwrite(self->fd, &v, 8, PAGE));
	p = map(&self->maps, NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		self->fd);
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, len, p));

	EXPECT_EQ(0x5eedU, guest_read(vcpu, TEST_GPA + PAGE));
	guest_write(vcpu, TEST_GPA + 8, 0x1234567890abcdefULL);
	guest_write(vcpu, TEST_GPA + len - 8, 0xcafe);
	ASSERT_EQ(8, pread(self->fd, &v, 8, 8));
	EXPECT_EQ(0x1234567890abcdefULL, v);
	ASSERT_EQ(8, pread(self->fd, &v, 8, len - 8));
	EXPECT_EQ(0xcafeULL, v);
	/* The file's write to a page the guest has mapped reaches it. */
	v = 0xf00d;
	ASSERT_EQ(8, pwrite(self->fd, &v, 8, PAGE));
	EXPECT_EQ(0xf00dU, guest_read(vcpu, TEST_GPA + PAGE));

	/* Truncated: the guest loses the last two pages, the mapped one too. */
	ASSERT_EQ(0, ftruncate(self->fd, 2 * PAGE));
	r = try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA + len - 8, 0);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + len - PAGE,
			  VTX_MEMORY_FAULT_READ);
	ASSERT_EQ(0, ftruncate(self->fd, len));
	EXPECT_EQ(0U, guest_read(vcpu, TEST_GPA + len - 8));
	guest_write(vcpu, TEST_GPA + len - 8, 0xbeef);
	ASSERT_EQ(8, pread(self->fd, &v, 8, len - 8));
	EXPECT_EQ(0xbeefULL, v);

	/* Unmapped by the VMM: the file keeps the data, the guest has none. */
	unmap(&self->maps, p);
	ASSERT_EQ(8, pread(self->fd, &v, 8, 8));
	EXPECT_EQ(0x1234567890abcdefULL, v);
	ASSERT_EQ(8, pread(self->fd, &v, 8, len - 8));
	EXPECT_EQ(0xbeefULL, v);
	r = try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA + 8, 0);
	vtx_assert_efault(vcpu->run, r, TEST_GPA, VTX_MEMORY_FAULT_READ);
	EXPECT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, 0, NULL));
}

/*
 * KVM_MEM_READONLY (KVM_CAP_READONLY_MEM is 1): the guest reads the
 * VMM's data and runs code there; its write exits (KVM_RUN 0,
 * KVM_EXIT_MEMORY_FAULT, WRITE, the exact address, size 0: vtx's form
 * of KVM's MMIO exit), every time it is run, and never reaches the
 * memory. That holds over memory the VMM has not faulted in, and over
 * memory the VMM mapped read-only.
 */
TEST_F_TIMEOUT(guest_memory, readonly_slot_reads_work_writes_exit, 300)
{
	const size_t len = 4 * PAGE;
	const __u64 ro_gpa = TEST_GPA + 0x100000;
	struct vtx_vcpu *vcpu = &self->vcpu;
	char *p, *q;
	int r;

	EXPECT_EQ(1, __vtx_ioctl(self->vm.fd, KVM_CHECK_EXTENSION,
				 (void *)KVM_CAP_READONLY_MEM));
	EXPECT_EQ(1, __vtx_ioctl(self->vm.dev, KVM_CHECK_EXTENSION,
				 (void *)KVM_CAP_READONLY_MEM));
	p = map(&self->maps, NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1);
	*(__u32 *)(p + 8) = 0xabcd;
	memcpy(p + 2 * PAGE, exec_code, sizeof(exec_code));
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, KVM_MEM_READONLY, TEST_GPA,
			      len, p));

	EXPECT_EQ(0xabcdU, guest_read(vcpu, TEST_GPA + 8));
	r = try_run(vcpu, GM_GPA(guest_gm_write), TEST_GPA + 0x10, 0x1234);
	assert_readonly_exit(_metadata, vcpu, r, TEST_GPA + 0x10);
	EXPECT_EQ(GM_GPA(guest_gm_write), rip_of(vcpu));
	EXPECT_EQ(0ULL, *(__u64 *)(p + 0x10));
	/* The next run completes the write, which only user space saw. */
	EXPECT_EQ(0, __vtx_vcpu_run(vcpu));
	EXPECT_EQ((__u32)KVM_EXIT_IO, vcpu->run->exit_reason);
	EXPECT_NE(GM_GPA(guest_gm_write), rip_of(vcpu));
	EXPECT_EQ(0ULL, *(__u64 *)(p + 0x10));
	/* A page the guest never read, nor the VMM wrote. */
	r = try_run(vcpu, GM_GPA(guest_gm_write), TEST_GPA + 3 * PAGE + 4, 1);
	assert_readonly_exit(_metadata, vcpu, r, TEST_GPA + 3 * PAGE + 4);
	EXPECT_EQ(0ULL, *(__u64 *)(p + 3 * PAGE + 4));
	/* The VMM's own writes show; code there runs. */
	*(__u32 *)(p + 8) = 0xabce;
	EXPECT_EQ(0xabceU, guest_read(vcpu, TEST_GPA + 8));
	EXPECT_EQ((__u32)EXEC_VALUE, guest_exec(vcpu, TEST_GPA + 2 * PAGE));

	/* A read-only slot over PROT_READ memory: the same. */
	q = map(&self->maps, NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT + 1, KVM_MEM_READONLY,
			      ro_gpa, PAGE, q));
	EXPECT_EQ(0U, guest_read(vcpu, ro_gpa + 0x20));
	r = try_run(vcpu, GM_GPA(guest_gm_write), ro_gpa + 0x20, 0x5678);
	assert_readonly_exit(_metadata, vcpu, r, ro_gpa + 0x20);
	EXPECT_EQ(0ULL, *(__u64 *)(q + 0x20));
}

/*
 * A slot over unmapped user memory is accepted; the guest's read, write
 * and fetch there fail KVM_RUN with EFAULT, each naming its page and
 * access. Once the VMM maps memory there the guest uses it; a PROT_NONE
 * page faults again.
 */
TEST_F_TIMEOUT(guest_memory, unmapped_slot_memory_is_efault_at_run, 300)
{
	const size_t len = 4 * PAGE;
	struct vtx_vcpu *vcpu = &self->vcpu;
	char *p;
	int r;

	p = map(&self->maps, NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1);
	unmap(&self->maps, p);
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, len, p));

	r = try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA + PAGE + 8, 0);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + PAGE, VTX_MEMORY_FAULT_READ);
	EXPECT_EQ(GM_GPA(guest_gm_read), rip_of(vcpu));
	r = try_run(vcpu, GM_GPA(guest_gm_write), TEST_GPA + 2 * PAGE + 0x10,
		    1);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + 2 * PAGE,
			  VTX_MEMORY_FAULT_WRITE);
	EXPECT_EQ(GM_GPA(guest_gm_write), rip_of(vcpu));
	r = try_run(vcpu, GM_GPA(guest_gm_fetch), TEST_GPA + 3 * PAGE + 0x20,
		    0);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + 3 * PAGE,
			  VTX_MEMORY_FAULT_EXEC);
	EXPECT_EQ(TEST_GPA + 3 * PAGE + 0x20, rip_of(vcpu));

	/* The VMM maps memory there: the guest has it. */
	map(&self->maps, p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1);
	*(__u32 *)(p + PAGE + 8) = 0x4321;
	memcpy(p + 3 * PAGE + 0x20, exec_code, sizeof(exec_code));
	EXPECT_EQ(0x4321U, guest_read(vcpu, TEST_GPA + PAGE + 8));
	guest_write(vcpu, TEST_GPA + 2 * PAGE + 0x10, 0x8765);
	EXPECT_EQ(0x8765ULL, *(__u64 *)(p + 2 * PAGE + 0x10));
	EXPECT_EQ((__u32)EXEC_VALUE,
		  guest_exec(vcpu, TEST_GPA + 3 * PAGE + 0x20));

	/* PROT_NONE: no access at all. */
	ASSERT_EQ(0, mprotect(p + PAGE, PAGE, PROT_NONE));
	r = try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA + PAGE + 8, 0);
	vtx_assert_efault(vcpu->run, r, TEST_GPA + PAGE, VTX_MEMORY_FAULT_READ);
	ASSERT_EQ(0, mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0x4321U, guest_read(vcpu, TEST_GPA + PAGE + 8));
}

static struct {
	int code;
	void *addr;
	int lsb;
	int count;
} sigbus_seen;

static void sigbus_handler(int sig, siginfo_t *si, void *uc)
{
	sigbus_seen.code = si->si_code;
	sigbus_seen.addr = si->si_addr;
	sigbus_seen.lsb = si->si_addr_lsb;
	sigbus_seen.count++;
}

/*
 * A poisoned page (MADV_HWPOISON) the guest had mapped: its next access
 * fails KVM_RUN with EHWPOISON and the vCPU thread gets SIGBUS with
 * BUS_MCEERR_AR at the page's address, as KVM sends it. The guest still
 * uses the slot's other page, and a page the VMM maps over the poisoned
 * one.
 */
TEST_F_TIMEOUT(guest_memory, hwpoison_is_ehwpoison_with_sigbus, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct sigaction sa;
	char *p, *page;
	int r;

	p = map(&self->maps, NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1);
	*(__u32 *)p = 0x1357;
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, 2 * PAGE, p));
	guest_write(vcpu, TEST_GPA + PAGE + 8, 0x2468);
	EXPECT_EQ(0x2468ULL, *(__u64 *)(p + PAGE + 8));

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigbus_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	if (madvise(p + PAGE, PAGE, MADV_HWPOISON))
		SKIP(return, "MADV_HWPOISON: %s", strerror(errno));

	r = try_run(vcpu, GM_GPA(guest_gm_read), TEST_GPA + PAGE + 8, 0);
	EXPECT_EQ(-EHWPOISON, r) TH_LOG("KVM_RUN: %s", strerror(-r));
	EXPECT_EQ(1, sigbus_seen.count);
	EXPECT_EQ(BUS_MCEERR_AR, sigbus_seen.code);
	EXPECT_EQ((void *)(p + PAGE), sigbus_seen.addr);
	EXPECT_EQ(12, sigbus_seen.lsb);

	EXPECT_EQ(0x1357U, guest_read(vcpu, TEST_GPA));
	page = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p + PAGE, page);
	*(__u32 *)(page + 8) = 0x600d;
	EXPECT_EQ(0x600dU, guest_read(vcpu, TEST_GPA + PAGE + 8));
	EXPECT_EQ(1, sigbus_seen.count);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
