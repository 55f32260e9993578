/*
 * libvcpu - a new VCPU's VMCS: execution, exit and entry controls derived
 * from the capability MSRs, and guest state at the processor's power-on
 * values (SDM Vol. 3A Table "IA-32 and Intel 64 Processor States Following
 * Power-up, Reset, or INIT"). Host state is the backend's (vcpu_init).
 */
#include "core.h"

/* Only what the CPU (or backend) has: a backend such as KVM owns most of
 * the controls and some guest state. */
static void put(struct vcpu *vcpu, unsigned slot, uint64_t value)
{
	if (vm_has_slot(vcpu->vm, slot))
		vmcs_put(vcpu, slot, value);
}

static void put_ctl(struct vcpu *vcpu, unsigned slot, enum vmx_ctl ctl, uint32_t wanted)
{
	put(vcpu, slot, vmx_ctl_adjust(&vcpu->vm->caps, ctl, wanted));
}

void vcpu_setup_controls(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	const struct vmx_caps *caps = &vm->caps;
	uint32_t pin, proc, proc2 = 0;

	/* A backend that owns the controls (KVM) still gets the few it can
	 * express (interrupt windows, TSC offset) from its capability MSRs. */
	pin = VMX_PIN_BASED_EXT_INTR_MASK | VMX_PIN_BASED_NMI_EXITING;
	/* Virtual NMIs give NMI-window exiting and NMI blocking to track. */
	if (vmx_ctl_can_set(caps, VMX_CTL_PINBASED, VMX_PIN_BASED_VIRTUAL_NMIS | VMX_PIN_BASED_NMI_EXITING))
		pin |= VMX_PIN_BASED_VIRTUAL_NMIS;
	put_ctl(vcpu, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL, VMX_CTL_PINBASED, pin);

	proc = VMX_CPU_BASED_HLT_EXITING | VMX_CPU_BASED_USE_TSC_OFFSETTING |
	       VMX_CPU_BASED_CR8_LOAD_EXITING | VMX_CPU_BASED_CR8_STORE_EXITING;
	proc |= vm_feature(vm, VCPU_BACKEND_CAP_IO_BITMAPS) ? VMX_CPU_BASED_USE_IO_BITMAPS
							     : VMX_CPU_BASED_UNCOND_IO_EXITING;
	if (vm_feature(vm, VCPU_BACKEND_CAP_MSR_BITMAPS))
		proc |= VMX_CPU_BASED_USE_MSR_BITMAPS;
	/* Without unrestricted guest the core substitutes the guest's CR3
	 * (identity map while paging is off), so it must see every access. */
	if (!vm->unrestricted_guest)
		proc |= VMX_CPU_BASED_CR3_LOAD_EXITING | VMX_CPU_BASED_CR3_STORE_EXITING;
	if (vmx_ctl_can_set(caps, VMX_CTL_PROCBASED, VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		proc |= VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
		if (vm->unrestricted_guest && vm_feature(vm, VCPU_BACKEND_CAP_EPT))
			proc2 |= VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST | VMX_SECONDARY_EXEC_ENABLE_EPT;
		if (vmx_ctl_can_set(caps, VMX_CTL_PROCBASED2, VMX_SECONDARY_EXEC_ENABLE_RDTSCP))
			proc2 |= VMX_SECONDARY_EXEC_ENABLE_RDTSCP;
	}
	put_ctl(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL, VMX_CTL_PROCBASED, proc);
	if (proc & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		put_ctl(vcpu, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL, VMX_CTL_PROCBASED2, proc2);

	/* No "acknowledge interrupt on exit": a host interrupt stays pending
	 * in the host's interrupt controller for the host to take, rather
	 * than arriving as a vector every embedder would have to dispatch. */
	put_ctl(vcpu, VMCS_SLOT_VM_EXIT_CONTROLS, VMX_CTL_EXIT,
		VMX_VM_EXIT_HOST_ADDR_SPACE_SIZE | VMX_VM_EXIT_SAVE_IA32_EFER | VMX_VM_EXIT_LOAD_IA32_EFER |
		VMX_VM_EXIT_SAVE_IA32_PAT | VMX_VM_EXIT_LOAD_IA32_PAT);
	put_ctl(vcpu, VMCS_SLOT_VM_ENTRY_CONTROLS, VMX_CTL_ENTRY,
		VMX_VM_ENTRY_LOAD_IA32_EFER | VMX_VM_ENTRY_LOAD_IA32_PAT);

	put(vcpu, VMCS_SLOT_EXCEPTION_BITMAP, 0);
	put(vcpu, VMCS_SLOT_PAGE_FAULT_ERROR_CODE_MASK, 0);
	put(vcpu, VMCS_SLOT_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	put(vcpu, VMCS_SLOT_CR3_TARGET_COUNT, 0);
	put(vcpu, VMCS_SLOT_VM_EXIT_MSR_STORE_COUNT, 0);
	put(vcpu, VMCS_SLOT_VM_EXIT_MSR_LOAD_COUNT, 0);
	put(vcpu, VMCS_SLOT_VM_ENTRY_MSR_LOAD_COUNT, 0);
	put(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD, 0);
	put(vcpu, VMCS_SLOT_TSC_OFFSET, 0);
	put(vcpu, VMCS_SLOT_VMCS_LINK_POINTER, ~0ull);

	if (vm_feature(vm, VCPU_BACKEND_CAP_IO_BITMAPS)) {
		put(vcpu, VMCS_SLOT_IO_BITMAP_A, vm->ops->page_hpa(vm, vcpu->io_bitmap));
		put(vcpu, VMCS_SLOT_IO_BITMAP_B, vm->ops->page_hpa(vm, vcpu->io_bitmap + 4096));
	}
	if (vm_feature(vm, VCPU_BACKEND_CAP_MSR_BITMAPS))
		put(vcpu, VMCS_SLOT_MSR_BITMAP, vm->ops->page_hpa(vm, vcpu->msr_bitmap));
	if (vm->unrestricted_guest && vm_feature(vm, VCPU_BACKEND_CAP_EPT))
		put(vcpu, VMCS_SLOT_EPT_POINTER, vm->ops->eptp(vm));
}

struct segment_init {
	unsigned selector, base, limit, ar;
};

static void put_segment(struct vcpu *vcpu, unsigned sel_slot, unsigned base_slot, unsigned limit_slot,
			unsigned ar_slot, struct segment_init s)
{
	put(vcpu, sel_slot, s.selector);
	put(vcpu, base_slot, s.base);
	put(vcpu, limit_slot, s.limit);
	put(vcpu, ar_slot, s.ar);
}

#define PUT_SEGMENT(vcpu, seg, init)                                                    \
	put_segment(vcpu, VMCS_SLOT_GUEST_##seg##_SELECTOR, VMCS_SLOT_GUEST_##seg##_BASE, \
		    VMCS_SLOT_GUEST_##seg##_LIMIT, VMCS_SLOT_GUEST_##seg##_AR_BYTES, init)

void vcpu_setup_power_on_state(struct vcpu *vcpu)
{
	/* Present, accessed; code read/execute for CS, data read/write else. */
	const struct segment_init code = { 0xf000, 0xffff0000u, 0xffff, 0x9b };
	const struct segment_init data = { 0, 0, 0xffff, 0x93 };
	/* VM entry wants TR to be a busy TSS and a usable LDTR to be an LDT. */
	const struct segment_init ldtr = { 0, 0, 0xffff, 0x82 };
	const struct segment_init tr = { 0, 0, 0xffff, 0x8b };

	PUT_SEGMENT(vcpu, CS, code);
	PUT_SEGMENT(vcpu, SS, data);
	PUT_SEGMENT(vcpu, DS, data);
	PUT_SEGMENT(vcpu, ES, data);
	PUT_SEGMENT(vcpu, FS, data);
	PUT_SEGMENT(vcpu, GS, data);
	PUT_SEGMENT(vcpu, LDTR, ldtr);
	PUT_SEGMENT(vcpu, TR, tr);
	put(vcpu, VMCS_SLOT_GUEST_GDTR_BASE, 0);
	put(vcpu, VMCS_SLOT_GUEST_GDTR_LIMIT, 0xffff);
	put(vcpu, VMCS_SLOT_GUEST_IDTR_BASE, 0);
	put(vcpu, VMCS_SLOT_GUEST_IDTR_LIMIT, 0xffff);

	put(vcpu, VMCS_SLOT_GUEST_RIP, 0xfff0);
	put(vcpu, VMCS_SLOT_GUEST_RFLAGS, VMX_RFLAGS_FIXED1);
	put(vcpu, VMCS_SLOT_GUEST_RSP, 0);
	for (unsigned n = 0; n < 16; n++)
		if (n != VCPU_REG_RSP)
			put(vcpu, SLOT_GPR_BASE + n, 0);
	/* EDX holds the processor signature after reset (family 6 here). */
	put(vcpu, SLOT_GPR_BASE + VCPU_REG_RDX, 0x600);
	put(vcpu, SLOT_CR2, 0);
	for (unsigned n = 0; n < 4; n++)
		put(vcpu, SLOT_DR0 + n, 0);
	put(vcpu, SLOT_DR6, 0xffff0ff0);
	put(vcpu, SLOT_XCR0, 1);
	put(vcpu, VMCS_SLOT_GUEST_DR7, 0x400);

	put(vcpu, vcpu->vm->efer_slot, 0);
	put(vcpu, vcpu->vm->pat_slot, 0x0007040600070406ull);
	put(vcpu, VMCS_SLOT_GUEST_IA32_DEBUGCTL, 0);
	put(vcpu, VMCS_SLOT_GUEST_SYSENTER_CS, 0);
	put(vcpu, VMCS_SLOT_GUEST_SYSENTER_ESP, 0);
	put(vcpu, VMCS_SLOT_GUEST_SYSENTER_EIP, 0);
	put(vcpu, VMCS_SLOT_GUEST_ACTIVITY_STATE, VMX_GUEST_ACTIVITY_ACTIVE);
	put(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO, 0);
	put(vcpu, VMCS_SLOT_GUEST_PENDING_DBG_EXCEPTIONS, 0);

	/* CR0 = CD | NW | ET, CR3 = CR4 = 0, through the shadowing rules. */
	cr_init_vcpu(vcpu);
}
