/*
 * libvcpu - event injection: external interrupts, NMIs and exceptions
 * queued for a VCPU and delivered through the VM-entry interruption-
 * information field when the guest can take them; otherwise the core asks
 * for an interrupt-window (or NMI-window) exit and delivers then. An event
 * whose delivery an exit cut off (IDT-vectoring information) is re-injected
 * first (SDM Vol. 3C "Event Injection" and "Information for VM Exits That
 * Occur During Event Delivery").
 */
#include "core.h"

static void update_any(struct pending_events *ev)
{
	ev->any = ev->nmi || ev->exception || (ev->irr[0] | ev->irr[1] | ev->irr[2] | ev->irr[3]);
}

static void wake(struct vcpu *vcpu)
{
	if (vcpu->state == VCPU_STATE_BLOCKED)
		vcpu->state = VCPU_STATE_RUNNABLE;
}

int vcpu_inject_interrupt(struct vcpu *vcpu, uint8_t vector)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	/* Vectors 0-15 are reserved for exceptions in an interrupt controller. */
	if (vector < 16)
		return vcpu_fail(vcpu, VCPU_EINVAL, "interrupt vector %u is reserved (0-15)", vector);
	vcpu->events.irr[vector / 64] |= 1ull << (vector % 64);
	vcpu->events.any = true;
	wake(vcpu);
	return 0;
}

int vcpu_inject_nmi(struct vcpu *vcpu)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	vcpu->events.nmi = true;
	vcpu->events.any = true;
	wake(vcpu);
	return 0;
}

int vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, uint32_t error_code)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if (vector >= 32 || vector == VMX_VECTOR_NMI)
		return vcpu_fail(vcpu, VCPU_EINVAL, "vector %u is not an exception", vector);
	vcpu->events.exception = true;
	vcpu->events.exception_vector = vector;
	vcpu->events.exception_error_code = error_code;
	vcpu->events.any = true;
	return 0;
}

void vcpu_raise_gp(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, VMX_VECTOR_GP, 0);
}

void vcpu_raise_ud(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, VMX_VECTOR_UD, 0);
}

static int highest_pending_vector(const struct pending_events *ev)
{
	for (int w = 3; w >= 0; w--)
		if (ev->irr[w])
			return w * 64 + 63 - __builtin_clzll(ev->irr[w]);
	return -1;
}

static void set_window_exiting(struct vcpu *vcpu, uint32_t bit, bool on)
{
	uint64_t proc = vmcs_val(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);
	uint64_t want = on ? proc | bit : proc & ~(uint64_t)bit;

	if (want != proc)
		vmcs_put(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL, want);
}

static void inject(struct vcpu *vcpu, uint8_t vector, enum vmx_intr_type type, bool has_code,
		   uint32_t code)
{
	vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD, vmx_intr_info_make(vector, type, has_code));
	if (has_code)
		vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE, code);
}

/* Real mode delivers through the IVT and pushes no error code; with
 * unrestricted guest and CR0.PE = 0 the entry checks even forbid one. */
static bool delivers_error_code(struct vcpu *vcpu, uint8_t vector)
{
	return vmx_vector_has_error_code(vector) && (cr0_guest_view(vcpu) & VMX_CR0_PE);
}

static bool interrupt_blocked(struct vcpu *vcpu)
{
	uint64_t intr = vmcs_val(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO);

	return !(vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS) & VMX_RFLAGS_IF) ||
	       (intr & (VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS));
}

static bool nmi_blocked(struct vcpu *vcpu)
{
	uint64_t intr = vmcs_val(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO);

	return intr & (VMX_GUEST_INTR_STATE_NMI | VMX_GUEST_INTR_STATE_MOV_SS | VMX_GUEST_INTR_STATE_STI);
}

bool event_deliverable_now(struct vcpu *vcpu)
{
	const struct pending_events *ev = &vcpu->events;
	int vector = highest_pending_vector(ev);

	if (ev->exception || (ev->nmi && !nmi_blocked(vcpu)))
		return true;
	return vector >= 0 && !interrupt_blocked(vcpu) && (uint64_t)(vector >> 4) > vcpu->tpr;
}

int event_prepare_entry(struct vcpu *vcpu)
{
	struct pending_events *ev = &vcpu->events;
	bool injected = false;
	int vector;

	/* One event per entry; a re-injected one goes first. */
	if (vmcs_val(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD) & VMX_INTR_INFO_VALID_MASK)
		return 0;

	vector = highest_pending_vector(ev);
	if (ev->exception) {
		ev->exception = false;
		injected = true;
		inject(vcpu, ev->exception_vector, VMX_INTR_TYPE_HARD_EXCEPTION,
		       delivers_error_code(vcpu, ev->exception_vector), ev->exception_error_code);
	} else if (ev->nmi && !nmi_blocked(vcpu)) {
		ev->nmi = false;
		injected = true;
		inject(vcpu, VMX_VECTOR_NMI, VMX_INTR_TYPE_NMI_INTR, false, 0);
	} else if (vector >= 0 && !interrupt_blocked(vcpu) && (uint64_t)(vector >> 4) > vcpu->tpr) {
		/* The TPR (CR8) masks priority classes at or below it. */
		ev->irr[vector / 64] &= ~(1ull << (vector % 64));
		injected = true;
		inject(vcpu, (uint8_t)vector, VMX_INTR_TYPE_EXT_INTR, false, 0);
	}
	update_any(ev);

	/*
	 * What still waits asks for the exit that opens its window: when the
	 * guest blocks it, or when this entry's delivery will. An interrupt
	 * held back only by the TPR waits for the guest's next CR8 write
	 * instead; a window exit would repeat forever while IF stays 1.
	 */
	vector = highest_pending_vector(ev);
	set_window_exiting(vcpu, VMX_CPU_BASED_NMI_WINDOW_EXITING, ev->nmi);
	set_window_exiting(vcpu, VMX_CPU_BASED_INTR_WINDOW_EXITING,
			   vector >= 0 && (injected || interrupt_blocked(vcpu)));
	return 0;
}

/* The interrupt or NMI window opened: stop asking, deliver on this entry. */
int exit_handle_interrupt_window(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	uint32_t bit = vmx_exit_basic_reason(exit) == VMX_EXIT_REASON_NMI_WINDOW
			       ? VMX_CPU_BASED_NMI_WINDOW_EXITING
			       : VMX_CPU_BASED_INTR_WINDOW_EXITING;

	set_window_exiting(vcpu, bit, false);
	return VCPU_EXIT_RESUME;
}

void event_save_idt_vectoring(struct vcpu *vcpu)
{
	const struct vmx_exit *e = &vcpu->exit;
	struct vmx_intr_info info = vmx_decode_intr_info(e->idt_vectoring_info);

	/* Re-inject exactly what was being delivered; software events need
	 * their instruction length again (SDM 27.2.4 / 28.3.3). */
	vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD,
		 e->idt_vectoring_info & ~(uint32_t)VMX_INTR_INFO_RESVD_BITS_MASK);
	if (info.has_error_code)
		vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE, e->idt_vectoring_error_code);
	if (info.type == VMX_INTR_TYPE_SOFT_INTR || info.type == VMX_INTR_TYPE_SOFT_EXCEPTION ||
	    info.type == VMX_INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN, e->instruction_len);
}
