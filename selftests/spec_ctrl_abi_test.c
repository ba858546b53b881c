// SPDX-License-Identifier: GPL-2.0
/*
 * The IA32_SPEC_CTRL ABI, which also works on a host without the MSR:
 * policy errors, #GP for a guest without SPEC_CTRL in CPUID, KVM_SET_MSRS,
 * PRED_CMD and KVM_GET_SUPPORTED_CPUID. spec_ctrl_test.c runs guests.
 */
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "spec_ctrl_env.h"

FIXTURE(spec_ctrl_abi) {
	struct env e;
};

/* vtx loaded with spec_ctrl=auto; a test makes the VM it needs. */
FIXTURE_SETUP(spec_ctrl_abi)
{
	env_setup(&self->e, "auto");
}

FIXTURE_TEARDOWN(spec_ctrl_abi)
{
	env_teardown(_metadata, &self->e);
}

#define RESV_NONE	99

/*
 * VTX_SET_SPEC_CTRL_POLICY of {@mode, @mask, @forced}, with reserved[@ri]
 * set (-1: reserved0, RESV_NONE: none), must return @want (0 or -errno);
 * VTX_GET_SPEC_CTRL_POLICY then gives it back, or after a failure the
 * policy from before.
 */
static void try_policy(struct __test_metadata *_metadata, int vm, __u32 mode,
		       __u64 mask, __u64 forced, int ri, int want)
{
	struct vtx_spec_ctrl_policy before, after, p = {
		.mode = mode,
		.mask = mask,
		.forced = forced,
	};

	if (ri < 0)
		p.reserved0 = 1;
	else if (ri < (int)ARRAY_SIZE(p.reserved))
		p.reserved[ri] = 1ULL << 63;
	vtx_get_spec_ctrl_policy(vm, &before);
	EXPECT_EQ(want, __vtx_set_spec_ctrl_policy(vm, &p))
		TH_LOG("mode %u mask 0x%llx forced 0x%llx reserved %d", mode,
		       mask, forced, ri);
	vtx_get_spec_ctrl_policy(vm, &after);
	EXPECT_EQ(0, memcmp(want ? &before : &p, &after, sizeof(after)))
		TH_LOG("GET after mode %u mask 0x%llx forced 0x%llx: %u 0x%llx 0x%llx",
		       mode, mask, forced, after.mode, after.mask,
		       after.forced);
}

/* A new VM's policy is auto, all zero; what SET takes, GET gives back. */
TEST_F_TIMEOUT(spec_ctrl_abi, policy_round_trip, 300)
{
	struct vtx_spec_ctrl_policy p, zero = {};
	struct env *e = &self->e;
	__u64 low = e->sup & -e->sup;
	int vm;

	vtx_vm_create(&e->vm, VTX_DEV_PATH);
	vm = e->vm.fd;
	memset(&p, 0xa5, sizeof(p));
	vtx_get_spec_ctrl_policy(vm, &p);
	EXPECT_EQ(0, memcmp(&zero, &p, sizeof(p))) TH_LOG("a new VM's policy");
	try_policy(_metadata, vm, M_INTERCEPT, 0, 0, RESV_NONE, 0);
	try_policy(_metadata, vm, M_AUTO, 0, 0, RESV_NONE, 0);
	if (e->sup) {
		try_policy(_metadata, vm, M_INTERCEPT, e->sup, low, RESV_NONE,
			   0);
		try_policy(_metadata, vm, M_AUTO, low, 0, RESV_NONE, 0);
		try_policy(_metadata, vm, M_PASSTHROUGH, 0, 0, RESV_NONE, 0);
	}
	if (e->sup && (e->caps.flags & VTX_CAP_VIRT_SPEC_CTRL))
		try_policy(_metadata, vm, M_VIRTUALIZE, low, low, RESV_NONE, 0);
}

TEST_F_TIMEOUT(spec_ctrl_abi, policy_refusals, 300)
{
	struct env *e = &self->e;
	__u64 undef = DEFINED_BITS & ~e->sup, low = e->sup & -e->sup;
	int i, vm;

	vtx_vm_create(&e->vm, VTX_DEV_PATH);
	vm = e->vm.fd;
	for (i = -1; i < 5; i++)
		try_policy(_metadata, vm, M_INTERCEPT, 0, 0, i, -EINVAL);
	try_policy(_metadata, vm, 4, 0, 0, RESV_NONE, -EINVAL);
	try_policy(_metadata, vm, ~0U, 0, 0, RESV_NONE, -EINVAL);
	try_policy(_metadata, vm, M_INTERCEPT, 1ULL << 9, 0, RESV_NONE,
		   -EINVAL);
	try_policy(_metadata, vm, M_AUTO, 1ULL << 63, 0, RESV_NONE, -EINVAL);
	if (undef)	/* a mask bit the host lacks */
		try_policy(_metadata, vm, M_INTERCEPT, undef & -undef, 0,
			   RESV_NONE, -EINVAL);
	/* forced bits outside the mask */
	try_policy(_metadata, vm, M_INTERCEPT, 0, IBRS, RESV_NONE, -EINVAL);
	if (e->sup & ~low)
		try_policy(_metadata, vm, M_INTERCEPT, low, e->sup & ~low,
			   RESV_NONE, -EINVAL);
	try_policy(_metadata, vm, M_PASSTHROUGH, e->sup ? low : IBRS, 0,
		   RESV_NONE, -EINVAL);
	if (!e->sup) {
		try_policy(_metadata, vm, M_PASSTHROUGH, 0, 0, RESV_NONE,
			   -EOPNOTSUPP);
		try_policy(_metadata, vm, M_VIRTUALIZE, 0, 0, RESV_NONE,
			   -EOPNOTSUPP);
	} else if (!(e->caps.flags & VTX_CAP_VIRT_SPEC_CTRL)) {
		try_policy(_metadata, vm, M_VIRTUALIZE, 0, 0, RESV_NONE,
			   -EOPNOTSUPP);
		try_policy(_metadata, vm, M_VIRTUALIZE, low, low, RESV_NONE,
			   -EOPNOTSUPP);
	}
}

/* Once a VM has a vCPU its policy is fixed; another VM's is not. */
TEST_F_TIMEOUT(spec_ctrl_abi, policy_busy_after_vcpu, 300)
{
	struct env *e = &self->e;
	struct vtx_vm other;

	guest_create(e, NULL);
	try_policy(_metadata, e->vm.fd, M_AUTO, 0, 0, RESV_NONE, -EBUSY);
	try_policy(_metadata, e->vm.fd, M_INTERCEPT, 0, 0, RESV_NONE, -EBUSY);
	vtx_vm_create(&other, VTX_DEV_PATH);
	try_policy(_metadata, other.fd, M_INTERCEPT, 0, 0, RESV_NONE, 0);
	vtx_vm_destroy(&other);
}

/*
 * Without SPEC_CTRL in its CPUID (on any host) the guest's RDMSR and
 * WRMSR, even of 0, are #GP; they are intercepted and counted. Without
 * IBRS (which enumerates IBPB) so is any WRMSR of PRED_CMD.
 */
TEST_F_TIMEOUT(spec_ctrl_abi, no_spec_ctrl_cpuid_is_gp, 300)
{
	struct env *e = &self->e;
	struct vtx_spec_ctrl_state st;
	int rd, wr0, wr1, ibpb, zero;

	guest_create(e, NULL);
	set_guest_cpuid(e, 0, 0);
	EXPECT_EQ((__u32)M_INTERCEPT, vcpu_mode(e, &st.valid));
	EXPECT_EQ(0ULL, st.valid);

	rd = rd_op(e);
	wr0 = wr_op(e, MSR_SPEC_CTRL, 0);
	wr1 = wr_op(e, MSR_SPEC_CTRL, IBRS);
	ibpb = wr_op(e, MSR_PRED_CMD, 1);
	zero = wr_op(e, MSR_PRED_CMD, 0);
	expect_gp(_metadata, e, rd, "RDMSR");
	expect_gp(_metadata, e, wr0, "WRMSR 0");
	expect_gp(_metadata, e, wr1, "WRMSR IBRS");
	expect_gp(_metadata, e, ibpb, "PRED_CMD 1");
	expect_gp(_metadata, e, zero, "PRED_CMD 0");
	expect_done(_metadata, e);

	vtx_get_spec_ctrl_state(e->vcpu.fd, &st);
	EXPECT_EQ(0ULL, st.shadow);
	EXPECT_EQ(0ULL, st.effective);
	EXPECT_EQ(1ULL, st.rdmsr_exits);
	EXPECT_EQ(2ULL, st.wrmsr_exits);
}

/*
 * KVM_SET_MSRS takes 0 and every bit the host has, whatever the guest's
 * CPUID grants (here nothing), and refuses any bit the host's MSR
 * refuses, changing nothing; the guest still gets #GP. PRED_CMD takes 0
 * only.
 */
TEST_F_TIMEOUT(spec_ctrl_abi, host_set_msrs_ignores_guest_cpuid, 300)
{
	struct env *e = &self->e;
	__u64 undef = DEFINED_BITS & ~e->sup, last = 0, valid;
	__u64 bad[] = { 1ULL << 9, 1ULL << 63, 1ULL << 32, e->sup | 1ULL << 9,
			undef & -undef };
	struct kvm_msr_entry two[2] = {
		{ .index = MSR_SPEC_CTRL, .data = 0 },
		{ .index = MSR_SPEC_CTRL, .data = 1ULL << 9 },
	};
	char what[64];
	unsigned int i;

	guest_create(e, NULL);
	set_guest_cpuid(e, 0, 0);
	for (i = 0; i <= 64; i++) {
		if (i < 64 && !(e->sup & (1ULL << i)))
			continue;
		last = i < 64 ? 1ULL << i : e->sup;
		snprintf(what, sizeof(what), "0x%llx", last);
		EXPECT_EQ(1, __vtx_vcpu_set_msr(&e->vcpu, MSR_SPEC_CTRL, last))
			TH_LOG("%s", what);
		expect_shadow(_metadata, e, last, what);
	}
	if (e->sup)
		vtx_msr_driver_load();
	for (i = 0; i < ARRAY_SIZE(bad) - !undef; i++) {
		/* Without the MSR nothing is probed; 0 only. */
		if (e->sup && host_msr_takes(bad[i]) != 0)
			continue;
		snprintf(what, sizeof(what), "0x%llx", bad[i]);
		EXPECT_EQ(0, __vtx_vcpu_set_msr(&e->vcpu, MSR_SPEC_CTRL, bad[i]))
			TH_LOG("%s", what);
		expect_shadow(_metadata, e, last, what);
	}
	EXPECT_EQ(1, __vtx_vcpu_set_msr(&e->vcpu, MSR_PRED_CMD, 0));
	EXPECT_EQ(0, __vtx_vcpu_set_msr(&e->vcpu, MSR_PRED_CMD, 1));
	/* The count stops at the refused entry. */
	EXPECT_EQ(1, __vtx_vcpu_set_msrs(&e->vcpu, two, 2));
	expect_shadow(_metadata, e, 0, "0, then bit 9");
	vcpu_mode(e, &valid);
	EXPECT_EQ(0ULL, valid);

	expect_gp(_metadata, e, rd_op(e), "guest RDMSR");
	expect_done(_metadata, e);
}

/*
 * Seed 004, migration: KVM_SET_MSRS takes every value this host's MSR
 * takes, including bits vtx's table does not name (a newer CPU), and
 * refuses every value the MSR refuses: one bit at a time outside the
 * enumerated ones, each checked against the MSR itself. A value the
 * guest reads back (KVM_GET_MSRS) is always taken again.
 */
TEST_F_TIMEOUT(spec_ctrl_abi, host_writes_follow_the_msr, 300)
{
	struct env *e = &self->e;
	unsigned int i, taken = 0;
	__u64 v, got;
	int want;

	if (!e->sup)
		SKIP(return, NO_MSR);
	vtx_msr_driver_load();
	guest_create(e, NULL);
	set_full_cpuid(e);
	for (i = 0; i < 64; i++) {
		v = 1ULL << i;
		if (e->sup & v)
			continue;
		want = host_msr_takes(e->sup | v);
		ASSERT_LE(0, want) TH_LOG("/dev/cpu/0/msr");
		taken += want;
		EXPECT_EQ(want, __vtx_vcpu_set_msr(&e->vcpu, MSR_SPEC_CTRL,
						   e->sup | v))
			TH_LOG("bit %u: the MSR %s it", i,
			       want ? "takes" : "refuses");
		if (!want)
			continue;
		got = vtx_vcpu_get_msr(&e->vcpu, MSR_SPEC_CTRL);
		EXPECT_EQ(e->sup | v, got);
		EXPECT_EQ(1, __vtx_vcpu_set_msr(&e->vcpu, MSR_SPEC_CTRL, got))
			TH_LOG("KVM_GET_MSRS then KVM_SET_MSRS of 0x%llx",
			       (unsigned long long)got);
	}
	TH_LOG("host bits 0x%llx; %u other bits taken by the MSR",
	       (unsigned long long)e->sup, taken);
	EXPECT_EQ(1, __vtx_vcpu_set_msr(&e->vcpu, MSR_SPEC_CTRL, 0));
}

/*
 * KVM_GET_SUPPORTED_CPUID offers exactly the host's SPEC_CTRL CPUID
 * bits, which match spec_flags and spec_ctrl_supported.
 */
TEST_F_TIMEOUT(spec_ctrl_abi, supported_cpuid_reports_host_bits, 300)
{
	unsigned int eax, ebx, ecx, edx, h70 = 0, h72 = 0;
	struct env *e = &self->e;

	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, eax, ebx, ecx, edx);
		h70 = edx;
		if (eax >= 2) {
			__cpuid_count(7, 2, eax, ebx, ecx, edx);
			h72 = edx;
		}
	}
	EXPECT_EQ(h70 & CPUID_70_SPEC, e->e70);
	EXPECT_EQ(h72 & CPUID_72_SPEC, e->e72);
	EXPECT_EQ((__u64)e->caps.spec_flags, spec_of(e->e70, e->e72, true));
	EXPECT_EQ(e->sup, spec_of(e->e70, e->e72, false));
}

/* spec_ctrl= takes auto, intercept or passthrough only. */
TEST_F_TIMEOUT(spec_ctrl_abi, module_param_refuses_unknown_mode, 300)
{
	struct env *e = &self->e;

	close(e->dev);
	e->dev = -1;
	vtx_module_unload("vtx");
	EXPECT_EQ(-EINVAL, __load_vtx("virtualize"));
	EXPECT_FALSE(vtx_module_loaded("vtx"));
	EXPECT_TRUE(vtx_kmsg_contains(&e->kmsg, "spec_ctrl=virtualize"));
	EXPECT_EQ(0, __load_vtx("passthrough"));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
