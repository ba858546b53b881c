// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_ept_fault: the rules of the EPT fault path: the action
 * for each access and mapping, the retry rule of the invalidation
 * protocol, and the 2 MiB leaf and rights rules.
 */
#include <kunit/test.h>
#include <linux/sizes.h>

#include "ept.h"
#include "ept_fault.h"

#define R	VTX_EPT_MAPS_READ
#define W	VTX_EPT_MAPS_WRITE
#define X	VTX_EPT_MAPS_EXEC
#define L	VTX_EPT_MAPS_LARGE

static void vtx_fault_action_cases(struct kunit *test)
{
	static const struct {
		unsigned int access, maps;
		bool readonly;
		enum vtx_fault_action action;
	} cases[] = {
		/* Nothing mapped: look the page up, for any access. */
		{ R, 0, false, VTX_FAULT_MAP },
		{ W, 0, false, VTX_FAULT_MAP },
		{ X, 0, false, VTX_FAULT_MAP },
		/* Mapped with the rights already: another vCPU won. */
		{ R, R | X, false, VTX_FAULT_SPURIOUS },
		{ W, R | W | X, false, VTX_FAULT_SPURIOUS },
		{ X, R | X | L, false, VTX_FAULT_SPURIOUS },
		{ R | W, R | W | X | L, false, VTX_FAULT_SPURIOUS },
		/* A write to a read-only mapping: look it up writable. */
		{ W, R | X, false, VTX_FAULT_MAP },
		{ W, R | L, false, VTX_FAULT_MAP },
		{ R | W, R | X, false, VTX_FAULT_MAP },
		/* A fetch from a non-executable 2 MiB leaf splits it. */
		{ X, R | W | L, false, VTX_FAULT_SPLIT },
		{ X, R | L, false, VTX_FAULT_SPLIT },
		/* Read-only slots: writes exit, whatever is mapped. */
		{ W, 0, true, VTX_FAULT_EXIT },
		{ W, R | X, true, VTX_FAULT_EXIT },
		{ R | W, R | X, true, VTX_FAULT_EXIT },
		{ R, 0, true, VTX_FAULT_MAP },
		{ X, 0, true, VTX_FAULT_MAP },
		{ R, R | X, true, VTX_FAULT_SPURIOUS },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vtx_fault_action(cases[i].access,
						     cases[i].maps,
						     cases[i].readonly),
				    cases[i].action, "case %u", i);
}

static void vtx_fault_retry_rule(struct kunit *test)
{
	/* Nothing happened since the lookup. */
	KUNIT_EXPECT_FALSE(test, vtx_fault_must_retry(5, 5, 0, 0, 0, 0x1000));
	/* An invalidation ended since: the page may be stale. */
	KUNIT_EXPECT_TRUE(test, vtx_fault_must_retry(5, 6, 0, 0, 0, 0x1000));
	/* One in progress over the address, whether or not it ended. */
	KUNIT_EXPECT_TRUE(test,
			  vtx_fault_must_retry(5, 5, 1, 0x1000, 0x2000, 0x1000));
	KUNIT_EXPECT_TRUE(test,
			  vtx_fault_must_retry(5, 5, 2, 0, ULONG_MAX, 0x7000));
	/* One in progress elsewhere does not hold this fault up. */
	KUNIT_EXPECT_FALSE(test,
			   vtx_fault_must_retry(5, 5, 1, 0x2000, 0x3000,
						0x1000));
	KUNIT_EXPECT_FALSE(test,
			   vtx_fault_must_retry(5, 5, 1, 0x2000, 0x3000,
						0x3000));
	/* The range is stale once none is in progress. */
	KUNIT_EXPECT_FALSE(test,
			   vtx_fault_must_retry(5, 5, 0, 0x1000, 0x2000,
						0x1000));
	/* The count wraps: only equality means unchanged. */
	KUNIT_EXPECT_TRUE(test,
			  vtx_fault_must_retry(ULONG_MAX, 0, 0, 0, 0, 0x1000));
}

static void vtx_fault_large_rule(struct kunit *test)
{
	u64 g = SZ_1G, h = 0x7f0000000000ULL;

	/* Same offset in 2 MiB, slot covers the range, host huge. */
	KUNIT_EXPECT_TRUE(test, vtx_fault_large_ok(g + 0x1234, h + 0x1000, g,
						   1024, true, R, false));
	/* Host maps 4 KiB pages there. */
	KUNIT_EXPECT_FALSE(test, vtx_fault_large_ok(g, h, g, 1024, false, R,
						    false));
	/* Offsets differ: the range spans two host huge pages. */
	KUNIT_EXPECT_FALSE(test, vtx_fault_large_ok(g, h + 0x1000, g, 1024,
						    true, R, false));
	/* The slot starts inside the range, or ends inside it. */
	KUNIT_EXPECT_FALSE(test, vtx_fault_large_ok(g + 0x1000, h + 0x1000,
						    g + 0x1000, 1024, true,
						    R, false));
	KUNIT_EXPECT_FALSE(test, vtx_fault_large_ok(g + SZ_2M, h, g, 1023,
						    true, R, false));
	KUNIT_EXPECT_TRUE(test, vtx_fault_large_ok(g + SZ_2M, h, g, 1024,
						   true, R, false));
	/* nx_huge_pages: a fetch takes a 4 KiB leaf; data does not. */
	KUNIT_EXPECT_FALSE(test, vtx_fault_large_ok(g, h, g, 512, true, X,
						    true));
	KUNIT_EXPECT_TRUE(test, vtx_fault_large_ok(g, h, g, 512, true, W,
						   true));
	KUNIT_EXPECT_TRUE(test, vtx_fault_large_ok(g, h, g, 512, true, X,
						   false));
	/* The top 2 MiB of the address space does not wrap. */
	KUNIT_EXPECT_FALSE(test, vtx_fault_large_ok(~0ULL - 0xfff,
						    h + SZ_2M - 0x1000,
						    ~0ULL - SZ_2M + 1, 512,
						    true, R, false));
}

static void vtx_fault_maps_rights(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vtx_fault_maps(false, false, false), R | X);
	KUNIT_EXPECT_EQ(test, vtx_fault_maps(true, false, false), R | W | X);
	KUNIT_EXPECT_EQ(test, vtx_fault_maps(true, false, true), R | W | X);
	KUNIT_EXPECT_EQ(test, vtx_fault_maps(true, true, false),
			R | W | X | L);
	/* Never an executable 2 MiB leaf under nx_huge_pages. */
	KUNIT_EXPECT_EQ(test, vtx_fault_maps(true, true, true), R | W | L);
	KUNIT_EXPECT_EQ(test, vtx_fault_maps(false, true, true), R | L);
}

static struct kunit_case vtx_ept_fault_cases[] = {
	KUNIT_CASE(vtx_fault_action_cases),
	KUNIT_CASE(vtx_fault_retry_rule),
	KUNIT_CASE(vtx_fault_large_rule),
	KUNIT_CASE(vtx_fault_maps_rights),
	{}
};

static struct kunit_suite vtx_ept_fault_suite = {
	.name = "vtx_ept_fault",
	.test_cases = vtx_ept_fault_cases,
};

kunit_test_suite(vtx_ept_fault_suite);
