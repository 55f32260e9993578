/*
 * libvcpu - the raw VMX backend's ops table: the core's VMCLEAR, VMPTRLD,
 * VMREAD, VMWRITE and VMLAUNCH/VMRESUME are the processor's own.
 */
#include <string.h>

#include "vmx_raw_internal.h"

/* What an exit may change: every guest-state component and the exit
 * information, the registers the shim saves, the debug registers the
 * guest owns, and the "IA-32e mode guest" control where exits save it. */
static void set_volatile_slots(struct vm *vm)
{
	for (unsigned slot = 0; slot < VMCS_NR_FIELD_SLOTS; slot++) {
		enum vmcs_type type = vmcs_field_type(vmcs_slot_field(slot));

		if (type == VMCS_TYPE_GUEST || type == VMCS_TYPE_EXIT_INFO)
			slot_set_add(&vm->volatile_slots, slot);
	}
	if (vm->caps.misc & VMX_MISC_SAVE_EFER_LMA)
		slot_set_add(&vm->volatile_slots, VMCS_SLOT_VM_ENTRY_CONTROLS);
	for (unsigned n = 0; n < 16; n++)
		slot_set_add(&vm->volatile_slots, SLOT_GPR_BASE + n);
	slot_set_add(&vm->volatile_slots, SLOT_CR2);
	for (unsigned slot = SLOT_DR0; slot <= SLOT_DR6; slot++)
		slot_set_add(&vm->volatile_slots, slot);
}

static void vmxr_vm_fini(struct vm *vm)
{
	if (vm->backend) {
		vmxr_memory_fini(vm);
		plat_free(vm->backend);
		vm->backend = NULL;
	}
	vmxr_cpu_put();
}

static int vmxr_vm_init(struct vm *vm, const struct vm_options *opts)
{
	struct vmxr_vm *x;
	int r;

	(void)opts;
	if (vm->nr_pcpus != 1)
		return vm_fail(VCPU_ELIMIT, "vmx: the raw VMX backend runs on the logical CPU that calls it; "
			       "%u logical CPUs asked", vm->nr_pcpus);
	r = vmxr_cpu_get(vm);
	if (r < 0)
		return r;
	vmxr_set_features(vm);
	x = plat_alloc_aligned(sizeof(*x), 64);
	if (!x) {
		vmxr_cpu_put();
		return VCPU_ENOMEM;
	}
	memset(x, 0, sizeof(*x));
	vm->backend = x;
	vmxr_sgdt(&x->host_gdtr);
	vmxr_sidt(&x->host_idtr);
	r = vmxr_memory_init(vm);
	/* CPUID exits always: the core answers from a table that starts as
	 * what this processor reports. */
	if (r == 0)
		r = cpuid_load_host(vm);
	if (r < 0) {
		vmxr_vm_fini(vm);
		return r;
	}
	set_volatile_slots(vm);
	return 0;
}

static void vmxr_vcpu_fini(struct vcpu *vcpu)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);

	if (!v)
		return;
	/* The processor may hold VMCS data until a VMCLEAR writes it back;
	 * the region must be clear before it is memory again. */
	if (v->vmcs) {
		vmxr_vmclear(v->vmcs_hpa);
		if (vmxr_current() == v->vmcs_hpa)
			vmxr_current_is(0);
	}
	plat_free(v->vmcs);
	plat_free(v->msr_area);
	plat_free(v);
	vcpu->backend = NULL;
}

static int vmxr_vcpu_init(struct vcpu *vcpu)
{
	struct vmxr_vcpu *v;

	/* Before the core sets the power-on CR3 from it. */
	if (vmxr_identity_map_default(vcpu->vm) < 0)
		return VCPU_ENOMEM;
	v = plat_alloc_aligned(sizeof(*v), 64);
	if (!v)
		return VCPU_ENOMEM;
	memset(v, 0, sizeof(*v));
	vcpu->backend = v;
	v->vmcs = plat_alloc_aligned(4096, 4096);
	v->msr_area = plat_alloc_aligned(4096, 4096);
	if (!v->vmcs || !v->msr_area) {
		vmxr_vcpu_fini(vcpu);
		return VCPU_ENOMEM;
	}
	memset(v->vmcs, 0, 4096);
	memset(v->msr_area, 0, 4096);
	*(uint32_t *)v->vmcs = vcpu->vmcs.revision_id;
	v->vmcs_hpa = vmxr_hpa(v->vmcs);
	vmxr_put_host_state(vcpu);
	return 0;
}

static int vmxr_core_vmclear(struct vcpu *vcpu)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	int r = vmxr_vmclear(v->vmcs_hpa);

	if (r)
		return vmxr_insn_fail(vcpu, r, "VMCLEAR", NULL);
	if (vmxr_current() == v->vmcs_hpa)
		vmxr_current_is(0);
	return 0;
}

static int vmxr_core_vmptrld(struct vcpu *vcpu, unsigned pcpu)
{
	struct vmxr_vcpu *v = vmxr_vcpu_of(vcpu);
	int r;

	if (pcpu != 0)
		return vcpu_fail(vcpu, VCPU_EINVAL, "vmx: logical CPU %u: the raw VMX backend has only the "
				 "one it runs on", pcpu);
	r = vmxr_vmptrld(v->vmcs_hpa);
	if (r)
		return vmxr_insn_fail(vcpu, r, "VMPTRLD", NULL);
	vmxr_current_is(v->vmcs_hpa);
	return 0;
}

static bool vmxr_field_supported(struct vm *vm, uint32_t field)
{
	return vmx_caps_field_supported(&vm->caps, field);
}

static const char *vmxr_field_refuses(struct vcpu *vcpu, uint32_t field, uint64_t value)
{
	(void)vcpu;
	(void)value;
	if (field == VMCS_HOST_RSP || field == VMCS_HOST_RIP)
		return "the shim owns the VM-exit entry point and its stack";
	return NULL;
}

static uint64_t vmxr_page_hpa(struct vm *vm, void *page)
{
	(void)vm;
	return vmxr_hpa(page);
}

static uint64_t vmxr_host_tsc(struct vm *vm)
{
	(void)vm;
	return vmxr_rdtsc();
}

const struct vcpu_backend_ops vmx_raw_backend_ops = {
	.name = "vmx",
	/* The most this backend expresses; vm_init keeps what the CPU has. */
	.caps = VCPU_BACKEND_CAP_IO_BITMAPS | VCPU_BACKEND_CAP_MSR_BITMAPS | VCPU_BACKEND_CAP_CR_SHADOW |
		VCPU_BACKEND_CAP_EPT | VCPU_BACKEND_CAP_VMX_INSN | VCPU_BACKEND_CAP_VMX_CONTROLS |
		VCPU_BACKEND_CAP_EXCEPTION_BITMAP | VCPU_BACKEND_CAP_TSC_OFFSET,
	.vm_init = vmxr_vm_init,
	.vm_fini = vmxr_vm_fini,
	.vcpu_init = vmxr_vcpu_init,
	.vcpu_fini = vmxr_vcpu_fini,
	.vmclear = vmxr_core_vmclear,
	.vmptrld = vmxr_core_vmptrld,
	.read_slot = vmxr_read_slot,
	.flush = vmxr_flush,
	.enter = vmxr_enter_guest,
	.field_supported = vmxr_field_supported,
	.map_memory = vmxr_map_memory,
	.page_hpa = vmxr_page_hpa,
	.eptp = vmxr_eptp,
	.host_tsc = vmxr_host_tsc,
	.power_on_written = vmxr_setup_msr_areas,
	.field_refuses = vmxr_field_refuses,
};
