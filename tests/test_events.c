/* Event injection: direct delivery when the guest can take the event,
 * interrupt-window and NMI-window exits when it cannot, exceptions with
 * and without error codes, TPR masking, and re-injection of an event an
 * exit cut off. */
#include "harness.h"

static struct fixture f;

static void setup(void)
{
	fixture_init(&f, "modern", 1);
	set_protected_mode(f.vcpu);
}

static void teardown(void) { fixture_fini(&f); }

static unsigned injected(struct vcpu_mock_event *ev, unsigned max)
{
	return vcpu_mock_injected(f.vcpu, ev, max);
}

static uint32_t ext(uint8_t vector)
{
	return vmx_intr_info_make(vector, VMX_INTR_TYPE_EXT_INTR, false);
}

START_TEST(interrupt_goes_in_directly_when_if_is_set)
{
	struct vcpu_mock_event ev[1];

	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x40), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, ext(0x40));
	ck_assert_uint_eq(field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_INTR_WINDOW_EXITING, 0);
}
END_TEST

START_TEST(blocked_interrupt_waits_for_the_window_exit)
{
	struct vcpu_mock_event ev[1];
	struct vcpu_mock_exit sti = {
		/* The guest executed STI; the window opened; the CPU exits. */
		.exit = { .reason = VMX_EXIT_REASON_INTERRUPT_WINDOW },
		.nr_changes = 1,
		.changes = { { false, VMCS_GUEST_RFLAGS, 0x202 } },
	};

	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x40), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &sti), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, ext(0x40));
	ck_assert_uint_eq(field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_INTR_WINDOW_EXITING, 0);
	struct vcpu_booking b;
	vcpu_get_booking(f.vcpu, &b);
	ck_assert_uint_eq(b.exits, 2);
}
END_TEST

START_TEST(window_exit_without_a_request_cannot_be_scripted)
{
	push_exit(f.vcpu, VMX_EXIT_REASON_INTERRUPT_WINDOW, 0, 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "interrupt-window exiting is off"));
}
END_TEST

/* The guest's handler returned with IRET: interrupts are on again, and the
 * window the core asked for opens. */
static void push_iret_window(void)
{
	struct vcpu_mock_exit iret = {
		.exit = { .reason = VMX_EXIT_REASON_INTERRUPT_WINDOW },
		.nr_changes = 1,
		.changes = { { false, VMCS_GUEST_RFLAGS, 0x202 } },
	};

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &iret), 0);
}

START_TEST(highest_vector_first_and_one_per_entry)
{
	struct vcpu_mock_event ev[3];

	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x30), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0xe0), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x81), 0);
	/* Delivery clears IF; each IRET opens the window for the next. */
	push_iret_window();
	push_iret_window();
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 3), 3);
	ck_assert_uint_eq(ev[0].intr_info, ext(0xe0));
	ck_assert_uint_eq(ev[1].intr_info, ext(0x81));
	ck_assert_uint_eq(ev[2].intr_info, ext(0x30));
	ck_assert_uint_eq(field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_INTR_WINDOW_EXITING, 0);
}
END_TEST

START_TEST(tpr_masks_low_priority_classes)
{
	struct vcpu_mock_event ev[2];
	const uint64_t iret[] = { VCPU_REG_RFLAGS, 0x202 };
	const uint64_t tpr_low[] = { VCPU_REG_RAX, 0 };

	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 8, 5), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x50), 0);	/* class 5: masked */
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x61), 0);	/* class 6: delivered */
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2, 1, iret);
	/* IF is 1 and only the TPR holds 0x50 back: no window exit is asked
	 * for (it would repeat forever); MOV CR8, RAX = 0 unmasks it. */
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_CR_ACCESS, 8 | (VCPU_REG_RAX << 8), 3, 1, tpr_low);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 2), 2);
	ck_assert_uint_eq(ev[0].intr_info, ext(0x61));
	ck_assert_uint_eq(ev[1].intr_info, ext(0x50));
}
END_TEST

START_TEST(nmi_waits_for_the_nmi_window)
{
	struct vcpu_mock_event ev[1];
	struct vcpu_mock_exit iret = {
		.exit = { .reason = VMX_EXIT_REASON_NMI_WINDOW },
		.nr_changes = 1,
		.changes = { { false, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0 } },
	};

	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_GUEST_INTR_STATE_NMI), 0);
	ck_assert_int_eq(vcpu_inject_nmi(f.vcpu), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &iret), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, vmx_intr_info_make(2, VMX_INTR_TYPE_NMI_INTR, false));
}
END_TEST

START_TEST(exception_error_code_only_in_protected_mode)
{
	struct vcpu_mock_event ev[1];

	ck_assert_int_eq(vcpu_inject_exception(f.vcpu, VMX_VECTOR_GP, 0x18), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, vmx_intr_info_make(VMX_VECTOR_GP, VMX_INTR_TYPE_HARD_EXCEPTION, true));
	ck_assert_uint_eq(ev[0].error_code, 0x18);

	/* Real mode delivers through the IVT: no error code is pushed. */
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 0, VMX_CR0_ET), 0);
	ck_assert_int_eq(vcpu_inject_exception(f.vcpu, VMX_VECTOR_GP, 0x18), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 2);
	ck_assert_uint_eq(ev[0].intr_info, vmx_intr_info_make(VMX_VECTOR_GP, VMX_INTR_TYPE_HARD_EXCEPTION, false));
}
END_TEST

/* Found by fuzz_exits: deliver-error-code follows the entry check's rule
 * (unrestricted guest off, or CR0.PE set), not CR0.PE alone. With a real
 * CR0 the guest state then fails, the injected #GP must still be valid. */
START_TEST(error_code_follows_the_entry_checks_rule_without_unrestricted_guest)
{
	struct fixture g;

	fixture_init(&g, "no-ug", 1);
	set_protected_mode(g.vcpu);
	ck_assert_int_eq(vcpu_vmwrite(g.vcpu, VMCS_GUEST_CR0, field(g.vcpu, VMCS_GUEST_CR0) & ~VMX_CR0_PE), 0);
	ck_assert_int_eq(vcpu_inject_exception(g.vcpu, VMX_VECTOR_GP, 0), 0);
	push_exit(g.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(g.vcpu), VCPU_EENTRY_GUEST);
	ck_assert_str_eq(vcpu_entry_failure(g.vcpu)->name, "guest-cr0-fixed0");
	fixture_fini(&g);
}
END_TEST

START_TEST(bad_vectors_are_refused)
{
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 8), VCPU_EINVAL);
	ck_assert_int_eq(vcpu_inject_exception(f.vcpu, 2, 0), VCPU_EINVAL);
	ck_assert_int_eq(vcpu_inject_exception(f.vcpu, 32, 0), VCPU_EINVAL);
}
END_TEST

START_TEST(error_codes_wider_than_16_bits_are_refused)
{
	struct vcpu_mock_event ev;

	/* VM entry would refuse it (SDM 26.2.1.3): refused when queued. */
	ck_assert_int_eq(vcpu_inject_exception(f.vcpu, VMX_VECTOR_GP, 0x10000), VCPU_EINVAL);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "31:16"));
	/* A vector without an error code ignores it. */
	ck_assert_int_eq(vcpu_inject_exception(f.vcpu, VMX_VECTOR_UD, 0x10000), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(&ev, 1), 1);
	ck_assert_uint_eq(ev.intr_info, vmx_intr_info_make(VMX_VECTOR_UD, VMX_INTR_TYPE_HARD_EXCEPTION, false));
}
END_TEST

START_TEST(impossible_event_information_cannot_be_scripted)
{
	static const struct { uint32_t info, code; } bad[] = {
		{ 0x80000858u, 0 },		/* external interrupt with an error code */
		{ 0x80000b0du, 0x10000 },	/* #GP with a 32-bit error code */
		{ 0x80000b06u, 0 },		/* #UD with an error code */
		{ 0x8000030du, 0 },		/* #GP without one, in protected mode */
		{ 0x80000203u, 0 },		/* NMI as vector 3 */
		{ 0x80000140u, 0 },		/* reserved type 1 */
	};
	struct vcpu_mock_exit e = { .exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 } };

	/* The processor records only events it could deliver; re-injected,
	 * anything else would fail VM entry. */
	e.exit.idt_vectoring_info = bad[_i].info;
	e.exit.idt_vectoring_error_code = bad[_i].code;
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "interruption information"));
}
END_TEST

/* Found by fuzz_exits: an INT3 cut off by an exit, scripted without the
 * instruction length, was re-injected with length 0 and failed VM entry. */
START_TEST(a_software_event_cut_off_needs_its_instruction_length)
{
	struct vcpu_mock_exit e = { .exit = { .reason = VMX_EXIT_REASON_EPT_VIOLATION, .qualification = 1,
					      .guest_physical_address = 0x5000, .instruction_len = 0,
					      .idt_vectoring_info = 0x80000603u } };

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "instruction's length"));
}
END_TEST

static int resume(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	(void)vcpu;
	(void)exit;
	(void)opaque;
	return VCPU_EXIT_RESUME;
}

START_TEST(event_cut_off_by_an_exit_is_reinjected)
{
	struct vcpu_mock_event ev[1];
	/* An EPT violation while delivering software interrupt 0x80 (INT 80h,
	 * 2 bytes): the same event must go in again, with its length. */
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_EPT_VIOLATION, .qualification = 0x182,
			  .instruction_len = 2,
			  .idt_vectoring_info = vmx_intr_info_make(0x80, VMX_INTR_TYPE_SOFT_INTR, false) },
	};

	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_EXIT_REASON_EPT_VIOLATION, resume, NULL), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, vmx_intr_info_make(0x80, VMX_INTR_TYPE_SOFT_INTR, false));
	ck_assert_uint_eq(ev[0].instruction_len, 2);
}
END_TEST

START_TEST(sti_hlt_with_an_interrupt_pending_does_not_sleep)
{
	struct vcpu_mock_event ev[1];
	struct vcpu_booking b;

	/* STI; HLT: the HLT exits inside the STI shadow, which the emulated
	 * HLT ends; the interrupt is then deliverable and the VCPU resumes. */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_GUEST_INTR_STATE_STI), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x30), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, ext(0x30));
	vcpu_get_booking(f.vcpu, &b);
	ck_assert_uint_eq(b.halts, 2);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO) & 3, 0);
}
END_TEST

START_TEST(nmi_in_an_sti_shadow_takes_the_interrupt_window)
{
	struct vcpu_mock_event ev[1];

	/* NMI windows ignore STI blocking; asking for one here would exit
	 * forever. The interrupt window opens when the shadow ends. */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_GUEST_INTR_STATE_STI), 0);
	ck_assert_int_eq(vcpu_inject_nmi(f.vcpu), 0);
	struct vcpu_mock_exit shadow_over = {
		.exit = { .reason = VMX_EXIT_REASON_INTERRUPT_WINDOW },
		.nr_changes = 1,
		.changes = { { false, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0 } },
	};
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &shadow_over), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, vmx_intr_info_make(2, VMX_INTR_TYPE_NMI_INTR, false));
	ck_assert_uint_eq(field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_NMI_WINDOW_EXITING, 0);
}
END_TEST

START_TEST(second_nmi_waits_for_the_first_ones_iret)
{
	struct vcpu_mock_event ev[2];
	struct vcpu_mock_exit iret = {
		.exit = { .reason = VMX_EXIT_REASON_NMI_WINDOW },
		.nr_changes = 1,
		.changes = { { false, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0 } },
	};

	ck_assert_int_eq(vcpu_inject_nmi(f.vcpu), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	/* Delivering it blocked NMIs; a second one waits for the IRET. */
	ck_assert(field(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO) & VMX_GUEST_INTR_STATE_NMI);
	ck_assert_int_eq(vcpu_inject_nmi(f.vcpu), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &iret), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 2), 2);
	ck_assert_uint_eq(ev[1].intr_info, vmx_intr_info_make(2, VMX_INTR_TYPE_NMI_INTR, false));
	ck_assert_uint_eq(field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_NMI_WINDOW_EXITING, 0);
}
END_TEST

START_TEST(failed_entry_keeps_the_event_for_the_next_one)
{
	struct vcpu_mock_event ev[1];

	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x20a), 0);	/* reserved bit 3 */
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x40), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EENTRY_GUEST);
	ck_assert(field(f.vcpu, VMCS_VM_ENTRY_INTR_INFO_FIELD) & VMX_INTR_INFO_VALID_MASK);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 1), 1);
	ck_assert_uint_eq(ev[0].intr_info, ext(0x40));
}
END_TEST

static int queue_interrupt(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	(void)exit;
	(void)opaque;
	return vcpu_inject_interrupt(vcpu, 0x41);
}

START_TEST(event_queued_during_reinjection_gets_its_window)
{
	struct vcpu_mock_event ev[2];
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_EPT_VIOLATION, .qualification = 0x182, .instruction_len = 2,
			  .idt_vectoring_info = vmx_intr_info_make(0x80, VMX_INTR_TYPE_SOFT_INTR, false) },
	};

	/* The handler queues an interrupt while INT 80h waits to go in
	 * again: the interrupt must ask for its window, not wait for luck. */
	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_EXIT_REASON_EPT_VIOLATION, queue_interrupt, NULL), 0);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(injected(ev, 2), 2);
	ck_assert_uint_eq(ev[0].intr_info, vmx_intr_info_make(0x80, VMX_INTR_TYPE_SOFT_INTR, false));
	ck_assert_uint_eq(ev[1].intr_info, ext(0x41));
}
END_TEST

START_TEST(iret_that_unblocked_nmis_is_reblocked_when_it_faults)
{
	struct vcpu_mock_exit gp = {
		.exit = { .reason = VMX_EXIT_REASON_EXCEPTION_NMI,
			  .intr_info = vmx_intr_info_make(VMX_VECTOR_GP, VMX_INTR_TYPE_HARD_EXCEPTION, true) |
				       VMX_INTR_INFO_UNBLOCK_NMI },
	};

	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_GP, true), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &gp), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_inject_nmi(f.vcpu), 0);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_GUEST_INTR_STATE_NMI), 0);
	run_ok(f.vcpu);
	/* The IRET runs again after the #GP: NMIs stay blocked until then. */
	ck_assert(field(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO) & VMX_GUEST_INTR_STATE_NMI);
	struct vcpu_mock_event ev[2];
	ck_assert_uint_eq(injected(ev, 2), 1);
	ck_assert_uint_eq(ev[0].intr_info & 0xff, VMX_VECTOR_GP);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, interrupt_goes_in_directly_when_if_is_set);
	tcase_add_test(tc, blocked_interrupt_waits_for_the_window_exit);
	tcase_add_test(tc, window_exit_without_a_request_cannot_be_scripted);
	tcase_add_test(tc, highest_vector_first_and_one_per_entry);
	tcase_add_test(tc, tpr_masks_low_priority_classes);
	tcase_add_test(tc, nmi_waits_for_the_nmi_window);
	tcase_add_test(tc, exception_error_code_only_in_protected_mode);
	tcase_add_test(tc, bad_vectors_are_refused);
	tcase_add_test(tc, error_codes_wider_than_16_bits_are_refused);
	tcase_add_test(tc, error_code_follows_the_entry_checks_rule_without_unrestricted_guest);
	tcase_add_test(tc, a_software_event_cut_off_needs_its_instruction_length);
	tcase_add_loop_test(tc, impossible_event_information_cannot_be_scripted, 0, 6);
	tcase_add_test(tc, event_cut_off_by_an_exit_is_reinjected);
	tcase_add_test(tc, sti_hlt_with_an_interrupt_pending_does_not_sleep);
	tcase_add_test(tc, nmi_in_an_sti_shadow_takes_the_interrupt_window);
	tcase_add_test(tc, second_nmi_waits_for_the_first_ones_iret);
	tcase_add_test(tc, failed_entry_keeps_the_event_for_the_next_one);
	tcase_add_test(tc, event_queued_during_reinjection_gets_its_window);
	tcase_add_test(tc, iret_that_unblocked_nmis_is_reblocked_when_it_faults);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
