// SPDX-License-Identifier: GPL-2.0
/*
 * The installed module, as a user gets it: make install puts vtx.ko in
 * /lib/modules/<release>/updates and runs depmod, then modprobe loads it
 * by name, passes its parameters, refuses bad ones and will not remove
 * it while /dev/vtx is open.
 *
 * make check stages make install's tree into the emulated host
 * (emu-run.sh --modroot, which sets VTX_EXPECT_INSTALLED=1: a missing
 * install then fails rather than skips); on a real host this tests what
 * make install or make dkms-install put there, and skips without it.
 * modprobe is the first in PATH (busybox's in the emulated host, kmod's
 * on a real one).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

FIXTURE(modprobe) {
	struct vtx_kmsg kmsg;
	struct vtx_cmd cmd;
	char ko[256];
};

/* Where make install (updates) or DKMS (updates/dkms) put vtx.ko. */
static bool installed_ko(char *path, size_t size)
{
	static const char *const dirs[] = { "updates", "updates/dkms", "extra" };
	struct utsname u;
	size_t i;

	if (uname(&u))
		return false;
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, size, "/lib/modules/%s/%s/vtx.ko", u.release,
			 dirs[i]);
		if (!access(path, R_OK))
			return true;
	}
	return false;
}

FIXTURE_SETUP(modprobe)
{
	vtx_unload_if_loaded();
	vtx_kvm_unload();
	vtx_kmsg_mark(&self->kmsg);
	ASSERT_TRUE(installed_ko(self->ko, sizeof(self->ko)));
}

FIXTURE_TEARDOWN(modprobe)
{
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
	vtx_unload_if_loaded();
}

/* modprobe with up to two arguments; its output goes to the log. */
static int run_modprobe(struct vtx_cmd *r, const char *a1, const char *a2)
{
	char *const argv[] = { "modprobe", (char *)a1, (char *)a2, NULL };
	char what[128];

	vtx_cmd_run(r, argv);
	snprintf(what, sizeof(what), "modprobe %s%s%s", a1, a2 ? " " : "",
		 a2 ?: "");
	vtx_cmd_show(r, what);
	return r->status;
}

/* The value of @key ("srcversion=") in the .modinfo strings of @path. */
static int modinfo_field(const char *path, const char *key, char *buf,
			 size_t size)
{
	char *data = NULL, *p, *end;
	struct stat st;
	int fd, r = -EIO;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		goto out;
	data = malloc(st.st_size + 1);
	if (!data || read(fd, data, st.st_size) != st.st_size)
		goto out;
	r = -ENOENT;
	data[st.st_size] = '\0';
	end = data + st.st_size;
	/* Each field is a NUL-terminated "key=value". */
	for (p = data; p < end; p++) {
		p = memmem(p, end - p, key, strlen(key));
		if (!p)
			break;
		if (p == data || p[-1] != '\0')
			continue;
		snprintf(buf, size, "%s", p + strlen(key));
		r = 0;
		break;
	}
out:
	free(data);
	close(fd);
	return r;
}

TEST_F_TIMEOUT(modprobe, loads_the_installed_module, 300)
{
	char live[64], file[64];
	int fd;

	ASSERT_EQ(0, modinfo_field(self->ko, "version=", file, sizeof(file)));
	EXPECT_STREQ(VTX_VERSION, file);

	ASSERT_EQ(0, run_modprobe(&self->cmd, "vtx", NULL));
	ASSERT_TRUE(vtx_module_loaded("vtx"));
	ASSERT_EQ(0, vtx_read_line("/sys/module/vtx/version", live, sizeof(live)));
	EXPECT_STREQ(VTX_VERSION, live);
	/* The module loaded is the installed file, not another vtx.ko. */
	ASSERT_EQ(0, modinfo_field(self->ko, "srcversion=", file, sizeof(file)));
	ASSERT_EQ(0, vtx_read_line("/sys/module/vtx/srcversion", live,
				   sizeof(live)));
	EXPECT_STREQ(file, live);

	fd = vtx_open(VTX_DEV_PATH);
	EXPECT_EQ(12, __vtx_ioctl(fd, KVM_GET_API_VERSION, NULL));
	close(fd);

	ASSERT_EQ(0, run_modprobe(&self->cmd, "-r", "vtx"));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
	EXPECT_NE(0, access(VTX_DEV_PATH, F_OK));
}

TEST_F_TIMEOUT(modprobe, passes_parameters, 300)
{
	char val[16];

	ASSERT_EQ(0, run_modprobe(&self->cmd, "vtx", "dump_invalid_vmcs=1"));
	ASSERT_EQ(0, vtx_read_line("/sys/module/vtx/parameters/dump_invalid_vmcs",
				   val, sizeof(val)));
	EXPECT_STREQ("Y", val);
}

/* A value the parameter cannot take stops the load: nothing stays. */
TEST_F_TIMEOUT(modprobe, refuses_a_bad_parameter, 300)
{
	EXPECT_NE(0, run_modprobe(&self->cmd, "vtx", "dump_invalid_vmcs=maybe"));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
	EXPECT_NE(0, access(VTX_DEV_PATH, F_OK));
	EXPECT_NE(0, run_modprobe(&self->cmd, "vtx", "efer_switch=sometimes"));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
}

/* An open /dev/vtx holds the module: modprobe -r fails until it closes. */
TEST_F_TIMEOUT(modprobe, keeps_a_module_in_use, 300)
{
	int fd;

	ASSERT_EQ(0, run_modprobe(&self->cmd, "vtx", NULL));
	fd = vtx_open(VTX_DEV_PATH);
	EXPECT_NE(0, run_modprobe(&self->cmd, "-r", "vtx"));
	EXPECT_TRUE(vtx_module_loaded("vtx"));
	EXPECT_EQ(12, __vtx_ioctl(fd, KVM_GET_API_VERSION, NULL));
	close(fd);
	EXPECT_EQ(0, run_modprobe(&self->cmd, "-r", "vtx"));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
}

int main(int argc, char **argv)
{
	char ko[256];

	vtx_require_vmx();
	if (!installed_ko(ko, sizeof(ko))) {
		ksft_print_header();
		/* The emulated host was given the install: it must be there. */
		if (!strcmp(getenv("VTX_EXPECT_INSTALLED") ?: "0", "1"))
			ksft_exit_fail_msg("vtx not installed, yet --modroot staged it\n");
		ksft_exit_skip("vtx is not installed for this kernel (make install)\n");
	}
	return test_harness_run(argc, argv);
}
