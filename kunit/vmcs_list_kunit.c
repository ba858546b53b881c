// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_vmcs_list: the loaded-VMCS list under a simulated NMI.
 *
 * Every add and clear runs with a probe that fires the crash path's walk
 * after one chosen store, for every store in turn. The walk VMCLEARs what
 * it visits, as src/crash.c does. After each simulated NMI the suite
 * checks that the walk terminated, visited every fully added entry, never
 * reached a freed one, and that no VMCS the CPU may still cache was left
 * without a VMCLEAR. The negative control runs the same harness against
 * delete-before-VMCLEAR and must find the lost VMCLEAR.
 */
#include <kunit/test.h>
#include <linux/list.h>
#include <linux/string.h>

#include "vmcs_list.h"

#define SIM_VMCS 4

struct sim_vmcs {
	struct list_head link;
	bool cached;		/* loaded by VMPTRLD and not yet VMCLEARed */
	bool freed;
	unsigned int clears;
};

struct sim {
	struct vtx_list_probe probe;
	struct kunit *test;
	struct list_head head;
	struct sim_vmcs v[SIM_VMCS];
	unsigned int steps;	/* stores seen so far in this operation */
	unsigned int nmi_at;	/* fire the NMI after this store; 0: never */
	bool nmi_fired;
	unsigned int visited;	/* bitmask of entries the NMI walk visited */
	unsigned int lost;	/* cached VMCSs left after the NMI */
};

static struct sim_vmcs *sim_entry(struct list_head *link)
{
	return container_of(link, struct sim_vmcs, link);
}

static void sim_vmclear(struct list_head *link)
{
	struct sim_vmcs *v = sim_entry(link);

	v->cached = false;
	v->clears++;
}

/* The crash path's per-entry work: VMCLEAR, after checking the entry. */
static void sim_nmi_visit(struct list_head *link, void *arg)
{
	struct sim *s = arg;
	struct sim_vmcs *v = sim_entry(link);

	KUNIT_EXPECT_FALSE(s->test, v->freed);
	KUNIT_ASSERT_TRUE(s->test, v >= s->v && v < s->v + SIM_VMCS);
	s->visited |= 1U << (v - s->v);
	sim_vmclear(link);
}

static void sim_nmi(struct sim *s)
{
	unsigned int n, distinct, i;

	s->nmi_fired = true;
	s->visited = 0;
	n = vtx_vmcs_list_walk(&s->head, SIM_VMCS + 1, sim_nmi_visit, s);
	distinct = hweight32(s->visited);
	/* It terminated: it never came round to an entry a second time. */
	KUNIT_EXPECT_LE(s->test, n, (unsigned int)SIM_VMCS);
	KUNIT_EXPECT_EQ(s->test, n, distinct);
	s->lost = 0;
	for (i = 0; i < SIM_VMCS; i++)
		if (s->v[i].cached)
			s->lost |= 1U << i;
}

static void sim_after_store(struct vtx_list_probe *probe)
{
	struct sim *s = container_of(probe, struct sim, probe);

	if (++s->steps == s->nmi_at)
		sim_nmi(s);
}

static void sim_init(struct sim *s, struct kunit *test, unsigned int nmi_at)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->test = test;
	s->probe.after_store = sim_after_store;
	s->nmi_at = nmi_at;
	INIT_LIST_HEAD(&s->head);
	/* A VMCS off every list is self-linked, as the module keeps it. */
	for (i = 0; i < SIM_VMCS; i++)
		INIT_LIST_HEAD(&s->v[i].link);
}

/* Load entries [0, n): add each to the list, then "VMPTRLD" it. */
static void sim_load(struct sim *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		vtx_vmcs_list_add(&s->v[i].link, &s->head, NULL);
		s->v[i].cached = true;
	}
}

static unsigned int sim_mask(unsigned int n)
{
	return (1U << n) - 1;
}

/* Adding entry n to a list of n loaded entries, NMI after each store. */
static void vtx_vmcs_list_add_nmi_at_every_store(struct kunit *test)
{
	unsigned int n, at, stores = 0;
	struct sim s;

	for (n = 0; n < SIM_VMCS; n++) {
		for (at = 1; ; at++) {
			sim_init(&s, test, at);
			sim_load(&s, n);
			s.steps = 0;
			vtx_vmcs_list_add(&s.v[n].link, &s.head, &s.probe);
			if (!s.nmi_fired)
				break;
			stores = at;
			/* Every entry added before is visited... */
			KUNIT_EXPECT_EQ(test, s.visited & sim_mask(n),
					sim_mask(n));
			/* ...and the new one only once it is published. */
			KUNIT_EXPECT_EQ(test, !!(s.visited & (1U << n)),
					at == s.steps);
			KUNIT_EXPECT_EQ(test, s.lost, 0U);
		}
		/* Each store was interrupted once; the last one publishes. */
		KUNIT_EXPECT_EQ(test, stores, 4U);
	}
}

/* The whole list is walked after an undisturbed series of adds. */
static void vtx_vmcs_list_walk_visits_all(struct kunit *test)
{
	struct sim s;

	sim_init(&s, test, 0);
	sim_load(&s, SIM_VMCS);
	sim_nmi(&s);
	KUNIT_EXPECT_EQ(test, s.visited, sim_mask(SIM_VMCS));
	KUNIT_EXPECT_EQ(test, s.lost, 0U);
}

static void vtx_vmcs_list_walk_empty_and_bounded(struct kunit *test)
{
	struct sim s;

	sim_init(&s, test, 0);
	sim_nmi(&s);
	KUNIT_EXPECT_EQ(test, s.visited, 0U);

	/* A list corrupted into a cycle still ends at the limit. */
	sim_load(&s, 2);
	s.v[0].link.next = &s.v[1].link;
	s.v[1].link.next = &s.v[0].link;
	KUNIT_EXPECT_EQ(test, vtx_vmcs_list_walk(&s.head, 7, sim_nmi_visit, &s),
			7U);
}

typedef void (*sim_clear_flow)(struct sim *s, struct sim_vmcs *v);

/* The module's order: vtx_vmcs_list_clear(), VMCLEAR then delete. */
static void sim_clear_vmclear_first(struct sim *s, struct sim_vmcs *v)
{
	vtx_vmcs_list_clear(&v->link, sim_vmclear, &s->probe);
}

/* The negative control: delete first, then VMCLEAR. */
static void sim_clear_delete_first(struct sim *s, struct sim_vmcs *v)
{
	vtx_vmcs_list_del(&v->link, &s->probe);
	sim_vmclear(&v->link);
	sim_after_store(&s->probe);
}

/*
 * Clear entry @victim of a list of SIM_VMCS loaded entries, with the NMI
 * after each store in turn. Return the bitmask of entries that some NMI
 * left cached without a VMCLEAR.
 */
static unsigned int sim_clear_all_points(struct kunit *test,
					 sim_clear_flow flow,
					 unsigned int victim)
{
	unsigned int at, others, lost = 0;
	struct sim s;

	others = sim_mask(SIM_VMCS) & ~(1U << victim);
	for (at = 1; ; at++) {
		sim_init(&s, test, at);
		sim_load(&s, SIM_VMCS);
		flow(&s, &s.v[victim]);
		if (!s.nmi_fired)
			break;
		/* Entries not being cleared are always visited. */
		KUNIT_EXPECT_EQ(test, s.visited & others, others);
		lost |= s.lost;

		/* Free the cleared VMCS: no later walk may reach it. */
		s.v[victim].freed = true;
		sim_nmi(&s);
		KUNIT_EXPECT_EQ(test, s.visited, others);
	}
	/* VMCLEAR plus the four stores of the delete were all interrupted. */
	KUNIT_EXPECT_EQ(test, at, 6U);
	return lost;
}

static void vtx_vmcs_list_clear_nmi_at_every_store(struct kunit *test)
{
	unsigned int victim;

	for (victim = 0; victim < SIM_VMCS; victim++)
		KUNIT_EXPECT_EQ_MSG(test,
				    sim_clear_all_points(test,
							 sim_clear_vmclear_first,
							 victim),
				    0U, "victim %u", victim);
}

static void vtx_vmcs_list_clear_delete_first_loses_vmclear(struct kunit *test)
{
	unsigned int victim;

	for (victim = 0; victim < SIM_VMCS; victim++)
		KUNIT_EXPECT_EQ_MSG(test,
				    sim_clear_all_points(test,
							 sim_clear_delete_first,
							 victim),
				    1U << victim, "victim %u", victim);
}

static void vtx_vmcs_list_del_reinitialises_entry(struct kunit *test)
{
	struct sim s;

	sim_init(&s, test, 0);
	sim_load(&s, 3);
	vtx_vmcs_list_del(&s.v[1].link, NULL);
	KUNIT_EXPECT_TRUE(test, list_empty(&s.v[1].link));
	/* The rest of the list is still consistent both ways. */
	KUNIT_EXPECT_PTR_EQ(test, s.head.next, &s.v[2].link);
	KUNIT_EXPECT_PTR_EQ(test, s.v[2].link.next, &s.v[0].link);
	KUNIT_EXPECT_PTR_EQ(test, s.v[0].link.prev, &s.v[2].link);
	KUNIT_EXPECT_PTR_EQ(test, s.head.prev, &s.v[0].link);
}

/*
 * The VMPTRLD step of vtx_vmcs_list_load(), the function vtx_vmcs_load()
 * calls: the crash walk must already reach the entry, or a VMCS the CPU
 * caches could escape it. Records what it found in ->unlisted.
 */
struct sim_ptrld {
	struct sim *s;
	unsigned int calls;
	unsigned int unlisted;	/* entries loaded while the walk missed them */
};

static int sim_ptrld(struct list_head *entry, void *arg)
{
	struct sim_ptrld *p = arg;
	struct list_head *pos;
	bool listed = false;
	unsigned int n = 0;

	/* The crash path's own walk, forward only, bounded. */
	for (pos = READ_ONCE(p->s->head.next); pos != &p->s->head &&
	     n <= SIM_VMCS; pos = READ_ONCE(pos->next), n++)
		listed |= pos == entry;
	if (!listed)
		p->unlisted |= 1U << (sim_entry(entry) - p->s->v);
	sim_entry(entry)->cached = true;
	p->calls++;
	return 0;
}

/*
 * vtx_vmcs_list_load() on the module's own path: a new entry is listed
 * before its VMPTRLD, with the simulated NMI after every store, and one
 * already listed is only made current; an NMI never leaves it cached.
 */
static void vtx_vmcs_list_load_lists_before_vmptrld(struct kunit *test)
{
	struct sim_ptrld p;
	unsigned int n, at;
	struct sim s;
	bool fired;

	for (n = 0; n < SIM_VMCS; n++) {
		for (at = 1; ; at++) {
			sim_init(&s, test, at);
			sim_load(&s, n);
			memset(&p, 0, sizeof(p));
			p.s = &s;
			s.steps = 0;
			KUNIT_EXPECT_EQ(test, vtx_vmcs_list_load(&s.v[n].link,
								 &s.head, true,
								 sim_ptrld, &p,
								 &s.probe), 0);
			KUNIT_EXPECT_EQ(test, p.calls, 1U);
			KUNIT_EXPECT_EQ(test, p.unlisted, 0U);
			KUNIT_EXPECT_EQ(test, s.lost, 0U);
			fired = s.nmi_fired;
			/* The walk after it clears the new VMCS too. */
			sim_nmi(&s);
			KUNIT_EXPECT_EQ(test, s.visited, sim_mask(n + 1));
			KUNIT_EXPECT_EQ(test, s.lost, 0U);
			if (!fired)
				break;
		}
		/* The add's four stores were each interrupted once. */
		KUNIT_EXPECT_EQ(test, at, 5U);
	}

	/* Already listed and current: nothing to store, no VMPTRLD. */
	sim_init(&s, test, 0);
	sim_load(&s, 2);
	memset(&p, 0, sizeof(p));
	p.s = &s;
	KUNIT_EXPECT_EQ(test, vtx_vmcs_list_load(&s.v[1].link, &s.head, false,
						 NULL, &p, NULL), 0);
	KUNIT_EXPECT_EQ(test, p.calls, 0U);
	/* Listed but not current: VMPTRLD only. */
	KUNIT_EXPECT_EQ(test, vtx_vmcs_list_load(&s.v[0].link, &s.head, false,
						 sim_ptrld, &p, NULL), 0);
	KUNIT_EXPECT_EQ(test, p.calls, 1U);
	KUNIT_EXPECT_EQ(test, p.unlisted, 0U);
}

/*
 * The negative control: a caller that wrongly says the entry is already
 * listed gets a VMPTRLD of an unlisted VMCS, and the check sees it, as
 * does the crash walk, which then leaves it cached.
 */
static void vtx_vmcs_list_load_unlisted_is_caught(struct kunit *test)
{
	struct sim_ptrld p = {};
	struct sim s;

	sim_init(&s, test, 0);
	sim_load(&s, 2);
	p.s = &s;
	KUNIT_EXPECT_EQ(test, vtx_vmcs_list_load(&s.v[2].link, &s.head, false,
						 sim_ptrld, &p, NULL), 0);
	KUNIT_EXPECT_EQ(test, p.unlisted, 1U << 2);
	sim_nmi(&s);
	KUNIT_EXPECT_EQ(test, s.lost, 1U << 2);
}

static struct kunit_case vtx_vmcs_list_cases[] = {
	KUNIT_CASE(vtx_vmcs_list_load_lists_before_vmptrld),
	KUNIT_CASE(vtx_vmcs_list_load_unlisted_is_caught),
	KUNIT_CASE(vtx_vmcs_list_add_nmi_at_every_store),
	KUNIT_CASE(vtx_vmcs_list_walk_visits_all),
	KUNIT_CASE(vtx_vmcs_list_walk_empty_and_bounded),
	KUNIT_CASE(vtx_vmcs_list_clear_nmi_at_every_store),
	KUNIT_CASE(vtx_vmcs_list_clear_delete_first_loses_vmclear),
	KUNIT_CASE(vtx_vmcs_list_del_reinitialises_entry),
	{}
};

static struct kunit_suite vtx_vmcs_list_suite = {
	.name = "vtx_vmcs_list",
	.test_cases = vtx_vmcs_list_cases,
};

kunit_test_suite(vtx_vmcs_list_suite);
