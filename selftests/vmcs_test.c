// SPDX-License-Identifier: GPL-2.0
/*
 * Loaded-VMCS tracking. Every vCPU ioctl loads the vCPU's VMCS on the
 * calling CPU (VTX_GET_VCPU_STATS is the ioctl used here), and
 * /sys/kernel/debug/vtx/vmcs shows each CPU's list. The tests check that
 * view at every quiescent point: while 64 vCPU threads migrate between
 * CPUs, when a CPU goes offline with VMCSs loaded, while VMs are
 * destroyed in random order, and when creating a vCPU fails half-way.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

FIXTURE(vmcs) {
	struct vtx_kmsg kmsg;
	int dev;
	int cpus;
};

FIXTURE_SETUP(vmcs)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	self->cpus = vtx_online_cpus();
	ASSERT_LE(self->cpus, VTX_VIEW_MAX_CPUS);
}

/* Every VM is gone: no VMCS may be left allocated or on any list. */
static void expect_no_vmcs(struct __test_metadata *_metadata)
{
	struct vtx_vmcs_view v;

	ASSERT_EQ(0, __vtx_debugfs_vmcs(&v));
	EXPECT_EQ(0, v.allocated);
	EXPECT_EQ(0, v.total_loaded);
}

FIXTURE_TEARDOWN(vmcs)
{
	/* A test that failed half-way may have left cpu1 offline. */
	if (self->cpus > 1)
		__vtx_set_cpu_online(1, true);
	expect_no_vmcs(_metadata);
	close(self->dev);
	/* No fd is left: unloading must work and clear everything. */
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

static int new_vcpu(struct __test_metadata *_metadata, int vm, int id)
{
	int fd = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)(unsigned long)id);

	EXPECT_LE(0, fd) TH_LOG("vcpu %d: %s", id, strerror(-fd));
	return fd;
}

/* Load @vcpu on the calling thread's CPU, which must be @cpu. */
static void load_on(struct __test_metadata *_metadata, int vcpu, int cpu,
		    struct vtx_vcpu_stats *st)
{
	EXPECT_EQ(0, __vtx_get_vcpu_stats(vcpu, st));
	EXPECT_EQ((unsigned int)cpu, st->cpu);
	EXPECT_EQ(cpu, sched_getcpu());
	EXPECT_TRUE(!!(st->flags & VTX_VCPU_STATS_VMCS_CURRENT));
}

TEST_F_TIMEOUT(vmcs, loaded_on_the_calling_cpu, 300)
{
	int vm = __vtx_ioctl(self->dev, KVM_CREATE_VM, NULL);
	struct vtx_vcpu_stats st;
	struct vtx_vmcs_view v;
	int vcpu, cpu;

	ASSERT_LE(0, vm);
	vcpu = new_vcpu(_metadata, vm, 0);
	ASSERT_LE(0, vcpu);

	/* Created, VMCLEARed, on no CPU's list yet. */
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(1, v.allocated);
	EXPECT_EQ(0, v.total_loaded);

	for (cpu = 0; cpu < self->cpus; cpu++) {
		vtx_pin_to_cpu(cpu);
		load_on(_metadata, vcpu, cpu, &st);
		EXPECT_EQ((unsigned long long)cpu + 1, st.vmcs_loads);
		EXPECT_EQ((unsigned long long)cpu, st.vmcs_migrations);

		/* Loading again on the same CPU does not list it twice. */
		load_on(_metadata, vcpu, cpu, &st);
		EXPECT_EQ((unsigned long long)cpu + 1, st.vmcs_loads);

		vtx_debugfs_vmcs(&v);
		EXPECT_EQ(1, v.allocated);
		EXPECT_EQ(1, v.loaded[cpu]);
		EXPECT_EQ(1, v.total_loaded);
		ASSERT_EQ(1, v.nr_vmcs);
		EXPECT_EQ(cpu, v.vmcs[0].cpu);
		EXPECT_NE(0ULL, v.vmcs[0].pa);
		EXPECT_EQ(0ULL, v.vmcs[0].pa & 0xfff);
		/* Nothing has run VMLAUNCH. */
		EXPECT_EQ(0, v.vmcs[0].launched);
	}

	close(vcpu);
	close(vm);
	expect_no_vmcs(_metadata);
}

/* Two vCPUs take turns on one CPU: each ioctl makes its own VMCS current. */
TEST_F_TIMEOUT(vmcs, vcpus_take_turns_on_one_cpu, 300)
{
	int vm = __vtx_ioctl(self->dev, KVM_CREATE_VM, NULL);
	struct vtx_vcpu_stats st;
	struct vtx_vmcs_view v;
	int a, b, i;

	ASSERT_LE(0, vm);
	a = new_vcpu(_metadata, vm, 0);
	b = new_vcpu(_metadata, vm, 1);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	vtx_pin_to_cpu(0);
	for (i = 0; i < 20; i++) {
		load_on(_metadata, i & 1 ? b : a, 0, &st);
		EXPECT_EQ(1ULL, st.vmcs_loads);
		EXPECT_EQ(0ULL, st.vmcs_migrations);
	}
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(2, v.loaded[0]);
	EXPECT_EQ(2, v.total_loaded);
	EXPECT_NE(v.vmcs[0].pa, v.vmcs[1].pa);
	close(a);
	close(b);
	close(vm);
}

/*
 * The crash hook's walk, run by the test-only crash_walk file: it must
 * VMCLEAR every VMCS loaded on the CPU, leave none behind, and take time
 * that grows with their number.
 */
TEST_F_TIMEOUT(vmcs, crash_walk_visits_every_vmcs, 300)
{
	static const unsigned int ns[] = { 1, 16, 64, 256 };
	struct vtx_crash_walk w;
	struct vtx_vmcs_view v;
	unsigned long long prev = 0;
	size_t i;

	vtx_pin_to_cpu(0);
	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		ASSERT_EQ(0, __vtx_crash_walk(ns[i], &w));
		EXPECT_EQ(ns[i], w.vmcss);
		EXPECT_EQ(ns[i], w.visited);
		EXPECT_LT(prev, w.tsc) TH_LOG("%u VMCSs: %llu cycles", ns[i],
					      w.tsc);
		prev = w.tsc;
		vtx_debugfs_vmcs(&v);
		EXPECT_EQ(0, v.allocated);
		EXPECT_EQ(0, v.total_loaded);
	}
}

/* Bad counts are refused; so is a CPU where a vCPU's VMCS is loaded. */
TEST_F_TIMEOUT(vmcs, crash_walk_refuses_bad_input_and_busy_cpus, 300)
{
	int vm = __vtx_ioctl(self->dev, KVM_CREATE_VM, NULL);
	struct vtx_vcpu_stats st;
	struct vtx_crash_walk w;
	struct vtx_vmcs_view v;
	int vcpu;

	EXPECT_EQ(-EINVAL, __vtx_crash_walk_write("0"));
	EXPECT_EQ(-EINVAL, __vtx_crash_walk_write("1025"));
	EXPECT_EQ(-EINVAL, __vtx_crash_walk_write("many"));
	EXPECT_EQ(-EINVAL, __vtx_crash_walk_write("-1"));

	ASSERT_LE(0, vm);
	vcpu = new_vcpu(_metadata, vm, 0);
	ASSERT_LE(0, vcpu);
	vtx_pin_to_cpu(0);
	load_on(_metadata, vcpu, 0, &st);
	EXPECT_EQ(-EBUSY, __vtx_crash_walk(16, &w));
	/* The vCPU's VMCS is still loaded and current, not cleared. */
	load_on(_metadata, vcpu, 0, &st);
	EXPECT_EQ(1ULL, st.vmcs_loads);
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(1, v.allocated);
	EXPECT_EQ(1, v.loaded[0]);
	close(vcpu);
	close(vm);
}

enum { VMS = 4, PER_VM = 16, NR = VMS * PER_VM, ROUNDS = 10 };

struct worker {
	pthread_t th;
	pthread_barrier_t *start, *done;
	int idx, cpus, vcpu;
	int cpu;		/* the CPU of its last ioctl */
	int failures;
	struct vtx_vcpu_stats st;
};

/*
 * Each round the worker moves to the next CPU and loads its VMCS there,
 * which clears it on the CPU it came from. Between rounds it waits, so
 * the main thread sees a quiescent state.
 */
static void *migrate_worker(void *arg)
{
	struct worker *w = arg;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		int cpu = (w->idx + r) % w->cpus;

		pthread_barrier_wait(w->start);
		if (__vtx_pin_to_cpu(cpu) ||
		    __vtx_get_vcpu_stats(w->vcpu, &w->st) ||
		    w->st.cpu != (unsigned int)cpu || sched_getcpu() != cpu ||
		    !(w->st.flags & VTX_VCPU_STATS_VMCS_CURRENT))
			w->failures++;
		w->cpu = cpu;
		pthread_barrier_wait(w->done);
	}
	return NULL;
}

/*
 * The debugfs view agrees with where each worker last loaded its VMCS;
 * a worker whose VM is gone has cpu -1.
 */
static void check_view(struct __test_metadata *_metadata, struct worker *w,
		       int nr, int cpus, int allocated)
{
	int want[VTX_VIEW_MAX_CPUS] = { 0 };
	struct vtx_vmcs_view v;
	int i, cpu;

	for (i = 0; i < nr; i++)
		if (w[i].cpu >= 0)
			want[w[i].cpu]++;
	ASSERT_EQ(0, __vtx_debugfs_vmcs(&v));
	EXPECT_EQ(allocated, v.allocated);
	EXPECT_EQ(allocated, v.total_loaded);
	EXPECT_EQ(allocated, v.nr_vmcs);
	for (cpu = 0; cpu < cpus; cpu++)
		EXPECT_EQ(want[cpu], v.loaded[cpu]) TH_LOG("cpu%d", cpu);
	for (i = 0; i < v.nr_vmcs; i++)
		EXPECT_EQ(0, v.vmcs[i].launched);
}

TEST_F_TIMEOUT(vmcs, migrate_64_vcpus_then_destroy_in_random_order, 900)
{
	pthread_barrier_t start, done;
	struct worker w[NR];
	int vms[VMS], open_fds[VMS], fds[NR + VMS], owner[NR + VMS];
	int i, r, live, seed;

	if (self->cpus < 2)
		SKIP(return, "needs 2 online CPUs, the host has %d", self->cpus);

	for (i = 0; i < VMS; i++) {
		vms[i] = __vtx_ioctl(self->dev, KVM_CREATE_VM, NULL);
		ASSERT_LE(0, vms[i]);
		open_fds[i] = 1 + PER_VM;
	}
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, NR + 1));
	ASSERT_EQ(0, pthread_barrier_init(&done, NULL, NR + 1));
	for (i = 0; i < NR; i++) {
		w[i] = (struct worker){
			.start = &start, .done = &done, .idx = i,
			.cpus = self->cpus,
			.vcpu = new_vcpu(_metadata, vms[i / PER_VM], i % PER_VM),
		};
		ASSERT_LE(0, w[i].vcpu);
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, migrate_worker,
					    &w[i]));
	}

	for (r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		check_view(_metadata, w, NR, self->cpus, NR);
	}
	for (i = 0; i < NR; i++) {
		pthread_join(w[i].th, NULL);
		EXPECT_EQ(0, w[i].failures) TH_LOG("worker %d", i);
		/* Every round after the first moved it to another CPU. */
		EXPECT_EQ((__u64)ROUNDS, w[i].st.vmcs_loads);
		EXPECT_EQ((__u64)ROUNDS - 1, w[i].st.vmcs_migrations);
	}

	/* Close all 68 fds in random order; a VM goes with its last fd. */
	seed = (int)time(NULL);
	srand(seed);
	TH_LOG("close order seed %d", seed);
	for (i = 0; i < NR; i++) {
		fds[i] = w[i].vcpu;
		owner[i] = i / PER_VM;
	}
	for (i = 0; i < VMS; i++) {
		fds[NR + i] = vms[i];
		owner[NR + i] = i;
	}
	for (i = NR + VMS - 1; i > 0; i--) {
		int j = rand() % (i + 1), t;

		t = fds[i], fds[i] = fds[j], fds[j] = t;
		t = owner[i], owner[i] = owner[j], owner[j] = t;
	}
	live = NR;
	for (i = 0; i < NR + VMS; i++) {
		int k;

		ASSERT_EQ(0, close(fds[i]));
		if (--open_fds[owner[i]] == 0) {
			/* The VM's vCPUs are gone: forget their CPUs. */
			for (k = owner[i] * PER_VM; k < (owner[i] + 1) * PER_VM; k++)
				w[k].cpu = -1;
			live -= PER_VM;
		}
		/* Closed vCPU fds of a live VM keep their VMCS loaded. */
		check_view(_metadata, w, NR, self->cpus, live);
	}
	pthread_barrier_destroy(&start);
	pthread_barrier_destroy(&done);
}

TEST_F_TIMEOUT(vmcs, cpu_offline_clears_its_vmcss, 600)
{
	int vm, vcpu[8], i, cpu;
	struct vtx_vcpu_stats st;
	struct vtx_vmcs_view v;

	if (self->cpus < 2)
		SKIP(return, "needs 2 online CPUs, the host has %d", self->cpus);

	vm = __vtx_ioctl(self->dev, KVM_CREATE_VM, NULL);
	ASSERT_LE(0, vm);
	for (i = 0; i < 8; i++) {
		vcpu[i] = new_vcpu(_metadata, vm, i);
		ASSERT_LE(0, vcpu[i]);
		vtx_pin_to_cpu(i < 4 ? 0 : 1);
		load_on(_metadata, vcpu[i], i < 4 ? 0 : 1, &st);
	}
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(4, v.loaded[0]);
	EXPECT_EQ(4, v.loaded[1]);

	vtx_pin_to_cpu(0);
	vtx_set_cpu_online(1, false);
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(8, v.allocated);
	EXPECT_EQ(4, v.loaded[0]);
	EXPECT_EQ(0, v.loaded[1]);
	for (i = 0; i < v.nr_vmcs; i++)
		EXPECT_EQ(0, v.vmcs[i].cpu);

	vtx_set_cpu_online(1, true);
	EXPECT_EQ(1, __vtx_debugfs_cpu_vmx(1));
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(0, v.loaded[1]);

	/*
	 * Load all eight on cpu1: the four from cpu0 move by IPI, the four
	 * that cpu1's offline path cleared are simply loaded again.
	 */
	vtx_pin_to_cpu(1);
	for (i = 0; i < 8; i++) {
		load_on(_metadata, vcpu[i], 1, &st);
		EXPECT_EQ(2ULL, st.vmcs_loads);
		EXPECT_EQ(i < 4 ? 1ULL : 0ULL, st.vmcs_migrations)
			TH_LOG("vcpu %d", i);
	}
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(0, v.loaded[0]);
	EXPECT_EQ(8, v.loaded[1]);
	for (cpu = 2; cpu < self->cpus; cpu++)
		EXPECT_EQ(0, v.loaded[cpu]);

	for (i = 0; i < 8; i++)
		close(vcpu[i]);
	close(vm);
	expect_no_vmcs(_metadata);
}

struct spinner {
	pthread_t th;
	struct vtx_vcpu *vcpu;
	int ret;
	int done;
	int stats_ret;
	struct vtx_vcpu_stats st;
};

/* Run the spinning guest until a signal, then read the stats here. */
static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	s->ret = __vtx_vcpu_run(s->vcpu);
	s->stats_ret = __vtx_get_vcpu_stats(s->vcpu->fd, &s->st);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int pin_thread(pthread_t th, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(th, sizeof(set), &set);
}

/*
 * The thread is moved between CPUs while it is inside KVM_RUN: only the
 * preempt notifier can load the VMCS on the new CPU (clearing it on the
 * old one first). Without it the next VMRESUME would fail, and KVM_RUN
 * would come back with a failed entry instead of spinning on.
 */
TEST_F_TIMEOUT(vmcs, migrate_while_in_guest, 600)
{
	struct spinner s = {};
	struct vtx_vmcs_view v;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int i;

	if (self->cpus < 2)
		SKIP(return, "needs 2 online CPUs, the host has %d", self->cpus);

	vtx_install_noop_handler(SIGUSR1);
	vtx_vm_create_default(&vm, VTX_DEV_PATH);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, vtx_guest_spin64_start,
		    vtx_guest_spin64_end);
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);
	s.vcpu = &vcpu;
	ASSERT_EQ(0, pthread_create(&s.th, NULL, spin_thread, &s));
	vtx_sleep_ms(200);

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, pin_thread(s.th, i & 1 ? 0 : 1));
		vtx_sleep_ms(50);
		EXPECT_FALSE(__atomic_load_n(&s.done, __ATOMIC_ACQUIRE))
			TH_LOG("KVM_RUN returned %d after move %d", s.ret, i);
	}
	/* The last move was to cpu0. */
	for (i = 0; i < 100 && !__atomic_load_n(&s.done, __ATOMIC_ACQUIRE);
	     i++) {
		pthread_kill(s.th, SIGUSR1);
		vtx_sleep_ms(50);
	}
	ASSERT_TRUE(__atomic_load_n(&s.done, __ATOMIC_ACQUIRE));
	pthread_join(s.th, NULL);

	EXPECT_EQ(-EINTR, s.ret);
	ASSERT_EQ(0, s.stats_ret);
	EXPECT_EQ(0U, s.st.cpu);
	EXPECT_TRUE(!!(s.st.flags & VTX_VCPU_STATS_VMCS_CURRENT));
	/* Each move of the running thread cleared the VMCS on the old CPU. */
	EXPECT_LE(15ULL, s.st.vmcs_migrations);
	TH_LOG("%llu migrations, %llu exits",
	       (unsigned long long)s.st.vmcs_migrations,
	       (unsigned long long)s.st.exits);

	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(1, v.allocated);
	EXPECT_EQ(1, v.loaded[0]);
	EXPECT_EQ(1, v.total_loaded);
	/* It ran: VMLAUNCH happened and the launch state is tracked. */
	ASSERT_EQ(1, v.nr_vmcs);
	EXPECT_EQ(1, v.vmcs[0].launched);

	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
}

/* Creating a vCPU fails after its VMCS exists: nothing may leak. */
TEST_F_TIMEOUT(vmcs, create_failure_at_fd_limit_unwinds, 300)
{
	int vm = __vtx_ioctl(self->dev, KVM_CREATE_VM, NULL);
	struct rlimit old, low;
	struct vtx_vmcs_view v;
	int vcpu, spare;

	ASSERT_LE(0, vm);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	/* Every fd below the lowest free one is in use: allow no more. */
	spare = dup(0);
	ASSERT_LE(0, spare);
	close(spare);
	low = old;
	low.rlim_cur = spare;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	vcpu = __vtx_ioctl(vm, KVM_CREATE_VCPU, (void *)5UL);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(-EMFILE, vcpu);

	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(0, v.allocated);
	EXPECT_EQ(0, v.total_loaded);

	/* The id was not left taken. */
	vcpu = new_vcpu(_metadata, vm, 5);
	ASSERT_LE(0, vcpu);
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(1, v.allocated);
	close(vcpu);
	close(vm);
}

TEST_F_TIMEOUT(vmcs, stats_bad_input, 300)
{
	int vm = __vtx_ioctl(self->dev, KVM_CREATE_VM, NULL);
	struct vtx_vcpu_stats st;
	int vcpu, status;
	pid_t pid;

	ASSERT_LE(0, vm);
	vcpu = new_vcpu(_metadata, vm, 0);
	ASSERT_LE(0, vcpu);
	vtx_pin_to_cpu(0);
	EXPECT_EQ(-EFAULT, __vtx_ioctl(vcpu, VTX_GET_VCPU_STATS, NULL));
	EXPECT_EQ(-EFAULT, __vtx_ioctl(vcpu, VTX_GET_VCPU_STATS,
				       (void *)0xffff800000000000UL));
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(vcpu, _IOR(VTXIO, 0x7f, __u64), &st));
	/* A vCPU ioctl is not a system or VM ioctl. */
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(self->dev, VTX_GET_VCPU_STATS, &st));
	EXPECT_EQ(-ENOTTY, __vtx_ioctl(vm, VTX_GET_VCPU_STATS, &st));

	/* After fork() the child cannot load the parent's vCPU anywhere. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(__vtx_get_vcpu_stats(vcpu, &st) == -EIO ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	load_on(_metadata, vcpu, 0, &st);
	close(vcpu);
	close(vm);
}

/*
 * The offline path must VMCLEAR, not merely unlist: a launched VMCS on the
 * CPU going away is written back with its launch state clear before the
 * CPU executes VMXOFF (after VMXOFF, VMCLEAR would fault and the state
 * would stay launched). Bochs keeps the launch state in the VMCS region
 * (offset 8), so the emulated host shows it through /proc/kcore; a real
 * CPU caches it, and there only the bookkeeping is checked.
 */
TEST_F_TIMEOUT(vmcs, cpu_offline_vmclears_launched_vmcs, 600)
{
	/* mov al, 0x42; out 0x10, al; hlt; jmp $-1 */
	static const unsigned char code[] = {
		0xb0, 0x42, 0xe6, 0x10, 0xf4, 0xeb, 0xfd,
	};
	const char *model = getenv("VTX_CPU_MODEL");
	bool bochs = model && (!strncmp(model, "corei7", 6) ||
			       !strcmp(model, "sapphire_rapids"));
	struct vtx_vmcs_view v;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	__u32 state;
	__u64 pa;

	if (self->cpus < 2)
		SKIP(return, "needs 2 online CPUs, the host has %d", self->cpus);

	vtx_vm_create_default(&vm, VTX_DEV_PATH);
	vtx_vm_load(&vm, VTX_CODE_GPA, code, code + sizeof(code));
	vtx_pin_to_cpu(1);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	EXPECT_EQ(0x42ULL, vtx_vcpu_run_out(&vcpu, 0x10, 1));

	vtx_debugfs_vmcs(&v);
	ASSERT_EQ(1, v.nr_vmcs);
	EXPECT_EQ(1, v.vmcs[0].cpu);
	EXPECT_EQ(1, v.vmcs[0].launched);
	pa = v.vmcs[0].pa;
	if (bochs) {
		ASSERT_EQ(0, vtx_core_vmcs_launch_state(VTX_KCORE_PATH, pa,
							&state));
		EXPECT_EQ(1U, state) TH_LOG("vmcs 0x%llx before offline",
					    (unsigned long long)pa);
	}

	vtx_pin_to_cpu(0);
	vtx_set_cpu_online(1, false);
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(0, v.loaded[1]);
	EXPECT_EQ(0, v.total_loaded);
	if (bochs) {
		ASSERT_EQ(0, vtx_core_vmcs_launch_state(VTX_KCORE_PATH, pa,
							&state));
		EXPECT_EQ(0U, state) TH_LOG("vmcs 0x%llx after offline",
					    (unsigned long long)pa);
	} else {
		TH_LOG("launch state in memory not checked: %s is not Bochs",
		       model ?: "the host");
	}

	/* Cleared means VMLAUNCH again, on whichever CPU runs it next. */
	vtx_set_cpu_online(1, true);
	vtx_pin_to_cpu(1);
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	EXPECT_EQ(0x42ULL, vtx_vcpu_run_out(&vcpu, 0x10, 1));
	vtx_debugfs_vmcs(&v);
	EXPECT_EQ(1, v.loaded[1]);

	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
