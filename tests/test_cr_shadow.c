/* CR0/CR4 guest/host masks and read shadows, CR3 substitution, CR8, and
 * the CR-access exit, including the seed's example. */
#include "harness.h"

static struct fixture f;
static uint8_t guest_ram[1 << 20] __attribute__((aligned(4096)));

struct paging_log {
	unsigned calls;
	struct vcpu_paging_change last;
};

static int on_paging_changed(void *opaque, struct vcpu *vcpu, const struct vcpu_paging_change *c)
{
	struct paging_log *log = opaque;

	(void)vcpu;
	log->calls++;
	log->last = *c;
	return 0;
}

static struct paging_log log_;

static void setup_common(const char *profile)
{
	struct vm_callbacks cb = { .paging_changed = on_paging_changed };

	fixture_init(&f, profile, 1);
	memset(&log_, 0, sizeof(log_));
	vm_set_callbacks(f.vm, &cb, &log_);
	ck_assert_int_eq(vm_add_memory(f.vm, 0, sizeof(guest_ram), guest_ram), 0);
	ck_assert_int_eq(vm_set_identity_map(f.vm, 0x9000), 0);
	set_protected_mode(f.vcpu);
	log_.calls = 0;
}

static void setup_no_ug(void) { setup_common("no-ug"); }
static void setup_modern(void) { setup_common("modern"); }
static void teardown(void) { fixture_fini(&f); }

/* Qualification of MOV to/from CRn with general register `gpr`. */
static uint64_t mov_cr(unsigned cr, bool to, unsigned gpr)
{
	return cr | ((to ? 0u : 1u) << 4) | (gpr << 8);
}

static uint64_t guest_cr(unsigned cr)
{
	uint64_t v;

	ck_assert_int_eq(vcpu_get_cr(f.vcpu, cr, &v), 0);
	return v;
}

static void run_mov_to_cr(unsigned cr, uint64_t value)
{
	const uint64_t regs[] = { VCPU_REG_RAX, value };

	push_exit_regs(f.vcpu, VMX_EXIT_REASON_CR_ACCESS, mov_cr(cr, true, VCPU_REG_RAX), 3, 1, regs);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
}

static unsigned injected_vector(unsigned *count)
{
	struct vcpu_mock_event ev[1];

	*count = vcpu_mock_injected(f.vcpu, ev, 1);
	return *count ? ev[0].intr_info & 0xff : ~0u;
}

/*
 * The seed's example: the virtual CR0 (read shadow) is PG|PE; the guest
 * does `mov cr0, eax` with eax = 1. The handler sets the read shadow to 1,
 * the CR0 the hardware uses keeps PG and PE (no unrestricted guest), and
 * the memory-virtualization callback is told paging went off.
 */
START_TEST(seed_example_guest_turns_paging_off)
{
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 0, 0x80000001), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_CR0_READ_SHADOW), 0x80000001);
	ck_assert_uint_eq(log_.calls, 1);
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 3, 0x5000), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CR3), 0x5000);
	log_.calls = 0;

	run_mov_to_cr(0, 1);

	ck_assert_uint_eq(field(f.vcpu, VMCS_CR0_READ_SHADOW), 0x1);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CR0) & (VMX_CR0_PG | VMX_CR0_PE), VMX_CR0_PG | VMX_CR0_PE);
	ck_assert_uint_eq(guest_cr(0), 0x1);
	ck_assert_uint_eq(log_.calls, 1);
	ck_assert_uint_eq(log_.last.reg, 0);
	ck_assert_uint_eq(log_.last.old_value, 0x80000001);
	ck_assert_uint_eq(log_.last.new_value, 0x1);
	/* Paging off without unrestricted guest runs on the identity map;
	 * the guest still reads its own CR3. */
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CR3), 0x9000);
	ck_assert_uint_eq(guest_cr(3), 0x5000);
	ck_assert(field(f.vcpu, VMCS_GUEST_CR4) & VMX_CR4_PSE);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1000 + 3 + 1);
}
END_TEST

START_TEST(paging_back_on_restores_the_guests_cr3)
{
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 3, 0x7000), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CR3), 0x9000);
	run_mov_to_cr(0, 0x80000011);
	ck_assert_uint_eq(guest_cr(0), 0x80000011);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CR3), 0x7000);
}
END_TEST

START_TEST(fixed_bits_stay_set_but_the_guest_sees_its_own)
{
	/* NE is forced by IA32_VMX_CR0_FIXED0; the guest did not set it. */
	ck_assert(field(f.vcpu, VMCS_GUEST_CR0) & VMX_CR0_NE);
	ck_assert(!(guest_cr(0) & VMX_CR0_NE));
	/* VMXE is forced by IA32_VMX_CR4_FIXED0 and hidden. */
	ck_assert(field(f.vcpu, VMCS_GUEST_CR4) & VMX_CR4_VMXE);
	ck_assert(!(guest_cr(4) & VMX_CR4_VMXE));
}
END_TEST

START_TEST(guest_owned_bits_pass_through_without_exits)
{
	struct vcpu_mock_exit e = {
		.exit = { .reason = VMX_EXIT_REASON_CR_ACCESS, .qualification = 0, .instruction_len = 3 },
		.nr_changes = 1,
		.changes = { { true, VCPU_REG_RAX, 0x11 | VMX_CR0_TS } },
	};

	/* A write that only toggles TS (guest-owned) cannot exit... */
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "cannot happen"));
	/* ...the hardware just changes the real CR0, and the guest reads it. */
	struct vcpu_mock_exit hlt = {
		.exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 },
		.nr_changes = 1,
		.changes = { { false, VMCS_GUEST_CR0, 0x80000031 | VMX_CR0_TS } },
	};
	fixture_fini(&f);
	setup_no_ug();
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &hlt), 0);
	run_ok(f.vcpu);
	ck_assert(guest_cr(0) & VMX_CR0_TS);
}
END_TEST

START_TEST(invalid_cr0_values_raise_gp_and_do_not_skip)
{
	unsigned n;

	run_mov_to_cr(0, VMX_CR0_PG);	/* PG without PE */
	ck_assert_uint_eq(injected_vector(&n), VMX_VECTOR_GP);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(guest_cr(0), 0x11);
	/* Only the HLT was skipped. */
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x1001);
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 0, VMX_CR0_NW | VMX_CR0_PE), VCPU_EINVAL);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "NW set without CD"));
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 0, 1ull << 32 | 1), VCPU_EINVAL);
}
END_TEST

START_TEST(guest_may_not_set_cr4_vmxe)
{
	unsigned n;

	run_mov_to_cr(4, VMX_CR4_VMXE);
	ck_assert_uint_eq(injected_vector(&n), VMX_VECTOR_GP);
	ck_assert(!(guest_cr(4) & VMX_CR4_VMXE));
}
END_TEST

START_TEST(cr4_paging_bits_tell_memory_virtualization)
{
	run_mov_to_cr(4, VMX_CR4_PAE | VMX_CR4_OSFXSR);
	ck_assert_uint_eq(guest_cr(4), VMX_CR4_PAE | VMX_CR4_OSFXSR);
	ck_assert_uint_eq(field(f.vcpu, VMCS_CR4_READ_SHADOW), VMX_CR4_PAE | VMX_CR4_OSFXSR);
	ck_assert_uint_eq(log_.calls, 1);
	ck_assert_uint_eq(log_.last.reg, 4);
	/* On the identity map the real CR4 uses 32-bit paging with PSE. */
	ck_assert(!(field(f.vcpu, VMCS_GUEST_CR4) & VMX_CR4_PAE));
	ck_assert(field(f.vcpu, VMCS_GUEST_CR4) & VMX_CR4_PSE);
}
END_TEST

START_TEST(mov_from_cr3_reads_the_virtual_cr3)
{
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 3, 0x4000), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CR_ACCESS, mov_cr(3, false, VCPU_REG_RBX), 3);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RBX), 0x4000);
	run_mov_to_cr(3, 0x6000);
	ck_assert_uint_eq(guest_cr(3), 0x6000);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CR3), 0x9000);
	ck_assert_uint_eq(log_.last.reg, 3);
}
END_TEST

START_TEST(cr8_holds_the_tpr)
{
	unsigned n;

	run_mov_to_cr(8, 5);
	ck_assert_uint_eq(guest_cr(8), 5);
	push_exit(f.vcpu, VMX_EXIT_REASON_CR_ACCESS, mov_cr(8, false, VCPU_REG_RDX), 3);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RDX), 5);
	run_mov_to_cr(8, 16);
	ck_assert_uint_eq(injected_vector(&n), VMX_VECTOR_GP);
	ck_assert_uint_eq(guest_cr(8), 5);
}
END_TEST

START_TEST(unrestricted_guest_lets_pe_and_pg_go)
{
	run_mov_to_cr(0, VMX_CR0_ET);	/* back to real mode */
	ck_assert_uint_eq(guest_cr(0), VMX_CR0_ET);
	ck_assert(!(field(f.vcpu, VMCS_GUEST_CR0) & (VMX_CR0_PE | VMX_CR0_PG)));
	ck_assert(field(f.vcpu, VMCS_GUEST_CR0) & VMX_CR0_NE);
	ck_assert_uint_eq(log_.last.old_value, 0x11);
	ck_assert_uint_eq(log_.last.new_value, VMX_CR0_ET);
}
END_TEST

START_TEST(lmsw_can_set_pe_but_not_clear_it)
{
	struct vcpu_mock_exit clear_pe = {
		.exit = { .reason = VMX_EXIT_REASON_CR_ACCESS, .qualification = 3u << 4, .instruction_len = 3 },
	};

	/* Real mode, then LMSW with source PE = 1 (access type 3, source
	 * data in bits 31:16): PE is host-owned and the shadow has it 0. */
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 0, VMX_CR0_ET), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_CR_ACCESS, (3u << 4) | (0x1ull << 16), 3);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert(guest_cr(0) & VMX_CR0_PE);
	/* An LMSW with PE = 0 now changes nothing host-owned: no exit. */
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &clear_pe), 0);
	ck_assert_int_eq(vcpu_wake(f.vcpu), 0);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ESCRIPT);
	/* And should one arrive anyway, the handler keeps PE. */
	fixture_fini(&f);
	setup_modern();
	clear_pe.unchecked = true;
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &clear_pe), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert(guest_cr(0) & VMX_CR0_PE);
}
END_TEST

START_TEST(long_mode_activates_with_paging)
{
	/* EFER.LME by WRMSR, CR4.PAE, then CR0.PG: EFER.LMA and the
	 * "IA-32e mode guest" entry control follow. */
	const uint64_t wrmsr[] = { VCPU_REG_RCX, VMX_MSR_IA32_EFER, VCPU_REG_RAX, VMX_EFER_LME,
				   VCPU_REG_RDX, 0 };

	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_WRITE, 0, 2, 3, wrmsr);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_IA32_EFER), VMX_EFER_LME);
	ck_assert_uint_eq(log_.last.reg, VCPU_PAGING_EFER);
	run_mov_to_cr(4, VMX_CR4_PAE);
	run_mov_to_cr(0, 0x80000011);
	ck_assert(field(f.vcpu, VMCS_GUEST_IA32_EFER) & VMX_EFER_LMA);
	ck_assert(field(f.vcpu, VMCS_VM_ENTRY_CONTROLS) & VMX_VM_ENTRY_IA32E_MODE);
	ck_assert(field(f.vcpu, VMCS_GUEST_CR4) & VMX_CR4_PAE);
}
END_TEST

START_TEST(paging_without_pae_is_refused_in_long_mode)
{
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 4, 0), 0);
	const uint64_t wrmsr[] = { VCPU_REG_RCX, VMX_MSR_IA32_EFER, VCPU_REG_RAX, VMX_EFER_LME,
				   VCPU_REG_RDX, 0 };
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_WRITE, 0, 2, 3, wrmsr);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 0, 0x80000011), VCPU_EINVAL);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "PAE"));
}
END_TEST

static int failing_callback(void *opaque, struct vcpu *vcpu, const struct vcpu_paging_change *c)
{
	(void)opaque;
	(void)vcpu;
	(void)c;
	return VCPU_ENOMEM;
}

START_TEST(paging_callback_error_fails_the_run_not_the_guest)
{
	struct vm_callbacks cb = { .paging_changed = failing_callback };
	const uint64_t regs[] = { VCPU_REG_RAX, 0x80000011 };
	unsigned n;

	vm_set_callbacks(f.vm, &cb, NULL);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_CR_ACCESS, mov_cr(0, true, VCPU_REG_RAX), 3, 1, regs);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_ENOMEM);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "paging callback"));
	injected_vector(&n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(cr3_bit_63_is_reserved_without_pcide)
{
	ck_assert_int_eq(vcpu_set_cr(f.vcpu, 3, (1ull << 63) | 0x5000), VCPU_EINVAL);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "physical-address width"));
}
END_TEST

START_TEST(efer_without_a_vmcs_field_lives_in_the_core)
{
	const uint64_t wrmsr[] = { VCPU_REG_RCX, VMX_MSR_IA32_EFER, VCPU_REG_RAX, VMX_EFER_NXE | VMX_EFER_SCE,
				   VCPU_REG_RDX, 0 };
	const uint64_t rdmsr[] = { VCPU_REG_RCX, VMX_MSR_IA32_EFER };
	uint64_t v;

	/* This CPU has no load-EFER control, hence no GUEST_IA32_EFER. */
	ck_assert_int_eq(vcpu_vmread(f.vcpu, VMCS_GUEST_IA32_EFER, &v), VCPU_EVMCS_UNSUPPORTED);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_WRITE, 0, 2, 3, wrmsr);
	push_exit_regs(f.vcpu, VMX_EXIT_REASON_MSR_READ, 0, 2, 1, rdmsr);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RAX), VMX_EFER_NXE | VMX_EFER_SCE);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cr_shadow");
	TCase *no_ug = tcase_create("no-ug");
	TCase *modern = tcase_create("modern");

	tcase_add_checked_fixture(no_ug, setup_no_ug, teardown);
	tcase_add_test(no_ug, seed_example_guest_turns_paging_off);
	tcase_add_test(no_ug, paging_back_on_restores_the_guests_cr3);
	tcase_add_test(no_ug, fixed_bits_stay_set_but_the_guest_sees_its_own);
	tcase_add_test(no_ug, guest_owned_bits_pass_through_without_exits);
	tcase_add_test(no_ug, invalid_cr0_values_raise_gp_and_do_not_skip);
	tcase_add_test(no_ug, guest_may_not_set_cr4_vmxe);
	tcase_add_test(no_ug, cr4_paging_bits_tell_memory_virtualization);
	tcase_add_test(no_ug, mov_from_cr3_reads_the_virtual_cr3);
	tcase_add_test(no_ug, cr8_holds_the_tpr);
	tcase_add_test(no_ug, paging_callback_error_fails_the_run_not_the_guest);
	tcase_add_test(no_ug, cr3_bit_63_is_reserved_without_pcide);
	tcase_add_test(no_ug, efer_without_a_vmcs_field_lives_in_the_core);
	suite_add_tcase(s, no_ug);

	tcase_add_checked_fixture(modern, setup_modern, teardown);
	tcase_add_test(modern, unrestricted_guest_lets_pe_and_pg_go);
	tcase_add_test(modern, lmsw_can_set_pe_but_not_clear_it);
	tcase_add_test(modern, long_mode_activates_with_paging);
	tcase_add_test(modern, paging_without_pae_is_refused_in_long_mode);
	suite_add_tcase(s, modern);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
