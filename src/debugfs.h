/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /sys/kernel/debug/vtx/: state for tests and for humans, root only.
 */
#ifndef VTX_DEBUGFS_H
#define VTX_DEBUGFS_H

void vtx_debugfs_init(void);
void vtx_debugfs_exit(void);

#endif /* VTX_DEBUGFS_H */
