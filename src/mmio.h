/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMIO and string port I/O: the accesses that exit to user space one
 * element or one batch at a time, completed on the next KVM_RUN (mmio.c).
 */
#ifndef VTX_MMIO_H
#define VTX_MMIO_H

#include <linux/types.h>

#include "mmio_insn.h"

struct vtx_vcpu;

/**
 * struct vtx_mmio - an access user space is completing
 * @kind: VTX_MMIO_NONE, VTX_MMIO_MEM (KVM_EXIT_MMIO) or VTX_MMIO_STRING
 *	(KVM_EXIT_IO with a string instruction)
 * @insn: the decoded instruction (VTX_MMIO_MEM)
 * @write: the guest writes (MMIO), or OUTS (string I/O)
 * @size: bytes per element
 * @count: elements in this batch (string I/O)
 * @rep: a REP prefix: RCX counts down
 * @addr_size: 2, 4 or 8
 * @seg: the source segment of OUTS or MOVS (enum vtx_insn_seg)
 * @len: the instruction's length
 * @rip: where the instruction is, to check it has not moved
 */
struct vtx_mmio {
	u8 kind;
	struct vtx_insn insn;
	bool write;
	u8 size;
	u16 count;
	bool rep;
	u8 addr_size;
	u8 seg;
	u8 len;
	u64 rip;		/* CS.base + RIP of the instruction */
};

enum { VTX_MMIO_NONE, VTX_MMIO_MEM, VTX_MMIO_STRING };

int vtx_mmio_fault(struct vtx_vcpu *vcpu, u64 gpa, bool write);
int vtx_mmio_string_io(struct vtx_vcpu *vcpu);
int vtx_mmio_complete(struct vtx_vcpu *vcpu);

#endif /* VTX_MMIO_H */
