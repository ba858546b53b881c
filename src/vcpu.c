// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects: KVM_CREATE_VCPU, the vCPU fd, loading, and destruction.
 *
 * A vCPU belongs to its VM and is freed with it: a vCPU fd holds a VM
 * reference, so the vCPU stays alive while any fd of the VM is open.
 * Each vCPU owns a VMCS (vmcs.c).
 *
 * Every vCPU ioctl runs with the vCPU's VMCS loaded on the calling CPU,
 * as in KVM: the ioctl loads it and registers a preempt notifier, whose
 * sched_in loads it again wherever the scheduler moves the thread. The
 * VMCS stays loaded on the last CPU after the ioctl returns, until it
 * moves or the vCPU is destroyed.
 *
 * Context: process context; the preempt notifier runs with preemption
 * off and interrupts on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/tsc.h>

#include <uapi/linux/vtx.h>

#include "controls.h"
#include "cpuid.h"
#include "debugreg.h"
#include "fpu_state.h"
#include "guest_debug.h"
#include "msr.h"
#include "msr_switch.h"
#include "regs.h"
#include "run.h"
#include "spec_ctrl_hw.h"
#include "stats.h"
#include "vcpu.h"
#include "vm.h"
#include "vmcs.h"
#include "vmcs_init.h"

/* VPIDs 1..0xffff; 0 is the host's. */
static DEFINE_IDA(vtx_vpid_ida);

static inline struct vtx_vcpu *vtx_preempt_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct vtx_vcpu, preempt);
}

/*
 * The thread is about to run on @cpu. Preemption off, interrupts on. A
 * failure (VMX already off for a reboot) leaves the VMCS unloaded; every
 * user of the VMCS checks that it is current before touching it.
 */
static void vtx_vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct vtx_vcpu *vcpu = vtx_preempt_to_vcpu(pn);

	/* Other tasks ran here: vmentry_l1d_flush=cond flushes. */
	vcpu->l1d_flush_pending = true;
	vtx_vmcs_load(vcpu->vmcs);
}

/*
 * The VMCS stays loaded on this CPU until it moves; the host segments
 * and descriptor-table limits of the last exit are put back before
 * __switch_to() saves the thread's. Interrupts off.
 */
static void vtx_vcpu_sched_out(struct preempt_notifier *pn,
			       struct task_struct *next)
{
	vtx_run_put_host(vtx_preempt_to_vcpu(pn));
}

static struct preempt_ops vtx_vcpu_preempt_ops = {
	.sched_in = vtx_vcpu_sched_in,
	.sched_out = vtx_vcpu_sched_out,
};

/*
 * Load the VMCS here and follow the thread. The first load also fills the
 * VMCS, so that every vCPU ioctl sees a complete state. Under vcpu->mutex.
 */
static int vtx_vcpu_load(struct vtx_vcpu *vcpu)
{
	int r;

	preempt_disable();
	r = vtx_vmcs_load(vcpu->vmcs);
	if (!r && !vcpu->vmcs_ready)
		r = vtx_vmcs_init_vcpu(vcpu);
	if (!r)
		preempt_notifier_register(&vcpu->preempt);
	preempt_enable();
	return r;
}

/* Stop following the thread. Under vcpu->mutex. */
static void vtx_vcpu_put(struct vtx_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_unregister(&vcpu->preempt);
	preempt_enable();
}

/* VTX_GET_VCPU_STATS. The VMCS is loaded; the CPU is checked with VMPTRST. */
static long vtx_vcpu_get_stats(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct vtx_vcpu_stats stats = {};
	int cpu;

	preempt_disable();
	cpu = READ_ONCE(vcpu->vmcs->cpu);
	stats.cpu = cpu < 0 ? VTX_CPU_NONE : cpu;
	if (vtx_vmcs_is_current(vcpu->vmcs))
		stats.flags |= VTX_VCPU_STATS_VMCS_CURRENT;
	preempt_enable();
	stats.vmcs_loads = vcpu->vmcs->loads;
	stats.vmcs_migrations = vcpu->vmcs->migrations;
	stats.exits = vcpu->exits;
	BUILD_BUG_ON(ARRAY_SIZE(stats.exit_reason) != VTX_NR_EXIT_COUNTERS);
	memcpy(stats.exit_reason, vcpu->exit_reason, sizeof(stats.exit_reason));
	stats.l1d_flushes = vcpu->l1d_flushes;
	stats.ibpb_requests = vcpu->ibpb_requests;
	stats.ept_splits = vcpu->ept_splits;
	stats.exceptions_db = vcpu->exceptions_db;
	stats.exceptions_ac = vcpu->exceptions_ac;

	if (copy_to_user(argp, &stats, sizeof(stats)))
		return -EFAULT;
	return 0;
}

static long vtx_vcpu_get_regs(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	vtx_regs_get(vcpu, &regs);
	return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static long vtx_vcpu_set_regs(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_regs regs;

	if (copy_from_user(&regs, argp, sizeof(regs)))
		return -EFAULT;
	return vtx_regs_set(vcpu, &regs);
}

static long vtx_vcpu_get_sregs(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs sregs;

	vtx_regs_get_sregs(vcpu, &sregs);
	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

static long vtx_vcpu_set_sregs(struct vtx_vcpu *vcpu, void __user *argp)
{
	struct kvm_sregs sregs;

	if (copy_from_user(&sregs, argp, sizeof(sregs)))
		return -EFAULT;
	return vtx_regs_set_sregs(vcpu, &sregs);
}

/* The CPUID decides which SPEC_CTRL bits exist, and so its mechanism. */
static long vtx_vcpu_set_cpuid(struct vtx_vcpu *vcpu, void __user *argp)
{
	int r = vtx_cpuid_set(vcpu, argp);

	if (!r) {
		vtx_fpu_cpuid_changed(vcpu);
		preempt_disable();
		vtx_spec_ctrl_hw_setup(vcpu, false);
		preempt_enable();
	}
	return r;
}

/*
 * KVM_SET_SIGNAL_MASK: the signals blocked while KVM_RUN runs (run.c);
 * a NULL argument removes the mask. SIGKILL and SIGSTOP stay deliverable.
 */
static long vtx_vcpu_set_signal_mask(struct vtx_vcpu *vcpu,
				     struct kvm_signal_mask __user *argp)
{
	struct kvm_signal_mask head;
	sigset_t set;

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&head, argp, sizeof(head)))
		return -EFAULT;
	if (head.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, argp->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/*
 * KVM_SET_TSC_KHZ: the guest's TSC runs at the host's rate, which vtx
 * does not scale. 0 means the host's rate, as in KVM.
 */
static long vtx_vcpu_set_tsc_khz(unsigned long khz)
{
	if ((u32)khz && (u32)khz != tsc_khz)
		return -EINVAL;
	return 0;
}

/*
 * KVM_GET/SET_MP_STATE: without an in-kernel irqchip a vCPU is always
 * runnable (HLT exits to user space), and KVM refuses any other state.
 */
static long vtx_vcpu_mp_state(bool set, struct kvm_mp_state __user *argp)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (!set)
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	return mp.mp_state == KVM_MP_STATE_RUNNABLE ? 0 : -EINVAL;
}

/* Run @cmd with the vCPU loaded. Under vcpu->mutex. */
static long vtx_vcpu_dispatch(struct vtx_vcpu *vcpu, unsigned int cmd,
			      void __user *argp)
{
	switch (cmd) {
	case KVM_RUN:
		return argp ? -EINVAL : vtx_run(vcpu);
	case KVM_GET_REGS:
		return vtx_vcpu_get_regs(vcpu, argp);
	case KVM_SET_REGS:
		return vtx_vcpu_set_regs(vcpu, argp);
	case KVM_GET_SREGS:
		return vtx_vcpu_get_sregs(vcpu, argp);
	case KVM_SET_SREGS:
		return vtx_vcpu_set_sregs(vcpu, argp);
	case KVM_SET_CPUID2:
		return vtx_vcpu_set_cpuid(vcpu, argp);
	case KVM_GET_CPUID2:
		return vtx_cpuid_get(vcpu, argp);
	case KVM_GET_MSRS:
		return vtx_msr_ioctl(vcpu, argp, false);
	case KVM_SET_MSRS:
		return vtx_msr_ioctl(vcpu, argp, true);
	case KVM_SET_SIGNAL_MASK:
		return vtx_vcpu_set_signal_mask(vcpu, argp);
	case KVM_INTERRUPT:
		return vtx_event_interrupt(vcpu, argp);
	case KVM_GET_FPU:
	case KVM_SET_FPU:
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
	case KVM_SET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_SET_XCRS:
		return vtx_fpu_ioctl(vcpu, cmd, argp);
	case KVM_NMI:
		return vtx_event_nmi(vcpu);
	case KVM_SET_GUEST_DEBUG:
		return vtx_guest_debug_set(vcpu, argp);
	case KVM_GET_VCPU_EVENTS:
	case KVM_SET_VCPU_EVENTS:
		return vtx_event_ioctl(vcpu, cmd == KVM_SET_VCPU_EVENTS, argp);
	case KVM_GET_DEBUGREGS:
	case KVM_SET_DEBUGREGS:
		return vtx_debugreg_ioctl(vcpu, cmd == KVM_SET_DEBUGREGS, argp);
	case KVM_GET_MP_STATE:
	case KVM_SET_MP_STATE:
		return vtx_vcpu_mp_state(cmd == KVM_SET_MP_STATE, argp);
	case KVM_GET_TSC_KHZ:
		return tsc_khz;
	case KVM_SET_TSC_KHZ:
		return vtx_vcpu_set_tsc_khz((unsigned long)argp);
	case VTX_GET_VCPU_STATS:
		return vtx_vcpu_get_stats(vcpu, argp);
	case VTX_GET_SPEC_CTRL_STATE:
		return vtx_spec_ctrl_get_state(vcpu, argp);
	}
	return -EINVAL;
}

static long vtx_vcpu_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	struct vtx_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	/* Not under the mutex: it must not wait for a running vCPU. */
	if (cmd == KVM_GET_STATS_FD)
		return vtx_stats_fd(vcpu->vm, vcpu);

	switch (cmd) {
	case KVM_RUN:
	case KVM_GET_REGS:
	case KVM_SET_REGS:
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
	case KVM_SET_CPUID2:
	case KVM_GET_CPUID2:
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
	case KVM_SET_SIGNAL_MASK:
	case KVM_INTERRUPT:
	case KVM_NMI:
	case KVM_SET_GUEST_DEBUG:
	case KVM_GET_VCPU_EVENTS:
	case KVM_SET_VCPU_EVENTS:
	case KVM_GET_DEBUGREGS:
	case KVM_SET_DEBUGREGS:
	case KVM_GET_MP_STATE:
	case KVM_SET_MP_STATE:
	case KVM_GET_FPU:
	case KVM_SET_FPU:
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
	case KVM_SET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_SET_XCRS:
	case KVM_GET_TSC_KHZ:
	case KVM_SET_TSC_KHZ:
	case VTX_GET_VCPU_STATS:
	case VTX_GET_SPEC_CTRL_STATE:
		break;
	default:
		/* KVM answers an unknown vCPU ioctl with -EINVAL. */
		return _IOC_TYPE(cmd) == VTXIO ? -ENOTTY : -EINVAL;
	}

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	r = vtx_vcpu_load(vcpu);
	if (!r) {
		r = vtx_vcpu_dispatch(vcpu, cmd, (void __user *)arg);
		vtx_vcpu_put(vcpu);
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

/* The mmap: page 0 is struct kvm_run, page 1 the port I/O data. */
static vm_fault_t vtx_vcpu_fault(struct vm_fault *vmf)
{
	struct vtx_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = vcpu->run_page;
	else if (vmf->pgoff == 1)
		page = vcpu->pio_page;
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vtx_vcpu_vm_ops = {
	.fault = vtx_vcpu_fault,
};

static int vtx_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &vtx_vcpu_vm_ops;
	return 0;
}

static int vtx_vcpu_file_release(struct inode *inode, struct file *filp)
{
	struct vtx_vcpu *vcpu = filp->private_data;

	vtx_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations vtx_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vtx_vcpu_file_release,
	.unlocked_ioctl = vtx_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vtx_vcpu_mmap,
	.llseek = noop_llseek,
};

static void vtx_vcpu_free(struct vtx_vcpu *vcpu)
{
	vtx_vmcs_free(vcpu->vmcs);
	vtx_msr_switch_free(vcpu);
	if (vcpu->run_page)
		__free_page(vcpu->run_page);
	if (vcpu->pio_page)
		__free_page(vcpu->pio_page);
	if (vcpu->msr_bitmap)
		__free_page(vcpu->msr_bitmap);
	if (vcpu->vpid)
		ida_free(&vtx_vpid_ida, vcpu->vpid);
	if (vcpu->guest_fpu.fpstate)
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
	kvfree(vcpu->cpuid);
	vtx_ept_cache_free(&vcpu->ept_cache);
	kfree(vcpu);
}

static struct page *vtx_vcpu_alloc_page(void)
{
	return alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}

static struct vtx_vcpu *vtx_vcpu_alloc(struct vtx_vm *vm, u32 id)
{
	struct vtx_vcpu *vcpu;
	struct vtx_vmcs *vmcs;
	int r = -ENOMEM;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->run_page = vtx_vcpu_alloc_page();
	vcpu->pio_page = vtx_vcpu_alloc_page();
	vcpu->msr_bitmap = vtx_vcpu_alloc_page();
	if (!vcpu->run_page || !vcpu->pio_page || !vcpu->msr_bitmap)
		goto error_free;
	/* Every guest RDMSR and WRMSR exits. */
	memset(page_address(vcpu->msr_bitmap), 0xff, PAGE_SIZE);
	vcpu->run = page_address(vcpu->run_page);
	vcpu->xcr0 = XFEATURE_MASK_FP;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto error_free;
	if (vtx_vmcs_controls.vpid) {
		r = ida_alloc_range(&vtx_vpid_ida, 1, 0xffff,
				    GFP_KERNEL_ACCOUNT);
		if (r < 0)
			goto error_free;
		vcpu->vpid = r;
	}
	vmcs = vtx_vmcs_alloc();
	if (IS_ERR(vmcs)) {
		r = PTR_ERR(vmcs);
		goto error_free;
	}
	vcpu->vmcs = vmcs;
	r = vtx_msr_switch_alloc(vcpu);
	if (r)
		goto error_free;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->preempt, &vtx_vcpu_preempt_ops);
	return vcpu;

error_free:
	vtx_vcpu_free(vcpu);
	return ERR_PTR(r);
}

/**
 * vtx_vcpu_destroy() - free a vCPU; only its VM's release calls this
 * @vcpu: the vCPU; no ioctl can be running, as no fd is left
 *
 * Process context. The VMCS is cleared on the CPU that may cache it.
 */
void vtx_vcpu_destroy(struct vtx_vcpu *vcpu)
{
	vtx_vcpu_free(vcpu);
}

/**
 * vtx_vcpu_init() - enable the preempt notifiers vCPU ioctls rely on
 *
 * Process context, at module load.
 */
void vtx_vcpu_init(void)
{
	preempt_notifier_inc();
}

/**
 * vtx_vcpu_exit() - drop the preempt notifier key; no vCPU is left
 */
void vtx_vcpu_exit(void)
{
	preempt_notifier_dec();
}

/**
 * vtx_vcpu_create() - KVM_CREATE_VCPU
 * @vm: the VM
 * @id: the vCPU id, below VTX_MAX_VCPUS
 *
 * The vCPU enters the VM's table and its fd is published only once it is
 * complete; a failure leaves nothing behind.
 *
 * Return: the new vCPU fd; -EINVAL for an id out of range, -EEXIST for an
 * id in use, -ENOMEM, -EMFILE, or -EIO when VMX is off on this CPU.
 */
int vtx_vcpu_create(struct vtx_vm *vm, unsigned long id)
{
	struct vtx_vcpu *vcpu;
	struct file *file;
	int fd;

	if (id >= VTX_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		fd = -EEXIST;
		goto error_unlock;
	}
	vcpu = vtx_vcpu_alloc(vm, id);
	if (IS_ERR(vcpu)) {
		fd = PTR_ERR(vcpu);
		goto error_unlock;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto error_destroy;
	file = anon_inode_getfile("vtx-vcpu", &vtx_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto error_destroy;
	}
	/* The file's reference on the VM; dropped by its release. */
	vtx_vm_get(vm);
	vm->vcpus[id] = vcpu;
	vm->created_vcpus++;
	mutex_unlock(&vm->lock);

	fd_install(fd, file);
	return fd;

error_destroy:
	vtx_vcpu_destroy(vcpu);
error_unlock:
	mutex_unlock(&vm->lock);
	return fd;
}
