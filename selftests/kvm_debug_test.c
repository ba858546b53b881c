// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_GUEST_DEBUG, defined by kvm_intel: each client below runs on
 * /dev/vtx and then on /dev/kvm (transcript.c); KVM's transcript must be
 * the expected text, and vtx's must be KVM's.
 *
 * - single-step (ENABLE | SINGLESTEP) over straight-line code with an
 *   OUT, a JMP, a loop of three laps and a CPUID: one KVM_EXIT_DEBUG per
 *   instruction, exception 1, pc the next instruction, DR6 with BS; the
 *   OUT's exit to user space comes first, then its step;
 * - a software breakpoint (USE_SW_BP): the VMM's 0xcc gives exception 3
 *   with pc on it; the VMM puts the byte back and the guest goes on; a
 *   breakpoint that is the guest's own is handed back with INJECT_BP;
 * - hardware breakpoints (USE_HW_BP): an execute breakpoint (fault, pc
 *   on it) and a 4-byte write watchpoint (trap, pc after the write), both
 *   with B0 in DR6 and the VMM's DR7 reported;
 * - with guest debug off, the guest's INT3 goes to its own IDT handler;
 * - unknown control flags: what KVM does (6.1 accepts them).
 *
 * The test starts and ends with vtx and KVM unloaded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_dual.h"
#include "vtx_test.h"

#define MAX_EXITS	64

/*
 * guest_dbg (64-bit, at VTX_CODE_GPA); every dbg_* label is a place the
 * transcript names.
 *
 * dbg_i0..dbg_i14	the single-step run: OUT 0x11 to port 0x30, three
 *			laps of inc/dec/jnz, CPUID, OUT 0x14 to port 0x31,
 *			HLT
 * dbg_sw		OUT 0x40, then at dbg_sw_bp a 5-byte MOV (the VMM
 *			puts its 0xcc on the first byte), OUT 0x41, HLT
 * dbg_hw		OUT 0x50, dbg_hw_bp: OUT 0x51, a 4-byte write to
 *			VTX_DATA_GPA, dbg_hw_w: OUT 0x52, HLT
 * dbg_own		OUT 0x60, INT3 (dbg_own_a), OUT 0x61, INT3
 *			(dbg_own_b), OUT 0x62, HLT
 * dbg_bp_handler	the guest's #BP handler: OUT 0x63 to port 0x34
 */
VTX_GUEST_CODE(guest_dbg);
VTX_GUEST_LABEL(dbg_i0);
VTX_GUEST_LABEL(dbg_i1);
VTX_GUEST_LABEL(dbg_i2);
VTX_GUEST_LABEL(dbg_i3);
VTX_GUEST_LABEL(dbg_i4);
VTX_GUEST_LABEL(dbg_i5);
VTX_GUEST_LABEL(dbg_i6);
VTX_GUEST_LABEL(dbg_i7);
VTX_GUEST_LABEL(dbg_i8);
VTX_GUEST_LABEL(dbg_i9);
VTX_GUEST_LABEL(dbg_i10);
VTX_GUEST_LABEL(dbg_i11);
VTX_GUEST_LABEL(dbg_i12);
VTX_GUEST_LABEL(dbg_i13);
VTX_GUEST_LABEL(dbg_i14);
VTX_GUEST_LABEL(dbg_sw);
VTX_GUEST_LABEL(dbg_sw_bp);
VTX_GUEST_LABEL(dbg_hw);
VTX_GUEST_LABEL(dbg_hw_bp);
VTX_GUEST_LABEL(dbg_hw_w);
VTX_GUEST_LABEL(dbg_own);
VTX_GUEST_LABEL(dbg_own_a);
VTX_GUEST_LABEL(dbg_own_b);
VTX_GUEST_LABEL(dbg_bp_handler);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_dbg_start:\n"
	".code64\n"
	"dbg_i0:	nop\n"
	"dbg_i1:	mov $3, %ecx\n"
	"dbg_i2:	mov $0x11, %eax\n"
	"dbg_i3:	out %eax, $0x30\n"
	"dbg_i4:	jmp dbg_i5\n"
	"	ud2\n"
	"dbg_i5:	inc %eax\n"
	"dbg_i6:	dec %ecx\n"
	"dbg_i7:	jnz dbg_i5\n"
	"dbg_i8:	mov %eax, %edi\n"
	"dbg_i9:	xor %eax, %eax\n"
	"dbg_i10:	cpuid\n"
	"dbg_i11:	mov %edi, %eax\n"
	"dbg_i12:	out %eax, $0x31\n"
	"dbg_i13:	hlt\n"
	"dbg_i14:	hlt\n"

	"dbg_sw:	mov $0x40, %eax\n"
	"	out %eax, $0x32\n"
	"dbg_sw_bp:	mov $0x41, %eax\n"
	"	out %eax, $0x32\n"
	"	hlt\n"

	"dbg_hw:	mov $0x50, %eax\n"
	"	out %eax, $0x33\n"
	"dbg_hw_bp:	mov $0x51, %eax\n"
	"	out %eax, $0x33\n"
	"	movl $0x1234, 0x20000\n"
	"dbg_hw_w:	mov $0x52, %eax\n"
	"	out %eax, $0x33\n"
	"	hlt\n"

	"dbg_own:	mov $0x60, %eax\n"
	"	out %eax, $0x34\n"
	"dbg_own_a:	int3\n"
	"	mov $0x61, %eax\n"
	"	out %eax, $0x34\n"
	"dbg_own_b:	int3\n"
	"	mov $0x62, %eax\n"
	"	out %eax, $0x34\n"
	"	hlt\n"

	"dbg_bp_handler:\n"
	"	push %rax\n"
	"	mov $0x63, %eax\n"
	"	out %eax, $0x34\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_dbg_end:\n"
	".popsection\n");

#define GPA(label)	VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_dbg, label)

static const struct {
	const char *name;
	const unsigned char *label;
} places[] = {
	{ "i0", dbg_i0 }, { "i1", dbg_i1 }, { "i2", dbg_i2 },
	{ "i3", dbg_i3 }, { "i4", dbg_i4 }, { "i5", dbg_i5 },
	{ "i6", dbg_i6 }, { "i7", dbg_i7 }, { "i8", dbg_i8 },
	{ "i9", dbg_i9 }, { "i10", dbg_i10 }, { "i11", dbg_i11 },
	{ "i12", dbg_i12 }, { "i13", dbg_i13 }, { "i14", dbg_i14 },
	{ "sw", dbg_sw }, { "sw_bp", dbg_sw_bp }, { "hw", dbg_hw },
	{ "hw_bp", dbg_hw_bp }, { "hw_w", dbg_hw_w }, { "own", dbg_own },
	{ "own_a", dbg_own_a }, { "own_b", dbg_own_b },
	{ "bp_handler", dbg_bp_handler },
};

/* A guest address as a label's name, else as an offset from the code. */
static const char *place(__u64 addr, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(places); i++)
		if (GPA(places[i].label) == addr)
			return places[i].name;
	snprintf(buf, len, "+0x%llx",
		 (unsigned long long)(addr - VTX_CODE_GPA));
	return buf;
}

/* A fresh VM on @dev: guest_dbg loaded, 64-bit mode at @label. */
static void start(const char *dev, struct vtx_vm *vm, struct vtx_vcpu *vcpu,
		  const unsigned char *label)
{
	vtx_vm_create_default(vm, dev);
	vtx_vcpu_create(vm, 0, vcpu);
	vtx_vm_load(vm, VTX_CODE_GPA, guest_dbg_start, guest_dbg_end);
	vtx_vcpu_setup_long_mode(vcpu, GPA(label));
	vtx_vm_set_idt_entry(vm, 3, GPA(dbg_bp_handler));
}

static int set_debug(struct vtx_vcpu *vcpu, __u32 control, __u64 dr0,
		     __u64 dr7)
{
	struct kvm_guest_debug dbg = { .control = control };
	int r;

	dbg.arch.debugreg[0] = dr0;
	dbg.arch.debugreg[7] = dr7;
	r = __vtx_ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &dbg);
	if (r)
		printf("KVM_SET_GUEST_DEBUG 0x%x: %d\n", control, r);
	return r;
}

/*
 * Run once and print the exit: "io PORT DATA", "debug ...", "hlt" or
 * anything else. The exit reason, or -1 when KVM_RUN failed.
 */
static int step(struct vtx_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char buf[32], desc[160];
	int r = __vtx_vcpu_run(vcpu);

	if (r) {
		printf("KVM_RUN: %d\n", r);
		return -1;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
		    run->io.count == 1) {
			printf("io 0x%x 0x%x\n", run->io.port,
			       *(__u32 *)vtx_io_data(run));
			break;
		}
		printf("%s\n", vtx_describe_exit(run, desc, sizeof(desc)));
		break;
	case KVM_EXIT_DEBUG:
		printf("debug exc=%u pc=%s", run->debug.arch.exception,
		       place(run->debug.arch.pc, buf, sizeof(buf)));
		/* dr6/dr7 are reported for #DB only */
		if (run->debug.arch.exception == 1)
			printf(" dr6=0x%llx",
			       (unsigned long long)run->debug.arch.dr6);
		printf("\n");
		break;
	case KVM_EXIT_HLT:
		printf("hlt\n");
		break;
	default:
		printf("%s\n", vtx_describe_exit(run, desc, sizeof(desc)));
		break;
	}
	return run->exit_reason;
}

/* Run until HLT (printing every exit); 0, or 1 on anything else. */
static int run_to_hlt(struct vtx_vcpu *vcpu)
{
	int i, r;

	for (i = 0; i < MAX_EXITS; i++) {
		r = step(vcpu);
		if (r == KVM_EXIT_HLT)
			return 0;
		if (r != KVM_EXIT_IO && r != KVM_EXIT_DEBUG)
			return 1;
	}
	printf("no HLT after %d exits\n", MAX_EXITS);
	return 1;
}

static void print_rip(struct vtx_vcpu *vcpu)
{
	struct kvm_regs regs;
	char buf[32];

	if (__vtx_vcpu_get_regs(vcpu, &regs)) {
		printf("KVM_GET_REGS failed\n");
		return;
	}
	printf("rip=%s tf=%d\n", place(regs.rip, buf, sizeof(buf)),
	       !!(regs.rflags & 0x100));
}

static int client_singlestep(const char *dev, void *arg)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	start(dev, &vm, &vcpu, dbg_i0);
	if (set_debug(&vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
		      0, 0))
		return 1;
	r = run_to_hlt(&vcpu);
	print_rip(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

static int client_sw_bp(const char *dev, void *arg)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	unsigned char *bp, saved;
	int r;

	start(dev, &vm, &vcpu, dbg_sw);
	bp = vtx_vm_hva(&vm, GPA(dbg_sw_bp));
	saved = *bp;
	*bp = 0xcc;
	if (set_debug(&vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP,
		      0, 0))
		return 1;
	if (step(&vcpu) != KVM_EXIT_IO || step(&vcpu) != KVM_EXIT_DEBUG)
		return 1;
	print_rip(&vcpu);
	*bp = saved;
	r = run_to_hlt(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	if (r)
		return r;

	/* The guest's own INT3 under USE_SW_BP, handed back with INJECT_BP. */
	printf("own:\n");
	start(dev, &vm, &vcpu, dbg_own);
	if (set_debug(&vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP,
		      0, 0))
		return 1;
	if (step(&vcpu) != KVM_EXIT_IO || step(&vcpu) != KVM_EXIT_DEBUG)
		return 1;
	if (set_debug(&vcpu, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP |
		      KVM_GUESTDBG_INJECT_BP, 0, 0))
		return 1;
	if (step(&vcpu) != KVM_EXIT_IO || step(&vcpu) != KVM_EXIT_IO ||
	    step(&vcpu) != KVM_EXIT_DEBUG)
		return 1;
	/* Guest debug off: the INT3 is the guest's business. */
	printf("off:\n");
	if (set_debug(&vcpu, 0, 0, 0))
		return 1;
	r = run_to_hlt(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

static int client_hw_bp(const char *dev, void *arg)
{
	const __u32 ctl = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	start(dev, &vm, &vcpu, dbg_hw);
	/* L0, execute, length 1 */
	if (set_debug(&vcpu, ctl, GPA(dbg_hw_bp), 0x401))
		return 1;
	if (step(&vcpu) != KVM_EXIT_IO || step(&vcpu) != KVM_EXIT_DEBUG)
		return 1;
	printf("dr7=0x%llx\n", (unsigned long long)vcpu.run->debug.arch.dr7);
	print_rip(&vcpu);
	/* L0, write, length 4, on the data the guest writes next */
	if (set_debug(&vcpu, ctl, VTX_DATA_GPA, 0xd0401))
		return 1;
	if (step(&vcpu) != KVM_EXIT_IO || step(&vcpu) != KVM_EXIT_DEBUG)
		return 1;
	printf("dr7=0x%llx\n", (unsigned long long)vcpu.run->debug.arch.dr7);
	printf("data=0x%x\n", *(__u32 *)vtx_vm_hva(&vm, VTX_DATA_GPA));
	if (set_debug(&vcpu, 0, 0, 0))
		return 1;
	r = run_to_hlt(&vcpu);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

static int client_flags(const char *dev, void *arg)
{
	static const __u32 controls[] = {
		KVM_GUESTDBG_ENABLE | 0x80000000,
		KVM_GUESTDBG_ENABLE | 0x4,
		KVM_GUESTDBG_ENABLE | 0x8000,
		KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_BLOCKIRQ,
		KVM_GUESTDBG_ENABLE,
		0,
	};
	struct kvm_guest_debug dbg;
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	size_t i;

	start(dev, &vm, &vcpu, dbg_i0);
	for (i = 0; i < ARRAY_SIZE(controls); i++) {
		memset(&dbg, 0, sizeof(dbg));
		dbg.control = controls[i];
		printf("control 0x%x: %d\n", controls[i],
		       __vtx_ioctl(vcpu.fd, KVM_SET_GUEST_DEBUG, &dbg));
	}
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return 0;
}

FIXTURE(kvm_debug) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(kvm_debug)
{
	vtx_dual_setup(&self->kmsg);
}

FIXTURE_TEARDOWN(kvm_debug)
{
	vtx_dual_teardown(_metadata, &self->kmsg);
}

#define DB_BS	"dr6=0xffff4ff0\n"

static const char expect_singlestep[] =
	"debug exc=1 pc=i1 " DB_BS
	"debug exc=1 pc=i2 " DB_BS
	"debug exc=1 pc=i3 " DB_BS
	"io 0x30 0x11\n"
	"debug exc=1 pc=i4 " DB_BS
	"debug exc=1 pc=i5 " DB_BS
	"debug exc=1 pc=i6 " DB_BS
	"debug exc=1 pc=i7 " DB_BS
	"debug exc=1 pc=i5 " DB_BS
	"debug exc=1 pc=i6 " DB_BS
	"debug exc=1 pc=i7 " DB_BS
	"debug exc=1 pc=i5 " DB_BS
	"debug exc=1 pc=i6 " DB_BS
	"debug exc=1 pc=i7 " DB_BS
	"debug exc=1 pc=i8 " DB_BS
	"debug exc=1 pc=i9 " DB_BS
	"debug exc=1 pc=i10 " DB_BS
	"debug exc=1 pc=i11 " DB_BS
	"debug exc=1 pc=i12 " DB_BS
	"io 0x31 0x14\n"
	"debug exc=1 pc=i13 " DB_BS
	"hlt\n"
	"rip=i14 tf=0\n";

static const char expect_sw_bp[] =
	"io 0x32 0x40\n"
	"debug exc=3 pc=sw_bp\n"
	"rip=sw_bp tf=0\n"
	"io 0x32 0x41\n"
	"hlt\n"
	"own:\n"
	"io 0x34 0x60\n"
	"debug exc=3 pc=own_a\n"
	"io 0x34 0x63\n"
	"io 0x34 0x61\n"
	"debug exc=3 pc=own_b\n"
	"off:\n"
	"io 0x34 0x63\n"
	"io 0x34 0x62\n"
	"hlt\n";

static const char expect_hw_bp[] =
	"io 0x33 0x50\n"
	"debug exc=1 pc=hw_bp dr6=0xffff0ff1\n"
	"dr7=0x401\n"
	"rip=hw_bp tf=0\n"
	"io 0x33 0x51\n"
	"debug exc=1 pc=hw_w dr6=0xffff0ff1\n"
	"dr7=0xd0401\n"
	"data=0x1234\n"
	"io 0x33 0x52\n"
	"hlt\n";

/*
 * Debian's 6.1 kvm_intel takes unknown control bits without a word (the
 * check against KVM_GUESTDBG_VALID_MASK is not in it): so must vtx.
 */
static const char expect_flags[] =
	"control 0x80000001: 0\n"
	"control 0x5: 0\n"
	"control 0x8001: 0\n"
	"control 0x100001: 0\n"
	"control 0x1: 0\n"
	"control 0x0: 0\n";

TEST_F_TIMEOUT(kvm_debug, singlestep, 600)
{
	vtx_dual_check(_metadata, "singlestep", client_singlestep, NULL,
		       expect_singlestep);
}

TEST_F_TIMEOUT(kvm_debug, sw_breakpoint, 600)
{
	vtx_dual_check(_metadata, "sw_breakpoint", client_sw_bp, NULL,
		       expect_sw_bp);
}

TEST_F_TIMEOUT(kvm_debug, hw_breakpoint, 600)
{
	vtx_dual_check(_metadata, "hw_breakpoint", client_hw_bp, NULL,
		       expect_hw_bp);
}

TEST_F_TIMEOUT(kvm_debug, control_flags, 600)
{
	vtx_dual_check(_metadata, "control_flags", client_flags, NULL,
		       expect_flags);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
