// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_info: print what /dev/vtx reports about this host's VMX hardware,
 * or, with --check, whether this host can run vtx at all (host_check.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "host_check.h"
#include "vtx_test.h"

static const struct {
	__u32 bit;
	const char *name;
} cap_names[] = {
	{ VTX_CAP_EPT, "EPT" },
	{ VTX_CAP_VPID, "VPID" },
	{ VTX_CAP_UNRESTRICTED_GUEST, "unrestricted guest" },
	{ VTX_CAP_MSR_BITMAPS, "MSR bitmaps" },
	{ VTX_CAP_ENTRY_LOAD_EFER, "VM-entry load IA32_EFER" },
	{ VTX_CAP_EXIT_SAVE_EFER, "VM-exit save IA32_EFER" },
	{ VTX_CAP_EXIT_LOAD_EFER, "VM-exit load IA32_EFER" },
	{ VTX_CAP_TERTIARY_CONTROLS, "tertiary controls" },
	{ VTX_CAP_VIRT_SPEC_CTRL, "virtualize IA32_SPEC_CTRL" },
	{ VTX_CAP_TRUE_CONTROLS, "TRUE control MSRs" },
	{ VTX_CAP_EPT_2M, "EPT 2M pages" },
	{ VTX_CAP_EPT_1G, "EPT 1G pages" },
	{ VTX_CAP_EPT_AD, "EPT A/D bits" },
}, spec_names[] = {
	{ VTX_SPEC_SPEC_CTRL, "SPEC_CTRL (IBRS/IBPB)" },
	{ VTX_SPEC_STIBP, "STIBP" },
	{ VTX_SPEC_SSBD, "SSBD" },
	{ VTX_SPEC_PSFD, "PSFD" },
	{ VTX_SPEC_IPRED_CTRL, "IPRED_CTRL" },
	{ VTX_SPEC_RRSBA_CTRL, "RRSBA_CTRL" },
	{ VTX_SPEC_DDPD_U, "DDPD_U" },
	{ VTX_SPEC_BHI_CTRL, "BHI_CTRL" },
};

static const struct {
	__u32 bit;
	const char *name;
} bug_names[] = {
	{ VTX_HOST_VULN_L1TF, "L1TF" },
	{ VTX_HOST_VULN_ITLB_MULTIHIT, "iTLB multihit" },
	{ VTX_HOST_VULN_VMSCAPE, "VMSCAPE" },
	{ VTX_HOST_VULN_MDS, "MDS" },
}, mitigation_names[] = {
	{ VTX_MITIGATE_L1D_FLUSH, "L1D flush before entry" },
	{ VTX_MITIGATE_L1D_FLUSH_ALWAYS, "... before every entry" },
	{ VTX_MITIGATE_L1D_FLUSH_CMD, "... with IA32_FLUSH_CMD" },
	{ VTX_MITIGATE_NX_HUGE_PAGES, "no executable 2M EPT leaf" },
	{ VTX_MITIGATE_IBPB_EXIT_TO_USER, "IBPB on exit to user" },
	{ VTX_MITIGATE_WBINVD_EXIT, "WBINVD intercepted" },
	{ VTX_MITIGATE_EXCEPTION_LOOPS, "#DB and #AC intercepted" },
	{ VTX_MITIGATE_CLEAR_CPU_BUFFERS, "VERW before entry" },
};

/* The capability report of the device at @path; the exit status. */
static int vtx_info_report(const char *path)
{
	struct vtx_capabilities c;
	int fd, r;
	size_t i;

	fd = __vtx_open(path);
	if (fd < 0) {
		fprintf(stderr, "vtx_info: open %s: %s\n", path, strerror(-fd));
		return 1;
	}
	r = __vtx_get_capabilities(fd, &c);
	if (r) {
		fprintf(stderr, "vtx_info: VTX_GET_CAPABILITIES: %s\n",
			strerror(-r));
		return 1;
	}
	printf("%s: KVM API version %d\n", path,
	       __vtx_ioctl(fd, KVM_GET_API_VERSION, NULL));
	printf("vtx ABI version %u; vtx ioctls 0x%llx (VTX_IOCTL_*)\n",
	       c.abi_version, (unsigned long long)c.ioctls);
	printf("VMCS revision 0x%x, size %u bytes; MSR lists up to %u entries\n",
	       c.vmcs_revision, c.vmcs_size, c.msr_list_max);
	for (i = 0; i < ARRAY_SIZE(cap_names); i++)
		printf("  %-28s %s\n", cap_names[i].name,
		       c.flags & cap_names[i].bit ? "yes" : "no");
	printf("host SPEC_CTRL family (CPUID):\n");
	for (i = 0; i < ARRAY_SIZE(spec_names); i++)
		printf("  %-28s %s\n", spec_names[i].name,
		       c.spec_flags & spec_names[i].bit ? "yes" : "no");
	printf("  IA32_SPEC_CTRL bits supported 0x%llx\n",
	       (unsigned long long)c.spec_ctrl_supported);
	printf("host CPU bugs (the kernel's):\n");
	for (i = 0; i < ARRAY_SIZE(bug_names); i++)
		printf("  %-28s %s\n", bug_names[i].name,
		       c.host_bugs & bug_names[i].bit ? "yes" : "no");
	printf("mitigations around guests:\n");
	for (i = 0; i < ARRAY_SIZE(mitigation_names); i++)
		printf("  %-28s %s\n", mitigation_names[i].name,
		       c.mitigations & mitigation_names[i].bit ? "yes" : "no");
	printf("raw: basic 0x%llx misc 0x%llx ept_vpid 0x%llx\n",
	       (unsigned long long)c.vmx_basic, (unsigned long long)c.vmx_misc,
	       (unsigned long long)c.vmx_ept_vpid_cap);
	printf("raw: pin 0x%llx proc 0x%llx proc2 0x%llx proc3 0x%llx\n",
	       (unsigned long long)c.vmx_pinbased,
	       (unsigned long long)c.vmx_procbased,
	       (unsigned long long)c.vmx_procbased2,
	       (unsigned long long)c.vmx_procbased3);
	printf("raw: exit 0x%llx entry 0x%llx\n",
	       (unsigned long long)c.vmx_exit, (unsigned long long)c.vmx_entry);
	return 0;
}

/* The host check, then, if vtx is loaded, its report; 0 when vtx can run. */
static int vtx_info_check(void)
{
	int no = host_check_run();

	if (!access(VTX_DEV_PATH, F_OK)) {
		printf("\n");
		fflush(stdout);
		vtx_info_report(VTX_DEV_PATH);
	}
	return no ? 1 : 0;
}

static int vtx_info_usage(FILE *out, int status)
{
	fprintf(out,
		"usage: vtx_info [DEVICE]  the capability report of DEVICE (default %s)\n"
		"       vtx_info --check   can this host run vtx? exit 0 if so, 1 if not\n"
		"       vtx_info --help    this text\n",
		VTX_DEV_PATH);
	return status;
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : VTX_DEV_PATH;

	if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
		return vtx_info_usage(stdout, 0);
	if (argc > 2) {
		fprintf(stderr, "vtx_info: too many arguments\n");
		return vtx_info_usage(stderr, 2);
	}
	if (!strcmp(arg, "--check"))
		return vtx_info_check();
	if (arg[0] == '-') {
		fprintf(stderr, "vtx_info: unknown option '%s'\n", arg);
		return vtx_info_usage(stderr, 2);
	}
	return vtx_info_report(arg);
}
