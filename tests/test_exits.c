/* The dispatcher and the core's default exit handlers (everything but CR
 * access and I/O, which have suites of their own). */
#include "harness.h"

static struct fixture f;

static void setup(void)
{
	fixture_init(&f, "modern", 1);
	set_protected_mode(f.vcpu);
}

static void teardown(void) { fixture_fini(&f); }

static struct vcpu_mock_event last_injected(unsigned *count)
{
	struct vcpu_mock_event ev = { 0 };

	*count = vcpu_mock_injected(f.vcpu, &ev, 1);
	return ev;
}

static void enable_proc(uint32_t bits)
{
	uint64_t proc = field(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL);

	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc | bits), 0);
}

static void run_cpuid(uint32_t leaf, uint32_t subleaf)
{
	const uint64_t regs[] = { VCPU_REG_RAX, 0xdead00000000ull | leaf, VCPU_REG_RCX, subleaf };

	push_exit_regs(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2, 2, regs);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
}

static const struct vcpu_cpuid_entry cpuid_table[] = {
	{ 0, VCPU_CPUID_SUBLEAF_ANY, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
	{ 1, VCPU_CPUID_SUBLEAF_ANY, 0x000906ea, 0x00100800, 0x7ffafbbf, 0xbfebfbff },
	{ 7, 0, 0, 0x029c6fbf, 0, 0 },
	{ 7, 1, 1, 2, 3, 4 },
	{ 0xd, 0, 0x11111111, 0x22222222, 0x33333333, 0x44444444 },
	{ 0x80000000u, VCPU_CPUID_SUBLEAF_ANY, 0x80000008u, 0, 0, 0 },
	{ 0x80000008u, VCPU_CPUID_SUBLEAF_ANY, 0x3027, 0, 0, 0 },
};

START_TEST(cpuid_answers_from_the_table_and_skips_it)
{
	ck_assert_int_eq(vm_set_cpuid(f.vm, cpuid_table, sizeof(cpuid_table) / sizeof(cpuid_table[0])), 0);
	run_cpuid(0, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0xd);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RBX), 0x756e6547);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 2 + 1);
	run_cpuid(7, 1);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 1);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDX), 4);
	/* Within range but absent: zeros. */
	run_cpuid(5, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX) | reg(f.vcpu, VCPU_REG_RBX), 0);
}
END_TEST

START_TEST(cpuid_above_the_highest_leaf_returns_the_highest_basic_leaf)
{
	ck_assert_int_eq(vm_set_cpuid(f.vm, cpuid_table, sizeof(cpuid_table) / sizeof(cpuid_table[0])), 0);
	run_cpuid(0x40, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0x11111111);
	run_cpuid(0x80000009u, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDX), 0x44444444);
}
END_TEST

START_TEST(cpuid_osxsave_follows_the_guests_cr4)
{
	ck_assert_int_eq(vm_set_cpuid(f.vm, cpuid_table, sizeof(cpuid_table) / sizeof(cpuid_table[0])), 0);
	run_cpuid(1, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RCX) & (1u << 27), 0);
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 4, VMX_CR4_OSXSAVE), 0);
	run_cpuid(1, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RCX) & (1u << 27), 1u << 27);
}
END_TEST

START_TEST(rdtsc_adds_the_tsc_offset)
{
	enable_proc(VMX_CPU_BASED_RDTSC_EXITING);
	vm_mock_set_tsc(f.vm, 0x1122334455667788ull);
	ck_assert_int_eq(vcpu_set_tsc_offset(f.vcpu, -0x55667788ll), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_RDTSC, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDX), 0x11223344);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0);
}
END_TEST

START_TEST(rdtscp_also_returns_tsc_aux)
{
	const uint64_t wrmsr[] = { VCPU_REG_RCX, VMX_MSR_IA32_TSC_AUX, VCPU_REG_RAX, 7, VCPU_REG_RDX, 0 };

	enable_proc(VMX_CPU_BASED_RDTSC_EXITING);
	vm_mock_set_tsc(f.vm, 1000);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_WRITE, 0, 2, 3, wrmsr);
	push_exit(f.vcpu, VMX_EXIT_REASON_RDTSCP, 0, 3);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RCX), 7);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 1000);
}
END_TEST

/* Exits the default controls do not enable: the mock refuses them. */
static const struct {
	uint32_t reason;
	const char *why;
} gated_exits[] = {
	{ VMX_EXIT_REASON_RDTSC, "RDTSC exiting is off" },
	{ VMX_EXIT_REASON_WBINVD, "WBINVD exiting is off" },
	{ VMX_EXIT_REASON_INVLPG, "INVLPG exiting is off" },
	{ VMX_EXIT_REASON_MWAIT_INSTRUCTION, "MWAIT exiting is off" },
	{ VMX_EXIT_REASON_RDRAND, "RDRAND exiting is off" },
	{ VMX_EXIT_REASON_PREEMPTION_TIMER, "VMX-preemption timer is off" },
	{ VMX_EXIT_REASON_DR_ACCESS, "MOV-DR exiting is off" },
};

START_TEST(exits_whose_control_is_off_cannot_be_scripted)
{
	push_exit(f.vcpu, gated_exits[_i].reason, 0, 2);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), gated_exits[_i].why));
}
END_TEST

START_TEST(msr_reads_and_writes_of_known_msrs)
{
	const uint64_t wr_pat[] = { VCPU_REG_RCX, VMX_MSR_IA32_PAT, VCPU_REG_RAX, 0x06060606, VCPU_REG_RDX,
				    0x06060606 };
	const uint64_t rd_pat[] = { VCPU_REG_RCX, VMX_MSR_IA32_PAT };

	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_WRITE, 0, 2, 3, wr_pat);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_READ, 0, 2, 1, rd_pat);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_IA32_PAT), 0x0606060606060606ull);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0x06060606);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDX), 0x06060606);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 2 + 2 + 1);
}
END_TEST

START_TEST(unknown_msr_and_bad_values_raise_gp)
{
	const uint64_t rd_unknown[] = { VCPU_REG_RCX, 0x12345 };
	const uint64_t wr_bad_pat[] = { VCPU_REG_RCX, VMX_MSR_IA32_PAT, VCPU_REG_RAX, 0x02, VCPU_REG_RDX, 0 };
	unsigned n;

	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_READ, 0, 2, 1, rd_unknown);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(last_injected(&n).intr_info & 0xff, VMX_VECTOR_GP);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 1); /* RDMSR not skipped */
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_WRITE, 0, 2, 3, wr_bad_pat);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	vcpu_inject_interrupt(f.vcpu, 0x20); /* wake it */
	run_ok(f.vcpu);
	ck_assert_uint_eq(last_injected(&n).intr_info & 0xff, VMX_VECTOR_GP);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(hlt_with_a_deliverable_interrupt_resumes)
{
	struct vcpu_mock_exit hlt = {
		.exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 },
		.nr_changes = 1,
		.changes = { { false, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0 } },
	};
	struct vcpu_booking b;
	unsigned n;

	/* STI; HLT: the interrupt is blocked at entry (STI shadow) and
	 * deliverable by the time the HLT exits, so the VCPU does not sleep. */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_INTERRUPTIBILITY_INFO, VMX_GUEST_INTR_STATE_STI), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x30), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &hlt), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	vcpu_get_booking(f.vcpu, &b);
	ck_assert_uint_eq(b.halts, 2);
	ck_assert_int_eq(b.state, VCPU_STATE_BLOCKED);
	ck_assert_uint_eq(last_injected(&n).intr_info, vmx_intr_info_make(0x30, VMX_INTR_TYPE_EXT_INTR, false));
	ck_assert_uint_eq(n, 1);
}
END_TEST

static int hypercall(void *opaque, struct vcpu *vcpu)
{
	uint64_t rax;

	(void)opaque;
	vcpu_get_reg(vcpu, VCPU_REG_RAX, &rax);
	vcpu_set_reg(vcpu, VCPU_REG_RAX, rax * 2);
	return rax == 21 ? 1 : 0;
}

START_TEST(vmcall_goes_to_the_hypercall_hook)
{
	struct vm_callbacks cb = { .hypercall = hypercall };
	const uint64_t regs[] = { VCPU_REG_RAX, 21 };

	vm_set_callbacks(f.vm, &cb, NULL);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_VMCALL, 0, 3, 1, regs);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 42);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1003);
}
END_TEST

START_TEST(vmcall_without_a_hook_and_vmx_instructions_raise_ud)
{
	unsigned n;

	push_exit(f.vcpu, VMX_EXIT_REASON_VMCALL, 0, 3);
	push_exit(f.vcpu, VMX_EXIT_REASON_VMLAUNCH, 0, 3);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(last_injected(&n).intr_info & 0x7ff, (VMX_INTR_TYPE_HARD_EXCEPTION << 8) | VMX_VECTOR_UD);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1001);
}
END_TEST

START_TEST(exit_reason_without_a_handler_fails_with_its_name)
{
	enable_proc(VMX_CPU_BASED_INVLPG_EXITING);
	push_exit(f.vcpu, VMX_EXIT_REASON_INVLPG, 0x1234, 3);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EUNHANDLED_EXIT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "INVLPG"));
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "0x1234"));
}
END_TEST

START_TEST(non_sdm_exit_reason_is_refused_or_named)
{
	struct vcpu_mock_exit e = { .exit = { .reason = 200 } };

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	fixture_fini(&f);
	setup();
	e.unchecked = true;
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EUNHANDLED_EXIT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "200"));
}
END_TEST

START_TEST(triple_fault_is_an_error_never_a_loop)
{
	push_exit(f.vcpu, VMX_EXIT_REASON_TRIPLE_FAULT, 0, 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ETRIPLE_FAULT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "triple fault"));
	ck_assert_uint_eq(vcpu_mock_pending(f.vcpu), 1);
}
END_TEST

struct override_log {
	unsigned calls;
	int result;
};

static int my_cpuid(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	struct override_log *log = opaque;

	log->calls++;
	/* Add to the default rather than replace it. */
	log->result = vcpu_default_exit_handler(vcpu, exit);
	vcpu_set_reg(vcpu, VCPU_REG_RBX, 0x4b4d564b);
	return VCPU_EXIT_RETURN;
}

START_TEST(embedder_handler_overrides_and_can_call_the_default)
{
	struct override_log log = { 0, -1 };

	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_EXIT_REASON_CPUID, my_cpuid, &log), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	run_ok(f.vcpu);
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_int_eq(log.result, VCPU_EXIT_RESUME);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RBX), 0x4b4d564b);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1002);
	/* Removing it restores the default. */
	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_EXIT_REASON_CPUID, NULL, NULL), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_NR_EXIT_REASONS, my_cpuid, NULL), VCPU_EINVAL);
}
END_TEST

static int failing_handler(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	(void)vcpu;
	(void)exit;
	(void)opaque;
	return VCPU_ENODEV;
}

START_TEST(handler_error_ends_the_run_with_that_error)
{
	ck_assert_int_eq(vm_set_exit_handler(f.vm, VMX_EXIT_REASON_CPUID, failing_handler, NULL), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ENODEV);
	/* The handler said nothing: the core names the exit it failed on. */
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "CPUID"));
	struct vcpu_booking b;
	vcpu_get_booking(f.vcpu, &b);
	ck_assert_int_eq(b.state, VCPU_STATE_RUNNABLE);
}
END_TEST

static int failing_hypercall(void *opaque, struct vcpu *vcpu)
{
	(void)opaque;
	(void)vcpu;
	return VCPU_EINVAL;
}

static int failing_page_fault(void *opaque, struct vcpu *vcpu, uint64_t address, uint32_t code)
{
	(void)opaque;
	(void)vcpu;
	(void)address;
	(void)code;
	return VCPU_ENOMEM;
}

START_TEST(a_failing_callback_is_named_in_the_detail)
{
	struct vm_callbacks cb = { .hypercall = failing_hypercall, .page_fault = failing_page_fault };
	struct vcpu_mock_exit pf = { .exit = {
		.reason = VMX_EXIT_REASON_EXCEPTION_NMI, .qualification = 0xdead000,
		.intr_info = vmx_intr_info_make(VMX_VECTOR_PF, VMX_INTR_TYPE_HARD_EXCEPTION, true) } };

	vm_set_callbacks(f.vm, &cb, NULL);
	push_exit(f.vcpu, VMX_EXIT_REASON_VMCALL, 0, 3);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EINVAL);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "hypercall callback"));
	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_PF, true), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &pf), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ENOMEM);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "page-fault callback"));
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "0xdead000"));
}
END_TEST

static unsigned mmio_calls;

static int count_mmio(void *opaque, struct vcpu *vcpu, uint64_t gpa, unsigned size, bool write, void *data)
{
	(void)opaque;
	(void)vcpu;
	(void)gpa;
	(void)size;
	(void)write;
	(void)data;
	mmio_calls++;
	return 0;
}

START_TEST(mmio_exit_for_guest_ram_is_refused)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	struct vm_callbacks cb = { .mmio = count_mmio };
	uint32_t value = 0;
	struct vcpu_mock_exit e = { .exit = {
		.reason = VMX_EXIT_REASON_EPT_VIOLATION, .qualification = 2, .guest_physical_address = 0x10,
		.data = &value, .data_count = 1, .data_size = 4 } };

	/* A backend that reports MMIO where guest RAM is is confused: the
	 * device model never sees RAM addresses. */
	ck_assert_int_eq(vm_add_memory(f.vm, 0, sizeof(page), page), 0);
	vm_set_callbacks(f.vm, &cb, NULL);
	mmio_calls = 0;
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EBACKEND);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "guest RAM"));
	ck_assert_uint_eq(mmio_calls, 0);
	/* Just past the page it is MMIO. */
	e.exit.guest_physical_address = sizeof(page);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(mmio_calls, 1);
}
END_TEST

START_TEST(scripted_entry_failure_keeps_the_launch_state)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY },
		.unchecked = true,
	};
	struct vcpu_booking b;

	/* Delivered as scripted, it still fails like an entry: nothing
	 * launched, so the next entry is a VMLAUNCH that the mock accepts. */
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EENTRY_GUEST);
	vcpu_get_booking(f.vcpu, &b);
	ck_assert(!b.launched);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	vcpu_get_booking(f.vcpu, &b);
	ck_assert(b.launched);
}
END_TEST

START_TEST(xsetbv_sets_xcr0_or_raises_gp)
{
	const uint64_t ok[] = { VCPU_REG_RCX, 0, VCPU_REG_RAX, 7, VCPU_REG_RDX, 0 };
	const uint64_t bad[] = { VCPU_REG_RCX, 0, VCPU_REG_RAX, 4, VCPU_REG_RDX, 0 };
	unsigned n;

	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 4, VMX_CR4_OSXSAVE), 0);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_XSETBV, 0, 3, 3, ok);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_XSETBV, 0, 3, 3, bad);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_XCR0), 7);
	ck_assert_uint_eq(last_injected(&n).intr_info & 0xff, VMX_VECTOR_GP);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 3 + 1);
}
END_TEST

static uint32_t hw_exception(unsigned vector, bool code)
{
	return vmx_intr_info_make((uint8_t)vector, VMX_INTR_TYPE_HARD_EXCEPTION, code);
}

static void push_exception(uint32_t info, uint32_t code, uint64_t qual, uint32_t idt_info)
{
	struct vcpu_mock_exit e = { .exit = { .reason = VMX_EXIT_REASON_EXCEPTION_NMI, .intr_info = info,
					      .intr_error_code = code, .qualification = qual,
					      .idt_vectoring_info = idt_info } };

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
}

struct pf_log {
	unsigned calls;
	uint64_t address;
	uint32_t code;
	int answer;
};

static int on_page_fault(void *opaque, struct vcpu *vcpu, uint64_t address, uint32_t code)
{
	struct pf_log *log = opaque;

	(void)vcpu;
	log->calls++;
	log->address = address;
	log->code = code;
	return log->answer;
}

START_TEST(page_fault_goes_to_memory_then_is_reflected_with_cr2)
{
	struct pf_log log = { .answer = 0 };
	struct vm_callbacks cb = { .page_fault = on_page_fault };
	unsigned n;

	vm_set_callbacks(f.vm, &cb, &log);
	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_PF, true), 0);
	push_exception(hw_exception(VMX_VECTOR_PF, true), 0x2, 0xdeadb000, 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_uint_eq(log.address, 0xdeadb000);
	struct vcpu_mock_event ev = last_injected(&n);
	ck_assert_uint_eq(ev.intr_info, hw_exception(VMX_VECTOR_PF, true));
	ck_assert_uint_eq(ev.error_code, 0x2);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_CR2), 0xdeadb000);
	/* Resolved by memory virtualization: nothing is injected. */
	log.answer = 1;
	push_exception(hw_exception(VMX_VECTOR_PF, true), 0x2, 0xdeadc000, 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	vcpu_inject_nmi(f.vcpu); /* wake (NMI is blocked by nothing here) */
	run_ok(f.vcpu);
	ck_assert_uint_eq(log.calls, 2);
	ev = last_injected(&n);
	ck_assert_uint_eq(ev.intr_info & 0x7ff, (VMX_INTR_TYPE_NMI_INTR << 8) | 2);
}
END_TEST

START_TEST(exception_not_in_the_bitmap_cannot_exit)
{
	push_exception(hw_exception(VMX_VECTOR_GP, true), 0, 0, 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "exception bitmap"));
}
END_TEST

START_TEST(contributory_fault_during_delivery_becomes_double_fault)
{
	unsigned n;

	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_GP, true), 0);
	/* #GP while delivering #NP: both contributory, so #DF(0). */
	push_exception(hw_exception(VMX_VECTOR_GP, true), 0x10, 0, hw_exception(VMX_VECTOR_NP, true));
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	struct vcpu_mock_event ev = last_injected(&n);
	ck_assert_uint_eq(ev.intr_info, hw_exception(VMX_VECTOR_DF, true));
	ck_assert_uint_eq(ev.error_code, 0);
}
END_TEST

START_TEST(fault_while_delivering_double_fault_is_a_triple_fault)
{
	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_GP, true), 0);
	push_exception(hw_exception(VMX_VECTOR_GP, true), 0, 0, hw_exception(VMX_VECTOR_DF, true));
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ETRIPLE_FAULT);
}
END_TEST

START_TEST(fault_during_interrupt_delivery_requeues_the_interrupt)
{
	unsigned n;
	struct vcpu_mock_event ev[2];

	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_PF, true), 0);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x202), 0);
	push_exception(hw_exception(VMX_VECTOR_PF, true), 0, 0x5000,
		       vmx_intr_info_make(0x41, VMX_INTR_TYPE_EXT_INTR, false));
	push_exit(f.vcpu, VMX_EXIT_REASON_CPUID, 0, 2);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	n = vcpu_mock_injected(f.vcpu, ev, 2);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ev[0].intr_info, hw_exception(VMX_VECTOR_PF, true));
	ck_assert_uint_eq(ev[1].intr_info, vmx_intr_info_make(0x41, VMX_INTR_TYPE_EXT_INTR, false));
}
END_TEST

START_TEST(breakpoint_is_reflected_with_its_instruction_length)
{
	unsigned n;
	struct vcpu_mock_exit e = { .exit = {
		.reason = VMX_EXIT_REASON_EXCEPTION_NMI, .instruction_len = 1,
		.intr_info = vmx_intr_info_make(VMX_VECTOR_BP, VMX_INTR_TYPE_SOFT_EXCEPTION, false) } };

	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_BP, true), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	struct vcpu_mock_event ev = last_injected(&n);
	ck_assert_uint_eq(ev.intr_info, e.exit.intr_info);
	ck_assert_uint_eq(ev.instruction_len, 1);
}
END_TEST

START_TEST(host_interrupts_and_nmis_resume_the_guest)
{
	struct vcpu_mock_exit nmi = { .exit = {
		.reason = VMX_EXIT_REASON_EXCEPTION_NMI,
		.intr_info = vmx_intr_info_make(2, VMX_INTR_TYPE_NMI_INTR, false) } };

	push_exit(f.vcpu, VMX_EXIT_REASON_EXTERNAL_INTERRUPT, 0, 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &nmi), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1001);
	unsigned n;
	last_injected(&n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(invalid_guest_state_names_the_failed_check)
{
	const struct vmx_entry_failure *fail;

	/* Bit 3 of RFLAGS is reserved. */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x0a), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EENTRY_GUEST);
	fail = vcpu_entry_failure(f.vcpu);
	ck_assert_ptr_nonnull(fail);
	ck_assert_uint_eq(fail->field, VMCS_GUEST_RFLAGS);
	ck_assert_uint_eq(fail->value, 0x0a);
	ck_assert_int_eq(fail->kind, VMX_CHECK_KIND_GUEST);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "GUEST_RFLAGS"));
	/* No guest code ran, and the launch state did not change. */
	ck_assert_uint_eq(vcpu_mock_pending(f.vcpu), 1);
	ck_assert_uint_eq(vmx_exit_basic_reason(vcpu_last_exit(f.vcpu)), VMX_EXIT_REASON_INVALID_STATE);
	ck_assert(vmx_exit_is_failed_entry(vcpu_last_exit(f.vcpu)));
	struct vcpu_booking b;
	vcpu_get_booking(f.vcpu, &b);
	ck_assert(!b.launched);
	/* Fixed, the same VCPU enters. */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_GUEST_RFLAGS, 0x2), 0);
	run_ok(f.vcpu);
}
END_TEST

START_TEST(invalid_control_fails_as_vmfail_valid_error_7)
{
	const struct vmx_entry_failure *fail;

	/* Bit 1 of the pin-based controls is a default1 bit (allowed-0 = 1). */
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_PIN_BASED_VM_EXEC_CONTROL, 0), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EENTRY_CONTROL);
	fail = vcpu_entry_failure(f.vcpu);
	ck_assert_ptr_nonnull(fail);
	ck_assert_uint_eq(fail->field, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "error 7"));
	ck_assert_uint_eq(field(f.vcpu, VMCS_VM_INSTRUCTION_ERROR), 7);
}
END_TEST

START_TEST(vcpu_check_entry_agrees_with_the_mock)
{
	struct vmx_entry_failure fail;

	ck_assert_int_eq(vcpu_check_entry(f.vcpu, &fail), 0);
	ck_assert_int_eq(vcpu_vmwrite(f.vcpu, VMCS_HOST_CR4, 0), 0);
	ck_assert_int_eq(vcpu_check_entry(f.vcpu, &fail), VCPU_EENTRY_HOST);
	ck_assert_uint_eq(fail.field, VMCS_HOST_CR4);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EENTRY_HOST);
	ck_assert_uint_eq(vcpu_entry_failure(f.vcpu)->id, fail.id);
}
END_TEST

START_TEST(cpuid_hypervisor_range_and_apic_id_per_vcpu)
{
	const struct vcpu_cpuid_entry table[] = {
		{ 0, VCPU_CPUID_SUBLEAF_ANY, 0xb, 1, 2, 3 },
		{ 1, VCPU_CPUID_SUBLEAF_ANY, 0x906ea, 0xff000800, 0, 0 },
		{ 0xb, VCPU_CPUID_SUBLEAF_ANY, 1, 1, 0x100, 0xff },
		{ 0x40000000u, VCPU_CPUID_SUBLEAF_ANY, 0x40000001u, 0x4b4d564b, 0x564b4d56, 0x4d },
	};
	struct vcpu *v3;

	ck_assert_int_eq(vm_set_cpuid(f.vm, table, 4), 0);
	run_cpuid(0x40000000u, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RBX), 0x4b4d564b);
	/* In range but absent: zeros, not the highest basic leaf. */
	run_cpuid(0x40000001u, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 0);
	/* Beyond the hypervisor range's maximum: the highest basic leaf
	 * (0BH here, whose EDX is the x2APIC ID: VCPU 0's). */
	run_cpuid(0x40000002u, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), 1);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RCX), 0x100);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDX), 0);
	/* VCPU 3 reports initial APIC ID 3. */
	ck_assert_int_eq(vcpu_create(f.vm, 3, &v3), 0);
	set_protected_mode(v3);
	const uint64_t leaf1[] = { VCPU_REG_RAX, 1, VCPU_REG_RCX, 0 };
	push_exit_regs(v3, VMX_EXIT_REASON_CPUID, 0, 2, 2, leaf1);
	push_exit(v3, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(v3);
	ck_assert_uint_eq(reg(v3, VCPU_REG_RBX), 0x03000800);
}
END_TEST

START_TEST(xsetbv_checks_the_supported_and_paired_bits)
{
	const uint64_t avx512_alone[] = { VCPU_REG_RCX, 0, VCPU_REG_RAX, 0x23, VCPU_REG_RDX, 0 };
	const uint64_t unsupported[] = { VCPU_REG_RCX, 0, VCPU_REG_RAX, 0x7, VCPU_REG_RDX, 1 };
	unsigned n;

	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 4, VMX_CR4_OSXSAVE), 0);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_XSETBV, 0, 3, 3, avx512_alone);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(last_injected(&n).intr_info & 0xff, VMX_VECTOR_GP);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_XSETBV, 0, 3, 3, unsupported);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(n + 1, vcpu_mock_injected(f.vcpu, NULL, 0));
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_XCR0), 1);
	/* Without CR4.OSXSAVE XSETBV is #UD. */
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 4, 0), 0);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_XSETBV, 0, 3, 3, unsupported);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(last_injected(&n).intr_info & 0xff, VMX_VECTOR_UD);
}
END_TEST

START_TEST(entry_failure_bit_on_an_instruction_exit_is_refused)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_CPUID | VMX_EXIT_REASON_FAILED_VMENTRY, .instruction_len = 2 },
	};

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	fixture_fini(&f);
	setup();
	/* Delivered anyway (as from a broken backend): named, RIP untouched. */
	e.unchecked = true;
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EUNHANDLED_EXIT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "entry-failure bit"));
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000);
}
END_TEST

START_TEST(debug_exception_is_reflected_with_its_dr6_conditions)
{
	struct vcpu_mock_exit e = { .exit = {
		.reason = VMX_EXIT_REASON_EXCEPTION_NMI, .qualification = (1u << 14) | 0x2,
		.intr_info = vmx_intr_info_make(VMX_VECTOR_DB, VMX_INTR_TYPE_HARD_EXCEPTION, false) } };

	ck_assert_int_eq(vcpu_set_exception_intercept(f.vcpu, VMX_VECTOR_DB, true), 0);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_DR6), 0xffff0ff0u | (1u << 14) | 0x2);
}
END_TEST

START_TEST(exception_exit_without_valid_information_is_refused)
{
	struct pf_log log = { .answer = 1 };
	struct vm_callbacks cb = { .page_fault = on_page_fault };
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_EXCEPTION_NMI, .qualification = 0x1000,
			  .intr_info = hw_exception(VMX_VECTOR_PF, true) & ~VMX_INTR_INFO_VALID_MASK },
		.unchecked = true,
	};

	/* Valid bit clear: nothing to reflect, and no #PF to hand over. */
	vm_set_callbacks(f.vm, &cb, &log);
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EUNHANDLED_EXIT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "without valid interruption information"));
	ck_assert_uint_eq(log.calls, 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("exits");
	TCase *tc = tcase_create("exits");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cpuid_answers_from_the_table_and_skips_it);
	tcase_add_test(tc, cpuid_above_the_highest_leaf_returns_the_highest_basic_leaf);
	tcase_add_test(tc, cpuid_osxsave_follows_the_guests_cr4);
	tcase_add_test(tc, rdtsc_adds_the_tsc_offset);
	tcase_add_test(tc, rdtscp_also_returns_tsc_aux);
	tcase_add_loop_test(tc, exits_whose_control_is_off_cannot_be_scripted, 0,
			    sizeof(gated_exits) / sizeof(gated_exits[0]));
	tcase_add_test(tc, msr_reads_and_writes_of_known_msrs);
	tcase_add_test(tc, unknown_msr_and_bad_values_raise_gp);
	tcase_add_test(tc, hlt_with_a_deliverable_interrupt_resumes);
	tcase_add_test(tc, vmcall_goes_to_the_hypercall_hook);
	tcase_add_test(tc, vmcall_without_a_hook_and_vmx_instructions_raise_ud);
	tcase_add_test(tc, exit_reason_without_a_handler_fails_with_its_name);
	tcase_add_test(tc, non_sdm_exit_reason_is_refused_or_named);
	tcase_add_test(tc, triple_fault_is_an_error_never_a_loop);
	tcase_add_test(tc, embedder_handler_overrides_and_can_call_the_default);
	tcase_add_test(tc, handler_error_ends_the_run_with_that_error);
	tcase_add_test(tc, a_failing_callback_is_named_in_the_detail);
	tcase_add_test(tc, mmio_exit_for_guest_ram_is_refused);
	tcase_add_test(tc, scripted_entry_failure_keeps_the_launch_state);
	tcase_add_test(tc, exception_exit_without_valid_information_is_refused);
	tcase_add_test(tc, xsetbv_sets_xcr0_or_raises_gp);
	tcase_add_test(tc, page_fault_goes_to_memory_then_is_reflected_with_cr2);
	tcase_add_test(tc, exception_not_in_the_bitmap_cannot_exit);
	tcase_add_test(tc, contributory_fault_during_delivery_becomes_double_fault);
	tcase_add_test(tc, fault_while_delivering_double_fault_is_a_triple_fault);
	tcase_add_test(tc, fault_during_interrupt_delivery_requeues_the_interrupt);
	tcase_add_test(tc, breakpoint_is_reflected_with_its_instruction_length);
	tcase_add_test(tc, host_interrupts_and_nmis_resume_the_guest);
	tcase_add_test(tc, invalid_guest_state_names_the_failed_check);
	tcase_add_test(tc, invalid_control_fails_as_vmfail_valid_error_7);
	tcase_add_test(tc, vcpu_check_entry_agrees_with_the_mock);
	tcase_add_test(tc, cpuid_hypervisor_range_and_apic_id_per_vcpu);
	tcase_add_test(tc, xsetbv_checks_the_supported_and_paired_bits);
	tcase_add_test(tc, entry_failure_bit_on_an_instruction_exit_is_refused);
	tcase_add_test(tc, debug_exception_is_reflected_with_its_dr6_conditions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
