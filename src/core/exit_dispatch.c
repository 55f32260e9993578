/*
 * libvcpu - exit dispatch: one slot per basic exit reason, the embedder's
 * handler if registered, else the core's default. No slot is empty: a
 * reason the core cannot handle has an explicit "unhandled" default that
 * fails with a named error, and the VMX instructions (no nested VMX) raise
 * #UD in the guest. Nothing ever silently skips an instruction.
 *
 * Return convention (all handlers): VCPU_EXIT_RESUME to re-enter,
 * VCPU_EXIT_RETURN to return 0 from vcpu_run(), or a negative error.
 */
#include "core.h"

static const char *reason_name(unsigned basic)
{
	const char *name = vmx_exit_reason_name(basic);

	return name ? name : "not an SDM exit reason";
}

static int exit_unhandled(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	unsigned basic = vmx_exit_basic_reason(exit);

	return vcpu_fail(vcpu, VCPU_EUNHANDLED_EXIT,
			 "exit reason %u (%s) has no handler: qualification 0x%llx, RIP 0x%llx",
			 basic, reason_name(basic), (unsigned long long)exit->qualification,
			 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP));
}

/* VMX instructions in the guest: this library offers no nested VMX, so the
 * guest sees what a CPU without VMX shows it, #UD. */
static int exit_vmx_instruction(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	(void)exit;
	vcpu_raise_ud(vcpu);
	return VCPU_EXIT_RESUME;
}

static int exit_triple_fault(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	(void)exit;
	return vcpu_fail(vcpu, VCPU_ETRIPLE_FAULT,
			 "guest triple fault at RIP 0x%llx (CR0 0x%llx, RFLAGS 0x%llx): the guest "
			 "could not deliver an exception and would have shut down",
			 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP),
			 (unsigned long long)cr0_guest_view(vcpu),
			 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS));
}

/* Reason 33 with bit 31: the guest state failed a check. Name the check
 * from the core's own list rather than report a bare reason. */
static int exit_invalid_guest_state(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	struct vmx_entry_failure *f = &vcpu->entry_failure;
	struct vmx_entry_failure backend = *f;

	/* Reason 33: the controls and host state passed; only guest checks
	 * can name what failed. */
	if (vcpu_check_guest_state(vcpu, f) < 0) {
		vcpu->has_entry_failure = true;
		return vcpu_fail(vcpu, VCPU_EENTRY_GUEST, "VM entry failed: %s [%s, SDM %s]",
				 f->message, f->name, f->sdm);
	}
	/* The backend's copy of the state failed a check the core's passes
	 * (it was changed behind the core's back): report the backend's. */
	if (vcpu->has_entry_failure) {
		*f = backend;
		return vcpu_fail(vcpu, VCPU_EENTRY_GUEST, "VM entry failed: %s [%s, SDM %s] (the core's copy of "
				 "the guest state passes)", f->message, f->name, f->sdm);
	}
	return vcpu_fail(vcpu, VCPU_EENTRY_GUEST,
			 "VM entry failed with invalid guest state (qualification %llu, backend reason "
			 "0x%llx), but no check of the core's fails on this state; dump it to compare",
			 (unsigned long long)exit->qualification, (unsigned long long)exit->backend_info);
}

static int exit_msr_load_failed(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	return vcpu_fail(vcpu, VCPU_EENTRY_MSR_LOAD,
			 "VM entry failed loading MSR entry %llu of the VM-entry MSR-load area",
			 (unsigned long long)exit->qualification);
}

static int exit_machine_check(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	(void)exit;
	return vcpu_fail(vcpu, VCPU_EBACKEND, "VM entry failed: machine-check event during entry");
}

/* Default handlers, by basic reason: every slot starts as exit_unhandled and
 * the reasons the core handles override it (hence the pragma). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const default_exit_handler_fn default_exit_handlers[VMX_NR_EXIT_REASONS] = {
	[0 ... VMX_NR_EXIT_REASONS - 1] = exit_unhandled,
	[VMX_EXIT_REASON_EXCEPTION_NMI] = exit_handle_exception_nmi,
	[VMX_EXIT_REASON_EXTERNAL_INTERRUPT] = exit_handle_external_interrupt,
	[VMX_EXIT_REASON_TRIPLE_FAULT] = exit_triple_fault,
	[VMX_EXIT_REASON_INTERRUPT_WINDOW] = exit_handle_interrupt_window,
	[VMX_EXIT_REASON_NMI_WINDOW] = exit_handle_interrupt_window,
	[VMX_EXIT_REASON_CPUID] = exit_handle_cpuid,
	[VMX_EXIT_REASON_HLT] = exit_handle_hlt,
	[VMX_EXIT_REASON_RDTSC] = exit_handle_rdtsc,
	[VMX_EXIT_REASON_RDTSCP] = exit_handle_rdtsc,
	[VMX_EXIT_REASON_VMCALL] = exit_handle_vmcall,
	[VMX_EXIT_REASON_VMCLEAR] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMLAUNCH] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMPTRLD] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMPTRST] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMREAD] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMRESUME] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMWRITE] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMOFF] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMON] = exit_vmx_instruction,
	[VMX_EXIT_REASON_INVEPT] = exit_vmx_instruction,
	[VMX_EXIT_REASON_INVVPID] = exit_vmx_instruction,
	[VMX_EXIT_REASON_VMFUNC] = exit_vmx_instruction,
	[VMX_EXIT_REASON_CR_ACCESS] = exit_handle_cr_access,
	[VMX_EXIT_REASON_IO_INSTRUCTION] = exit_handle_io,
	[VMX_EXIT_REASON_MSR_READ] = exit_handle_msr_read,
	[VMX_EXIT_REASON_MSR_WRITE] = exit_handle_msr_write,
	[VMX_EXIT_REASON_INVALID_STATE] = exit_invalid_guest_state,
	[VMX_EXIT_REASON_MSR_LOAD_FAIL] = exit_msr_load_failed,
	[VMX_EXIT_REASON_PAUSE_INSTRUCTION] = exit_handle_pause,
	[VMX_EXIT_REASON_MCE_DURING_VMENTRY] = exit_machine_check,
	[VMX_EXIT_REASON_XSETBV] = exit_handle_xsetbv,
	[VMX_EXIT_REASON_EPT_VIOLATION] = exit_handle_ept_violation,
};
#pragma GCC diagnostic pop

int vcpu_default_exit_handler(struct vcpu *vcpu, const struct vmx_exit *exit)
{
	unsigned basic;

	if (!vcpu || !exit)
		return VCPU_EINVAL;
	basic = vmx_exit_basic_reason(exit);
	if (basic >= VMX_NR_EXIT_REASONS)
		return vcpu_fail(vcpu, VCPU_EUNHANDLED_EXIT,
				 "exit reason %u is not an SDM basic exit reason (qualification 0x%llx)",
				 basic, (unsigned long long)exit->qualification);
	return default_exit_handlers[basic](vcpu, exit);
}

/* Bit 31 comes only with the entry-failure reasons (SDM Appendix C). */
static bool failure_reason(unsigned basic)
{
	return basic == VMX_EXIT_REASON_INVALID_STATE || basic == VMX_EXIT_REASON_MSR_LOAD_FAIL ||
	       basic == VMX_EXIT_REASON_MCE_DURING_VMENTRY;
}

int exit_dispatch(struct vcpu *vcpu)
{
	const struct vmx_exit *exit = &vcpu->exit;
	unsigned basic = vmx_exit_basic_reason(exit);
	const struct exit_handler *h;
	int r;

	/* A failed entry first: no guest instruction ran, so no handler for
	 * an instruction may act on it. */
	if (vmx_exit_is_failed_entry(exit) != failure_reason(basic))
		return vcpu_fail(vcpu, VCPU_EUNHANDLED_EXIT,
				 "exit reason 0x%x: basic reason %u (%s) %s the entry-failure bit, which "
				 "no processor reports", exit->reason, basic, reason_name(basic),
				 vmx_exit_is_failed_entry(exit) ? "with" : "without");
	if (basic >= VMX_NR_EXIT_REASONS)
		return vcpu_default_exit_handler(vcpu, exit);
	h = &vcpu->vm->handlers[basic];
	vcpu->in_handler = true;
	r = h->fn ? h->fn(vcpu, exit, h->opaque) : default_exit_handlers[basic](vcpu, exit);
	vcpu->in_handler = false;
	/* An embedder's handler may fail without saying why: say which. */
	if (r < 0 && !vcpu->detail[0])
		return vcpu_fail(vcpu, r, "the handler of exit reason %u (%s) failed with %s", basic,
				 reason_name(basic), vcpu_error_name(r));
	return r;
}
