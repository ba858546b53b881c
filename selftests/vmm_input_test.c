// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile VMM input: the range and ABI edges a sandboxed VMM can reach
 * with plain ioctls, and that vtx refuses as KVM does.
 *
 *   - a memory slot that ends beyond what the 4-level EPT maps (2^48) or
 *     beyond the host's MAXPHYADDR is -EINVAL: its EPT entries would wrap
 *     onto the VM's low memory;
 *   - KVM_SET_CPUID2 after the first KVM_RUN is -EINVAL unless the table
 *     is the same;
 *   - EFER.NXE is reserved when the host kernel has no NX (emu-nonx boots
 *     with clearcpuid=nx), for KVM_SET_SREGS, KVM_SET_MSRS and the guest's
 *     WRMSR, and KVM_GET_SUPPORTED_CPUID does not offer NX.
 *
 * And what vtx_fuzz found (selftests/fuzz/guest.c):
 *   - an exception requeued after an exit during its delivery outlived
 *     KVM_SET_SREGS and KVM_SET_REGS: every later VM entry failed;
 *   - KVM_SET_SREGS judged a segment's limit by any non-zero g while the
 *     VMCS takes bit 0, so it accepted a state VM entry refuses;
 *   - an interrupt injected into an entry that then failed stayed in the
 *     VMCS: once user space cleared RFLAGS.IF, every entry failed;
 *   - KVM_SET_REGS clearing IF under an STI shadow, or KVM_SET_VCPU_EVENTS
 *     setting one with IF clear, made a state VM entry refuses;
 *   - an I/O or MMIO answer was completed after KVM_SET_SREGS had moved
 *     the guest elsewhere (another CS.base), into a state it did not
 *     belong to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define MSR_EFER		0xc0000080
#define CPUID_E1_EDX_NX		0x100000U
#define EPT_REACH		0x1000000000000ULL	/* 2^48 */
#define PAGE			4096ULL

/* What the kernel says: /proc/cpuinfo lists "nx" unless clearcpuid=nx. */
static bool host_kernel_has_nx(void)
{
	char line[4096];
	bool nx = false;
	FILE *f;

	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			nx = strstr(line, " nx ") || strstr(line, " nx\n");
			break;
		}
	fclose(f);
	return nx;
}

/*
 * guest_set_nxe (64-bit): EFER |= NXE, then "out %eax, $0x40" with EFER
 * read back, then HLT. Where NXE is reserved the WRMSR is #GP, which the
 * default handler reports as an OUT of 13 to VTX_PORT_EXCEPTION.
 */
VTX_GUEST_CODE(guest_set_nxe);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_set_nxe_start:\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $0x800, %eax\n"
	"	wrmsr\n"
	"	rdmsr\n"
	"	out %eax, $0x40\n"
	"	hlt\n"
	"guest_set_nxe_end:\n"
	".popsection\n");

/*
 * guest_touch (64-bit): read the byte at 0x20000, write it to port 0x41,
 * then HLT.
 */
VTX_GUEST_CODE(guest_touch);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_touch_start:\n"
	"	movzbl 0x20000, %eax\n"
	"	out %al, $0x41\n"
	"	hlt\n"
	"guest_touch_end:\n"
	".popsection\n");

FIXTURE(vmm_input) {
	struct vtx_kmsg kmsg;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(vmm_input)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(vmm_input)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/*
 * Slots must end at or below min(2^48, 2^MAXPHYADDR). One that does not
 * is -EINVAL, and the guest's own memory at the aliased low addresses
 * stays mapped and intact.
 */
TEST_F(vmm_input, slot_beyond_ept_reach_is_refused)
{
	unsigned int bits = vtx_host_phys_bits();
	__u64 limit = vtx_host_gpa_limit();
	int fd = self->vm.fd;
	unsigned char *data;
	void *mem;

	TH_LOG("host MAXPHYADDR %u: slots end at or below 0x%llx", bits,
	       (unsigned long long)limit);
	mem = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	data = vtx_vm_hva(&self->vm, VTX_DATA_GPA);
	*data = 0x5a;

	/* The last page below the limit is fine, and can be deleted. */
	EXPECT_EQ(0, __vtx_set_memory_region(fd, 1, 0, limit - PAGE, PAGE,
					     (unsigned long)mem));
	EXPECT_EQ(0, __vtx_set_memory_region(fd, 1, 0, limit - PAGE, 0, 0));
	/* Across the limit, at it, and 2^48 above slot 0 (its EPT alias). */
	EXPECT_EQ(-EINVAL, __vtx_set_memory_region(fd, 1, 0, limit - PAGE,
						   2 * PAGE,
						   (unsigned long)mem));
	EXPECT_EQ(-EINVAL, __vtx_set_memory_region(fd, 1, 0, limit, PAGE,
						   (unsigned long)mem));
	EXPECT_EQ(-EINVAL, __vtx_set_memory_region(fd, 2, 0,
						   EPT_REACH + VTX_DATA_GPA,
						   PAGE, (unsigned long)mem));
	EXPECT_EQ(-EINVAL, __vtx_set_memory_region(fd, 3, 0, 1ULL << 63,
						   PAGE, (unsigned long)mem));
	if (bits < 48) {
		EXPECT_EQ(-EINVAL,
			  __vtx_set_memory_region(fd, 4, 0,
						  EPT_REACH - 2 * PAGE, PAGE,
						  (unsigned long)mem));
	} else {
		TH_LOG("MAXPHYADDR 48 or more: only the EPT's reach bounds");
	}

	/* Slot 0's page at the aliased address is still the guest's. */
	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_touch_start,
		    guest_touch_end);
	vtx_vcpu_setup_long_mode(&self->vcpu, VTX_CODE_GPA);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_io_out(self->vcpu.run, 0x41, 1, 0x5a);
	vtx_vcpu_run(&self->vcpu);
	vtx_assert_exit(self->vcpu.run, KVM_EXIT_HLT);
	munmap(mem, 2 * PAGE);
}

static int supported_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	int dev = vtx_open(VTX_DEV_PATH);
	int n = vtx_get_supported_cpuid(dev, e, max);

	close(dev);
	return n;
}

/*
 * KVM 6.1: after the first KVM_RUN, KVM_SET_CPUID2 takes only the table
 * the vCPU already has; anything else is -EINVAL and changes nothing.
 */
TEST_F(vmm_input, cpuid_is_fixed_after_first_run)
{
	struct kvm_cpuid_entry2 e[64], got[64];
	struct kvm_cpuid_entry2 *leaf1;
	struct vtx_vcpu *vcpu = &self->vcpu;
	int n, i;

	n = supported_cpuid(e, 64);
	ASSERT_GT(n, 1);
	leaf1 = vtx_cpuid_find(e, n, 1, 0);
	ASSERT_NE(NULL, leaf1);

	/* Before the first run the table may change at will. */
	EXPECT_EQ(0, __vtx_vcpu_set_cpuid(vcpu, e, n - 1));
	EXPECT_EQ(0, __vtx_vcpu_set_cpuid(vcpu, e, n));

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_touch_start,
		    guest_touch_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_run(vcpu);
	vtx_assert_io_out(vcpu->run, 0x41, 1, 0);

	EXPECT_EQ(0, __vtx_vcpu_set_cpuid(vcpu, e, n));
	EXPECT_EQ(-EINVAL, __vtx_vcpu_set_cpuid(vcpu, e, n - 1));
	EXPECT_EQ(-EINVAL, __vtx_vcpu_set_cpuid(vcpu, e, 0));
	leaf1->ecx ^= 1U << 0;	/* SSE3 */
	EXPECT_EQ(-EINVAL, __vtx_vcpu_set_cpuid(vcpu, e, n));
	leaf1->ecx ^= 1U << 0;
	leaf1->flags ^= KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	EXPECT_EQ(-EINVAL, __vtx_vcpu_set_cpuid(vcpu, e, n));
	leaf1->flags ^= KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

	/* The table is the one set before the run, entry for entry. */
	{
		struct {
			struct kvm_cpuid2 hdr;
			struct kvm_cpuid_entry2 e[64];
		} c = { .hdr.nent = 64 };

		ASSERT_EQ(0, __vtx_ioctl(vcpu->fd, KVM_GET_CPUID2, &c));
		ASSERT_EQ(n, (int)c.hdr.nent);
		memcpy(got, c.e, n * sizeof(*got));
	}
	for (i = 0; i < n; i++) {
		EXPECT_EQ(e[i].function, got[i].function);
		EXPECT_EQ(e[i].ecx, got[i].ecx);
		EXPECT_EQ(e[i].flags, got[i].flags);
	}
	vtx_vcpu_run(vcpu);
	vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
}

/*
 * With host NX, EFER.NXE is the guest's to set; without it (clearcpuid=nx)
 * it is reserved for KVM_SET_SREGS, KVM_SET_MSRS and the guest's WRMSR,
 * and KVM_GET_SUPPORTED_CPUID clears NX.
 */
TEST_F(vmm_input, efer_nxe_follows_host_nx)
{
	bool nx = host_kernel_has_nx();
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_cpuid_entry2 e[64], *ext;
	struct kvm_sregs sregs;
	int n;

	TH_LOG("host kernel NX: %s", nx ? "yes" : "no (clearcpuid=nx)");
	n = supported_cpuid(e, 64);
	ext = vtx_cpuid_find(e, n, 0x80000001, 0);
	ASSERT_NE(NULL, ext);
	EXPECT_EQ(nx, !!(ext->edx & CPUID_E1_EDX_NX));

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_set_nxe_start,
		    guest_set_nxe_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_sregs(vcpu, &sregs);
	sregs.efer |= VTX_EFER_NXE;
	EXPECT_EQ(nx ? 0 : -EINVAL, __vtx_vcpu_set_sregs(vcpu, &sregs));
	EXPECT_EQ(nx ? 1 : 0,
		  __vtx_vcpu_set_msr(vcpu, MSR_EFER,
				     VTX_EFER_LME | VTX_EFER_LMA |
				     VTX_EFER_NXE));
	vtx_vcpu_set_msr(vcpu, MSR_EFER, VTX_EFER_LME | VTX_EFER_LMA);

	vtx_vcpu_run(vcpu);
	if (nx) {
		vtx_assert_io_out(vcpu->run, 0x40, 4,
				  VTX_EFER_LME | VTX_EFER_LMA | VTX_EFER_NXE);
		vtx_vcpu_run(vcpu);
		vtx_assert_exit(vcpu->run, KVM_EXIT_HLT);
	} else {
		vtx_assert_io_out(vcpu->run, VTX_PORT_EXCEPTION, 4, 13);
		EXPECT_EQ(VTX_EFER_LME | VTX_EFER_LMA,
			  vtx_vcpu_get_msr(vcpu, MSR_EFER));
	}
}

static void flat32(struct kvm_segment *s, __u16 sel, __u8 type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

/*
 * A #GP whose delivery needs an IDT that no slot holds exits with a
 * memory fault while the exception is half delivered; vtx requeues it
 * for the next entry. Loading a real-mode state instead must drop it:
 * an error code cannot be delivered in real mode, and before the fix
 * every KVM_RUN from then on failed VM entry (VMfail 7).
 */
TEST_F(vmm_input, set_state_drops_a_half_delivered_exception)
{
	/* mov $0x1234, %ax; mov %ax, %ds: #GP(0x1230); hlt */
	static const unsigned char code[] = {
		0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8, 0xf4 };
	static const unsigned char hlt[] = { 0xf4 };
	struct kvm_regs regs = { .rip = VTX_CODE_GPA, .rsp = 0x8000,
				 .rflags = 2 };
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_sregs s, reset;
	char buf[160];
	int i;

	vtx_vcpu_get_sregs(vcpu, &reset);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_sregs(vcpu, &s);
	flat32(&s.cs, 0x08, 11);
	flat32(&s.ds, 0x10, 3);
	s.es = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	s.ss = s.ds;
	s.cr0 = VTX_CR0_PE | VTX_CR0_ET | VTX_CR0_NE;
	s.cr4 = 0;
	s.efer = 0;
	s.idt.base = 0x10000000;	/* in no slot */
	s.idt.limit = 0x7ff;
	vtx_vcpu_set_sregs(vcpu, &s);
	vtx_vcpu_set_regs(vcpu, &regs);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, code, code + sizeof(code));
	ASSERT_EQ(0, __vtx_vcpu_run(vcpu));
	vtx_assert_exit(vcpu->run, KVM_EXIT_MEMORY_FAULT);

	reset.cs.selector = 0;
	reset.cs.base = 0;
	vtx_vcpu_set_sregs(vcpu, &reset);
	vtx_vcpu_set_regs(vcpu, &regs);
	vtx_vm_load(&self->vm, VTX_CODE_GPA, hlt, hlt + 1);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, __vtx_vcpu_run(vcpu));
		EXPECT_EQ((__u32)KVM_EXIT_HLT, vcpu->run->exit_reason)
			TH_LOG("run %d: %s", i, vtx_describe_exit(vcpu->run, buf,
								  sizeof(buf)));
		regs.rip = VTX_CODE_GPA;
		vtx_vcpu_set_regs(vcpu, &regs);
	}
}

/*
 * The segment bits of struct kvm_segment are bytes; the VMCS takes bit 0.
 * g = 2 with a 4 GiB limit is G = 0 with a limit above 1 MiB: refused,
 * where it used to be accepted and fail VM entry. g = 3 is G = 1 and
 * reads back as 1.
 */
TEST_F(vmm_input, segment_bits_count_bit_0_only)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_sregs s, got;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_touch_start,
		    guest_touch_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_sregs(vcpu, &s);
	s.ds.limit = 0xffffffff;
	s.ds.g = 2;
	EXPECT_EQ(-EINVAL, __vtx_vcpu_set_sregs(vcpu, &s));
	s.ds.g = 3;
	EXPECT_EQ(0, __vtx_vcpu_set_sregs(vcpu, &s));
	vtx_vcpu_get_sregs(vcpu, &got);
	EXPECT_EQ(1, got.ds.g);
	EXPECT_EQ(0xffffffffU, got.ds.limit);
	EXPECT_EQ(0, __vtx_vcpu_set_sregs(vcpu, &got));
	vtx_vcpu_run(vcpu);
	vtx_assert_io_out(vcpu->run, 0x41, 1, 0);
}

/*
 * guest_sti (64-bit): hlt; sti; nop; hlt. The interrupt comes after the
 * STI's shadow, to the default handler: an OUT of its vector.
 */
VTX_GUEST_CODE(guest_sti);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sti_start:\n"
	"	hlt\n"
	"	sti\n"
	"	nop\n"
	"	hlt\n"
	"guest_sti_end:\n"
	".popsection\n");

#define IRQ_VECTOR		0x41
#define RFLAGS_IF		0x200ULL
#define RFLAGS_VM		0x20000ULL

/*
 * VM entry fails for a state user space gave (RFLAGS.VM in 64-bit mode)
 * after vtx put a queued interrupt in the VMCS; a failed entry does not
 * clear it. User space then loads a state with IF clear: the interrupt
 * must wait in the queue, not fail every later entry ("interrupts
 * blocked when injecting external interrupt"), and reach the guest's
 * handler, once, when the guest sets IF.
 */
TEST_F(vmm_input, failed_entry_gives_back_its_interrupt)
{
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;
	char buf[160];

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_sti_start, guest_sti_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rflags = 2 | RFLAGS_IF | RFLAGS_VM;
	vtx_vcpu_set_regs(vcpu, &regs);
	ASSERT_EQ(0, __vtx_ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	ASSERT_EQ(0, __vtx_vcpu_run(vcpu));
	ASSERT_EQ((__u32)KVM_EXIT_FAIL_ENTRY, vcpu->run->exit_reason)
		TH_LOG("%s", vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(0, vcpu->run->ready_for_interrupt_injection);

	/* IF clear: the guest halts with the interrupt still queued. */
	regs.rflags = 2;
	regs.rip = VTX_CODE_GPA;
	vtx_vcpu_set_regs(vcpu, &regs);
	ASSERT_EQ(0, __vtx_vcpu_run(vcpu));
	ASSERT_EQ((__u32)KVM_EXIT_HLT, vcpu->run->exit_reason)
		TH_LOG("%s", vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
	EXPECT_EQ(0, vcpu->run->if_flag);
	EXPECT_EQ(0, vcpu->run->ready_for_interrupt_injection);
	ASSERT_EQ(0, __vtx_ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.interrupt.injected);
	EXPECT_EQ(IRQ_VECTOR, ev.interrupt.nr);

	/* STI: delivered after the shadow, to its own vector. */
	vtx_vcpu_run(vcpu);
	vtx_assert_io_out(vcpu->run, VTX_PORT_EXCEPTION, 4, IRQ_VECTOR);
	ASSERT_EQ(0, __vtx_ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.interrupt.injected);
}

static int set_dump_invalid_vmcs(const char *value)
{
	FILE *f = fopen("/sys/module/vtx/parameters/dump_invalid_vmcs", "w");
	int r;

	if (!f)
		return -errno;
	r = fputs(value, f) < 0 ? -EIO : 0;
	return fclose(f) ? -errno : r;
}

/*
 * dump_invalid_vmcs: off by default, a failed VM entry logs nothing; on,
 * it logs the guest state VM entry checked (here RFLAGS.VM in 64-bit
 * mode), and a burst of failures is rate-limited.
 */
TEST_F(vmm_input, failed_entry_dump_is_opt_in)
{
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_regs regs;
	const char *log;
	int i;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_sti_start, guest_sti_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rflags = 2 | RFLAGS_VM;
	vtx_vcpu_set_regs(vcpu, &regs);
	ASSERT_EQ(0, __vtx_vcpu_run(vcpu));
	ASSERT_EQ((__u32)KVM_EXIT_FAIL_ENTRY, vcpu->run->exit_reason);
	log = vtx_kmsg_read(&self->kmsg);
	EXPECT_EQ(NULL, strstr(log, "VM entry failed")) TH_LOG("%s", log);

	ASSERT_EQ(0, set_dump_invalid_vmcs("1"));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, __vtx_vcpu_run(vcpu));
		ASSERT_EQ((__u32)KVM_EXIT_FAIL_ENTRY, vcpu->run->exit_reason);
	}
	ASSERT_EQ(0, set_dump_invalid_vmcs("0"));
	log = vtx_kmsg_read(&self->kmsg);
	EXPECT_NE(NULL, strstr(log, "vcpu 0: VM entry failed (0x80000021"))
		TH_LOG("%s", log);
	EXPECT_NE(NULL, strstr(log, "rflags 0x20002"));
	EXPECT_NE(NULL, strstr(log, "CS   sel 0x0008"));
	/* Two per five seconds: ten failures in a row do not give ten. */
	i = 0;
	while ((log = strstr(log, "VM entry failed (0x80000021")) && ++log)
		i++;
	EXPECT_LE(1, i);
	EXPECT_GE(2, i);
}

static __u8 shadow_of(struct vtx_vcpu *vcpu)
{
	struct kvm_vcpu_events ev;

	if (__vtx_ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev))
		return 0xff;
	return ev.interrupt.shadow;
}

/*
 * An STI shadow exists only with RFLAGS.IF set: KVM_SET_REGS that clears
 * IF drops it, and KVM_SET_VCPU_EVENTS does not set it with IF clear. The
 * guest then runs instead of failing entry; a MOV SS shadow stays.
 */
TEST_F(vmm_input, sti_shadow_needs_if)
{
	struct kvm_vcpu_events ev = { .flags = KVM_VCPUEVENT_VALID_SHADOW };
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_regs regs;
	char buf[160];
	int i;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_sti_start, guest_sti_end);
	vtx_vcpu_setup_long_mode(vcpu, VTX_CODE_GPA);
	vtx_vcpu_get_regs(vcpu, &regs);
	regs.rflags = 2 | RFLAGS_IF;
	vtx_vcpu_set_regs(vcpu, &regs);
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	ASSERT_EQ(0, __vtx_ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(KVM_X86_SHADOW_INT_STI, shadow_of(vcpu));

	for (i = 0; i < 2; i++) {
		if (i == 0) {
			/* IF cleared under the shadow */
			regs.rflags = 2;
			vtx_vcpu_set_regs(vcpu, &regs);
		} else {
			/* a shadow asked for with IF clear */
			ASSERT_EQ(0, __vtx_ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS,
						 &ev));
		}
		EXPECT_EQ(0, shadow_of(vcpu)) TH_LOG("case %d", i);
		ASSERT_EQ(0, __vtx_vcpu_run(vcpu));
		EXPECT_EQ((__u32)KVM_EXIT_HLT, vcpu->run->exit_reason)
			TH_LOG("case %d: %s", i,
			       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
		vtx_vcpu_set_regs(vcpu, &regs);
	}

	ev.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	ASSERT_EQ(0, __vtx_ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(KVM_X86_SHADOW_INT_MOV_SS, shadow_of(vcpu));
}

/*
 * An IN, or an MMIO load, gets its answer; then KVM_SET_SREGS moves CS.base
 * by 0x10 with the same RIP. The next KVM_RUN must forget the access, as
 * KVM does when the linear RIP changed: no AL from the answer, no RIP
 * step. The guest runs the OUT of AL at the new place.
 */
TEST_F(vmm_input, set_sregs_elsewhere_forgets_the_answer)
{
	/*
	 * +0x00: in $0x41, %al (e4 41) or mov 0x0000, %al (a0 00 00) with
	 * DS outside every slot; +0x10: out %al, $0x43; +0x12: hlt.
	 */
	static const unsigned char in[] = { 0xe4, 0x41, 0xf4 };
	static const unsigned char load[] = { 0xa0, 0x00, 0x00, 0xf4 };
	static const unsigned char out[] = { 0xe6, 0x43, 0xf4 };
	struct kvm_regs regs = { .rax = 0x11, .rip = VTX_CODE_GPA,
				 .rsp = VTX_REAL_STACK, .rflags = 2 };
	struct vtx_vcpu *vcpu = &self->vcpu;
	struct kvm_sregs s, moved;
	char buf[160];
	int i;

	vtx_vcpu_get_sregs(vcpu, &s);
	s.cs.selector = 0;
	s.cs.base = 0;
	s.ds.base = 0x10000000;		/* in no slot */
	vtx_vm_load(&self->vm, VTX_CODE_GPA + 0x10, out, out + sizeof(out));
	for (i = 0; i < 2; i++) {
		if (i == 0)
			vtx_vm_load(&self->vm, VTX_CODE_GPA, in, in + sizeof(in));
		else
			vtx_vm_load(&self->vm, VTX_CODE_GPA, load,
				    load + sizeof(load));
		vtx_vcpu_set_sregs(vcpu, &s);
		vtx_vcpu_set_regs(vcpu, &regs);
		vtx_vcpu_run(vcpu);
		if (i == 0) {
			vtx_answer_io_in(vcpu->run, 0x41, 1, 0x5a);
		} else {
			ASSERT_EQ((__u32)KVM_EXIT_MMIO, vcpu->run->exit_reason)
				TH_LOG("%s", vtx_describe_exit(vcpu->run, buf,
							       sizeof(buf)));
			vcpu->run->mmio.data[0] = 0x5a;
		}
		moved = s;
		moved.cs.base = 0x10;
		vtx_vcpu_set_sregs(vcpu, &moved);
		vtx_vcpu_run(vcpu);
		EXPECT_EQ((__u32)KVM_EXIT_IO, vcpu->run->exit_reason)
			TH_LOG("case %d: %s", i,
			       vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
		if (vcpu->run->exit_reason == KVM_EXIT_IO)
			vtx_assert_io_out(vcpu->run, 0x43, 1, 0x11);
	}
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
