/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NMIs sent to a CPU on request, so that tests can hit a running guest
 * with them (debugfs nmi_ipi).
 */
#ifndef VTX_NMI_IPI_H
#define VTX_NMI_IPI_H

#include <linux/types.h>

int vtx_nmi_ipi_init(void);
void vtx_nmi_ipi_exit(void);
int vtx_nmi_ipi_send(unsigned int cpu);
u64 vtx_nmi_ipi_handled(void);
u64 vtx_nmi_ipi_leaks(void);

#endif /* VTX_NMI_IPI_H */
