/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by spec_ctrl_test.c and spec_ctrl_abi_test.c: constants, the
 * test environment (vtx loaded, a VM, a vCPU running the MSR program of
 * lib/prog.c) and its checks. Include it after kselftest_harness.h.
 */
#ifndef VTX_SPEC_CTRL_ENV_H
#define VTX_SPEC_CTRL_ENV_H

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vtx_test.h"

#define MSR_SPEC_CTRL	0x48
#define MSR_PRED_CMD	0x49

#define IBRS		0x1ULL
#define STIBP		0x2ULL
#define SSBD		0x4ULL
/* Bits 0-8 and 10 are defined; 9 and 11-63 are reserved on every CPU. */
#define DEFINED_BITS	0x5ffULL

/* CPUID.(7,0):EDX[26] IBRS (and IBPB), [27] STIBP, [31] SSBD; (7,2):EDX[4:0] */
#define CPUID_70_IBRS	0x04000000U
#define CPUID_70_STIBP	0x08000000U
#define CPUID_70_SPEC	0x8c000000U
#define CPUID_72_SPEC	0x1fU

#define M_AUTO		VTX_SPEC_CTRL_MODE_AUTO
#define M_INTERCEPT	VTX_SPEC_CTRL_MODE_INTERCEPT
#define M_PASSTHROUGH	VTX_SPEC_CTRL_MODE_PASSTHROUGH
#define M_VIRTUALIZE	VTX_SPEC_CTRL_MODE_VIRTUALIZE

#define NO_MSR	"host has no IA32_SPEC_CTRL (CPUID.7.0:EDX[26,27,31] clear)"

#define NR_EXITS	10000
#define NR_ACCESSES	16
#define MAX_CPUID	64

/* Which CPUID bit enumerates which SPEC_CTRL bits (and VTX_SPEC_* flag). */
static const struct {
	__u32 edx70, edx72, flag;
	__u64 bits;
} spec_map[] = {
	{ CPUID_70_IBRS, 0, VTX_SPEC_SPEC_CTRL, IBRS },
	{ CPUID_70_STIBP, 0, VTX_SPEC_STIBP, STIBP },
	{ 0x80000000U, 0, VTX_SPEC_SSBD, SSBD },
	{ 0, 1U << 0, VTX_SPEC_PSFD, 1ULL << 7 },
	{ 0, 1U << 1, VTX_SPEC_IPRED_CTRL, 3ULL << 3 },
	{ 0, 1U << 2, VTX_SPEC_RRSBA_CTRL, 3ULL << 5 },
	{ 0, 1U << 3, VTX_SPEC_DDPD_U, 1ULL << 8 },
	{ 0, 1U << 4, VTX_SPEC_BHI_CTRL, 1ULL << 10 },
};

/* The SPEC_CTRL bits, or with @flags the VTX_SPEC_* flags, of CPUID.7. */
static inline __u64 spec_of(__u32 e70, __u32 e72, bool flags)
{
	__u64 r = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(spec_map); i++)
		if ((e70 & spec_map[i].edx70) || (e72 & spec_map[i].edx72))
			r |= flags ? spec_map[i].flag : spec_map[i].bits;
	return r;
}

/* The mode vtx must pick (src/spec_ctrl.c, vtx_spec_ctrl_plan()). */
static inline __u32 expected_mode(const struct vtx_capabilities *c, __u32 param,
				  __u32 mode, __u64 mask, __u64 valid)
{
	if (!c->spec_ctrl_supported || valid != c->spec_ctrl_supported)
		return M_INTERCEPT;
	if (mode == M_AUTO)
		mode = param;
	if (mode == M_AUTO && !mask)
		mode = M_PASSTHROUGH;
	else if (mode == M_AUTO)
		mode = c->flags & VTX_CAP_VIRT_SPEC_CTRL ? M_VIRTUALIZE :
							   M_INTERCEPT;
	return mode == M_PASSTHROUGH && mask ? M_INTERCEPT : mode;
}

/* What both fixtures hold: the host, and one VM running a program. */
struct env {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_capabilities caps;
	__u64 sup;		/* caps.spec_ctrl_supported */
	struct kvm_cpuid_entry2 cpuid[MAX_CPUID];	/* supported */
	int ncpuid;
	__u32 e70, e72;		/* its SPEC_CTRL bits of (7,0) and (7,2) EDX */
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
	struct vtx_prog prog;
	__u64 mask, forced;	/* the VM's policy */
};

static inline int __load_vtx(const char *mode)
{
	char param[64];

	snprintf(param, sizeof(param), "spec_ctrl=%s", mode);
	return __vtx_load_with(param);
}

/*
 * The emulated CPU models known to have "virtualize IA32_SPEC_CTRL"
 * (Bochs 3.0: IA32_VMX_PROCBASED_CTLS3 = 0x80): there a virtualize
 * variant must run, never skip.
 */
static inline bool model_has_virt_spec_ctrl(void)
{
	const char *model = getenv("VTX_CPU_MODEL");

	return model && (!strcmp(model, "sapphire_rapids") ||
			 !strcmp(model, "arrow_lake"));
}

/*
 * Does CPU 0's IA32_SPEC_CTRL take @v? Written through the msr driver,
 * then the old value back: 1 yes, 0 no (#GP), -1 no msr driver.
 */
static inline int host_msr_takes(__u64 v)
{
	__u64 old;
	int fd, r;

	fd = open("/dev/cpu/0/msr", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (pread(fd, &old, sizeof(old), MSR_SPEC_CTRL) != sizeof(old)) {
		close(fd);
		return -1;
	}
	r = pwrite(fd, &v, sizeof(v), MSR_SPEC_CTRL) == sizeof(v);
	if (pwrite(fd, &old, sizeof(old), MSR_SPEC_CTRL) != sizeof(old))
		r = -1;
	close(fd);
	return r;
}

/* Load vtx.ko with spec_ctrl=@param; read what the host offers. */
static inline void env_setup(struct env *e, const char *param)
{
	struct kvm_cpuid_entry2 *l;
	int r;

	e->dev = -1;
	e->vm.fd = -1;
	e->vm.dev = -1;
	e->vcpu.fd = -1;
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&e->kmsg);
	r = __load_vtx(param);
	VTX_ASSERT(!r, "load vtx.ko spec_ctrl=%s: %s", param, strerror(-r));
	e->dev = vtx_open(VTX_DEV_PATH);
	vtx_get_capabilities(e->dev, &e->caps);
	e->sup = e->caps.spec_ctrl_supported;
	VTX_ASSERT(!model_has_virt_spec_ctrl() ||
		   (e->caps.flags & VTX_CAP_VIRT_SPEC_CTRL),
		   "%s has virtualize IA32_SPEC_CTRL, vtx reports flags 0x%x",
		   getenv("VTX_CPU_MODEL"), e->caps.flags);
	e->ncpuid = vtx_get_supported_cpuid(e->dev, e->cpuid, MAX_CPUID);
	l = vtx_cpuid_find(e->cpuid, e->ncpuid, 7, 0);
	e->e70 = l ? l->edx & CPUID_70_SPEC : 0;
	l = vtx_cpuid_find(e->cpuid, e->ncpuid, 7, 2);
	e->e72 = l ? l->edx & CPUID_72_SPEC : 0;
}

/* Close the VM (safe if there is none), unload vtx, check the log. */
static inline void env_teardown(struct __test_metadata *_metadata, struct env *e)
{
	vtx_vcpu_close(&e->vcpu);
	vtx_vm_destroy(&e->vm);
	if (e->dev >= 0)
		close(e->dev);
	if (vtx_module_loaded("vtx"))
		EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&e->kmsg));
	vtx_kmsg_close(&e->kmsg);
}

/*
 * A VM with policy @p (NULL: the default) and vCPU 0 running
 * vtx_guest_msr_prog64; no CPUID set yet.
 */
static inline void guest_create(struct env *e, const struct vtx_spec_ctrl_policy *p)
{
	vtx_vm_create_default(&e->vm, VTX_DEV_PATH);
	if (p)
		vtx_set_spec_ctrl_policy(e->vm.fd, p);
	e->mask = p ? p->mask : 0;
	e->forced = p ? p->forced : 0;
	vtx_vcpu_create(&e->vm, 0, &e->vcpu);
	vtx_prog_setup(&e->vcpu, &e->prog);
}

/*
 * KVM_SET_CPUID2 of the supported table with the SPEC_CTRL bits of
 * CPUID.(7,0):EDX and (7,2):EDX replaced by @e70 and @e72.
 */
static inline void set_guest_cpuid(struct env *e, __u32 e70, __u32 e72)
{
	struct kvm_cpuid_entry2 t[MAX_CPUID], *l;
	int n = e->ncpuid;

	memcpy(t, e->cpuid, sizeof(t));
	l = vtx_cpuid_add(t, &n, MAX_CPUID, 7, 0);
	l->edx = (l->edx & ~CPUID_70_SPEC) | e70;
	l = e72 ? vtx_cpuid_add(t, &n, MAX_CPUID, 7, 2) :
		  vtx_cpuid_find(t, n, 7, 2);
	if (l)
		l->edx = (l->edx & ~CPUID_72_SPEC) | e72;
	vtx_vcpu_set_cpuid(&e->vcpu, t, n);
}

/* The guest's CPUID grants every SPEC_CTRL bit the host has. */
static inline void set_full_cpuid(struct env *e)
{
	set_guest_cpuid(e, e->e70, e->e72);
}

/* Program ops; each returns its index. */
static inline int wr_op(struct env *e, __u32 msr, __u64 value)
{
	return vtx_prog_add(&e->prog, VTX_PROG_WRMSR, msr, value);
}

static inline int rd_op(struct env *e)
{
	return vtx_prog_add(&e->prog, VTX_PROG_RDMSR, MSR_SPEC_CTRL, 0);
}

/* Run to the guest's next report, which must be of @kind. */
static inline __u64 next(struct __test_metadata *_metadata, struct env *e,
			 int kind, const char *what)
{
	struct vtx_prog_event ev;

	vtx_prog_next(&e->vcpu, &ev);
	ASSERT_EQ(kind, ev.kind)
		TH_LOG("%s: wanted report kind %d, got %s", what, kind,
		       ev.desc);
	if (kind == VTX_PROG_EV_GP)
		EXPECT_EQ(0U, ev.error) TH_LOG("%s: #GP error code", what);
	return ev.value;
}

/* The next report is a RDMSR of @want. */
static inline void expect_value(struct __test_metadata *_metadata, struct env *e,
				__u64 want, const char *what)
{
	EXPECT_EQ(want, next(_metadata, e, VTX_PROG_EV_VALUE, what))
		TH_LOG("%s: guest RDMSR", what);
}

/* The next report is #GP(0) at op @op. */
static inline void expect_gp(struct __test_metadata *_metadata, struct env *e,
			     int op, const char *what)
{
	EXPECT_EQ((__u64)op, next(_metadata, e, VTX_PROG_EV_GP, what))
		TH_LOG("%s: #GP at op", what);
}

static inline void expect_done(struct __test_metadata *_metadata, struct env *e)
{
	next(_metadata, e, VTX_PROG_EV_DONE, "end of program");
}

/*
 * The shadow is @v in VTX_GET_SPEC_CTRL_STATE and KVM_GET_MSRS, and the
 * effective value is @v with the masked bits forced. On a host with the
 * MSR, vtx reports as effective what the VM-exit MSR-store list last
 * stored: the value the CPU itself held in the guest, not vtx's own
 * computation (in virtualize mode no guest access ever reaches vtx).
 */
static inline void expect_shadow(struct __test_metadata *_metadata, struct env *e,
				 __u64 v, const char *what)
{
	struct vtx_spec_ctrl_state st;

	vtx_get_spec_ctrl_state(e->vcpu.fd, &st);
	EXPECT_EQ(v, st.shadow) TH_LOG("%s: shadow", what);
	EXPECT_EQ((e->forced & e->mask) | (v & ~e->mask), st.effective)
		TH_LOG("%s: effective", what);
	EXPECT_EQ(v, vtx_vcpu_get_msr(&e->vcpu, MSR_SPEC_CTRL))
		TH_LOG("%s: KVM_GET_MSRS", what);
}

static inline __u32 vcpu_mode(struct env *e, __u64 *valid)
{
	struct vtx_spec_ctrl_state st;

	vtx_get_spec_ctrl_state(e->vcpu.fd, &st);
	if (valid)
		*valid = st.valid;
	return st.mode;
}

#endif /* VTX_SPEC_CTRL_ENV_H */
