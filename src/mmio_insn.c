// SPDX-License-Identifier: GPL-2.0
/*
 * Decode the instruction behind an MMIO exit: MOV between a register or
 * an immediate and memory, MOVZX, MOVSX, MOVS and STOS, what MMIO
 * accessors and string copies compile to. Anything else is refused rather
 * than guessed at. Pure: it reads only the bytes it is given, and KUnit
 * tests it.
 *
 * Context: any.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "mmio_insn.h"

#define VTX_REX_W	BIT(3)
#define VTX_REX_R	BIT(2)
#define VTX_REX_B	BIT(0)

/* The legacy prefixes and REX, as found before the opcode. */
struct vtx_insn_prefixes {
	bool opsize;	/* 66 */
	bool adsize;	/* 67 */
	bool rep;	/* F2 or F3 */
	bool has_seg;
	u8 seg;		/* the override, when has_seg */
	bool has_rex;	/* a REX prefix right before the opcode */
	u8 rex;
};

/*
 * Check that @k bytes at @pos are both within an instruction's length
 * limit and within the @n bytes given; the limit goes first, so that a
 * run of prefixes too long to execute is refused however much is given.
 */
static int vtx_insn_need(unsigned int n, unsigned int pos, unsigned int k)
{
	if (pos + k > VTX_INSN_MAX_LEN)
		return -EINVAL;
	if (pos + k > n)
		return -ENODATA;
	return 0;
}

/* Read @k bytes at @pos, little-endian. */
static u64 vtx_insn_read(const u8 *buf, unsigned int pos, unsigned int k)
{
	u64 v = 0;

	while (k--)
		v = v << 8 | buf[pos + k];
	return v;
}

static u64 vtx_insn_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : BIT_ULL(size * 8) - 1;
}

/*
 * Consume the prefixes. A REX prefix counts only right before the opcode:
 * the CPU ignores one that another prefix follows.
 *
 * Return: the position of the opcode, or -errno.
 */
static int vtx_insn_prefixes(const u8 *buf, unsigned int n,
			     enum vtx_insn_mode mode,
			     struct vtx_insn_prefixes *p)
{
	unsigned int pos;
	int ret;
	u8 b;

	memset(p, 0, sizeof(*p));
	for (pos = 0;; pos++) {
		ret = vtx_insn_need(n, pos, 1);
		if (ret)
			return ret;
		b = buf[pos];
		if (mode == VTX_INSN_MODE64 && (b & 0xf0) == 0x40) {
			p->has_rex = true;
			p->rex = b;
			continue;
		}
		switch (b) {
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			/*
			 * ES, CS, SS, DS: bits 4:3 are their enum values. In
			 * 64-bit mode they are null prefixes (base 0), and
			 * they do not undo an FS or GS override.
			 */
			if (mode != VTX_INSN_MODE64) {
				p->has_seg = true;
				p->seg = (b >> 3) & 3;
			}
			break;
		case 0x64:
		case 0x65:
			p->has_seg = true;
			p->seg = b == 0x64 ? VTX_SEG_FS : VTX_SEG_GS;
			break;
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->adsize = true;
			break;
		case 0xf2:
		case 0xf3:
			p->rep = true;
			break;
		case 0xf0:	/* LOCK: never a plain MOV */
			return -EINVAL;
		default:
			return pos;
		}
		p->has_rex = false;
		p->rex = 0;
	}
}

static u8 vtx_insn_opsize(enum vtx_insn_mode mode,
			  const struct vtx_insn_prefixes *p)
{
	if (p->rex & VTX_REX_W)
		return 8;
	if (mode == VTX_INSN_MODE16)
		return p->opsize ? 4 : 2;
	return p->opsize ? 2 : 4;
}

static u8 vtx_insn_adsize(enum vtx_insn_mode mode,
			  const struct vtx_insn_prefixes *p)
{
	switch (mode) {
	case VTX_INSN_MODE16:
		return p->adsize ? 4 : 2;
	case VTX_INSN_MODE32:
		return p->adsize ? 2 : 4;
	default:
		return p->adsize ? 4 : 8;
	}
}

/*
 * Length and default segment of a 16-bit ModRM memory operand: BP-based
 * forms ([BP+SI], [BP+DI], [BP+disp]) use SS.
 */
static unsigned int vtx_insn_modrm16(u8 mod, u8 rm, u8 *seg)
{
	if (rm == 2 || rm == 3 || (rm == 6 && mod != 0))
		*seg = VTX_SEG_SS;
	if (mod == 1)
		return 1;
	if (mod == 2 || (mod == 0 && rm == 6))
		return 2;
	return 0;
}

/*
 * Consume a ModRM memory operand at @pos: ModRM, SIB and displacement.
 * REX.B and REX.X never change the length: rm 4 is a SIB, rm 5 with mod 0
 * is disp32 (RIP-relative in 64-bit mode), and so is SIB base 5 with mod 0.
 * A base of rSP or rBP (not R12, R13) defaults to SS.
 *
 * Return: the position after the operand, or -errno.
 */
static int vtx_insn_modrm(const u8 *buf, unsigned int n, unsigned int pos,
			  struct vtx_insn *insn, u8 rex, u8 *modrm)
{
	unsigned int disp;
	u8 mod, rm, base;
	int ret;

	ret = vtx_insn_need(n, pos, 1);
	if (ret)
		return ret;
	*modrm = buf[pos++];
	mod = *modrm >> 6;
	rm = *modrm & 7;
	if (mod == 3)	/* a register operand: no memory access */
		return -EINVAL;

	if (insn->addr_size == 2) {
		disp = vtx_insn_modrm16(mod, rm, &insn->seg);
	} else {
		base = rm;
		if (rm == 4) {
			ret = vtx_insn_need(n, pos, 1);
			if (ret)
				return ret;
			base = buf[pos++] & 7;
		}
		if (mod == 0 && base == 5) {
			disp = 4;
		} else {
			disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
			base |= rex & VTX_REX_B ? 8 : 0;
			if (base == 4 || base == 5)
				insn->seg = VTX_SEG_SS;
		}
	}
	ret = vtx_insn_need(n, pos, disp);
	return ret ? ret : pos + disp;
}

/* 0F B6/B7/BE/BF: MOVZX and MOVSX r, m8/m16. */
static int vtx_insn_movx(u8 opc, u8 opsize, struct vtx_insn *insn)
{
	switch (opc) {
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		insn->op = VTX_INSN_LOAD;
		insn->size = opc & 1 ? 2 : 1;
		insn->reg_size = opsize;
		insn->sign_extend = opc & 8;
		return 0;
	default:
		return -EINVAL;
	}
}

/* 88/89/8A/8B/C6/C7: MOV with a ModRM memory operand. */
static int vtx_insn_mov(u8 opc, u8 opsize, struct vtx_insn *insn)
{
	insn->size = opc & 1 ? opsize : 1;
	insn->reg_size = insn->size;
	switch (opc) {
	case 0x88:
	case 0x89:
		insn->op = VTX_INSN_STORE;
		return 0;
	case 0x8a:
	case 0x8b:
		insn->op = VTX_INSN_LOAD;
		return 0;
	case 0xc6:
	case 0xc7:
		insn->op = VTX_INSN_STORE;
		insn->has_imm = true;
		return 0;
	default:
		return -EINVAL;
	}
}

/* A0-A3: MOV between rAX and a memory offset; A4/A5, AA/AB: strings. */
static int vtx_insn_accum(u8 opc, u8 opsize, struct vtx_insn *insn)
{
	insn->size = opc & 1 ? opsize : 1;
	insn->reg_size = insn->size;
	switch (opc) {
	case 0xa0:
	case 0xa1:
		insn->op = VTX_INSN_LOAD;
		return 0;
	case 0xa2:
	case 0xa3:
		insn->op = VTX_INSN_STORE;
		return 0;
	case 0xa4:
	case 0xa5:
		insn->op = VTX_INSN_MOVS;
		return 0;
	case 0xaa:
	case 0xab:
		insn->op = VTX_INSN_STOS;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * The operands after the opcode at @pos: a ModRM operand and immediate,
 * a memory offset, or nothing for strings.
 *
 * Return: the instruction length, or -errno.
 */
static int vtx_insn_operands(const u8 *buf, unsigned int n, unsigned int pos,
			     bool has_modrm, const struct vtx_insn_prefixes *p,
			     struct vtx_insn *insn)
{
	unsigned int k;
	u8 modrm;
	int ret;

	if (!has_modrm) {
		if (insn->op == VTX_INSN_STOS || insn->op == VTX_INSN_MOVS)
			return pos;
		/* A0-A3: the offset is as wide as the address. */
		ret = vtx_insn_need(n, pos, insn->addr_size);
		return ret ? ret : pos + insn->addr_size;
	}

	/* C6 /0 and C7 /0 only: refuse others before asking for more. */
	if (insn->has_imm) {
		ret = vtx_insn_need(n, pos, 1);
		if (ret)
			return ret;
		/* REX.R does not extend an opcode extension. */
		if (buf[pos] & 0x38)
			return -EINVAL;
	}
	ret = vtx_insn_modrm(buf, n, pos, insn, p->rex, &modrm);
	if (ret < 0)
		return ret;
	pos = ret;
	if (!insn->has_imm) {
		insn->reg = (modrm >> 3 & 7) | (p->rex & VTX_REX_R ? 8 : 0);
		insn->high8 = insn->size == 1 && insn->reg_size == 1 &&
			      !p->has_rex && insn->reg >= 4;
		return pos;
	}

	k = insn->size == 8 ? 4 : insn->size;
	ret = vtx_insn_need(n, pos, k);
	if (ret)
		return ret;
	insn->imm = vtx_insn_read(buf, pos, k);
	if (k == 4)
		insn->imm = sign_extend64(insn->imm, 31);
	insn->imm &= vtx_insn_mask(insn->size);
	return pos + k;
}

/**
 * vtx_insn_decode() - decode an instruction that accessed MMIO
 * @buf: the instruction bytes, from its first prefix
 * @n: how many bytes @buf holds; more than the instruction is fine
 * @mode: the default operand and address sizes of the code segment
 * @insn: filled on success
 *
 * Accept MOV 88/89/8A/8B, C6/C7 /0, A0-A3, MOVZX and MOVSX 0F B6/B7/BE/BF
 * with a memory operand, and MOVS A4/A5 and STOS AA/AB with or without
 * REP, under prefixes 66, 67, segment overrides and, in 64-bit mode, a
 * REX right before the opcode. F2 or F3 on anything but a string
 * instruction, LOCK, a register operand, or an instruction longer than
 * 15 bytes is refused.
 *
 * Return: 0; -ENODATA when @n bytes end before the instruction does (the
 * caller may retry with more); -EINVAL for anything else.
 */
int vtx_insn_decode(const u8 *buf, unsigned int n, enum vtx_insn_mode mode,
		    struct vtx_insn *insn)
{
	struct vtx_insn_prefixes p;
	bool has_modrm = false;
	unsigned int pos;
	u8 opc, opsize;
	int ret;

	memset(insn, 0, sizeof(*insn));
	if (mode != VTX_INSN_MODE16 && mode != VTX_INSN_MODE32 &&
	    mode != VTX_INSN_MODE64)
		return -EINVAL;
	ret = vtx_insn_prefixes(buf, n, mode, &p);
	if (ret < 0)
		return ret;
	pos = ret;
	opsize = vtx_insn_opsize(mode, &p);
	insn->addr_size = vtx_insn_adsize(mode, &p);
	insn->seg = VTX_SEG_DS;

	opc = buf[pos++];
	switch (opc) {
	case 0x0f:
		ret = vtx_insn_need(n, pos, 1);
		if (ret)
			return ret;
		ret = vtx_insn_movx(buf[pos++], opsize, insn);
		has_modrm = true;
		break;
	case 0x88 ... 0x8b:
	case 0xc6 ... 0xc7:
		ret = vtx_insn_mov(opc, opsize, insn);
		has_modrm = true;
		break;
	default:
		ret = vtx_insn_accum(opc, opsize, insn);
		break;
	}
	if (ret)
		return ret;

	if (insn->op == VTX_INSN_MOVS || insn->op == VTX_INSN_STOS)
		insn->rep = p.rep;
	else if (p.rep)
		return -EINVAL;

	ret = vtx_insn_operands(buf, n, pos, has_modrm, &p, insn);
	if (ret < 0)
		return ret;
	insn->len = ret;
	/* An override wins over the SS of an rBP or rSP base. */
	if (insn->op == VTX_INSN_STOS)
		insn->seg = VTX_SEG_ES;	/* ES:rDI, no override */
	else if (p.has_seg)
		insn->seg = p.seg;
	return 0;
}

/**
 * vtx_insn_load_result() - the register value after a LOAD
 * @insn: the decoded LOAD
 * @old: the register's value before it
 * @data: the @insn->size bytes read, zero-extended
 *
 * Widen @data to @insn->reg_size (MOVZX, MOVSX), then write it as the CPU
 * does: 8- and 16-bit writes (and AH..BH) keep the other bits, a 32-bit
 * write zeroes bits 63:32.
 *
 * Return: the register's new value.
 */
u64 vtx_insn_load_result(const struct vtx_insn *insn, u64 old, u64 data)
{
	u64 v = data & vtx_insn_mask(insn->size);

	if (insn->sign_extend && insn->size < 8)
		v = sign_extend64(v, insn->size * 8 - 1);
	switch (insn->reg_size) {
	case 1:
		if (insn->high8)
			return (old & ~0xff00ULL) | (v & 0xff) << 8;
		return (old & ~0xffULL) | (v & 0xff);
	case 2:
		return (old & ~0xffffULL) | (v & 0xffff);
	case 4:
		return v & 0xffffffffULL;
	default:
		return v;
	}
}

/**
 * vtx_insn_store_value() - the data a STORE (or STOS) writes
 * @insn: the decoded STORE
 * @regval: the value of register @insn->reg, ignored for an immediate
 *
 * Return: the @insn->size bytes to write, zero-extended.
 */
u64 vtx_insn_store_value(const struct vtx_insn *insn, u64 regval)
{
	u64 v = insn->has_imm ? insn->imm : regval;

	if (insn->high8 && !insn->has_imm)
		v >>= 8;
	return v & vtx_insn_mask(insn->size);
}
