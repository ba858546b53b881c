// SPDX-License-Identifier: GPL-2.0
/*
 * What the host offers: VMX in CPUID, online CPUs, CPU hotplug, affinity.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "kselftest.h"
#include "vtx_test.h"

bool vtx_host_has_vmx(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return false;
	return ecx & (1U << 5);
}

void vtx_require_vmx(void)
{
	if (vtx_host_has_vmx())
		return;
	ksft_print_header();
	ksft_exit_skip("host CPU has no VMX (CPUID.1:ECX[5] is 0)\n");
}

int vtx_online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int __vtx_set_cpu_online(int cpu, bool online)
{
	char path[64];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, online ? "1" : "0", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

void vtx_set_cpu_online(int cpu, bool online)
{
	int r = __vtx_set_cpu_online(cpu, online);

	VTX_ASSERT(!r, "cpu%d online=%d: %d", cpu, online, r);
}

int __vtx_pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

void vtx_pin_to_cpu(int cpu)
{
	int r = __vtx_pin_to_cpu(cpu);

	VTX_ASSERT(!r, "pin to cpu%d: %d", cpu, r);
}
