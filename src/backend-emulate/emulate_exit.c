/*
 * libvcpu - the emulate backend's VM entry: inject the entry's event, run
 * the emulator, and turn what stopped it into an exit in the common form.
 */
#include <string.h>

#include "emulate_internal.h"
#include "libvcpu/emulate.h"

/* Instructions per slice before the core gets the VCPU back. */
#define SLICE 1000000

/* What stopped the emulator, as an exit. Outside real mode the emulator
 * hands every event back; the ones the bitmap does not ask for have
 * nowhere to go. */
static int translate(struct vcpu *vcpu, const struct emu_stop *s)
{
	uint32_t bitmap = (uint32_t)vcpu->vmcs.val[VMCS_SLOT_EXCEPTION_BITMAP];

	if (s->reason == EMU_STOP_EXCEPTION &&
	    (s->exception.vector >= 32 || !((bitmap >> s->exception.vector) & 1)))
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "exception %u at RIP 0x%llx outside real mode: the emulate "
				 "backend delivers events in real mode only", s->exception.vector,
				 (unsigned long long)emu_get_reg(emulate_emu_of(vcpu), VCPU_REG_RIP));
	vmx_exit_from_emu_stop(&vcpu->exit, s);
	return 0;
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
