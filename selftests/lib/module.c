// SPDX-License-Identifier: GPL-2.0
/*
 * Load and unload kernel modules with finit_module() and delete_module().
 *
 * The emulated host's /init passes the paths: VTX_KO is vtx.ko, and
 * VTX_KVM_DIR holds irqbypass.ko, kvm.ko, kvm-intel.ko and msr.ko.
 * VTX_PARAMS, when set, holds the parameters vtx_load() gives vtx.ko, so
 * that a whole run can use, for example, efer_switch=msr_list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vtx_test.h"

bool vtx_module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return stat(path, &st) == 0;
}

int __vtx_module_load(const char *path, const char *params)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, params ? params : "", 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

void vtx_module_load(const char *path, const char *params)
{
	int r = __vtx_module_load(path, params);

	VTX_ASSERT(!r, "load %s: %s", path, strerror(-r));
}

int __vtx_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

void vtx_module_unload(const char *name)
{
	int r = __vtx_module_unload(name);

	VTX_ASSERT(!r, "unload %s: %s", name, strerror(-r));
}

const char *vtx_ko_path(void)
{
	const char *ko = getenv("VTX_KO");

	VTX_ASSERT(ko && *ko, "VTX_KO is not set");
	return ko;
}

void vtx_load(void)
{
	vtx_module_load(vtx_ko_path(), getenv("VTX_PARAMS"));
}

int __vtx_load_with(const char *extra)
{
	const char *env = getenv("VTX_PARAMS");
	char params[512];

	snprintf(params, sizeof(params), "%s %s", env ?: "", extra);
	return __vtx_module_load(vtx_ko_path(), params);
}

void vtx_unload_if_loaded(void)
{
	if (vtx_module_loaded("vtx"))
		vtx_module_unload("vtx");
}

static const char *const vtx_kvm_modules[][2] = {
	{ "irqbypass", "irqbypass.ko" },
	{ "kvm", "kvm.ko" },
	{ "kvm_intel", "kvm-intel.ko" },
};

void vtx_kvm_load(void)
{
	const char *dir = getenv("VTX_KVM_DIR");
	char path[256];
	size_t i;

	VTX_ASSERT(dir && *dir, "VTX_KVM_DIR is not set");
	for (i = 0; i < ARRAY_SIZE(vtx_kvm_modules); i++) {
		if (vtx_module_loaded(vtx_kvm_modules[i][0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir,
			 vtx_kvm_modules[i][1]);
		vtx_module_load(path, NULL);
	}
}

void vtx_kvm_unload(void)
{
	int i;

	for (i = (int)ARRAY_SIZE(vtx_kvm_modules) - 1; i >= 0; i--)
		if (vtx_module_loaded(vtx_kvm_modules[i][0]))
			vtx_module_unload(vtx_kvm_modules[i][0]);
}
