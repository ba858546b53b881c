// SPDX-License-Identifier: GPL-2.0
/*
 * The exits KVM_RUN reports: names, descriptions for failure messages,
 * and the checks tests make of them (an OUT, an IN to answer, a memory
 * fault). Only struct kvm_run is read, so /dev/vtx and /dev/kvm alike.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vtx_test.h"

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	[KVM_EXIT_MEMORY_FAULT] = "MEMORY_FAULT",
};

const char *vtx_exit_name(__u32 reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "?";
}

void *vtx_io_data(const struct kvm_run *run)
{
	return (char *)run + run->io.data_offset;
}

struct vtx_memory_fault *vtx_memory_fault(const struct kvm_run *run)
{
	return (struct vtx_memory_fault *)&run->mmio;
}

static __u64 io_value(const struct kvm_run *run)
{
	__u64 v = 0;

	/* Little endian: the low bytes of @v are the port's data. */
	if (run->io.size <= sizeof(v))
		memcpy(&v, vtx_io_data(run), run->io.size);
	return v;
}

const char *vtx_describe_exit(const struct kvm_run *run, char *buf,
			      size_t len)
{
	const struct vtx_memory_fault *mf;
	__u32 r = run->exit_reason;
	int n;

	n = snprintf(buf, len, "exit %u %s", r, vtx_exit_name(r));
	if (n < 0 || (size_t)n >= len)
		return buf;
	switch (r) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == VTX_PORT_EXCEPTION && run->io.size == 4)
			snprintf(buf + n, len - n,
				 ": unexpected guest exception, vector %llu",
				 (unsigned long long)io_value(run));
		else
			snprintf(buf + n, len - n,
				 ": %s port 0x%x size %u count %u data 0x%llx",
				 run->io.direction == KVM_EXIT_IO_OUT ?
				 "OUT" : "IN", run->io.port, run->io.size,
				 run->io.count,
				 (unsigned long long)io_value(run));
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf + n, len - n, ": reason 0x%llx cpu %u",
			 (unsigned long long)
			 run->fail_entry.hardware_entry_failure_reason,
			 run->fail_entry.cpu);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf + n, len - n, ": suberror %u ndata %u",
			 run->internal.suberror, run->internal.ndata);
		break;
	case KVM_EXIT_MEMORY_FAULT:
		mf = vtx_memory_fault(run);
		snprintf(buf + n, len - n, ": gpa 0x%llx flags 0x%llx size %llu",
			 (unsigned long long)mf->gpa,
			 (unsigned long long)mf->flags,
			 (unsigned long long)mf->size);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf + n, len - n, ": gpa 0x%llx len %u %s",
			 (unsigned long long)run->mmio.phys_addr,
			 run->mmio.len, run->mmio.is_write ? "write" : "read");
		break;
	}
	return buf;
}

int __vtx_check_exit(const struct kvm_run *run, __u32 reason)
{
	return run->exit_reason == reason ? 0 : -EPROTO;
}

void vtx_assert_exit(const struct kvm_run *run, __u32 reason)
{
	char buf[160];

	VTX_ASSERT(!__vtx_check_exit(run, reason), "wanted exit %s, got %s",
		   vtx_exit_name(reason),
		   vtx_describe_exit(run, buf, sizeof(buf)));
}

int __vtx_check_io_out(const struct kvm_run *run, __u16 port, int size,
		       __u64 value)
{
	if (run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.port != port ||
	    run->io.size != size || run->io.count != 1 ||
	    io_value(run) != value)
		return -EPROTO;
	return 0;
}

void vtx_assert_io_out(const struct kvm_run *run, __u16 port, int size,
		       __u64 value)
{
	char buf[160];

	VTX_ASSERT(!__vtx_check_io_out(run, port, size, value),
		   "wanted OUT port 0x%x size %d data 0x%llx, got %s", port,
		   size, (unsigned long long)value,
		   vtx_describe_exit(run, buf, sizeof(buf)));
}

int __vtx_answer_io_in(struct kvm_run *run, __u16 port, int size,
		       __u64 value)
{
	if (run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_IN || run->io.port != port ||
	    run->io.size != size || run->io.count != 1 ||
	    size > (int)sizeof(value))
		return -EPROTO;
	memcpy(vtx_io_data(run), &value, size);
	return 0;
}

void vtx_answer_io_in(struct kvm_run *run, __u16 port, int size,
		      __u64 value)
{
	char buf[160];

	VTX_ASSERT(!__vtx_answer_io_in(run, port, size, value),
		   "wanted IN port 0x%x size %d, got %s", port, size,
		   vtx_describe_exit(run, buf, sizeof(buf)));
}

int __vtx_check_memory_fault(const struct kvm_run *run, __u64 gpa,
			     __u64 access)
{
	const __u64 rwx = VTX_MEMORY_FAULT_READ | VTX_MEMORY_FAULT_WRITE |
			  VTX_MEMORY_FAULT_EXEC;
	const struct vtx_memory_fault *mf = vtx_memory_fault(run);

	/* A read or a write is MMIO, as in KVM; a fetch cannot be. */
	if (access == VTX_MEMORY_FAULT_READ || access == VTX_MEMORY_FAULT_WRITE)
		return run->exit_reason == KVM_EXIT_MMIO &&
		       run->mmio.phys_addr == gpa &&
		       run->mmio.is_write ==
		       (access == VTX_MEMORY_FAULT_WRITE) ? 0 : -EPROTO;
	if (run->exit_reason != KVM_EXIT_MEMORY_FAULT || mf->gpa != gpa ||
	    (mf->flags & rwx) != access)
		return -EPROTO;
	return 0;
}

void vtx_assert_memory_fault(const struct kvm_run *run, __u64 gpa,
			     __u64 access)
{
	char buf[160];

	VTX_ASSERT(!__vtx_check_memory_fault(run, gpa, access),
		   "wanted an access outside RAM at gpa 0x%llx (flags 0x%llx), got %s",
		   (unsigned long long)gpa, (unsigned long long)access,
		   vtx_describe_exit(run, buf, sizeof(buf)));
}

void vtx_assert_efault(const struct kvm_run *run, int r, __u64 gpa,
		       __u64 access)
{
	const struct vtx_memory_fault *mf = vtx_memory_fault(run);
	char buf[160];

	VTX_ASSERT(r == -EFAULT && run->exit_reason == KVM_EXIT_MEMORY_FAULT &&
		   mf->gpa == gpa && mf->flags == access && mf->size == 4096,
		   "wanted EFAULT, MEMORY_FAULT gpa 0x%llx flags 0x%llx size 4096; got %d, %s",
		   (unsigned long long)gpa, (unsigned long long)access, r,
		   vtx_describe_exit(run, buf, sizeof(buf)));
}

__u64 vtx_vcpu_run_out(struct vtx_vcpu *vcpu, __u16 port, int size)
{
	char buf[160];

	vtx_vcpu_run(vcpu);
	VTX_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO &&
		   vcpu->run->io.direction == KVM_EXIT_IO_OUT &&
		   vcpu->run->io.port == port && vcpu->run->io.size == size &&
		   vcpu->run->io.count == 1,
		   "wanted OUT port 0x%x size %d, got %s", port, size,
		   vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	return io_value(vcpu->run);
}

__u64 vtx_vcpu_run_out64(struct vtx_vcpu *vcpu, __u16 port)
{
	__u64 lo = vtx_vcpu_run_out(vcpu, port, 4);

	return lo | vtx_vcpu_run_out(vcpu, port, 4) << 32;
}

void vtx_vcpu_run_in(struct vtx_vcpu *vcpu, __u16 port, int size,
		     __u64 value)
{
	vtx_vcpu_run(vcpu);
	vtx_answer_io_in(vcpu->run, port, size, value);
}
