// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_guest_walk: the guest's page walk over a fake guest
 * memory: no paging, 32-bit paging with 4 MiB pages and PSE-36, PAE
 * paging from the PDPTEs, 4-level paging with 2 MiB and 1 GiB pages, the
 * permission checks at every level, NX without EFER.NXE, 5-level paging
 * and the errors of the page-table reads.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/sizes.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "guest_walk.h"

#define E_P	BIT_ULL(0)
#define E_RW	BIT_ULL(1)
#define E_US	BIT_ULL(2)
#define E_PS	BIT_ULL(7)
#define E_NX	BIT_ULL(63)
#define E_ALL	(E_P | E_RW | E_US)

/* The fake guest memory: page-table pages at guest-physical 0 to 32 KiB. */
#define FAKE_PAGES	8

/* 32-bit paging: the page directory and the page table. */
#define PD32	0x1000ULL
#define PT32	0x2000ULL
#define LA32	((0x123U << 22) | (0x2c5U << 12) | 0xabcU)

/* PAE paging: PDPTE 2, then the page directory and the page table. */
#define PDPAE	0x3000ULL
#define PTPAE	0x4000ULL
#define LAPAE	((2ULL << 30) | (0x1a5ULL << 21) | (0x0f3ULL << 12) | 0x456)

/* 4-level paging: the tables of levels 4 (PML4) to 1 (PT). */
#define LA64	((0x0a1ULL << 39) | (0x1b2ULL << 30) | (0x0c3ULL << 21) | \
		 (0x1d4ULL << 12) | 0x5e6)

/* The pages mapped; each is aligned to its size. */
#define PAGE_4K	0x12345678000ULL
#define PAGE_2M	0x12345600000ULL
#define PAGE_1G	0x12340000000ULL

struct fake_mem {
	struct kunit *test;
	u64 page[FAKE_PAGES][SZ_4K / 8];
	/* A read at this address fails with -EIO; 0 for none. */
	u64 fail_gpa;
	/* The entry size every read must use. */
	unsigned int want_size;
	unsigned int reads;
};

static int fake_read_pte(void *ctx, u64 gpa, unsigned int size, u64 *pte)
{
	struct fake_mem *m = ctx;
	u64 v;

	m->reads++;
	KUNIT_EXPECT_EQ_MSG(m->test, size, m->want_size, "read at %#llx", gpa);
	if (m->fail_gpa && gpa == m->fail_gpa)
		return -EIO;
	if (gpa >= FAKE_PAGES * SZ_4K || (size != 4 && size != 8) ||
	    gpa % size) {
		KUNIT_FAIL(m->test, "read of %u bytes at %#llx", size, gpa);
		return -ENXIO;
	}
	v = m->page[gpa / SZ_4K][gpa % SZ_4K / 8];
	if (size == 4)
		v = (u32)(v >> (gpa % 8 * 8));
	*pte = v;
	return 0;
}

static struct fake_mem *fake_new(struct kunit *test, unsigned int want_size)
{
	struct fake_mem *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	m->want_size = want_size;
	return m;
}

/* The 8-byte entry at index @idx of the table at @table. */
static u64 *ent64(struct fake_mem *m, u64 table, unsigned int idx)
{
	return &m->page[table / SZ_4K][idx];
}

static void set32(struct fake_mem *m, u64 table, unsigned int idx, u32 v)
{
	u64 *e = &m->page[table / SZ_4K][idx / 2];
	unsigned int shift = idx % 2 * 32;

	*e = (*e & ~(0xffffffffULL << shift)) | ((u64)v << shift);
}

/* --- 32-bit paging --- */

static struct vtx_walk walk32(struct fake_mem *m)
{
	return (struct vtx_walk){
		.cr0 = X86_CR0_PE | X86_CR0_PG,
		.cr3 = PD32,
		.read_pte = fake_read_pte,
		.ctx = m,
	};
}

/* LA32 mapped through a page table to 0xabcde000, all permissions. */
static void map32_4k(struct fake_mem *m, u32 pde, u32 pte)
{
	set32(m, PD32, 0x123, pde);
	set32(m, PT32, 0x2c5, pte);
}

static void vtx_walk_paging_off(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	w.cr0 = X86_CR0_PE;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, 0x123456789ULL, false, &gpa),
			0);
	KUNIT_EXPECT_EQ(test, gpa, 0x23456789ULL);
	/* PAE, LME and LA57 do not matter while CR0.PG is clear. */
	w.cr4 = X86_CR4_PAE | X86_CR4_LA57;
	w.efer = EFER_LME | EFER_LMA;
	w.user = true;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, ~0ULL, true, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, m->reads, 0U);
}

static void vtx_walk_32_4k(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	map32_4k(m, PT32 | E_ALL, 0xabcde000 | E_ALL);
	/* The neighbours in the 8-byte words must not be read instead. */
	set32(m, PD32, 0x122, 0xdead0000 | E_ALL);
	set32(m, PT32, 0x2c4, 0xbeef0000 | E_ALL);
	/* CR3 bits 11:0 (PWT, PCD) are not part of the address. */
	w.cr3 |= 0x18;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde000ULL | 0xabc);
	KUNIT_EXPECT_EQ(test, m->reads, 2U);
	/* Bits 63:32 of the linear address are not used. */
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, (1ULL << 40) | LA32, true,
					     &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde000ULL | 0xabc);
}

static void vtx_walk_32_4m_pse(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	w.cr4 = X86_CR4_PSE;
	set32(m, PD32, 0x123, 0x12c00000 | E_PS | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x12c00000ULL | (LA32 & 0x3fffff));
	KUNIT_EXPECT_EQ(test, m->reads, 1U);
	/* Bit 12, PAT, is not an address bit. */
	set32(m, PD32, 0x123, 0x12c00000 | BIT(12) | E_PS | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x12c00000ULL | (LA32 & 0x3fffff));
}

static void vtx_walk_32_ps_ignored_without_pse(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	/* Without CR4.PSE the PDE's bit 7 is ignored: a 4 KiB walk. */
	map32_4k(m, PT32 | E_PS | E_ALL, 0xabcde000 | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde000ULL | 0xabc);
	KUNIT_EXPECT_EQ(test, m->reads, 2U);
	/*
	 * With it, the same PDE maps a 4 MiB page at 0, but for PT32's bit
	 * 13, now physical-address bit 32.
	 */
	w.cr4 = X86_CR4_PSE;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, BIT_ULL(32) | (LA32 & 0x3fffff));
}

static void vtx_walk_32_pse36(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	/* PDE bits 20:13 are physical-address bits 39:32. */
	w.cr4 = X86_CR4_PSE;
	set32(m, PD32, 0x123, 0x12c00000 | (0xa5 << 13) | E_PS | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xa512c00000ULL | (LA32 & 0x3fffff));
	set32(m, PD32, 0x123, 0xffc00000 | (0xff << 13) | E_PS | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xffffc00000ULL | (LA32 & 0x3fffff));
	/* Bit 21 is reserved (MAXPHYADDR 40). */
	set32(m, PD32, 0x123, 0x12c00000 | BIT(21) | E_PS | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EFAULT);
}

static void vtx_walk_32_pat_bit(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	/* A PTE's bit 7 is PAT: still a 4 KiB page, with or without PSE. */
	map32_4k(m, PT32 | E_ALL, 0xabcde000 | E_PS | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde000ULL | 0xabc);
	w.cr4 = X86_CR4_PSE;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xabcde000ULL | 0xabc);
}

static void vtx_walk_32_not_present(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	map32_4k(m, PT32 | E_RW | E_US, 0xabcde000 | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EFAULT);
	KUNIT_EXPECT_EQ(test, m->reads, 1U);
	map32_4k(m, PT32 | E_ALL, 0xabcde000 | E_RW | E_US);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EFAULT);
	/* A not-present 4 MiB PDE. */
	w.cr4 = X86_CR4_PSE;
	set32(m, PD32, 0x123, 0x12c00000 | E_PS | E_RW | E_US);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EFAULT);
}

static void vtx_walk_32_user_supervisor(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	u64 gpa = 0;

	w.user = true;
	map32_4k(m, PT32 | E_ALL, 0xabcde000 | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), 0);
	map32_4k(m, PT32 | E_P | E_RW, 0xabcde000 | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EFAULT);
	map32_4k(m, PT32 | E_ALL, 0xabcde000 | E_P | E_RW);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EFAULT);
	/* The supervisor may. */
	w.user = false;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, true, &gpa), 0);
	/* A supervisor 4 MiB page. */
	w.cr4 = X86_CR4_PSE;
	w.user = true;
	set32(m, PD32, 0x123, 0x12c00000 | E_PS | E_P | E_RW);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EFAULT);
}

static void vtx_walk_32_write_read_only(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 4);
	struct vtx_walk w = walk32(m);
	unsigned int level;
	u64 gpa = 0;

	for (level = 1; level <= 2; level++) {
		if (level == 2)
			map32_4k(m, PT32 | E_P | E_US, 0xabcde000 | E_ALL);
		else
			map32_4k(m, PT32 | E_ALL, 0xabcde000 | E_P | E_US);
		w.cr0 = X86_CR0_PE | X86_CR0_PG;
		w.user = false;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA32, false, &gpa),
				    0, "level %u", level);
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA32, true, &gpa),
				    0, "level %u, WP=0", level);
		KUNIT_EXPECT_EQ(test, gpa, 0xabcde000ULL | 0xabc);
		w.cr0 |= X86_CR0_WP;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA32, true, &gpa),
				    -EFAULT, "level %u, WP=1", level);
		w.cr0 &= ~X86_CR0_WP;
		w.user = true;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA32, true, &gpa),
				    -EFAULT, "level %u, user", level);
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA32, false, &gpa),
				    0, "level %u, user read", level);
	}
}

/* --- PAE paging --- */

static struct vtx_walk walk_pae(struct fake_mem *m)
{
	return (struct vtx_walk){
		.cr0 = X86_CR0_PE | X86_CR0_PG,
		.cr3 = 0x5000,
		.cr4 = X86_CR4_PAE,
		.pdpte = { 0, 0, PDPAE | E_P, 0 },
		.read_pte = fake_read_pte,
		.ctx = m,
	};
}

static void map_pae_4k(struct fake_mem *m, u64 pde, u64 pte)
{
	*ent64(m, PDPAE, 0x1a5) = pde;
	*ent64(m, PTPAE, 0x0f3) = pte;
}

static void vtx_walk_pae_4k(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk_pae(m);
	u64 gpa = 0;

	map_pae_4k(m, PTPAE | E_ALL, PAGE_4K | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x456);
	/* The PDPT is not read: the PDPTEs come from the VMCS. */
	KUNIT_EXPECT_EQ(test, m->reads, 2U);
	/* Bits 63:32 of the linear address are not used. */
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, (7ULL << 32) | LAPAE, false,
					     &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x456);
	/* LME without LMA is still PAE paging. */
	w.efer = EFER_LME;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x456);
}

static void vtx_walk_pae_2m(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk_pae(m);
	u64 gpa = 0;

	*ent64(m, PDPAE, 0x1a5) = PAGE_2M | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_2M | (LAPAE & (SZ_2M - 1)));
	KUNIT_EXPECT_EQ(test, m->reads, 1U);
	/* Bit 12, PAT, is not an address bit. */
	*ent64(m, PDPAE, 0x1a5) = PAGE_2M | BIT(12) | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_2M | (LAPAE & (SZ_2M - 1)));
}

static void vtx_walk_pae_pdpte_not_present(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk_pae(m);
	unsigned int i;
	u64 gpa = 0;

	map_pae_4k(m, PTPAE | E_ALL, PAGE_4K | E_ALL);
	/* Bits 31:30 select the PDPTE; only number 2 is present. */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vtx_guest_walk(&w, ((u64)i << 30) |
						   (LAPAE & (SZ_1G - 1)),
						   false, &gpa),
				    i == 2 ? 0 : -EFAULT, "PDPTE %u", i);
	KUNIT_EXPECT_EQ(test, m->reads, 2U);
	/* The address without P does not matter. */
	w.pdpte[2] = PDPAE;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), -EFAULT);
	KUNIT_EXPECT_EQ(test, m->reads, 2U);
}

static void vtx_walk_pae_no_1g_pages(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk_pae(m);
	u64 gpa = 0;

	/*
	 * PAE paging has no 1 GiB pages: a PDPTE's bit 7 never ends the
	 * walk, whose levels below the PDPTE are the PD (2 MiB pages) and
	 * the PT.
	 */
	w.pdpte[2] |= E_PS;
	map_pae_4k(m, PTPAE | E_ALL, PAGE_4K | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x456);
	KUNIT_EXPECT_EQ(test, m->reads, 2U);
	*ent64(m, PDPAE, 0x1a5) = PAGE_2M | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_2M | (LAPAE & (SZ_2M - 1)));
}

static void vtx_walk_pae_nx(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk_pae(m);
	unsigned int level;
	u64 gpa = 0;

	for (level = 1; level <= 2; level++) {
		if (level == 2)
			map_pae_4k(m, PTPAE | E_NX | E_ALL, PAGE_4K | E_ALL);
		else
			map_pae_4k(m, PTPAE | E_ALL, PAGE_4K | E_NX | E_ALL);
		/* Without EFER.NXE, bit 63 is reserved. */
		w.efer = 0;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LAPAE, false, &gpa),
				    -EFAULT, "level %u", level);
		w.efer = EFER_NX;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LAPAE, false, &gpa),
				    0, "level %u", level);
		KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x456);
	}
}

/* --- 4-level paging --- */

static const u64 table4[5] = { 0, 0x4000, 0x3000, 0x2000, 0x1000 };
static const unsigned int index4[5] = { 0, 0x1d4, 0x0c3, 0x1b2, 0x0a1 };

static struct vtx_walk walk4(struct fake_mem *m)
{
	return (struct vtx_walk){
		.cr0 = X86_CR0_PE | X86_CR0_PG,
		.cr3 = table4[4],
		.cr4 = X86_CR4_PAE,
		.efer = EFER_LME | EFER_LMA,
		.read_pte = fake_read_pte,
		.ctx = m,
	};
}

/* The entry that the walk of LA64 reads at @level. */
static u64 *ent4(struct fake_mem *m, unsigned int level)
{
	return ent64(m, table4[level], index4[level]);
}

/* LA64 mapped to PAGE_4K, all permissions at every level. */
static void map4_4k(struct fake_mem *m)
{
	unsigned int level;

	for (level = 4; level >= 2; level--)
		*ent4(m, level) = table4[level - 1] | E_ALL;
	*ent4(m, 1) = PAGE_4K | E_ALL;
}

static void vtx_walk_4l_4k(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	u64 gpa = 0;

	map4_4k(m);
	/* CR3 bits 11:0 (PCID or PWT and PCD) are not part of the address. */
	w.cr3 |= 0xfff;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x5e6);
	KUNIT_EXPECT_EQ(test, m->reads, 4U);
	/* A sign-extended upper-half address indexes with bits 47:12. */
	*ent64(m, table4[4], 0x1a1) = table4[3] | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, GENMASK_ULL(63, 47) | LA64,
					     false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x5e6);
	/* The ignored bits 62:52 and the accessed and dirty bits. */
	*ent4(m, 1) = GENMASK_ULL(62, 52) | PAGE_4K | BIT(5) | BIT(6) | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, true, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x5e6);
}

static void vtx_walk_4l_2m(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	u64 gpa = 0;

	map4_4k(m);
	*ent4(m, 2) = PAGE_2M | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_2M | (LA64 & (SZ_2M - 1)));
	KUNIT_EXPECT_EQ(test, m->reads, 3U);
	/* Bit 12, PAT, is not an address bit. */
	*ent4(m, 2) = PAGE_2M | BIT(12) | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_2M | (LA64 & (SZ_2M - 1)));
}

static void vtx_walk_4l_1g(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	u64 gpa = 0;

	map4_4k(m);
	*ent4(m, 3) = PAGE_1G | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_1G | (LA64 & (SZ_1G - 1)));
	KUNIT_EXPECT_EQ(test, m->reads, 2U);
	*ent4(m, 3) = PAGE_1G | BIT(12) | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_1G | (LA64 & (SZ_1G - 1)));
}

static void vtx_walk_4l_not_present(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	unsigned int level;
	u64 gpa = 0;

	for (level = 4; level >= 1; level--) {
		map4_4k(m);
		*ent4(m, level) &= ~E_P;
		m->reads = 0;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, false, &gpa),
				    -EFAULT, "level %u", level);
		/* The walk stops at the entry. */
		KUNIT_EXPECT_EQ_MSG(test, m->reads, 5 - level, "level %u",
				    level);
	}
	/* Not-present large pages. */
	map4_4k(m);
	*ent4(m, 2) = PAGE_2M | E_PS | E_RW | E_US;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), -EFAULT);
	*ent4(m, 3) = PAGE_1G | E_PS | E_RW | E_US;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), -EFAULT);
}

static void vtx_walk_4l_user_supervisor(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	unsigned int level;
	u64 gpa = 0;

	map4_4k(m);
	w.user = true;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, true, &gpa), 0);
	for (level = 4; level >= 1; level--) {
		map4_4k(m);
		*ent4(m, level) &= ~E_US;
		w.user = true;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, false, &gpa),
				    -EFAULT, "level %u", level);
		w.user = false;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, true, &gpa),
				    0, "level %u", level);
		KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x5e6);
	}
	/* Supervisor large pages. */
	w.user = true;
	map4_4k(m);
	*ent4(m, 2) = PAGE_2M | E_PS | E_P | E_RW;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), -EFAULT);
	*ent4(m, 3) = PAGE_1G | E_PS | E_P | E_RW;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), -EFAULT);
}

static void vtx_walk_4l_write_read_only(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	unsigned int level;
	u64 gpa = 0;

	for (level = 4; level >= 1; level--) {
		map4_4k(m);
		*ent4(m, level) &= ~E_RW;
		w.cr0 = X86_CR0_PE | X86_CR0_PG;
		w.user = false;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, true, &gpa),
				    0, "level %u, WP=0", level);
		KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x5e6);
		w.cr0 |= X86_CR0_WP;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, true, &gpa),
				    -EFAULT, "level %u, WP=1", level);
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, false, &gpa),
				    0, "level %u, WP=1 read", level);
		w.cr0 &= ~X86_CR0_WP;
		w.user = true;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, true, &gpa),
				    -EFAULT, "level %u, user", level);
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, false, &gpa),
				    0, "level %u, user read", level);
	}
	/* Read-only large pages. */
	w.cr0 |= X86_CR0_WP;
	w.user = false;
	map4_4k(m);
	*ent4(m, 2) = PAGE_2M | E_PS | E_P | E_US;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, true, &gpa), -EFAULT);
	*ent4(m, 3) = PAGE_1G | E_PS | E_P | E_US;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, true, &gpa), -EFAULT);
}

static void vtx_walk_4l_nx_without_nxe(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	unsigned int level;
	u64 gpa = 0;

	for (level = 4; level >= 1; level--) {
		map4_4k(m);
		*ent4(m, level) |= E_NX;
		/* Without EFER.NXE, bit 63 is reserved. */
		w.efer = EFER_LME | EFER_LMA;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, false, &gpa),
				    -EFAULT, "level %u", level);
		/* With it, a data access is allowed, and NX is no address bit. */
		w.efer |= EFER_NX;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, true, &gpa),
				    0, "level %u", level);
		KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x5e6);
	}
	/* NX on large pages. */
	w.efer = EFER_LME | EFER_LMA;
	map4_4k(m);
	*ent4(m, 2) = PAGE_2M | E_NX | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), -EFAULT);
	*ent4(m, 3) = PAGE_1G | E_NX | E_PS | E_ALL;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), -EFAULT);
}

static void vtx_walk_pte_pat_bit(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	u64 gpa = 0;

	/*
	 * In a PTE, bit 7 is PAT, not PS: the entry maps an ordinary 4 KiB
	 * page, in 4-level and in PAE paging.
	 */
	map4_4k(m);
	*ent4(m, 1) |= E_PS;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x5e6);

	w = walk_pae(m);
	map_pae_4k(m, PTPAE | E_ALL, PAGE_4K | E_PS | E_ALL);
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), 0);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_4K | 0x456);
}

static void vtx_walk_la57(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	u64 gpa = 0;

	map4_4k(m);
	w.cr4 |= X86_CR4_LA57;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA64, false, &gpa),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, m->reads, 0U);
}

static void vtx_walk_read_error(struct kunit *test)
{
	struct fake_mem *m = fake_new(test, 8);
	struct vtx_walk w = walk4(m);
	unsigned int level;
	u64 gpa = 0;

	for (level = 4; level >= 1; level--) {
		map4_4k(m);
		m->fail_gpa = table4[level] + index4[level] * 8;
		KUNIT_EXPECT_EQ_MSG(test, vtx_guest_walk(&w, LA64, false, &gpa),
				    -EIO, "level %u", level);
	}

	w = walk_pae(m);
	map_pae_4k(m, PTPAE | E_ALL, PAGE_4K | E_ALL);
	m->fail_gpa = PDPAE + 0x1a5 * 8;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), -EIO);
	m->fail_gpa = PTPAE + 0x0f3 * 8;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LAPAE, false, &gpa), -EIO);

	m->want_size = 4;
	w = walk32(m);
	map32_4k(m, PT32 | E_ALL, 0xabcde000 | E_ALL);
	m->fail_gpa = PD32 + 0x123 * 4;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EIO);
	m->fail_gpa = PT32 + 0x2c5 * 4;
	KUNIT_EXPECT_EQ(test, vtx_guest_walk(&w, LA32, false, &gpa), -EIO);
}

static struct kunit_case vtx_guest_walk_cases[] = {
	KUNIT_CASE(vtx_walk_paging_off),
	KUNIT_CASE(vtx_walk_32_4k),
	KUNIT_CASE(vtx_walk_32_4m_pse),
	KUNIT_CASE(vtx_walk_32_ps_ignored_without_pse),
	KUNIT_CASE(vtx_walk_32_pse36),
	KUNIT_CASE(vtx_walk_32_pat_bit),
	KUNIT_CASE(vtx_walk_32_not_present),
	KUNIT_CASE(vtx_walk_32_user_supervisor),
	KUNIT_CASE(vtx_walk_32_write_read_only),
	KUNIT_CASE(vtx_walk_pae_4k),
	KUNIT_CASE(vtx_walk_pae_2m),
	KUNIT_CASE(vtx_walk_pae_pdpte_not_present),
	KUNIT_CASE(vtx_walk_pae_no_1g_pages),
	KUNIT_CASE(vtx_walk_pae_nx),
	KUNIT_CASE(vtx_walk_4l_4k),
	KUNIT_CASE(vtx_walk_4l_2m),
	KUNIT_CASE(vtx_walk_4l_1g),
	KUNIT_CASE(vtx_walk_4l_not_present),
	KUNIT_CASE(vtx_walk_4l_user_supervisor),
	KUNIT_CASE(vtx_walk_4l_write_read_only),
	KUNIT_CASE(vtx_walk_4l_nx_without_nxe),
	KUNIT_CASE(vtx_walk_pte_pat_bit),
	KUNIT_CASE(vtx_walk_la57),
	KUNIT_CASE(vtx_walk_read_error),
	{}
};

static struct kunit_suite vtx_guest_walk_suite = {
	.name = "vtx_guest_walk",
	.test_cases = vtx_guest_walk_cases,
};

kunit_test_suite(vtx_guest_walk_suite);
