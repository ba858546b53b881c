/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_RUN: the run loop.
 */
#ifndef VTX_RUN_H
#define VTX_RUN_H

struct vtx_vcpu;

int vtx_run(struct vtx_vcpu *vcpu);
void vtx_run_put_host(struct vtx_vcpu *vcpu);

/* src/asm/vmenter.S */
int vtx_vmenter(unsigned long *regs, unsigned int flags, u64 *spec_ctrl);
void vtx_do_nmi_irqoff(void);

#endif /* VTX_RUN_H */
