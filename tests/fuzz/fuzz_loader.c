/*
 * Fuzz target: minivm's guest images (examples/minivm/loader.c and
 * multiboot.c): flat binaries and Multiboot v1 ELF32 kernels.
 *
 * An input is the load options (struct opts below, in input order), a
 * --append string, then the image. The image is parsed for a RAM size;
 * either that fails with EX_USAGE or EX_DATAERR and a message naming the
 * image or the option, or the plan it makes lies inside RAM and loading
 * it into a mock VM's RAM (an exactly sized buffer, pre-filled) succeeds,
 * writes nothing outside the planned segments and boot information, and
 * leaves the VCPU at an entry point inside RAM with boot information that
 * points inside RAM.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "libvcpu/libvcpu.h"
#include "loader.h"

#include "fuzz.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define IMAGE_NAME	"fuzz.img"
#define FILL		0xa5	/* RAM before loading: what the loader must not touch */
#define APPEND_MAX	5000	/* past multiboot.c's 4096, to see it refused */
#define MB_EAX		0x2badb002u
/* The boot data block (multiboot.c): GDT, information, memory map, name,
 * then the command line. */
#define BOOT_INFO	0x020
#define BOOT_CMDLINE	0x110

static const uint64_t ram_sizes[] = {
	0x10000, 0x20000, 0x40000, 0xa0000, 0x100000, 0x110000, 0x200000, 0x400000,
};

/* opts.flags */
#define O_RAM(f)	((f) & 7)
#define O_LOAD		(1u << 3)
#define O_ENTRY		(1u << 4)
#define O_SEGMENTED	(1u << 5)	/* --entry SEG:OFF */
#define O_APPEND	(1u << 6)
#define O_LOAD_HIGH	(1u << 7)	/* --load above 4 GiB */

static bool all_fill(const uint8_t *p, uint64_t n)
{
	static uint8_t fill[4096];

	if (!fill[0])
		memset(fill, FILL, sizeof(fill));
	for (; n; ) {
		size_t chunk = n < sizeof(fill) ? (size_t)n : sizeof(fill);

		if (memcmp(p, fill, chunk))
			return false;
		p += chunk;
		n -= chunk;
	}
	return true;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A refusal: a status loader.h documents and a message saying what. */
static void check_refusal(int r, const char *err)
{
	FUZZ_ASSERT(r == EX_USAGE || r == EX_DATAERR, "image_parse returned %d: %s", r, err);
	FUZZ_ASSERT(err[0], "image_parse failed (%d) without a message", r);
	FUZZ_ASSERT(!strncmp(err, IMAGE_NAME ": ", strlen(IMAGE_NAME) + 2) || !strncmp(err, "--", 2),
		    "the message names neither the image nor an option: %s", err);
}

static size_t cmdline_len(const struct load_options *o)
{
	return strlen(IMAGE_NAME) + (o->append ? 1 + strlen(o->append) : 0);
}

/* What image_parse planned: everything inside RAM and the file. */
static void check_plan(const struct image *img, const struct load_options *o)
{
	bool entry_in_segment = false;

	FUZZ_ASSERT(img->nr_segments >= 1 && img->nr_segments <= IMAGE_MAX_SEGMENTS, "%u segments",
		    img->nr_segments);
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];

		FUZZ_ASSERT(s->filesz <= s->memsz && s->offset <= img->size && s->filesz <= img->size - s->offset,
			    "segment %u: file 0x%llx+0x%llx of 0x%zx, memory 0x%llx", i,
			    (unsigned long long)s->offset, (unsigned long long)s->filesz, img->size,
			    (unsigned long long)s->memsz);
		FUZZ_ASSERT(s->paddr <= o->ram_size && s->memsz <= o->ram_size - s->paddr,
			    "segment %u at 0x%llx+0x%llx outside RAM (0x%llx)", i, (unsigned long long)s->paddr,
			    (unsigned long long)s->memsz, (unsigned long long)o->ram_size);
		if (img->entry >= s->paddr && img->entry - s->paddr < s->memsz)
			entry_in_segment = true;
	}
	if (img->kind == IMAGE_FLAT) {
		uint64_t entry = ((uint64_t)img->rm_cs << 4) + img->rm_ip;

		FUZZ_ASSERT(img->nr_segments == 1, "a flat image in %u segments", img->nr_segments);
		FUZZ_ASSERT(entry < o->ram_size, "flat entry %04x:%04x outside RAM", img->rm_cs, img->rm_ip);
		FUZZ_ASSERT(o->have_entry || entry == img->seg[0].paddr, "flat entry %04x:%04x is not the load "
			    "address 0x%llx", img->rm_cs, img->rm_ip, (unsigned long long)img->seg[0].paddr);
		return;
	}
	FUZZ_ASSERT(img->kind == IMAGE_MULTIBOOT, "image kind %d", img->kind);
	FUZZ_ASSERT(entry_in_segment, "Multiboot entry 0x%x in no loaded segment", img->entry);
	FUZZ_ASSERT(img->info_addr + BOOT_CMDLINE + cmdline_len(o) + 1 <= o->ram_size,
		    "boot information at 0x%llx does not fit in RAM", (unsigned long long)img->info_addr);
	for (unsigned i = 0; i < img->nr_segments; i++)
		FUZZ_ASSERT(img->info_addr + BOOT_CMDLINE + cmdline_len(o) + 1 <= img->seg[i].paddr ||
			    img->seg[i].paddr + img->seg[i].memsz <= img->info_addr,
			    "boot information at 0x%llx overlaps segment %u", (unsigned long long)img->info_addr, i);
}

static uint64_t reg(struct vcpu *vcpu, enum vcpu_reg r)
{
	uint64_t v = 0;

	FUZZ_ASSERT(vcpu_get_reg(vcpu, r, &v) == 0, "vcpu_get_reg(%s)", vcpu_reg_name(r));
	return v;
}

static uint64_t field(struct vcpu *vcpu, uint32_t f)
{
	uint64_t v = 0;

	FUZZ_ASSERT(vcpu_vmread(vcpu, f, &v) == 0, "vcpu_vmread(%s)", vmcs_field_name(f));
	return v;
}

/* A NUL-terminated string at guest address `at`, inside RAM. */
static const char *guest_string(const uint8_t *ram, uint64_t ram_size, uint32_t at, const char *what)
{
	FUZZ_ASSERT(at < ram_size && memchr(ram + at, 0, (size_t)(ram_size - at)),
		    "%s at 0x%x is not a string inside RAM", what, at);
	return (const char *)ram + at;
}

static void check_multiboot_info(const struct image *img, const struct load_options *o, struct vcpu *vcpu,
				 const uint8_t *ram)
{
	uint64_t ebx = reg(vcpu, VCPU_REG_RBX), gdt = field(vcpu, VMCS_GUEST_GDTR_BASE);
	const uint8_t *info;
	uint32_t mmap, mmap_len;
	char want[64 + APPEND_MAX];

	FUZZ_ASSERT(reg(vcpu, VCPU_REG_RAX) == MB_EAX, "EAX is not the Multiboot magic");
	FUZZ_ASSERT(reg(vcpu, VCPU_REG_RIP) == img->entry, "RIP 0x%llx, entry 0x%x",
		    (unsigned long long)reg(vcpu, VCPU_REG_RIP), img->entry);
	FUZZ_ASSERT(ebx == img->info_addr + BOOT_INFO && ebx + 116 <= o->ram_size,
		    "EBX 0x%llx: no boot information there", (unsigned long long)ebx);
	FUZZ_ASSERT(gdt + 24 <= o->ram_size && field(vcpu, VMCS_GUEST_GDTR_LIMIT) == 23,
		    "GDT at 0x%llx outside RAM", (unsigned long long)gdt);
	info = ram + ebx;
	FUZZ_ASSERT((uint64_t)rd32(info + 4) * 1024 <= o->ram_size && rd32(info + 4) <= 640,
		    "mem_lower %u KiB", rd32(info + 4));
	FUZZ_ASSERT((uint64_t)rd32(info + 8) * 1024 + (rd32(info + 8) ? 0x100000 : 0) <= o->ram_size,
		    "mem_upper %u KiB", rd32(info + 8));
	mmap = rd32(info + 48);
	mmap_len = rd32(info + 44);
	FUZZ_ASSERT(mmap_len && mmap_len % 24 == 0 && (uint64_t)mmap + mmap_len <= o->ram_size,
		    "memory map at 0x%x+%u outside RAM", mmap, mmap_len);
	for (uint32_t at = 0; at < mmap_len; at += 24) {
		const uint8_t *m = ram + mmap + at;
		uint64_t base = rd32(m + 4) | (uint64_t)rd32(m + 8) << 32;
		uint64_t len = rd32(m + 12) | (uint64_t)rd32(m + 16) << 32;

		FUZZ_ASSERT(rd32(m) == 20 && base <= o->ram_size && len <= o->ram_size - base,
			    "memory map entry 0x%llx+0x%llx is not RAM", (unsigned long long)base,
			    (unsigned long long)len);
	}
	guest_string(ram, o->ram_size, rd32(info + 64), "the boot loader name");
	snprintf(want, sizeof(want), "%s%s%s", IMAGE_NAME, o->append ? " " : "", o->append ? o->append : "");
	FUZZ_ASSERT(!strcmp(guest_string(ram, o->ram_size, rd32(info + 16), "the command line"), want),
		    "the command line is not the image name and --append");
}

/* Nothing outside the segments and the boot data changed. */
static void check_untouched(const struct image *img, const struct load_options *o, const uint8_t *ram)
{
	uint64_t start[IMAGE_MAX_SEGMENTS + 1], end[IMAGE_MAX_SEGMENTS + 1], at = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < img->nr_segments; i++, n++) {
		start[n] = img->seg[i].paddr;
		end[n] = img->seg[i].paddr + img->seg[i].memsz;
	}
	if (img->kind == IMAGE_MULTIBOOT) {
		start[n] = img->info_addr;
		end[n++] = img->info_addr + BOOT_CMDLINE + cmdline_len(o) + 1;
	}
	/* Walk RAM from the lowest region start to the next. */
	while (at < o->ram_size) {
		uint64_t next = o->ram_size, skip = at;

		for (unsigned i = 0; i < n; i++) {
			if (start[i] <= at && end[i] > skip)
				skip = end[i];
			if (start[i] > at && start[i] < next)
				next = start[i];
		}
		if (skip > at) {
			at = skip;
			continue;
		}
		FUZZ_ASSERT(all_fill(ram + at, next - at), "RAM in 0x%llx-0x%llx changed, outside the image "
			    "and its boot information", (unsigned long long)at, (unsigned long long)next);
		at = next;
	}
}

/* Segments that overlap nothing else hold the file's bytes, then zeros. */
static void check_segments(const struct image *img, const uint8_t *ram)
{
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];
		bool alone = true;

		for (unsigned j = 0; j < img->nr_segments; j++)
			if (j != i && s->paddr < img->seg[j].paddr + img->seg[j].memsz &&
			    img->seg[j].paddr < s->paddr + s->memsz)
				alone = false;
		if (!alone)
			continue;
		FUZZ_ASSERT(!memcmp(ram + s->paddr, img->data + s->offset, (size_t)s->filesz),
			    "segment %u: not the file's bytes", i);
		for (uint64_t b = s->filesz; b < s->memsz; b++)
			FUZZ_ASSERT(!ram[s->paddr + b], "segment %u: byte 0x%llx past the file is not zero", i,
				    (unsigned long long)b);
	}
}

static void load(const struct image *img, const struct load_options *o)
{
	struct vm_options vo = { .backend = "mock" };
	uint8_t *ram = malloc((size_t)o->ram_size);
	struct vm *vm;
	struct vcpu *vcpu;
	char err[512] = "";
	int r;

	FUZZ_ASSERT(ram, "out of memory");
	memset(ram, FILL, (size_t)o->ram_size);
	FUZZ_ASSERT(vm_create(&vo, &vm) == 0, "vm_create");
	FUZZ_ASSERT(vm_add_memory(vm, 0, o->ram_size, ram) == 0, "vm_add_memory");
	FUZZ_ASSERT(vcpu_create(vm, 0, &vcpu) == 0, "vcpu_create");
	r = image_load(img, o, vm, vcpu, err, sizeof(err));
	FUZZ_ASSERT(r == 0, "image_load failed (%d) after image_parse succeeded: %s", r, err);
	if (img->kind == IMAGE_FLAT) {
		FUZZ_ASSERT(field(vcpu, VMCS_GUEST_CS_SELECTOR) == img->rm_cs &&
			    field(vcpu, VMCS_GUEST_CS_BASE) == (uint64_t)img->rm_cs << 4 &&
			    reg(vcpu, VCPU_REG_RIP) == img->rm_ip, "the VCPU does not start at %04x:%04x",
			    img->rm_cs, img->rm_ip);
	} else {
		check_multiboot_info(img, o, vcpu, ram);
	}
	check_segments(img, ram);
	check_untouched(img, o, ram);
	vm_destroy(vm);
	free(ram);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	struct load_options o = { 0 };
	struct image img;
	char err[512] = "", *append = NULL;
	unsigned flags = (unsigned)fuzz_take(&in, 1);
	size_t append_len;
	uint8_t *image;
	int r;

	o.ram_size = ram_sizes[O_RAM(flags)];
	o.load = fuzz_take(&in, 4) | ((flags & O_LOAD_HIGH) ? 1ull << 32 : 0);
	o.have_load = flags & O_LOAD;
	o.entry = fuzz_take(&in, 4);
	o.entry_cs = (uint16_t)fuzz_take(&in, 2);
	o.have_entry = flags & O_ENTRY;
	o.entry_is_segmented = flags & O_SEGMENTED;
	/* minivm's option parser takes OFF of SEG:OFF to 16 bits. */
	if (o.entry_is_segmented)
		o.entry &= 0xffff;
	append_len = (size_t)fuzz_take(&in, 2) % (APPEND_MAX + 1);
	if (flags & O_APPEND) {
		append = calloc(append_len + 1, 1);
		FUZZ_ASSERT(append, "out of memory");
		for (size_t i = 0; i < append_len; i++)
			append[i] = (char)(fuzz_take(&in, 1) | 0x20);	/* never NUL */
		o.append = append;
	}
	/* The image in a buffer of exactly its size. */
	image = malloc(size - in.pos ? size - in.pos : 1);
	FUZZ_ASSERT(image, "out of memory");
	memcpy(image, data + in.pos, size - in.pos);
	image_from_memory(&img, IMAGE_NAME, image, size - in.pos);
	r = image_parse(&img, &o, err, sizeof(err));
	if (r) {
		check_refusal(r, err);
	} else {
		check_plan(&img, &o);
		load(&img, &o);
	}
	free(image);
	free(append);
	return 0;
}
