/*
 * libvcpu - VMX operation of the logical CPU the backend runs on: VMXON
 * for the first VM, VMXOFF after the last, and which VMCS is current.
 *
 * This is the backend's only mutable state outside a VM: VMX root operation
 * and the current-VMCS pointer belong to the processor, not to a VM, and
 * several VMs take turns on it.
 */
#include <string.h>

#include "vmx_raw_internal.h"

#define FEATURE_CONTROL_LOCKED		(1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX	(1ull << 2)
#define CPUID_1_ECX_VMX			(1u << 5)

static struct {
	unsigned users;			/* VMs created and not destroyed */
	void *vmxon_region;
	uint64_t current;		/* physical address of the current VMCS, 0: none */
	bool set_vmxe;			/* CR4.VMXE was ours to set */
} cpu;

/* Physical addresses are the host's to know (an identity map, but for
 * aliases it may keep): these two are all the backend asks of it. */
uint64_t vmxr_hpa(const void *p)
{
	return plat_virt_to_phys(p);
}

void *vmxr_hva(uint64_t hpa)
{
	return plat_phys_to_virt(hpa);
}

void vmxr_current_is(uint64_t hpa)
{
	cpu.current = hpa;
}

uint64_t vmxr_current(void)
{
	return cpu.current;
}

int vmxr_make_current(struct vcpu *vcpu)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	int r;

	if (vcpu->pcpu < 0)
		return vcpu_fail(vcpu, VCPU_EVMFAIL_INVALID, "vmx: the VMCS of VCPU %u is clear (loaded on no "
				 "logical CPU)", vcpu->id);
	if (cpu.current == v->vmcs_hpa)
		return 0;
	/* Another VM's VMCS was loaded since: this one is still active (its
	 * launch state kept), so loading it again is all it takes. */
	r = vmxr_vmptrld(v->vmcs_hpa);
	if (r)
		return vmxr_insn_fail(vcpu, r, "VMPTRLD", NULL);
	cpu.current = v->vmcs_hpa;
	return 0;
}

/* CR0 and CR4 as VMX operation needs them (IA32_VMX_CR0/CR4_FIXED0/1):
 * in a 64-bit host PE and PG are on already, NE may not be. */
static int fix_control_registers(const struct vmx_caps *caps)
{
	uint64_t cr0 = vmxr_read_cr0(), cr4 = vmxr_read_cr4();
	uint64_t want0 = (cr0 | caps->cr0_fixed0) & caps->cr0_fixed1;
	uint64_t want4 = (cr4 | caps->cr4_fixed0 | VMX_CR4_VMXE) & caps->cr4_fixed1;

	if (!(want4 & VMX_CR4_VMXE))
		return vm_fail(VCPU_ENOTSUP, "vmx: IA32_VMX_CR4_FIXED1 (0x%llx) does not allow CR4.VMXE",
			       (unsigned long long)caps->cr4_fixed1);
	if ((want0 ^ cr0) & (VMX_CR0_PE | VMX_CR0_PG))
		return vm_fail(VCPU_ENOTSUP, "vmx: the host runs with CR0 = 0x%llx; VMX operation needs "
			       "protection and paging on", (unsigned long long)cr0);
	if (want0 != cr0)
		vmxr_write_cr0(want0);
	cpu.set_vmxe = !(cr4 & VMX_CR4_VMXE);
	if (want4 != cr4)
		vmxr_write_cr4(want4);
	return 0;
}

/* IA32_FEATURE_CONTROL: firmware may have locked VMX off; if it left the
 * MSR unlocked, enable VMX outside SMX and lock it, as firmware would. */
static int enable_in_feature_control(void)
{
	uint64_t fc = vmxr_rdmsr(VMX_MSR_IA32_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCKED) {
		if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
			return vm_fail(VCPU_ENOTSUP, "vmx: IA32_FEATURE_CONTROL = 0x%llx: locked with VMX "
				       "outside SMX disabled (firmware setting)", (unsigned long long)fc);
		return 0;
	}
	vmxr_wrmsr(VMX_MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCKED);
	return 0;
}

static int vmx_on(const struct vmx_caps *caps)
{
	uint32_t *region;
	int r;

	r = enable_in_feature_control();
	if (r == 0)
		r = fix_control_registers(caps);
	if (r < 0)
		return r;
	region = plat_alloc_aligned(4096, 4096);
	if (!region)
		return VCPU_ENOMEM;
	memset(region, 0, 4096);
	region[0] = (uint32_t)(caps->basic & VMX_BASIC_REVISION_MASK);
	r = vmxr_vmxon(vmxr_hpa(region));
	if (r) {
		plat_free(region);
		if (r == VMX_INSN_ERR_VMXON_IN_VMX_ROOT_OPERATION)
			return vm_fail(VCPU_EBUSY, "vmx: VMXON: this CPU is in VMX operation already "
				       "(another VMM?)");
		return vm_fail(VCPU_EVMX_INSN, "vmx: VMXON failed (%s): region at 0x%llx, revision %u",
			       r == VMXR_FAIL_INVALID ? "VMfailInvalid" : "VMfailValid",
			       (unsigned long long)vmxr_hpa(region), region[0]);
	}
	cpu.vmxon_region = region;
	cpu.current = 0;
	return 0;
}

int vmxr_cpu_get(struct vm *vm)
{
	uint32_t id[4];
	int r;

	vmxr_cpuid(1, 0, id);
	if (!(id[2] & CPUID_1_ECX_VMX))
		return vm_fail(VCPU_ENOTSUP, "vmx: this processor has no VMX (CPUID.1:ECX[5] = 0)");
	/* The capability MSRs can be read before VMXON: VMXON needs them. */
	vmxr_read_caps(vm);
	if (cpu.users == 0) {
		r = vmx_on(&vm->caps);
		if (r < 0)
			return r;
	}
	cpu.users++;
	return 0;
}

void vmxr_cpu_put(void)
{
	if (!cpu.users || --cpu.users)
		return;
	vmxr_vmxoff();
	plat_free(cpu.vmxon_region);
	cpu.vmxon_region = NULL;
	cpu.current = 0;
	if (cpu.set_vmxe)
		vmxr_write_cr4(vmxr_read_cr4() & ~VMX_CR4_VMXE);
}
