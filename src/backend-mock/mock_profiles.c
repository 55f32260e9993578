/*
 * libvcpu - the mock's capability profiles and which VMCS components each
 * profile's processor has.
 *
 * "modern" follows the capability MSRs of a Skylake-server-class Intel CPU;
 * "no-ug" follows a Core 2 Penryn: VMX without EPT, unrestricted guest or
 * true controls (the configuration that needs virtual-8086 mode for real
 * mode). Values are as such processors report them, rounded to the
 * features the library models.
 */
#include <string.h>

#include "mock_internal.h"

static const struct vmx_caps profile_modern = {
	.basic = 0x00da040000000004ull,		/* revision 4, 1 KiB, WB, INS/OUTS info, true ctls */
	.pinbased_ctls = 0x0000007f00000016ull,
	.procbased_ctls = 0xfff9fffe0401e172ull,
	.exit_ctls = 0x01ffffff00036dffull,
	.entry_ctls = 0x0003ffff000011ffull,
	.misc = 0x000000007004c1e7ull,		/* HLT/shutdown/wait-SIPI, VMWRITE to exit info */
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x00002000ull,
	.cr4_fixed1 = 0x003767ffull,
	.vmcs_enum = 0x0000002eull,
	.procbased_ctls2 = 0x035fffff00000000ull,
	.ept_vpid_cap = 0x00000f0106734141ull,
	.true_pinbased_ctls = 0x0000007f00000016ull,
	.true_procbased_ctls = 0xfff9fffe04006172ull,
	.true_exit_ctls = 0x01ffffff00036dfbull,
	.true_entry_ctls = 0x0003ffff000011fbull,
	.vmfunc = 1,
	.maxphyaddr = 39,
};

static const struct vmx_caps profile_no_ug = {
	.basic = 0x005a08000000000dull,		/* revision 13, 2 KiB, WB, INS/OUTS info */
	.pinbased_ctls = 0x0000003f00000016ull,
	.procbased_ctls = 0xf7f9fffe0401e172ull,
	.exit_ctls = 0x0003ffff00036dffull,
	.entry_ctls = 0x00003fff000011ffull,
	.misc = 0x00000000000403c0ull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x00002000ull,
	.cr4_fixed1 = 0x000067ffull,
	.vmcs_enum = 0x0000002cull,
	.procbased_ctls2 = 0x0000004100000000ull,	/* APIC-access virtualization, WBINVD exiting */
	.maxphyaddr = 36,
};

const struct vmx_caps *vcpu_mock_profile(const char *name)
{
	if (!name || !strcmp(name, "modern"))
		return &profile_modern;
	if (!strcmp(name, "no-ug"))
		return &profile_no_ug;
	return NULL;
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
 * are absent from both profiles.
 */
bool mock_field_supported(const struct vmx_caps *caps, uint32_t field)
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
