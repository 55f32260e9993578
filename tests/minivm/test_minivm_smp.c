/*
 * minivm --smp: the option's checks and the SMP demo on the emulator
 * everywhere; on KVM (skipped without a read/write /dev/kvm) the demo on
 * 1, 2 and 4 VCPUs running at once, per-VCPU trace lines, and a run that
 * one VCPU ends (failure, exit port, --max-exits, HLT with interrupts on,
 * --timeout) stopping the VCPUs still running.
 *
 * Usage: test_minivm_smp MINIVM GUEST_DIR
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

#define EX_USAGE 64
#define EX_SOFTWARE 70
#define EX_TEMPFAIL 75

#define SMP_DEMO_LOCKS 200	/* LOCKS_EACH in examples/minivm/guest/smp.asm */

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct run_result r;

static void teardown(void)
{
	run_result_free(&r);
}

static void expect_usage_error(const char *needle, const char *const *args)
{
	run_minivm(&r, NULL, args);
	assert_status(&r, EX_USAGE);
	assert_contains(r.err, needle);
	ck_assert_str_eq(r.out, "");
	run_result_free(&r);
}

/* The demo's report on `n` VCPUs, up to its contention line, which varies. */
static void expect_demo_report(const char *out, unsigned n)
{
	char expected[1024];
	int len;

	len = snprintf(expected, sizeof(expected), "SMP demo: %u VCPU%s, %s takes one spinlock %u "
		       "times.\n", n, n > 1 ? "s" : "", n > 1 ? "each" : "which", SMP_DEMO_LOCKS);
	for (unsigned i = 0; i < n; i++)
		len += snprintf(expected + len, sizeof(expected) - (size_t)len,
				"cpu%u: took the lock %u times\n", i, SMP_DEMO_LOCKS);
	snprintf(expected + len, sizeof(expected) - (size_t)len,
		 "total: %u, expected %u x %u = %u: total matches\ncontention: ", n * SMP_DEMO_LOCKS, n,
		 SMP_DEMO_LOCKS, n * SMP_DEMO_LOCKS);
	ck_assert_msg(strncmp(out, expected, strlen(expected)) == 0, "expected:\n%s\ngot:\n%s", expected,
		      out);
}

/* How many acquires found the lock taken, from the demo's last line. */
static unsigned contention(const char *out)
{
	const char *line = strstr(out, "contention: an acquire found the lock taken ");
	unsigned n;

	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(sscanf(line, "contention: an acquire found the lock taken %u times", &n), 1);
	return n;
}

/* ---- Options, and what runs without KVM ---------------------------------- */

START_TEST(help_describes_smp_and_the_demos)
{
	run_minivm(&r, NULL, ARGS("--help"));
	assert_status(&r, 0);
	assert_contains(r.out, "--smp N");
	assert_contains(r.out, "--demo NAME");
	assert_contains(r.out, "ECX = N");
	assert_contains(r.out, "CPUID.1:EBX[31:24]");
}
END_TEST

START_TEST(bad_vcpu_counts_exit_64)
{
	static const char *const bad[] = { "0", "17", "garbage", "-1", "", "4x", "99999999999999999999" };
	char needle[64];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(needle, sizeof(needle), "--smp '%s': not a number of VCPUs from 1 to 16", bad[i]);
		expect_usage_error(needle, ARGS("--smp", bad[i]));
	}
}
END_TEST

START_TEST(more_than_one_vcpu_needs_kvm)
{
	expect_usage_error("--smp 2: more than one VCPU needs --backend kvm",
			   ARGS("--backend", "emulate", "--smp", "2"));
	expect_usage_error("--smp 16: more than one VCPU needs --backend kvm",
			   ARGS("--backend", "mock", "--smp", "16", guest("hello.bin")));
}
END_TEST

START_TEST(demo_choice_is_checked)
{
	expect_usage_error("--demo 'bogus': minivm has the demos exits and smp", ARGS("--demo", "bogus"));
	expect_usage_error("--demo picks a built-in guest; it goes without IMAGE",
			   ARGS("--demo", "smp", guest("hello.bin")));
	expect_usage_error("--demo exits runs on one VCPU", ARGS("--demo", "exits", "--smp", "2"));
}
END_TEST

/* One VCPU on the emulator: the same report, and nobody to contend with. */
START_TEST(smp_demo_on_one_vcpu_of_the_emulator)
{
	run_minivm(&r, NULL, ARGS("--backend", "emulate", "--demo", "smp"));
	assert_status(&r, 0);
	expect_demo_report(r.out, 1);
	ck_assert_uint_eq(contention(r.out), 0);
	assert_contains(r.err, "the guest halted with interrupts off");
}
END_TEST

/* ---- On KVM ------------------------------------------------------------------ */

static void run_demo(unsigned n)
{
	char count[8];

	snprintf(count, sizeof(count), "%u", n);
	run_minivm(&r, NULL, ARGS("--demo", "smp", "--smp", count, "--timeout", "30"));
	assert_status(&r, 0);
	expect_demo_report(r.out, n);
}

START_TEST(smp_demo_on_one_vcpu)
{
	run_demo(1);
	ck_assert_uint_eq(contention(r.out), 0);
	assert_contains(r.err, "the guest halted with interrupts off");
}
END_TEST

/* VCPU 0 holds the lock until each other VCPU has found it taken: the run
 * ends only if they ran while it did, and each such acquire is counted. */
START_TEST(smp_demo_on_two_vcpus_running_at_once)
{
	run_demo(2);
	ck_assert_uint_ge(contention(r.out), 1);
	assert_contains(r.err, "minivm: all 2 VCPUs halted with interrupts off");
	assert_contains(r.err, "2 x HLT");
	assert_contains(r.err, "minivm: VM exits per VCPU: cpu0 ");
}
END_TEST

START_TEST(smp_demo_on_four_vcpus_running_at_once)
{
	run_demo(4);
	ck_assert_uint_ge(contention(r.out), 3);
	assert_contains(r.err, "minivm: all 4 VCPUs halted with interrupts off");
	assert_contains(r.err, "4 x HLT");
	ck_assert_msg(r.seconds < 10, "took %.2f s", r.seconds);
}
END_TEST

/* --smp N > 1 without IMAGE picks the SMP demo. */
START_TEST(smp_alone_runs_the_smp_demo)
{
	run_minivm(&r, NULL, ARGS("--smp", "3"));
	assert_status(&r, 0);
	expect_demo_report(r.out, 3);
	assert_contains(r.err, "running the built-in SMP demo guest");
	assert_contains(r.err, "with ECX = 3");
}
END_TEST

START_TEST(trace_lines_name_the_vcpu)
{
	run_minivm(&r, NULL, ARGS("--smp", "2", "--trace"));
	assert_status(&r, 0);
	assert_contains(r.err, "minivm: cpu0: exit 1: IO_INSTRUCTION out 1 byte port 0x3f9 (COM1 IER)");
	ck_assert_uint_eq(count_of(r.err, ": HLT; rip 0x"), 2);
	assert_contains(r.err, "minivm: cpu1: exit ");
	assert_lacks(r.err, "\nminivm: exit ");
}
END_TEST

/* VCPU 1 triple-faults; the others spin without exits and must be stopped. */
START_TEST(a_failure_on_one_vcpu_stops_the_others)
{
	run_minivm(&r, NULL, ARGS("--smp", "3", "--timeout", "30", guest("smp_triple.bin")));
	assert_status(&r, EX_SOFTWARE);
	assert_contains(r.err, "minivm: guest failure on cpu1: VCPU_ETRIPLE_FAULT");
	assert_contains(r.err, "minivm: VCPU state at the failure on cpu1:");
	assert_lacks(r.err, "timeout");
	ck_assert_msg(r.seconds < 10, "took %.2f s", r.seconds);
}
END_TEST

/* Both VCPUs print (their bytes interleave) and write the exit port;
 * whichever is first ends the run. */
START_TEST(the_exit_port_ends_every_vcpu)
{
	run_minivm(&r, NULL, ARGS("--smp", "2", "--timeout", "30", guest("hello.bin")));
	assert_status(&r, (0x15 << 1) | 1);
	ck_assert_uint_ge(r.out_len, strlen("hello from a flat image\n"));
	ck_assert_uint_le(r.out_len, 2 * strlen("hello from a flat image\n"));
}
END_TEST

START_TEST(max_exits_counts_the_exits_of_every_vcpu)
{
	run_minivm(&r, NULL, ARGS("--smp", "2", "--max-exits", "100", "--timeout", "30",
				  guest("ioloop.bin")));
	assert_status(&r, EX_TEMPFAIL);
	assert_contains(r.err, "minivm: --max-exits: stopped the guest after ");
}
END_TEST

START_TEST(halt_with_interrupts_on_ends_every_vcpu)
{
	run_minivm(&r, NULL, ARGS("--smp", "4", "--timeout", "30", guest("sti_hlt.bin")));
	assert_status(&r, EX_TEMPFAIL);
	assert_contains(r.err, "halted with interrupts on");
}
END_TEST

START_TEST(timeout_stops_every_spinning_vcpu)
{
	run_minivm(&r, NULL, ARGS("--smp", "3", "--timeout", "0.5", guest("spin.bin")));
	assert_status(&r, EX_TEMPFAIL);
	assert_contains(r.err, "minivm: timeout: the guest was still running after 0.5 s");
	assert_contains(r.err, " cpu0 at RIP 0x7c0");
	assert_contains(r.err, ", cpu2 at RIP 0x7c0");
	ck_assert_msg(r.seconds >= 0.45 && r.seconds < 10, "took %.2f s", r.seconds);
}
END_TEST

static bool have_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("note: the KVM cases need /dev/kvm, which cannot be opened read/write: %s\n",
		       strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

static Suite *suite(bool kvm)
{
	Suite *s = suite_create("minivm_smp");
	TCase *tc = tcase_create("options");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, help_describes_smp_and_the_demos);
	tcase_add_test(tc, bad_vcpu_counts_exit_64);
	tcase_add_test(tc, more_than_one_vcpu_needs_kvm);
	tcase_add_test(tc, demo_choice_is_checked);
	tcase_add_test(tc, smp_demo_on_one_vcpu_of_the_emulator);
	suite_add_tcase(s, tc);
	if (!kvm)
		return s;
	tc = tcase_create("kvm");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, smp_demo_on_one_vcpu);
	tcase_add_test(tc, smp_demo_on_two_vcpus_running_at_once);
	tcase_add_test(tc, smp_demo_on_four_vcpus_running_at_once);
	tcase_add_test(tc, smp_alone_runs_the_smp_demo);
	tcase_add_test(tc, trace_lines_name_the_vcpu);
	tcase_add_test(tc, a_failure_on_one_vcpu_stops_the_others);
	tcase_add_test(tc, the_exit_port_ends_every_vcpu);
	tcase_add_test(tc, max_exits_counts_the_exits_of_every_vcpu);
	tcase_add_test(tc, halt_with_interrupts_on_ends_every_vcpu);
	tcase_add_test(tc, timeout_stops_every_spinning_vcpu);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	return minivm_test_main(argc, argv, suite(have_kvm()));
}
