// SPDX-License-Identifier: GPL-2.0
/*
 * vtx.ko lifecycle: load, unload, reload, refusal to share VMX with
 * another hypervisor, and CPU hotplug while loaded.
 *
 * Every test starts and ends with vtx and KVM unloaded, and fails on any
 * WARN, BUG or oops the kernel logs while it runs.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

FIXTURE(module) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(module)
{
	vtx_unload_if_loaded();
	vtx_kvm_unload();
	vtx_kmsg_mark(&self->kmsg);
}

FIXTURE_TEARDOWN(module)
{
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
	vtx_unload_if_loaded();
	vtx_kvm_unload();
}

/* Run the smoke guest on /dev/kvm from every online CPU. */
static void kvm_works_everywhere(struct __test_metadata *_metadata)
{
	int cpu;

	for (cpu = 0; cpu < vtx_online_cpus(); cpu++)
		EXPECT_EQ(0, __vtx_guest_smoke(KVM_DEV_PATH, cpu))
			TH_LOG("kvm_intel guest on cpu%d", cpu);
}

TEST_F_TIMEOUT(module, load_creates_root_only_device, 120)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, __vtx_module_load(vtx_ko_path(), NULL));
	ASSERT_EQ(0, stat(VTX_DEV_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_TRUE(vtx_kmsg_contains(&self->kmsg, "vtx: VMX on"));

	fd = vtx_open(VTX_DEV_PATH);
	EXPECT_EQ(12, __vtx_ioctl(fd, KVM_GET_API_VERSION, NULL));
	close(fd);
	ASSERT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_NE(0, access(VTX_DEV_PATH, F_OK));
}

TEST_F_TIMEOUT(module, reload_20_times, 600)
{
	int i, fd;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, __vtx_module_load(vtx_ko_path(), NULL))
			TH_LOG("load %d", i);
		fd = vtx_open(VTX_DEV_PATH);
		ASSERT_EQ(12, __vtx_ioctl(fd, KVM_GET_API_VERSION, NULL));
		close(fd);
		ASSERT_EQ(0, __vtx_module_unload("vtx")) TH_LOG("unload %d", i);
	}
}

TEST_F_TIMEOUT(module, double_load_is_eexist, 120)
{
	vtx_load();
	EXPECT_EQ(-EEXIST, __vtx_module_load(vtx_ko_path(), NULL));
	vtx_module_unload("vtx");
}

TEST_F_TIMEOUT(module, unload_refused_while_open, 120)
{
	int fd;

	vtx_load();
	fd = vtx_open(VTX_DEV_PATH);
	EXPECT_EQ(-EWOULDBLOCK, __vtx_module_unload("vtx"));
	/* The device still works after the refused unload. */
	EXPECT_EQ(12, __vtx_ioctl(fd, KVM_GET_API_VERSION, NULL));
	close(fd);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
}

/*
 * After vtx unloads, every CPU must be out of VMX operation with CR4.VMXE
 * clear: KVM refuses to enable VMX on a CPU where it is already set.
 */
TEST_F_TIMEOUT(module, unload_leaves_vmx_off_everywhere, 600)
{
	vtx_load();
	vtx_module_unload("vtx");
	vtx_kvm_load();
	kvm_works_everywhere(_metadata);
}

TEST_F_TIMEOUT(module, refused_while_kvm_intel_loaded, 600)
{
	vtx_kvm_load();
	EXPECT_EQ(-EBUSY, __vtx_module_load(vtx_ko_path(), NULL));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
	EXPECT_NE(0, access(VTX_DEV_PATH, F_OK));
	EXPECT_TRUE(vtx_kmsg_contains(&self->kmsg, "vtx: kvm_intel is loaded"));

	/* kvm_intel is unharmed by the refused load. */
	kvm_works_everywhere(_metadata);

	vtx_kvm_unload();
	EXPECT_EQ(0, __vtx_module_load(vtx_ko_path(), NULL));
}

/*
 * The other way round: while vtx is loaded it owns the emergency hook, so
 * kvm_intel must not load (it would WARN and run without its hook), and
 * must load again once vtx is gone.
 */
TEST_F_TIMEOUT(module, kvm_intel_refused_while_vtx_loaded, 600)
{
	const char *dir = getenv("VTX_KVM_DIR");
	char path[256];

	ASSERT_TRUE(dir && *dir);
	vtx_load();
	vtx_module_load(strcat(strcpy(path, dir), "/irqbypass.ko"), NULL);
	vtx_module_load(strcat(strcpy(path, dir), "/kvm.ko"), NULL);
	snprintf(path, sizeof(path), "%s/kvm-intel.ko", dir);
	EXPECT_EQ(-EBUSY, __vtx_module_load(path, NULL));
	EXPECT_FALSE(vtx_module_loaded("kvm_intel"));
	EXPECT_TRUE(vtx_kmsg_contains(&self->kmsg, "vtx: refusing kvm_intel"));
	/* vtx is unharmed by the refused load. */
	vtx_guest_smoke(VTX_DEV_PATH, 0);

	vtx_module_unload("vtx");
	EXPECT_EQ(0, __vtx_module_load(path, NULL));
	kvm_works_everywhere(_metadata);
}

/*
 * A VM on /dev/kvm keeps KVM in VMX operation on every CPU: vtx must see
 * CR4.VMXE and refuse, before it even looks for kvm_intel.
 */
TEST_F_TIMEOUT(module, refused_while_vmx_in_use, 600)
{
	int kvm, vm;

	vtx_kvm_load();
	kvm = vtx_open(KVM_DEV_PATH);
	vm = __vtx_ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);

	EXPECT_EQ(-EBUSY, __vtx_module_load(vtx_ko_path(), NULL));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
	EXPECT_TRUE(vtx_kmsg_contains(&self->kmsg,
				      "VMX already in use by another hypervisor"));
	close(vm);
	close(kvm);

	kvm_works_everywhere(_metadata);
}

TEST_F_TIMEOUT(module, cpu_hotplug_while_loaded, 600)
{
	if (vtx_online_cpus() < 2)
		SKIP(return, "needs 2 online CPUs, the host has %d",
		     vtx_online_cpus());

	vtx_load();
	ASSERT_EQ(1, __vtx_debugfs_cpu_vmx(0));
	ASSERT_EQ(1, __vtx_debugfs_cpu_vmx(1));

	vtx_set_cpu_online(1, false);
	EXPECT_EQ(0, __vtx_debugfs_cpu_vmx(1));
	EXPECT_EQ(1, __vtx_debugfs_cpu_vmx(0));
	vtx_set_cpu_online(1, true);
	EXPECT_EQ(1, __vtx_debugfs_cpu_vmx(1));

	/* Unload with cpu1 offline; it must come back without VMX. */
	vtx_set_cpu_online(1, false);
	vtx_module_unload("vtx");
	vtx_set_cpu_online(1, true);

	/* Load with cpu1 offline; it must get VMX when it comes online. */
	vtx_set_cpu_online(1, false);
	vtx_load();
	EXPECT_EQ(0, __vtx_debugfs_cpu_vmx(1));
	vtx_set_cpu_online(1, true);
	EXPECT_EQ(1, __vtx_debugfs_cpu_vmx(1));
	vtx_module_unload("vtx");

	vtx_kvm_load();
	kvm_works_everywhere(_metadata);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
