/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dual-device tests: one client on /dev/vtx and on /dev/kvm in one boot
 * (transcript.c), checked with the kselftest harness. Include after
 * kselftest_harness.h.
 */
#ifndef VTX_DUAL_H
#define VTX_DUAL_H

#include "vtx_test.h"

/*
 * Run @fn on both devices: both must finish (status 0) and vtx must
 * print what KVM printed; when @expected is not NULL, KVM's transcript
 * must be exactly it, so that the test proves something on a correct
 * device. Return: the transcripts, for further checks.
 */
static inline struct vtx_transcripts *
vtx_dual_check(struct __test_metadata *_metadata, const char *name,
	       vtx_transcript_fn fn, void *arg, const char *expected)
{
	static struct vtx_transcripts t;

	vtx_transcript_both(name, fn, arg, &t);
	/* KVM defines the behaviour ... */
	EXPECT_EQ(0, t.kvm_status);
	if (expected)
		EXPECT_STREQ(expected, t.kvm);
	/* ... and vtx must behave the same. */
	EXPECT_EQ(0, t.vtx_status);
	EXPECT_STREQ(t.kvm, t.vtx);
	return &t;
}

/*
 * A dual test's fixture: neither vtx nor kvm_intel loaded before or
 * after each test, and no BUG, WARNING or Oops logged meanwhile.
 */
static inline void vtx_dual_setup(struct vtx_kmsg *kmsg)
{
	vtx_unload_if_loaded();
	vtx_kvm_unload();
	vtx_kmsg_mark(kmsg);
}

static inline void vtx_dual_teardown(struct __test_metadata *_metadata,
				     struct vtx_kmsg *kmsg)
{
	if (vtx_module_loaded("vtx"))
		EXPECT_EQ(0, __vtx_module_unload("vtx"));
	vtx_kvm_unload();
	EXPECT_EQ(0, vtx_kmsg_count_bad(kmsg));
	vtx_kmsg_close(kmsg);
}

#endif /* VTX_DUAL_H */
