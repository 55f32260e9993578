/*
 * libvcpu - guest state between the core's software VMCS and the processor:
 * VMCS components by VMREAD/VMWRITE, the general registers and CR2 in the
 * shim's save area, the debug registers in the processor itself (no MOV-DR
 * exiting: the guest owns them while it runs, and this host uses none), and
 * EFER/PAT through MSR-load areas where the VMCS has no field for them.
 */
#include "vmx_raw_internal.h"

static const char *slot_name(unsigned slot)
{
	const char *name = vmcs_field_name(vmcs_slot_field(slot));

	return name ? name : "?";
}

static int read_debug_register(unsigned slot, uint64_t *value)
{
	switch (slot) {
	case SLOT_DR0: *value = vmxr_read_dr0(); return 0;
	case SLOT_DR1: *value = vmxr_read_dr1(); return 0;
	case SLOT_DR2: *value = vmxr_read_dr2(); return 0;
	case SLOT_DR3: *value = vmxr_read_dr3(); return 0;
	case SLOT_DR6: *value = vmxr_read_dr6(); return 0;
	default: return VCPU_EINVAL;
	}
}

static void write_debug_register(unsigned slot, uint64_t value)
{
	switch (slot) {
	case SLOT_DR0: vmxr_write_dr0(value); break;
	case SLOT_DR1: vmxr_write_dr1(value); break;
	case SLOT_DR2: vmxr_write_dr2(value); break;
	case SLOT_DR3: vmxr_write_dr3(value); break;
	case SLOT_DR6: vmxr_write_dr6(value); break;
	default: break;
	}
}

int vmxr_read_slot(struct vcpu *vcpu, unsigned slot, uint64_t *value)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	int r;

	if (slot < VMCS_NR_FIELD_SLOTS) {
		if (!slot_set_has(&vcpu->vm->supported, slot))
			return vcpu_fail(vcpu, VCPU_EVMCS_UNSUPPORTED, "VMREAD %s: this processor has no "
					 "such VMCS component", slot_name(slot));
		r = vmxr_make_current(vcpu);
		if (r < 0)
			return r;
		r = vmxr_vmread(vmcs_slot_field(slot), value);
		return r ? vmxr_insn_fail(vcpu, r, "VMREAD", slot_name(slot)) : 0;
	}
	if (slot >= SLOT_GPR_BASE && slot < SLOT_GPR_BASE + 16) {
		*value = v->regs.gpr[slot - SLOT_GPR_BASE];
		return 0;
	}
	if (slot == SLOT_CR2) {
		*value = v->regs.cr2;
		return 0;
	}
	if (read_debug_register(slot, value) == 0)
		return 0;
	/* XCR0, and EFER/PAT without VMCS fields: the core's copy is the
	 * guest's value (XSETBV and WRMSR exit). */
	*value = vcpu->vmcs.val[slot];
	return 0;
}

int vmxr_flush(struct vcpu *vcpu, const slot_set *dirty)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	int r = vmxr_make_current(vcpu);

	if (r < 0)
		return r;
	for (unsigned w = 0; w < SLOT_WORDS; w++) {
		for (uint64_t bits = dirty->w[w]; bits; bits &= bits - 1) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);
			uint64_t value = vcpu->vmcs.val[slot];

			if (slot < VMCS_NR_FIELD_SLOTS) {
				if (!slot_set_has(&vcpu->vm->supported, slot))
					return vcpu_fail(vcpu, VCPU_EVMCS_UNSUPPORTED, "VMWRITE %s: this "
							 "processor has no such VMCS component",
							 slot_name(slot));
				r = vmxr_vmwrite(vmcs_slot_field(slot), value);
				if (r)
					return vmxr_insn_fail(vcpu, r, "VMWRITE", slot_name(slot));
				if (vmcs_field_type(vmcs_slot_field(slot)) != VMCS_TYPE_GUEST)
					v->controls_checked = false;
			} else if (slot >= SLOT_GPR_BASE && slot < SLOT_GPR_BASE + 16) {
				v->regs.gpr[slot - SLOT_GPR_BASE] = value;
			} else if (slot == SLOT_CR2) {
				v->regs.cr2 = value;
			} else {
				/* XCR0, EFER and PAT stay the core's (see vmxr_load_msr_areas). */
				write_debug_register(slot, value);
			}
		}
	}
	return 0;
}

/* ---- EFER and PAT without VMCS fields ------------------------------------
 * The VM-entry MSR-load area loads the guest's, the VM-exit one the host's
 * (SDM "VM-Entry Controls for MSRs", "VM-Exit Controls for MSRs"). */

struct switched_msr {
	uint32_t msr;
	uint16_t slot;
};

static unsigned switched_msrs(const struct vm *vm, struct switched_msr out[VMXR_MAX_SWITCHED_MSRS])
{
	unsigned n = 0;

	if (vm->efer_slot == SLOT_EFER)
		out[n++] = (struct switched_msr){ VMX_MSR_IA32_EFER, SLOT_EFER };
	if (vm->pat_slot == SLOT_PAT)
		out[n++] = (struct switched_msr){ VMX_MSR_IA32_PAT, SLOT_PAT };
	return n;
}

/* After the core has set the controls (its MSR-area counts are 0). */
void vmxr_setup_msr_areas(struct vcpu *vcpu)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	struct vmxr_msr_entry *exit_area = VMXR_EXIT_MSR_AREA(v);
	struct switched_msr s[VMXR_MAX_SWITCHED_MSRS];
	unsigned n = switched_msrs(vcpu->vm, s);

	if (!n)
		return;
	for (unsigned i = 0; i < n; i++) {
		v->msr_area[i] = (struct vmxr_msr_entry){ .index = s[i].msr };
		exit_area[i] = (struct vmxr_msr_entry){ .index = s[i].msr, .value = vmxr_rdmsr(s[i].msr) };
	}
	vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_MSR_LOAD_ADDR, vmxr_hpa(v->msr_area));
	vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_MSR_LOAD_COUNT, n);
	vmcs_put(vcpu, VMCS_SLOT_VM_EXIT_MSR_LOAD_ADDR, vmxr_hpa(exit_area));
	vmcs_put(vcpu, VMCS_SLOT_VM_EXIT_MSR_LOAD_COUNT, n);
}

/*
 * The guest's values into the entry area. EFER.LME and LMA are what the
 * entry itself sets from "IA-32e mode guest" (SDM "Loading Guest Control
 * Registers, Debug Registers, and MSRs"): loading another LME with paging
 * on would fail the entry, as WRMSR would fault.
 */
void vmxr_load_msr_areas(struct vcpu *vcpu)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	struct switched_msr s[VMXR_MAX_SWITCHED_MSRS];
	unsigned n = switched_msrs(vcpu->vm, s);

	for (unsigned i = 0; i < n; i++) {
		uint64_t value = vmcs_val(vcpu, s[i].slot);

		if (s[i].slot == SLOT_EFER) {
			value &= ~(VMX_EFER_LME | VMX_EFER_LMA);
			if (vmcs_val(vcpu, VMCS_SLOT_VM_ENTRY_CONTROLS) & VMX_VM_ENTRY_IA32E_MODE)
				value |= VMX_EFER_LME | VMX_EFER_LMA;
		}
		v->msr_area[i].value = value;
	}
}
