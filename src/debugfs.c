// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vtx/: a view of vtx's state, root only, and test
 * knobs.
 *
 *   cpus	one line per possible CPU: "cpu<N> online=<0|1> vmx=<on|off>"
 *   vmcs	"allocated=<N>": VMCSs allocated and not yet freed; then for
 *		each possible CPU, one line per VMCS on its loaded list,
 *		"vmcs=<physical address> cpu=<N> launched=<0|1>", followed by
 *		"cpu<N> loaded=<count>"
 *   msr_list_capacity
 *		the entries each VM-entry/exit MSR list of a new vCPU may
 *		hold, in decimal: min(IA32_VMX_MISC's recommendation, one
 *		page) at load. Writing a lower value, 1 or more, lets a test
 *		fill a list on purpose; anything else is refused (-EINVAL).
 *   ept	"tables=<N> large_leaves=<N> splits=<N>": EPT table pages
 *		and 2 MiB EPT leaves in use, over every VM, and 2 MiB
 *		leaves split since load for an instruction fetch
 *		(nx_huge_pages)
 *   nmi_ipi	write a CPU number: one NMI IPI to that CPU, which vtx's
 *		own NMI handler claims (nmi_ipi.c); read: how many it
 *		claimed since load. A test knob: NMIs hitting a guest.
 *   vmxoff_in_run
 *		write 1: the next vCPU entry first turns VMX off on its CPU,
 *		as a reboot or kexec IPI landing there would. A test knob:
 *		KVM_RUN must then fail with -EIO, without an oops.
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
#include "ept.h"
#include "msr_switch.h"
#include "nmi_ipi.h"
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

static int vtx_debugfs_ept_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "tables=%ld large_leaves=%ld splits=%ld\n",
		   atomic_long_read(&vtx_ept_tables),
		   atomic_long_read(&vtx_ept_large_leaves),
		   atomic_long_read(&vtx_ept_splits));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vtx_debugfs_ept);

static int vtx_debugfs_msr_capacity_get(void *data, u64 *val)
{
	*val = vtx_msr_switch_capacity();
	return 0;
}

static int vtx_debugfs_msr_capacity_set(void *data, u64 val)
{
	return val > U32_MAX ? -EINVAL : vtx_msr_switch_set_capacity(val);
}
DEFINE_DEBUGFS_ATTRIBUTE(vtx_debugfs_msr_capacity_fops,
			 vtx_debugfs_msr_capacity_get,
			 vtx_debugfs_msr_capacity_set, "%llu\n");

static int vtx_debugfs_nmi_ipi_get(void *data, u64 *val)
{
	*val = vtx_nmi_ipi_handled();
	return 0;
}

static int vtx_debugfs_nmi_ipi_set(void *data, u64 val)
{
	return val > UINT_MAX ? -EINVAL : vtx_nmi_ipi_send(val);
}
DEFINE_DEBUGFS_ATTRIBUTE(vtx_debugfs_nmi_ipi_fops, vtx_debugfs_nmi_ipi_get,
			 vtx_debugfs_nmi_ipi_set, "%llu\n");

static int vtx_debugfs_vmxoff_set(void *data, u64 val)
{
	vtx_cpu_test_vmxoff_arm(val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vtx_debugfs_vmxoff_fops, NULL, vtx_debugfs_vmxoff_set,
			 "%llu\n");

void vtx_debugfs_init(void)
{
	vtx_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("cpus", 0400, vtx_debugfs_dir, NULL,
			    &vtx_debugfs_cpus_fops);
	debugfs_create_file("vmcs", 0400, vtx_debugfs_dir, NULL,
			    &vtx_debugfs_vmcs_fops);
	debugfs_create_file("ept", 0400, vtx_debugfs_dir, NULL,
			    &vtx_debugfs_ept_fops);
	debugfs_create_file_unsafe("msr_list_capacity", 0600, vtx_debugfs_dir,
				   NULL, &vtx_debugfs_msr_capacity_fops);
	debugfs_create_file_unsafe("nmi_ipi", 0600, vtx_debugfs_dir, NULL,
				   &vtx_debugfs_nmi_ipi_fops);
	debugfs_create_file_unsafe("vmxoff_in_run", 0200, vtx_debugfs_dir,
				   NULL, &vtx_debugfs_vmxoff_fops);
}

void vtx_debugfs_exit(void)
{
	debugfs_remove_recursive(vtx_debugfs_dir);
}
