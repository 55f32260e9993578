/*
 * The minivm executable on bad input that needs no /dev/kvm: options,
 * missing and oversized images, malformed ELF and Multiboot headers, a
 * missing device node, and the mock backend's dry run. Each case checks
 * the documented status and the named error.
 *
 * Usage: test_minivm_cli MINIVM GUEST_DIR
 */
#include <check.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"

#define EX_USAGE 64
#define EX_DATAERR 65
#define EX_NOINPUT 66
#define EX_UNAVAILABLE 69

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct run_result r;

static void teardown(void)
{
	run_result_free(&r);
}

/* Bad input: the status, a message with `needle`, no guest output. */
static void expect_refusal(int status, const char *needle, const char *const *args)
{
	run_minivm(&r, NULL, args);
	assert_status(&r, status);
	assert_contains(r.err, needle);
	ck_assert_msg(strncmp(r.err, "minivm: ", 8) == 0, "stderr: %s", r.err);
	ck_assert_str_eq(r.out, "");
}

START_TEST(help_lists_options_and_statuses)
{
	run_minivm(&r, NULL, ARGS("--help"));
	assert_status(&r, 0);
	assert_contains(r.out, "Usage: minivm [options] [IMAGE]");
	assert_contains(r.out, "--strict-ports");
	assert_contains(r.out, "--max-exits N");
	assert_contains(r.out, "Exit status:");
	assert_contains(r.out, "(V<<1)|1");
	assert_contains(r.out, "  75 ");
	ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(usage_errors_exit_64)
{
	expect_refusal(EX_USAGE, "unknown option --bogus", ARGS("--bogus"));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "--mem '12Q': not a size", ARGS("--mem", "12Q", guest("hello.bin")));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "between 64K and 3G", ARGS("--mem", "4K", guest("hello.bin")));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "multiple of 4K", ARGS("--mem", "65537", guest("hello.bin")));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "minivm knows kvm, emulate and mock", ARGS("--backend", "xen"));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "one image at most", ARGS(guest("hello.bin"), guest("hello.bin")));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "needs an argument", ARGS("--timeout"));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "--max-exits '0'", ARGS("--max-exits", "0", guest("hello.bin")));
}
END_TEST

START_TEST(flat_only_and_multiboot_only_options_are_refused)
{
	expect_refusal(EX_USAGE, "--append passes a command line to a Multiboot kernel",
		       ARGS("--append", "x", guest("hello.bin")));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "--load and --entry are for flat images",
		       ARGS("--load", "0x1000", guest("mbkernel.elf")));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "is above 1 MiB", ARGS("--entry", "0x100000", guest("hello.bin")));
	run_result_free(&r);
	expect_refusal(EX_USAGE, "--load 0x10000 is outside guest RAM",
		       ARGS("--mem", "64K", "--load", "0x10000", guest("hello.bin")));
}
END_TEST

START_TEST(missing_image_exits_66)
{
	expect_refusal(EX_NOINPUT, "cannot open image: No such file or directory",
		       ARGS(tmp_path("no-such-image.bin")));
	run_result_free(&r);
	expect_refusal(EX_NOINPUT, "not a regular file", ARGS(guest_dir));
}
END_TEST

START_TEST(empty_image_exits_65)
{
	expect_refusal(EX_DATAERR, "the file is empty", ARGS(write_file("empty.bin", "", 0)));
}
END_TEST

START_TEST(image_bigger_than_ram_exits_65)
{
	static char big[128 << 10];
	const char *path = write_file("big.bin", big, sizeof(big));

	expect_refusal(EX_DATAERR, "image too big: 131072 bytes, more than guest RAM",
		       ARGS("--mem", "64K", path));
}
END_TEST

START_TEST(image_past_the_end_of_ram_from_its_load_address_exits_65)
{
	static char image[4096];
	const char *path = write_file("4k.bin", image, sizeof(image));

	expect_refusal(EX_DATAERR, "past the end of guest RAM at 0x10000",
		       ARGS("--mem", "64K", "--load", "0xf800", path));
	/* Real mode cannot start above 1 MiB: no entry is made up for it. */
	expect_refusal(EX_USAGE, "above 1 MiB", ARGS("--mem", "4M", "--load", "0x120000", path));
}
END_TEST

/* The test kernel, changed by `patch` and cut to `len` bytes (0: whole). */
static const char *kernel_variant(const char *name, size_t len, void (*patch)(uint8_t *, size_t))
{
	size_t size;
	uint8_t *elf = read_file(guest("mbkernel.elf"), &size);
	const char *path;

	ck_assert_uint_gt(size, 4096);
	if (patch)
		patch(elf, size);
	path = write_file(name, elf, len ? len : size);
	free(elf);
	return path;
}

START_TEST(truncated_elf_exits_65)
{
	expect_refusal(EX_DATAERR, "malformed ELF: file truncated (40 bytes",
		       ARGS(kernel_variant("trunc40.elf", 40, NULL)));
	run_result_free(&r);
	expect_refusal(EX_DATAERR, "malformed ELF: file truncated: program headers end at 0x",
		       ARGS(kernel_variant("trunc60.elf", 60, NULL)));
	run_result_free(&r);
	/* Headers and the Multiboot header (at 0x1000) complete, the first
	 * segment's data cut off. */
	expect_refusal(EX_DATAERR, "malformed ELF: segment 0 (file 0x1000+0x",
		       ARGS(kernel_variant("trunc.elf", 0x1010, NULL)));
	assert_contains(r.err, "lies outside the file (0x1010 bytes)");
}
END_TEST

START_TEST(garbage_after_the_elf_magic_exits_65)
{
	const char garbage[] = "\177ELF this is not an ELF header at all, just text...........";

	expect_refusal(EX_DATAERR, "malformed ELF: wrong class",
		       ARGS(write_file("garbage.elf", garbage, sizeof(garbage))));
}
END_TEST

static void make_elf64(uint8_t *elf, size_t size)
{
	(void)size;
	elf[EI_CLASS] = ELFCLASS64;
}

static void make_x86_64(uint8_t *elf, size_t size)
{
	(void)size;
	elf[18] = EM_X86_64;
}

/* The Multiboot header: the magic, 4-aligned, in the first 8 KiB. */
static uint8_t *mb_header(uint8_t *elf, size_t size)
{
	for (size_t off = 0; off + 12 <= size && off < 8192; off += 4)
		if (elf[off] == 0x02 && elf[off + 1] == 0xb0 && elf[off + 2] == 0xad && elf[off + 3] == 0x1b)
			return elf + off;
	ck_abort_msg("no Multiboot header in the test kernel");
	return NULL;
}

static void break_checksum(uint8_t *elf, size_t size)
{
	mb_header(elf, size)[8] ^= 1;
}

/* Every copy of the magic: nasm also puts MB_MAGIC in the symbol table. */
static void remove_header(uint8_t *elf, size_t size)
{
	mb_header(elf, size)[0] = 0;
	for (size_t off = 0; off + 4 <= size && off < 8192; off += 4)
		if (memcmp(elf + off, "\x02\xb0\xad\x1b", 4) == 0)
			elf[off] = 0;
}

static void require_video_and_more(uint8_t *elf, size_t size)
{
	uint8_t *h = mb_header(elf, size);

	/* flags |= bit 3 (unknown), checksum -= 8: still adds up */
	h[4] |= 0x08;
	h[8] = (uint8_t)(h[8] - 8);
}

/* The first program header's p_memsz one byte short of its p_filesz. */
static void shrink_memsz(uint8_t *elf, size_t size)
{
	uint32_t phoff = elf[28] | elf[29] << 8 | (uint32_t)elf[30] << 16 | (uint32_t)elf[31] << 24;
	uint8_t *ph = elf + phoff;
	uint32_t filesz = ph[16] | ph[17] << 8 | (uint32_t)ph[18] << 16 | (uint32_t)ph[19] << 24;

	ck_assert(phoff + 32 <= size && filesz > 0);
	for (int i = 0; i < 4; i++)
		ph[20 + i] = (uint8_t)((filesz - 1) >> (8 * i));
}

START_TEST(segment_bigger_in_the_file_than_in_memory_exits_65)
{
	expect_refusal(EX_DATAERR, "malformed ELF: segment 0 has more bytes in the file than in memory",
		       ARGS(kernel_variant("memsz.elf", 0, shrink_memsz)));
}
END_TEST

START_TEST(wrong_elf_class_or_machine_exits_65)
{
	expect_refusal(EX_DATAERR, "malformed ELF: wrong class (EI_CLASS 2",
		       ARGS(kernel_variant("elf64.elf", 0, make_elf64)));
	run_result_free(&r);
	expect_refusal(EX_DATAERR, "malformed ELF: wrong machine or type (e_machine 62",
		       ARGS(kernel_variant("x86_64.elf", 0, make_x86_64)));
}
END_TEST

START_TEST(bad_multiboot_header_exits_65)
{
	expect_refusal(EX_DATAERR, "bad Multiboot header at offset 0x1000: checksum",
		       ARGS(kernel_variant("badsum.elf", 0, break_checksum)));
	run_result_free(&r);
	expect_refusal(EX_DATAERR, "no Multiboot header (magic 0x1badb002) in the first 8192 bytes",
		       ARGS(kernel_variant("nomb.elf", 0, remove_header)));
	run_result_free(&r);
	expect_refusal(EX_DATAERR, "required flags 0x0008 are unknown to minivm",
		       ARGS(kernel_variant("flags.elf", 0, require_video_and_more)));
}
END_TEST

/* Not ELF: a valid Multiboot header means a kernel minivm cannot load; a
 * stray magic whose checksum does not add up is just data of a flat image. */
START_TEST(multiboot_header_outside_elf)
{
	const uint32_t kernel[4] = { 0x90909090, 0x1badb002, 0, -(uint32_t)0x1badb002 };
	const uint32_t data[4] = { 0x90909090, 0x1badb002, 0, 0 };

	expect_refusal(EX_DATAERR, "has a Multiboot header but is not ELF",
		       ARGS(write_file("aout.bin", kernel, sizeof(kernel))));
	run_result_free(&r);
	expect_refusal(EX_UNAVAILABLE, "flat image, 16 bytes at 0x7c00",
		       ARGS("--backend", "mock", write_file("magic.bin", data, sizeof(data))));
}
END_TEST

START_TEST(segment_outside_ram_exits_65)
{
	expect_refusal(EX_DATAERR, "segment 0 outside guest RAM: 0x100000-0x1001",
		       ARGS("--mem", "1M", guest("mbkernel.elf")));
}
END_TEST

/* A device node minivm may not open: a file nobody can open, for a test
 * run as root opened by minivm running as nobody. */
START_TEST(device_without_permission_exits_69)
{
	const char *node = write_file("kvm-no-access", "", 0);

	ck_assert_int_eq(chmod(node, 0), 0);
	if (geteuid() == 0) {
		/* mkdtemp's directory is 0700: let nobody reach the node. */
		ck_assert_int_eq(chmod(tmp_path(""), 0755), 0);
		run_as(65534);
	}
	expect_refusal(EX_UNAVAILABLE, "backend kvm: permission denied",
		       ARGS("--device", node, guest("hello.bin")));
	assert_contains(r.err, "VCPU_EACCES");
	assert_contains(r.err, "Permission denied");
}
END_TEST

START_TEST(missing_device_node_exits_69)
{
	expect_refusal(EX_UNAVAILABLE, "backend kvm:",
		       ARGS("--device", "/nonexistent", guest("hello.bin")));
	assert_contains(r.err, "VCPU_ENOTSUP");
	assert_contains(r.err, "/nonexistent");
}
END_TEST

/* The test kernel's e_entry (paging off: physical). */
static uint32_t elf_entry(void)
{
	size_t size;
	uint8_t *elf = read_file(guest("mbkernel.elf"), &size);
	uint32_t entry;

	ck_assert_uint_ge(size, sizeof(Elf32_Ehdr));
	entry = ((Elf32_Ehdr *)(void *)elf)->e_entry;
	free(elf);
	ck_assert_uint_gt(entry, 0x100000);
	return entry;
}

START_TEST(mock_backend_checks_the_image_but_cannot_run_it)
{
	char expected[128];
	size_t size;

	free(read_file(guest("hello.bin"), &size));
	snprintf(expected, sizeof(expected), "flat image, %zu bytes at 0x7c00, real mode at "
		 "0000:7c00; the boot state passes the VM-entry checks", size);
	expect_refusal(EX_UNAVAILABLE, "backend mock cannot execute guest code",
		       ARGS("--backend", "mock", guest("hello.bin")));
	assert_contains(r.err, expected);
	run_result_free(&r);
	expect_refusal(EX_UNAVAILABLE, "backend mock cannot execute guest code",
		       ARGS("--backend", "mock", "--load", "0x20000", "--entry", "2000:0000",
			    guest("hello_at_20000.bin")));
	assert_contains(r.err, "at 0x20000, real mode at 2000:0000; the boot state passes");
	run_result_free(&r);
	expect_refusal(EX_UNAVAILABLE, "backend mock cannot execute guest code",
		       ARGS("--backend", "mock", guest("mbkernel.elf")));
	snprintf(expected, sizeof(expected), "Multiboot ELF32 kernel, 2 segment(s), protected mode "
		 "at 0x%x, boot information at 0x9000; the boot state passes", elf_entry());
	assert_contains(r.err, expected);
	run_result_free(&r);
	/* A bad image is refused for what it is, before any backend. */
	expect_refusal(EX_DATAERR, "checksum",
		       ARGS("--backend", "mock", kernel_variant("badsum2.elf", 0, break_checksum)));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("minivm_cli");
	TCase *tc = tcase_create("bad input");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, help_lists_options_and_statuses);
	tcase_add_test(tc, usage_errors_exit_64);
	tcase_add_test(tc, flat_only_and_multiboot_only_options_are_refused);
	tcase_add_test(tc, missing_image_exits_66);
	tcase_add_test(tc, empty_image_exits_65);
	tcase_add_test(tc, image_bigger_than_ram_exits_65);
	tcase_add_test(tc, image_past_the_end_of_ram_from_its_load_address_exits_65);
	tcase_add_test(tc, truncated_elf_exits_65);
	tcase_add_test(tc, garbage_after_the_elf_magic_exits_65);
	tcase_add_test(tc, segment_bigger_in_the_file_than_in_memory_exits_65);
	tcase_add_test(tc, wrong_elf_class_or_machine_exits_65);
	tcase_add_test(tc, bad_multiboot_header_exits_65);
	tcase_add_test(tc, multiboot_header_outside_elf);
	tcase_add_test(tc, segment_outside_ram_exits_65);
	tcase_add_test(tc, missing_device_node_exits_69);
	tcase_add_test(tc, device_without_permission_exits_69);
	tcase_add_test(tc, mock_backend_checks_the_image_but_cannot_run_it);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	return minivm_test_main(argc, argv, suite());
}
