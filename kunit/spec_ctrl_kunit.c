// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_spec_ctrl: the IA32_SPEC_CTRL policy: which bits CPUID
 * grants, the effective value, the mode and its VMCS plan (including the
 * "virtualize IA32_SPEC_CTRL" plan no reachable CPU has), and which
 * guest and host accesses are accepted.
 */
#include <kunit/test.h>
#include <linux/errno.h>

#include "spec_ctrl.h"

static void vtx_spec_ctrl_valid_bits_none(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(0, 0), 0ULL);
	/* Unrelated CPUID bits grant nothing. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~(BIT(26) | BIT(27) |
							 BIT(31)), ~0x1fU), 0ULL);
}

/* Seed 004: STIBP is legal without IBRS, gated by its own CPUID bit. */
static void vtx_spec_ctrl_valid_bits_stibp_without_ibrs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_valid_bits(VTX_CPUID_7_0_EDX_STIBP, 0),
			VTX_SPEC_CTRL_STIBP);
}

static void vtx_spec_ctrl_valid_bits_each_gate(struct kunit *test)
{
	static const struct {
		u32 edx70, edx72;
		u64 bits;
	} cases[] = {
		{ VTX_CPUID_7_0_EDX_SPEC_CTRL, 0, VTX_SPEC_CTRL_IBRS },
		{ VTX_CPUID_7_0_EDX_STIBP, 0, VTX_SPEC_CTRL_STIBP },
		{ VTX_CPUID_7_0_EDX_SSBD, 0, VTX_SPEC_CTRL_SSBD },
		{ 0, VTX_CPUID_7_2_EDX_PSFD, VTX_SPEC_CTRL_PSFD },
		{ 0, VTX_CPUID_7_2_EDX_IPRED_CTRL,
		  VTX_SPEC_CTRL_IPRED_DIS_U | VTX_SPEC_CTRL_IPRED_DIS_S },
		{ 0, VTX_CPUID_7_2_EDX_RRSBA_CTRL,
		  VTX_SPEC_CTRL_RRSBA_DIS_U | VTX_SPEC_CTRL_RRSBA_DIS_S },
		{ 0, VTX_CPUID_7_2_EDX_DDPD_U, VTX_SPEC_CTRL_DDPD_U },
		{ 0, VTX_CPUID_7_2_EDX_BHI_CTRL, VTX_SPEC_CTRL_BHI_DIS_S },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vtx_spec_ctrl_valid_bits(cases[i].edx70,
							     cases[i].edx72),
				    cases[i].bits, "case %zu", i);
}

static void vtx_spec_ctrl_valid_bits_all(struct kunit *test)
{
	u64 all = VTX_SPEC_CTRL_IBRS | VTX_SPEC_CTRL_STIBP |
		  VTX_SPEC_CTRL_SSBD | VTX_SPEC_CTRL_IPRED_DIS_U |
		  VTX_SPEC_CTRL_IPRED_DIS_S | VTX_SPEC_CTRL_RRSBA_DIS_U |
		  VTX_SPEC_CTRL_RRSBA_DIS_S | VTX_SPEC_CTRL_PSFD |
		  VTX_SPEC_CTRL_DDPD_U | VTX_SPEC_CTRL_BHI_DIS_S;

	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~0U, ~0U), all);
	/* Bit 9 and everything above bit 10 are never valid. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~0U, ~0U) & BIT_ULL(9),
			0ULL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_valid_bits(~0U, ~0U) >> 11, 0ULL);
}

#define IBRS	VTX_SPEC_CTRL_IBRS
#define STIBP	VTX_SPEC_CTRL_STIBP
#define SSBD	VTX_SPEC_CTRL_SSBD
#define HOST_ALL	(IBRS | STIBP | SSBD)

static const struct vtx_spec_ctrl_host host_plain = { .supported = HOST_ALL };
static const struct vtx_spec_ctrl_host host_virt = {
	.supported = HOST_ALL, .can_virtualize = true,
};

static const struct vtx_spec_ctrl_host host_none = {};

static void vtx_spec_ctrl_effective_rule(struct kunit *test)
{
	static const struct {
		u64 shadow, mask, forced, effective;
	} cases[] = {
		{ 0, 0, 0, 0 },
		{ IBRS | SSBD, 0, 0, IBRS | SSBD },		/* no mask */
		{ 0, STIBP, STIBP, STIBP },			/* forced on */
		{ STIBP, STIBP, 0, 0 },				/* forced off */
		{ IBRS | STIBP, STIBP, 0, IBRS },
		{ IBRS, SSBD, SSBD, IBRS | SSBD },
		/* Forced bits outside the mask do nothing. */
		{ IBRS, SSBD, SSBD | STIBP, IBRS | SSBD },
		{ ~0ULL, IBRS, 0, ~IBRS },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vtx_spec_ctrl_effective(cases[i].shadow,
							    cases[i].mask,
							    cases[i].forced),
				    cases[i].effective, "case %zu", i);
}

static void vtx_spec_ctrl_policy_checks(struct kunit *test)
{
	const struct vtx_spec_ctrl_host *p = &host_plain, *v = &host_virt;

	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_policy(p, VTX_SPEC_CTRL_AUTO,
							 0, 0), 0);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_policy(p, VTX_SPEC_CTRL_AUTO,
							 STIBP, STIBP), 0);
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(p, VTX_SPEC_CTRL_INTERCEPT,
						   HOST_ALL, SSBD), 0);
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(p,
						   VTX_SPEC_CTRL_PASSTHROUGH,
						   0, 0), 0);
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(v, VTX_SPEC_CTRL_VIRTUALIZE,
						   IBRS, IBRS), 0);
	/* An unknown mode. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_policy(p, 4, 0, 0), -EINVAL);
	/* A mask bit the host does not support: bit 3, bit 63. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_policy(p, VTX_SPEC_CTRL_AUTO,
							 BIT_ULL(3), 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_policy(p, VTX_SPEC_CTRL_AUTO,
							 BIT_ULL(63), 0),
			-EINVAL);
	/* A forced bit outside the mask. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_policy(p, VTX_SPEC_CTRL_AUTO,
							 IBRS, STIBP),
			-EINVAL);
	/* Passthrough cannot enforce a mask. */
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(p,
						   VTX_SPEC_CTRL_PASSTHROUGH,
						   IBRS, 0), -EINVAL);
	/* What the host cannot do. */
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(p, VTX_SPEC_CTRL_VIRTUALIZE,
						   IBRS, 0), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(&host_none,
						   VTX_SPEC_CTRL_PASSTHROUGH,
						   0, 0), -EOPNOTSUPP);
	/* Without the MSR, only the empty policy is left. */
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(&host_none,
						   VTX_SPEC_CTRL_INTERCEPT,
						   0, 0), 0);
	KUNIT_EXPECT_EQ(test,
			vtx_spec_ctrl_check_policy(&host_none,
						   VTX_SPEC_CTRL_AUTO, IBRS, 0),
			-EINVAL);
}

static void expect_plan(struct kunit *test, const struct vtx_spec_ctrl_host *h,
			u32 mode, u64 mask, enum vtx_spec_ctrl_mode want)
{
	struct vtx_spec_ctrl_plan plan;

	vtx_spec_ctrl_plan(h, mode, mask, h->supported, &plan);
	KUNIT_EXPECT_EQ_MSG(test, plan.mode, want, "mode %u mask 0x%llx",
			    mode, mask);
	KUNIT_EXPECT_EQ(test, plan.intercept, want == VTX_SPEC_CTRL_INTERCEPT);
	KUNIT_EXPECT_EQ(test, plan.on_lists, h->supported != 0);
	if (want == VTX_SPEC_CTRL_VIRTUALIZE) {
		KUNIT_EXPECT_EQ(test, plan.proc, (u32)BIT(17));
		KUNIT_EXPECT_EQ(test, plan.tertiary, BIT_ULL(7));
		KUNIT_EXPECT_EQ(test, plan.mask, mask);
	} else {
		KUNIT_EXPECT_EQ(test, plan.proc, 0U);
		KUNIT_EXPECT_EQ(test, plan.tertiary, 0ULL);
		KUNIT_EXPECT_EQ(test, plan.mask, 0ULL);
	}
}

static void vtx_spec_ctrl_plan_modes(struct kunit *test)
{
	struct vtx_spec_ctrl_host h;

	/* AUTO: passthrough without a mask, else the best enforcement. */
	expect_plan(test, &host_plain, VTX_SPEC_CTRL_AUTO, 0,
		    VTX_SPEC_CTRL_PASSTHROUGH);
	expect_plan(test, &host_plain, VTX_SPEC_CTRL_AUTO, STIBP,
		    VTX_SPEC_CTRL_INTERCEPT);
	expect_plan(test, &host_virt, VTX_SPEC_CTRL_AUTO, STIBP,
		    VTX_SPEC_CTRL_VIRTUALIZE);
	expect_plan(test, &host_virt, VTX_SPEC_CTRL_AUTO, 0,
		    VTX_SPEC_CTRL_PASSTHROUGH);
	/* An explicit request is honoured. */
	expect_plan(test, &host_virt, VTX_SPEC_CTRL_INTERCEPT, STIBP,
		    VTX_SPEC_CTRL_INTERCEPT);
	expect_plan(test, &host_virt, VTX_SPEC_CTRL_INTERCEPT, 0,
		    VTX_SPEC_CTRL_INTERCEPT);
	expect_plan(test, &host_virt, VTX_SPEC_CTRL_VIRTUALIZE, 0,
		    VTX_SPEC_CTRL_VIRTUALIZE);

	/* The module parameter decides for AUTO policies only. */
	h = host_virt;
	h.forced_mode = VTX_SPEC_CTRL_INTERCEPT;
	expect_plan(test, &h, VTX_SPEC_CTRL_AUTO, 0, VTX_SPEC_CTRL_INTERCEPT);
	expect_plan(test, &h, VTX_SPEC_CTRL_PASSTHROUGH, 0,
		    VTX_SPEC_CTRL_PASSTHROUGH);
	h.forced_mode = VTX_SPEC_CTRL_PASSTHROUGH;
	expect_plan(test, &h, VTX_SPEC_CTRL_AUTO, 0,
		    VTX_SPEC_CTRL_PASSTHROUGH);
	/* A mask must be enforced: never passthrough. */
	expect_plan(test, &h, VTX_SPEC_CTRL_AUTO, IBRS,
		    VTX_SPEC_CTRL_INTERCEPT);

	/* No MSR: everything exits (and gets #GP), nothing is loaded. */
	expect_plan(test, &host_none, VTX_SPEC_CTRL_AUTO, 0,
		    VTX_SPEC_CTRL_INTERCEPT);
	h = host_none;
	h.forced_mode = VTX_SPEC_CTRL_PASSTHROUGH;
	expect_plan(test, &h, VTX_SPEC_CTRL_AUTO, 0, VTX_SPEC_CTRL_INTERCEPT);
}

/*
 * A guest whose CPUID grants less than the host supports is intercepted
 * in every mode: only then can its ungranted bits get #GP.
 */
static void vtx_spec_ctrl_plan_partial_cpuid(struct kunit *test)
{
	static const u64 partial[] = { 0, STIBP, IBRS | SSBD };
	struct vtx_spec_ctrl_plan plan;
	unsigned int i;
	u32 mode;

	for (i = 0; i < ARRAY_SIZE(partial); i++) {
		for (mode = VTX_SPEC_CTRL_AUTO;
		     mode <= VTX_SPEC_CTRL_VIRTUALIZE; mode++) {
			vtx_spec_ctrl_plan(&host_virt, mode, 0, partial[i],
					   &plan);
			KUNIT_EXPECT_EQ_MSG(test, plan.mode,
					    VTX_SPEC_CTRL_INTERCEPT,
					    "valid 0x%llx mode %u", partial[i],
					    mode);
			KUNIT_EXPECT_TRUE(test, plan.intercept);
			KUNIT_EXPECT_TRUE(test, plan.on_lists);
			KUNIT_EXPECT_EQ(test, plan.tertiary, 0ULL);
		}
	}
}

/* The field encodings of the virtualize plan, from the SDM. */
static void vtx_spec_ctrl_plan_vmcs_fields(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, VTX_VMCS_SPEC_CTRL_MASK, 0x204a);
	KUNIT_EXPECT_EQ(test, VTX_VMCS_SPEC_CTRL_SHADOW, 0x204c);
	/* 64-bit fields (bits 14:13 = 1), full access (bit 0 = 0). */
	KUNIT_EXPECT_EQ(test, (VTX_VMCS_SPEC_CTRL_MASK >> 13) & 3, 1);
	KUNIT_EXPECT_EQ(test, (VTX_VMCS_SPEC_CTRL_SHADOW >> 13) & 3, 1);
	KUNIT_EXPECT_EQ(test, VTX_VMCS_SPEC_CTRL_MASK & 1, 0);
	KUNIT_EXPECT_EQ(test, VTX_VMCS_SPEC_CTRL_SHADOW & 1, 0);
}

static void vtx_spec_ctrl_guest_writes(struct kunit *test)
{
	const struct vtx_spec_ctrl_host *h = &host_plain;
	u64 all = vtx_spec_ctrl_guest_valid(h, ~0U, ~0U);
	u64 stibp = vtx_spec_ctrl_guest_valid(h, VTX_CPUID_7_0_EDX_STIBP, 0);
	u64 none = vtx_spec_ctrl_guest_valid(h, 0, 0);

	/* The guest's CPUID, intersected with the host. */
	KUNIT_EXPECT_EQ(test, all, (u64)HOST_ALL);
	KUNIT_EXPECT_EQ(test, stibp, (u64)STIBP);
	KUNIT_EXPECT_EQ(test, none, 0ULL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_guest_valid(&host_none, ~0U, ~0U),
			0ULL);

	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(h, all, HOST_ALL,
							false), 0);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(h, all, 0, false), 0);
	/* Reserved and host-unsupported bits. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(h, all, BIT_ULL(9),
							false), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(h, all,
							VTX_SPEC_CTRL_PSFD,
							false), -EINVAL);
	/* Seed 004: STIBP without IBRS. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(h, stibp, STIBP,
							false), 0);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(h, stibp, IBRS,
							false), -EINVAL);
	/* No MSR for this guest: #GP on any write, even of 0, and reads. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(h, none, 0, false),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_read(none, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_read(stibp, false), 0);
}

static void vtx_spec_ctrl_host_writes(struct kunit *test)
{
	/* Migration: whatever the host supports, whatever the CPUID says. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(&host_plain, 0,
							HOST_ALL, true), 0);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(&host_plain, 0, 0,
							true), 0);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(&host_plain, HOST_ALL,
							BIT_ULL(3), true),
			-EINVAL);
	/* 0 is always accepted, even without the MSR; nothing else is. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(&host_none, 0, 0,
							true), 0);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(&host_none, 0, IBRS,
							true), -EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_read(0, true), 0);
}

/* A fake MSR for the probe: it takes the bits in probe_takes. */
static u64 probe_takes;
static unsigned int probe_calls;

static bool fake_probe(u64 value)
{
	probe_calls++;
	return !(value & ~probe_takes);
}

/*
 * Seed 004: a host-initiated write is decided by the enumeration for the
 * bits the table knows and by the MSR itself for the others, so that a
 * value a guest wrote on a newer CPU round-trips through KVM_GET_MSRS
 * and KVM_SET_MSRS; the probe is never asked about known bits, and a
 * host without the MSR is never probed.
 */
static int host_write(const struct vtx_spec_ctrl_host *h, u64 value,
		      bool (*probe)(u64 value))
{
	return vtx_spec_ctrl_check_host_write(h, value, probe);
}

static void vtx_spec_ctrl_host_writes_probe(struct kunit *test)
{
	const u64 future = BIT_ULL(11);	/* a bit this table does not name */
	const u64 psfd = VTX_SPEC_CTRL_PSFD;

	probe_takes = HOST_ALL | future;
	probe_calls = 0;
	KUNIT_EXPECT_EQ(test, host_write(&host_plain, HOST_ALL, fake_probe), 0);
	KUNIT_EXPECT_EQ(test, host_write(&host_plain, 0, fake_probe), 0);
	KUNIT_EXPECT_EQ(test, probe_calls, 0U);

	/* The MSR takes the new bit: accepted, whatever the table says. */
	KUNIT_EXPECT_EQ(test, host_write(&host_plain, IBRS | future,
					 fake_probe), 0);
	KUNIT_EXPECT_EQ(test, probe_calls, 1U);
	/* The MSR refuses it: refused. */
	KUNIT_EXPECT_EQ(test, host_write(&host_plain, BIT_ULL(63), fake_probe),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, probe_calls, 2U);
	/* A known bit the host lacks is put to the MSR too. */
	KUNIT_EXPECT_EQ(test, host_write(&host_plain, psfd, fake_probe),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, probe_calls, 3U);
	/* Nothing to ask: only the enumerated bits. */
	KUNIT_EXPECT_EQ(test, host_write(&host_plain, future, NULL), -EINVAL);

	/* No MSR: 0 only, and no probe. */
	KUNIT_EXPECT_EQ(test, host_write(&host_none, 0, fake_probe), 0);
	KUNIT_EXPECT_EQ(test, host_write(&host_none, future, fake_probe),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, probe_calls, 3U);

	/* The guest's own WRMSR still gets #GP for a bit not granted. */
	KUNIT_EXPECT_EQ(test, vtx_spec_ctrl_check_write(&host_plain, HOST_ALL,
							IBRS | future, false),
			-EINVAL);
}

static struct kunit_case vtx_spec_ctrl_cases[] = {
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_none),
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_stibp_without_ibrs),
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_each_gate),
	KUNIT_CASE(vtx_spec_ctrl_valid_bits_all),
	KUNIT_CASE(vtx_spec_ctrl_effective_rule),
	KUNIT_CASE(vtx_spec_ctrl_policy_checks),
	KUNIT_CASE(vtx_spec_ctrl_plan_modes),
	KUNIT_CASE(vtx_spec_ctrl_plan_partial_cpuid),
	KUNIT_CASE(vtx_spec_ctrl_plan_vmcs_fields),
	KUNIT_CASE(vtx_spec_ctrl_guest_writes),
	KUNIT_CASE(vtx_spec_ctrl_host_writes),
	KUNIT_CASE(vtx_spec_ctrl_host_writes_probe),
	{}
};

static struct kunit_suite vtx_spec_ctrl_suite = {
	.name = "vtx_spec_ctrl",
	.test_cases = vtx_spec_ctrl_cases,
};

kunit_test_suite(vtx_spec_ctrl_suite);
