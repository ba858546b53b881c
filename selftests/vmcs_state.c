// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs_state: check the launch state of VMCSs in an ELF core, as TAP.
 *
 *   vmcs_state CORE clear|launched [PA[,PA...]]
 *
 * CORE is /proc/vmcore in a kdump kernel (the crashed kernel's memory) or
 * /proc/kcore in the running one. Each PA is the physical address of a
 * VMCS region, in hex, as debugfs vtx/vmcs lists it. Without PAs, the list
 * is the host name of the kernel that wrote CORE, "vmcs=PA,PA...", where
 * kdump_setup left it: the crash kernel can then be loaded before the
 * VMCSs exist. The emulated Intel
 * host (Bochs) keeps the launch state in memory, at offset 8 of the
 * region: 0 clear, 1 launched (testbed.md). One TAP line per VMCS; no PA
 * at all is a failure, so that a broken setup cannot pass.
 *
 * Exit status 0 when every VMCS is in the wanted state, 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtx_test.h"

#define MAX_VMCS	64

int main(int argc, char **argv)
{
	unsigned long long pa[MAX_VMCS];
	char *list, *tok, *end, host[65];
	int i, n = 0, bad = 0, r;
	__u32 want, state;

	if (argc < 3 || argc > 4 || (strcmp(argv[2], "clear") &&
				     strcmp(argv[2], "launched"))) {
		fprintf(stderr, "usage: vmcs_state CORE clear|launched [PA[,PA...]]\n");
		return 2;
	}
	want = !strcmp(argv[2], "launched");
	if (argc == 4) {
		list = argv[3];
	} else {
		r = vtx_core_hostname(argv[1], host, sizeof(host));
		if (r) {
			printf("1..1\nnot ok 1 - %s: no host name: %s\n",
			       argv[1], strerror(-r));
			return 1;
		}
		printf("# host name of the kernel that wrote %s: %s\n",
		       argv[1], host);
		if (strncmp(host, "vmcs=", 5)) {
			printf("1..1\nnot ok 1 - no VMCS list in the host name\n");
			return 1;
		}
		list = host + 5;
	}
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (n == MAX_VMCS) {
			fprintf(stderr, "vmcs_state: more than %d VMCSs\n",
				MAX_VMCS);
			return 2;
		}
		errno = 0;
		pa[n] = strtoull(tok, &end, 16);
		if (errno || *end || !pa[n] || (pa[n] & 0xfff)) {
			fprintf(stderr, "vmcs_state: bad VMCS address '%s'\n",
				tok);
			return 2;
		}
		n++;
	}

	printf("1..%d\n", n ? n : 1);
	if (!n) {
		printf("not ok 1 - no VMCS address was recorded\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		r = vtx_core_vmcs_launch_state(argv[1], pa[i], &state);
		if (r) {
			printf("not ok %d - vmcs 0x%llx: %s: %s\n", i + 1,
			       pa[i], argv[1], strerror(-r));
			bad++;
		} else if (state != want) {
			printf("not ok %d - vmcs 0x%llx launch state %u, expected %u (%s)\n",
			       i + 1, pa[i], state, want, argv[2]);
			bad++;
		} else {
			printf("ok %d - vmcs 0x%llx launch state %u (%s)\n",
			       i + 1, pa[i], state, argv[2]);
		}
	}
	return bad ? 1 : 0;
}
