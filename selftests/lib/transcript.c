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
