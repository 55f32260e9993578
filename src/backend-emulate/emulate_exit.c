/*
 * libvcpu - the emulate backend's VM entry: inject the entry's event, run
 * the emulator, and turn what stopped it into an exit in the common form.
 */
#include <string.h>

#include "emulate_internal.h"
#include "libvcpu/emulate.h"

/* Instructions per slice before the core gets the VCPU back. */
#define SLICE 1000000

static void io_exit(struct vmx_exit *x, const struct emu_stop *s)
{
	x->reason = VMX_EXIT_REASON_IO_INSTRUCTION;
	x->qualification = (uint64_t)(s->io.size - 1) | (s->io.in ? 8u : 0) | (s->io.string ? 0x10u : 0) |
			   (s->io.rep ? 0x20u : 0) | ((uint64_t)s->io.port << 16);
	/* INS/OUTS information: address size (0 = 16, 1 = 32) and segment. */
	if (s->io.string)
		x->instruction_info = (s->io.address_size == 4 ? 1u << 7 : 0) | ((uint32_t)s->io.segment << 15);
}

static int exception_exit(struct vcpu *vcpu, const struct emu_stop *s)
{
	struct vmx_exit *x = &vcpu->exit;
	uint32_t bitmap = (uint32_t)vcpu->vmcs.val[VMCS_SLOT_EXCEPTION_BITMAP];

	/* Outside real mode the emulator hands every event back; the ones the
	 * bitmap does not ask for have nowhere to go. */
	if (s->exception.vector >= 32 || !((bitmap >> s->exception.vector) & 1))
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "exception %u at RIP 0x%llx outside real mode: the emulate "
				 "backend delivers events in real mode only", s->exception.vector,
				 (unsigned long long)emu_get_reg(emulate_emu_of(vcpu), VCPU_REG_RIP));
	x->reason = VMX_EXIT_REASON_EXCEPTION_NMI;
	x->intr_info = vmx_intr_info_make(s->exception.vector,
					  s->exception.software ? VMX_INTR_TYPE_SOFT_EXCEPTION
								: VMX_INTR_TYPE_HARD_EXCEPTION,
					  s->exception.has_error_code);
	x->intr_error_code = s->exception.error_code;
	if (s->exception.software)
		x->instruction_len = s->instruction_len;
	return 0;
}

static int translate(struct vcpu *vcpu, const struct emu_stop *s)
{
	struct vmx_exit *x = &vcpu->exit;

	x->instruction_len = s->instruction_len;
	switch (s->reason) {
	case EMU_STOP_STEP:
	case EMU_STOP_LIMIT:
		/* The slice ended: a host event, as a timer interrupt would be. */
		x->reason = VMX_EXIT_REASON_EXTERNAL_INTERRUPT;
		x->instruction_len = 0;
		return 0;
	case EMU_STOP_HLT:
		x->reason = VMX_EXIT_REASON_HLT;
		return 0;
	case EMU_STOP_IO:
		io_exit(x, s);
		return 0;
	case EMU_STOP_CPUID:
		x->reason = VMX_EXIT_REASON_CPUID;
		return 0;
	case EMU_STOP_RDTSC:
		x->reason = VMX_EXIT_REASON_RDTSC;
		return 0;
	case EMU_STOP_EXCEPTION:
		x->instruction_len = 0;
		return exception_exit(vcpu, s);
	case EMU_STOP_TRIPLE_FAULT:
		x->reason = VMX_EXIT_REASON_TRIPLE_FAULT;
		x->instruction_len = 0;
		return 0;
	default:
		return vcpu_fail(vcpu, VCPU_EBACKEND, "the emulator stopped for reason %u, which has no exit",
				 s->reason);
	}
}

static int emulator_error(struct vcpu *vcpu, int r)
{
	return vcpu_fail(vcpu, r, "emulator: %s", emu_error_detail(emulate_emu_of(vcpu)));
}

/* VM entry's event injection (VM-entry interruption information). */
static int inject(struct vcpu *vcpu, struct emu_stop *stop)
{
	struct vmx_intr_info info = vmx_decode_intr_info((uint32_t)vcpu->vmcs.val[VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD]);
	int r;

	if (!info.valid)
		return 0;
	r = emu_inject(emulate_emu_of(vcpu), info.vector, stop);
	if (r < 0)
		return emulator_error(vcpu, r);
	if (stop->reason == EMU_STOP_EXCEPTION)
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "event %u injected outside real mode: the emulate backend "
				 "delivers events in real mode only", info.vector);
	return stop->reason == EMU_STOP_TRIPLE_FAULT ? 1 : 0;
}

static bool interrupt_window_open(struct vcpu *vcpu)
{
	struct emu *emu = emulate_emu_of(vcpu);
	uint64_t shadow = 0;

	emu_get_field(emu, VMCS_GUEST_INTERRUPTIBILITY_INFO, &shadow);
	return (emu_get_reg(emu, VCPU_REG_RFLAGS) & VMX_RFLAGS_IF) && !shadow;
}

int emulate_enter(struct vcpu *vcpu, bool launch)
{
	struct emu *emu = emulate_emu_of(vcpu);
	uint64_t proc = vcpu->vmcs.val[VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL];
	bool window = proc & VMX_CPU_BASED_INTR_WINDOW_EXITING;
	struct emu_stop stop;
	int r;

	(void)launch;
	memset(&vcpu->exit, 0, sizeof(vcpu->exit));
	emu_set_intercepts(emu, EMU_INTERCEPT_IO | EMU_INTERCEPT_HLT | EMU_INTERCEPT_CPUID |
				(proc & VMX_CPU_BASED_RDTSC_EXITING ? EMU_INTERCEPT_RDTSC : 0),
			   (uint32_t)vcpu->vmcs.val[VMCS_SLOT_EXCEPTION_BITMAP]);
	r = inject(vcpu, &stop);
	if (r < 0)
		return r;
	if (r > 0)
		return translate(vcpu, &stop);
	/* Interrupt-window exiting: run one instruction at a time until the
	 * guest can take an interrupt. */
	while (window) {
		if (interrupt_window_open(vcpu)) {
			vcpu->exit.reason = VMX_EXIT_REASON_INTERRUPT_WINDOW;
			return 0;
		}
		r = emu_step(emu, &stop);
		if (r < 0)
			return emulator_error(vcpu, r);
		if (stop.reason != EMU_STOP_STEP)
			return translate(vcpu, &stop);
	}
	r = emu_run(emu, SLICE, &stop);
	if (r < 0)
		return emulator_error(vcpu, r);
	return translate(vcpu, &stop);
}
