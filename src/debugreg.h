/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's debug registers (debugreg.c).
 */
#ifndef VTX_DEBUGREG_H
#define VTX_DEBUGREG_H

#include <linux/types.h>

#include <asm/debugreg.h>

struct vtx_vcpu;

/*
 * DR7: bit 10 always reads 1; 11-15 read 0, general detect (13) included,
 * which vtx does not offer.
 */
#define VTX_DR7_FIXED_1		0x400UL
#define VTX_DR7_VOLATILE	0xffff03ffUL
/* L0-3 and G0-3: an enabled breakpoint needs the guest's DR0-3. */
#define VTX_DR7_BP_ENABLED	0xffUL
/* DR6: B0-3, BD, BS, BT are the guest's; the rest reads as fixed. */
#define VTX_DR6_VOLATILE	0xe00fUL
#define VTX_DR6_FIXED_1		0xffff0ff0UL

void vtx_debugreg_reset(struct vtx_vcpu *vcpu);
void vtx_debugreg_load_guest(struct vtx_vcpu *vcpu);

/**
 * vtx_debugreg_restore_host() - the host's breakpoints after VM exit
 *
 * VM exit left DR7 at 0x400 (every breakpoint off): the host's own DR0-3,
 * DR6 and DR7 come back when it has any breakpoint armed. Without one,
 * stale values in DR0-3 cannot fire.
 *
 * Context: interrupts off, right after VM exit.
 */
static inline void vtx_debugreg_restore_host(void)
{
	if (unlikely(hw_breakpoint_active()))
		hw_breakpoint_restore();
}

void vtx_debugreg_db(struct vtx_vcpu *vcpu, u32 intr_info);
unsigned long vtx_debugreg_read(struct vtx_vcpu *vcpu, unsigned int dr);
long vtx_debugreg_ioctl(struct vtx_vcpu *vcpu, bool set, void __user *argp);
int vtx_debugreg_write(struct vtx_vcpu *vcpu, unsigned int dr,
		       unsigned long val);

#endif /* VTX_DEBUGREG_H */
