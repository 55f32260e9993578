/*
 * libvcpu - what the processor's VMX can do: the capability MSRs (SDM Vol.
 * 3D Appendix A) and the backend features they allow.
 */
#include <string.h>

#include "vmx_raw_internal.h"

/* IA32_VMX_EPT_VPID_CAP (Appendix A.10) */
#define EPT_CAP_WALK_4		(1ull << 6)
#define EPT_CAP_WB		(1ull << 14)

#define CPUID_EXT_MAX		0x80000000u
#define CPUID_EXT_ADDR_SIZES	0x80000008u

static unsigned read_maxphyaddr(void)
{
	uint32_t r[4];

	vmxr_cpuid(CPUID_EXT_MAX, 0, r);
	if (r[0] < CPUID_EXT_ADDR_SIZES)
		return 36;	/* SDM: the width when the leaf is absent */
	vmxr_cpuid(CPUID_EXT_ADDR_SIZES, 0, r);
	return r[0] & 0xff;
}

/* Only MSRs that exist are read: RDMSR of the others faults (#GP). */
void vmxr_read_caps(struct vm *vm)
{
	struct vmx_caps *c = &vm->caps;
	uint32_t proc_allowed, proc2_allowed;

	memset(c, 0, sizeof(*c));
	c->basic = vmxr_rdmsr(VMX_MSR_IA32_VMX_BASIC);
	c->pinbased_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_PINBASED_CTLS);
	c->procbased_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_EXIT_CTLS);
	c->entry_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = vmxr_rdmsr(VMX_MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = vmxr_rdmsr(VMX_MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = vmxr_rdmsr(VMX_MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = vmxr_rdmsr(VMX_MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = vmxr_rdmsr(VMX_MSR_IA32_VMX_CR4_FIXED1);
	c->vmcs_enum = vmxr_rdmsr(VMX_MSR_IA32_VMX_VMCS_ENUM);
	if (c->basic & VMX_BASIC_TRUE_CTLS) {
		c->true_pinbased_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->true_procbased_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->true_exit_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->true_entry_ctls = vmxr_rdmsr(VMX_MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	proc_allowed = (uint32_t)(c->procbased_ctls >> 32);
	if (proc_allowed & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		c->procbased_ctls2 = vmxr_rdmsr(VMX_MSR_IA32_VMX_PROCBASED_CTLS2);
	if (proc_allowed & VMX_CPU_BASED_ACTIVATE_TERTIARY_CONTROLS)
		c->procbased_ctls3 = vmxr_rdmsr(VMX_MSR_IA32_VMX_PROCBASED_CTLS3);
	proc2_allowed = (uint32_t)(c->procbased_ctls2 >> 32);
	if (proc2_allowed & (VMX_SECONDARY_EXEC_ENABLE_EPT | VMX_SECONDARY_EXEC_ENABLE_VPID))
		c->ept_vpid_cap = vmxr_rdmsr(VMX_MSR_IA32_VMX_EPT_VPID_CAP);
	if (proc2_allowed & VMX_SECONDARY_EXEC_ENABLE_VMFUNC)
		c->vmfunc = vmxr_rdmsr(VMX_MSR_IA32_VMX_VMFUNC);
	c->maxphyaddr = read_maxphyaddr();
}

/* The backend's features as this processor has them. */
void vmxr_set_features(struct vm *vm)
{
	const struct vmx_caps *c = &vm->caps;
	unsigned f = VCPU_BACKEND_CAP_CR_SHADOW | VCPU_BACKEND_CAP_VMX_INSN | VCPU_BACKEND_CAP_VMX_CONTROLS |
		     VCPU_BACKEND_CAP_EXCEPTION_BITMAP;

	if (vmx_ctl_can_set(c, VMX_CTL_PROCBASED, VMX_CPU_BASED_USE_IO_BITMAPS))
		f |= VCPU_BACKEND_CAP_IO_BITMAPS;
	if (vmx_ctl_can_set(c, VMX_CTL_PROCBASED, VMX_CPU_BASED_USE_MSR_BITMAPS))
		f |= VCPU_BACKEND_CAP_MSR_BITMAPS;
	if (vmx_ctl_can_set(c, VMX_CTL_PROCBASED, VMX_CPU_BASED_USE_TSC_OFFSETTING))
		f |= VCPU_BACKEND_CAP_TSC_OFFSET;
	/* The EPT this backend builds: 4-level, write-back. */
	if (vmx_ctl_can_set(c, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_ENABLE_EPT) &&
	    (c->ept_vpid_cap & (EPT_CAP_WALK_4 | EPT_CAP_WB)) == (EPT_CAP_WALK_4 | EPT_CAP_WB))
		f |= VCPU_BACKEND_CAP_EPT;
	vm->features &= f;
}
