/*
 * libvcpu - the default CPUID handler: answers from the VM's table.
 *
 * As the SDM specifies for CPUID: a leaf above the highest basic leaf (or,
 * in the 8000_0000h range, above the highest extended leaf) returns the
 * highest basic leaf's data; an absent leaf within range reads as zeros.
 * The hypervisor range 4000_0000h-4FFF_FFFFh is a range of its own when
 * the table has leaf 4000_0000h. Per VCPU, as on hardware: CPUID.1:ECX[27]
 * (OSXSAVE) mirrors the guest's CR4.OSXSAVE, and the initial APIC ID
 * (CPUID.1:EBX[31:24], CPUID.0BH/1FH:EDX) is the VCPU's id.
 */
#include "core.h"

#define CPUID_OSXSAVE (1u << 27)
#define CPUID_HV_BASE 0x40000000u
#define CPUID_EXT_BASE 0x80000000u

const struct vcpu_cpuid_entry *cpuid_find(const struct vm *vm, uint32_t leaf, uint32_t subleaf)
{
	for (unsigned i = 0; i < vm->nr_cpuid; i++) {
		const struct vcpu_cpuid_entry *e = &vm->cpuid[i];

		if (e->leaf == leaf && (e->subleaf == VCPU_CPUID_SUBLEAF_ANY || e->subleaf == subleaf))
			return e;
	}
	return NULL;
}

void cpuid_patch_for_vcpu(const struct vcpu *vcpu, struct vcpu_cpuid_entry *e)
{
	if (e->leaf == 1)
		e->ebx = (e->ebx & 0x00ffffffu) | (vcpu->id << 24);
	if (e->leaf == 0xb || e->leaf == 0x1f)
		e->edx = vcpu->id;
}

void cpuid_lookup(struct vcpu *vcpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	const struct vm *vm = vcpu->vm;
	const struct vcpu_cpuid_entry *e;
	uint32_t max = vm->cpuid_max_basic;

	if (leaf >= CPUID_EXT_BASE)
		max = vm->cpuid_max_extended;
	else if (leaf >= CPUID_HV_BASE && leaf < 0x50000000u && vm->cpuid_max_hypervisor)
		max = vm->cpuid_max_hypervisor;
	if (leaf > max) {
		leaf = vm->cpuid_max_basic;
		subleaf = 0;
	}
	e = cpuid_find(vm, leaf, subleaf);
	if (e) {
		struct vcpu_cpuid_entry mine = *e;

		cpuid_patch_for_vcpu(vcpu, &mine);
		out[0] = mine.eax;
		out[1] = mine.ebx;
		out[2] = mine.ecx;
		out[3] = mine.edx;
	} else {
		out[0] = out[1] = out[2] = out[3] = 0;
	}
	if (leaf == 1) {
		out[2] &= ~CPUID_OSXSAVE;
		if (cr4_guest_view(vcpu) & VMX_CR4_OSXSAVE)
			out[2] |= CPUID_OSXSAVE;
	}
}

int exit_handle_cpuid(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	uint32_t out[4];

	(void)exit;
	cpuid_lookup(vcpu, (uint32_t)vcpu_gpr(vcpu, VCPU_REG_RAX), (uint32_t)vcpu_gpr(vcpu, VCPU_REG_RCX),
		     out);
	/* CPUID writes EAX..EDX zero-extended to 64 bits. */
	vcpu_set_gpr(vcpu, VCPU_REG_RAX, out[0]);
	vcpu_set_gpr(vcpu, VCPU_REG_RBX, out[1]);
	vcpu_set_gpr(vcpu, VCPU_REG_RCX, out[2]);
	vcpu_set_gpr(vcpu, VCPU_REG_RDX, out[3]);
	vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}
