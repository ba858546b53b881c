// SPDX-License-Identifier: GPL-2.0
/*
 * Transcripts: run one client function on /dev/vtx and then on /dev/kvm
 * (kvm_intel), each in a child whose stdout is a pipe, so that a test can
 * require both devices to print the same thing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vtx_test.h"

int vtx_transcript_run(vtx_transcript_fn fn, const char *dev, void *arg,
		       char *out, size_t len)
{
	char scratch[256];
	size_t n = 0;
	int pfd[2], status;
	ssize_t r;
	pid_t pid;

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
		r = fn(dev, arg);
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

void vtx_transcript_print(const char *name, const char *dev, const char *text)
{
	const char *line = text;

	printf("# %s on %s:\n", name, dev);
	while (*line) {
		int len = strcspn(line, "\n");

		printf("#   %.*s\n", len, line);
		line += len + (line[len] == '\n');
	}
}

void vtx_transcript_both(const char *name, vtx_transcript_fn fn, void *arg,
			 struct vtx_transcripts *t)
{
	if (!vtx_module_loaded("vtx"))
		vtx_load();
	t->vtx_status = vtx_transcript_run(fn, VTX_DEV_PATH, arg, t->vtx,
					   sizeof(t->vtx));
	vtx_transcript_print(name, VTX_DEV_PATH, t->vtx);

	/* vtx and kvm_intel cannot both own VMX: swap them. */
	vtx_module_unload("vtx");
	vtx_kvm_load();
	t->kvm_status = vtx_transcript_run(fn, KVM_DEV_PATH, arg, t->kvm,
					   sizeof(t->kvm));
	vtx_transcript_print(name, KVM_DEV_PATH, t->kvm);
	vtx_kvm_unload();
}

/**
 * vtx_transcript_print_exit() - a client's line for an exit it did not expect
 * @run: the vCPU's kvm_run
 */
void vtx_transcript_print_exit(const struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		printf("exit INTERNAL_ERROR suberror %u\n",
		       run->internal.suberror);
	else
		printf("exit %s (%u)\n", vtx_exit_name(run->exit_reason),
		       run->exit_reason);
}

/* FNV-1a, for data too long to print. */
static __u32 vtx_transcript_fnv(const __u8 *p, unsigned int n)
{
	__u32 h = 0x811c9dc5;

	while (n--) {
		h ^= *p++;
		h *= 0x01000193;
	}
	return h;
}

/**
 * vtx_transcript_print_bytes() - @n bytes, as " xx" each
 * @p: the bytes
 * @n: how many
 *
 * Past 32 bytes: the length, the FNV-1a hash, the first and last 8.
 */
void vtx_transcript_print_bytes(const __u8 *p, unsigned int n)
{
	unsigned int i;

	if (n <= 32) {
		for (i = 0; i < n; i++)
			printf(" %02x", p[i]);
		return;
	}
	printf(" %u bytes fnv %08x:", n, vtx_transcript_fnv(p, n));
	for (i = 0; i < 8; i++)
		printf(" %02x", p[i]);
	printf(" ..");
	for (i = n - 8; i < n; i++)
		printf(" %02x", p[i]);
}
