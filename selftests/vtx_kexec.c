// SPDX-License-Identifier: GPL-2.0
/*
 * vtx_kexec: load a kernel for kexec or kdump, or reboot into it, with
 * the kexec_file_load system call, so that the test initramfs needs no
 * kexec-tools and none of its shared libraries.
 *
 *   vtx_kexec load  KERNEL INITRD CMDLINE   for "exec", like kexec -s -l
 *   vtx_kexec crash KERNEL INITRD CMDLINE   the kdump kernel, like kexec -s -p
 *   vtx_kexec exec                          reboot into it, like kexec -e
 *
 * Prints how long the load took. Exit status 0, or 1 with the error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bad_args(void)
{
	fprintf(stderr,
		"usage: vtx_kexec load|crash KERNEL INITRD CMDLINE\n"
		"       vtx_kexec exec\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long flags;
	int kfd, ifd;
	double t0;
	long r;

	if (argc == 2 && !strcmp(argv[1], "exec")) {
		sync();
		syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			LINUX_REBOOT_CMD_KEXEC, NULL);
		fprintf(stderr, "vtx_kexec: reboot(KEXEC): %s\n",
			strerror(errno));
		return 1;
	}
	if (argc != 5)
		return bad_args();
	if (!strcmp(argv[1], "load"))
		flags = 0;
	else if (!strcmp(argv[1], "crash"))
		flags = KEXEC_FILE_ON_CRASH;
	else
		return bad_args();

	kfd = open(argv[2], O_RDONLY | O_CLOEXEC);
	ifd = open(argv[3], O_RDONLY | O_CLOEXEC);
	if (kfd < 0 || ifd < 0) {
		fprintf(stderr, "vtx_kexec: open %s: %s\n",
			kfd < 0 ? argv[2] : argv[3], strerror(errno));
		return 1;
	}
	t0 = now();
	r = syscall(SYS_kexec_file_load, kfd, ifd, strlen(argv[4]) + 1,
		    argv[4], flags);
	if (r) {
		fprintf(stderr, "vtx_kexec: kexec_file_load(%s): %s\n",
			argv[1], strerror(errno));
		return 1;
	}
	printf("# vtx_kexec: %s kernel loaded in %.1f s\n", argv[1], now() - t0);
	return 0;
}
