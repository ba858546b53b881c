// SPDX-License-Identifier: GPL-2.0
/*
 * vtx: a small, auditable VT-x backend exposed as /dev/vtx.
 *
 * This file holds the module's init and exit order and nothing else.
 * /dev/vtx comes last in init and first in exit, so user space never sees
 * a half-initialised module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include "caps.h"
#include "cpu.h"
#include "crash.h"
#include "debugfs.h"
#include "dev.h"
#include "mitigation.h"
#include "msr_fault.h"
#include "nmi_ipi.h"
#include "spec_ctrl_hw.h"
#include "vcpu.h"
#include "controls.h"
#include "vmcs.h"
#include "vmcs_init.h"

static int __init vtx_init(void)
{
	int r;

	r = vtx_caps_init();
	if (r)
		return r;

	r = vtx_vmcs_init_plan();
	if (r)
		return r;
	r = vtx_spec_ctrl_hw_init();
	if (r)
		return r;
	vtx_vmcs_init();
	vtx_vcpu_init();
	vtx_msr_fault_init();

	/* Own VMX and its emergency hook before any CPU enters VMX. */
	r = vtx_crash_init();
	if (r)
		goto error_vcpu;
	r = vtx_cpu_init();
	if (r)
		goto error_crash;

	r = vtx_mitigation_init(vtx_vmcs_controls.wbinvd_exiting);
	if (r)
		goto error_cpu;
	r = vtx_nmi_ipi_init();
	if (r)
		goto error_mitigation;
	vtx_debugfs_init();

	r = vtx_dev_init();
	if (r)
		goto error_debugfs;

	pr_info("VMX on %u CPUs, /dev/vtx ready\n", num_online_cpus());
	return 0;

error_debugfs:
	vtx_debugfs_exit();
	vtx_nmi_ipi_exit();
error_mitigation:
	vtx_mitigation_exit();
error_cpu:
	vtx_cpu_exit();
error_crash:
	vtx_crash_exit();
error_vcpu:
	vtx_vcpu_exit();
	return r;
}

static void __exit vtx_exit(void)
{
	vtx_dev_exit();
	vtx_debugfs_exit();
	vtx_nmi_ipi_exit();
	vtx_mitigation_exit();
	vtx_cpu_exit();
	vtx_crash_exit();
	vtx_vcpu_exit();
}

module_init(vtx_init);
module_exit(vtx_exit);

MODULE_DESCRIPTION("vtx: a small, auditable VT-x backend");
MODULE_LICENSE("GPL");
MODULE_VERSION(VTX_VERSION);
