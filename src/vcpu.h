/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU objects: creation, the vCPU fd, and destruction with their VM.
 */
#ifndef VTX_VCPU_H
#define VTX_VCPU_H

#include <linux/types.h>

struct page;
struct vtx_vm;

/**
 * struct vtx_vcpu - one virtual CPU
 * @vm: its VM; a vCPU lives exactly as long as its VM
 * @id: the id user space chose
 * @vmcs: the VMCS region, revision id set, not yet loaded on any CPU
 */
struct vtx_vcpu {
	struct vtx_vm *vm;
	u32 id;
	struct page *vmcs;
};

int vtx_vcpu_create(struct vtx_vm *vm, unsigned long id);
void vtx_vcpu_destroy(struct vtx_vcpu *vcpu);

#endif /* VTX_VCPU_H */
