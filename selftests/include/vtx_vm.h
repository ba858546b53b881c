/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtx selftest client library: VMs, memory slots, vCPUs and guest code on
 * any /dev/kvm-shaped device (/dev/vtx or /dev/kvm).
 *
 * Helpers come in pairs as in vtx_test.h: __foo() returns the raw result (a
 * negative errno on failure), foo() asserts with VTX_ASSERT (which aborts).
 * Threads other than the test's own must use the __foo() forms.
 *
 * Guest-physical layout used by the mode helpers (slot 0 at GPA 0, at
 * least VTX_MEM_SIZE bytes, as vtx_vm_create_default() makes it):
 *
 *   0x01000  VTX_CODE_GPA      guest code (real mode: CS base 0, IP here)
 *   0x08000  VTX_REAL_STACK    real-mode SP
 *   0x10000  VTX_GDT_GPA       GDT: 0x08 code64, 0x10 data, 0x18 TSS
 *   0x11000  VTX_IDT_GPA       IDT, 256 16-byte gates
 *   0x12000  VTX_TSS_GPA       64-bit TSS (all zero)
 *   0x13000  VTX_PML4_GPA      PML4, one entry
 *   0x14000  VTX_PDPT_GPA      PDPT, four entries
 *   0x15000  VTX_PD_GPA        four PDs of 2 MiB pages: 0-4 GiB identity
 *   0x19000  VTX_STUBS_GPA     256 default exception handlers, 16 bytes each
 *   0x20000  VTX_DATA_GPA      free for tests
 *   0x80000  VTX_STACK_TOP     vCPU n's 64-bit stack top is this - n * 16K
 *                              (so vCPU ids up to 23 keep clear of 0x20000)
 */
#ifndef VTX_VM_H
#define VTX_VM_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/kvm.h>
#include <linux/types.h>

#include <linux/vtx.h>

#define VTX_MEM_SIZE		0x100000UL
#define VTX_CODE_GPA		0x1000UL
#define VTX_REAL_STACK		0x8000UL
#define VTX_GDT_GPA		0x10000UL
#define VTX_IDT_GPA		0x11000UL
#define VTX_TSS_GPA		0x12000UL
#define VTX_PML4_GPA		0x13000UL
#define VTX_PDPT_GPA		0x14000UL
#define VTX_PD_GPA		0x15000UL
#define VTX_STUBS_GPA		0x19000UL
#define VTX_DATA_GPA		0x20000UL
#define VTX_STACK_TOP		0x80000UL
#define VTX_STACK_SIZE		0x4000UL

/* The identity map covers this much, in 2 MiB pages. */
#define VTX_IDENTITY_MAP_SIZE	0x100000000ULL

/* GDT selectors of the 64-bit setup */
#define VTX_SEL_CODE64		0x08
#define VTX_SEL_DATA		0x10
#define VTX_SEL_TSS		0x18

/*
 * The default handler of vector v does "mov $v, %eax; mov
 * $VTX_PORT_EXCEPTION, %dx; out %eax, %dx; hlt" (then loops on the hlt):
 * an unexpected guest exception shows up as a 4-byte OUT of the vector.
 */
#define VTX_PORT_EXCEPTION	0xfe

#define VTX_CR0_PE		0x1ULL
#define VTX_CR0_MP		0x2ULL
#define VTX_CR0_ET		0x10ULL
#define VTX_CR0_NE		0x20ULL
#define VTX_CR0_NW		0x20000000ULL
#define VTX_CR0_CD		0x40000000ULL
#define VTX_CR0_PG		0x80000000ULL
#define VTX_CR4_PAE		0x20ULL
#define VTX_EFER_SCE		0x1ULL
#define VTX_EFER_LME		0x100ULL
#define VTX_EFER_LMA		0x400ULL
#define VTX_EFER_NXE		0x800ULL

#define VTX_MAX_SLOTS		32

/*
 * Guest code is assembled into the test binary between NAME_start and
 * NAME_end (a top-level asm() in .rodata) and copied byte for byte.
 */
#define VTX_GUEST_CODE(name) \
	extern const unsigned char name##_start[], name##_end[]

/* Declare a label inside a blob, for VTX_GUEST_LABEL_GPA(). */
#define VTX_GUEST_LABEL(label) \
	extern const unsigned char label[]

/* The GPA of @label, a label inside blob @name loaded at @gpa. */
#define VTX_GUEST_LABEL_GPA(gpa, name, label) \
	((__u64)(gpa) + (__u64)((label) - name##_start))

struct vtx_slot {
	void *hva;
	__u64 gpa;
	__u64 size;
	bool used;
};

struct vtx_vm {
	int dev;		/* the device fd the VM was created on */
	int fd;			/* the VM fd */
	int run_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	bool tables;		/* the 64-bit tables are written */
	struct vtx_slot slots[VTX_MAX_SLOTS];
};

struct vtx_vcpu {
	struct vtx_vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
};

/* vm.c: VMs and memory */
int __vtx_vm_create(struct vtx_vm *vm, const char *dev);
void vtx_vm_create(struct vtx_vm *vm, const char *dev);
/* A VM on @dev with VTX_MEM_SIZE bytes in slot 0 at GPA 0. */
void vtx_vm_create_default(struct vtx_vm *vm, const char *dev);
/* Close every fd and unmap every slot's memory; safe to call twice. */
void vtx_vm_destroy(struct vtx_vm *vm);

int __vtx_set_memory_region(int vm_fd, __u32 slot, __u32 flags, __u64 gpa,
			    __u64 size, __u64 uaddr);
/* mmap anonymous memory and make it slot @slot at @gpa. */
int __vtx_vm_add_memory(struct vtx_vm *vm, __u32 slot, __u64 gpa,
			__u64 size);
void vtx_vm_add_memory(struct vtx_vm *vm, __u32 slot, __u64 gpa, __u64 size);
/* Delete slot @slot (size 0) and unmap its memory. */
int __vtx_vm_delete_memory(struct vtx_vm *vm, __u32 slot);
void vtx_vm_delete_memory(struct vtx_vm *vm, __u32 slot);
/* The host address of @gpa: NULL (or an assertion) when no slot has it. */
void *__vtx_vm_hva(struct vtx_vm *vm, __u64 gpa);
void *vtx_vm_hva(struct vtx_vm *vm, __u64 gpa);
/* Copy [start, end) to @gpa. */
int __vtx_vm_load(struct vtx_vm *vm, __u64 gpa, const void *start,
		  const void *end);
void vtx_vm_load(struct vtx_vm *vm, __u64 gpa, const void *start,
		 const void *end);

/* vm.c: vCPUs */
int __vtx_vcpu_create(struct vtx_vm *vm, int id, struct vtx_vcpu *vcpu);
void vtx_vcpu_create(struct vtx_vm *vm, int id, struct vtx_vcpu *vcpu);
/* Unmap the run area and close the fd; safe to call twice. */
void vtx_vcpu_close(struct vtx_vcpu *vcpu);

int __vtx_vcpu_get_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs);
void vtx_vcpu_get_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs);
int __vtx_vcpu_set_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs);
void vtx_vcpu_set_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs);
int __vtx_vcpu_get_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs);
void vtx_vcpu_get_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs);
int __vtx_vcpu_set_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs);
void vtx_vcpu_set_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs);
/*
 * KVM_GET_SUPPORTED_CPUID on the system fd @dev into @entries, room for
 * @max: the number of entries, or a negative errno.
 */
int __vtx_get_supported_cpuid(int dev, struct kvm_cpuid_entry2 *entries,
			      int max);
int vtx_get_supported_cpuid(int dev, struct kvm_cpuid_entry2 *entries,
			    int max);
/* The entry of @function (and @index if it is flagged indexed), or NULL. */
struct kvm_cpuid_entry2 *vtx_cpuid_find(struct kvm_cpuid_entry2 *entries,
					int nent, __u32 function,
					__u32 index);
/*
 * The same, or else a new zeroed entry of @function and @index (flagged
 * indexed) appended to the @*nent entries, which have room for @max.
 */
struct kvm_cpuid_entry2 *vtx_cpuid_add(struct kvm_cpuid_entry2 *entries,
				       int *nent, int max, __u32 function,
				       __u32 index);
/* KVM_SET_CPUID2 with @nent entries. */
int __vtx_vcpu_set_cpuid(struct vtx_vcpu *vcpu,
			 const struct kvm_cpuid_entry2 *entries, int nent);
void vtx_vcpu_set_cpuid(struct vtx_vcpu *vcpu,
			const struct kvm_cpuid_entry2 *entries, int nent);

/*
 * KVM_GET_MSRS / KVM_SET_MSRS of @n entries. The raw result is KVM's: the
 * number of entries processed, which stops at the first MSR that fails,
 * or a negative errno.
 */
int __vtx_vcpu_get_msrs(struct vtx_vcpu *vcpu, struct kvm_msr_entry *entries,
			int n);
int __vtx_vcpu_set_msrs(struct vtx_vcpu *vcpu,
			const struct kvm_msr_entry *entries, int n);
/* One MSR: the number of entries processed (0: refused), or -errno. */
int __vtx_vcpu_set_msr(struct vtx_vcpu *vcpu, __u32 index, __u64 value);
/* One MSR; the ioctl must process it. */
__u64 vtx_vcpu_get_msr(struct vtx_vcpu *vcpu, __u32 index);
void vtx_vcpu_set_msr(struct vtx_vcpu *vcpu, __u32 index, __u64 value);

/*
 * Real mode: CS selector and base 0, DS/ES/SS base 0, IP @rip (below
 * 64 KiB), SP VTX_REAL_STACK, RFLAGS 2.
 */
int __vtx_vcpu_setup_real_mode(struct vtx_vcpu *vcpu, __u64 rip);
void vtx_vcpu_setup_real_mode(struct vtx_vcpu *vcpu, __u64 rip);

/*
 * 64-bit mode: write the GDT, IDT (every gate on its default handler),
 * TSS and identity page tables into the VM's memory once per VM, then
 * load them into the vCPU: CR0 = PE|MP|ET|NE|PG, CR4 = PAE, EFER =
 * LME|LMA, CS 0x08 (L=1), data segments 0x10, TR 0x18, LDTR unusable,
 * RIP @rip, RSP VTX_STACK_TOP - id * VTX_STACK_SIZE, RFLAGS 2.
 */
int __vtx_vm_setup_long_mode(struct vtx_vm *vm);
int __vtx_vcpu_setup_long_mode(struct vtx_vcpu *vcpu, __u64 rip);
void vtx_vcpu_setup_long_mode(struct vtx_vcpu *vcpu, __u64 rip);
/*
 * Point IDT gate @vector (64-bit interrupt gate, CS 0x08) at @gpa. Call
 * it after the VM's first vtx_vcpu_setup_long_mode(), which writes the
 * default gates.
 */
void vtx_vm_set_idt_entry(struct vtx_vm *vm, int vector, __u64 gpa);

/* vm.c: running */
int __vtx_vcpu_run(struct vtx_vcpu *vcpu);
/* KVM_RUN must return 0 (an exit to user space). */
void vtx_vcpu_run(struct vtx_vcpu *vcpu);

/* vm.c: exits */
const char *vtx_exit_name(__u32 reason);
/*
 * transcript.c, for clients' transcripts: an exit they did not expect;
 * bytes, folded past 32 (FNV-1a).
 */
void vtx_transcript_print_exit(const struct kvm_run *run);
void vtx_transcript_print_bytes(const __u8 *p, unsigned int n);
/* One line describing the exit in @run, for messages. */
const char *vtx_describe_exit(const struct kvm_run *run, char *buf,
			      size_t len);
void *vtx_io_data(const struct kvm_run *run);
struct vtx_memory_fault *vtx_memory_fault(const struct kvm_run *run);

/* 0 when the exit is @reason, -EPROTO otherwise. */
int __vtx_check_exit(const struct kvm_run *run, __u32 reason);
void vtx_assert_exit(const struct kvm_run *run, __u32 reason);
/* A single (count 1) OUT of @size bytes of @value to @port. */
int __vtx_check_io_out(const struct kvm_run *run, __u16 port, int size,
		       __u64 value);
void vtx_assert_io_out(const struct kvm_run *run, __u16 port, int size,
		       __u64 value);
/* A single IN of @size bytes from @port; store @value as its answer. */
int __vtx_answer_io_in(struct kvm_run *run, __u16 port, int size,
		       __u64 value);
void vtx_answer_io_in(struct kvm_run *run, __u16 port, int size,
		      __u64 value);
/*
 * The exit for an access at @gpa outside every slot: KVM_EXIT_MMIO in
 * @access's direction for VTX_MEMORY_FAULT_READ or _WRITE, else
 * KVM_EXIT_MEMORY_FAULT with exactly the @access bits of R/W/X.
 */
int __vtx_check_memory_fault(const struct kvm_run *run, __u64 gpa,
			     __u64 access);
void vtx_assert_memory_fault(const struct kvm_run *run, __u64 gpa,
			     __u64 access);
/*
 * KVM_RUN's result @r for an access the VMM's mapping of a slot page
 * does not allow: -EFAULT, and a memory_fault exit naming the 4 KiB page
 * of @gpa, exactly the access @access, size 4096.
 */
void vtx_assert_efault(const struct kvm_run *run, int r, __u64 gpa,
		       __u64 access);

/* Run; the exit must be a single OUT of @size bytes to @port: its data. */
__u64 vtx_vcpu_run_out(struct vtx_vcpu *vcpu, __u16 port, int size);
/* Run twice: two 4-byte OUTs to @port, low half first: the 64-bit value. */
__u64 vtx_vcpu_run_out64(struct vtx_vcpu *vcpu, __u16 port);
/* Run; the exit must be a single IN of @size bytes from @port: answer it. */
void vtx_vcpu_run_in(struct vtx_vcpu *vcpu, __u16 port, int size,
		     __u64 value);

/* signal.c: signals and clocks for the KVM_RUN interruption tests */
/* A handler that does nothing, installed without SA_RESTART. */
int __vtx_install_noop_handler(int sig);
void vtx_install_noop_handler(int sig);
__u64 vtx_now_ns(void);
void vtx_sleep_ms(unsigned int ms);

/* guest_code.c: blobs shared by several tests (64-bit code) */
/* 1: inc %rbx; jmp 1b -- runs until interrupted; RBX counts laps. */
VTX_GUEST_CODE(vtx_guest_spin64);
/*
 * for (ecx = 0; ecx < esi; ecx++) out(dx, ebx + ecx); hlt.
 * RBX, RSI and RDX are the caller's, set with KVM_SET_REGS.
 */
VTX_GUEST_CODE(vtx_guest_count64);

/*
 * vtx_guest_msr_prog64 (64-bit code, at VTX_CODE_GPA) runs a program of
 * MSR accesses at VTX_PROG_GPA and reports on these ports (4-byte OUTs);
 * a #GP (its IDT gate) is reported and stepped over. See guest_code.c.
 */
VTX_GUEST_CODE(vtx_guest_msr_prog64);
VTX_GUEST_LABEL(vtx_guest_msr_prog64_gp);

#define VTX_PROG_GPA		VTX_DATA_GPA
#define VTX_PROG_MAX_OPS	1024
#define VTX_PROG_PORT_GP_ERROR	0x41	/* a #GP's error code, then ... */
#define VTX_PROG_PORT_GP_OP	0x42	/* ... the index of the op */
#define VTX_PROG_PORT_VALUE	0x44	/* RDMSR: low half, then high half */
#define VTX_PROG_PORT_TICK	0x45	/* VTX_PROG_TICKS: 0, 1, ... */
#define VTX_PROG_PORT_DONE	0x47	/* VTX_PROG_DONE: the end */
#define VTX_PROG_DONE		0x600d

enum { VTX_PROG_END, VTX_PROG_WRMSR, VTX_PROG_RDMSR, VTX_PROG_TICKS };

struct vtx_prog_op {
	__u32 kind;
	__u32 msr;	/* VTX_PROG_WRMSR, VTX_PROG_RDMSR */
	__u64 value;	/* VTX_PROG_WRMSR: the value; VTX_PROG_TICKS: count */
};

struct vtx_prog {
	struct vtx_prog_op *ops;	/* in guest memory */
	int n;
};

enum {
	VTX_PROG_EV_OTHER,	/* any other exit: see desc */
	VTX_PROG_EV_VALUE,	/* value: what RDMSR read */
	VTX_PROG_EV_GP,		/* value: the op that faulted; error */
	VTX_PROG_EV_TICK,	/* value: the tick */
	VTX_PROG_EV_DONE,	/* the end of the program */
};

struct vtx_prog_event {
	int kind;
	__u32 error;
	__u64 value;
	char desc[160];		/* for messages */
};

/* prog.c */
/*
 * Load vtx_guest_msr_prog64, put @vcpu in 64-bit mode at it with RSI =
 * VTX_PROG_GPA and gate 13 on its #GP handler; @p is an empty program.
 */
void vtx_prog_setup(struct vtx_vcpu *vcpu, struct vtx_prog *p);
/* Start a new program: the guest runs it after its current one ends. */
void vtx_prog_begin(struct vtx_prog *p);
/* Append an op: its index, which a #GP report names. */
int vtx_prog_add(struct vtx_prog *p, __u32 kind, __u32 msr, __u64 value);
/* Run to the next report. */
void vtx_prog_next(struct vtx_vcpu *vcpu, struct vtx_prog_event *ev);

#endif /* VTX_VM_H */
