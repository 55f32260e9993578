/*
 * libvcpu - the VM-entry checks on a VCPU's own state, read through its
 * software VMCS. Backends run them to explain a failed entry; the mock runs
 * them on every entry.
 */
#include "core.h"

static uint64_t read_vcpu_field(void *ctx, uint32_t field)
{
	struct vcpu *vcpu = ctx;
	unsigned slot = vmcs_slot_of(field);
	uint64_t v;

	if (slot == SLOT_NONE || !slot_set_has(&vcpu->vm->supported, slot))
		return 0;
	v = vmcs_val(vcpu, slot);
	return vmcs_field_access(field) == VMCS_ACCESS_HIGH ? v >> 32 : v & vmcs_field_value_mask(field);
}

static int read_vcpu_guest(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct vcpu *vcpu = ctx;

	return vm_read_guest(vcpu->vm, gpa, buf, len);
}

int vcpu_check_entry(struct vcpu *vcpu, struct vmx_entry_failure *failure)
{
	struct vmx_check_env env = {
		.caps = &vcpu->vm->caps,
		.read_field = read_vcpu_field,
		.read_guest = read_vcpu_guest,
		.ctx = vcpu,
	};

	if (!vcpu || !failure)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	return vmx_check_entry(&env, failure);
}
