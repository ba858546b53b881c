// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_msr_list: the sorted MSR-list operations, the capacity
 * from IA32_VMX_MISC and the list plan for each EFER mode.
 */
/* <asm/vmx.h> first: see caps_kunit.c. */
#include <asm/vmx.h>

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include <asm/msr-index.h>

#include "msr_list.h"

#define ROOM 16

struct fixture {
	struct vmx_msr_entry e[ROOM];
	struct vtx_msr_list l;
};

static void init(struct fixture *f, unsigned int max)
{
	memset(f, 0xa5, sizeof(*f));
	f->l.e = f->e;
	f->l.nr = 0;
	f->l.max = max;
}

static void expect_sorted(struct kunit *test, const struct vtx_msr_list *l)
{
	unsigned int i;

	for (i = 1; i < l->nr; i++)
		KUNIT_EXPECT_LT(test, l->e[i - 1].index, l->e[i].index);
	for (i = 0; i < l->nr; i++)
		KUNIT_EXPECT_EQ(test, l->e[i].reserved, 0U);
}

static void vtx_msr_list_capacity_every_encoding(struct kunit *test)
{
	u64 n;

	/* (N + 1) * 512 entries are recommended; one 4 KiB page holds 256. */
	for (n = 0; n < 8; n++) {
		KUNIT_EXPECT_EQ(test, vtx_msr_list_capacity(n << 25), 256U);
		/* Other IA32_VMX_MISC bits do not matter. */
		KUNIT_EXPECT_EQ(test,
				vtx_msr_list_capacity(n << 25 | 0x600401e0ULL),
				256U);
	}
	KUNIT_EXPECT_EQ(test, vtx_msr_list_capacity(~0ULL), 256U);
}

static void vtx_msr_list_empty(struct kunit *test)
{
	struct fixture f;

	init(&f, 4);
	KUNIT_EXPECT_EQ(test, vtx_msr_list_find(&f.l, MSR_EFER), -ENOENT);
	vtx_msr_list_del(&f.l, MSR_EFER);	/* absent: no error */
	KUNIT_EXPECT_EQ(test, f.l.nr, 0U);
}

static void vtx_msr_list_add_out_of_order(struct kunit *test)
{
	static const u32 in[] = { 50, 10, 30, 40, 20, 0, 0xffffffff };
	struct fixture f;
	unsigned int i;

	init(&f, ROOM);
	for (i = 0; i < ARRAY_SIZE(in); i++)
		KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&f.l, in[i], (u64)in[i] + 1),
				0);
	KUNIT_EXPECT_EQ(test, f.l.nr, (unsigned int)ARRAY_SIZE(in));
	expect_sorted(test, &f.l);
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		int at = vtx_msr_list_find(&f.l, in[i]);

		KUNIT_ASSERT_GE(test, at, 0);
		KUNIT_EXPECT_EQ(test, f.e[at].value, (u64)in[i] + 1);
	}
	KUNIT_EXPECT_EQ(test, vtx_msr_list_find(&f.l, 25), -ENOENT);
}

static void vtx_msr_list_add_duplicate_updates(struct kunit *test)
{
	struct fixture f;

	init(&f, ROOM);
	KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&f.l, MSR_LSTAR, 1), 0);
	KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&f.l, MSR_STAR, 2), 0);
	KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&f.l, MSR_LSTAR, 3), 0);
	KUNIT_EXPECT_EQ(test, f.l.nr, 2U);
	KUNIT_EXPECT_EQ(test, f.e[vtx_msr_list_find(&f.l, MSR_LSTAR)].value,
			3ULL);
}

static void vtx_msr_list_full_is_enospc_and_unchanged(struct kunit *test)
{
	struct vmx_msr_entry before[ROOM];
	struct fixture f;
	unsigned int i;

	init(&f, 4);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&f.l, 10 * (i + 1), i),
				0);
	memcpy(before, f.e, sizeof(before));
	/* Before, between and after the entries: all refused. */
	KUNIT_EXPECT_EQ(test, vtx_msr_list_add(&f.l, 5, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, vtx_msr_list_add(&f.l, 25, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, vtx_msr_list_add(&f.l, 45, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, f.l.nr, 4U);
	/* Nothing beyond nr was written either. */
	KUNIT_EXPECT_EQ(test, memcmp(before, f.e, sizeof(before)), 0);
	/* An MSR already on a full list can still change its value. */
	KUNIT_EXPECT_EQ(test, vtx_msr_list_add(&f.l, 20, 99), 0);
	KUNIT_EXPECT_EQ(test, f.e[1].value, 99ULL);
}

static void vtx_msr_list_del_keeps_order(struct kunit *test)
{
	struct fixture f;
	unsigned int i;

	init(&f, ROOM);
	for (i = 1; i <= 6; i++)
		KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&f.l, i, i), 0);
	vtx_msr_list_del(&f.l, 1);	/* first */
	vtx_msr_list_del(&f.l, 6);	/* last */
	vtx_msr_list_del(&f.l, 3);	/* middle */
	vtx_msr_list_del(&f.l, 3);	/* again: absent, no error */
	vtx_msr_list_del(&f.l, 77);	/* never there */
	KUNIT_EXPECT_EQ(test, f.l.nr, 3U);
	expect_sorted(test, &f.l);
	KUNIT_EXPECT_EQ(test, f.e[0].index, 2U);
	KUNIT_EXPECT_EQ(test, f.e[1].index, 4U);
	KUNIT_EXPECT_EQ(test, f.e[2].index, 5U);
	KUNIT_EXPECT_EQ(test, f.e[1].value, 4ULL);
}

/* A long pseudo-random sequence against a simple model. */
static void vtx_msr_list_matches_model(struct kunit *test)
{
	bool model[32] = {};
	unsigned int nr = 0, i, seed = 12345;
	struct fixture f;

	init(&f, 8);
	for (i = 0; i < 2000; i++) {
		u32 index;
		int r;

		seed = seed * 1103515245 + 12345;
		index = (seed >> 16) % 32;
		if ((seed >> 8) & 1) {
			r = vtx_msr_list_add(&f.l, index, index);
			if (model[index]) {
				KUNIT_EXPECT_EQ(test, r, 0);
			} else if (nr == 8) {
				KUNIT_EXPECT_EQ(test, r, -ENOSPC);
			} else {
				KUNIT_EXPECT_EQ(test, r, 0);
				model[index] = true;
				nr++;
			}
		} else {
			vtx_msr_list_del(&f.l, index);
			if (model[index])
				nr--;
			model[index] = false;
		}
		KUNIT_ASSERT_EQ(test, f.l.nr, nr);
		KUNIT_ASSERT_EQ(test, vtx_msr_list_find(&f.l, index) >= 0,
				model[index]);
	}
	expect_sorted(test, &f.l);
}

static bool plan_has(const u32 *list, unsigned int nr, u32 index)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (list[i] == index)
			return true;
	return false;
}

static void expect_plan(struct kunit *test, enum vtx_efer_switch mode,
			bool controls, bool efer_on_lists)
{
	struct vtx_msr_plan p;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, vtx_msr_list_plan(mode, controls, &p), 0);
	KUNIT_EXPECT_EQ(test, p.efer_in_vmcs, !efer_on_lists);
	KUNIT_EXPECT_EQ(test, plan_has(p.guest, p.nr_guest, MSR_EFER),
			efer_on_lists);
	KUNIT_EXPECT_EQ(test, plan_has(p.host, p.nr_host, MSR_EFER),
			efer_on_lists);
	KUNIT_EXPECT_EQ(test, p.nr_guest, efer_on_lists ? 6U : 5U);
	/* Guest and host lists carry the same MSRs, sorted. */
	KUNIT_ASSERT_EQ(test, p.nr_guest, p.nr_host);
	for (i = 0; i < p.nr_guest; i++) {
		KUNIT_EXPECT_EQ(test, p.guest[i], p.host[i]);
		if (i)
			KUNIT_EXPECT_LT(test, p.guest[i - 1], p.guest[i]);
	}
	KUNIT_EXPECT_TRUE(test, plan_has(p.guest, p.nr_guest,
					 MSR_KERNEL_GS_BASE));
	KUNIT_EXPECT_TRUE(test, plan_has(p.guest, p.nr_guest, MSR_LSTAR));
}

static void vtx_msr_list_plan_every_efer_mode(struct kunit *test)
{
	struct vtx_msr_plan p;

	expect_plan(test, VTX_EFER_SWITCH_VMCS, true, false);
	/* Without the controls the VMCS mode falls back to the lists. */
	expect_plan(test, VTX_EFER_SWITCH_VMCS, false, true);
	/* The forced list mode uses them even when the controls exist. */
	expect_plan(test, VTX_EFER_SWITCH_MSR_LIST, true, true);
	expect_plan(test, VTX_EFER_SWITCH_MSR_LIST, false, true);
	KUNIT_EXPECT_EQ(test, vtx_msr_list_plan(7, true, &p), -EINVAL);
}

/*
 * perf's MSRs: different values put the MSR on both lists with each
 * side's value, equal values take it off both, a full list leaves it on
 * neither and says so.
 */
static void vtx_msr_list_switch_both_or_neither(struct kunit *test)
{
	struct fixture g, h;
	int i, r;

	init(&g, 2);
	init(&h, 2);
	KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&g.l, MSR_LSTAR, 7), 0);
	r = vtx_msr_list_switch(&g.l, &h.l, MSR_CORE_PERF_GLOBAL_CTRL, 0x1, 0xf);
	KUNIT_EXPECT_EQ(test, r, 0);
	i = vtx_msr_list_find(&g.l, MSR_CORE_PERF_GLOBAL_CTRL);
	KUNIT_ASSERT_GE(test, i, 0);
	KUNIT_EXPECT_EQ(test, g.e[i].value, 0x1ULL);
	i = vtx_msr_list_find(&h.l, MSR_CORE_PERF_GLOBAL_CTRL);
	KUNIT_ASSERT_GE(test, i, 0);
	KUNIT_EXPECT_EQ(test, h.e[i].value, 0xfULL);

	/* Equal now: no switch needed, off both lists. */
	r = vtx_msr_list_switch(&g.l, &h.l, MSR_CORE_PERF_GLOBAL_CTRL, 0xf, 0xf);
	KUNIT_EXPECT_EQ(test, r, 0);
	KUNIT_EXPECT_LT(test, vtx_msr_list_find(&g.l, MSR_CORE_PERF_GLOBAL_CTRL), 0);
	KUNIT_EXPECT_LT(test, vtx_msr_list_find(&h.l, MSR_CORE_PERF_GLOBAL_CTRL), 0);
	KUNIT_EXPECT_EQ(test, g.l.nr, 1U);
	KUNIT_EXPECT_EQ(test, h.l.nr, 0U);

	/* The guest list has room for one more, the host list is full. */
	KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&h.l, MSR_STAR, 1), 0);
	KUNIT_ASSERT_EQ(test, vtx_msr_list_add(&h.l, MSR_CSTAR, 2), 0);
	r = vtx_msr_list_switch(&g.l, &h.l, MSR_IA32_PEBS_ENABLE, 0, 1);
	KUNIT_EXPECT_EQ(test, r, -ENOSPC);
	KUNIT_EXPECT_LT(test, vtx_msr_list_find(&g.l, MSR_IA32_PEBS_ENABLE), 0);
	KUNIT_EXPECT_EQ(test, g.l.nr, 1U);
	expect_sorted(test, &g.l);
	expect_sorted(test, &h.l);
}

static struct kunit_case vtx_msr_list_cases[] = {
	KUNIT_CASE(vtx_msr_list_capacity_every_encoding),
	KUNIT_CASE(vtx_msr_list_empty),
	KUNIT_CASE(vtx_msr_list_add_out_of_order),
	KUNIT_CASE(vtx_msr_list_add_duplicate_updates),
	KUNIT_CASE(vtx_msr_list_full_is_enospc_and_unchanged),
	KUNIT_CASE(vtx_msr_list_del_keeps_order),
	KUNIT_CASE(vtx_msr_list_matches_model),
	KUNIT_CASE(vtx_msr_list_plan_every_efer_mode),
	KUNIT_CASE(vtx_msr_list_switch_both_or_neither),
	{}
};

static struct kunit_suite vtx_msr_list_suite = {
	.name = "vtx_msr_list",
	.test_cases = vtx_msr_list_cases,
};

kunit_test_suite(vtx_msr_list_suite);
