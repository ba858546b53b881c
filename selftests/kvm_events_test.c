// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's "userspace irqchip" contract, with no KVM_CREATE_IRQCHIP: the VMM
 * injects external interrupts with KVM_INTERRUPT when the exit says the
 * guest can take one (run->ready_for_interrupt_injection, run->if_flag),
 * asks for KVM_EXIT_IRQ_WINDOW_OPEN with run->request_interrupt_window,
 * and injects NMIs with KVM_NMI.
 *
 * Each client runs on /dev/vtx and then on /dev/kvm (kvm_intel) through
 * vtx_transcript_both(): KVM's transcript must be the one hard-coded
 * here, and vtx's must equal it.
 *
 * The guests are 64-bit code at VTX_CODE_GPA whose handlers OUT their
 * vector to HANDLER_PORT and IRET; the main code OUTs markers to other
 * ports, so the transcript shows where each event arrived.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_dual.h"
#include "vtx_test.h"

#define HANDLER_PORT	0x30
#define CLIENT_ALARM	120	/* seconds: a stuck guest kills the child */
#define MAX_EXITS	200

/*
 * guest_irq (IF is 0 at the start, RFLAGS = 2):
 *	port 0x31	0x01 with IF=0
 *	sti; nop	(no window was asked for: nothing happens)
 *	port 0x32	the counter 0..3 with IF=1: the VMM injects at the
 *			even ones, so a handler runs after the OUT
 *	cli
 *	port 0x33	0xc1 with IF=0: the VMM asks for the window
 *	port 0x35	0xc2 with IF=0: the window is still closed
 *	sti; nop	the window opens after the STI shadow
 *	port 0x34	0xc3 with IF=1: the VMM asks for the window again,
 *			which is open already
 *	port 0x35	0xc4
 *	hlt		with IF=1: the VMM injects after KVM_EXIT_HLT; the
 *			handler returns to the instruction after the hlt
 *	port 0x35	0xc5
 *	cli; hlt	the end
 */
VTX_GUEST_CODE(guest_irq);
VTX_GUEST_LABEL(guest_irq_h20);
VTX_GUEST_LABEL(guest_irq_h21);
VTX_GUEST_LABEL(guest_irq_h41);
VTX_GUEST_LABEL(guest_irq_h80);
VTX_GUEST_LABEL(guest_irq_hff);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_irq_start:\n"
	".code64\n"
	"	mov $0x01, %al\n"
	"	out %al, $0x31\n"
	"	sti\n"
	"	nop\n"
	"	xor %ecx, %ecx\n"
	"1:	mov %cl, %al\n"
	"	out %al, $0x32\n"
	"	inc %ecx\n"
	"	cmp $4, %ecx\n"
	"	jne 1b\n"
	"	cli\n"
	"	mov $0xc1, %al\n"
	"	out %al, $0x33\n"
	"	mov $0xc2, %al\n"
	"	out %al, $0x35\n"
	"	sti\n"
	"	nop\n"
	"	mov $0xc3, %al\n"
	"	out %al, $0x34\n"
	"	mov $0xc4, %al\n"
	"	out %al, $0x35\n"
	"	hlt\n"
	"	mov $0xc5, %al\n"
	"	out %al, $0x35\n"
	"	cli\n"
	"	hlt\n"
	"guest_irq_h20:\n"
	"	push %rax\n"
	"	mov $0x20, %al\n"
	"	out %al, $0x30\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_irq_h21:\n"
	"	push %rax\n"
	"	mov $0x21, %al\n"
	"	out %al, $0x30\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_irq_h41:\n"
	"	push %rax\n"
	"	mov $0x41, %al\n"
	"	out %al, $0x30\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_irq_h80:\n"
	"	push %rax\n"
	"	mov $0x80, %al\n"
	"	out %al, $0x30\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_irq_hff:\n"
	"	push %rax\n"
	"	mov $0xff, %al\n"
	"	out %al, $0x30\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_irq_end:\n"
	".popsection\n");

/*
 * guest_nmi: port 0x36 markers 1, 2, 3, hlt, then 4 and hlt. The NMI
 * handler (vector 2) OUTs 2 then 3 to HANDLER_PORT and IRETs.
 */
VTX_GUEST_CODE(guest_nmi);
VTX_GUEST_LABEL(guest_nmi_handler);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_nmi_start:\n"
	".code64\n"
	"	mov $1, %al\n"
	"	out %al, $0x36\n"
	"	mov $2, %al\n"
	"	out %al, $0x36\n"
	"	mov $3, %al\n"
	"	out %al, $0x36\n"
	"	hlt\n"
	"	mov $4, %al\n"
	"	out %al, $0x36\n"
	"	hlt\n"
	"guest_nmi_handler:\n"
	"	push %rax\n"
	"	mov $2, %al\n"
	"	out %al, $0x30\n"
	"	mov $3, %al\n"
	"	out %al, $0x30\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_nmi_end:\n"
	".popsection\n");

/*
 * guest_timer: spins with IF=1 until its timer handler (vector 0x20) has
 * run 5 times; the handler OUTs each tick's number to port 0x30. Then
 * the count goes to port 0x37, and hlt.
 */
VTX_GUEST_CODE(guest_timer);
VTX_GUEST_LABEL(guest_timer_h20);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_timer_start:\n"
	".code64\n"
	"	xor %ebx, %ebx\n"
	"	sti\n"
	"1:	inc %rcx\n"
	"	cmp $5, %ebx\n"
	"	jb 1b\n"
	"	cli\n"
	"	mov %bl, %al\n"
	"	out %al, $0x37\n"
	"	hlt\n"
	"guest_timer_h20:\n"
	"	push %rax\n"
	"	inc %ebx\n"
	"	mov %bl, %al\n"
	"	out %al, $0x30\n"
	"	pop %rax\n"
	"	iretq\n"
	"guest_timer_end:\n"
	".popsection\n");

#define IRQ_GPA(label)	VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_irq, label)
#define TIMER_GPA(label) VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_timer, label)
#define NMI_GPA(label)	VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_nmi, label)

struct ev {
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

static void ev_setup(struct ev *e, const char *dev, const unsigned char *start,
		     const unsigned char *end)
{
	alarm(CLIENT_ALARM);
	vtx_vm_create_default(&e->vm, dev);
	vtx_vcpu_create(&e->vm, 0, &e->vcpu);
	vtx_vm_load(&e->vm, VTX_CODE_GPA, start, end);
	vtx_vcpu_setup_long_mode(&e->vcpu, VTX_CODE_GPA);
}

static void ev_teardown(struct ev *e)
{
	vtx_vcpu_close(&e->vcpu);
	vtx_vm_destroy(&e->vm);
}

/*
 * One line for the exit in @run; with @irq, the two interrupt fields.
 * Returns true for the exits these guests make (IO, HLT, window).
 */
static bool ev_print_exit(const struct kvm_run *run, bool irq)
{
	const __u8 *d = vtx_io_data(run);
	bool known = true;
	__u32 v = 0;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.size == 1 && run->io.count == 1) {
			printf("exit IO out 0x%02x data 0x%02x", run->io.port,
			       d[0]);
			break;
		}
		if (run->io.size <= 4)
			memcpy(&v, d, run->io.size);
		printf("exit IO %s port 0x%x size %u count %u data 0x%x",
		       run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
		       run->io.port, run->io.size, run->io.count, v);
		known = run->io.direction == KVM_EXIT_IO_OUT &&
			run->io.port != VTX_PORT_EXCEPTION;
		break;
	case KVM_EXIT_HLT:
		printf("exit HLT");
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		printf("exit IRQ_WINDOW_OPEN");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		printf("exit INTERNAL_ERROR suberror %u",
		       run->internal.suberror);
		known = false;
		break;
	default:
		printf("exit %s (%u)", vtx_exit_name(run->exit_reason),
		       run->exit_reason);
		known = false;
		break;
	}
	if (irq)
		printf(" ready %u if %u", run->ready_for_interrupt_injection,
		       run->if_flag);
	printf("\n");
	return known;
}

static int ev_interrupt(struct ev *e, __u32 vector)
{
	struct kvm_interrupt irq = { .irq = vector };
	int r = __vtx_ioctl(e->vcpu.fd, KVM_INTERRUPT, &irq);

	printf("KVM_INTERRUPT 0x%x: %d\n", vector, r);
	return r;
}

static int ev_nmi(struct ev *e)
{
	int r = __vtx_ioctl(e->vcpu.fd, KVM_NMI, NULL);

	printf("KVM_NMI: %d\n", r);
	return r;
}

static bool io_out(const struct kvm_run *run, __u16 port, __u8 data)
{
	return run->exit_reason == KVM_EXIT_IO &&
	       run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
	       run->io.count == 1 && run->io.port == port &&
	       *(__u8 *)vtx_io_data(run) == data;
}

static bool io_out_port(const struct kvm_run *run, __u16 port)
{
	return run->exit_reason == KVM_EXIT_IO &&
	       run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 &&
	       run->io.count == 1 && run->io.port == port;
}

/*
 * The VMM of guest_irq: inject the next vector at an OUT of an even
 * counter to port 0x32 when the exit says the guest is ready, at
 * KVM_EXIT_IRQ_WINDOW_OPEN, and at the first KVM_EXIT_HLT; ask for the
 * window at the OUTs to ports 0x33 and 0x34. Ends at the second HLT.
 */
static int client_irq(const char *dev, void *arg)
{
	static const __u32 vectors[] = { 0x20, 0x21, 0x80, 0x41, 0xff };
	struct kvm_run *run;
	int i, r, next = 0, hlts = 0;
	bool inject;
	struct ev e;

	ev_setup(&e, dev, guest_irq_start, guest_irq_end);
	run = e.vcpu.run;
	vtx_vm_set_idt_entry(&e.vm, 0x20, IRQ_GPA(guest_irq_h20));
	vtx_vm_set_idt_entry(&e.vm, 0x21, IRQ_GPA(guest_irq_h21));
	vtx_vm_set_idt_entry(&e.vm, 0x41, IRQ_GPA(guest_irq_h41));
	vtx_vm_set_idt_entry(&e.vm, 0x80, IRQ_GPA(guest_irq_h80));
	vtx_vm_set_idt_entry(&e.vm, 0xff, IRQ_GPA(guest_irq_hff));
	run->request_interrupt_window = 0;

	for (i = 0; i < MAX_EXITS; i++) {
		r = __vtx_vcpu_run(&e.vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		}
		if (!ev_print_exit(run, true))
			return 1;
		inject = false;
		if (run->exit_reason == KVM_EXIT_HLT) {
			if (++hlts == 2)
				break;
			inject = true;
		} else if (run->exit_reason == KVM_EXIT_IRQ_WINDOW_OPEN) {
			inject = true;
		} else if (io_out_port(run, 0x32)) {
			inject = !(*(__u8 *)vtx_io_data(run) & 1);
		} else if (io_out_port(run, 0x33) || io_out_port(run, 0x34)) {
			run->request_interrupt_window = 1;
			printf("request_interrupt_window 1\n");
		}
		if (inject && run->ready_for_interrupt_injection &&
		    run->if_flag && next < (int)ARRAY_SIZE(vectors)) {
			run->request_interrupt_window = 0;
			if (ev_interrupt(&e, vectors[next++]))
				return 1;
		}
	}
	ev_teardown(&e);
	if (hlts != 2) {
		printf("no end after %d exits\n", i);
		return 1;
	}
	return 0;
}

static const char expected_irq[] =
	"exit IO out 0x31 data 0x01 ready 0 if 0\n"
	"exit IO out 0x32 data 0x00 ready 1 if 1\n"
	"KVM_INTERRUPT 0x20: 0\n"
	"exit IO out 0x30 data 0x20 ready 0 if 0\n"
	"exit IO out 0x32 data 0x01 ready 1 if 1\n"
	"exit IO out 0x32 data 0x02 ready 1 if 1\n"
	"KVM_INTERRUPT 0x21: 0\n"
	"exit IO out 0x30 data 0x21 ready 0 if 0\n"
	"exit IO out 0x32 data 0x03 ready 1 if 1\n"
	"exit IO out 0x33 data 0xc1 ready 0 if 0\n"
	"request_interrupt_window 1\n"
	"exit IO out 0x35 data 0xc2 ready 0 if 0\n"
	"exit IRQ_WINDOW_OPEN ready 1 if 1\n"
	"KVM_INTERRUPT 0x80: 0\n"
	"exit IO out 0x30 data 0x80 ready 0 if 0\n"
	"exit IO out 0x34 data 0xc3 ready 1 if 1\n"
	"request_interrupt_window 1\n"
	"exit IRQ_WINDOW_OPEN ready 1 if 1\n"
	"KVM_INTERRUPT 0x41: 0\n"
	"exit IO out 0x30 data 0x41 ready 0 if 0\n"
	"exit IO out 0x35 data 0xc4 ready 1 if 1\n"
	"exit HLT ready 1 if 1\n"
	"KVM_INTERRUPT 0xff: 0\n"
	"exit IO out 0x30 data 0xff ready 0 if 0\n"
	"exit IO out 0x35 data 0xc5 ready 1 if 1\n"
	"exit HLT ready 0 if 0\n";

/*
 * What KVM_INTERRUPT refuses, and what it does with a second vector
 * before the first was delivered. The guest starts with IF=1 at the
 * guest_irq code after its first OUT (port 0x31 is skipped): it takes
 * the queued vector before its first instruction.
 */
static int client_irq_errors(const char *dev, void *arg)
{
	struct kvm_interrupt irq = { .irq = 0x20 };
	struct kvm_regs regs;
	struct kvm_run *run;
	int i, r;
	struct ev e;

	ev_setup(&e, dev, guest_irq_start, guest_irq_end);
	run = e.vcpu.run;
	vtx_vm_set_idt_entry(&e.vm, 0x20, IRQ_GPA(guest_irq_h20));
	vtx_vm_set_idt_entry(&e.vm, 0x21, IRQ_GPA(guest_irq_h21));

	printf("KVM_INTERRUPT on the VM fd: %d\n",
	       __vtx_ioctl(e.vm.fd, KVM_INTERRUPT, &irq));
	printf("KVM_INTERRUPT on the system fd: %d\n",
	       __vtx_ioctl(e.vm.dev, KVM_INTERRUPT, &irq));
	printf("KVM_NMI on the VM fd: %d\n",
	       __vtx_ioctl(e.vm.fd, KVM_NMI, NULL));
	ev_interrupt(&e, 256);
	ev_interrupt(&e, 0x100000);
	ev_interrupt(&e, 0xffffffff);

	/* Start at the sti (mov $1,%al; out %al,$0x31 are 4 bytes) with IF=1. */
	vtx_vcpu_get_regs(&e.vcpu, &regs);
	regs.rip = VTX_CODE_GPA + 4;
	regs.rflags = 0x202;
	vtx_vcpu_set_regs(&e.vcpu, &regs);
	ev_interrupt(&e, 0x20);
	ev_interrupt(&e, 0x21);

	/* The handler, then the counter's first OUT; stop there. */
	for (i = 0; i < 3; i++) {
		r = __vtx_vcpu_run(&e.vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		}
		if (!ev_print_exit(run, true))
			return 1;
		if (io_out(run, 0x32, 0))
			break;
	}
	ev_teardown(&e);
	return i < 3 ? 0 : 1;
}

static const char expected_irq_errors[] =
	"KVM_INTERRUPT on the VM fd: -25\n"
	"KVM_INTERRUPT on the system fd: -22\n"
	"KVM_NMI on the VM fd: -25\n"
	"KVM_INTERRUPT 0x100: -22\n"
	"KVM_INTERRUPT 0x100000: -22\n"
	"KVM_INTERRUPT 0xffffffff: -22\n"
	"KVM_INTERRUPT 0x20: 0\n"
	"KVM_INTERRUPT 0x21: 0\n"
	"exit IO out 0x30 data 0x21 ready 0 if 0\n"
	"exit IO out 0x32 data 0x00 ready 1 if 1\n";

/*
 * The VMM of guest_nmi:
 *	port 0x36 data 1	one KVM_NMI: the handler runs once, next
 *	handler's first OUT	two KVM_NMIs while the handler runs (NMIs
 *				blocked until its IRET): one more handler
 *				run after the IRET
 *	port 0x36 data 2	two KVM_NMIs with NMIs unblocked: one is
 *				delivered, one stays pending until the IRET
 *	first HLT		one KVM_NMI: the handler, then after the hlt
 */
static int client_nmi(const char *dev, void *arg)
{
	struct kvm_run *run;
	int i, r, hlts = 0, handler_outs = 0;
	struct ev e;

	ev_setup(&e, dev, guest_nmi_start, guest_nmi_end);
	run = e.vcpu.run;
	vtx_vm_set_idt_entry(&e.vm, 2, NMI_GPA(guest_nmi_handler));

	for (i = 0; i < MAX_EXITS; i++) {
		r = __vtx_vcpu_run(&e.vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		}
		if (!ev_print_exit(run, false))
			return 1;
		if (run->exit_reason == KVM_EXIT_HLT) {
			if (++hlts == 2)
				break;
			if (ev_nmi(&e))
				return 1;
		} else if (io_out(run, 0x36, 1)) {
			if (ev_nmi(&e))
				return 1;
		} else if (io_out(run, HANDLER_PORT, 2) && !handler_outs++) {
			if (ev_nmi(&e) || ev_nmi(&e))
				return 1;
		} else if (io_out(run, 0x36, 2)) {
			if (ev_nmi(&e) || ev_nmi(&e))
				return 1;
		}
	}
	ev_teardown(&e);
	if (hlts != 2) {
		printf("no end after %d exits\n", i);
		return 1;
	}
	return 0;
}

static const char expected_nmi[] =
	"exit IO out 0x36 data 0x01\n"
	"KVM_NMI: 0\n"
	"exit IO out 0x30 data 0x02\n"
	"KVM_NMI: 0\n"
	"KVM_NMI: 0\n"
	"exit IO out 0x30 data 0x03\n"
	"exit IO out 0x30 data 0x02\n"
	"exit IO out 0x30 data 0x03\n"
	"exit IO out 0x36 data 0x02\n"
	"KVM_NMI: 0\n"
	"KVM_NMI: 0\n"
	"exit IO out 0x30 data 0x02\n"
	"exit IO out 0x30 data 0x03\n"
	"exit IO out 0x30 data 0x02\n"
	"exit IO out 0x30 data 0x03\n"
	"exit IO out 0x36 data 0x03\n"
	"exit HLT\n"
	"KVM_NMI: 0\n"
	"exit IO out 0x30 data 0x02\n"
	"exit IO out 0x30 data 0x03\n"
	"exit IO out 0x36 data 0x04\n"
	"exit HLT\n";

FIXTURE(kvm_events) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(kvm_events)
{
	vtx_dual_setup(&self->kmsg);
}

FIXTURE_TEARDOWN(kvm_events)
{
	vtx_dual_teardown(_metadata, &self->kmsg);
}

TEST_F_TIMEOUT(kvm_events, interrupts_and_window, 600)
{
	vtx_dual_check(_metadata, "irq", client_irq, NULL,
		       expected_irq);
}

TEST_F_TIMEOUT(kvm_events, interrupt_errors, 600)
{
	vtx_dual_check(_metadata, "irq_errors", client_irq_errors, NULL,
		       expected_irq_errors);
}

/*
 * A timer the VMM handles: a POSIX timer signals the VMM every 20 ms,
 * which ends KVM_RUN with EINTR wherever the guest is; the VMM then
 * injects vector 0x20 if the guest is ready, or asks for the window.
 * What the guest sees does not depend on where the signal landed: each
 * tick's handler runs once, at an instruction boundary, with its vector.
 */
static int client_timer(const char *dev, void *arg)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR2 };
	struct itimerspec its = { .it_interval.tv_nsec = 20000000,
				  .it_value.tv_nsec = 20000000 };
	struct kvm_run *run;
	int i, r, pending = 0;
	timer_t timer;
	struct ev e;

	ev_setup(&e, dev, guest_timer_start, guest_timer_end);
	run = e.vcpu.run;
	vtx_vm_set_idt_entry(&e.vm, 0x20, TIMER_GPA(guest_timer_h20));
	vtx_install_noop_handler(SIGUSR2);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &its, NULL)) {
		printf("timer: %d\n", -errno);
		return 1;
	}
	for (i = 0; i < 100000; i++) {
		r = __vtx_vcpu_run(&e.vcpu);
		if (r == -EINTR && run->exit_reason == KVM_EXIT_INTR) {
			pending = 1;	/* a tick */
		} else if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		} else if (io_out_port(run, 0x30)) {
			printf("tick %u\n", *(__u8 *)vtx_io_data(run));
		} else if (io_out_port(run, 0x37)) {
			printf("done after %u ticks\n",
			       *(__u8 *)vtx_io_data(run));
		} else if (run->exit_reason == KVM_EXIT_HLT) {
			break;
		} else if (run->exit_reason != KVM_EXIT_IRQ_WINDOW_OPEN) {
			ev_print_exit(run, true);
			return 1;
		}
		if (!pending)
			continue;
		if (run->ready_for_interrupt_injection && run->if_flag) {
			struct kvm_interrupt irq = { .irq = 0x20 };

			if (__vtx_ioctl(e.vcpu.fd, KVM_INTERRUPT, &irq))
				return 1;
			pending = 0;
			run->request_interrupt_window = 0;
		} else {
			run->request_interrupt_window = 1;
		}
	}
	timer_delete(timer);
	r = run->exit_reason == KVM_EXIT_HLT ? 0 : 1;
	ev_teardown(&e);
	return r;
}

static const char expected_timer[] =
	"tick 1\n"
	"tick 2\n"
	"tick 3\n"
	"tick 4\n"
	"tick 5\n"
	"done after 5 ticks\n";

TEST_F_TIMEOUT(kvm_events, vmm_timer_interrupts, 600)
{
	vtx_dual_check(_metadata, "timer", client_timer, NULL, expected_timer);
}

TEST_F_TIMEOUT(kvm_events, nmi, 600)
{
	vtx_dual_check(_metadata, "nmi", client_nmi, NULL,
		       expected_nmi);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
