/* SPDX-License-Identifier: GPL-2.0 */
/*
 * efer_env.h: what efer_test.c and syscall_msr_test.c share: the MSRs
 * and guest report ports, the guest's #UD, #GP and #PF handlers, and the
 * fixture "efer", whose two variants load vtx with EFER switched by the
 * VMCS (efer_switch=vmcs) and by the VM-entry/exit MSR lists
 * (efer_switch=msr_list): every test runs in both modes. Included by
 * exactly one test file per binary.
 */
#ifndef VTX_EFER_ENV_H
#define VTX_EFER_ENV_H

#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

#define EFER_LONG	(VTX_EFER_LME | VTX_EFER_LMA)
/* What Linux runs with on x86-64 and a CPU with NX. */
#define EFER_HOST	(VTX_EFER_SCE | VTX_EFER_LME | VTX_EFER_LMA | \
			 VTX_EFER_NXE)

/* Guest reports: 4-byte OUTs; 64-bit values as two, low half first. */
#define PORT_VECTOR	0x40	/* a handler's vector */
#define PORT_ERROR	0x41	/* its error code */
#define PORT_CR2	0x42	/* CR2, 64-bit */
#define PORT_RIP	0x43	/* the RIP on the handler's stack, 64-bit */
#define PORT_VALUE	0x44	/* a value, 64-bit */
#define PORT_TICK	0x45	/* the loop counter of the exit loop */
#define PORT_SEL	0x46	/* a segment selector */
#define PORT_DONE	0x47	/* DONE_MARK: the guest got to its end */
#define PORT_WRONG	0x48	/* WRONG_MARK: a path that must not run */
#define DONE_MARK	0x600d
#define WRONG_MARK	0xbad

/* The exception handlers live here, below the real-mode stack. */
#define HANDLERS_GPA	0x6000UL

/*
 * guest_handlers: the IDT gates of #UD, #GP and #PF point here.
 *	#PF: PORT_VECTOR 14, PORT_ERROR the error code, PORT_CR2 CR2 (read
 *	     first, before any exit), PORT_RIP the faulting RIP; then halts.
 *	#UD: PORT_VECTOR 6, PORT_RIP the faulting RIP; then halts.
 *	#GP: PORT_VECTOR 13, PORT_ERROR the error code, PORT_RIP the
 *	     faulting RIP; then steps over the 2-byte instruction (RDMSR or
 *	     WRMSR) and returns. It clobbers RAX only.
 * On entry (%rsp) is the error code, if any, then RIP.
 */
VTX_GUEST_CODE(guest_handlers);
VTX_GUEST_LABEL(guest_pf_handler);
VTX_GUEST_LABEL(guest_ud_handler);
VTX_GUEST_LABEL(guest_gp_handler);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_handlers_start:\n"
	".code64\n"
	"guest_pf_handler:\n"
	"	mov %cr2, %rbx\n"
	"	mov $14, %eax\n"
	"	out %eax, $0x40\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x41\n"
	"	mov %rbx, %rax\n"
	"	out %eax, $0x42\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x42\n"
	"	mov 8(%rsp), %rax\n"
	"	out %eax, $0x43\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x43\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_ud_handler:\n"
	"	mov $6, %eax\n"
	"	out %eax, $0x40\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x43\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x43\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_gp_handler:\n"
	"	mov $13, %eax\n"
	"	out %eax, $0x40\n"
	"	mov (%rsp), %rax\n"
	"	out %eax, $0x41\n"
	"	mov 8(%rsp), %rax\n"
	"	out %eax, $0x43\n"
	"	shr $32, %rax\n"
	"	out %eax, $0x43\n"
	"	add $8, %rsp\n"
	"	addq $2, (%rsp)\n"
	"	iretq\n"
	"guest_handlers_end:\n"
	".popsection\n");

#define CODE_GPA(blob, label)	VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, blob, label)
#define HANDLER_GPA(label) \
	VTX_GUEST_LABEL_GPA(HANDLERS_GPA, guest_handlers, label)

FIXTURE(efer) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_VARIANT(efer) {
	const char *params;
	bool msr_list;		/* VTX_CONFIG_EFER_MSR_LIST must be set */
};

FIXTURE_VARIANT_ADD(efer, vmcs) {
	.params = "efer_switch=vmcs",
	.msr_list = false,
};

FIXTURE_VARIANT_ADD(efer, msr_list) {
	.params = "efer_switch=msr_list",
	.msr_list = true,
};

/*
 * vCPU 0 in 64-bit mode at VTX_CODE_GPA (EFER = LME|LMA), with the
 * guest_handlers gates for #UD, #GP and #PF. Each test loads its code.
 */
FIXTURE_SETUP(efer)
{
	struct vtx_capabilities caps;

	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_module_load(vtx_ko_path(), variant->params);
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_get_capabilities(self->dev, &caps);
	ASSERT_EQ(variant->msr_list,
		  !!(caps.config & VTX_CONFIG_EFER_MSR_LIST))
		TH_LOG("%s: config 0x%x", variant->params, caps.config);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	vtx_vm_load(&self->vm, HANDLERS_GPA, guest_handlers_start,
		    guest_handlers_end);
	vtx_vm_set_idt_entry(&self->vm, 6, HANDLER_GPA(guest_ud_handler));
	vtx_vm_set_idt_entry(&self->vm, 13, HANDLER_GPA(guest_gp_handler));
	vtx_vm_set_idt_entry(&self->vm, 14, HANDLER_GPA(guest_pf_handler));
}

FIXTURE_TEARDOWN(efer)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

#endif /* VTX_EFER_ENV_H */
