// SPDX-License-Identifier: GPL-2.0
/*
 * pvh-stub - boot an uncompressed x86-64 vmlinux through its PVH entry point
 * from a Multiboot (v1) loader such as isolinux's mboot.c32.
 *
 * The loader starts us in 32-bit protected mode, paging off, with two
 * modules: the vmlinux ELF64 image (module 0) and the initrd (module 1).
 * Our own Multiboot command line is "<our file name> <kernel command line>".
 * We place the kernel's PT_LOAD segments at their physical addresses, build
 * an hvm_start_info (version 1: E820 map, command line, initrd) and jump to
 * the address in the kernel's XEN_ELFNOTE_PHYS32_ENTRY note with %ebx
 * pointing at it (see the kernel's arch/x86/platform/pvh/head.S and
 * Documentation/x86/boot.rst). This skips the bzImage decompressor, which
 * is very slow under emulation.
 *
 * Built freestanding: gcc -m32 -ffreestanding -nostdlib -fno-pic, linked
 * with ld -m elf_i386 -T stub.lds (load address 1 MiB).
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* Multiboot v1: page-align modules, pass memory info (mem_*, mmap_*). */
#define MB_HDR_MAGIC	0x1badb002
#define MB_HDR_FLAGS	0x00000003
#define MB_BOOT_MAGIC	0x2badb002
#define MBI_CMDLINE	(1u << 2)
#define MBI_MODS	(1u << 3)
#define MBI_MMAP	(1u << 6)

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
};

struct mb_module {
	u32 start, end;
	u32 string;
	u32 reserved;
};

struct mb_mmap {			/* "size" does not count itself */
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

/* Our own definitions of the PVH boot ABI (xen/interface/hvm/start_info.h). */
#define HVM_START_MAGIC		0x336ec578
#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct hvm_start_info {
	u32 magic;
	u32 version;		/* 1: has the memory map fields */
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_modlist_entry {
	u64 paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	u64 addr, size;
	u32 type, reserved;
};

/* The few ELF64 fields we need. */
struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD		1
#define PT_NOTE		4
#define EM_X86_64	62

#define CMDLINE_SIZE	2048	/* x86 COMMAND_LINE_SIZE */
#define MAX_MEMMAP	128

__attribute__((section(".mbheader"), used, aligned(4)))
static const u32 mb_header[3] = {
	MB_HDR_MAGIC, MB_HDR_FLAGS, -(MB_HDR_MAGIC + MB_HDR_FLAGS)
};

struct hvm_start_info start_info;
static struct hvm_modlist_entry modlist;
static struct hvm_memmap_entry memmap[MAX_MEMMAP];
static char cmdline[CMDLINE_SIZE];
u8 stub_stack[8192] __attribute__((aligned(16)));
extern u8 __stub_end[];

u32 stub_main(u32 magic, struct mb_info *mbi);

/*
 * Entry from the loader: %eax = Multiboot magic, %ebx = info. Run on our
 * own stack, then enter the kernel with %ebx = &start_info (interrupts off,
 * flat segments and paging off as the loader left them).
 */
asm(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	cli\n"
	"	cld\n"
	"	movl $stub_stack + 8192, %esp\n"
	"	pushl %ebx\n"
	"	pushl %eax\n"
	"	call stub_main\n"
	"	movl $start_info, %ebx\n"
	"	xorl %esi, %esi\n"
	"	xorl %edi, %edi\n"
	"	jmp *%eax\n"
	".previous\n");

static inline void outb(u16 port, u8 val)
{
	asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 val;

	asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

/* COM1 at 115200 8N1 (the BIOS leaves it at 5 data bits). */
static void serial_init(void)
{
	outb(0x3fb, 0x80);	/* LCR: DLAB, to set the divisor */
	outb(0x3f8, 1);		/* 115200 baud */
	outb(0x3f9, 0);
	outb(0x3fb, 0x03);	/* LCR: 8N1 */
	outb(0x3f9, 0);		/* IER: no interrupts */
}

static void serial_puts(const char *s)
{
	for (; *s; s++) {
		int spin = 100000;

		while (!(inb(0x3fd) & 0x20) && --spin)
			;
		outb(0x3f8, *s);
	}
}

static void serial_hex(u32 v)
{
	char buf[11] = "0x";
	int i;

	for (i = 0; i < 8; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
	buf[10] = 0;
	serial_puts(buf);
}

/* Report and reset through a triple fault (emu-run.sh stops Bochs then). */
static void __attribute__((noreturn)) fail(const char *why)
{
	static const u16 null_idt[3];

	serial_puts("pvh-stub: ");
	serial_puts(why);
	serial_puts("\r\n");
	asm volatile("lidt %0; int3" : : "m"(null_idt));
	for (;;)
		asm volatile("hlt");
}

/* gcc may emit calls to these even when freestanding. */
void *memcpy(void *dst, const void *src, u32 n)
{
	void *d = dst;

	asm volatile("rep movsl; movl %3, %%ecx; rep movsb"
		     : "+D"(d), "+S"(src), "+c"((u32){ n >> 2 })
		     : "r"(n & 3) : "memory");
	return dst;
}

void *memset(void *dst, int c, u32 n)
{
	void *d = dst;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

static int overlaps(u32 a, u32 alen, u32 b, u32 blen)
{
	return a < b + blen && b < a + alen;
}

static u32 align_up(u32 v, u32 a)
{
	return (v + a - 1) & ~(a - 1);
}

/* A 16-bit word at a fixed physical address (hidden from gcc's bounds checks). */
static u32 read16(u32 addr)
{
	u32 v;

	asm volatile("movzwl (%1), %0" : "=r"(v) : "r"(addr));
	return v;
}

/* The ACPI RSDP: first KiB of the EBDA (segment at 0x40e), then the BIOS area. */
static u32 find_rsdp(void)
{
	u32 ranges[2][2] = {
		{ read16(0x40e) << 4, 1024 }, { 0xe0000, 0x20000 },
	};
	int r;

	for (r = 0; r < 2; r++) {
		u32 p;

		if (!ranges[r][0])
			continue;
		for (p = ranges[r][0]; p < ranges[r][0] + ranges[r][1]; p += 16) {
			const u8 *b = (const u8 *)p;
			u8 sum = 0;
			int i;

			if (*(const u32 *)b != 0x20445352 ||	/* "RSD " */
			    *(const u32 *)(b + 4) != 0x20525450)	/* "PTR " */
				continue;
			for (i = 0; i < 20; i++)
				sum += b[i];
			if (!sum)
				return p;
		}
	}
	return 0;
}

/* The PVH entry point from the kernel's ELF notes (owner "Xen", type 18). */
static u32 find_entry(const u8 *img, const struct elf64_phdr *ph, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		u32 off = 0;

		if (ph[i].type != PT_NOTE)
			continue;
		while (off + 12 <= ph[i].filesz) {
			const u32 *nh = (const u32 *)(img + ph[i].offset + off);
			const char *name = (const char *)(nh + 3);
			u32 desc = 12 + align_up(nh[0], 4);

			if (nh[0] == 4 && nh[2] == XEN_ELFNOTE_PHYS32_ENTRY &&
			    name[0] == 'X' && name[1] == 'e' && name[2] == 'n' &&
			    !name[3])
				return *(const u32 *)((const u8 *)nh + desc);
			off += desc + align_up(nh[1], 4);
		}
	}
	return 0;
}

u32 stub_main(u32 magic, struct mb_info *mbi)
{
	struct mb_module *mods = (struct mb_module *)mbi->mods_addr;
	const struct elf64_ehdr *eh;
	const struct elf64_phdr *ph;
	u32 kimg, klen, rd, rdlen, klo = ~0u, khi = 0, top, limit = 0;
	u32 entry, p;
	const char *s;
	int i, n = 0;

	serial_init();
	if (magic != MB_BOOT_MAGIC)
		fail("not started by a Multiboot loader");
	if ((mbi->flags & (MBI_MODS | MBI_MMAP)) != (MBI_MODS | MBI_MMAP) ||
	    mbi->mods_count < 2)
		fail("need a memory map and two modules: vmlinux, initrd");

	/* E820 map; also the end of usable RAM below 4 GiB. */
	for (p = mbi->mmap_addr; p < mbi->mmap_addr + mbi->mmap_length;
	     p += ((struct mb_mmap *)p)->size + 4) {
		const struct mb_mmap *m = (const struct mb_mmap *)p;

		if (n == MAX_MEMMAP)
			fail("memory map too long");
		memmap[n].addr = m->addr;
		memmap[n].size = m->len;
		memmap[n].type = m->type;
		memmap[n].reserved = 0;
		n++;
		if (m->type == 1 && m->addr < 0x100000000ull) {
			u64 end = m->addr + m->len;

			if (end > 0xffffffffull)
				end = 0xfffff000ull;
			if (end > limit)
				limit = end;
		}
	}

	/* Kernel command line: ours without the first word (our name). */
	s = (mbi->flags & MBI_CMDLINE) ? (const char *)mbi->cmdline : "";
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	for (i = 0; s[i] && i < CMDLINE_SIZE - 1; i++)
		cmdline[i] = s[i];
	cmdline[i] = 0;

	kimg = mods[0].start;
	klen = mods[0].end - mods[0].start;
	rd = mods[1].start;
	rdlen = mods[1].end - mods[1].start;

	eh = (const struct elf64_ehdr *)kimg;
	if (klen < sizeof(*eh) || *(const u32 *)eh->ident != 0x464c457f ||
	    eh->ident[4] != 2 || eh->machine != EM_X86_64 ||
	    eh->phoff + (u64)eh->phnum * sizeof(*ph) > klen)
		fail("module 0 is not an x86-64 ELF vmlinux");
	ph = (const struct elf64_phdr *)(kimg + (u32)eh->phoff);
	for (i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		if (ph[i].offset + ph[i].filesz > klen ||
		    ph[i].paddr + ph[i].memsz > limit)
			fail("bad PT_LOAD segment");
		if (ph[i].paddr < klo)
			klo = ph[i].paddr;
		if (ph[i].paddr + ph[i].memsz > khi)
			khi = ph[i].paddr + ph[i].memsz;
	}
	if (klo >= khi || klo < (u32)__stub_end)
		fail("vmlinux would overwrite this stub");
	entry = find_entry((const u8 *)kimg, ph, eh->phnum);
	if (!entry)
		fail("no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) in vmlinux");

	/*
	 * The loader put the modules right above us, where the kernel goes.
	 * Move what is in the way above everything (never overlapping moves).
	 */
	top = khi;
	if (kimg + klen > top)
		top = kimg + klen;
	if (rd + rdlen > top)
		top = rd + rdlen;
	top = align_up(top, 0x200000);
	if (overlaps(rd, rdlen, klo, khi - klo)) {
		if (top + rdlen > limit)
			fail("no room to move the initrd");
		memcpy((void *)top, (void *)rd, rdlen);
		rd = top;
		top = align_up(top + rdlen, 0x200000);
	}
	if (overlaps(kimg, klen, klo, khi - klo)) {
		if (top + klen > limit)
			fail("no room to move vmlinux");
		memcpy((void *)top, (void *)kimg, klen);
		kimg = top;
		ph = (const struct elf64_phdr *)(kimg + (u32)eh->phoff);
	}

	for (i = 0; i < eh->phnum; i++) {
		u8 *dst = (u8 *)(u32)ph[i].paddr;

		if (ph[i].type != PT_LOAD)
			continue;
		memcpy(dst, (const void *)(kimg + (u32)ph[i].offset),
		       ph[i].filesz);
		memset(dst + ph[i].filesz, 0, ph[i].memsz - ph[i].filesz);
	}

	modlist.paddr = rd;
	modlist.size = rdlen;
	start_info.magic = HVM_START_MAGIC;
	start_info.version = 1;
	start_info.nr_modules = 1;
	start_info.modlist_paddr = (u32)&modlist;
	start_info.cmdline_paddr = (u32)cmdline;
	start_info.rsdp_paddr = find_rsdp();
	start_info.memmap_paddr = (u32)memmap;
	start_info.memmap_entries = n;

	asm volatile("" : : : "memory");	/* all stores done before the jump */
	serial_puts("pvh-stub: entering vmlinux at ");
	serial_hex(entry);
	serial_puts("\r\n");
	return entry;
}
