// SPDX-License-Identifier: GPL-2.0
/*
 * A KVM-style client: VMs, memory slots, vCPUs, real and 64-bit mode
 * setup and KVM_RUN (the checks of the exits it reports are in exit.c).
 * Everything goes through the /dev/kvm ABI, so it runs on /dev/vtx and
 * /dev/kvm alike.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vtx_test.h"

int __vtx_vm_create(struct vtx_vm *vm, const char *dev)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->dev = __vtx_open(dev);
	if (vm->dev < 0)
		return vm->dev;
	r = __vtx_ioctl(vm->dev, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (r < 0)
		goto err;
	vm->run_size = r;
	r = __vtx_ioctl(vm->dev, KVM_CREATE_VM, NULL);
	if (r < 0)
		goto err;
	vm->fd = r;
	return 0;
err:
	close(vm->dev);
	vm->dev = -1;
	return r;
}

void vtx_vm_create(struct vtx_vm *vm, const char *dev)
{
	int r = __vtx_vm_create(vm, dev);

	VTX_ASSERT(!r, "create a VM on %s: %s", dev, strerror(-r));
}

void vtx_vm_create_default(struct vtx_vm *vm, const char *dev)
{
	vtx_vm_create(vm, dev);
	vtx_vm_add_memory(vm, 0, 0, VTX_MEM_SIZE);
}

void vtx_vm_destroy(struct vtx_vm *vm)
{
	int i;

	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	if (vm->dev >= 0)
		close(vm->dev);
	vm->dev = -1;
	/* Any time is fine: a VM follows its VMM's munmap of slot memory. */
	for (i = 0; i < VTX_MAX_SLOTS; i++) {
		if (vm->slots[i].used)
			munmap(vm->slots[i].hva, vm->slots[i].size);
		vm->slots[i].used = false;
	}
}

int __vtx_set_memory_region(int vm_fd, __u32 slot, __u32 flags, __u64 gpa,
			    __u64 size, __u64 uaddr)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = uaddr,
	};

	return __vtx_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
}

int __vtx_vm_add_memory(struct vtx_vm *vm, __u32 slot, __u64 gpa,
			__u64 size)
{
	void *hva;
	int r;

	if (slot >= VTX_MAX_SLOTS || vm->slots[slot].used)
		return -EINVAL;
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hva == MAP_FAILED)
		return -errno;
	r = __vtx_set_memory_region(vm->fd, slot, 0, gpa, size,
				    (unsigned long)hva);
	if (r) {
		munmap(hva, size);
		return r;
	}
	vm->slots[slot].hva = hva;
	vm->slots[slot].gpa = gpa;
	vm->slots[slot].size = size;
	vm->slots[slot].used = true;
	return 0;
}

void vtx_vm_add_memory(struct vtx_vm *vm, __u32 slot, __u64 gpa, __u64 size)
{
	int r = __vtx_vm_add_memory(vm, slot, gpa, size);

	VTX_ASSERT(!r, "slot %u at 0x%llx size 0x%llx: %s", slot,
		   (unsigned long long)gpa, (unsigned long long)size,
		   strerror(-r));
}

int __vtx_vm_delete_memory(struct vtx_vm *vm, __u32 slot)
{
	struct vtx_slot *s;
	int r;

	if (slot >= VTX_MAX_SLOTS || !vm->slots[slot].used)
		return -EINVAL;
	s = &vm->slots[slot];
	r = __vtx_set_memory_region(vm->fd, slot, 0, s->gpa, 0,
				    (unsigned long)s->hva);
	if (r)
		return r;
	munmap(s->hva, s->size);
	s->used = false;
	return 0;
}

void vtx_vm_delete_memory(struct vtx_vm *vm, __u32 slot)
{
	int r = __vtx_vm_delete_memory(vm, slot);

	VTX_ASSERT(!r, "delete slot %u: %s", slot, strerror(-r));
}

void *__vtx_vm_hva(struct vtx_vm *vm, __u64 gpa)
{
	int i;

	for (i = 0; i < VTX_MAX_SLOTS; i++) {
		struct vtx_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return (char *)s->hva + (gpa - s->gpa);
	}
	return NULL;
}

void *vtx_vm_hva(struct vtx_vm *vm, __u64 gpa)
{
	void *hva = __vtx_vm_hva(vm, gpa);

	VTX_ASSERT(hva, "no slot holds GPA 0x%llx", (unsigned long long)gpa);
	return hva;
}

int __vtx_vm_load(struct vtx_vm *vm, __u64 gpa, const void *start,
		  const void *end)
{
	size_t len = (const char *)end - (const char *)start;
	char *hva = __vtx_vm_hva(vm, gpa);

	/* The whole blob must be inside the one slot that holds @gpa. */
	if (!hva || (len && __vtx_vm_hva(vm, gpa + len - 1) != hva + len - 1))
		return -EFAULT;
	memcpy(hva, start, len);
	return 0;
}

void vtx_vm_load(struct vtx_vm *vm, __u64 gpa, const void *start,
		 const void *end)
{
	int r = __vtx_vm_load(vm, gpa, start, end);

	VTX_ASSERT(!r, "load %td bytes at GPA 0x%llx: %s",
		   (const char *)end - (const char *)start,
		   (unsigned long long)gpa, strerror(-r));
}

int __vtx_vcpu_create(struct vtx_vm *vm, int id, struct vtx_vcpu *vcpu)
{
	void *run;
	int fd;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->run = NULL;
	vcpu->fd = -1;
	fd = __vtx_ioctl(vm->fd, KVM_CREATE_VCPU, (void *)(unsigned long)id);
	if (fd < 0)
		return fd;
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	if (run == MAP_FAILED) {
		int r = -errno;

		close(fd);
		return r;
	}
	vcpu->fd = fd;
	vcpu->run = run;
	return 0;
}

void vtx_vcpu_create(struct vtx_vm *vm, int id, struct vtx_vcpu *vcpu)
{
	int r = __vtx_vcpu_create(vm, id, vcpu);

	VTX_ASSERT(!r, "vcpu %d: %s", id, strerror(-r));
}

void vtx_vcpu_close(struct vtx_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->vm->run_size);
	vcpu->run = NULL;
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->fd = -1;
}

int __vtx_vcpu_get_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs)
{
	return __vtx_ioctl(vcpu->fd, KVM_GET_REGS, regs);
}

void vtx_vcpu_get_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs)
{
	int r = __vtx_vcpu_get_regs(vcpu, regs);

	VTX_ASSERT(!r, "KVM_GET_REGS: %s", strerror(-r));
}

int __vtx_vcpu_set_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs)
{
	return __vtx_ioctl(vcpu->fd, KVM_SET_REGS, regs);
}

void vtx_vcpu_set_regs(struct vtx_vcpu *vcpu, struct kvm_regs *regs)
{
	int r = __vtx_vcpu_set_regs(vcpu, regs);

	VTX_ASSERT(!r, "KVM_SET_REGS: %s", strerror(-r));
}

int __vtx_vcpu_get_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs)
{
	return __vtx_ioctl(vcpu->fd, KVM_GET_SREGS, sregs);
}

void vtx_vcpu_get_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs)
{
	int r = __vtx_vcpu_get_sregs(vcpu, sregs);

	VTX_ASSERT(!r, "KVM_GET_SREGS: %s", strerror(-r));
}

int __vtx_vcpu_set_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs)
{
	return __vtx_ioctl(vcpu->fd, KVM_SET_SREGS, sregs);
}

void vtx_vcpu_set_sregs(struct vtx_vcpu *vcpu, struct kvm_sregs *sregs)
{
	int r = __vtx_vcpu_set_sregs(vcpu, sregs);

	VTX_ASSERT(!r, "KVM_SET_SREGS: %s", strerror(-r));
}

int __vtx_get_supported_cpuid(int dev, struct kvm_cpuid_entry2 *entries,
			      int max)
{
	struct kvm_cpuid2 *cpuid;
	int r;

	cpuid = calloc(1, sizeof(*cpuid) + max * sizeof(*entries));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = max;
	r = __vtx_ioctl(dev, KVM_GET_SUPPORTED_CPUID, cpuid);
	if (!r) {
		r = cpuid->nent;
		memcpy(entries, cpuid->entries, r * sizeof(*entries));
	}
	free(cpuid);
	return r;
}

int vtx_get_supported_cpuid(int dev, struct kvm_cpuid_entry2 *entries,
			    int max)
{
	int r = __vtx_get_supported_cpuid(dev, entries, max);

	VTX_ASSERT(r >= 0, "KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
	return r;
}

struct kvm_cpuid_entry2 *vtx_cpuid_find(struct kvm_cpuid_entry2 *entries,
					int nent, __u32 function,
					__u32 index)
{
	int i;

	for (i = 0; i < nent; i++)
		if (entries[i].function == function &&
		    (!(entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     entries[i].index == index))
			return &entries[i];
	return NULL;
}

struct kvm_cpuid_entry2 *vtx_cpuid_add(struct kvm_cpuid_entry2 *entries,
				       int *nent, int max, __u32 function,
				       __u32 index)
{
	struct kvm_cpuid_entry2 *e;

	e = vtx_cpuid_find(entries, *nent, function, index);
	if (e)
		return e;
	VTX_ASSERT(*nent < max, "CPUID table full (%d entries)", max);
	e = &entries[(*nent)++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return e;
}

int __vtx_vcpu_set_cpuid(struct vtx_vcpu *vcpu,
			 const struct kvm_cpuid_entry2 *entries, int nent)
{
	struct kvm_cpuid2 *cpuid;
	int r;

	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(*entries));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = nent;
	memcpy(cpuid->entries, entries, nent * sizeof(*entries));
	r = __vtx_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return r;
}

void vtx_vcpu_set_cpuid(struct vtx_vcpu *vcpu,
			const struct kvm_cpuid_entry2 *entries, int nent)
{
	int r = __vtx_vcpu_set_cpuid(vcpu, entries, nent);

	VTX_ASSERT(!r, "KVM_SET_CPUID2, %d entries: %s", nent, strerror(-r));
}

/* struct kvm_msrs with room for @n (>= 0) entries, or NULL. */
static struct kvm_msrs *msrs_alloc(int n)
{
	struct kvm_msrs *msrs;

	msrs = calloc(1, sizeof(*msrs) + n * sizeof(msrs->entries[0]));
	if (msrs)
		msrs->nmsrs = n;
	return msrs;
}

int __vtx_vcpu_get_msrs(struct vtx_vcpu *vcpu, struct kvm_msr_entry *entries,
			int n)
{
	struct kvm_msrs *msrs;
	int r;

	if (n < 0)
		return -EINVAL;
	msrs = msrs_alloc(n);
	if (!msrs)
		return -ENOMEM;
	memcpy(msrs->entries, entries, n * sizeof(*entries));
	r = __vtx_ioctl(vcpu->fd, KVM_GET_MSRS, msrs);
	if (r > 0)
		memcpy(entries, msrs->entries, (r < n ? r : n) * sizeof(*entries));
	free(msrs);
	return r;
}

int __vtx_vcpu_set_msrs(struct vtx_vcpu *vcpu,
			const struct kvm_msr_entry *entries, int n)
{
	struct kvm_msrs *msrs;
	int r;

	if (n < 0)
		return -EINVAL;
	msrs = msrs_alloc(n);
	if (!msrs)
		return -ENOMEM;
	memcpy(msrs->entries, entries, n * sizeof(*entries));
	r = __vtx_ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	free(msrs);
	return r;
}

__u64 vtx_vcpu_get_msr(struct vtx_vcpu *vcpu, __u32 index)
{
	struct kvm_msr_entry e = { .index = index };
	int r = __vtx_vcpu_get_msrs(vcpu, &e, 1);

	VTX_ASSERT(r == 1, "KVM_GET_MSRS 0x%x: %d (%s)", index, r,
		   r < 0 ? strerror(-r) : "not processed");
	return e.data;
}

int __vtx_vcpu_set_msr(struct vtx_vcpu *vcpu, __u32 index, __u64 value)
{
	struct kvm_msr_entry e = { .index = index, .data = value };

	return __vtx_vcpu_set_msrs(vcpu, &e, 1);
}

void vtx_vcpu_set_msr(struct vtx_vcpu *vcpu, __u32 index, __u64 value)
{
	int r = __vtx_vcpu_set_msr(vcpu, index, value);

	VTX_ASSERT(r == 1, "KVM_SET_MSRS 0x%x = 0x%llx: %d (%s)", index,
		   (unsigned long long)value, r,
		   r < 0 ? strerror(-r) : "refused");
}

int __vtx_vcpu_setup_real_mode(struct vtx_vcpu *vcpu, __u64 rip)
{
	struct kvm_regs regs = {};
	struct kvm_sregs sregs;
	int r;

	r = __vtx_vcpu_get_sregs(vcpu, &sregs);
	if (r)
		return r;
	/* The reset state, but CS:IP = 0:@rip instead of f000:fff0. */
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.ds.selector = 0;
	sregs.ds.base = 0;
	sregs.es.selector = 0;
	sregs.es.base = 0;
	sregs.ss.selector = 0;
	sregs.ss.base = 0;
	r = __vtx_vcpu_set_sregs(vcpu, &sregs);
	if (r)
		return r;
	regs.rip = rip;
	regs.rsp = VTX_REAL_STACK;
	regs.rflags = 2;
	return __vtx_vcpu_set_regs(vcpu, &regs);
}

void vtx_vcpu_setup_real_mode(struct vtx_vcpu *vcpu, __u64 rip)
{
	int r = __vtx_vcpu_setup_real_mode(vcpu, rip);

	VTX_ASSERT(!r, "real mode at 0x%llx: %s", (unsigned long long)rip,
		   strerror(-r));
}

void vtx_vm_set_idt_entry(struct vtx_vm *vm, int vector, __u64 gpa)
{
	__u64 *gate = vtx_vm_hva(vm, VTX_IDT_GPA + vector * 16);

	/* 64-bit interrupt gate: present, DPL 0, type 0xe, IST 0. */
	gate[0] = (gpa & 0xffff) | ((__u64)VTX_SEL_CODE64 << 16) |
		  (0x8eULL << 40) | (((gpa >> 16) & 0xffff) << 48);
	gate[1] = gpa >> 32;
}

/*
 * The default handler of each vector, 16 bytes apiece:
 *	b8 <imm32>		mov $vector, %eax
 *	66 ba <imm16>		mov $VTX_PORT_EXCEPTION, %dx
 *	ef			out %eax, %dx
 *	f4			hlt
 *	eb fd			jmp back to the hlt
 *	90 90 90		nop padding
 */
static void write_stub(unsigned char *p, int vector)
{
	static const unsigned char tmpl[16] = {
		0xb8, 0, 0, 0, 0, 0x66, 0xba, VTX_PORT_EXCEPTION, 0,
		0xef, 0xf4, 0xeb, 0xfd, 0x90, 0x90, 0x90,
	};

	memcpy(p, tmpl, sizeof(tmpl));
	p[1] = vector;
}

int __vtx_vm_setup_long_mode(struct vtx_vm *vm)
{
	const __u64 last = VTX_STUBS_GPA + 0xfff;
	__u64 *gdt, *pml4, *pdpt, *pd, tss = VTX_TSS_GPA;
	unsigned char *stubs;
	int i;

	if (vm->tables)
		return 0;
	/* One slot must hold everything from the GDT to the last stub. */
	gdt = __vtx_vm_hva(vm, VTX_GDT_GPA);
	if (!gdt || (char *)__vtx_vm_hva(vm, last) !=
		    (char *)gdt + (last - VTX_GDT_GPA))
		return -EFAULT;
	stubs = vtx_vm_hva(vm, VTX_STUBS_GPA);

	/* GDT: null, 64-bit code, flat data, then the 16-byte TSS descriptor. */
	memset(gdt, 0, 0x1000);
	gdt[VTX_SEL_CODE64 / 8] = 0x00af9b000000ffffULL; /* G L P S type b */
	gdt[VTX_SEL_DATA / 8] = 0x00cf93000000ffffULL;	  /* G D P S type 3 */
	gdt[VTX_SEL_TSS / 8] = 0x67 | ((tss & 0xffffff) << 16) |
			       (0x8bULL << 40) |	/* P, busy 64-bit TSS */
			       (((tss >> 24) & 0xff) << 56);
	gdt[VTX_SEL_TSS / 8 + 1] = tss >> 32;

	memset(vtx_vm_hva(vm, VTX_TSS_GPA), 0, 0x1000);

	/* IDT: every vector on its default handler until a test says else. */
	for (i = 0; i < 256; i++) {
		write_stub(stubs + i * 16, i);
		vtx_vm_set_idt_entry(vm, i, VTX_STUBS_GPA + i * 16);
	}

	/* Identity map 0-4 GiB: PML4[0] -> PDPT[0..3] -> 4 PDs of 2M pages. */
	pml4 = vtx_vm_hva(vm, VTX_PML4_GPA);
	pdpt = vtx_vm_hva(vm, VTX_PDPT_GPA);
	pd = vtx_vm_hva(vm, VTX_PD_GPA);
	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = VTX_PDPT_GPA | 0x3;			/* P, RW */
	for (i = 0; i < 4; i++)
		pdpt[i] = (VTX_PD_GPA + i * 0x1000) | 0x3;
	for (i = 0; i < (int)(VTX_IDENTITY_MAP_SIZE >> 21); i++)
		pd[i] = ((__u64)i << 21) | 0x83;	/* P, RW, PS */

	vm->tables = true;
	return 0;
}

static void seg_flat(struct kvm_segment *s, __u16 selector, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = selector;
	s->type = code ? 11 : 3;	/* execute/read or read/write, accessed */
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

int __vtx_vcpu_setup_long_mode(struct vtx_vcpu *vcpu, __u64 rip)
{
	struct kvm_regs regs = {};
	struct kvm_sregs sregs;
	int r;

	r = __vtx_vm_setup_long_mode(vcpu->vm);
	if (r)
		return r;
	r = __vtx_vcpu_get_sregs(vcpu, &sregs);
	if (r)
		return r;
	seg_flat(&sregs.cs, VTX_SEL_CODE64, true);
	seg_flat(&sregs.ds, VTX_SEL_DATA, false);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;

	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = VTX_TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.selector = VTX_SEL_TSS;
	sregs.tr.type = 11;
	sregs.tr.present = 1;

	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.unusable = 1;

	sregs.gdt.base = VTX_GDT_GPA;
	sregs.gdt.limit = (VTX_SEL_TSS + 16) - 1;
	sregs.idt.base = VTX_IDT_GPA;
	sregs.idt.limit = 256 * 16 - 1;

	sregs.cr0 = VTX_CR0_PE | VTX_CR0_MP | VTX_CR0_ET | VTX_CR0_NE |
		    VTX_CR0_PG;
	sregs.cr3 = VTX_PML4_GPA;
	sregs.cr4 = VTX_CR4_PAE;
	sregs.efer = VTX_EFER_LME | VTX_EFER_LMA;
	r = __vtx_vcpu_set_sregs(vcpu, &sregs);
	if (r)
		return r;

	regs.rip = rip;
	regs.rsp = VTX_STACK_TOP - (__u64)vcpu->id * VTX_STACK_SIZE;
	regs.rflags = 2;
	return __vtx_vcpu_set_regs(vcpu, &regs);
}

void vtx_vcpu_setup_long_mode(struct vtx_vcpu *vcpu, __u64 rip)
{
	int r = __vtx_vcpu_setup_long_mode(vcpu, rip);

	VTX_ASSERT(!r, "64-bit mode at 0x%llx: %s", (unsigned long long)rip,
		   strerror(-r));
}

int __vtx_vcpu_run(struct vtx_vcpu *vcpu)
{
	return __vtx_ioctl(vcpu->fd, KVM_RUN, NULL);
}

void vtx_vcpu_run(struct vtx_vcpu *vcpu)
{
	int r = __vtx_vcpu_run(vcpu);
	char buf[160];

	VTX_ASSERT(!r, "KVM_RUN: %s (%s)", strerror(-r),
		   vtx_describe_exit(vcpu->run, buf, sizeof(buf)));
}
