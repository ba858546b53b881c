// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN against other threads: a second KVM_RUN on a vCPU that is in
 * the guest must wait (or fail with EBUSY), never run beside it; closing
 * the VM fd, or the vCPU fd, while a thread runs the vCPU must not crash
 * anything, and afterwards vtx must unload (the teardown checks).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define KICK_SIGNAL	SIGUSR1

FIXTURE(run_race) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(run_race)
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

FIXTURE_TEARDOWN(run_race)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* One thread's KVM_RUN: when it started and returned, and with what. */
struct runner {
	pthread_t th;
	int fd;
	int started;
	int done;
	int ret;
	__u64 t_ret;
};

static void *run_thread(void *arg)
{
	struct runner *t = arg;
	int r;

	__atomic_store_n(&t->started, 1, __ATOMIC_RELEASE);
	r = __vtx_ioctl(t->fd, KVM_RUN, NULL);
	t->t_ret = vtx_now_ns();
	t->ret = r;
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void start_runner(struct __test_metadata *_metadata,
			 struct runner *t, int fd)
{
	t->fd = fd;
	t->started = 0;
	t->done = 0;
	ASSERT_EQ(0, pthread_create(&t->th, NULL, run_thread, t));
	while (!__atomic_load_n(&t->started, __ATOMIC_ACQUIRE))
		vtx_sleep_ms(1);
}

static bool is_done(struct runner *t)
{
	return __atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
}

/* Signal @t every 100 ms until its KVM_RUN returns; false after 20 s. */
static bool stop_runner(struct runner *t)
{
	int i;

	for (i = 0; i < 200 && !is_done(t); i++) {
		pthread_kill(t->th, KICK_SIGNAL);
		vtx_sleep_ms(100);
	}
	if (!is_done(t))
		return false;
	pthread_join(t->th, NULL);
	return true;
}

TEST_F_TIMEOUT(run_race, second_run_waits_or_ebusy, 300)
{
	struct runner a, b;
	bool b_early;

	start_runner(_metadata, &a, self->vcpu.fd);
	vtx_sleep_ms(200);		/* A is in the spinning guest */
	ASSERT_FALSE(is_done(&a)) TH_LOG("KVM_RUN returned %d", a.ret);

	start_runner(_metadata, &b, self->vcpu.fd);
	vtx_sleep_ms(300);
	/* Nothing has signalled A: it must still be in the guest. */
	EXPECT_FALSE(is_done(&a));
	b_early = is_done(&b);
	if (b_early) {
		EXPECT_EQ(-EBUSY, b.ret)
			TH_LOG("second KVM_RUN returned %d while the first ran",
			       b.ret);
	}

	ASSERT_TRUE(stop_runner(&a));
	EXPECT_EQ(-EINTR, a.ret);
	/* B now gets the vCPU (and spins) or has failed already. */
	ASSERT_TRUE(stop_runner(&b));
	if (!b_early) {
		EXPECT_TRUE(b.ret == -EINTR || b.ret == -EBUSY)
			TH_LOG("second KVM_RUN returned %d", b.ret);
		EXPECT_LE(a.t_ret, b.t_ret);
	}
	TH_LOG("second KVM_RUN: %d, %s", b.ret,
	       b_early ? "at once" : "after the first");

	/* The vCPU is whole: it still spins where it should. */
	start_runner(_metadata, &a, self->vcpu.fd);
	vtx_sleep_ms(100);
	ASSERT_TRUE(stop_runner(&a));
	EXPECT_EQ(-EINTR, a.ret);
}

TEST_F_TIMEOUT(run_race, close_vm_fd_while_running, 300)
{
	struct runner a;

	start_runner(_metadata, &a, self->vcpu.fd);
	vtx_sleep_ms(200);
	EXPECT_FALSE(is_done(&a));
	EXPECT_EQ(0, close(self->vm.fd));
	self->vm.fd = -1;
	vtx_sleep_ms(100);
	/* The vCPU holds the VM: the guest may well still be spinning. */
	ASSERT_TRUE(stop_runner(&a));
	/* Any result will do, as long as it came back. */
	TH_LOG("KVM_RUN after the VM fd closed: %d", a.ret);
	vtx_vcpu_close(&self->vcpu);
}

/*
 * close() of a vCPU fd that another thread is in KVM_RUN on only drops
 * the fd: the file lives until that KVM_RUN returns (and the run area
 * mapping holds it after that).
 */
TEST_F_TIMEOUT(run_race, close_vcpu_fd_while_running, 300)
{
	struct runner a;

	start_runner(_metadata, &a, self->vcpu.fd);
	vtx_sleep_ms(200);
	EXPECT_EQ(0, close(self->vcpu.fd));
	self->vcpu.fd = -1;
	vtx_sleep_ms(100);
	ASSERT_TRUE(stop_runner(&a));
	EXPECT_EQ(-EINTR, a.ret);
	/* The run area is still mapped and readable. */
	EXPECT_EQ(KVM_EXIT_INTR, (int)self->vcpu.run->exit_reason);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
