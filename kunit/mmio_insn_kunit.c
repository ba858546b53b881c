// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_mmio_insn: the MMIO instruction decoder: what Linux's
 * MMIO accessors and string copies compile to, prefixes, ModRM lengths,
 * the instructions it refuses, and the register and memory values of a
 * load and a store.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "mmio_insn.h"

#define M16	VTX_INSN_MODE16
#define M32	VTX_INSN_MODE32
#define M64	VTX_INSN_MODE64
#define LOAD	VTX_INSN_LOAD
#define STORE	VTX_INSN_STORE
#define MOVS	VTX_INSN_MOVS
#define STOS	VTX_INSN_STOS

struct vtx_insn_ok {
	const char *name;
	enum vtx_insn_mode mode;
	u8 bytes[VTX_INSN_MAX_LEN + 1];
	struct vtx_insn want;
};

static const struct vtx_insn_ok vtx_insn_ok_cases[] = {
	/* readb/w/l/q and writeb/w/l/q on x86-64. */
	{ "readb", M64, { 0x8a, 0x07 },
	  { .len = 2, .op = LOAD, .size = 1, .reg_size = 1, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "readw", M64, { 0x66, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "readl", M64, { 0x8b, 0x07 },
	  { .len = 2, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "readq", M64, { 0x48, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 8, .reg_size = 8, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "writeb", M64, { 0x40, 0x88, 0x37 },
	  { .len = 3, .op = STORE, .size = 1, .reg = 6, .reg_size = 1,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "writew", M64, { 0x66, 0x89, 0x37 },
	  { .len = 3, .op = STORE, .size = 2, .reg = 6, .reg_size = 2,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "writel", M64, { 0x89, 0x37 },
	  { .len = 2, .op = STORE, .size = 4, .reg = 6, .reg_size = 4,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "writeq", M64, { 0x48, 0x89, 0x37 },
	  { .len = 3, .op = STORE, .size = 8, .reg = 6, .reg_size = 8,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	/* Immediates: imm32 sign-extends under REX.W only. */
	{ "movl $0x12345678,(%rax)", M64,
	  { 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 6, .op = STORE, .size = 4, .reg_size = 4,
	    .has_imm = true, .imm = 0x12345678, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "movl $-2,(%rax)", M64, { 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff },
	  { .len = 6, .op = STORE, .size = 4, .reg_size = 4,
	    .has_imm = true, .imm = 0xfffffffe, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "movq $-2,(%rax)", M64,
	  { 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff },
	  { .len = 7, .op = STORE, .size = 8, .reg_size = 8,
	    .has_imm = true, .imm = 0xfffffffffffffffeULL, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "movw $0x8001,(%rax)", M64, { 0x66, 0xc7, 0x00, 0x01, 0x80 },
	  { .len = 5, .op = STORE, .size = 2, .reg_size = 2,
	    .has_imm = true, .imm = 0x8001, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "movb $0x80,(%rax)", M64, { 0xc6, 0x00, 0x80 },
	  { .len = 3, .op = STORE, .size = 1, .reg_size = 1,
	    .has_imm = true, .imm = 0x80, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "REX.R on C7 /0 is ignored", M64,
	  { 0x44, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00 },
	  { .len = 7, .op = STORE, .size = 4, .reg_size = 4,
	    .has_imm = true, .imm = 1, .addr_size = 8, .seg = VTX_SEG_DS } },
	/* MOVZX and MOVSX. */
	{ "movzbl (%rdi),%eax", M64, { 0x0f, 0xb6, 0x07 },
	  { .len = 3, .op = LOAD, .size = 1, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "movzwl (%rdi),%eax", M64, { 0x0f, 0xb7, 0x07 },
	  { .len = 3, .op = LOAD, .size = 2, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "movsbl (%rdi),%eax", M64, { 0x0f, 0xbe, 0x07 },
	  { .len = 3, .op = LOAD, .size = 1, .reg_size = 4,
	    .sign_extend = true, .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "movswq (%rdi),%rax", M64, { 0x48, 0x0f, 0xbf, 0x07 },
	  { .len = 4, .op = LOAD, .size = 2, .reg_size = 8,
	    .sign_extend = true, .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "movzbw (%rdi),%r9w", M64, { 0x66, 0x44, 0x0f, 0xb6, 0x0f },
	  { .len = 5, .op = LOAD, .size = 1, .reg = 9, .reg_size = 2,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	/* Strings: the source segment may be overridden, ES:rDI not. */
	{ "rep movsb", M64, { 0xf3, 0xa4 },
	  { .len = 2, .op = MOVS, .size = 1, .reg_size = 1, .rep = true,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "rep movsl", M64, { 0xf3, 0xa5 },
	  { .len = 2, .op = MOVS, .size = 4, .reg_size = 4, .rep = true,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "rep stosb", M64, { 0xf3, 0xaa },
	  { .len = 2, .op = STOS, .size = 1, .reg_size = 1, .rep = true,
	    .addr_size = 8, .seg = VTX_SEG_ES } },
	{ "rep stosl", M64, { 0xf3, 0xab },
	  { .len = 2, .op = STOS, .size = 4, .reg_size = 4, .rep = true,
	    .addr_size = 8, .seg = VTX_SEG_ES } },
	{ "movsq", M64, { 0x48, 0xa5 },
	  { .len = 2, .op = MOVS, .size = 8, .reg_size = 8, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "repne movsb is a rep", M64, { 0xf2, 0xa4 },
	  { .len = 2, .op = MOVS, .size = 1, .reg_size = 1, .rep = true,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "movsb %fs:(%rsi),%es:(%rdi)", M64, { 0x64, 0xa4 },
	  { .len = 2, .op = MOVS, .size = 1, .reg_size = 1, .addr_size = 8,
	    .seg = VTX_SEG_FS } },
	{ "rep stosq ignores %fs", M64, { 0x64, 0xf3, 0x48, 0xab },
	  { .len = 4, .op = STOS, .size = 8, .reg_size = 8, .rep = true,
	    .addr_size = 8, .seg = VTX_SEG_ES } },
	{ "rep stosl (%edi)", M64, { 0x67, 0xf3, 0xab },
	  { .len = 3, .op = STOS, .size = 4, .reg_size = 4, .rep = true,
	    .addr_size = 4, .seg = VTX_SEG_ES } },
	/* Byte registers: AH..BH without REX, SPL..DIL with any REX. */
	{ "mov %ah,(%rdi)", M64, { 0x88, 0x27 },
	  { .len = 2, .op = STORE, .size = 1, .reg = 4, .reg_size = 1,
	    .high8 = true, .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "mov %spl,(%rdi)", M64, { 0x40, 0x88, 0x27 },
	  { .len = 3, .op = STORE, .size = 1, .reg = 4, .reg_size = 1,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "mov (%rdi),%bh", M64, { 0x8a, 0x3f },
	  { .len = 2, .op = LOAD, .size = 1, .reg = 7, .reg_size = 1,
	    .high8 = true, .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "mov (%rdi),%r12b", M64, { 0x44, 0x8a, 0x27 },
	  { .len = 3, .op = LOAD, .size = 1, .reg = 12, .reg_size = 1,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "REX before 66 is ignored: %ah", M64, { 0x40, 0x66, 0x88, 0x27 },
	  { .len = 4, .op = STORE, .size = 1, .reg = 4, .reg_size = 1,
	    .high8 = true, .addr_size = 8, .seg = VTX_SEG_DS } },
	{ "REX.W before 66 is ignored", M64, { 0x48, 0x66, 0x8b, 0x07 },
	  { .len = 4, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "REX.W wins over 66", M64, { 0x66, 0x48, 0x8b, 0x07 },
	  { .len = 4, .op = LOAD, .size = 8, .reg_size = 8, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "mov (%rdi),%r8d", M64, { 0x44, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 4, .reg = 8, .reg_size = 4,
	    .addr_size = 8, .seg = VTX_SEG_DS } },
	/* ModRM lengths, and rBP and rSP bases defaulting to SS. */
	{ "mov (%rsp),%r15", M64, { 0x4c, 0x8b, 0x3c, 0x24 },
	  { .len = 4, .op = LOAD, .size = 8, .reg = 15, .reg_size = 8,
	    .addr_size = 8, .seg = VTX_SEG_SS } },
	{ "mov (%r12),%eax", M64, { 0x41, 0x8b, 0x04, 0x24 },
	  { .len = 4, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "mov 8(%rbp),%eax", M64, { 0x8b, 0x45, 0x08 },
	  { .len = 3, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_SS } },
	{ "mov 8(%r13),%eax", M64, { 0x41, 0x8b, 0x45, 0x08 },
	  { .len = 4, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "mov disp32(%rip),%eax", M64,
	  { 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 6, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "REX.B on RIP-relative", M64,
	  { 0x41, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 7, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "SIB without base", M64,
	  { 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 7, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "SIB without base, REX.B", M64,
	  { 0x41, 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 8, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "SIB disp8", M64, { 0x8b, 0x44, 0x88, 0x08 },
	  { .len = 4, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "SIB disp32", M64, { 0x8b, 0x84, 0x88, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 7, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "mov (%edi),%eax", M64, { 0x67, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_DS } },
	/* moffs: as wide as the address. */
	{ "movabs moffs64,%rax", M64,
	  { 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 },
	  { .len = 10, .op = LOAD, .size = 8, .reg_size = 8, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "movabs %al,moffs64", M64, { 0xa2, 1, 2, 3, 4, 5, 6, 7, 8 },
	  { .len = 9, .op = STORE, .size = 1, .reg_size = 1, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "mov moffs32,%eax (67)", M64, { 0x67, 0xa1, 1, 2, 3, 4 },
	  { .len = 6, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_DS } },
	/* Segment overrides. */
	{ "mov %gs:disp32,%rax", M64,
	  { 0x65, 0x48, 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 9, .op = LOAD, .size = 8, .reg_size = 8, .addr_size = 8,
	    .seg = VTX_SEG_GS } },
	{ "CS override is null in 64-bit mode", M64, { 0x2e, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_DS } },
	{ "null override keeps FS in 64-bit mode", M64,
	  { 0x64, 0x2e, 0x8b, 0x07 },
	  { .len = 4, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 8,
	    .seg = VTX_SEG_FS } },
	{ "ES override", M32, { 0x26, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_ES } },
	{ "last override wins", M32, { 0x3e, 0x36, 0x8b, 0x07 },
	  { .len = 4, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_SS } },
	{ "override wins over SS", M32, { 0x3e, 0x8b, 0x45, 0x08 },
	  { .len = 4, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_DS } },
	/* 32-bit code. */
	{ "32: mov (%edi),%eax", M32, { 0x8b, 0x07 },
	  { .len = 2, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_DS } },
	{ "32: mov (%edi),%ax", M32, { 0x66, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 4,
	    .seg = VTX_SEG_DS } },
	{ "32: mov disp32,%eax", M32, { 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12 },
	  { .len = 6, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_DS } },
	{ "32: 67 gives 16-bit addressing", M32, { 0x67, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "32: mov moffs32,%eax", M32, { 0xa1, 1, 2, 3, 4 },
	  { .len = 5, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 4,
	    .seg = VTX_SEG_DS } },
	{ "32: mov %ax,moffs16", M32, { 0x66, 0x67, 0xa3, 1, 2 },
	  { .len = 5, .op = STORE, .size = 2, .reg_size = 2, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "32: rep movsw", M32, { 0xf3, 0x66, 0xa5 },
	  { .len = 3, .op = MOVS, .size = 2, .reg_size = 2, .rep = true,
	    .addr_size = 4, .seg = VTX_SEG_DS } },
	/* 16-bit code. */
	{ "16: mov (%bx),%ax", M16, { 0x8b, 0x07 },
	  { .len = 2, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "16: mov (%bx),%eax", M16, { 0x66, 0x8b, 0x07 },
	  { .len = 3, .op = LOAD, .size = 4, .reg_size = 4, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "16: mov disp16,%ax", M16, { 0x8b, 0x06, 0x34, 0x12 },
	  { .len = 4, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "16: mov 2(%bp),%ax", M16, { 0x8b, 0x46, 0x02 },
	  { .len = 3, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 2,
	    .seg = VTX_SEG_SS } },
	{ "16: mov (%bp,%si),%ax", M16, { 0x8b, 0x02 },
	  { .len = 2, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 2,
	    .seg = VTX_SEG_SS } },
	{ "16: mov disp16(%bx),%ax", M16, { 0x8b, 0x87, 0x34, 0x12 },
	  { .len = 4, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "16: 67 gives SIB", M16, { 0x67, 0x8b, 0x04, 0x24 },
	  { .len = 4, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 4,
	    .seg = VTX_SEG_SS } },
	{ "16: movw $imm,disp16", M16, { 0xc7, 0x06, 0x34, 0x12, 0x78, 0x56 },
	  { .len = 6, .op = STORE, .size = 2, .reg_size = 2,
	    .has_imm = true, .imm = 0x5678, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "16: mov moffs16,%ax", M16, { 0xa1, 0x34, 0x12 },
	  { .len = 3, .op = LOAD, .size = 2, .reg_size = 2, .addr_size = 2,
	    .seg = VTX_SEG_DS } },
	{ "16: mov disp16,%ah", M16, { 0x8a, 0x26, 0x34, 0x12 },
	  { .len = 4, .op = LOAD, .size = 1, .reg = 4, .reg_size = 1,
	    .high8 = true, .addr_size = 2, .seg = VTX_SEG_DS } },
	{ "16: rep stosw", M16, { 0xf3, 0xab },
	  { .len = 2, .op = STOS, .size = 2, .reg_size = 2, .rep = true,
	    .addr_size = 2, .seg = VTX_SEG_ES } },
};

static void vtx_insn_ok_desc(const struct vtx_insn_ok *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vtx_insn_ok, vtx_insn_ok_cases, vtx_insn_ok_desc);

static void vtx_insn_expect(struct kunit *test, const struct vtx_insn *got,
			    const struct vtx_insn *want)
{
	KUNIT_EXPECT_EQ(test, got->len, want->len);
	KUNIT_EXPECT_EQ(test, got->op, want->op);
	KUNIT_EXPECT_EQ(test, got->size, want->size);
	KUNIT_EXPECT_EQ(test, got->reg, want->reg);
	KUNIT_EXPECT_EQ(test, got->reg_size, want->reg_size);
	KUNIT_EXPECT_EQ(test, got->high8, want->high8);
	KUNIT_EXPECT_EQ(test, got->sign_extend, want->sign_extend);
	KUNIT_EXPECT_EQ(test, got->has_imm, want->has_imm);
	KUNIT_EXPECT_EQ(test, got->imm, want->imm);
	KUNIT_EXPECT_EQ(test, got->rep, want->rep);
	KUNIT_EXPECT_EQ(test, got->addr_size, want->addr_size);
	KUNIT_EXPECT_EQ(test, got->seg, want->seg);
}

/*
 * Each instruction decodes from exactly its bytes and from a longer
 * buffer, and one byte less asks for more.
 */
static void vtx_insn_decode_accepts(struct kunit *test)
{
	const struct vtx_insn_ok *t = test->param_value;
	struct vtx_insn got;

	KUNIT_ASSERT_EQ(test, vtx_insn_decode(t->bytes, t->want.len, t->mode,
					      &got), 0);
	vtx_insn_expect(test, &got, &t->want);
	KUNIT_ASSERT_EQ(test, vtx_insn_decode(t->bytes, sizeof(t->bytes),
					      t->mode, &got), 0);
	vtx_insn_expect(test, &got, &t->want);
	KUNIT_EXPECT_EQ(test, vtx_insn_decode(t->bytes, t->want.len - 1,
					      t->mode, &got), -ENODATA);
}

struct vtx_insn_bad {
	const char *name;
	enum vtx_insn_mode mode;
	u8 bytes[VTX_INSN_MAX_LEN + 1];
	unsigned int n;
	int err;
};

static const struct vtx_insn_bad vtx_insn_bad_cases[] = {
	{ "lock mov", M64, { 0xf0, 0x89, 0x37 }, 3, -EINVAL },
	{ "lock after 66", M64, { 0x66, 0xf0, 0x89, 0x37 }, 4, -EINVAL },
	{ "mov %eax,%eax", M64, { 0x89, 0xc0 }, 2, -EINVAL },
	{ "mov %eax,%eax (8B)", M64, { 0x8b, 0xc0 }, 2, -EINVAL },
	{ "mov $1,%eax (C7)", M64, { 0xc7, 0xc0, 1, 0, 0, 0 }, 6, -EINVAL },
	{ "movzbl %al,%eax", M64, { 0x0f, 0xb6, 0xc0 }, 3, -EINVAL },
	{ "add %eax,(%rdi)", M64, { 0x01, 0x07 }, 2, -EINVAL },
	{ "add (%rdi),%eax", M64, { 0x03, 0x07 }, 2, -EINVAL },
	{ "movups (%rdi),%xmm0", M64, { 0x0f, 0x10, 0x07 }, 3, -EINVAL },
	{ "ud2", M64, { 0x0f, 0x0b }, 2, -EINVAL },
	{ "movslq (%rdi),%rax", M64, { 0x48, 0x63, 0x07 }, 3, -EINVAL },
	{ "mov %es,(%rdi)", M64, { 0x8c, 0x07 }, 2, -EINVAL },
	{ "lodsb", M64, { 0xac }, 1, -EINVAL },
	{ "C6 /1", M64, { 0xc6, 0x08, 0x00 }, 3, -EINVAL },
	{ "C7 /7", M64, { 0xc7, 0x38, 0, 0, 0, 0 }, 6, -EINVAL },
	{ "C6 /1 refused before its disp32", M64, { 0xc6, 0x88 }, 2,
	  -EINVAL },
	{ "rep mov", M64, { 0xf3, 0x8b, 0x07 }, 3, -EINVAL },
	{ "repne mov", M64, { 0xf2, 0x89, 0x37 }, 3, -EINVAL },
	{ "rep movzx", M64, { 0xf3, 0x0f, 0xb6, 0x07 }, 4, -EINVAL },
	{ "rep movl $imm", M64, { 0xf3, 0xc7, 0x00, 0, 0, 0, 0 }, 7,
	  -EINVAL },
	{ "32: REX is dec %eax", M32, { 0x48, 0x8b, 0x07 }, 3, -EINVAL },
	{ "16: REX is inc %ax", M16, { 0x40, 0x88, 0x37 }, 3, -EINVAL },
	{ "bad mode", 3, { 0x8b, 0x07 }, 2, -EINVAL },
	{ "empty", M64, {}, 0, -ENODATA },
	{ "REX alone", M64, { 0x48 }, 1, -ENODATA },
	{ "0F alone", M64, { 0x0f }, 1, -ENODATA },
	{ "SIB missing", M32, { 0x8b, 0x04 }, 2, -ENODATA },
};

static void vtx_insn_bad_desc(const struct vtx_insn_bad *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vtx_insn_bad, vtx_insn_bad_cases, vtx_insn_bad_desc);

static void vtx_insn_decode_rejects(struct kunit *test)
{
	const struct vtx_insn_bad *t = test->param_value;
	struct vtx_insn got;

	KUNIT_EXPECT_EQ(test, vtx_insn_decode(t->bytes, t->n, t->mode, &got),
			t->err);
}

/* movq $0x12345678,%fs:0x11223344(%rax,%rcx,4): 13 bytes. */
static const u8 vtx_insn_long[] = {
	0x64, 0x48, 0xc7, 0x84, 0x88, 0x44, 0x33, 0x22, 0x11,
	0x78, 0x56, 0x34, 0x12,
};

static void vtx_insn_decode_truncated_at_every_length(struct kunit *test)
{
	struct vtx_insn got;
	unsigned int n;

	for (n = 0; n < sizeof(vtx_insn_long); n++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vtx_insn_decode(vtx_insn_long, n, M64,
						    &got),
				    -ENODATA, "n %u", n);
	KUNIT_ASSERT_EQ(test, vtx_insn_decode(vtx_insn_long,
					      sizeof(vtx_insn_long), M64,
					      &got), 0);
	KUNIT_EXPECT_EQ(test, got.len, 13);
	KUNIT_EXPECT_EQ(test, got.op, STORE);
	KUNIT_EXPECT_EQ(test, got.size, 8);
	KUNIT_EXPECT_EQ(test, got.imm, 0x12345678ULL);
	KUNIT_EXPECT_EQ(test, got.seg, VTX_SEG_FS);
}

/* Fill @buf with @prefixes copies of 66, then mov (%rdi),%ax. */
static unsigned int vtx_insn_prefixed(u8 *buf, unsigned int prefixes)
{
	memset(buf, 0x66, prefixes);
	buf[prefixes] = 0x8b;
	buf[prefixes + 1] = 0x07;
	return prefixes + 2;
}

static void vtx_insn_decode_15_bytes_at_most(struct kunit *test)
{
	struct vtx_insn got;
	u8 buf[32];
	unsigned int n;

	n = vtx_insn_prefixed(buf, 13);
	KUNIT_ASSERT_EQ(test, vtx_insn_decode(buf, n, M64, &got), 0);
	KUNIT_EXPECT_EQ(test, got.len, 15);
	KUNIT_EXPECT_EQ(test, got.size, 2);
	n = vtx_insn_prefixed(buf, 14);
	KUNIT_EXPECT_EQ(test, vtx_insn_decode(buf, n, M64, &got), -EINVAL);
	/* A 16-byte prefix run: no amount of bytes makes it valid. */
	n = vtx_insn_prefixed(buf, 16);
	KUNIT_EXPECT_EQ(test, vtx_insn_decode(buf, n, M64, &got), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_insn_decode(buf, 15, M64, &got), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_insn_decode(buf, 14, M64, &got), -ENODATA);
}

static void vtx_insn_decode_too_long_immediate(struct kunit *test)
{
	struct vtx_insn got;
	u8 buf[32];

	/* Six prefixes before the 13-byte instruction: 19 bytes. */
	memset(buf, 0, sizeof(buf));
	memset(buf, 0x26, 6);
	memcpy(buf + 6, vtx_insn_long, sizeof(vtx_insn_long));
	KUNIT_EXPECT_EQ(test, vtx_insn_decode(buf, sizeof(buf), M64, &got),
			-EINVAL);
	/* Its immediate is past byte 15 whatever the buffer holds. */
	KUNIT_EXPECT_EQ(test, vtx_insn_decode(buf, 15, M64, &got), -EINVAL);
}

/* Decode @bytes, which the test expects to succeed. */
static struct vtx_insn vtx_insn_of(struct kunit *test, const u8 *bytes,
				   unsigned int n)
{
	struct vtx_insn insn;

	KUNIT_EXPECT_EQ(test, vtx_insn_decode(bytes, n, M64, &insn), 0);
	return insn;
}

#define OLD	0x1122334455667788ULL

static void vtx_insn_load_result_movsx_32_zero_extends(struct kunit *test)
{
	static const u8 movsbl[] = { 0x0f, 0xbe, 0x07 };
	struct vtx_insn insn = vtx_insn_of(test, movsbl, sizeof(movsbl));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x80),
			0x00000000ffffff80ULL);
	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x7f),
			0x7fULL);
}

static void vtx_insn_load_result_movsx_64(struct kunit *test)
{
	static const u8 movswq[] = { 0x48, 0x0f, 0xbf, 0x07 };
	struct vtx_insn insn = vtx_insn_of(test, movswq, sizeof(movswq));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x8000),
			0xffffffffffff8000ULL);
}

static void vtx_insn_load_result_movsx_16_merges(struct kunit *test)
{
	static const u8 movsbw[] = { 0x66, 0x0f, 0xbe, 0x07 };
	struct vtx_insn insn = vtx_insn_of(test, movsbw, sizeof(movsbw));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x80),
			0x112233445566ff80ULL);
}

static void vtx_insn_load_result_movzx(struct kunit *test)
{
	static const u8 movzbl[] = { 0x0f, 0xb6, 0x07 };
	static const u8 movzwq[] = { 0x48, 0x0f, 0xb7, 0x07 };
	struct vtx_insn insn = vtx_insn_of(test, movzbl, sizeof(movzbl));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x80), 0x80ULL);
	insn = vtx_insn_of(test, movzwq, sizeof(movzwq));
	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x8000),
			0x8000ULL);
}

static void vtx_insn_load_result_16_keeps_upper(struct kunit *test)
{
	static const u8 readw[] = { 0x66, 0x8b, 0x07 };
	struct vtx_insn insn = vtx_insn_of(test, readw, sizeof(readw));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0xabcd),
			0x112233445566abcdULL);
}

static void vtx_insn_load_result_8_keeps_upper(struct kunit *test)
{
	static const u8 readb[] = { 0x8a, 0x07 };
	struct vtx_insn insn = vtx_insn_of(test, readb, sizeof(readb));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x99),
			0x1122334455667799ULL);
	/* Bytes beyond the access size are not the register's. */
	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0xff99),
			0x1122334455667799ULL);
}

static void vtx_insn_load_result_high8(struct kunit *test)
{
	static const u8 load_ah[] = { 0x8a, 0x27 };
	struct vtx_insn insn = vtx_insn_of(test, load_ah, sizeof(load_ah));

	KUNIT_EXPECT_EQ(test, insn.reg, 4);
	KUNIT_EXPECT_TRUE(test, insn.high8);
	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, 0x99),
			0x1122334455669988ULL);
}

static void vtx_insn_load_result_32_clears_upper(struct kunit *test)
{
	static const u8 readl[] = { 0x8b, 0x07 };
	static const u8 moffs[] = { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vtx_insn insn = vtx_insn_of(test, readl, sizeof(readl));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, ~0ULL, 0x12345678),
			0x12345678ULL);
	insn = vtx_insn_of(test, moffs, sizeof(moffs));
	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, ~0ULL, 0x80000000),
			0x80000000ULL);
}

static void vtx_insn_load_result_64(struct kunit *test)
{
	static const u8 readq[] = { 0x48, 0x8b, 0x07 };
	struct vtx_insn insn = vtx_insn_of(test, readq, sizeof(readq));

	KUNIT_EXPECT_EQ(test, vtx_insn_load_result(&insn, OLD, ~1ULL), ~1ULL);
}

static void vtx_insn_store_value_high8(struct kunit *test)
{
	static const u8 store_ah[] = { 0x88, 0x27 };
	static const u8 store_spl[] = { 0x40, 0x88, 0x27 };
	struct vtx_insn insn = vtx_insn_of(test, store_ah, sizeof(store_ah));

	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, 0x1234), 0x12ULL);
	insn = vtx_insn_of(test, store_spl, sizeof(store_spl));
	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, 0x1234), 0x34ULL);
}

static void vtx_insn_store_value_truncates(struct kunit *test)
{
	static const u8 writew[] = { 0x66, 0x89, 0x37 };
	static const u8 writel[] = { 0x89, 0x37 };
	static const u8 writeq[] = { 0x48, 0x89, 0x37 };
	static const u8 stosl[] = { 0xf3, 0xab };
	struct vtx_insn insn = vtx_insn_of(test, writew, sizeof(writew));

	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, OLD), 0x7788ULL);
	insn = vtx_insn_of(test, writel, sizeof(writel));
	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, OLD), 0x55667788ULL);
	insn = vtx_insn_of(test, writeq, sizeof(writeq));
	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, OLD), OLD);
	insn = vtx_insn_of(test, stosl, sizeof(stosl));
	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, OLD), 0x55667788ULL);
}

static void vtx_insn_store_value_immediate(struct kunit *test)
{
	static const u8 movl[] = { 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12 };
	static const u8 movq[] = { 0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80 };
	static const u8 movb[] = { 0xc6, 0x00, 0x80 };
	struct vtx_insn insn = vtx_insn_of(test, movl, sizeof(movl));

	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, OLD), 0x12345678ULL);
	insn = vtx_insn_of(test, movq, sizeof(movq));
	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, OLD),
			0xffffffff80000000ULL);
	insn = vtx_insn_of(test, movb, sizeof(movb));
	KUNIT_EXPECT_EQ(test, vtx_insn_store_value(&insn, OLD), 0x80ULL);
}

static struct kunit_case vtx_mmio_insn_cases[] = {
	KUNIT_CASE_PARAM(vtx_insn_decode_accepts, vtx_insn_ok_gen_params),
	KUNIT_CASE_PARAM(vtx_insn_decode_rejects, vtx_insn_bad_gen_params),
	KUNIT_CASE(vtx_insn_decode_truncated_at_every_length),
	KUNIT_CASE(vtx_insn_decode_15_bytes_at_most),
	KUNIT_CASE(vtx_insn_decode_too_long_immediate),
	KUNIT_CASE(vtx_insn_load_result_movsx_32_zero_extends),
	KUNIT_CASE(vtx_insn_load_result_movsx_64),
	KUNIT_CASE(vtx_insn_load_result_movsx_16_merges),
	KUNIT_CASE(vtx_insn_load_result_movzx),
	KUNIT_CASE(vtx_insn_load_result_16_keeps_upper),
	KUNIT_CASE(vtx_insn_load_result_8_keeps_upper),
	KUNIT_CASE(vtx_insn_load_result_high8),
	KUNIT_CASE(vtx_insn_load_result_32_clears_upper),
	KUNIT_CASE(vtx_insn_load_result_64),
	KUNIT_CASE(vtx_insn_store_value_high8),
	KUNIT_CASE(vtx_insn_store_value_truncates),
	KUNIT_CASE(vtx_insn_store_value_immediate),
	{}
};

static struct kunit_suite vtx_mmio_insn_suite = {
	.name = "vtx_mmio_insn",
	.test_cases = vtx_mmio_insn_cases,
};

kunit_test_suite(vtx_mmio_insn_suite);
