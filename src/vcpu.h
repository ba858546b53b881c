/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU objects: creation, the vCPU fd, loading, and destruction with
 * their VM.
 */
#ifndef VTX_VCPU_H
#define VTX_VCPU_H

#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/types.h>

struct vtx_vm;
struct vtx_vmcs;

/**
 * struct vtx_vcpu - one virtual CPU
 * @vm: its VM; a vCPU lives exactly as long as its VM
 * @id: the id user space chose
 * @vmcs: its VMCS; loaded on the CPU that runs its ioctl
 * @mutex: serialises the vCPU's ioctls, as KVM's vcpu->mutex does
 * @preempt: reloads the VMCS when the ioctl's thread changes CPU
 */
struct vtx_vcpu {
	struct vtx_vm *vm;
	u32 id;
	struct vtx_vmcs *vmcs;
	struct mutex mutex;	/* serialises the vCPU's ioctls */
	struct preempt_notifier preempt;
};

void vtx_vcpu_init(void);
void vtx_vcpu_exit(void);
int vtx_vcpu_create(struct vtx_vm *vm, unsigned long id);
void vtx_vcpu_destroy(struct vtx_vcpu *vcpu);

#endif /* VTX_VCPU_H */
