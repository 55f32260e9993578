/*
 * libvcpu - the software VMCS: VMREAD/VMWRITE semantics over a cache of
 * slots that is filled on first read after an exit and written back, dirty
 * slots only, before the next entry (lazy save/restore).
 */
#include <string.h>

#include "core.h"
#include "fmt.h"

/* Exit-information slots every backend fills through vcpu->exit. */
static bool exit_info_from_exit(const struct vcpu *vcpu, unsigned slot, uint64_t *value)
{
	const struct vmx_exit *e = &vcpu->exit;

	switch (slot) {
	case VMCS_SLOT_VM_EXIT_REASON:		*value = e->reason; return true;
	case VMCS_SLOT_VM_EXIT_INTR_INFO:	*value = e->intr_info; return true;
	case VMCS_SLOT_VM_EXIT_INTR_ERROR_CODE:	*value = e->intr_error_code; return true;
	case VMCS_SLOT_IDT_VECTORING_INFO_FIELD: *value = e->idt_vectoring_info; return true;
	case VMCS_SLOT_IDT_VECTORING_ERROR_CODE: *value = e->idt_vectoring_error_code; return true;
	case VMCS_SLOT_VM_EXIT_INSTRUCTION_LEN:	*value = e->instruction_len; return true;
	case VMCS_SLOT_VMX_INSTRUCTION_INFO:	*value = e->instruction_info; return true;
	case VMCS_SLOT_EXIT_QUALIFICATION:	*value = e->qualification; return true;
	case VMCS_SLOT_GUEST_LINEAR_ADDRESS:	*value = e->guest_linear_address; return true;
	case VMCS_SLOT_GUEST_PHYSICAL_ADDRESS:	*value = e->guest_physical_address; return true;
	default:				return false;
	}
}

/* The slow half of vmcs_get(): the slot is not cached. */
int vmcs_fetch(struct vcpu *vcpu, unsigned slot, uint64_t *value)
{
	struct soft_vmcs *v = &vcpu->vmcs;
	uint64_t val;
	int r;

	if (!exit_info_from_exit(vcpu, slot, &val)) {
		r = vcpu->vm->ops->read_slot(vcpu, slot, &val);
		if (r < 0)
			return vcpu_fail(vcpu, r, "backend %s could not read %s", vcpu->vm->ops->name,
					 slot < VMCS_NR_FIELD_SLOTS ? vmcs_field_name(vmcs_slot_field(slot))
								    : "a register");
	}
	v->val[slot] = val;
	slot_set_add(&v->cached, slot);
	*value = val;
	return 0;
}

void vmcs_invalidate_volatile(struct vcpu *vcpu)
{
	for (unsigned i = 0; i < SLOT_WORDS; i++)
		vcpu->vmcs.cached.w[i] &= ~vcpu->vm->volatile_slots.w[i];
}

int vmcs_flush(struct vcpu *vcpu)
{
	struct soft_vmcs *v = &vcpu->vmcs;
	uint64_t any = 0;
	int r;

	for (unsigned i = 0; i < SLOT_WORDS; i++)
		any |= v->dirty.w[i];
	if (!any)
		return 0;
	r = vcpu->vm->ops->flush(vcpu, &v->dirty);
	if (r < 0)
		return vcpu_fail(vcpu, r, "backend %s could not write back guest state",
				 vcpu->vm->ops->name);
	memset(&v->dirty, 0, sizeof(v->dirty));
	return 0;
}

uint64_t vcpu_gpr(struct vcpu *vcpu, unsigned n)
{
	return vmcs_val(vcpu, n == VCPU_REG_RSP ? VMCS_SLOT_GUEST_RSP : SLOT_GPR_BASE + n);
}

void vcpu_set_gpr(struct vcpu *vcpu, unsigned n, uint64_t value)
{
	vmcs_put(vcpu, n == VCPU_REG_RSP ? VMCS_SLOT_GUEST_RSP : SLOT_GPR_BASE + n, value);
}

/* The SDM's VMfailValid: the number goes to the VM-instruction error field. */
static int vm_instruction_error(struct vcpu *vcpu, unsigned number, int err, uint32_t field)
{
	const char *name = vmcs_field_name(field);

	vcpu->vmcs.val[VMCS_SLOT_VM_INSTRUCTION_ERROR] = number;
	slot_set_add(&vcpu->vmcs.cached, VMCS_SLOT_VM_INSTRUCTION_ERROR);
	return vcpu_fail(vcpu, err, "%s (0x%x): VM-instruction error %u, %s", name ? name : "unknown component",
			 field, number, vmx_insn_error_description(number));
}

/* Resolve a public encoding to a slot the CPU supports, or fail like VMREAD
 * (or, on a backend that owns the component, say so). */
static int field_slot(struct vcpu *vcpu, uint32_t field, unsigned *slot)
{
	unsigned s = vmcs_slot_of(field);
	const char *name = vmcs_field_name(field);

	if (s != SLOT_NONE && !slot_set_has(&vcpu->vm->supported, s) &&
	    !vm_feature(vcpu->vm, VCPU_BACKEND_CAP_VMX_INSN))
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "backend %s cannot express %s (0x%x): it owns that part "
				 "of the VMCS itself", vcpu->vm->ops->name, name, field);
	if (s == SLOT_NONE || !slot_set_has(&vcpu->vm->supported, s))
		return vm_instruction_error(vcpu, VMX_INSN_ERR_UNSUPPORTED_VMCS_COMPONENT,
					    VCPU_EVMCS_UNSUPPORTED, field);
	*slot = s;
	return 0;
}

/* The checks VMREAD and VMWRITE share: a live VCPU and a supported field. */
static int vmcs_access(struct vcpu *vcpu, uint32_t field, unsigned *slot)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	return field_slot(vcpu, field, slot);
}

int vcpu_vmread(struct vcpu *vcpu, uint32_t field, uint64_t *value)
{
	unsigned slot = SLOT_NONE;
	uint64_t v;
	int r = value ? vmcs_access(vcpu, field, &slot) : VCPU_EINVAL;

	if (r < 0 || (r = vmcs_get(vcpu, slot, &v)) < 0)
		return r;
	*value = vmcs_field_access(field) == VMCS_ACCESS_HIGH ? v >> 32 : v & vmcs_field_value_mask(field);
	return 0;
}

int vcpu_vmwrite(struct vcpu *vcpu, uint32_t field, uint64_t value)
{
	unsigned slot = SLOT_NONE;
	uint64_t old;
	int r = vmcs_access(vcpu, field, &slot);

	if (r < 0)
		return r;
	/* IA32_VMX_MISC[29]: VMWRITE may write the VM-exit information fields. */
	if (vmcs_field_is_read_only(field) && !(vcpu->vm->caps.misc & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS))
		return vm_instruction_error(vcpu, VMX_INSN_ERR_VMWRITE_READ_ONLY_VMCS_COMPONENT,
					    VCPU_EVMCS_READ_ONLY, field);
	if (vcpu->vm->ops->field_refuses) {
		const char *why = vcpu->vm->ops->field_refuses(vcpu, field, value);

		if (why)
			return vcpu_fail(vcpu, VCPU_ENOTSUP, "VMWRITE %s = 0x%llx: backend %s cannot express "
					 "it: %s", vmcs_field_name(field), (unsigned long long)value,
					 vcpu->vm->ops->name, why);
	}
	if (vmcs_field_access(field) == VMCS_ACCESS_HIGH) {
		r = vmcs_get(vcpu, slot, &old);
		if (r < 0)
			return r;
		value = (old & 0xffffffffull) | (value << 32);
	} else {
		value &= vmcs_field_value_mask(field);
	}
	vmcs_put(vcpu, slot, value);
	return 0;
}

int vcpu_get_reg(struct vcpu *vcpu, enum vcpu_reg reg, uint64_t *value)
{
	unsigned slot;

	if (!vcpu || !value || (unsigned)reg >= VCPU_NR_REGS)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	slot = vmcs_slot_of_reg(reg);
	return vmcs_get(vcpu, slot, value);
}

int vcpu_set_reg(struct vcpu *vcpu, enum vcpu_reg reg, uint64_t value)
{
	if (!vcpu || (unsigned)reg >= VCPU_NR_REGS)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	vmcs_put(vcpu, vmcs_slot_of_reg(reg), value);
	return 0;
}

const char *vcpu_reg_name(enum vcpu_reg reg)
{
	static const char *const names[VCPU_NR_REGS] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
		"RIP", "RFLAGS", "CR2", "DR0", "DR1", "DR2", "DR3", "DR6", "XCR0",
	};

	return (unsigned)reg < VCPU_NR_REGS ? names[reg] : NULL;
}
