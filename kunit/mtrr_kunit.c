// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_mtrr: the MTRRs' valid bits, as KVM checks them.
 */
#include <kunit/test.h>
#include <linux/errno.h>

#include "mtrr.h"

static void vtx_mtrr_cap_is_read_only(struct kunit *test)
{
	struct vtx_mtrr m = {};
	u64 v;

	KUNIT_EXPECT_TRUE(test, vtx_mtrr_is_mtrr(0xfe));
	KUNIT_EXPECT_EQ(test, vtx_mtrr_get(&m, 0xfe, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0x508ULL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0xfe, 0x508, 40), -EINVAL);
}

static void vtx_mtrr_def_type(struct kunit *test)
{
	struct vtx_mtrr m = {};
	u64 v;

	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x2ff, 0xc06, 40), 0);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_get(&m, 0x2ff, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0xc06ULL);
	/* Types 2, 3 and 7 are reserved; so are bits 9:8 and 63:12. */
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x2ff, 0xc02, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x2ff, 0xc03, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x2ff, 0xc07, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x2ff, 0xd06, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x2ff, 0x1c06, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_get(&m, 0x2ff, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0xc06ULL);
}

static void vtx_mtrr_variable(struct kunit *test)
{
	struct vtx_mtrr m = {};
	u64 v;

	KUNIT_EXPECT_TRUE(test, vtx_mtrr_is_mtrr(0x200));
	KUNIT_EXPECT_TRUE(test, vtx_mtrr_is_mtrr(0x20f));
	KUNIT_EXPECT_FALSE(test, vtx_mtrr_is_mtrr(0x210));
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x200, 0x80000006, 40), 0);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x201, 0xff80000800ULL, 40), 0);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_get(&m, 0x201, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0xff80000800ULL);
	/* Address bits at and above MAXPHYADDR are reserved. */
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x201, 0x1ff80000800ULL, 40),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x201, 0xff80000800ULL, 36),
			-EINVAL);
	/* PHYSBASE: a reserved type, bits 11:8; PHYSMASK: bits 10:0. */
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x202, 0x80000002, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x202, 0x80000106, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x203, 0x801, 40), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x20e, 0x6, 40), 0);
}

static void vtx_mtrr_fixed(struct kunit *test)
{
	static const u32 fixed[] = {
		0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c,
		0x26d, 0x26e, 0x26f,
	};
	struct vtx_mtrr m = {};
	unsigned int i;
	u64 v;

	/* Every byte a valid type: UC, WC, WT, WP, WB. */
	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		KUNIT_EXPECT_TRUE(test, vtx_mtrr_is_mtrr(fixed[i]));
		KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, fixed[i],
						   0x0605040100060504ULL, 40), 0);
	}
	KUNIT_EXPECT_EQ(test, vtx_mtrr_get(&m, 0x26f, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0x0605040100060504ULL);
	/* Any byte of a reserved type. */
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x250, 0x0706060606060606ULL,
					   40), -EINVAL);
	KUNIT_EXPECT_FALSE(test, vtx_mtrr_is_mtrr(0x251));
	KUNIT_EXPECT_EQ(test, vtx_mtrr_set(&m, 0x251, 0, 40), -ENOENT);
	KUNIT_EXPECT_EQ(test, vtx_mtrr_get(&m, 0x251, &v), -ENOENT);
}

static struct kunit_case vtx_mtrr_cases[] = {
	KUNIT_CASE(vtx_mtrr_cap_is_read_only),
	KUNIT_CASE(vtx_mtrr_def_type),
	KUNIT_CASE(vtx_mtrr_variable),
	KUNIT_CASE(vtx_mtrr_fixed),
	{}
};

static struct kunit_suite vtx_mtrr_suite = {
	.name = "vtx_mtrr",
	.test_cases = vtx_mtrr_cases,
};

kunit_test_suite(vtx_mtrr_suite);
