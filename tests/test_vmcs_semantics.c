/* The software VMCS: VMREAD/VMWRITE semantics, error numbers, widths, high
 * accesses, and lazy save/restore against the mock's hardware copy. */
#include "harness.h"

static struct fixture f;

static void setup_modern(void) { fixture_init(&f, "modern", 1); }
static void setup_no_ug(void) { fixture_init(&f, "no-ug", 1); }
static void teardown(void) { fixture_fini(&f); }

static uint64_t insn_error(void)
{
	return field(f.vcpu, VMCS_VM_INSTRUCTION_ERROR);
}

START_TEST(vmread_of_unknown_encoding_is_error_12)
{
	uint64_t v;

	ck_assert_int_eq(vcpu_vmread(f.vcpu, 0x1234, &v), VCPU_EVMCS_UNSUPPORTED);
	ck_assert_uint_eq(insn_error(), VMX_INSN_ERR_UNSUPPORTED_VMCS_COMPONENT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "error 12"));
	/* Reserved bit 12 set on an otherwise valid encoding. */
	ck_assert_int_eq(vcpu_vmread(f.vcpu, VMCS_GUEST_CR0 | 0x1000, &v), VCPU_EVMCS_UNSUPPORTED);
	/* A high access of a natural-width field does not exist. */
	ck_assert_int_eq(vcpu_vmread(f.vcpu, VMCS_GUEST_CR0 + 1, &v), VCPU_EVMCS_UNSUPPORTED);
}
END_TEST

START_TEST(vmwrite_of_component_the_cpu_lacks_is_error_12)
{
	/* No FRED on the modern profile. */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_IA32_FRED_CONFIG, 1), VCPU_EVMCS_UNSUPPORTED);
	ck_assert_uint_eq(insn_error(), 12);
}
END_TEST

START_TEST(no_ug_profile_has_no_ept_fields)
{
	uint64_t v;

	ck_assert_int_eq(vcpu_vmread(f.vcpu, VMCS_EPT_POINTER, &v), VCPU_EVMCS_UNSUPPORTED);
	ck_assert_int_eq(vcpu_vmread(f.vcpu, VMCS_GUEST_PHYSICAL_ADDRESS, &v), VCPU_EVMCS_UNSUPPORTED);
	ck_assert(!vm_unrestricted_guest(f.vm));
}
END_TEST

START_TEST(vmwrite_to_read_only_is_error_13_without_misc_bit_29)
{
	ck_assert(!(vm_caps(f.vm)->misc & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS));
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_EXIT_QUALIFICATION, 5), VCPU_EVMCS_READ_ONLY);
	ck_assert_uint_eq(insn_error(), VMX_INSN_ERR_VMWRITE_READ_ONLY_VMCS_COMPONENT);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_VM_EXIT_REASON, 5), VCPU_EVMCS_READ_ONLY);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "VM_EXIT_REASON"));
}
END_TEST

START_TEST(vmwrite_to_read_only_allowed_with_misc_bit_29)
{
	ck_assert(vm_caps(f.vm)->misc & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_EXIT_QUALIFICATION, 5), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_EXIT_QUALIFICATION), 5);
}
END_TEST

START_TEST(values_are_truncated_to_the_component_width)
{
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_ES_SELECTOR, 0x12345678), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_ES_SELECTOR), 0x5678);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_EXCEPTION_BITMAP, 0x1ffffffffull), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_EXCEPTION_BITMAP), 0xffffffffu);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RSP, 0xfedcba9876543210ull), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_RSP), 0xfedcba9876543210ull);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_TSC_OFFSET, 0x8000000000000001ull), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_TSC_OFFSET), 0x8000000000000001ull);
}
END_TEST

START_TEST(high_access_reads_and_writes_bits_63_32)
{
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_TSC_OFFSET, 0x1111222233334444ull), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_TSC_OFFSET_HIGH), 0x11112222u);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_TSC_OFFSET_HIGH, 0xaaaabbbbccccull), 0);
	/* Only 32 bits are written, into the upper half. */
	ck_assert_uint_eq(field(f.vcpu, VMCS_TSC_OFFSET), 0xbbbbcccc33334444ull);
	/* A full-access write of a 64-bit field writes all 64 bits. */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_TSC_OFFSET, 7), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_TSC_OFFSET_HIGH), 0);
}
END_TEST

START_TEST(dirty_fields_reach_the_hardware_copy_on_entry)
{
	uint64_t hw;

	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_EXCEPTION_BITMAP, 1u << VMX_VECTOR_UD), 0);
	/* Not yet written back: the hardware copy still holds the old value. */
	ck_assert_int_eq(vm_mock_vmread(f.vm, 0, VMCS_EXCEPTION_BITMAP, &hw), 0);
	ck_assert_uint_eq(hw, 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	ck_assert_int_eq(vm_mock_vmread(f.vm, 0, VMCS_EXCEPTION_BITMAP, &hw), 0);
	ck_assert_uint_eq(hw, 1u << VMX_VECTOR_UD);
}
END_TEST

START_TEST(clean_fields_are_not_written_back)
{
	uint64_t hw;

	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	/* Behind the core's back: a control the core holds cached and clean. */
	ck_assert_int_eq(vm_mock_vmwrite(f.vm, 0, VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0x5), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x40), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	ck_assert_int_eq(vm_mock_vmread(f.vm, 0, VMCS_PAGE_FAULT_ERROR_CODE_MASK, &hw), 0);
	ck_assert_uint_eq(hw, 0x5);
}
END_TEST

START_TEST(guest_state_is_fetched_after_an_exit)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 },
		.nr_changes = 2,
		.changes = { { false, VMCS_GUEST_RSP, 0x7000 }, { true, VCPU_REG_RBX, 0xb0b } },
	};

	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RSP), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RSP), 0x7000);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_RSP), 0x7000);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RBX), 0xb0b);
}
END_TEST

START_TEST(registers_round_trip_and_map_to_vmcs_fields)
{
	for (unsigned r = 0; r < VCPU_NR_REGS; r++) {
		ck_assert_int_eq(vcpu_set_reg(f.vcpu, (enum vcpu_reg)r, 0x1000 + r), 0);
		ck_assert_uint_eq(reg(f.vcpu, (enum vcpu_reg)r), 0x1000 + r);
		ck_assert_ptr_nonnull(vcpu_reg_name((enum vcpu_reg)r));
	}
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_RIP), 0x1000 + VCPU_REG_RIP);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_RFLAGS), 0x1000 + VCPU_REG_RFLAGS);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_RSP), 0x1000 + VCPU_REG_RSP);
	uint64_t v;
	ck_assert_int_eq(vcpu_get_reg(f.vcpu, VCPU_NR_REGS, &v), VCPU_EINVAL);
	ck_assert_ptr_null(vcpu_reg_name(VCPU_NR_REGS));
}
END_TEST

START_TEST(vm_instruction_error_survives_an_exit)
{
	uint64_t v;

	ck_assert_int_eq(vcpu_vmread(f.vcpu, 0x1234, &v), VCPU_EVMCS_UNSUPPORTED);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	/* Only VMfailValid changes it; an exit does not. */
	ck_assert_uint_eq(insn_error(), VMX_INSN_ERR_UNSUPPORTED_VMCS_COMPONENT);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("vmcs_semantics");
	TCase *modern = tcase_create("modern");
	TCase *no_ug = tcase_create("no-ug");

	tcase_add_checked_fixture(modern, setup_modern, teardown);
	tcase_add_test(modern, vmread_of_unknown_encoding_is_error_12);
	tcase_add_test(modern, vmwrite_of_component_the_cpu_lacks_is_error_12);
	tcase_add_test(modern, vmwrite_to_read_only_allowed_with_misc_bit_29);
	tcase_add_test(modern, values_are_truncated_to_the_component_width);
	tcase_add_test(modern, high_access_reads_and_writes_bits_63_32);
	tcase_add_test(modern, dirty_fields_reach_the_hardware_copy_on_entry);
	tcase_add_test(modern, clean_fields_are_not_written_back);
	tcase_add_test(modern, guest_state_is_fetched_after_an_exit);
	tcase_add_test(modern, registers_round_trip_and_map_to_vmcs_fields);
	tcase_add_test(modern, vm_instruction_error_survives_an_exit);
	suite_add_tcase(s, modern);

	tcase_add_checked_fixture(no_ug, setup_no_ug, teardown);
	tcase_add_test(no_ug, no_ug_profile_has_no_ept_fields);
	tcase_add_test(no_ug, vmwrite_to_read_only_is_error_13_without_misc_bit_29);
	suite_add_tcase(s, no_ug);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
