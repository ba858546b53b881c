/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_memory_env.h: what the guest-memory tests share
 * (guest_memory_test.c, guest_memory_race_test.c, guest_memory_thp_test.c):
 * the test slot, the guest's read, write, touch, fetch and poll entry
 * points, the fixture "guest_memory" (vtx loaded, a long-mode VM with one
 * vCPU, the user mappings a test makes, unmapped at teardown), and the
 * checks of the two memory-fault forms. Included by exactly one test
 * file per binary.
 */
#ifndef VTX_GUEST_MEMORY_ENV_H
#define VTX_GUEST_MEMORY_ENV_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define PAGE		0x1000ULL
#define SZ_2M		0x200000ULL
#define TEST_GPA	0x40000000ULL	/* 1 GiB: 2 MiB-aligned */
#define TEST_SLOT	1
#define PORT_VAL	0x10
#define PORT_DONE	0x11
#define PORT_EXEC	0x12
#define DONE		0xd0e
#define EXEC_VALUE	0x77
#define VMX_EPT_2MB	0x10000ULL	/* IA32_VMX_EPT_VPID_CAP[16] */
#define MAX_MAPS	8

/* Two 2 MiB ranges and a page, from a 2 MiB-aligned GPA and address. */
#define HUGE_SIZE	(2 * SZ_2M + PAGE)

/* Pages the guest touches in each slot of the scaling test. */
#define TOUCHED		256

/*
 * guest_gm: entry points, each ending in an OUT and a HLT (poll loops).
 *	read:  OUT the dword at RDI to PORT_VAL
 *	write: store RSI (8 bytes) at RDI, OUT DONE to PORT_DONE
 *	touch: RSI times: store RSI at RDI, RDI += RDX, RSI -= 1; OUT DONE
 *	fetch: jump to RDI
 *	poll:  for ever: OUT the dword at RDI to PORT_VAL
 */
VTX_GUEST_CODE(guest_gm);
VTX_GUEST_LABEL(guest_gm_read);
VTX_GUEST_LABEL(guest_gm_write);
VTX_GUEST_LABEL(guest_gm_touch);
VTX_GUEST_LABEL(guest_gm_fetch);
VTX_GUEST_LABEL(guest_gm_poll);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_gm_start:\n"
	".code64\n"
	"guest_gm_read:\n"
	"	mov (%rdi), %eax\n"
	"	out %eax, $0x10\n"
	"	hlt\n"
	"guest_gm_write:\n"
	"	mov %rsi, (%rdi)\n"
	"	mov $0xd0e, %eax\n"
	"	out %eax, $0x11\n"
	"	hlt\n"
	"guest_gm_touch:\n"
	"	test %rsi, %rsi\n"
	"	jz 2f\n"
	"1:	mov %rsi, (%rdi)\n"
	"	add %rdx, %rdi\n"
	"	dec %rsi\n"
	"	jnz 1b\n"
	"2:	mov $0xd0e, %eax\n"
	"	out %eax, $0x11\n"
	"	hlt\n"
	"guest_gm_fetch:\n"
	"	jmp *%rdi\n"
	"guest_gm_poll:\n"
	"3:	mov (%rdi), %eax\n"
	"	out %eax, $0x10\n"
	"	jmp 3b\n"
	"guest_gm_end:\n"
	".popsection\n");

#define GM_GPA(label) VTX_GUEST_LABEL_GPA(VTX_CODE_GPA, guest_gm, label)

/* mov $EXEC_VALUE, %eax; out %eax, $PORT_EXEC; hlt: code for any page */
static const unsigned char exec_code[] = {
	0xb8, EXEC_VALUE, 0, 0, 0, 0xe7, PORT_EXEC, 0xf4,
};

/* A test's own mappings, which the teardown unmaps. */
struct maps {
	struct {
		void *p;
		size_t len;
	} m[MAX_MAPS];
};

FIXTURE(guest_memory) {
	struct vtx_kmsg kmsg;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
	struct maps maps;
	int fd;			/* a memfd, or -1 */
};

FIXTURE_SETUP(guest_memory)
{
	memset(&self->maps, 0, sizeof(self->maps));
	self->fd = -1;
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_gm_start, guest_gm_end);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
}

FIXTURE_TEARDOWN(guest_memory)
{
	int i;

	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	for (i = 0; i < MAX_MAPS; i++)
		if (self->maps.m[i].p)
			munmap(self->maps.m[i].p, self->maps.m[i].len);
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* mmap (at @addr with MAP_FIXED, if not NULL); the teardown unmaps it. */
static inline char *map(struct maps *maps, void *addr, size_t len, int prot,
			int flags, int fd)
{
	void *p;
	int i;

	p = mmap(addr, len, prot, flags | (addr ? MAP_FIXED : 0), fd, 0);
	VTX_ASSERT(p != MAP_FAILED && (!addr || p == addr),
		   "mmap of %zu bytes: %s", len, strerror(errno));
	for (i = 0; i < MAX_MAPS && maps->m[i].p; i++)
		;
	VTX_ASSERT(i < MAX_MAPS, "more than %d mappings", MAX_MAPS);
	maps->m[i].p = p;
	maps->m[i].len = len;
	return p;
}

/* munmap all of a mapping of map(). */
static inline void unmap(struct maps *maps, void *p)
{
	int i;

	for (i = 0; i < MAX_MAPS && maps->m[i].p != p; i++)
		;
	VTX_ASSERT(i < MAX_MAPS, "%p is no mapping of map()", p);
	VTX_ASSERT(!munmap(p, maps->m[i].len), "munmap: %s", strerror(errno));
	maps->m[i].p = NULL;
}

static inline int set_slot(struct vtx_vm *vm, __u32 slot, __u32 flags,
			   __u64 gpa, __u64 size, const void *hva)
{
	return __vtx_set_memory_region(vm->fd, slot, flags, gpa, size,
				       (unsigned long)hva);
}

static inline void enter(struct vtx_vcpu *vcpu, __u64 rip, __u64 rdi, __u64 rsi,
			 __u64 rdx)
{
	struct kvm_regs regs;

	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rip = rip;
	regs.rdi = rdi;
	regs.rsi = rsi;
	regs.rdx = rdx;
	vtx_vcpu_set_regs(vcpu, &regs);
}

/* Enter at @rip and run once: KVM_RUN's result, 0 or -errno. */
static inline int try_run(struct vtx_vcpu *vcpu, __u64 rip, __u64 rdi, __u64 rsi)
{
	enter(vcpu, rip, rdi, rsi, 0);
	return __vtx_vcpu_run(vcpu);
}

/* Run to a 4-byte OUT to @port, then to the HLT: the OUT's value. */
static inline __u32 out_then_hlt(struct vtx_vcpu *vcpu, __u16 port)
{
	__u32 v = vtx_vcpu_run_out(vcpu, port, 4);

	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	return v;
}

/* The dword the guest reads at @gpa. */
static inline __u32 guest_read(struct vtx_vcpu *vcpu, __u64 gpa)
{
	enter(vcpu, GM_GPA(guest_gm_read), gpa, 0, 0);
	return out_then_hlt(vcpu, PORT_VAL);
}

/* The guest stores the 8 bytes of @value at @gpa. */
static inline void guest_write(struct vtx_vcpu *vcpu, __u64 gpa, __u64 value)
{
	enter(vcpu, GM_GPA(guest_gm_write), gpa, value, 0);
	VTX_ASSERT(out_then_hlt(vcpu, PORT_DONE) == DONE, "write at 0x%llx",
		   (unsigned long long)gpa);
}

/* The guest stores @n, @n - 1, ..., 1 at @gpa, @gpa + @stride, ... */
static inline void guest_touch(struct vtx_vcpu *vcpu, __u64 gpa, __u64 n,
			       __u64 stride)
{
	enter(vcpu, GM_GPA(guest_gm_touch), gpa, n, stride);
	VTX_ASSERT(out_then_hlt(vcpu, PORT_DONE) == DONE, "touch at 0x%llx",
		   (unsigned long long)gpa);
}

/* The guest jumps to @gpa, where exec_code must report EXEC_VALUE. */
static inline __u32 guest_exec(struct vtx_vcpu *vcpu, __u64 gpa)
{
	enter(vcpu, GM_GPA(guest_gm_fetch), gpa, 0, 0);
	return out_then_hlt(vcpu, PORT_EXEC);
}

/*
 * KVM_RUN's result @r for a guest write at @gpa in a read-only slot: 0,
 * and KVM_EXIT_MMIO, as in KVM: an 8-byte write at the exact address.
 */
static inline void assert_readonly_exit(struct __test_metadata *_metadata,
					struct vtx_vcpu *vcpu, int r, __u64 gpa)
{
	char buf[160];

	ASSERT_EQ(0, r) TH_LOG("KVM_RUN: %d, %s", r,
			       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	ASSERT_EQ((__u32)KVM_EXIT_MMIO, vcpu->run->exit_reason)
		TH_LOG("%s", vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(gpa, vcpu->run->mmio.phys_addr);
	EXPECT_EQ(1, vcpu->run->mmio.is_write);
	EXPECT_EQ(8U, vcpu->run->mmio.len);
}

static inline __u64 rip_of(struct vtx_vcpu *vcpu)
{
	struct kvm_regs regs;

	vtx_vcpu_get_regs(vcpu, &regs);
	return regs.rip;
}

/* How many of the pages of [p, p + len) are resident (mincore). */
static inline long resident_pages(const void *p, size_t len)
{
	size_t n = len / PAGE, i;
	unsigned char *vec = malloc(n);
	long count = 0;

	VTX_ASSERT(vec, "out of memory");
	VTX_ASSERT(!mincore((void *)p, len, vec), "mincore: %s",
		   strerror(errno));
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

static inline double ms(__u64 ns)
{
	return ns / 1e6;
}

#endif /* VTX_GUEST_MEMORY_ENV_H */
