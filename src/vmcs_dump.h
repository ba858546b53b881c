/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VTX_VMCS_DUMP_H
#define VTX_VMCS_DUMP_H

#include <linux/types.h>

struct vtx_vcpu;

void vtx_vmcs_dump(struct vtx_vcpu *vcpu, u32 why);

#endif /* VTX_VMCS_DUMP_H */
