// SPDX-License-Identifier: GPL-2.0
/*
 * Two VMs with two vCPUs each, run by four threads at once, each pinned
 * to CPU i % online CPUs. Every vCPU counts through its own sequence of
 * port writes, tagged with its thread's number; each sequence must come
 * out whole, in order and untouched by the other vCPUs.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

enum { VMS = 2, PER_VM = 2, THREADS = VMS * PER_VM, LAPS = 100 };

#define PORT_BASE	0x50

FIXTURE(multi_vm) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm[VMS];
	struct vtx_vcpu vcpu[THREADS];
};

FIXTURE_SETUP(multi_vm)
{
	int i;

	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	for (i = 0; i < VMS; i++) {
		vtx_vm_create_default(&self->vm[i], VTX_DEV_PATH);
		vtx_vm_load(&self->vm[i], VTX_CODE_GPA, vtx_guest_count64_start,
			    vtx_guest_count64_end);
	}
	for (i = 0; i < THREADS; i++)
		vtx_vcpu_create(&self->vm[i / PER_VM], i % PER_VM,
				&self->vcpu[i]);
}

FIXTURE_TEARDOWN(multi_vm)
{
	int i;

	for (i = 0; i < THREADS; i++)
		vtx_vcpu_close(&self->vcpu[i]);
	for (i = 0; i < VMS; i++)
		vtx_vm_destroy(&self->vm[i]);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

struct counter {
	pthread_t th;
	struct vtx_vcpu *vcpu;
	int idx, cpu;
	int got;		/* the last good exit: LAPS when all were */
	char why[200];		/* the first failure, empty if none */
};

static __u32 tag(int idx)
{
	return (__u32)(idx + 1) << 24;
}

/* Run the vCPU to its HLT, checking each OUT; no asserts off the main thread. */
static void *count_worker(void *arg)
{
	struct counter *c = arg;
	struct kvm_run *run = c->vcpu->run;
	__u16 port = PORT_BASE + c->idx;
	char buf[160];
	int r, i;

	r = __vtx_pin_to_cpu(c->cpu);
	if (r) {
		snprintf(c->why, sizeof(c->why), "pin to cpu%d: %d", c->cpu, r);
		return NULL;
	}
	for (i = 0; i <= LAPS; i++) {
		r = __vtx_vcpu_run(c->vcpu);
		if (r) {
			snprintf(c->why, sizeof(c->why), "KVM_RUN %d: %d", i, r);
			return NULL;
		}
		if (i == LAPS)
			r = __vtx_check_exit(run, KVM_EXIT_HLT);
		else
			r = __vtx_check_io_out(run, port, 4, tag(c->idx) + i);
		if (r) {
			snprintf(c->why, sizeof(c->why), "exit %d: %s", i,
				 vtx_describe_exit(run, buf, sizeof(buf)));
			return NULL;
		}
		c->got = i;
	}
	return NULL;
}

TEST_F_TIMEOUT(multi_vm, four_threads_count_in_order, 600)
{
	struct counter c[THREADS] = {};
	struct kvm_regs regs;
	int i;

	for (i = 0; i < THREADS; i++) {
		vtx_vcpu_setup_long_mode(&self->vcpu[i], VTX_CODE_GPA);
		vtx_vcpu_get_regs(&self->vcpu[i], &regs);
		regs.rbx = tag(i);
		regs.rsi = LAPS;
		regs.rdx = PORT_BASE + i;
		vtx_vcpu_set_regs(&self->vcpu[i], &regs);

		c[i].vcpu = &self->vcpu[i];
		c[i].idx = i;
		c[i].cpu = i % vtx_online_cpus();
	}
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&c[i].th, NULL, count_worker, &c[i]));
	for (i = 0; i < THREADS; i++)
		pthread_join(c[i].th, NULL);
	for (i = 0; i < THREADS; i++) {
		EXPECT_EQ(LAPS, c[i].got)
			TH_LOG("vm %d vcpu %d on cpu%d: %s", i / PER_VM,
			       i % PER_VM, c[i].cpu, c[i].why);
		EXPECT_EQ('\0', c[i].why[0]);
	}
	/* Each vCPU kept its own registers: ECX ended at LAPS. */
	for (i = 0; i < THREADS; i++) {
		vtx_vcpu_get_regs(&self->vcpu[i], &regs);
		EXPECT_EQ((__u64)LAPS, regs.rcx & 0xffffffff);
		EXPECT_EQ((__u64)tag(i), regs.rbx);
	}
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
