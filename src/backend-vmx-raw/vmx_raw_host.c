/*
 * libvcpu - the host-state area: what a VM exit loads (SDM Vol. 3C
 * "Loading Host State"), taken from the CPU as it runs the host.
 */
#include <string.h>

#include "vmx_raw_internal.h"

/* The TSS base from TR's descriptor: in IA-32e mode a 16-byte system
 * descriptor with base bits 63:32 in its second half. */
static uint64_t tss_base(const struct vmxr_dtr *gdt, uint16_t tr)
{
	const uint8_t *d = (const uint8_t *)(uintptr_t)gdt->base + (tr & ~7u);
	uint64_t lo, hi;

	if (!(tr & ~7u) || (tr & 4) || (tr | 15u) > gdt->limit)
		return 0;	/* no usable TR: the host-state checks say so */
	memcpy(&lo, d, 8);
	memcpy(&hi, d + 8, 8);
	return (lo >> 16 & 0xffffffull) | (lo >> 56 & 0xffull) << 24 | (hi & 0xffffffffull) << 32;
}

static void put(struct vcpu *vcpu, unsigned slot, uint64_t value)
{
	if (slot_set_has(&vcpu->vm->supported, slot))
		vmcs_put(vcpu, slot, value);
}

void vmxr_put_host_state(struct vcpu *vcpu)
{
	struct vmxr_dtr gdt, idt;
	uint16_t tr = vmxr_read_tr();

	vmxr_sgdt(&gdt);
	vmxr_sidt(&idt);
	put(vcpu, VMCS_SLOT_HOST_CR0, vmxr_read_cr0());
	put(vcpu, VMCS_SLOT_HOST_CR3, vmxr_read_cr3());
	put(vcpu, VMCS_SLOT_HOST_CR4, vmxr_read_cr4());
	put(vcpu, VMCS_SLOT_HOST_CS_SELECTOR, vmxr_read_cs());
	put(vcpu, VMCS_SLOT_HOST_SS_SELECTOR, vmxr_read_ss());
	put(vcpu, VMCS_SLOT_HOST_DS_SELECTOR, vmxr_read_ds());
	put(vcpu, VMCS_SLOT_HOST_ES_SELECTOR, vmxr_read_es());
	put(vcpu, VMCS_SLOT_HOST_FS_SELECTOR, vmxr_read_fs());
	put(vcpu, VMCS_SLOT_HOST_GS_SELECTOR, vmxr_read_gs());
	put(vcpu, VMCS_SLOT_HOST_TR_SELECTOR, tr);
	put(vcpu, VMCS_SLOT_HOST_FS_BASE, vmxr_rdmsr(VMX_MSR_IA32_FS_BASE));
	put(vcpu, VMCS_SLOT_HOST_GS_BASE, vmxr_rdmsr(VMX_MSR_IA32_GS_BASE));
	put(vcpu, VMCS_SLOT_HOST_TR_BASE, tss_base(&gdt, tr));
	put(vcpu, VMCS_SLOT_HOST_GDTR_BASE, gdt.base);
	put(vcpu, VMCS_SLOT_HOST_IDTR_BASE, idt.base);
	put(vcpu, VMCS_SLOT_HOST_IA32_SYSENTER_CS, vmxr_rdmsr(VMX_MSR_IA32_SYSENTER_CS) & 0xffffffffu);
	put(vcpu, VMCS_SLOT_HOST_IA32_SYSENTER_ESP, vmxr_rdmsr(VMX_MSR_IA32_SYSENTER_ESP));
	put(vcpu, VMCS_SLOT_HOST_IA32_SYSENTER_EIP, vmxr_rdmsr(VMX_MSR_IA32_SYSENTER_EIP));
	put(vcpu, VMCS_SLOT_HOST_IA32_EFER, vmxr_rdmsr(VMX_MSR_IA32_EFER));
	put(vcpu, VMCS_SLOT_HOST_IA32_PAT, vmxr_rdmsr(VMX_MSR_IA32_PAT));
	/* HOST_RSP is the shim's to write: it knows the stack at entry. */
	put(vcpu, VMCS_SLOT_HOST_RIP, (uint64_t)(uintptr_t)vmxr_exit_entry);
}
