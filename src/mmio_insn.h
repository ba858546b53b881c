/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 instructions that MMIO emulation accepts: MOV between a
 * register or an immediate and memory, MOVZX, MOVSX, MOVS and STOS. The
 * decoder (mmio_insn.c) is pure: it reads only the bytes it is given.
 */
#ifndef VTX_MMIO_INSN_H
#define VTX_MMIO_INSN_H

#include <linux/types.h>

/* The longest instruction the CPU executes, prefixes included. */
#define VTX_INSN_MAX_LEN	15

/* The default operand and address sizes of the code segment. */
enum vtx_insn_mode {
	VTX_INSN_MODE16,	/* real mode, vm86, CS.D=0 */
	VTX_INSN_MODE32,	/* CS.D=1 */
	VTX_INSN_MODE64,	/* CS.L=1 in IA-32e mode */
};

enum vtx_insn_op {
	VTX_INSN_LOAD,	/* memory -> register: 8A/8B/A0/A1, MOVZX, MOVSX */
	VTX_INSN_STORE,	/* MOV m,r (88/89/A2/A3), MOV m,imm (C6/C7 /0) */
	VTX_INSN_MOVS,	/* A4/A5 */
	VTX_INSN_STOS,	/* AA/AB */
};

/* In the order of the segment field of VMX and of the SReg encoding. */
enum vtx_insn_seg {
	VTX_SEG_ES,
	VTX_SEG_CS,
	VTX_SEG_SS,
	VTX_SEG_DS,
	VTX_SEG_FS,
	VTX_SEG_GS,
};

/**
 * struct vtx_insn - a decoded MMIO instruction
 * @len: instruction length, prefixes included (1..15)
 * @op: enum vtx_insn_op
 * @size: width of the memory access: 1, 2, 4 or 8
 * @reg: the register of a LOAD, or of a STORE from a register, 0..15 in
 *	encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15);
 *	0 (rAX) for A0-A3, a STORE of an immediate, MOVS and STOS
 * @reg_size: LOAD: width of the destination register write (wider than
 *	@size for MOVZX and MOVSX); otherwise equal to @size
 * @high8: @reg is AH, CH, DH or BH (byte operand, no REX prefix, @reg
 *	4..7): the register is bits 15:8 of @reg - 4
 * @sign_extend: MOVSX
 * @has_imm: a STORE of an immediate (C6, C7)
 * @imm: that immediate, sign-extended to 64 bits then truncated to @size
 * @rep: an F3 or F2 prefix on MOVS or STOS
 * @addr_size: the effective address size, 2, 4 or 8
 * @seg: enum vtx_insn_seg, the segment of the memory operand: the
 *	override, else SS for a base of rBP or rSP, else DS. For MOVS it is
 *	the source's; the destination of MOVS and STOS is always ES. In
 *	64-bit mode only FS and GS overrides count, as on the CPU.
 */
struct vtx_insn {
	u8 len;
	u8 op;
	u8 size;
	u8 reg;
	u8 reg_size;
	bool high8;
	bool sign_extend;
	bool has_imm;
	u64 imm;
	bool rep;
	u8 addr_size;
	u8 seg;
};

int vtx_insn_decode(const u8 *buf, unsigned int n, enum vtx_insn_mode mode,
		    struct vtx_insn *insn);
u64 vtx_insn_load_result(const struct vtx_insn *insn, u64 old, u64 data);
u64 vtx_insn_store_value(const struct vtx_insn *insn, u64 regval);

#endif /* VTX_MMIO_INSN_H */
