/*
 * vcpu_tour - a guided run of libvcpu's core on the mock backend.
 *
 * The mock is a software VMX: it keeps the VMCS as a processor would, runs
 * the VM-entry checks on every entry, and plays a "guest" as a script of VM
 * exits. Every exit below goes through the same dispatcher and default
 * handlers a VMM gets on real hardware or KVM; this program only adds a
 * handler that prints each exit before the default handles it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvcpu/libvcpu.h"

static uint8_t guest_ram[256 * 1024] __attribute__((aligned(4096)));
static unsigned nr_exits;

static void check(int r, struct vcpu *vcpu, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "vcpu_tour: %s: %s (%s)%s%s\n", what, vcpu_strerror(r), vcpu_error_name(r),
			vcpu ? ": " : "", vcpu ? vcpu_error_detail(vcpu) : "");
		exit(1);
	}
}

static uint64_t reg(struct vcpu *vcpu, enum vcpu_reg r)
{
	uint64_t v = 0;

	vcpu_get_reg(vcpu, r, &v);
	return v;
}

static uint64_t guest_cr(struct vcpu *vcpu, unsigned cr)
{
	uint64_t v = 0;

	vcpu_get_cr(vcpu, cr, &v);
	return v;
}

/* What a newcomer wants to know about each exit, decoded. */
static void describe(struct vcpu *vcpu, const struct vmx_exit *exit, char *out, size_t len)
{
	unsigned basic = vmx_exit_basic_reason(exit);

	switch (basic) {
	case VMX_EXIT_REASON_CPUID:
		snprintf(out, len, "guest asks CPUID leaf 0x%llx", (unsigned long long)(reg(vcpu, VCPU_REG_RAX) & 0xffffffff));
		break;
	case VMX_EXIT_REASON_IO_INSTRUCTION: {
		struct vmx_io_access io = vmx_decode_io(exit->qualification);

		snprintf(out, len, "%s%s%s port 0x%x, %u byte(s)%s", io.rep ? "REP " : "",
			 io.in ? "IN" : "OUT", io.string ? "S" : "", io.port, io.size,
			 io.string ? " per element from guest memory" : "");
		break;
	}
	case VMX_EXIT_REASON_CR_ACCESS: {
		struct vmx_cr_access a = vmx_decode_cr_access(exit->qualification);

		snprintf(out, len, "MOV CR%u, %s = 0x%llx (guest CR%u was 0x%llx)", a.cr, vcpu_reg_name(a.gpr),
			 (unsigned long long)reg(vcpu, (enum vcpu_reg)a.gpr), a.cr,
			 (unsigned long long)guest_cr(vcpu, a.cr));
		break;
	}
	case VMX_EXIT_REASON_RDTSC:
		snprintf(out, len, "guest reads the time-stamp counter");
		break;
	case VMX_EXIT_REASON_HLT:
		snprintf(out, len, "guest halts until an interrupt arrives");
		break;
	case VMX_EXIT_REASON_INTERRUPT_WINDOW:
		snprintf(out, len, "guest can take interrupts again (it executed STI)");
		break;
	default:
		snprintf(out, len, "qualification 0x%llx", (unsigned long long)exit->qualification);
		break;
	}
}

/* The embedder's handler for every reason: print, then the core's default. */
static int trace_then_default(struct vcpu *vcpu, const struct vmx_exit *exit, void *opaque)
{
	unsigned basic = vmx_exit_basic_reason(exit);
	char what[160];
	int r;

	(void)opaque;
	describe(vcpu, exit, what, sizeof(what));
	printf("  exit %2u  %-22s (%2u) at RIP 0x%04llx: %s\n", ++nr_exits,
	       vmx_exit_reason_description(basic) ? vmx_exit_reason_description(basic) : "?", basic,
	       (unsigned long long)reg(vcpu, VCPU_REG_RIP), what);
	r = vcpu_default_exit_handler(vcpu, exit);
	if (basic == VMX_EXIT_REASON_CR_ACCESS) {
		uint64_t shadow = 0, real = 0;

		vcpu_vmread(vcpu, VMCS_CR0_READ_SHADOW, &shadow);
		vcpu_vmread(vcpu, VMCS_GUEST_CR0, &real);
		printf("           -> CR0 read shadow (what the guest sees) 0x%llx, real CR0 0x%llx "
		       "(NE forced by IA32_VMX_CR0_FIXED0)\n",
		       (unsigned long long)shadow, (unsigned long long)real);
	}
	return r;
}

static char serial[128];
static size_t serial_len;

static int port_io(void *opaque, struct vcpu *vcpu, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	(void)opaque;
	(void)vcpu;
	(void)size;
	if (port != 0x3f8)
		return VCPU_ENODEV;
	if (in)
		*value = 0;
	else if (serial_len + 1 < sizeof(serial))
		serial[serial_len++] = (char)*value;
	return 0;
}

static void push(struct vcpu *vcpu, struct vcpu_mock_exit e)
{
	check(vcpu_mock_push_exit(vcpu, &e), vcpu, "script");
}

static void run(struct vcpu *vcpu)
{
	struct vcpu_booking b;

	check(vcpu_run(vcpu), vcpu, "vcpu_run");
	vcpu_get_booking(vcpu, &b);
	printf("  vcpu_run returned: VCPU is %s after %llu exits\n", vcpu_state_name(b.state),
	       (unsigned long long)b.exits);
}

static const struct vcpu_cpuid_entry cpuid[] = {
	{ 0, VCPU_CPUID_SUBLEAF_ANY, 1, 0x756e6547, 0x6c65746e, 0x49656e69 },	/* "GenuineIntel" */
	{ 1, VCPU_CPUID_SUBLEAF_ANY, 0x000906ea, 0, 0, 0 },
};

int main(void)
{
	const char *banner = "Hello from the guest!\n";
	struct vm_callbacks cb = { .port_io = port_io };
	struct vm *vm;
	struct vcpu *vcpu;
	char vendor[13];
	uint64_t proc;

	printf("libvcpu tour: one VCPU on the mock backend (a software VMX), profile \"modern\"\n\n");
	check(vm_create(NULL, &vm), NULL, "vm_create");
	check(vm_add_memory(vm, 0, sizeof(guest_ram), guest_ram), NULL, "vm_add_memory");
	vm_set_callbacks(vm, &cb, NULL);
	check(vm_set_cpuid(vm, cpuid, 2), NULL, "vm_set_cpuid");
	for (unsigned r = 0; r < VMX_NR_EXIT_REASONS; r++)
		vm_set_exit_handler(vm, r, trace_then_default, NULL);
	check(vcpu_create(vm, 0, &vcpu), NULL, "vcpu_create");
	printf("VCPU 0 starts where a processor does after reset: CS:IP = %04llx:%04llx, guest CR0 = 0x%llx.\n",
	       0xf000ull, (unsigned long long)reg(vcpu, VCPU_REG_RIP), (unsigned long long)guest_cr(vcpu, 0));
	printf("Unrestricted guest: %s, so real mode runs as is.\n\n", vm_unrestricted_guest(vm) ? "yes" : "no");

	/* The guest: CPUID, print a banner with REP OUTSB, enter protected
	 * mode, read the TSC, halt. Each line is one VM exit and the state the
	 * guest set up before it. */
	memcpy(guest_ram + 0x7e00, banner, strlen(banner));
	vcpu_vmwrite(vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL,
		     (vcpu_vmread(vcpu, VMCS_CPU_BASED_VM_EXEC_CONTROL, &proc), proc | VMX_CPU_BASED_RDTSC_EXITING));
	vcpu_set_tsc_offset(vcpu, -1000000);
	push(vcpu, (struct vcpu_mock_exit){ .exit = { .reason = VMX_EXIT_REASON_CPUID, .instruction_len = 2 },
					    .nr_changes = 2,
					    .changes = { { true, VCPU_REG_RAX, 0 }, { true, VCPU_REG_RCX, 0 } } });
	push(vcpu, (struct vcpu_mock_exit){
		.exit = { .reason = VMX_EXIT_REASON_IO_INSTRUCTION, .instruction_len = 2,
			  .qualification = (0x3f8u << 16) | (1u << 5) | (1u << 4) },
		.nr_changes = 4,
		.changes = { { false, VMCS_GUEST_DS_SELECTOR, 0 }, { false, VMCS_GUEST_DS_BASE, 0 },
			     { true, VCPU_REG_RSI, 0x7e00 }, { true, VCPU_REG_RCX, strlen(banner) } } });
	push(vcpu, (struct vcpu_mock_exit){ .exit = { .reason = VMX_EXIT_REASON_CR_ACCESS, .instruction_len = 3,
						      .qualification = 0 /* MOV CR0, RAX */ },
					    .nr_changes = 1, .changes = { { true, VCPU_REG_RAX, 0x11 } } });
	push(vcpu, (struct vcpu_mock_exit){ .exit = { .reason = VMX_EXIT_REASON_RDTSC, .instruction_len = 2 } });
	push(vcpu, (struct vcpu_mock_exit){ .exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 } });

	printf("The guest runs; each VM exit is decoded, then handled by the core's default handler:\n");
	run(vcpu);
	memcpy(vendor, (uint32_t[]){ 0x756e6547, 0x49656e69, 0x6c65746e }, 12);
	vendor[12] = '\0';
	printf("  CPUID answered EBX:EDX:ECX = \"%s\" from the VM's CPUID table.\n", vendor);
	printf("  The serial port (0x3f8) received: %s", serial);
	printf("  RDTSC returned host TSC + offset -1000000: EDX:EAX = 0x%llx:%08llx.\n",
	       (unsigned long long)reg(vcpu, VCPU_REG_RDX), (unsigned long long)reg(vcpu, VCPU_REG_RAX));

	printf("\nQueue interrupt 0x20 while the guest has interrupts off (RFLAGS.IF = 0):\n");
	check(vcpu_inject_interrupt(vcpu, 0x20), vcpu, "inject");
	push(vcpu, (struct vcpu_mock_exit){ .exit = { .reason = VMX_EXIT_REASON_INTERRUPT_WINDOW },
					    .nr_changes = 1, .changes = { { false, VMCS_GUEST_RFLAGS, 0x202 } } });
	push(vcpu, (struct vcpu_mock_exit){ .exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 } });
	run(vcpu);
	struct vcpu_mock_event ev;
	if (vcpu_mock_injected(vcpu, &ev, 1))
		printf("  The core asked for an interrupt-window exit, then delivered vector 0x%x on the next "
		       "VM entry (entry interruption info 0x%08x).\n", ev.intr_info & 0xff, ev.intr_info);

	printf("\nNow a guest state no processor accepts: RFLAGS with reserved bit 3 set.\n");
	vcpu_wake(vcpu);
	vcpu_vmwrite(vcpu, VMCS_GUEST_RFLAGS, 0x0a);
	push(vcpu, (struct vcpu_mock_exit){ .exit = { .reason = VMX_EXIT_REASON_HLT, .instruction_len = 1 } });
	int r = vcpu_run(vcpu);
	printf("  vcpu_run: %s: %s\n", vcpu_error_name(r), vcpu_error_detail(vcpu));

	vm_destroy(vm);
	printf("\nDone: %u exits handled. Next: `meson test -C build` runs the test suite.\n", nr_exits);
	return 0;
}
