/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM-exit dispatch and handlers.
 */
#ifndef VTX_EXIT_H
#define VTX_EXIT_H

#include <linux/types.h>

struct vtx_vcpu;

/*
 * vtx_exit_handle(): an EPT violation at vcpu->fault_gpa; the run loop
 * resolves it preemptible, since that may sleep (vtx_ept_fault()).
 */
#define VTX_EXIT_EPT_FAULT	2
/* INS or OUTS, for the run loop to complete preemptible (mmio.c). */
#define VTX_EXIT_STRING_IO	3

int vtx_exit_handle(struct vtx_vcpu *vcpu, u32 exit_reason);
void vtx_exit_inject(u8 vector, bool has_error, u32 error);
void vtx_exit_complete_pio(struct vtx_vcpu *vcpu);
void vtx_exit_advance(struct vtx_vcpu *vcpu, unsigned int len);

#endif /* VTX_EXIT_H */
