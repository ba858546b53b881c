// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects: KVM_CREATE_VCPU, the vCPU fd, and destruction.
 *
 * A vCPU belongs to its VM and is freed with it: a vCPU fd holds a VM
 * reference, so the vCPU stays alive while any fd of the VM is open.
 * Each vCPU owns a VMCS region stamped with the revision id from
 * IA32_VMX_BASIC.
 *
 * Context: process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "caps.h"
#include "vcpu.h"
#include "vm.h"

static long vtx_vcpu_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	struct vtx_vcpu *vcpu = filp->private_data;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	/* KVM answers an unknown vCPU ioctl with -EINVAL. */
	return -EINVAL;
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

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return NULL;
	vcpu->vmcs = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->vmcs) {
		kfree(vcpu);
		return NULL;
	}
	*(u32 *)page_address(vcpu->vmcs) =
		vtx_caps_vmcs_revision(&vtx_host_caps);
	vcpu->vm = vm;
	vcpu->id = id;
	return vcpu;
}

/**
 * vtx_vcpu_destroy() - free a vCPU; only its VM's release calls this
 * @vcpu: the vCPU
 */
void vtx_vcpu_destroy(struct vtx_vcpu *vcpu)
{
	__free_page(vcpu->vmcs);
	kfree(vcpu);
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
 * id in use, -ENOMEM, -EMFILE.
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
	if (!vcpu) {
		fd = -ENOMEM;
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
