/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's debug registers (debugreg.c).
 */
#ifndef VTX_DEBUGREG_H
#define VTX_DEBUGREG_H

#include <linux/types.h>

struct vtx_vcpu;

void vtx_debugreg_reset(struct vtx_vcpu *vcpu);
void vtx_debugreg_load_guest(struct vtx_vcpu *vcpu);
void vtx_debugreg_restore_host(void);
void vtx_debugreg_db(struct vtx_vcpu *vcpu, u32 intr_info);
unsigned long vtx_debugreg_read(struct vtx_vcpu *vcpu, unsigned int dr);
long vtx_debugreg_ioctl(struct vtx_vcpu *vcpu, bool set, void __user *argp);
int vtx_debugreg_write(struct vtx_vcpu *vcpu, unsigned int dr,
		       unsigned long val);

#endif /* VTX_DEBUGREG_H */
