/*
 * libvcpu - VCPU lifecycle and the run loop.
 *
 *   created --run--> running --exit handled, RETURN--> runnable --run--> ...
 *                       |--HLT, nothing pending--> blocked --event queued--> runnable
 *   any state but running --destroy--> destroyed (the handle stays valid until
 *   vm_destroy, so late calls get VCPU_EDESTROYED instead of a dangling pointer)
 */
#include <string.h>

#include "core.h"
#include "fmt.h"

int vcpu_fail(struct vcpu *vcpu, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(vcpu->detail, sizeof(vcpu->detail), fmt, ap);
	va_end(ap);
	return err;
}

static int vcpu_usable(const struct vcpu *vcpu)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if (vcpu->state == VCPU_STATE_RUNNING)
		return VCPU_EBUSY;
	return 0;
}

/* A VMX instruction failed: the VM-instruction error the backend left is
 * the one a VMREAD must see next. */
static int vmx_insn_failed(struct vcpu *vcpu, int err, const char *what, int pcpu)
{
	slot_set_del(&vcpu->vmcs.cached, VMCS_SLOT_VM_INSTRUCTION_ERROR);
	if (vcpu->detail[0])
		return err;
	return vcpu_fail(vcpu, err, "%s on logical CPU %d failed: %s", what, pcpu, vcpu_strerror(err));
}

/* VMPTRLD on `pcpu` unless the VMCS is already current there. */
static int load_on(struct vcpu *vcpu, unsigned pcpu)
{
	struct vm *vm = vcpu->vm;
	int r;

	if (vm->current[pcpu] == vcpu)
		return 0;
	r = vm->ops->vmptrld(vcpu, pcpu);
	if (r < 0)
		return vmx_insn_failed(vcpu, r, "VMPTRLD", (int)pcpu);
	vm->current[pcpu] = vcpu;
	vcpu->pcpu = (int)pcpu;
	return 0;
}

/* VMCLEAR where the VMCS is active: its data reaches memory, it is current
 * nowhere, and the launch state is clear (the next entry is VMLAUNCH). */
static int clear(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int pcpu = vcpu->pcpu, r;

	if (pcpu < 0)
		return 0;
	r = vm->ops->vmclear(vcpu);
	if (r < 0)
		return vmx_insn_failed(vcpu, r, "VMCLEAR", pcpu);
	if (vm->current[pcpu] == vcpu)
		vm->current[pcpu] = NULL;
	vcpu->pcpu = -1;
	vcpu->launched = false;
	return 0;
}

int vcpu_create(struct vm *vm, unsigned id, struct vcpu **out)
{
	struct vcpu *vcpu;
	int r;

	if (!vm || !out)
		return VCPU_EINVAL;
	if (id >= VM_MAX_VCPUS)
		return VCPU_ELIMIT;
	if (vm->vcpus[id])
		return VCPU_EEXIST;

	vcpu = plat_alloc_aligned(sizeof(*vcpu), 4096);
	if (!vcpu)
		return VCPU_ENOMEM;
	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->io_bitmap = plat_alloc_aligned(8192, 4096);
	vcpu->msr_bitmap = plat_alloc_aligned(4096, 4096);
	if (!vcpu->io_bitmap || !vcpu->msr_bitmap) {
		r = VCPU_ENOMEM;
		goto fail_free;
	}
	/* Intercept every port and MSR until the embedder says otherwise. */
	memset(vcpu->io_bitmap, 0xff, 8192);
	memset(vcpu->msr_bitmap, 0xff, 4096);

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->state = VCPU_STATE_CREATED;
	vcpu->pcpu = -1;
	vcpu->vmcs.revision_id = (uint32_t)(vm->caps.basic & VMX_BASIC_REVISION_MASK);
	vcpu->booking.id = id;

	r = vm->ops->vcpu_init(vcpu);
	if (r < 0)
		goto fail_free;
	vcpu_setup_controls(vcpu);
	vcpu_setup_power_on_state(vcpu);
	if (vm->ops->power_on_written)
		vm->ops->power_on_written(vcpu);

	/* A new VMCS region is VMCLEARed before its first VMPTRLD. */
	r = vm->ops->vmclear(vcpu);
	if (r == 0)
		r = load_on(vcpu, id % vm->nr_pcpus);
	if (r < 0) {
		vm->ops->vcpu_fini(vcpu);
		goto fail_free;
	}
	vm->vcpus[id] = vcpu;
	*out = vcpu;
	return 0;

fail_free:
	plat_free(vcpu->io_bitmap);
	plat_free(vcpu->msr_bitmap);
	plat_free(vcpu);
	return r;
}

int vcpu_destroy(struct vcpu *vcpu)
{
	int r = vcpu_usable(vcpu);

	if (r < 0)
		return r;
	clear(vcpu);
	vcpu->vm->ops->vcpu_fini(vcpu);
	realmode_vcpu_fini(vcpu);
	vcpu->state = VCPU_STATE_DESTROYED;
	return 0;
}

void vcpu_request_exit(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	__atomic_store_n(&vcpu->exit_requested, 1, __ATOMIC_RELEASE);
	if (vcpu->vm->ops->request_exit)
		vcpu->vm->ops->request_exit(vcpu);
}

int vcpu_wake(struct vcpu *vcpu)
{
	if (!vcpu)
		return VCPU_EINVAL;
	if (vcpu->state == VCPU_STATE_DESTROYED)
		return VCPU_EDESTROYED;
	if (vcpu->state == VCPU_STATE_BLOCKED)
		vcpu->state = VCPU_STATE_RUNNABLE;
	return 0;
}

int vcpu_migrate(struct vcpu *vcpu, unsigned pcpu)
{
	int r = vcpu_usable(vcpu);

	if (r < 0)
		return r;
	if (pcpu >= vcpu->vm->nr_pcpus)
		return vcpu_fail(vcpu, VCPU_EINVAL, "logical CPU %u does not exist (VM has %u)", pcpu,
				 vcpu->vm->nr_pcpus);
	if ((int)pcpu == vcpu->pcpu)
		return 0;
	/* VMCLEAR on the source, VMPTRLD on the target; VMLAUNCH next. */
	r = clear(vcpu);
	if (r == 0)
		r = load_on(vcpu, pcpu);
	if (r < 0)
		return r;
	vcpu->booking.migrations++;
	return 0;
}

/* One entry and its exit, with the guest state left stale where the exit
 * may have changed it. Real mode without unrestricted guest takes the
 * virtual-8086 path (realmode.c). */
static int enter_guest(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int r;

	/* CR0.PG stays 1 without unrestricted guest: with the guest's paging
	 * off, the hardware walks the identity map instead. */
	if (!vm->unrestricted_guest && !vm->identity_map_gpa && !(cr0_guest_view(vcpu) & VMX_CR0_PG))
		return vcpu_fail(vcpu, VCPU_ENOTSUP, "without unrestricted guest, real mode and protected "
				 "mode without paging run on an identity map: call vm_set_identity_map()");
	if (realmode_active(vcpu))
		return realmode_enter(vcpu, !vcpu->launched);
	r = vcpu->vm->ops->enter(vcpu, !vcpu->launched);
	if (r < 0)
		return r;
	/* A failed entry (bit 31) leaves the launch state as it was. */
	if (!vmx_exit_is_failed_entry(&vcpu->exit))
		vcpu->launched = true;
	vmcs_invalidate_volatile(vcpu);
	return r;
}

int vcpu_run(struct vcpu *vcpu)
{
	struct vm *vm;
	int r = vcpu_usable(vcpu);

	if (r < 0)
		return r;
	vm = vcpu->vm;
	if (vcpu->state == VCPU_STATE_BLOCKED && !vcpu->events.any)
		return vcpu_fail(vcpu, VCPU_EBLOCKED, "VCPU %u is halted and no interrupt is queued",
				 vcpu->id);
	vcpu->detail[0] = '\0';
	vcpu->has_entry_failure = false;
	/* Another VCPU may have been current on this logical CPU since. */
	r = load_on(vcpu, vcpu->pcpu >= 0 ? (unsigned)vcpu->pcpu : vcpu->id % vm->nr_pcpus);
	if (r < 0)
		return r;
	vcpu->state = VCPU_STATE_RUNNING;
	vcpu->halted = false;
	vcpu->yielded = false;

	for (;;) {
		if (exit_request_take(vcpu)) {
			r = vcpu_fail(vcpu, VCPU_EINTR, "VCPU %u: run interrupted on request", vcpu->id);
			break;
		}
		if (vcpu->events.any) {
			r = event_prepare_entry(vcpu);
			if (r < 0)
				break;
		}
		r = vmcs_flush(vcpu);
		if (r < 0)
			break;
		vcpu->insn_completed = false;
		r = enter_guest(vcpu);
		vcpu->booking.entries++;
		if (r < 0) {
			slot_set_del(&vcpu->vmcs.cached, VMCS_SLOT_VM_INSTRUCTION_ERROR);
			break;
		}
		vcpu->booking.exits++;
		/* A failed entry (bit 31) leaves the entry event as it was (SDM
		 * 26.7); an exit delivered the event and cleared its valid bit
		 * ("Information for VM Exits"). */
		if (!vmx_exit_is_failed_entry(&vcpu->exit)) {
			vcpu->vmcs.val[VMCS_SLOT_VM_ENTRY_INTR_INFO_FIELD] &=
				~(uint64_t)VMX_INTR_INFO_VALID_MASK;
			event_after_exit(vcpu);
		}
		r = exit_dispatch(vcpu);
		if (r != VCPU_EXIT_RESUME)
			break;
	}
	vcpu->state = vcpu->halted ? VCPU_STATE_BLOCKED :
		      vcpu->yielded ? VCPU_STATE_YIELDED : VCPU_STATE_RUNNABLE;
	if (vcpu->yielded)
		vcpu->booking.yields++;
	return r > 0 ? 0 : r;
}

void vcpu_get_booking(const struct vcpu *vcpu, struct vcpu_booking *out)
{
	*out = vcpu->booking;
	out->state = vcpu->state;
	out->pcpu = vcpu->pcpu;
	out->launched = vcpu->launched;
}

struct vm *vcpu_vm(const struct vcpu *vcpu)
{
	return vcpu->vm;
}

unsigned vcpu_id(const struct vcpu *vcpu)
{
	return vcpu->id;
}

const struct vmx_exit *vcpu_last_exit(const struct vcpu *vcpu)
{
	return &vcpu->exit;
}

const char *vcpu_error_detail(const struct vcpu *vcpu)
{
	return vcpu->detail;
}

const struct vmx_entry_failure *vcpu_entry_failure(const struct vcpu *vcpu)
{
	return vcpu->has_entry_failure ? &vcpu->entry_failure : NULL;
}

const char *vcpu_state_name(enum vcpu_state state)
{
	static const char *const names[] = {
		[VCPU_STATE_CREATED] = "created",   [VCPU_STATE_RUNNABLE] = "runnable",
		[VCPU_STATE_RUNNING] = "running",   [VCPU_STATE_BLOCKED] = "blocked",
		[VCPU_STATE_YIELDED] = "yielded",   [VCPU_STATE_DESTROYED] = "destroyed",
	};

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

void vcpu_skip_instruction(struct vcpu *vcpu)
{
	uint64_t intr, rip;

	if (!vcpu || vcpu->insn_completed)
		return;
	rip = vmcs_val(vcpu, VMCS_SLOT_GUEST_RIP) + vcpu->exit.instruction_len;

	/* Outside 64-bit mode the instruction pointer wraps at the code
	 * segment's size: 32 bits, or 16 in a 16-bit segment (real mode).
	 * Below 64 KiB no mode wraps, so the mode is not even read. */
	if (rip > 0xffff && !vcpu_in_long_mode(vcpu))
		rip &= (vmcs_val(vcpu, VMCS_SLOT_GUEST_CS_AR_BYTES) & VMX_AR_DB_MASK) ? 0xffffffffull : 0xffffull;
	vmcs_put(vcpu, VMCS_SLOT_GUEST_RIP, rip);

	/* The instruction completed: blocking by STI or MOV SS lasted exactly
	 * that one instruction (SDM "Interruptibility State")... */
	intr = vmcs_val(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO);
	if (intr & (VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS))
		vmcs_put(vcpu, VMCS_SLOT_GUEST_INTERRUPTIBILITY_INFO,
			 intr & ~(uint64_t)(VMX_GUEST_INTR_STATE_STI | VMX_GUEST_INTR_STATE_MOV_SS));
	/* ...and under RFLAGS.TF it ends in a single-step trap, which a
	 * pending BS debug exception delivers after the next entry. */
	if (vmcs_val(vcpu, VMCS_SLOT_GUEST_RFLAGS) & VMX_RFLAGS_TF)
		vmcs_put(vcpu, VMCS_SLOT_GUEST_PENDING_DBG_EXCEPTIONS,
			 vmcs_val(vcpu, VMCS_SLOT_GUEST_PENDING_DBG_EXCEPTIONS) | (1u << 14));
}

/* EFER.LMA is kept on every backend (VMX saves it into the "IA-32e mode
 * guest" control, which not every backend has). */
bool vcpu_in_long_mode(struct vcpu *vcpu)
{
	return (vmcs_val(vcpu, vcpu->vm->efer_slot) & VMX_EFER_LMA) &&
	       (vmcs_val(vcpu, VMCS_SLOT_GUEST_CS_AR_BYTES) & VMX_AR_L_MASK);
}
