/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/vtx: the misc device and its system ioctls.
 */
#ifndef VTX_DEV_H
#define VTX_DEV_H

int vtx_dev_init(void);
void vtx_dev_exit(void);

#endif /* VTX_DEV_H */
