/*
 * The emulator's system instructions (src/emulate/exec_system.c), with
 * hand-assembled 16-bit code: LMSW, SMSW, CLTS, MOV CRn, LGDT/LIDT and
 * SGDT/SIDT, CPUID and RDTSC through the callbacks, INVD/WBINVD, WAIT and
 * the x87 escapes without a coprocessor, and the instructions real mode
 * does not recognize. Which of them virtual-8086 mode (CPL 3) refuses is
 * in test_emulate_vm86.c.
 * Expected values follow the SDM (Vol. 2 instruction pages, Vol. 3A 2.5
 * "Control Registers", Table 2-2 on EM, MP and TS).
 */
#include "emu_fixture.h"

#define CR0_MP	0x2u
#define CR0_EM	0x4u
#define CR0_TS	0x8u

/* ---- the machine status word and control registers -------------------------------- */

START_TEST(lmsw_loads_four_bits_and_never_clears_pe)
{
	CODE(0x10, 0x0f, 0x01, 0xf0, 0x0f, 0x01, 0xf0);		/* lmsw ax; lmsw ax */
	set_reg(VCPU_REG_RAX, 0xfffe);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_CR0), CR0_REAL | 0xe);
	set_field(VMCS_GUEST_CR0, CR0_REAL | 0xf);
	set_reg(VCPU_REG_RAX, 0);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_CR0), CR0_REAL | 1);

	real_mode_state();
	CODE(0x20, 0x0f, 0x01, 0x36, 0x20, 0x00);		/* lmsw [0x20] */
	wr16(DATA_SEG * 16 + 0x20, 0x0003);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_CR0), CR0_REAL | 0x3);
}
END_TEST

START_TEST(smsw_to_registers_and_memory)
{
	set_field(VMCS_GUEST_CR0, CR0_REAL | 0xe);
	CODE(0x10, 0x0f, 0x01, 0xe0, 0x66, 0x0f, 0x01, 0xe0, 0x0f, 0x01, 0x26, 0x20, 0x00);
	set_reg(VCPU_REG_RAX, 0xaaaa5555);
	ram[DATA_SEG * 16 + 0x22] = 0x77;
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RAX), 0xaaaa001e);
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RAX), CR0_REAL | 0xe);
	step();
	ck_assert_uint_eq(rd16(DATA_SEG * 16 + 0x20), 0x001e);
	ck_assert_uint_eq(ram[DATA_SEG * 16 + 0x22], 0x77);
}
END_TEST

START_TEST(clts_clears_ts)
{
	set_field(VMCS_GUEST_CR0, CR0_REAL | CR0_TS | CR0_MP);
	CODE(0x10, 0x0f, 0x06);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_CR0), CR0_REAL | CR0_MP);
}
END_TEST

START_TEST(mov_cr_follows_the_rules)
{
	struct snap s;

	emu_set_intercepts(e, 0, ~0u);
	CODE(0x10, 0x0f, 0x22, 0xc0);				/* mov cr0, eax */
	set_reg(VCPU_REG_RAX, 0x80000010u);			/* PG without PE */
	snap_take(&s);
	step();
	expect_exception(13, false, 0);
	snap_unchanged(&s);
	set_reg(VCPU_REG_RAX, 0x20000010u);			/* NW without CD */
	step();
	expect_exception(13, false, 0);
	/* Reserved bits are ignored; ET is fixed. */
	set_reg(VCPU_REG_RAX, CR0_REAL | 0x0000ffc0u | 0x00080000u);
	ck_assert_int_eq(step(), EMU_STOP_STEP);
	ck_assert_uint_eq(efield(VMCS_GUEST_CR0), CR0_REAL);
	set_reg(VCPU_REG_RAX, 0);
	set_reg(VCPU_REG_RIP, 0x10);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_CR0), 0x10);

	CODE(0x20, 0x0f, 0x22, 0xe0, 0x0f, 0x22, 0xd9, 0x0f, 0x20, 0xda);	/* cr4 <- eax; cr3 <- ecx; edx <- cr3 */
	set_reg(VCPU_REG_RAX, 1u << 13);			/* VMXE: reserved here */
	step();
	expect_exception(13, false, 0);
	set_reg(VCPU_REG_RAX, 0x200);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_CR4), 0x200);
	set_reg(VCPU_REG_RCX, 0x12345000);
	step();
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RDX), 0x12345000);
}
END_TEST

/* CR1 does not exist (#UD); debug registers are not emulated. */
START_TEST(mov_cr1_is_ud_and_mov_dr_unimplemented)
{
	struct snap s;

	emu_set_intercepts(e, 0, ~0u);
	CODE(0x10, 0x0f, 0x22, 0xc8);
	step();
	expect_exception(6, false, 0);
	CODE(0x20, 0x0f, 0x21, 0xc0);				/* mov eax, dr0 */
	snap_take(&s);
	ck_assert_int_eq(emu_step(e, &st), VCPU_EUNIMPLEMENTED);
	snap_unchanged(&s);
}
END_TEST

/* ---- descriptor-table registers ----------------------------------------------------- */

START_TEST(lgdt_and_lidt_load_24_or_32_bits_of_base)
{
	static const uint8_t image[6] = { 0xff, 0x03, 0x11, 0x22, 0x33, 0x44 };

	memcpy(ram + DATA_SEG * 16 + 0x20, image, sizeof(image));
	CODE(0x10, 0x0f, 0x01, 0x16, 0x20, 0x00, 0x66, 0x0f, 0x01, 0x1e, 0x20, 0x00);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_GDTR_BASE), 0x332211);
	ck_assert_uint_eq(efield(VMCS_GUEST_GDTR_LIMIT), 0x3ff);
	step();
	ck_assert_uint_eq(efield(VMCS_GUEST_IDTR_BASE), 0x44332211);
	ck_assert_uint_eq(efield(VMCS_GUEST_IDTR_LIMIT), 0x3ff);
}
END_TEST

START_TEST(sgdt_and_sidt_store_the_whole_base)
{
	static const uint8_t gdt[6] = { 0x34, 0x12, 0x11, 0x22, 0x33, 0x44 };
	static const uint8_t idt[6] = { 0xff, 0x03, 0x00, 0x00, 0x00, 0x00 };

	set_field(VMCS_GUEST_GDTR_BASE, 0x44332211);
	set_field(VMCS_GUEST_GDTR_LIMIT, 0x1234);
	CODE(0x10, 0x0f, 0x01, 0x06, 0x20, 0x00, 0x0f, 0x01, 0x0e, 0x30, 0x00);
	step();
	ck_assert_mem_eq(ram + DATA_SEG * 16 + 0x20, gdt, 6);
	step();
	ck_assert_mem_eq(ram + DATA_SEG * 16 + 0x30, idt, 6);
}
END_TEST

START_TEST(descriptor_table_operand_past_the_limit_faults)
{
	struct snap s;

	emu_set_intercepts(e, 0, ~0u);
	CODE(0x10, 0x0f, 0x01, 0x16, 0xfc, 0xff);		/* lgdt [0xfffc] */
	snap_take(&s);
	step();
	expect_exception(13, false, 0);
	snap_unchanged(&s);
	CODE(0x10, 0x0f, 0x01, 0x0e, 0xfb, 0xff);		/* sidt [0xfffb] */
	snap_take(&s);
	step();
	expect_exception(13, false, 0);
	snap_unchanged(&s);
}
END_TEST

/* ---- CPUID, RDTSC, caches ------------------------------------------------------------- */

START_TEST(cpuid_goes_to_the_callback)
{
	struct snap s;

	CODE(0x10, 0x0f, 0xa2);
	set_reg(VCPU_REG_RAX, 7);
	set_reg(VCPU_REG_RCX, 1);
	step();
	ck_assert_uint_eq(host.leaf, 7);
	ck_assert_uint_eq(host.subleaf, 1);
	ck_assert_uint_eq(ereg(VCPU_REG_RAX), 0x10000007);
	ck_assert_uint_eq(ereg(VCPU_REG_RBX), 0x20000007);
	ck_assert_uint_eq(ereg(VCPU_REG_RCX), 0x30000007);
	ck_assert_uint_eq(ereg(VCPU_REG_RDX), 0x40000007);

	host.cpuid_fail = VCPU_ENODEV;
	set_reg(VCPU_REG_RIP, 0x10);
	snap_take(&s);
	ck_assert_int_eq(emu_step(e, &st), VCPU_ENODEV);
	snap_unchanged(&s);
	ck_assert_ptr_nonnull(strstr(emu_error_detail(e), "cpuid"));
}
END_TEST

START_TEST(without_callbacks_cpuid_and_rdtsc_are_ud)
{
	fixture_start(RAM_SIZE, &no_ops);
	CODE(0x10, 0x0f, 0xa2);
	step();
	expect_delivered(6, 0x10, 0x2);
	real_mode_state();
	CODE(0x20, 0x0f, 0x31);
	step();
	expect_delivered(6, 0x20, 0x2);
}
END_TEST

START_TEST(rdtsc_reads_the_callback_unless_tsd_at_cpl_3)
{
	struct snap s;

	CODE(0x10, 0x0f, 0x31);
	set_field(VMCS_GUEST_CR4, 0x4);				/* TSD: CPL 0 still may */
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RAX), 0x55667788);
	ck_assert_uint_eq(ereg(VCPU_REG_RDX), 0x11223344);
	enter_vm86(3);
	set_reg(VCPU_REG_RIP, 0x10);
	snap_take(&s);
	step();
	expect_exception(13, true, 0);
	snap_unchanged(&s);
	set_field(VMCS_GUEST_CR4, 0);
	set_reg(VCPU_REG_RAX, 0);
	ck_assert_int_eq(step(), EMU_STOP_STEP);
	ck_assert_uint_eq(ereg(VCPU_REG_RAX), 0x55667788);
}
END_TEST

START_TEST(invd_and_wbinvd_do_nothing_at_cpl_0)
{
	CODE(0x10, 0x0f, 0x08, 0x0f, 0x09);
	step();
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x14);
}
END_TEST

/* ---- no coprocessor ------------------------------------------------------------------- */

START_TEST(wait_raises_nm_only_with_ts_and_mp)
{
	static const struct { uint32_t cr0; bool nm; } cases[] = {
		{ 0, false }, { CR0_TS, false }, { CR0_MP, false }, { CR0_EM | CR0_TS, false },
		{ CR0_TS | CR0_MP, true }, { CR0_EM | CR0_TS | CR0_MP, true },
	};

	emu_set_intercepts(e, 0, 1u << 7);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		set_field(VMCS_GUEST_CR0, CR0_REAL | cases[i].cr0);
		CODE(0x10, 0x9b);
		step();
		if (cases[i].nm) {
			expect_exception(7, false, 0);
			ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x10);
		} else {
			ck_assert_msg(st.reason == EMU_STOP_STEP, "CR0 bits 0x%x: stop %d", cases[i].cr0,
				      st.reason);
			ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x11);
		}
	}
}
END_TEST

START_TEST(escape_raises_nm_with_em_or_ts)
{
	static const uint32_t nm[] = { CR0_EM, CR0_TS, CR0_EM | CR0_MP, CR0_TS | CR0_MP };

	emu_set_intercepts(e, 0, 1u << 7 | 1u << 13);
	for (unsigned i = 0; i < ARRAY_SIZE(nm); i++) {
		set_field(VMCS_GUEST_CR0, CR0_REAL | nm[i]);
		CODE(0x10, 0xd8, 0x04);				/* fadd dword [si], SI past the limit */
		set_reg(VCPU_REG_RSI, 0xffff);
		step();
		expect_exception(7, false, 0);
		CODE(0x10, 0xd9, 0xe8);				/* fld1 */
		step();
		expect_exception(7, false, 0);
	}
	set_field(VMCS_GUEST_CR0, CR0_REAL | CR0_MP);
	CODE(0x10, 0xd9, 0xe8);
	ck_assert_int_eq(step(), EMU_STOP_STEP);
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x12);
}
END_TEST

/* With CR0.EM clear and nothing to answer, an escape's memory operand is
 * checked against its segment and never read or written. */
START_TEST(escape_checks_its_operand_and_touches_nothing)
{
	struct snap s;

	fixture_start(0x10000, &host_ops);			/* DS is behind the callbacks */
	CODE(0x10, 0xd8, 0x04, 0xdd, 0x3c, 0xd9, 0x34, 0xdd, 0x34, 0xdb, 0xe3, 0xdf, 0xe0);
	set_reg(VCPU_REG_RSI, 0x20);
	set_reg(VCPU_REG_RAX, 0x1234);
	host.reads = host.writes = 0;
	snap_take(&s);
	for (int i = 0; i < 6; i++)				/* fadd fnstsw fnstenv fnsave fninit fnstsw-ax */
		ck_assert_int_eq(step(), EMU_STOP_STEP);
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x1c);
	set_reg(VCPU_REG_RIP, 0x10);
	snap_unchanged(&s);
	ck_assert_uint_eq(host.reads + host.writes, 0);
}
END_TEST

struct esc_case {
	const char *insn;
	uint8_t bytes[2];
	uint16_t si;
	int vector;			/* -1: none */
};

static const struct esc_case esc_cases[] = {
	{ "fadd dword [si]", { 0xd8, 0x04 }, 0xfffc, -1 },
	{ "fadd dword [si]", { 0xd8, 0x04 }, 0xfffd, 13 },
	{ "fnstsw [si]", { 0xdd, 0x3c }, 0xfffe, -1 },
	{ "fnstsw [si]", { 0xdd, 0x3c }, 0xffff, 13 },
	{ "fld tbyte [si]", { 0xdb, 0x2c }, 0xfff6, -1 },
	{ "fld tbyte [si]", { 0xdb, 0x2c }, 0xfff7, 13 },
	{ "fnstenv [si]", { 0xd9, 0x34 }, 0xfff2, -1 },
	{ "fnstenv [si]", { 0xd9, 0x34 }, 0xfff3, 13 },
	{ "fnsave [si]", { 0xdd, 0x34 }, 0xffa2, -1 },
	{ "fnsave [si]", { 0xdd, 0x34 }, 0xffa3, 13 },
	{ "fadd dword [bp+si]", { 0xd8, 0x02 }, 0xfffd, 12 },
};

START_TEST(escape_operand_limit_covers_its_size)
{
	const struct esc_case *c = &esc_cases[_i];

	emu_set_intercepts(e, 0, ~0u);
	code_at(0x10, c->bytes, 2);
	set_reg(VCPU_REG_RSI, c->si);
	step();
	if (c->vector < 0) {
		ck_assert_msg(st.reason == EMU_STOP_STEP, "%s at 0x%x: stop %d vector %u", c->insn, c->si,
			      st.reason, st.exception.vector);
	} else {
		ck_assert_msg(st.reason == EMU_STOP_EXCEPTION && st.exception.vector == c->vector,
			      "%s at 0x%x: stop %d vector %u", c->insn, c->si, st.reason,
			      st.exception.vector);
	}
}
END_TEST

/* ---- what real mode does not recognize ------------------------------------------------ */

START_TEST(ud2_and_protected_mode_instructions_are_ud)
{
	static const struct { uint8_t bytes[3], len; } ud[] = {
		{ { 0x0f, 0x0b }, 2 },			/* ud2 */
		{ { 0x0f, 0x00, 0xc0 }, 3 },		/* sldt ax */
		{ { 0x0f, 0x00, 0xd8 }, 3 },		/* ltr ax */
		{ { 0x0f, 0x00, 0xe0 }, 3 },		/* verr ax */
		{ { 0x0f, 0x02, 0xc0 }, 3 },		/* lar ax, ax */
		{ { 0x0f, 0x03, 0xc0 }, 3 },		/* lsl ax, ax */
	};

	emu_set_intercepts(e, 0, ~0u);
	for (unsigned mode = 0; mode < 2; mode++) {
		if (mode)
			enter_vm86(3);
		for (unsigned i = 0; i < ARRAY_SIZE(ud); i++) {
			code_at(0x10, ud[i].bytes, ud[i].len);
			step();
			expect_exception(6, false, 0);
		}
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("emulate_system");
	TCase *tc = tcase_create("system");

	tcase_add_checked_fixture(tc, emu_fixture_setup, emu_fixture_teardown);
	tcase_add_test(tc, lmsw_loads_four_bits_and_never_clears_pe);
	tcase_add_test(tc, smsw_to_registers_and_memory);
	tcase_add_test(tc, clts_clears_ts);
	tcase_add_test(tc, mov_cr_follows_the_rules);
	tcase_add_test(tc, mov_cr1_is_ud_and_mov_dr_unimplemented);
	tcase_add_test(tc, lgdt_and_lidt_load_24_or_32_bits_of_base);
	tcase_add_test(tc, sgdt_and_sidt_store_the_whole_base);
	tcase_add_test(tc, descriptor_table_operand_past_the_limit_faults);
	tcase_add_test(tc, cpuid_goes_to_the_callback);
	tcase_add_test(tc, without_callbacks_cpuid_and_rdtsc_are_ud);
	tcase_add_test(tc, rdtsc_reads_the_callback_unless_tsd_at_cpl_3);
	tcase_add_test(tc, invd_and_wbinvd_do_nothing_at_cpl_0);
	tcase_add_test(tc, wait_raises_nm_only_with_ts_and_mp);
	tcase_add_test(tc, escape_raises_nm_with_em_or_ts);
	tcase_add_test(tc, escape_checks_its_operand_and_touches_nothing);
	tcase_add_loop_test(tc, escape_operand_limit_covers_its_size, 0, ARRAY_SIZE(esc_cases));
	tcase_add_test(tc, ud2_and_protected_mode_instructions_are_ud);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
