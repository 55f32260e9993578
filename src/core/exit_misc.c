/*
 * libvcpu - default handlers for the small exits: exceptions and NMIs,
 * external interrupts, HLT, PAUSE, RDTSC/RDTSCP, VMCALL and XSETBV.
 */
#include "core.h"

/* #DE, #TS, #NP, #SS, #GP: the contributory exceptions of the SDM's
 * double-fault table ("Conditions for Generating a Double Fault"). */
static bool contributory(unsigned vector)
{
	return vector == VMX_VECTOR_DE || (vector >= VMX_VECTOR_TS && vector <= VMX_VECTOR_GP);
}

/*
 * Reflect an intercepted exception into the guest. If the exit cut off the
 * delivery of another event, the SDM's double-fault rules decide: the two
 * merge into #DF, a fault on #DF delivery is a triple fault, and otherwise
 * the new exception goes first while the interrupted event waits its turn
 * (a software event is simply regenerated when its instruction reruns).
 */
static int reflect_exception(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	struct vmx_intr_info now = vmx_decode_intr_info(exit->intr_info);
	struct vmx_intr_info prev = vmx_decode_intr_info(exit->idt_vectoring_info);
	uint32_t info = exit->intr_info & ~(uint32_t)(VMX_INTR_INFO_UNBLOCK_NMI | VMX_INTR_INFO_RESVD_BITS_MASK);
	uint32_t code = exit->intr_error_code;

	if (prev.valid) {
		if (prev.type == VMX_INTR_TYPE_HARD_EXCEPTION) {
			bool prev_pf = prev.vector == VMX_VECTOR_PF;
			bool now_pf_or_contrib = now.vector == VMX_VECTOR_PF || contributory(now.vector);

			if (prev.vector == VMX_VECTOR_DF && now_pf_or_contrib)
				return vcpu_fail(vcpu, VCPU_ETRIPLE_FAULT,
						 "exception %u while delivering #DF: triple fault",
						 now.vector);
			if ((contributory(prev.vector) && contributory(now.vector)) ||
			    (prev_pf && now_pf_or_contrib)) {
				info = vmx_intr_info_make(VMX_VECTOR_DF, VMX_INTR_TYPE_HARD_EXCEPTION,
							  true);
				code = 0;
			}
		} else if (prev.type == VMX_INTR_TYPE_EXT_INTR) {
			vcpu_inject_interrupt(vcpu, prev.vector);
		} else if (prev.type == VMX_INTR_TYPE_NMI_INTR) {
			vcpu_inject_nmi(vcpu);
		}
	}
	/* What the exception reports outside the stack: the faulting address
	 * for #PF, the debug conditions (B0-B3, BD, BS) for #DB. */
	if ((info & VMX_INTR_INFO_VECTOR_MASK) == VMX_VECTOR_PF)
		vmcs_put(vcpu, SLOT_CR2, exit->qualification);
	if ((info & VMX_INTR_INFO_VECTOR_MASK) == VMX_VECTOR_DB) {
		uint64_t conditions = 0xf | (1u << 13) | (1u << 14);

		vmcs_put(vcpu, SLOT_DR6, (vmcs_val(vcpu, SLOT_DR6) & ~conditions) | (exit->qualification & conditions));
	}
	vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD, info);
	if (info & VMX_INTR_INFO_DELIVER_CODE_MASK)
		vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_EXCEPTION_ERROR_CODE, code);
	if (now.type == VMX_INTR_TYPE_SOFT_EXCEPTION || now.type == VMX_INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_put(vcpu, VMCS_SLOT_VM_ENTRY_INSTRUCTION_LEN, exit->instruction_len);
	return VCPU_EXIT_RESUME;
}

int exit_handle_exception_nmi(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	struct vmx_intr_info info = vmx_decode_intr_info(exit->intr_info);
	struct vm *vm = vcpu->vm;

	/* Every exception or NMI exit has valid interruption information. */
	if (!info.valid)
		return vcpu_fail(vcpu, VCPU_EUNHANDLED_EXIT, "exception exit without valid interruption "
				 "information (0x%x) is not an SDM layout", exit->intr_info);
	switch (info.type) {
	case VMX_INTR_TYPE_NMI_INTR:
		/* With NMI exiting an NMI is the host's; nothing for the guest. */
		return VCPU_EXIT_RESUME;
	case VMX_INTR_TYPE_HARD_EXCEPTION:
		if (info.vector == VMX_VECTOR_MC)
			return vcpu_fail(vcpu, VCPU_EBACKEND, "machine check in the guest at RIP 0x%llx",
					 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP));
		if (info.vector == VMX_VECTOR_PF && vm->cb.page_fault) {
			int r = vm->cb.page_fault(vm->cb_opaque, vcpu, exit->qualification,
						  exit->intr_error_code);
			if (r < 0)
				return vcpu_fail(vcpu, r, "page-fault callback failed (%s) on #PF at 0x%llx, "
						 "error code 0x%x", vcpu_error_name(r),
						 (unsigned long long)exit->qualification, exit->intr_error_code);
			if (r > 0)
				return VCPU_EXIT_RESUME;
		}
		return reflect_exception(vcpu, exit);
	case VMX_INTR_TYPE_SOFT_EXCEPTION:
	case VMX_INTR_TYPE_PRIV_SW_EXCEPTION:
		return reflect_exception(vcpu, exit);
	default:
		return vcpu_fail(vcpu, VCPU_EUNHANDLED_EXIT,
				 "exception exit with interruption type %u (info 0x%x) is not an SDM layout",
				 (unsigned)info.type, exit->intr_info);
	}
}

/* A host interrupt arrived while the guest ran. Without "acknowledge
 * interrupt on exit" (the core's default) it is still pending in the host's
 * interrupt controller, which delivers it once the host enables interrupts. */
int exit_handle_external_interrupt(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return VCPU_EXIT_RESUME;
}

/* HLT: the VCPU sleeps until an event arrives. A deliverable event wakes
 * it at once, as it would a processor. */
int exit_handle_hlt(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	(void)exit;
	vcpu_skip_instruction(vcpu);
	vcpu->booking.halts++;
	if (vcpu->events.any && event_deliverable_now(vcpu))
		return VCPU_EXIT_RESUME;
	vcpu->halted = true;
	return VCPU_EXIT_RETURN;
}

/* PAUSE (PAUSE exiting, or pause-loop exiting's "spinning too long"): the
 * guest waits on something. Under libvcpu's scheduler, yield to the VCPU its
 * policy chooses, or go on spinning if there is none; otherwise give the
 * caller's own scheduler the chance to run someone else. */
int exit_handle_pause(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	(void)exit;
	vcpu_skip_instruction(vcpu);
	vcpu->booking.pause_exits++;
	if (!vcpu->vm->sched)
		return VCPU_EXIT_RETURN;
	if (!sched_pause_exit(vcpu))
		return VCPU_EXIT_RESUME;
	vcpu->yielded = true;
	return VCPU_EXIT_RETURN;
}

uint64_t vcpu_host_tsc(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	return vm->ops->host_tsc ? vm->ops->host_tsc(vm) : 0;
}

uint64_t vcpu_guest_tsc(struct vcpu *vcpu)
{
	uint64_t tsc = vcpu_host_tsc(vcpu);

	if (vmcs_val(vcpu, VMCS_SLOT_CPU_BASED_VM_EXEC_CONTROL) & VMX_CPU_BASED_USE_TSC_OFFSETTING)
		tsc += vmcs_val(vcpu, VMCS_SLOT_TSC_OFFSET);
	return tsc;
}

/* RDTSC / RDTSCP with "RDTSC exiting": EDX:EAX = host TSC + TSC offset,
 * and ECX = IA32_TSC_AUX for RDTSCP. */
int exit_handle_rdtsc(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	uint64_t tsc = vcpu_guest_tsc(vcpu);

	vcpu_set_gpr(vcpu, VCPU_REG_RAX, tsc & 0xffffffffull);
	vcpu_set_gpr(vcpu, VCPU_REG_RDX, tsc >> 32);
	if (vmx_exit_basic_reason(exit) == VMX_EXIT_REASON_RDTSCP)
		vcpu_set_gpr(vcpu, VCPU_REG_RCX, vcpu->tsc_aux & 0xffffffffull);
	vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}

int vcpu_set_tsc_offset(struct vcpu *vcpu, int64_t offset)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	vmcs_put(vcpu, VMCS_SLOT_TSC_OFFSET, (uint64_t)offset);
	return 0;
}

/* VMCALL: the embedder's hypercall hook; without one the guest sees what
 * a CPU without a hypervisor shows it, #UD. */
int exit_handle_vmcall(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	struct vm *vm = vcpu->vm;
	int r;

	(void)exit;
	if (vm->sched && (uint32_t)vcpu_gpr(vcpu, VCPU_REG_RAX) == SCHED_HC_LOCK_HOLDER) {
		r = sched_lock_holder_hint(vcpu, (uint32_t)vcpu_gpr(vcpu, VCPU_REG_RBX));
		vcpu_set_gpr(vcpu, VCPU_REG_RAX, r < 0 ? ~0ull : 0);
		vcpu_skip_instruction(vcpu);
		return VCPU_EXIT_RESUME;
	}
	if (!vm->cb.hypercall) {
		vcpu_raise_ud(vcpu);
		return VCPU_EXIT_RESUME;
	}
	r = vm->cb.hypercall(vm->cb_opaque, vcpu);
	if (r < 0)
		return vcpu_fail(vcpu, r, "hypercall callback failed (%s) at RIP 0x%llx", vcpu_error_name(r),
				 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP));
	vcpu_skip_instruction(vcpu);
	return r ? VCPU_EXIT_RETURN : VCPU_EXIT_RESUME;
}

/* XCR0 bits the guest may set: CPUID.(EAX=0DH,ECX=0):EDX:EAX, or x87, SSE
 * and AVX when the table says nothing. */
static uint64_t xcr0_supported(const struct vm *vm)
{
	const struct vcpu_cpuid_entry *e = cpuid_find(vm, 0xd, 0);

	return e ? ((uint64_t)e->edx << 32) | e->eax : 0x7;
}

/* XSETBV (SDM Vol. 2): #GP unless CPL 0, ECX = 0 (XCR0), x87 set, every
 * bit supported, AVX only with SSE, the AVX-512 bits 7:5 all or none and
 * only with AVX, and the AMX bits 18:17 both or none. Without CR4.OSXSAVE
 * it is #UD, which takes priority over the exit. */
static bool xcr0_valid(const struct vm *vm, uint64_t v)
{
	uint64_t avx512 = v & 0xe0, amx = v & 0x60000;

	return (v & 1) && !(v & ~xcr0_supported(vm)) && (!(v & 4) || (v & 2)) &&
	       (!avx512 || (avx512 == 0xe0 && (v & 4))) && (!amx || amx == 0x60000);
}

int exit_handle_xsetbv(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	uint64_t value = (vcpu_gpr(vcpu, VCPU_REG_RDX) << 32) |
			 (vcpu_gpr(vcpu, VCPU_REG_RAX) & 0xffffffffull);
	unsigned cpl = (unsigned)(vmcs_val(vcpu, VMCS_SLOT_GUEST_SS_AR_BYTES) >> VMX_AR_DPL_SHIFT) & 3;

	(void)exit;
	if (!(cr4_guest_view(vcpu) & VMX_CR4_OSXSAVE)) {
		vcpu_raise_ud(vcpu);
		return VCPU_EXIT_RESUME;
	}
	if (cpl != 0 || (vcpu_gpr(vcpu, VCPU_REG_RCX) & 0xffffffffull) != 0 || !xcr0_valid(vcpu->vm, value)) {
		vcpu_raise_gp(vcpu);
		return VCPU_EXIT_RESUME;
	}
	vmcs_put(vcpu, SLOT_XCR0, value);
	vcpu_skip_instruction(vcpu);
	return VCPU_EXIT_RESUME;
}

int vcpu_set_exception_intercept(struct vcpu *vcpu, unsigned vector, bool intercept)
{
	uint64_t bitmap;

	if (!vcpu || vector >= 32)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	bitmap = vmcs_val(vcpu, VMCS_SLOT_EXCEPTION_BITMAP);
	bitmap = intercept ? bitmap | (1ull << vector) : bitmap & ~(1ull << vector);
	vmcs_put(vcpu, VMCS_SLOT_EXCEPTION_BITMAP, bitmap);
	return 0;
}
