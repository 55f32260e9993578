/* The mock's VMX instructions: the SDM's VM-instruction error numbers and
 * launch-state sequencing across VMCLEAR, VMPTRLD, VMLAUNCH and VMRESUME. */
#include "harness.h"

static struct fixture f;

static void setup(void)
{
	fixture_init(&f, "no-ug", 2);
	set_protected_mode(f.vcpu);
}
static void teardown(void) { fixture_fini(&f); }

/* A fully programmed VMCS: the VCPU's own, after the core wrote it back.
 * It is left clear and not current. */
static uint64_t programmed_vmcs(void)
{
	uint64_t hpa = vcpu_mock_vmcs_hpa(f.vcpu);

	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_msg(vcpu_run(f.vcpu) == 0, "%s", vcpu_error_detail(f.vcpu));
	ck_assert_int_eq(vm_mock_vmclear(f.vm, 0, hpa), 0);
	return hpa;
}

START_TEST(vmptrld_rejects_a_wrong_revision_with_error_11)
{
	uint64_t hpa;
	struct vmx_entry_failure fail;

	ck_assert_int_eq(vm_mock_alloc_vmcs(f.vm, &hpa), 0);
	ck_assert_int_eq(vm_mock_set_revision(f.vm, hpa, 0x1234), 0);
	/* The VCPU's VMCS is current on CPU 0, so VMfailValid lands there. */
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 0, hpa), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID);
	/* With no current VMCS the same failure is VMfailInvalid. */
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 1, hpa), VCPU_EVMFAIL_INVALID);
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, true, &fail), VCPU_EVMFAIL_INVALID);
}
END_TEST

START_TEST(vmptrld_and_vmclear_check_the_address)
{
	uint64_t vmxon = vm_mock_vmxon_hpa(f.vm, 0);

	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 0, 0x12345), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMPTRLD_INVALID_ADDRESS);
	/* Beyond MAXPHYADDR (36 bits on this profile). */
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 0, 1ull << 40), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMPTRLD_INVALID_ADDRESS);
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 0, vmxon), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMPTRLD_VMXON_POINTER);
	ck_assert_int_eq(vm_mock_vmclear(f.vm, 0, 0x1001), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMCLEAR_INVALID_ADDRESS);
	ck_assert_int_eq(vm_mock_vmclear(f.vm, 0, vmxon), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMCLEAR_VMXON_POINTER);
	/* Memory that holds no VMCS has no matching revision id. */
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 0, 0x8000000), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID);
}
END_TEST

START_TEST(vmread_vmwrite_need_a_current_vmcs)
{
	uint64_t v;

	ck_assert_int_eq(vm_mock_vmread(f.vm, 1, VMCS_GUEST_RIP, &v), VCPU_EVMFAIL_INVALID);
	ck_assert_int_eq(vm_mock_vmwrite(f.vm, 1, VMCS_GUEST_RIP, 0), VCPU_EVMFAIL_INVALID);
}
END_TEST

START_TEST(vmwrite_errors_12_and_13)
{
	ck_assert_int_eq(vm_mock_vmwrite(f.vm, 0, VMCS_VM_EXIT_REASON, 1), VCPU_EVMCS_READ_ONLY);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMWRITE_READ_ONLY_VMCS_COMPONENT);
	ck_assert_int_eq(vm_mock_vmwrite(f.vm, 0, VMCS_EPT_POINTER, 1), VCPU_EVMCS_UNSUPPORTED);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_UNSUPPORTED_VMCS_COMPONENT);
	ck_assert_int_eq(vm_mock_vmwrite(f.vm, 0, 0x7777, 1), VCPU_EVMCS_UNSUPPORTED);
}
END_TEST

START_TEST(launch_state_sequencing)
{
	struct vmx_entry_failure fail;
	uint64_t hpa = programmed_vmcs();
	int r;

	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 1, hpa), 0);
	/* Clear: VMRESUME fails with 5, VMLAUNCH goes on to the checks. */
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, false, &fail), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 1), VMX_INSN_ERR_VMRESUME_NONLAUNCHED_VMCS);
	r = vm_mock_vmenter(f.vm, 1, true, &fail);
	ck_assert_msg(r == 0, "VMLAUNCH of a programmed VMCS failed: %s", fail.message);
	/* Launched: VMLAUNCH fails with 4, VMRESUME passes. */
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, true, &fail), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 1), VMX_INSN_ERR_VMLAUNCH_NONCLEAR_VMCS);
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, false, &fail), 0);
	/* VMCLEAR makes it clear and not current; VMPTRLD keeps it clear. */
	ck_assert_int_eq(vm_mock_vmclear(f.vm, 1, hpa), 0);
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, false, &fail), VCPU_EVMFAIL_INVALID);
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 1, hpa), 0);
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, false, &fail), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 1), VMX_INSN_ERR_VMRESUME_NONLAUNCHED_VMCS);
}
END_TEST

START_TEST(vmptrld_of_a_vmcs_active_elsewhere_is_refused)
{
	uint64_t hpa = vcpu_mock_vmcs_hpa(f.vcpu);

	/* Current on CPU 0 since creation; loading it on CPU 1 without a
	 * VMCLEAR on CPU 0 is the classic migration bug. */
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 1, hpa), VCPU_ESTATE);
	ck_assert_int_eq(vm_mock_vmclear(f.vm, 0, hpa), 0);
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 1, hpa), 0);
}
END_TEST

START_TEST(vmclear_behind_the_cores_back_makes_its_resume_fail)
{
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_msg(vcpu_run(f.vcpu) == 0, "%s", vcpu_error_detail(f.vcpu));
	ck_assert_int_eq(vm_mock_vmclear(f.vm, 0, vcpu_mock_vmcs_hpa(f.vcpu)), 0);
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 0, vcpu_mock_vmcs_hpa(f.vcpu)), 0);
	vcpu_inject_interrupt(f.vcpu, 0x30);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	/* The core thinks it is launched and issues VMRESUME: error 5. */
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EVMX_INSN);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "error 5"));
}
END_TEST

START_TEST(failed_guest_entry_records_reason_33_and_stays_clear)
{
	struct vmx_entry_failure fail;
	uint64_t hpa = programmed_vmcs(), reason, qual;

	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 1, hpa), 0);
	ck_assert_int_eq(vm_mock_vmwrite(f.vm, 1, VMCS_VMCS_LINK_POINTER, 0xfff), 0);
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, true, &fail), VCPU_EENTRY_GUEST);
	ck_assert_str_eq(fail.name, "guest-vmcs-link-pointer");
	/* SDM 26.7: the exit reason (bit 31 set) and qualification are
	 * recorded in the VMCS; the launch state stays clear. */
	ck_assert_int_eq(vm_mock_vmread(f.vm, 1, VMCS_VM_EXIT_REASON, &reason), 0);
	ck_assert_uint_eq(reason, VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY);
	ck_assert_int_eq(vm_mock_vmread(f.vm, 1, VMCS_EXIT_QUALIFICATION, &qual), 0);
	ck_assert_uint_eq(qual, VMX_ENTRY_FAIL_VMCS_LINK_PTR);
	ck_assert_int_eq(vm_mock_vmenter(f.vm, 1, false, &fail), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 1), VMX_INSN_ERR_VMRESUME_NONLAUNCHED_VMCS);
}
END_TEST

START_TEST(shadow_vmcs_needs_vmcs_shadowing)
{
	uint64_t hpa;

	/* Penryn has no VMCS shadowing: bit 31 makes the revision wrong. */
	ck_assert_int_eq(vm_mock_alloc_vmcs(f.vm, &hpa), 0);
	ck_assert_int_eq(vm_mock_set_revision(f.vm, hpa, (uint32_t)(vm_caps(f.vm)->basic & 0x7fffffff) | 1u << 31),
			 0);
	ck_assert_int_eq(vm_mock_vmptrld(f.vm, 0, hpa), VCPU_EVMX_INSN);
	ck_assert_uint_eq(vm_mock_insn_error(f.vm, 0), VMX_INSN_ERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID);
}
END_TEST

START_TEST(shadow_vmcs_loads_reads_and_writes_but_never_enters)
{
	struct fixture m;
	struct vmx_entry_failure fail;
	uint64_t hpa, v;

	/* SDM VMPTRLD: bit 31 of the revision id is the shadow-VMCS
	 * indicator, accepted where VMCS shadowing exists; VM entry with a
	 * shadow VMCS current is VMfailInvalid (SDM 26.1). */
	fixture_init(&m, "modern", 2);
	ck_assert_int_eq(vm_mock_alloc_vmcs(m.vm, &hpa), 0);
	ck_assert_int_eq(vm_mock_set_revision(m.vm, hpa, (uint32_t)(vm_caps(m.vm)->basic & 0x7fffffff) | 1u << 31),
			 0);
	ck_assert_int_eq(vm_mock_vmptrld(m.vm, 1, hpa), 0);
	ck_assert_int_eq(vm_mock_vmwrite(m.vm, 1, VMCS_GUEST_RIP, 0x1234), 0);
	ck_assert_int_eq(vm_mock_vmread(m.vm, 1, VMCS_GUEST_RIP, &v), 0);
	ck_assert_uint_eq(v, 0x1234);
	ck_assert_int_eq(vm_mock_vmenter(m.vm, 1, true, &fail), VCPU_EVMFAIL_INVALID);
	ck_assert_uint_eq(vm_mock_insn_error(m.vm, 1), 0);
	fixture_fini(&m);
}
END_TEST

START_TEST(guest_state_changed_behind_the_cores_back_still_names_the_check)
{
	const struct vmx_entry_failure *fail;

	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_msg(vcpu_run(f.vcpu) == 0, "%s", vcpu_error_detail(f.vcpu));
	/* CS not present, in the mock's copy only: the core's copy passes
	 * its checks, so the mock's failed check is the one to report. */
	ck_assert_int_eq(vm_mock_vmwrite(f.vm, 0, VMCS_GUEST_CS_AR_BYTES, 0xc01b), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x30), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EENTRY_GUEST);
	fail = vcpu_entry_failure(f.vcpu);
	ck_assert_ptr_nonnull(fail);
	ck_assert_str_eq(fail->name, "guest-segment-present");
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), fail->name));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("mock_vmx");
	TCase *tc = tcase_create("instructions");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, vmptrld_rejects_a_wrong_revision_with_error_11);
	tcase_add_test(tc, vmptrld_and_vmclear_check_the_address);
	tcase_add_test(tc, vmread_vmwrite_need_a_current_vmcs);
	tcase_add_test(tc, vmwrite_errors_12_and_13);
	tcase_add_test(tc, launch_state_sequencing);
	tcase_add_test(tc, vmptrld_of_a_vmcs_active_elsewhere_is_refused);
	tcase_add_test(tc, vmclear_behind_the_cores_back_makes_its_resume_fail);
	tcase_add_test(tc, failed_guest_entry_records_reason_33_and_stays_clear);
	tcase_add_test(tc, shadow_vmcs_needs_vmcs_shadowing);
	tcase_add_test(tc, shadow_vmcs_loads_reads_and_writes_but_never_enters);
	tcase_add_test(tc, guest_state_changed_behind_the_cores_back_still_names_the_check);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
