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
	/* Error codes are 16 bits: VM entry refuses bits 31:16 (SDM 26.2.1.3). */
	if (vmx_vector_has_error_code(vector) && (error_code >> 16))
		return vcpu_fail(vcpu, VCPU_EINVAL, "error code 0x%x of vector %u sets bits 31:16", error_code,
				 vector);
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
	uint64_t proc;

	if (!vm_has_slot(vcpu->vm, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL))
		return;
	proc = vmcs_val(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);
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

/* The entry checks (SDM 26.2.1.3) tie deliver-error-code to the controls
 * and the real CR0.PE, exactly: 1 for these vectors unless "unrestricted
 * guest" is on and CR0.PE is 0 (real mode, where the IVT takes none). */
static bool delivers_error_code(struct vcpu *vcpu, uint8_t vector)
{
	bool ug = (vmcs_val(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &&
		  (vmcs_val(vcpu, VMCS_SLOT_SECONDARY_VM_EXEC_CONTROL) & VMX_SECONDARY_EXEC_UNRESTRICTED_GUEST);

	return vmx_vector_has_error_code(vector) && (!ug || (vmcs_val(vcpu, VMCS_SLOT_GUEST_CR0) & VMX_CR0_PE));
}

static uint64_t interruptibility(struct vcpu *vcpu)
{
	return vmcs_val(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO);
}

static bool interrupt_blocked(struct vcpu *vcpu)
{
	return !(vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS) & VMX_RFLAGS_IF) ||
	       (interruptibility(vcpu) & (VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS));
}

/* Blocking an NMI-window exit waits out (STI blocking does not count). */
static bool nmi_window_closed(struct vcpu *vcpu)
{
	return interruptibility(vcpu) & (VMX_GUEST_INTR_STATE_NMI | VMX_GUEST_INTR_STATE_MOV_SS);
}

/* NMI injection also waits out an STI shadow, as processors may require. */
static bool nmi_blocked(struct vcpu *vcpu)
{
	return nmi_window_closed(vcpu) || (interruptibility(vcpu) & VMX_GUEST_INTR_STATE_STI);
}

bool event_deliverable_now(struct vcpu *vcpu)
{
	const struct pending_events *ev = &vcpu->events;
	int vector = highest_pending_vector(ev);

	if (ev->exception || (ev->nmi && !nmi_blocked(vcpu)))
		return true;
	return vector >= 0 && !interrupt_blocked(vcpu) && (uint64_t)(vector >> 4) > vcpu->tpr;
}

/* Pick this entry's event from the queue, if one can go in now. */
static bool inject_one(struct vcpu *vcpu)
{
	struct pending_events *ev = &vcpu->events;
	int vector = highest_pending_vector(ev);

	if (ev->exception) {
		ev->exception = false;
		inject(vcpu, ev->exception_vector, VMX_INTR_TYPE_HARD_EXCEPTION,
		       delivers_error_code(vcpu, ev->exception_vector), ev->exception_error_code);
		return true;
	}
	/* A backend that queues NMIs (KVM) delivers it when NMIs unblock. */
	if (ev->nmi && (!nmi_blocked(vcpu) || vm_feature(vcpu->vm, VCPU_BACKEND_CAP_NMI_QUEUE))) {
		ev->nmi = false;
		inject(vcpu, VMX_VECTOR_NMI, VMX_INTR_TYPE_NMI_INTR, false, 0);
		return true;
	}
	/* The TPR (CR8) masks priority classes at or below it. */
	if (vector >= 0 && !interrupt_blocked(vcpu) && (uint64_t)(vector >> 4) > vcpu->tpr) {
		ev->irr[vector / 64] &= ~(1ull << (vector % 64));
		inject(vcpu, (uint8_t)vector, VMX_INTR_TYPE_EXT_INTR, false, 0);
		return true;
	}
	return false;
}

int event_prepare_entry(struct vcpu *vcpu)
{
	struct pending_events *ev = &vcpu->events;
	bool vnmi = vmcs_val(vcpu, VMCS_SLOT_PIN_BASED_VM_EXEC_CONTROL) & VMX_PIN_BASED_VIRTUAL_NMIS;
	bool busy, sti_only, nmi_window, intr_window;

	/* (Without unrestricted guest, a real-mode guest's event is delivered
	 * through its IVT by realmode.c, not by the hardware.) */
	/* One event per entry; one already there (re-injected) goes first. */
	busy = vmcs_val(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD) & VMX_INTR_INFO_VALID_MASK;
	if (!busy)
		busy = inject_one(vcpu);
	update_any(ev);

	/*
	 * What still waits asks for the exit that opens its window: when the
	 * guest blocks it, or when this entry's delivery will. An NMI held
	 * back only by an STI shadow (which NMI windows ignore), or on a CPU
	 * without virtual NMIs, takes the interrupt window instead. An
	 * interrupt held back only by the TPR waits for the guest's next CR8
	 * write: a window exit would repeat forever while IF stays 1.
	 */
	sti_only = ev->nmi && !nmi_window_closed(vcpu) && nmi_blocked(vcpu);
	nmi_window = ev->nmi && vnmi && !sti_only &&
		     vm_has_slot(vcpu->vm, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL);
	intr_window = (highest_pending_vector(ev) >= 0 && (busy || interrupt_blocked(vcpu))) ||
		      (ev->nmi && !nmi_window);
	set_window_exiting(vcpu, VMX_CPU_BASED_NMI_WINDOW_EXITING, nmi_window);
	set_window_exiting(vcpu, VMX_CPU_BASED_INTR_WINDOW_EXITING, intr_window);
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

/*
 * After an exit: re-inject exactly the event whose delivery it cut off
 * (software events need their instruction length again), or, if it
 * interrupted an IRET that had unblocked NMIs, block NMIs again as that
 * IRET will run once more (SDM "Information for VM Exits Due to Vectored
 * Events" and "Information About NMI Unblocking Due to IRET").
 */
void event_after_exit(struct vcpu *vcpu)
{
	const struct vmx_exit *e = &vcpu->exit;
	struct vmx_intr_info info = vmx_decode_intr_info(e->idt_vectoring_info);
	unsigned basic = vmx_exit_basic_reason(e);
	bool unblocked;

	if (info.valid) {
		vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD,
			 e->idt_vectoring_info & ~(uint32_t)VMX_INTR_INFO_RESVD_BITS_MASK);
		if (info.has_error_code)
			vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE, e->idt_vectoring_error_code);
		if (info.type == VMX_INTR_TYPE_SOFT_INTR || info.type == VMX_INTR_TYPE_SOFT_EXCEPTION ||
		    info.type == VMX_INTR_TYPE_PRIV_SW_EXCEPTION)
			vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN, e->instruction_len);
		return;
	}
	if (basic == VMX_EXIT_REASON_EXCEPTION_NMI)
		unblocked = (e->intr_info & VMX_INTR_INFO_VALID_MASK) && (e->intr_info & VMX_INTR_INFO_UNBLOCK_NMI) &&
			    (e->intr_info & VMX_INTR_INFO_VECTOR_MASK) != VMX_VECTOR_DF;
	else
		unblocked = (basic == VMX_EXIT_REASON_EPT_VIOLATION || basic == VMX_EXIT_REASON_PML_FULL) &&
			    (e->qualification & (1u << 12));
	if (unblocked)
		vmcs_put(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO,
			 interruptibility(vcpu) | VMX_GUEST_INTR_STATE_NMI);
}
