/*
 * minivm - Multiboot (v1) ELF32 kernels.
 *
 * The kernel is an ELF32 i386 executable with a Multiboot header (magic
 * 0x1BADB002, flags, checksum; magic + flags + checksum = 0 mod 2^32) in its
 * first 8192 bytes, 4-byte aligned. Its PT_LOAD segments are loaded at
 * p_paddr. The boot information (Multiboot spec 3.3) gets mem_lower and
 * mem_upper, a memory map, the boot loader name and the command line,
 * which is, as QEMU's -kernel builds it, the image path followed by
 * --append: kvm-unit-tests take argv[0] from it.
 *
 * Everything read from the file is bounds-checked against the file, and
 * everything written against guest RAM, in 64-bit arithmetic.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "loader.h"

#define MB_MAGIC		0x1badb002u
#define MB_SEARCH_LIMIT		8192
#define MB_FLAG_PAGE_ALIGN	(1u << 0)	/* modules page-aligned: no modules here */
#define MB_FLAG_MEMORY		(1u << 1)	/* mem_* wanted: always given */
#define MB_FLAG_VIDEO		(1u << 2)	/* video mode wanted: none, as QEMU */
#define MB_FLAG_AOUT_KLUDGE	(1u << 16)
#define MB_FLAGS_UNDERSTOOD	(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY | MB_FLAG_VIDEO)

/* Boot information flags (spec 3.3). */
#define MBI_MEMORY		(1u << 0)
#define MBI_CMDLINE		(1u << 2)
#define MBI_MMAP		(1u << 6)
#define MBI_LOADER_NAME		(1u << 9)

/* Layout of the boot data block at img->info_addr. */
#define BOOT_GDT		0x000	/* 3 descriptors */
#define BOOT_INFO		0x020	/* struct multiboot_info, 116 bytes */
#define BOOT_MMAP		0x0a0	/* up to 2 entries of 24 bytes */
#define BOOT_NAME		0x100
#define BOOT_CMDLINE		0x110
#define BOOT_INFO_ADDR		0x9000	/* preferred: low memory, as QEMU's */
#define CMDLINE_MAX		4096

#define LOW_MEMORY_END		0x9fc00u	/* conventional memory, as a PC reports it */
#define HIGH_MEMORY		0x100000u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static size_t search_end(const struct image *img)
{
	return img->size < MB_SEARCH_LIMIT ? img->size : MB_SEARCH_LIMIT;
}

static bool header_valid(const uint8_t *h)
{
	return rd32(h) == MB_MAGIC && (uint32_t)(rd32(h) + rd32(h + 4) + rd32(h + 8)) == 0;
}

bool multiboot_has_header(const struct image *img)
{
	for (size_t off = 0; off + 12 <= search_end(img); off += 4)
		if (header_valid(img->data + off))
			return true;
	return false;
}

/* The first header whose checksum adds up; else name the first bad one. */
static int find_header(struct image *img, char *err, size_t errlen)
{
	long bad = -1;

	for (size_t off = 0; off + 12 <= search_end(img); off += 4) {
		const uint8_t *h = img->data + off;

		if (header_valid(h)) {
			img->mb_header_flags = rd32(h + 4);
			return 0;
		}
		if (rd32(h) == MB_MAGIC && bad < 0)
			bad = (long)off;
	}
	if (bad >= 0) {
		const uint8_t *h = img->data + bad;

		snprintf(err, errlen, "%s: bad Multiboot header at offset 0x%lx: checksum 0x%08x "
			 "does not add up (magic + flags + checksum = 0x%08x, not 0)", img->name, bad,
			 rd32(h + 8), (uint32_t)(rd32(h) + rd32(h + 4) + rd32(h + 8)));
		return EX_DATAERR;
	}
	snprintf(err, errlen, "%s: not a Multiboot kernel: no Multiboot header (magic 0x%08x) in "
		 "the first %d bytes", img->name, MB_MAGIC, MB_SEARCH_LIMIT);
	return EX_DATAERR;
}

static int check_header_flags(const struct image *img, char *err, size_t errlen)
{
	uint32_t flags = img->mb_header_flags;

	if (flags & MB_FLAG_AOUT_KLUDGE) {
		snprintf(err, errlen, "%s: bad Multiboot header: flag 16 (load addresses in the header, "
			 "the a.out kludge) is not supported; minivm loads the ELF program headers",
			 img->name);
		return EX_DATAERR;
	}
	/* Bits 0-15 are requirements: one the loader does not know must fail. */
	if (flags & 0xffffu & ~MB_FLAGS_UNDERSTOOD) {
		snprintf(err, errlen, "%s: bad Multiboot header: required flags 0x%04x are unknown to "
			 "minivm", img->name, flags & 0xffffu & ~MB_FLAGS_UNDERSTOOD);
		return EX_DATAERR;
	}
	return 0;
}

static int check_ehdr(const struct image *img, char *err, size_t errlen)
{
	const uint8_t *e = img->data;
	uint64_t phoff, phnum;

	if (img->size < sizeof(Elf32_Ehdr)) {
		snprintf(err, errlen, "%s: malformed ELF: file truncated (%zu bytes, the ELF header "
			 "alone is %zu)", img->name, img->size, sizeof(Elf32_Ehdr));
		return EX_DATAERR;
	}
	if (e[EI_CLASS] != ELFCLASS32 || e[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "%s: malformed ELF: wrong class (EI_CLASS %u, EI_DATA %u); a "
			 "Multiboot kernel is ELF32 little-endian (class 1, data 1)", img->name,
			 e[EI_CLASS], e[EI_DATA]);
		return EX_DATAERR;
	}
	if (rd16(e + 18) != EM_386 || rd16(e + 16) != ET_EXEC) {
		snprintf(err, errlen, "%s: malformed ELF: wrong machine or type (e_machine %u, e_type "
			 "%u); a Multiboot kernel is an i386 executable (3, 2)", img->name,
			 rd16(e + 18), rd16(e + 16));
		return EX_DATAERR;
	}
	phoff = rd32(e + 28);
	phnum = rd16(e + 44);
	if (rd16(e + 42) != sizeof(Elf32_Phdr) || phnum == 0) {
		snprintf(err, errlen, "%s: malformed ELF: %" PRIu64 " program headers of %u bytes",
			 img->name, phnum, rd16(e + 42));
		return EX_DATAERR;
	}
	if (phoff + phnum * sizeof(Elf32_Phdr) > img->size) {
		snprintf(err, errlen, "%s: malformed ELF: file truncated: program headers end at 0x%"
			 PRIx64 ", past the end of the file (0x%zx bytes)", img->name,
			 phoff + phnum * sizeof(Elf32_Phdr), img->size);
		return EX_DATAERR;
	}
	return 0;
}

static int add_segment(struct image *img, unsigned index, const uint8_t *ph, uint64_t ram_size,
		       char *err, size_t errlen)
{
	uint64_t offset = rd32(ph + 4), paddr = rd32(ph + 12);
	uint64_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);

	if (filesz > memsz) {
		snprintf(err, errlen, "%s: malformed ELF: segment %u has more bytes in the file than in "
			 "memory (p_filesz 0x%" PRIx64 ", p_memsz 0x%" PRIx64 ")", img->name, index, filesz,
			 memsz);
		return EX_DATAERR;
	}
	if (offset + filesz > img->size) {
		snprintf(err, errlen, "%s: malformed ELF: segment %u (file 0x%" PRIx64 "+0x%" PRIx64
			 ", memory size 0x%" PRIx64 ") lies outside the file (0x%zx bytes)", img->name,
			 index, offset, filesz, memsz, img->size);
		return EX_DATAERR;
	}
	if (paddr + memsz > ram_size) {
		snprintf(err, errlen, "%s: segment %u outside guest RAM: 0x%" PRIx64 "-0x%" PRIx64
			 ", RAM ends at 0x%" PRIx64 " (see --mem)", img->name, index, paddr,
			 paddr + memsz, ram_size);
		return EX_DATAERR;
	}
	if (img->nr_segments == IMAGE_MAX_SEGMENTS) {
		snprintf(err, errlen, "%s: more than %d loadable segments", img->name, IMAGE_MAX_SEGMENTS);
		return EX_DATAERR;
	}
	img->seg[img->nr_segments++] = (struct image_segment){ offset, paddr, filesz, memsz };
	return 0;
}

/* e_entry is virtual; with paging off it must become physical. */
static int find_entry(struct image *img, char *err, size_t errlen)
{
	const uint8_t *e = img->data;
	uint64_t entry = rd32(e + 24);

	for (unsigned i = 0; i < rd16(e + 44); i++) {
		const uint8_t *ph = e + rd32(e + 28) + i * sizeof(Elf32_Phdr);
		uint64_t vaddr = rd32(ph + 8), paddr = rd32(ph + 12), memsz = rd32(ph + 20);

		if (rd32(ph) == PT_LOAD && entry >= vaddr && entry < vaddr + memsz) {
			img->entry = (uint32_t)(entry - vaddr + paddr);
			return 0;
		}
	}
	snprintf(err, errlen, "%s: malformed ELF: entry point 0x%" PRIx64 " is in no loadable "
		 "segment", img->name, entry);
	return EX_DATAERR;
}

static int parse_segments(struct image *img, uint64_t ram_size, char *err, size_t errlen)
{
	const uint8_t *e = img->data;
	int r;

	for (unsigned i = 0; i < rd16(e + 44); i++) {
		const uint8_t *ph = e + rd32(e + 28) + i * sizeof(Elf32_Phdr);

		if (rd32(ph) != PT_LOAD || rd32(ph + 20) == 0)
			continue;
		r = add_segment(img, i, ph, ram_size, err, errlen);
		if (r)
			return r;
	}
	if (!img->nr_segments) {
		snprintf(err, errlen, "%s: malformed ELF: no loadable (PT_LOAD) segment", img->name);
		return EX_DATAERR;
	}
	return find_entry(img, err, errlen);
}

static size_t cmdline_len(const struct image *img, const struct load_options *o)
{
	return strlen(img->name) + (o->append ? 1 + strlen(o->append) : 0);
}

static bool overlaps_segment(const struct image *img, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < img->nr_segments; i++)
		if (start < img->seg[i].paddr + img->seg[i].memsz && img->seg[i].paddr < end)
			return true;
	return false;
}

/* At 0x9000 if free, else just above the kernel. */
static int place_info(struct image *img, const struct load_options *o, char *err, size_t errlen)
{
	uint64_t need = BOOT_CMDLINE + cmdline_len(img, o) + 1, top = 0;

	for (unsigned i = 0; i < img->nr_segments; i++)
		if (img->seg[i].paddr + img->seg[i].memsz > top)
			top = img->seg[i].paddr + img->seg[i].memsz;
	top = (top + 0xfff) & ~(uint64_t)0xfff;
	const uint64_t candidates[] = { BOOT_INFO_ADDR, top };

	for (unsigned i = 0; i < 2; i++) {
		uint64_t at = candidates[i];

		if (at + need <= o->ram_size && at + need <= 0xffffffffu &&
		    !overlaps_segment(img, at, at + need)) {
			img->info_addr = at;
			return 0;
		}
	}
	snprintf(err, errlen, "%s: no room in guest RAM for the Multiboot information (%" PRIu64
		 " bytes) next to the kernel (see --mem)", img->name, need);
	return EX_DATAERR;
}

int multiboot_parse(struct image *img, const struct load_options *o, char *err, size_t errlen)
{
	int r;

	if (o->append && strlen(o->append) > CMDLINE_MAX) {
		snprintf(err, errlen, "--append: command line longer than %d bytes", CMDLINE_MAX);
		return EX_USAGE;
	}
	if ((r = check_ehdr(img, err, errlen)) || (r = find_header(img, err, errlen)) ||
	    (r = check_header_flags(img, err, errlen)) ||
	    (r = parse_segments(img, o->ram_size, err, errlen)))
		return r;
	img->kind = IMAGE_MULTIBOOT;
	return place_info(img, o, err, errlen);
}

static unsigned write_mmap(uint8_t *p, uint64_t ram_size)
{
	uint64_t low = ram_size < LOW_MEMORY_END ? ram_size : LOW_MEMORY_END;
	unsigned n = 0;

	/* size (of the rest of the entry) 20, base, length, type 1 = RAM */
	wr32(p, 20);
	wr64(p + 4, 0);
	wr64(p + 12, low);
	wr32(p + 20, 1);
	n++;
	if (ram_size > HIGH_MEMORY) {
		wr32(p + 24, 20);
		wr64(p + 28, HIGH_MEMORY);
		wr64(p + 36, ram_size - HIGH_MEMORY);
		wr32(p + 44, 1);
		n++;
	}
	return n;
}

static void write_gdt(uint8_t *gdt)
{
	static const uint64_t desc[3] = {
		0,
		0x00cf9b000000ffffull,	/* 0x08: code, base 0, limit 4 GiB, 32-bit, accessed */
		0x00cf93000000ffffull,	/* 0x10: data, base 0, limit 4 GiB, 32-bit, accessed */
	};

	for (int i = 0; i < 3; i++)
		wr64(gdt + 8 * i, desc[i]);
}

int multiboot_write_info(const struct image *img, const struct load_options *o, struct vm *vm,
			 uint32_t *ebx, uint32_t *gdt_base, char *err, size_t errlen)
{
	size_t len = BOOT_CMDLINE + cmdline_len(img, o) + 1;
	uint8_t *b = vm_guest_ptr(vm, img->info_addr, len), *info;
	uint32_t base = (uint32_t)img->info_addr;
	uint64_t ram = o->ram_size;
	unsigned n;

	if (!b) {
		snprintf(err, errlen, "Multiboot information at 0x%" PRIx64 " is outside guest memory",
			 img->info_addr);
		return EX_SOFTWARE;
	}
	memset(b, 0, len);
	write_gdt(b + BOOT_GDT);
	info = b + BOOT_INFO;
	n = write_mmap(b + BOOT_MMAP, ram);
	wr32(info + 0, MBI_MEMORY | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME);
	/* KiB of memory from 0 (up to 640) and from 1 MiB. */
	wr32(info + 4, (uint32_t)((ram < LOW_MEMORY_END ? ram : LOW_MEMORY_END) / 1024));
	wr32(info + 8, (uint32_t)(ram > HIGH_MEMORY ? (ram - HIGH_MEMORY) / 1024 : 0));
	wr32(info + 16, base + BOOT_CMDLINE);
	wr32(info + 44, n * 24);
	wr32(info + 48, base + BOOT_MMAP);
	wr32(info + 64, base + BOOT_NAME);
	memcpy(b + BOOT_NAME, "minivm", 7);
	snprintf((char *)b + BOOT_CMDLINE, len - BOOT_CMDLINE, "%s%s%s", img->name,
		 o->append ? " " : "", o->append ? o->append : "");
	*ebx = base + BOOT_INFO;
	*gdt_base = base + BOOT_GDT;
	return 0;
}
