// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_fuzz: load vtx, fuzz it in batches, and after each batch check that
 * nothing is left behind: no BUG, WARNING or Oops in the kernel log since
 * the start, every fd the batch opened closed, debugfs's VMCS and EPT
 * counts back to zero, and rmmod vtx succeeds. Output is TAP, one result
 * per batch and one for the totals.
 *
 *   vtx_fuzz [--seed S] [--duration SECONDS] [--min-ioctls N]
 *	      [--min-runs N]
 *
 * SEED and DURATION in the environment do the same. Batches run until
 * DURATION has passed and both minimums are met (or until 4 x DURATION,
 * which fails). The seed is printed first: SEED=<it> replays the run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "vtx_test.h"

#define IOCTLS_PER_BATCH	6000
#define RACE_RUNS_PER_BATCH	150
#define GUEST_RUNS_PER_BATCH	600

struct fuzz_opts {
	__u64 seed;
	unsigned long duration;
	unsigned long min_ioctls;
	unsigned long min_runs;
};

static double fuzz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fuzz_open_fds(void)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory's own fd */
}

/* debugfs: no VMCS allocated or loaded, no EPT table or leaf left. */
static void fuzz_check_debugfs(struct fuzz_stats *st)
{
	struct vtx_vmcs_view v;
	struct vtx_ept_view e;
	int r;

	r = __vtx_debugfs_vmcs(&v);
	if (r)
		fuzz_fail(st, "batch", "debugfs vmcs: %s", strerror(-r));
	else if (v.allocated || v.total_loaded)
		fuzz_fail(st, "batch", "debugfs vmcs: %d allocated, %d loaded",
			  v.allocated, v.total_loaded);
	r = __vtx_debugfs_ept(&e);
	if (r)
		fuzz_fail(st, "batch", "debugfs ept: %s", strerror(-r));
	else if (e.tables || e.large_leaves || e.leaves)
		fuzz_fail(st, "batch", "debugfs ept: tables=%lld large_leaves=%lld leaves=%lld",
			  e.tables, e.large_leaves, e.leaves);
}

/* One batch from @seed; returns the failures it added. */
static unsigned long fuzz_batch(struct fuzz_stats *st, __u64 seed,
				struct vtx_kmsg *kmsg, int fds)
{
	unsigned long before = st->failures;
	struct fuzz_rng r;
	int r2, now;

	fuzz_seed(&r, seed);
	r2 = __vtx_load_with("");
	if (r2) {
		fuzz_fail(st, "batch", "insmod vtx: %s", strerror(-r2));
		return st->failures - before;
	}
	fuzz_ioctls(&r, st, IOCTLS_PER_BATCH);
	fuzz_race(&r, st, RACE_RUNS_PER_BATCH);
	fuzz_guest(&r, st, GUEST_RUNS_PER_BATCH);

	now = fuzz_open_fds();
	if (now != fds)
		fuzz_fail(st, "batch", "%d fds open after the batch, %d before",
			  now, fds);
	fuzz_check_debugfs(st);
	r2 = vtx_kmsg_count_bad(kmsg);
	if (r2)
		fuzz_fail(st, "batch", "%d BUG/WARNING/Oops lines in the kernel log:\n%s",
			  r2, vtx_kmsg_read(kmsg));
	r2 = __vtx_module_unload("vtx");
	if (r2)
		fuzz_fail(st, "batch", "rmmod vtx: %s", strerror(-r2));
	return st->failures - before;
}

static unsigned long fuzz_arg(const char *s)
{
	return strtoull(s, NULL, 0);
}

static void fuzz_parse(int argc, char **argv, struct fuzz_opts *o)
{
	const char *env;
	int i;

	o->seed = (__u64)time(NULL) * 0x9e3779b97f4a7c15ULL ^ getpid();
	o->duration = 120;
	o->min_ioctls = 100000;
	o->min_runs = 10000;
	env = getenv("SEED");
	if (env && *env)
		o->seed = fuzz_arg(env);
	env = getenv("DURATION");
	if (env && *env)
		o->duration = fuzz_arg(env);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			o->seed = fuzz_arg(argv[i + 1]);
		else if (!strcmp(argv[i], "--duration"))
			o->duration = fuzz_arg(argv[i + 1]);
		else if (!strcmp(argv[i], "--min-ioctls"))
			o->min_ioctls = fuzz_arg(argv[i + 1]);
		else if (!strcmp(argv[i], "--min-runs"))
			o->min_runs = fuzz_arg(argv[i + 1]);
	}
}

static void fuzz_report(const struct fuzz_stats *st)
{
	int i;

	printf("# exits:");
	for (i = 0; i < 64; i++)
		if (st->exits[i])
			printf(" %s=%lu", vtx_exit_name(i), st->exits[i]);
	printf("\n# KVM_RUN errors:");
	for (i = 0; i < 256; i++)
		if (st->run_errno[i])
			printf(" %s=%lu", strerrorname_np(i) ?: "?",
			       st->run_errno[i]);
	printf("\n# %lu racing slot/mapping changes, %lu forks\n", st->races,
	       st->forks);
}

int main(int argc, char **argv)
{
	struct fuzz_stats st = {};
	struct fuzz_opts o;
	struct vtx_kmsg kmsg;
	struct fuzz_rng seeds;
	double t0, elapsed;
	int batch = 0, fds;
	bool enough;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fuzz_parse(argc, argv, &o);
	printf("TAP version 13\n");
	printf("# seed 0x%016llx (replay: SEED=0x%016llx)\n",
	       (unsigned long long)o.seed, (unsigned long long)o.seed);
	printf("# duration %lu s, at least %lu ioctl calls and %lu guest runs\n",
	       o.duration, o.min_ioctls, o.min_runs);
	vtx_require_vmx();
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&kmsg);
	fds = fuzz_open_fds();
	fuzz_seed(&seeds, o.seed);
	t0 = fuzz_now();
	do {
		__u64 seed = fuzz_u64(&seeds);
		unsigned long bad;

		batch++;
		bad = fuzz_batch(&st, seed, &kmsg, fds);
		elapsed = fuzz_now() - t0;
		printf("%s %d - batch %d, seed 0x%016llx: ",
		       bad ? "not ok" : "ok", batch, batch,
		       (unsigned long long)seed);
		printf("%lu ioctl calls, %lu guest runs, %.0f s\n", st.ioctls,
		       st.runs, elapsed);
		enough = st.ioctls >= o.min_ioctls && st.runs >= o.min_runs;
	} while ((elapsed < o.duration || !enough) &&
		 elapsed < 4.0 * o.duration);

	fuzz_report(&st);
	printf("%lu ioctl calls\n", st.ioctls);
	printf("%lu guest runs\n", st.runs);
	printf("%s %d - %lu ioctl calls (at least %lu) ",
	       enough && !st.failures ? "ok" : "not ok", batch + 1, st.ioctls,
	       o.min_ioctls);
	printf("and %lu guest runs (at least %lu) in %.0f s, %lu failures\n",
	       st.runs, o.min_runs, elapsed, st.failures);
	printf("1..%d\n", batch + 1);
	vtx_kmsg_close(&kmsg);
	return enough && !st.failures ? 0 : 1;
}
