// SPDX-License-Identifier: GPL-2.0
/*
 * The stand-alone client in kvm_client/kvm_client.c, run on /dev/vtx and
 * then on /dev/kvm (kvm_intel), must print the same transcript: same
 * exits, ports, sizes and data. It is compiled into this test with its
 * main() renamed, and runs in a child whose stdout is a pipe
 * (transcript.c).
 *
 * The test starts and ends with vtx and KVM unloaded, as module_test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#define main kvm_client_main
#include "kvm_client/kvm_client.c"
#undef main

#include "kselftest_harness.h"
#include "vtx_dual.h"
#include "vtx_test.h"

/* What the client prints for its guest on a correct device. */
static const char expected[] =
	"exit IO out port 0x10 size 1 data 0x76\n"
	"exit IO out port 0x10 size 1 data 0x74\n"
	"exit IO out port 0x10 size 1 data 0x78\n"
	"exit IO in  port 0x11 size 1 answer 0x5a\n"
	"exit IO out port 0x12 size 1 data 0x5a\n"
	"exit IO out port 0x13 size 2 data 0x1234\n"
	"exit IO out port 0x14 size 4 data 0x40000000\n"
	"exit IO out port 0x14 size 4 data 0x11223344\n"
	"exit IO out port 0x14 size 4 data 0x55667788\n"
	"exit IO out port 0x14 size 4 data 0x99aabbcc\n"
	"exit HLT\n"
	"halted after 11 exits\n";

FIXTURE(kvm_client) {
	struct vtx_kmsg kmsg;
	int dev;
};

FIXTURE_SETUP(kvm_client)
{
	vtx_unload_if_loaded();
	vtx_kvm_unload();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
}

FIXTURE_TEARDOWN(kvm_client)
{
	if (self->dev >= 0)
		close(self->dev);
	if (vtx_module_loaded("vtx"))
		EXPECT_EQ(0, __vtx_module_unload("vtx"));
	vtx_kvm_unload();
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

static int run_client(const char *dev, void *arg)
{
	char name[] = "kvm_client";
	char *argv[3] = { name, (char *)dev, NULL };

	return kvm_client_main(2, argv);
}

TEST_F_TIMEOUT(kvm_client, same_transcript_on_vtx_and_kvm, 600)
{
	struct vtx_transcripts *t;

	close(self->dev);
	self->dev = -1;
	t = vtx_dual_check(_metadata, "kvm_client", run_client, NULL,
			   expected);
	/* Not trivially equal: both went all the way to the HLT. */
	EXPECT_NE(NULL, strstr(t->kvm, "exit HLT\n"));
	EXPECT_LT(strlen(expected) / 2, strlen(t->kvm));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
