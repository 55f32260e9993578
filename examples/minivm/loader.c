/*
 * minivm - opening images, flat binaries, and the VCPU's boot state.
 *
 * A flat binary is copied to --load (default 0x7c00) and started in real
 * mode at --entry (default the load address) as a BIOS starts a boot
 * sector: CS:IP = 0000:7C00, DL = 0x80 (the boot drive), SS:SP = 0000:7C00.
 * A Multiboot kernel starts in flat 32-bit protected mode with the
 * registers the Multiboot spec (section 3.2) prescribes.
 *
 * With --smp N every VCPU starts there, in the same state, with ECX = N:
 * minivm has no local APIC to send INIT/SIPI through, so a guest tells its
 * processors apart by the initial APIC ID in CPUID.1:EBX[31:24] (the VCPU's
 * id; VCPU 0 is the bootstrap processor) and holds the others back itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "loader.h"

#define REAL_MODE_LIMIT	0x100000u	/* the first MiB: what CS:IP can reach */

void image_from_memory(struct image *img, const char *name, const void *data, size_t size)
{
	memset(img, 0, sizeof(*img));
	img->name = name;
	img->data = data;
	img->size = size;
}

int image_open(struct image *img, const char *path, char *err, size_t errlen)
{
	struct stat st;
	void *p;
	int fd;

	memset(img, 0, sizeof(*img));
	img->name = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open image: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return EX_NOINPUT;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: bad image: the file is empty", path);
		close(fd);
		return EX_DATAERR;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "%s: cannot map image: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	img->mapping = p;
	img->data = p;
	img->size = (size_t)st.st_size;
	return 0;
}

void image_close(struct image *img)
{
	if (img->mapping)
		munmap(img->mapping, img->size);
	img->mapping = NULL;
	img->data = NULL;
}

static bool is_elf(const struct image *img)
{
	return img->size >= 4 && memcmp(img->data, "\177ELF", 4) == 0;
}

/* Real-mode CS:IP for a linear address below 1 MiB: the segment takes the
 * bits above the low 16. */
static void linear_to_cs_ip(uint64_t linear, uint16_t *cs, uint16_t *ip)
{
	*cs = (uint16_t)((linear >> 4) & 0xf000);
	*ip = (uint16_t)(linear & 0xffff);
}

static int flat_entry(struct image *img, const struct load_options *o, uint64_t load, char *err,
		      size_t errlen)
{
	uint64_t linear;

	if (!o->have_entry) {
		if (load >= REAL_MODE_LIMIT) {
			snprintf(err, errlen, "--load 0x%" PRIx64 " is above 1 MiB, where a flat image, "
				 "which starts in real mode, cannot start: give --entry too", load);
			return EX_USAGE;
		}
		linear_to_cs_ip(load, &img->rm_cs, &img->rm_ip);
		return 0;
	}
	if (o->entry_is_segmented) {
		img->rm_cs = o->entry_cs;
		img->rm_ip = (uint16_t)o->entry;
		linear = ((uint64_t)o->entry_cs << 4) + o->entry;
	} else {
		linear = o->entry;
		if (linear >= REAL_MODE_LIMIT) {
			snprintf(err, errlen, "--entry 0x%" PRIx64 " is above 1 MiB: a flat image "
				 "starts in real mode, which cannot reach it", linear);
			return EX_USAGE;
		}
		linear_to_cs_ip(linear, &img->rm_cs, &img->rm_ip);
	}
	if (linear >= o->ram_size) {
		snprintf(err, errlen, "--entry 0x%" PRIx64 " is outside guest RAM (0x%" PRIx64
			 " bytes; see --mem)", linear, o->ram_size);
		return EX_USAGE;
	}
	return 0;
}

static int flat_parse(struct image *img, const struct load_options *o, char *err, size_t errlen)
{
	uint64_t load = o->have_load ? o->load : FLAT_DEFAULT_LOAD;

	if (o->append) {
		snprintf(err, errlen, "--append passes a command line to a Multiboot kernel; %s is "
			 "a flat image", img->name);
		return EX_USAGE;
	}
	if (load >= o->ram_size) {
		snprintf(err, errlen, "--load 0x%" PRIx64 " is outside guest RAM (0x%" PRIx64
			 " bytes; see --mem)", load, o->ram_size);
		return EX_USAGE;
	}
	if (img->size > o->ram_size) {
		snprintf(err, errlen, "%s: image too big: %zu bytes, more than guest RAM (0x%" PRIx64
			 " bytes; see --mem)", img->name, img->size, o->ram_size);
		return EX_DATAERR;
	}
	if (img->size > o->ram_size - load) {
		snprintf(err, errlen, "%s: image too big: %zu bytes at 0x%" PRIx64 " would end at 0x%"
			 PRIx64 ", past the end of guest RAM at 0x%" PRIx64 " (see --mem, --load)",
			 img->name, img->size, load, load + img->size, o->ram_size);
		return EX_DATAERR;
	}
	img->kind = IMAGE_FLAT;
	img->nr_segments = 1;
	img->seg[0] = (struct image_segment){ 0, load, img->size, img->size };
	return flat_entry(img, o, load, err, errlen);
}

int image_parse(struct image *img, const struct load_options *o, char *err, size_t errlen)
{
	if (is_elf(img)) {
		if (o->have_load || o->have_entry) {
			snprintf(err, errlen, "--load and --entry are for flat images; the Multiboot "
				 "kernel %s says where it goes", img->name);
			return EX_USAGE;
		}
		return multiboot_parse(img, o, err, errlen);
	}
	/* A valid header in a file that is not ELF: a kernel that needs the
	 * a.out kludge. A stray magic without its checksum is just data. */
	if (multiboot_has_header(img)) {
		snprintf(err, errlen, "%s: bad Multiboot image: it has a Multiboot header but is not "
			 "ELF; minivm loads Multiboot kernels linked as ELF32 (no a.out kludge)",
			 img->name);
		return EX_DATAERR;
	}
	return flat_parse(img, o, err, errlen);
}

static int load_segments(const struct image *img, struct vm *vm, char *err, size_t errlen)
{
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct image_segment *s = &img->seg[i];
		uint8_t *dst = vm_guest_ptr(vm, s->paddr, (size_t)s->memsz);

		/* image_parse() checked the bounds; this is the library's check. */
		if (!dst) {
			snprintf(err, errlen, "%s: segment %u at 0x%" PRIx64 " (0x%" PRIx64 " bytes) is "
				 "outside guest memory", img->name, i, s->paddr, s->memsz);
			return EX_DATAERR;
		}
		memcpy(dst, img->data + s->offset, (size_t)s->filesz);
		memset(dst + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
	return 0;
}

struct field_value {
	uint32_t field;
	uint64_t value;
};

static int write_fields(struct vcpu *vcpu, const struct field_value *fv, unsigned n, char *err,
			size_t errlen)
{
	for (unsigned i = 0; i < n; i++) {
		int r = vcpu_vmwrite(vcpu, fv[i].field, fv[i].value);

		if (r < 0) {
			snprintf(err, errlen, "setting %s = 0x%" PRIx64 ": %s: %s",
				 vmcs_field_name(fv[i].field), fv[i].value, vcpu_error_name(r),
				 vcpu_error_detail(vcpu));
			return EX_SOFTWARE;
		}
	}
	return 0;
}

static int set_regs(struct vcpu *vcpu, const uint64_t (*rv)[2], unsigned n, char *err, size_t errlen)
{
	for (unsigned i = 0; i < n; i++) {
		int r = vcpu_set_reg(vcpu, (enum vcpu_reg)rv[i][0], rv[i][1]);

		if (r < 0) {
			snprintf(err, errlen, "setting %s: %s: %s", vcpu_reg_name((enum vcpu_reg)rv[i][0]),
				 vcpu_error_name(r), vcpu_error_detail(vcpu));
			return EX_SOFTWARE;
		}
	}
	return 0;
}

/* From the power-on state vcpu_create() left: only CS, IP and the boot
 * sector conventions change. */
static int boot_real_mode(const struct image *img, struct vcpu *vcpu, char *err, size_t errlen)
{
	const struct field_value fv[] = {
		{ VMCS_GUEST_CS_SELECTOR, img->rm_cs },
		{ VMCS_GUEST_CS_BASE, (uint64_t)img->rm_cs << 4 },
	};
	const uint64_t rv[][2] = {
		{ VCPU_REG_RIP, img->rm_ip },
		{ VCPU_REG_RSP, FLAT_DEFAULT_LOAD },
		{ VCPU_REG_RDX, 0x80 },
	};
	int r = write_fields(vcpu, fv, sizeof(fv) / sizeof(fv[0]), err, errlen);

	return r ? r : set_regs(vcpu, rv, sizeof(rv) / sizeof(rv[0]), err, errlen);
}

/* Multiboot spec 3.2 "Machine state": EAX magic, EBX the information,
 * flat 4 GiB CS (execute/read) and data segments, CR0.PE on, paging off,
 * EFLAGS.IF clear. GDTR points at a GDT that matches the loaded selectors. */
static int boot_protected_mode(const struct image *img, struct vcpu *vcpu, uint32_t ebx,
			       uint32_t gdt_base, char *err, size_t errlen)
{
	static const uint32_t data_segs[][4] = {
		{ VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR_BYTES },
		{ VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR_BYTES },
		{ VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR_BYTES },
		{ VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR_BYTES },
		{ VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR_BYTES },
	};
	struct field_value fv[11 + 4 * 5] = {
		{ VMCS_GUEST_CS_SELECTOR, 0x08 },
		{ VMCS_GUEST_CS_BASE, 0 },
		{ VMCS_GUEST_CS_LIMIT, 0xffffffff },
		{ VMCS_GUEST_CS_AR_BYTES, 0xc09b },	/* G, D, P, S, code exec/read, accessed */
		{ VMCS_GUEST_TR_AR_BYTES, 0x8b },	/* P, busy 32-bit TSS */
		{ VMCS_GUEST_LDTR_SELECTOR, 0 },
		{ VMCS_GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE_MASK },
		{ VMCS_GUEST_GDTR_BASE, gdt_base },
		{ VMCS_GUEST_GDTR_LIMIT, 3 * 8 - 1 },
		{ VMCS_GUEST_IDTR_BASE, 0 },
		{ VMCS_GUEST_IDTR_LIMIT, 0 },		/* the kernel sets up its own IDT */
	};
	const uint64_t rv[][2] = {
		{ VCPU_REG_RIP, img->entry },
		{ VCPU_REG_RFLAGS, VMX_RFLAGS_FIXED1 },
		{ VCPU_REG_RAX, 0x2badb002 },
		{ VCPU_REG_RBX, ebx },
	};
	unsigned n = 11;
	int r;

	for (unsigned i = 0; i < 5; i++) {
		fv[n++] = (struct field_value){ data_segs[i][0], 0x10 };
		fv[n++] = (struct field_value){ data_segs[i][1], 0 };
		fv[n++] = (struct field_value){ data_segs[i][2], 0xffffffff };
		fv[n++] = (struct field_value){ data_segs[i][3], 0xc093 };	/* G, B, P, S, data r/w */
	}
	r = vcpu_set_cr(vcpu, 0, VMX_CR0_PE | VMX_CR0_ET);
	if (r < 0) {
		snprintf(err, errlen, "setting CR0.PE: %s: %s", vcpu_error_name(r), vcpu_error_detail(vcpu));
		return EX_SOFTWARE;
	}
	r = write_fields(vcpu, fv, n, err, errlen);
	return r ? r : set_regs(vcpu, rv, sizeof(rv) / sizeof(rv[0]), err, errlen);
}

int image_boot(const struct image *img, const struct load_options *o, struct vm *vm,
	       struct vcpu *vcpu, char *err, size_t errlen)
{
	const uint64_t rv[][2] = { { VCPU_REG_RCX, o->smp } };
	uint32_t ebx, gdt_base;
	int r;

	if (img->kind == IMAGE_FLAT) {
		r = boot_real_mode(img, vcpu, err, errlen);
	} else {
		/* The same information again: it is where the first VCPU's EBX points. */
		r = multiboot_write_info(img, o, vm, &ebx, &gdt_base, err, errlen);
		if (!r)
			r = boot_protected_mode(img, vcpu, ebx, gdt_base, err, errlen);
	}
	if (r || !o->smp)
		return r;
	return set_regs(vcpu, rv, 1, err, errlen);
}

int image_load(const struct image *img, const struct load_options *o, struct vm *vm,
	       struct vcpu *vcpu, char *err, size_t errlen)
{
	int r = load_segments(img, vm, err, errlen);

	return r ? r : image_boot(img, o, vm, vcpu, err, errlen);
}

void image_describe(const struct image *img, char *buf, size_t len)
{
	if (img->kind == IMAGE_FLAT)
		snprintf(buf, len, "flat image, %zu bytes at 0x%" PRIx64 ", real mode at %04x:%04x",
			 img->size, img->seg[0].paddr, img->rm_cs, img->rm_ip);
	else
		snprintf(buf, len, "Multiboot ELF32 kernel, %u segment(s), protected mode at 0x%x, "
			 "boot information at 0x%" PRIx64, img->nr_segments, img->entry, img->info_addr);
}
