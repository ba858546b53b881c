/* SPDX-License-Identifier: GPL-2.0 */
/*
 * host_check: can this host run vtx? The checks behind vtx_info --check.
 */
#ifndef HOST_CHECK_H
#define HOST_CHECK_H

/*
 * Check the host before vtx.ko is loaded and print one line per check to
 * stdout, tagged "ok:", "no:" (vtx cannot run here), "warn:" (it can once
 * the advice on the line is followed) or "info:", then a verdict line.
 *
 * Return: the number of "no:" lines; 0 means that this host can run vtx.
 */
int host_check_run(void);

#endif /* HOST_CHECK_H */
