/*
 * minivm's devices, exit handler and trace on the mock backend: the same
 * code minivm runs on KVM, driven by scripted I/O exits (SDM qualification
 * layout, the guest's RAX and RDX as the exit leaves them). No /dev/kvm
 * needed.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo_script.h"
#include "libvcpu/mock.h"
#include "machine.h"

#define RAM (64u << 10)

static struct machine m;
static FILE *console, *note_log, *trace_log;
static char *console_buf, *log_buf, *trace_buf;
static size_t console_len, log_len, trace_len;
static int in_pipe[2];

static void setup(void)
{
	char err[256];

	console = open_memstream(&console_buf, &console_len);
	note_log = open_memstream(&log_buf, &log_len);
	trace_log = open_memstream(&trace_buf, &trace_len);
	ck_assert(console && note_log && trace_log);
	ck_assert_int_eq(pipe(in_pipe), 0);
	memset(&m, 0, sizeof(m));
	devices_init(&m.dev, console, in_pipe[0], note_log);
	ck_assert_msg(machine_create(&m, "mock", NULL, RAM, 1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(machine_attach(&m, false), 0);
}

static void teardown(void)
{
	machine_destroy(&m);
	fclose(console);
	fclose(note_log);
	fclose(trace_log);
	free(console_buf);
	free(log_buf);
	free(trace_buf);
	close(in_pipe[0]);
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Run what is scripted (waking the VCPU from an earlier HLT). */
static int run_script(void)
{
	vcpu_wake(m.vcpu);
	return machine_run(&m);
}

static const char *console_text(void)
{
	fflush(console);
	return console_buf;
}

static const char *log_text(void)
{
	fflush(note_log);
	return log_buf;
}

static const char *trace_text(void)
{
	fflush(trace_log);
	return trace_buf;
}

/* An I/O exit in the SDM layout: size - 1 in bits 2:0, IN in bit 3, port
 * from DX, the port in 31:16; RAX holds what an OUT writes. */
static void push_io(uint16_t port, unsigned size, bool in, uint64_t rax)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_IO_INSTRUCTION,
			  .qualification = ((uint64_t)port << 16) | (size - 1) | (in ? 8u : 0u),
			  .instruction_len = 1 },
		.nr_changes = 2,
		.changes = { { true, VCPU_REG_RAX, rax }, { true, VCPU_REG_RDX, port } },
	};

	ck_assert_int_eq(vcpu_mock_push_exit(m.vcpu, &e), 0);
}

static void push_plain(uint32_t reason)
{
	struct vcpu_mock_exit e = { .exit = { .reason = reason, .instruction_len = 1 } };

	ck_assert_int_eq(vcpu_mock_push_exit(m.vcpu, &e), 0);
}

/* Run the script, ended by a HLT with interrupts off, to the HLT. */
static void play(void)
{
	int r;

	push_plain(VMX_EXIT_REASON_HLT);
	r = run_script();
	ck_assert_msg(r == 0, "vcpu_run: %s: %s", vcpu_error_name(r), vcpu_error_detail(m.vcpu));
	ck_assert_int_eq(m.cpu[0].stop, MACHINE_STOP_HALT);
}

static void out(uint16_t port, unsigned size, uint32_t value)
{
	push_io(port, size, false, value);
	play();
}

/* IN with RAX all ones before it: shows which bytes the access changed. */
static uint64_t in(uint16_t port, unsigned size)
{
	uint64_t rax = 0;

	push_io(port, size, true, ~0ull);
	play();
	vcpu_get_reg(m.vcpu, VCPU_REG_RAX, &rax);
	return rax;
}

START_TEST(thr_writes_go_to_the_console)
{
	out(0x3f8, 1, 'h');
	out(0x3f8, 1, 'i');
	out(0x3f8, 1, '\n');
	ck_assert_str_eq(console_text(), "hi\n");
}
END_TEST

START_TEST(lsr_says_transmitter_empty_and_nothing_received)
{
	ck_assert_uint_eq(in(0x3fd, 1), 0xffffffffffffff60ull);
}
END_TEST

START_TEST(input_sets_data_ready_and_reads_in_order_until_end_of_file)
{
	ck_assert_int_eq(write(in_pipe[1], "ok", 2), 2);
	ck_assert_uint_eq(in(0x3fd, 1) & 0xff, 0x61);
	ck_assert_uint_eq(in(0x3f8, 1) & 0xff, 'o');
	ck_assert_uint_eq(in(0x3fd, 1) & 0xff, 0x61);
	ck_assert_uint_eq(in(0x3f8, 1) & 0xff, 'k');
	ck_assert_uint_eq(in(0x3fd, 1) & 0xff, 0x60);
	close(in_pipe[1]);
	in_pipe[1] = -1;
	ck_assert_uint_eq(in(0x3fd, 1) & 0xff, 0x60);
	ck_assert_int_eq(m.dev.com1.in_fd, -1);
}
END_TEST

START_TEST(dlab_turns_thr_and_ier_into_the_divisor_latch)
{
	out(0x3fb, 1, 0x80);
	out(0x3f8, 1, 0x0c);
	out(0x3f9, 1, 0x01);
	ck_assert_uint_eq(in(0x3f8, 1) & 0xff, 0x0c);
	ck_assert_uint_eq(in(0x3f9, 1) & 0xff, 0x01);
	ck_assert_str_eq(console_text(), "");
	out(0x3fb, 1, 0x03);
	ck_assert_uint_eq(in(0x3f9, 1) & 0xff, 0x00);	/* IER untouched */
	out(0x3f8, 1, 'x');
	ck_assert_str_eq(console_text(), "x");
}
END_TEST

START_TEST(registers_read_back_and_iir_shows_no_interrupt)
{
	out(0x3ff, 1, 0xa5);
	out(0x3f9, 1, 0xff);
	out(0x3fc, 1, 0x0b);
	ck_assert_uint_eq(in(0x3ff, 1) & 0xff, 0xa5);
	ck_assert_uint_eq(in(0x3f9, 1) & 0xff, 0x0f);	/* IER has four bits */
	ck_assert_uint_eq(in(0x3fc, 1) & 0xff, 0x0b);
	ck_assert_uint_eq(in(0x3fa, 1) & 0xff, 0x01);
	out(0x3fa, 1, 0x07);
	ck_assert_uint_eq(in(0x3fa, 1) & 0xff, 0xc1);	/* FIFOs enabled */
	ck_assert_uint_eq(in(0x3fe, 1) & 0xff, 0xb0);	/* DCD, DSR, CTS */
}
END_TEST

START_TEST(loopback_returns_thr_writes_on_rbr)
{
	out(0x3fc, 1, 0x13);	/* loop, RTS, DTR */
	out(0x3f8, 1, 'z');
	ck_assert_str_eq(console_text(), "");
	ck_assert_uint_eq(in(0x3fd, 1) & 0xff, 0x61);
	ck_assert_uint_eq(in(0x3f8, 1) & 0xff, 'z');
	ck_assert_uint_eq(in(0x3fe, 1) & 0xff, 0x30);	/* CTS, DSR from RTS, DTR */
}
END_TEST

START_TEST(a_word_access_is_two_byte_registers)
{
	out(0x3ff, 1, 0xab);
	/* MSR at 0x3fe, SCR at 0x3ff; IN AX keeps the rest of RAX. */
	ck_assert_uint_eq(in(0x3fe, 2), 0xffffffffffffabb0ull);
}
END_TEST

START_TEST(debugcon_prints_and_reads_as_0xe9)
{
	out(0xe9, 1, 'A');
	out(0xe9, 1, '\n');
	ck_assert_str_eq(console_text(), "A\n");
	ck_assert_uint_eq(in(0xe9, 1) & 0xff, 0xe9);
}
END_TEST

START_TEST(exit_port_stops_the_run_with_qemus_status)
{
	push_io(0xf4, 1, false, 0x15);
	push_plain(VMX_EXIT_REASON_HLT);
	ck_assert_int_eq(run_script(), 0);
	ck_assert_int_eq(m.cpu[0].stop, MACHINE_STOP_EXIT_PORT);
	ck_assert_uint_eq(m.dev.exit_value, 0x15);
	ck_assert_int_eq(devices_exit_status(&m.dev), 43);
	ck_assert_uint_eq(vcpu_mock_pending(m.vcpu), 1);	/* the HLT never ran */
}
END_TEST

START_TEST(exit_port_status_keeps_the_low_8_bits_of_a_dword)
{
	push_io(0xf4, 4, false, 0x80);
	ck_assert_int_eq(run_script(), 0);
	ck_assert_int_eq(m.cpu[0].stop, MACHINE_STOP_EXIT_PORT);
	ck_assert_int_eq(devices_exit_status(&m.dev), 1);	/* 0x101 & 0xff */
}
END_TEST

START_TEST(power_off_needs_slp_en)
{
	out(0x604, 2, 0x0000);	/* no SLP_EN: the run goes on to the HLT */
	push_io(0x604, 2, false, 0x2000);
	ck_assert_int_eq(run_script(), 0);
	ck_assert_int_eq(m.cpu[0].stop, MACHINE_STOP_POWER_OFF);
}
END_TEST

START_TEST(unknown_port_reads_all_ones_and_is_noted_once_per_port)
{
	ck_assert_uint_eq(in(0x80, 1), ~0ull);
	out(0x80, 1, 1);
	out(0x80, 1, 2);
	ck_assert_uint_eq(count_lines(log_text()), 1);
	ck_assert_ptr_nonnull(strstr(log_text(), "read 1 byte(s) from unknown port 0x80"));
	ck_assert_ptr_nonnull(strstr(log_text(), "--strict-ports"));
	ck_assert_uint_eq(in(0x81, 2), 0xffffffffffffffffull);
	ck_assert_uint_eq(count_lines(log_text()), 2);
	ck_assert_uint_eq(m.dev.unknown_accesses, 4);
}
END_TEST

START_TEST(strict_ports_fail_the_run_with_enodev)
{
	ck_assert_int_eq(machine_attach(&m, true), 0);
	push_io(0x80, 1, true, 0);
	ck_assert_int_eq(run_script(), VCPU_ENODEV);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(m.vcpu), "port 0x80"));
	ck_assert_str_eq(log_text(), "");	/* the error says it all */
}
END_TEST

START_TEST(max_exits_stops_the_run)
{
	m.max_exits = 5;
	for (int i = 0; i < 8; i++)
		push_io(0xe9, 1, false, '.');
	push_plain(VMX_EXIT_REASON_HLT);
	ck_assert_int_eq(run_script(), 0);
	ck_assert_int_eq(m.cpu[0].stop, MACHINE_STOP_MAX_EXITS);
	ck_assert_uint_eq(m.stats.total, 5);
	ck_assert_uint_eq(vcpu_mock_pending(m.vcpu), 4);
	ck_assert_str_eq(console_text(), ".....");
}
END_TEST

/* A trace line up to "; rip", which differs between backends. */
static void assert_trace_line(const char *trace, unsigned n, const char *expected)
{
	const char *line = trace;
	size_t len;

	for (unsigned i = 1; i < n && line; i++)
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
	ck_assert_msg(line && *line, "no trace line %u in:\n%s", n, trace);
	len = strcspn(line, "\n");
	ck_assert_msg(strncmp(line, expected, strlen(expected)) == 0 && strstr(line, "; rip 0x") &&
			      strstr(line, "; rip 0x") < line + len,
		      "trace line %u is\n%.*s\nexpected\n%s; rip 0x...", n, (int)len, line, expected);
}

START_TEST(trace_decodes_io_cpuid_and_hlt)
{
	struct vcpu_mock_exit cpuid = {
		.exit = { .reason = VMX_EXIT_REASON_CPUID, .instruction_len = 2 },
		.nr_changes = 2,
		.changes = { { true, VCPU_REG_RAX, 1 }, { true, VCPU_REG_RCX, 0 } },
	};

	m.trace = trace_log;
	push_io(0x3f8, 1, false, 'A');
	push_io(0x3fd, 1, true, 0);
	ck_assert_int_eq(vcpu_mock_push_exit(m.vcpu, &cpuid), 0);
	push_io(0x70, 1, true, 0);
	play();
	const char *t = trace_text();

	assert_trace_line(t, 1, "minivm: exit 1: IO_INSTRUCTION out 1 byte port 0x3f8 (COM1 THR) = 0x41");
	assert_trace_line(t, 2, "minivm: exit 2: IO_INSTRUCTION in 1 byte port 0x3fd (COM1 LSR) -> 0x60");
	assert_trace_line(t, 3, "minivm: exit 3: CPUID leaf 0x1 subleaf 0x0");
	assert_trace_line(t, 4, "minivm: exit 4: IO_INSTRUCTION in 1 byte port 0x70 (unknown) -> 0xff");
	assert_trace_line(t, 5, "minivm: exit 5: HLT");
	ck_assert_uint_eq(count_lines(t), 5);
}
END_TEST

START_TEST(trace_names_the_error_of_a_failed_exit)
{
	m.trace = trace_log;
	ck_assert_int_eq(machine_attach(&m, true), 0);
	push_io(0x1234, 2, false, 0);
	ck_assert_int_eq(run_script(), VCPU_ENODEV);
	assert_trace_line(trace_text(), 1,
			  "minivm: exit 1: IO_INSTRUCTION out 2 bytes port 0x1234 (unknown) -> VCPU_ENODEV");
}
END_TEST

START_TEST(stats_count_every_exit_by_reason)
{
	char *table = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&table, &len);
	unsigned long long n;
	const char *row;

	push_io(0xe9, 1, false, 'a');
	push_io(0xe9, 1, false, 'b');
	push_io(0xe9, 1, false, 'c');
	play();
	ck_assert_uint_eq(stats_count(&m.stats, VMX_EXIT_REASON_IO_INSTRUCTION), 3);
	ck_assert_uint_eq(stats_count(&m.stats, VMX_EXIT_REASON_HLT), 1);
	stats_print(&m.stats, f, "mock");
	fclose(f);
	ck_assert_ptr_nonnull(strstr(table, "VM exits by reason (backend mock)"));
	ck_assert_ptr_nonnull(strstr(table, "count"));
	ck_assert_ptr_nonnull(strstr(table, "handler mean"));
	row = strstr(table, "  IO_INSTRUCTION");
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(sscanf(row, " IO_INSTRUCTION %llu", &n), 1);
	ck_assert_uint_eq(n, 3);
	row = strstr(table, "  total");
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(sscanf(row, " total %llu", &n), 1);
	ck_assert_uint_eq(n, 4);
	free(table);
}
END_TEST

START_TEST(demo_banner_replayed_on_the_mock)
{
	struct demo_replay r;
	const char *why = demo_replay_run(&r);

	ck_assert_msg(why == NULL, "replay setup: %s", why);
	ck_assert_msg(r.result == 0, "vcpu_run: %s", vcpu_error_name(r.result));
	ck_assert_int_eq(r.stop, MACHINE_STOP_HALT);
	ck_assert_uint_eq(r.pending, 0);
	ck_assert_str_eq(r.console, DEMO_BANNER);
	ck_assert_uint_eq(r.io_exits, DEMO_REPLAY_IO_EXITS);
	ck_assert_uint_eq(r.hlt_exits, 1);
	ck_assert_str_eq(r.log, "");
	ck_assert_uint_eq(count_lines(r.trace), r.total_exits);
	assert_trace_line(r.trace, 2, "minivm: exit 2: IO_INSTRUCTION out 1 byte port 0x3fb "
			  "(COM1 LCR) = 0x80");
	assert_trace_line(r.trace, 3, "minivm: exit 3: IO_INSTRUCTION out 1 byte port 0x3f8 "
			  "(COM1 DLL) = 0x01");
	assert_trace_line(r.trace, 8, "minivm: exit 8: IO_INSTRUCTION in 1 byte port 0x3fd "
			  "(COM1 LSR) -> 0x60");
	assert_trace_line(r.trace, 9, "minivm: exit 9: IO_INSTRUCTION out 1 byte port 0x3f8 "
			  "(COM1 THR) = 0x48");
	demo_replay_free(&r);
}
END_TEST

/* VMCALL with sched.h's lock-holder hint is answered 0 (-1 for a holder
 * that is no VCPU) and counted; other calls get KVM's -KVM_ENOSYS. */
START_TEST(hypercall_answers_the_lock_holder_hint)
{
	static const struct { uint64_t rax, rbx, answer; } calls[] = {
		{ SCHED_HC_LOCK_HOLDER, 0, 0 },
		{ SCHED_HC_LOCK_HOLDER, SCHED_NO_LOCK_HOLDER, 0 },
		{ SCHED_HC_LOCK_HOLDER, 1, UINT64_MAX },	/* one VCPU: id 0 only */
		{ 0x1234, 0, (uint64_t)-1000 },
	};

	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct vcpu_mock_exit e = {
			.exit = { .reason = VMX_EXIT_REASON_VMCALL, .instruction_len = 3 },
			.nr_changes = 2,
			.changes = { { true, VCPU_REG_RAX, calls[i].rax },
				     { true, VCPU_REG_RBX, calls[i].rbx } },
		};
		uint64_t rax = 0;

		ck_assert_int_eq(vcpu_mock_push_exit(m.vcpu, &e), 0);
		play();
		vcpu_get_reg(m.vcpu, VCPU_REG_RAX, &rax);
		ck_assert_uint_eq(rax, calls[i].answer);
	}
	ck_assert_uint_eq(m.lock_hints, 3);
}
END_TEST

/* The fixture's machine again, with two VCPUs. */
static void two_vcpus(void)
{
	char err[256];

	machine_destroy(&m);
	memset(&m, 0, sizeof(m));
	devices_init(&m.dev, console, -1, note_log);
	ck_assert_msg(machine_create(&m, "mock", NULL, RAM, 2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(machine_attach(&m, false), 0);
	ck_assert_ptr_nonnull(m.cpu[1].vcpu);
	ck_assert_ptr_eq(m.vcpu, m.cpu[0].vcpu);
}

static void push_on(struct vcpu *vcpu, uint32_t reason, uint16_t port, uint64_t rax)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = reason, .qualification = (uint64_t)port << 16, .instruction_len = 1 },
		.nr_changes = 1,
		.changes = { { true, VCPU_REG_RAX, rax } },
	};

	ck_assert_int_eq(vcpu_mock_push_exit(vcpu, &e), 0);
}

START_TEST(trace_lines_name_the_vcpu_when_there_are_two)
{
	two_vcpus();
	m.trace = trace_log;
	push_on(m.cpu[1].vcpu, VMX_EXIT_REASON_IO_INSTRUCTION, DEBUGCON_PORT, 'B');
	push_on(m.cpu[1].vcpu, VMX_EXIT_REASON_HLT, 0, 0);
	ck_assert_int_eq(machine_cpu_run(&m.cpu[1]), 0);
	assert_trace_line(trace_text(), 1, "minivm: cpu1: exit 1: IO_INSTRUCTION out 1 byte port 0xe9 "
					   "(debugcon) = 0x42");
	assert_trace_line(trace_text(), 2, "minivm: cpu1: exit 2: HLT");
	ck_assert_uint_eq(m.cpu[1].exits, 2);
	ck_assert_uint_eq(m.cpu[0].exits, 0);
}
END_TEST

START_TEST(threads_run_until_every_vcpu_halts)
{
	two_vcpus();
	for (unsigned i = 0; i < 2; i++) {
		push_on(m.cpu[i].vcpu, VMX_EXIT_REASON_IO_INSTRUCTION, DEBUGCON_PORT, '0' + i);
		push_on(m.cpu[i].vcpu, VMX_EXIT_REASON_HLT, 0, 0);
	}
	ck_assert_int_eq(machine_run_threads(&m, 0), 0);
	ck_assert_int_eq(m.ended_by, -1);
	ck_assert(!m.timed_out);
	ck_assert_uint_eq(m.nr_done, 2);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(m.cpu[i].result, 0);
		ck_assert(machine_cpu_halted_for_good(&m.cpu[i]));
		ck_assert_uint_eq(m.cpu[i].exits, 2);
	}
	ck_assert_uint_eq(m.stats.total, 4);
	ck_assert_uint_eq(strlen(console_text()), 2);
}
END_TEST

/* VCPU 1 writes the exit port; VCPU 0, halted or stopped, does not decide. */
START_TEST(threads_end_with_the_vcpu_that_stops_the_machine)
{
	two_vcpus();
	push_on(m.cpu[0].vcpu, VMX_EXIT_REASON_HLT, 0, 0);
	push_on(m.cpu[1].vcpu, VMX_EXIT_REASON_IO_INSTRUCTION, EXIT_PORT, 0x15);
	ck_assert_int_eq(machine_run_threads(&m, 0), 0);
	ck_assert_int_eq(m.ended_by, 1);
	ck_assert_int_eq(m.cpu[1].stop, MACHINE_STOP_EXIT_PORT);
	ck_assert_int_eq(devices_exit_status(&m.dev), 43);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("minivm_devices");
	TCase *tc = tcase_create("mock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, thr_writes_go_to_the_console);
	tcase_add_test(tc, lsr_says_transmitter_empty_and_nothing_received);
	tcase_add_test(tc, input_sets_data_ready_and_reads_in_order_until_end_of_file);
	tcase_add_test(tc, dlab_turns_thr_and_ier_into_the_divisor_latch);
	tcase_add_test(tc, registers_read_back_and_iir_shows_no_interrupt);
	tcase_add_test(tc, loopback_returns_thr_writes_on_rbr);
	tcase_add_test(tc, a_word_access_is_two_byte_registers);
	tcase_add_test(tc, debugcon_prints_and_reads_as_0xe9);
	tcase_add_test(tc, exit_port_stops_the_run_with_qemus_status);
	tcase_add_test(tc, exit_port_status_keeps_the_low_8_bits_of_a_dword);
	tcase_add_test(tc, power_off_needs_slp_en);
	tcase_add_test(tc, unknown_port_reads_all_ones_and_is_noted_once_per_port);
	tcase_add_test(tc, strict_ports_fail_the_run_with_enodev);
	tcase_add_test(tc, max_exits_stops_the_run);
	tcase_add_test(tc, trace_decodes_io_cpuid_and_hlt);
	tcase_add_test(tc, trace_names_the_error_of_a_failed_exit);
	tcase_add_test(tc, stats_count_every_exit_by_reason);
	tcase_add_test(tc, demo_banner_replayed_on_the_mock);
	tcase_add_test(tc, hypercall_answers_the_lock_holder_hint);
	tcase_add_test(tc, trace_lines_name_the_vcpu_when_there_are_two);
	tcase_add_test(tc, threads_run_until_every_vcpu_halts);
	tcase_add_test(tc, threads_end_with_the_vcpu_that_stops_the_machine);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
