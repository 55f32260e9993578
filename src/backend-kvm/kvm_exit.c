/*
 * libvcpu - KVM_RUN and its exits in the common form: SDM basic reasons and
 * SDM-shaped qualifications, with KVM's data buffers for I/O and MMIO.
 * KVM completes the instructions behind I/O, MMIO and HLT exits itself
 * (its RIP is already past HLT; it finishes IN/OUT/MMIO on the next
 * KVM_RUN), so those exits tell the core not to advance RIP.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fmt.h"
#include "kvm_internal.h"

int kvm_vcpu_ioctl(struct vcpu *vcpu, unsigned long request, void *arg, const char *name)
{
	struct kvm_vcpu_data *kv = kvm_vcpu_of(vcpu);
	int r;

	do
		r = ioctl(kv->fd, request, arg);
	while (r < 0 && errno == EINTR);
	kv->stats.state_ioctls++;
	if (r < 0)
		return vcpu_fail(vcpu, VCPU_EBACKEND, "%s on VCPU %u: %s", name,
				 vcpu->id, strerror(errno));
	return r;
}

static const char *kvm_exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_HYPERCALL: return "KVM_EXIT_HYPERCALL";
	case KVM_EXIT_IRQ_WINDOW_OPEN: return "KVM_EXIT_IRQ_WINDOW_OPEN";
	case KVM_EXIT_SET_TPR: return "KVM_EXIT_SET_TPR";
	case KVM_EXIT_TPR_ACCESS: return "KVM_EXIT_TPR_ACCESS";
	case KVM_EXIT_NMI: return "KVM_EXIT_NMI";
	case KVM_EXIT_SYSTEM_EVENT: return "KVM_EXIT_SYSTEM_EVENT";
	case KVM_EXIT_X86_RDMSR: return "KVM_EXIT_X86_RDMSR";
	case KVM_EXIT_X86_WRMSR: return "KVM_EXIT_X86_WRMSR";
	default: return "an exit this backend does not know";
	}
}

static const char *internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION: return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "exit during event delivery";
	default: return "unknown suberror";
	}
}

/* KVM_EXIT_IO: qualification in the SDM layout; KVM does not say whether
 * it was a string instruction, only how many elements the buffer holds. */
static void io_exit(struct vcpu *vcpu, const struct kvm_run *run)
{
	struct vmx_exit *e = &vcpu->exit;
	bool many = run->io.count > 1;

	e->reason = VMX_EXIT_REASON_IO_INSTRUCTION;
	e->qualification = (uint64_t)(run->io.size - 1) | (run->io.direction == KVM_EXIT_IO_IN ? 8u : 0) |
			   (many ? 0x30u : 0) | ((uint64_t)run->io.port << 16);
	e->data = (uint8_t *)run + run->io.data_offset;
	e->data_count = run->io.count;
	e->data_size = run->io.size;
	vcpu->insn_completed = true;
}

/* KVM_EXIT_MMIO: an EPT violation on a guest-physical address no memory
 * region backs (qualification bit 0 read, bit 1 write). */
static void mmio_exit(struct vcpu *vcpu, struct kvm_run *run)
{
	struct vmx_exit *e = &vcpu->exit;

	e->reason = VMX_EXIT_REASON_EPT_VIOLATION;
	e->qualification = run->mmio.is_write ? 2 : 1;
	e->guest_physical_address = run->mmio.phys_addr;
	e->data = run->mmio.data;
	e->data_count = 1;
	e->data_size = run->mmio.len;
	vcpu->insn_completed = true;
}

/* KVM_EXIT_DEBUG: the exception the guest-debug interception caught. */
static void debug_exit(struct vcpu *vcpu, const struct kvm_run *run)
{
	struct vmx_exit *e = &vcpu->exit;
	uint8_t vector = (uint8_t)run->debug.arch.exception;

	e->reason = VMX_EXIT_REASON_EXCEPTION_NMI;
	e->intr_info = vmx_intr_info_make(vector, vector == VMX_VECTOR_BP ? VMX_INTR_TYPE_SOFT_EXCEPTION
									 : VMX_INTR_TYPE_HARD_EXCEPTION, false);
	e->instruction_len = vector == VMX_VECTOR_BP ? 1 : 0;
	e->qualification = run->debug.arch.dr6;
}

static int translate(struct vcpu *vcpu, struct kvm_run *run)
{
	struct vmx_exit *e = &vcpu->exit;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		io_exit(vcpu, run);
		return 0;
	case KVM_EXIT_MMIO:
		mmio_exit(vcpu, run);
		return 0;
	case KVM_EXIT_HLT:
		/* KVM's RIP is already past the (one-byte) HLT. */
		e->reason = VMX_EXIT_REASON_HLT;
		e->instruction_len = 1;
		e->rip_advanced = true;
		vcpu->insn_completed = true;
		return 0;
	case KVM_EXIT_SHUTDOWN:
		e->reason = VMX_EXIT_REASON_TRIPLE_FAULT;
		return 0;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		e->reason = VMX_EXIT_REASON_INTERRUPT_WINDOW;
		return 0;
	case KVM_EXIT_INTR:
		/* A signal reached the VCPU thread: a host event. */
		e->reason = VMX_EXIT_REASON_EXTERNAL_INTERRUPT;
		return 0;
	case KVM_EXIT_DEBUG:
		debug_exit(vcpu, run);
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		e->reason = VMX_EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_VMENTRY;
		e->backend_info = run->fail_entry.hardware_entry_failure_reason;
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		return vcpu_fail(vcpu, VCPU_EBACKEND, "KVM internal error %u (%s) at RIP 0x%llx",
				 run->internal.suberror, internal_error_name(run->internal.suberror),
				 (unsigned long long)vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP));
	case KVM_EXIT_SYSTEM_EVENT:
		/* The guest asked KVM to shut down or reset the machine. */
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ||
		    run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
			e->reason = VMX_EXIT_REASON_TRIPLE_FAULT;
			return 0;
		}
		return vcpu_fail(vcpu, VCPU_EBACKEND, "KVM system event %u", run->system_event.type);
	default:
		return vcpu_fail(vcpu, VCPU_EBACKEND, "KVM exit %u (%s) has no VMX equivalent here",
				 run->exit_reason, kvm_exit_name(run->exit_reason));
	}
}

int kvm_enter(struct vcpu *vcpu, bool launch)
{
	struct kvm_vcpu_data *kv = kvm_vcpu_of(vcpu);
	struct kvm_run *run = kv->run;
	int r;

	(void)launch;	/* KVM keeps its own VMCS and launch state */
	if (kv->pin_pending >= 0) {
		r = kvm_pin_thread(vcpu, (unsigned)kv->pin_pending);
		if (r < 0)
			return r;
	}
	memset(&vcpu->exit, 0, sizeof(vcpu->exit));
	kv->stats.runs++;
	kv->stats.state_ioctls_eager += 4;
	r = ioctl(kv->fd, KVM_RUN, 0);
	__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_RELEASE);
	/* Whatever happened, the guest may have run: nothing fetched before
	 * is current, even for an error (whose message reads RIP). */
	kv->fresh_groups = 0;
	vmcs_invalidate_volatile(vcpu);
	if (r < 0) {
		if (errno == EINTR) {
			vcpu->exit.reason = VMX_EXIT_REASON_EXTERNAL_INTERRUPT;
			return 0;
		}
		return vcpu_fail(vcpu, VCPU_EBACKEND, "KVM_RUN on VCPU %u: %s", vcpu->id, strerror(errno));
	}
	return translate(vcpu, run);
}
