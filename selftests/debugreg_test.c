// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's debug registers are its own:
 * - it reads back the DR0-3, DR6 and DR7 values it wrote, and a
 *   breakpoint on its own DR0 fires, with B0 in its DR6;
 * - a breakpoint it enables without setting DR0 watches address 0, never
 *   the address a host breakpoint (perf_event_open, PERF_TYPE_BREAKPOINT,
 *   on the VMM thread) left in the hardware's DR0;
 * - that host breakpoint still fires once the guest has run.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/hw_breakpoint.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define PORT_VALUE	0x70
#define PORT_NO_BP	0x71
#define PORT_DB_DR6	0x72
#define WATCHED_HVA	0x7000000UL	/* the host variable's page ... */
#define WATCHED_SLOT	1		/* ... mapped at the same GPA */

/*
 * guest_dr_rw (64-bit): write DR0-3, DR6 and DR7, read each back to
 * PORT_VALUE (low halves); then DR0 = VTX_DATA_GPA with a write
 * breakpoint, and write there: the #DB handler reports DR6.
 */
VTX_GUEST_CODE(guest_dr_rw);
VTX_GUEST_LABEL(guest_dr_rw_db);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_dr_rw_start:\n"
	".code64\n"
	"	mov $0x1111000, %eax\n	mov %rax, %db0\n"
	"	mov $0x2222000, %eax\n	mov %rax, %db1\n"
	"	mov $0x3333000, %eax\n	mov %rax, %db2\n"
	"	mov $0x4444000, %eax\n	mov %rax, %db3\n"
	"	xor %eax, %eax\n	mov %rax, %db6\n"
	"	mov $0x00f0000a, %eax\n	mov %rax, %db7\n"
	"	mov %db0, %rax\n	out %eax, $0x70\n"
	"	mov %db1, %rax\n	out %eax, $0x70\n"
	"	mov %db2, %rax\n	out %eax, $0x70\n"
	"	mov %db3, %rax\n	out %eax, $0x70\n"
	"	mov %db6, %rax\n	out %eax, $0x70\n"
	"	mov %db7, %rax\n	out %eax, $0x70\n"
	"	mov $0x20000, %eax\n	mov %rax, %db0\n"
	"	mov $0x90001, %eax\n	mov %rax, %db7\n"
	"	movq $1, 0x20000\n"
	"	out %eax, $0x71\n"
	"	hlt\n"
	"guest_dr_rw_db:\n"
	"	mov %db6, %rax\n"
	"	out %eax, $0x72\n"
	"	hlt\n"
	"guest_dr_rw_end:\n"
	".popsection\n");

/*
 * guest_dr_host (64-bit): enable a write breakpoint on DR0 without
 * writing DR0, write the watched address (RBX), report PORT_NO_BP.
 */
VTX_GUEST_CODE(guest_dr_host);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_dr_host_start:\n"
	".code64\n"
	"	mov $0x90001, %eax\n"
	"	mov %rax, %db7\n"
	"	movq $1, (%rbx)\n"
	"	out %eax, $0x71\n"
	"	hlt\n"
	"guest_dr_host_end:\n"
	".popsection\n");

FIXTURE(debugreg) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(debugreg)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(debugreg)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(debugreg, guest_reads_back_its_own_values, 300)
{
	static const __u64 expect[] = {
		0x1111000, 0x2222000, 0x3333000, 0x4444000,
		0xffff0ff0,	/* DR6 written 0: its fixed bits */
		0x00f0040a,	/* DR7: bit 10 reads 1 */
	};
	struct vtx_vcpu *vcpu = &self->vcpu;
	unsigned int i;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_dr_rw_start,
		    guest_dr_rw_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vm_set_idt_entry(&self->vm, 1,
			     VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_dr_rw,
						 guest_dr_rw_db));
	for (i = 0; i < ARRAY_SIZE(expect); i++)
		EXPECT_EQ(expect[i], vtx_vcpu_run_out(vcpu, PORT_VALUE, 4)) {
			TH_LOG("register %u of DR0-3, DR6, DR7", i);
		}
	/* Its own breakpoint fired: DR6.B0 on top of the fixed bits. */
	EXPECT_EQ(0xffff0ff1ULL, vtx_vcpu_run_out(vcpu, PORT_DB_DR6, 4));
}

/* A store the compiler cannot drop or merge: the breakpoint counts it. */
#define WRITE_ONCE_U64(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)

static int perf_bp(void *addr)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (unsigned long)addr,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.sample_period = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

TEST_F_TIMEOUT(debugreg, host_breakpoint_neither_leaks_nor_breaks, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	__u64 *watched;
	struct kvm_regs regs;
	__u64 count = 0;
	int bp;

	watched = mmap((void *)WATCHED_HVA, 0x1000, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	ASSERT_NE(MAP_FAILED, watched);
	ASSERT_EQ(0, __vtx_set_memory_region(self->vm.fd, WATCHED_SLOT, 0,
					     WATCHED_HVA, 0x1000,
					     WATCHED_HVA));
	bp = perf_bp((void *)watched);
	if (bp < 0)
		SKIP(return, "no hardware breakpoint for user space (perf_event_open: %s)",
		     strerror(errno));
	/* The breakpoint is live: a host write counts. */
	WRITE_ONCE_U64(watched, 1);
	ASSERT_EQ((ssize_t)sizeof(count), read(bp, &count, sizeof(count)));
	if (count != 1)
		SKIP(return, "this CPU does not fire data breakpoints (count %llu)",
		     count);

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_dr_host_start,
		    guest_dr_host_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rbx = WATCHED_HVA;
	vtx_vcpu_set_regs(vcpu, &regs);
	/* The guest's DR0 is 0: its write to the host's address is quiet. */
	vtx_vcpu_run(vcpu);
	vtx_assert_io_out(vcpu->run, PORT_NO_BP, 4, 0x90001);
	EXPECT_EQ(1ULL, __atomic_load_n(watched, __ATOMIC_RELAXED));

	/* The host's breakpoint fires again after the guest ran. */
	WRITE_ONCE_U64(watched, 2);
	ASSERT_EQ((ssize_t)sizeof(count), read(bp, &count, sizeof(count)));
	EXPECT_EQ(2ULL, count);
	close(bp);
	munmap((void *)watched, 0x1000);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
