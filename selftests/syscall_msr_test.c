// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's SYSCALL MSRs, switched by the VMCS and by the MSR lists
 * (the two variants of the fixture in efer_env.h).
 *
 * With EFER.SCE clear SYSCALL is #UD; with SCE set SYSCALL goes where the
 * guest's STAR and LSTAR say and masks RFLAGS with the guest's SFMASK,
 * which proves that the lists load them; SWAPGS exchanges GS.base with
 * the guest's KERNEL_GS_BASE from the lists. The host's EFER, STAR,
 * LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE are what they were after
 * 10,000 exits with different guest values. EFER itself is in
 * efer_test.c.
 */
#include "efer_env.h"

#define FLAGS_CF	0x1ULL
#define FLAGS_DF	0x400ULL

#define NR_EXITS	10000

/*
 * guest_sce_off: point LSTAR at guest_sce_off_wrong, clear EFER.SCE and
 * execute SYSCALL, which must raise #UD. A SYSCALL that works lands on
 * guest_sce_off_wrong, which reports WRONG_MARK.
 */
VTX_GUEST_CODE(guest_sce_off);
VTX_GUEST_LABEL(guest_sce_off_syscall);
VTX_GUEST_LABEL(guest_sce_off_wrong);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sce_off_start:\n"
	".code64\n"
	"	mov $0xc0000082, %ecx\n"
	"	lea guest_sce_off_wrong(%rip), %rax\n"
	"	mov %rax, %rdx\n"
	"	shr $32, %rdx\n"
	"	wrmsr\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	and $0xfffffffe, %eax\n"
	"	wrmsr\n"
	"guest_sce_off_syscall:\n"
	"	syscall\n"
	"guest_sce_off_wrong:\n"
	"	mov $0xbad, %eax\n"
	"	out %eax, $0x48\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_sce_off_end:\n"
	".popsection\n");

/*
 * guest_sce_on: STAR = 0x00000008_00000000 (SYSCALL CS 0x08, so SS
 * 0x10), LSTAR = guest_sce_on_target, SFMASK = 0, EFER.SCE = 1, then
 * CF and DF set (Linux's SFMASK would clear both) and SYSCALL. The
 * target reports on PORT_VALUE RCX (the return address), its RFLAGS and
 * R11 (the RFLAGS before), then CS and SS on PORT_SEL, and halts.
 * Falling through past the SYSCALL reports WRONG_MARK.
 */
VTX_GUEST_CODE(guest_sce_on);
VTX_GUEST_LABEL(guest_sce_on_after);
VTX_GUEST_LABEL(guest_sce_on_target);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sce_on_start:\n"
	".code64\n"
	"	mov $0xc0000081, %ecx\n"
	"	xor %eax, %eax\n"
	"	mov $0x8, %edx\n"
	"	wrmsr\n"
	"	mov $0xc0000082, %ecx\n"
	"	lea guest_sce_on_target(%rip), %rax\n"
	"	mov %rax, %rdx\n"
	"	shr $32, %rdx\n"
	"	wrmsr\n"
	"	mov $0xc0000084, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $1, %eax\n"
	"	wrmsr\n"
	"	stc\n"
	"	std\n"
	"	syscall\n"
	"guest_sce_on_after:\n"
	"	mov $0xbad, %eax\n"
	"	out %eax, $0x48\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_sce_on_target:\n"
	"	pushfq\n"
	"	pop %rbx\n"
	"	cld\n"
	"	mov %rcx, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	mov %rbx, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	mov %r11, %rax\n"
	"	out %eax, $0x44\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x44\n"
	"	xor %eax, %eax\n"
	"	mov %cs, %ax\n"
	"	out %eax, $0x46\n"
	"	mov %ss, %ax\n"
	"	out %eax, $0x46\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_sce_on_end:\n"
	".popsection\n");

/*
 * guest_swapgs: WRMSR KERNEL_GS_BASE = SWAPGS_KGS and GS_BASE =
 * SWAPGS_GS, then SWAPGS, which exchanges the two inside the CPU without
 * an exit; then RDMSR GS_BASE and KERNEL_GS_BASE and report them on
 * PORT_VALUE; halt.
 */
#define SWAPGS_KGS	0xffff8000abcd0000ULL
#define SWAPGS_GS	0x12340000ULL

VTX_GUEST_CODE(guest_swapgs);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_swapgs_start:\n"
	".code64\n"
	"	mov $0xc0000102, %ecx\n"
	"	mov $0xabcd0000, %eax\n"
	"	mov $0xffff8000, %edx\n"
	"	wrmsr\n"
	"	mov $0xc0000101, %ecx\n"
	"	mov $0x12340000, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	swapgs\n"
	"	mov $0xc0000101, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	mov $0xc0000102, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_swapgs_end:\n"
	".popsection\n");

/*
 * guest_msrs: RSI points at a table of { u64 index; u64 value; } that
 * ends with index 0. WRMSR every entry; then OUT 0, 1, ... EDI - 1 to
 * PORT_TICK, one exit each; then RDMSR every entry again and report the
 * values on PORT_VALUE, in table order; then halt.
 */
VTX_GUEST_CODE(guest_msrs);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_msrs_start:\n"
	".code64\n"
	"	mov %rsi, %rbp\n"
	"1:	mov (%rbp), %ecx\n"
	"	test %ecx, %ecx\n"
	"	jz 2f\n"
	"	mov 8(%rbp), %eax\n"
	"	mov 12(%rbp), %edx\n"
	"	wrmsr\n"
	"	add $16, %rbp\n"
	"	jmp 1b\n"
	"2:	xor %ebx, %ebx\n"
	"	test %edi, %edi\n"
	"	jz 4f\n"
	"3:	mov %ebx, %eax\n"
	"	out %eax, $0x45\n"
	"	inc %ebx\n"
	"	cmp %edi, %ebx\n"
	"	jb 3b\n"
	"4:	mov %rsi, %rbp\n"
	"5:	mov (%rbp), %ecx\n"
	"	test %ecx, %ecx\n"
	"	jz 6f\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"	add $16, %rbp\n"
	"	jmp 5b\n"
	"6:	hlt\n"
	"	jmp 6b\n"
	"guest_msrs_end:\n"
	".popsection\n");

/* With EFER.SCE clear, SYSCALL is #UD and RIP stays on it. */
TEST_F_TIMEOUT(efer, syscall_without_sce_is_ud, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_sce_off_start,
		    guest_sce_off_end);

	vtx_vcpu_run(vcpu);
	ASSERT_EQ(0, __vtx_check_io_out(vcpu->run, PORT_VECTOR, 4, 6))
		TH_LOG("SYSCALL with EFER.SCE clear must be #UD; got %s",
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(CODE_GPA(guest_sce_off, guest_sce_off_syscall),
		  vtx_vcpu_run_out64(vcpu, PORT_RIP));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	EXPECT_EQ(EFER_LONG, vtx_vcpu_get_msr(vcpu, MSR_EFER));
}

/*
 * With EFER.SCE set, SYSCALL goes to the guest's LSTAR with the guest's
 * STAR selectors, RCX = the return address, and the guest's SFMASK of 0
 * (CF and DF survive): the CPU ran with the guest's values, which only
 * the MSR lists give it.
 */
TEST_F_TIMEOUT(efer, syscall_with_sce_uses_guest_star_lstar, 300)
{
	__u64 ret = CODE_GPA(guest_sce_on, guest_sce_on_after);
	struct vtx_vcpu *vcpu = &self->vcpu;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_sce_on_start,
		    guest_sce_on_end);

	/* RCX, low half: the SYSCALL reached the guest's LSTAR. */
	vtx_vcpu_run(vcpu);
	ASSERT_EQ(0, __vtx_check_io_out(vcpu->run, PORT_VALUE, 4,
					ret & 0xffffffff))
		TH_LOG("wanted the SYSCALL target's RCX 0x%llx, got %s", ret,
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(ret >> 32, vtx_vcpu_run_out(vcpu, PORT_VALUE, 4));
	EXPECT_EQ(FLAGS_CF | FLAGS_DF,
		  vtx_vcpu_run_out64(vcpu, PORT_VALUE) & (FLAGS_CF | FLAGS_DF))
		TH_LOG("RFLAGS at the target: SFMASK was not the guest's 0");
	EXPECT_EQ(FLAGS_CF | FLAGS_DF,
		  vtx_vcpu_run_out64(vcpu, PORT_VALUE) & (FLAGS_CF | FLAGS_DF))
		TH_LOG("R11");
	EXPECT_EQ((__u64)VTX_SEL_CODE64, vtx_vcpu_run_out(vcpu, PORT_SEL, 4));
	EXPECT_EQ((__u64)VTX_SEL_DATA, vtx_vcpu_run_out(vcpu, PORT_SEL, 4));
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);

	EXPECT_EQ(EFER_LONG | VTX_EFER_SCE, vtx_vcpu_get_msr(vcpu, MSR_EFER));
	EXPECT_EQ(0x0000000800000000ULL, vtx_vcpu_get_msr(vcpu, MSR_STAR));
	EXPECT_EQ(CODE_GPA(guest_sce_on, guest_sce_on_target),
		  vtx_vcpu_get_msr(vcpu, MSR_LSTAR));
	EXPECT_EQ(0ULL, vtx_vcpu_get_msr(vcpu, MSR_SFMASK));
}

/*
 * SWAPGS exchanges GS.base with the IA32_KERNEL_GS_BASE that VM entry
 * loaded from the guest's list, and VM exit stores the exchanged value
 * back: the guest's KERNEL_GS_BASE travels on the lists both ways.
 */
TEST_F_TIMEOUT(efer, swapgs_uses_guest_kernel_gs_base, 300)
{
	struct vtx_vcpu *vcpu = &self->vcpu;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_swapgs_start,
		    guest_swapgs_end);

	EXPECT_EQ(SWAPGS_KGS, vtx_vcpu_run_out64(vcpu, PORT_VALUE))
		TH_LOG("GS_BASE after SWAPGS");
	EXPECT_EQ(SWAPGS_GS, vtx_vcpu_run_out64(vcpu, PORT_VALUE))
		TH_LOG("KERNEL_GS_BASE after SWAPGS");
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	EXPECT_EQ(SWAPGS_KGS, vtx_vcpu_get_msr(vcpu, MSR_GS_BASE));
	EXPECT_EQ(SWAPGS_GS, vtx_vcpu_get_msr(vcpu, MSR_KERNEL_GS_BASE));
}

/* { index, value } as guest_msrs reads it; index 0 ends the table. */
struct msr_value {
	__u64 index;
	__u64 value;
};

/*
 * The guest's values differ from Linux's: EFER without SCE and NXE,
 * STAR with other selectors than Linux's 0x0023001000000000, addresses
 * far from the kernel's entry points, an SFMASK that is neither today's
 * 0x257fd5 nor the older 0x47700, and a KERNEL_GS_BASE that no user
 * thread has. The test checks that they differ on this host.
 */
static const struct msr_value guest_values[] = {
	{ MSR_EFER, EFER_LONG },
	{ MSR_STAR, 0x001b000812345678ULL },
	{ MSR_LSTAR, 0xffff800012340000ULL },
	{ MSR_CSTAR, 0xffff800056780000ULL },
	{ MSR_SFMASK, 0x00000701ULL },
	{ MSR_KERNEL_GS_BASE, 0xffff8000abcd0000ULL },
};

#define NR_VALUES	ARRAY_SIZE(guest_values)
#define MAX_CPUS	2

static void read_host_msrs(int cpu, __u64 *val)
{
	unsigned int i;

	/* KERNEL_GS_BASE is per thread: read it on the CPU we run on. */
	vtx_pin_to_cpu(cpu);
	for (i = 0; i < NR_VALUES; i++)
		val[i] = vtx_rdmsr(cpu, guest_values[i].index);
}

/*
 * The guest runs with its own EFER and SYSCALL MSRs for 10,000 exits to
 * user space on CPU 0; every one of those MSRs of the host, on CPU 0
 * and on CPU 1 if it is online, is unchanged afterwards, and the guest
 * still reads its own values back.
 */
TEST_F_TIMEOUT(efer, host_msrs_survive_10000_exits, 300)
{
	__u64 before[MAX_CPUS][NR_VALUES], after[MAX_CPUS][NR_VALUES];
	int cpus = vtx_online_cpus() > 1 ? 2 : 1;
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct msr_value *table;
	struct kvm_regs regs;
	unsigned int i;
	char buf[160];
	int cpu, n;
	__u64 t0;

	vtx_msr_driver_load();
	for (cpu = 0; cpu < cpus; cpu++)
		read_host_msrs(cpu, before[cpu]);
	ASSERT_EQ(EFER_HOST, before[0][0] & EFER_HOST)
		TH_LOG("host EFER 0x%llx", (unsigned long long)before[0][0]);
	/* Otherwise a leak of a guest value could not be seen. */
	for (i = 0; i < NR_VALUES; i++) {
		ASSERT_NE(guest_values[i].value, before[0][i])
			TH_LOG("MSR 0x%llx", guest_values[i].index);
	}

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_msrs_start,
		    guest_msrs_end);
	table = vtx_vm_hva(&self->vm, VTX_DATA_GPA);
	memcpy(table, guest_values, sizeof(guest_values));
	memset(&table[NR_VALUES], 0, sizeof(table[0]));
	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rsi = VTX_DATA_GPA;
	regs.rdi = NR_EXITS;
	vtx_vcpu_set_regs(vcpu, &regs);

	vtx_pin_to_cpu(0);
	t0 = vtx_now_ns();
	for (n = 0; n < NR_EXITS; n++) {
		vtx_vcpu_run(vcpu);
		if (__vtx_check_io_out(vcpu->run, PORT_TICK, 4, n))
			break;
	}
	ASSERT_EQ(NR_EXITS, n)
		TH_LOG("exit %d: %s", n,
		       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	TH_LOG("%s: %d OUT exits to user space in %llu ms", variant->params,
	       n, (unsigned long long)(vtx_now_ns() - t0) / 1000000);

	for (cpu = 0; cpu < cpus; cpu++) {
		read_host_msrs(cpu, after[cpu]);
		for (i = 0; i < NR_VALUES; i++) {
			EXPECT_EQ(before[cpu][i], after[cpu][i])
				TH_LOG("cpu%d MSR 0x%llx", cpu,
				       guest_values[i].index);
		}
	}

	vtx_pin_to_cpu(0);
	for (i = 0; i < NR_VALUES; i++) {
		EXPECT_EQ(guest_values[i].value,
			  vtx_vcpu_run_out64(vcpu, PORT_VALUE))
			TH_LOG("guest RDMSR 0x%llx", guest_values[i].index);
	}
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	for (i = 0; i < NR_VALUES; i++) {
		EXPECT_EQ(guest_values[i].value,
			  vtx_vcpu_get_msr(vcpu, guest_values[i].index))
			TH_LOG("KVM_GET_MSRS 0x%llx", guest_values[i].index);
	}
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
