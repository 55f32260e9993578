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

static int check_families(struct vcpu *vcpu, enum vmx_check_family first, struct vmx_entry_failure *failure)
{
	struct vmx_check_env env = {
		.caps = &vcpu->vm->caps,
		.read_field = read_vcpu_field,
		.read_guest = read_vcpu_guest,
		.ctx = vcpu,
	};

	for (unsigned fam = first; fam < VMX_NR_CHECK_FAMILIES; fam++) {
		int r = vmx_check_family(&env, (enum vmx_check_family)fam, failure);

		if (r < 0)
			return r;
	}
	return 0;
}

int vcpu_check_guest_state(struct vcpu *vcpu, struct vmx_entry_failure *failure)
{
	return check_families(vcpu, VMX_CHECK_FAMILY_GUEST_CR_MSR, failure);
}

int vcpu_check_entry(struct vcpu *vcpu, struct vmx_entry_failure *failure)
{
	if (!vcpu || !failure)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	/* Where the backend owns the controls and host state (KVM), only the
	 * guest state is the embedder's to get right. */
	return check_families(vcpu, vm_feature(vcpu->vm, VCPU_BACKEND_CAP_VMX_CONTROLS)
					    ? VMX_CHECK_FAMILY_EXEC_CONTROLS : VMX_CHECK_FAMILY_GUEST_CR_MSR,
			      failure);
}
