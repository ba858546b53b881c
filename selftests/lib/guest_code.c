// SPDX-License-Identifier: GPL-2.0
/*
 * Guest code shared by several tests. Each blob lies between NAME_start
 * and NAME_end in .rodata and is copied byte for byte into guest memory,
 * so it must be position independent: relative jumps only, no absolute
 * addresses. All are 64-bit code for vtx_vcpu_setup_long_mode().
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

/*
 * vtx_guest_msr_prog64: run the program of struct vtx_prog_op at RSI
 * (vtx_prog.c), R12 = the index of the current op:
 *	VTX_PROG_WRMSR	WRMSR value to msr
 *	VTX_PROG_RDMSR	RDMSR msr; report EDX:EAX as two OUTs to 0x44 (low
 *			half first), unless the RDMSR faulted
 *	VTX_PROG_TICKS	OUT 0, 1, ... value - 1 to 0x45, each after a
 *			2000-PAUSE spin, so that the guest runs long enough
 *			between exits for host NMIs to land in it
 *	VTX_PROG_END	OUT 0x600d to 0x47, then run the program at RSI
 *			from the start: the host writes the next one meanwhile
 * vtx_guest_msr_prog64_gp, for IDT gate 13: OUT the error code to 0x41
 * and R12 to 0x42, set R13 (the op faulted), step over the 2-byte RDMSR
 * or WRMSR and return. It clobbers RAX only.
 */
__asm__(".pushsection .rodata, \"a\"\n"
	".globl vtx_guest_msr_prog64_start\n"
	".globl vtx_guest_msr_prog64_gp\n"
	".globl vtx_guest_msr_prog64_end\n"
	".code64\n"
	"vtx_guest_msr_prog64_start:\n"
	"0:	mov %rsi, %rbp\n"
	"	xor %r12d, %r12d\n"
	"1:	xor %r13d, %r13d\n"
	"	mov (%rbp), %eax\n"
	"	mov 4(%rbp), %ecx\n"
	"	cmp $1, %eax\n"
	"	je 2f\n"
	"	cmp $2, %eax\n"
	"	je 3f\n"
	"	cmp $3, %eax\n"
	"	je 4f\n"
	"	mov $0x600d, %eax\n"
	"	out %eax, $0x47\n"
	"	jmp 0b\n"
	"2:	mov 8(%rbp), %eax\n"
	"	mov 12(%rbp), %edx\n"
	"	wrmsr\n"
	"	jmp 7f\n"
	"3:	rdmsr\n"
	"	test %r13d, %r13d\n"
	"	jnz 7f\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	jmp 7f\n"
	"4:	xor %ebx, %ebx\n"
	"	mov 8(%rbp), %edi\n"
	"5:	cmp %edi, %ebx\n"
	"	jae 7f\n"
	"	mov $2000, %ecx\n"
	"6:	pause\n"
	"	dec %ecx\n"
	"	jnz 6b\n"
	"	mov %ebx, %eax\n"
	"	out %eax, $0x45\n"
	"	inc %ebx\n"
	"	jmp 5b\n"
	"7:	add $16, %rbp\n"
	"	inc %r12d\n"
	"	jmp 1b\n"
	"vtx_guest_msr_prog64_gp:\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x41\n"
	"	mov %r12d, %eax\n"
	"	out %eax, $0x42\n"
	"	mov $1, %r13d\n"
	"	add $8, %rsp\n"
	"	addq $2, (%rsp)\n"
	"	iretq\n"
	"vtx_guest_msr_prog64_end:\n"
	".popsection\n");
