/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crash_walk: the crash hook's VMCLEAR walk, timed (debugfs, test only).
 */
#ifndef VTX_CRASH_WALK_H
#define VTX_CRASH_WALK_H

#include <linux/fs.h>

extern const struct file_operations vtx_crash_walk_fops;

#endif /* VTX_CRASH_WALK_H */
