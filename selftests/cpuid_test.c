// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID in the guest is answered from the table set with KVM_SET_CPUID2;
 * a leaf the table does not have reads as zeros. KVM_GET_SUPPORTED_CPUID
 * works on the system fd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_test.h"

#define PORT_LEAF	0x30
#define PORT_RESULT	0x31

/*
 * guest_cpuid (real mode): for ever, read a leaf from port 0x30 (4-byte
 * IN), run CPUID with ECX = 0 and write EAX, EBX, ECX, EDX to port 0x31
 * (four 4-byte OUTs). The 32-bit forms carry an operand-size prefix.
 */
VTX_GUEST_CODE(guest_cpuid);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_cpuid_start:\n"
	".code16\n"
	"1:	in $0x30, %eax\n"
	"	xor %ecx, %ecx\n"
	"	cpuid\n"
	"	out %eax, $0x31\n"
	"	mov %ebx, %eax\n"
	"	out %eax, $0x31\n"
	"	mov %ecx, %eax\n"
	"	out %eax, $0x31\n"
	"	mov %edx, %eax\n"
	"	out %eax, $0x31\n"
	"	jmp 1b\n"
	".code64\n"
	"guest_cpuid_end:\n"
	".popsection\n");

FIXTURE(cpuid) {
	struct vtx_kmsg kmsg;
	int dev;
	struct vtx_vm vm;
	struct vtx_vcpu vcpu;
};

FIXTURE_SETUP(cpuid)
{
	vtx_unload_if_loaded();
	vtx_kmsg_mark(&self->kmsg);
	vtx_load();
	self->dev = vtx_open(VTX_DEV_PATH);
	vtx_vm_create_default(&self->vm, VTX_DEV_PATH);
	vtx_vcpu_create(&self->vm, 0, &self->vcpu);
}

FIXTURE_TEARDOWN(cpuid)
{
	vtx_vcpu_close(&self->vcpu);
	vtx_vm_destroy(&self->vm);
	close(self->dev);
	EXPECT_EQ(0, __vtx_module_unload("vtx"));
	EXPECT_EQ(0, vtx_kmsg_count_bad(&self->kmsg));
	vtx_kmsg_close(&self->kmsg);
}

/* Have the guest run CPUID @leaf; check the four registers it reports. */
static void expect_leaf(struct __test_metadata *_metadata,
			struct vtx_vcpu *vcpu, __u32 leaf, __u32 eax,
			__u32 ebx, __u32 ecx, __u32 edx)
{
	vtx_vcpu_run_in(vcpu, PORT_LEAF, 4, leaf);
	EXPECT_EQ(eax, vtx_vcpu_run_out(vcpu, PORT_RESULT, 4))
		TH_LOG("leaf 0x%x eax", leaf);
	EXPECT_EQ(ebx, vtx_vcpu_run_out(vcpu, PORT_RESULT, 4))
		TH_LOG("leaf 0x%x ebx", leaf);
	EXPECT_EQ(ecx, vtx_vcpu_run_out(vcpu, PORT_RESULT, 4))
		TH_LOG("leaf 0x%x ecx", leaf);
	EXPECT_EQ(edx, vtx_vcpu_run_out(vcpu, PORT_RESULT, 4))
		TH_LOG("leaf 0x%x edx", leaf);
}

TEST_F_TIMEOUT(cpuid, answered_from_the_table, 300)
{
	/* A first table that the second one replaces, not extends. */
	static const struct kvm_cpuid_entry2 decoy[] = {
		{ .function = 0x40000000, .eax = 1, .ebx = 2, .ecx = 3,
		  .edx = 4 },
		{ .function = 0x40000002, .eax = 5, .ebx = 6, .ecx = 7,
		  .edx = 8 },
	};
	static const struct kvm_cpuid_entry2 table[] = {
		{ .function = 0x40000000, .eax = 0x40000001,
		  .ebx = 0x56545856, .ecx = 0x7ab1e000, .edx = 0xc0ffee11 },
		{ .function = 0x40000001, .eax = 0xa5a5a5a5,
		  .ebx = 0x5a5a5a5a, .ecx = 0x01234567, .edx = 0x89abcdef },
	};
	struct kvm_cpuid2 *cpuid;

	vtx_vm_load(&self->vm, VTX_CODE_GPA, guest_cpuid_start,
		    guest_cpuid_end);
	vtx_vcpu_setup_real_mode(&self->vcpu, VTX_CODE_GPA);
	vtx_vcpu_set_cpuid(&self->vcpu, decoy, ARRAY_SIZE(decoy));
	vtx_vcpu_set_cpuid(&self->vcpu, table, ARRAY_SIZE(table));

	/* KVM_GET_CPUID2 gives back the table as set. */
	cpuid = calloc(1, sizeof(*cpuid) + 4 * sizeof(table[0]));
	ASSERT_NE(NULL, cpuid);
	cpuid->nent = 1;
	EXPECT_EQ(-E2BIG, __vtx_ioctl(self->vcpu.fd, KVM_GET_CPUID2, cpuid));
	cpuid->nent = 4;
	EXPECT_EQ(0, __vtx_ioctl(self->vcpu.fd, KVM_GET_CPUID2, cpuid));
	EXPECT_EQ(ARRAY_SIZE(table), cpuid->nent);
	EXPECT_EQ(0, memcmp(table, cpuid->entries, sizeof(table)));
	free(cpuid);

	expect_leaf(_metadata, &self->vcpu, 0x40000000, 0x40000001,
		    0x56545856, 0x7ab1e000, 0xc0ffee11);
	expect_leaf(_metadata, &self->vcpu, 0x40000001, 0xa5a5a5a5,
		    0x5a5a5a5a, 0x01234567, 0x89abcdef);
	/* Absent: in the decoy table only, and in no table at all. */
	expect_leaf(_metadata, &self->vcpu, 0x40000002, 0, 0, 0, 0);
	expect_leaf(_metadata, &self->vcpu, 0x8fffffff, 0, 0, 0, 0);
	/* Asking again gives the same answer. */
	expect_leaf(_metadata, &self->vcpu, 0x40000000, 0x40000001,
		    0x56545856, 0x7ab1e000, 0xc0ffee11);
}

TEST_F_TIMEOUT(cpuid, supported_cpuid_on_system_fd, 300)
{
	enum { MAX = 256 };
	struct kvm_cpuid2 *cpuid;
	__u32 i;
	bool leaf0 = false;

	cpuid = calloc(1, sizeof(*cpuid) +
		       MAX * sizeof(struct kvm_cpuid_entry2));
	ASSERT_NE(NULL, cpuid);
	cpuid->nent = MAX;
	ASSERT_EQ(0, __vtx_ioctl(self->dev, KVM_GET_SUPPORTED_CPUID, cpuid));
	EXPECT_LT(0U, cpuid->nent);
	EXPECT_GE((__u32)MAX, cpuid->nent);
	for (i = 0; i < cpuid->nent && i < MAX; i++)
		if (cpuid->entries[i].function == 0)
			leaf0 = true;
	EXPECT_TRUE(leaf0);
	free(cpuid);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
