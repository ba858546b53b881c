// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O (INS/OUTS, REP or not, DF=0 and DF=1) in 64-bit and
 * real mode: KVM_EXIT_IO with count up to a page, completed on the next
 * KVM_RUN.
 *
 * Each client runs on /dev/vtx and then on /dev/kvm (kvm_intel) through
 * vtx_transcript_both(): KVM's transcript must be the one hard-coded
 * here, and vtx's must equal it. How many elements one string I/O exit
 * carries is KVM's business: the transcripts show the data, and the
 * per-exit counts go to stderr ("# string io ...") for information.
 * MMIO is kvm_mmio_test.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vtx_dual.h"
#include "vtx_test.h"

#define CLIENT_ALARM	120	/* seconds: a stuck guest kills the child */
#define MAX_EXITS	4000

/*
 * guest_sio64: one string I/O case per hlt (the VMM prints what it saw
 * at each); sources at 0x20000 + 0x100 * n written by the VMM,
 * destinations at 0x21000 + 0x100 * n.
 */
VTX_GUEST_CODE(guest_sio64);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sio64_start:\n"
	".code64\n"
	"	cld\n"
	"	mov $0x20000, %esi\n"
	"	mov $13, %ecx\n"
	"	mov $0x40, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x20100, %esi\n"
	"	mov $4, %ecx\n"
	"	mov $0x42, %dx\n"
	"	rep outsw\n"
	"	hlt\n"
	"	mov $0x20200, %esi\n"
	"	mov $3, %ecx\n"
	"	mov $0x44, %dx\n"
	"	rep outsl\n"
	"	hlt\n"
	"	mov $0x21000, %edi\n"
	"	mov $16, %ecx\n"
	"	mov $0x50, %dx\n"
	"	rep insb\n"
	"	hlt\n"
	"	mov $0x21100, %edi\n"
	"	mov $5, %ecx\n"
	"	mov $0x52, %dx\n"
	"	rep insw\n"
	"	hlt\n"
	"	mov $0x21200, %edi\n"
	"	mov $4, %ecx\n"
	"	mov $0x54, %dx\n"
	"	rep insl\n"
	"	hlt\n"
	"	mov $0x20400, %esi\n"
	"	mov $0x77, %ecx\n"
	"	mov $0x46, %dx\n"
	"	outsb\n"
	"	hlt\n"
	"	mov $0x21300, %edi\n"
	"	mov $0x77, %ecx\n"
	"	mov $0x56, %dx\n"
	"	insb\n"
	"	hlt\n"
	"	std\n"
	"	mov $0x20304, %esi\n"
	"	mov $5, %ecx\n"
	"	mov $0x48, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x21404, %edi\n"
	"	mov $3, %ecx\n"
	"	mov $0x58, %dx\n"
	"	rep insw\n"
	"	hlt\n"
	"	cld\n"
	"	mov $0x20000, %esi\n"
	"	xor %ecx, %ecx\n"
	"	mov $0x40, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x22f80, %edi\n"
	"	mov $0x180, %ecx\n"
	"	mov $0x5a, %dx\n"
	"	rep insl\n"
	"	hlt\n"
	"guest_sio64_end:\n"
	".popsection\n");

/*
 * guest_sio16: real mode, DS base 0x3000 (sources), ES base 0x5000
 * (destinations), one case per hlt.
 */
VTX_GUEST_CODE(guest_sio16);
__asm__(".pushsection .rodata, \"a\"\n"
	"guest_sio16_start:\n"
	".code16\n"
	"	cld\n"
	"	mov $0x300, %ax\n"
	"	mov %ax, %ds\n"
	"	mov $0x500, %ax\n"
	"	mov %ax, %es\n"
	"	mov $0x0000, %si\n"
	"	mov $13, %cx\n"
	"	mov $0x40, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	mov $0x0100, %si\n"
	"	mov $4, %cx\n"
	"	mov $0x42, %dx\n"
	"	rep outsw\n"
	"	hlt\n"
	"	mov $0x0200, %si\n"
	"	mov $3, %cx\n"
	"	mov $0x44, %dx\n"
	"	rep outsl\n"
	"	hlt\n"
	"	mov $0x0000, %di\n"
	"	mov $16, %cx\n"
	"	mov $0x50, %dx\n"
	"	rep insb\n"
	"	hlt\n"
	"	mov $0x0100, %di\n"
	"	mov $5, %cx\n"
	"	mov $0x52, %dx\n"
	"	rep insw\n"
	"	hlt\n"
	"	mov $0x0200, %di\n"
	"	mov $4, %cx\n"
	"	mov $0x54, %dx\n"
	"	rep insl\n"
	"	hlt\n"
	"	std\n"
	"	mov $0x0304, %si\n"
	"	mov $5, %cx\n"
	"	mov $0x48, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	"	cld\n"
	"	mov $0x0400, %si\n"
	"	mov $0x77, %cx\n"
	"	mov $0x46, %dx\n"
	"	outsb\n"
	"	hlt\n"
	"	mov $0xfffe, %si\n"
	"	mov $4, %cx\n"
	"	mov $0x4a, %dx\n"
	"	rep outsb\n"
	"	hlt\n"
	".code64\n"
	"guest_sio16_end:\n"
	".popsection\n");

/* ---- string I/O ---- */

#define SIO_STREAMS	4
#define SIO_BYTES	4096

struct sio_case {
	const char *what;
	__u64 dump_gpa;		/* guest memory to show after it, if len */
	unsigned int dump_len;
};

struct sio_stream {
	__u8 dir;
	__u16 port;
	__u8 size;
	bool mixed;		/* exits of different sizes */
	unsigned int len;
	__u8 data[SIO_BYTES];
};

struct sio {
	struct sio_stream s[SIO_STREAMS];
	int n;
	char counts[512];	/* the per-exit counts, for stderr */
};

/* What the VMM answers: byte @j of port @port's stream. */
static __u8 sio_in_byte(__u16 port, unsigned int j)
{
	return (port + 7 * j) & 0xff;
}

static struct sio_stream *sio_stream(struct sio *st, __u8 dir, __u16 port)
{
	struct sio_stream *s;
	int i;

	for (i = 0; i < st->n; i++)
		if (st->s[i].dir == dir && st->s[i].port == port)
			return &st->s[i];
	if (st->n == SIO_STREAMS)
		return NULL;
	s = &st->s[st->n++];
	s->dir = dir;
	s->port = port;
	s->size = 0;
	s->mixed = false;
	s->len = 0;
	return s;
}

/* Append (OUT) or answer (IN) the exit's data; false if it cannot. */
static bool sio_io(struct sio *st, struct kvm_run *run)
{
	unsigned int n = run->io.size * run->io.count, i, l;
	__u8 *d = vtx_io_data(run);
	struct sio_stream *s;

	s = sio_stream(st, run->io.direction, run->io.port);
	if (!s || s->len + n > SIO_BYTES)
		return false;
	if (s->size && s->size != run->io.size)
		s->mixed = true;
	s->size = run->io.size;
	for (i = 0; i < n; i++) {
		if (run->io.direction == KVM_EXIT_IO_IN)
			d[i] = sio_in_byte(run->io.port, s->len + i);
		s->data[s->len + i] = d[i];
	}
	s->len += n;
	l = strlen(st->counts);
	if (l < sizeof(st->counts) - 16)
		snprintf(st->counts + l, sizeof(st->counts) - l, " %s%x:%u",
			 run->io.direction == KVM_EXIT_IO_IN ? "in" : "out",
			 run->io.port, run->io.count);
	return true;
}

/*
 * Run the guest through its cases, one per HLT: at each, print the
 * streams of data each port moved in each direction, RSI/RDI/RCX and the
 * case's guest memory. KVM's per-exit counts go to stderr.
 */
static int sio_run(struct vtx_vm *vm, struct vtx_vcpu *vcpu, const char *dev,
		   const struct sio_case *cases, int ncases)
{
	static struct sio st;
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	int i, c = 0, r;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < MAX_EXITS && c < ncases; i++) {
		r = __vtx_vcpu_run(vcpu);
		if (r) {
			printf("KVM_RUN: %d\n", r);
			return 1;
		}
		if (run->exit_reason == KVM_EXIT_IO) {
			if (!sio_io(&st, run)) {
				printf("too much I/O\n");
				return 1;
			}
			continue;
		}
		if (run->exit_reason != KVM_EXIT_HLT) {
			vtx_transcript_print_exit(run);
			return 1;
		}
		printf("%s:\n", cases[c].what);
		if (!st.n)
			printf("  no I/O\n");
		for (r = 0; r < st.n; r++) {
			struct sio_stream *s = &st.s[r];

			printf("  %s port 0x%x size %u%s:",
			       s->dir == KVM_EXIT_IO_IN ? "in" : "out",
			       s->port, s->size, s->mixed ? " (mixed)" : "");
			vtx_transcript_print_bytes(s->data, s->len);
			printf("\n");
		}
		vtx_vcpu_get_regs(vcpu, &regs);
		printf("  rsi 0x%llx rdi 0x%llx rcx 0x%llx\n", regs.rsi,
		       regs.rdi, regs.rcx);
		if (cases[c].dump_len) {
			printf("  memory 0x%llx:",
			       (unsigned long long)cases[c].dump_gpa);
			vtx_transcript_print_bytes(vtx_vm_hva(vm,
							      cases[c].dump_gpa),
						   cases[c].dump_len);
			printf("\n");
		}
		if (!st.counts[0])
			strcpy(st.counts, " none");
		fprintf(stderr, "# string io counts on %s, %s:%s\n", dev,
			cases[c].what, st.counts);
		memset(&st, 0, sizeof(st));
		c++;
	}
	if (c < ncases) {
		printf("only %d of %d cases after %d exits\n", c, ncases, i);
		return 1;
	}
	return 0;
}

static const struct sio_case sio64_cases[] = {
	{ "rep outsb", 0, 0 },
	{ "rep outsw", 0, 0 },
	{ "rep outsl", 0, 0 },
	{ "rep insb", 0x21000, 16 },
	{ "rep insw", 0x21100, 10 },
	{ "rep insl", 0x21200, 16 },
	{ "outsb", 0, 0 },
	{ "insb", 0x21300, 2 },
	{ "std; rep outsb", 0, 0 },
	{ "std; rep insw", 0x21400, 6 },
	{ "rep outsb, rcx 0", 0, 0 },
	{ "rep insl across a page", 0x22f80, 0x600 },
};

static int client_sio64(const char *dev, void *arg)
{
	static const __u16 words[] = { 0x1234, 0x5678, 0x9abc, 0xdef0 };
	static const __u32 dwords[] = { 0x11223344, 0x55667788, 0x99aabbcc };
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create_default(&vm, dev);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_sio64_start, guest_sio64_end);
	memcpy(vtx_vm_hva(&vm, 0x20000), "hello, world\n", 13);
	memcpy(vtx_vm_hva(&vm, 0x20100), words, sizeof(words));
	memcpy(vtx_vm_hva(&vm, 0x20200), dwords, sizeof(dwords));
	memcpy(vtx_vm_hva(&vm, 0x20300), "ABCDE", 5);
	memcpy(vtx_vm_hva(&vm, 0x20400), "Z", 1);
	vtx_vcpu_setup_long_mode(&vcpu, VTX_CODE_GPA);
	r = sio_run(&vm, &vcpu, dev, sio64_cases, ARRAY_SIZE(sio64_cases));
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

/* The last case's 1536 bytes (port 0x5a + 7 * j), as printed. */
#define SIO_BIG "1536 bytes fnv bd45e9c5: 5a 61 68 6f 76 7d 84 8b .. 22 29 30 37 3e 45 4c 53"

static const char expected_sio64[] =
	"rep outsb:\n"
	"  out port 0x40 size 1: 68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 0a\n"
	"  rsi 0x2000d rdi 0x0 rcx 0x0\n"
	"rep outsw:\n"
	"  out port 0x42 size 2: 34 12 78 56 bc 9a f0 de\n"
	"  rsi 0x20108 rdi 0x0 rcx 0x0\n"
	"rep outsl:\n"
	"  out port 0x44 size 4: 44 33 22 11 88 77 66 55 cc bb aa 99\n"
	"  rsi 0x2020c rdi 0x0 rcx 0x0\n"
	"rep insb:\n"
	"  in port 0x50 size 1: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"  rsi 0x2020c rdi 0x21010 rcx 0x0\n"
	"  memory 0x21000: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"rep insw:\n"
	"  in port 0x52 size 2: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"  rsi 0x2020c rdi 0x2110a rcx 0x0\n"
	"  memory 0x21100: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"rep insl:\n"
	"  in port 0x54 size 4: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"  rsi 0x2020c rdi 0x21210 rcx 0x0\n"
	"  memory 0x21200: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"outsb:\n"
	"  out port 0x46 size 1: 5a\n"
	"  rsi 0x20401 rdi 0x21210 rcx 0x77\n"
	"insb:\n"
	"  in port 0x56 size 1: 56\n"
	"  rsi 0x20401 rdi 0x21301 rcx 0x77\n"
	"  memory 0x21300: 56 00\n"
	"std; rep outsb:\n"
	"  out port 0x48 size 1: 45 44 43 42 41\n"
	"  rsi 0x202ff rdi 0x21301 rcx 0x0\n"
	"std; rep insw:\n"
	"  in port 0x58 size 2: 58 5f 66 6d 74 7b\n"
	"  rsi 0x202ff rdi 0x213fe rcx 0x0\n"
	"  memory 0x21400: 74 7b 66 6d 58 5f\n"
	"rep outsb, rcx 0:\n"
	"  no I/O\n"
	"  rsi 0x20000 rdi 0x213fe rcx 0x0\n"
	"rep insl across a page:\n"
	"  in port 0x5a size 4: " SIO_BIG "\n"
	"  rsi 0x20000 rdi 0x23580 rcx 0x0\n"
	"  memory 0x22f80: " SIO_BIG "\n";

static const struct sio_case sio16_cases[] = {
	{ "rep outsb", 0, 0 },
	{ "rep outsw", 0, 0 },
	{ "rep outsl", 0, 0 },
	{ "rep insb", 0x5000, 16 },
	{ "rep insw", 0x5100, 10 },
	{ "rep insl", 0x5200, 16 },
	{ "std; rep outsb", 0, 0 },
	{ "outsb", 0, 0 },
	{ "rep outsb, si wraps", 0, 0 },
};

static int client_sio16(const char *dev, void *arg)
{
	static const __u16 words[] = { 0x1234, 0x5678, 0x9abc, 0xdef0 };
	static const __u32 dwords[] = { 0x11223344, 0x55667788, 0x99aabbcc };
	struct vtx_vcpu vcpu;
	struct vtx_vm vm;
	int r;

	alarm(CLIENT_ALARM);
	vtx_vm_create_default(&vm, dev);
	vtx_vcpu_create(&vm, 0, &vcpu);
	vtx_vm_load(&vm, VTX_CODE_GPA, guest_sio16_start, guest_sio16_end);
	memcpy(vtx_vm_hva(&vm, 0x3000), "hello, world\n", 13);
	memcpy(vtx_vm_hva(&vm, 0x3100), words, sizeof(words));
	memcpy(vtx_vm_hva(&vm, 0x3200), dwords, sizeof(dwords));
	memcpy(vtx_vm_hva(&vm, 0x3300), "ABCDE", 5);
	memcpy(vtx_vm_hva(&vm, 0x3400), "Z", 1);
	memcpy(vtx_vm_hva(&vm, 0x12ffe), "WX", 2);
	vtx_vcpu_setup_real_mode(&vcpu, VTX_CODE_GPA);
	r = sio_run(&vm, &vcpu, dev, sio16_cases, ARRAY_SIZE(sio16_cases));
	vtx_vcpu_close(&vcpu);
	vtx_vm_destroy(&vm);
	return r;
}

static const char expected_sio16[] =
	"rep outsb:\n"
	"  out port 0x40 size 1: 68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 0a\n"
	"  rsi 0xd rdi 0x0 rcx 0x0\n"
	"rep outsw:\n"
	"  out port 0x42 size 2: 34 12 78 56 bc 9a f0 de\n"
	"  rsi 0x108 rdi 0x0 rcx 0x0\n"
	"rep outsl:\n"
	"  out port 0x44 size 4: 44 33 22 11 88 77 66 55 cc bb aa 99\n"
	"  rsi 0x20c rdi 0x0 rcx 0x0\n"
	"rep insb:\n"
	"  in port 0x50 size 1: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"  rsi 0x20c rdi 0x10 rcx 0x0\n"
	"  memory 0x5000: 50 57 5e 65 6c 73 7a 81 88 8f 96 9d a4 ab b2 b9\n"
	"rep insw:\n"
	"  in port 0x52 size 2: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"  rsi 0x20c rdi 0x10a rcx 0x0\n"
	"  memory 0x5100: 52 59 60 67 6e 75 7c 83 8a 91\n"
	"rep insl:\n"
	"  in port 0x54 size 4: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"  rsi 0x20c rdi 0x210 rcx 0x0\n"
	"  memory 0x5200: 54 5b 62 69 70 77 7e 85 8c 93 9a a1 a8 af b6 bd\n"
	"std; rep outsb:\n"
	"  out port 0x48 size 1: 45 44 43 42 41\n"
	"  rsi 0x2ff rdi 0x210 rcx 0x0\n"
	"outsb:\n"
	"  out port 0x46 size 1: 5a\n"
	"  rsi 0x401 rdi 0x210 rcx 0x77\n"
	"rep outsb, si wraps:\n"
	"  out port 0x4a size 1: 57 58 68 65\n"
	"  rsi 0x2 rdi 0x210 rcx 0x0\n";

/* ---- the tests ---- */

FIXTURE(kvm_string_io) {
	struct vtx_kmsg kmsg;
};

FIXTURE_SETUP(kvm_string_io)
{
	vtx_dual_setup(&self->kmsg);
}

FIXTURE_TEARDOWN(kvm_string_io)
{
	vtx_dual_teardown(_metadata, &self->kmsg);
}

TEST_F_TIMEOUT(kvm_string_io, string_io_64bit, 600)
{
	vtx_dual_check(_metadata, "sio64", client_sio64, NULL,
		       expected_sio64);
}

TEST_F_TIMEOUT(kvm_string_io, string_io_real_mode, 600)
{
	vtx_dual_check(_metadata, "sio16", client_sio16, NULL,
		       expected_sio16);
}

int main(int argc, char **argv)
{
	vtx_require_vmx();
	return test_harness_run(argc, argv);
}
