/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the run loop (C) and src/asm/vmenter.S: the flags
 * argument of vtx_vmenter() and the layout of the guest GPR array.
 * #defines only, so that both sides include it.
 */
#ifndef VTX_RUN_FLAGS_H
#define VTX_RUN_FLAGS_H

#include <linux/bits.h>

/* vtx_vmenter() flags: VMRESUME instead of VMLAUNCH */
#define VTX_RUN_VMRESUME_BIT	0
#define VTX_RUN_VMRESUME	BIT(VTX_RUN_VMRESUME_BIT)

/* vtx_vmenter() results other than 0 (a VM exit) */
#define VTX_VMENTER_VMFAIL	1
#define VTX_VMENTER_FAULT	2

/* Index of each guest GPR in the unsigned long array vmenter.S saves. */
#define VTX_REG_RAX	0
#define VTX_REG_RCX	1
#define VTX_REG_RDX	2
#define VTX_REG_RBX	3
#define VTX_REG_RSP	4	/* unused: RSP lives in the VMCS */
#define VTX_REG_RBP	5
#define VTX_REG_RSI	6
#define VTX_REG_RDI	7
#define VTX_REG_R8	8
#define VTX_REG_R9	9
#define VTX_REG_R10	10
#define VTX_REG_R11	11
#define VTX_REG_R12	12
#define VTX_REG_R13	13
#define VTX_REG_R14	14
#define VTX_REG_R15	15
#define VTX_NR_REGS	16

/* The VMCS encoding of HOST_RSP, which vmenter.S writes itself. */
#define VTX_VMCS_HOST_RSP	0x6c14

#endif /* VTX_RUN_FLAGS_H */
