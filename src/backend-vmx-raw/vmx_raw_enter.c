/*
 * libvcpu - VM entry on the processor: the core's VM-entry checks first
 * (a failure is named and never reaches the hardware), then VMLAUNCH or
 * VMRESUME through the shim, then the exit information by VMREAD in the
 * common form.
 */
#include <stddef.h>

#include "vmx_raw_internal.h"

_Static_assert(offsetof(struct vmxr_regs, gpr[15]) == 120, "vmx_raw_shim.S: R_R15");
_Static_assert(offsetof(struct vmxr_regs, cr2) == 128, "vmx_raw_shim.S: R_CR2");
_Static_assert(offsetof(struct vmxr_regs, host_rsp) == 136, "vmx_raw_shim.S: R_HOST_RSP");

static int insn_error(int number)
{
	switch (number) {
	case VMX_INSN_ERR_ENTRY_INVALID_CONTROL_FIELD:		return VCPU_EENTRY_CONTROL;
	case VMX_INSN_ERR_ENTRY_INVALID_HOST_STATE_FIELD:	return VCPU_EENTRY_HOST;
	case VMX_INSN_ERR_UNSUPPORTED_VMCS_COMPONENT:		return VCPU_EVMCS_UNSUPPORTED;
	case VMX_INSN_ERR_VMWRITE_READ_ONLY_VMCS_COMPONENT:	return VCPU_EVMCS_READ_ONLY;
	default:						return VCPU_EVMX_INSN;
	}
}

int vmxr_insn_fail(struct vcpu *vcpu, int r, const char *insn, const char *operand)
{
	const char *desc = vmx_insn_error_description((unsigned)r);
	const char *sep = operand ? " " : "";

	if (!operand)
		operand = "";
	if (r == VMXR_FAIL_INVALID)
		return vcpu_fail(vcpu, VCPU_EVMFAIL_INVALID, "vmx: %s%s%s: VMfailInvalid (no current VMCS, or "
				 "an invalid operand)", insn, sep, operand);
	/* The number is in the VMCS now: the next VMREAD of it must see it. */
	slot_set_del(&vcpu->vmcs.cached, VMCS_SLOT_VM_INSTRUCTION_ERROR);
	return vcpu_fail(vcpu, insn_error(r), "vmx: %s%s%s: VMfailValid, VM-instruction error %d (%s)", insn,
			 sep, operand, r, desc ? desc : "not an SDM number");
}

/*
 * The SDM's checks, in software, on the state about to be entered. A
 * failure on the guest state is what the processor reports as an exit
 * (reason 33 with bit 31, returns 1); on controls or host state it is
 * VMfailValid (error 7 or 8), an error here. The guest state changes with
 * every exit; controls and host state are checked again only once written
 * (their checks are about a third of the time an exit takes under Bochs).
 */
static int check_before_entry(struct vcpu *vcpu, const char *insn)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	struct vmx_entry_failure *f = &vcpu->entry_failure;
	int r = v->controls_checked ? vcpu_check_guest_state(vcpu, f) : vcpu_check_entry(vcpu, f);

	if (r == 0) {
		v->controls_checked = true;
		return 0;
	}
	if (r != VCPU_EENTRY_GUEST && r != VCPU_EENTRY_CONTROL && r != VCPU_EENTRY_HOST)
		return r;
	vcpu->has_entry_failure = true;
	if (r == VCPU_EENTRY_GUEST) {
		vcpu->exit = (struct vmx_exit){
			.reason = VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY,
			.qualification = f->qualification,
		};
		return 1;
	}
	return vcpu_fail(vcpu, r, "%s not executed: it would fail (VMfailValid, VM-instruction error %u): "
			 "%s [%s, SDM %s]", insn, r == VCPU_EENTRY_CONTROL ? 7u : 8u, f->message, f->name,
			 f->sdm);
}

/* The VM-exit information fields, in the order of `struct vmx_exit`. */
static const uint16_t exit_info_slots[] = {
	VMCS_SLOT_VM_EXIT_REASON,
	VMCS_SLOT_VM_EXIT_INSTRUCTION_LEN,
	VMCS_SLOT_VMX_INSTRUCTION_INFO,
	VMCS_SLOT_VM_EXIT_INTR_INFO,
	VMCS_SLOT_VM_EXIT_INTR_ERROR_CODE,
	VMCS_SLOT_IDT_VECTORING_INFO_FIELD,
	VMCS_SLOT_IDT_VECTORING_ERROR_CODE,
	VMCS_SLOT_EXIT_QUALIFICATION,
	VMCS_SLOT_GUEST_LINEAR_ADDRESS,
	VMCS_SLOT_GUEST_PHYSICAL_ADDRESS,	/* with EPT only */
};
#define NR_EXIT_INFO (sizeof(exit_info_slots) / sizeof(exit_info_slots[0]))

static int read_exit(struct vcpu *vcpu)
{
	uint64_t v[NR_EXIT_INFO];

	for (unsigned i = 0; i < NR_EXIT_INFO; i++) {
		unsigned slot = exit_info_slots[i];
		int r;

		v[i] = 0;
		if (!slot_set_has(&vcpu->vm->supported, slot))
			continue;
		r = vmxr_vmread(vmcs_slot_field(slot), &v[i]);
		if (r)
			return vmxr_insn_fail(vcpu, r, "VMREAD", vmcs_field_name(vmcs_slot_field(slot)));
	}
	vcpu->exit = (struct vmx_exit){
		.reason = (uint32_t)v[0],
		.instruction_len = (uint32_t)v[1],
		.instruction_info = (uint32_t)v[2],
		.intr_info = (uint32_t)v[3],
		.intr_error_code = (uint32_t)v[4],
		.idt_vectoring_info = (uint32_t)v[5],
		.idt_vectoring_error_code = (uint32_t)v[6],
		.qualification = v[7],
		.guest_linear_address = v[8],
		.guest_physical_address = v[9],
	};
	return 0;
}

int vmxr_enter_guest(struct vcpu *vcpu, bool launch)
{
	struct vmxr_vm *x = vmxr_vm_of(vcpu->vm);
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	const char *insn = launch ? "VMLAUNCH" : "VMRESUME";
	const char *desc;
	int r;

	r = vmxr_make_current(vcpu);
	if (r < 0)
		return r;
	r = check_before_entry(vcpu, insn);
	if (r)
		return r < 0 ? r : 0;
	vmxr_load_msr_areas(vcpu);

	r = vmxr_enter(&v->regs, launch);
	if (r == 0) {
		/* A VM exit sets the GDTR and IDTR limits to 0xffff. */
		vmxr_lgdt(&x->host_gdtr);
		vmxr_lidt(&x->host_idtr);
		return read_exit(vcpu);
	}
	if (r == VMXR_FAIL_INVALID)
		return vcpu_fail(vcpu, VCPU_EVMFAIL_INVALID, "%s: VMfailInvalid: no current VMCS on this CPU",
				 insn);
	slot_set_del(&vcpu->vmcs.cached, VMCS_SLOT_VM_INSTRUCTION_ERROR);
	desc = vmx_insn_error_description((unsigned)r);
	return vcpu_fail(vcpu, insn_error(r), "%s failed: VMfailValid, VM-instruction error %d (%s); the "
			 "core's entry checks had passed this state", insn, r, desc ? desc : "not an SDM number");
}
