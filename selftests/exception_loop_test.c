// SPDX-License-Identifier: GPL-2.0
/*
 * Exception loops that never reach an instruction boundary must not
 * wedge a host CPU (CVE-2015-5307, CVE-2015-8104): a guest builds one, and
 * KVM_RUN still returns to a signal within a second, with the loop seen
 * as a stream of #AC or #DB exits that vtx delivered back.
 *
 * - #AC: a 32-bit CPL-3 guest with CR0.AM and EFLAGS.AC, a misaligned
 *   stack and an #AC gate to CPL 3: delivering #AC pushes onto the
 *   misaligned stack, which raises #AC again.
 * - #DB: a 64-bit guest whose #DB gate uses IST 1, with a write
 *   breakpoint (its own DR0 and DR7) on the slot of that stack where
 *   delivery pushes SS: each delivery arms the next #DB.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define LOOP_GDT	0x30000UL
#define LOOP_IDT	0x31000UL
#define LOOP_TSS	0x32000UL
#define AC_STACK	0x7001UL	/* misaligned */
#define IST_TOP		0x40000UL
#define PORT_NO_LOOP	0x60
#define ALARM_MS	10

/* guest_ac (32-bit, CPL 3): a misaligned load, then report. */
VTX_GUEST_CODE(guest_ac);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_ac_start:\n"
	".code32\n"
	"	mov (%esp), %eax\n"
	"	mov $0x60, %dx\n"
	"	out %eax, %dx\n"
	"1:	jmp 1b\n"
	"guest_ac_end:\n"
	".code64\n"
	".popsection\n");

/*
 * guest_db (64-bit): DR0 = IST_TOP - 8, DR7 = L0, write, 8 bytes; then a
 * write to that slot raises the first #DB. Reaching the OUT means no
 * breakpoint fired.
 */
VTX_GUEST_CODE(guest_db);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_db_start:\n"
	".code64\n"
	"	mov $0x3fff8, %eax\n"
	"	mov %rax, %db0\n"
	"	mov $0x90001, %eax\n"
	"	mov %rax, %db7\n"
	"	movq $0, 0x3fff8\n"
	"	mov $0x60, %dx\n"
	"	out %eax, %dx\n"
	"1:	jmp 1b\n"
	"guest_db_end:\n"
	".popsection\n");

FIXTURE(loop) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(loop)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_install_noop_handler(SIGALRM);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(loop)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/*
 * Run under a one-shot SIGALRM: KVM_RUN must fail with EINTR within a
 * second of it. Return the milliseconds from the signal to the return.
 */
static long run_until_alarm(struct __test_metadata *_metadata,
			    struct vtx_vcpu *vcpu)
{
	struct itimerval it = { .it_value.tv_usec = ALARM_MS * 1000 };
	__u64 t0, t1;
	char buf[160];
	int r;

	t0 = vtx_now_ns();
	EXPECT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	r = __vtx_vcpu_run(vcpu);
	t1 = vtx_now_ns();
	EXPECT_EQ(-EINTR, r) {
		TH_LOG("KVM_RUN returned %d, exit %s", r,
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	}
	EXPECT_EQ((__u32)KVM_EXIT_INTR, vcpu->run->exit_reason);
	return (long)((t1 - t0) / 1000000) - ALARM_MS;
}

static void flat32(struct kvm_segment *s, __u16 sel, __u8 type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->s = 1;
	s->dpl = 3;
	s->present = 1;
	s->db = 1;
	s->g = 1;
}

/* 32-bit protected mode at CPL 3, no paging, AM and AC on. */
static void setup_ac_guest(struct vtx_vm *vm, struct vtx_vcpu *vcpu)
{
	__u64 *gdt = vtx_vm_hva(vm, LOOP_GDT);
	__u32 *idt = vtx_vm_hva(vm, LOOP_IDT);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	gdt[0] = 0;
	gdt[1] = 0x00cffa000000ffffULL;	/* 0x08: code, DPL 3, 32-bit */
	gdt[2] = 0x00cff2000000ffffULL;	/* 0x10: data, DPL 3 */
	/* #AC: 32-bit interrupt gate, DPL 3, to the CPL-3 code segment. */
	idt[17 * 2] = (VTX_CODE_GPA & 0xffff) | (0x0b << 16);
	idt[17 * 2 + 1] = (VTX_CODE_GPA & 0xffff0000) | 0xee00;
	vtx_vm_load(vm, VTX_CODE_GPA, guest_ac_start, guest_ac_end);

	vtx_vcpu_get_sregs(vcpu, &sregs);
	flat32(&sregs.cs, 0x0b, 11);
	flat32(&sregs.ds, 0x13, 3);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = LOOP_TSS;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.unusable = 1;
	sregs.gdt.base = LOOP_GDT;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.idt.base = LOOP_IDT;
	sregs.idt.limit = 256 * 8 - 1;
	sregs.cr0 = VTX_CR0_PE | VTX_CR0_ET | VTX_CR0_NE | (1ULL << 18);
	sregs.cr4 = 0;
	sregs.efer = 0;
	vtx_vcpu_set_sregs(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = VTX_CODE_GPA;
	regs.rsp = AC_STACK;
	regs.rflags = 0x2 | (1ULL << 18);	/* AC */
	vtx_vcpu_set_regs(vcpu, &regs);
}

TEST_F_TIMEOUT(loop, ac_loop_is_interruptible, 300)
{
	struct vtx_vcpu_stats stats;
	long late;

	setup_ac_guest(&self->vm, &self->vcpu);
	late = run_until_alarm(_metadata, &self->vcpu);
	EXPECT_LT(late, 1000);
	vtx_get_vcpu_stats(self->vcpu.fd, &stats);
	TH_LOG("%llu #AC exits delivered back, %llu exits", stats.exceptions_ac,
	       stats.exits);
	EXPECT_GT(stats.exceptions_ac, 100ULL);
	EXPECT_EQ(stats.exit_reason[0], stats.exceptions_ac);
}

TEST_F_TIMEOUT(loop, db_loop_is_interruptible, 300)
{
	struct vtx_vcpu_stats stats;
	__u8 *gate;
	__u64 *tss;
	long late;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_db_start, guest_db_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	/* TSS.IST1 (offset 0x24), and IST 1 in gate 1. */
	tss = vtx_vm_hva(&self->vm, VTX_TSS_GPA + 0x24);
	memcpy(tss, &(__u64){ IST_TOP }, 8);
	gate = vtx_vm_hva(&self->vm, VTX_IDT_GPA + 1 * 16);
	gate[4] = 1;

	late = run_until_alarm(_metadata, &self->vcpu);
	EXPECT_LT(late, 1000);
	vtx_get_vcpu_stats(self->vcpu.fd, &stats);
	TH_LOG("%llu #DB exits delivered back, %llu exits", stats.exceptions_db,
	       stats.exits);
	EXPECT_GT(stats.exceptions_db, 100ULL);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
