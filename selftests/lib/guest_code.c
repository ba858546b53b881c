// SPDX-License-Identifier: GPL-2.0
/*
 * Guest code shared by several tests. Each blob lies between NAME_start
 * and NAME_end in .rodata and is copied byte for byte into guest memory,
 * so it must be position independent: relative jumps only, no absolute
 * addresses. Both are 64-bit code for vtx_vcpu_setup_long_mode().
 */
#include "vtx_test.h"

/*
 * vtx_guest_spin64: loop for ever, counting laps in RBX. RIP is always
 * on the inc or the jmp, so a test can check where the guest was stopped.
 *
 *	48 ff c3	1: inc %rbx
 *	eb fb		   jmp 1b
 */
__asm__(".pushsection .rodata, \"a\"\n"
	".globl vtx_guest_spin64_start\n"
	".globl vtx_guest_spin64_end\n"
	".code64\n"
	"vtx_guest_spin64_start:\n"
	"1:	inc %rbx\n"
	"	jmp 1b\n"
	"vtx_guest_spin64_end:\n"
	".popsection\n");

/*
 * vtx_guest_count64: OUT ebx + 0, ebx + 1, ... ebx + esi - 1 as 4-byte
 * writes to port dx, then hlt. The client sets RBX, RSI and RDX.
 */
__asm__(".pushsection .rodata, \"a\"\n"
	".globl vtx_guest_count64_start\n"
	".globl vtx_guest_count64_end\n"
	".code64\n"
	"vtx_guest_count64_start:\n"
	"	xor %ecx, %ecx\n"
	"	test %esi, %esi\n"
	"	jz 2f\n"
	"1:	lea (%rbx, %rcx), %eax\n"
	"	out %eax, %dx\n"
	"	inc %ecx\n"
	"	cmp %esi, %ecx\n"
	"	jb 1b\n"
	"2:	hlt\n"
	"	jmp 2b\n"
	"vtx_guest_count64_end:\n"
	".popsection\n");
