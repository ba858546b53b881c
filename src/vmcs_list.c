// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU list of loaded VMCSs: insert, delete and the forward walk
 * of the crash path, as pure code over struct list_head.
 *
 * Context: add and delete run on the list's own CPU with interrupts off;
 * only an NMI on that CPU can interrupt them, and that NMI may walk the
 * list. The walk runs in NMI context: it takes no locks and reads only
 * ->next. Nothing here allocates or touches hardware.
 *
 * An NMI on the same CPU observes this CPU's stores in program order, so
 * no memory barrier is needed against it, only the compiler's: barrier()
 * keeps the stores in the order written, and WRITE_ONCE()/READ_ONCE()
 * make the publishing stores and the walk's loads single accesses.
 */
#include <linux/compiler.h>
#include <linux/list.h>

#include "vmcs_list.h"

static void vtx_vmcs_list_step(struct vtx_list_probe *probe)
{
	barrier();
	if (probe)
		probe->after_store(probe);
}

/**
 * vtx_vmcs_list_add() - publish @entry at the front of the list @head
 * @entry: the entry; not on any list
 * @head: the list
 * @probe: NULL, or the KUnit suite's hook
 *
 * The entry is fully formed before the final store links it in, so a
 * forward walk sees either the old list or the whole new entry. The
 * caller adds a VMCS before it loads it (VMPTRLD): a VMCS that the CPU
 * may cache is always on the list.
 */
void vtx_vmcs_list_add(struct list_head *entry, struct list_head *head,
		       struct vtx_list_probe *probe)
{
	struct list_head *next = head->next;

	entry->next = next;
	vtx_vmcs_list_step(probe);
	entry->prev = head;
	vtx_vmcs_list_step(probe);
	next->prev = entry;
	vtx_vmcs_list_step(probe);
	/* Publish: from here a forward walk reaches the entry. */
	WRITE_ONCE(head->next, entry);
	vtx_vmcs_list_step(probe);
}

/**
 * vtx_vmcs_list_del() - unlink @entry from its list
 * @entry: the entry; on a list
 * @probe: NULL, or the KUnit suite's hook
 *
 * A single store (prev->next) takes the entry out of forward walks, and
 * the entry's own ->next is left intact until then, so a walk sees either
 * the entry and its successors or neither. The caller VMCLEARs the VMCS
 * before deleting it: once unlinked, the crash walk can no longer reach
 * it.
 */
void vtx_vmcs_list_del(struct list_head *entry, struct vtx_list_probe *probe)
{
	struct list_head *prev = entry->prev;
	struct list_head *next = entry->next;

	next->prev = prev;
	vtx_vmcs_list_step(probe);
	/* Unpublish: from here no forward walk reaches the entry. */
	WRITE_ONCE(prev->next, next);
	vtx_vmcs_list_step(probe);
	entry->next = entry;
	vtx_vmcs_list_step(probe);
	entry->prev = entry;
	vtx_vmcs_list_step(probe);
}

/**
 * vtx_vmcs_list_clear() - VMCLEAR a loaded VMCS, then take it off the list
 * @entry: the VMCS's list entry; on this CPU's list
 * @vmclear: executes VMCLEAR on the VMCS of @entry
 * @probe: NULL, or the KUnit suite's hook
 *
 * VMCLEAR comes first: an NMI that arrives before it finds the VMCS on
 * the list and clears it itself; one that arrives after it has nothing
 * left to clear. Deleting first would open a window in which the VMCS is
 * still cached but no longer on the list, and neither flow clears it.
 */
void vtx_vmcs_list_clear(struct list_head *entry,
			 void (*vmclear)(struct list_head *entry),
			 struct vtx_list_probe *probe)
{
	vmclear(entry);
	vtx_vmcs_list_step(probe);
	vtx_vmcs_list_del(entry, probe);
}

/**
 * vtx_vmcs_list_load() - list a VMCS on this CPU, then make it current
 * @entry: the VMCS's list entry
 * @head: this CPU's list
 * @add: @entry is not on @head yet: publish it first
 * @vmptrld: NULL when the VMCS is already current here; otherwise it runs
 *	VMPTRLD on the VMCS of @entry
 * @arg: passed to @vmptrld
 * @probe: NULL, or the KUnit suite's hook
 *
 * The order of vtx_vmcs_load(): VMPTRLD runs only once the forward walk
 * of the crash path reaches @entry, so a VMCS that the CPU may cache is
 * always on the list. The KUnit suite calls this very function.
 *
 * Return: 0, or the error of @vmptrld.
 */
int vtx_vmcs_list_load(struct list_head *entry, struct list_head *head,
		       bool add,
		       int (*vmptrld)(struct list_head *entry, void *arg),
		       void *arg, struct vtx_list_probe *probe)
{
	if (add)
		vtx_vmcs_list_add(entry, head, probe);
	if (!vmptrld)
		return 0;
	/* Not before the publishing store of the add. */
	barrier();
	return vmptrld(entry, arg);
}

/**
 * vtx_vmcs_list_walk() - call @fn on each entry, walking forward only
 * @head: the list
 * @limit: the most entries to visit, a bound against a corrupted list
 * @fn: called for each entry
 * @arg: passed to @fn
 *
 * Context: any, including NMI. Reads ->next only, never ->prev, which
 * an interrupted add or delete may have left inconsistent.
 *
 * Return: the number of entries visited.
 */
unsigned int vtx_vmcs_list_walk(struct list_head *head, unsigned int limit,
				void (*fn)(struct list_head *entry, void *arg),
				void *arg)
{
	struct list_head *pos;
	unsigned int n = 0;

	for (pos = READ_ONCE(head->next); pos != head && n < limit;
	     pos = READ_ONCE(pos->next), n++)
		fn(pos, arg);
	return n;
}
