// SPDX-License-Identifier: GPL-2.0
/*
 * Run in a boot with clearcpuid=vmx: CPUID still reports VMX, but the
 * kernel has disabled it, and vtx must refuse to load as KVM would.
 *
 * Not named *_test: the emulated host runs it only in that boot
 * (vtxtests=kernel_novmx on the kernel command line).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

/* Does the kernel itself consider VMX usable (the "vmx" cpuinfo flag)? */
static bool kernel_has_vmx(void)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " vmx"))
			found = true;
	fclose(f);
	return found;
}

TEST(refused_when_kernel_disabled_vmx)
{
	struct vtx_kmsg kmsg;

	/* This binary only makes sense where the kernel disabled VMX. */
	ASSERT_FALSE(kernel_has_vmx());
	vtx_kmsg_mark(&kmsg);
	EXPECT_EQ(-ENODEV, __vtx_module_load(vtx_ko_path(), NULL));
	EXPECT_TRUE(vtx_kmsg_contains(&kmsg,
				      "vtx: refusing to load: VMX disabled by the kernel"));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
	EXPECT_NE(0, access(VTX_DEV_PATH, F_OK));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&kmsg));
	vtx_kmsg_close(&kmsg);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
