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
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/linux/vtx.h>

#include "vcpu.h"
#include "vm.h"
#include "vmcs.h"

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
	vtx_vmcs_load(vtx_preempt_to_vcpu(pn)->vmcs);
}

/* Nothing to save: the VMCS stays loaded on this CPU until it moves. */
static void vtx_vcpu_sched_out(struct preempt_notifier *pn,
			       struct task_struct *next)
{
}

static struct preempt_ops vtx_vcpu_preempt_ops = {
	.sched_in = vtx_vcpu_sched_in,
	.sched_out = vtx_vcpu_sched_out,
};

/* Load the VMCS here and follow the thread. Under vcpu->mutex. */
static int vtx_vcpu_load(struct vtx_vcpu *vcpu)
{
	int r;

	preempt_disable();
	r = vtx_vmcs_load(vcpu->vmcs);
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

	if (copy_to_user(argp, &stats, sizeof(stats)))
		return -EFAULT;
	return 0;
}

static long vtx_vcpu_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	struct vtx_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case VTX_GET_VCPU_STATS:
		break;
	default:
		/* KVM answers an unknown vCPU ioctl with -EINVAL. */
		return _IOC_TYPE(cmd) == VTXIO ? -ENOTTY : -EINVAL;
	}

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	r = vtx_vcpu_load(vcpu);
	if (r)
		goto out_unlock;

	switch (cmd) {
	case VTX_GET_VCPU_STATS:
		r = vtx_vcpu_get_stats(vcpu, argp);
		break;
	}

	vtx_vcpu_put(vcpu);
out_unlock:
	mutex_unlock(&vcpu->mutex);
	return r;
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
	.llseek = noop_llseek,
};

static struct vtx_vcpu *vtx_vcpu_alloc(struct vtx_vm *vm, u32 id)
{
	struct vtx_vcpu *vcpu;
	struct vtx_vmcs *vmcs;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vmcs = vtx_vmcs_alloc();
	if (IS_ERR(vmcs)) {
		kfree(vcpu);
		return ERR_CAST(vmcs);
	}
	vcpu->vmcs = vmcs;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->preempt, &vtx_vcpu_preempt_ops);
	return vcpu;
}

/**
 * vtx_vcpu_destroy() - free a vCPU; only its VM's release calls this
 * @vcpu: the vCPU; no ioctl can be running, as no fd is left
 *
 * Process context. The VMCS is cleared on the CPU that may cache it.
 */
void vtx_vcpu_destroy(struct vtx_vcpu *vcpu)
{
	vtx_vmcs_free(vcpu->vmcs);
	kfree(vcpu);
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
	mutex_unlock(&vm->lock);

	fd_install(fd, file);
	return fd;

error_destroy:
	vtx_vcpu_destroy(vcpu);
error_unlock:
	mutex_unlock(&vm->lock);
	return fd;
}
