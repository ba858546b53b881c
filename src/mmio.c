// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO and string port I/O, completed by user space as in KVM.
 *
 * A guest read or write of a guest-physical address that no memory slot
 * covers, or a write to a read-only slot, becomes KVM_EXIT_MMIO: the
 * instruction at the guest's RIP is fetched through the guest's page
 * tables, decoded (mmio_insn.c: MOV, MOVZX, MOVSX, MOVS and STOS), and
 * its address, width, direction and (for a write) data go to user space.
 * The next KVM_RUN completes it: a load takes run->mmio.data into its
 * register, string instructions step RSI, RDI and RCX, and RIP moves on
 * (not while a REP has elements left: the guest runs the instruction
 * again). Anything the decoder does not know, and any guest memory the
 * guest's own tables do not let it reach, ends in KVM_EXIT_INTERNAL_ERROR
 * (KVM_INTERNAL_ERROR_EMULATION) with the instruction's bytes, never in a
 * guess. An instruction fetch from outside the slots stays
 * KVM_EXIT_MEMORY_FAULT.
 *
 * INS and OUTS (REP too) become KVM_EXIT_IO with count up to a page of
 * data: OUTS reads its elements from guest memory before the exit, INS
 * writes them after. The address size and segment come from the VM-exit
 * instruction information (VMX_BASIC bit 54); without it string I/O
 * stays an internal error.
 *
 * Guest memory is read and written through the VMM's own mapping of the
 * slot (copy_from_user(), copy_to_user()), as KVM's kvm_read_guest()
 * does: it can never reach more than the VMM itself can.
 *
 * Context: KVM_RUN, preemptible; the VMCS is read with preemption off.
 */
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "caps.h"
#include "exit.h"
#include "guest_walk.h"
#include "mmio.h"
#include "vcpu.h"
#include "vm.h"
#include "vmcs_init.h"
#include "vmx_ops.h"

/* What the VMCS says about the guest, read once per emulated access. */
struct vtx_mmio_state {
	struct vtx_walk walk;
	u64 base[6];		/* by enum vtx_insn_seg */
	u64 rip, rflags, rsp;
	enum vtx_insn_mode mode;
};

/* The guest's memory at @gpa, through the VMM's mapping of its slot. */
static int vtx_mmio_gpa_rw(struct vtx_vcpu *vcpu, u64 gpa, void *buf,
			   unsigned int len, bool write)
{
	struct vtx_vm *vm = vcpu->vm;
	const struct vtx_memslot *s;
	struct vtx_memslot slot;
	void __user *hva;

	spin_lock(&vm->mmu_lock);
	s = vtx_memslot_find(vm->slots, VTX_NR_MEMSLOTS, gpa);
	if (s)
		slot = *s;
	spin_unlock(&vm->mmu_lock);
	if (!s || gpa + len > slot.gpa + ((u64)slot.npages << PAGE_SHIFT))
		return -ENOENT;
	if (write && (slot.flags & KVM_MEM_READONLY))
		return -EPERM;
	hva = (void __user *)(unsigned long)(slot.uaddr + (gpa - slot.gpa));
	if (write)
		return copy_to_user(hva, buf, len) ? -EFAULT : 0;
	return copy_from_user(buf, hva, len) ? -EFAULT : 0;
}

static int vtx_mmio_read_pte(void *ctx, u64 gpa, unsigned int size, u64 *pte)
{
	*pte = 0;
	return vtx_mmio_gpa_rw(ctx, gpa, pte, size, false);
}

static void vtx_mmio_snapshot(struct vtx_vcpu *vcpu, struct vtx_mmio_state *st)
{
	static const unsigned long bases[] = {
		GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE,
		GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE,
	};
	static const unsigned long pdptrs[] = {
		GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2, GUEST_PDPTR3,
	};
	u32 cs_ar, ss_ar;
	int i;

	memset(st, 0, sizeof(*st));
	preempt_disable();
	st->walk.cr0 = vtx_guest_read_cr0();
	st->walk.cr3 = vmcs_readl(GUEST_CR3);
	st->walk.cr4 = vtx_guest_read_cr4();
	st->walk.efer = vtx_guest_read_efer(vcpu);
	for (i = 0; i < ARRAY_SIZE(pdptrs); i++)
		st->walk.pdpte[i] = vmcs_read64(pdptrs[i]);
	for (i = 0; i < ARRAY_SIZE(bases); i++)
		st->base[i] = vmcs_readl(bases[i]);
	cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);
	ss_ar = vmcs_read32(GUEST_SS_AR_BYTES);
	st->rip = vmcs_readl(GUEST_RIP);
	st->rflags = vmcs_readl(GUEST_RFLAGS);
	st->rsp = vmcs_readl(GUEST_RSP);
	preempt_enable();

	if ((st->walk.efer & EFER_LMA) && (cs_ar & BIT(13)))
		st->mode = VTX_INSN_MODE64;
	else if (cs_ar & BIT(14))
		st->mode = VTX_INSN_MODE32;
	else
		st->mode = VTX_INSN_MODE16;
	/* CPL is SS.DPL; in virtual-8086 mode it is 3. */
	st->walk.user = ((ss_ar >> 5) & 3) == 3 ||
			(st->rflags & X86_EFLAGS_VM);
	st->walk.read_pte = vtx_mmio_read_pte;
	st->walk.ctx = vcpu;
}

/* A linear address: outside 64-bit mode it wraps at 4 GiB. */
static u64 vtx_mmio_linear(const struct vtx_mmio_state *st, u8 seg, u64 off)
{
	u64 base = st->mode == VTX_INSN_MODE64 &&
		   seg != VTX_SEG_FS && seg != VTX_SEG_GS ? 0 : st->base[seg];

	return st->mode == VTX_INSN_MODE64 ? base + off : (u32)(base + off);
}

/* @len bytes of guest memory at @linear, page by page. */
static int vtx_mmio_linear_rw(struct vtx_vcpu *vcpu,
			      const struct vtx_mmio_state *st, u64 linear,
			      void *buf, unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(u64, len,
				       PAGE_SIZE - offset_in_page(linear));
		u64 gpa;
		int r;

		r = vtx_guest_walk(&st->walk, linear, write, &gpa);
		if (!r)
			r = vtx_mmio_gpa_rw(vcpu, gpa, buf, n, write);
		if (r)
			return r;
		linear += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The instruction's bytes: as many as can be read, up to 15. */
static unsigned int vtx_mmio_fetch(struct vtx_vcpu *vcpu,
				   const struct vtx_mmio_state *st, u8 *bytes)
{
	u64 linear = vtx_mmio_linear(st, VTX_SEG_CS, st->rip);
	unsigned int first = min_t(u64, VTX_INSN_MAX_LEN,
				   PAGE_SIZE - offset_in_page(linear));

	if (vtx_mmio_linear_rw(vcpu, st, linear, bytes, first, false))
		return 0;
	if (first < VTX_INSN_MAX_LEN &&
	    !vtx_mmio_linear_rw(vcpu, st, linear + first, bytes + first,
				VTX_INSN_MAX_LEN - first, false))
		return VTX_INSN_MAX_LEN;
	return first;
}

/* KVM_EXIT_INTERNAL_ERROR naming the instruction's bytes, as KVM does. */
static int vtx_mmio_fail(struct vtx_vcpu *vcpu, const u8 *bytes,
			 unsigned int n)
{
	struct kvm_run *run = vcpu->run;

	vcpu->mmio.kind = VTX_MMIO_NONE;
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;
	run->emulation_failure.flags =
		KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = n;
	memset(run->emulation_failure.insn_bytes, 0,
	       sizeof(run->emulation_failure.insn_bytes));
	memcpy(run->emulation_failure.insn_bytes, bytes, n);
	return 0;
}

static u64 vtx_mmio_reg(struct vtx_vcpu *vcpu,
			const struct vtx_mmio_state *st, unsigned int n)
{
	return n == VTX_REG_RSP ? st->rsp : vcpu->regs[n];
}

static void vtx_mmio_set_reg(struct vtx_vcpu *vcpu, unsigned int n, u64 v)
{
	if (n != VTX_REG_RSP) {
		vcpu->regs[n] = v;
		return;
	}
	preempt_disable();
	vmcs_writel(GUEST_RSP, v);
	preempt_enable();
}

/* @reg plus @delta, in the low @asize bytes only, as string steps are. */
static u64 vtx_mmio_step(u64 reg, s64 delta, unsigned int asize)
{
	switch (asize) {
	case 2:
		return (reg & ~0xffffULL) | (u16)(reg + delta);
	case 4:
		return (u32)(reg + delta);
	}
	return reg + delta;
}

static u64 vtx_mmio_amask(unsigned int asize)
{
	return asize == 8 ? ~0ULL : BIT_ULL(asize * 8) - 1;
}

/**
 * vtx_mmio_fault() - turn an access outside guest RAM into KVM_EXIT_MMIO
 * @vcpu: the vCPU
 * @gpa: the address the EPT violation gave
 * @write: the access writes
 *
 * Return: 0 with kvm_run set (KVM_EXIT_MMIO or KVM_EXIT_INTERNAL_ERROR).
 */
int vtx_mmio_fault(struct vtx_vcpu *vcpu, u64 gpa, bool write)
{
	struct vtx_mmio *m = &vcpu->mmio;
	struct kvm_run *run = vcpu->run;
	struct vtx_insn *i = &m->insn;
	struct vtx_mmio_state st;
	u8 bytes[VTX_INSN_MAX_LEN];
	unsigned int n;
	u64 data = 0;

	vtx_mmio_snapshot(vcpu, &st);
	n = vtx_mmio_fetch(vcpu, &st, bytes);
	if (vtx_insn_decode(bytes, n, st.mode, i))
		return vtx_mmio_fail(vcpu, bytes, n);
	/* One access within the page that faulted. */
	if (offset_in_page(gpa) + i->size > PAGE_SIZE)
		return vtx_mmio_fail(vcpu, bytes, n);
	switch (i->op) {
	case VTX_INSN_LOAD:
		if (write)
			return vtx_mmio_fail(vcpu, bytes, n);
		break;
	case VTX_INSN_STORE:
	case VTX_INSN_STOS:
		if (!write)
			return vtx_mmio_fail(vcpu, bytes, n);
		data = vtx_mmio_reg(vcpu, &st, i->high8 ? i->reg - 4 : i->reg);
		data = vtx_insn_store_value(i, data);
		break;
	case VTX_INSN_MOVS:
		/* MMIO is the destination: read the source now. */
		if (write &&
		    vtx_mmio_linear_rw(vcpu, &st,
				       vtx_mmio_linear(&st, i->seg,
						       vcpu->regs[VTX_REG_RSI] &
						       vtx_mmio_amask(i->addr_size)),
				       &data, i->size, false))
			return vtx_mmio_fail(vcpu, bytes, n);
		break;
	}
	m->kind = VTX_MMIO_MEM;
	m->write = write;
	m->rip = st.base[VTX_SEG_CS] + st.rip;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = i->size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &data, i->size);
	return 0;
}

/*
 * After the instruction: step RSI and RDI by @count elements, and RCX
 * for a REP; move RIP on once no element is left. @src and @dst say
 * which of RSI and RDI the instruction uses.
 */
static void vtx_mmio_string_done(struct vtx_vcpu *vcpu,
				 const struct vtx_mmio_state *st, bool src,
				 bool dst, unsigned int size, unsigned int count,
				 bool rep, unsigned int asize, unsigned int len)
{
	s64 delta = (s64)size * count;
	bool done = true;

	if (st->rflags & X86_EFLAGS_DF)
		delta = -delta;
	if (src)
		vcpu->regs[VTX_REG_RSI] =
			vtx_mmio_step(vcpu->regs[VTX_REG_RSI], delta, asize);
	if (dst)
		vcpu->regs[VTX_REG_RDI] =
			vtx_mmio_step(vcpu->regs[VTX_REG_RDI], delta, asize);
	if (rep) {
		vcpu->regs[VTX_REG_RCX] =
			vtx_mmio_step(vcpu->regs[VTX_REG_RCX], -(s64)count,
				      asize);
		done = !(vcpu->regs[VTX_REG_RCX] & vtx_mmio_amask(asize));
	}
	if (done) {
		preempt_disable();
		vtx_exit_advance(vcpu, len);
		preempt_enable();
	}
}

static int vtx_mmio_complete_mem(struct vtx_vcpu *vcpu,
				 const struct vtx_mmio_state *st)
{
	struct vtx_mmio *m = &vcpu->mmio;
	const struct vtx_insn *i = &m->insn;
	u64 data = 0;
	unsigned int reg;

	memcpy(&data, vcpu->run->mmio.data, i->size);
	switch (i->op) {
	case VTX_INSN_LOAD:
		reg = i->high8 ? i->reg - 4 : i->reg;
		vtx_mmio_set_reg(vcpu, reg,
				 vtx_insn_load_result(i, vtx_mmio_reg(vcpu, st,
								      reg),
						      data));
		break;
	case VTX_INSN_MOVS:
		/* MMIO was the source: the destination is ES:rDI. */
		if (!m->write &&
		    vtx_mmio_linear_rw(vcpu, st,
				       vtx_mmio_linear(st, VTX_SEG_ES,
						       vcpu->regs[VTX_REG_RDI] &
						       vtx_mmio_amask(i->addr_size)),
				       &data, i->size, true))
			return vtx_mmio_fail(vcpu, NULL, 0);
		vtx_mmio_string_done(vcpu, st, true, true, i->size, 1, i->rep,
				     i->addr_size, i->len);
		return 1;
	case VTX_INSN_STOS:
		vtx_mmio_string_done(vcpu, st, false, true, i->size, 1, i->rep,
				     i->addr_size, i->len);
		return 1;
	}
	preempt_disable();
	vtx_exit_advance(vcpu, i->len);
	preempt_enable();
	return 1;
}

/* The guest linear address of element @k of the string I/O in @m. */
static u64 vtx_mmio_element(struct vtx_vcpu *vcpu,
			    const struct vtx_mmio_state *st,
			    const struct vtx_mmio *m, unsigned int k)
{
	s64 delta = (s64)m->size * k;
	u64 reg = m->write ? vcpu->regs[VTX_REG_RSI] : vcpu->regs[VTX_REG_RDI];

	if (st->rflags & X86_EFLAGS_DF)
		delta = -delta;
	return vtx_mmio_linear(st, m->write ? m->seg : VTX_SEG_ES,
			       vtx_mmio_step(reg, delta, m->addr_size) &
			       vtx_mmio_amask(m->addr_size));
}

static int vtx_mmio_complete_string(struct vtx_vcpu *vcpu,
				    const struct vtx_mmio_state *st)
{
	struct vtx_mmio *m = &vcpu->mmio;
	u8 *data = page_address(vcpu->pio_page);
	unsigned int k;

	if (!m->write)
		for (k = 0; k < m->count; k++)
			if (vtx_mmio_linear_rw(vcpu, st,
					       vtx_mmio_element(vcpu, st, m, k),
					       data + k * m->size, m->size,
					       true))
				return vtx_mmio_fail(vcpu, NULL, 0);
	vtx_mmio_string_done(vcpu, st, m->write, !m->write, m->size, m->count,
			     m->rep, m->addr_size, m->len);
	return 1;
}

/**
 * vtx_mmio_complete() - finish what user space answered
 * @vcpu: the vCPU
 *
 * Return: 1 to run the guest; 0 with KVM_EXIT_INTERNAL_ERROR when guest
 * memory could not take the result.
 */
int vtx_mmio_complete(struct vtx_vcpu *vcpu)
{
	struct vtx_mmio_state st;
	u8 kind = vcpu->mmio.kind;

	if (kind == VTX_MMIO_NONE)
		return 1;
	vtx_mmio_snapshot(vcpu, &st);
	/* User space moved the guest elsewhere: forget it, as KVM does. */
	if (st.base[VTX_SEG_CS] + st.rip != vcpu->mmio.rip) {
		vcpu->mmio.kind = VTX_MMIO_NONE;
		return 1;
	}
	if (kind == VTX_MMIO_MEM) {
		if (vtx_mmio_complete_mem(vcpu, &st) == 0)
			return 0;
	} else if (vtx_mmio_complete_string(vcpu, &st) == 0) {
		return 0;
	}
	vcpu->mmio.kind = VTX_MMIO_NONE;
	return 1;
}

/**
 * vtx_mmio_string_io() - KVM_EXIT_IO for INS or OUTS
 * @vcpu: the vCPU; vtx_exit_handle() filled in vcpu->mmio and run->io.port
 *
 * Return: 0 with kvm_run set (KVM_EXIT_IO, or KVM_EXIT_INTERNAL_ERROR
 * when the guest's memory cannot be reached); 1 for a REP with nothing to
 * do.
 */
int vtx_mmio_string_io(struct vtx_vcpu *vcpu)
{
	struct vtx_mmio *m = &vcpu->mmio;
	struct kvm_run *run = vcpu->run;
	u8 *data = page_address(vcpu->pio_page);
	struct vtx_mmio_state st;
	unsigned int k, count = 1;
	u64 gpa;

	vtx_mmio_snapshot(vcpu, &st);
	if (m->rep)
		count = min_t(u64, vcpu->regs[VTX_REG_RCX] &
			      vtx_mmio_amask(m->addr_size), PAGE_SIZE / m->size);
	if (!count) {
		m->kind = VTX_MMIO_NONE;
		preempt_disable();
		vtx_exit_advance(vcpu, m->len);
		preempt_enable();
		return 1;
	}
	/* Stop the batch at the first element the guest cannot reach. */
	for (k = 0; k < count; k++) {
		u64 linear = vtx_mmio_element(vcpu, &st, m, k);
		int r;

		if (m->write)
			r = vtx_mmio_linear_rw(vcpu, &st, linear,
					       data + k * m->size, m->size,
					       false);
		else
			r = vtx_guest_walk(&st.walk, linear, true, &gpa) ?:
			    vtx_guest_walk(&st.walk, linear + m->size - 1,
					   true, &gpa);
		if (r)
			break;
	}
	if (!k)
		return vtx_mmio_fail(vcpu, NULL, 0);
	m->count = k;
	m->rip = st.base[VTX_SEG_CS] + st.rip;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = m->write ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = m->size;
	run->io.count = k;
	run->io.data_offset = PAGE_SIZE;
	return 0;
}
