/*
 * libvcpu - control settings from the capability MSRs (SDM Vol. 3D
 * Appendix A.3-A.5): bits 31:0 of a control MSR are the allowed-0 settings
 * (a 1 there means the control must be 1), bits 63:32 the allowed-1
 * settings (a 0 there means the control must be 0). Where IA32_VMX_BASIC[55]
 * is 1 the TRUE_* MSRs report the allowed-0 settings of the "default1"
 * controls that a VMM may clear.
 */
#include "libvcpu/vmx.h"
#include "vmcs_slots.h"

static uint64_t ctl_msr(const struct vmx_caps *caps, enum vmx_ctl ctl)
{
	bool use_true = (caps->basic & VMX_BASIC_TRUE_CTLS) != 0;

	switch (ctl) {
	case VMX_CTL_PINBASED:
		return use_true ? caps->true_pinbased_ctls : caps->pinbased_ctls;
	case VMX_CTL_PROCBASED:
		return use_true ? caps->true_procbased_ctls : caps->procbased_ctls;
	case VMX_CTL_PROCBASED2:
		/* Secondary controls exist only where the primary control
		 * "activate secondary controls" may be 1. */
		if (!(caps->procbased_ctls >> 32 & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
			return 0;
		return caps->procbased_ctls2;
	case VMX_CTL_EXIT:
		return use_true ? caps->true_exit_ctls : caps->exit_ctls;
	case VMX_CTL_ENTRY:
		return use_true ? caps->true_entry_ctls : caps->entry_ctls;
	}
	return 0;
}

uint32_t vmx_ctl_required(const struct vmx_caps *caps, enum vmx_ctl ctl)
{
	return (uint32_t)ctl_msr(caps, ctl);
}

uint32_t vmx_ctl_allowed(const struct vmx_caps *caps, enum vmx_ctl ctl)
{
	return (uint32_t)(ctl_msr(caps, ctl) >> 32);
}

uint32_t vmx_ctl_adjust(const struct vmx_caps *caps, enum vmx_ctl ctl, uint32_t wanted)
{
	return (wanted | vmx_ctl_required(caps, ctl)) & vmx_ctl_allowed(caps, ctl);
}

bool vmx_ctl_can_set(const struct vmx_caps *caps, enum vmx_ctl ctl, uint32_t bits)
{
	return (vmx_ctl_allowed(caps, ctl) & bits) == bits;
}

bool vmx_caps_unrestricted_guest(const struct vmx_caps *caps)
{
	return vmx_ctl_can_set(caps, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST |
							 VMX_SECONDARY_EXEC_ENABLE_EPT);
}

static bool can2(const struct vmx_caps *caps, uint32_t bits)
{
	return vmx_ctl_can_set(caps, VMX_CTL_PROCBASED2, bits);
}

/*
 * A component exists when the feature that uses it does (VMREAD/VMWRITE of
 * one that does not fails with VM-instruction error 12). Features the
 * library has no capability bit for (FRED, CET, PKS, SPP, HLAT, PCONFIG,
 * ENCLV, PASID, IPI virtualization, user interrupts, LBR, notify window)
 * are absent (the mock's profiles, and the raw backend, use this list).
 */
bool vmx_caps_field_supported(const struct vmx_caps *caps, uint32_t field)
{
	unsigned slot = vmcs_slot_of(field);

	if (slot == SLOT_NONE)
		return false;
	switch (slot) {
	case VMCS_SLOT_VIRTUAL_PROCESSOR_ID:
		return can2(caps, VMX_SECONDARY_EXEC_ENABLE_VPID);
	case VMCS_SLOT_POSTED_INTR_NV:
	case VMCS_SLOT_POSTED_INTR_DESC_ADDR:
		return vmx_ctl_can_set(caps, VMX_CTL_PINBASED, VMX_PIN_BASED_POSTED_INTR);
	case VMCS_SLOT_EPTP_INDEX:
	case VMCS_SLOT_VE_INFORMATION_ADDRESS:
		return can2(caps, VMX_SECONDARY_EXEC_EPT_VIOLATION_VE);
	case VMCS_SLOT_GUEST_INTR_STATUS:
	case VMCS_SLOT_EOI_EXIT_BITMAP0:
	case VMCS_SLOT_EOI_EXIT_BITMAP1:
	case VMCS_SLOT_EOI_EXIT_BITMAP2:
	case VMCS_SLOT_EOI_EXIT_BITMAP3:
		return can2(caps, VMX_SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	case VMCS_SLOT_GUEST_PML_INDEX:
	case VMCS_SLOT_PML_ADDRESS:
		return can2(caps, VMX_SECONDARY_EXEC_ENABLE_PML);
	case VMCS_SLOT_EPT_POINTER:
	case VMCS_SLOT_GUEST_PHYSICAL_ADDRESS:
	case VMCS_SLOT_GUEST_PDPTR0:
	case VMCS_SLOT_GUEST_PDPTR1:
	case VMCS_SLOT_GUEST_PDPTR2:
	case VMCS_SLOT_GUEST_PDPTR3:
		return can2(caps, VMX_SECONDARY_EXEC_ENABLE_EPT);
	case VMCS_SLOT_VM_FUNCTION_CONTROL:
	case VMCS_SLOT_EPTP_LIST_ADDRESS:
		return can2(caps, VMX_SECONDARY_EXEC_ENABLE_VMFUNC);
	case VMCS_SLOT_VMREAD_BITMAP:
	case VMCS_SLOT_VMWRITE_BITMAP:
		return can2(caps, VMX_SECONDARY_EXEC_SHADOW_VMCS);
	case VMCS_SLOT_XSS_EXIT_BITMAP:
		return can2(caps, VMX_SECONDARY_EXEC_ENABLE_XSAVES);
	case VMCS_SLOT_ENCLS_EXITING_BITMAP:
		return can2(caps, VMX_SECONDARY_EXEC_ENCLS_EXITING);
	case VMCS_SLOT_TSC_MULTIPLIER:
		return can2(caps, VMX_SECONDARY_EXEC_TSC_SCALING);
	case VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL:
		return vmx_ctl_can_set(caps, VMX_CTL_PROCBASED, VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	case VMCS_SLOT_APIC_ACCESS_ADDR:
		return can2(caps, VMX_SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
	case VMCS_SLOT_VIRTUAL_APIC_PAGE_ADDR:
	case VMCS_SLOT_TPR_THRESHOLD:
		return vmx_ctl_can_set(caps, VMX_CTL_PROCBASED, VMX_CPU_BASED_TPR_SHADOW);
	case VMCS_SLOT_PLE_GAP:
	case VMCS_SLOT_PLE_WINDOW:
		return can2(caps, VMX_SECONDARY_EXEC_PAUSE_LOOP_EXITING);
	case VMCS_SLOT_VMX_PREEMPTION_TIMER_VALUE:
		return vmx_ctl_can_set(caps, VMX_CTL_PINBASED, VMX_PIN_BASED_VMX_PREEMPTION_TIMER);
	case VMCS_SLOT_GUEST_IA32_PERF_GLOBAL_CTRL:
		return vmx_ctl_can_set(caps, VMX_CTL_ENTRY, VMX_VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL);
	case VMCS_SLOT_HOST_IA32_PERF_GLOBAL_CTRL:
		return vmx_ctl_can_set(caps, VMX_CTL_EXIT, VMX_VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL);
	case VMCS_SLOT_GUEST_IA32_PAT:
		return vmx_ctl_can_set(caps, VMX_CTL_ENTRY, VMX_VM_ENTRY_LOAD_IA32_PAT);
	case VMCS_SLOT_HOST_IA32_PAT:
		return vmx_ctl_can_set(caps, VMX_CTL_EXIT, VMX_VM_EXIT_LOAD_IA32_PAT);
	case VMCS_SLOT_GUEST_IA32_EFER:
		return vmx_ctl_can_set(caps, VMX_CTL_ENTRY, VMX_VM_ENTRY_LOAD_IA32_EFER);
	case VMCS_SLOT_HOST_IA32_EFER:
		return vmx_ctl_can_set(caps, VMX_CTL_EXIT, VMX_VM_EXIT_LOAD_IA32_EFER);
	case VMCS_SLOT_GUEST_BNDCFGS:
		return vmx_ctl_can_set(caps, VMX_CTL_ENTRY, VMX_VM_ENTRY_LOAD_BNDCFGS);
	case VMCS_SLOT_GUEST_IA32_RTIT_CTL:
		return vmx_ctl_can_set(caps, VMX_CTL_ENTRY, VMX_VM_ENTRY_LOAD_IA32_RTIT_CTL);
	case VMCS_SLOT_GUEST_SMBASE:
		return (caps->basic & VMX_BASIC_DUAL_MONITOR_TREATMENT) != 0;
	case VMCS_SLOT_EXECUTIVE_VMCS_POINTER:
		return (caps->basic & VMX_BASIC_DUAL_MONITOR_TREATMENT) != 0;
	case VMCS_SLOT_HLAT_PREFIX_SIZE:
	case VMCS_SLOT_LAST_PID_POINTER_INDEX:
	case VMCS_SLOT_GUEST_UINV:
	case VMCS_SLOT_SPPT_POINTER:
	case VMCS_SLOT_TERTIARY_VM_EXEC_CONTROL:
	case VMCS_SLOT_ENCLV_EXITING_BITMAP:
	case VMCS_SLOT_LOW_PASID_DIRECTORY:
	case VMCS_SLOT_HIGH_PASID_DIRECTORY:
	case VMCS_SLOT_SHARED_EPT_POINTER:
	case VMCS_SLOT_PCONFIG_EXITING_BITMAP:
	case VMCS_SLOT_HLAT_POINTER:
	case VMCS_SLOT_PID_POINTER_TABLE:
	case VMCS_SLOT_SECONDARY_VM_EXIT_CONTROLS:
	case VMCS_SLOT_IA32_SPEC_CTRL_MASK:
	case VMCS_SLOT_IA32_SPEC_CTRL_SHADOW:
	case VMCS_SLOT_INJECTED_EVENT_DATA:
	case VMCS_SLOT_ORIGINAL_EVENT_DATA:
	case VMCS_SLOT_GUEST_IA32_LBR_CTL:
	case VMCS_SLOT_GUEST_IA32_PKRS:
	case VMCS_SLOT_HOST_IA32_PKRS:
	case VMCS_SLOT_NOTIFY_WINDOW:
	case VMCS_SLOT_GUEST_S_CET:
	case VMCS_SLOT_GUEST_SSP:
	case VMCS_SLOT_GUEST_INTR_SSP_TABLE:
	case VMCS_SLOT_HOST_S_CET:
	case VMCS_SLOT_HOST_SSP:
	case VMCS_SLOT_HOST_INTR_SSP_TABLE:
		return false;
	default:
		/* FRED state is absent too; everything else is baseline VMX. */
		if (slot >= VMCS_SLOT_GUEST_IA32_FRED_CONFIG && slot <= VMCS_SLOT_GUEST_IA32_FRED_SSP3)
			return false;
		if (slot >= VMCS_SLOT_HOST_IA32_FRED_CONFIG && slot <= VMCS_SLOT_HOST_IA32_FRED_SSP3)
			return false;
		return true;
	}
}
