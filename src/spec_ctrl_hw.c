// SPDX-License-Identifier: GPL-2.0
/*
 * IA32_SPEC_CTRL for each vCPU: the mechanisms that give
 * src/spec_ctrl.c's semantics.
 *
 *   intercept    the MSR bitmap makes RDMSR and WRMSR exit; the shadow
 *		  lives here and vtx applies the mask;
 *   passthrough  no mask: RDMSR and WRMSR do not exit, the guest's value
 *		  is the MSR's;
 *   virtualize   tertiary control "virtualize IA32_SPEC_CTRL": no exits;
 *		  the CPU keeps the shadow in the VMCS and applies the mask.
 *
 * In every mode (on a host with the MSR) the effective value sits on the
 * guest MSR list: VM entry loads it and VM exit stores the MSR back into
 * the same entry, atomically with the exit, so an NMI between the exit and
 * the host's restore cannot lose a guest write (seed 000). vmenter.S then
 * writes this CPU's x86_spec_ctrl_current back before its first RET or
 * indirect branch, when the guest's value differs from it.
 *
 * Context: vCPU ioctls and exit handlers, under the vCPU mutex, the VMCS
 * current on this CPU, preemption off where the VMCS is touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/irqflags.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <asm/msr.h>
#include <asm/vmx.h>

#include <uapi/linux/vtx.h>

#include "caps.h"
#include "cpuid.h"
#include "msr_switch.h"
#include "spec_ctrl.h"
#include "spec_ctrl_hw.h"
#include "trace.h"
#include "vcpu.h"
#include "vm.h"
#include "vmx_ops.h"

struct vtx_spec_ctrl_host vtx_spec_ctrl_host __ro_after_init;

static char *spec_ctrl = "auto";
module_param(spec_ctrl, charp, 0444);
MODULE_PARM_DESC(spec_ctrl,
		 "IA32_SPEC_CTRL mode for VMs whose policy says auto: auto, intercept or passthrough (passthrough still intercepts a VM with a mask)");

/* The MSR bitmap's read-low and write-low halves, in bits. */
#define VTX_MSR_BITMAP_READ_LOW		0
#define VTX_MSR_BITMAP_WRITE_LOW	(0x800 * 8)

/**
 * vtx_spec_ctrl_hw_init() - what this host offers, once at load
 *
 * Return: 0, or -EINVAL for an unknown spec_ctrl parameter.
 */
int vtx_spec_ctrl_hw_init(void)
{
	struct vtx_spec_ctrl_host *h = &vtx_spec_ctrl_host;

	if (!strcmp(spec_ctrl, "auto")) {
		h->forced_mode = VTX_SPEC_CTRL_AUTO;
	} else if (!strcmp(spec_ctrl, "intercept")) {
		h->forced_mode = VTX_SPEC_CTRL_INTERCEPT;
	} else if (!strcmp(spec_ctrl, "passthrough")) {
		h->forced_mode = VTX_SPEC_CTRL_PASSTHROUGH;
	} else {
		pr_err("spec_ctrl=%s: expected auto, intercept or passthrough\n",
		       spec_ctrl);
		return -EINVAL;
	}
	h->supported = vtx_spec_ctrl_valid_bits(vtx_host_caps.cpuid_7_0_edx,
						vtx_host_caps.cpuid_7_2_edx);
	h->can_virtualize = vtx_caps_has_virt_spec_ctrl(&vtx_host_caps);
	return 0;
}

/**
 * vtx_spec_ctrl_set_policy() - VTX_SET_SPEC_CTRL_POLICY
 * @vm: the VM
 * @argp: the user's struct vtx_spec_ctrl_policy
 *
 * Return: 0; -EFAULT; -EINVAL for non-zero reserved fields or a policy
 * vtx_spec_ctrl_check_policy() refuses; -EOPNOTSUPP for a mode the host
 * cannot give; -EBUSY once the VM has a vCPU.
 */
long vtx_spec_ctrl_set_policy(struct vtx_vm *vm, void __user *argp)
{
	struct vtx_spec_ctrl_policy p;
	unsigned int i;
	int r;

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if (p.reserved0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(p.reserved); i++)
		if (p.reserved[i])
			return -EINVAL;
	r = vtx_spec_ctrl_check_policy(&vtx_spec_ctrl_host, p.mode, p.mask,
				       p.forced);
	if (r)
		return r;

	mutex_lock(&vm->lock);
	for (i = 0; i < VTX_MAX_VCPUS; i++) {
		if (vm->vcpus[i]) {
			r = -EBUSY;
			break;
		}
	}
	if (!r) {
		vm->spec_ctrl_mode = p.mode;
		vm->spec_ctrl_mask = p.mask;
		vm->spec_ctrl_forced = p.forced;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * vtx_spec_ctrl_get_policy() - VTX_GET_SPEC_CTRL_POLICY
 * @vm: the VM
 * @argp: the user's struct vtx_spec_ctrl_policy
 *
 * Return: 0 or -EFAULT.
 */
long vtx_spec_ctrl_get_policy(struct vtx_vm *vm, void __user *argp)
{
	struct vtx_spec_ctrl_policy p = {};

	mutex_lock(&vm->lock);
	p.mode = vm->spec_ctrl_mode;
	p.mask = vm->spec_ctrl_mask;
	p.forced = vm->spec_ctrl_forced;
	mutex_unlock(&vm->lock);
	return copy_to_user(argp, &p, sizeof(p)) ? -EFAULT : 0;
}

/* The guest list entry VM entry loads and VM exit stores, or NULL. */
u64 *vtx_spec_ctrl_hw_guest_slot(struct vtx_vcpu *vcpu)
{
	int i;

	if (!vcpu->spec_ctrl.plan.on_lists)
		return NULL;
	/* Looked up once after each change of the list, not every entry. */
	if (!vcpu->spec_ctrl_slot) {
		i = vtx_msr_list_find(&vcpu->msr_guest, MSR_IA32_SPEC_CTRL);
		if (i >= 0)
			vcpu->spec_ctrl_slot = &vcpu->msr_guest.e[i].value;
	}
	return vcpu->spec_ctrl_slot;
}

/* The guest's shadow, wherever its mode keeps it. */
static u64 vtx_spec_ctrl_hw_shadow(struct vtx_vcpu *vcpu)
{
	u64 *slot;

	switch (vcpu->spec_ctrl.plan.mode) {
	case VTX_SPEC_CTRL_VIRTUALIZE:
		return vmcs_read64(VTX_VMCS_SPEC_CTRL_SHADOW);
	case VTX_SPEC_CTRL_PASSTHROUGH:
		slot = vtx_spec_ctrl_hw_guest_slot(vcpu);
		return slot ? *slot : 0;
	default:
		return vcpu->spec_ctrl.shadow;
	}
}

/* The effective value, as VM exit stored it or as entry will load it. */
static u64 vtx_spec_ctrl_hw_effective(struct vtx_vcpu *vcpu)
{
	u64 *slot = vtx_spec_ctrl_hw_guest_slot(vcpu);

	if (slot)
		return *slot;
	return vtx_spec_ctrl_effective(vcpu->spec_ctrl.shadow,
				       vcpu->vm->spec_ctrl_mask,
				       vcpu->vm->spec_ctrl_forced);
}

/* Store @shadow and the effective value it gives. */
static int vtx_spec_ctrl_hw_store(struct vtx_vcpu *vcpu, u64 shadow)
{
	struct vtx_spec_ctrl_vcpu *s = &vcpu->spec_ctrl;
	u64 eff = vtx_spec_ctrl_effective(shadow, vcpu->vm->spec_ctrl_mask,
					  vcpu->vm->spec_ctrl_forced);

	u64 *slot;

	s->shadow = shadow;
	if (s->plan.mode == VTX_SPEC_CTRL_VIRTUALIZE)
		vmcs_write64(VTX_VMCS_SPEC_CTRL_SHADOW, shadow);
	if (!s->plan.on_lists)
		return 0;
	/* Already listed: update the entry in place. */
	slot = vtx_spec_ctrl_hw_guest_slot(vcpu);
	if (slot) {
		*slot = eff;
		return 0;
	}
	return vtx_msr_switch_set(vcpu, MSR_IA32_SPEC_CTRL, eff);
}

static void vtx_spec_ctrl_hw_intercept(struct vtx_vcpu *vcpu, bool on)
{
	unsigned long *bitmap = page_address(vcpu->msr_bitmap);

	if (on) {
		__set_bit(VTX_MSR_BITMAP_READ_LOW + MSR_IA32_SPEC_CTRL, bitmap);
		__set_bit(VTX_MSR_BITMAP_WRITE_LOW + MSR_IA32_SPEC_CTRL, bitmap);
	} else {
		__clear_bit(VTX_MSR_BITMAP_READ_LOW + MSR_IA32_SPEC_CTRL,
			    bitmap);
		__clear_bit(VTX_MSR_BITMAP_WRITE_LOW + MSR_IA32_SPEC_CTRL,
			    bitmap);
	}
}

/**
 * vtx_spec_ctrl_hw_setup() - (re)program the VMCS for the vCPU's plan
 * @vcpu: the vCPU, its VMCS current, preemption off
 * @first: the VMCS is new: the shadow starts at 0
 *
 * Called when the VMCS is filled and after KVM_SET_CPUID2, which changes
 * the bits the guest may write and so possibly the mode. The shadow
 * carries over from the old mode to the new one.
 */
void vtx_spec_ctrl_hw_setup(struct vtx_vcpu *vcpu, bool first)
{
	struct vtx_spec_ctrl_vcpu *s = &vcpu->spec_ctrl;
	u64 shadow = first ? 0 : vtx_spec_ctrl_hw_shadow(vcpu);
	u32 e70, e72, proc;

	e70 = vtx_cpuid_edx(vcpu, 7, 0);
	e72 = vtx_cpuid_edx(vcpu, 7, 2);
	s->valid = vtx_spec_ctrl_guest_valid(&vtx_spec_ctrl_host, e70, e72);
	vtx_spec_ctrl_plan(&vtx_spec_ctrl_host, vcpu->vm->spec_ctrl_mode,
			   vcpu->vm->spec_ctrl_mask, s->valid, &s->plan);

	proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) &
	       ~VTX_PROC_ACTIVATE_TERTIARY;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc | s->plan.proc);
	if (s->plan.proc) {
		vmcs_write64(TERTIARY_VM_EXEC_CONTROL, s->plan.tertiary);
		vmcs_write64(VTX_VMCS_SPEC_CTRL_MASK, s->plan.mask);
	}
	vtx_spec_ctrl_hw_intercept(vcpu, s->plan.intercept);
	if (!s->plan.on_lists)
		vtx_msr_switch_del(vcpu, MSR_IA32_SPEC_CTRL);
	vtx_spec_ctrl_hw_store(vcpu, shadow);
}

/**
 * vtx_spec_ctrl_hw_get() - RDMSR or KVM_GET_MSRS of IA32_SPEC_CTRL
 * @vcpu: the vCPU
 * @value: the shadow
 * @host: KVM_GET_MSRS
 *
 * Return: 0, or -EINVAL: the guest gets #GP.
 */
int vtx_spec_ctrl_hw_get(struct vtx_vcpu *vcpu, u64 *value, bool host)
{
	int r = vtx_spec_ctrl_check_read(vcpu->spec_ctrl.valid, host);

	if (!r)
		*value = vtx_spec_ctrl_hw_shadow(vcpu);
	return r;
}

/*
 * Does this CPU's IA32_SPEC_CTRL take @value? Write it, then put back
 * what was there, with interrupts off so that nothing of the host runs
 * in between but an NMI, as KVM's probe does. Only KVM_SET_MSRS calls
 * this, for a value with bits the host does not enumerate.
 */
static bool vtx_spec_ctrl_hw_probe(u64 value)
{
	unsigned long flags;
	u64 saved;
	bool ok;

	local_irq_save(flags);
	rdmsrl(MSR_IA32_SPEC_CTRL, saved);
	ok = !wrmsrl_safe(MSR_IA32_SPEC_CTRL, value);
	wrmsrl(MSR_IA32_SPEC_CTRL, saved);
	local_irq_restore(flags);
	return ok;
}

/**
 * vtx_spec_ctrl_hw_set() - WRMSR or KVM_SET_MSRS of IA32_SPEC_CTRL
 * @vcpu: the vCPU
 * @value: the new shadow
 * @host: KVM_SET_MSRS
 *
 * A refused value changes nothing.
 *
 * Return: 0; -EINVAL (the guest gets #GP); -ENOSPC (the vCPU is dead).
 */
int vtx_spec_ctrl_hw_set(struct vtx_vcpu *vcpu, u64 value, bool host)
{
	int r;

	if (host)
		r = vtx_spec_ctrl_check_host_write(&vtx_spec_ctrl_host, value,
						   vtx_spec_ctrl_hw_probe);
	else
		r = vtx_spec_ctrl_check_write(&vtx_spec_ctrl_host,
					      vcpu->spec_ctrl.valid, value,
					      false);
	if (!r)
		r = vtx_spec_ctrl_hw_store(vcpu, value);
	if (!r && trace_vtx_spec_ctrl_enabled())
		trace_vtx_spec_ctrl(vcpu->id, value,
				    vtx_spec_ctrl_hw_effective(vcpu), host);
	return r;
}

/**
 * vtx_spec_ctrl_hw_wrmsr() - the guest's WRMSR of IA32_SPEC_CTRL exited
 * @vcpu: the vCPU
 * @value: EDX:EAX
 *
 * vtx_spec_ctrl_hw_set() with the same rules, and a straight path for
 * the case that exits at all: intercept mode with the MSR already listed.
 * There the write is one check, one store of the shadow and one of the
 * effective value into the entry VM entry loads, with no calls.
 *
 * Return: 0; -EINVAL (the guest gets #GP); -ENOSPC (the vCPU is dead).
 */
int vtx_spec_ctrl_hw_wrmsr(struct vtx_vcpu *vcpu, u64 value)
{
	struct vtx_spec_ctrl_vcpu *s = &vcpu->spec_ctrl;
	u64 *slot = vcpu->spec_ctrl_slot;

	s->wrmsr_exits++;
	if (likely(slot && s->plan.mode == VTX_SPEC_CTRL_INTERCEPT)) {
		if (vtx_spec_ctrl_check_write(&vtx_spec_ctrl_host, s->valid,
					      value, false))
			return -EINVAL;
		s->shadow = value;
		*slot = vtx_spec_ctrl_effective(value, vcpu->vm->spec_ctrl_mask,
						vcpu->vm->spec_ctrl_forced);
		trace_vtx_spec_ctrl(vcpu->id, value, *slot, false);
		return 0;
	}
	return vtx_spec_ctrl_hw_set(vcpu, value, false);
}

/**
 * vtx_spec_ctrl_hw_pred_cmd() - WRMSR or KVM_SET_MSRS of IA32_PRED_CMD
 * @vcpu: the vCPU
 * @value: 0, or PRED_CMD_IBPB
 * @host: KVM_SET_MSRS, which may only write 0
 *
 * A guest whose CPUID grants IBRS (CPUID.(7,0):EDX[26], which also
 * enumerates IBPB) gets a real IBPB on this CPU.
 *
 * Return: 0, or -EINVAL: the guest gets #GP.
 */
int vtx_spec_ctrl_hw_pred_cmd(struct vtx_vcpu *vcpu, u64 value, bool host)
{
	if (host)
		return value ? -EINVAL : 0;
	if (!(vcpu->spec_ctrl.valid & VTX_SPEC_CTRL_IBRS) ||
	    (value & ~PRED_CMD_IBPB))
		return -EINVAL;
	if (value)
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	return 0;
}

/**
 * vtx_spec_ctrl_get_state() - VTX_GET_SPEC_CTRL_STATE
 * @vcpu: the vCPU, loaded
 * @argp: the user's struct vtx_spec_ctrl_state
 *
 * Return: 0 or -EFAULT.
 */
long vtx_spec_ctrl_get_state(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct vtx_spec_ctrl_vcpu *s = &vcpu->spec_ctrl;
	struct vtx_spec_ctrl_state st = {};

	preempt_disable();
	st.mode = s->plan.mode;
	st.shadow = vtx_spec_ctrl_hw_shadow(vcpu);
	st.effective = vtx_spec_ctrl_hw_effective(vcpu);
	preempt_enable();
	st.mask = vcpu->vm->spec_ctrl_mask;
	st.forced = vcpu->vm->spec_ctrl_forced;
	st.valid = s->valid;
	st.rdmsr_exits = s->rdmsr_exits;
	st.wrmsr_exits = s->wrmsr_exits;
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}
