// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite vtx_controls: the VMCS control plan from synthetic
 * capability MSRs, including CPUs vtx must refuse to run guests on.
 */
/* <asm/vmx.h> first: see caps_kunit.c. */
#include <asm/vmx.h>

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "caps.h"
#include "controls.h"

static u64 ctl(u32 allowed0, u32 allowed1)
{
	return (u64)allowed1 << 32 | allowed0;
}

/* Every control allowed either way, as with the TRUE capability MSRs. */
static void open_caps(struct vtx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->pinbased = ctl(0, ~0U);
	c->procbased = ctl(0, ~0U);
	c->procbased2 = ctl(0, ~0U);
	c->exit = ctl(0, ~0U);
	c->entry = ctl(0, ~0U);
}

static void vtx_controls_plan_sets_isolation_controls(struct kunit *test)
{
	struct vtx_controls out;
	const char *why = NULL;
	struct vtx_caps c;

	open_caps(&c);
	KUNIT_ASSERT_EQ(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_VMCS, &out, &why), 0);
	KUNIT_EXPECT_EQ(test, out.pin & (PIN_BASED_EXT_INTR_MASK |
					 PIN_BASED_NMI_EXITING),
			PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING);
	KUNIT_EXPECT_TRUE(test, out.proc & CPU_BASED_CR8_LOAD_EXITING);
	KUNIT_EXPECT_TRUE(test, out.proc & CPU_BASED_CR8_STORE_EXITING);
	KUNIT_EXPECT_TRUE(test, out.proc & CPU_BASED_UNCOND_IO_EXITING);
	KUNIT_EXPECT_TRUE(test, out.proc & CPU_BASED_USE_MSR_BITMAPS);
	KUNIT_EXPECT_TRUE(test, out.proc & CPU_BASED_MOV_DR_EXITING);
	KUNIT_EXPECT_TRUE(test, out.proc2 & SECONDARY_EXEC_ENABLE_EPT);
	KUNIT_EXPECT_TRUE(test, out.proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST);
	KUNIT_EXPECT_TRUE(test, out.exit & VM_EXIT_SAVE_IA32_EFER);
	KUNIT_EXPECT_TRUE(test, out.exit & VM_EXIT_LOAD_IA32_EFER);
	KUNIT_EXPECT_TRUE(test, out.entry & VM_ENTRY_LOAD_IA32_EFER);
	KUNIT_EXPECT_TRUE(test, out.efer_in_vmcs);
	KUNIT_EXPECT_TRUE(test, out.vpid);
	KUNIT_EXPECT_TRUE(test, out.preemption_timer);
	/* Never asked for, even when allowed. */
	KUNIT_EXPECT_FALSE(test, out.exit & VM_EXIT_ACK_INTR_ON_EXIT);
	KUNIT_EXPECT_FALSE(test, out.entry & VM_ENTRY_IA32E_MODE);
	KUNIT_EXPECT_FALSE(test, out.proc & CPU_BASED_ACTIVATE_TERTIARY_CONTROLS);
	KUNIT_EXPECT_FALSE(test, out.proc & CPU_BASED_RDTSC_EXITING);
}

static void vtx_controls_plan_keeps_forced_bits(struct kunit *test)
{
	struct vtx_controls out;
	const char *why = NULL;
	struct vtx_caps c;

	open_caps(&c);
	/* Without TRUE controls CR3 exiting is forced on: it must stay. */
	c.procbased = ctl(CPU_BASED_CR3_LOAD_EXITING |
			  CPU_BASED_CR3_STORE_EXITING, ~0U);
	KUNIT_ASSERT_EQ(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_VMCS, &out, &why), 0);
	KUNIT_EXPECT_TRUE(test, out.proc & CPU_BASED_CR3_LOAD_EXITING);
	KUNIT_EXPECT_TRUE(test, out.proc & CPU_BASED_CR3_STORE_EXITING);
}

static void vtx_controls_plan_optional_controls(struct kunit *test)
{
	struct vtx_controls out;
	const char *why = NULL;
	struct vtx_caps c;

	open_caps(&c);
	c.procbased2 = ctl(0, ~SECONDARY_EXEC_ENABLE_VPID);
	KUNIT_ASSERT_EQ(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_VMCS, &out, &why), 0);
	KUNIT_EXPECT_FALSE(test, out.vpid);
	KUNIT_EXPECT_FALSE(test, out.proc2 & SECONDARY_EXEC_ENABLE_VPID);

	/* The preemption timer is optional as well. */
	c.pinbased = ctl(0, ~PIN_BASED_VMX_PREEMPTION_TIMER);
	KUNIT_ASSERT_EQ(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_VMCS, &out, &why), 0);
	KUNIT_EXPECT_FALSE(test, out.preemption_timer);
	KUNIT_EXPECT_FALSE(test, out.pin & PIN_BASED_VMX_PREEMPTION_TIMER);
}

/* Each required control, taken away on its own, makes the plan fail. */
static void vtx_controls_plan_refuses_missing_required(struct kunit *test)
{
	static const struct {
		size_t offset;
		u32 bit;
	} cases[] = {
		{ offsetof(struct vtx_caps, pinbased), PIN_BASED_NMI_EXITING },
		{ offsetof(struct vtx_caps, pinbased), PIN_BASED_EXT_INTR_MASK },
		{ offsetof(struct vtx_caps, procbased),
		  CPU_BASED_CR8_LOAD_EXITING },
		{ offsetof(struct vtx_caps, procbased), CPU_BASED_HLT_EXITING },
		{ offsetof(struct vtx_caps, procbased),
		  CPU_BASED_USE_MSR_BITMAPS },
		{ offsetof(struct vtx_caps, procbased2),
		  SECONDARY_EXEC_ENABLE_EPT },
		{ offsetof(struct vtx_caps, procbased2),
		  SECONDARY_EXEC_UNRESTRICTED_GUEST },
		{ offsetof(struct vtx_caps, exit), VM_EXIT_HOST_ADDR_SPACE_SIZE },
		{ offsetof(struct vtx_caps, exit), VM_EXIT_SAVE_DEBUG_CONTROLS },
		{ offsetof(struct vtx_caps, entry), VM_ENTRY_IA32E_MODE },
		{ offsetof(struct vtx_caps, entry),
		  VM_ENTRY_LOAD_DEBUG_CONTROLS },
	};
	struct vtx_controls out;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		struct vtx_caps c;
		u64 *msr;

		open_caps(&c);
		msr = (u64 *)((char *)&c + cases[i].offset);
		*msr &= ~((u64)cases[i].bit << 32);
		KUNIT_EXPECT_EQ_MSG(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_VMCS, &out, &why),
				    -EOPNOTSUPP, "case %u", i);
		KUNIT_EXPECT_NOT_NULL_MSG(test, why, "case %u", i);
	}
}

#define EXIT_EFER	(VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER)

static void expect_efer_on_lists(struct kunit *test,
				 const struct vtx_controls *out)
{
	KUNIT_EXPECT_FALSE(test, out->efer_in_vmcs);
	KUNIT_EXPECT_EQ(test, out->exit & EXIT_EFER, 0U);
	KUNIT_EXPECT_EQ(test, out->entry & VM_ENTRY_LOAD_IA32_EFER, 0U);
	/* Everything else is as in VMCS mode. */
	KUNIT_EXPECT_TRUE(test, out->exit & VM_EXIT_HOST_ADDR_SPACE_SIZE);
	KUNIT_EXPECT_TRUE(test, out->entry & VM_ENTRY_LOAD_DEBUG_CONTROLS);
}

/* efer_switch=msr_list: none of the three EFER controls, even if allowed. */
static void vtx_controls_plan_efer_msr_list(struct kunit *test)
{
	struct vtx_controls out;
	const char *why = NULL;
	struct vtx_caps c;

	open_caps(&c);
	KUNIT_ASSERT_EQ(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_MSR_LIST,
						&out, &why), 0);
	expect_efer_on_lists(test, &out);
}

/*
 * A CPU that lacks any one of the three EFER controls (first-generation
 * VMX) still runs guests: efer_switch=vmcs falls back to the lists, and
 * never sets the two it has.
 */
static void vtx_controls_plan_efer_fallback(struct kunit *test)
{
	static const struct {
		size_t offset;
		u32 bit;
	} cases[] = {
		{ offsetof(struct vtx_caps, exit), VM_EXIT_SAVE_IA32_EFER },
		{ offsetof(struct vtx_caps, exit), VM_EXIT_LOAD_IA32_EFER },
		{ offsetof(struct vtx_caps, entry), VM_ENTRY_LOAD_IA32_EFER },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vtx_controls out;
		const char *why = NULL;
		struct vtx_caps c;
		u64 *msr;
		int r;

		open_caps(&c);
		msr = (u64 *)((char *)&c + cases[i].offset);
		*msr &= ~((u64)cases[i].bit << 32);
		r = vtx_controls_plan(&c, VTX_EFER_SWITCH_VMCS, &out, &why);
		KUNIT_ASSERT_EQ_MSG(test, r, 0, "case %u", i);
		expect_efer_on_lists(test, &out);
	}
}

/*
 * An EFER control the CPU forces on cannot be left off: the list path is
 * refused rather than entering with a control vtx does not program. No
 * real CPU does this (they are not default-1 bits), so it must fail loudly.
 */
static void vtx_controls_plan_efer_forced_on(struct kunit *test)
{
	struct vtx_controls out;
	const char *why = NULL;
	struct vtx_caps c;

	open_caps(&c);
	c.exit = ctl(VM_EXIT_LOAD_IA32_EFER, ~0U);
	KUNIT_EXPECT_EQ(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_MSR_LIST,
						&out, &why), -EOPNOTSUPP);
	KUNIT_EXPECT_NOT_NULL(test, why);
	/* The VMCS path sets it anyway: fine. */
	KUNIT_EXPECT_EQ(test, vtx_controls_plan(&c, VTX_EFER_SWITCH_VMCS,
						&out, &why), 0);
	KUNIT_EXPECT_TRUE(test, out.efer_in_vmcs);
}

static void vtx_controls_plan_efer_unknown_mode(struct kunit *test)
{
	struct vtx_controls out;
	const char *why = NULL;
	struct vtx_caps c;

	open_caps(&c);
	KUNIT_EXPECT_EQ(test, vtx_controls_plan(&c, (enum vtx_efer_switch)2,
						&out, &why), -EINVAL);
}

static struct kunit_case vtx_controls_cases[] = {
	KUNIT_CASE(vtx_controls_plan_sets_isolation_controls),
	KUNIT_CASE(vtx_controls_plan_keeps_forced_bits),
	KUNIT_CASE(vtx_controls_plan_optional_controls),
	KUNIT_CASE(vtx_controls_plan_refuses_missing_required),
	KUNIT_CASE(vtx_controls_plan_efer_msr_list),
	KUNIT_CASE(vtx_controls_plan_efer_fallback),
	KUNIT_CASE(vtx_controls_plan_efer_forced_on),
	KUNIT_CASE(vtx_controls_plan_efer_unknown_mode),
	{}
};

static struct kunit_suite vtx_controls_suite = {
	.name = "vtx_controls",
	.test_cases = vtx_controls_cases,
};

kunit_test_suite(vtx_controls_suite);
