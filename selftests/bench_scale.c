// SPDX-License-Identifier: GPL-2.0
/*
 * bench_scale: what make bench measures beyond one vCPU's exits.
 *
 * crash_walk (vtx only, in the 1-CPU boot): the crash hook's VMCLEAR walk
 * over N = 1, 16, 64 and 256 VMCSs loaded on one CPU, through vtx's
 * test-only debugfs file crash_walk, which runs the function the NMI
 * runs between two ordered TSC reads. n is N, so the table's figures are
 * per VMCS; tsc is the hook's own TSC delta, ns the same converted at the
 * host's TSC rate (KVM_GET_TSC_KHZ): under Bochs, emulated time.
 *
 * The 2-CPU boot (bench DEVICE NAME scale):
 *   exits_1vcpu, exits_2vcpu (mode cpuid): the cpuid loop, an in-kernel
 *     exit, on one vCPU pinned to CPU 0, then on two vCPUs, each in its
 *     own VM, pinned to CPUs 0 and 1 and released together; ns and tsc
 *     per exit per vCPU (the two vCPUs' mean).
 *   create64x2: 64 VMs with 2 vCPUs each created (KVM_CREATE_VM, two
 *     KVM_CREATE_VCPU, the kvm_run mappings), then all destroyed; n is
 *     64, so the figures are per VM; modes create, destroy and "-", the
 *     whole.
 *   memory: the memory the kernel charges to the client's memory cgroup
 *     (memory.current of a cgroup of its own, cgroup2 mounted if need
 *     be) before, after 64 bare VMs and after their 128 vCPUs, as
 *     "BENCH-MEM dev=D what=vm|vcpu kib=K run=R", KiB per VM and per
 *     vCPU. Both devices allocate with __GFP_ACCOUNT, so every page and
 *     slab object they allocate for a VM or vCPU is charged there (and
 *     the struct file of each fd, alike for both); charges move in
 *     batches of 64 pages, which over 64 VMs is 4 KiB per VM at most.
 *     MemFree cannot do this: pages come and go through the kernel's
 *     per-CPU lists without moving it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "vtx_test.h"

#define N_VMS		64
#define VCPUS_PER_VM	2

GUEST_LOOP(scale_cpuid, "xor %eax, %eax\n cpuid");

/* The host's TSC rate in kHz, as the device gives it to a vCPU. */
static long tsc_khz(int dev)
{
	struct vm vm;
	long khz;
	int r;

	r = vm_open(&vm, dev, NULL);
	if (!r)
		r = vcpu_open(&vm, scale_cpuid_start, scale_cpuid_end, 0);
	khz = r ? r : xioctl(vm.vcpu, KVM_GET_TSC_KHZ, NULL);
	vm_close(&vm);
	return khz;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

void crash_walk_workload(int dev)
{
	static const unsigned int ns[] = { 1, 16, 64, 256 };
	struct vtx_crash_walk w;
	char mode[16];
	long khz = tsc_khz(dev);
	size_t i;
	int run, r;

	r = khz > 0 ? pin(0) : (int)khz;
	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		snprintf(mode, sizeof(mode), "n%u", ns[i]);
		for (run = 1; !r && run <= RUNS; run++) {
			r = __vtx_crash_walk(ns[i], &w);
			if (!r && w.visited != ns[i])
				r = -EPROTO;
			if (!r)
				report("crash_walk", mode, ns[i], run,
				       w.tsc * 1e6 / khz, w.tsc, 0, 0);
		}
		if (r)
			skip("crash_walk", mode, "debugfs crash_walk", r);
	}
}

struct exits_thread {
	pthread_t th;
	pthread_barrier_t *go;
	int dev, cpu, r;
	double ns;
	__u64 tsc, exits, uexits;
};

/* One vCPU on its own CPU: N_EXITS cpuid exits, once all are ready. */
static void *exits_thread(void *arg)
{
	struct exits_thread *t = arg;
	struct vm vm = { .fd = -1, .vcpu = -1, .stats = -1 };
	__u64 e0 = 0, e1 = 0;
	double t0;

	t->r = pin(t->cpu);
	if (!t->r)
		t->r = vm_open(&vm, t->dev, NULL);
	if (!t->r)
		t->r = vcpu_open(&vm, scale_cpuid_start, scale_cpuid_end, 1);
	if (!t->r)
		t->r = vcpu_exits(&vm, &e0);
	if (!t->r)
		*(__u32 *)(vm.mem + PARAM_GPA + 8) = N_EXITS;
	pthread_barrier_wait(t->go);
	t0 = now_ns();
	if (!t->r)
		t->r = vcpu_run_loop(&vm, &t->tsc, &t->uexits);
	t->ns = now_ns() - t0;
	if (!t->r)
		t->r = vcpu_exits(&vm, &e1);
	t->exits = e1 - e0;
	vm_close(&vm);
	return NULL;
}

/* @n vCPUs (1 or 2) at once; the figures are their means. */
static void exits_workload(int dev, int n)
{
	const char *work = n == 1 ? "exits_1vcpu" : "exits_2vcpu";
	struct exits_thread t[2];
	pthread_barrier_t go;
	int run, i, r;

	for (run = 1; run <= RUNS; run++) {
		pthread_barrier_init(&go, NULL, n);
		for (i = 0; i < n; i++) {
			memset(&t[i], 0, sizeof(t[i]));
			t[i].go = &go;
			t[i].dev = dev;
			t[i].cpu = i;
			r = pthread_create(&t[i].th, NULL, exits_thread, &t[i]);
			if (r) {
				/* Only a thread of a 2-vCPU run can fail here. */
				fprintf(stderr, "bench: pthread_create: %s\n",
					strerror(r));
				exit(1);
			}
		}
		r = 0;
		for (i = 0; i < n; i++) {
			pthread_join(t[i].th, NULL);
			r = r ? r : t[i].r;
		}
		pthread_barrier_destroy(&go);
		if (r) {
			skip(work, "cpuid", "run", r);
			return;
		}
		if (n == 2)
			report(work, "cpuid", N_EXITS, run, (t[0].ns + t[1].ns) / 2,
			       (t[0].tsc + t[1].tsc) / 2,
			       (t[0].exits + t[1].exits) / 2,
			       (t[0].uexits + t[1].uexits) / 2);
		else
			report(work, "cpuid", N_EXITS, run, t[0].ns, t[0].tsc,
			       t[0].exits, t[0].uexits);
	}
}

struct scale_vm {
	int fd;
	int vcpu[VCPUS_PER_VM];
	void *run[VCPUS_PER_VM];
};

#define CG_ROOT	"/sys/fs/cgroup"
#define CG_BENCH	CG_ROOT "/vtx-bench"

static int cg_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Move this process into a memory cgroup of its own. */
static int cg_enter(void)
{
	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			return -errno;
	}
	cg_write(CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CG_BENCH, 0755) && errno != EEXIST)
		return -errno;
	return cg_write(CG_BENCH "/cgroup.procs", "0");
}

/* The bytes charged to this process's cgroup, in KiB, or -errno. */
static long cg_kib(void)
{
	char line[64], *end = line;
	long long bytes = 0;
	FILE *f = fopen(CG_BENCH "/memory.current", "r");

	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f))
		bytes = strtoll(line, &end, 10);
	fclose(f);
	return end != line ? bytes / 1024 : -EPROTO;
}

/* No fd, no mapping: what scale_vms_close() skips. */
static void scale_vms_init(struct scale_vm *v, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		v[i].fd = -1;
		for (j = 0; j < VCPUS_PER_VM; j++) {
			v[i].vcpu[j] = -1;
			v[i].run[j] = NULL;
		}
	}
}

static void scale_vms_close(struct scale_vm *v, int n, int run_size)
{
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < VCPUS_PER_VM; j++) {
			if (v[i].run[j] && v[i].run[j] != MAP_FAILED)
				munmap(v[i].run[j], run_size);
			if (v[i].vcpu[j] >= 0)
				close(v[i].vcpu[j]);
		}
		if (v[i].fd >= 0)
			close(v[i].fd);
	}
}

/* The vCPUs of @v: created, their kvm_run mapped. */
static int scale_vcpus(struct scale_vm *v, int run_size)
{
	int j;

	for (j = 0; j < VCPUS_PER_VM; j++) {
		v->vcpu[j] = xioctl(v->fd, KVM_CREATE_VCPU, (void *)(long)j);
		if (v->vcpu[j] < 0)
			return v->vcpu[j];
		v->run[j] = mmap(NULL, run_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, v->vcpu[j], 0);
		if (v->run[j] == MAP_FAILED)
			return -errno;
	}
	return 0;
}

static void create64_workload(int dev)
{
	struct scale_vm v[N_VMS];
	long kib0, kib1, kib2;
	double t0, t1, t2;
	int run, i, r = 0, run_size, cg;

	cg = cg_enter();
	if (cg)
		skip("memory", "-", "memory cgroup", cg);
	run_size = xioctl(dev, KVM_GET_VCPU_MMAP_SIZE, NULL);
	for (run = 1; run <= RUNS && run_size > 0; run++) {
		scale_vms_init(v, N_VMS);
		t0 = now_ns();
		for (i = 0; i < N_VMS && !r; i++) {
			v[i].fd = xioctl(dev, KVM_CREATE_VM, NULL);
			r = v[i].fd < 0 ? v[i].fd : scale_vcpus(&v[i], run_size);
		}
		t1 = now_ns();
		scale_vms_close(v, N_VMS, run_size);
		t2 = now_ns();
		if (r)
			break;
		report("create64x2", "create", N_VMS, run, t1 - t0, 0, 0, 0);
		report("create64x2", "destroy", N_VMS, run, t2 - t1, 0, 0, 0);
		report("create64x2", "-", N_VMS, run, t2 - t0, 0, 0, 0);

		/* Memory: the bare VMs first, then their vCPUs. */
		scale_vms_init(v, N_VMS);
		kib0 = cg_kib();
		for (i = 0; i < N_VMS && !r; i++) {
			v[i].fd = xioctl(dev, KVM_CREATE_VM, NULL);
			r = v[i].fd < 0 ? v[i].fd : 0;
		}
		kib1 = cg_kib();
		for (i = 0; i < N_VMS && !r; i++)
			r = scale_vcpus(&v[i], run_size);
		kib2 = cg_kib();
		scale_vms_close(v, N_VMS, run_size);
		if (r)
			break;
		if (cg || kib0 < 0 || kib1 < 0 || kib2 < 0)
			continue;
		printf("BENCH-MEM dev=%s what=vm kib=%.1f run=%d\n", dev_name,
		       (double)(kib1 - kib0) / N_VMS, run);
		printf("BENCH-MEM dev=%s what=vcpu kib=%.1f run=%d\n", dev_name,
		       (double)(kib2 - kib1) / (N_VMS * VCPUS_PER_VM), run);
	}
	if (r || run_size <= 0)
		skip("create64x2", "-", "create", r ? r : run_size);
}

void scale_workloads(int dev)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		skip("exits_2vcpu", "cpuid", "one CPU", -ENODEV);
	} else {
		exits_workload(dev, 1);
		exits_workload(dev, 2);
	}
	create64_workload(dev);
}
