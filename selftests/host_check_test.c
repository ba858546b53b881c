// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_info --check: its verdict and exit status follow the CPU (CPUID,
 * read here on its own), every line is tagged and agrees with the
 * verdict, bad arguments exit 2, and it says when vtx or kvm_intel is
 * loaded.
 *
 * Unlike the other *_test programs, main() does not call
 * vtx_require_vmx(): on a host without VMX the check must say no, and
 * that half runs there (make check's hostcheck tier). Only the tests
 * that load a module skip without VMX.
 *
 * The tool is the vtx_info beside this binary, or $VTX_INFO.
 */
#include <cpuid.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

static const char *tool_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("VTX_INFO");
	char *slash;
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", path, sizeof(path) - sizeof("vtx_info"));
	if (n <= 0)
		return "vtx_info";
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "vtx_info");
	return path;
}

/* Run vtx_info with up to two arguments and collect what it prints. */
static void tool_run(struct vtx_cmd *r, const char *arg1, const char *arg2)
{
	char *const argv[] = { (char *)tool_path(), (char *)arg1,
			       (char *)arg2, NULL };

	vtx_cmd_run(r, argv);
}

static void tool_show(const struct vtx_cmd *r, const char *args)
{
	char what[64];

	snprintf(what, sizeof(what), "vtx_info %s", args);
	vtx_cmd_show(r, what);
}

/* The line after the one @p is in, or NULL after the last one. */
static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p ? p + 1 : NULL;
}

/* How many lines of @out start with @prefix. */
static int count_lines(const char *out, const char *prefix)
{
	const char *p;
	int n = 0;

	for (p = out; p; p = next_line(p))
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
	return n;
}

static bool has_line(const char *out, const char *prefix)
{
	return count_lines(out, prefix) > 0;
}

static void cpu_vendor(char vendor[13])
{
	unsigned int eax, ebx, ecx, edx;

	__cpuid(0, eax, ebx, ecx, edx);
	memcpy(vendor, &ebx, 4);
	memcpy(vendor + 4, &edx, 4);
	memcpy(vendor + 8, &ecx, 4);
	vendor[12] = '\0';
}

/* Does the boot CPU's "flags" line in /proc/cpuinfo list vmx? */
static bool kernel_has_vmx(void)
{
	char *line = NULL;
	bool vmx = false;
	size_t cap = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5) || !strchr(" \t:", line[5]))
			continue;
		line[strcspn(line, "\n")] = ' ';
		vmx = strstr(line, " vmx ");
		break;
	}
	free(line);
	fclose(f);
	return vmx;
}

FIXTURE(host_check) {
	struct vtx_cmd run;
	bool vtx_loaded_here;
	bool kvm_loaded_here;
};

FIXTURE_SETUP(host_check)
{
	self->vtx_loaded_here = false;
	self->kvm_loaded_here = false;
}

FIXTURE_TEARDOWN(host_check)
{
	if (self->vtx_loaded_here)
		vtx_unload_if_loaded();
	if (self->kvm_loaded_here)
		vtx_kvm_unload();
}

/* The CPU half: no on a CPU that is not Intel or has no VMX, else yes. */
TEST_F(host_check, verdict_follows_the_cpu)
{
	struct vtx_cmd *r = &self->run;
	char vendor[13], want[96];

	cpu_vendor(vendor);
	tool_run(r, "--check", NULL);
	tool_show(r, "--check");
	if (strcmp(vendor, "GenuineIntel")) {
		snprintf(want, sizeof(want),
			 "no: CPU is %s; vtx needs Intel VT-x", vendor);
		EXPECT_TRUE(has_line(r->out, want))
			TH_LOG("no \"%s\" line", want);
		ASSERT_EQ(1, r->status);
	} else if (!vtx_host_has_vmx()) {
		snprintf(want, sizeof(want),
			 "no: CPU is GenuineIntel but CPUID.1:ECX.VMX (bit 5) is 0");
		EXPECT_TRUE(has_line(r->out, want))
			TH_LOG("no \"%s\" line", want);
		ASSERT_EQ(1, r->status);
	} else if (!kernel_has_vmx()) {
		EXPECT_TRUE(has_line(r->out, "ok: CPU is GenuineIntel with VMX"));
		EXPECT_TRUE(has_line(r->out,
				     "no: no \"vmx\" in /proc/cpuinfo flags"));
		ASSERT_EQ(1, r->status);
	} else {
		EXPECT_TRUE(has_line(r->out, "ok: CPU is GenuineIntel with VMX"));
		EXPECT_TRUE(has_line(r->out, "ok: the kernel has VMX"));
		EXPECT_TRUE(has_line(r->out, "verdict: this host can run vtx"));
		ASSERT_EQ(0, r->status);
	}
}

/*
 * Every line up to the verdict is tagged; the verdict and the exit status
 * agree with the "no:" lines; only a loaded vtx's report may follow.
 */
TEST_F(host_check, lines_agree_with_the_verdict)
{
	static const char *const tags[] = {
		"ok: ", "no: ", "warn: ", "info: ", "verdict: ",
	};
	struct vtx_cmd *r = &self->run;
	const char *p, *verdict;
	int no, bad = 0;
	size_t i;

	tool_run(r, "--check", NULL);
	verdict = strstr(r->out, "verdict: ");
	ASSERT_NE(NULL, verdict);
	ASSERT_EQ(1, count_lines(r->out, "verdict: "));
	for (p = r->out; p && p <= verdict; p = next_line(p)) {
		for (i = 0; i < ARRAY_SIZE(tags); i++)
			if (!strncmp(p, tags[i], strlen(tags[i])))
				break;
		if (i == ARRAY_SIZE(tags)) {
			TH_LOG("untagged line: %.*s", (int)strcspn(p, "\n"), p);
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
	no = count_lines(r->out, "no: ");
	EXPECT_EQ(no > 0, !strncmp(verdict, "verdict: vtx cannot run", 23));
	EXPECT_EQ(no > 0 ? 1 : 0, r->status);
	p = strchr(verdict, '\n');
	ASSERT_NE(NULL, p);
	if (access(VTX_DEV_PATH, F_OK))
		EXPECT_STREQ("", p + 1);
}

TEST_F(host_check, help_exits_0)
{
	struct vtx_cmd *r = &self->run;

	tool_run(r, "--help", NULL);
	EXPECT_NE(NULL, strstr(r->out, "vtx_info --check"));
	EXPECT_EQ(0, r->status);
}

TEST_F(host_check, bad_arguments_exit_2)
{
	struct vtx_cmd *r = &self->run;

	tool_run(r, "--chek", NULL);
	EXPECT_TRUE(has_line(r->out, "vtx_info: unknown option '--chek'"));
	EXPECT_TRUE(has_line(r->out, "usage: vtx_info"));
	EXPECT_EQ(2, r->status);
	tool_run(r, "--check", "extra");
	EXPECT_TRUE(has_line(r->out, "vtx_info: too many arguments"));
	EXPECT_TRUE(has_line(r->out, "usage: vtx_info"));
	EXPECT_EQ(2, r->status);
}

/* Without --check, vtx_info is the capability report, as before. */
TEST_F(host_check, report_of_a_missing_device_fails)
{
	struct vtx_cmd *r = &self->run;

	tool_run(r, "/nonexistent/vtx", NULL);
	EXPECT_TRUE(has_line(r->out,
			     "vtx_info: open /nonexistent/vtx: No such file or directory"));
	EXPECT_EQ(1, r->status);
}

TEST_F_TIMEOUT(host_check, loaded_vtx_report_follows, 300)
{
	struct vtx_cmd *r = &self->run;

	if (!vtx_host_has_vmx())
		SKIP(return, "host CPU has no VMX (CPUID.1:ECX[5] is 0)");
	if (!vtx_module_loaded("vtx")) {
		if (!getenv("VTX_KO"))
			SKIP(return, "vtx is not loaded and VTX_KO is not set");
		vtx_load();
		self->vtx_loaded_here = true;
	}
	tool_run(r, "--check", NULL);
	tool_show(r, "--check");
	EXPECT_TRUE(has_line(r->out, "info: vtx is loaded"));
	EXPECT_NE(NULL, strstr(r->out, "\n\n/dev/vtx: KVM API version 12\n"));
	EXPECT_TRUE(has_line(r->out, "VMCS revision"));
	EXPECT_EQ(0, r->status);
}

TEST_F_TIMEOUT(host_check, loaded_kvm_intel_warns, 600)
{
	struct vtx_cmd *r = &self->run;

	if (!vtx_host_has_vmx())
		SKIP(return, "host CPU has no VMX (CPUID.1:ECX[5] is 0)");
	if (vtx_module_loaded("vtx"))
		SKIP(return, "vtx is loaded, so kvm_intel cannot be");
	if (!vtx_module_loaded("kvm_intel")) {
		if (!getenv("VTX_KVM_DIR"))
			SKIP(return, "kvm_intel is not loaded and VTX_KVM_DIR is not set");
		vtx_kvm_load();
		self->kvm_loaded_here = true;
	}
	tool_run(r, "--check", NULL);
	tool_show(r, "--check");
	EXPECT_TRUE(has_line(r->out, "warn: kvm_intel is loaded"));
	EXPECT_NE(NULL, strstr(r->out, "modprobe -r kvm_intel kvm\n"));
	EXPECT_EQ(0, r->status);
}

int main(int argc, char **argv)
{
	/* No vtx_require_vmx(): see the comment at the top. */
	return test_harness_run(argc, argv);
}
