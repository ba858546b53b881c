/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM objects: the vCPU table and the VM's lifetime.
 */
#ifndef VTX_VM_H
#define VTX_VM_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct mm_struct;
struct vtx_vcpu;

/* vCPU ids run from 0 to VTX_MAX_VCPUS - 1, as many vCPUs as ids. */
#define VTX_MAX_VCPUS 128

/**
 * struct vtx_vm - one virtual machine
 * @ref: held by the VM fd and by every vCPU fd
 * @mm: the creating process's mm; other processes get -EIO, as in KVM
 * @lock: serialises vCPU creation
 * @vcpus: the vCPUs by id; an entry is set once the vCPU is complete
 */
struct vtx_vm {
	struct kref ref;
	struct mm_struct *mm;
	struct mutex lock;	/* serialises vCPU creation */
	struct vtx_vcpu *vcpus[VTX_MAX_VCPUS];
};

int vtx_vm_create(unsigned long type);
void vtx_vm_get(struct vtx_vm *vm);
void vtx_vm_put(struct vtx_vm *vm);
long vtx_vm_check_extension(unsigned long ext);

#endif /* VTX_VM_H */
