/*
 * minivm - guest images: flat binaries started in real mode like a boot
 * sector, and Multiboot (v1) ELF32 kernels started in 32-bit protected mode.
 *
 * Loading is in three steps so that a bad image is refused before any
 * backend is touched: image_open() maps the file, image_parse() validates
 * it against the guest RAM size and plans where everything goes,
 * image_load() copies it into guest memory and sets the VCPU's boot state.
 * Each returns 0 or a sysexits status (EX_USAGE, EX_DATAERR, EX_NOINPUT,
 * EX_SOFTWARE) with a message in `err`.
 */
#ifndef MINIVM_LOADER_H
#define MINIVM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvcpu/libvcpu.h"

#define FLAT_DEFAULT_LOAD	0x7c00u	/* where a BIOS puts a boot sector */
#define IMAGE_MAX_SEGMENTS	32

struct load_options {
	uint64_t ram_size;
	bool have_load;
	uint64_t load;			/* --load: flat image address */
	bool have_entry;
	bool entry_is_segmented;	/* --entry SEG:OFF */
	uint16_t entry_cs;
	uint64_t entry;			/* --entry: linear address, or OFF */
	const char *append;		/* --append, or NULL */
	unsigned smp;			/* --smp N: every VCPU starts with ECX = N;
					 * 0 (no --smp): ECX keeps its power-on 0 */
};

struct image_segment {
	uint64_t offset;		/* in the file */
	uint64_t paddr;			/* guest-physical */
	uint64_t filesz, memsz;		/* memsz - filesz bytes are zeroed */
};

enum image_kind { IMAGE_FLAT, IMAGE_MULTIBOOT };

struct image {
	const char *name;		/* the path, for messages and the cmdline */
	const uint8_t *data;
	size_t size;
	void *mapping;			/* from image_open(), unmapped by image_close() */

	/* Set by image_parse(). */
	enum image_kind kind;
	unsigned nr_segments;
	struct image_segment seg[IMAGE_MAX_SEGMENTS];
	uint16_t rm_cs, rm_ip;		/* flat: real-mode entry CS:IP */
	uint32_t entry;			/* Multiboot: physical entry point */
	uint32_t mb_header_flags;
	uint64_t info_addr;		/* Multiboot: where the boot information goes */
};

int image_open(struct image *img, const char *path, char *err, size_t errlen);
/* An image already in memory (the embedded demo); not copied. */
void image_from_memory(struct image *img, const char *name, const void *data, size_t size);
void image_close(struct image *img);

int image_parse(struct image *img, const struct load_options *o, char *err, size_t errlen);

/* Copy the image into guest memory and set the VCPU's registers for it. */
int image_load(const struct image *img, const struct load_options *o, struct vm *vm,
	       struct vcpu *vcpu, char *err, size_t errlen);

/* Set another VCPU's registers for an image image_load() loaded: with
 * --smp every VCPU starts at the entry with the same state. */
int image_boot(const struct image *img, const struct load_options *o, struct vm *vm,
	       struct vcpu *vcpu, char *err, size_t errlen);

/* A one-line description of where and how the image starts. */
void image_describe(const struct image *img, char *buf, size_t len);

/* ---- multiboot.c ---- */

/* Validate an ELF32 Multiboot kernel and plan its segments and boot
 * information (img->kind, seg, entry, info_addr). */
int multiboot_parse(struct image *img, const struct load_options *o, char *err, size_t errlen);
/* True if the first 8192 bytes hold a Multiboot header whose checksum
 * adds up. */
bool multiboot_has_header(const struct image *img);
/* Write the boot information (and a flat GDT) at img->info_addr; *ebx is
 * its address, *gdt_base the GDT's (3 descriptors: null, code 0x08, data
 * 0x10). */
int multiboot_write_info(const struct image *img, const struct load_options *o, struct vm *vm,
			 uint32_t *ebx, uint32_t *gdt_base, char *err, size_t errlen);

#endif
