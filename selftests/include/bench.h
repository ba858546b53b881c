/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h: what the make bench client's files share: the VM helpers of
 * bench_vm.c, the workloads of bench_scale.c and the guest loops. The
 * client is built only against <linux/kvm.h> and <linux/vtx.h> (and the
 * selftest library, for vtx's test-only debugfs files).
 */
#ifndef VTX_BENCH_H
#define VTX_BENCH_H

#include <sys/types.h>

#include <linux/kvm.h>
#include <linux/vtx.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define RUNS		3
#define N_EXITS		20000
#define MEM_SIZE	0x10000UL
#define CODE_GPA	0x1000UL
#define PARAM_GPA	0xf00UL		/* tsc start (8), n (4), value (4) */
#define PORT_OP		0x10
#define PORT_TSC_LO	0x11
#define PORT_TSC_HI	0x12

/* A VM with one vCPU and MEM_SIZE bytes at GPA 0. */
struct vm {
	int dev, fd, vcpu, run_size, stats;
	off_t exits_at;
	struct kvm_run *run;
	unsigned char *mem;
};

/* The device's name in the BENCH lines, and whether it is vtx. */
extern const char *dev_name;
extern int is_vtx;

/* bench_vm.c */
double now_ns(void);
int xioctl(int fd, unsigned long cmd, void *arg);
int vm_open(struct vm *vm, int dev, const struct vtx_spec_ctrl_policy *p);
void vm_close(struct vm *vm);
int vcpu_open(struct vm *vm, const unsigned char *start,
	      const unsigned char *end, int with_cpuid);
int vcpu_big_real(struct vm *vm);
int vcpu_exits(struct vm *vm, __u64 *exits);
int vcpu_run_loop(struct vm *vm, __u64 *tsc, __u64 *uexits);
void report(const char *work, const char *mode, int n, int run, double ns,
	    __u64 tsc, __u64 exits, __u64 uexits);
void skip(const char *work, const char *mode, const char *why, int r);

/* bench_scale.c: the crash walk (vtx only) and the 2-CPU workloads */
void crash_walk_workload(int dev);
void scale_workloads(int dev);

/*
 * Real-mode guest loops, at CODE_GPA with CS base 0. Each reads its count
 * from PARAM_GPA + 8, keeps its TSC start at PARAM_GPA, runs the
 * operation that many times, then OUTs the TSC delta (low, high) and halts.
 * The operation may use EBX and ESI, which the loop leaves alone, and the
 * value at PARAM_GPA + 12; a 32-bit address such as (%ebx) reaches past
 * 1 MiB only in big real mode (DS limit 4 GiB, set by the client).
 */
#define GUEST_LOOP(name, op)						\
	asm(".pushsection .rodata\n"					\
	    ".code16\n"							\
	    #name "_start:\n"						\
	    "rdtsc\n"							\
	    "mov %eax, 0xf00\n"						\
	    "mov %edx, 0xf04\n"						\
	    "mov 0xf08, %edi\n"						\
	    "1:\n"							\
	    op "\n"							\
	    "dec %edi\n"						\
	    "jnz 1b\n"							\
	    "rdtsc\n"							\
	    "sub 0xf00, %eax\n"						\
	    "sbb 0xf04, %edx\n"						\
	    "out %eax, $0x11\n"						\
	    "mov %edx, %eax\n"						\
	    "out %eax, $0x12\n"						\
	    "hlt\n"							\
	    #name "_end:\n"						\
	    ".code64\n"							\
	    ".popsection\n");						\
	extern const unsigned char name##_start[], name##_end[]

#endif /* VTX_BENCH_H */
