// SPDX-License-Identifier: GPL-2.0
/*
 * Guest programs of MSR accesses, which vtx_guest_msr_prog64 runs: the
 * host writes ops into guest memory, runs the vCPU and reads back one
 * report (a RDMSR value, a #GP, a tick or the end) at a time.
 */
#include <string.h>

#include "vtx_test.h"

void vtx_prog_setup(struct vtx_vcpu *vcpu, struct vtx_prog *p)
{
	struct vtx_vm *vm = vcpu->vm;
	struct kvm_regs regs;

	vtx_vm_load(vm, VTX_CODE_GPA, vtx_guest_msr_prog64_start,
		    vtx_guest_msr_prog64_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vm_set_idt_entry(vm, 13,
			     VTX_GUEST_LABEL_GPA(VTX_CODE_GPA,
						 vtx_guest_msr_prog64,
						 vtx_guest_msr_prog64_gp));
	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rsi = VTX_PROG_GPA;
	vtx_vcpu_set_regs(vcpu, &regs);
	p->ops = vtx_vm_hva(vm, VTX_PROG_GPA);
	vtx_prog_begin(p);
}

void vtx_prog_begin(struct vtx_prog *p)
{
	p->n = 0;
	memset(&p->ops[0], 0, sizeof(p->ops[0]));
}

int vtx_prog_add(struct vtx_prog *p, __u32 kind, __u32 msr, __u64 value)
{
	VTX_ASSERT(p->n + 1 < VTX_PROG_MAX_OPS, "guest program too long");
	p->ops[p->n].kind = kind;
	p->ops[p->n].msr = msr;
	p->ops[p->n].value = value;
	memset(&p->ops[p->n + 1], 0, sizeof(p->ops[0]));
	return p->n++;
}

void vtx_prog_next(struct vtx_vcpu *vcpu, struct vtx_prog_event *ev)
{
	struct kvm_run *run = vcpu->run;
	__u32 lo;

	vtx_vcpu_run(vcpu);
	vtx_describe_exit(run, ev->desc, sizeof(ev->desc));
	memset(ev, 0, offsetof(struct vtx_prog_event, desc));
	if (run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
	    run->io.count != 1)
		return;
	memcpy(&lo, vtx_io_data(run), sizeof(lo));
	ev->value = lo;
	switch (run->io.port) {
	case VTX_PROG_PORT_VALUE:
		ev->kind = VTX_PROG_EV_VALUE;
		ev->value |= vtx_vcpu_run_out(vcpu, VTX_PROG_PORT_VALUE, 4) << 32;
		snprintf(ev->desc, sizeof(ev->desc), "RDMSR value 0x%llx",
			 (unsigned long long)ev->value);
		break;
	case VTX_PROG_PORT_GP_ERROR:
		ev->kind = VTX_PROG_EV_GP;
		ev->error = lo;
		ev->value = vtx_vcpu_run_out(vcpu, VTX_PROG_PORT_GP_OP, 4);
		snprintf(ev->desc, sizeof(ev->desc), "#GP(%u) at op %llu", lo,
			 (unsigned long long)ev->value);
		break;
	case VTX_PROG_PORT_TICK:
		ev->kind = VTX_PROG_EV_TICK;
		break;
	case VTX_PROG_PORT_DONE:
		if (lo == VTX_PROG_DONE)
			ev->kind = VTX_PROG_EV_DONE;
		break;
	}
}
