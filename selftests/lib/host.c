// SPDX-License-Identifier: GPL-2.0
/*
 * What the host offers: VMX in CPUID, online CPUs, CPU hotplug, affinity,
 * and the host's own MSRs through the msr driver (/dev/cpu/N/msr).
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	/*
	 * kselftest's whole-program skip, written out so that the tools
	 * that link this library need no kselftest.h (make load).
	 */
	printf("TAP version 13\n1..0 # SKIP host CPU has no VMX (CPUID.1:ECX[5] is 0)\n");
	fflush(stdout);
	exit(VTX_KSFT_SKIP);
}

unsigned int vtx_host_phys_bits(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(0x80000008, &eax, &ebx, &ecx, &edx))
		return 36;
	return eax & 0xff;
}

__u64 vtx_host_gpa_limit(void)
{
	unsigned int bits = vtx_host_phys_bits();

	return 1ULL << (bits < 48 ? bits : 48);
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

/*
 * Read MSR @msr of CPU @cpu through the msr driver: the read runs on that
 * CPU, so a per-thread MSR (IA32_KERNEL_GS_BASE) is the calling thread's
 * only when the caller is pinned to @cpu.
 * Return: 0, or a negative errno (-EIO when the CPU refused the RDMSR).
 */
int __vtx_rdmsr(int cpu, __u32 msr, __u64 *val)
{
	char path[64];
	ssize_t n;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, val, sizeof(*val), msr);
	if (n < 0)
		r = -errno;
	else if (n != sizeof(*val))
		r = -EIO;
	close(fd);
	return r;
}

__u64 vtx_rdmsr(int cpu, __u32 msr)
{
	__u64 val = 0;
	int r = __vtx_rdmsr(cpu, msr, &val);

	VTX_ASSERT(!r, "cpu%d MSR 0x%x: %s", cpu, msr, strerror(-r));
	return val;
}

/* Load $VTX_KVM_DIR/msr.ko unless /dev/cpu/0/msr is already there. */
int __vtx_msr_driver_load(void)
{
	const char *dir = getenv("VTX_KVM_DIR");
	char path[256];
	int r;

	if (!access("/dev/cpu/0/msr", F_OK))
		return 0;
	if (!dir || !*dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/msr.ko", dir);
	r = __vtx_module_load(path, NULL);
	if (r)
		return r;
	return access("/dev/cpu/0/msr", F_OK) ? -errno : 0;
}

void vtx_msr_driver_load(void)
{
	int r = __vtx_msr_driver_load();

	VTX_ASSERT(!r, "msr driver ($VTX_KVM_DIR/msr.ko, VTX_KVM_DIR=%s): %s",
		   getenv("VTX_KVM_DIR") ?: "unset", strerror(-r));
}

/*
 * How many of the 2 MiB ranges from @p (2 MiB-aligned, @n of them) are
 * one 2 MiB-aligned, physically contiguous run of present pages, read
 * from /proc/self/pagemap: what can be mapped with a 2 MiB EPT leaf.
 * -errno if pagemap cannot be read.
 */
int vtx_huge_ranges(const void *p, int n)
{
	const __u64 pfn_mask = (1ULL << 55) - 1;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	__u64 e[512], pfn0;
	int r, i, found = 0;

	if (fd < 0)
		return -errno;
	for (r = 0; r < n; r++) {
		off_t at = ((unsigned long)p + r * 0x200000UL) / 4096 * 8;

		if (pread(fd, e, sizeof(e), at) != sizeof(e)) {
			close(fd);
			return -EIO;
		}
		pfn0 = e[0] & pfn_mask;
		for (i = 0; i < 512; i++)
			if (!(e[i] >> 63) || (e[i] & pfn_mask) != pfn0 + i)
				break;
		if (i == 512 && pfn0 && !(pfn0 & 511))
			found++;
	}
	close(fd);
	return found;
}

const char *vtx_thp_mode(void)
{
	static char mode[64] = "unknown";
	char line[128], *a, *b;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return mode;
	if (fgets(line, sizeof(line), f)) {
		a = strchr(line, '[');
		b = a ? strchr(a, ']') : NULL;
		if (b)
			snprintf(mode, sizeof(mode), "%.*s", (int)(b - a - 1),
				 a + 1);
	}
	fclose(f);
	return mode;
}
