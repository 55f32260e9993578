/*
 * minivm on KVM: the embedded demo (compared with its replay on the mock
 * backend), flat and Multiboot test guests, and each guest failure with
 * its status and named error. Skips (77) where /dev/kvm cannot be opened
 * read/write.
 *
 * Usage: test_minivm_kvm MINIVM GUEST_DIR
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo_script.h"
#include "spawn.h"

#define EX_SOFTWARE 70
#define EX_TEMPFAIL 75

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct run_result r;

static void teardown(void)
{
	run_result_free(&r);
}

/* Lines of `text` that start with `prefix`, with everything from "; rip"
 * cut (the RIP an exit reports differs between backends). */
static unsigned exit_lines(const char *text, const char *prefix, char lines[][160], unsigned max)
{
	unsigned n = 0;

	for (const char *p = text; *p && n < max;) {
		size_t len = strcspn(p, "\n");

		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			const char *rip = strstr(p, "; rip");
			size_t keep = rip && rip < p + len ? (size_t)(rip - p) : len;

			snprintf(lines[n++], 160, "%.*s", (int)keep, p);
		}
		p += len + (p[len] == '\n');
	}
	return n;
}

START_TEST(demo_guest_prints_its_steps_and_halts)
{
	run_minivm(&r, NULL, ARGS(NULL));
	assert_status(&r, 0);
	ck_assert_msg(strncmp(r.out, DEMO_BANNER, strlen(DEMO_BANNER)) == 0, "stdout:\n%s", r.out);
	assert_contains(r.out, "CPUID leaf 0: vendor ");
	assert_contains(r.out, "Port I/O: wrote 0x5a to the UART scratch register, read back 0x5a\n");
	assert_contains(r.out, "Debug console: this line is one OUT to port 0xe9 per byte.\n");
	assert_contains(r.out, "Hello from 32-bit protected mode (CS = 0x08, flat).");
	assert_contains(r.out, "Back in real mode. CR0 was 0x");
	assert_contains(r.out, "Halting with interrupts off (CLI; HLT). Bye.\n");
	/* The explanation, the end, and the summary with the SDM's names. */
	assert_contains(r.err, "VM exit");
	assert_contains(r.err, "the guest halted with interrupts off");
	assert_contains(r.err, "x IO_INSTRUCTION   (basic reason 30: I/O instruction)");
	assert_contains(r.err, "1 x HLT              (basic reason 12: HLT)");
	assert_contains(r.err, "KVM\n  handles them inside the kernel");
}
END_TEST

/* The same guest lines, once as scripted exits through minivm's handler
 * code on the mock backend, once for real on KVM: same output, same
 * decoded exits. */
START_TEST(demo_on_kvm_matches_its_replay_on_the_mock)
{
	static char mock_lines[600][160], kvm_lines[600][160];
	struct demo_replay replay;
	const char *why = demo_replay_run(&replay);
	unsigned n_mock, n_kvm;

	ck_assert_msg(why == NULL, "replay: %s", why);
	ck_assert_int_eq(replay.result, 0);
	run_minivm(&r, NULL, ARGS("--trace"));
	assert_status(&r, 0);
	ck_assert_msg(strncmp(r.out, replay.console, replay.console_len) == 0,
		      "KVM printed:\n%s\nthe mock replay:\n%s", r.out, replay.console);
	n_mock = exit_lines(replay.trace, "minivm: exit ", mock_lines, 600);
	n_kvm = exit_lines(r.err, "minivm: exit ", kvm_lines, 600);
	ck_assert_uint_eq(n_mock, DEMO_REPLAY_IO_EXITS + 1);
	ck_assert_uint_gt(n_kvm, n_mock);
	/* All but the replay's final HLT, which the real guest reaches later. */
	for (unsigned i = 0; i + 1 < n_mock; i++)
		ck_assert_str_eq(kvm_lines[i], mock_lines[i]);
	demo_replay_free(&replay);
}
END_TEST

/* The same guest prints the same whether the CPU (KVM) or libvcpu's
 * instruction emulator runs it. */
START_TEST(demo_prints_the_same_on_kvm_and_the_emulator)
{
	struct run_result emulated = { 0 };

	run_minivm(&r, NULL, ARGS(NULL));
	assert_status(&r, 0);
	run_minivm(&emulated, NULL, ARGS("--backend", "emulate"));
	ck_assert_msg(emulated.status == 0, "emulate: status %d\n%s", emulated.status, emulated.err);
	ck_assert_str_eq(emulated.out, r.out);
	run_result_free(&emulated);
}
END_TEST

/* KVM's RIP is past HLT when it exits; the trace names the HLT itself, as
 * on VMX and the mock. */
START_TEST(trace_gives_the_address_of_the_hlt)
{
	unsigned long long traced, after;
	const char *line, *end;

	run_minivm(&r, NULL, ARGS("--trace"));
	assert_status(&r, 0);
	line = strstr(r.err, ": HLT; rip 0x");
	end = strstr(r.err, "halted with interrupts off (RIP 0x");
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(end);
	ck_assert_int_eq(sscanf(line, ": HLT; rip 0x%llx", &traced), 1);
	ck_assert_int_eq(sscanf(end, "halted with interrupts off (RIP 0x%llx", &after), 1);
	ck_assert_uint_eq(traced + 1, after);
}
END_TEST

START_TEST(flat_image_prints_and_exits_through_the_ports)
{
	run_minivm(&r, NULL, ARGS(guest("hello.bin")));
	assert_status(&r, (0x15 << 1) | 1);
	ck_assert_str_eq(r.out, "hello from a flat image\n");
	ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(flat_image_at_a_chosen_load_address_and_entry)
{
	run_minivm(&r, NULL, ARGS("--load", "0x20000", "--entry", "2000:0000", guest("hello_at_20000.bin")));
	assert_status(&r, 43);
	ck_assert_str_eq(r.out, "hello from a flat image\n");
}
END_TEST

START_TEST(trace_and_stats_show_every_exit)
{
	static const char *const prefix = "minivm: exit ";
	static char lines[64][160];
	unsigned long long count;
	const char *row;
	unsigned n;

	run_minivm(&r, NULL, ARGS("--trace", "--stats", guest("hello.bin")));
	assert_status(&r, 43);
	n = exit_lines(r.err, prefix, lines, 64);
	/* One OUT per byte of "hello from a flat image\n", then the exit port. */
	ck_assert_uint_eq(n, 25);
	ck_assert_str_eq(lines[0], "minivm: exit 1: IO_INSTRUCTION out 1 byte port 0xe9 (debugcon) "
				   "= 0x68");
	ck_assert_str_eq(lines[23], "minivm: exit 24: IO_INSTRUCTION out 1 byte port 0xe9 (debugcon) "
				    "= 0x0a");
	ck_assert_str_eq(lines[24], "minivm: exit 25: IO_INSTRUCTION out 1 byte port 0xf4 (exit port) "
				    "= 0x15");
	ck_assert_uint_eq(count_of(r.err, "; rip 0x7c"), 25);
	assert_contains(r.err, "the guest wrote 0x15 to the exit port: status 43");
	assert_contains(r.err, "VM exits by reason (backend kvm)");
	assert_contains(r.err, "guest total");
	assert_contains(r.err, "handler mean");
	row = strstr(r.err, "  IO_INSTRUCTION ");
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(sscanf(row, " IO_INSTRUCTION %llu", &count), 1);
	ck_assert_uint_eq(count, 25);
	ck_assert_ptr_nonnull(strstr(row, "100.0%"));
}
END_TEST

START_TEST(multiboot_kernel_gets_the_boot_protocol)
{
	char cmdline[600];

	run_minivm(&r, NULL, ARGS("--mem", "16M", "--append", "console=ttyS0 minivm-test",
				  guest("mbkernel.elf")));
	assert_status(&r, (0x10 << 1) | 1);
	snprintf(cmdline, sizeof(cmdline), "cmdline=%s console=ttyS0 minivm-test\n", guest("mbkernel.elf"));
	assert_contains(r.out, "magic ok\n");
	assert_contains(r.out, "mem_lower=639 mem_upper=15360\n");
	assert_contains(r.out, cmdline);
	assert_contains(r.out, "cs=8 ds=16 pe=1 pg=0 if=0\n");
	assert_lacks(r.out, "bad magic");
}
END_TEST

START_TEST(multiboot_memory_follows_mem)
{
	run_minivm(&r, NULL, ARGS("--mem", "3M", guest("mbkernel.elf")));
	assert_status(&r, 33);
	assert_contains(r.out, "mem_lower=639 mem_upper=2048\n");
}
END_TEST

/* A guest failure: status 70, the error's name and detail, and a dump. */
static void expect_guest_failure(const char *name, const char *detail)
{
	assert_status(&r, EX_SOFTWARE);
	assert_contains(r.err, "minivm: guest failure: ");
	assert_contains(r.err, name);
	assert_contains(r.err, detail);
	assert_contains(r.err, "minivm: VCPU state at the failure:");
	assert_contains(r.err, "GUEST_RIP");
	assert_contains(r.err, "GUEST_CR0");
}

START_TEST(triple_fault_is_a_guest_failure)
{
	run_minivm(&r, NULL, ARGS(guest("triple.bin")));
	ck_assert_str_eq(r.out, "about to triple fault\n");
	expect_guest_failure("VCPU_ETRIPLE_FAULT (guest triple fault)", "could not deliver an exception");
}
END_TEST

START_TEST(unknown_port_is_noted_once_and_reads_all_ones)
{
	run_minivm(&r, NULL, ARGS(guest("unknown_port.bin")));
	assert_status(&r, 3);
	ck_assert_str_eq(r.out, "port 0x80 reads 0xff\n");
	ck_assert_uint_eq(count_of(r.err, "unknown port"), 1);
	assert_contains(r.err, "minivm: guest read 1 byte(s) from unknown port 0x80");
	assert_contains(r.err, "--strict-ports makes it fatal");
}
END_TEST

START_TEST(unknown_port_with_strict_ports_is_a_guest_failure)
{
	run_minivm(&r, NULL, ARGS("--strict-ports", guest("unknown_port.bin")));
	ck_assert_str_eq(r.out, "");
	expect_guest_failure("VCPU_ENODEV", "port 0x80");
	assert_lacks(r.err, "noted once");
}
END_TEST

START_TEST(mmio_outside_ram_is_a_guest_failure)
{
	run_minivm(&r, NULL, ARGS("--mem", "1M", guest("mmio.bin")));
	expect_guest_failure("VCPU_EFAULT", "guest-physical 0x100000, outside guest RAM");
}
END_TEST

START_TEST(max_exits_stops_a_guest_looping_on_port_io)
{
	run_minivm(&r, NULL, ARGS("--max-exits", "50", guest("ioloop.bin")));
	assert_status(&r, EX_TEMPFAIL);
	assert_contains(r.err, "minivm: --max-exits: stopped the guest after 50 exits");
}
END_TEST

START_TEST(timeout_stops_a_spinning_guest)
{
	run_minivm(&r, NULL, ARGS("--timeout", "0.5", guest("spin.bin")));
	assert_status(&r, EX_TEMPFAIL);
	assert_contains(r.err, "minivm: timeout: the guest was still running after 0.5 s");
	ck_assert_msg(r.seconds >= 0.45 && r.seconds < 10, "took %.2f s", r.seconds);
}
END_TEST

START_TEST(serial_input_comes_from_stdin)
{
	run_minivm(&r, "abc", ARGS(guest("echo.bin")));
	assert_status(&r, 5);
	ck_assert_str_eq(r.out, "ABC\n");
}
END_TEST

START_TEST(power_off_exits_0)
{
	run_minivm(&r, NULL, ARGS(guest("poweroff.bin")));
	assert_status(&r, 0);
	ck_assert_str_eq(r.out, "powering off\n");
}
END_TEST

START_TEST(halt_with_interrupts_on_is_stopped)
{
	run_minivm(&r, NULL, ARGS(guest("sti_hlt.bin")));
	assert_status(&r, EX_TEMPFAIL);
	assert_contains(r.err, "halted with interrupts on");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("minivm_kvm");
	TCase *tc = tcase_create("kvm");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, demo_guest_prints_its_steps_and_halts);
	tcase_add_test(tc, demo_on_kvm_matches_its_replay_on_the_mock);
	tcase_add_test(tc, trace_gives_the_address_of_the_hlt);
	tcase_add_test(tc, demo_prints_the_same_on_kvm_and_the_emulator);
	tcase_add_test(tc, flat_image_prints_and_exits_through_the_ports);
	tcase_add_test(tc, flat_image_at_a_chosen_load_address_and_entry);
	tcase_add_test(tc, trace_and_stats_show_every_exit);
	tcase_add_test(tc, multiboot_kernel_gets_the_boot_protocol);
	tcase_add_test(tc, multiboot_memory_follows_mem);
	tcase_add_test(tc, triple_fault_is_a_guest_failure);
	tcase_add_test(tc, unknown_port_is_noted_once_and_reads_all_ones);
	tcase_add_test(tc, unknown_port_with_strict_ports_is_a_guest_failure);
	tcase_add_test(tc, mmio_outside_ram_is_a_guest_failure);
	tcase_add_test(tc, max_exits_stops_a_guest_looping_on_port_io);
	tcase_add_test(tc, timeout_stops_a_spinning_guest);
	tcase_add_test(tc, serial_input_comes_from_stdin);
	tcase_add_test(tc, power_off_exits_0);
	tcase_add_test(tc, halt_with_interrupts_on_is_stopped);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	int fd;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: minivm_kvm needs /dev/kvm, which cannot be opened read/write: %s\n",
		       strerror(errno));
		return 77;
	}
	close(fd);
	return minivm_test_main(argc, argv, suite());
}
