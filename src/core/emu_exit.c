/*
 * libvcpu - the instruction emulator's stops in the VMX vocabulary, and the
 * guest state it works on, for the core's own use of the emulator (real
 * mode without unrestricted guest, realmode.c) and the emulate backend.
 */
#include <string.h>

#include "core.h"
#include "libvcpu/emulate.h"

void vmx_exit_from_emu_stop(struct vmx_exit *x, const struct emu_stop *s)
{
	memset(x, 0, sizeof(*x));
	x->instruction_len = s->instruction_len;
	switch (s->reason) {
	case EMU_STOP_STEP:
	case EMU_STOP_LIMIT:
		/* Nothing the guest did: as if a host interrupt came. */
		x->reason = VMX_EXIT_REASON_EXTERNAL_INTERRUPT;
		x->instruction_len = 0;
		break;
	case EMU_STOP_HLT:
		x->reason = VMX_EXIT_REASON_HLT;
		break;
	case EMU_STOP_IO:
		x->reason = VMX_EXIT_REASON_IO_INSTRUCTION;
		x->qualification = (uint64_t)(s->io.size - 1) | (s->io.in ? 8u : 0) |
				   (s->io.string ? 0x10u : 0) | (s->io.rep ? 0x20u : 0) |
				   ((uint64_t)s->io.port << 16);
		/* INS/OUTS: address size (0 = 16, 1 = 32) and segment. */
		if (s->io.string)
			x->instruction_info = (s->io.address_size == 4 ? 1u << 7 : 0) |
					      ((uint32_t)s->io.segment << 15);
		break;
	case EMU_STOP_CPUID:
		x->reason = VMX_EXIT_REASON_CPUID;
		break;
	case EMU_STOP_RDTSC:
		x->reason = VMX_EXIT_REASON_RDTSC;
		break;
	case EMU_STOP_CR_WRITE:
		/* SDM "Exit Qualification for Control-Register Accesses". */
		x->reason = VMX_EXIT_REASON_CR_ACCESS;
		x->qualification = (uint64_t)s->cr.cr | (uint64_t)s->cr.kind << 4 |
				   ((uint64_t)s->cr.gpr << 8) | ((uint64_t)s->cr.lmsw_source << 16);
		break;
	case EMU_STOP_EXCEPTION:
		x->reason = VMX_EXIT_REASON_EXCEPTION_NMI;
		x->intr_info = vmx_intr_info_make(s->exception.vector,
						  s->exception.software ? VMX_INTR_TYPE_SOFT_EXCEPTION
									: VMX_INTR_TYPE_HARD_EXCEPTION,
						  s->exception.has_error_code);
		x->intr_error_code = s->exception.error_code;
		x->instruction_len = s->exception.software ? s->instruction_len : 0;
		break;
	case EMU_STOP_TRIPLE_FAULT:
		x->reason = VMX_EXIT_REASON_TRIPLE_FAULT;
		x->instruction_len = 0;
		break;
	}
}

/* ---- guest state between the software VMCS and an emulator ------------------ */

#define SEG_FIELDS(X) X(ES) X(CS) X(SS) X(DS) X(FS) X(GS) X(LDTR) X(TR)

static const uint32_t state_fields[] = {
#define SEG_FIELD_(S) VMCS_GUEST_##S##_SELECTOR, VMCS_GUEST_##S##_BASE, VMCS_GUEST_##S##_LIMIT, \
	VMCS_GUEST_##S##_AR_BYTES,
	SEG_FIELDS(SEG_FIELD_)
#undef SEG_FIELD_
	VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT, VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT,
	VMCS_GUEST_RIP, VMCS_GUEST_RFLAGS, VMCS_GUEST_INTERRUPTIBILITY_INFO,
};

/* The guest as the core sees it (CRs as the guest views them) into `emu`. */
int vcpu_state_to_emu(struct vcpu *vcpu, struct emu *emu)
{
	int r;

	for (unsigned i = 0; i < sizeof(state_fields) / sizeof(state_fields[0]); i++)
		if ((r = emu_set_field(emu, state_fields[i], vmcs_val(vcpu, vmcs_slot_of(state_fields[i])))) < 0)
			return r;
	for (unsigned n = 0; n < 8; n++)
		emu_set_reg(emu, (enum vcpu_reg)n, vcpu_gpr(vcpu, n));
	emu_set_reg(emu, VCPU_REG_CR2, vmcs_val(vcpu, SLOT_CR2));
	emu_set_field(emu, VMCS_GUEST_CR0, cr0_guest_view(vcpu));
	emu_set_field(emu, VMCS_GUEST_CR4, cr4_guest_view(vcpu));
	return 0;
}

/* What the emulator changed, back (control registers excepted: the
 * emulator is always asked to stop before writing one). */
void vcpu_state_from_emu(struct vcpu *vcpu, const struct emu *emu)
{
	uint64_t v;

	for (unsigned i = 0; i < sizeof(state_fields) / sizeof(state_fields[0]); i++) {
		unsigned slot = vmcs_slot_of(state_fields[i]);

		if (emu_get_field(emu, state_fields[i], &v) == 0 && v != vmcs_val(vcpu, slot))
			vmcs_put(vcpu, slot, v);
	}
	/* The emulator has 32-bit registers; the upper halves stay. */
	for (unsigned n = 0; n < 8; n++) {
		uint64_t old = vcpu_gpr(vcpu, n);

		v = emu_get_reg(emu, (enum vcpu_reg)n);
		if ((uint32_t)old != (uint32_t)v)
			vcpu_set_gpr(vcpu, n, (old & ~0xffffffffull) | v);
	}
}
