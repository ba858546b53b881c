// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: guest accesses to a GPA outside every slot become KVM_EXIT_MMIO,
 * and the VMM answers reads in run->mmio.data, in 64-bit and real mode.
 * String port I/O is kvm_string_io_test.c's.
 *
 * Each client runs on /dev/vtx and then on /dev/kvm (kvm_intel) through
 * vtx_transcript_both(): KVM's transcript must be the one hard-coded
 * here, and vtx's must equal it.
 *
 * One test is vtx-only (marked below): an instruction on MMIO that vtx's
 * decoder refuses, which KVM emulates.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_dual.h"
#include "vtx_test.h"

#define CLIENT_ALARM	120	/* seconds: a stuck guest kills the child */
#define MMIO_GPA	0xd0000000ULL
#define RM_SLOT_SIZE	0xd0000ULL	/* real-mode VM: 0xd0000 up is MMIO */
#define MAX_EXITS	4000

/*
 * guest_mmio64: loads, stores, zero/sign extension, AH, r8-r15,
 * SIB+displacement, stos and movs on MMIO at MMIO_GPA (RBP keeps it).
 * Every loaded value (and a few registers) goes out through the report
 * routine at 9: low half to port 0x60, high half to port 0x61.
 */
VTX_GUEST_CODE(guest_mmio64);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_mmio64_start:\n"
	".code64\n"
	"	mov $0xd0000000, %edi\n"
	"	mov %rdi, %rbp\n"
	/* readb/w/l/q: mov (%rdi) into al, ax, eax, rax */
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x00(%rdi), %al\n"
	"	call 9f\n"
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x08(%rdi), %ax\n"
	"	call 9f\n"
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x10(%rdi), %eax\n"
	"	call 9f\n"
	"	mov 0x18(%rdi), %rax\n"
	"	call 9f\n"
	/* writeb/w/l/q */
	"	movabs $0x8877665544332211, %rsi\n"
	"	mov %sil, 0x20(%rdi)\n"
	"	mov %si, 0x28(%rdi)\n"
	"	mov %esi, 0x30(%rdi)\n"
	"	mov %rsi, 0x38(%rdi)\n"
	/* stores of immediates */
	"	movl $0x12345678, 0x40(%rdi)\n"
	"	movb $0x5a, 0x48(%rdi)\n"
	"	movq $-2, 0x50(%rdi)\n"
	"	movw $0xa55a, 0x58(%rdi)\n"
	/* zero and sign extension */
	"	mov $-1, %rax\n"
	"	movzbl 0x60(%rdi), %eax\n"
	"	call 9f\n"
	"	mov $-1, %rax\n"
	"	movzwl 0x68(%rdi), %eax\n"
	"	call 9f\n"
	"	xor %eax, %eax\n"
	"	movsbq 0x70(%rdi), %rax\n"
	"	call 9f\n"
	"	xor %eax, %eax\n"
	"	movswl 0x78(%rdi), %eax\n"
	"	call 9f\n"
	/* AH */
	"	movabs $0x1111111111111111, %rax\n"
	"	mov 0x80(%rdi), %ah\n"
	"	call 9f\n"
	/* r8-r15 */
	"	mov 0x88(%rdi), %r8\n"
	"	mov %r8, %rax\n"
	"	call 9f\n"
	"	movabs $0x2222222222222222, %r11\n"
	"	mov 0x90(%rdi), %r11w\n"
	"	mov %r11, %rax\n"
	"	call 9f\n"
	"	movabs $0x3333333333333333, %r13\n"
	"	mov 0x98(%rdi), %r13d\n"
	"	mov %r13, %rax\n"
	"	call 9f\n"
	"	movabs $0x4444444444444444, %r12\n"
	"	mov 0xa0(%rdi), %r12b\n"
	"	mov %r12, %rax\n"
	"	call 9f\n"
	"	movabs $0x0123456789abcdef, %r9\n"
	"	mov %r9d, 0xa8(%rdi)\n"
	"	movabs $0xfedcba9876543210, %r15\n"
	"	mov %r15b, 0xb0(%rdi)\n"
	"	mov %r15, 0xb8(%rdi)\n"
	/* SIB with displacement */
	"	lea 0x100(%rdi), %rbx\n"
	"	mov $3, %ecx\n"
	"	mov 0x10(%rbx,%rcx,4), %edx\n"
	"	mov %rdx, %rax\n"
	"	call 9f\n"
	"	mov %edx, 0x20(%rbx,%rcx,8)\n"
	/* stos */
	"	cld\n"
	"	lea 0x200(%rbp), %rdi\n"
	"	mov $0xab, %al\n"
	"	stosb\n"
	"	mov $0xdeadbeef, %eax\n"
	"	stosl\n"
	"	mov %rdi, %rax\n"
	"	call 9f\n"
	/* movs: RAM (0x20000 holds 0x42) to MMIO, MMIO to RAM (0x20100) */
	"	mov $0x20000, %esi\n"
	"	lea 0x300(%rbp), %rdi\n"
	"	movsb\n"
	"	lea 0x310(%rbp), %rsi\n"
	"	mov $0x20100, %edi\n"
	"	movsb\n"
	"	mov %rsi, %rax\n"
	"	call 9f\n"
	"	mov %rdi, %rax\n"
	"	call 9f\n"
	"	movzbl 0x20100, %eax\n"
	"	call 9f\n"
	"	hlt\n"
	"9:	out %eax, $0x60\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x61\n"
	"	ret\n"
	"guest_mmio64_end:\n"
	".popsection\n");

/*
 * guest_mmio16: real mode, DS base 0xd0000, outside the VM's only slot
 * (0 to RM_SLOT_SIZE); loads are reported with OUTs to 0x62-0x64.
 */
VTX_GUEST_CODE(guest_mmio16);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_mmio16_start:\n"
	".code16\n"
	"	mov $0xd000, %ax\n"
	"	mov %ax, %ds\n"
	"	mov $0x10, %bx\n"
	"	mov $0x1111, %ax\n"
	"	mov (%bx), %ax\n"
	"	out %ax, $0x62\n"
	"	mov $0xbeef, %ax\n"
	"	mov %ax, 2(%bx)\n"
	"	movb $0x77, 4(%bx)\n"
	"	mov $0x20, %si\n"
	"	mov (%bx,%si), %al\n"
	"	out %al, $0x63\n"
	"	mov 0x40(%bx), %eax\n"
	"	out %eax, $0x64\n"
	"	movl $0x12345678, 0x48(%bx)\n"
	"	xor %ax, %ax\n"
	"	mov %ax, %ds\n"
	"	hlt\n"
	".code64\n"
	"guest_mmio16_end:\n"
	".popsection\n");

/*
 * guest_mmio_add (vtx only): a MOV store to MMIO, then ADD to memory on
 * MMIO, which vtx's decoder refuses (KVM emulates it).
 */
VTX_GUEST_CODE(guest_mmio_add);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_mmio_add_start:\n"
	".code64\n"
	"	mov $0xd0000000, %edi\n"
	"	mov $0x1234, %eax\n"
	"	mov %eax, (%rdi)\n"
	"	add %eax, (%rdi)\n"
	"	hlt\n"
	"guest_mmio_add_end:\n"
	".popsection\n");

/* ---- MMIO ---- */

struct mmio {
	int reads;
	__u32 low;		/* the last report's low half */
};

/* What the VMM answers to read @k: the low @len bytes of this. */
static __u64 mmio_answer(int k)
{
	return 0xf0e1d2c3b4a59687ULL + (__u64)k * 0x0101010101010101ULL;
}

static __u64 mmio_value(const __u8 *data, unsigned int len)
{
	__u64 v = 0;

	memcpy(&v, data, len > 8 ? 8 : len);
	return v;
}

/*
 * Run to HLT: one line per MMIO exit (reads answered with mmio_answer()),
 * per report (ports 0x60/0x61) and per other OUT.
 */
static int mmio_run(struct vtx_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct mmio m = {};
	__u64 v;
	int i, r;

	for (i = 0; i < MAX_EXITS; i++) {
		r = __vtx_vcpu_run(vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			printf("exit HLT\n");
			return 0;
		case KVM_EXIT_MMIO:
			if (run->mmio.len < 1 || run->mmio.len > 8) {
				printf("mmio 0x%llx len %u\n",
				       run->mmio.phys_addr, run->mmio.len);
				return 1;
			}
			if (run->mmio.is_write) {
				printf("mmio write 0x%llx len %u data 0x%llx\n",
				       run->mmio.phys_addr, run->mmio.len,
				       mmio_value(run->mmio.data,
						  run->mmio.len));
				break;
			}
			v = mmio_answer(m.reads++);
			memcpy(run->mmio.data, &v, sizeof(v));
			printf("mmio read  0x%llx len %u answer 0x%llx\n",
			       run->mmio.phys_addr, run->mmio.len,
			       mmio_value(run->mmio.data, run->mmio.len));
			break;
		case KVM_EXIT_IO:
			v = mmio_value(vtx_io_data(run), run->io.size);
			if (run->io.direction != KVM_EXIT_IO_OUT ||
			    run->io.count != 1) {
				printf("exit IO port 0x%x size %u count %u\n",
				       run->io.port, run->io.size,
				       run->io.count);
				return 1;
			}
			if (run->io.port == 0x60 && run->io.size == 4) {
				m.low = v;
			} else if (run->io.port == 0x61 && run->io.size == 4) {
				printf("guest has 0x%016llx\n",
				       v << 32 | m.low);
			} else {
				printf("out port 0x%x size %u data 0x%llx\n",
				       run->io.port, run->io.size, v);
				if (run->io.port == VTX_PORT_EXCEPTION)
					return 1;
			}
			break;
		default:
			vtx_transcript_print_exit(run);
			return 1;
		}
	}
	printf("no HLT after %d exits\n", i);
	return 1;
}

static int client_mmio64(const char *dev, void *arg)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create_default(&vm, dev);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_mmio64_start, guest_mmio64_end);
	*(__u8 *)vtx_vm_hva(&vm, 0x20000) = 0x42;
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);
	r = mmio_run(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

/*
 * Read k is answered with mmio_answer(k) = 0xf0e1d2c3b4a59687 + k *
 * 0x0101010101010101: byte loads merge into RAX (0x11.. preset), 32-bit
 * ones zero the upper half, MOVSX extends the answer's sign bit.
 */
static const char expected_mmio64[] =
	"mmio read  0xd0000000 len 1 answer 0x87\n"
	"guest has 0x1111111111111187\n"
	"mmio read  0xd0000008 len 2 answer 0x9788\n"
	"guest has 0x1111111111119788\n"
	"mmio read  0xd0000010 len 4 answer 0xb6a79889\n"
	"guest has 0x00000000b6a79889\n"
	"mmio read  0xd0000018 len 8 answer 0xf3e4d5c6b7a8998a\n"
	"guest has 0xf3e4d5c6b7a8998a\n"
	"mmio write 0xd0000020 len 1 data 0x11\n"
	"mmio write 0xd0000028 len 2 data 0x2211\n"
	"mmio write 0xd0000030 len 4 data 0x44332211\n"
	"mmio write 0xd0000038 len 8 data 0x8877665544332211\n"
	"mmio write 0xd0000040 len 4 data 0x12345678\n"
	"mmio write 0xd0000048 len 1 data 0x5a\n"
	"mmio write 0xd0000050 len 8 data 0xfffffffffffffffe\n"
	"mmio write 0xd0000058 len 2 data 0xa55a\n"
	"mmio read  0xd0000060 len 1 answer 0x8b\n"
	"guest has 0x000000000000008b\n"
	"mmio read  0xd0000068 len 2 answer 0x9b8c\n"
	"guest has 0x0000000000009b8c\n"
	"mmio read  0xd0000070 len 1 answer 0x8d\n"
	"guest has 0xffffffffffffff8d\n"
	"mmio read  0xd0000078 len 2 answer 0x9d8e\n"
	"guest has 0x00000000ffff9d8e\n"
	"mmio read  0xd0000080 len 1 answer 0x8f\n"
	"guest has 0x1111111111118f11\n"
	"mmio read  0xd0000088 len 8 answer 0xf9eadbccbdae9f90\n"
	"guest has 0xf9eadbccbdae9f90\n"
	"mmio read  0xd0000090 len 2 answer 0xa091\n"
	"guest has 0x222222222222a091\n"
	"mmio read  0xd0000098 len 4 answer 0xbfb0a192\n"
	"guest has 0x00000000bfb0a192\n"
	"mmio read  0xd00000a0 len 1 answer 0x93\n"
	"guest has 0x4444444444444493\n"
	"mmio write 0xd00000a8 len 4 data 0x89abcdef\n"
	"mmio write 0xd00000b0 len 1 data 0x10\n"
	"mmio write 0xd00000b8 len 8 data 0xfedcba9876543210\n"
	"mmio read  0xd000011c len 4 answer 0xc1b2a394\n"
	"guest has 0x00000000c1b2a394\n"
	"mmio write 0xd0000138 len 4 data 0xc1b2a394\n"
	"mmio write 0xd0000200 len 1 data 0xab\n"
	"mmio write 0xd0000201 len 4 data 0xdeadbeef\n"
	"guest has 0x00000000d0000205\n"
	"mmio write 0xd0000300 len 1 data 0x42\n"
	"mmio read  0xd0000310 len 1 answer 0x95\n"
	"guest has 0x00000000d0000311\n"
	"guest has 0x0000000000020101\n"
	"guest has 0x0000000000000095\n"
	"exit HLT\n";

static int client_mmio16(const char *dev, void *arg)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create(&vm, dev);
	vtx_vm_add_memory(&vm, 0, 0, RM_SLOT_SIZE);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_mmio16_start, guest_mmio16_end);
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	r = mmio_run(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

static const char expected_mmio16[] =
	"mmio read  0xd0010 len 2 answer 0x9687\n"
	"out port 0x62 size 2 data 0x9687\n"
	"mmio write 0xd0012 len 2 data 0xbeef\n"
	"mmio write 0xd0014 len 1 data 0x77\n"
	"mmio read  0xd0030 len 1 answer 0x88\n"
	"out port 0x63 size 1 data 0x88\n"
	"mmio read  0xd0050 len 4 answer 0xb6a79889\n"
	"out port 0x64 size 4 data 0xb6a79889\n"
	"mmio write 0xd0058 len 4 data 0x12345678\n"
	"exit HLT\n";

/* ---- the tests ---- */

FIXTURE(kvm_mmio) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(kvm_mmio)
{
	vtx_dual_setup(&self->kmsg);
}

FIXTURE_TEARDOWN(kvm_mmio)
{
	vtx_dual_teardown(_metadata, &self->kmsg);
}

TEST_F_TIMEOUT(kvm_mmio, mmio_64bit, 600)
{
	vtx_dual_check(_metadata, "mmio64", client_mmio64, NULL,
		       expected_mmio64);
}

TEST_F_TIMEOUT(kvm_mmio, mmio_real_mode, 600)
{
	vtx_dual_check(_metadata, "mmio16", client_mmio16, NULL,
		       expected_mmio16);
}

/*
 * vtx only, not compared with KVM (which emulates ADD): an instruction
 * vtx's MMIO decoder does not take is KVM_EXIT_INTERNAL_ERROR with
 * suberror KVM_INTERNAL_ERROR_EMULATION, after a MOV store it does take.
 */
TEST_F_TIMEOUT(kvm_mmio, vtx_only_add_to_mmio_is_emulation_error, 300)
{
	struct vtx_vcpu vcpu;
	struct kvm_run *run;
	struct vtx_vm vm;

	vtx_load();
	vtx_vm_create_default(&vm, VTX_DEV_PATH);
	vtx_vcpu_create(&vm, 0, &vcpu);
	run = vcpu.run;
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_mmio_add_start,
		    guest_mmio_add_end);
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);

	vtx_vcpu_run(&vcpu);
	vtx_assert_exit(run, KVM_EXIT_MMIO);
	EXPECT_EQ(MMIO_GPA, run->mmio.phys_addr);
	EXPECT_EQ(4U, run->mmio.len);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(0x1234ULL, mmio_value(run->mmio.data, 4));

	vtx_vcpu_run(&vcpu);
	EXPECT_EQ((__u32)KVM_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_EQ((__u32)KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);

	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
