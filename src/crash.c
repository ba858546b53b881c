// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's emergency (crash/kexec) virtualization hook. This file is
 * its only user in vtx.
 *
 * When the kernel kexecs into a kdump kernel, every CPU runs the hook:
 * the others from the NMI of the crash shootdown, the crashing CPU with
 * interrupts off in native_machine_crash_shutdown(). An emergency reboot
 * runs it too. The hook VMCLEARs every VMCS on this CPU's loaded list, so
 * that no state the CPU caches is written over the next kernel's memory
 * and the dump holds each VMCS as it was, then leaves VMX operation, so
 * that INIT is not blocked.
 *
 * The kernel API is chosen by Kbuild, which looks at the target kernel's
 * headers (see Kbuild and Documentation/vtx.rst):
 *
 * - VTX_EMERGENCY_VIRT_CALLBACK: cpu_emergency_register_virt_callback(),
 *   upstream since the series that made KVM handle VMXOFF in its reboot
 *   callback, and backported to 6.1.y stable kernels such as Debian 12's.
 *   The slot is single and cannot be read: registering over another user
 *   only WARNs. vtx_cpu_check_owner() has refused kvm_intel, the one
 *   other user on an Intel host, and the module notifier below keeps it
 *   from loading while vtx holds the slot.
 * - VTX_EMERGENCY_CRASH_VMCLEAR: the exported pointer
 *   crash_vmclear_loaded_vmcss of older 6.1.y kernels. It is claimed with
 *   cmpxchg(), so vtx either owns it or refuses to load. Those kernels
 *   execute VMXOFF themselves after the hook; doing it first is harmless.
 *
 * Module parameter crash_vmclear=0 makes the hook skip the VMCLEARs and
 * only leave VMX operation. It exists only as the negative control of the
 * kdump test (Documentation/vtx.rst): the dump must then show the VMCSs
 * still launched, which proves the test can see a missing VMCLEAR. Never
 * use it otherwise.
 *
 * Contexts: init and exit in process context at module load and unload;
 * the module notifier in process context; the hook in NMI context or with
 * interrupts off, see vtx_crash_hook().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include <asm/kexec.h>
#include <asm/reboot.h>

#include "cpu.h"
#include "crash.h"
#include "vmcs.h"

#if !defined(VTX_EMERGENCY_VIRT_CALLBACK) && \
	!defined(VTX_EMERGENCY_CRASH_VMCLEAR)
#error "Kbuild found no emergency VMCLEAR hook in this kernel's headers"
#endif

static bool crash_vmclear = true;
module_param(crash_vmclear, bool, 0444);
MODULE_PARM_DESC(crash_vmclear,
		 "TEST ONLY: 0 makes the crash/kexec hook skip its VMCLEARs (VMXOFF still runs), the negative control of the kdump test (default 1)");

/*
 * The hook. Context: NMI (the crash shootdown on the other CPUs), or
 * interrupts off on the CPU that crashed or reboots; it may interrupt
 * any vtx code on this CPU, including a change of this CPU's list. It
 * takes no lock, allocates nothing and prints nothing, and it tolerates
 * VMX being already off.
 */
static void vtx_crash_hook(void)
{
	if (crash_vmclear)
		vtx_vmcs_emergency_clear_this_cpu();
	vtx_cpu_emergency_disable();
}

#ifdef VTX_EMERGENCY_VIRT_CALLBACK
static int vtx_crash_claim(void)
{
	cpu_emergency_register_virt_callback(vtx_crash_hook);
	return 0;
}

static void vtx_crash_release(void)
{
	/* Waits (synchronize_rcu()) until no CPU can still be in the hook. */
	cpu_emergency_unregister_virt_callback(vtx_crash_hook);
}
#else
static int vtx_crash_claim(void)
{
	crash_vmclear_fn **slot =
		(crash_vmclear_fn __force **)&crash_vmclear_loaded_vmcss;

	if (cmpxchg(slot, NULL, vtx_crash_hook)) {
		pr_err("the crash VMCLEAR hook is taken by another module (%d)\n",
		       -EBUSY);
		return -EBUSY;
	}
	return 0;
}

static void vtx_crash_release(void)
{
	crash_vmclear_fn **slot =
		(crash_vmclear_fn __force **)&crash_vmclear_loaded_vmcss;

	WARN_ON_ONCE(cmpxchg(slot, vtx_crash_hook, NULL) != vtx_crash_hook);
	synchronize_rcu();
}
#endif

/*
 * Refuse to let another user of the hook load while vtx holds it: it
 * would WARN and run without its hook, or take the slot from vtx.
 */
static int vtx_crash_module_event(struct notifier_block *nb,
				  unsigned long state, void *data)
{
	struct module *mod = data;

	if (state != MODULE_STATE_COMING)
		return NOTIFY_DONE;
	if (strcmp(mod->name, "kvm_intel") && strcmp(mod->name, "kvm_amd"))
		return NOTIFY_DONE;
	pr_err("refusing %s: vtx owns VMX and the emergency VMCLEAR hook (%d)\n",
	       mod->name, -EBUSY);
	return notifier_from_errno(-EBUSY);
}

static struct notifier_block vtx_crash_module_nb = {
	.notifier_call = vtx_crash_module_event,
};

/**
 * vtx_crash_init() - take ownership of VMX's emergency path
 *
 * Process context, at module load, before any CPU enters VMX operation:
 * first keep kvm_intel and kvm_amd from loading, then check that no other
 * hypervisor owns VMX, then claim the hook.
 *
 * Return: 0, or a negative errno; -EBUSY when another user owns VMX or
 * the hook.
 */
int vtx_crash_init(void)
{
	int r;

	r = register_module_notifier(&vtx_crash_module_nb);
	if (r)
		return r;
	r = vtx_cpu_check_owner();
	if (r)
		goto error_notifier;
	if (!crash_vmclear)
		pr_warn("crash_vmclear=0: TEST ONLY, a crash or kexec will leave loaded VMCSs uncleared\n");
	r = vtx_crash_claim();
	if (r)
		goto error_notifier;
	return 0;

error_notifier:
	unregister_module_notifier(&vtx_crash_module_nb);
	return r;
}

/**
 * vtx_crash_exit() - give the hook back
 *
 * Process context, at module unload, after every CPU left VMX operation.
 */
void vtx_crash_exit(void)
{
	vtx_crash_release();
	unregister_module_notifier(&vtx_crash_module_nb);
}
