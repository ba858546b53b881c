// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD: a VM's and a vCPU's counters in KVM's binary stats
 * format (KVM's api.rst, "KVM_GET_STATS_FD"), so that the tools and
 * parsers written for kvm_intel read vtx unchanged.
 *
 * The file is: struct kvm_stats_header; the id string ("vtx-<pid>", or
 * "vtx-<pid>/vcpu-<id>"), 48 bytes as in KVM; the descriptors,
 * each a struct kvm_stats_desc and its name; then one u64 per counter.
 * Everything but the values is fixed when the file is opened; the values
 * are read at each read(), without stopping the vCPU, as KVM does.
 *
 * vCPU counters: "exits", one "exits_<reason>" per basic exit reason
 * <asm/vmx.h> names (VMX_EXIT_REASONS) and "exits_other" for the rest,
 * then VTX_GET_VCPU_STATS's other counters. VM counters: "vcpus" and the
 * VM's "exits". All are cumulative, without unit, except "vcpus".
 */
#include <linux/anon_inodes.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <asm/vmx.h>

#include "stats.h"
#include "vcpu.h"
#include "vm.h"
#include "vmcs.h"

struct vtx_stats_reason {
	u32 reason;
	const char *name;
};

static const struct vtx_stats_reason vtx_stats_reasons[] = {
	VMX_EXIT_REASONS
};

/* VTX_GET_VCPU_STATS's counters after the exits, in this order. */
static const char *const vtx_stats_vcpu_more[] = {
	"vmcs_loads", "vmcs_migrations", "l1d_flushes", "ibpb_requests",
	"ept_splits", "exceptions_db", "exceptions_ac",
};

/**
 * struct vtx_stats_file - an open stats file
 * @vm: the VM, referenced for the file's life
 * @vcpu: the vCPU, or NULL for the VM's file
 * @n: the number of counters
 * @reasons: for a vCPU, the exit reason of each "exits_*" counter; the
 *	last, "exits_other", is VTX_NR_EXIT_COUNTERS - 1, the counter that
 *	the reasons from there up share
 * @size: the file's size
 * @image: the header, id and descriptors: @size bytes, values zero
 */
struct vtx_stats_file {
	struct vtx_vm *vm;
	struct vtx_vcpu *vcpu;
	unsigned int n;
	u16 reasons[ARRAY_SIZE(vtx_stats_reasons) + 1];
	size_t size;
	u8 *image;
};

/* A name's room, as KVM's (KVM_STATS_NAME_SIZE): the header says it too. */
#define VTX_STATS_NAME_SIZE	48
#define VTX_STATS_DESC_SIZE	(sizeof(struct kvm_stats_desc) + \
				 VTX_STATS_NAME_SIZE)

static void vtx_stats_name(struct vtx_stats_file *f, unsigned int i,
			   const char *prefix, const char *name, u32 flags)
{
	struct kvm_stats_header *h = (struct kvm_stats_header *)f->image;
	struct kvm_stats_desc *d;
	char *p;

	d = (struct kvm_stats_desc *)(f->image + h->desc_offset +
				      i * VTX_STATS_DESC_SIZE);
	d->flags = flags | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10;
	d->size = 1;
	d->offset = i * sizeof(u64);
	snprintf(d->name, VTX_STATS_NAME_SIZE, "%s%s", prefix, name);
	for (p = d->name; *p; p++)
		*p = tolower(*p);
}

/* The counters of @f, and the layout of its image. */
static int vtx_stats_layout(struct vtx_stats_file *f)
{
	struct kvm_stats_header *h;
	unsigned int i, n = 0;

	if (f->vcpu) {
		for (i = 0; i < ARRAY_SIZE(vtx_stats_reasons); i++)
			if (vtx_stats_reasons[i].reason <
			    VTX_NR_EXIT_COUNTERS - 1)
				f->reasons[n++] = vtx_stats_reasons[i].reason;
		f->reasons[n++] = VTX_NR_EXIT_COUNTERS - 1;
		f->n = 1 + n + ARRAY_SIZE(vtx_stats_vcpu_more);
	} else {
		f->n = 2;
	}
	f->size = sizeof(*h) + VTX_STATS_NAME_SIZE +
		  f->n * (VTX_STATS_DESC_SIZE + sizeof(u64));
	f->image = kzalloc(f->size, GFP_KERNEL_ACCOUNT);
	if (!f->image)
		return -ENOMEM;
	h = (struct kvm_stats_header *)f->image;
	h->name_size = VTX_STATS_NAME_SIZE;
	h->num_desc = f->n;
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + VTX_STATS_NAME_SIZE;
	h->data_offset = h->desc_offset + f->n * VTX_STATS_DESC_SIZE;
	if (f->vcpu)
		snprintf(f->image + h->id_offset, VTX_STATS_NAME_SIZE,
			 "vtx-%d/vcpu-%u", task_tgid_nr(current), f->vcpu->id);
	else
		snprintf(f->image + h->id_offset, VTX_STATS_NAME_SIZE,
			 "vtx-%d", task_tgid_nr(current));

	if (!f->vcpu) {
		vtx_stats_name(f, 0, "", "vcpus", KVM_STATS_TYPE_INSTANT);
		vtx_stats_name(f, 1, "", "exits", KVM_STATS_TYPE_CUMULATIVE);
		return 0;
	}
	vtx_stats_name(f, 0, "", "exits", KVM_STATS_TYPE_CUMULATIVE);
	for (i = 0, n = 0; i < ARRAY_SIZE(vtx_stats_reasons); i++)
		if (vtx_stats_reasons[i].reason < VTX_NR_EXIT_COUNTERS - 1)
			vtx_stats_name(f, 1 + n++, "exits_",
				       vtx_stats_reasons[i].name,
				       KVM_STATS_TYPE_CUMULATIVE);
	vtx_stats_name(f, 1 + n, "exits_", "other",
		       KVM_STATS_TYPE_CUMULATIVE);
	for (i = 0; i < ARRAY_SIZE(vtx_stats_vcpu_more); i++)
		vtx_stats_name(f, 2 + n + i, "", vtx_stats_vcpu_more[i],
			       KVM_STATS_TYPE_CUMULATIVE);
	return 0;
}

/* The counters, now, in descriptor order. */
static void vtx_stats_values(const struct vtx_stats_file *f, u64 *v)
{
	const struct vtx_vcpu *c = f->vcpu;
	unsigned int i, k = 0;

	if (!c) {
		unsigned int nr = READ_ONCE(f->vm->created_vcpus);

		v[0] = nr;
		v[1] = 0;
		for (i = 0; i < min_t(unsigned int, nr, VTX_MAX_VCPUS); i++) {
			const struct vtx_vcpu *vc = READ_ONCE(f->vm->vcpus[i]);

			if (vc)
				v[1] += READ_ONCE(vc->exits);
		}
		return;
	}
	v[k++] = READ_ONCE(c->exits);
	for (i = 0; i + 1 < f->n - ARRAY_SIZE(vtx_stats_vcpu_more); i++)
		v[k++] = READ_ONCE(c->exit_reason[f->reasons[i]]);
	v[k++] = READ_ONCE(c->vmcs->loads);
	v[k++] = READ_ONCE(c->vmcs->migrations);
	v[k++] = READ_ONCE(c->l1d_flushes);
	v[k++] = READ_ONCE(c->ibpb_requests);
	v[k++] = READ_ONCE(c->ept_splits);
	v[k++] = READ_ONCE(c->exceptions_db);
	v[k++] = READ_ONCE(c->exceptions_ac);
}

static ssize_t vtx_stats_read(struct file *file, char __user *buf,
			      size_t len, loff_t *pos)
{
	struct vtx_stats_file *f = file->private_data;
	const struct kvm_stats_header *h = (void *)f->image;
	ssize_t r;
	u8 *copy;

	copy = kmemdup(f->image, f->size, GFP_KERNEL_ACCOUNT);
	if (!copy)
		return -ENOMEM;
	vtx_stats_values(f, (u64 *)(copy + h->data_offset));
	r = simple_read_from_buffer(buf, len, pos, copy, f->size);
	kfree(copy);
	return r;
}

static int vtx_stats_release(struct inode *inode, struct file *file)
{
	struct vtx_stats_file *f = file->private_data;

	vtx_vm_put(f->vm);
	kfree(f->image);
	kfree(f);
	return 0;
}

static const struct file_operations vtx_stats_fops = {
	.owner = THIS_MODULE,
	.read = vtx_stats_read,
	.release = vtx_stats_release,
	.llseek = noop_llseek,
};

/**
 * vtx_stats_fd() - KVM_GET_STATS_FD on a VM or a vCPU fd
 * @vm: the VM
 * @vcpu: the vCPU, or NULL for the VM's counters
 *
 * Return: a new read-only file descriptor, or -ENOMEM, -EMFILE.
 */
int vtx_stats_fd(struct vtx_vm *vm, struct vtx_vcpu *vcpu)
{
	struct vtx_stats_file *f;
	struct file *file;
	int fd, r;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->vm = vm;
	f->vcpu = vcpu;
	r = vtx_stats_layout(f);
	if (r)
		goto free;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto free;
	}
	file = anon_inode_getfile(vcpu ? "vtx-vcpu-stats" : "vtx-vm-stats",
				  &vtx_stats_fops, f, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto free;
	}
	/* Read with pread(), as KVM's stats files are. */
	file->f_mode |= FMODE_PREAD;
	vtx_vm_get(vm);
	fd_install(fd, file);
	return fd;
free:
	kfree(f->image);
	kfree(f);
	return r;
}
