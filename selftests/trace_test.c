// SPDX-License-Identifier: GPL-2.0
/*
 * vtx's tracepoints (src/trace.h), through tracefs as perf, trace-cmd and
 * bpftrace use them:
 *   - the "vtx" system lists every event with its fields;
 *   - enabled, a guest's run gives vtx_vmcs_load, vtx_entry, vtx_exit with
 *     the reason by name (CPUID, IO_INSTRUCTION, HLT), vtx_msr for its
 *     WRMSR and for KVM_SET_MSRS, and vtx_vmcs_clear when the VM goes;
 *   - disabled, the same run leaves nothing;
 *   - on a host with IA32_SPEC_CTRL, vtx_spec_ctrl shows the shadow and
 *     the effective value of a write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define TRACEFS			"/sys/kernel/tracing"
#define MSR_IA32_SPEC_CTRL	0x48
#define MSR_SYSENTER_CS		0x174
#define TRACE_MAX		0x100000

/*
 * guest_traced (64-bit): WRMSR SYSENTER_CS = 0x10, CPUID leaf 0, OUT to
 * port 0x41, HLT.
 */
VTX_GUEST_CODE(guest_traced);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_traced_start:\n"
	"	mov $0x174, %ecx\n"
	"	mov $0x10, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	xor %eax, %eax\n"
	"	cpuid\n"
	"	out %al, $0x41\n"
	"	hlt\n"
	"guest_traced_end:\n"
	".popsection\n");

static int trace_write(const char *file, const char *value)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -EIO;
}

/* The whole of @file, NUL-terminated, in a buffer to free(). */
static char *trace_read(const char *file)
{
	char path[256], *buf = calloc(1, TRACE_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (len < TRACE_MAX &&
	       (n = read(fd, buf + len, TRACE_MAX - len)) > 0)
		len += n;
	close(fd);
	return buf;
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	while (haystack && (haystack = strstr(haystack, needle))) {
		n++;
		haystack++;
	}
	return n;
}

FIXTURE(trace) {
	struct vtx_kmsg kmsg;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	if (stat(TRACEFS "/events", &st))
		ASSERT_EQ(0, mount("nodev", TRACEFS, "tracefs", 0, NULL))
			TH_LOG("mount tracefs: %s", strerror(errno));
	ASSERT_EQ(0, trace_write("events/vtx/enable", "0"));
	ASSERT_EQ(0, trace_write("trace", ""));
	ASSERT_EQ(0, trace_write("tracing_on", "1"));
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_traced_start,
		    guest_traced_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
}

FIXTURE_TEARDOWN(trace)
{
	trace_write("events/vtx/enable", "0");
	trace_write("trace", "");
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* Run the guest to its HLT: WRMSR, CPUID and OUT on the way. */
static void run_guest(struct __test_metadata *_metadata, struct vtx_vcpu *v)
{
	vtx_vcpu_run(v);
	vtx_assert_io_out(v->run, 0x41, 1, 0);
	vtx_vcpu_run(v);
	ASSERT_EQ((__u32)KVM_EXIT_HLT, v->run->exit_reason);
}

/* Each event's format names the fields the tools filter on. */
TEST_F(trace, events_have_their_fields)
{
	static const struct {
		const char *event, *fields[5];	/* NULL-terminated */
	} want[] = {
		{ "vtx_entry", { "u32 vcpu_id;", "u64 rip;" } },
		{ "vtx_exit", { "u32 vcpu_id;", "u32 reason;", "u64 rip;",
				"u64 qualification;" } },
		{ "vtx_msr", { "u32 index;", "u64 data;", "bool write;",
			       "int result;" } },
		{ "vtx_spec_ctrl", { "u64 shadow;", "u64 effective;",
				     "bool host;" } },
		{ "vtx_vmcs_load", { "int cpu;", "u64 pa;", "bool listed;" } },
		{ "vtx_vmcs_clear", { "int cpu;", "u64 pa;" } },
	};
	char file[128];
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		char *fmt;

		snprintf(file, sizeof(file), "events/vtx/%s/format",
			 want[i].event);
		fmt = trace_read(file);
		ASSERT_NE(NULL, fmt) TH_LOG("%s: no such event", file);
		for (j = 0; want[i].fields[j]; j++) {
			const char *field = want[i].fields[j];

			EXPECT_NE(NULL, strstr(fmt, field))
				TH_LOG("%s: no \"%s\"", want[i].event,
				       field ? field : "");
		}
		free(fmt);
	}
}

/*
 * Enabled: the run's events, with the exit reasons by name, the guest's
 * WRMSR and a host KVM_SET_MSRS, and the VMCS cleared when the VM is
 * destroyed. Disabled: the same run leaves no line.
 */
TEST_F(trace, guest_run_is_traced_only_when_enabled)
{
	struct vtx_vcpu other;
	struct kvm_regs regs;
	char *t;

	run_guest(_metadata, &self->vcpu);
	t = trace_read("trace");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, count(t, "vtx_")) TH_LOG("disabled, yet:\n%s", t);
	free(t);

	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	ASSERT_EQ(0, trace_write("events/vtx/enable", "1"));
	/* A new vCPU's first ioctl loads its VMCS: listed on this CPU. */
	vtx_vcpu_create(&self->vm, 1, &other);
	vtx_vcpu_get_regs(&other, &regs);
	vtx_vcpu_close(&other);
	run_guest(_metadata, &self->vcpu);
	vtx_vcpu_set_msr(&self->vcpu, MSR_SYSENTER_CS, 0x20);
	/* The VM goes with its last fd, and its vCPU's VMCS with it. */
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	ASSERT_EQ(0, trace_write("events/vtx/enable", "0"));

	t = trace_read("trace");
	ASSERT_NE(NULL, t);
	EXPECT_LE(1, count(t, "vtx_vmcs_load: cpu "));
	EXPECT_LE(1, count(t, " listed\n"));
	EXPECT_LE(1, count(t, "vtx_entry: vcpu 0 rip 0x1000"));
	EXPECT_EQ(1, count(t, "vtx_exit: vcpu 0 reason CPUID "));
	EXPECT_EQ(1, count(t, "vtx_exit: vcpu 0 reason MSR_WRITE "));
	EXPECT_EQ(1, count(t, "vtx_exit: vcpu 0 reason IO_INSTRUCTION "));
	EXPECT_EQ(1, count(t, "vtx_exit: vcpu 0 reason HLT "));
	EXPECT_EQ(0, count(t, "(failed entry)"));
	EXPECT_EQ(1, count(t, "vtx_msr: vcpu 0 guest wrmsr 0x174 data 0x10 result 0"));
	EXPECT_EQ(1, count(t, "vtx_msr: vcpu 0 host wrmsr 0x174 data 0x20 result 0"));
	EXPECT_LE(2, count(t, "vtx_vmcs_clear: cpu "));
	if (!_metadata->passed)
		TH_LOG("trace:\n%.4000s", t);
	free(t);
}

/*
 * A host write of IA32_SPEC_CTRL: the shadow and the effective value
 * (the VM's default policy forces nothing, so they are equal).
 */
TEST_F(trace, spec_ctrl_write_is_traced)
{
	struct vtx_capabilities caps;
	char *t;

	vtx_get_capabilities(self->vm.dev, &caps);
	if (!(caps.spec_flags & VTX_SPEC_SPEC_CTRL))
		SKIP(return, "host lacks IA32_SPEC_CTRL");
	ASSERT_EQ(0, trace_write("events/vtx/vtx_spec_ctrl/enable", "1"));
	vtx_vcpu_set_msr(&self->vcpu, MSR_IA32_SPEC_CTRL, 0);
	ASSERT_EQ(0, trace_write("events/vtx/vtx_spec_ctrl/enable", "0"));
	t = trace_read("trace");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(1, count(t, "vtx_spec_ctrl: vcpu 0 host shadow 0x0 effective 0x0"))
		TH_LOG("trace:\n%.4000s", t);
	free(t);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
