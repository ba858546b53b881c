// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vtx/: a read-only view of vtx's state, root only.
 *
 *   cpus	one line per possible CPU: "cpu<N> online=<0|1> vmx=<on|off>"
 *   vmcs	"allocated=<N>": VMCSs allocated and not yet freed; then for
 *		each possible CPU, one line per VMCS on its loaded list,
 *		"vmcs=<physical address> cpu=<N> launched=<0|1>", followed by
 *		"cpu<N> loaded=<count>"
 *
 * debugfs is best effort: a failure to create it never fails the load.
 * Context: process context.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "cpu.h"
#include "debugfs.h"
#include "vmcs.h"

static struct dentry *vtx_debugfs_dir;

static int vtx_debugfs_cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	/* Keep the online mask and the VMX state consistent with each other. */
	cpus_read_lock();
	for_each_possible_cpu(cpu)
		seq_printf(m, "cpu%u online=%d vmx=%s\n", cpu, cpu_online(cpu),
			   vtx_cpu_vmx_on(cpu) ? "on" : "off");
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtx_debugfs_cpus);

static int vtx_debugfs_vmcs_show(struct seq_file *m, void *unused)
{
	return vtx_vmcs_show(m);
}
DEFINE_SHOW_ATTRIBUTE(vtx_debugfs_vmcs);

void vtx_debugfs_init(void)
{
	vtx_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("cpus", 0400, vtx_debugfs_dir, NULL,
			    &vtx_debugfs_cpus_fops);
	debugfs_create_file("vmcs", 0400, vtx_debugfs_dir, NULL,
			    &vtx_debugfs_vmcs_fops);
}

void vtx_debugfs_exit(void)
{
	debugfs_remove_recursive(vtx_debugfs_dir);
}
