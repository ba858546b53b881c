// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU objects: KVM_CREATE_VM, KVM_CREATE_VCPU, the id rules, fd
 * lifetime in any close order and from any thread, and use after fork().
 */
#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define MAX_VCPUS 128

FIXTURE(vm) {
	struct vtx_kmsg kmsg;
	int dev;
};

FIXTURE_SETUP(vm)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
}

FIXTURE_TEARDOWN(vm)
{
	close(self->dev);
	/* Every VM and vCPU fd is closed: nothing may pin the module. */
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

static int create_vm(struct __test_metadata *_metadata, int dev)
{
	int vm = __vtx_ioctl(dev, KVM_CREATE_VM, NULL);

	EXPECT_LE(0, vm);
	return vm;
}

TEST_F(vm, create_vm_type_0_only)
{
	int vm = create_vm(_metadata, self->dev);

	EXPECT_EQ(-EINVAL, __vtx_ioctl(self->dev, KVM_CREATE_VM, (void *)1UL));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(self->dev, KVM_CREATE_VM, (void *)~0UL));
	close(vm);
}

TEST_F(vm, vcpu_limits_reported)
{
	int vm = create_vm(_metadata, self->dev);
	int fds[] = { self->dev, vm };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		EXPECT_EQ(MAX_VCPUS, __vtx_ioctl(fds[i], KVM_CHECK_EXTENSION,
						 (void *)KVM_CAP_MAX_VCPUS));
		EXPECT_EQ(MAX_VCPUS, __vtx_ioctl(fds[i], KVM_CHECK_EXTENSION,
						 (void *)KVM_CAP_MAX_VCPU_ID));
		EXPECT_EQ(vtx_online_cpus(),
			  __vtx_ioctl(fds[i], KVM_CHECK_EXTENSION,
				      (void *)KVM_CAP_NR_VCPUS));
	}
	close(vm);
}

TEST_F(vm, vcpu_id_rules)
{
	int vm = create_vm(_metadata, self->dev);
	int v0, vmax;

	v0 = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)0UL);
	ASSERT_LE(0, v0);
	vmax = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)(MAX_VCPUS - 1UL));
	ASSERT_LE(0, vmax);
	EXPECT_EQ(-EEXIST, __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)0UL));
	EXPECT_EQ(-EEXIST, __vtx_ioctl(vm, KVM_CREATE_VCPU,
				       (void *)(MAX_VCPUS - 1UL)));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(vm, KVM_CREATE_VCPU,
				       (void *)(unsigned long)MAX_VCPUS));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)~0UL));
	/* Closing a vCPU fd does not free the id: the vCPU lives on. */
	close(v0);
	EXPECT_EQ(-EEXIST, __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)0UL));
	close(vmax);
	close(vm);
}

TEST_F(vm, create_every_vcpu_then_no_more)
{
	int vm = create_vm(_metadata, self->dev);
	int fds[MAX_VCPUS];
	unsigned long id;

	for (id = 0; id < MAX_VCPUS; id++) {
		fds[id] = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)id);
		ASSERT_LE(0, fds[id]) TH_LOG("vcpu %lu", id);
	}
	for (id = 0; id < MAX_VCPUS; id++)
		EXPECT_EQ(-EEXIST, __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)id));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(vm, KVM_CREATE_VCPU,
				       (void *)(unsigned long)MAX_VCPUS));
	for (id = 0; id < MAX_VCPUS; id++)
		close(fds[id]);
	close(vm);
}

TEST_F(vm, unknown_ioctls_fail_as_kvm)
{
	int vm = create_vm(_metadata, self->dev);
	int vcpu = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)0UL);

	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(vm, _IO(KVMIO, 0xff), NULL));
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(vm, KVM_GET_API_VERSION, NULL));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(vcpu, _IO(KVMIO, 0xff), NULL));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(vcpu, KVM_CREATE_VCPU, NULL));
	close(vcpu);
	close(vm);
}

/* Close the VM fd first: its vCPU fds keep it (and the module) alive. */
TEST_F(vm, close_vm_before_vcpus)
{
	int vm = create_vm(_metadata, self->dev);
	int vcpu = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)3UL);

	ASSERT_LE(0, vcpu);
	close(vm);
	EXPECT_EQ(-EWOULDBLOCK, __vtx_module_unload("vtx"));
	EXPECT_EQ(-EINVAL, __vtx_ioctl(vcpu, _IO(KVMIO, 0xff), NULL));
	close(vcpu);
}

TEST_F(vm, vm_fd_pins_module)
{
	int vm = create_vm(_metadata, self->dev);

	close(self->dev);
	self->dev = vtx_open(VTX_DEV_PATH);
	close(self->dev);
	EXPECT_EQ(-EWOULDBLOCK, __vtx_module_unload("vtx"));
	close(vm);
	self->dev = vtx_open(VTX_DEV_PATH);
}

/* After fork(), the child may not use the parent's VM or vCPU. */
TEST_F(vm, fork_child_gets_eio)
{
	int vm = create_vm(_metadata, self->dev);
	int vcpu = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)0UL);
	int status, vcpu1;
	pid_t pid;

	ASSERT_LE(0, vcpu);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		_exit(__vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)1UL) == -EIO &&
		      __vtx_ioctl(vm, KVM_CHECK_EXTENSION,
				  (void *)KVM_CAP_MAX_VCPUS) == -EIO &&
		      __vtx_ioctl(vcpu, _IO(KVMIO, 0xff), NULL) == -EIO ?
		      0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's attempt created nothing. */
	vcpu1 = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)1UL);
	EXPECT_LE(0, vcpu1);
	close(vcpu1);
	close(vcpu);
	close(vm);
}

struct closer {
	int *fds;
	int nr;
};

static void *close_fds(void *arg)
{
	struct closer *c = arg;
	int i;

	for (i = 0; i < c->nr; i++)
		close(c->fds[i]);
	return NULL;
}

/* Four threads close one VM's fds (VM fd among them) at the same time. */
TEST_F(vm, close_from_many_threads)
{
	enum { THREADS = 4, PER = 8 };
	int fds[THREADS][PER], round, t, i;
	struct closer c[THREADS];
	pthread_t th[THREADS];

	for (round = 0; round < 10; round++) {
		int vm = create_vm(_metadata, self->dev);

		for (t = 0; t < THREADS; t++) {
			for (i = 0; i < PER; i++) {
				fds[t][i] = __vtx_ioctl(vm, KVM_CREATE_VCPU,
							(void *)(unsigned long)(t * PER + i));
				ASSERT_LE(0, fds[t][i]);
			}
			c[t].fds = fds[t];
			c[t].nr = PER;
		}
		/* The VM fd goes half-way through the first thread's batch. */
		close(fds[0][PER / 2]);
		fds[0][PER / 2] = vm;
		for (t = 0; t < THREADS; t++)
			ASSERT_EQ(0, pthread_create(&th[t], NULL, close_fds,
						    &c[t]));
		for (t = 0; t < THREADS; t++)
			pthread_join(th[t], NULL);
	}
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
