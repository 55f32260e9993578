/*
 * libvcpu - control settings from the capability MSRs (SDM Vol. 3D
 * Appendix A.3-A.5): bits 31:0 of a control MSR are the allowed-0 settings
 * (a 1 there means the control must be 1), bits 63:32 the allowed-1
 * settings (a 0 there means the control must be 0). Where IA32_VMX_BASIC[55]
 * is 1 the TRUE_* MSRs report the allowed-0 settings of the "default1"
 * controls that a VMM may clear.
 */
#include "libvcpu/vmx.h"

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
