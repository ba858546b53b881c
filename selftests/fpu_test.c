// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU registers are its own, and nobody else's.
 *
 * A VMM thread runs a guest that keeps a sentinel in XMM0 and checks it
 * after every one of its many in-kernel exits (CPUID); a real-time host
 * thread on the same CPU keeps its own sentinel in XMM0-3 across a 100 us
 * sleep. Each of its wakeups preempts the VMM thread inside KVM_RUN and
 * leaves the host thread's registers in the CPU: without a reload before
 * the next VM entry the guest would run on them, see the host's sentinel,
 * and its writes (XMM2, every check) would land in the host thread's
 * registers. Neither side may ever see the other's values, over
 * thousands of switches; the VMM also finds its own registers intact
 * after every KVM_RUN.
 *
 * A guest with XSAVE in its CPUID sees its own XCR0 (1 after reset, as
 * on KVM) from the instruction that sets CR4.OSXSAVE on, although that
 * MOV does not exit on vtx: never the host's.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define PORT_LAP	0x50	/* a lap of LAP_EXITS checks passed */
#define PORT_BAD	0x51	/* XMM0 was not the guest's: its low half */
#define LAP_EXITS	2000
#define RUN_NS		5000000000ULL	/* at most */
#define MIN_PREEMPTS	500
#define MIN_ROUNDS	500

#define GUEST_SENTINEL	0x6775657374217e21ULL	/* "guest!~!" */
#define HOST_SENTINEL	0x686f737421212121ULL	/* "host!!!!" */

/*
 * guest_xmm (64-bit, at VTX_CODE_GPA; the sentinel, 16 bytes, at
 * VTX_DATA_GPA): enable SSE, load XMM0, then forever: LAP_EXITS times
 * CPUID and compare XMM0 with the sentinel (through XMM2), then OUT a
 * lap. A mismatch OUTs XMM0's low half and reloads XMM0.
 */
VTX_GUEST_CODE(guest_xmm);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_xmm_start:\n"
	".code64\n"
	"	mov %cr4, %rax\n"
	"	or $0x600, %rax\n"		/* OSFXSR | OSXMMEXCPT */
	"	mov %rax, %cr4\n"
	"	mov $0x20000, %esi\n"
	"	movdqu (%rsi), %xmm0\n"
	"1:	mov $2000, %ebp\n"
	"2:	xor %eax, %eax\n"
	"	cpuid\n"
	"	movdqu (%rsi), %xmm2\n"
	"	pcmpeqb %xmm0, %xmm2\n"
	"	pmovmskb %xmm2, %eax\n"
	"	cmp $0xffff, %eax\n"
	"	jne 3f\n"
	"	dec %ebp\n"
	"	jnz 2b\n"
	"	out %eax, $0x50\n"
	"	jmp 1b\n"
	"3:	movq %xmm0, %rax\n"
	"	out %eax, $0x51\n"
	"	movdqu (%rsi), %xmm0\n"
	"	jmp 1b\n"
	"guest_xmm_end:\n"
	".popsection\n");

struct host_thread {
	int stop;
	unsigned long rounds;
	unsigned long bad;
	__u64 seen;
};

/*
 * SCHED_FIFO on CPU 0: every wakeup preempts the VMM thread. XMM0-3 hold
 * the sentinel across a 100 us nanosleep(); all in one asm.
 */
static void *host_thread(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct timespec ts = { .tv_nsec = 100000 };
	struct host_thread *h = arg;
	__u64 pat[2] = { HOST_SENTINEL, HOST_SENTINEL };
	__u64 out[8];
	int i;

	vtx_pin_to_cpu(0);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		h->bad = ~0UL;
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		asm volatile("movdqu %[pat], %%xmm0\n\t"
			     "movdqu %[pat], %%xmm1\n\t"
			     "movdqu %[pat], %%xmm2\n\t"
			     "movdqu %[pat], %%xmm3\n\t"
			     "mov %[nr], %%eax\n\t"
			     "xor %%esi, %%esi\n\t"
			     "syscall\n\t"
			     "movdqu %%xmm0, 0(%[out])\n\t"
			     "movdqu %%xmm1, 16(%[out])\n\t"
			     "movdqu %%xmm2, 32(%[out])\n\t"
			     "movdqu %%xmm3, 48(%[out])\n\t"
			     : : [pat] "m" (pat), [out] "r" (out), "D" (&ts),
			       [nr] "i" (SYS_nanosleep)
			     : "rax", "rcx", "rsi", "r11", "xmm0", "xmm1",
			       "xmm2", "xmm3", "memory");
		for (i = 0; i < 8; i++) {
			if (out[i] != HOST_SENTINEL) {
				h->bad++;
				h->seen = out[i];
			}
		}
		h->rounds++;
	}
	return NULL;
}

/* KVM_RUN with the VMM's own sentinel in XMM0-3 around the syscall. */
static int run_checked(int fd, int *vmm_bad)
{
	__u64 pat[2] = { HOST_SENTINEL ^ 1, HOST_SENTINEL ^ 1 };
	__u64 out[8];
	long r;
	int i;

	asm volatile("movdqu %[pat], %%xmm0\n\t"
		     "movdqu %[pat], %%xmm1\n\t"
		     "movdqu %[pat], %%xmm2\n\t"
		     "movdqu %[pat], %%xmm3\n\t"
		     "syscall\n\t"
		     "movdqu %%xmm0, 0(%[out])\n\t"
		     "movdqu %%xmm1, 16(%[out])\n\t"
		     "movdqu %%xmm2, 32(%[out])\n\t"
		     "movdqu %%xmm3, 48(%[out])\n\t"
		     : "=a" (r)
		     : "a" (SYS_ioctl), "D" (fd), "S" (KVM_RUN), "d" (0),
		       [pat] "m" (pat), [out] "r" (out)
		     : "rcx", "r11", "xmm0", "xmm1", "xmm2", "xmm3", "memory");
	for (i = 0; i < 8; i++)
		if (out[i] != (HOST_SENTINEL ^ 1))
			(*vmm_bad)++;
	return r;
}

FIXTURE(fpu) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(fpu)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(fpu)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(fpu, xmm_sentinels_survive_preemption, 600)
{
	__u64 sentinel[2] = { GUEST_SENTINEL, GUEST_SENTINEL };
	struct host_thread h = {};
	struct vtx_vcpu *vcpu = &self->vcpu;
	unsigned long laps = 0, guest_bad = 0, preempts;
	struct rusage ru0, ru1;
	int vmm_bad = 0, r;
	pthread_t th;
	__u64 t0, seen = 0;
	char buf[160];

	vtx_pin_to_cpu(0);
	vtx_vm_load(&self->vm, VTX_DATA_GPA, sentinel, sentinel + 2);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_xmm_start, guest_xmm_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	ASSERT_EQ(0, pthread_create(&th, NULL, host_thread, &h));

	ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &ru0));
	t0 = vtx_now_ns();
	while (vtx_now_ns() - t0 < RUN_NS) {
		r = run_checked(vcpu->fd, &vmm_bad);
		ASSERT_EQ(0, r);
		ASSERT_EQ((__u32)KVM_EXIT_IO, vcpu->run->exit_reason) {
			TH_LOG("exit: %s", vtx_describe_exit(vcpu->run, buf,
							     sizeof(buf)));
		}
		if (vcpu->run->io.port == PORT_BAD) {
			guest_bad++;
			seen = *(__u32 *)vtx_io_data(vcpu->run);
		} else {
			ASSERT_EQ(PORT_LAP, (int)vcpu->run->io.port);
			laps++;
		}
		ASSERT_EQ(0, getrusage(RUSAGE_THREAD, &ru1));
		if (ru1.ru_nivcsw - ru0.ru_nivcsw >= MIN_PREEMPTS &&
		    h.rounds >= MIN_ROUNDS)
			break;
	}
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	preempts = ru1.ru_nivcsw - ru0.ru_nivcsw;
	TH_LOG("%lu laps of %d exits, VMM preempted %lu times, host thread %lu wakeups",
	       laps, LAP_EXITS, preempts, h.rounds);

	EXPECT_EQ(0UL, guest_bad) {
		TH_LOG("the guest saw XMM0 low half 0x%llx, not its own", seen);
	}
	EXPECT_EQ(0UL, h.bad) {
		TH_LOG("the host thread saw 0x%llx, not its own", h.seen);
	}
	EXPECT_EQ(0, vmm_bad);
	/* The test only means something if the guest was preempted. */
	EXPECT_GE(preempts, (unsigned long)MIN_PREEMPTS);
	EXPECT_GE(h.rounds, (unsigned long)MIN_ROUNDS);
}

/*
 * guest_osxsave (64-bit): set CR4.OSXSAVE, read XCR0 at once (no exit
 * between), OUT it to PORT_XCR0, HLT.
 */
#define PORT_XCR0	0x52
VTX_GUEST_CODE(guest_osxsave);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_osxsave_start:\n"
	".code64\n"
	"	mov %cr4, %rax\n"
	"	bts $18, %rax\n"		/* OSXSAVE */
	"	mov %rax, %cr4\n"
	"	xor %ecx, %ecx\n"
	"	xgetbv\n"
	"	out %eax, $0x52\n"
	"	hlt\n"
	"guest_osxsave_end:\n"
	".popsection\n");

TEST_F_TIMEOUT(fpu, xcr0_is_the_guests_once_osxsave_is_set, 300)
{
	struct kvm_cpuid_entry2 cpuid[64];
	struct vtx_vcpu *vcpu = &self->vcpu;
	int i, n, xsave = 0;
	__u32 xcr0;

	n = vtx_get_supported_cpuid(self->dev, cpuid, 64);
	for (i = 0; i < n; i++)
		if (cpuid[i].function == 1)
			xsave = !!(cpuid[i].ecx & (1u << 26));
	if (!xsave)
		SKIP(return, "no XSAVE in KVM_GET_SUPPORTED_CPUID");
	vtx_vcpu_set_cpuid(vcpu, cpuid, n);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_osxsave_start,
		    guest_osxsave_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_run(vcpu);
	ASSERT_EQ((__u32)KVM_EXIT_IO, vcpu->run->exit_reason);
	ASSERT_EQ(PORT_XCR0, (int)vcpu->run->io.port);
	xcr0 = *(__u32 *)vtx_io_data(vcpu->run);
	TH_LOG("XCR0 right after MOV to CR4.OSXSAVE: 0x%x", xcr0);
	EXPECT_EQ(1u, xcr0);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
