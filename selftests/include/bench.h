/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h: the guest loops of the make bench client (bench.c), which is
 * built only against <linux/kvm.h> and <linux/vtx.h>.
 */
#ifndef VTX_BENCH_H
#define VTX_BENCH_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Real-mode guest loops, at CODE_GPA with CS base 0. Each reads its count
 * from PARAM_GPA + 8, keeps its TSC start at PARAM_GPA, runs the
 * operation that many times, then OUTs the TSC delta (low, high) and halts.
 * The operation may use EBX and ESI, which the loop leaves alone, and the
 * value at PARAM_GPA + 12; a 32-bit address such as (%ebx) reaches past
 * 1 MiB only in big real mode (DS limit 4 GiB, set by the client).
 */
#define GUEST_LOOP(name, op)						\
	asm(".pushsection .rodata\n"					\
	    ".code16\n"							\
	    #name "_start:\n"						\
	    "rdtsc\n"							\
	    "mov %eax, 0xf00\n"						\
	    "mov %edx, 0xf04\n"						\
	    "mov 0xf08, %edi\n"						\
	    "1:\n"							\
	    op "\n"							\
	    "dec %edi\n"						\
	    "jnz 1b\n"							\
	    "rdtsc\n"							\
	    "sub 0xf00, %eax\n"						\
	    "sbb 0xf04, %edx\n"						\
	    "out %eax, $0x11\n"						\
	    "mov %edx, %eax\n"						\
	    "out %eax, $0x12\n"						\
	    "hlt\n"							\
	    #name "_end:\n"						\
	    ".code64\n"							\
	    ".popsection\n");						\
	extern const unsigned char name##_start[], name##_end[]

#endif /* VTX_BENCH_H */
