// SPDX-License-Identifier: GPL-2.0
/*
 * Physical memory through an ELF core file: /proc/kcore of the running
 * kernel or /proc/vmcore of the kernel that crashed. Both describe memory
 * with PT_LOAD program headers whose p_paddr is the physical address
 * (kcore gives -1 for what is not RAM), so one reader serves both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/elf.h>

#include "vtx_test.h"

/* An ELF core's header and program headers, read whole. */
struct core {
	int fd;
	struct elf64_hdr eh;
	struct elf64_phdr *ph;
};

static int core_open(struct core *c, const char *path)
{
	size_t size;

	c->ph = NULL;
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	if (pread(c->fd, &c->eh, sizeof(c->eh), 0) != sizeof(c->eh) ||
	    memcmp(c->eh.e_ident, ELFMAG, SELFMAG) ||
	    c->eh.e_ident[EI_CLASS] != ELFCLASS64 || c->eh.e_type != ET_CORE ||
	    c->eh.e_phentsize != sizeof(*c->ph) || !c->eh.e_phnum)
		goto bad;
	size = (size_t)c->eh.e_phnum * sizeof(*c->ph);
	c->ph = malloc(size);
	if (!c->ph) {
		close(c->fd);
		return -ENOMEM;
	}
	if (pread(c->fd, c->ph, size, c->eh.e_phoff) != (ssize_t)size)
		goto bad;
	return 0;
bad:
	free(c->ph);
	close(c->fd);
	return -ENOEXEC;
}

static void core_close(struct core *c)
{
	free(c->ph);
	close(c->fd);
}

static int core_pread(struct core *c, const struct elf64_phdr *ph, __u64 off,
		      void *buf, size_t len)
{
	ssize_t n = pread(c->fd, buf, len, ph->p_offset + off);

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/*
 * The kernel image's own mapping (p_vaddr at __START_KERNEL_map and up)
 * covers _text to _end, including the init and gap pages the kernel freed
 * after boot. kcore reads it by virtual address, where those pages are no
 * longer mapped, so a page the allocator reused must be read through the
 * direct map instead.
 */
#define KERNEL_MAP_START	0xffffffff80000000ULL

/*
 * Read @len bytes at physical address @pa from the ELF core @path.
 * Return: 0, or a negative errno: -ENOENT when no PT_LOAD segment holds
 * the whole range, -ENOEXEC when @path is not a 64-bit ELF core.
 */
int vtx_core_read_phys(const char *path, __u64 pa, void *buf, size_t len)
{
	struct core c;
	int pass, i, r;

	r = core_open(&c, path);
	if (r)
		return r;
	r = -ENOENT;
	for (pass = 0; pass < 2 && r == -ENOENT; pass++) {
		for (i = 0; i < c.eh.e_phnum; i++) {
			struct elf64_phdr *ph = &c.ph[i];

			if (ph->p_type != PT_LOAD ||
			    ph->p_paddr == ~0ULL ||
			    (!pass && ph->p_vaddr >= KERNEL_MAP_START))
				continue;
			if (pa < ph->p_paddr ||
			    pa + len > ph->p_paddr + ph->p_filesz)
				continue;
			r = core_pread(&c, ph, pa - ph->p_paddr, buf, len);
			break;
		}
	}
	core_close(&c);
	return r;
}

/* Read @len bytes at kernel virtual address @va of the core @path. */
static int core_read_virt(struct core *c, __u64 va, void *buf, size_t len)
{
	int i;

	for (i = 0; i < c->eh.e_phnum; i++) {
		struct elf64_phdr *ph = &c->ph[i];

		if (ph->p_type == PT_LOAD && va >= ph->p_vaddr &&
		    va + len <= ph->p_vaddr + ph->p_filesz)
			return core_pread(c, ph, va - ph->p_vaddr, buf, len);
	}
	return -ENOENT;
}

/*
 * The value of "@key=" in the VMCOREINFO note: the crashed kernel's own
 * description of itself (symbol addresses in hex, offsets in decimal).
 */
static int core_vmcoreinfo(struct core *c, const char *key, int base,
			   __u64 *value)
{
	char *notes, *p, *end, *line;
	size_t klen = strlen(key);
	int i, r = -ENOENT;

	for (i = 0; i < c->eh.e_phnum && r == -ENOENT; i++) {
		struct elf64_phdr *ph = &c->ph[i];

		if (ph->p_type != PT_NOTE || !ph->p_filesz ||
		    ph->p_filesz > (1 << 20))
			continue;
		notes = malloc(ph->p_filesz + 1);
		if (!notes)
			return -ENOMEM;
		if (core_pread(c, ph, 0, notes, ph->p_filesz)) {
			free(notes);
			continue;
		}
		notes[ph->p_filesz] = 0;
		p = notes;
		end = notes + ph->p_filesz;
		while (r == -ENOENT && p + sizeof(struct elf64_note) <= end) {
			struct elf64_note *nh = (struct elf64_note *)p;
			char *name = p + sizeof(*nh);
			char *desc = name + ((nh->n_namesz + 3) & ~3U);

			p = desc + ((nh->n_descsz + 3) & ~3U);
			if (!nh->n_namesz || p > end)
				break;
			if (strcmp(name, "VMCOREINFO"))
				continue;
			desc[nh->n_descsz - (nh->n_descsz > 0)] = 0;
			for (line = desc; line && *line;
			     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
				if (!strncmp(line, key, klen) && line[klen] == '=') {
					*value = strtoull(line + klen + 1, NULL,
							  base);
					r = 0;
					break;
				}
			}
		}
		free(notes);
	}
	return r;
}

/*
 * The host name of the kernel that wrote the core, read from its
 * init_uts_ns through VMCOREINFO. A test can leave up to 64 bytes there
 * for the kdump kernel with sethostname(). Return: 0 or a negative errno.
 */
int vtx_core_hostname(const char *path, char *buf, size_t size)
{
	struct utsname *u = NULL;
	__u64 uts, name_off;
	struct core c;
	int r;

	if (size < sizeof(u->nodename))
		return -EINVAL;
	r = core_open(&c, path);
	if (r)
		return r;
	r = core_vmcoreinfo(&c, "SYMBOL(init_uts_ns)", 16, &uts);
	if (!r)
		r = core_vmcoreinfo(&c, "OFFSET(uts_namespace.name)", 10,
				    &name_off);
	if (!r)
		r = core_read_virt(&c, uts + name_off +
				   offsetof(struct utsname, nodename),
				   buf, sizeof(u->nodename));
	if (!r)
		buf[sizeof(u->nodename) - 1] = 0;
	core_close(&c);
	return r;
}

/*
 * The launch state of the VMCS at @pa as the emulated CPU keeps it in
 * memory: Bochs stores it as a 32-bit word at offset 8 of the VMCS region,
 * 0 for clear, 1 for launched. Real hardware caches it, so on a real CPU
 * this says nothing.
 */
int vtx_core_vmcs_launch_state(const char *path, __u64 pa, __u32 *state)
{
	return vtx_core_read_phys(path, pa + VTX_BOCHS_VMCS_LAUNCH_OFFSET,
				  state, sizeof(*state));
}
