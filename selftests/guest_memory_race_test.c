// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory on demand: the MADV_DONTNEED race. The guest keeps reading
 * a page while a writer thread discards and rewrites it; the guest must
 * never see a value the VMM no longer has (guest_memory_env.h has the
 * fixture; the race is described above the test).
 */
#include "guest_memory_env.h"

/*
 * The MADV_DONTNEED race: a writer thread discards the page the guest
 * polls and stores round numbers 1, 2, ... into it; the guest reports
 * the page's first dword at every exit. Per round n the writer
 * publishes, in order: madv_start = n, MADV_DONTNEED, madv_done = n, a
 * wait, announced = n, the store of n, stored = n; its waits make sure
 * the guest reads at least once in each phase, and random delays move
 * the changes across the guest's faults. The runner samples the
 * counters before and after each KVM_RUN, which reads the page once:
 *  - a non-zero value cannot be newer than "announced" after the run,
 *    nor older than "madv_done" before it (that page was discarded
 *    before the run began), nor older than a value already seen;
 *  - when "madv_done" before the run is ahead of "announced" after it,
 *    the page was discarded all along: the value must be 0;
 *  - when "stored" before the run equals "madv_start" after it, the page
 *    held that value all along: the value must be exactly that.
 * An EPT entry left on a discarded page, or on the zero page the guest
 * read after a discard, breaks one of those.
 *
 * With 2 CPUs the runner and the writer are pinned apart, and a discard
 * can land while the guest's fault has looked its page up and not yet
 * mapped it (a fault path without the invalidation sequence check fails
 * here within a few rounds). With 1 CPU the test still runs, fewer
 * rounds: the scheduler interleaves the two (the runner yields after
 * each report), which checks that every discard reaches the EPT, though
 * rarely inside a fault.
 */
#define RACE_NS		(15ULL * 1000000000ULL)
#define RACE_ROUNDS	10000U	/* 2 CPUs; about 15 s under Bochs */
#define RACE_ROUNDS_UP	5000U	/* 1 CPU, whose guest clock is slow there */
#define RACE_DELAY	2048U

struct race {
	__u32 *word;		/* the page's first dword, for the VMM */
	bool yield;		/* one CPU: wait with sched_yield() */
	int cpu;		/* the writer's CPU, or -1 */
	__u32 max_rounds;
	__u32 seed;
	/* written by the writer */
	__u32 madv_start;
	__u32 madv_done;
	__u32 announced;
	__u32 stored;
	__u32 rounds;		/* rounds completed */
	int err;		/* a failed madvise or pinning: -errno */
	/* written by the runner */
	__u64 reports;
	bool stop;
};

static __u32 race_load(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void race_store(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static bool race_stopped(struct race *rc)
{
	return __atomic_load_n(&rc->stop, __ATOMIC_SEQ_CST);
}

/*
 * Wait until the guest has reported twice more: the second report's
 * KVM_RUN began after this call did. False when told to stop.
 */
static bool race_wait(struct race *rc)
{
	__u64 from = __atomic_load_n(&rc->reports, __ATOMIC_SEQ_CST);

	while (__atomic_load_n(&rc->reports, __ATOMIC_SEQ_CST) < from + 2) {
		if (race_stopped(rc))
			return false;
		if (rc->yield)
			sched_yield();
		else
			__builtin_ia32_pause();
	}
	return true;
}

static void race_delay(struct race *rc)
{
	__u32 i;

	rc->seed = rc->seed * 1103515245U + 12345U;
	for (i = (rc->seed >> 16) % RACE_DELAY; i; i--)
		__builtin_ia32_pause();
}

static void *race_writer(void *arg)
{
	struct race *rc = arg;
	int r = rc->cpu >= 0 ? __vtx_pin_to_cpu(rc->cpu) : 0;
	__u32 n;

	if (r) {
		__atomic_store_n(&rc->err, r, __ATOMIC_SEQ_CST);
		goto out;
	}
	for (n = 1; n <= rc->max_rounds; n++) {
		if (!race_wait(rc))
			break;
		race_delay(rc);
		race_store(&rc->madv_start, n);
		if (madvise(rc->word, PAGE, MADV_DONTNEED)) {
			__atomic_store_n(&rc->err, -errno, __ATOMIC_SEQ_CST);
			break;
		}
		race_store(&rc->madv_done, n);
		if (!race_wait(rc))
			break;
		race_delay(rc);
		race_store(&rc->announced, n);
		race_store(rc->word, n);
		race_store(&rc->stored, n);
		race_store(&rc->rounds, n);
	}
out:
	__atomic_store_n(&rc->stop, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* What the runner found wrong, and the counters around it. */
struct race_bad {
	const char *why;
	__u32 value, madv_done, stored, madv_start, announced, newest;
};

/* NULL, or what is wrong with the guest reading @v. */
static const char *race_check(__u32 v, __u32 madv_done, __u32 stored,
			      __u32 madv_start, __u32 announced,
			      __u32 newest)
{
	if (v && v > announced)
		return "a value the VMM had not written";
	if (v && v < madv_done)
		return "a value of a page the VMM had discarded";
	if (v && v < newest)
		return "an older value after a newer one";
	if (madv_done > announced && v)
		return "not 0 in a page discarded throughout";
	if (stored == madv_start && v != stored)
		return "not the value the page held throughout";
	return NULL;
}

TEST_F_TIMEOUT(guest_memory, dontneed_race_never_shows_stale, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_run *run = vcpu->run;
	__u64 discarded = 0, held = 0, zeros = 0, t0, t;
	struct race_bad bad = { NULL };
	int cpus = vtx_online_cpus();
	struct race rc = { NULL };
	__u32 newest = 0;
	pthread_t writer;
	char buf[160];
	int r = 0;
	char *p;

	p = map(&self->maps, NULL, PAGE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_EQ(0, set_slot(&self->vm, TEST_SLOT, 0, TEST_GPA, PAGE, p));
	rc.word = (__u32 *)p;
	rc.yield = cpus < 2;
	rc.cpu = cpus < 2 ? -1 : 1;
	rc.max_rounds = cpus < 2 ? RACE_ROUNDS_UP : RACE_ROUNDS;
	rc.seed = 0x5eed;
	if (cpus >= 2)
		vtx_pin_to_cpu(0);
	enter(vcpu, GM_GPA(guest_gm_poll), TEST_GPA, 0, 0);
	ASSERT_EQ(0, pthread_create(&writer, NULL, race_writer, &rc));

	/* No ASSERT until the writer is joined: it uses the page. */
	t0 = vtx_now_ns();
	while (!race_stopped(&rc) && vtx_now_ns() - t0 < RACE_NS) {
		__u32 md = race_load(&rc.madv_done), st = race_load(&rc.stored);
		__u32 mb, an, v;
		const char *why;

		r = __vtx_vcpu_run(vcpu);
		mb = race_load(&rc.madv_start);
		an = race_load(&rc.announced);
		if (r || run->exit_reason != KVM_EXIT_IO ||
		    run->io.direction != KVM_EXIT_IO_OUT ||
		    run->io.port != PORT_VAL || run->io.size != 4 ||
		    run->io.count != 1) {
			r = r ?: -EPROTO;
			break;
		}
		memcpy(&v, vtx_io_data(run), 4);
		__atomic_add_fetch(&rc.reports, 1, __ATOMIC_SEQ_CST);
		zeros += !v;
		discarded += md > an;
		held += st == mb;
		why = race_check(v, md, st, mb, an, newest);
		if (why) {
			bad = (struct race_bad){ why, v, md, st, mb, an,
						 newest };
			break;
		}
		if (v > newest)
			newest = v;
		if (rc.yield)
			sched_yield();
	}
	t = vtx_now_ns() - t0;
	__atomic_store_n(&rc.stop, true, __ATOMIC_SEQ_CST);
	pthread_join(writer, NULL);

	TH_LOG("%d CPU(s): %u rounds in %.1f s, %llu reads (%llu zeros)",
	       cpus, rc.rounds, t / 1e9, (unsigned long long)rc.reports,
	       (unsigned long long)zeros);
	TH_LOG("reads of a page discarded throughout %llu, held throughout %llu",
	       (unsigned long long)discarded, (unsigned long long)held);
	ASSERT_EQ(0, r) TH_LOG("KVM_RUN: %s, %s", strerror(-r),
			       vtx_describe_exit(run, buf, sizeof(buf)));
	ASSERT_EQ(0, rc.err) TH_LOG("writer: %s", strerror(-rc.err));
	EXPECT_EQ(NULL, bad.why)
		TH_LOG("the guest read %u: %s", bad.value, bad.why);
	if (bad.why)
		TH_LOG("before: discarded %u, stored %u; after: %u, %u; newest %u",
		       bad.madv_done, bad.stored, bad.madv_start,
		       bad.announced, bad.newest);
	/* Enough rounds, and every one checked in both of its phases. */
	EXPECT_LE(100U, rc.rounds);
	EXPECT_LE(rc.rounds, discarded);
	EXPECT_LE(rc.rounds, held + 1);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
