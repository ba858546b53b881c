// SPDX-License-Identifier: GPL-2.0
/*
 * crash_walk, a test-only debugfs file: the crash hook's VMCLEAR walk,
 * timed with N VMCSs loaded on one CPU (make bench).
 *
 * Writing N (1 to VTX_CRASH_WALK_MAX) runs, on the writer's CPU with
 * preemption off: N new VMCSs loaded there as vCPUs load theirs
 * (vtx_vmcs_load(): listed, then VMPTRLD), then, interrupts off, the
 * very function the emergency hook calls in NMI context,
 * vtx_vmcs_emergency_clear_this_cpu(), between two ordered TSC reads.
 * The walk leaves vtx's bookkeeping as it was (a crash needs none), so
 * the ordinary clear then takes the VMCSs off the list and they are
 * freed. Reading gives "vmcss=N visited=V tsc=T" of the last run.
 *
 * A CPU that already has VMCSs loaded is refused (-EBUSY): the walk would
 * VMCLEAR them under their vCPUs, which would then fail VMRESUME.
 *
 * Context: process context; the walk itself with interrupts off.
 */
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include <asm/msr.h>

#include "crash_walk.h"
#include "vmcs.h"

#define VTX_CRASH_WALK_MAX	1024

static DEFINE_MUTEX(vtx_crash_walk_lock);
static unsigned int vtx_crash_walk_n;
static unsigned int vtx_crash_walk_visited;
static u64 vtx_crash_walk_tsc;

/* Load @n VMCSs here, time the crash walk over them, clear them again. */
static int vtx_crash_walk_here(struct vtx_vmcs **v, unsigned int n)
{
	unsigned int i, visited;
	unsigned long flags;
	u64 t0, t1;
	int r = 0;

	if (vtx_vmcs_loaded_on_this_cpu())
		return -EBUSY;
	for (i = 0; i < n && !r; i++)
		r = vtx_vmcs_load(v[i]);
	if (!r) {
		local_irq_save(flags);
		t0 = rdtsc_ordered();
		visited = vtx_vmcs_emergency_clear_this_cpu();
		t1 = rdtsc_ordered();
		local_irq_restore(flags);
		vtx_crash_walk_n = n;
		vtx_crash_walk_visited = visited;
		vtx_crash_walk_tsc = t1 - t0;
	}
	local_irq_save(flags);
	vtx_vmcs_clear_this_cpu();
	local_irq_restore(flags);
	return r;
}

static ssize_t vtx_crash_walk_write(struct file *f, const char __user *buf,
				    size_t len, loff_t *ppos)
{
	struct vtx_vmcs **v;
	unsigned int n, i;
	int r;

	r = kstrtouint_from_user(buf, len, 0, &n);
	if (r)
		return r;
	if (!n || n > VTX_CRASH_WALK_MAX)
		return -EINVAL;
	v = kcalloc(n, sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v[i] = vtx_vmcs_alloc();
		if (IS_ERR(v[i])) {
			r = PTR_ERR(v[i]);
			v[i] = NULL;
			goto out;
		}
	}
	mutex_lock(&vtx_crash_walk_lock);
	preempt_disable();
	r = vtx_crash_walk_here(v, n);
	preempt_enable();
	mutex_unlock(&vtx_crash_walk_lock);
out:
	for (i = 0; i < n; i++)
		vtx_vmcs_free(v[i]);
	kfree(v);
	return r ? r : len;
}

static ssize_t vtx_crash_walk_read(struct file *f, char __user *buf,
				   size_t len, loff_t *ppos)
{
	char line[80];
	int n;

	mutex_lock(&vtx_crash_walk_lock);
	n = scnprintf(line, sizeof(line), "vmcss=%u visited=%u tsc=%llu\n",
		      vtx_crash_walk_n, vtx_crash_walk_visited,
		      vtx_crash_walk_tsc);
	mutex_unlock(&vtx_crash_walk_lock);
	return simple_read_from_buffer(buf, len, ppos, line, n);
}

const struct file_operations vtx_crash_walk_fops = {
	.owner = THIS_MODULE,
	.read = vtx_crash_walk_read,
	.write = vtx_crash_walk_write,
	.llseek = default_llseek,
};
