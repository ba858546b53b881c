/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtx's tracepoints: the "vtx" trace system, for perf, trace-cmd and
 * bpftrace, as kvm_intel's "kvm" system is. Disabled, each costs a
 * patched-out branch; the VMREADs some of them make run only when the
 * event is enabled.
 *
 *   vtx_entry       before VM entry: vCPU, RIP
 *   vtx_exit        after VM exit: vCPU, reason (by <asm/vmx.h>'s name),
 *                   RIP, exit qualification, a failed entry
 *   vtx_msr         an MSR read or written by the guest (RDMSR/WRMSR that
 *                   exited) or by user space (KVM_GET/SET_MSRS), and the
 *                   result
 *   vtx_spec_ctrl   IA32_SPEC_CTRL written: the guest's shadow and what
 *                   the CPU holds while the guest runs (with "virtualize
 *                   IA32_SPEC_CTRL" a guest WRMSR does not exit, and is
 *                   not traced)
 *   vtx_vmcs_load   a VMCS made current on a CPU, and whether it was
 *                   listed there anew
 *   vtx_vmcs_clear  a VMCS cleared off a CPU (by IPI or CPU offline; not
 *                   the crash/kexec path, which traces nothing)
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vtx

#if !defined(VTX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VTX_TRACE_H

#include <linux/tracepoint.h>

#include <asm/vmx.h>

TRACE_EVENT(vtx_entry,
	    TP_PROTO(u32 vcpu_id, u64 rip),
	    TP_ARGS(vcpu_id, rip),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u64, rip)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->rip = rip),
	    TP_printk("vcpu %u rip 0x%llx", __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(vtx_exit,
	    TP_PROTO(u32 vcpu_id, u32 reason, u64 rip, u64 qualification),
	    TP_ARGS(vcpu_id, reason, rip, qualification),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u32, reason)
			     __field(u64, rip)
			     __field(u64, qualification)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->reason = reason;
			   __entry->rip = rip;
			   __entry->qualification = qualification),
	    TP_printk("vcpu %u reason %s%s rip 0x%llx info 0x%llx",
		      __entry->vcpu_id,
		      __print_symbolic(__entry->reason & 0xffff,
				       VMX_EXIT_REASONS),
		      __entry->reason & VMX_EXIT_REASONS_FAILED_VMENTRY ?
		      " (failed entry)" : "",
		      __entry->rip, __entry->qualification)
);

TRACE_EVENT(vtx_msr,
	    TP_PROTO(u32 vcpu_id, u32 index, u64 data, bool write, bool host,
		     int result),
	    TP_ARGS(vcpu_id, index, data, write, host, result),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u32, index)
			     __field(u64, data)
			     __field(bool, write)
			     __field(bool, host)
			     __field(int, result)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->index = index;
			   __entry->data = data;
			   __entry->write = write;
			   __entry->host = host;
			   __entry->result = result),
	    TP_printk("vcpu %u %s %s 0x%x data 0x%llx result %d",
		      __entry->vcpu_id, __entry->host ? "host" : "guest",
		      __entry->write ? "wrmsr" : "rdmsr", __entry->index,
		      __entry->data, __entry->result)
);

TRACE_EVENT(vtx_spec_ctrl,
	    TP_PROTO(u32 vcpu_id, u64 shadow, u64 effective, bool host),
	    TP_ARGS(vcpu_id, shadow, effective, host),
	    TP_STRUCT__entry(__field(u32, vcpu_id)
			     __field(u64, shadow)
			     __field(u64, effective)
			     __field(bool, host)),
	    TP_fast_assign(__entry->vcpu_id = vcpu_id;
			   __entry->shadow = shadow;
			   __entry->effective = effective;
			   __entry->host = host),
	    TP_printk("vcpu %u %s shadow 0x%llx effective 0x%llx",
		      __entry->vcpu_id, __entry->host ? "host" : "guest",
		      __entry->shadow, __entry->effective)
);

DECLARE_EVENT_CLASS(vtx_vmcs,
		    TP_PROTO(int cpu, u64 pa, bool listed),
		    TP_ARGS(cpu, pa, listed),
		    TP_STRUCT__entry(__field(int, cpu)
				     __field(u64, pa)
				     __field(bool, listed)),
		    TP_fast_assign(__entry->cpu = cpu;
				   __entry->pa = pa;
				   __entry->listed = listed),
		    TP_printk("cpu %d vmcs 0x%llx%s", __entry->cpu, __entry->pa,
			      __entry->listed ? " listed" : "")
);

DEFINE_EVENT(vtx_vmcs, vtx_vmcs_load,
	     TP_PROTO(int cpu, u64 pa, bool listed),
	     TP_ARGS(cpu, pa, listed)
);

DEFINE_EVENT(vtx_vmcs, vtx_vmcs_clear,
	     TP_PROTO(int cpu, u64 pa, bool listed),
	     TP_ARGS(cpu, pa, listed)
);

#endif /* VTX_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace

#include <trace/define_trace.h>
