/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtx selftest client library.
 *
 * Helpers come in pairs: __foo() returns the raw result (a negative errno
 * on failure), foo() asserts that it worked and aborts the test otherwise.
 */
#ifndef VTX_TEST_H
#define VTX_TEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/vtx.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define VTX_DEV_PATH	"/dev/vtx"
#define KVM_DEV_PATH	"/dev/kvm"
#define VTX_DEBUGFS	"/sys/kernel/debug/vtx"
/* kselftest's exit status for a skipped program (KSFT_SKIP) */
#define VTX_KSFT_SKIP	4

/* Print where and why, then abort: the harness reports the test failed. */
#define VTX_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: assertion '%s' failed: " fmt "\n", \
				__FILE__, __LINE__, #cond, ##__VA_ARGS__); \
			abort();					\
		}							\
	} while (0)

/* host.c: what the host offers */
bool vtx_host_has_vmx(void);
/* The host's MAXPHYADDR, from CPUID.0x80000008:EAX[7:0]. */
unsigned int vtx_host_phys_bits(void);
/*
 * Where guest-physical space ends for vtx: min(2^48, the 4-level EPT's
 * reach, and 2^MAXPHYADDR). A slot must end at or below it.
 */
__u64 vtx_host_gpa_limit(void);
/*
 * Every vtx test binary needs VMX: its main() calls this before the
 * harness runs, so a host without VMX skips the whole binary with the
 * reason, as KVM's selftests do. (The 6.1 harness would run a test body
 * even after SKIP in FIXTURE_SETUP.)
 */
void vtx_require_vmx(void);
int vtx_online_cpus(void);
int __vtx_set_cpu_online(int cpu, bool online);
void vtx_set_cpu_online(int cpu, bool online);
int __vtx_pin_to_cpu(int cpu);
void vtx_pin_to_cpu(int cpu);
/* The host's MSR @msr on CPU @cpu, read through /dev/cpu/<cpu>/msr. */
int __vtx_rdmsr(int cpu, __u32 msr, __u64 *val);
__u64 vtx_rdmsr(int cpu, __u32 msr);
/* Load $VTX_KVM_DIR/msr.ko if /dev/cpu/0/msr is absent. */
int __vtx_msr_driver_load(void);
void vtx_msr_driver_load(void);
/*
 * How many of the @n 2 MiB ranges from @p (2 MiB-aligned) the host backs
 * with one 2 MiB-aligned huge page, from /proc/self/pagemap; -errno.
 */
int vtx_huge_ranges(const void *p, int n);
/* The selected mode of /sys/kernel/mm/transparent_hugepage/enabled. */
const char *vtx_thp_mode(void);

/* nmi.c: NMIs at CPU @to from a thread on CPU @from (debugfs nmi_ipi) */
struct vtx_nmi_sender {
	pthread_t thread;
	int fd;
	int from, to;
	bool stop;
	unsigned long sent;
};

/* 0 or a negative errno; the thread sends until vtx_nmi_sender_stop(). */
int vtx_nmi_sender_start(struct vtx_nmi_sender *s, int from_cpu, int to_cpu);
/* Stop it (safe if it never started: fd < 0); the NMIs it sent. */
unsigned long vtx_nmi_sender_stop(struct vtx_nmi_sender *s);
/* A decimal debugfs value of vtx, e.g. "nmi_ipi"; ~0 when unreadable. */
__u64 vtx_debugfs_u64(const char *name);

/* command.c: run a program, as a user would */
struct vtx_cmd {
	char out[32768];	/* stdout and stderr, cut at the size */
	int status;		/* exit status, 128 + signal, or -errno */
};

/* Run argv[0] (looked up in PATH) with argv, and collect its output. */
void vtx_cmd_run(struct vtx_cmd *r, char *const argv[]);
/* Print @r's exit status and output as TAP comments, under @what. */
void vtx_cmd_show(const struct vtx_cmd *r, const char *what);

/* module.c: loading and unloading kernel modules */
bool vtx_module_loaded(const char *name);
int __vtx_module_load(const char *path, const char *params);
void vtx_module_load(const char *path, const char *params);
int __vtx_module_unload(const char *name);
void vtx_module_unload(const char *name);
const char *vtx_ko_path(void);
void vtx_load(void);
/* vtx.ko with VTX_PARAMS, then @extra (a later parameter wins). */
int __vtx_load_with(const char *extra);
void vtx_unload_if_loaded(void);
void vtx_kvm_load(void);
void vtx_kvm_unload(void);

/*
 * transcript.c: one client on /dev/vtx, then on /dev/kvm. @fn runs in a
 * child with stdout on a pipe; what it prints is its transcript, and its
 * return value its exit status.
 */
typedef int (*vtx_transcript_fn)(const char *dev, void *arg);

struct vtx_transcripts {
	char vtx[16384];
	char kvm[16384];
	int vtx_status;		/* @fn's result, 128 + signal, or -errno */
	int kvm_status;
};

int vtx_transcript_run(vtx_transcript_fn fn, const char *dev, void *arg,
		       char *out, size_t len);
void vtx_transcript_print(const char *name, const char *dev,
			  const char *text);
/*
 * Run @fn on /dev/vtx (loading vtx if needed), then unload vtx, load
 * kvm_intel and run it on /dev/kvm; both modules are unloaded after.
 */
void vtx_transcript_both(const char *name, vtx_transcript_fn fn, void *arg,
			 struct vtx_transcripts *t);

/* kmsg.c: kernel log lines logged after a mark */
struct vtx_kmsg {
	int fd;
	char *text;
	size_t len;
};

void vtx_kmsg_mark(struct vtx_kmsg *k);
const char *vtx_kmsg_read(struct vtx_kmsg *k);
bool vtx_kmsg_contains(struct vtx_kmsg *k, const char *needle);
int vtx_kmsg_count_bad(struct vtx_kmsg *k);
void vtx_kmsg_close(struct vtx_kmsg *k);

/* dev.c: /dev/vtx and /dev/kvm */
int __vtx_open(const char *path);
int vtx_open(const char *path);
int __vtx_ioctl(int fd, unsigned long cmd, void *arg);
int __vtx_get_capabilities(int fd, struct vtx_capabilities *caps);
void vtx_get_capabilities(int fd, struct vtx_capabilities *caps);
int __vtx_debugfs_cpu_vmx(int cpu);
int __vtx_get_vcpu_stats(int vcpu, struct vtx_vcpu_stats *stats);
void vtx_get_vcpu_stats(int vcpu, struct vtx_vcpu_stats *stats);
/* VTX_SET/GET_SPEC_CTRL_POLICY on a VM fd, VTX_GET_SPEC_CTRL_STATE on a vCPU fd */
int __vtx_set_spec_ctrl_policy(int vm, const struct vtx_spec_ctrl_policy *p);
void vtx_set_spec_ctrl_policy(int vm, const struct vtx_spec_ctrl_policy *p);
int __vtx_get_spec_ctrl_policy(int vm, struct vtx_spec_ctrl_policy *p);
void vtx_get_spec_ctrl_policy(int vm, struct vtx_spec_ctrl_policy *p);
int __vtx_get_spec_ctrl_state(int vcpu, struct vtx_spec_ctrl_state *st);
void vtx_get_spec_ctrl_state(int vcpu, struct vtx_spec_ctrl_state *st);

/* /sys/kernel/debug/vtx/vmcs, parsed and checked for consistency */
#define VTX_VIEW_MAX_CPUS	8
#define VTX_VIEW_MAX_VMCS	512

struct vtx_vmcs_view {
	int allocated;
	int nr_cpus;
	int loaded[VTX_VIEW_MAX_CPUS];
	int total_loaded;
	int nr_vmcs;
	struct {
		__u64 pa;
		int cpu;
		int launched;
	} vmcs[VTX_VIEW_MAX_VMCS];
};

int __vtx_debugfs_vmcs(struct vtx_vmcs_view *v);
void vtx_debugfs_vmcs(struct vtx_vmcs_view *v);

/*
 * /sys/kernel/debug/vtx/crash_walk (test only): the crash hook's VMCLEAR
 * walk over @n VMCSs loaded on the calling thread's CPU, timed in TSC
 * cycles. __vtx_crash_walk_write() writes @text as it is.
 */
struct vtx_crash_walk {
	unsigned int vmcss;
	unsigned int visited;
	unsigned long long tsc;
};

int __vtx_crash_walk_write(const char *text);

/* The first line of a small file (sysfs, debugfs), without its newline. */
int vtx_read_line(const char *path, char *buf, size_t size);
/* Write @text to a sysfs or debugfs file in one write(); 0 or -errno. */
int vtx_write_text(const char *path, const char *text);
int __vtx_crash_walk(unsigned int n, struct vtx_crash_walk *w);

/*
 * /sys/kernel/debug/vtx/ept, over all VMs: EPT table pages, 2 MiB leaves,
 * 2 MiB leaves split for nx_huge_pages, 4 KiB leaves (all live), and EPT
 * violations resolved by mapping a page (monotonic).
 */
struct vtx_ept_view {
	long long tables;
	long long large_leaves;
	long long splits;
	long long leaves;
	long long faults;
};

int __vtx_debugfs_ept(struct vtx_ept_view *v);
void vtx_debugfs_ept(struct vtx_ept_view *v);

/* core.c: physical memory through /proc/kcore or /proc/vmcore */
#define VTX_BOCHS_VMCS_LAUNCH_OFFSET	8
#define VTX_KCORE_PATH		"/proc/kcore"
#define VTX_VMCORE_PATH		"/proc/vmcore"
int vtx_core_read_phys(const char *path, __u64 pa, void *buf, size_t len);
int vtx_core_vmcs_launch_state(const char *path, __u64 pa, __u32 *state);
int vtx_core_hostname(const char *path, char *buf, size_t size);

/* guest.c: a minimal real-mode guest on any /dev/kvm-shaped device */
int __vtx_guest_smoke(const char *dev, int cpu);
void vtx_guest_smoke(const char *dev, int cpu);

/* vm.c, signal.c, guest_code.c: the KVM-style client */
#include "vtx_vm.h"

#endif /* VTX_TEST_H */
