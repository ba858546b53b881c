// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-side fuzzer's code: random bytes mixed with instructions
 * that exit, fault or change state, and the descriptor tables and page
 * tables of every mode, written once per VM and put back when a guest
 * scribbles on them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

/* The GDT: the library writes 0x00 to 0x27 (0x18 is its 64-bit TSS). */
const __u64 gf_gdt[GF_GDT_ENTRIES] = {
	0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL, 0, 0,
	0x00cf9b000000ffffULL,	/* 0x28 32-bit code */
	0x00009b000000ffffULL,	/* 0x30 16-bit code, 64 KiB */
	0x000093000000ffffULL,	/* 0x38 16-bit data, 64 KiB */
	0x00affb000000ffffULL,	/* 0x40 64-bit code, DPL 3 */
	0x00cff3000000ffffULL,	/* 0x48 data, DPL 3 */
	0x00cffb000000ffffULL,	/* 0x50 32-bit code, DPL 3 */
};

/*
 * Instructions that exit, fault or change state; none has a 0 byte. The
 * code never sets CR4.LA57 on purpose: Bochs 3.0 panics at the next VM
 * exit to a 4-level host ("VMEXIT CR4 is broken"), or at entry when
 * KVM_SET_SREGS flips it in long mode.
 */
static const char *const gf_snips[] = {
	"\xf4", "\x0f\xa2", "\xcc", "\xcf", "\x48\xcf", "\x0f\x05", "\x0f\x07",
	"\x0f\x34", "\x0f\x35", "\x0f\x08", "\x0f\x09", "\x0f\x01\xc1",
	"\x0f\x01\xc2", "\x0f\x01\xc3", "\x0f\x01\xc4", "\xf3\x0f\xc7\x37",
	"\x0f\xc7\x37", "\x66\x0f\xc7\x37", "\x0f\x78\xc8", "\x0f\x79\xc8",
	"\x66\x0f\x38\x80\x37", "\x0f\x01\xd1", "\x0f\x01\xd0", "\x0f\x33",
	"\x0f\x31", "\x0f\x01\xf9", "\x0f\x01\xc8", "\x0f\x01\xc9",
	"\x0f\x0b", "\xfa", "\xfb", "\x9c", "\x9d", "\x0f\x06", "\x0f\x01\xf8",
	"\x0f\xaa", "\x0f\x37", "\xf1", "\xce", "\xeb\xfe", "\x6c", "\x6f",
	"\xf3\x6c", "\xf3\x6e", "\xf3\x66\x6d", "\x0f\x01\x3f", "\x0f\x01\xe0",
	"\x0f\x01\xf0", "\x0f\x00\xd8", "\x0f\x00\xd0", "\x0f\xae\x07",
	"\x0f\xae\x0f", "\x0f\xc7\xf0", "\xf3\x0f\xc7\xf8", "\x8e\xd0",
	"\x0f\x01\xca", "\x0f\x01\xcb", "\x0f\x01\xd4", "\x17", "\xfb\xf4",
	"\xfa\xf4", "\x0f\x20\xc0\x0f\x22\xc0",
	"\xf3\x48\x0f\xae\xd0", "\x0f\x01\xee", "\xf3\x90", "\xcd\x80",
};

/* Code */

static void gf_put(struct gf_code *c, const void *p, int n)
{
	if (c->n + n <= (int)sizeof(c->b)) {
		memcpy(c->b + c->n, p, n);
		c->n += n;
	}
}

static void gf_put2(struct gf_code *c, __u8 a, __u8 b)
{
	__u8 ab[2] = { a, b };

	gf_put(c, ab, 2);
}

/* mov $v, %e<reg> (with an operand-size prefix in 16-bit code) */
static void gf_mov(struct gf_code *c, int reg, __u32 v)
{
	if (c->bits == 16)
		gf_put(c, "\x66", 1);
	gf_put(c, (__u8 []){ 0xb8 + reg }, 1);
	gf_put(c, &v, 4);
}

__u32 gf_msr(struct fuzz_rng *r)
{
	static const __u32 msrs[] = {
		0x10, 0x1b, 0x3a, 0x48, 0x49, 0x174, 0x175, 0x176, 0x1d9, 0x277,
		0x480, 0x6e0, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083,
		0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103,
		0x40000000, 0x4b564d00,
	};

	if (fuzz_chance(r, 20))
		return fuzz_value(r);
	return msrs[fuzz_below(r, ARRAY_SIZE(msrs))];
}

static __u16 gf_sel(struct fuzz_rng *r)
{
	static const __u16 sels[] = {
		0, 0x08, 0x10, 0x18, 0x28, 0x30, 0x38, 0x43, 0x4b, 0x53, 0x13,
	};

	if (fuzz_chance(r, 20))
		return fuzz_value(r);
	return sels[fuzz_below(r, ARRAY_SIZE(sels))];
}

/* One instruction worth more than random bytes find by chance. */
static void gf_special(struct fuzz_rng *r, struct gf_code *c)
{
	static const __u8 crs[] = { 0, 2, 3, 4, 8 }, sregs[] = { 0, 2, 3, 4, 5 };
	static const __u16 ports[] = { 0x80, 0xfe, 0x3f8, 0xcf8, 0x70 };
	const char *s = gf_snips[fuzz_below(r, ARRAY_SIZE(gf_snips))];
	__u8 cr = crs[fuzz_below(r, ARRAY_SIZE(crs))];
	__u32 v = fuzz_chance(r, 50) ? fuzz_value(r) : fuzz_below(r, 0x8000);

	switch (fuzz_below(r, 16)) {
	case 0:		/* RDMSR or WRMSR of a chosen MSR */
		gf_mov(c, 1, gf_msr(r));
		gf_put2(c, 0x0f, fuzz_chance(r, 50) ? 0x32 : 0x30);
		break;
	case 1:		/* MOV to or from CR0, CR2, CR3, CR4 (not LA57) or CR8 */
		gf_mov(c, 0, fuzz_value(r) & (cr == 4 ? ~0x1000U : ~0U));
		if (cr == 8)
			gf_put(c, c->bits == 64 ? "\x44" : "\xf0", 1);
		gf_put2(c, 0x0f, fuzz_chance(r, 70) ? 0x22 : 0x20);
		gf_put(c, (__u8 []){ 0xc0 | (cr & 7) << 3 }, 1);
		break;
	case 2:		/* MOV to or from a debug register */
		gf_mov(c, 0, fuzz_value(r));
		gf_put2(c, 0x0f, fuzz_chance(r, 60) ? 0x23 : 0x21);
		gf_put(c, (__u8 []){ 0xc0 | fuzz_below(r, 8) << 3 }, 1);
		break;
	case 3:		/* SGDT, SIDT, LGDT or LIDT of random bytes */
		gf_mov(c, 0, GF_OPERANDS + fuzz_below(r, 240));
		gf_put(c, "\x0f\x01", 2);
		gf_put(c, (__u8 []){ fuzz_below(r, 4) << 3 }, 1);
		break;
	case 4:		/* a far JMP or CALL through memory */
		gf_mov(c, 0, GF_OPERANDS + fuzz_below(r, 240));
		gf_put2(c, 0xff, fuzz_chance(r, 50) ? 0x28 : 0x18);
		break;
	case 5:		/* a direct far JMP or CALL (#UD in 64-bit mode) */
		gf_put(c, fuzz_chance(r, 50) ? "\xea" : "\x9a", 1);
		gf_put(c, &v, c->bits == 16 ? 2 : 4);
		v = gf_sel(r);
		gf_put(c, &v, 2);
		break;
	case 6:		/* load ES, SS, DS, FS or GS */
		gf_mov(c, 0, gf_sel(r));
		gf_put2(c, 0x8e, 0xc0 | sregs[fuzz_below(r, 5)] << 3);
		break;
	case 7:		/* IN or OUT through DX */
		gf_mov(c, 2, fuzz_chance(r, 70) ?
			  ports[fuzz_below(r, ARRAY_SIZE(ports))] : v);
		gf_put(c, (__u8 []){ 0xec + fuzz_below(r, 4) }, 1);
		break;
	case 8:		/* IN or OUT of an immediate port, INT n */
		gf_put2(c, fuzz_chance(r, 30) ? 0xcd : 0xe4 + fuzz_below(r, 4),
			fuzz_below(r, 256));
		break;
	default:
		gf_put(c, s, strlen(s));
	}
}

/* 16 to 256 bytes, some share of them special instructions. */
void gf_gen(struct fuzz_rng *r, struct gf_code *c, int bits)
{
	static const int pcts[] = { 0, 10, 30, 60 };
	int len = 16 + fuzz_below(r, 241);
	int pct = pcts[fuzz_below(r, ARRAY_SIZE(pcts))];
	__u8 b[8];
	int k;

	c->n = 0;
	c->bits = bits;
	while (c->n < len) {
		if (fuzz_chance(r, pct)) {
			gf_special(r, c);
			continue;
		}
		k = 1 + fuzz_below(r, 8);
		fuzz_bytes(r, b, k);
		gf_put(c, b, k);
	}
}

/* Memory and tables */

static void gf_write_idts(__u8 *m)
{
	__u64 *idt64 = (__u64 *)(m + VTX_IDT_GPA);
	__u64 *idt32 = (__u64 *)(m + GF_IDT32);
	__u32 *ivt = (__u32 *)m;
	__u64 off;
	int v;

	for (v = 0; v < 256; v++) {
		__u8 *stub = m + GF_REAL_STUBS + 8 * v;

		idt64[2 * v] |= 0x60ULL << 40;		/* DPL 3 */
		off = VTX_STUBS_GPA + 16 * v;		/* the library's */
		idt32[v] = (off & 0xffff) | 0x28 << 16 | 0xee00ULL << 32 | /* CS32 */
			   (off & 0xffff0000) << 32;
		/* mov $v, %al; out %al, $0xfd; hlt; jmp back to the hlt */
		memcpy(stub, "\xb0\x00\xe6\xfd\xf4\xeb\xfd\x90", 8);
		stub[1] = v;
		ivt[v] = GF_REAL_STUBS + 8 * v;
	}
}

static void gf_write_paging(__u8 *m)
{
	__u64 *pdpt = (__u64 *)(m + VTX_PDPT_GPA);
	__u64 *pd = (__u64 *)(m + VTX_PD_GPA);
	__u32 *pd32 = (__u32 *)(m + GF_PD32), *pt32 = (__u32 *)(m + GF_PT32);
	int i;

	/* User, accessed and dirty: CPL 3 runs, and no A/D updates. */
	*(__u64 *)(m + VTX_PML4_GPA) |= 0x24;
	for (i = 0; i < 4; i++)
		pdpt[i] |= 0x24;
	for (i = 0; i < 2048; i++)
		pd[i] |= 0x64;
	pd32[0] = GF_PT32 | 0x27;
	for (i = 1; i < 1024; i++)
		pd32[i] = (__u32)i << 22 | 0xe7;	/* 4 MiB with PSE */
	for (i = 0; i < 1024; i++)
		pt32[i] = (__u32)i << 12 | 0x67;
}

int gf_write_tables(struct gf *g)
{
	__u8 *m = g->mem;
	__u64 rsp0 = VTX_STACK_TOP - 0x2000;
	int r = __vtx_vm_setup_long_mode(&g->vm);

	if (r)
		return r;
	memcpy(m + VTX_GDT_GPA + 0x28, &gf_gdt[5], sizeof(gf_gdt) - 0x28);
	gf_write_idts(m);
	gf_write_paging(m);
	memcpy(m + VTX_TSS_GPA + 4, &rsp0, 8);		/* 64-bit RSP0 */
	memcpy(m + GF_TSS32 + 4, &rsp0, 4);		/* ESP0, SS0 */
	*(__u32 *)(m + GF_TSS32 + 8) = VTX_SEL_DATA;
	memcpy(m + GF_PAD, "\xf4\xeb\xfd", 3);
	memcpy(g->pristine, m, GF_TABLES_END);
	return 0;
}

/* Put back the pages of tables that a guest wrote to. */
void gf_restore_tables(struct gf *g)
{
	__u64 a;

	for (a = 0; a < GF_TABLES_END; a += 0x1000) {
		if (a && a < GF_TABLES)
			a = GF_TABLES;
		if (memcmp(g->mem + a, g->pristine + a, 0x1000))
			memcpy(g->mem + a, g->pristine + a, 0x1000);
	}
}
