// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_mitigation: which CPU-bug mitigations vtx plans from
 * the host's bugs, the kernel's choices and the module parameters.
 */
#include <kunit/test.h>
#include <linux/errno.h>

#include "mitigation.h"

/* An L1TF- and multihit-affected CPU with the kernel's defaults. */
static struct vtx_mitigation_host affected(void)
{
	return (struct vtx_mitigation_host){
		.l1tf_bug = true,
		.l1tf_kernel = VTX_L1TF_KERNEL_FLUSH,
		.itlb_multihit_bug = true,
		.wbinvd_exiting = true,
	};
}

static enum vtx_l1d_flush l1d(const struct vtx_mitigation_host *h,
			      enum vtx_l1d_flush param)
{
	struct vtx_mitigation_plan p;

	vtx_mitigation_plan(h, param, VTX_NX_HUGE_PAGES_AUTO, &p);
	return p.l1d_flush;
}

static void vtx_mitigation_l1d_follows_kernel(struct kunit *test)
{
	struct vtx_mitigation_host h = affected();

	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_AUTO), VTX_L1D_FLUSH_COND);
	h.l1tf_kernel = VTX_L1TF_KERNEL_OFF;
	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_AUTO), VTX_L1D_FLUSH_NEVER);
	h.l1tf_kernel = VTX_L1TF_KERNEL_FULL;
	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_AUTO),
			VTX_L1D_FLUSH_ALWAYS);
}

static void vtx_mitigation_l1d_param_and_force(struct kunit *test)
{
	struct vtx_mitigation_host h = affected();

	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_NEVER), VTX_L1D_FLUSH_NEVER);
	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_ALWAYS),
			VTX_L1D_FLUSH_ALWAYS);
	/* l1tf=full,force wins over the parameter. */
	h.l1tf_kernel = VTX_L1TF_KERNEL_FULL_FORCE;
	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_NEVER),
			VTX_L1D_FLUSH_ALWAYS);
}

static void vtx_mitigation_l1d_not_required(struct kunit *test)
{
	struct vtx_mitigation_host h = affected();

	h.l1tf_bug = false;
	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_ALWAYS),
			VTX_L1D_FLUSH_NOT_REQUIRED);
	h = affected();
	h.skip_l1dfl_vmentry = true;
	KUNIT_EXPECT_EQ(test, l1d(&h, VTX_L1D_FLUSH_AUTO),
			VTX_L1D_FLUSH_NOT_REQUIRED);
}

static void vtx_mitigation_l1d_flush_cmd(struct kunit *test)
{
	struct vtx_mitigation_host h = affected();
	struct vtx_mitigation_plan p;

	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_FALSE(test, p.l1d_flush_msr);
	h.flush_l1d_cmd = true;
	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_TRUE(test, p.l1d_flush_msr);
	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_NEVER, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_FALSE(test, p.l1d_flush_msr);
}

static void vtx_mitigation_nx_huge_pages(struct kunit *test)
{
	struct vtx_mitigation_host h = affected();
	struct vtx_mitigation_plan p;

	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_TRUE(test, p.nx_huge_pages);
	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_OFF, &p);
	KUNIT_EXPECT_FALSE(test, p.nx_huge_pages);
	h.mitigations_off = true;
	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_FALSE(test, p.nx_huge_pages);
	h = affected();
	h.itlb_multihit_bug = false;
	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_FALSE(test, p.nx_huge_pages);
	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_ON, &p);
	KUNIT_EXPECT_TRUE(test, p.nx_huge_pages);
}

static void vtx_mitigation_ibpb_and_wbinvd(struct kunit *test)
{
	struct vtx_mitigation_host h = affected();
	struct vtx_mitigation_plan p;

	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_FALSE(test, p.ibpb_exit_to_user);
	KUNIT_EXPECT_TRUE(test, p.wbinvd_exiting);
	h.ibpb_exit_to_user = true;
	h.wbinvd_exiting = false;
	vtx_mitigation_plan(&h, VTX_L1D_FLUSH_AUTO, VTX_NX_HUGE_PAGES_AUTO, &p);
	KUNIT_EXPECT_TRUE(test, p.ibpb_exit_to_user);
	KUNIT_EXPECT_FALSE(test, p.wbinvd_exiting);
}

static void vtx_mitigation_parse(struct kunit *test)
{
	enum vtx_nx_huge_pages nx;
	enum vtx_l1d_flush f;

	KUNIT_EXPECT_EQ(test, vtx_mitigation_parse_l1d("cond", &f), 0);
	KUNIT_EXPECT_EQ(test, f, VTX_L1D_FLUSH_COND);
	KUNIT_EXPECT_EQ(test, vtx_mitigation_parse_l1d("always", &f), 0);
	KUNIT_EXPECT_EQ(test, f, VTX_L1D_FLUSH_ALWAYS);
	KUNIT_EXPECT_EQ(test, vtx_mitigation_parse_l1d("sometimes", &f),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mitigation_parse_l1d("not required", &f),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vtx_mitigation_parse_nx("force", &nx), 0);
	KUNIT_EXPECT_EQ(test, nx, VTX_NX_HUGE_PAGES_ON);
	KUNIT_EXPECT_EQ(test, vtx_mitigation_parse_nx("N", &nx), 0);
	KUNIT_EXPECT_EQ(test, nx, VTX_NX_HUGE_PAGES_OFF);
	KUNIT_EXPECT_EQ(test, vtx_mitigation_parse_nx("", &nx), -EINVAL);
}

static struct kunit_case vtx_mitigation_cases[] = {
	KUNIT_CASE(vtx_mitigation_l1d_follows_kernel),
	KUNIT_CASE(vtx_mitigation_l1d_param_and_force),
	KUNIT_CASE(vtx_mitigation_l1d_not_required),
	KUNIT_CASE(vtx_mitigation_l1d_flush_cmd),
	KUNIT_CASE(vtx_mitigation_nx_huge_pages),
	KUNIT_CASE(vtx_mitigation_ibpb_and_wbinvd),
	KUNIT_CASE(vtx_mitigation_parse),
	{}
};

static struct kunit_suite vtx_mitigation_suite = {
	.name = "vtx_mitigation",
	.test_cases = vtx_mitigation_cases,
};

kunit_test_suite(vtx_mitigation_suite);
