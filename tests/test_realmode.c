/* Guest real mode without unrestricted guest (src/core/realmode.c) on the
 * mock's "no-ug" profile: virtual-8086 form around each entry, #GP trapped
 * and the instruction emulated, events through the IVT, and the emulator
 * for states VM86 cannot hold. The mock checks every entry (so the VM86
 * form must pass the SDM's checks) and replays scripted exits. */
#include <stdlib.h>

#include "harness.h"

#define RAM_SIZE (1u << 20)
#define CODE 0x7c00u
#define HANDLER 0x0500u		/* the IVT handler the tests install */

static struct fixture f;
static uint8_t *ram;
static uint32_t port_value[8];
static unsigned nr_port_values;

static int port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	(void)opaque;
	(void)vcpu;
	(void)size;
	if (!in && port == 0xe9 && nr_port_values < 8)
		port_value[nr_port_values++] = *value;
	if (in)
		*value = 0x5a;
	return 0;
}

static void put(uint32_t field_enc, uint64_t v)
{
	ck_assert_msg(vcpu_vmwrite(f.vcpu, field_enc, v) == 0, "VMWRITE %s: %s", vmcs_field_name(field_enc),
		      vcpu_error_detail(f.vcpu));
}

/* Real mode at 0000:CODE with `code` there, SS:SP = 0000:7000, every IVT
 * vector pointing at HANDLER (which holds HLT). */
static void boot(const uint8_t *code, size_t len)
{
	struct vm_callbacks cb = { .port_io = port_io };

	fixture_init(&f, "no-ug", 1);
	ram = calloc(1, RAM_SIZE);
	ck_assert_ptr_nonnull(ram);
	ck_assert_int_eq(vm_add_memory(f.vm, 0, RAM_SIZE, ram), 0);
	vm_set_callbacks(f.vm, &cb, NULL);
	nr_port_values = 0;
	for (unsigned v = 0; v < 256; v++) {
		ram[v * 4] = (uint8_t)HANDLER;
		ram[v * 4 + 1] = HANDLER >> 8;
	}
	ram[HANDLER] = 0xf4;
	memcpy(ram + CODE, code, len);
	put(VMCS_GUEST_CS_SELECTOR, 0);
	put(VMCS_GUEST_CS_BASE, 0);
	put(VMCS_GUEST_IDTR_LIMIT, 0x3ff);
	ck_assert_int_eq(vcpu_set_reg(f.vcpu, VCPU_REG_RIP, CODE), 0);
	ck_assert_int_eq(vcpu_set_reg(f.vcpu, VCPU_REG_RSP, 0x7000), 0);
}

static void shutdown(void)
{
	fixture_fini(&f);
	free(ram);
}

/* A #GP exit from VM86 mode, after the guest changed these registers
 * (pairs of vcpu_reg, value). */
static void push_gp_after(unsigned n, const uint64_t *pairs)
{
	struct vcpu_mock_exit e = {
		.exit = {
			.reason = VMX_EXIT_REASON_EXCEPTION_NMI,
			.intr_info = vmx_intr_info_make(VMX_VECTOR_GP, VMX_INTR_TYPE_HARD_EXCEPTION, true),
		},
		.nr_changes = n,
	};

	for (unsigned i = 0; i < n; i++)
		e.changes[i] = (struct vcpu_mock_change){ true, (uint32_t)pairs[2 * i], pairs[2 * i + 1] };
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
}

static void push_gp(void)
{
	push_gp_after(0, NULL);
}

static void push_exception(unsigned vector, enum vmx_intr_type type, uint32_t len)
{
	struct vcpu_mock_exit e = {
		.exit = {
			.reason = VMX_EXIT_REASON_EXCEPTION_NMI,
			.intr_info = vmx_intr_info_make((uint8_t)vector, type, false),
			.instruction_len = len,
		},
	};

	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
}

static unsigned embedder_saw;

static int count_exception(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	(void)vcpu;
	(void)opaque;
	embedder_saw = vmx_decode_intr_info(exit->intr_info).vector;
	return VCPU_EXIT_RETURN;
}

START_TEST(a_real_mode_guest_enters_in_vm86_form_and_keeps_its_own_view)
{
	static const uint8_t code[] = { 0xf4 };	/* HLT */

	boot(code, sizeof(code));
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	/* The mock's entry checks passed on the VM86 form; the guest's own
	 * view came back: no VM flag, its access rights. */
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RFLAGS) & VMX_RFLAGS_VM, 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_CS_AR_BYTES), 0x9b);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_DS_AR_BYTES), 0x93);
	ck_assert_uint_eq(field(f.vcpu, VMCS_EXCEPTION_BITMAP), 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), CODE + 1);
	shutdown();
}
END_TEST

START_TEST(cli_faults_in_vm86_and_is_emulated)
{
	static const uint8_t code[] = { 0xfa, 0xf4 };	/* CLI; HLT */

	boot(code, sizeof(code));
	ck_assert_int_eq(vcpu_set_reg(f.vcpu, VCPU_REG_RFLAGS, 0x202), 0);
	push_gp();				/* CLI at IOPL 0 */
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RFLAGS) & VMX_RFLAGS_IF, 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), CODE + 2);
	ck_assert_uint_eq(vcpu_mock_pending(f.vcpu), 0);
	shutdown();
}
END_TEST

START_TEST(int_n_faults_in_vm86_and_goes_through_the_ivt)
{
	static const uint8_t code[] = { 0xcd, 0x21 };	/* INT 21h */

	boot(code, sizeof(code));
	ram[0x21 * 4] = 0x00;
	ram[0x21 * 4 + 1] = 0x06;			/* 0000:0600 */
	ram[0x600] = 0xf4;
	push_gp();
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x601);
	/* FLAGS, CS, IP on the stack; IP is past the INT. */
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RSP), 0x7000 - 6);
	ck_assert_uint_eq(ram[0x7000 - 6] | ram[0x7000 - 5] << 8, CODE + 2);
	shutdown();
}
END_TEST

START_TEST(io_in_vm86_through_the_emulator_is_an_io_exit)
{
	static const uint8_t code[] = { 0xb0, 0x41, 0xe6, 0xe9, 0xf4 };	/* MOV AL, 'A'; OUT E9h, AL; HLT */

	boot(code, sizeof(code));
	/* The guest ran MOV on the hardware, then OUT faulted (no I/O bitmap
	 * in its TSS allows it at IOPL 0): the emulator stops at the OUT and
	 * the I/O exit goes to the core's handler and the port callback. */
	push_gp_after(2, (const uint64_t[]){ VCPU_REG_RAX, 0x41, VCPU_REG_RIP, CODE + 2 });
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(nr_port_values, 1);
	ck_assert_uint_eq(port_value[0], 'A');
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), CODE + 5);
	shutdown();
}
END_TEST

START_TEST(an_interrupt_for_a_real_mode_guest_is_delivered_through_the_ivt)
{
	static const uint8_t code[] = { 0xf4 };

	boot(code, sizeof(code));
	ram[0x20 * 4] = 0x00;
	ram[0x20 * 4 + 1] = 0x06;
	ram[0x600] = 0xf4;
	ck_assert_int_eq(vcpu_set_reg(f.vcpu, VCPU_REG_RFLAGS, 0x202), 0);
	ck_assert_int_eq(vcpu_inject_interrupt(f.vcpu, 0x20), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	/* In the handler (past its HLT), IF clear, the old CS:IP pushed. */
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), 0x601);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RFLAGS) & VMX_RFLAGS_IF, 0);
	ck_assert_uint_eq(ram[0x7000 - 6] | ram[0x7000 - 5] << 8, CODE);
	ck_assert_uint_eq(ram[0x7000 - 2] | ram[0x7000 - 1] << 8, 0x202);
	shutdown();
}
END_TEST

START_TEST(stale_segments_run_in_the_emulator_until_vm86_can_hold_them)
{
	/* DS's base is not DS * 16 (as after leaving protected mode): the
	 * emulator runs MOV AL,[0]; OUT E9h,AL; MOV DS,AX (representable
	 * again); the OUT is an exit on the way. */
	static const uint8_t code[] = { 0xa0, 0x00, 0x00, 0xe6, 0xe9, 0x31, 0xc0, 0x8e, 0xd8, 0xf4 };

	boot(code, sizeof(code));
	ram[0x12340] = 'Z';
	put(VMCS_GUEST_DS_SELECTOR, 0);
	put(VMCS_GUEST_DS_BASE, 0x12340);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(nr_port_values, 1);
	ck_assert_uint_eq(port_value[0], 'Z');
	/* The HLT came from the hardware (VM86) once DS was reloaded. */
	ck_assert_uint_eq(vcpu_mock_pending(f.vcpu), 0);
	ck_assert_uint_eq(field(f.vcpu, VMCS_GUEST_DS_BASE), 0);
	shutdown();
}
END_TEST

START_TEST(mov_to_cr0_in_vm86_is_a_cr_access_exit_and_leaves_real_mode)
{
	static const uint8_t code[] = { 0x0f, 0x22, 0xc0, 0xf4 };	/* MOV CR0, EAX; HLT */

	boot(code, sizeof(code));
	ck_assert_int_eq(vcpu_set_reg(f.vcpu, VCPU_REG_RAX, VMX_CR0_PE | VMX_CR0_ET), 0);
	push_gp();
	/* The HLT runs in protected mode: on the hardware, no VM86 form. */
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(vcpu_mock_pending(f.vcpu), 0);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), CODE + 4);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RFLAGS) & VMX_RFLAGS_VM, 0);
	{
		uint64_t cr0;

		ck_assert_int_eq(vcpu_get_cr(f.vcpu, 0, &cr0), 0);
		ck_assert(cr0 & VMX_CR0_PE);
	}
	shutdown();
}
END_TEST

START_TEST(a_fault_in_vm86_goes_to_the_guests_ivt)
{
	static const uint8_t code[] = { 0xf6, 0xf3 };	/* DIV BL, BL = 0 */

	boot(code, sizeof(code));
	push_exception(VMX_VECTOR_DE, VMX_INTR_TYPE_HARD_EXCEPTION, 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	/* At the handler (IVT entry 0), the faulting IP pushed. */
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), HANDLER + 1);
	ck_assert_uint_eq(ram[0x7000 - 6] | ram[0x7000 - 5] << 8, CODE);
	shutdown();
}
END_TEST

START_TEST(int3_in_vm86_returns_past_itself)
{
	static const uint8_t code[] = { 0xcc, 0xf4 };

	boot(code, sizeof(code));
	push_exception(VMX_VECTOR_BP, VMX_INTR_TYPE_SOFT_EXCEPTION, 1);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	run_ok(f.vcpu);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), HANDLER + 1);
	ck_assert_uint_eq(ram[0x7000 - 6] | ram[0x7000 - 5] << 8, CODE + 1);
	shutdown();
}
END_TEST

START_TEST(an_exception_the_embedder_intercepts_is_its_exit)
{
	static const uint8_t code[] = { 0x0f, 0x0b };	/* UD2 */

	boot(code, sizeof(code));
	put(VMCS_EXCEPTION_BITMAP, 1u << VMX_VECTOR_UD);
	vm_set_exit_handler(f.vm, VMX_EXIT_REASON_EXCEPTION_NMI, count_exception, NULL);
	embedder_saw = 0;
	push_exception(VMX_VECTOR_UD, VMX_INTR_TYPE_HARD_EXCEPTION, 0);
	run_ok(f.vcpu);
	ck_assert_uint_eq(embedder_saw, VMX_VECTOR_UD);
	ck_assert_uint_eq(reg(f.vcpu, VCPU_REG_RIP), CODE);
	shutdown();
}
END_TEST

START_TEST(an_exception_exit_the_bitmap_cannot_name_goes_to_the_handlers)
{
	static const uint8_t code[] = { 0xf4 };
	struct vcpu_mock_exit e = {
		.exit = {
			.reason = VMX_EXIT_REASON_EXCEPTION_NMI,
			.intr_info = vmx_intr_info_make(0xbb, VMX_INTR_TYPE_HARD_EXCEPTION, false),
		},
		.unchecked = true,
	};

	/* Vector 187 is beyond the 32-bit exception bitmap: not a VM86 fault
	 * for the core to take, but an exit for the handlers. */
	boot(code, sizeof(code));
	vm_set_exit_handler(f.vm, VMX_EXIT_REASON_EXCEPTION_NMI, count_exception, NULL);
	embedder_saw = 0;
	ck_assert_int_eq(vcpu_mock_push_exit(f.vcpu, &e), 0);
	run_ok(f.vcpu);
	ck_assert_uint_eq(embedder_saw, 0xbb);
	shutdown();
}
END_TEST

START_TEST(rflags_vm_in_real_mode_is_refused_by_name)
{
	static const uint8_t code[] = { 0xf4 };

	/* Only the core puts a real-mode guest in VM86 form; an embedder's
	 * RFLAGS.VM with CR0.PE clear would have every event bounce. */
	boot(code, sizeof(code));
	ck_assert_int_eq(vcpu_set_reg(f.vcpu, VCPU_REG_RFLAGS, VMX_RFLAGS_FIXED1 | VMX_RFLAGS_VM), 0);
	ck_assert_int_eq(vcpu_inject_nmi(f.vcpu), 0);
	push_exit(f.vcpu, VMX_EXIT_REASON_HLT, 0, 1);
	ck_assert_int_eq(vcpu_run(f.vcpu), VCPU_EGUEST_STATE);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(f.vcpu), "VM set"));
	shutdown();
}
END_TEST

START_TEST(without_an_identity_map_real_mode_is_refused_by_name)
{
	struct vm_options opts = { .backend = "mock", .caps = vcpu_mock_profile("no-ug") };
	struct vm *vm;
	struct vcpu *vcpu;

	ck_assert_int_eq(vm_create(&opts, &vm), 0);
	ck_assert_int_eq(vcpu_create(vm, 0, &vcpu), 0);
	ck_assert_int_eq(vcpu_run(vcpu), VCPU_ENOTSUP);
	ck_assert_ptr_nonnull(strstr(vcpu_error_detail(vcpu), "vm_set_identity_map"));
	vm_destroy(vm);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("realmode");
	TCase *tc = tcase_create("realmode");

	tcase_add_test(tc, a_real_mode_guest_enters_in_vm86_form_and_keeps_its_own_view);
	tcase_add_test(tc, cli_faults_in_vm86_and_is_emulated);
	tcase_add_test(tc, int_n_faults_in_vm86_and_goes_through_the_ivt);
	tcase_add_test(tc, io_in_vm86_through_the_emulator_is_an_io_exit);
	tcase_add_test(tc, an_interrupt_for_a_real_mode_guest_is_delivered_through_the_ivt);
	tcase_add_test(tc, stale_segments_run_in_the_emulator_until_vm86_can_hold_them);
	tcase_add_test(tc, mov_to_cr0_in_vm86_is_a_cr_access_exit_and_leaves_real_mode);
	tcase_add_test(tc, a_fault_in_vm86_goes_to_the_guests_ivt);
	tcase_add_test(tc, int3_in_vm86_returns_past_itself);
	tcase_add_test(tc, an_exception_the_embedder_intercepts_is_its_exit);
	tcase_add_test(tc, an_exception_exit_the_bitmap_cannot_name_goes_to_the_handlers);
	tcase_add_test(tc, rflags_vm_in_real_mode_is_refused_by_name);
	tcase_add_test(tc, without_an_identity_map_real_mode_is_refused_by_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(make_suite());
}
