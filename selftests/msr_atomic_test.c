// SPDX-License-Identifier: GPL-2.0
/*
 * The host's MSRs come back atomically with the VM exit, from the exit
 * MSR-load list, and after a VM entry that failed on its MSR list too.
 *
 * Fixture nmi_restore: CPU 1 sends NMIs to CPU 0 while a guest with its
 * own IA32_LSTAR spins there. vtx's NMI handler runs right after each NMI
 * exit and reads IA32_LSTAR (debugfs nmi_msr_leaks counts the NMIs that
 * found the guest's value). With the exit-load list none does. The
 * variant software_restore is the negative control: the debugfs knob
 * msr_restore_sw takes IA32_LSTAR off the exit-load list and writes the
 * host's value back in software once the exit is handled, and the same
 * test must then see leaks: it can tell the two apart.
 *
 * Fixture fail_entry: debugfs fail_entry_msr makes a VM entry fail with
 * exit reason 34 on a bad last entry of the VM-entry MSR-load list, after
 * the CPU loaded every guest MSR before it. KVM_RUN reports
 * KVM_EXIT_FAIL_ENTRY, every host MSR on the CPU is the host's, and the
 * guest then runs with its own values.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <asm/prctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_SPEC_CTRL		0x48

#define SW_RESTORE_FILE		VTX_DEBUGFS "/msr_restore_sw"
#define FAIL_ENTRY_FILE		VTX_DEBUGFS "/fail_entry_msr"

#define GUEST_LSTAR		0xffffffff8a5a5000ULL
#define FAIL_ENTRY_MSR_LOAD	0x80000022U	/* bit 31 | reason 34 */

/* vtx with one VM and one 64-bit vCPU, the fixtures' common state. */
struct env {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

/* Load vtx, set msr_restore_sw to @software, and a vCPU running @start. */
static void env_up(struct __test_metadata *_metadata, struct env *e,
		   bool software, const void *start, const void *end)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&e->kmsg);
	vtx_load();
	ASSERT_EQ(0, vtx_write_text(SW_RESTORE_FILE, software ? "1\n" : "0\n"));
	e->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&e->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&e->vm, 0, &e->vcpu);
	vtx_vcpu_setup_long_mode(&e->vcpu, VTX_CODE_GPA);
	vtx_vm_load(&e->vm, VTX_CODE_GPA, start, end);
}

static void env_down(struct __test_metadata *_metadata, struct env *e)
{
	vtx_vcpu_close(&e->vcpu);
	vtx_vm_destroy(&e->vm);
	close(e->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&e->kmsg));
	vtx_kmsg_close(&e->kmsg);
}

FIXTURE(nmi_restore) {
	struct env e;
};

FIXTURE_VARIANT(nmi_restore) {
	bool software;
};

FIXTURE_VARIANT_ADD(nmi_restore, exit_list) {
	.software = false,
};

/* The negative control: IA32_LSTAR restored in software. */
FIXTURE_VARIANT_ADD(nmi_restore, software_restore) {
	.software = true,
};

FIXTURE_SETUP(nmi_restore)
{
	env_up(_metadata, &self->e, variant->software,
	       vtx_guest_spin64_start, vtx_guest_spin64_end);
}

FIXTURE_TEARDOWN(nmi_restore)
{
	env_down(_metadata, &self->e);
}

/*
 * NMIs land in the guest (NMI exits), and vtx's handler, which runs
 * right after each such exit, finds the host's IA32_LSTAR every time; in
 * the control it finds the guest's. Either way the host has its own
 * value once KVM_RUN returns.
 */
TEST_F_TIMEOUT(nmi_restore, nmi_after_exit_sees_host_lstar, 300)
{
	struct itimerval it = { .it_value = { .tv_sec = 3 } };
	struct vtx_nmi_sender nmi = { .fd = -1 };
	__u64 leaks0, exits0, leaks, exits, host;
	struct vtx_vcpu_stats stats;
	int r;

	if (vtx_online_cpus() < 2)
		SKIP(return, "a second CPU is needed to send NMIs to the first");
	vtx_msr_driver_load();
	vtx_pin_to_cpu(0);
	host = vtx_rdmsr(0, MSR_LSTAR);
	ASSERT_NE(GUEST_LSTAR, host);
	vtx_vcpu_set_msr(&self->e.vcpu, MSR_LSTAR, GUEST_LSTAR);
	vtx_install_noop_handler(SIGALRM);

	vtx_get_vcpu_stats(self->e.vcpu.fd, &stats);
	exits0 = stats.exit_reason[0];
	leaks0 = vtx_debugfs_u64("nmi_msr_leaks");
	ASSERT_NE(~0ULL, leaks0);
	ASSERT_EQ(0, vtx_nmi_sender_start(&nmi, 1, 0));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	r = __vtx_vcpu_run(&self->e.vcpu);
	vtx_nmi_sender_stop(&nmi);
	EXPECT_EQ(-EINTR, r);

	vtx_get_vcpu_stats(self->e.vcpu.fd, &stats);
	exits = stats.exit_reason[0] - exits0;
	leaks = vtx_debugfs_u64("nmi_msr_leaks") - leaks0;
	TH_LOG("%s: %lu NMIs sent, %llu NMI exits, %llu saw the guest's IA32_LSTAR",
	       variant->software ? "software restore" : "exit-load list",
	       nmi.sent, (unsigned long long)exits, (unsigned long long)leaks);
	ASSERT_LT(0ULL, exits) TH_LOG("no NMI reached the guest");
	/* The control must leak; the exit-load list never. */
	EXPECT_EQ(variant->software, leaks != 0);
	EXPECT_EQ(host, vtx_rdmsr(0, MSR_LSTAR));
	EXPECT_EQ(GUEST_LSTAR, vtx_vcpu_get_msr(&self->e.vcpu, MSR_LSTAR));
}

/*
 * guest_read_lstar: report IA32_LSTAR (RDMSR) on port 0x44, low half
 * first, then halt.
 */
VTX_GUEST_CODE(guest_read_lstar);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_read_lstar_start:\n"
	".code64\n"
	"	mov $0xc0000082, %ecx\n"
	"	rdmsr\n"
	"	out %eax, $0x44\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x44\n"
	"1:	hlt\n"
	"	jmp 1b\n"
	"guest_read_lstar_end:\n"
	".popsection\n");

struct host_msr {
	__u32 index;
	__u64 guest;
};

static const struct host_msr switched[] = {
	{ MSR_STAR, 0x0023001000000000ULL },
	{ MSR_LSTAR, GUEST_LSTAR },
	{ MSR_CSTAR, 0xffffffff8a5a6000ULL },
	{ MSR_SFMASK, 0x47700 },
	{ MSR_KERNEL_GS_BASE, 0xffff888012345000ULL },
};

FIXTURE(fail_entry) {
	struct env e;
};

FIXTURE_SETUP(fail_entry)
{
	env_up(_metadata, &self->e, false, guest_read_lstar_start,
	       guest_read_lstar_end);
}

FIXTURE_TEARDOWN(fail_entry)
{
	env_down(_metadata, &self->e);
}

/*
 * Guest values for every switched MSR (and for IA32_SPEC_CTRL, where the
 * host has it, a value other than the host's), then an entry that fails
 * on its MSR list after loading them all: the host's values are back on
 * this CPU when KVM_RUN returns KVM_EXIT_FAIL_ENTRY, and the next entry
 * runs the guest with its own.
 */
TEST_F_TIMEOUT(fail_entry, host_msrs_intact_after_reason_34, 300)
{
	struct kvm_cpuid_entry2 cpuid[128];
	__u64 before[ARRAY_SIZE(switched)], efer, spec = 0, spec_guest = 0;
	unsigned long user_gs = 0;
	struct kvm_run *run = self->e.vcpu.run;
	unsigned int i, qual, entries;
	bool has_spec;
	char buf[64];
	int nent, n;

	vtx_msr_driver_load();
	vtx_pin_to_cpu(0);
	has_spec = !__vtx_rdmsr(0, MSR_SPEC_CTRL, &spec);
	if (has_spec) {
		nent = vtx_get_supported_cpuid(self->e.dev, cpuid,
					       ARRAY_SIZE(cpuid));
		vtx_vcpu_set_cpuid(&self->e.vcpu, cpuid, nent);
		/* A bit the guest may set that the host's value lacks. */
		for (i = 0; i < 3 && !spec_guest; i++)
			if (!(spec & (1ULL << i)) &&
			    __vtx_vcpu_set_msr(&self->e.vcpu, MSR_SPEC_CTRL,
					       1ULL << i) == 1)
				spec_guest = 1ULL << i;
	}
	for (i = 0; i < ARRAY_SIZE(switched); i++)
		vtx_vcpu_set_msr(&self->e.vcpu, switched[i].index,
				 switched[i].guest);
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_GS, &user_gs));
	for (i = 0; i < ARRAY_SIZE(switched); i++)
		before[i] = vtx_rdmsr(0, switched[i].index);
	efer = vtx_rdmsr(0, MSR_EFER);
	EXPECT_EQ((__u64)user_gs, before[4]) TH_LOG("KERNEL_GS_BASE");

	ASSERT_EQ(0, vtx_write_text(FAIL_ENTRY_FILE, "1\n"));
	vtx_vcpu_run(&self->e.vcpu);
	vtx_assert_exit(run, KVM_EXIT_FAIL_ENTRY);
	EXPECT_EQ((__u64)FAIL_ENTRY_MSR_LOAD,
		  run->fail_entry.hardware_entry_failure_reason);
	EXPECT_EQ(0U, run->fail_entry.cpu);

	/* It failed on the bad entry, after all the guest's. */
	ASSERT_EQ(0, vtx_read_line(FAIL_ENTRY_FILE, buf, sizeof(buf)));
	n = sscanf(buf, "%u %u", &qual, &entries);
	ASSERT_EQ(2, n) TH_LOG("%s", buf);
	TH_LOG("failed on entry %u of %u guest entries + 1; SPEC_CTRL host 0x%llx guest 0x%llx",
	       qual, entries, (unsigned long long)spec,
	       (unsigned long long)spec_guest);
	EXPECT_LE(ARRAY_SIZE(switched), entries);
	EXPECT_EQ(entries + 1, qual);

	for (i = 0; i < ARRAY_SIZE(switched); i++)
		EXPECT_EQ(before[i], vtx_rdmsr(0, switched[i].index))
			TH_LOG("host MSR 0x%x after the failed entry",
			       switched[i].index);
	EXPECT_EQ(efer, vtx_rdmsr(0, MSR_EFER));
	if (has_spec)
		EXPECT_EQ(spec, vtx_rdmsr(0, MSR_SPEC_CTRL));

	/* The next entry is a good one: the guest reads its own value. */
	EXPECT_EQ(GUEST_LSTAR, vtx_vcpu_run_out64(&self->e.vcpu, 0x44));
	vtx_vcpu_run(&self->e.vcpu);
	vtx_assert_exit(run, KVM_EXIT_HLT);
	for (i = 0; i < ARRAY_SIZE(switched); i++)
		EXPECT_EQ(switched[i].guest,
			  vtx_vcpu_get_msr(&self->e.vcpu, switched[i].index))
			TH_LOG("guest MSR 0x%x", switched[i].index);
	if (spec_guest)
		EXPECT_EQ(spec_guest,
			  vtx_vcpu_get_msr(&self->e.vcpu, MSR_SPEC_CTRL));
	EXPECT_EQ(before[1], vtx_rdmsr(0, MSR_LSTAR));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
