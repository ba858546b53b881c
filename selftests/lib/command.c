// SPDX-License-Identifier: GPL-2.0
/*
 * Run a program, collect what it prints and how it ended, and show that
 * as TAP comments: for tests of the tools users run (vtx_info, modprobe).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vtx_test.h"

void vtx_cmd_run(struct vtx_cmd *r, char *const argv[])
{
	size_t len = 0;
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	r->out[0] = '\0';
	r->status = -EIO;
	fflush(stdout);
	fflush(stderr);
	if (pipe(pfd)) {
		r->status = -errno;
		return;
	}
	pid = fork();
	if (pid < 0) {
		r->status = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (!pid) {
		close(pfd[0]);
		if (dup2(pfd[1], STDOUT_FILENO) < 0 ||
		    dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(r->out) - 1 &&
	       (n = read(pfd[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
		len += n;
	r->out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
}

void vtx_cmd_show(const struct vtx_cmd *r, const char *what)
{
	const char *p = r->out, *nl;

	printf("# %s: exit %d\n", what, r->status);
	for (; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		printf("# | %.*s\n", (int)(nl - p), p);
		if (!*nl)
			break;
	}
	/* The harness ends each test's child with _exit(). */
	fflush(stdout);
}
