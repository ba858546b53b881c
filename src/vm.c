// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: KVM_CREATE_VM, the VM fd and its ioctls, and the VM's
 * lifetime.
 *
 * A VM is reference-counted: its fd holds one reference and every vCPU fd
 * holds another, so closing fds in any order, from any thread, frees the
 * VM (and its vCPUs) exactly once, after the last close. Each open fd also
 * pins the module through .owner. As in KVM, only the process that created
 * the VM may use it: after fork() the child gets -EIO.
 *
 * Context: process context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/cpumask.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include <uapi/linux/vtx.h>

#include "spec_ctrl_hw.h"
#include "controls.h"
#include "fpu_state.h"
#include "stats.h"
#include "vcpu.h"
#include "vm.h"
#include "vmcs_init.h"

/**
 * vtx_vm_check_extension() - KVM_CHECK_EXTENSION on /dev/vtx or a VM fd
 * @ext: the KVM_CAP_* number
 *
 * Honest: only what vtx implements is reported.
 *
 * Return: 0 when unsupported, else the capability's value.
 */
long vtx_vm_check_extension(unsigned long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_HLT:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_SET_GUEST_DEBUG:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_INTR_SHADOW:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_BINARY_STATS_FD:
		return 1;
	case KVM_CAP_XSAVE:
	case KVM_CAP_XCRS:
		return !!vtx_fpu_supported_xcr0();
	case KVM_CAP_XSAVE2:
		return vtx_fpu_xsave2_size();
	case KVM_CAP_USER_NMI:
		return vtx_vmcs_controls.vnmi;
	case KVM_CAP_NR_MEMSLOTS:
		return VTX_NR_MEMSLOTS;
	case KVM_CAP_NR_VCPUS:
		return min_t(unsigned int, num_online_cpus(), VTX_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return VTX_MAX_VCPUS;
	}
	return 0;
}

void vtx_vm_get(struct vtx_vm *vm)
{
	kref_get(&vm->ref);
}

static void vtx_vm_release(struct kref *ref)
{
	struct vtx_vm *vm = container_of(ref, struct vtx_vm, ref);
	unsigned int id;

	for (id = 0; id < VTX_MAX_VCPUS; id++)
		if (vm->vcpus[id])
			vtx_vcpu_destroy(vm->vcpus[id]);
	vtx_mmu_notifier_unregister(vm);
	vtx_ept_destroy(&vm->ept);
	mmdrop(vm->mm);
	kfree(vm);
}

void vtx_vm_put(struct vtx_vm *vm)
{
	kref_put(&vm->ref, vtx_vm_release);
}

/**
 * vtx_vm_flush_ept() - make every vCPU drop translations of removed pages
 * @vm: the VM; the entries are already gone from its EPT
 *
 * Bump the generation that each vCPU checks, with interrupts off, before
 * every entry; then interrupt every CPU. A vCPU in guest mode exits on the
 * interrupt, and this returns only once every CPU has taken it, so no vCPU
 * can still be running on a translation from before the bump: the caller
 * may let the pages, and the tables that were unlinked, go.
 *
 * Context: process context, interrupts on, no sleeping (it may run from
 * an MMU notifier that must not block).
 */
void vtx_vm_flush_ept(struct vtx_vm *vm)
{
	atomic64_inc(&vm->ept_gen);
	/* Pairs with the smp_mb() in the entry path of run.c. */
	smp_mb__after_atomic();
	kick_all_cpus_sync();
}

static long vtx_vm_set_memory(struct vtx_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region mem;

	if (copy_from_user(&mem, argp, sizeof(mem)))
		return -EFAULT;
	return vtx_memslot_set(vm, &mem);
}

/*
 * KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR place the pages that KVM
 * needs to run real mode and unpaged protected mode on CPUs without
 * unrestricted guest. vtx requires unrestricted guest, as kvm_intel does
 * not with it: both are checked as KVM checks them, then ignored.
 */
static long vtx_vm_set_tss_addr(unsigned long addr)
{
	/* Three pages below 4 GiB. */
	if (addr > (unsigned int)(-3 * PAGE_SIZE))
		return -EINVAL;
	return 0;
}

static long vtx_vm_set_identity_map_addr(struct vtx_vm *vm, void __user *argp)
{
	u64 addr;
	long r = -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus)
		goto out;
	r = -EFAULT;
	if (copy_from_user(&addr, argp, sizeof(addr)))
		goto out;
	r = 0;
out:
	mutex_unlock(&vm->lock);
	return r;
}

static long vtx_vm_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	struct vtx_vm *vm = filp->private_data;

	if (vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case KVM_SET_USER_MEMORY_REGION:
		return vtx_vm_set_memory(vm, (void __user *)arg);
	case KVM_CREATE_VCPU:
		return vtx_vcpu_create(vm, arg);
	case KVM_CHECK_EXTENSION:
		return vtx_vm_check_extension(arg);
	case KVM_SET_TSS_ADDR:
		return vtx_vm_set_tss_addr(arg);
	case KVM_SET_IDENTITY_MAP_ADDR:
		return vtx_vm_set_identity_map_addr(vm, (void __user *)arg);
	case VTX_SET_SPEC_CTRL_POLICY:
		return vtx_spec_ctrl_set_policy(vm, (void __user *)arg);
	case VTX_GET_SPEC_CTRL_POLICY:
		return vtx_spec_ctrl_get_policy(vm, (void __user *)arg);
	case KVM_GET_STATS_FD:
		return vtx_stats_fd(vm, NULL);
	}
	/* KVM answers an unknown VM ioctl with -ENOTTY. */
	return -ENOTTY;
}

static int vtx_vm_file_release(struct inode *inode, struct file *filp)
{
	vtx_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations vtx_vm_fops = {
	.owner = THIS_MODULE,
	.release = vtx_vm_file_release,
	.unlocked_ioctl = vtx_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * vtx_vm_create() - KVM_CREATE_VM
 * @type: the machine type; only 0 exists
 *
 * The fd is published last, once the VM is complete.
 *
 * Return: the new VM fd, or -EINVAL for a non-zero type, -ENOMEM, -EMFILE.
 */
int vtx_vm_create(unsigned long type)
{
	struct vtx_vm *vm;
	struct file *file;
	int fd;

	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	if (vtx_ept_init(&vm->ept)) {
		kfree(vm);
		return -ENOMEM;
	}
	vm->mm = current->mm;
	mmgrab(vm->mm);
	fd = vtx_mmu_notifier_register(vm);
	if (fd)
		goto error_put_vm;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto error_put_vm;
	file = anon_inode_getfile("vtx-vm", &vtx_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto error_put_vm;
	}
	fd_install(fd, file);
	return fd;

error_put_vm:
	vtx_vm_put(vm);
	return fd;
}
