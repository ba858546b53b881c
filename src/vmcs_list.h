/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU list of loaded VMCSs, as pure list operations.
 *
 * A crash or kexec NMI can interrupt any of these operations on the same
 * CPU and then walk the list forward to VMCLEAR every entry. The order of
 * the stores below is what makes that walk safe; the KUnit suite
 * vtx_vmcs_list runs the walk after every single store to prove it.
 */
#ifndef VTX_VMCS_LIST_H
#define VTX_VMCS_LIST_H

#include <linux/list.h>
#include <linux/types.h>

/**
 * struct vtx_list_probe - a hook run after every store of an operation
 * @after_store: called with the probe after each store
 *
 * Only the KUnit interleaving suite passes a probe, to simulate an NMI at
 * every step; the module passes NULL.
 */
struct vtx_list_probe {
	void (*after_store)(struct vtx_list_probe *probe);
};

void vtx_vmcs_list_add(struct list_head *entry, struct list_head *head,
		       struct vtx_list_probe *probe);
void vtx_vmcs_list_del(struct list_head *entry, struct vtx_list_probe *probe);
void vtx_vmcs_list_clear(struct list_head *entry,
			 void (*vmclear)(struct list_head *entry),
			 struct vtx_list_probe *probe);
int vtx_vmcs_list_load(struct list_head *entry, struct list_head *head,
		       bool add,
		       int (*vmptrld)(struct list_head *entry, void *arg),
		       void *arg, struct vtx_list_probe *probe);
unsigned int vtx_vmcs_list_walk(struct list_head *head, unsigned int limit,
				void (*fn)(struct list_head *entry, void *arg),
				void *arg);

#endif /* VTX_VMCS_LIST_H */
