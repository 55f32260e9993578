/*
 * Virtual-8086 mode (CR0.PE and EFLAGS.VM, set through the API), which
 * the emulator runs at CPL 3 for a monitor: the IOPL-sensitive
 * instructions (CLI, STI, PUSHF, POPF, INT n, IRET) raise #GP(0) for it
 * below IOPL 3 and run at IOPL 3, the privileged ones always raise
 * #GP(0), and every exception goes to the caller (SDM Vol. 3B 20.2).
 */
#include "emu_fixture.h"

/* ---- IOPL ----------------------------------------------------------------------------- */

struct insn {
	const char *name;
	uint8_t bytes[6], len;
};

static const struct insn iopl_sensitive[] = {
	{ "cli", { 0xfa }, 1 }, { "sti", { 0xfb }, 1 }, { "pushf", { 0x9c }, 1 },
	{ "popf", { 0x9d }, 1 }, { "int 0x21", { 0xcd, 0x21 }, 2 }, { "iret", { 0xcf }, 1 },
};

START_TEST(vm86_iopl_sensitive_instructions_trap_below_iopl_3)
{
	const struct insn *c = &iopl_sensitive[_i];
	struct snap s;

	enter_vm86(0);
	code_at(0x10, c->bytes, c->len);
	snap_take(&s);
	step();
	expect_exception(13, true, 0);
	ck_assert_msg(!st.exception.software, "%s", c->name);
	ck_assert_msg(st.instruction_len == c->len, "%s: length %u", c->name, st.instruction_len);
	snap_unchanged(&s);
}
END_TEST

START_TEST(vm86_iopl_sensitive_instructions_run_at_iopl_3)
{
	const uint32_t vm86 = FL_VM | FL_IOPL | 0x2;

	enter_vm86(3);
	CODE(0x10, 0xfa, 0xfb, 0x9c, 0x9d, 0xcd, 0x21);
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS), vm86);
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS), vm86 | FL_IF);
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RSP), STACK_TOP - 2);
	ck_assert_uint_eq(stack_word(0), FL_IOPL | FL_IF | 0x2);
	wr16(STACK_SEG * 16 + STACK_TOP - 2, 0x0003);	/* POPF: IOPL 0, IF 0 in the image */
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RSP), STACK_TOP);
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS), vm86 | FL_CF | 0x2);
	/* INT n goes to the monitor, as through the protected-mode IDT. */
	step();
	expect_exception(0x21, false, 0);
	ck_assert(st.exception.software);
	ck_assert_uint_eq(st.instruction_len, 2);
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x14);

	/* IRET to 0100:0040 with FLAGS 0x0203; IOPL stays 3. */
	wr16(STACK_SEG * 16 + STACK_TOP - 6, 0x40);
	wr16(STACK_SEG * 16 + STACK_TOP - 4, CODE_SEG);
	wr16(STACK_SEG * 16 + STACK_TOP - 2, 0x0203);
	set_reg(VCPU_REG_RSP, STACK_TOP - 6);
	CODE(0x30, 0xcf);
	step();
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x40);
	ck_assert_uint_eq(ereg(VCPU_REG_RSP), STACK_TOP);
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS), vm86 | FL_IF | FL_CF);
}
END_TEST

START_TEST(vm86_exceptions_go_to_the_caller)
{
	struct snap s;

	enter_vm86(3);
	CODE(0x10, 0x0f, 0x0b);
	snap_take(&s);
	step();
	expect_exception(6, false, 0);
	snap_unchanged(&s);
	CODE(0x20, 0x8b, 0x07);
	set_reg(VCPU_REG_RBX, 0xffff);
	snap_take(&s);
	step();
	expect_exception(13, true, 0);
	snap_unchanged(&s);
}
END_TEST

/* As under VMX, faults on privilege and on the I/O permission bitmap come
 * before the VM exit (SDM Vol. 3C 26.1.1); CPUID exits unconditionally. */
static const struct {
	struct insn insn;
	unsigned intercept;
	bool faults;
} intercepted[] = {
	{ { "hlt", { 0xf4 }, 1 }, EMU_INTERCEPT_HLT, true },
	{ { "clts", { 0x0f, 0x06 }, 2 }, EMU_INTERCEPT_CR_WRITE, true },
	{ { "lmsw ax", { 0x0f, 0x01, 0xf0 }, 3 }, EMU_INTERCEPT_CR_WRITE, true },
	{ { "rdtsc (CR4.TSD)", { 0x0f, 0x31 }, 2 }, EMU_INTERCEPT_RDTSC, true },
	{ { "out 0x80, al (no bitmap)", { 0xe6, 0x80 }, 2 }, EMU_INTERCEPT_IO, true },
	{ { "cpuid", { 0x0f, 0xa2 }, 2 }, EMU_INTERCEPT_CPUID, false },
};

START_TEST(vm86_faults_come_before_intercepts)
{
	const struct insn *c = &intercepted[_i].insn;

	enter_vm86(3);
	set_field(VMCS_GUEST_CR4, 0x4);
	code_at(0x10, c->bytes, c->len);
	emu_set_intercepts(e, intercepted[_i].intercept, 0);
	step();
	if (intercepted[_i].faults) {
		ck_assert_msg(st.reason == EMU_STOP_EXCEPTION && st.exception.vector == 13,
			      "%s: stop %d vector %u", c->name, st.reason, st.exception.vector);
	} else {
		ck_assert_msg(st.reason == EMU_STOP_CPUID && st.intercepted, "%s: stop %d", c->name,
			      st.reason);
	}
}
END_TEST

/* ---- privilege: CPL 3 ---------------------------------------------------------------- */

static const struct insn privileged[] = {
	{ "hlt", { 0xf4 }, 1 },
	{ "lmsw ax", { 0x0f, 0x01, 0xf0 }, 3 },
	{ "lmsw [0x20]", { 0x0f, 0x01, 0x36, 0x20, 0x00 }, 5 },
	{ "clts", { 0x0f, 0x06 }, 2 },
	{ "mov cr0, eax", { 0x0f, 0x22, 0xc0 }, 3 },
	{ "mov eax, cr0", { 0x0f, 0x20, 0xc0 }, 3 },
	{ "mov cr3, eax", { 0x0f, 0x22, 0xd8 }, 3 },
	{ "lgdt [0x20]", { 0x0f, 0x01, 0x16, 0x20, 0x00 }, 5 },
	{ "lidt [0x20]", { 0x0f, 0x01, 0x1e, 0x20, 0x00 }, 5 },
	{ "invd", { 0x0f, 0x08 }, 2 },
	{ "wbinvd", { 0x0f, 0x09 }, 2 },
};

START_TEST(vm86_privileged_instructions_raise_gp)
{
	const struct insn *c = &privileged[_i];
	struct snap s;

	enter_vm86(3);
	code_at(0x10, c->bytes, c->len);
	snap_take(&s);
	step();
	ck_assert_msg(st.reason == EMU_STOP_EXCEPTION && st.exception.vector == 13, "%s: stop %d vector %u",
		      c->name, st.reason, st.exception.vector);
	ck_assert(st.exception.has_error_code && st.exception.error_code == 0);
	snap_unchanged(&s);
}
END_TEST

static const struct insn unprivileged[] = {
	{ "smsw ax", { 0x0f, 0x01, 0xe0 }, 3 },
	{ "sgdt [0x20]", { 0x0f, 0x01, 0x06, 0x20, 0x00 }, 5 },
	{ "sidt [0x20]", { 0x0f, 0x01, 0x0e, 0x20, 0x00 }, 5 },
	{ "cpuid", { 0x0f, 0xa2 }, 2 },
	{ "rdtsc", { 0x0f, 0x31 }, 2 },
	{ "wait", { 0x9b }, 1 },
	{ "fninit", { 0xdb, 0xe3 }, 2 },
};

START_TEST(vm86_unprivileged_instructions_run)
{
	const struct insn *c = &unprivileged[_i];

	enter_vm86(0);
	code_at(0x10, c->bytes, c->len);
	ck_assert_msg(step() == EMU_STOP_STEP, "%s: stop %d vector %u", c->name, st.reason,
		      st.exception.vector);
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0x10 + c->len);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("emulate_vm86");
	TCase *tc = tcase_create("vm86");

	tcase_add_checked_fixture(tc, emu_fixture_setup, emu_fixture_teardown);
	tcase_add_loop_test(tc, vm86_iopl_sensitive_instructions_trap_below_iopl_3, 0,
			    ARRAY_SIZE(iopl_sensitive));
	tcase_add_test(tc, vm86_iopl_sensitive_instructions_run_at_iopl_3);
	tcase_add_test(tc, vm86_exceptions_go_to_the_caller);
	tcase_add_loop_test(tc, vm86_faults_come_before_intercepts, 0, ARRAY_SIZE(intercepted));
	tcase_add_loop_test(tc, vm86_privileged_instructions_raise_gp, 0, ARRAY_SIZE(privileged));
	tcase_add_loop_test(tc, vm86_unprivileged_instructions_run, 0, ARRAY_SIZE(unprivileged));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
