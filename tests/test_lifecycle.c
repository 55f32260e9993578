/* VCPU lifecycle: creation at power-on state, the booking info, legal and
 * illegal transitions, launch state across runs and migration. */
#include "harness.h"

static struct fixture f;

static void setup(void) { fixture_init(&f, "modern", 2); }
static void teardown(void) { fixture_fini(&f); }

static struct vcpu_booking booking(struct vcpu *vcpu)
{
	struct vcpu_booking b;

	vcpu_get_booking(vcpu, &b);
	return b;
}

START_TEST(new_vcpu_is_at_power_on_state)
{
	uint64_t cr0;

	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0xfff0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CS_SELECTOR), 0xf000);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CS_BASE), 0xffff0000u);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CS_LIMIT), 0xffff);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RFLAGS), 2);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDX), 0x600);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_DR7), 0x400);
	ck_assert_uint_eq(field(f.vcpu, VMCS_VMCS_LINK_POINTER), ~0ull);
	ck_assert_int_eq(vcpu_get_cr(f.vcpu, 0, &cr0), 0);
	ck_assert_uint_eq(cr0, 0x60000010u);
}
END_TEST

START_TEST(new_vcpu_controls_come_from_the_capability_msrs)
{
	const struct vmx_caps *caps = vm_caps(f.vm);
	uint64_t pin = field(f.vcpu, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	uint64_t proc = field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	uint64_t proc2 = field(f.vcpu, VMCS_SECONDARY_VM_EXEC_CONTROL);

	/* Allowed-0 settings (TRUE MSRs on this profile) are all 1... */
	ck_assert_uint_eq(pin & vmx_ctl_required(caps, VMX_CTL_PINBASED), vmx_ctl_required(caps, VMX_CTL_PINBASED));
	ck_assert_uint_eq(proc & vmx_ctl_required(caps, VMX_CTL_PROCBASED), vmx_ctl_required(caps, VMX_CTL_PROCBASED));
	/* ...and nothing outside the allowed-1 settings is. */
	ck_assert_uint_eq(proc & ~(uint64_t)vmx_ctl_allowed(caps, VMX_CTL_PROCBASED), 0);
	ck_assert(proc & VMX_CPU_BASED_HLT_EXITING);
	ck_assert(proc & VMX_CPU_BASED_USE_IO_BITMAPS);
	ck_assert(proc2 & VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST);
	ck_assert(proc2 & VMX_SECONDARY_EXEC_ENABLE_EPT);
	ck_assert(vm_unrestricted_guest(f.vm));
}
END_TEST

START_TEST(booking_starts_created_and_loaded)
{
	struct vcpu_booking b = booking(f.vcpu);

	ck_assert_int_eq(b.state, VCPU_STATE_CREATED);
	ck_assert_int_eq(b.pcpu, 0);
	ck_assert(!b.launched);
	ck_assert_uint_eq(b.entries, 0);
	ck_assert_str_eq(vcpu_state_name(b.state), "created");
	ck_assert_uint_eq(vcpu_id(f.vcpu), 0);
	ck_assert_ptr_eq(vcpu_vm(f.vcpu), f.vm);
}
END_TEST

START_TEST(second_vcpu_lands_on_the_next_logical_cpu)
{
	struct vcpu *v1, *dup;

	ck_assert_int_eq(vcpu_create(f.vm, 1, &v1), 0);
	ck_assert_int_eq(booking(v1).pcpu, 1);
	ck_assert_int_eq(vcpu_create(f.vm, 1, &dup), VCPU_EEXIST);
	ck_assert_int_eq(vcpu_create(f.vm, 100000, &dup), VCPU_ELIMIT);
}
END_TEST

START_TEST(first_entry_launches_later_ones_resume)
{
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
	/* PAUSE needs PAUSE exiting; turn it on as an embedder would. */
	uint64_t proc = field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc | VMX_CPU_BASED_PAUSE_EXITING), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	struct vcpu_booking b = booking(f.vcpu);
	ck_assert(b.launched);
	ck_assert_uint_eq(b.entries, 3);
	ck_assert_uint_eq(b.exits, 3);
	ck_assert_uint_eq(b.pause_exits, 1);
	ck_assert_int_eq(b.state, VCPU_STATE_RUNNABLE);
	ck_assert_uint_eq(vmx_exit_basic_reason(vcpu_last_exit(f.vcpu)), VMX_EXIT_REASON_PAUSE_INSTRUCTION);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0xfff0 + 6);
}
END_TEST

START_TEST(hlt_blocks_until_an_interrupt_is_queued)
{
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	ck_assert_int_eq(booking(f.vcpu).state, VCPU_STATE_BLOCKED);
	ck_assert_uint_eq(booking(f.vcpu).halts, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EBLOCKED);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "halted"));
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x20), 0);
	ck_assert_int_eq(booking(f.vcpu).state, VCPU_STATE_RUNNABLE);
}
END_TEST

static int destroy_from_handler(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	int *results = opaque;

	(void)exit;
	results[0] = vcpu_destroy(vcpu);
	results[1] = vcpu_run(vcpu);
	results[2] = vcpu_migrate(vcpu, 1);
	results[3] = booking(vcpu).state;
	return VCPU_EXIT_RETURN;
}

START_TEST(running_vcpu_refuses_destroy_run_and_migrate)
{
	int results[4] = { 1, 1, 1, -1 };

	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_EXIT_REASON_CPUID, destroy_from_handler, results), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	ck_assert_int_eq(results[0], VCPU_EBUSY);
	ck_assert_int_eq(results[1], VCPU_EBUSY);
	ck_assert_int_eq(results[2], VCPU_EBUSY);
	ck_assert_int_eq(results[3], VCPU_STATE_RUNNING);
}
END_TEST

START_TEST(destroyed_vcpu_refuses_everything)
{
	uint64_t v;

	ck_assert_int_eq(vcpu_destroy(f.vcpu), 0);
	ck_assert_int_eq(booking(f.vcpu).state, VCPU_STATE_DESTROYED);
	ck_assert_int_eq(booking(f.vcpu).pcpu, -1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EDESTROYED);
	ck_assert_int_eq(vcpu_destroy(f.vcpu), VCPU_EDESTROYED);
	ck_assert_int_eq(vcpu_migrate(f.vcpu, 1), VCPU_EDESTROYED);
	ck_assert_int_eq(vcpu_vmread(f.vcpu, VMCS_GUEST_RIP, &v), VCPU_EDESTROYED);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RIP, 0), VCPU_EDESTROYED);
	ck_assert_int_eq(vcpu_get_reg(f.vcpu, VCPU_REG_RAX, &v), VCPU_EDESTROYED);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x30), VCPU_EDESTROYED);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &(struct vcpu_mock_exit){ 0 }), VCPU_EINVAL);
}
END_TEST

START_TEST(migration_clears_and_reloads_and_relaunches)
{
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	ck_assert(booking(f.vcpu).launched);
	ck_assert_int_eq(vcpu_migrate(f.vcpu, 1), 0);
	struct vcpu_booking b = booking(f.vcpu);
	ck_assert_int_eq(b.pcpu, 1);
	ck_assert(!b.launched);
	ck_assert_uint_eq(b.migrations, 1);
	/* The VMCS is current on CPU 1 and no longer on CPU 0. */
	uint64_t v;
	ck_assert_int_eq(vm_mock_vmread(f.vm, 1, VMCS_GUEST_RIP, &v), 0);
	ck_assert_int_eq(vm_mock_vmread(f.vm, 0, VMCS_GUEST_RIP, &v), VCPU_EVMFAIL_INVALID);
	/* The next entry is a VMLAUNCH; the mock would refuse a VMRESUME. */
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x30), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), 0);
	ck_assert(booking(f.vcpu).launched);
	ck_assert_int_eq(vcpu_migrate(f.vcpu, 1), 0); /* already there: nothing to do */
	ck_assert_uint_eq(booking(f.vcpu).migrations, 1);
	ck_assert_int_eq(vcpu_migrate(f.vcpu, 2), VCPU_EINVAL);
}
END_TEST

START_TEST(run_without_script_names_the_problem)
{
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ENOSCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "no scripted exit"));
	ck_assert_int_eq(booking(f.vcpu).state, VCPU_STATE_RUNNABLE);
}
END_TEST

START_TEST(unknown_backend_is_enoent)
{
	struct vm *vm = NULL;
	struct vm_options opts = { .backend = "no-such-backend" };

	ck_assert_int_eq(vm_create(&opts, &vm), VCPU_ENOENT);
	ck_assert_ptr_null(vm);
	ck_assert_str_eq(vm_backend_name(f.vm), "mock");
}
END_TEST

START_TEST(many_vms_create_and_destroy_cleanly)
{
	for (int i = 0; i < 200; i++) {
		struct vm *vm;
		struct vcpu *v;

		ck_assert_int_eq(vm_create(NULL, &vm), 0);
		ck_assert_int_eq(vcpu_create(vm, 0, &v), 0);
		push_exit(v, VMX_EXIT_REASON_HLT, 0, 1);
		ck_assert_int_eq(vcpu_run(v), 0);
		if (i % 2)
			ck_assert_int_eq(vcpu_destroy(v), 0);
		vm_destroy(vm);
	}
}
END_TEST

START_TEST(vcpus_sharing_a_logical_cpu_take_turns)
{
	struct vcpu *v1, *v2;

	/* Three VCPUs on two logical CPUs: 0 and 2 share CPU 0. */
	ck_assert_int_eq(vcpu_create(f.vm, 1, &v1), 0);
	ck_assert_int_eq(vcpu_create(f.vm, 2, &v2), 0);
	ck_assert_int_eq(booking(v2).pcpu, 0);
	for (int round = 0; round < 3; round++) {
		push_exit(f.vcpu, VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
		push_exit(v2, VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
		push_exit(v1, VMX_EXIT_REASON_PAUSE_INSTRUCTION, 0, 2);
		ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL,
					      field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL) | VMX_CPU_BASED_PAUSE_EXITING), 0);
		ck_assert_int_eq(vcpu_vmwrite(v2, VMCS_CPU_BASED_VM_EXEC_CONTROL,
					      field(v2, VMCS_CPU_BASED_VM_EXEC_CONTROL) | VMX_CPU_BASED_PAUSE_EXITING), 0);
		ck_assert_int_eq(vcpu_vmwrite(v1, VMCS_CPU_BASED_VM_EXEC_CONTROL,
					      field(v1, VMCS_CPU_BASED_VM_EXEC_CONTROL) | VMX_CPU_BASED_PAUSE_EXITING), 0);
		run_ok(f.vcpu);
		run_ok(v2);
		run_ok(v1);
	}
	ck_assert_uint_eq(booking(f.vcpu).exits, 3);
	ck_assert_uint_eq(booking(v2).exits, 3);
	ck_assert(booking(v2).launched);
}
END_TEST

static int destroy_vm_from_handler(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	(void)exit;
	*(int *)opaque = vm_destroy(vcpu_vm(vcpu));
	return VCPU_EXIT_RETURN;
}

START_TEST(vm_destroy_refuses_while_a_vcpu_runs)
{
	int r = 1;

	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_EXIT_REASON_CPUID, destroy_vm_from_handler, &r), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	run_ok(f.vcpu);
	ck_assert_int_eq(r, VCPU_EBUSY);
}
END_TEST

START_TEST(inconsistent_capability_msrs_are_refused)
{
	struct vmx_caps caps = *vcpu_mock_profile("modern");
	struct vm_options opts = { .backend = "mock", .caps = &caps };
	struct vm *vm = NULL;

	caps.maxphyaddr = 64;		/* a shift count past the width */
	ck_assert_int_eq(vm_create(&opts, &vm), VCPU_EINVAL);
	caps = *vcpu_mock_profile("modern");
	caps.true_pinbased_ctls = 0x16;	/* bits required but not allowed */
	ck_assert_int_eq(vm_create(&opts, &vm), VCPU_EINVAL);
	caps = *vcpu_mock_profile("modern");
	caps.cr0_fixed1 = 0;
	ck_assert_int_eq(vm_create(&opts, &vm), VCPU_EINVAL);
	ck_assert_ptr_null(vm);
	opts.nr_pcpus = 65;
	caps = *vcpu_mock_profile("modern");
	ck_assert_int_eq(vm_create(&opts, &vm), VCPU_ELIMIT);
}
END_TEST

START_TEST(a_failed_script_leaves_the_launch_state_alone)
{
	/* No exit to take: the entry does not commit, VMLAUNCH is still due. */
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ENOSCRIPT);
	ck_assert(!booking(f.vcpu).launched);
	push_exit(f.vcpu, VMX_EXIT_REASON_RDTSC, 0, 2);	/* RDTSC exiting is off */
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert(!booking(f.vcpu).launched);
	fixture_fini(&f);
	setup();
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert(booking(f.vcpu).launched);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("lifecycle");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, new_vcpu_is_at_power_on_state);
	tcase_add_test(tc, new_vcpu_controls_come_from_the_capability_msrs);
	tcase_add_test(tc, booking_starts_created_and_loaded);
	tcase_add_test(tc, second_vcpu_lands_on_the_next_logical_cpu);
	tcase_add_test(tc, first_entry_launches_later_ones_resume);
	tcase_add_test(tc, hlt_blocks_until_an_interrupt_is_queued);
	tcase_add_test(tc, running_vcpu_refuses_destroy_run_and_migrate);
	tcase_add_test(tc, destroyed_vcpu_refuses_everything);
	tcase_add_test(tc, migration_clears_and_reloads_and_relaunches);
	tcase_add_test(tc, run_without_script_names_the_problem);
	tcase_add_test(tc, unknown_backend_is_enoent);
	tcase_add_test(tc, many_vms_create_and_destroy_cleanly);
	tcase_add_test(tc, vcpus_sharing_a_logical_cpu_take_turns);
	tcase_add_test(tc, vm_destroy_refuses_while_a_vcpu_runs);
	tcase_add_test(tc, inconsistent_capability_msrs_are_refused);
	tcase_add_test(tc, a_failed_script_leaves_the_launch_state_alone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
