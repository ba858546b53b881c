// SPDX-License-Identifier: GPL-2.0
/*
 * A signal interrupts KVM_RUN of a guest that never exits by itself:
 * KVM_RUN fails with EINTR and exit_reason KVM_EXIT_INTR, within a second
 * of the signal. immediate_exit does the same without entering the
 * guest, and clearing it lets the guest carry on where it was.
 *
 * KVM_SET_SIGNAL_MASK sets the mask KVM_RUN runs with, as QEMU uses it: a
 * signal the thread blocks interrupts KVM_RUN when the mask lets it
 * through, and one the mask blocks waits until KVM_RUN returns.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define KICK_SIGNAL	SIGUSR1
#define NSEC_PER_SEC	1000000000ULL

FIXTURE(signal) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(signal)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_install_noop_handler(KICK_SIGNAL);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, vtx_guest_spin64_start,
		    vtx_guest_spin64_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
}

FIXTURE_TEARDOWN(signal)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/*
 * The kicker waits until the runner says it is about to call KVM_RUN,
 * gives it 100 ms to get into the guest, then signals it. Should the
 * signal have landed before KVM_RUN started (and been consumed by the
 * handler in user space), it signals again every 2 s; the latency is
 * measured from the last signal sent.
 */
struct kick {
	pthread_t target;
	int entering;
	int done;
	int sent;
	__u64 t_sig;
};

static void *kicker(void *arg)
{
	struct kick *k = arg;
	int waited;

	while (!__atomic_load_n(&k->entering, __ATOMIC_ACQUIRE))
		vtx_sleep_ms(1);
	vtx_sleep_ms(100);
	while (!__atomic_load_n(&k->done, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&k->t_sig, vtx_now_ns(), __ATOMIC_RELEASE);
		__atomic_add_fetch(&k->sent, 1, __ATOMIC_ACQ_REL);
		pthread_kill(k->target, KICK_SIGNAL);
		for (waited = 0; waited < 200; waited++) {
			if (__atomic_load_n(&k->done, __ATOMIC_ACQUIRE))
				break;
			vtx_sleep_ms(10);
		}
	}
	return NULL;
}

/* Sends SIGUSR2 to @target once, 1 s after it starts. */
struct stop {
	pthread_t target;
	__u64 t_sig;
};

static void *stopper(void *arg)
{
	struct stop *st = arg;

	vtx_sleep_ms(1000);
	st->t_sig = vtx_now_ns();
	pthread_kill(st->target, SIGUSR2);
	return NULL;
}

/* KVM_RUN while a kicker signals this thread: its result and latency. */
static int run_kicked(struct vtx_vcpu *vcpu, __u64 *latency, int *sent)
{
	struct kick k = { .target = pthread_self() };
	pthread_t th;
	__u64 t_ret;
	int r;

	VTX_ASSERT(!pthread_create(&th, NULL, kicker, &k), "kicker thread");
	__atomic_store_n(&k.entering, 1, __ATOMIC_RELEASE);
	r = __vtx_vcpu_run(vcpu);
	t_ret = vtx_now_ns();
	__atomic_store_n(&k.done, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	*latency = t_ret - k.t_sig;
	*sent = k.sent;
	return r;
}

TEST_F_TIMEOUT(signal, interrupts_spinning_guest, 300)
{
	struct kvm_run *run = self->vcpu.run;
	__u64 latency, t0, t1, laps;
	struct kvm_regs regs, again;
	int r, sent;

	/* A signal takes the vCPU out of the guest. */
	r = run_kicked(&self->vcpu, &latency, &sent);
	EXPECT_EQ(-EINTR, r);
	EXPECT_EQ(KVM_EXIT_INTR, (int)run->exit_reason);
	EXPECT_GT(NSEC_PER_SEC, latency)
		TH_LOG("KVM_RUN returned %llu ms after the signal",
		       (unsigned long long)latency / 1000000);
	if (sent > 1)
		TH_LOG("%d signals were needed", sent);
	vtx_vcpu_get_regs(&self->vcpu, &regs);
	EXPECT_LT(0ULL, regs.rbx) TH_LOG("the guest never ran");
	EXPECT_LE(VTX_CODE_GPA, regs.rip);
	EXPECT_GT(VTX_CODE_GPA + (vtx_guest_spin64_end -
				  vtx_guest_spin64_start), regs.rip);
	laps = regs.rbx;

	/* immediate_exit: EINTR at once, and the guest did not run. */
	run->immediate_exit = 1;
	t0 = vtx_now_ns();
	r = __vtx_vcpu_run(&self->vcpu);
	t1 = vtx_now_ns();
	EXPECT_EQ(-EINTR, r);
	EXPECT_EQ(KVM_EXIT_INTR, (int)run->exit_reason);
	EXPECT_GT(NSEC_PER_SEC, t1 - t0);
	vtx_vcpu_get_regs(&self->vcpu, &again);
	EXPECT_EQ(regs.rbx, again.rbx);
	EXPECT_EQ(regs.rip, again.rip);

	/* Cleared again: the loop carries on until the next signal. */
	run->immediate_exit = 0;
	r = run_kicked(&self->vcpu, &latency, &sent);
	EXPECT_EQ(-EINTR, r);
	EXPECT_EQ(KVM_EXIT_INTR, (int)run->exit_reason);
	EXPECT_GT(NSEC_PER_SEC, latency)
		TH_LOG("KVM_RUN returned %llu ms after the signal",
		       (unsigned long long)latency / 1000000);
	vtx_vcpu_get_regs(&self->vcpu, &again);
	EXPECT_LT(laps, again.rbx) TH_LOG("the guest did not carry on");
}

/* KVM_SET_SIGNAL_MASK with @blocked, or NULL to remove the mask. */
static int set_signal_mask(struct vtx_vcpu *vcpu, const sigset_t *blocked,
			   __u32 len)
{
	struct {
		struct kvm_signal_mask head;
		__u8 set[8];
	} m = { .head.len = len };

	if (!blocked)
		return __vtx_ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, NULL);
	memcpy(m.set, blocked, sizeof(m.set));
	return __vtx_ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, &m);
}

TEST_F_TIMEOUT(signal, signal_mask_applies_during_run_only, 300)
{
	struct kvm_run *run = self->vcpu.run;
	struct kick k = { .target = pthread_self() };
	struct stop st = { .target = pthread_self() };
	sigset_t usr1, none, old, pending;
	struct timespec zero = {};
	pthread_t kth, sth;
	__u64 latency;
	int r, sent;

	sigemptyset(&none);
	sigemptyset(&usr1);
	sigaddset(&usr1, KICK_SIGNAL);
	EXPECT_EQ(-EINVAL, set_signal_mask(&self->vcpu, &none, 4));
	EXPECT_EQ(-EINVAL, set_signal_mask(&self->vcpu, &none, 16));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(self->vcpu.fd, KVM_SET_SIGNAL_MASK,
				       (void *)8UL));

	/*
	 * The thread blocks the kick, KVM_RUN's mask does not: the kick
	 * ends KVM_RUN and is still pending, blocked, afterwards.
	 */
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &usr1, &old));
	ASSERT_EQ(0, set_signal_mask(&self->vcpu, &none, 8));
	r = run_kicked(&self->vcpu, &latency, &sent);
	EXPECT_EQ(-EINTR, r);
	EXPECT_EQ(KVM_EXIT_INTR, (int)run->exit_reason);
	EXPECT_GT(NSEC_PER_SEC, latency);
	ASSERT_EQ(0, sigpending(&pending));
	EXPECT_TRUE(sigismember(&pending, KICK_SIGNAL));
	EXPECT_EQ(KICK_SIGNAL, sigtimedwait(&usr1, NULL, &zero));

	/* Removed: KVM_RUN runs with the thread's mask, which blocks it. */
	ASSERT_EQ(0, set_signal_mask(&self->vcpu, NULL, 0));
	run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, __vtx_vcpu_run(&self->vcpu));
	run->immediate_exit = 0;
	ASSERT_EQ(0, pthread_sigmask(SIG_SETMASK, &old, NULL));

	/*
	 * The thread lets the kick through, KVM_RUN's mask blocks it: the
	 * guest keeps running, and only SIGUSR2, which the mask lets
	 * through, ends KVM_RUN.
	 */
	vtx_install_noop_handler(SIGUSR2);
	ASSERT_EQ(0, set_signal_mask(&self->vcpu, &usr1, 8));
	ASSERT_EQ(0, pthread_create(&kth, NULL, kicker, &k));
	ASSERT_EQ(0, pthread_create(&sth, NULL, stopper, &st));
	__atomic_store_n(&k.entering, 1, __ATOMIC_RELEASE);
	r = __vtx_vcpu_run(&self->vcpu);
	__atomic_store_n(&k.done, 1, __ATOMIC_RELEASE);
	pthread_join(kth, NULL);
	pthread_join(sth, NULL);
	EXPECT_EQ(-EINTR, r);
	EXPECT_EQ(KVM_EXIT_INTR, (int)run->exit_reason);
	/* The kick came 100 ms in, the stop 1 s in: the stop ended it. */
	EXPECT_LE(1, k.sent) TH_LOG("the kick never came");
	EXPECT_LT(k.t_sig, st.t_sig);
	/* Back in the thread's mask, the kick was delivered. */
	ASSERT_EQ(0, sigpending(&pending));
	EXPECT_FALSE(sigismember(&pending, KICK_SIGNAL));
	ASSERT_EQ(0, set_signal_mask(&self->vcpu, NULL, 0));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
