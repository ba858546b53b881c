/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emergency (crash/kexec) hook: VMCLEAR and VMXOFF on every CPU
 * before the next kernel runs. See crash.c.
 */
#ifndef VTX_CRASH_H
#define VTX_CRASH_H

int vtx_crash_init(void);
void vtx_crash_exit(void);

#endif /* VTX_CRASH_H */
