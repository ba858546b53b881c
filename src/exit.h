/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM-exit dispatch and handlers.
 */
#ifndef VTX_EXIT_H
#define VTX_EXIT_H

#include <linux/types.h>

struct vtx_vcpu;

/*
 * vtx_exit_handle(): re-enter after splitting the non-executable 2 MiB
 * EPT leaf at vcpu->split_gpa, which may sleep (the run loop does it).
 */
#define VTX_EXIT_SPLIT	2

int vtx_exit_handle(struct vtx_vcpu *vcpu, u32 exit_reason);
void vtx_exit_inject(u8 vector, bool has_error, u32 error);
void vtx_exit_complete_pio(struct vtx_vcpu *vcpu);

#endif /* VTX_EXIT_H */
