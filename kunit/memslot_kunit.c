// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_memslot: the KVM_SET_USER_MEMORY_REGION rules.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/string.h>

#include "memslot.h"

#define NR 4
#define PG 4096ULL
#define LIMIT BIT_ULL(48)

static struct kvm_userspace_memory_region region(u32 slot, u64 gpa,
						 u64 size, u64 uaddr)
{
	return (struct kvm_userspace_memory_region){
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = uaddr,
	};
}

/* Slot 1 holds [16 pages, 32 pages) at user address 0x10000000. */
static void one_slot(struct vtx_memslot *s)
{
	memset(s, 0, NR * sizeof(*s));
	s[1].gpa = 16 * PG;
	s[1].npages = 16;
	s[1].uaddr = 0x10000000;
}

static int check(const struct kvm_userspace_memory_region *m,
		 const struct vtx_memslot *s, enum vtx_memslot_op *op)
{
	return vtx_memslot_check(m, s, NR, LIMIT, op);
}

static void vtx_memslot_check_create_and_delete(struct kunit *test)
{
	struct kvm_userspace_memory_region m;
	struct vtx_memslot s[NR];
	enum vtx_memslot_op op;

	one_slot(s);
	m = region(0, 0, 16 * PG, 0x20000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	KUNIT_EXPECT_EQ(test, op, VTX_MEMSLOT_CREATE);
	m = region(1, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	KUNIT_EXPECT_EQ(test, op, VTX_MEMSLOT_DELETE);
	m = region(1, 16 * PG, 16 * PG, 0x10000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	KUNIT_EXPECT_EQ(test, op, VTX_MEMSLOT_UNCHANGED);
	/* Adjacent on both sides is not an overlap. */
	m = region(2, 32 * PG, PG, 0x30000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	m = region(2, 15 * PG, PG, 0x30000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	/* Read-only memory is a slot like any other. */
	m = region(2, 15 * PG, PG, 0x30000000);
	m.flags = KVM_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	KUNIT_EXPECT_EQ(test, op, VTX_MEMSLOT_CREATE);
	s[2].gpa = 15 * PG;
	s[2].npages = 1;
	s[2].uaddr = 0x30000000;
	s[2].flags = KVM_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	KUNIT_EXPECT_EQ(test, op, VTX_MEMSLOT_UNCHANGED);
	/* Dropping the flag is a change. */
	m.flags = 0;
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), -EINVAL);
}

static void vtx_memslot_find_covers_exactly(struct kunit *test)
{
	struct vtx_memslot s[NR];

	one_slot(s);
	KUNIT_EXPECT_PTR_EQ(test, vtx_memslot_find(s, NR, 16 * PG), &s[1]);
	KUNIT_EXPECT_PTR_EQ(test, vtx_memslot_find(s, NR, 32 * PG - 1),
			    &s[1]);
	KUNIT_EXPECT_PTR_EQ(test, vtx_memslot_find(s, NR, 20 * PG + 0x123),
			    &s[1]);
	KUNIT_EXPECT_NULL(test, vtx_memslot_find(s, NR, 16 * PG - 1));
	KUNIT_EXPECT_NULL(test, vtx_memslot_find(s, NR, 32 * PG));
	KUNIT_EXPECT_NULL(test, vtx_memslot_find(s, NR, 0));
	/* An unused slot covers nothing, even at its old address. */
	s[1].npages = 0;
	KUNIT_EXPECT_NULL(test, vtx_memslot_find(s, NR, 16 * PG));
	/* A slot near the top of the address space does not wrap. */
	s[3].gpa = ~0ULL - 2 * PG + 1;
	s[3].npages = 2;
	KUNIT_EXPECT_PTR_EQ(test, vtx_memslot_find(s, NR, ~0ULL), &s[3]);
	KUNIT_EXPECT_NULL(test, vtx_memslot_find(s, NR, 0x1000));
}

static void vtx_memslot_check_rejects_bad_input(struct kunit *test)
{
	static const struct {
		struct kvm_userspace_memory_region m;
		int err;
	} cases[] = {
		{ { .slot = 0, .flags = KVM_MEM_READONLY | (1U << 3),
		    .memory_size = PG, .userspace_addr = 0x20000000 },
		  -EINVAL },
		/* the same slot again, now read-only */
		{ { .slot = 1, .flags = KVM_MEM_READONLY,
		    .guest_phys_addr = 16 * PG, .memory_size = 16 * PG,
		    .userspace_addr = 0x10000000 }, -EINVAL },
		{ { .slot = 0, .flags = KVM_MEM_LOG_DIRTY_PAGES,
		    .memory_size = PG, .userspace_addr = 0x20000000 }, -EINVAL },
		{ { .slot = NR, .memory_size = PG,
		    .userspace_addr = 0x20000000 }, -EINVAL },
		{ { .slot = 0, .guest_phys_addr = 1, .memory_size = PG,
		    .userspace_addr = 0x20000000 }, -EINVAL },
		{ { .slot = 0, .memory_size = PG + 1,
		    .userspace_addr = 0x20000000 }, -EINVAL },
		{ { .slot = 0, .memory_size = PG,
		    .userspace_addr = 0x20000001 }, -EINVAL },
		/* gpa + size wraps */
		{ { .slot = 0, .guest_phys_addr = ~0ULL & ~(PG - 1),
		    .memory_size = 2 * PG, .userspace_addr = 0x20000000 },
		  -EINVAL },
		/* more than 2^31 - 1 pages */
		{ { .slot = 0, .memory_size = 1ULL << 43,
		    .userspace_addr = 0x20000000 }, -EINVAL },
		/* deleting a slot that does not exist */
		{ { .slot = 0, .memory_size = 0 }, -EINVAL },
		/* changing a used slot: size, address, user address */
		{ { .slot = 1, .guest_phys_addr = 16 * PG, .memory_size = PG,
		    .userspace_addr = 0x10000000 }, -EINVAL },
		{ { .slot = 1, .guest_phys_addr = 64 * PG,
		    .memory_size = 16 * PG, .userspace_addr = 0x10000000 },
		  -EINVAL },
		{ { .slot = 1, .guest_phys_addr = 16 * PG,
		    .memory_size = 16 * PG, .userspace_addr = 0x50000000 },
		  -EINVAL },
		/* overlaps: inside, across the start, across the end, around */
		{ { .slot = 2, .guest_phys_addr = 20 * PG, .memory_size = PG,
		    .userspace_addr = 0x20000000 }, -EEXIST },
		{ { .slot = 2, .guest_phys_addr = 15 * PG,
		    .memory_size = 2 * PG, .userspace_addr = 0x20000000 },
		  -EEXIST },
		{ { .slot = 2, .guest_phys_addr = 31 * PG,
		    .memory_size = 2 * PG, .userspace_addr = 0x20000000 },
		  -EEXIST },
		{ { .slot = 2, .guest_phys_addr = 0, .memory_size = 64 * PG,
		    .userspace_addr = 0x20000000 }, -EEXIST },
	};
	struct vtx_memslot s[NR];
	enum vtx_memslot_op op;
	unsigned int i;

	one_slot(s);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, check(&cases[i].m, s, &op),
				    cases[i].err, "case %u", i);
}

/* A slot must end at or below the limit: the EPT would wrap beyond it. */
static void vtx_memslot_check_gpa_limit(struct kunit *test)
{
	struct kvm_userspace_memory_region m;
	struct vtx_memslot s[NR];
	enum vtx_memslot_op op;

	one_slot(s);
	m = region(2, LIMIT - 2 * PG, 2 * PG, 0x20000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), 0);
	KUNIT_EXPECT_EQ(test, op, VTX_MEMSLOT_CREATE);
	m = region(2, LIMIT - PG, 2 * PG, 0x20000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), -EINVAL);
	/* the alias of slot 1's range, 2^48 higher */
	m = region(2, LIMIT + 16 * PG, 16 * PG, 0x20000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), -EINVAL);
	m = region(2, 1ULL << 62, PG, 0x20000000);
	KUNIT_EXPECT_EQ(test, check(&m, s, &op), -EINVAL);
	/* a host with a smaller MAXPHYADDR lowers the limit */
	m = region(2, (1ULL << 39) - PG, PG, 0x20000000);
	KUNIT_EXPECT_EQ(test, vtx_memslot_check(&m, s, NR, 1ULL << 39, &op),
			0);
	m = region(2, 1ULL << 39, PG, 0x20000000);
	KUNIT_EXPECT_EQ(test, vtx_memslot_check(&m, s, NR, 1ULL << 39, &op),
			-EINVAL);
	/* deleting is never refused for its range */
	m = region(1, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, vtx_memslot_check(&m, s, NR, PG, &op), 0);
	KUNIT_EXPECT_EQ(test, op, VTX_MEMSLOT_DELETE);
}

static struct kunit_case vtx_memslot_cases[] = {
	KUNIT_CASE(vtx_memslot_check_create_and_delete),
	KUNIT_CASE(vtx_memslot_check_rejects_bad_input),
	KUNIT_CASE(vtx_memslot_check_gpa_limit),
	KUNIT_CASE(vtx_memslot_find_covers_exactly),
	{}
};

static struct kunit_suite vtx_memslot_suite = {
	.name = "vtx_memslot",
	.test_cases = vtx_memslot_cases,
};

kunit_test_suite(vtx_memslot_suite);
