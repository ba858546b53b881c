// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vtx and /dev/kvm file descriptors, ioctls and the debugfs view.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vtx_test.h"

int __vtx_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int vtx_open(const char *path)
{
	int fd = __vtx_open(path);

	VTX_ASSERT(fd >= 0, "open %s: %s", path, strerror(-fd));
	return fd;
}

int __vtx_ioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

int __vtx_get_capabilities(int fd, struct vtx_capabilities *caps)
{
	return __vtx_ioctl(fd, VTX_GET_CAPABILITIES, caps);
}

void vtx_get_capabilities(int fd, struct vtx_capabilities *caps)
{
	int r = __vtx_get_capabilities(fd, caps);

	VTX_ASSERT(!r, "VTX_GET_CAPABILITIES: %s", strerror(-r));
}

/*
 * Read one CPU's line from /sys/kernel/debug/vtx/cpus.
 * Return: 1 when vtx has VMX on there, 0 when off, or a negative errno.
 */
int __vtx_debugfs_cpu_vmx(int cpu)
{
	char line[128], want[32];
	int r = -ENOENT;
	FILE *f;

	f = fopen(VTX_DEBUGFS "/cpus", "r");
	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		r = strstr(line, "vmx=on") ? 1 : 0;
		break;
	}
	fclose(f);
	return r;
}
