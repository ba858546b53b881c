// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel log lines logged after a mark, read from /dev/kmsg.
 *
 * Tests judge only what the kernel logged during the test: the emulated
 * host prints boot-time warnings that are not vtx's doing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vtx_test.h"

void vtx_kmsg_mark(struct vtx_kmsg *k)
{
	k->text = NULL;
	k->len = 0;
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	VTX_ASSERT(k->fd >= 0, "open /dev/kmsg: %s", strerror(errno));
	VTX_ASSERT(lseek(k->fd, 0, SEEK_END) >= 0, "seek /dev/kmsg");
}

/* Append the text of every record logged since the mark; return it all. */
const char *vtx_kmsg_read(struct vtx_kmsg *k)
{
	char rec[8192];
	ssize_t n;

	for (;;) {
		const char *msg;
		size_t mlen;

		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip them */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		mlen = strcspn(msg, "\n");
		k->text = realloc(k->text, k->len + mlen + 2);
		VTX_ASSERT(k->text, "out of memory");
		memcpy(k->text + k->len, msg, mlen);
		k->len += mlen;
		k->text[k->len++] = '\n';
		k->text[k->len] = '\0';
	}
	return k->text ? k->text : "";
}

bool vtx_kmsg_contains(struct vtx_kmsg *k, const char *needle)
{
	return strstr(vtx_kmsg_read(k), needle);
}

/* Count (and print) lines that show a kernel WARN, BUG or oops. */
int vtx_kmsg_count_bad(struct vtx_kmsg *k)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "general protection", "Call Trace",
		"kernel BUG", "RIP:",
	};
	const char *line = vtx_kmsg_read(k);
	int count = 0;

	while (*line) {
		size_t len = strcspn(line, "\n");
		size_t i;

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (memmem(line, len, bad[i], strlen(bad[i]))) {
				fprintf(stderr, "# kernel: %.*s\n", (int)len,
					line);
				count++;
				break;
			}
		}
		line += len + (line[len] == '\n');
	}
	return count;
}

void vtx_kmsg_close(struct vtx_kmsg *k)
{
	close(k->fd);
	free(k->text);
	k->text = NULL;
}
