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
 *   ept	"tables=<N> large_leaves=<N> splits=<N> leaves=<N>
 *		faults=<N>": EPT table pages, 2 MiB and 4 KiB EPT leaves
 *		in use, over every VM; 2 MiB leaves split since load for
 *		an instruction fetch (nx_huge_pages), and EPT violations
 *		resolved by mapping a page since load
 *   nmi_ipi	write a CPU number: one NMI IPI to that CPU, which vtx's
 *		own NMI handler claims (nmi_ipi.c); read: how many it
 *		claimed since load. A test knob: NMIs hitting a guest.
 *   vmxoff_in_run
 *		write 1: the next vCPU entry first turns VMX off on its CPU,
 *		as a reboot or kexec IPI landing there would. A test knob:
 *		KVM_RUN must then fail with -EIO, without an oops.
 *   nmi_msr_leaks
 *		NMIs claimed by nmi_ipi that found a value other than the
 *		host's in IA32_LSTAR, since load
 *   fail_entry_msr
 *		write 1: the next VM entry fails on a bad last entry of its
 *		VM-entry MSR-load list (msr_fault.c); read: "<qualification>
 *		<entries>", the failed entry's 1-based index as the exit
 *		qualification gave it and the guest entries before it
 *   msr_restore_sw
 *		1: vCPUs created from now on restore the host's IA32_LSTAR in
 *		software instead of by the exit-load list (msr_fault.c), the
 *		negative control of the atomic-restore test; 0 (default) off
 *   crash_walk	write N (1 to 1024): the crash hook's VMCLEAR walk over N
 *		VMCSs loaded on the writer's CPU, timed (crash_walk.c);
 *		read: "vmcss=<N> visited=<V> tsc=<cycles>" of the last one
 *
 * debugfs is best effort: a failure to create it never fails the load.
 * Context: process context.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "cpu.h"
#include "crash_walk.h"
#include "debugfs.h"
#include "ept.h"
#include "msr_fault.h"
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
	seq_printf(m, "tables=%ld large_leaves=%ld splits=%ld leaves=%ld faults=%ld\n",
		   atomic_long_read(&vtx_ept_tables),
		   atomic_long_read(&vtx_ept_large_leaves),
		   atomic_long_read(&vtx_ept_splits),
		   atomic_long_read(&vtx_ept_leaves),
		   atomic_long_read(&vtx_ept_faults));
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

static int vtx_debugfs_nmi_leaks_get(void *data, u64 *val)
{
	*val = vtx_nmi_ipi_leaks();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vtx_debugfs_nmi_leaks_fops, vtx_debugfs_nmi_leaks_get,
			 NULL, "%llu\n");

static int vtx_debugfs_fail_entry_show(struct seq_file *m, void *unused)
{
	u32 qualification, entries;

	vtx_msr_fault_last_entry(&qualification, &entries);
	seq_printf(m, "%u %u\n", qualification, entries);
	return 0;
}

static int vtx_debugfs_fail_entry_open(struct inode *inode, struct file *f)
{
	return single_open(f, vtx_debugfs_fail_entry_show, NULL);
}

static ssize_t vtx_debugfs_fail_entry_write(struct file *f,
					    const char __user *buf,
					    size_t len, loff_t *ppos)
{
	bool arm;
	int r = kstrtobool_from_user(buf, len, &arm);

	if (r)
		return r;
	if (arm)
		vtx_msr_fault_arm_entry();
	return len;
}

static const struct file_operations vtx_debugfs_fail_entry_fops = {
	.owner = THIS_MODULE,
	.open = vtx_debugfs_fail_entry_open,
	.read = seq_read,
	.write = vtx_debugfs_fail_entry_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int vtx_debugfs_sw_restore_get(void *data, u64 *val)
{
	*val = vtx_msr_fault_sw_restore();
	return 0;
}

static int vtx_debugfs_sw_restore_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	vtx_msr_fault_set_sw_restore(val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vtx_debugfs_sw_restore_fops,
			 vtx_debugfs_sw_restore_get, vtx_debugfs_sw_restore_set,
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
	debugfs_create_file_unsafe("nmi_msr_leaks", 0400, vtx_debugfs_dir,
				   NULL, &vtx_debugfs_nmi_leaks_fops);
	debugfs_create_file("fail_entry_msr", 0600, vtx_debugfs_dir, NULL,
			    &vtx_debugfs_fail_entry_fops);
	debugfs_create_file_unsafe("msr_restore_sw", 0600, vtx_debugfs_dir,
				   NULL, &vtx_debugfs_sw_restore_fops);
	debugfs_create_file("crash_walk", 0600, vtx_debugfs_dir, NULL,
			    &vtx_crash_walk_fops);
}

void vtx_debugfs_exit(void)
{
	debugfs_remove_recursive(vtx_debugfs_dir);
}
