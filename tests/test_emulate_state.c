/*
 * The emulator's state through the API: the power-on state, general
 * registers by enum vcpu_reg, guest state by VMCS field encoding (and
 * the fields it does not keep), real-mode segment loads, and bad
 * configurations.
 */
#include "emu_fixture.h"

START_TEST(power_on_state)
{
	struct emu_config c = { .ram = ram, .ram_size = RAM_SIZE };

	emu_destroy(e);
	ck_assert_int_eq(emu_create(&c, &e), 0);
	ck_assert_uint_eq(efield(VMCS_GUEST_CS_SELECTOR), 0xf000);
	ck_assert_uint_eq(efield(VMCS_GUEST_CS_BASE), 0xffff0000u);
	ck_assert_uint_eq(efield(VMCS_GUEST_CS_LIMIT), 0xffff);
	ck_assert_uint_eq(ereg(VCPU_REG_RIP), 0xfff0);
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS), 0x2);
	ck_assert_uint_eq(ereg(VCPU_REG_RDX) & 0xff00, 0x0600);
	ck_assert_uint_eq(efield(VMCS_GUEST_CR0), CR0_REAL);
	ck_assert_uint_eq(efield(VMCS_GUEST_IDTR_BASE), 0);
	ck_assert_uint_eq(efield(VMCS_GUEST_IDTR_LIMIT), 0xffff);
	for (unsigned s = 0; s < 6; s++)
		if (s != CS)
			ck_assert_uint_eq(efield(VMCS_GUEST_ES_SELECTOR + 2 * s), 0);
}
END_TEST

START_TEST(registers_by_vcpu_reg)
{
	for (enum vcpu_reg r = VCPU_REG_RAX; r <= VCPU_REG_RDI; r++) {
		set_reg(r, 0x01020304u * (r + 1));
		ck_assert_uint_eq(ereg(r), 0x01020304u * (r + 1));
	}
	ck_assert_uint_eq(efield(VMCS_GUEST_RSP), ereg(VCPU_REG_RSP));
	set_reg(VCPU_REG_RIP, 0x1234);
	ck_assert_uint_eq(efield(VMCS_GUEST_RIP), 0x1234);
	set_reg(VCPU_REG_CR2, 0xdeadbeef);
	ck_assert_uint_eq(ereg(VCPU_REG_CR2), 0xdeadbeef);
	/* Reserved RFLAGS bits read as the processor has them. */
	set_reg(VCPU_REG_RFLAGS, 0xffffffffu);
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS), 0x3f7fd7);
	set_reg(VCPU_REG_RFLAGS, 0);
	ck_assert_uint_eq(ereg(VCPU_REG_RFLAGS), 0x2);
	ck_assert_int_eq(emu_set_reg(e, VCPU_REG_R8, 1), VCPU_EINVAL);
	ck_assert_int_eq(emu_set_reg(e, VCPU_REG_DR6, 1), VCPU_EINVAL);
	ck_assert_int_eq(emu_set_reg(e, VCPU_REG_XCR0, 1), VCPU_EINVAL);
}
END_TEST

START_TEST(fields_by_vmcs_encoding)
{
	for (unsigned s = 0; s < 6; s++) {
		set_field(VMCS_GUEST_ES_SELECTOR + 2 * s, 0x12340 + s);
		set_field(VMCS_GUEST_ES_BASE + 2 * s, 0xabc00000u + s);
		set_field(VMCS_GUEST_ES_LIMIT + 2 * s, 0xfffff + s);
		set_field(VMCS_GUEST_ES_AR_BYTES + 2 * s, 0xc093 + s);
	}
	for (unsigned s = 0; s < 6; s++) {
		ck_assert_uint_eq(efield(VMCS_GUEST_ES_SELECTOR + 2 * s), 0x2340 + s);
		ck_assert_uint_eq(efield(VMCS_GUEST_ES_BASE + 2 * s), 0xabc00000u + s);
		ck_assert_uint_eq(efield(VMCS_GUEST_ES_LIMIT + 2 * s), 0xfffff + s);
		ck_assert_uint_eq(efield(VMCS_GUEST_ES_AR_BYTES + 2 * s), 0xc093 + s);
	}
	set_field(VMCS_GUEST_GDTR_BASE, 0x12345678);
	set_field(VMCS_GUEST_GDTR_LIMIT, 0x1ffff);
	set_field(VMCS_GUEST_IDTR_BASE, 0x9abcdef0);
	set_field(VMCS_GUEST_IDTR_LIMIT, 0x7ff);
	set_field(VMCS_GUEST_CR3, 0x1000);
	set_field(VMCS_GUEST_CR4, 0x200);
	set_field(VMCS_GUEST_RSP, 0xfffe);
	set_field(VMCS_GUEST_RFLAGS, 0xffffffffu);
	set_field(VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_GUEST_INTR_STATE_MOV_SS);
	ck_assert_uint_eq(efield(VMCS_GUEST_GDTR_BASE), 0x12345678);
	ck_assert_uint_eq(efield(VMCS_GUEST_GDTR_LIMIT), 0xffff);
	ck_assert_uint_eq(efield(VMCS_GUEST_IDTR_BASE), 0x9abcdef0);
	ck_assert_uint_eq(efield(VMCS_GUEST_IDTR_LIMIT), 0x7ff);
	ck_assert_uint_eq(efield(VMCS_GUEST_CR3), 0x1000);
	ck_assert_uint_eq(efield(VMCS_GUEST_CR4), 0x200);
	ck_assert_uint_eq(ereg(VCPU_REG_RSP), 0xfffe);
	ck_assert_uint_eq(efield(VMCS_GUEST_RFLAGS), 0x3f7fd7);
	ck_assert_uint_eq(efield(VMCS_GUEST_INTERRUPTIBILITY_INFO), VMX_GUEST_INTR_STATE_MOV_SS);
}
END_TEST

START_TEST(unsupported_fields_are_refused)
{
	static const uint32_t unsupported[] = {
		VMCS_GUEST_DR7, VMCS_GUEST_IA32_EFER, VMCS_GUEST_INTR_STATUS,
		VMCS_GUEST_ACTIVITY_STATE, VMCS_GUEST_SYSENTER_CS, VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
		VMCS_GUEST_ES_BASE + 1,
	};
	uint64_t v;

	for (unsigned i = 0; i < ARRAY_SIZE(unsupported); i++) {
		ck_assert_msg(emu_get_field(e, unsupported[i], &v) == VCPU_EVMCS_UNSUPPORTED,
			      "field 0x%04x", unsupported[i]);
		ck_assert_int_eq(emu_set_field(e, unsupported[i], 0), VCPU_EVMCS_UNSUPPORTED);
		ck_assert(!emu_has_field(unsupported[i]));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(snap_fields); i++)
		ck_assert(emu_has_field(snap_fields[i]));
}
END_TEST

START_TEST(real_segments_and_configurations)
{
	struct emu_config c = { .ram = ram, .ram_size = RAM_SIZE };
	struct emu *other;

	set_field(VMCS_GUEST_DS_LIMIT, 0xffffffffu);
	load_seg(DS, 0x1234);
	ck_assert_uint_eq(efield(VMCS_GUEST_DS_BASE), 0x12340);
	ck_assert_uint_eq(efield(VMCS_GUEST_DS_LIMIT), 0xffff);
	ck_assert_uint_eq(efield(VMCS_GUEST_DS_AR_BYTES), 0x93);
	ck_assert_uint_eq(efield(VMCS_GUEST_CS_AR_BYTES), 0x9b);
	ck_assert_int_eq(emu_load_real_segment(e, 6, 0), VCPU_EINVAL);

	ck_assert_int_eq(emu_create(NULL, &other), VCPU_EINVAL);
	c.ram = NULL;
	ck_assert_int_eq(emu_create(&c, &other), VCPU_EINVAL);
	c.ram = ram;
	c.cache_entries = 3;
	ck_assert_int_eq(emu_create(&c, &other), VCPU_EINVAL);
	c.cache_entries = 64;
	ck_assert_int_eq(emu_create(&c, &other), 0);
	emu_destroy(other);
	emu_destroy(NULL);
}
END_TEST


static Suite *make_suite(void)
{
	Suite *s = suite_create("emulate_state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, emu_fixture_setup, emu_fixture_teardown);
	tcase_add_test(tc, power_on_state);
	tcase_add_test(tc, registers_by_vcpu_reg);
	tcase_add_test(tc, fields_by_vmcs_encoding);
	tcase_add_test(tc, unsupported_fields_are_refused);
	tcase_add_test(tc, real_segments_and_configurations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
