/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make kapi-check: the declaration of the older emergency VMCLEAR hook, as
 * <asm/kexec.h> of 6.1.y kernels before the backport has it, so that
 * src/crash.c's older path can be compiled against Debian's headers.
 */
typedef void crash_vmclear_fn(void);
extern crash_vmclear_fn __rcu *crash_vmclear_loaded_vmcss;
