/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VTX_STATS_H
#define VTX_STATS_H

struct vtx_vm;
struct vtx_vcpu;

int vtx_stats_fd(struct vtx_vm *vm, struct vtx_vcpu *vcpu);

#endif /* VTX_STATS_H */
