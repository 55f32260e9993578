/* I/O instruction exits: the port callback, the I/O bitmaps, the unknown-
 * port policy, and INS/OUTS with REP on guest memory. */
#include "harness.h"

static struct fixture f;
static uint8_t ram[64 * 1024] __attribute__((aligned(4096)));

struct port_log {
	unsigned calls;
	uint16_t port;
	unsigned size;
	bool in;
	uint32_t value;
	uint8_t written[64];
	unsigned nr_written;
};

static struct port_log plog;

/* A device at 0x3f8-0x3ff that records writes and reads back 0x5a5a5a5a;
 * nothing else decodes. */
static int port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	struct port_log *log = opaque;

	(void)vcpu;
	if (port < 0x3f8 || port > 0x3ff)
		return VCPU_ENODEV;
	log->calls++;
	log->port = port;
	log->size = size;
	log->in = in;
	if (in) {
		*value = 0x5a5a5a5a;
	} else {
		log->value = *value;
		if (log->nr_written < sizeof(log->written))
			log->written[log->nr_written++] = (uint8_t)*value;
	}
	return 0;
}

static void setup(void)
{
	struct vm_callbacks cb = { .port_io = port_io };

	fixture_init(&f, "modern", 1);
	memset(&plog, 0, sizeof(plog));
	vm_set_callbacks(f.vm, &cb, &plog);
	ck_assert_int_eq(vm_add_memory(f.vm, 0, sizeof(ram), ram), 0);
	set_protected_mode(f.vcpu);
}

static void teardown(void) { fixture_fini(&f); }

/* SDM I/O qualification: size-1 in 2:0, IN in 3, string 4, REP 5, imm 6. */
static uint64_t io_qual(uint16_t port, unsigned size, bool in, bool string, bool rep)
{
	return (uint64_t)(size - 1) | (in ? 8u : 0) | (string ? 16u : 0) | (rep ? 32u : 0) |
	       ((uint64_t)port << 16);
}

static void run_io(uint64_t qual, uint32_t len, unsigned n, const uint64_t *regs)
{
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_IO_INSTRUCTION, qual, len, n, regs);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
}

START_TEST(out_hands_the_low_bytes_of_rax_to_the_device)
{
	const uint64_t regs[] = { VCPU_REG_RAX, 0x11223344 };

	run_io(io_qual(0x3f8, 1, false, false, false), 1, 1, regs);
	ck_assert_uint_eq(plog.calls, 1);
	ck_assert_uint_eq(plog.port, 0x3f8);
	ck_assert_uint_eq(plog.size, 1);
	ck_assert_uint_eq(plog.value, 0x44);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 1 + 1);
}
END_TEST

START_TEST(in_al_keeps_the_rest_of_rax_and_in_eax_zero_extends)
{
	const uint64_t regs[] = { VCPU_REG_RAX, 0xffffffffffffffffull };

	run_io(io_qual(0x3f9, 1, true, false, false), 1, 1, regs);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0xffffffffffffff5aull);
	vcpu_inject_nmi(f.vcpu);
	run_io(io_qual(0x3fa, 2, true, false, false), 1, 1, regs);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0xffffffffffff5a5aull);
	vcpu_inject_nmi(f.vcpu);
	run_io(io_qual(0x3fc, 4, true, false, false), 1, 1, regs);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0x5a5a5a5aull);
}
END_TEST

START_TEST(unknown_port_reads_all_ones_by_default)
{
	const uint64_t regs[] = { VCPU_REG_RAX, 0 };
	struct vcpu_booking b;

	run_io(io_qual(0x80, 2, true, false, false), 2, 1, regs);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0xffff);
	vcpu_get_booking(f.vcpu, &b);
	ck_assert_uint_eq(b.unknown_port_accesses, 1);
	ck_assert_uint_eq(plog.calls, 0);
}
END_TEST

START_TEST(unknown_port_fails_the_run_when_the_policy_says_so)
{
	vm_set_unknown_port_policy(f.vm, VM_UNKNOWN_PORT_FAIL);
	push_exit(f.vcpu, VMX_EXIT_REASON_IO_INSTRUCTION, io_qual(0x1234, 1, false, false, false), 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ENODEV);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "port 0x1234"));
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "no device"));
}
END_TEST

START_TEST(bitmaps_decide_which_ports_exit)
{
	ck_assert(vcpu_io_intercepted(f.vcpu, 0x70, 1));
	ck_assert_int_eq(vcpu_set_io_intercept(f.vcpu, 0x70, 2, false), 0);
	ck_assert(!vcpu_io_intercepted(f.vcpu, 0x70, 1));
	ck_assert(!vcpu_io_intercepted(f.vcpu, 0x70, 2));
	/* A word access touching an intercepted neighbour still exits. */
	ck_assert(vcpu_io_intercepted(f.vcpu, 0x71, 2));
	/* Bitmap B covers 8000-FFFF. */
	ck_assert_int_eq(vcpu_set_io_intercept(f.vcpu, 0x9000, 1, false), 0);
	ck_assert(!vcpu_io_intercepted(f.vcpu, 0x9000, 1));
	/* An access that wraps past FFFF always exits. */
	ck_assert_int_eq(vcpu_set_io_intercept(f.vcpu, 0xfffe, 2, false), 0);
	ck_assert_int_eq(vcpu_set_io_intercept(f.vcpu, 0, 1, false), 0);
	ck_assert(vcpu_io_intercepted(f.vcpu, 0xffff, 2));
	ck_assert_int_eq(vcpu_set_io_intercept(f.vcpu, 0xffff, 2, true), VCPU_EINVAL);
	/* The hardware model agrees: it cannot exit on a let-through port. */
	push_exit(f.vcpu, VMX_EXIT_REASON_IO_INSTRUCTION, io_qual(0x70, 1, false, false, false), 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "I/O bitmaps"));
}
END_TEST

START_TEST(rep_outsb_reads_guest_memory_and_advances)
{
	const uint64_t regs[] = { VCPU_REG_RSI, 0x4000, VCPU_REG_RCX, 5 };

	memcpy(ram + 0x4000, "hello", 5);
	run_io(io_qual(0x3f8, 1, false, true, true), 2, 2, regs);
	ck_assert_uint_eq(plog.nr_written, 5);
	ck_assert_int_eq(memcmp(plog.written, "hello", 5), 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RSI), 0x4005);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RCX), 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 2 + 1);
}
END_TEST

START_TEST(rep_insw_backwards_writes_guest_memory)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_IO_INSTRUCTION, .instruction_len = 2,
			  .qualification = io_qual(0x3fe, 2, true, true, true) },
		.nr_changes = 3,
		.changes = { { true, VCPU_REG_RDI, 0x5004 }, { true, VCPU_REG_RCX, 3 },
			     { false, VMCS_GUEST_RFLAGS, VMX_RFLAGS_FIXED1 | VMX_RFLAGS_DF } },
	};

	memset(ram + 0x5000, 0, 16);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(plog.calls, 3);
	/* Elements land at 5004, 5002, 5000. */
	for (unsigned i = 0; i < 6; i++)
		ck_assert_uint_eq(ram[0x5000 + i], 0x5a);
	ck_assert_uint_eq(ram[0x5006], 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDI), 0x4ffe);
}
END_TEST

START_TEST(long_rep_is_split_and_the_instruction_reexecuted)
{
	const uint64_t regs[] = { VCPU_REG_RSI, 0, VCPU_REG_RCX, 5000 };

	vm_set_callbacks(f.vm, &(struct vm_callbacks){ .port_io = port_io }, &plog);
	run_io(io_qual(0x3f8, 1, false, true, true), 2, 2, regs);
	ck_assert_uint_eq(plog.calls, 4096);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RCX), 5000 - 4096);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RSI), 4096);
	/* RIP still at the REP OUTSB, plus the HLT after it. */
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 1);
}
END_TEST

START_TEST(string_io_outside_guest_memory_is_efault)
{
	/* 32-bit address size (info bits 9:7 = 1), DS (bits 17:15 = 3). */
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_IO_INSTRUCTION, .instruction_len = 2,
			  .qualification = io_qual(0x3f8, 1, false, true, true),
			  .instruction_info = (1u << 7) | (3u << 15) },
		.nr_changes = 2,
		.changes = { { true, VCPU_REG_RSI, 0x100000 }, { true, VCPU_REG_RCX, 1 } },
	};

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EFAULT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "0x100000"));
	ck_assert_uint_eq(plog.calls, 0);
}
END_TEST

START_TEST(string_io_with_paging_on_is_refused_by_name)
{
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 0, 0x80000011), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_IO_INSTRUCTION, io_qual(0x3f8, 1, false, true, false), 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "page walk"));
}
END_TEST

START_TEST(malformed_qualification_is_refused)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_IO_INSTRUCTION, .qualification = 0x3f80002 },
		.unchecked = true,
	};

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EUNHANDLED_EXIT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "not an SDM layout"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("io");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, out_hands_the_low_bytes_of_rax_to_the_device);
	tcase_add_test(tc, in_al_keeps_the_rest_of_rax_and_in_eax_zero_extends);
	tcase_add_test(tc, unknown_port_reads_all_ones_by_default);
	tcase_add_test(tc, unknown_port_fails_the_run_when_the_policy_says_so);
	tcase_add_test(tc, bitmaps_decide_which_ports_exit);
	tcase_add_test(tc, rep_outsb_reads_guest_memory_and_advances);
	tcase_add_test(tc, rep_insw_backwards_writes_guest_memory);
	tcase_add_test(tc, long_rep_is_split_and_the_instruction_reexecuted);
	tcase_add_test(tc, string_io_outside_guest_memory_is_efault);
	tcase_add_test(tc, string_io_with_paging_on_is_refused_by_name);
	tcase_add_test(tc, malformed_qualification_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
