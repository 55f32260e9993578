/*
 * libvcpu - RDMSR/WRMSR exits for the MSRs the core virtualizes: those the
 * VMCS holds (EFER, PAT, SYSENTER_*, DEBUGCTL, FS/GS base), the TSC through
 * the TSC offset, TSC_AUX, and read-only APIC base and feature control.
 * Any other MSR raises #GP, as on a CPU that lacks it; an embedder that
 * models more registers its own handlers for reasons 31 and 32.
 */
#include "core.h"

static bool canonical(uint64_t v)
{
	return (uint64_t)(((int64_t)(v << 16)) >> 16) == v;
}

/* IA32_PAT: eight memory types, each one of UC WC WT WP WB UC-. */
static bool pat_valid(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (unsigned)(v >> (i * 8)) & 0xff;

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

static bool msr_read(struct vcpu *vcpu, uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case VMX_MSR_IA32_TSC:
		*v = vcpu_guest_tsc(vcpu);
		return true;
	case VMX_MSR_IA32_TSC_AUX:
		*v = vcpu->tsc_aux;
		return true;
	case VMX_MSR_IA32_EFER:
		*v = vmcs_val(vcpu, vcpu->vm->efer_slot);
		return true;
	case VMX_MSR_IA32_PAT:
		*v = vmcs_val(vcpu, vcpu->vm->pat_slot);
		return true;
	case VMX_MSR_IA32_SYSENTER_CS:
		*v = vmcs_val(vcpu, VMCS_SLOT_GUEST_SYSENTER_CS);
		return true;
	case VMX_MSR_IA32_SYSENTER_ESP:
		*v = vmcs_val(vcpu, VMCS_SLOT_GUEST_SYSENTER_ESP);
		return true;
	case VMX_MSR_IA32_SYSENTER_EIP:
		*v = vmcs_val(vcpu, VMCS_SLOT_GUEST_SYSENTER_EIP);
		return true;
	case VMX_MSR_IA32_DEBUGCTL:
		*v = vmcs_val(vcpu, VMCS_SLOT_GUEST_IA32_DEBUGCTL);
		return true;
	case VMX_MSR_IA32_FS_BASE:
		*v = vmcs_val(vcpu, VMCS_SLOT_GUEST_FS_BASE);
		return true;
	case VMX_MSR_IA32_GS_BASE:
		*v = vmcs_val(vcpu, VMCS_SLOT_GUEST_GS_BASE);
		return true;
	case VMX_MSR_IA32_APIC_BASE:
		/* xAPIC at its default base, enabled; bit 8 marks the BSP. */
		*v = 0xfee00000ull | (1u << 11) | (vcpu->id == 0 ? 1u << 8 : 0);
		return true;
	case VMX_MSR_IA32_FEATURE_CONTROL:
		*v = 1;	/* locked, VMX off: the guest gets no nested VMX */
		return true;
	default:
		return false;
	}
}

/* 0, MSR_FAULT where the guest would get #GP, or an error that fails the
 * run (from the paging callback). */
#define MSR_FAULT 1

static int msr_write(struct vcpu *vcpu, uint32_t msr, uint64_t v)
{
	const char *fault;
	int r;

	switch (msr) {
	case VMX_MSR_IA32_TSC:
		/* The guest sets its TSC: offset it from the host's. */
		vmcs_put(vcpu, VMCS_SLOT_TSC_OFFSET, v - vcpu_host_tsc(vcpu));
		return 0;
	case VMX_MSR_IA32_TSC_AUX:
		if (v >> 32)
			return MSR_FAULT;
		vcpu->tsc_aux = v;
		return 0;
	case VMX_MSR_IA32_EFER:
		r = efer_write(vcpu, v, &fault);
		return r < 0 && fault ? MSR_FAULT : r;
	case VMX_MSR_IA32_PAT:
		if (!pat_valid(v))
			return MSR_FAULT;
		vmcs_put(vcpu, vcpu->vm->pat_slot, v);
		return 0;
	case VMX_MSR_IA32_SYSENTER_CS:
		vmcs_put(vcpu, VMCS_SLOT_GUEST_SYSENTER_CS, v & 0xffffffffull);
		return 0;
	case VMX_MSR_IA32_SYSENTER_ESP:
	case VMX_MSR_IA32_SYSENTER_EIP:
	case VMX_MSR_IA32_FS_BASE:
	case VMX_MSR_IA32_GS_BASE:
		if (!canonical(v))
			return MSR_FAULT;
		vmcs_put(vcpu, msr == VMX_MSR_IA32_SYSENTER_ESP ? VMCS_SLOT_GUEST_SYSENTER_ESP
			       : msr == VMX_MSR_IA32_SYSENTER_EIP ? VMCS_SLOT_GUEST_SYSENTER_EIP
			       : msr == VMX_MSR_IA32_FS_BASE ? VMCS_SLOT_GUEST_FS_BASE
							     : VMCS_SLOT_GUEST_GS_BASE,
			 v);
		return 0;
	case VMX_MSR_IA32_DEBUGCTL:
		/* No debug-store or branch tracing is offered: only 0 is valid. */
		return v == 0 ? 0 : MSR_FAULT;
	default:
		return MSR_FAULT;
	}
}

int exit_handle_msr_read(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	uint64_t v;

	(void)exit;
	if (!msr_read(vcpu, (uint32_t)vcpu_gpr(vcpu, VCPU_REG_RCX), &v)) {
		vcpu_raise_gp(vcpu);
		return VCPU_EXIT_RESUME;
	}
	vcpu_set_gpr(vcpu, VCPU_REG_RAX, v & 0xffffffffull);
	vcpu_set_gpr(vcpu, VCPU_REG_RDX, v >> 32);
	vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}

int exit_handle_msr_write(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	uint64_t v = (vcpu_gpr(vcpu, VCPU_REG_RDX) << 32) | (vcpu_gpr(vcpu, VCPU_REG_RAX) & 0xffffffffull);

	int r;

	(void)exit;
	r = msr_write(vcpu, (uint32_t)vcpu_gpr(vcpu, VCPU_REG_RCX), v);
	if (r == MSR_FAULT) {
		vcpu_raise_gp(vcpu);
		return VCPU_EXIT_RESUME;
	}
	if (r < 0)
		return r;
	vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}
