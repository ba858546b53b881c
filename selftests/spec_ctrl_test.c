// SPDX-License-Identifier: GPL-2.0
/*
 * IA32_SPEC_CTRL (MSR 0x48) and IA32_PRED_CMD (0x49) in the guest.
 *
 * Fixture spec_ctrl runs a guest under each policy mode, with and without
 * a mask, and auto under each spec_ctrl= parameter; a variant the host
 * cannot give is skipped. spec_ctrl_abi_test.c covers what also works on
 * a host without the MSR.
 */
#include <fcntl.h>

#include "kselftest_harness.h"
#include "spec_ctrl_env.h"

FIXTURE(spec_ctrl) {
	struct env e;
};

FIXTURE_VARIANT(spec_ctrl) {
	__u32 mode;
	__u64 mask;
	__u64 forced;
	const char *param;	/* spec_ctrl=, NULL for auto */
	__u32 param_mode;	/* its M_* */
};

FIXTURE_VARIANT_ADD(spec_ctrl, intercept) {
	.mode = M_INTERCEPT,
};

/* STIBP forced on, SSBD forced off. */
FIXTURE_VARIANT_ADD(spec_ctrl, intercept_masked) {
	.mode = M_INTERCEPT,
	.mask = STIBP | SSBD,
	.forced = STIBP,
};

FIXTURE_VARIANT_ADD(spec_ctrl, passthrough) {
	.mode = M_PASSTHROUGH,
};

FIXTURE_VARIANT_ADD(spec_ctrl, virtualize) {
	.mode = M_VIRTUALIZE,
};

FIXTURE_VARIANT_ADD(spec_ctrl, virtualize_masked) {
	.mode = M_VIRTUALIZE,
	.mask = STIBP | SSBD,
	.forced = STIBP,
};

FIXTURE_VARIANT_ADD(spec_ctrl, auto) {
	.mode = M_AUTO,
};

FIXTURE_VARIANT_ADD(spec_ctrl, auto_masked) {
	.mode = M_AUTO,
	.mask = STIBP | SSBD,
	.forced = STIBP,
};

FIXTURE_VARIANT_ADD(spec_ctrl, auto_param_intercept) {
	.mode = M_AUTO,
	.param = "intercept",
	.param_mode = M_INTERCEPT,
};

/* A mask still intercepts. */
FIXTURE_VARIANT_ADD(spec_ctrl, auto_param_passthrough_masked) {
	.mode = M_AUTO,
	.mask = STIBP | SSBD,
	.forced = STIBP,
	.param = "passthrough",
	.param_mode = M_PASSTHROUGH,
};

/*
 * vtx loaded with the variant's spec_ctrl=, a VM with its policy. The
 * 6.1 harness runs the test body after a SKIP() here, so every test
 * returns at once when _metadata->skip is set.
 */
FIXTURE_SETUP(spec_ctrl)
{
	struct vtx_spec_ctrl_policy p = {
		.mode = variant->mode,
		.mask = variant->mask,
		.forced = variant->forced,
	};
	struct env *e = &self->e;

	env_setup(e, variant->param ?: "auto");
	if (!e->sup && (variant->mask || variant->mode == M_PASSTHROUGH ||
			variant->mode == M_VIRTUALIZE))
		SKIP(return, NO_MSR);
	if (variant->mask & ~e->sup)
		SKIP(return, "host IA32_SPEC_CTRL lacks mask bits 0x%llx (has 0x%llx)",
		     variant->mask, e->sup);
	if (variant->mode == M_VIRTUALIZE &&
	    !(e->caps.flags & VTX_CAP_VIRT_SPEC_CTRL))
		SKIP(return, "CPU cannot virtualize IA32_SPEC_CTRL (VTX_CAP_VIRT_SPEC_CTRL clear)");
	guest_create(e, &p);
}

FIXTURE_TEARDOWN(spec_ctrl)
{
	env_teardown(_metadata, &self->e);
}

/* The mode vtx must pick for this variant and guest @valid bits. */
#define VARIANT_MODE(valid) \
	expected_mode(&self->e.caps, variant->param_mode, variant->mode, \
		      variant->mask, valid)

/*
 * The mode is decided at KVM_SET_CPUID2: before it the guest has no bits
 * and is intercepted; with every host bit the variant's mode holds; a
 * CPUID that grants less than the host has is intercepted.
 */
TEST_F_TIMEOUT(spec_ctrl, mode_follows_guest_cpuid, 300)
{
	struct env *e = &self->e;
	struct vtx_spec_ctrl_policy p;
	struct vtx_spec_ctrl_state st;
	unsigned int i;
	__u64 valid;

	if (_metadata->skip)
		return;
	vtx_get_spec_ctrl_policy(e->vm.fd, &p);
	EXPECT_EQ(variant->mode, p.mode);
	EXPECT_EQ(variant->mask, p.mask);
	EXPECT_EQ(variant->forced, p.forced);

	vtx_get_spec_ctrl_state(e->vcpu.fd, &st);
	EXPECT_EQ((__u32)M_INTERCEPT, st.mode) TH_LOG("before KVM_SET_CPUID2");
	EXPECT_EQ(0ULL, st.valid);
	EXPECT_EQ(0ULL, st.shadow);
	EXPECT_EQ(variant->forced, st.effective);
	EXPECT_EQ(variant->mask, st.mask);
	EXPECT_EQ(variant->forced, st.forced);
	EXPECT_EQ(0ULL, st.rdmsr_exits + st.wrmsr_exits);
	EXPECT_EQ(0U, st.reserved0);
	for (i = 0; i < ARRAY_SIZE(st.reserved); i++)
		EXPECT_EQ(0ULL, st.reserved[i]);

	set_full_cpuid(e);
	EXPECT_EQ(VARIANT_MODE(e->sup), vcpu_mode(e, &valid))
		TH_LOG("full CPUID, host bits 0x%llx", e->sup);
	EXPECT_EQ(e->sup, valid);

	for (i = 0; i < ARRAY_SIZE(spec_map); i++) {
		if (!(e->e70 & spec_map[i].edx70) &&
		    !(e->e72 & spec_map[i].edx72))
			continue;
		set_guest_cpuid(e, e->e70 & ~spec_map[i].edx70,
				e->e72 & ~spec_map[i].edx72);
		EXPECT_EQ((__u32)M_INTERCEPT, vcpu_mode(e, &valid))
			TH_LOG("CPUID without 0x%llx", spec_map[i].bits);
		EXPECT_EQ(e->sup & ~spec_map[i].bits, valid);
		break;
	}
	set_full_cpuid(e);
	EXPECT_EQ(VARIANT_MODE(e->sup), vcpu_mode(e, NULL));
}

/*
 * The guest writes each bit it may, then all, then 0, and reads each
 * back; KVM_SET_MSRS reaches its RDMSR too. After every exit the host's
 * SPEC_CTRL on this CPU is its own again. With IBRS, PRED_CMD takes 1
 * (IBPB) and 0, and nothing else.
 */
TEST_F_TIMEOUT(spec_ctrl, each_valid_bit_round_trips, 300)
{
	struct env *e = &self->e;
	__u64 want[64 + 2], host;
	char what[64];
	int i, n = 0;

	if (_metadata->skip)
		return;
	if (!e->sup)
		SKIP(return, NO_MSR);
	vtx_msr_driver_load();
	vtx_pin_to_cpu(0);
	host = vtx_rdmsr(0, MSR_SPEC_CTRL);
	set_full_cpuid(e);

	for (i = 0; i < 64; i++)
		if (e->sup & (1ULL << i))
			want[n++] = 1ULL << i;
	want[n++] = e->sup;
	want[n++] = 0;
	for (i = 0; i < n; i++) {
		wr_op(e, MSR_SPEC_CTRL, want[i]);
		rd_op(e);
	}
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "guest wrote 0x%llx", want[i]);
		expect_value(_metadata, e, want[i], what);
		expect_shadow(_metadata, e, want[i], what);
		EXPECT_EQ(host, vtx_rdmsr(0, MSR_SPEC_CTRL))
			TH_LOG("%s: host SPEC_CTRL on cpu0 after the exit", what);
	}
	expect_done(_metadata, e);

	ASSERT_EQ(1, __vtx_vcpu_set_msr(&e->vcpu, MSR_SPEC_CTRL, e->sup));
	expect_shadow(_metadata, e, e->sup, "KVM_SET_MSRS");
	vtx_prog_begin(&e->prog);
	rd_op(e);
	if (e->sup & IBRS) {
		wr_op(e, MSR_PRED_CMD, 1);
		wr_op(e, MSR_PRED_CMD, 0);
		i = wr_op(e, MSR_PRED_CMD, 2);
	}
	expect_value(_metadata, e, e->sup, "KVM_SET_MSRS");
	if (e->sup & IBRS)
		expect_gp(_metadata, e, i, "PRED_CMD 2");
	expect_done(_metadata, e);
	EXPECT_EQ(host, vtx_rdmsr(0, MSR_SPEC_CTRL));
}

/*
 * Masked bits: the guest reads back what it wrote, but the effective
 * value keeps the forced bits, whether the guest or KVM_SET_MSRS writes.
 */
TEST_F_TIMEOUT(spec_ctrl, masked_bits_keep_forced, 300)
{
	struct env *e = &self->e;
	__u64 flip = variant->mask & ~variant->forced;
	__u64 vals[] = { flip, e->sup, 0 };
	struct vtx_spec_ctrl_state st;
	char what[64];
	unsigned int i;

	if (_metadata->skip)
		return;
	if (!e->sup)
		SKIP(return, NO_MSR);
	/* Without a mask this checks that the guest owns every bit. */
	set_full_cpuid(e);
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		wr_op(e, MSR_SPEC_CTRL, vals[i]);
		rd_op(e);
	}
	for (i = 0; i <= ARRAY_SIZE(vals); i++) {
		if (i < ARRAY_SIZE(vals)) {
			snprintf(what, sizeof(what), "guest wrote 0x%llx",
				 vals[i]);
			expect_value(_metadata, e, vals[i], what);
			expect_shadow(_metadata, e, vals[i], what);
		} else {
			expect_done(_metadata, e);
			snprintf(what, sizeof(what), "KVM_SET_MSRS 0x%llx",
				 flip);
			ASSERT_EQ(1, __vtx_vcpu_set_msr(&e->vcpu, MSR_SPEC_CTRL,
							flip));
			expect_shadow(_metadata, e, flip, what);
			vtx_prog_begin(&e->prog);
			rd_op(e);
			expect_value(_metadata, e, flip, what);
		}
		vtx_get_spec_ctrl_state(e->vcpu.fd, &st);
		EXPECT_EQ(variant->forced, st.effective & variant->mask)
			TH_LOG("%s: effective 0x%llx", what, st.effective);
		/* effective = (forced & mask) | (shadow & ~mask) */
		EXPECT_EQ((variant->forced & variant->mask) |
			  (st.shadow & ~variant->mask), st.effective)
			TH_LOG("%s: shadow 0x%llx effective 0x%llx", what,
			       st.shadow, st.effective);
	}
	expect_done(_metadata, e);
}

/*
 * Reserved bits, alone or with valid ones, are #GP and leave the shadow
 * and the effective value as they were. In passthrough and virtualize
 * the guest's WRMSR reaches the MSR without an exit, so the CPU decides:
 * a bit this host does not enumerate but its MSR takes (Bochs 3.0's
 * sapphire_rapids takes DDPD_U) is no #GP there, as on hardware; such a
 * value is left out, and only where the MSR takes it.
 */
TEST_F_TIMEOUT(spec_ctrl, reserved_bits_are_gp, 300)
{
	struct env *e = &self->e;
	__u64 undef = DEFINED_BITS & ~e->sup;
	__u64 cand[] = { 1ULL << 9, 1ULL << 63, 1ULL << 32, e->sup | 1ULL << 9,
			 undef & -undef };
	unsigned int i, n = 0;
	__u64 bad[ARRAY_SIZE(cand)];
	int op[ARRAY_SIZE(cand)];
	char what[64];
	bool direct;

	if (_metadata->skip)
		return;
	if (!e->sup)
		SKIP(return, NO_MSR);
	set_full_cpuid(e);
	direct = vcpu_mode(e, NULL) != M_INTERCEPT;
	if (direct)
		vtx_msr_driver_load();
	for (i = 0; i < ARRAY_SIZE(cand) - !undef; i++) {
		if (direct && host_msr_takes(cand[i]) == 1) {
			TH_LOG("0x%llx: the MSR takes it, and the guest writes the MSR",
			       (unsigned long long)cand[i]);
			continue;
		}
		bad[n++] = cand[i];
	}
	wr_op(e, MSR_SPEC_CTRL, e->sup);
	rd_op(e);
	for (i = 0; i < n; i++) {
		op[i] = wr_op(e, MSR_SPEC_CTRL, bad[i]);
		rd_op(e);
	}
	expect_value(_metadata, e, e->sup, "the valid bits");
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "guest wrote 0x%llx", bad[i]);
		expect_gp(_metadata, e, op[i], what);
		expect_value(_metadata, e, e->sup, what);
		expect_shadow(_metadata, e, e->sup, what);
	}
	expect_done(_metadata, e);
}

/*
 * A guest CPUID with STIBP but not IBRS or SSBD: STIBP works; IBRS and
 * SSBD, which the host has, are #GP, and so is PRED_CMD (IBPB comes with
 * IBRS). The guest is intercepted unless the host has STIBP alone.
 */
TEST_F_TIMEOUT(spec_ctrl, stibp_without_ibrs, 300)
{
	struct env *e = &self->e;
	int ibrs, ssbd, both, ibpb;
	__u64 valid;

	if (_metadata->skip)
		return;
	if (!e->sup)
		SKIP(return, NO_MSR);
	if (!(e->sup & STIBP))
		SKIP(return, "host IA32_SPEC_CTRL has no STIBP (CPUID.7.0:EDX[27] clear)");
	set_guest_cpuid(e, CPUID_70_STIBP, 0);
	EXPECT_EQ(VARIANT_MODE(STIBP), vcpu_mode(e, &valid));
	EXPECT_EQ(STIBP, valid);
	if (e->sup != STIBP)
		EXPECT_EQ((__u32)M_INTERCEPT, vcpu_mode(e, NULL));

	wr_op(e, MSR_SPEC_CTRL, STIBP);
	rd_op(e);
	ibrs = wr_op(e, MSR_SPEC_CTRL, IBRS);
	ssbd = wr_op(e, MSR_SPEC_CTRL, SSBD);
	both = wr_op(e, MSR_SPEC_CTRL, STIBP | IBRS);
	rd_op(e);
	ibpb = wr_op(e, MSR_PRED_CMD, 1);
	wr_op(e, MSR_SPEC_CTRL, 0);
	rd_op(e);

	expect_value(_metadata, e, STIBP, "STIBP");
	expect_gp(_metadata, e, ibrs, "IBRS");
	expect_gp(_metadata, e, ssbd, "SSBD");
	expect_gp(_metadata, e, both, "STIBP|IBRS");
	expect_value(_metadata, e, STIBP, "after the #GPs");
	expect_shadow(_metadata, e, STIBP, "after the #GPs");
	expect_gp(_metadata, e, ibpb, "PRED_CMD IBPB");
	expect_value(_metadata, e, 0, "0");
	expect_done(_metadata, e);
}

/*
 * NR_ACCESSES WRMSRs and RDMSRs: intercept counts each one, the other
 * modes none. Without the MSR each is #GP, and still exits.
 */
TEST_F_TIMEOUT(spec_ctrl, exit_counts_match_mode, 300)
{
	struct env *e = &self->e;
	int wr[NR_ACCESSES], rd[NR_ACCESSES], i;
	struct vtx_spec_ctrl_state st;
	char what[64];
	__u64 want;

	if (_metadata->skip)
		return;
	set_full_cpuid(e);
	for (i = 0; i < NR_ACCESSES; i++) {
		wr[i] = wr_op(e, MSR_SPEC_CTRL, i & 1 ? e->sup : 0);
		rd[i] = rd_op(e);
	}
	for (i = 0; i < NR_ACCESSES; i++) {
		snprintf(what, sizeof(what), "access %d", i);
		if (e->sup) {
			expect_value(_metadata, e, i & 1 ? e->sup : 0, what);
			continue;
		}
		expect_gp(_metadata, e, wr[i], what);
		expect_gp(_metadata, e, rd[i], what);
	}
	expect_done(_metadata, e);

	vtx_get_spec_ctrl_state(e->vcpu.fd, &st);
	EXPECT_EQ(VARIANT_MODE(e->sup), st.mode);
	want = st.mode == M_INTERCEPT ? NR_ACCESSES : 0;
	EXPECT_EQ(want, st.rdmsr_exits) TH_LOG("mode %u", st.mode);
	EXPECT_EQ(want, st.wrmsr_exits) TH_LOG("mode %u", st.mode);
}

/*
 * The guest writes a value other than the host's, then makes NR_EXITS
 * exits to user space on CPU 0: the host's SPEC_CTRL on CPU 0 (and 1)
 * is what it was, and the guest still reads its value. With two CPUs,
 * CPU 1 sends NMIs to CPU 0 meanwhile (debugfs nmi_ipi), and some of them
 * must have hit the guest (NMI VM exits).
 */
TEST_F_TIMEOUT(spec_ctrl, guest_value_survives_10000_exits, 600)
{
	int cpus = vtx_online_cpus() > 1 ? 2 : 1;
	struct vtx_nmi_sender nmi = { .fd = -1 };
	__u64 before[2], v, nmi0 = 0, nmi_exits0 = 0;
	struct vtx_vcpu_stats stats;
	struct env *e = &self->e;
	char buf[160];
	int cpu, n;

	if (_metadata->skip)
		return;
	if (!e->sup)
		SKIP(return, NO_MSR);
	vtx_msr_driver_load();
	for (cpu = 0; cpu < cpus; cpu++) {
		vtx_pin_to_cpu(cpu);
		before[cpu] = vtx_rdmsr(cpu, MSR_SPEC_CTRL);
	}
	/* Not the host's value, or a leak could not be seen. */
	v = e->sup & ~before[0];
	set_full_cpuid(e);
	wr_op(e, MSR_SPEC_CTRL, v);
	vtx_prog_add(&e->prog, VTX_PROG_TICKS, 0, NR_EXITS);
	rd_op(e);

	vtx_pin_to_cpu(0);
	/* With a second CPU, NMIs hit CPU 0 all along, in guest and host. */
	if (cpus > 1) {
		nmi0 = vtx_debugfs_u64("nmi_ipi");
		vtx_get_vcpu_stats(e->vcpu.fd, &stats);
		nmi_exits0 = stats.exit_reason[0];
		ASSERT_EQ(0, vtx_nmi_sender_start(&nmi, 1, 0));
	}
	for (n = 0; n < NR_EXITS; n++) {
		vtx_vcpu_run(&e->vcpu);
		if (__vtx_check_io_out(e->vcpu.run, VTX_PROG_PORT_TICK, 4, n))
			break;
	}
	if (cpus > 1) {
		vtx_nmi_sender_stop(&nmi);
		vtx_get_vcpu_stats(e->vcpu.fd, &stats);
		TH_LOG("%lu NMIs sent, %llu handled, %llu NMI VM exits",
		       nmi.sent,
		       (unsigned long long)(vtx_debugfs_u64("nmi_ipi") - nmi0),
		       (unsigned long long)(stats.exit_reason[0] -
					    nmi_exits0));
		EXPECT_LT(0ULL, vtx_debugfs_u64("nmi_ipi") - nmi0);
		EXPECT_LT(0ULL, stats.exit_reason[0] - nmi_exits0);
	}
	ASSERT_EQ(NR_EXITS, n)
		TH_LOG("exit %d: %s", n,
		       vtx_describe_exit(e->vcpu.run, buf, sizeof(buf)));
	expect_shadow(_metadata, e, v, "after the exits");
	for (cpu = 0; cpu < cpus; cpu++) {
		vtx_pin_to_cpu(cpu);
		EXPECT_EQ(before[cpu], vtx_rdmsr(cpu, MSR_SPEC_CTRL))
			TH_LOG("host SPEC_CTRL on cpu%d, guest 0x%llx", cpu, v);
	}
	vtx_pin_to_cpu(0);
	expect_value(_metadata, e, v, "after the exits");
	expect_done(_metadata, e);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
