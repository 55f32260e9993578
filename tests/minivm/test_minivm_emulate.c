/*
 * minivm on the emulate backend: guests run by libvcpu's instruction
 * emulator, on any host. The embedded demo, flat and Multiboot guests, and
 * guest failures with their statuses, as on KVM (minivm_kvm compares the
 * two where /dev/kvm exists).
 *
 * Usage: test_minivm_emulate MINIVM GUEST_DIR
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spawn.h"

#define EX_SOFTWARE 70

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct run_result r;

static void teardown(void)
{
	run_result_free(&r);
}

START_TEST(demo_runs_every_step_on_the_emulator)
{
	run_minivm(&r, NULL, ARGS("--backend", "emulate"));
	assert_status(&r, 0);
	assert_contains(r.out, "Hello from the minivm demo guest, in 16-bit real mode at 0000:7C00.\n");
	assert_contains(r.out, "CPUID leaf 0: vendor ");
	assert_contains(r.out, "Port I/O: wrote 0x5a to the UART scratch register, read back 0x5a\n");
	assert_contains(r.out, "Hello from 32-bit protected mode (CS = 0x08, flat).");
	assert_contains(r.out, "Back in real mode. CR0 was 0x60000011 in protected mode, is 0x60000010\n");
	assert_contains(r.out, "Halting with interrupts off (CLI; HLT). Bye.\n");
	/* On the emulator CPUID is an exit, as on VT-x. */
	assert_contains(r.err, "x CPUID");
	assert_contains(r.err, "libvcpu's instruction emulator");
}
END_TEST

START_TEST(flat_image_runs_on_the_emulator)
{
	run_minivm(&r, NULL, ARGS("--backend", "emulate", guest("hello.bin")));
	assert_status(&r, (0x15 << 1) | 1);
	ck_assert_str_eq(r.out, "hello from a flat image\n");
}
END_TEST

START_TEST(multiboot_kernel_runs_on_the_emulator)
{
	run_minivm(&r, NULL, ARGS("--backend", "emulate", "--mem", "16M", guest("mbkernel.elf")));
	assert_status(&r, (0x10 << 1) | 1);
	assert_contains(r.out, "magic ok\n");
	assert_contains(r.out, "cs=8 ds=16 pe=1 pg=0 if=0\n");
}
END_TEST

START_TEST(triple_fault_is_a_guest_failure_on_the_emulator)
{
	run_minivm(&r, NULL, ARGS("--backend", "emulate", guest("triple.bin")));
	assert_status(&r, EX_SOFTWARE);
	assert_contains(r.err, "VCPU_ETRIPLE_FAULT");
}
END_TEST

START_TEST(trace_shows_cpuid_and_hlt_exits)
{
	run_minivm(&r, NULL, ARGS("--backend", "emulate", "--trace"));
	assert_status(&r, 0);
	assert_contains(r.err, ": CPUID");
	assert_contains(r.err, ": HLT; rip 0x");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("minivm_emulate");
	TCase *tc = tcase_create("emulate");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, demo_runs_every_step_on_the_emulator);
	tcase_add_test(tc, flat_image_runs_on_the_emulator);
	tcase_add_test(tc, multiboot_kernel_runs_on_the_emulator);
	tcase_add_test(tc, triple_fault_is_a_guest_failure_on_the_emulator);
	tcase_add_test(tc, trace_shows_cpuid_and_hlt_exits);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	return minivm_test_main(argc, argv, suite());
}
