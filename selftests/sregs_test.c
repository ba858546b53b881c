// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_SREGS refuses inconsistent control registers with EINVAL and
 * changes nothing when it does; KVM_GET/SET_(S)REGS with a bad pointer
 * fail with EFAULT; register values that VM entry refuses never hurt the
 * host and leave the vCPU usable once the client fixes them.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

FIXTURE(sregs) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(sregs)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(sregs)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* Clear the padding bytes so that two snapshots compare with memcmp. */
static void sregs_canon(struct kvm_sregs *s)
{
	struct kvm_segment *seg[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seg); i++)
		seg[i]->padding = 0;
	memset(s->gdt.padding, 0, sizeof(s->gdt.padding));
	memset(s->idt.padding, 0, sizeof(s->idt.padding));
}

enum field { CR0, CR4, EFER };

struct bad_sregs {
	const char *what;
	enum field field;
	__u64 clear, set;
};

/* From the reset state: real mode, CR0 = CD|NW|ET, EFER = 0. */
static const struct bad_sregs bad_in_real_mode[] = {
	{ "CR0.PG without PE", CR0, VTX_CR0_PE, VTX_CR0_PG },
	{ "CR0.NW without CD", CR0, VTX_CR0_CD, VTX_CR0_NW },
	{ "CR0 bit 32", CR0, 0, 1ULL << 32 },
	{ "CR0 bit 63", CR0, 0, 1ULL << 63 },
	{ "CR4 bit 15", CR4, 0, 1ULL << 15 },
	{ "CR4 bit 32", CR4, 0, 1ULL << 32 },
	{ "CR4 bit 63", CR4, 0, 1ULL << 63 },
	{ "EFER bit 3", EFER, 0, 1ULL << 3 },
	{ "EFER bit 63", EFER, 0, 1ULL << 63 },
	{ "EFER.LMA without paging", EFER, 0, VTX_EFER_LMA },
	{ "EFER.LME|LMA without paging", EFER, 0,
	  VTX_EFER_LME | VTX_EFER_LMA },
};

/* From the library's 64-bit state: PE|PG, PAE, LME|LMA. */
static const struct bad_sregs bad_in_long_mode[] = {
	{ "LME, PG, PAE but no LMA", EFER, VTX_EFER_LMA, 0 },
	{ "LMA without LME", EFER, VTX_EFER_LME, 0 },
	{ "LMA without PAE", CR4, VTX_CR4_PAE, 0 },
	{ "LMA without PG", CR0, VTX_CR0_PG, 0 },
	{ "CR0.PG without PE", CR0, VTX_CR0_PE, 0 },
	{ "CR0.NW without CD", CR0, 0, VTX_CR0_NW },
	{ "CR0 bit 32", CR0, 0, 1ULL << 32 },
	{ "CR4 bit 63", CR4, 0, 1ULL << 63 },
	{ "EFER bit 63", EFER, 0, 1ULL << 63 },
};

static void expect_refused(struct __test_metadata *_metadata,
			   struct vtx_vcpu *vcpu,
			   const struct bad_sregs *bad, int nr)
{
	struct kvm_sregs before, sregs, after;
	__u64 *reg;
	int i;

	vtx_vcpu_get_sregs(vcpu, &before);
	sregs_canon(&before);
	for (i = 0; i < nr; i++) {
		sregs = before;
		reg = bad[i].field == CR0 ? &sregs.cr0 :
		      bad[i].field == CR4 ? &sregs.cr4 : &sregs.efer;
		*reg = (*reg & ~bad[i].clear) | bad[i].set;
		EXPECT_EQ(-EINVAL, __vtx_vcpu_set_sregs(vcpu, &sregs))
			TH_LOG("%s: 0x%llx accepted", bad[i].what,
			       (unsigned long long)*reg);

		vtx_vcpu_get_sregs(vcpu, &after);
		sregs_canon(&after);
		EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)))
			TH_LOG("%s: refused, yet changed: cr0 0x%llx cr4 0x%llx efer 0x%llx",
			       bad[i].what, (unsigned long long)after.cr0,
			       (unsigned long long)after.cr4,
			       (unsigned long long)after.efer);
	}
}

TEST_F_TIMEOUT(sregs, refused_in_real_mode, 300)
{
	expect_refused(_metadata, &self->vcpu, bad_in_real_mode,
		       ARRAY_SIZE(bad_in_real_mode));
}

TEST_F_TIMEOUT(sregs, refused_in_long_mode, 300)
{
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	expect_refused(_metadata, &self->vcpu, bad_in_long_mode,
		       ARRAY_SIZE(bad_in_long_mode));
}

TEST_F_TIMEOUT(sregs, bad_pointers_are_efault, 300)
{
	int fd = self->vcpu.fd;

	EXPECT_EQ(-EFAULT, __vtx_ioctl(fd, KVM_GET_REGS, NULL));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(fd, KVM_SET_REGS, NULL));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(fd, KVM_GET_SREGS, NULL));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(fd, KVM_SET_SREGS, NULL));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(fd, KVM_SET_CPUID2, NULL));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(fd, KVM_SET_REGS, (void *)-4096L));
}

TEST_F_TIMEOUT(sregs, regs_round_trip, 300)
{
	struct kvm_regs regs, got;
	__u64 *r = (__u64 *)&regs;
	unsigned int i;

	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	for (i = 0; i < sizeof(regs) / sizeof(__u64); i++)
		r[i] = 0x1111111111111111ULL * (i + 1);
	regs.rip = VTX_CODE_GPA;
	regs.rflags = 0x2 | 0x1 | 0x40;		/* fixed bit, CF, ZF */
	vtx_vcpu_set_regs(&self->vcpu, &regs);
	vtx_vcpu_get_regs(&self->vcpu, &got);
	EXPECT_EQ(0, memcmp(&regs, &got, sizeof(regs)));
}

/*
 * Values that only VM entry checks: a non-canonical RIP in 64-bit mode,
 * RFLAGS.VM in 64-bit mode, a reserved RFLAGS bit. Whatever vtx does
 * (EINVAL from SET_REGS, KVM_EXIT_FAIL_ENTRY, an error from KVM_RUN, or
 * fixing the value up) is only logged; it must return, and with good
 * registers again the same vCPU must run a guest normally.
 */
TEST_F_TIMEOUT(sregs, bad_regs_then_good_ones, 300)
{
	static const struct {
		const char *what;
		__u64 rip, rflags;
	} bad[] = {
		{ "non-canonical RIP", 0x8000000000000000ULL, 0x2 },
		{ "RFLAGS.VM in 64-bit mode", VTX_CODE_GPA, 0x2 | 1ULL << 17 },
		{ "RFLAGS reserved bit 15", VTX_CODE_GPA, 0x2 | 1ULL << 15 },
	};
	struct vtx_vcpu *vcpu = &self->vcpu;
	char buf[160];
	struct kvm_regs regs;
	unsigned int i;
	int r, tries;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, vtx_guest_count64_start,
		    vtx_guest_count64_end);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
		vtx_vcpu_get_regs(vcpu, &regs);
		regs.rip = bad[i].rip;
		regs.rflags = bad[i].rflags;
		r = __vtx_vcpu_set_regs(vcpu, &regs);
		if (!r)
			r = __vtx_vcpu_run(vcpu);
		TH_LOG("%s: %d, %s", bad[i].what, r,
		       r ? "-" : vtx_describe_exit(vcpu->run, buf,
						   sizeof(buf)));
		/*
		 * Should the guest have run into a default exception
		 * handler, finish its OUT (as an I/O exit is finished on
		 * the next KVM_RUN) before the state is replaced.
		 */
		for (tries = 0; !r && tries < 4 &&
		     vcpu->run->exit_reason == KVM_EXIT_IO; tries++)
			r = __vtx_vcpu_run(vcpu);

		/* Good registers again: OUT 0x1234 to port 0x10, then HLT. */
		vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
		vtx_vcpu_get_regs(vcpu, &regs);
		regs.rbx = 0x1234;
		regs.rsi = 1;
		regs.rdx = 0x10;
		vtx_vcpu_set_regs(vcpu, &regs);
		vtx_vcpu_run(vcpu);
		vtx_assert_io_out(vcpu->run, 0x10, 4, 0x1234);
		vtx_vcpu_run(vcpu);
		vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	}
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
