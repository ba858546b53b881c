// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vtx: a misc device that speaks a subset of the /dev/kvm ABI, with
 * KVM's ioctl numbers and structures, plus vtx's own ioctls from
 * <uapi/linux/vtx.h>.
 *
 * An ioctl outside the subset fails as on /dev/kvm: KVM answers any
 * unknown system ioctl with -EINVAL. Unknown ioctls of vtx's own type
 * get -ENOTTY. User memory is touched only through copy_to_user().
 *
 * Context: process context, any task that opened the device (root only).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <uapi/linux/vtx.h>

#include "caps.h"
#include "mitigation.h"
#include "controls.h"
#include "cpuid.h"
#include "dev.h"
#include "msr.h"
#include "vm.h"
#include "vmcs_init.h"

/* The /dev/kvm API version that /dev/vtx implements. */
#define VTX_KVM_API_VERSION 12

static long vtx_dev_get_capabilities(void __user *argp)
{
	struct vtx_capabilities report;

	vtx_caps_report(&vtx_host_caps, &report);
	vtx_mitigation_report(&report.mitigations, &report.host_bugs);
	if (!vtx_vmcs_controls.efer_in_vmcs)
		report.config |= VTX_CONFIG_EFER_MSR_LIST;
	if (copy_to_user(argp, &report, sizeof(report)))
		return -EFAULT;
	return 0;
}

static long vtx_dev_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return VTX_KVM_API_VERSION;
	case KVM_CREATE_VM:
		return vtx_vm_create(arg);
	case KVM_CHECK_EXTENSION:
		return vtx_vm_check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		/* struct kvm_run, then the port I/O page, as in KVM. */
		return 2 * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return vtx_cpuid_get_supported(argp);
	case KVM_GET_MSR_INDEX_LIST:
		return vtx_msr_get_index_list(argp);
	case VTX_GET_CAPABILITIES:
		return vtx_dev_get_capabilities(argp);
	}

	if (_IOC_TYPE(cmd) == VTXIO)
		return -ENOTTY;
	return -EINVAL;
}

static const struct file_operations vtx_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vtx_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vtx_dev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vtx",
	.fops = &vtx_dev_fops,
	.mode = 0600,
};

/**
 * vtx_dev_init() - publish /dev/vtx
 *
 * Called last in module init: once the device exists, user space can
 * reach everything behind it.
 *
 * Return: 0 or a negative errno.
 */
int vtx_dev_init(void)
{
	return misc_register(&vtx_dev_misc);
}

/**
 * vtx_dev_exit() - remove /dev/vtx
 *
 * Called first in module exit, which cannot start while a file is open:
 * each open file holds a module reference through .owner.
 */
void vtx_dev_exit(void)
{
	misc_deregister(&vtx_dev_misc);
}
