// SPDX-License-Identifier: GPL-2.0
/*
 * The stand-alone client in kvm_client/kvm_client.c, run on /dev/vtx and
 * then on /dev/kvm (kvm_intel), must print the same transcript: same
 * exits, ports, sizes and data. It is compiled into this test with its
 * main() renamed, and runs in a child whose stdout is a pipe.
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

/*
 * Run the client on @dev in a child, its stdout into @out (NUL-ended).
 * Return: the client's exit status, 128 + signal if it died, or a
 * negative errno when the child could not be started.
 */
static int run_client(const char *dev, char *out, size_t len)
{
	static const char name[] = "kvm_client";
	char *argv[3];
	char scratch[256];
	size_t n = 0;
	int pfd[2], status;
	ssize_t r;
	pid_t pid;

	argv[0] = (char *)name;
	argv[1] = (char *)dev;
	argv[2] = NULL;
	fflush(stdout);
	fflush(stderr);
	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(pfd[0]);
		if (dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(126);
		close(pfd[1]);
		r = kvm_client_main(2, argv);
		fflush(stdout);
		_exit(r);
	}
	close(pfd[1]);
	for (;;) {
		if (n < len - 1)
			r = read(pfd[0], out + n, len - 1 - n);
		else
			r = read(pfd[0], scratch, sizeof(scratch));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n < len - 1)
			n += r;
	}
	out[n] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void print_transcript(const char *dev, const char *text)
{
	const char *line = text;

	ksft_print_msg("kvm_client %s:\n", dev);
	while (*line) {
		int len = strcspn(line, "\n");

		ksft_print_msg("  %.*s\n", len, line);
		line += len + (line[len] == '\n');
	}
}

TEST_F_TIMEOUT(kvm_client, same_transcript_on_vtx_and_kvm, 600)
{
	char on_vtx[4096], on_kvm[4096];
	int r;

	r = run_client(VTX_DEV_PATH, on_vtx, sizeof(on_vtx));
	print_transcript(VTX_DEV_PATH, on_vtx);
	EXPECT_EQ(0, r);
	EXPECT_STREQ(expected, on_vtx);

	/* vtx and kvm_intel cannot both own VMX: swap them. */
	close(self->dev);
	self->dev = -1;
	vtx_module_unload("vtx");
	vtx_kvm_load();
	r = run_client(KVM_DEV_PATH, on_kvm, sizeof(on_kvm));
	print_transcript(KVM_DEV_PATH, on_kvm);
	EXPECT_EQ(0, r);
	vtx_kvm_unload();

	EXPECT_STREQ(on_kvm, on_vtx);
	/* Not trivially equal: both went all the way to the HLT. */
	EXPECT_NE(NULL, strstr(on_kvm, "exit HLT\n"));
	EXPECT_LT(strlen(expected) / 2, strlen(on_kvm));
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
