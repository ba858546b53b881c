// SPDX-License-Identifier: GPL-2.0
/*
 * Smaller host-state leaks:
 * - the guest's TSC counts from its creation, not the host's boot, and
 *   IA32_TSC reads and sets it (KVM_GET/SET_MSRS);
 * - CPUID offers no feature whose MSRs then #GP (MCE, MTRR, MCA);
 * - the host's DEBUGCTL, changed while a KVM_RUN is under way, is what
 *   the host gets back after the next exit;
 * - what VM exit changes and only user space uses (DS, ES, GS, the LDT,
 *   the TSS limit that covers the I/O bitmap) is the thread's again when
 *   KVM_RUN returns, and another thread of the VMM that preempts it in
 *   the middle of KVM_RUN, on its CPU, finds its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/io.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <asm/ldt.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define MSR_IA32_TSC		0x10
#define MSR_MTRRCAP		0xfe
#define MSR_MCG_CAP		0x179
#define MSR_DEBUGCTL		0x1d9
#define DEBUGCTL_BTF		0x2
#define PORT_TSC		0x60

/* guest_rdtsc (64-bit): RDTSC, report the low and high halves, HLT. */
VTX_GUEST_CODE(guest_rdtsc);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_rdtsc_start:\n"
	".code64\n"
	"	rdtsc\n"
	"	mov %edx, %ebx\n"
	"	out %eax, $0x60\n"
	"	mov %ebx, %eax\n"
	"	out %eax, $0x60\n"
	"	hlt\n"
	"guest_rdtsc_end:\n"
	".popsection\n");

static __u64 host_tsc(void)
{
	__u32 lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return lo | (__u64)hi << 32;
}

FIXTURE(host_state) {
	struct vtx_kmsg kmsg;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(host_state)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	self->vcpu.fd = -1;
}

FIXTURE_TEARDOWN(host_state)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(host_state, guest_tsc_counts_from_creation, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	__u64 t0, t1, g, m;

	/* Emulated CPUs each count their own TSC: stay on one. */
	vtx_pin_to_cpu(0);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_rdtsc_start,
		    guest_rdtsc_end);
	t0 = host_tsc();
	vtx_vcpu_create(&self->vm, 0, vcpu);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	g = vtx_vcpu_run_out64(vcpu, PORT_TSC);
	t1 = host_tsc();
	TH_LOG("host TSC %llu, guest TSC %llu, %llu ticks since creation",
	       t1, g, t1 - t0);
	EXPECT_LE(g, t1 - t0);
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);

	/* IA32_TSC: read it, move it, and the guest sees the new count. */
	m = vtx_vcpu_get_msr(vcpu, MSR_IA32_TSC);
	EXPECT_GE(m, g);
	EXPECT_LE(m, host_tsc() - t0);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	t0 = host_tsc();
	vtx_vcpu_set_msr(vcpu, MSR_IA32_TSC, 1ULL << 40);
	g = vtx_vcpu_run_out64(vcpu, PORT_TSC);
	t1 = host_tsc();
	EXPECT_GE(g, 1ULL << 40);
	EXPECT_LE(g - (1ULL << 40), t1 - t0);
}

/* Each of these CPUID.1:EDX bits promises MSRs the guest may read. */
TEST_F_TIMEOUT(host_state, cpuid_offers_no_msr_that_faults, 300)
{
	static const struct {
		int bit;
		__u32 msr;
		const char *name;
	} feats[] = {
		{ 7, MSR_MCG_CAP, "MCE" },
		{ 12, MSR_MTRRCAP, "MTRR" },
		{ 14, MSR_MCG_CAP, "MCA" },
	};
	struct kvm_cpuid_entry2 cpuid[64], *leaf1;
	struct vtx_prog_event ev;
	struct vtx_prog prog;
	unsigned int i;
	int n;

	n = vtx_get_supported_cpuid(self->vm.dev, cpuid, 64);
	leaf1 = vtx_cpuid_find(cpuid, n, 1, 0);
	ASSERT_NE(NULL, leaf1);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vcpu_set_cpuid(&self->vcpu, cpuid, n);
	vtx_prog_setup(&self->vcpu, &prog);
	for (i = 0; i < ARRAY_SIZE(feats); i++) {
		if (!(leaf1->edx & (1U << feats[i].bit)))
			continue;
		vtx_prog_begin(&prog);
		vtx_prog_add(&prog, VTX_PROG_RDMSR, feats[i].msr, 0);
		vtx_prog_next(&self->vcpu, &ev);
		EXPECT_EQ(VTX_PROG_EV_VALUE, ev.kind) {
			TH_LOG("CPUID offers %s, but RDMSR 0x%x: %s",
			       feats[i].name, feats[i].msr, ev.desc);
		}
		vtx_prog_next(&self->vcpu, &ev);
		EXPECT_EQ(VTX_PROG_EV_DONE, ev.kind);
	}
}

struct debugctl_writer {
	int ok;
	__u64 seen;
};

/*
 * On CPU 0, real-time so that it preempts the VMM thread inside KVM_RUN:
 * set DEBUGCTL.BTF, sleep while the guest runs on, read DEBUGCTL back.
 */
static void *debugctl_writer(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct debugctl_writer *w = arg;
	struct timespec ts = { .tv_nsec = 1000000 };
	int fd;

	vtx_pin_to_cpu(0);
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	fd = open("/dev/cpu/0/msr", O_RDWR);
	if (fd < 0)
		return NULL;
	nanosleep(&ts, NULL);
	if (pwrite(fd, &(__u64){ DEBUGCTL_BTF }, 8, MSR_DEBUGCTL) == 8) {
		nanosleep(&ts, NULL);
		if (pread(fd, &w->seen, 8, MSR_DEBUGCTL) == 8)
			w->ok = 1;
	}
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(host_state, host_debugctl_survives_exits, 300)
{
	struct itimerval it = { .it_value.tv_usec = 20000 };
	struct debugctl_writer w = {};
	struct vtx_vcpu *vcpu = &self->vcpu;
	__u64 back = 0;
	pthread_t th;
	int fd, r;

	if (__vtx_msr_driver_load())
		SKIP(return, "no msr driver");
	vtx_pin_to_cpu(0);
	fd = open("/dev/cpu/0/msr", O_RDWR);
	ASSERT_LE(0, fd);
	if (pwrite(fd, &(__u64){ DEBUGCTL_BTF }, 8, MSR_DEBUGCTL) != 8 ||
	    pread(fd, &back, 8, MSR_DEBUGCTL) != 8 || back != DEBUGCTL_BTF) {
		close(fd);
		SKIP(return, "this CPU does not keep DEBUGCTL.BTF (read 0x%llx)",
		     back);
	}
	ASSERT_EQ(8, pwrite(fd, &(__u64){ 0 }, 8, MSR_DEBUGCTL));

	/* A guest that only exits in the kernel, until the signal. */
	vtx_install_noop_handler(SIGALRM);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, vtx_guest_spin64_start,
		    vtx_guest_spin64_end);
	vtx_vcpu_create(&self->vm, 0, vcpu);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	ASSERT_EQ(0, pthread_create(&th, NULL, debugctl_writer, &w));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	r = __vtx_vcpu_run(vcpu);
	pthread_join(th, NULL);
	EXPECT_EQ(-EINTR, r);
	ASSERT_EQ(1, w.ok);
	TH_LOG("DEBUGCTL written 0x%x mid-KVM_RUN, read back 0x%llx after more exits",
	       DEBUGCTL_BTF, w.seen);
	EXPECT_EQ((__u64)DEBUGCTL_BTF, w.seen);
	pwrite(fd, &(__u64){ 0 }, 8, MSR_DEBUGCTL);
	close(fd);
}

/* Selectors: __USER_DS, and LDT entry 0 with TI and RPL 3. */
#define USER_DS_SEL	0x2b
#define LDT_SEL		((0 << 3) | 4 | 3)
#define LDT_MAGIC	0x5e9c0de5u
#define IO_PORT		0x80
#define PREEMPT_ROUNDS	10

static __u32 ldt_word = LDT_MAGIC;

/* The selector in segment register @seg (ds, es, gs). */
#define read_seg(seg) ({					\
	__u16 __v;						\
	asm volatile("mov %%" #seg ", %0" : "=r" (__v));	\
	__v;							\
})

/* Through GS, based by LDT entry 0 at ldt_word. */
static __u32 read_gs_word(void)
{
	__u32 v;

	asm volatile("movl %%gs:0, %0" : "=r" (v));
	return v;
}

/*
 * The thread's I/O bitmap and LDT at work: IN from IO_PORT (a #GP, so
 * SIGSEGV, when the TSS limit cuts the bitmap off) and GS loaded from the
 * LDT (a #GP when LDTR is null) and read through.
 */
static __u32 use_io_and_ldt(void)
{
	(void)inb(IO_PORT);
	asm volatile("mov %0, %%gs" : : "r" ((__u16)LDT_SEL));
	return read_gs_word();
}

struct segment_user {
	int rounds;
	int ok;
	int in_run;	/* wake-ups while the VMM thread was in KVM_RUN */
	int vmm_in_run;	/* set by the VMM thread around its KVM_RUN */
};

/*
 * Another thread of the VMM, on CPU 0 at real-time priority: it wakes in
 * the middle of the VMM thread's KVM_RUN, preempting it after an exit,
 * and uses its I/O bitmap and the process's LDT each time.
 */
static void *segment_user(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct timespec ts = { .tv_nsec = 1000000 };
	struct segment_user *u = arg;
	sigset_t alrm;
	int i;

	/* The VMM thread's KVM_RUN is the one SIGALRM must end. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);
	vtx_pin_to_cpu(0);
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	for (i = 0; i < PREEMPT_ROUNDS; i++) {
		nanosleep(&ts, NULL);
		u->rounds++;
		u->in_run += __atomic_load_n(&u->vmm_in_run, __ATOMIC_ACQUIRE);
		if (use_io_and_ldt() == LDT_MAGIC)
			u->ok++;
	}
	return NULL;
}

TEST_F_TIMEOUT(host_state, thread_segments_survive_exits, 300)
{
	struct itimerval it = { .it_value.tv_usec = 50000 };
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct user_desc d = {
		.entry_number = 0,
		.base_addr = (unsigned long)&ldt_word,
		.limit = 0xfffff,
		.seg_32bit = 1,
		.limit_in_pages = 1,
	};
	struct segment_user u = {};
	pthread_t th;
	int r;

	ASSERT_GT(1UL << 32, (unsigned long)&ldt_word);
	if (ioperm(IO_PORT, 1, 1))
		SKIP(return, "ioperm: %s", strerror(errno));
	if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)))
		SKIP(return, "modify_ldt: %s (CONFIG_MODIFY_LDT_SYSCALL)",
		     strerror(errno));
	vtx_pin_to_cpu(0);
	ASSERT_EQ(LDT_MAGIC, use_io_and_ldt());
	asm volatile("mov %0, %%ds; mov %0, %%es" : : "r" ((__u16)USER_DS_SEL));

	/* Exits only for the host's interrupts, until the signal. */
	vtx_install_noop_handler(SIGALRM);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, vtx_guest_spin64_start,
		    vtx_guest_spin64_end);
	vtx_vcpu_create(&self->vm, 0, vcpu);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	ASSERT_EQ(0, pthread_create(&th, NULL, segment_user, &u));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	__atomic_store_n(&u.vmm_in_run, 1, __ATOMIC_RELEASE);
	r = __vtx_vcpu_run(vcpu);
	__atomic_store_n(&u.vmm_in_run, 0, __ATOMIC_RELEASE);

	/* The VMM thread's own, before anything here could reload them. */
	EXPECT_EQ(USER_DS_SEL, read_seg(ds));
	EXPECT_EQ(USER_DS_SEL, read_seg(es));
	EXPECT_EQ(LDT_SEL, read_seg(gs));
	EXPECT_EQ(LDT_MAGIC, read_gs_word());
	EXPECT_EQ(LDT_MAGIC, use_io_and_ldt());
	pthread_join(th, NULL);
	EXPECT_EQ(-EINTR, r);
	TH_LOG("the other thread used I/O and the LDT in %d of %d wake-ups, %d in KVM_RUN",
	       u.ok, u.rounds, u.in_run);
	EXPECT_EQ(PREEMPT_ROUNDS, u.ok);
	/* Only wake-ups inside KVM_RUN test the put on sched_out. */
	EXPECT_LE(PREEMPT_ROUNDS - 1, u.in_run);
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%gs"
		     : : "r" ((__u16)0));
	ioperm(IO_PORT, 1, 0);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
