// SPDX-License-Identifier: GPL-2.0
/*
 * CPU-bug mitigations around every guest, as Debian's kvm_intel applies
 * them, following the kernel's own state:
 * - the capability report agrees with /sys/devices/system/cpu/
 *   vulnerabilities, which vtx updates while it is loaded (l1tf's "VMX:"
 *   part, itlb_multihit's "KVM:" part);
 * - L1TF: vmentry_l1d_flush=always flushes before every entry, never
 *   flushes none, the default (cond) at least before the first entry of a
 *   KVM_RUN; on a CPU without the bug, none ever;
 * - VMSCAPE: every exit requests the kernel's IBPB on return to user
 *   space, where the kernel mitigates VMSCAPE that way;
 * - WBINVD: it exits, and the guest carries on.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define EXIT_REASON_WBINVD	54
#define GUEST_CPUIDS		50
#define GUEST_WBINVDS		10
#define VULN_DIR		"/sys/devices/system/cpu/vulnerabilities/"

/* guest_exits (64-bit): 50 CPUIDs, 10 WBINVDs, then HLT. */
VTX_GUEST_CODE(guest_exits);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_exits_start:\n"
	".code64\n"
	"	mov $50, %esi\n"
	"1:	xor %eax, %eax\n"
	"	cpuid\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	mov $10, %esi\n"
	"2:	wbinvd\n"
	"	dec %esi\n"
	"	jnz 2b\n"
	"	hlt\n"
	"guest_exits_end:\n"
	".popsection\n");

/* The first line of a vulnerabilities file, "" if there is none. */
static const char *vuln(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), VULN_DIR "%s", name);
	buf[0] = 0;
	f = fopen(path, "r");
	if (!f)
		return buf;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return buf;
}

/* Load vtx with @params, run guest_exits once: its statistics. */
static void run_guest(struct __test_metadata *_metadata, const char *params,
		      struct vtx_capabilities *caps,
		      struct vtx_vcpu_stats *stats)
{
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int dev;

	vtx_unload_if_loaded();
	ASSERT_EQ(0, __vtx_load_with(params));
	dev = vtx_open(VTX_DEV_PATH);
	vtx_get_capabilities(dev, caps);
	vtx_vm_create_default(&vm, VTX_DEV_PATH);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_exits_start, guest_exits_end);
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);
	vtx_vcpu_run(&vcpu);
	vtx_assert_exit(vcpu.run, KVM_EXIT_HLT);
	vtx_get_vcpu_stats(vcpu.fd, stats);
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	close(dev);
}

FIXTURE(mitigation) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(mitigation)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
}

FIXTURE_TEARDOWN(mitigation)
{
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

TEST_F_TIMEOUT(mitigation, report_matches_kernel_state, 300)
{
	char l1tf[256], multihit[256], vmscape[256];
	struct vtx_capabilities caps;
	bool affected;
	int dev;

	vtx_load();
	dev = vtx_open(VTX_DEV_PATH);
	vtx_get_capabilities(dev, &caps);
	close(dev);
	vuln("l1tf", l1tf, sizeof(l1tf));
	vuln("itlb_multihit", multihit, sizeof(multihit));
	vuln("vmscape", vmscape, sizeof(vmscape));
	TH_LOG("mitigations 0x%x host_bugs 0x%x", caps.mitigations,
	       caps.host_bugs);
	TH_LOG("l1tf: %s", l1tf);
	TH_LOG("itlb_multihit: %s", multihit);
	TH_LOG("vmscape: %s", vmscape);

	EXPECT_NE(0U, caps.mitigations & VTX_MITIGATE_EXCEPTION_LOOPS);
	EXPECT_NE(0U, caps.mitigations & VTX_MITIGATE_WBINVD_EXIT);

	affected = strncmp(l1tf, "Not affected", 12) != 0;
	EXPECT_EQ(affected, !!(caps.host_bugs & VTX_HOST_VULN_L1TF));
	if (affected && strstr(l1tf, "PTE Inversion")) {
		/* The kernel's default l1tf=flush: conditional flushes. */
		EXPECT_NE(0U, caps.mitigations & VTX_MITIGATE_L1D_FLUSH);
		EXPECT_NE(NULL, strstr(l1tf, "VMX: conditional cache flushes"));
	} else if (!affected) {
		EXPECT_EQ(0U, caps.mitigations & VTX_MITIGATE_L1D_FLUSH);
	}

	affected = strncmp(multihit, "Not affected", 12) != 0;
	EXPECT_EQ(affected, !!(caps.host_bugs & VTX_HOST_VULN_ITLB_MULTIHIT));
	EXPECT_EQ(affected, !!(caps.mitigations & VTX_MITIGATE_NX_HUGE_PAGES));
	if (affected)
		EXPECT_NE(NULL, strstr(multihit, "KVM: Mitigation: Split huge pages"));

	EXPECT_EQ(!!strstr(vmscape, "IBPB before exit to userspace"),
		  !!(caps.mitigations & VTX_MITIGATE_IBPB_EXIT_TO_USER));
}

/* After unload the kernel reports its own state again. */
TEST_F_TIMEOUT(mitigation, unload_restores_kernel_report, 300)
{
	char before[256], loaded[256], after[256];

	vuln("itlb_multihit", before, sizeof(before));
	vtx_load();
	vuln("itlb_multihit", loaded, sizeof(loaded));
	vtx_module_unload("vtx");
	vuln("itlb_multihit", after, sizeof(after));
	TH_LOG("itlb_multihit: '%s' -> '%s' -> '%s'", before, loaded, after);
	EXPECT_STREQ(before, after);
	if (strncmp(before, "Not affected", 12))
		EXPECT_STRNE(before, loaded);
	vtx_load();
}

TEST_F_TIMEOUT(mitigation, l1d_flush_before_entry, 300)
{
	struct vtx_capabilities caps;
	struct vtx_vcpu_stats st;

	run_guest(_metadata, "vmentry_l1d_flush=always", &caps, &st);
	TH_LOG("always: %llu flushes, %llu exits", st.l1d_flushes, st.exits);
	if (!(caps.host_bugs & VTX_HOST_VULN_L1TF)) {
		/* Not affected: nothing to flush, whatever the parameter. */
		EXPECT_EQ(0U, caps.mitigations & VTX_MITIGATE_L1D_FLUSH);
		EXPECT_EQ(0ULL, st.l1d_flushes);
		return;
	}
	EXPECT_NE(0U, caps.mitigations & VTX_MITIGATE_L1D_FLUSH_ALWAYS);
	/* One entry per exit: the last exit (HLT) went to user space. */
	EXPECT_EQ(st.exits, st.l1d_flushes);
	EXPECT_GE(st.exits, (__u64)(GUEST_CPUIDS + 1));

	run_guest(_metadata, "vmentry_l1d_flush=never", &caps, &st);
	TH_LOG("never: %llu flushes, %llu exits", st.l1d_flushes, st.exits);
	EXPECT_EQ(0U, caps.mitigations & VTX_MITIGATE_L1D_FLUSH);
	EXPECT_EQ(0ULL, st.l1d_flushes);

	run_guest(_metadata, "vmentry_l1d_flush=cond", &caps, &st);
	TH_LOG("cond: %llu flushes, %llu exits", st.l1d_flushes, st.exits);
	EXPECT_NE(0U, caps.mitigations & VTX_MITIGATE_L1D_FLUSH);
	EXPECT_EQ(0U, caps.mitigations & VTX_MITIGATE_L1D_FLUSH_ALWAYS);
	EXPECT_GE(st.l1d_flushes, 1ULL);
	EXPECT_LE(st.l1d_flushes, st.exits);

	/* A bad value is refused at load. */
	vtx_unload_if_loaded();
	EXPECT_NE(0, __vtx_load_with("vmentry_l1d_flush=sometimes"));
	EXPECT_NE(0, __vtx_load_with("nx_huge_pages=maybe"));
	vtx_load();
}

TEST_F_TIMEOUT(mitigation, wbinvd_exits_and_ibpb_requested, 300)
{
	struct vtx_capabilities caps;
	struct vtx_vcpu_stats st;
	char vmscape[256];

	run_guest(_metadata, "", &caps, &st);
	TH_LOG("%llu exits, %llu WBINVD, %llu IBPB requests", st.exits,
	       st.exit_reason[EXIT_REASON_WBINVD], st.ibpb_requests);
	ASSERT_NE(0U, caps.mitigations & VTX_MITIGATE_WBINVD_EXIT);
	EXPECT_EQ((__u64)GUEST_WBINVDS, st.exit_reason[EXIT_REASON_WBINVD]);

	vuln("vmscape", vmscape, sizeof(vmscape));
	if (!strstr(vmscape, "IBPB before exit to userspace")) {
		EXPECT_EQ(0ULL, st.ibpb_requests);
		SKIP(return, "no IBPB on exit to user space (vmscape: %s)",
		     vmscape);
	}
	EXPECT_EQ(st.exits, st.ibpb_requests);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
