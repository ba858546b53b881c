// SPDX-License-Identifier: GPL-2.0
/*
 * kdump_setup: the first half of the kdump and kexec tests (scripts/init.sh,
 * vtxmode=kdump and vtxmode=kexec), run in the kernel that will crash or
 * kexec.
 *
 *   kdump_setup OUTFILE
 *
 * Loads vtx.ko (with VTX_PARAMS), then runs VCPUS_PER_CPU vCPUs of one VM
 * on each of CPU 0 and CPU 1 until their first exit, so that every CPU
 * has launched VMCSs on its loaded list. It checks, as TAP, that debugfs
 * lists them on the right CPUs and that each one's launch state in memory
 * (/proc/kcore) is 1, then writes their physical addresses, comma
 * separated, to OUTFILE and as the host name ("vmcs=PA,PA..."), where the
 * crash kernel's check (vmcs_state) finds them in the dump.
 *
 * A child process then keeps the VM open, so the VMCSs stay loaded until
 * the crash or the kexec; the parent exits with the TAP verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vtx_test.h"

#define NR_CPUS_USED	2
#define VCPUS_PER_CPU	2
#define NR_VCPUS	(NR_CPUS_USED * VCPUS_PER_CPU)
#define GUEST_PORT	0x10

/* mov al, 0x42; out 0x10, al; hlt; jmp $-1 */
static const unsigned char guest_code[] = {
	0xb0, 0x42, 0xe6, GUEST_PORT, 0xf4, 0xeb, 0xfd,
};

static int test_nr;
static int failed;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++test_nr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed += !ok;
}

static void hold_forever(void)
{
	int fd;

	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	/* The VM's fds stay open until the crash or the kexec. */
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct vtx_vcpu vcpu[NR_VCPUS];
	static struct vtx_vmcs_view v;
	struct vtx_vm vm;
	int i, cpu, r, nr_launched = 0;
	__u32 state;
	char host[65];
	FILE *out;
	int len;

	if (argc != 2) {
		fprintf(stderr, "usage: kdump_setup OUTFILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	vtx_require_vmx();
	/*
	 * Not a skip: the kdump tiers boot 2 CPUs, and a CPU that did not
	 * come back online (INIT blocked after a kexec left it in VMX
	 * operation) is exactly what they must catch.
	 */
	if (vtx_online_cpus() < NR_CPUS_USED) {
		printf("1..1\nnot ok 1 - needs %d online CPUs, %d are online\n",
		       NR_CPUS_USED, vtx_online_cpus());
		return 1;
	}
	printf("1..%d\n", 5 + NR_VCPUS);
	vtx_load();
	printf("# vtx.ko loaded with '%s'\n", getenv("VTX_PARAMS") ?: "");

	vtx_vm_create_default(&vm, VTX_DEV_PATH);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_code,
		    guest_code + sizeof(guest_code));
	for (i = 0; i < NR_VCPUS; i++) {
		cpu = i / VCPUS_PER_CPU;
		vtx_pin_to_cpu(cpu);
		vtx_vcpu_create(&vm, i, &vcpu[i]);
		vtx_vcpu_setup_real_mode(&vcpu[i], VTX_CODE_GPA);
		vtx_vcpu_run(&vcpu[i]);
		r = __vtx_check_io_out(vcpu[i].run, GUEST_PORT, 1, 0x42);
		nr_launched += !r;
	}
	vtx_pin_to_cpu(0);
	tap(nr_launched == NR_VCPUS, "%d of %d vCPUs ran to their first exit",
	    nr_launched, NR_VCPUS);

	vtx_debugfs_vmcs(&v);
	for (cpu = 0; cpu < NR_CPUS_USED; cpu++)
		tap(v.loaded[cpu] == VCPUS_PER_CPU,
		    "debugfs: cpu%d has %d VMCSs loaded", cpu, v.loaded[cpu]);
	for (i = 0; i < v.nr_vmcs; i++) {
		r = vtx_core_vmcs_launch_state(VTX_KCORE_PATH, v.vmcs[i].pa,
					       &state);
		if (r)
			printf("# %s: %s\n", VTX_KCORE_PATH, strerror(-r));
		tap(!r && state == 1 && v.vmcs[i].launched,
		    "vmcs 0x%llx on cpu%d: launch state in memory %d, want 1 (launched)",
		    (unsigned long long)v.vmcs[i].pa, v.vmcs[i].cpu,
		    r ? -1 : (int)state);
	}
	for (; i < NR_VCPUS; i++)
		tap(false, "debugfs: vmcs %d of %d not listed", i + 1,
		    NR_VCPUS);

	out = fopen(argv[1], "w");
	for (i = 0; out && i < v.nr_vmcs; i++)
		fprintf(out, "%s%llx", i ? "," : "",
			(unsigned long long)v.vmcs[i].pa);
	tap(out && fclose(out) == 0, "%d VMCS addresses written to %s",
	    v.nr_vmcs, argv[1]);
	len = snprintf(host, sizeof(host), "vmcs=");
	for (i = 0; i < v.nr_vmcs && len < (int)sizeof(host); i++)
		len += snprintf(host + len, sizeof(host) - len, "%s%llx",
				i ? "," : "", (unsigned long long)v.vmcs[i].pa);
	tap(len < (int)sizeof(host) && !sethostname(host, len),
	    "host name set to %s", host);

	fflush(stdout);
	r = fork();
	if (r == 0)
		hold_forever();
	if (r < 0)
		tap(false, "fork: %s", strerror(errno));
	return failed ? 1 : 0;
}
