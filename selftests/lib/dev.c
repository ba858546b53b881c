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

int __vtx_get_vcpu_stats(int vcpu, struct vtx_vcpu_stats *stats)
{
	return __vtx_ioctl(vcpu, VTX_GET_VCPU_STATS, stats);
}

void vtx_get_vcpu_stats(int vcpu, struct vtx_vcpu_stats *stats)
{
	int r = __vtx_get_vcpu_stats(vcpu, stats);

	VTX_ASSERT(!r, "VTX_GET_VCPU_STATS: %s", strerror(-r));
}

int __vtx_set_spec_ctrl_policy(int vm, const struct vtx_spec_ctrl_policy *p)
{
	return __vtx_ioctl(vm, VTX_SET_SPEC_CTRL_POLICY, (void *)p);
}

void vtx_set_spec_ctrl_policy(int vm, const struct vtx_spec_ctrl_policy *p)
{
	int r = __vtx_set_spec_ctrl_policy(vm, p);

	VTX_ASSERT(!r, "VTX_SET_SPEC_CTRL_POLICY mode %u mask 0x%llx forced 0x%llx: %s",
		   p->mode, (unsigned long long)p->mask,
		   (unsigned long long)p->forced, strerror(-r));
}

int __vtx_get_spec_ctrl_policy(int vm, struct vtx_spec_ctrl_policy *p)
{
	return __vtx_ioctl(vm, VTX_GET_SPEC_CTRL_POLICY, p);
}

void vtx_get_spec_ctrl_policy(int vm, struct vtx_spec_ctrl_policy *p)
{
	int r = __vtx_get_spec_ctrl_policy(vm, p);

	VTX_ASSERT(!r, "VTX_GET_SPEC_CTRL_POLICY: %s", strerror(-r));
}

int __vtx_get_spec_ctrl_state(int vcpu, struct vtx_spec_ctrl_state *st)
{
	return __vtx_ioctl(vcpu, VTX_GET_SPEC_CTRL_STATE, st);
}

void vtx_get_spec_ctrl_state(int vcpu, struct vtx_spec_ctrl_state *st)
{
	int r = __vtx_get_spec_ctrl_state(vcpu, st);

	VTX_ASSERT(!r, "VTX_GET_SPEC_CTRL_STATE: %s", strerror(-r));
}

/*
 * Parse /sys/kernel/debug/vtx/vmcs: "allocated=N", then per CPU its
 * "vmcs=PA cpu=C launched=L" lines followed by "cpuN loaded=K".
 * Return: 0, or a negative errno; -EPROTO when a line does not parse, a
 * VMCS line names another CPU than the list it is on, or a count
 * disagrees with the lines listed.
 */
int __vtx_debugfs_vmcs(struct vtx_vmcs_view *v)
{
	unsigned long long pa;
	int cpu, launched, k, listed = 0, r = 0;
	char line[160];
	FILE *f;

	memset(v, 0, sizeof(*v));
	v->allocated = -1;
	f = fopen(VTX_DEBUGFS "/vmcs", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "allocated=%d", &k) == 1) {
			v->allocated = k;
		} else if (sscanf(line, "vmcs=%llx cpu=%d launched=%d", &pa, &cpu,
				  &launched) == 3) {
			if (v->nr_vmcs >= VTX_VIEW_MAX_VMCS) {
				r = -E2BIG;
				break;
			}
			v->vmcs[v->nr_vmcs].pa = pa;
			v->vmcs[v->nr_vmcs].cpu = cpu;
			v->vmcs[v->nr_vmcs].launched = launched;
			v->nr_vmcs++;
			listed++;
		} else if (sscanf(line, "cpu%d loaded=%d", &cpu, &k) == 2 &&
			   cpu >= 0 && cpu < VTX_VIEW_MAX_CPUS) {
			int i;

			/* Each VMCS listed since the last count is on @cpu. */
			for (i = v->nr_vmcs - listed; i < v->nr_vmcs; i++)
				if (v->vmcs[i].cpu != cpu)
					r = -EPROTO;
			if (k != listed)
				r = -EPROTO;
			v->loaded[cpu] = k;
			v->total_loaded += k;
			if (cpu >= v->nr_cpus)
				v->nr_cpus = cpu + 1;
			listed = 0;
		} else {
			r = -EPROTO;
		}
		if (r)
			break;
	}
	fclose(f);
	if (!r && (v->allocated < 0 || listed))
		r = -EPROTO;
	return r;
}

void vtx_debugfs_vmcs(struct vtx_vmcs_view *v)
{
	int r = __vtx_debugfs_vmcs(v);

	VTX_ASSERT(!r, "debugfs vmcs: %s", strerror(-r));
}

int vtx_read_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int vtx_write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int r = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		r = -errno;
	else if ((size_t)n != strlen(text))
		r = -EIO;
	close(fd);
	return r;
}

int __vtx_crash_walk_write(const char *text)
{
	return vtx_write_text(VTX_DEBUGFS "/crash_walk", text);
}

int __vtx_crash_walk(unsigned int n, struct vtx_crash_walk *w)
{
	char line[96];
	FILE *f;
	int r;

	memset(w, 0, sizeof(*w));
	snprintf(line, sizeof(line), "%u", n);
	r = __vtx_crash_walk_write(line);
	if (r)
		return r;
	f = fopen(VTX_DEBUGFS "/crash_walk", "r");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "vmcss=%u visited=%u tsc=%llu", &w->vmcss, &w->visited,
		   &w->tsc) != 3)
		r = -EPROTO;
	fclose(f);
	return r;
}

/*
 * Parse /sys/kernel/debug/vtx/ept: "tables=N large_leaves=N splits=N
 * leaves=N faults=N", one line.
 * Return: 0, or a negative errno; -EPROTO when the line does not parse.
 */
int __vtx_debugfs_ept(struct vtx_ept_view *v)
{
	char line[256];
	FILE *f;
	int r = 0;

	memset(v, 0, sizeof(*v));
	f = fopen(VTX_DEBUGFS "/ept", "r");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "tables=%lld large_leaves=%lld splits=%lld leaves=%lld faults=%lld",
		   &v->tables, &v->large_leaves, &v->splits, &v->leaves,
		   &v->faults) != 5)
		r = -EPROTO;
	fclose(f);
	return r;
}

void vtx_debugfs_ept(struct vtx_ept_view *v)
{
	int r = __vtx_debugfs_ept(v);

	VTX_ASSERT(!r, "debugfs ept: %s", strerror(-r));
}
